package dev.loadfuse.picker.extproc;

import dev.loadfuse.common.settings.ByteSizes;
import dev.loadfuse.common.settings.Durations;
import dev.loadfuse.common.settings.OptionChecks;
import dev.loadfuse.common.settings.SettingsNode;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;

/**
 * The bounds of the ext_proc port, in the Vert.x options style (defaults, fluent validating setters,
 * a JSON form that is part of {@code PickerOptions}'s): how many connections and streams it holds,
 * how long a request may take to arrive, and how many bytes of bodies it buffers in total. Each key is
 * the camel-case name of the {@code picker.jar} flag that sets it ({@code maxOpenStreams} ↔ {@code
 * --max-open-streams}).
 *
 * <p>What happens at each bound (picker/README.md, "Limits"): a connection over {@code
 * maxConnections} is closed at once; a stream over {@code maxStreamsPerConnection} is refused by
 * HTTP/2 itself (the server's {@code SETTINGS_MAX_CONCURRENT_STREAMS}); a stream over {@code
 * maxOpenStreams} and a body that would take the buffered bytes over {@code maxBufferedBytes} are
 * answered 503 with a message naming the limit and its flag; a request that sends nothing for {@code
 * requestIdleTimeout}, or is not complete after {@code requestTimeout}, is answered 408.
 *
 * <p>The defaults fit the picker's pod (a 716 MiB heap): an idle stream costs ~8.4 KiB of heap, so
 * 20,000 of them ~164 MiB; 128 MiB of bodies in the decoder and the stages (a message counted
 * twice while it is handed from one to the other) held 24 concurrent 31 MiB BUFFERED bodies
 * ({@code benchmarks}' {@code AbuseHarness}).
 */
public final class ExtProcLimits {

  public static final int DEFAULT_MAX_CONNECTIONS = 1_000;
  /**
   * Envoy sends a worker's requests over one HTTP/2 connection and holds each stream until its
   * response is done: far above what one worker has in flight (the reference, grpc-go, sets no
   * limit; Vert.x's default of 100 queued request 101 behind the first 100 responses).
   */
  public static final int DEFAULT_MAX_STREAMS_PER_CONNECTION = 10_000;
  public static final int DEFAULT_MAX_OPEN_STREAMS = 20_000;
  public static final Duration DEFAULT_REQUEST_IDLE_TIMEOUT = Duration.ofSeconds(30);
  public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofMinutes(2);
  public static final long DEFAULT_MAX_BUFFERED_BYTES = 128L << 20;

  /** The JSON keys, in the order messages list them. */
  public static final List<String> KEYS = List.of("maxConnections", "maxStreamsPerConnection", "maxOpenStreams",
      "requestIdleTimeout", "requestTimeout", "maxBufferedBytes");

  private int maxConnections = DEFAULT_MAX_CONNECTIONS;
  private int maxStreamsPerConnection = DEFAULT_MAX_STREAMS_PER_CONNECTION;
  private int maxOpenStreams = DEFAULT_MAX_OPEN_STREAMS;
  private Duration requestIdleTimeout = DEFAULT_REQUEST_IDLE_TIMEOUT;
  private Duration requestTimeout = DEFAULT_REQUEST_TIMEOUT;
  private long maxBufferedBytes = DEFAULT_MAX_BUFFERED_BYTES;

  /** The defaults. */
  public ExtProcLimits() {}

  public ExtProcLimits(ExtProcLimits o) {
    maxConnections = o.maxConnections;
    maxStreamsPerConnection = o.maxStreamsPerConnection;
    maxOpenStreams = o.maxOpenStreams;
    requestIdleTimeout = o.requestIdleTimeout;
    requestTimeout = o.requestTimeout;
    maxBufferedBytes = o.maxBufferedBytes;
  }

  /** Reads this group's keys of {@code node} (others are left to the caller); absent keys keep their defaults. */
  public static ExtProcLimits read(SettingsNode node) {
    ExtProcLimits l = new ExtProcLimits();
    l.maxConnections = node.integer("maxConnections", DEFAULT_MAX_CONNECTIONS, 1, Integer.MAX_VALUE);
    l.maxStreamsPerConnection = node.integer("maxStreamsPerConnection", DEFAULT_MAX_STREAMS_PER_CONNECTION, 1,
        Integer.MAX_VALUE);
    l.maxOpenStreams = node.integer("maxOpenStreams", DEFAULT_MAX_OPEN_STREAMS, 1, Integer.MAX_VALUE);
    l.requestIdleTimeout = node.duration("requestIdleTimeout", DEFAULT_REQUEST_IDLE_TIMEOUT);
    l.requestTimeout = node.duration("requestTimeout", DEFAULT_REQUEST_TIMEOUT);
    l.maxBufferedBytes = node.bytes("maxBufferedBytes", DEFAULT_MAX_BUFFERED_BYTES, 1, Long.MAX_VALUE);
    return l;
  }

  /** Puts this group's keys into {@code j}. */
  public JsonObject toJson(JsonObject j) {
    return j.put("maxConnections", maxConnections)
        .put("maxStreamsPerConnection", maxStreamsPerConnection)
        .put("maxOpenStreams", maxOpenStreams)
        .put("requestIdleTimeout", Durations.format(requestIdleTimeout))
        .put("requestTimeout", Durations.format(requestTimeout))
        .put("maxBufferedBytes", ByteSizes.format(maxBufferedBytes));
  }

  /** Connections the ext_proc port holds at once; more are closed as they come. */
  public int getMaxConnections() {
    return maxConnections;
  }

  public ExtProcLimits setMaxConnections(int maxConnections) {
    this.maxConnections = OptionChecks.atLeast("maxConnections", maxConnections, 1);
    return this;
  }

  /** HTTP/2 streams one connection may have open (its {@code SETTINGS_MAX_CONCURRENT_STREAMS}). */
  public int getMaxStreamsPerConnection() {
    return maxStreamsPerConnection;
  }

  public ExtProcLimits setMaxStreamsPerConnection(int maxStreamsPerConnection) {
    this.maxStreamsPerConnection = OptionChecks.atLeast("maxStreamsPerConnection", maxStreamsPerConnection, 1);
    return this;
  }

  /** ext_proc streams open across all connections; a stream over it is answered 503. */
  public int getMaxOpenStreams() {
    return maxOpenStreams;
  }

  public ExtProcLimits setMaxOpenStreams(int maxOpenStreams) {
    this.maxOpenStreams = OptionChecks.atLeast("maxOpenStreams", maxOpenStreams, 1);
    return this;
  }

  /** Longest silence (no ext_proc message) while a request is read; then 408. */
  public Duration getRequestIdleTimeout() {
    return requestIdleTimeout;
  }

  public ExtProcLimits setRequestIdleTimeout(Duration requestIdleTimeout) {
    this.requestIdleTimeout = OptionChecks.positive("requestIdleTimeout", requestIdleTimeout);
    return this;
  }

  /** Longest time from a stream's start to its request's end (headers, body, trailers); then 408. */
  public Duration getRequestTimeout() {
    return requestTimeout;
  }

  public ExtProcLimits setRequestTimeout(Duration requestTimeout) {
    this.requestTimeout = OptionChecks.positive("requestTimeout", requestTimeout);
    return this;
  }

  /**
   * Bytes of bodies buffered across all streams: messages in the gRPC decoder, request bodies being
   * assembled or waiting to be routed, response bodies held to be read. A body that would go over it
   * is answered 503.
   */
  public long getMaxBufferedBytes() {
    return maxBufferedBytes;
  }

  public ExtProcLimits setMaxBufferedBytes(long maxBufferedBytes) {
    if (maxBufferedBytes < 1) {
      throw new IllegalArgumentException("maxBufferedBytes: " + maxBufferedBytes + " (expected: >= 1)");
    }
    this.maxBufferedBytes = maxBufferedBytes;
    return this;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ExtProcLimits other && toJson(new JsonObject()).equals(other.toJson(new JsonObject()));
  }

  @Override
  public int hashCode() {
    return toJson(new JsonObject()).hashCode();
  }

  @Override
  public String toString() {
    return "ExtProcLimits" + toJson(new JsonObject()).encode();
  }
}
