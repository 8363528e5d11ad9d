package dev.loadfuse.nvml.ffm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.loadfuse.nvml.NvmlReturn;
import dev.loadfuse.nvml.fake.FakeNvml;
import dev.loadfuse.nvml.fake.FakeNvmlFixture;
import java.lang.foreign.Arena;
import java.lang.foreign.GroupLayout;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;

/** The raw bindings against the fake: struct layouts as C lays them out, and single calls. */
@SuppressWarnings("restricted") // loads the fake directly, below the probe
class NvmlLibraryTest {

  static final java.util.List<GroupLayout> STRUCTS = NvmlLibrary.STRUCT_LAYOUTS;

  @ParameterizedTest
  @FieldSource("STRUCTS")
  void structLayout_matchesTheCCompilersSizeofAndOffsetof(GroupLayout layout) {
    FakeNvml fake = FakeNvmlFixture.fake();
    String type = layout.name().orElseThrow();

    assertThat(layout.byteSize()).as("sizeof(%s)", type).isEqualTo(fake.sizeOf(type));
    int fields = 0;
    for (MemoryLayout member : layout.memberLayouts()) {
      if (member.name().isPresent()) {
        String field = member.name().get();
        assertThat(layout.byteOffset(MemoryLayout.PathElement.groupElement(field)))
            .as("offsetof(%s, %s)", type, field)
            .isEqualTo(fake.offsetOf(type, field));
        fields++;
      }
    }
    assertThat(fields).isPositive();
  }

  @Test
  void memoryV2Version_matchesNvmlStructVersion() {
    assertThat(NvmlLibrary.MemoryV2.VERSION).isEqualTo(0x02000028).isEqualTo(FakeNvmlFixture.fake().memoryV2Version());
  }

  @Test
  void errorStringAndHandleByUuid_throughTheBindings() throws Exception {
    FakeNvml fake = FakeNvmlFixture.fake();
    try (Arena arena = Arena.ofConfined()) {
      NvmlLibrary nvml = NvmlLibrary.bind(SymbolLookup.libraryLookup(fake.library(), arena));
      assertThat(nvml.nvmlInit_v2()).isEqualTo(NvmlReturn.SUCCESS);
      try {
        assertThat(nvml.nvmlErrorString(NvmlReturn.ERROR_GPU_IS_LOST)).isEqualTo("GPU is lost");

        MemorySegment byUuid = arena.allocate(ValueLayout.ADDRESS);
        MemorySegment byIndex = arena.allocate(ValueLayout.ADDRESS);
        assertThat(nvml.nvmlDeviceGetHandleByUUID(arena.allocateFrom(FakeGpus.L4_UUID), byUuid)).isZero();
        assertThat(nvml.nvmlDeviceGetHandleByIndex_v2(1, byIndex)).isZero();
        assertThat(byUuid.get(ValueLayout.ADDRESS, 0)).isEqualTo(byIndex.get(ValueLayout.ADDRESS, 0));
        assertThat(nvml.nvmlDeviceGetHandleByUUID(arena.allocateFrom("GPU-nope"), byUuid))
            .isEqualTo(NvmlReturn.ERROR_NOT_FOUND);
      } finally {
        assertThat(nvml.nvmlShutdown()).isZero();
      }
    }
  }

  @Test
  void optionalSymbolMissing_wrapperReturnsSymbolMissingWithoutCalling() throws Exception {
    FakeNvml fake = FakeNvmlFixture.fake(dev.loadfuse.nvml.fake.FakeNvmlLibrary.Variant.NO_TOTAL_ENERGY);
    try (Arena arena = Arena.ofConfined()) {
      NvmlLibrary nvml = NvmlLibrary.bind(SymbolLookup.libraryLookup(fake.library(), arena));

      assertThat(nvml.nvmlDeviceGetTotalEnergyConsumption(MemorySegment.NULL, MemorySegment.NULL))
          .isEqualTo(NvmlLibrary.SYMBOL_MISSING);
    }
  }

  @Test
  void requiredSymbolMissing_bindThrowsNamingIt() {
    FakeNvml fake = FakeNvmlFixture.fake(dev.loadfuse.nvml.fake.FakeNvmlLibrary.Variant.NO_INIT_V2);
    try (Arena arena = Arena.ofConfined()) {
      SymbolLookup lookup = SymbolLookup.libraryLookup(fake.library(), arena);
      assertThatThrownBy(() -> NvmlLibrary.bind(lookup))
          .isInstanceOf(NvmlLibrary.MissingSymbolException.class)
          .hasMessageStartingWith("no symbol nvmlInit_v2 (required: ");
    }
  }
}
