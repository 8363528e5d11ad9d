package dev.loadfuse.nvml.ffm;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.GroupLayout;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemoryLayout.PathElement;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.util.List;
import java.util.Optional;

/**
 * Hand-written bindings to the part of {@code libnvidia-ml.so.1} that loadfuse reads, in the
 * shape jextract generates (jextract and {@code nvml.h} are not available to the build):
 * {@code static final} struct layouts, field offsets and function descriptors, one
 * {@link MethodHandle} per function, and one wrapper per function that calls it with
 * {@code invokeExact} and returns the raw {@code nvmlReturn_t}.
 *
 * <p>Unlike jextract's output the handles are {@code final} instance fields, not
 * {@code static final}: the library path is chosen at runtime (a flag, or the system search),
 * and a class whose static initialiser did the lookup would have to know it before it is
 * loaded, and would fail with {@link ExceptionInInitializerError} and then
 * {@link NoClassDefFoundError} forever when the library is missing. One instance per loaded
 * library keeps the failure an ordinary value ({@link MissingSymbolException}). The cost is
 * that the JIT cannot constant-fold the handles; the NVML benchmark measures the whole sample.
 *
 * <p>Required functions (without them the library is not a usable NVML):
 * {@code nvmlInit_v2}, {@code nvmlShutdown}, {@code nvmlErrorString}, {@code nvmlDeviceGetCount_v2},
 * {@code nvmlDeviceGetHandleByIndex_v2} and {@code nvmlDeviceGetUUID}. Every other function is optional: its handle is
 * {@code null} when the symbol is missing and its wrapper returns {@link #SYMBOL_MISSING}
 * without calling anything.
 *
 * <p>Threading: the handles are immutable and NVML is thread-safe, so this class is too; the
 * segments passed in are the caller's business.
 */
// Restricted FFM methods (downcall handles, target layouts) are what this class is for; native
// access is granted by the surefire argLine and the sidecar jar's manifest.
@SuppressWarnings("restricted")
public final class NvmlLibrary {

  /**
   * Returned by the wrapper of an optional function whose symbol the library lacks. Never an
   * {@code nvmlReturn_t} (those are small non-negative numbers).
   */
  public static final int SYMBOL_MISSING = Integer.MIN_VALUE;

  /** {@code NVML_DEVICE_UUID_V2_BUFFER_SIZE}. */
  public static final int UUID_BUFFER_SIZE = 96;

  /** {@code NVML_DEVICE_NAME_V2_BUFFER_SIZE}. */
  public static final int NAME_BUFFER_SIZE = 96;

  /** {@code NVML_SYSTEM_DRIVER_VERSION_BUFFER_SIZE}. */
  public static final int DRIVER_VERSION_BUFFER_SIZE = 80;

  /** {@code NVML_TEMPERATURE_GPU}: the sensor argument of {@code nvmlDeviceGetTemperature}. */
  public static final int TEMPERATURE_GPU = 0;

  static final String REQUIRED_SYMBOLS_TEXT =
      "nvmlInit_v2, nvmlShutdown, nvmlErrorString, nvmlDeviceGetCount_v2, nvmlDeviceGetHandleByIndex_v2, nvmlDeviceGetUUID";

  /** {@code nvmlUtilization_t}: percentages over the driver's last sample period. */
  public static final class Utilization {
    public static final GroupLayout LAYOUT =
        MemoryLayout.structLayout(JAVA_INT.withName("gpu"), JAVA_INT.withName("memory"))
            .withName("nvmlUtilization_t");
    public static final long GPU_OFFSET = offset(LAYOUT, "gpu");
    public static final long MEMORY_OFFSET = offset(LAYOUT, "memory");

    private Utilization() {}

    public static long gpu(MemorySegment s) {
      return Integer.toUnsignedLong(s.get(JAVA_INT, GPU_OFFSET));
    }

    public static long memory(MemorySegment s) {
      return Integer.toUnsignedLong(s.get(JAVA_INT, MEMORY_OFFSET));
    }
  }

  /** {@code nvmlMemory_t} (v1): bytes; {@code used} includes driver-reserved memory. */
  public static final class Memory {
    public static final GroupLayout LAYOUT =
        MemoryLayout.structLayout(
                JAVA_LONG.withName("total"), JAVA_LONG.withName("free"), JAVA_LONG.withName("used"))
            .withName("nvmlMemory_t");
    public static final long TOTAL_OFFSET = offset(LAYOUT, "total");
    public static final long FREE_OFFSET = offset(LAYOUT, "free");
    public static final long USED_OFFSET = offset(LAYOUT, "used");

    private Memory() {}

    public static long total(MemorySegment s) {
      return s.get(JAVA_LONG, TOTAL_OFFSET);
    }

    public static long free(MemorySegment s) {
      return s.get(JAVA_LONG, FREE_OFFSET);
    }

    public static long used(MemorySegment s) {
      return s.get(JAVA_LONG, USED_OFFSET);
    }
  }

  /** {@code nvmlMemory_v2_t}: bytes, with driver-reserved memory apart from {@code used}. */
  public static final class MemoryV2 {
    public static final GroupLayout LAYOUT =
        MemoryLayout.structLayout(
                JAVA_INT.withName("version"),
                MemoryLayout.paddingLayout(4),
                JAVA_LONG.withName("total"),
                JAVA_LONG.withName("reserved"),
                JAVA_LONG.withName("free"),
                JAVA_LONG.withName("used"))
            .withName("nvmlMemory_v2_t");
    public static final long VERSION_OFFSET = offset(LAYOUT, "version");
    public static final long TOTAL_OFFSET = offset(LAYOUT, "total");
    public static final long RESERVED_OFFSET = offset(LAYOUT, "reserved");
    public static final long FREE_OFFSET = offset(LAYOUT, "free");
    public static final long USED_OFFSET = offset(LAYOUT, "used");

    /** {@code nvmlMemory_v2}: {@code NVML_STRUCT_VERSION(Memory, 2)} = size | 2 << 24. */
    public static final int VERSION = (int) LAYOUT.byteSize() | 2 << 24;

    private MemoryV2() {}

    /** Sets the version field, which the driver checks before filling the struct. */
    public static void setVersion(MemorySegment s) {
      s.set(JAVA_INT, VERSION_OFFSET, VERSION);
    }

    public static long total(MemorySegment s) {
      return s.get(JAVA_LONG, TOTAL_OFFSET);
    }

    public static long reserved(MemorySegment s) {
      return s.get(JAVA_LONG, RESERVED_OFFSET);
    }

    public static long free(MemorySegment s) {
      return s.get(JAVA_LONG, FREE_OFFSET);
    }

    public static long used(MemorySegment s) {
      return s.get(JAVA_LONG, USED_OFFSET);
    }
  }

  /** Every struct layout above, for the layout-against-C test. */
  public static final List<GroupLayout> STRUCT_LAYOUTS =
      List.of(Utilization.LAYOUT, Memory.LAYOUT, MemoryV2.LAYOUT);

  // C strings NVML returns (nvmlErrorString) are static, NUL-terminated and of unknown length.
  private static final MemoryLayout C_STRING = MemoryLayout.sequenceLayout(Long.MAX_VALUE, JAVA_BYTE);

  private static final FunctionDescriptor RC = FunctionDescriptor.of(JAVA_INT);
  private static final FunctionDescriptor RC_PTR = FunctionDescriptor.of(JAVA_INT, ADDRESS);
  private static final FunctionDescriptor RC_PTR_UINT = FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT);
  private static final FunctionDescriptor RC_UINT_PTR = FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS);
  private static final FunctionDescriptor RC_PTR_PTR = FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS);
  private static final FunctionDescriptor RC_PTR_PTR_UINT =
      FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_INT);
  private static final FunctionDescriptor RC_PTR_INT_PTR =
      FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, ADDRESS);
  private static final FunctionDescriptor RC_PTR_PTR_PTR =
      FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS);
  private static final FunctionDescriptor STRING_RC =
      FunctionDescriptor.of(ADDRESS.withTargetLayout(C_STRING), JAVA_INT);

  private static final Linker LINKER = Linker.nativeLinker();

  // Required.
  private final MethodHandle nvmlInit_v2;
  private final MethodHandle nvmlShutdown;
  private final MethodHandle nvmlErrorString;
  private final MethodHandle nvmlDeviceGetCount_v2;
  private final MethodHandle nvmlDeviceGetHandleByIndex_v2;
  private final MethodHandle nvmlDeviceGetUUID;
  // Optional: null when the library lacks the symbol.
  private final MethodHandle nvmlSystemGetDriverVersion;
  private final MethodHandle nvmlDeviceGetHandleByUUID;
  private final MethodHandle nvmlDeviceGetName;
  private final MethodHandle nvmlDeviceGetMemoryInfo_v2;
  private final MethodHandle nvmlDeviceGetMemoryInfo;
  private final MethodHandle nvmlDeviceGetUtilizationRates;
  private final MethodHandle nvmlDeviceGetPowerUsage;
  private final MethodHandle nvmlDeviceGetEnforcedPowerLimit;
  private final MethodHandle nvmlDeviceGetTemperature;
  private final MethodHandle nvmlDeviceGetCurrentClocksEventReasons;
  private final MethodHandle nvmlDeviceGetTotalEnergyConsumption;
  private final MethodHandle nvmlDeviceGetMigMode;

  /** A required symbol is missing: the library is not a usable NVML. */
  public static final class MissingSymbolException extends Exception {
    private static final long serialVersionUID = 1L;

    MissingSymbolException(String symbol) {
      super("no symbol " + symbol + " (required: " + REQUIRED_SYMBOLS_TEXT + ")");
    }
  }

  private NvmlLibrary(SymbolLookup lookup) throws MissingSymbolException {
    nvmlInit_v2 = required(lookup, "nvmlInit_v2", RC);
    nvmlShutdown = required(lookup, "nvmlShutdown", RC);
    nvmlErrorString = required(lookup, "nvmlErrorString", STRING_RC);
    nvmlDeviceGetCount_v2 = required(lookup, "nvmlDeviceGetCount_v2", RC_PTR);
    nvmlDeviceGetHandleByIndex_v2 = required(lookup, "nvmlDeviceGetHandleByIndex_v2", RC_UINT_PTR);
    // The UUID is the key of every sample; every NVML since 2011 has it.
    nvmlDeviceGetUUID = required(lookup, "nvmlDeviceGetUUID", RC_PTR_PTR_UINT);
    nvmlSystemGetDriverVersion = optional(lookup, "nvmlSystemGetDriverVersion", RC_PTR_UINT);
    nvmlDeviceGetHandleByUUID = optional(lookup, "nvmlDeviceGetHandleByUUID", RC_PTR_PTR);
    nvmlDeviceGetName = optional(lookup, "nvmlDeviceGetName", RC_PTR_PTR_UINT);
    nvmlDeviceGetMemoryInfo_v2 = optional(lookup, "nvmlDeviceGetMemoryInfo_v2", RC_PTR_PTR);
    nvmlDeviceGetMemoryInfo = optional(lookup, "nvmlDeviceGetMemoryInfo", RC_PTR_PTR);
    nvmlDeviceGetUtilizationRates = optional(lookup, "nvmlDeviceGetUtilizationRates", RC_PTR_PTR);
    nvmlDeviceGetPowerUsage = optional(lookup, "nvmlDeviceGetPowerUsage", RC_PTR_PTR);
    nvmlDeviceGetEnforcedPowerLimit = optional(lookup, "nvmlDeviceGetEnforcedPowerLimit", RC_PTR_PTR);
    nvmlDeviceGetTemperature = optional(lookup, "nvmlDeviceGetTemperature", RC_PTR_INT_PTR);
    nvmlDeviceGetCurrentClocksEventReasons =
        optional(lookup, "nvmlDeviceGetCurrentClocksEventReasons", RC_PTR_PTR);
    nvmlDeviceGetTotalEnergyConsumption =
        optional(lookup, "nvmlDeviceGetTotalEnergyConsumption", RC_PTR_PTR);
    nvmlDeviceGetMigMode = optional(lookup, "nvmlDeviceGetMigMode", RC_PTR_PTR_PTR);
  }

  /**
   * Binds the functions of an already loaded library.
   *
   * @throws MissingSymbolException when a required function is missing
   */
  public static NvmlLibrary bind(SymbolLookup lookup) throws MissingSymbolException {
    return new NvmlLibrary(lookup);
  }

  private static MethodHandle required(SymbolLookup lookup, String name, FunctionDescriptor fd)
      throws MissingSymbolException {
    MethodHandle mh = optional(lookup, name, fd);
    if (mh == null) {
      throw new MissingSymbolException(name);
    }
    return mh;
  }

  private static MethodHandle optional(SymbolLookup lookup, String name, FunctionDescriptor fd) {
    Optional<MemorySegment> symbol = lookup.find(name);
    return symbol.map(s -> LINKER.downcallHandle(s, fd)).orElse(null);
  }

  private static long offset(GroupLayout layout, String field) {
    return layout.byteOffset(PathElement.groupElement(field));
  }

  // invokeExact declares Throwable; downcalls throw only unchecked exceptions (e.g. a segment
  // of a closed arena), which pass through unchanged.
  private static RuntimeException rethrow(Throwable t) {
    if (t instanceof RuntimeException r) {
      return r;
    }
    if (t instanceof Error e) {
      throw e;
    }
    return new IllegalStateException("unexpected checked exception from a downcall", t);
  }

  /** Whether the library has {@code nvmlDeviceGetMemoryInfo_v2}. */
  public boolean hasMemoryInfoV2() {
    return nvmlDeviceGetMemoryInfo_v2 != null;
  }

  public int nvmlInit_v2() {
    try {
      return (int) nvmlInit_v2.invokeExact();
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  public int nvmlShutdown() {
    try {
      return (int) nvmlShutdown.invokeExact();
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  /** The driver's text for {@code code}, never null. */
  public String nvmlErrorString(int code) {
    MemorySegment text;
    try {
      text = (MemorySegment) nvmlErrorString.invokeExact(code);
    } catch (Throwable t) {
      throw rethrow(t);
    }
    return text.equals(MemorySegment.NULL) ? "(no description)" : text.getString(0);
  }

  /** @param version a buffer of at least {@link #DRIVER_VERSION_BUFFER_SIZE} bytes */
  public int nvmlSystemGetDriverVersion(MemorySegment version, int length) {
    if (nvmlSystemGetDriverVersion == null) {
      return SYMBOL_MISSING;
    }
    try {
      return (int) nvmlSystemGetDriverVersion.invokeExact(version, length);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  /** @param count an {@code unsigned int} out-parameter */
  public int nvmlDeviceGetCount_v2(MemorySegment count) {
    try {
      return (int) nvmlDeviceGetCount_v2.invokeExact(count);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  /** @param device an {@code nvmlDevice_t} (pointer) out-parameter */
  public int nvmlDeviceGetHandleByIndex_v2(int index, MemorySegment device) {
    try {
      return (int) nvmlDeviceGetHandleByIndex_v2.invokeExact(index, device);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  /**
   * @param uuid a NUL-terminated UUID
   * @param device an {@code nvmlDevice_t} (pointer) out-parameter
   */
  public int nvmlDeviceGetHandleByUUID(MemorySegment uuid, MemorySegment device) {
    if (nvmlDeviceGetHandleByUUID == null) {
      return SYMBOL_MISSING;
    }
    try {
      return (int) nvmlDeviceGetHandleByUUID.invokeExact(uuid, device);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  /** @param uuid a buffer of at least {@link #UUID_BUFFER_SIZE} bytes */
  public int nvmlDeviceGetUUID(MemorySegment device, MemorySegment uuid, int length) {
    try {
      return (int) nvmlDeviceGetUUID.invokeExact(device, uuid, length);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  /** @param name a buffer of at least {@link #NAME_BUFFER_SIZE} bytes */
  public int nvmlDeviceGetName(MemorySegment device, MemorySegment name, int length) {
    if (nvmlDeviceGetName == null) {
      return SYMBOL_MISSING;
    }
    try {
      return (int) nvmlDeviceGetName.invokeExact(device, name, length);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  /** @param memory a {@link MemoryV2#LAYOUT} struct whose version field is set */
  public int nvmlDeviceGetMemoryInfo_v2(MemorySegment device, MemorySegment memory) {
    if (nvmlDeviceGetMemoryInfo_v2 == null) {
      return SYMBOL_MISSING;
    }
    try {
      return (int) nvmlDeviceGetMemoryInfo_v2.invokeExact(device, memory);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  /** @param memory a {@link Memory#LAYOUT} struct */
  public int nvmlDeviceGetMemoryInfo(MemorySegment device, MemorySegment memory) {
    if (nvmlDeviceGetMemoryInfo == null) {
      return SYMBOL_MISSING;
    }
    try {
      return (int) nvmlDeviceGetMemoryInfo.invokeExact(device, memory);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  /** @param utilization a {@link Utilization#LAYOUT} struct */
  public int nvmlDeviceGetUtilizationRates(MemorySegment device, MemorySegment utilization) {
    if (nvmlDeviceGetUtilizationRates == null) {
      return SYMBOL_MISSING;
    }
    try {
      return (int) nvmlDeviceGetUtilizationRates.invokeExact(device, utilization);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  /** @param milliwatts an {@code unsigned int} out-parameter */
  public int nvmlDeviceGetPowerUsage(MemorySegment device, MemorySegment milliwatts) {
    if (nvmlDeviceGetPowerUsage == null) {
      return SYMBOL_MISSING;
    }
    try {
      return (int) nvmlDeviceGetPowerUsage.invokeExact(device, milliwatts);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  /** @param milliwatts an {@code unsigned int} out-parameter */
  public int nvmlDeviceGetEnforcedPowerLimit(MemorySegment device, MemorySegment milliwatts) {
    if (nvmlDeviceGetEnforcedPowerLimit == null) {
      return SYMBOL_MISSING;
    }
    try {
      return (int) nvmlDeviceGetEnforcedPowerLimit.invokeExact(device, milliwatts);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  /**
   * @param sensor {@link #TEMPERATURE_GPU}
   * @param celsius an {@code unsigned int} out-parameter
   */
  public int nvmlDeviceGetTemperature(MemorySegment device, int sensor, MemorySegment celsius) {
    if (nvmlDeviceGetTemperature == null) {
      return SYMBOL_MISSING;
    }
    try {
      return (int) nvmlDeviceGetTemperature.invokeExact(device, sensor, celsius);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  /** @param reasons an {@code unsigned long long} out-parameter (bit mask) */
  public int nvmlDeviceGetCurrentClocksEventReasons(MemorySegment device, MemorySegment reasons) {
    if (nvmlDeviceGetCurrentClocksEventReasons == null) {
      return SYMBOL_MISSING;
    }
    try {
      return (int) nvmlDeviceGetCurrentClocksEventReasons.invokeExact(device, reasons);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  /** @param millijoules an {@code unsigned long long} out-parameter */
  public int nvmlDeviceGetTotalEnergyConsumption(MemorySegment device, MemorySegment millijoules) {
    if (nvmlDeviceGetTotalEnergyConsumption == null) {
      return SYMBOL_MISSING;
    }
    try {
      return (int) nvmlDeviceGetTotalEnergyConsumption.invokeExact(device, millijoules);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  /**
   * @param current an {@code unsigned int} out-parameter (1 = MIG enabled)
   * @param pending an {@code unsigned int} out-parameter (mode after the next reset)
   */
  public int nvmlDeviceGetMigMode(MemorySegment device, MemorySegment current, MemorySegment pending) {
    if (nvmlDeviceGetMigMode == null) {
      return SYMBOL_MISSING;
    }
    try {
      return (int) nvmlDeviceGetMigMode.invokeExact(device, current, pending);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }
}
