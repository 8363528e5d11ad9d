package dev.loadfuse.nvml.ffm;

import static dev.loadfuse.nvml.ffm.FakeGpus.H100_UUID;
import static dev.loadfuse.nvml.ffm.FakeGpus.L4_UUID;
import static dev.loadfuse.nvml.ffm.FakeGpus.without;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.loadfuse.nvml.GpuProbe;
import dev.loadfuse.nvml.GpuProbeResult;
import dev.loadfuse.nvml.GpuSample;
import dev.loadfuse.nvml.GpuSnapshot;
import dev.loadfuse.nvml.NvmlException;
import dev.loadfuse.nvml.NvmlReturn;
import dev.loadfuse.nvml.fake.FakeNvml;
import dev.loadfuse.nvml.fake.FakeNvmlFixture;
import dev.loadfuse.nvml.fake.FakeNvmlLibrary.Variant;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The NVML probe against a fake libnvidia-ml.so.1 compiled by gcc, through the real FFM path. */
class NvmlGpuProbeTest {

  private final AtomicLong clock = new AtomicLong(1_000);
  private final LongSupplier nanoClock = () -> clock.addAndGet(10);
  private GpuProbe probe;

  @AfterEach
  void closeProbe() {
    if (probe != null) {
      probe.close();
    }
  }

  private GpuProbe open(FakeNvml fake) {
    return open(fake, Arena.ofShared());
  }

  private GpuProbe open(FakeNvml fake, Arena arena) {
    GpuProbeResult result = NvmlGpuProbe.open(fake.library(), () -> arena, nanoClock);
    assertThat(result).isInstanceOf(GpuProbeResult.Available.class);
    probe = ((GpuProbeResult.Available) result).probe();
    return probe;
  }

  private static String unavailableReason(GpuProbeResult result) {
    assertThat(result).isInstanceOf(GpuProbeResult.Unavailable.class);
    return ((GpuProbeResult.Unavailable) result).reason();
  }

  /** The sample without its clock reading, which the expected values cannot know. */
  private static GpuSample at0(GpuSample s) {
    return s.toBuilder().sampledAtNanos(0).build();
  }

  @Test
  void defaultFake_readsEveryDocumentedValueOfBothGpus() {
    GpuSnapshot snapshot = open(FakeNvmlFixture.fake()).sample();

    assertThat(snapshot.driverVersion()).contains(FakeGpus.DRIVER_VERSION);
    assertThat(snapshot.gpus().sequencedKeySet()).containsExactly(H100_UUID, L4_UUID);
    assertThat(at0(snapshot.gpus().get(H100_UUID))).isEqualTo(FakeGpus.h100(0));
    assertThat(at0(snapshot.gpus().get(L4_UUID))).isEqualTo(FakeGpus.l4(0));
  }

  @Test
  void sampleTimes_comeFromTheInjectedClock() {
    GpuProbe p = open(FakeNvmlFixture.fake());
    long before = clock.get();

    GpuSnapshot snapshot = p.sample();

    assertThat(snapshot.sampledAtNanos()).isEqualTo(before + 10);
    assertThat(snapshot.gpus().values())
        .extracting(GpuSample::sampledAtNanos)
        .containsExactly(before + 20, before + 30);
  }

  @Test
  void description_namesLibraryAndDriver() {
    FakeNvml fake = FakeNvmlFixture.fake();
    assertThat(open(fake).description()).isEqualTo("nvml " + fake.library() + " (driver 560.35.03)");
  }

  @Test
  void memoryInfoV2SymbolMissing_fallsBackToV1WithoutReservedMemory() {
    GpuSample h100 = open(FakeNvmlFixture.fake(Variant.NO_MEMORY_INFO_V2)).sample().gpus().get(H100_UUID);

    assertThat(h100.memoryTotalBytes()).hasValue(85_899_345_920L);
    assertThat(h100.memoryUsedBytes()).as("v1 counts reserved memory as used").hasValue(22_011_707_392L);
    assertThat(h100.memoryFreeBytes()).hasValue(63_887_638_528L);
    assertThat(h100.memoryReservedBytes()).isEmpty();
    assertThat(h100.powerWatts()).hasValue(350.0);
  }

  @Test
  void memoryInfoV2VersionMismatch_fallsBackToV1AndStopsAskingV2() {
    FakeNvml fake =
        FakeNvmlFixture.fake().setReturn(0, "nvmlDeviceGetMemoryInfo_v2", NvmlReturn.ERROR_ARGUMENT_VERSION_MISMATCH);
    GpuProbe p = open(fake);

    GpuSnapshot first = p.sample();
    // Were v2 still called, this would now fail the sample.
    fake.setReturn(1, "nvmlDeviceGetMemoryInfo_v2", NvmlReturn.ERROR_UNKNOWN);
    GpuSnapshot second = p.sample();

    for (GpuSnapshot s : new GpuSnapshot[] {first, second}) {
      assertThat(s.gpus().get(H100_UUID).memoryUsedBytes()).hasValue(22_011_707_392L);
      assertThat(s.gpus().get(H100_UUID).memoryReservedBytes()).isEmpty();
      assertThat(s.gpus().get(L4_UUID).memoryUsedBytes()).hasValue(13_153_337_344L);
      assertThat(s.gpus().get(L4_UUID).memoryReservedBytes()).isEmpty();
    }
  }

  @Test
  void energySymbolMissing_onlyEnergyAbsent() {
    GpuSample h100 = open(FakeNvmlFixture.fake(Variant.NO_TOTAL_ENERGY)).sample().gpus().get(H100_UUID);

    assertThat(at0(h100)).isEqualTo(without(FakeGpus.h100(0), "energy"));
  }

  @ParameterizedTest
  @CsvSource({
    "nvmlDeviceGetMemoryInfo_v2, memory",
    "nvmlDeviceGetUtilizationRates, utilization",
    "nvmlDeviceGetPowerUsage, power",
    "nvmlDeviceGetEnforcedPowerLimit, powerLimit",
    "nvmlDeviceGetTemperature, temperature",
    "nvmlDeviceGetCurrentClocksEventReasons, throttle",
    "nvmlDeviceGetTotalEnergyConsumption, energy",
    "nvmlDeviceGetMigMode, mig",
  })
  void notSupported_dropsOnlyThatField(String function, String fields) {
    GpuProbe p = open(FakeNvmlFixture.fake().setReturn(0, function, NvmlReturn.ERROR_NOT_SUPPORTED));

    GpuSnapshot snapshot = p.sample();

    assertThat(at0(snapshot.gpus().get(H100_UUID))).isEqualTo(without(FakeGpus.h100(0), fields));
    assertThat(at0(snapshot.gpus().get(L4_UUID))).isEqualTo(FakeGpus.l4(0));
  }

  @Test
  void nameNotSupported_nameAbsentUuidKept() {
    GpuSample h100 =
        open(FakeNvmlFixture.fake().setReturn(0, "nvmlDeviceGetName", NvmlReturn.ERROR_NOT_SUPPORTED))
            .sample().gpus().get(H100_UUID);

    assertThat(h100.name()).isEmpty();
    assertThat(h100.powerWatts()).hasValue(350.0);
  }

  @Test
  void utilizationAbove100Percent_droppedNotFailed() {
    GpuSample h100 = open(FakeNvmlFixture.fake().setValue(0, "utilGpu", 101)).sample().gpus().get(H100_UUID);

    assertThat(h100.gpuUtilization()).isEmpty();
    assertThat(h100.memoryUtilization()).hasValue(0.40);
  }

  @Test
  void otherErrorCode_throwsNvmlExceptionWithCodeNameAndDriverText() {
    FakeNvml fake = FakeNvmlFixture.fake();
    GpuProbe p = open(fake);
    fake.setReturn(1, "nvmlDeviceGetPowerUsage", NvmlReturn.ERROR_NO_PERMISSION);

    NvmlException e = catchThrowableOfType(NvmlException.class, p::sample);

    assertThat(e.code()).isEqualTo(4);
    assertThat(e).hasMessage(
        "nvmlDeviceGetPowerUsage on GPU 1 (" + L4_UUID + ") failed: NVML_ERROR_NO_PERMISSION (4): Insufficient Permissions");

    fake.setReturn(1, "nvmlDeviceGetPowerUsage", NvmlReturn.SUCCESS);
    assertThat(p.sample().gpus().get(L4_UUID).powerWatts()).as("the probe stays usable").hasValue(70.25);
  }

  @ParameterizedTest
  @ValueSource(ints = {NvmlReturn.ERROR_GPU_IS_LOST, NvmlReturn.ERROR_RESET_REQUIRED})
  void gpuLostInTheMiddleOfARun_reportedLostWhileTheOtherGpuKeepsBeingSampled(int code) {
    FakeNvml fake = FakeNvmlFixture.fake();
    GpuProbe p = open(fake);
    assertThat(p.sample().gpus().get(H100_UUID).lost()).isFalse();

    // Three more calls succeed: the H100 is lost half-way through its next reading.
    fake.loseGpuAfter(0, 3, code);
    GpuSnapshot second = p.sample();
    GpuSnapshot third = p.sample();

    for (GpuSnapshot s : new GpuSnapshot[] {second, third}) {
      GpuSample h100 = s.gpus().get(H100_UUID);
      assertThat(at0(h100)).isEqualTo(GpuSample.lost(H100_UUID, 0, Optional.of("Fake NVIDIA H100 80GB HBM3"), 0));
      assertThat(at0(s.gpus().get(L4_UUID))).isEqualTo(FakeGpus.l4(0));
    }
  }

  @Test
  void gpuLostBeforeEnumeration_reportedLostUnderAPlaceholderKey() {
    GpuProbe p = open(FakeNvmlFixture.fake().loseGpuAfter(1, 0, NvmlReturn.ERROR_GPU_IS_LOST));

    GpuSnapshot snapshot = p.sample();

    assertThat(snapshot.gpus().sequencedKeySet()).containsExactly(H100_UUID, "unknown-gpu-1");
    assertThat(snapshot.gpus().get("unknown-gpu-1").lost()).isTrue();
    assertThat(at0(snapshot.gpus().get(H100_UUID))).isEqualTo(FakeGpus.h100(0));
  }

  @Test
  void zeroDevices_emptySnapshotWithDriverVersion() {
    GpuSnapshot snapshot = open(FakeNvmlFixture.fake().setDeviceCount(0)).sample();

    assertThat(snapshot.gpus()).isEmpty();
    assertThat(snapshot.driverVersion()).contains(FakeGpus.DRIVER_VERSION);
  }

  @Test
  void eightDevices_allSampledInIndexOrder() {
    GpuSnapshot snapshot = open(FakeNvmlFixture.fake().setDeviceCount(8)).sample();

    assertThat(snapshot.gpus().values()).extracting(GpuSample::index).containsExactly(0, 1, 2, 3, 4, 5, 6, 7);
    assertThat(snapshot.gpus().sequencedKeySet().getLast()).isEqualTo("GPU-00000000-0000-0000-0000-000000000007");
  }

  @ParameterizedTest
  @CsvSource({
    "9, NVML_ERROR_DRIVER_NOT_LOADED (9): Driver Not Loaded (is the NVIDIA kernel driver loaded?)",
    "12, NVML_ERROR_LIBRARY_NOT_FOUND (12): NVML Shared Library Not Found",
    "999, NVML_ERROR_UNKNOWN (999): Unknown Error",
  })
  void initFails_unavailableNamingTheLibraryAndTheCode(int code, String expected) {
    FakeNvml fake = FakeNvmlFixture.fake().failInit(code);

    GpuProbeResult result = NvmlGpuProbe.open(fake.library());

    assertThat(unavailableReason(result)).isEqualTo("nvmlInit_v2 from " + fake.library() + " failed: " + expected);
    assertThat(fake.initDepth()).isZero();
  }

  @Test
  void enumerationFails_unavailableAndNvmlShutDownAgain() {
    FakeNvml fake = FakeNvmlFixture.fake().setReturn(0, "nvmlDeviceGetUUID", NvmlReturn.ERROR_NO_PERMISSION);

    GpuProbeResult result = NvmlGpuProbe.open(fake.library());

    assertThat(unavailableReason(result)).isEqualTo(
        "cannot enumerate GPUs with " + fake.library()
            + ": nvmlDeviceGetUUID on GPU 0 failed: NVML_ERROR_NO_PERMISSION (4): Insufficient Permissions");
    assertThat(fake.initDepth()).isZero();
  }

  @Test
  void requiredSymbolMissing_unavailable() {
    FakeNvml fake = FakeNvmlFixture.fake(Variant.NO_INIT_V2);

    assertThat(unavailableReason(NvmlGpuProbe.open(fake.library())))
        .startsWith(fake.library() + " is not a usable NVML: no symbol nvmlInit_v2 (required: nvmlInit_v2, ");
  }

  @Test
  void libraryFileMissing_unavailableNamingThePath() {
    assertThat(unavailableReason(NvmlGpuProbe.open(Path.of("/nonexistent/libnvidia-ml.so.1"))))
        .isEqualTo("cannot load /nonexistent/libnvidia-ml.so.1 (no such file)");
  }

  @Test
  void noLibraryOnTheSystemPath_unavailableNamingTheSearch() {
    GpuProbeResult result = NvmlGpuProbe.open();
    result.orNone().close();
    assumeTrue(result instanceof GpuProbeResult.Unavailable, "this machine has an NVML on its library path");

    assertThat(unavailableReason(result))
        .isEqualTo("cannot load libnvidia-ml.so.1 from the system library path (dlopen failed; is the NVIDIA driver installed?)");
  }

  @Test
  void tenThousandSamples_allocateNoNativeMemory() {
    FakeNvml fake = FakeNvmlFixture.fake();
    CountingArena arena = new CountingArena();
    GpuProbe p = open(fake, arena);
    p.sample();
    long allocations = arena.allocations.get();
    long bytes = arena.bytes.get();
    long callsBefore = fake.queryCalls();

    for (int i = 0; i < 10_000; i++) {
      p.sample();
    }

    assertThat(arena.allocations.get()).isEqualTo(allocations);
    assertThat(arena.bytes.get()).isEqualTo(bytes).isLessThan(1024);
    assertThat(fake.queryCalls() - callsBefore).as("every sample reached the library").isEqualTo(10_000L * 2 * 8);
  }

  @Test
  void close_shutsNvmlDownOnceFreesMemoryAndIsIdempotent() {
    FakeNvml fake = FakeNvmlFixture.fake();
    Arena arena = Arena.ofShared();
    GpuProbe p = open(fake, arena);
    assertThat(fake.initDepth()).isEqualTo(1);

    p.close();
    p.close();

    assertThat(fake.shutdownCalls()).isEqualTo(1);
    assertThat(fake.initDepth()).isZero();
    assertThat(arena.scope().isAlive()).isFalse();
    assertThatThrownBy(p::sample).isInstanceOf(IllegalStateException.class).hasMessageStartingWith("NVML probe closed");
  }

  @Test
  void sampleFromAnotherThread_works() throws Exception {
    GpuProbe p = open(FakeNvmlFixture.fake());
    GpuSnapshot[] seen = new GpuSnapshot[1];

    Thread t = Thread.ofVirtual().start(() -> seen[0] = p.sample());
    t.join();

    assertThat(seen[0].gpus()).hasSize(2);
  }

  /** Counts what the probe allocates, to prove that sampling allocates nothing native. */
  private static final class CountingArena implements Arena {
    private final Arena delegate = Arena.ofShared();
    final AtomicLong allocations = new AtomicLong();
    final AtomicLong bytes = new AtomicLong();

    @Override
    public MemorySegment allocate(long byteSize, long byteAlignment) {
      allocations.incrementAndGet();
      bytes.addAndGet(byteSize);
      return delegate.allocate(byteSize, byteAlignment);
    }

    @Override
    public MemorySegment.Scope scope() {
      return delegate.scope();
    }

    @Override
    public void close() {
      delegate.close();
    }
  }
}
