package dev.loadfuse.picker.plugins.scorer.prefix;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.buffer.Buffer;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class PickMessageTest {

  @Test
  void roundTrip() {
    PickMessage m = new PickMessage(UUID.randomUUID(), "prefix-cache-scorer", "[fd00::1]:8000", new long[] {-1, 0, 42});
    Buffer b = m.encode();
    assertThat(b.length()).isEqualTo(1 + 16 + 2 + 19 + 2 + 14 + 4 + 24);
    PickMessage back = PickMessage.decode(b);
    assertThat(back.origin()).isEqualTo(m.origin());
    assertThat(back.scorer()).isEqualTo("prefix-cache-scorer");
    assertThat(back.hostPort()).isEqualTo("[fd00::1]:8000");
    assertThat(back.hashes()).containsExactly(-1, 0, 42);
  }

  @Test
  void badMessages_sayWhatIsWrong() {
    Buffer good = new PickMessage(UUID.randomUUID(), "p", "a:1", new long[] {1, 2}).encode();
    assertThatThrownBy(() -> PickMessage.decode(Buffer.buffer().appendByte((byte) 2).appendBuffer(good.getBuffer(1, good.length()))))
        .hasMessage("pick message version 2 (expected: 1)");
    assertThatThrownBy(() -> PickMessage.decode(good.getBuffer(0, good.length() - 3)))
        .hasMessageStartingWith("pick message of " + (good.length() - 3) + " bytes (expected: ");
    assertThatThrownBy(() -> PickMessage.decode(good.getBuffer(0, 10)))
        .hasMessage("pick message truncated (10 bytes)");
    Buffer huge = good.copy();
    huge.setInt(good.length() - 16 - 4, 1_000_000);
    assertThatThrownBy(() -> PickMessage.decode(huge)).hasMessage("pick message hash count 1000000 (expected: [0, 65536])");
  }
}
