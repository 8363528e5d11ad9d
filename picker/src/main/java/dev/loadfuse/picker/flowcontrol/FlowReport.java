package dev.loadfuse.picker.flowcontrol;

import dev.loadfuse.sidecar.api.Address;
import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.UUID;

/**
 * What one picker replica tells the others of its flow-control queues on {@code
 * inference.flowcontrol.v1} ({@link FlowExchange}): per band, how many requests and bytes wait;
 * per flow, how many wait and how many it dispatched recently (a count that halves every {@link
 * FlowShares#HALF_LIFE_MILLIS}).
 *
 * <p>Wire format (big-endian): version byte {@code 1}; origin UUID (two longs); band count (unsigned
 * short), each band's priority (int), requests (int) and bytes (long); flow count (unsigned short),
 * each flow's priority (int), fairness id (unsigned short length and UTF-8 bytes), queued requests
 * (int) and recent dispatches (double). At most {@link #MAX_BANDS} bands and {@link #MAX_FLOWS}
 * flows, ids of at most {@link #MAX_ID_BYTES} bytes: a message stays under ~20 KB.
 *
 * @param origin the replica that sent it
 */
public record FlowReport(UUID origin, List<BandLoad> bands, List<FlowLoad> flows) {

  /** Where replicas publish their reports. */
  public static final Address<FlowReport> ADDRESS = new Address<>("inference.flowcontrol.v1", FlowReport.class);

  static final byte VERSION = 1;
  /** The most bands a report lists. */
  public static final int MAX_BANDS = 64;
  /** The most flows a report lists (the busiest: most queued, then most dispatched). */
  public static final int MAX_FLOWS = 256;
  /** A flow whose fairness id is longer is left out of reports. */
  public static final int MAX_ID_BYTES = 64;

  /** One band's queue at the sender. */
  public record BandLoad(int priority, int requests, long bytes) {}

  /** One flow at the sender: requests waiting, and its recent (decayed) dispatch count. */
  public record FlowLoad(int priority, String flow, int queued, double recent) {
    public FlowLoad {
      Objects.requireNonNull(flow, "flow");
    }
  }

  public FlowReport {
    Objects.requireNonNull(origin, "origin");
    bands = List.copyOf(bands);
    flows = List.copyOf(flows);
    if (bands.size() > MAX_BANDS || flows.size() > MAX_FLOWS) {
      throw new IllegalArgumentException("flow report of " + bands.size() + " bands and " + flows.size()
          + " flows (at most " + MAX_BANDS + " and " + MAX_FLOWS + ")");
    }
  }

  public Buffer encode() {
    Buffer b = Buffer.buffer(1 + 16 + 2 + 16 * bands.size() + 2 + 32 * flows.size());
    b.appendByte(VERSION).appendLong(origin.getMostSignificantBits()).appendLong(origin.getLeastSignificantBits());
    b.appendUnsignedShort(bands.size());
    for (BandLoad band : bands) {
      b.appendInt(band.priority()).appendInt(band.requests()).appendLong(band.bytes());
    }
    b.appendUnsignedShort(flows.size());
    for (FlowLoad f : flows) {
      byte[] id = f.flow().getBytes(StandardCharsets.UTF_8);
      if (id.length > MAX_ID_BYTES) {
        throw new IllegalArgumentException("fairness id of " + id.length + " bytes (at most " + MAX_ID_BYTES + ")");
      }
      b.appendInt(f.priority()).appendUnsignedShort(id.length).appendBytes(id).appendInt(f.queued())
          .appendDouble(f.recent());
    }
    return b;
  }

  /**
   * @throws IllegalArgumentException naming what is wrong: unknown version, truncated, a count or
   *     value out of range, trailing bytes
   */
  public static FlowReport decode(Buffer b) {
    Cursor in = new Cursor(b);
    try {
      byte version = b.getByte(in.skip(1));
      if (version != VERSION) {
        throw new IllegalArgumentException("flow report version " + version + " (expected: " + VERSION + ")");
      }
      UUID origin = new UUID(b.getLong(in.skip(8)), b.getLong(in.skip(8)));
      List<BandLoad> bands = new ArrayList<>();
      for (int n = count(b.getUnsignedShort(in.skip(2)), MAX_BANDS, "band"); bands.size() < n; ) {
        int priority = b.getInt(in.skip(4));
        int requests = nonNegative(b.getInt(in.skip(4)), "band requests");
        bands.add(new BandLoad(priority, requests, nonNegative(b.getLong(in.skip(8)), "band bytes")));
      }
      List<FlowLoad> flows = new ArrayList<>();
      for (int n = count(b.getUnsignedShort(in.skip(2)), MAX_FLOWS, "flow"); flows.size() < n; ) {
        int priority = b.getInt(in.skip(4));
        int idLength = count(b.getUnsignedShort(in.skip(2)), MAX_ID_BYTES, "fairness id byte");
        int idAt = in.skip(idLength);
        String id = b.getString(idAt, idAt + idLength, "UTF-8");
        int queued = nonNegative(b.getInt(in.skip(4)), "flow queued");
        double recent = b.getDouble(in.skip(8));
        if (!(recent >= 0) || Double.isInfinite(recent)) {
          throw new IllegalArgumentException("flow report recent dispatches " + recent + " (expected: a number >= 0)");
        }
        flows.add(new FlowLoad(priority, id, queued, recent));
      }
      if (b.length() != in.pos) {
        throw new IllegalArgumentException("flow report of " + b.length() + " bytes (expected: " + in.pos + ")");
      }
      return new FlowReport(origin, bands, flows);
    } catch (IndexOutOfBoundsException e) {
      throw new IllegalArgumentException("flow report truncated (" + b.length() + " bytes)");
    }
  }

  /** Where decoding has got to in a buffer. */
  private static final class Cursor {
    private final Buffer b;
    int pos;

    Cursor(Buffer b) {
      this.b = b;
    }

    /** The position of the next {@code n} bytes, which it moves past (checked against the end). */
    int skip(int n) {
      if (pos + n > b.length()) {
        throw new IndexOutOfBoundsException();
      }
      int at = pos;
      pos += n;
      return at;
    }
  }

  private static int count(int n, int max, String what) {
    if (n > max) {
      throw new IllegalArgumentException("flow report " + what + " count " + n + " (expected: at most " + max + ")");
    }
    return n;
  }

  private static <N extends Number & Comparable<N>> N nonNegative(N n, String what) {
    if (n.longValue() < 0) {
      throw new IllegalArgumentException("flow report " + what + " " + n + " (expected: >= 0)");
    }
    return n;
  }
}
