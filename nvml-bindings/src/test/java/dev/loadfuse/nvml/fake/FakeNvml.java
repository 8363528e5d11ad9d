package dev.loadfuse.nvml.fake;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The control functions ({@code fake_nvml_*}) of one built fake NVML, called through FFM.
 *
 * <p>The library is opened into the global arena and so stays loaded for the JVM's life: its
 * state then survives probes that open and close (dlopen/dlclose) the same file, and a test
 * restores the documented default with {@link #reset()}.
 */
@SuppressWarnings("restricted") // loading and calling the fake is the point
public final class FakeNvml {
  private static final Linker LINKER = Linker.nativeLinker();
  private static final Map<Path, FakeNvml> LOADED = new ConcurrentHashMap<>();

  private final Path library;
  private final MethodHandle reset;
  private final MethodHandle setDeviceCount;
  private final MethodHandle failInit;
  private final MethodHandle loseGpuAfter;
  private final MethodHandle setReturn;
  private final MethodHandle setValue;
  private final MethodHandle initCalls;
  private final MethodHandle shutdownCalls;
  private final MethodHandle initDepth;
  private final MethodHandle queryCalls;
  private final MethodHandle sizeOf;
  private final MethodHandle offsetOf;
  private final MethodHandle memoryV2Version;

  private FakeNvml(Path library) {
    this.library = library;
    SymbolLookup lookup = SymbolLookup.libraryLookup(library, Arena.global());
    reset = handle(lookup, "fake_nvml_reset", FunctionDescriptor.ofVoid());
    setDeviceCount = handle(lookup, "fake_nvml_set_device_count", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    failInit = handle(lookup, "fake_nvml_fail_init", FunctionDescriptor.ofVoid(JAVA_INT));
    loseGpuAfter = handle(lookup, "fake_nvml_lose_gpu_after", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_INT));
    setReturn = handle(lookup, "fake_nvml_set_return", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    setValue = handle(lookup, "fake_nvml_set_value", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_LONG));
    initCalls = handle(lookup, "fake_nvml_init_calls", FunctionDescriptor.of(JAVA_LONG));
    shutdownCalls = handle(lookup, "fake_nvml_shutdown_calls", FunctionDescriptor.of(JAVA_LONG));
    initDepth = handle(lookup, "fake_nvml_init_depth", FunctionDescriptor.of(JAVA_INT));
    queryCalls = handle(lookup, "fake_nvml_query_calls", FunctionDescriptor.of(JAVA_LONG));
    sizeOf = handle(lookup, "fake_nvml_sizeof", FunctionDescriptor.of(JAVA_LONG, ADDRESS));
    offsetOf = handle(lookup, "fake_nvml_offsetof", FunctionDescriptor.of(JAVA_LONG, ADDRESS, ADDRESS));
    memoryV2Version = handle(lookup, "fake_nvml_memory_v2_version", FunctionDescriptor.of(JAVA_INT));
  }

  /** The control of the fake at {@code library} (one per file per JVM). */
  public static FakeNvml of(Path library) {
    return LOADED.computeIfAbsent(library.toAbsolutePath().normalize(), FakeNvml::new);
  }

  private static MethodHandle handle(SymbolLookup lookup, String name, FunctionDescriptor fd) {
    return LINKER.downcallHandle(
        lookup.find(name).orElseThrow(() -> new IllegalStateException("fake NVML lacks " + name)), fd);
  }

  /** The library file. */
  public Path library() {
    return library;
  }

  /** Back to the documented default state: 2 GPUs, nothing forced, not initialised. */
  public FakeNvml reset() {
    try {
      reset.invokeExact();
    } catch (Throwable t) {
      throw new AssertionError(t);
    }
    return this;
  }

  public FakeNvml setDeviceCount(int count) {
    try {
      check((int) setDeviceCount.invokeExact(count), "set_device_count " + count);
    } catch (Throwable t) {
      throw propagate(t);
    }
    return this;
  }

  /** Every later nvmlInit_v2 returns {@code code} (0 undoes). */
  public FakeNvml failInit(int code) {
    try {
      failInit.invokeExact(code);
    } catch (Throwable t) {
      throw propagate(t);
    }
    return this;
  }

  /** GPU {@code index} answers {@code calls} more device calls, then returns {@code code} to all. */
  public FakeNvml loseGpuAfter(int index, long calls, int code) {
    try {
      check((int) loseGpuAfter.invokeExact(index, calls, code), "lose_gpu_after " + index);
    } catch (Throwable t) {
      throw propagate(t);
    }
    return this;
  }

  /** The NVML function {@code function} returns {@code code} for GPU {@code index} (0 undoes). */
  public FakeNvml setReturn(int index, String function, int code) {
    try (Arena arena = Arena.ofConfined()) {
      check((int) setReturn.invokeExact(index, arena.allocateFrom(function), code), "set_return " + function);
    } catch (Throwable t) {
      throw propagate(t);
    }
    return this;
  }

  /** Sets a raw value of GPU {@code index}; field names are listed in fake_nvml.c. */
  public FakeNvml setValue(int index, String field, long value) {
    try (Arena arena = Arena.ofConfined()) {
      check((int) setValue.invokeExact(index, arena.allocateFrom(field), value), "set_value " + field);
    } catch (Throwable t) {
      throw propagate(t);
    }
    return this;
  }

  public long initCalls() {
    try {
      return (long) initCalls.invokeExact();
    } catch (Throwable t) {
      throw propagate(t);
    }
  }

  public long shutdownCalls() {
    try {
      return (long) shutdownCalls.invokeExact();
    } catch (Throwable t) {
      throw propagate(t);
    }
  }

  /** NVML's init depth: above 0 while some caller is initialised. */
  public int initDepth() {
    try {
      return (int) initDepth.invokeExact();
    } catch (Throwable t) {
      throw propagate(t);
    }
  }

  /** Device query calls the fake has answered since the last reset. */
  public long queryCalls() {
    try {
      return (long) queryCalls.invokeExact();
    } catch (Throwable t) {
      throw propagate(t);
    }
  }

  /** C's {@code sizeof(type)} for an NVML struct, -1 when the fake does not define it. */
  public long sizeOf(String type) {
    try (Arena arena = Arena.ofConfined()) {
      return (long) sizeOf.invokeExact(arena.allocateFrom(type));
    } catch (Throwable t) {
      throw propagate(t);
    }
  }

  /** C's {@code offsetof(type, field)}, -1 when the fake does not define it. */
  public long offsetOf(String type, String field) {
    try (Arena arena = Arena.ofConfined()) {
      return (long) offsetOf.invokeExact(arena.allocateFrom(type), arena.allocateFrom(field));
    } catch (Throwable t) {
      throw propagate(t);
    }
  }

  /** C's {@code NVML_STRUCT_VERSION(Memory, 2)}. */
  public int memoryV2Version() {
    try {
      return (int) memoryV2Version.invokeExact();
    } catch (Throwable t) {
      throw propagate(t);
    }
  }

  private static void check(int rc, String what) {
    if (rc != 0) {
      throw new IllegalArgumentException("fake NVML rejected " + what);
    }
  }

  private static RuntimeException propagate(Throwable t) {
    if (t instanceof RuntimeException r) {
      return r;
    }
    if (t instanceof Error e) {
      throw e;
    }
    return new IllegalStateException(t);
  }
}
