package dev.loadfuse.nvml.ffm;

import static dev.loadfuse.nvml.NvmlReturn.ERROR_ARGUMENT_VERSION_MISMATCH;
import static dev.loadfuse.nvml.NvmlReturn.ERROR_NOT_SUPPORTED;
import static dev.loadfuse.nvml.NvmlReturn.SUCCESS;
import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.loadfuse.nvml.GpuProbe;
import dev.loadfuse.nvml.GpuProbeResult;
import dev.loadfuse.nvml.GpuProbes;
import dev.loadfuse.nvml.GpuSample;
import dev.loadfuse.nvml.GpuSnapshot;
import dev.loadfuse.nvml.NvmlException;
import dev.loadfuse.nvml.NvmlReturn;
import dev.loadfuse.nvml.ffm.NvmlLibrary.Memory;
import dev.loadfuse.nvml.ffm.NvmlLibrary.MemoryV2;
import dev.loadfuse.nvml.ffm.NvmlLibrary.Utilization;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * {@link GpuProbe} over NVML through the Foreign Function &amp; Memory API.
 *
 * <p>Opening loads the library, calls {@code nvmlInit_v2} and enumerates the GPUs once (their
 * handles, UUIDs and names do not change while NVML is initialised). Each {@link #sample()}
 * then makes eight calls per GPU (memory, utilisation, power, power limit, temperature,
 * clocks-event reasons, energy, MIG mode).
 *
 * <p>Memory: every native buffer is allocated once, at open, from an arena the probe owns;
 * samples reuse them, so native memory does not grow with the number of samples.
 * {@link #close()} calls {@code nvmlShutdown} once and frees the arena (which also unloads
 * the library).
 *
 * <p>Threading: calls are serialised (the methods are {@code synchronized}) because the
 * preallocated buffers are shared; any thread may call, one at a time. The arena is shared,
 * not confined, so that the thread which samples need not be the one which opened.
 */
public final class NvmlGpuProbe implements GpuProbe {

  private final NvmlLibrary nvml;
  private final Arena arena;
  private final String location;
  private final LongSupplier nanoClock;
  private final Optional<String> driverVersion;
  private final List<Device> devices;

  // Out-parameters reused by every sample (see the class comment).
  private final MemorySegment memoryV2;
  private final MemorySegment memoryV1;
  private final MemorySegment utilization;
  private final MemorySegment uint;
  private final MemorySegment ulong;
  private final MemorySegment migPending;

  private boolean useMemoryV2;
  private boolean closed;

  /**
   * A GPU found at open. {@code handle} is null when the GPU was already lost then: it is
   * reported lost on every sample without further calls.
   */
  private record Device(int index, String uuid, Optional<String> name, MemorySegment handle) {
    String subject() {
      return "GPU " + index + " (" + uuid + ")";
    }
  }

  /**
   * Thrown by {@link #present} to abandon the rest of one GPU's reading. Preallocated and
   * without a stack trace: it is control flow, not an error.
   */
  private static final class GpuLost extends RuntimeException {
    private static final long serialVersionUID = 1L;
    static final GpuLost INSTANCE = new GpuLost();

    private GpuLost() {
      super("GPU lost", null, false, false);
    }
  }

  /** Opens NVML from {@code libnvidia-ml.so.1} on the system library path. Never throws. */
  public static GpuProbeResult open() {
    return open(null, Arena::ofShared, System::nanoTime);
  }

  /** Opens NVML from {@code library}. Never throws. */
  public static GpuProbeResult open(Path library) {
    return open(Objects.requireNonNull(library, "library"), Arena::ofShared, System::nanoTime);
  }

  /**
   * @param library the library file, or null for the system search
   * @param arenas the arena the probe allocates from (tests count its allocations)
   */
  @SuppressWarnings("restricted") // libraryLookup: loading NVML is the point
  static GpuProbeResult open(Path library, Supplier<Arena> arenas, LongSupplier nanoClock) {
    String tried =
        library == null ? GpuProbes.DEFAULT_NVML_LIBRARY + " from the system library path" : library.toString();
    Arena arena = arenas.get();
    NvmlLibrary nvml = null;
    boolean initialised = false;
    try {
      SymbolLookup lookup;
      try {
        lookup =
            library == null
                ? SymbolLookup.libraryLookup(GpuProbes.DEFAULT_NVML_LIBRARY, arena)
                : SymbolLookup.libraryLookup(library, arena);
      } catch (IllegalArgumentException e) {
        String why =
            library != null && !Files.exists(library)
                ? "no such file"
                : "dlopen failed; is the NVIDIA driver installed?";
        return unavailable(arena, "cannot load " + tried + " (" + why + ")");
      }
      try {
        nvml = NvmlLibrary.bind(lookup);
      } catch (NvmlLibrary.MissingSymbolException e) {
        return unavailable(arena, tried + " is not a usable NVML: " + e.getMessage());
      }
      int rc = nvml.nvmlInit_v2();
      if (rc != SUCCESS) {
        return unavailable(
            arena,
            "nvmlInit_v2 from " + tried + " failed: " + NvmlReturn.name(rc) + " (" + rc + "): "
                + nvml.nvmlErrorString(rc)
                + (rc == NvmlReturn.ERROR_DRIVER_NOT_LOADED ? " (is the NVIDIA kernel driver loaded?)" : ""));
      }
      initialised = true;
      return new GpuProbeResult.Available(new NvmlGpuProbe(nvml, arena, tried, nanoClock));
    } catch (NvmlException e) {
      return unavailable(arena, nvml, "cannot enumerate GPUs with " + tried + ": " + e.getMessage());
    } catch (RuntimeException e) {
      // E.g. IllegalCallerException when native access is denied; loading must not throw.
      return unavailable(arena, initialised ? nvml : null, "cannot use " + tried + ": " + e);
    }
  }

  private static GpuProbeResult unavailable(Arena arena, String reason) {
    return unavailable(arena, null, reason);
  }

  private static GpuProbeResult unavailable(Arena arena, NvmlLibrary initialised, String reason) {
    try {
      if (initialised != null) {
        initialised.nvmlShutdown();
      }
    } finally {
      arena.close();
    }
    return new GpuProbeResult.Unavailable(reason);
  }

  private NvmlGpuProbe(NvmlLibrary nvml, Arena arena, String location, LongSupplier nanoClock) {
    this.nvml = nvml;
    this.arena = arena;
    this.location = location;
    this.nanoClock = nanoClock;
    memoryV2 = arena.allocate(MemoryV2.LAYOUT);
    memoryV1 = arena.allocate(Memory.LAYOUT);
    utilization = arena.allocate(Utilization.LAYOUT);
    uint = arena.allocate(JAVA_INT);
    ulong = arena.allocate(JAVA_LONG);
    migPending = arena.allocate(JAVA_INT);
    useMemoryV2 = nvml.hasMemoryInfoV2();

    MemorySegment text =
        arena.allocate(
            Math.max(
                NvmlLibrary.DRIVER_VERSION_BUFFER_SIZE,
                Math.max(NvmlLibrary.UUID_BUFFER_SIZE, NvmlLibrary.NAME_BUFFER_SIZE)));
    driverVersion = readString(nvml.nvmlSystemGetDriverVersion(text, NvmlLibrary.DRIVER_VERSION_BUFFER_SIZE),
        "nvmlSystemGetDriverVersion", "", text);

    int rc = nvml.nvmlDeviceGetCount_v2(uint);
    if (rc != SUCCESS) {
      throw error("nvmlDeviceGetCount_v2", "", rc);
    }
    int count = uint.get(JAVA_INT, 0);
    MemorySegment handleOut = arena.allocate(ADDRESS);
    List<Device> found = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      found.add(enumerate(i, handleOut, text));
    }
    devices = List.copyOf(found);
  }

  private Device enumerate(int index, MemorySegment handleOut, MemorySegment text) {
    // A GPU lost before we could read its UUID keeps a placeholder key; endpoints cannot be
    // attributed to it, but the node still shows a lost GPU.
    Device unknownLost = new Device(index, "unknown-gpu-" + index, Optional.empty(), null);
    String subject = "GPU " + index;
    int rc = nvml.nvmlDeviceGetHandleByIndex_v2(index, handleOut);
    if (NvmlReturn.isGpuLost(rc)) {
      return unknownLost;
    }
    if (rc != SUCCESS) {
      throw error("nvmlDeviceGetHandleByIndex_v2", subject, rc);
    }
    MemorySegment handle = handleOut.get(ADDRESS, 0);
    rc = nvml.nvmlDeviceGetUUID(handle, text, NvmlLibrary.UUID_BUFFER_SIZE);
    if (NvmlReturn.isGpuLost(rc)) {
      return unknownLost;
    }
    if (rc != SUCCESS) {
      throw error("nvmlDeviceGetUUID", subject, rc);
    }
    String uuid = cString(text);
    rc = nvml.nvmlDeviceGetName(handle, text, NvmlLibrary.NAME_BUFFER_SIZE);
    if (NvmlReturn.isGpuLost(rc)) {
      return new Device(index, uuid, Optional.empty(), null);
    }
    Optional<String> name = readString(rc, "nvmlDeviceGetName", subject, text);
    return new Device(index, uuid, name, handle);
  }

  private Optional<String> readString(int rc, String function, String subject, MemorySegment text) {
    if (rc == ERROR_NOT_SUPPORTED || rc == NvmlLibrary.SYMBOL_MISSING) {
      return Optional.empty();
    }
    if (rc != SUCCESS) {
      throw error(function, subject, rc);
    }
    return Optional.of(cString(text));
  }

  private static String cString(MemorySegment buffer) {
    // A driver that filled the whole buffer without a terminator would make getString throw.
    buffer.set(JAVA_BYTE, buffer.byteSize() - 1, (byte) 0);
    return buffer.getString(0);
  }

  private NvmlException error(String function, String subject, int rc) {
    return new NvmlException(function, subject, rc, nvml.nvmlErrorString(rc));
  }

  @Override
  public synchronized GpuSnapshot sample() {
    if (closed) {
      throw new IllegalStateException("NVML probe closed: " + location);
    }
    long startedAt = nanoClock.getAsLong();
    List<GpuSample> samples = new ArrayList<>(devices.size());
    for (Device d : devices) {
      samples.add(sample(d));
    }
    return GpuSnapshot.of(driverVersion, startedAt, samples);
  }

  private GpuSample sample(Device d) {
    long at = nanoClock.getAsLong();
    if (d.handle() == null) {
      return GpuSample.lost(d.uuid(), d.index(), d.name(), at);
    }
    MemorySegment h = d.handle();
    GpuSample.Builder b = GpuSample.builder(d.uuid(), d.index()).name(d.name()).sampledAtNanos(at);
    try {
      readMemory(d, b);
      if (present(nvml.nvmlDeviceGetUtilizationRates(h, utilization), "nvmlDeviceGetUtilizationRates", d)) {
        // Above 100 % would be a driver bug; dropping the field beats failing the sample.
        long gpu = Utilization.gpu(utilization);
        long memory = Utilization.memory(utilization);
        if (gpu <= 100) {
          b.gpuUtilization(gpu / 100.0);
        }
        if (memory <= 100) {
          b.memoryUtilization(memory / 100.0);
        }
      }
      if (present(nvml.nvmlDeviceGetPowerUsage(h, uint), "nvmlDeviceGetPowerUsage", d)) {
        b.powerWatts(unsignedInt(uint) / 1000.0);
      }
      if (present(nvml.nvmlDeviceGetEnforcedPowerLimit(h, uint), "nvmlDeviceGetEnforcedPowerLimit", d)) {
        b.powerLimitWatts(unsignedInt(uint) / 1000.0);
      }
      if (present(nvml.nvmlDeviceGetTemperature(h, NvmlLibrary.TEMPERATURE_GPU, uint), "nvmlDeviceGetTemperature", d)) {
        b.temperatureC((int) Math.min(unsignedInt(uint), Integer.MAX_VALUE));
      }
      if (present(nvml.nvmlDeviceGetCurrentClocksEventReasons(h, ulong), "nvmlDeviceGetCurrentClocksEventReasons", d)) {
        b.throttleReasonBits(ulong.get(JAVA_LONG, 0));
      }
      if (present(nvml.nvmlDeviceGetTotalEnergyConsumption(h, ulong), "nvmlDeviceGetTotalEnergyConsumption", d)) {
        b.energyJoules(unsignedLongToDouble(ulong.get(JAVA_LONG, 0)) / 1000.0);
      }
      if (present(nvml.nvmlDeviceGetMigMode(h, uint, migPending), "nvmlDeviceGetMigMode", d)) {
        b.migEnabled(uint.get(JAVA_INT, 0) == 1);
      }
    } catch (GpuLost lost) {
      return GpuSample.lost(d.uuid(), d.index(), d.name(), at);
    }
    return b.build();
  }

  private void readMemory(Device d, GpuSample.Builder b) {
    MemorySegment h = d.handle();
    if (useMemoryV2) {
      MemoryV2.setVersion(memoryV2);
      int rc = nvml.nvmlDeviceGetMemoryInfo_v2(h, memoryV2);
      if (rc != ERROR_ARGUMENT_VERSION_MISMATCH) {
        if (present(rc, "nvmlDeviceGetMemoryInfo_v2", d)) {
          b.memoryTotalBytes(MemoryV2.total(memoryV2))
              .memoryReservedBytes(MemoryV2.reserved(memoryV2))
              .memoryFreeBytes(MemoryV2.free(memoryV2))
              .memoryUsedBytes(MemoryV2.used(memoryV2));
        }
        return;
      }
      // The library has the _v2 entry point but the driver behind it does not know this
      // struct version; that holds for every GPU and every later sample, so stop asking.
      useMemoryV2 = false;
    }
    if (present(nvml.nvmlDeviceGetMemoryInfo(h, memoryV1), "nvmlDeviceGetMemoryInfo", d)) {
      b.memoryTotalBytes(Memory.total(memoryV1))
          .memoryFreeBytes(Memory.free(memoryV1))
          .memoryUsedBytes(Memory.used(memoryV1));
    }
  }

  /**
   * True when the call filled its out-parameter; false when the field is absent (missing
   * symbol or NOT_SUPPORTED). Throws {@link GpuLost} for GPU_IS_LOST / RESET_REQUIRED and
   * {@link NvmlException} for anything else.
   */
  private boolean present(int rc, String function, Device d) {
    if (rc == SUCCESS) {
      return true;
    }
    if (rc == ERROR_NOT_SUPPORTED || rc == NvmlLibrary.SYMBOL_MISSING) {
      return false;
    }
    if (NvmlReturn.isGpuLost(rc)) {
      throw GpuLost.INSTANCE;
    }
    throw error(function, d.subject(), rc);
  }

  private static long unsignedInt(MemorySegment s) {
    return Integer.toUnsignedLong(s.get(JAVA_INT, 0));
  }

  private static double unsignedLongToDouble(long v) {
    return v >= 0 ? v : (v >>> 1) * 2.0 + (v & 1);
  }

  @Override
  public String description() {
    return "nvml " + location + driverVersion.map(v -> " (driver " + v + ")").orElse("");
  }

  /** Calls {@code nvmlShutdown} and frees native memory, once; later calls do nothing. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      // Nothing useful to do with a failed shutdown: the process is letting go of NVML anyway.
      nvml.nvmlShutdown();
    } finally {
      arena.close();
    }
  }
}
