package dev.loadfuse.engine.kvevents;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.loadfuse.engine.kvevents.KvEvent.AllBlocksCleared;
import dev.loadfuse.engine.kvevents.KvEvent.BlockRemoved;
import dev.loadfuse.engine.kvevents.KvEvent.BlockStored;
import dev.loadfuse.engine.kvevents.KvEvent.Tier;
import java.math.BigInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.msgpack.core.MessageBufferPacker;
import org.msgpack.core.MessagePack;

/**
 * Payloads written field by field the way msgspec lays out vLLM's and SGLang's structs (not with
 * our encoder), in every generation we know of.
 */
class KvEventDecoderTest {

  interface Body {
    void write(MessageBufferPacker p) throws Exception;
  }

  static byte[] msgpack(Body b) throws Exception {
    try (MessageBufferPacker p = MessagePack.newDefaultBufferPacker()) {
      b.write(p);
      return p.toByteArray();
    }
  }

  static void ints(MessageBufferPacker p, long... v) throws Exception {
    p.packArrayHeader(v.length);
    for (long x : v) {
      p.packLong(x);
    }
  }

  /** vLLM 0.10–0.23: positional events, 3-element batch; 0.26 capture shape: [ts, events, 0]. */
  @Test
  void positionalBatchOfEveryEventType() throws Exception {
    byte[] payload = msgpack(p -> {
      p.packArrayHeader(3).packDouble(1789095808.8378847);
      p.packArrayHeader(3);
      p.packArrayHeader(8).packString("BlockStored");
      p.packArrayHeader(2).packBigInteger(new BigInteger("18446744073709551615")).packLong(7);
      p.packNil();
      ints(p, 1, 2, 3, 4, 5, 6, 7, 8);
      p.packInt(4).packNil().packString("GPU").packNil();
      p.packArrayHeader(3).packString("BlockRemoved");
      ints(p, 7);
      p.packString("CPU");
      p.packArrayHeader(1).packString("AllBlocksCleared");
      p.packInt(2);
    });
    KvEventBatch b = KvEventDecoder.decode(payload);
    assertThat(b.timestampSeconds()).isEqualTo(1789095808.8378847);
    assertThat(b.dataParallelRank()).isEqualTo(2);
    assertThat(b.events()).hasSize(3);
    BlockStored s = (BlockStored) b.events().get(0);
    assertThat(s.blockHashes()).containsExactly(-1L, 7L);
    assertThat(s.hasParent()).isFalse();
    assertThat(s.tokenIds()).containsExactly(1, 2, 3, 4, 5, 6, 7, 8);
    assertThat(s.blockSize()).isEqualTo(4);
    assertThat(s.tier()).isEqualTo(Tier.GPU);
    assertThat(s.loraName()).isNull();
    BlockRemoved r = (BlockRemoved) b.events().get(1);
    assertThat(r.blockHashes()).containsExactly(7L);
    assertThat(r.tier()).isEqualTo(Tier.CPU);
    assertThat(b.events().get(2)).isInstanceOf(AllBlocksCleared.class);
  }

  /** vLLM 0.26+: map-encoded events (keys in any order, unknown keys skipped), batch positional. */
  @Test
  void mapEncodedEvents() throws Exception {
    byte[] payload = msgpack(p -> {
      p.packArrayHeader(3).packDouble(1.5);
      p.packArrayHeader(3);
      p.packMapHeader(10);
      p.packString("parent_block_hash").packLong(99);
      p.packString("type").packString("BlockStored");
      p.packString("token_ids");
      ints(p, 10, 11);
      p.packString("block_hashes");
      ints(p, 5);
      p.packString("block_size").packInt(2);
      p.packString("lora_id").packNil();
      p.packString("medium").packString("GPU");
      p.packString("lora_name").packString("sql-lora");
      p.packString("group_idx").packInt(1);
      p.packString("locality").packString("future-field");
      p.packMapHeader(3).packString("type").packString("BlockRemoved");
      p.packString("block_hashes");
      ints(p, 5);
      p.packString("medium").packNil();
      p.packMapHeader(1).packString("type").packString("AllBlocksCleared");
      p.packInt(0);
    });
    KvEventBatch b = KvEventDecoder.decode(payload);
    BlockStored s = (BlockStored) b.events().get(0);
    assertThat(s.hasParent()).isTrue();
    assertThat(s.parentHash()).isEqualTo(99);
    assertThat(s.tokenIds()).containsExactly(10, 11);
    assertThat(s.loraName()).isEqualTo("sql-lora");
    assertThat(s.groupIdx()).isEqualTo(1);
    assertThat(((BlockRemoved) b.events().get(1)).tier()).isEqualTo(Tier.GPU);
    assertThat(b.events().get(2)).isInstanceOf(AllBlocksCleared.class);
  }

  /** First generation: 2-element batch, 5-field BlockStored, hash-only BlockRemoved; SGLang's medium names. */
  @Test
  void firstGenerationAndSglangShapes() throws Exception {
    byte[] payload = msgpack(p -> {
      p.packArrayHeader(2).packDouble(3.0);
      p.packArrayHeader(3);
      p.packArrayHeader(6).packString("BlockStored");
      ints(p, -42);
      p.packLong(-41);
      ints(p, 1, 2, 3);
      p.packInt(3).packNil();
      p.packArrayHeader(2).packString("BlockRemoved");
      ints(p, -42);
      p.packArrayHeader(7).packString("BlockStored");
      ints(p, 8);
      p.packNil();
      ints(p, 4);
      p.packInt(1).packNil().packString("CPU_TIER1");
    });
    KvEventBatch b = KvEventDecoder.decode(payload);
    assertThat(b.dataParallelRank()).isEqualTo(-1);
    BlockStored s = (BlockStored) b.events().get(0);
    assertThat(s.blockHashes()).containsExactly(-42L);
    assertThat(s.parentHash()).isEqualTo(-41L);
    assertThat(s.tier()).isEqualTo(Tier.GPU);
    assertThat(((BlockRemoved) b.events().get(1)).tier()).isEqualTo(Tier.GPU);
    assertThat(((BlockStored) b.events().get(2)).tier()).isEqualTo(Tier.CPU);
  }

  /** With VLLM_KV_EVENTS_USE_INT_BLOCK_HASHES=0 hashes are sha256 bytes: the last 8, big-endian. */
  @Test
  void byteHashesFoldToTheirLastEightBytes() throws Exception {
    byte[] digest = new byte[32];
    digest[31] = 1;
    digest[24] = (byte) 0x80;
    byte[] payload = msgpack(p -> {
      p.packArrayHeader(2).packDouble(0);
      p.packArrayHeader(1);
      p.packArrayHeader(3).packString("BlockRemoved");
      p.packArrayHeader(2).packBinaryHeader(32).writePayload(digest).packBinaryHeader(2).writePayload(new byte[] {1, 2});
      p.packString("GPU");
    });
    BlockRemoved r = (BlockRemoved) KvEventDecoder.decode(payload).events().get(0);
    assertThat(r.blockHashes()).containsExactly(0x8000000000000001L, 0x0102L);
  }

  @Test
  void extraKeysSaltOnlyTheirBlocks() throws Exception {
    byte[] payload = msgpack(p -> {
      p.packArrayHeader(2).packDouble(0);
      p.packArrayHeader(1);
      p.packArrayHeader(9).packString("BlockStored");
      ints(p, 1, 2);
      p.packNil();
      ints(p, 1, 2, 3, 4);
      p.packInt(2).packNil().packString("GPU").packNil();
      p.packArrayHeader(2).packArrayHeader(1).packString("image-hash-1").packNil();
    });
    BlockStored s = (BlockStored) KvEventDecoder.decode(payload).events().get(0);
    assertThat(s.extraKeyHashes()).hasSize(2);
    assertThat(s.extraKeyHashes()[0]).isNotZero();
    assertThat(s.extraKeyHashes()[1]).isZero();
  }

  static Stream<Arguments> bad() throws Exception {
    return Stream.of(
        Arguments.of("not msgpack", new byte[] {(byte) 0xc1}, "batch: byte 0xc1 (expected: msgpack; 0xc1 is never used)"),
        Arguments.of("truncated", new byte[] {(byte) 0x92, (byte) 0xcb, 1}, "payload: not valid msgpack"),
        Arguments.of("empty", new byte[0], "batch: missing"),
        Arguments.of("batch a string", msgpack(p -> p.packString("x")), "batch: STRING (expected: array [ts, events, data_parallel_rank?])"),
        Arguments.of("batch too short", msgpack(p -> p.packArrayHeader(1).packDouble(1)), "batch: array of 1 (expected: [ts, events, data_parallel_rank?])"),
        Arguments.of("ts a string", msgpack(p -> p.packArrayHeader(2).packString("t").packArrayHeader(0)), "batch.ts: STRING (expected: number)"),
        Arguments.of("events a map", msgpack(p -> p.packArrayHeader(2).packDouble(1).packMapHeader(0)), "events: MAP (expected: array)"),
        Arguments.of("unknown tag", msgpack(p -> p.packArrayHeader(2).packDouble(1).packArrayHeader(1).packArrayHeader(1).packString("BlockMoved")),
            "events[0]: type \"BlockMoved\" (expected: BlockStored, BlockRemoved or AllBlocksCleared)"),
        Arguments.of("map without type", msgpack(p -> p.packArrayHeader(2).packDouble(1).packArrayHeader(1).packMapHeader(0)),
            "events[0]: map without \"type\""),
        Arguments.of("stored without hashes", msgpack(p -> p.packArrayHeader(2).packDouble(1).packArrayHeader(1).packArrayHeader(1).packString("BlockStored")),
            "events[0]: BlockStored without block_hashes"),
        Arguments.of("hash a string", msgpack(p -> {
          p.packArrayHeader(2).packDouble(1).packArrayHeader(1).packArrayHeader(2).packString("BlockRemoved");
          p.packArrayHeader(1).packString("abc");
        }), "events[0].block_hashes[0]: STRING (expected: integer or bytes)"),
        Arguments.of("negative token", msgpack(p -> {
          p.packArrayHeader(2).packDouble(1).packArrayHeader(1).packArrayHeader(4).packString("BlockStored");
          ints(p, 1);
          p.packNil();
          ints(p, 3, -1);
        }), "events[0].token_ids[1]: -1 (expected: [0, 2147483647])"),
        Arguments.of("trailing bytes", msgpack(p -> p.packArrayHeader(2).packDouble(1).packArrayHeader(0).packInt(5)),
            "payload: 1 bytes after the batch (expected: one msgpack value)"),
        Arguments.of("too many events", msgpack(p -> p.packArrayHeader(2).packDouble(1).packArrayHeader(KvEventDecoder.MAX_EVENTS_PER_BATCH + 1)),
            "events: 100001 (expected: at most 100000)"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("bad")
  void badPayloadsAreRefusedWithTheirPath(String name, byte[] payload, String message) {
    assertThatThrownBy(() -> KvEventDecoder.decode(payload))
        .isInstanceOf(KvEventFormatException.class)
        .hasMessageContaining(message);
  }

  @Test
  void encoderRoundTripsBothEncodings() throws Exception {
    KvEventBatch batch = new KvEventBatch(12.25, java.util.List.of(
        new BlockStored(new long[] {-5, 6}, true, -7, new int[] {1, 2, 3, 4}, 2, "a", Tier.CPU, null, 3, "full_attention"),
        new BlockRemoved(new long[] {-5}, Tier.GPU, -1),
        AllBlocksCleared.INSTANCE), 1);
    for (KvEventEncoder.Encoding enc : KvEventEncoder.Encoding.values()) {
      KvEventBatch back = KvEventDecoder.decode(KvEventEncoder.encode(batch, enc));
      assertThat(back.dataParallelRank()).isEqualTo(1);
      BlockStored s = (BlockStored) back.events().get(0);
      assertThat(s.blockHashes()).containsExactly(-5L, 6L);
      assertThat(s.parentHash()).isEqualTo(-7L);
      assertThat(s.tier()).isEqualTo(Tier.CPU);
      assertThat(s.groupIdx()).isEqualTo(3);
      assertThat(s.loraName()).isEqualTo("a");
      assertThat(back.events().get(1).toString()).isEqualTo(batch.events().get(1).toString());
      assertThat(back.events().get(2)).isSameAs(AllBlocksCleared.INSTANCE);
    }
  }
}
