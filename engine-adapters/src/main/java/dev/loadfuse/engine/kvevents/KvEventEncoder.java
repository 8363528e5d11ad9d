package dev.loadfuse.engine.kvevents;

import dev.loadfuse.engine.kvevents.KvEvent.AllBlocksCleared;
import dev.loadfuse.engine.kvevents.KvEvent.BlockRemoved;
import dev.loadfuse.engine.kvevents.KvEvent.BlockStored;
import dev.loadfuse.engine.kvevents.KvEvent.Tier;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import org.msgpack.core.MessageBufferPacker;
import org.msgpack.core.MessagePack;

/**
 * Writes {@code EventBatch} payloads as vLLM does, for the simulator and tests: the batch
 * positional, events positional ({@link Encoding#ARRAY}, vLLM ≤ 0.23, SGLang) or as maps ({@link
 * Encoding#MAP}, vLLM 0.26+). Hashes go out as unsigned 64-bit integers (vLLM's default).
 */
public final class KvEventEncoder {

  public enum Encoding {
    ARRAY,
    MAP
  }

  private KvEventEncoder() {}

  public static byte[] encode(KvEventBatch batch, Encoding encoding) {
    try (MessageBufferPacker p = MessagePack.newDefaultBufferPacker()) {
      p.packArrayHeader(batch.dataParallelRank() < 0 ? 2 : 3);
      p.packDouble(batch.timestampSeconds());
      p.packArrayHeader(batch.events().size());
      for (KvEvent e : batch.events()) {
        if (encoding == Encoding.ARRAY) {
          array(p, e);
        } else {
          map(p, e);
        }
      }
      if (batch.dataParallelRank() >= 0) {
        p.packInt(batch.dataParallelRank());
      }
      return p.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void array(MessageBufferPacker p, KvEvent e) throws IOException {
    switch (e) {
      case BlockStored s -> {
        boolean tail = s.groupIdx() >= 0 || s.specKind() != null;
        p.packArrayHeader(tail ? 11 : 8);
        p.packString("BlockStored");
        hashes(p, s.blockHashes());
        if (s.hasParent()) {
          hash(p, s.parentHash());
        } else {
          p.packNil();
        }
        tokens(p, s.tokenIds());
        p.packInt(s.blockSize());
        p.packNil(); // lora_id
        p.packString(medium(s.tier()));
        nullable(p, s.loraName());
        if (tail) {
          p.packNil(); // extra_keys
          if (s.groupIdx() >= 0) {
            p.packInt(s.groupIdx());
          } else {
            p.packNil();
          }
          nullable(p, s.specKind());
        }
      }
      case BlockRemoved r -> {
        p.packArrayHeader(r.groupIdx() >= 0 ? 4 : 3);
        p.packString("BlockRemoved");
        hashes(p, r.blockHashes());
        p.packString(medium(r.tier()));
        if (r.groupIdx() >= 0) {
          p.packInt(r.groupIdx());
        }
      }
      case AllBlocksCleared c -> {
        p.packArrayHeader(1);
        p.packString("AllBlocksCleared");
      }
    }
  }

  private static void map(MessageBufferPacker p, KvEvent e) throws IOException {
    switch (e) {
      case BlockStored s -> {
        p.packMapHeader(8 + (s.groupIdx() >= 0 ? 1 : 0));
        p.packString("type").packString("BlockStored");
        p.packString("block_hashes");
        hashes(p, s.blockHashes());
        p.packString("parent_block_hash");
        if (s.hasParent()) {
          hash(p, s.parentHash());
        } else {
          p.packNil();
        }
        p.packString("token_ids");
        tokens(p, s.tokenIds());
        p.packString("block_size").packInt(s.blockSize());
        p.packString("lora_id").packNil();
        p.packString("medium").packString(medium(s.tier()));
        p.packString("lora_name");
        nullable(p, s.loraName());
        if (s.groupIdx() >= 0) {
          p.packString("group_idx").packInt(s.groupIdx());
        }
      }
      case BlockRemoved r -> {
        p.packMapHeader(3 + (r.groupIdx() >= 0 ? 1 : 0));
        p.packString("type").packString("BlockRemoved");
        p.packString("block_hashes");
        hashes(p, r.blockHashes());
        p.packString("medium").packString(medium(r.tier()));
        if (r.groupIdx() >= 0) {
          p.packString("group_idx").packInt(r.groupIdx());
        }
      }
      case AllBlocksCleared c -> {
        p.packMapHeader(1);
        p.packString("type").packString("AllBlocksCleared");
      }
    }
  }

  private static String medium(Tier t) {
    return t == Tier.GPU ? "GPU" : "CPU";
  }

  private static void nullable(MessageBufferPacker p, String s) throws IOException {
    if (s == null) {
      p.packNil();
    } else {
      p.packString(s);
    }
  }

  private static void hashes(MessageBufferPacker p, long[] hs) throws IOException {
    p.packArrayHeader(hs.length);
    for (long h : hs) {
      hash(p, h);
    }
  }

  private static void hash(MessageBufferPacker p, long h) throws IOException {
    if (h < 0) {
      p.packBigInteger(new BigInteger(Long.toUnsignedString(h)));
    } else {
      p.packLong(h);
    }
  }

  private static void tokens(MessageBufferPacker p, int[] t) throws IOException {
    p.packArrayHeader(t.length);
    for (int x : t) {
      p.packInt(x);
    }
  }
}
