package dev.loadfuse.sidecar.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.loadfuse.sidecar.api.cluster.ClusterSecret;
import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class BusSealTest {

  private static final byte[] KEY = ClusterSecret.of("a-cluster-secret-for-the-seal-unit-test".getBytes(StandardCharsets.UTF_8)).sealKey();
  private static final String CHANNEL = "inference.load.v1";

  private final AtomicLong now = new AtomicLong(1_700_000_000_000L);
  private final BusSeal sender = new BusSeal(KEY, new byte[16], now::get, BusSeal.DEFAULT_MAX_AGE);
  private final BusSeal receiver = new BusSeal(KEY, id(9), now::get, BusSeal.DEFAULT_MAX_AGE);

  private static byte[] id(int b) {
    byte[] id = new byte[16];
    id[15] = (byte) b;
    return id;
  }

  private Buffer seal(String text) {
    Buffer out = Buffer.buffer();
    sender.seal(CHANNEL, Buffer.buffer(text), out);
    return out;
  }

  private String open(Buffer frame) {
    return receiver.open(CHANNEL, frame, 0).toString(StandardCharsets.UTF_8);
  }

  @Test
  void sealedText_opensToTheSame_andIsNotReadableOnTheWire() {
    Buffer frame = seal("vllm-0 waiting=3");
    assertThat(frame.length()).isEqualTo("vllm-0 waiting=3".length() + BusSeal.OVERHEAD);
    assertThat(frame.toString(StandardCharsets.ISO_8859_1)).doesNotContain("vllm-0");
    assertThat(open(frame)).isEqualTo("vllm-0 waiting=3");
  }

  @Test
  void eachRefusal_namesItsReason() {
    Buffer frame = seal("x");
    Buffer altered = frame.copy();
    altered.setByte(altered.length() - 1, (byte) (altered.getByte(altered.length() - 1) ^ 1));
    assertThat(reason(() -> open(altered))).isEqualTo(BusSeal.Reason.AUTH);
    assertThat(reason(() -> receiver.open("inference.picks.v1", frame, 0))).as("another channel").isEqualTo(BusSeal.Reason.AUTH);
    assertThat(reason(() -> new BusSeal(ClusterSecret.of(new byte[40]).sealKey()).open(CHANNEL, frame, 0)))
        .as("another secret").isEqualTo(BusSeal.Reason.AUTH);
    assertThat(reason(() -> open(Buffer.buffer("short")))).isEqualTo(BusSeal.Reason.MALFORMED);
    assertThat(open(frame)).isEqualTo("x");
    assertThatThrownBy(() -> open(frame)).hasMessageStartingWith("message on inference.load.v1 was accepted before (a replay)");

    Buffer old = seal("late");
    now.addAndGet(Duration.ofSeconds(11).toMillis());
    assertThatThrownBy(() -> open(old)).isInstanceOf(BusSeal.Rejected.class)
        .hasMessage("message on inference.load.v1 was sealed too long ago or in the future (a late replay, or a clock far off):"
            + " sealed 11000 ms ago (accepted: within 10000 ms)");
  }

  @Test
  void replayWindow_takesReorderedFramesOnce_andRefusesThoseTooFarBehind() {
    List<Buffer> frames = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      frames.add(seal("m" + i));
    }
    assertThat(open(frames.get(50))).isEqualTo("m50");
    assertThat(open(frames.get(49))).as("one behind: reordered, taken").isEqualTo("m49");
    assertThat(reason(() -> open(frames.get(49)))).isEqualTo(BusSeal.Reason.REPLAY);
    assertThat(open(frames.get(99))).isEqualTo("m99");
    assertThat(open(frames.get(36))).as("63 behind: still in the window").isEqualTo("m36");
    assertThat(reason(() -> open(frames.get(35)))).as("64 behind").isEqualTo(BusSeal.Reason.REPLAY);
  }

  private static BusSeal.Reason reason(Runnable r) {
    try {
      r.run();
    } catch (BusSeal.Rejected e) {
      return e.reason();
    }
    throw new AssertionError("not rejected");
  }
}
