package dev.loadfuse.picker.extproc;

import static dev.loadfuse.picker.testing.EnvoyStream.post;
import static dev.loadfuse.picker.testing.EnvoyStream.requestBody;
import static dev.loadfuse.picker.testing.EnvoyStream.responseBody;
import static dev.loadfuse.picker.testing.EnvoyStream.responseHeaders;
import static dev.loadfuse.picker.testing.TestEndpoints.NOW;
import static org.assertj.core.api.Assertions.assertThat;

import dev.loadfuse.discovery.Endpoint;
import dev.loadfuse.discovery.EndpointSet;
import dev.loadfuse.discovery.PoolRef;
import dev.loadfuse.picker.admission.AdmissionGate;
import dev.loadfuse.picker.admission.FailOpen;
import dev.loadfuse.picker.datastore.Datastore;
import dev.loadfuse.picker.metrics.PickerMetrics;
import dev.loadfuse.picker.plugins.InTreePlugins;
import dev.loadfuse.picker.scheduling.config.ConfigLoader;
import dev.loadfuse.picker.scheduling.config.PickerConfig;
import dev.loadfuse.picker.testing.HoldingGate;
import dev.loadfuse.picker.testing.TestClock;
import dev.loadfuse.sidecar.api.EndpointId;
import dev.loadfuse.sidecar.api.LoadVector;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * The stream's own limits, driven message by message on a hand-moved clock: the request deadlines
 * (idle, and a body dripped byte by byte), the buffer budget (refused with 503, and never leaked
 * whichever way a stream ends), and response phases before routing.
 */
class StreamLimitsTest {

  private static final String COMPLETION = "{\"model\":\"m\",\"prompt\":\"hello\"}";

  /** Timers moved by hand. */
  static final class ManualTimers implements StreamTimers {
    long now;
    long nextId;
    final TreeMap<Long, List<Runnable>> due = new TreeMap<>();
    final java.util.Map<Long, Long> dueOf = new java.util.HashMap<>();
    final java.util.Map<Long, Runnable> tasks = new java.util.HashMap<>();

    @Override
    public long nowNanos() {
      return now;
    }

    @Override
    public long schedule(long delayNanos, Runnable task) {
      long id = ++nextId;
      tasks.put(id, task);
      dueOf.put(id, now + delayNanos);
      return id;
    }

    @Override
    public void cancel(long id) {
      tasks.remove(id);
      dueOf.remove(id);
    }

    int pending() {
      return tasks.size();
    }

    /** Moves the clock, running what falls due on the way, in order. */
    void advance(Duration d) {
      long until = now + d.toNanos();
      while (true) {
        Long next = dueOf.entrySet().stream().filter(e -> e.getValue() <= until)
            .min(java.util.Map.Entry.comparingByValue()).map(java.util.Map.Entry::getKey).orElse(null);
        if (next == null) {
          break;
        }
        now = Math.max(now, dueOf.remove(next));
        tasks.remove(next).run();
      }
      now = until;
    }
  }

  private final ManualTimers timers = new ManualTimers();
  private final PickerMetrics metrics = new PickerMetrics();
  private final Datastore datastore = new Datastore(Datastore.Mode.ENDPOINT_SET, 10_000);

  StreamLimitsTest() {
    datastore.setEndpoints(EndpointSet.of(Endpoint.builder("a", "10.0.0.1", 8000, PoolRef.local("pool")).build()));
    datastore.onVector(new LoadVector(new EndpointId("a", "10.0.0.1", 8000, "pool"), "vllm", 0, 0, 0.1, null, -1, -1,
        List.of(), NOW, List.of(), 0, true, false, null));
  }

  private ExtProcContext context(ExtProcLimits limits, AdmissionGate gate) {
    PickerConfig config = new ConfigLoader(InTreePlugins.registry()).defaults();
    return new ExtProcContext(datastore, config.scheduler(metrics), null, metrics, config.saturationDetector(),
        new FailOpen(null), 1 << 20, 2_000, gate, new TestClock(NOW), limits, RequestOptions.DEFAULT);
  }

  private ExtProcContext context(ExtProcLimits limits) {
    return context(limits, AdmissionGate.IMMEDIATE);
  }

  @Test
  void silentStream_isAnswered408AfterTheIdleTimeout_andEnded() {
    ExtProcContext ctx = context(new ExtProcLimits().setRequestIdleTimeout(Duration.ofSeconds(30)));
    RecordedSink sink = new RecordedSink();
    ExtProcStream stream = new ExtProcStream(ctx, sink, timers);
    stream.onMessage(post("/v1/completions")); // headers, then nothing
    timers.advance(Duration.ofSeconds(29));
    assertThat(sink.sent).isEmpty();
    timers.advance(Duration.ofSeconds(2));
    assertThat(sink.immediate()).isEqualTo("408 inference error: RequestTimeout - no ext_proc message for 30s while the"
        + " request was read (--request-idle-timeout)");
    assertThat(sink.ended).isEqualTo(1);
    assertThat(timers.pending()).isZero();
    assertThat(metrics.scrape()).contains("error_code=\"RequestTimeout\"");
  }

  @Test
  void streamWithoutAnyMessage_isAnswered408Too() {
    RecordedSink sink = new RecordedSink();
    new ExtProcStream(context(new ExtProcLimits()), sink, timers);
    timers.advance(ExtProcLimits.DEFAULT_REQUEST_IDLE_TIMEOUT);
    assertThat(sink.immediate()).startsWith("408 inference error: RequestTimeout - no ext_proc message for 30s");
  }

  @Test
  void bodyDrippedAByteEvery10s_isCutOffByTheRequestTimeout() {
    ExtProcContext ctx = context(new ExtProcLimits());
    RecordedSink sink = new RecordedSink();
    ExtProcStream stream = new ExtProcStream(ctx, sink, timers);
    stream.onMessage(post("/v1/completions"));
    for (int i = 0; i < 11; i++) { // never idle for 30 s, and still not complete after 2 minutes
      timers.advance(Duration.ofSeconds(10));
      stream.onMessage(requestBody("{", false));
      assertThat(sink.sent).isEmpty();
    }
    timers.advance(Duration.ofSeconds(10));
    assertThat(sink.immediate()).isEqualTo("408 inference error: RequestTimeout - request not complete 2m after its"
        + " ext_proc stream began (--request-timeout)");
    assertThat(ctx.budget().used()).isZero();
    stream.onMessage(requestBody("}", true)); // too late: ignored
    assertThat(sink.sent).hasSize(1);
  }

  @Test
  void requestRoutedInTime_hasNoDeadlineAfterwards() {
    RecordedSink sink = new RecordedSink();
    ExtProcStream stream = new ExtProcStream(context(new ExtProcLimits()), sink, timers);
    stream.onMessage(post("/v1/completions"));
    stream.onMessage(requestBody(COMPLETION, true));
    assertThat(sink.sent).hasSize(2);
    assertThat(timers.pending()).isZero();
    timers.advance(Duration.ofMinutes(10)); // a long response: no deadline
    stream.onMessage(responseHeaders(false, ":status", "200"));
    assertThat(sink.sent.getLast().hasResponseHeaders()).isTrue();
  }

  @Test
  void bodyOverTheBudget_isAnswered503NamingTheFlag_andTheOtherStreamIsServed() {
    ExtProcContext ctx = context(new ExtProcLimits().setMaxBufferedBytes(64 << 10));
    RecordedSink first = new RecordedSink();
    RecordedSink second = new RecordedSink();
    ExtProcStream a = new ExtProcStream(ctx, first, timers);
    ExtProcStream b = new ExtProcStream(ctx, second, timers);
    a.onMessage(post("/v1/completions"));
    b.onMessage(post("/v1/completions"));
    a.onMessage(requestBody("{\"model\":\"m\",\"prompt\":\"" + "x".repeat(40 << 10), false));
    assertThat(ctx.budget().used()).isEqualTo(23 + (40 << 10)); // the first chunk's array is its size
    b.onMessage(requestBody("{\"model\":\"m\",\"prompt\":\"" + "y".repeat(30 << 10), false));
    assertThat(second.immediate()).isEqualTo("503 inference error: ServiceUnavailable - buffered bodies at the picker's"
        + " limit of 64Ki (--max-buffered-bytes); 30743 more bytes refused, retry later");
    assertThat(second.ended).isEqualTo(1);
    assertThat(ctx.budget().used()).isEqualTo(23 + (40 << 10));
    a.onMessage(requestBody("\"}", true)); // doubling would take it over the budget: grows to just what it needs
    assertThat(first.sent.getFirst().hasRequestHeaders()).isTrue(); // routed
    assertThat(ctx.budget().used()).isZero();
  }

  @Test
  void budget_isBackToZero_whicheverWayTheStreamEnds() {
    HoldingGate gate = new HoldingGate();
    ExtProcContext ctx = context(new ExtProcLimits(), gate);
    List<Consumer<ExtProcStream>> endings = List.of(
        ExtProcStream::onBroken,
        ExtProcStream::onClientEnd,
        s -> timers.advance(Duration.ofMinutes(3)),
        s -> s.onMessage(responseHeaders(true, ":status", "200"))); // a protocol error: refused
    for (Consumer<ExtProcStream> ending : endings) {
      ExtProcStream s = new ExtProcStream(ctx, new RecordedSink(), timers);
      s.onMessage(post("/v1/completions"));
      s.onMessage(requestBody("{\"model\":\"m\",\"prompt\":\"" + "x".repeat(5000), false));
      assertThat(ctx.budget().used()).isPositive();
      ending.accept(s);
      assertThat(ctx.budget().used()).as("after %s", ending).isZero();
    }
    // Held at the gate, then the stream breaks; and routed, then the response ends.
    ExtProcStream held = new ExtProcStream(ctx, new RecordedSink(), timers);
    held.onMessage(post("/v1/completions"));
    held.onMessage(requestBody(COMPLETION, true));
    assertThat(ctx.budget().used()).isPositive();
    held.onBroken();
    assertThat(ctx.budget().used()).isZero();
    ExtProcStream routed = new ExtProcStream(ctx, new RecordedSink(), timers);
    routed.onMessage(post("/v1/completions"));
    routed.onMessage(requestBody(COMPLETION, true));
    gate.held.getLast().dispatch();
    assertThat(ctx.budget().used()).isZero();
    routed.onMessage(responseHeaders(false, ":status", "200"));
    routed.onMessage(responseBody("{\"usage\":", false)); // a JSON body held to be read
    assertThat(ctx.budget().used()).isPositive();
    routed.onMessage(responseBody("{}}", true));
    assertThat(ctx.budget().used()).isZero();
  }

  @Test
  void responseBodyOverTheBudget_passesOnUnread_notRefused() {
    ExtProcContext ctx = context(new ExtProcLimits().setMaxBufferedBytes(4 << 10));
    RecordedSink sink = new RecordedSink();
    ExtProcStream s = new ExtProcStream(ctx, sink, timers);
    s.onMessage(requestHeaders());
    s.onMessage(responseHeaders(false, ":status", "200"));
    s.onMessage(responseBody("x".repeat(8 << 10), false));
    assertThat(sink.sent.getLast().getResponseBody().getResponse().getBodyMutation().getStreamedResponse().getBody()
        .size()).isEqualTo(8 << 10);
    assertThat(ctx.budget().used()).isZero();
  }

  private static io.envoyproxy.envoy.service.ext_proc.v3.ProcessingRequest requestHeaders() {
    return dev.loadfuse.picker.testing.EnvoyStream.requestHeaders(true, ":method", "GET", ":path", "/v1/models");
  }

  @Test
  void responsePhaseBeforeRouting_isRefusedWithAMessage() {
    RecordedSink sink = new RecordedSink();
    ExtProcStream s = new ExtProcStream(context(new ExtProcLimits()), sink, timers);
    s.onMessage(post("/v1/completions"));
    s.onMessage(responseBody("{}", true));
    assertThat(sink.immediate()).isEqualTo("400 inference error: BadRequest - response_body received before the"
        + " request was routed (stream phase: request_body)");
    assertThat(sink.ended).isEqualTo(1);

    RecordedSink first = new RecordedSink();
    new ExtProcStream(context(new ExtProcLimits()), first, timers).onMessage(responseHeaders(true, ":status", "200"));
    assertThat(first.immediate()).isEqualTo("400 inference error: BadRequest - response_headers received before the"
        + " request was routed (stream phase: request_headers)");
  }
}
