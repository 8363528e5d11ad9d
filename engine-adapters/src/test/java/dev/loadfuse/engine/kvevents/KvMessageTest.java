package dev.loadfuse.engine.kvevents;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class KvMessageTest {

  @Test
  void threeFramesWithABigEndianSequence() throws Exception {
    KvMessage m = KvMessage.of(List.of("kv@10.0.0.1@qwen".getBytes(), new byte[] {0, 0, 0, 0, 0, 0, 1, 2}, new byte[] {(byte) 0x90}));
    assertThat(m.topic()).isEqualTo("kv@10.0.0.1@qwen");
    assertThat(m.sequence()).isEqualTo(258);
    assertThat(KvMessage.sequenceBytes(258)).containsExactly(0, 0, 0, 0, 0, 0, 1, 2);
  }

  @Test
  void wrongFrameCountsAndSequenceSizesAreNamed() {
    assertThatThrownBy(() -> KvMessage.of(List.of(new byte[0], new byte[8])))
        .hasMessage("frames: 2 (expected: 3 — topic, sequence, payload)");
    assertThatThrownBy(() -> KvMessage.of(List.of(new byte[0], new byte[4], new byte[1])))
        .hasMessage("sequence frame: 4 bytes (expected: 8, big-endian)");
    assertThatThrownBy(() -> KvMessage.of(List.of(new byte[KvMessage.MAX_TOPIC_BYTES + 1], new byte[8], new byte[1])))
        .hasMessage("topic: 1025 bytes (expected: at most 1024)");
  }
}
