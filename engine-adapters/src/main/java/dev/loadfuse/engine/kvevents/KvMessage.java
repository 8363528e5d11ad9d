package dev.loadfuse.engine.kvevents;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * One published ZMQ multipart message: {@code [topic, sequence (8 bytes, big-endian), payload]}.
 *
 * @param topic the topic frame as UTF-8 (may be empty)
 * @param sequence the batch's sequence number (unsigned in the engine; here a long)
 * @param payload the msgpack payload
 */
public record KvMessage(String topic, long sequence, byte[] payload) {

  /** Payloads above this are refused (vLLM batches are kilobytes; one step of a long prompt a few hundred KB). */
  public static final int MAX_PAYLOAD_BYTES = 16 << 20;
  /** Topics above this are refused. */
  public static final int MAX_TOPIC_BYTES = 1024;
  /** The sequence vLLM puts on the end-of-replay marker ({@code -1} as 8 signed bytes). */
  public static final long END_OF_REPLAY = -1L;

  /** Validates the frames of one live message (or one replay message after its empty delimiter). */
  public static KvMessage of(List<byte[]> frames) throws KvEventFormatException {
    if (frames.size() != 3) {
      throw new KvEventFormatException("frames: " + frames.size() + " (expected: 3 — topic, sequence, payload)");
    }
    byte[] topic = frames.get(0);
    byte[] seq = frames.get(1);
    byte[] payload = frames.get(2);
    if (topic.length > MAX_TOPIC_BYTES) {
      throw new KvEventFormatException("topic: " + topic.length + " bytes (expected: at most " + MAX_TOPIC_BYTES + ")");
    }
    if (seq.length != 8) {
      throw new KvEventFormatException("sequence frame: " + seq.length + " bytes (expected: 8, big-endian)");
    }
    if (payload.length > MAX_PAYLOAD_BYTES) {
      throw new KvEventFormatException("payload: " + payload.length + " bytes (expected: at most " + MAX_PAYLOAD_BYTES + ")");
    }
    return new KvMessage(new String(topic, StandardCharsets.UTF_8), ByteBuffer.wrap(seq).getLong(), payload);
  }

  /** The 8-byte big-endian form of a sequence number (for replay requests and publishers). */
  public static byte[] sequenceBytes(long sequence) {
    return ByteBuffer.allocate(8).putLong(sequence).array();
  }
}
