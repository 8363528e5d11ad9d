package dev.loadfuse.nvml;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class GpuSnapshotTest {
  private static GpuSample gpu(String uuid, int index) {
    return GpuSample.builder(uuid, index).build();
  }

  @Test
  void keyedByUuidInIndexOrder_andImmutable() {
    GpuSnapshot s = GpuSnapshot.of(Optional.of("560.35.03"), 1, List.of(gpu("GPU-b", 0), gpu("GPU-a", 1)));

    assertThat(s.gpus().sequencedKeySet()).containsExactly("GPU-b", "GPU-a");
    assertThat(s.gpu("GPU-a")).map(GpuSample::index).contains(1);
    assertThat(s.gpu("GPU-z")).isEmpty();
    assertThatThrownBy(() -> s.gpus().remove("GPU-a")).isInstanceOf(UnsupportedOperationException.class);
  }

  @Test
  void duplicateUuid_rejected() {
    assertThatThrownBy(() -> GpuSnapshot.of(Optional.empty(), 1, List.of(gpu("GPU-a", 0), gpu("GPU-a", 1))))
        .hasMessage("gpus: uuid GPU-a appears twice (expected: unique)");
  }

  @Test
  void indicesOutOfOrder_rejected() {
    assertThatThrownBy(() -> GpuSnapshot.of(Optional.empty(), 1, List.of(gpu("GPU-a", 1), gpu("GPU-b", 0))))
        .hasMessage("gpus: index 0 after index 1 (expected: ascending indices)");
  }

  @Test
  void keyNotTheUuid_rejected() {
    LinkedHashMap<String, GpuSample> map = new LinkedHashMap<>();
    map.put("GPU-x", gpu("GPU-a", 0));
    assertThatThrownBy(() -> new GpuSnapshot(Optional.empty(), 1, map))
        .hasMessage("gpus: key GPU-x holds the sample of GPU-a (expected: keyed by uuid)");
  }
}
