package dev.loadfuse.engine.kvevents;

import dev.loadfuse.engine.kvevents.KvEvent.AllBlocksCleared;
import dev.loadfuse.engine.kvevents.KvEvent.BlockRemoved;
import dev.loadfuse.engine.kvevents.KvEvent.BlockStored;
import dev.loadfuse.engine.kvevents.KvEvent.Tier;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import net.openhft.hashing.LongHashFunction;
import org.msgpack.core.MessageFormat;
import org.msgpack.core.MessagePack;
import org.msgpack.core.MessagePackException;
import org.msgpack.core.MessageUnpacker;
import org.msgpack.value.ValueType;

/**
 * Decodes a vLLM or SGLang {@code EventBatch} payload (msgpack, msgspec's layout).
 *
 * <p>The batch is positional ({@code [ts, events, data_parallel_rank?]}; a map with the same
 * names is accepted too). Each event is accepted in <em>both</em> encodings: the positional one
 * ({@code ["BlockStored", block_hashes, parent_block_hash, token_ids, block_size, lora_id, medium,
 * lora_name, extra_keys, group_idx, kv_cache_spec_kind, kv_cache_spec_sliding_window]}, trailing
 * fields optional, as in every vLLM up to ~0.23 and SGLang) and the map one ({@code {"type":
 * "BlockStored", ...}}, vLLM 0.26+). Unknown trailing fields and unknown keys are skipped, so newer
 * engines decode. Block hashes are accepted as signed or unsigned 64-bit integers or as bytes (the
 * last 8 bytes, big-endian, as vLLM folds them).
 *
 * <p>Stateless and thread-safe. Every structural error is a {@link KvEventFormatException} naming
 * the path, e.g. {@code events[2].token_ids[5]: STRING (expected: integer)}.
 */
public final class KvEventDecoder {

  /** Events above this in one batch are refused. */
  public static final int MAX_EVENTS_PER_BATCH = 100_000;
  /** Hashes above this in one event are refused. */
  public static final int MAX_BLOCKS_PER_EVENT = 65_536;
  /** Tokens above this in one event are refused. */
  public static final int MAX_TOKENS_PER_EVENT = 4 << 20;
  /** Strings (tags, names, media) above this many bytes are refused. */
  public static final int MAX_STRING_BYTES = 4096;

  private static final LongHashFunction EXTRA_HASH = LongHashFunction.xx3();

  private KvEventDecoder() {}

  public static KvEventBatch decode(byte[] payload) throws KvEventFormatException {
    try (MessageUnpacker in = MessagePack.newDefaultUnpacker(payload)) {
      KvEventBatch batch = readBatch(in, payload);
      if (in.hasNext()) {
        throw new KvEventFormatException("payload: " + (payload.length - in.getTotalReadBytes()) + " bytes after the batch (expected: one msgpack value)");
      }
      return batch;
    } catch (MessagePackException | IOException e) {
      throw new KvEventFormatException("payload: not valid msgpack (" + e.getMessage() + ")", e);
    }
  }

  private static KvEventBatch readBatch(MessageUnpacker in, byte[] raw) throws IOException, KvEventFormatException {
    ValueType t = type(in, "batch");
    double ts = 0;
    List<KvEvent> events = null;
    int rank = -1;
    if (t == ValueType.ARRAY) {
      int n = in.unpackArrayHeader();
      if (n < 2) {
        throw new KvEventFormatException("batch: array of " + n + " (expected: [ts, events, data_parallel_rank?])");
      }
      ts = readDouble(in, "batch.ts");
      events = readEvents(in, raw);
      if (n >= 3) {
        rank = readOptionalInt(in, "batch.data_parallel_rank", -1);
      }
      for (int i = 3; i < n; i++) {
        in.skipValue();
      }
    } else if (t == ValueType.MAP) {
      int n = in.unpackMapHeader();
      for (int i = 0; i < n; i++) {
        String key = readString(in, "batch key");
        switch (key) {
          case "ts" -> ts = readDouble(in, "batch.ts");
          case "events" -> events = readEvents(in, raw);
          case "data_parallel_rank" -> rank = readOptionalInt(in, "batch.data_parallel_rank", -1);
          default -> in.skipValue();
        }
      }
      if (events == null) {
        throw new KvEventFormatException("batch: no \"events\" (expected: a map with ts and events)");
      }
    } else {
      throw new KvEventFormatException("batch: " + t + " (expected: array [ts, events, data_parallel_rank?])");
    }
    return new KvEventBatch(ts, events, rank);
  }

  private static List<KvEvent> readEvents(MessageUnpacker in, byte[] raw) throws IOException, KvEventFormatException {
    ValueType t = type(in, "events");
    if (t != ValueType.ARRAY) {
      throw new KvEventFormatException("events: " + t + " (expected: array)");
    }
    int n = in.unpackArrayHeader();
    if (n > MAX_EVENTS_PER_BATCH) {
      throw new KvEventFormatException("events: " + n + " (expected: at most " + MAX_EVENTS_PER_BATCH + ")");
    }
    List<KvEvent> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      out.add(readEvent(in, raw, "events[" + i + "]"));
    }
    return out;
  }

  /** Field values of one event, whichever encoding carried them. */
  private static final class Fields {
    String tag;
    long[] hashes;
    boolean hasParent;
    long parent;
    int[] tokens;
    int blockSize;
    String medium;
    String loraName;
    long[] extra;
    int group = -1;
    String kind;
  }

  private static final String[] STORED_ORDER = {
    "block_hashes", "parent_block_hash", "token_ids", "block_size", "lora_id", "medium",
    "lora_name", "extra_keys", "group_idx", "kv_cache_spec_kind", "kv_cache_spec_sliding_window"
  };
  private static final String[] REMOVED_ORDER = {"block_hashes", "medium", "group_idx"};

  private static KvEvent readEvent(MessageUnpacker in, byte[] raw, String path) throws IOException, KvEventFormatException {
    ValueType t = type(in, path);
    Fields f = new Fields();
    if (t == ValueType.ARRAY) {
      int n = in.unpackArrayHeader();
      if (n < 1) {
        throw new KvEventFormatException(path + ": empty array (expected: [tag, fields...])");
      }
      f.tag = readString(in, path + "[0]");
      String[] order = switch (f.tag) {
        case "BlockStored" -> STORED_ORDER;
        case "BlockRemoved" -> REMOVED_ORDER;
        case "AllBlocksCleared" -> new String[0];
        default -> throw unknownTag(path, f.tag);
      };
      for (int i = 1; i < n; i++) {
        if (i - 1 < order.length) {
          readField(in, raw, f, order[i - 1], path);
        } else {
          in.skipValue();
        }
      }
    } else if (t == ValueType.MAP) {
      int n = in.unpackMapHeader();
      for (int i = 0; i < n; i++) {
        String key = readString(in, path + " key");
        if (key.equals("type")) {
          f.tag = readString(in, path + ".type");
        } else {
          readField(in, raw, f, key, path);
        }
      }
      if (f.tag == null) {
        throw new KvEventFormatException(path + ": map without \"type\" (expected: BlockStored, BlockRemoved or AllBlocksCleared)");
      }
    } else {
      throw new KvEventFormatException(path + ": " + t + " (expected: array or map)");
    }
    return switch (f.tag) {
      case "BlockStored" -> {
        requireHashes(f, path);
        int[] tokens = f.tokens == null ? new int[0] : f.tokens;
        if (f.extra != null && f.extra.length != f.hashes.length) {
          f.extra = null; // misaligned extra keys: ignore rather than guess which block they belong to
        }
        yield new BlockStored(f.hashes, f.hasParent, f.parent, tokens, f.blockSize, f.loraName,
            Tier.ofMedium(f.medium), f.extra, f.group, f.kind);
      }
      case "BlockRemoved" -> {
        requireHashes(f, path);
        yield new BlockRemoved(f.hashes, Tier.ofMedium(f.medium), f.group);
      }
      case "AllBlocksCleared" -> AllBlocksCleared.INSTANCE;
      default -> throw unknownTag(path, f.tag);
    };
  }

  private static void requireHashes(Fields f, String path) throws KvEventFormatException {
    if (f.hashes == null) {
      throw new KvEventFormatException(path + ": " + f.tag + " without block_hashes");
    }
  }

  private static KvEventFormatException unknownTag(String path, String tag) {
    String shown = tag.length() > 40 ? tag.substring(0, 40) + "…" : tag;
    return new KvEventFormatException(path + ": type \"" + shown + "\" (expected: BlockStored, BlockRemoved or AllBlocksCleared)");
  }

  private static void readField(MessageUnpacker in, byte[] raw, Fields f, String name, String path) throws IOException, KvEventFormatException {
    String p = path + "." + name;
    switch (name) {
      case "block_hashes" -> f.hashes = readHashes(in, p);
      case "parent_block_hash" -> {
        if (in.tryUnpackNil()) {
          f.hasParent = false;
        } else {
          f.hasParent = true;
          f.parent = readHash(in, p);
        }
      }
      case "token_ids" -> f.tokens = readTokens(in, p);
      case "block_size" -> f.blockSize = readOptionalInt(in, p, 0);
      case "medium" -> f.medium = readOptionalString(in, p);
      case "lora_name" -> f.loraName = readOptionalString(in, p);
      case "extra_keys" -> f.extra = readExtraKeys(in, raw, p);
      case "group_idx" -> f.group = readOptionalInt(in, p, -1);
      case "kv_cache_spec_kind" -> f.kind = readOptionalString(in, p);
      default -> in.skipValue(); // lora_id (deprecated), sliding window, fields of newer engines
    }
  }

  private static long[] readHashes(MessageUnpacker in, String path) throws IOException, KvEventFormatException {
    ValueType t = type(in, path);
    if (t != ValueType.ARRAY) {
      throw new KvEventFormatException(path + ": " + t + " (expected: array of hashes)");
    }
    int n = in.unpackArrayHeader();
    if (n > MAX_BLOCKS_PER_EVENT) {
      throw new KvEventFormatException(path + ": " + n + " hashes (expected: at most " + MAX_BLOCKS_PER_EVENT + ")");
    }
    long[] out = new long[n];
    for (int i = 0; i < n; i++) {
      out[i] = readHash(in, path + "[" + i + "]");
    }
    return out;
  }

  /** An engine hash: a (u)int64 or bytes whose last 8 are taken big-endian (shorter: left-padded). */
  static long readHash(MessageUnpacker in, String path) throws IOException, KvEventFormatException {
    MessageFormat fmt = in.getNextFormat();
    if (fmt == MessageFormat.UINT64) {
      return in.unpackBigInteger().longValue();
    }
    ValueType t = fmt.getValueType();
    if (t == ValueType.INTEGER) {
      return in.unpackLong();
    }
    if (t == ValueType.BINARY) {
      int len = in.unpackBinaryHeader();
      if (len > 64) {
        throw new KvEventFormatException(path + ": " + len + " bytes (expected: a hash of at most 64 bytes)");
      }
      byte[] b = in.readPayload(len);
      long v = 0;
      for (int i = Math.max(0, len - 8); i < len; i++) {
        v = (v << 8) | (b[i] & 0xFF);
      }
      return v;
    }
    throw new KvEventFormatException(path + ": " + t + " (expected: integer or bytes)");
  }

  private static int[] readTokens(MessageUnpacker in, String path) throws IOException, KvEventFormatException {
    if (in.tryUnpackNil()) {
      return new int[0];
    }
    ValueType t = type(in, path);
    if (t != ValueType.ARRAY) {
      throw new KvEventFormatException(path + ": " + t + " (expected: array of token ids)");
    }
    int n = in.unpackArrayHeader();
    if (n > MAX_TOKENS_PER_EVENT) {
      throw new KvEventFormatException(path + ": " + n + " tokens (expected: at most " + MAX_TOKENS_PER_EVENT + ")");
    }
    int[] out = new int[n];
    for (int i = 0; i < n; i++) {
      MessageFormat fmt = in.getNextFormat();
      if (fmt.getValueType() != ValueType.INTEGER || fmt == MessageFormat.UINT64) {
        throw new KvEventFormatException(path + "[" + i + "]: " + fmt.getValueType() + " (expected: integer)");
      }
      long v = in.unpackLong();
      if (v < 0 || v > Integer.MAX_VALUE) {
        throw new KvEventFormatException(path + "[" + i + "]: " + v + " (expected: [0, " + Integer.MAX_VALUE + "])");
      }
      out[i] = (int) v;
    }
    return out;
  }

  /** One hash per block of its extra-keys entry's msgpack bytes (0 for nil), or null for nil. */
  private static long[] readExtraKeys(MessageUnpacker in, byte[] raw, String path) throws IOException, KvEventFormatException {
    if (in.tryUnpackNil()) {
      return null;
    }
    ValueType t = type(in, path);
    if (t != ValueType.ARRAY) {
      throw new KvEventFormatException(path + ": " + t + " (expected: array, one entry per block)");
    }
    int n = in.unpackArrayHeader();
    if (n > MAX_BLOCKS_PER_EVENT) {
      throw new KvEventFormatException(path + ": " + n + " entries (expected: at most " + MAX_BLOCKS_PER_EVENT + ")");
    }
    long[] out = new long[n];
    for (int i = 0; i < n; i++) {
      if (in.tryUnpackNil()) {
        continue;
      }
      int start = (int) in.getTotalReadBytes();
      in.skipValue();
      int end = (int) in.getTotalReadBytes();
      long h = EXTRA_HASH.hashBytes(raw, start, end - start);
      out[i] = h == 0 ? 1 : h;
    }
    return out;
  }

  private static double readDouble(MessageUnpacker in, String path) throws IOException, KvEventFormatException {
    ValueType t = type(in, path);
    if (t == ValueType.FLOAT) {
      return in.unpackDouble();
    }
    if (t == ValueType.INTEGER) {
      MessageFormat fmt = in.getNextFormat();
      return fmt == MessageFormat.UINT64 ? in.unpackBigInteger().doubleValue() : in.unpackLong();
    }
    throw new KvEventFormatException(path + ": " + t + " (expected: number)");
  }

  private static int readOptionalInt(MessageUnpacker in, String path, int absent) throws IOException, KvEventFormatException {
    if (in.tryUnpackNil()) {
      return absent;
    }
    MessageFormat fmt = in.getNextFormat();
    if (fmt.getValueType() != ValueType.INTEGER || fmt == MessageFormat.UINT64) {
      throw new KvEventFormatException(path + ": " + fmt.getValueType() + " (expected: integer or nil)");
    }
    long v = in.unpackLong();
    if (v < 0 || v > Integer.MAX_VALUE) {
      throw new KvEventFormatException(path + ": " + v + " (expected: [0, " + Integer.MAX_VALUE + "])");
    }
    return (int) v;
  }

  private static String readOptionalString(MessageUnpacker in, String path) throws IOException, KvEventFormatException {
    if (in.tryUnpackNil()) {
      return null;
    }
    return readString(in, path);
  }

  private static String readString(MessageUnpacker in, String path) throws IOException, KvEventFormatException {
    ValueType t = type(in, path);
    if (t != ValueType.STRING) {
      throw new KvEventFormatException(path + ": " + t + " (expected: string)");
    }
    int len = in.unpackRawStringHeader();
    if (len > MAX_STRING_BYTES) {
      throw new KvEventFormatException(path + ": string of " + len + " bytes (expected: at most " + MAX_STRING_BYTES + ")");
    }
    return new String(in.readPayload(len), java.nio.charset.StandardCharsets.UTF_8);
  }

  private static ValueType type(MessageUnpacker in, String path) throws IOException, KvEventFormatException {
    if (!in.hasNext()) {
      throw new KvEventFormatException(path + ": missing (payload ends early)");
    }
    MessageFormat f = in.getNextFormat();
    if (f == MessageFormat.NEVER_USED) {
      throw new KvEventFormatException(path + ": byte 0xc1 (expected: msgpack; 0xc1 is never used)");
    }
    return f.getValueType();
  }

}
