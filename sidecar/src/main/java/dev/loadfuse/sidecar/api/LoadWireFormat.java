package dev.loadfuse.sidecar.api;

import dev.loadfuse.engine.LoraInfo;
import dev.loadfuse.nvml.GpuSample;
import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;

/**
 * Compact binary form of {@link LoadVector} and {@link LoadSnapshot} for the clustered event bus.
 *
 * <p>Every message starts with a length (int, bytes after it) and a version byte, so that a
 * receiver can refuse a version it does not know with a clear error instead of misreading it.
 * Version 1: fixed-order fields, strings as int length (-1 = null) + UTF-8, optional GPU fields
 * behind a presence bitmask. {@link GpuSample#sampledAtNanos()} travels as is but is only
 * meaningful on the sender's clock; use {@link LoadVector#gpuSampledAtMillis()} across nodes.
 */
public final class LoadWireFormat {

  public static final byte VERSION = 1;

  private LoadWireFormat() {}

  public static void writeVector(Buffer out, LoadVector v) {
    int lengthAt = out.length();
    out.appendInt(0);
    out.appendByte(VERSION);
    vectorBody(out, v);
    out.setInt(lengthAt, out.length() - lengthAt - 4);
  }

  public static LoadVector readVector(int pos, Buffer in) {
    Reader r = new Reader(in, pos);
    r.header("LoadVector");
    return r.vector();
  }

  public static void writeSnapshot(Buffer out, LoadSnapshot s) {
    int lengthAt = out.length();
    out.appendInt(0);
    out.appendByte(VERSION);
    out.appendInt(s.vectors().size());
    for (LoadVector v : s.vectors()) {
      vectorBody(out, v);
    }
    out.setInt(lengthAt, out.length() - lengthAt - 4);
  }

  public static LoadSnapshot readSnapshot(int pos, Buffer in) {
    Reader r = new Reader(in, pos);
    r.header("LoadSnapshot");
    int n = r.count();
    List<LoadVector> list = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      list.add(r.vector());
    }
    return new LoadSnapshot(list);
  }

  private static void vectorBody(Buffer out, LoadVector v) {
    EndpointId id = v.endpoint();
    string(out, id.name());
    string(out, id.address());
    out.appendInt(id.port());
    string(out, id.pool());
    string(out, v.engine());
    out.appendDouble(v.waitingRequests());
    out.appendDouble(v.runningRequests());
    out.appendDouble(v.kvCacheUsage());
    LoraInfo lora = v.lora();
    out.appendByte((byte) (lora == null ? 0 : 1));
    if (lora != null) {
      strings(out, lora.runningAdapters());
      strings(out, lora.waitingAdapters());
      out.appendInt(lora.maxLora().orElse(-1));
    }
    out.appendLong(v.cacheBlockSize());
    out.appendLong(v.numGpuBlocks());
    strings(out, v.missingMetrics());
    out.appendLong(v.engineSampledAtMillis());
    out.appendInt(v.gpus().size());
    for (GpuSample g : v.gpus()) {
      gpu(out, g);
    }
    out.appendLong(v.gpuSampledAtMillis());
    out.appendByte((byte) ((v.healthy() ? 1 : 0) | (v.gpuLost() ? 2 : 0)));
    string(out, v.lastError());
  }

  // Presence bits of the optional GPU fields, in write order.
  private static final int NAME = 1, MEM_TOTAL = 1 << 1, MEM_USED = 1 << 2, MEM_FREE = 1 << 3,
      MEM_RESERVED = 1 << 4, GPU_UTIL = 1 << 5, MEM_UTIL = 1 << 6, POWER = 1 << 7,
      POWER_LIMIT = 1 << 8, TEMPERATURE = 1 << 9, THROTTLE = 1 << 10, ENERGY = 1 << 11,
      MIG = 1 << 12, LOST = 1 << 13;

  private static void gpu(Buffer out, GpuSample g) {
    int bits = (g.name().isPresent() ? NAME : 0)
        | (g.memoryTotalBytes().isPresent() ? MEM_TOTAL : 0)
        | (g.memoryUsedBytes().isPresent() ? MEM_USED : 0)
        | (g.memoryFreeBytes().isPresent() ? MEM_FREE : 0)
        | (g.memoryReservedBytes().isPresent() ? MEM_RESERVED : 0)
        | (g.gpuUtilization().isPresent() ? GPU_UTIL : 0)
        | (g.memoryUtilization().isPresent() ? MEM_UTIL : 0)
        | (g.powerWatts().isPresent() ? POWER : 0)
        | (g.powerLimitWatts().isPresent() ? POWER_LIMIT : 0)
        | (g.temperatureC().isPresent() ? TEMPERATURE : 0)
        | (g.throttleReasonBits().isPresent() ? THROTTLE : 0)
        | (g.energyJoules().isPresent() ? ENERGY : 0)
        | (g.migEnabled().isPresent() ? MIG : 0)
        | (g.lost() ? LOST : 0);
    string(out, g.uuid());
    out.appendInt(g.index());
    out.appendInt(bits);
    out.appendLong(g.sampledAtNanos());
    if ((bits & NAME) != 0) string(out, g.name().get());
    if ((bits & MEM_TOTAL) != 0) out.appendLong(g.memoryTotalBytes().getAsLong());
    if ((bits & MEM_USED) != 0) out.appendLong(g.memoryUsedBytes().getAsLong());
    if ((bits & MEM_FREE) != 0) out.appendLong(g.memoryFreeBytes().getAsLong());
    if ((bits & MEM_RESERVED) != 0) out.appendLong(g.memoryReservedBytes().getAsLong());
    if ((bits & GPU_UTIL) != 0) out.appendDouble(g.gpuUtilization().getAsDouble());
    if ((bits & MEM_UTIL) != 0) out.appendDouble(g.memoryUtilization().getAsDouble());
    if ((bits & POWER) != 0) out.appendDouble(g.powerWatts().getAsDouble());
    if ((bits & POWER_LIMIT) != 0) out.appendDouble(g.powerLimitWatts().getAsDouble());
    if ((bits & TEMPERATURE) != 0) out.appendInt(g.temperatureC().getAsInt());
    if ((bits & THROTTLE) != 0) out.appendLong(g.throttleReasonBits().getAsLong());
    if ((bits & ENERGY) != 0) out.appendDouble(g.energyJoules().getAsDouble());
    if ((bits & MIG) != 0) out.appendByte((byte) (g.migEnabled().get() ? 1 : 0));
  }

  private static void strings(Buffer out, List<String> list) {
    out.appendInt(list.size());
    for (String s : list) {
      string(out, s);
    }
  }

  private static void string(Buffer out, String s) {
    if (s == null) {
      out.appendInt(-1);
      return;
    }
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    out.appendInt(b.length);
    out.appendBytes(b);
  }

  /** Sequential reader; every count and length is checked against what is left. */
  private static final class Reader {
    private final Buffer in;
    private int pos;
    private int end;

    Reader(Buffer in, int pos) {
      this.in = in;
      this.pos = pos;
      this.end = in.length();
    }

    void header(String what) {
      int length = in.getInt(pos);
      pos += 4;
      if (length < 1 || pos + length > end) {
        throw new IllegalArgumentException(what + ": truncated message (length " + length + ")");
      }
      end = pos + length;
      byte version = in.getByte(pos++);
      if (version != VERSION) {
        throw new IllegalArgumentException(
            what + ": unsupported wire version " + version + " (this build reads " + VERSION + ")");
      }
    }

    LoadVector vector() {
      EndpointId id = new EndpointId(string(), string(), i32(), string());
      String engine = string();
      double waiting = f64();
      double running = f64();
      double kv = f64();
      LoraInfo lora = null;
      if (i8() != 0) {
        List<String> run = strings();
        List<String> wait = strings();
        int max = i32();
        lora = new LoraInfo(run, wait, max < 0 ? OptionalInt.empty() : OptionalInt.of(max));
      }
      long blockSize = i64();
      long blocks = i64();
      List<String> missing = strings();
      long engineAt = i64();
      int n = count();
      List<GpuSample> gpus = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        gpus.add(gpu());
      }
      long gpuAt = i64();
      int flags = i8();
      String lastError = string();
      return new LoadVector(id, engine, waiting, running, kv, lora, blockSize, blocks, missing,
          engineAt, gpus, gpuAt, (flags & 1) != 0, (flags & 2) != 0, lastError);
    }

    GpuSample gpu() {
      GpuSample.Builder b = GpuSample.builder(string(), i32());
      int bits = i32();
      b.sampledAtNanos(i64());
      if ((bits & NAME) != 0) b.name(string());
      if ((bits & MEM_TOTAL) != 0) b.memoryTotalBytes(i64());
      if ((bits & MEM_USED) != 0) b.memoryUsedBytes(i64());
      if ((bits & MEM_FREE) != 0) b.memoryFreeBytes(i64());
      if ((bits & MEM_RESERVED) != 0) b.memoryReservedBytes(i64());
      if ((bits & GPU_UTIL) != 0) b.gpuUtilization(f64());
      if ((bits & MEM_UTIL) != 0) b.memoryUtilization(f64());
      if ((bits & POWER) != 0) b.powerWatts(f64());
      if ((bits & POWER_LIMIT) != 0) b.powerLimitWatts(f64());
      if ((bits & TEMPERATURE) != 0) b.temperatureC(i32());
      if ((bits & THROTTLE) != 0) b.throttleReasonBits(i64());
      if ((bits & ENERGY) != 0) b.energyJoules(f64());
      if ((bits & MIG) != 0) b.migEnabled(i8() != 0);
      b.lost((bits & LOST) != 0);
      return b.build();
    }

    private void need(int n) {
      if (pos + n > end) {
        throw new IllegalArgumentException("load message truncated at byte " + pos);
      }
    }

    int i8() {
      need(1);
      return in.getByte(pos++);
    }

    int i32() {
      need(4);
      int v = in.getInt(pos);
      pos += 4;
      return v;
    }

    long i64() {
      need(8);
      long v = in.getLong(pos);
      pos += 8;
      return v;
    }

    double f64() {
      need(8);
      double v = in.getDouble(pos);
      pos += 8;
      return v;
    }

    int count() {
      int n = i32();
      if (n < 0 || n > end - pos) {
        throw new IllegalArgumentException("load message: bad count " + n + " at byte " + (pos - 4));
      }
      return n;
    }

    String string() {
      int n = i32();
      if (n == -1) {
        return null;
      }
      if (n < 0) {
        throw new IllegalArgumentException("load message: bad string length " + n);
      }
      need(n);
      String s = in.getString(pos, pos + n, "UTF-8");
      pos += n;
      return s;
    }

    List<String> strings() {
      int n = count();
      List<String> out = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        out.add(string());
      }
      return out;
    }
  }
}
