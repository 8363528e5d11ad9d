package dev.loadfuse.sidecar.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.loadfuse.engine.LoraInfo;
import dev.loadfuse.nvml.GpuSample;
import dev.loadfuse.nvml.ThrottleReason;
import io.vertx.core.buffer.Buffer;
import java.util.EnumSet;
import java.util.List;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

public class LoadWireFormatTest {

  public static LoadVector fullVector() {
    GpuSample gpu = GpuSample.builder("GPU-aaaa", 0)
        .name("NVIDIA H100 80GB HBM3")
        .memoryTotalBytes(85899345920L).memoryUsedBytes(1L << 34).memoryFreeBytes(85899345920L - (1L << 34))
        .memoryReservedBytes(536870912L)
        .gpuUtilization(0.75).memoryUtilization(0.5)
        .powerWatts(512.5).powerLimitWatts(700).temperatureC(71)
        .throttleReasons(EnumSet.of(ThrottleReason.values()[0]))
        .energyJoules(1.0e7).migEnabled(false).sampledAtNanos(123456789L)
        .build();
    GpuSample lost = GpuSample.lost("GPU-bbbb", 1, java.util.Optional.of("NVIDIA H100"), 5L);
    return new LoadVector(new EndpointId("vllm-0", "fd00::1", 8000, "ns/pool"), "vllm",
        3, 7, 0.42, new LoraInfo(List.of("sql-lora", "chat-lora"), List.of(), OptionalInt.of(4)),
        16, 81767, List.of("vllm:cache_config_info"), 1_700_000_000_000L,
        List.of(gpu, lost), 1_700_000_000_050L, false, true, "GPU GPU-bbbb is lost");
  }

  @Test
  void vector_roundTripsExactly_atAnOffset() {
    LoadVector v = fullVector();
    Buffer b = Buffer.buffer().appendString("prefix");
    LoadWireFormat.writeVector(b, v);
    assertThat(LoadWireFormat.readVector(6, b)).isEqualTo(v);
  }

  @Test
  void unknownVector_withNaNsAndNulls_roundTrips() {
    LoadVector v = LoadVector.unknown(new EndpointId("a", "10.0.0.1", 80, ""), null);
    Buffer b = Buffer.buffer();
    LoadWireFormat.writeVector(b, v);
    LoadVector back = LoadWireFormat.readVector(0, b);
    assertThat(back.hasWaitingRequests()).isFalse();
    assertThat(back.engine()).isNull();
    assertThat(back).isEqualTo(v);
  }

  @Test
  void snapshot_roundTrips() {
    LoadSnapshot s = new LoadSnapshot(List.of(fullVector(), LoadVector.unknown(new EndpointId("b", "h", 1, "p"), "sglang")));
    Buffer b = Buffer.buffer();
    LoadWireFormat.writeSnapshot(b, s);
    assertThat(LoadWireFormat.readSnapshot(0, b)).isEqualTo(s);
  }

  @Test
  void otherVersion_isRefusedWithAClearMessage() {
    Buffer b = Buffer.buffer();
    LoadWireFormat.writeVector(b, fullVector());
    b.setByte(4, (byte) 9);
    assertThatThrownBy(() -> LoadWireFormat.readVector(0, b))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("LoadVector: unsupported wire version 9 (this build reads 1)");
  }

  @Test
  void truncatedMessage_isRefused() {
    Buffer b = Buffer.buffer();
    LoadWireFormat.writeVector(b, fullVector());
    Buffer cut = b.getBuffer(0, b.length() - 10);
    assertThatThrownBy(() -> LoadWireFormat.readVector(0, cut))
        .hasMessageStartingWith("LoadVector: truncated message");
  }

  @Test
  void invalidVector_namesTheField() {
    assertThatThrownBy(() -> new LoadVector(new EndpointId("a", "h", 1, "p"), "vllm", 0, 0, 1.3, null, -1, -1,
        List.of(), 0, List.of(), 0, true, false, null))
        .hasMessage("kvCacheUsage: 1.3 (expected: [0, 1] or NaN)");
    assertThatThrownBy(() -> new EndpointId("a", "h", 0, "p")).hasMessage("port: 0 (expected: [1, 65535])");
  }

  @Test
  void hostPort_bracketsIpv6() {
    assertThat(new EndpointId("a", "fd00::1", 8000, "p").hostPort()).isEqualTo("[fd00::1]:8000");
    assertThat(new EndpointId("a", "10.0.0.1", 8000, "p").hostPort()).isEqualTo("10.0.0.1:8000");
  }
}
