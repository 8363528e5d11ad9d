package dev.loadfuse.nvml;

/**
 * Reads the GPUs of this node. FFM-free, so that callers (the sidecar, tests) need no native
 * access to use a mock or an absent probe.
 *
 * <p>Implementations: NVML ({@link GpuProbes#nvml()}), a file-driven mock
 * ({@link GpuProbes#mock(java.nio.file.Path)}) and none ({@link GpuProbes#none(String)}).
 *
 * <p>Threading: methods may be called from any thread, one at a time; implementations
 * serialise calls, so a concurrent caller waits. {@link #sample()} blocks (NVML queries the
 * kernel driver, typically tens of microseconds to a few milliseconds per GPU): call it from a
 * worker or virtual thread, never from an event loop.
 */
public interface GpuProbe extends AutoCloseable {

  /**
   * Reads every GPU once.
   *
   * <p>A field the GPU does not support is empty; a lost GPU is reported with
   * {@link GpuSample#lost()} set while the other GPUs are still read.
   *
   * @throws NvmlException when the driver returns any other error
   * @throws IllegalStateException after {@link #close()}
   */
  GpuSnapshot sample();

  /** What this probe reads, for logs, e.g. {@code nvml /usr/lib/.../libnvidia-ml.so.1}. */
  String description();

  /** Releases the driver and native memory. Idempotent. */
  @Override
  void close();
}
