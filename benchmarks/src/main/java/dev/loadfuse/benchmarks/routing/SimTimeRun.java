package dev.loadfuse.benchmarks.routing;

import com.google.protobuf.ByteString;
import dev.loadfuse.benchmarks.sim.CompletionRequest;
import dev.loadfuse.benchmarks.sim.EngineModel;
import dev.loadfuse.benchmarks.sim.EngineProfile;
import dev.loadfuse.benchmarks.sim.SimRequest;
import dev.loadfuse.benchmarks.sim.SimTimeFleet;
import dev.loadfuse.engine.EngineMetricsExtractor;
import dev.loadfuse.engine.EngineSample;
import dev.loadfuse.engine.config.ModelServerMetricsConfig;
import dev.loadfuse.nvml.GpuSample;
import dev.loadfuse.picker.server.PickerServer;
import dev.loadfuse.picker.server.PickerOptions;
import dev.loadfuse.sidecar.api.EndpointId;
import dev.loadfuse.sidecar.api.LoadVector;
import dev.loadfuse.sidecar.api.cluster.ClusterSettings;
import io.envoyproxy.envoy.service.ext_proc.v3.ExternalProcessorGrpc;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingRequest;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingResponse;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import io.vertx.core.Vertx;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Queue;
import java.util.SplittableRandom;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.UnaryOperator;

/**
 * Routing-quality runs on simulated time, for checks of direction (does a policy beat another?)
 * that must not depend on the machine: the engines are a {@link SimTimeFleet} whose clock moves
 * only from event to event, and the simulated world stands still while the real picker decides.
 *
 * <p>Per policy a fresh fleet and, for policies that use one, a fresh real picker ({@link
 * PickerServer} in this JVM, its endpoints from an endpoints file, asked over ext_proc on one
 * connection to its one ext_proc server), so no state leaks between policies. One thread runs the
 * simulation in time order:
 *
 * <ul>
 *   <li>every {@code scrapeInterval} of simulated time each engine's {@code /metrics} page is read
 *       with the engine adapters, and every {@code gpuSampleInterval} its GPU; before the next
 *       pick the resulting {@link LoadVector}s go to the picker's datastore as its bus consumer
 *       hands them over, so the picker decides on exactly the vectors of the last scrape;
 *   <li>at each arrival (seeded Poisson, simulated seconds) the picker is asked over ext_proc and
 *       the run waits for its answer; the request goes to the engine it named;
 *   <li>when a request's last token is produced its response ends on its ext_proc stream, and the
 *       next pick first waits for the picker's reply to that, so every request that ended before
 *       a pick has been released by the picker when it decides.
 * </ul>
 *
 * <p>Every latency is simulated time, so results do not depend on CPU contention or the wall
 * clock; the same seed gives the same requests, arrivals and engine behaviour. The picker's own
 * random tie-breaks (it takes no seed) are the only thing that can vary between runs. Freshness
 * is simulated too: the picker's staleness threshold is set out of reach, since vectors are as old
 * as the simulated scrape interval makes them, not as the wall clock would. The sidecar and the
 * event bus are not in this loop (the real-time {@link RoutingRun} runs the whole chain): vectors
 * are made from the pages and GPUs directly, one per engine at every scrape.
 */
public final class SimTimeRun {

  /** Where the (never contacted) simulated endpoints claim to listen: port base + engine index. */
  private static final int PORT_BASE = 20_000;
  private static final String POOL = "sim-pool";
  /** How long the run waits for the picker (an answer, a vector taken); a bound, never reached in a healthy run. */
  private static final Duration PICKER_WAIT = Duration.ofSeconds(30);

  /**
   * @param engines one profile per simulated engine
   * @param qps arrival rate, requests per simulated second
   * @param requests requests per policy
   * @param scrapeInterval simulated time between engine scrapes
   * @param gpuSampleInterval simulated time between GPU readings
   */
  public record Options(Workload workload, List<EngineProfile> engines, List<Policy> policies, double qps,
      int requests, long seed, Duration scrapeInterval, Duration gpuSampleInterval) {

    public Options {
      if (engines.isEmpty()) {
        throw new IllegalArgumentException("engines: none (expected: >= 1)");
      }
      if (policies.isEmpty()) {
        throw new IllegalArgumentException("policies: none (expected: >= 1)");
      }
      if (!(qps > 0)) {
        throw new IllegalArgumentException("qps: " + qps + " (expected: > 0)");
      }
      if (requests < 1) {
        throw new IllegalArgumentException("requests: " + requests + " (expected: >= 1)");
      }
      if (scrapeInterval.isNegative() || scrapeInterval.isZero()) {
        throw new IllegalArgumentException("scrapeInterval: " + scrapeInterval + " (expected: > 0)");
      }
      if (gpuSampleInterval.isNegative() || gpuSampleInterval.isZero()) {
        throw new IllegalArgumentException("gpuSampleInterval: " + gpuSampleInterval + " (expected: > 0)");
      }
    }
  }

  private final Options options;
  private final PrintStream log;

  public SimTimeRun(Options options, PrintStream log) {
    this.options = options;
    this.log = log;
  }

  /** One policy's figures, and what happened to each request (in arrival order). */
  public record Result(Summary summary, List<Outcome> outcomes) {}

  /** Runs every policy on the same requests and arrivals; results in policy order. */
  public List<Result> run() throws Exception {
    List<WorkItem> items = options.workload().generate(options.requests(), options.seed());
    SplittableRandom random = new SplittableRandom(options.seed() ^ 0x5DEECE66DL);
    double[] arrivals = new double[items.size()];
    double at = 0;
    for (int i = 0; i < arrivals.length; i++) {
      at += -Math.log(1 - random.nextDouble()) / options.qps();
      arrivals[i] = at;
    }
    List<Result> out = new ArrayList<>();
    for (Policy p : options.policies()) {
      Result r = new Point(p, items, arrivals).run();
      log.println(r.summary().row() + " " + r.summary().requestsByEndpoint());
      out.add(r);
    }
    return out;
  }

  /** One policy on a fresh fleet and picker. */
  private final class Point {
    final Policy policy;
    final List<WorkItem> items;
    final double[] arrivals;
    final Scraper scraper = new Scraper(new SimTimeFleet(options.engines()), options.scrapeInterval(),
        options.gpuSampleInterval());
    final SimTimeFleet fleet = scraper.fleet;

    Point(Policy policy, List<WorkItem> items, double[] arrivals) {
      this.policy = policy;
      this.items = items;
      this.arrivals = arrivals;
    }

    void advance(double t) {
      scraper.advance(t);
    }

    Result run() throws Exception {
      Outcome[] outcomes = new Outcome[items.size()];
      try (SimPicker picker = policy.usesPicker() ? SimPicker.start(policy, fleet) : null) {
        for (int i = 0; i < items.size(); i++) {
          advance(arrivals[i]);
          if (options.workload().throttlesMidRun() && i == items.size() / 2) {
            fleet.speedFactor(0, 0.5);
          }
          int index = i;
          WorkItem item = items.get(i);
          int engine;
          SimPicker.Route route = null;
          long pickNanos = 0;
          if (picker == null) {
            engine = i % fleet.size();
          } else {
            if (scraper.fresh) {
              picker.publish(scraper.vectors());
              scraper.fresh = false;
            }
            long t0 = System.nanoTime();
            route = picker.route(i, item);
            pickNanos = System.nanoTime() - t0;
            if (route.error() != null) {
              outcomes[i] = new Outcome(i, item.group(), "", arrivals[i], 0, 0, 0, 0, 0, pickNanos / 1000.0, route.error());
              continue;
            }
            engine = route.engine();
          }
          byte[] body = route == null ? item.body().getBytes(StandardCharsets.UTF_8) : route.body();
          SimPicker.Route stream = route;
          double micros = pickNanos / 1000.0;
          double[] firstToken = {Double.NaN};
          int served = engine;
          SimRequest.Sink sink = (r, n, finished) -> {
            if (Double.isNaN(firstToken[0])) {
              firstToken[0] = fleet.now();
            }
            if (finished) {
              outcomes[index] = new Outcome(index, item.group(), fleet.name(served), arrivals[index],
                  firstToken[0] - arrivals[index], fleet.now() - arrivals[index], r.promptTokens(), r.cachedTokens(),
                  r.generated(), micros, "");
              if (stream != null) {
                stream.finish();
              }
            }
          };
          try {
            fleet.submit(engine, CompletionRequest.parse(body, item.path().endsWith("/chat/completions"))
                .toSimRequest(fleet.profile(engine), sink));
          } catch (IllegalArgumentException e) {
            outcomes[i] = new Outcome(i, item.group(), fleet.name(engine), arrivals[i], 0, 0, 0, 0, 0, micros,
                "HTTP 400: " + e.getMessage());
            if (stream != null) {
              stream.finish();
            }
          }
        }
        for (double end; !Double.isNaN(end = fleet.nextStepEnd()); ) {
          advance(end);
        }
      }
      long queried = 0;
      long hits = 0;
      for (int i = 0; i < fleet.size(); i++) {
        EngineModel.Snapshot s = fleet.snapshot(i);
        queried += s.prefixQueriedTokensTotal();
        hits += s.prefixHitTokensTotal();
      }
      List<Outcome> all = Arrays.asList(outcomes);
      return new Result(Summary.of(options.workload().name(), policy.name(), options.qps(), all, fleet.names(),
          queried == 0 ? 0 : (double) hits / queried), all);
    }
  }

  /**
   * A simulated fleet's engines as the picker sees them: every scrape interval each engine's
   * {@code /metrics} page read with the engine adapters, every GPU interval its GPU, turned into
   * load vectors on demand.
   */
  static final class Scraper {
    final SimTimeFleet fleet;
    final EngineMetricsExtractor[] extractors;
    final EngineSample[] engineSamples;
    final GpuSample[] gpus;
    final long scrapeNanos;
    final long gpuNanos;
    long scrapes;
    long gpuSamples;
    /** A scrape or GPU reading happened since the vectors were last taken. */
    boolean fresh;
    long lastStamp;

    Scraper(SimTimeFleet fleet, Duration scrapeInterval, Duration gpuSampleInterval) {
      this.fleet = fleet;
      extractors = new EngineMetricsExtractor[fleet.size()];
      engineSamples = new EngineSample[fleet.size()];
      gpus = new GpuSample[fleet.size()];
      scrapeNanos = scrapeInterval.toNanos();
      gpuNanos = gpuSampleInterval.toNanos();
      ModelServerMetricsConfig engines = ModelServerMetricsConfig.defaults();
      for (int i = 0; i < fleet.size(); i++) {
        extractors[i] = EngineMetricsExtractor.forConfig(engines.require(fleet.profile(i).kind().engineLabel()));
      }
    }

    /** Runs the fleet to {@code t}, scraping and sampling the GPUs on their ticks on the way. */
    void advance(double t) {
      while (true) {
        double nextScrape = scrapes * scrapeNanos / 1e9;
        double nextGpu = gpuSamples * gpuNanos / 1e9;
        double next = Math.min(nextScrape, nextGpu);
        if (next > t) {
          break;
        }
        fleet.advanceTo(next);
        if (next == nextGpu) {
          for (int i = 0; i < fleet.size(); i++) {
            gpus[i] = fleet.gpu(i, (long) (next * 1e9));
          }
          gpuSamples++;
        }
        if (next == nextScrape) {
          for (int i = 0; i < fleet.size(); i++) {
            engineSamples[i] = extractors[i].extract(fleet.metricsPage(i));
          }
          scrapes++;
        }
        fresh = true;
      }
      fleet.advanceTo(t);
    }

    /**
     * The vectors of the last scrape and GPU reading, stamped with a wall-clock time that grows
     * with every publication (the picker takes a newer engine sample as one that reflects its
     * earlier picks).
     */
    List<LoadVector> vectors() {
      long stamp = Math.max(System.currentTimeMillis(), lastStamp + 1);
      lastStamp = stamp;
      List<LoadVector> out = new ArrayList<>(fleet.size());
      for (int i = 0; i < fleet.size(); i++) {
        EngineSample e = engineSamples[i];
        out.add(LoadVector.unknown(SimPicker.id(fleet, i), e.engine()).withEngineSample(e, stamp)
            .withGpus(List.of(gpus[i]), stamp).withHealth(true, gpus[i].lost(), null));
      }
      return out;
    }
  }

  /** A real picker in this JVM, fed and asked by the simulation, one step at a time. */
  static final class SimPicker implements AutoCloseable {
    private final Vertx vertx;
    private final PickerServer picker;
    private final ManagedChannel channel;
    private final Path endpointsFile;
    private final SimTimeFleet fleet;
    /** Streams whose response ended, whose reply the next pick waits for. */
    private final Queue<Exchange> finished = new ArrayDeque<>();

    private SimPicker(Vertx vertx, PickerServer picker, ManagedChannel channel, Path endpointsFile, SimTimeFleet fleet) {
      this.vertx = vertx;
      this.picker = picker;
      this.channel = channel;
      this.endpointsFile = endpointsFile;
      this.fleet = fleet;
    }

    static EndpointId id(SimTimeFleet fleet, int engine) {
      return new EndpointId(fleet.name(engine), "127.0.0.1", PORT_BASE + engine, POOL);
    }

    static SimPicker start(Policy policy, SimTimeFleet fleet) throws Exception {
      return start(policy, fleet, UnaryOperator.identity());
    }

    /** @param more further options (routing objects, a flow-control clock) */
    static SimPicker start(Policy policy, SimTimeFleet fleet, UnaryOperator<PickerOptions> more) throws Exception {
      StringBuilder file = new StringBuilder("pool:\n  name: " + POOL + "\nendpoints:\n");
      for (int i = 0; i < fleet.size(); i++) {
        file.append("  - name: ").append(fleet.name(i)).append("\n    address: 127.0.0.1\n    port: ")
            .append(PORT_BASE + i).append("\n    labels: {inference.networking.k8s.io/engine-type: ")
            .append(fleet.profile(i).kind().engineLabel()).append("}\n");
      }
      Path endpoints = Files.createTempFile("loadfuse-simtime-endpoints", ".yaml");
      Files.writeString(endpoints, file);
      Vertx vertx = Vertx.vertx();
      try {
        // Vectors only from this simulation (remote-sidecar mode on a local bus); staleness out of
        // reach (freshness is simulated); one ext_proc server, so every stream is handled in the
        // order its messages arrive on the one connection.
        PickerOptions options = new PickerOptions().setBindAddress("127.0.0.1").setEphemeralPorts()
            .setConfig(policy.pickerConfig()).setEndpointsFile(endpoints.toString()).setClusterSettings(ClusterSettings.NONE.withCluster(true)).setPoolName(POOL)
            .setMetricsStalenessThreshold(Duration.ofDays(1)).setSecureServing(false).setExtProcServers(1);
        options = more.apply(options);
        PickerServer picker = PickerServer.start(vertx, options).await(30, TimeUnit.SECONDS);
        ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", picker.grpcPort()).usePlaintext()
            .directExecutor().disableRetry().build();
        SimPicker p = new SimPicker(vertx, picker, channel, endpoints, fleet);
        p.await("the picker to know all " + fleet.size() + " endpoints",
            () -> picker.datastore().routable().length == fleet.size());
        return p;
      } catch (Exception e) {
        vertx.close();
        Files.deleteIfExists(endpoints);
        throw e;
      }
    }

    /**
     * Hands the vectors to the picker's datastore as its bus consumer does, on this thread: the
     * next pick sees exactly these, however long the bus would have taken on this machine.
     */
    void publish(List<LoadVector> vectors) {
      for (LoadVector v : vectors) {
        picker.datastore().onVector(v);
      }
    }

    /** A routed request: the engine and body the picker chose, or its refusal. */
    record Route(int engine, byte[] body, String error, Exchange exchange) {
      /**
       * Ends the response on the request's stream; the picker's reply is awaited before the next
       * pick ({@link SimPicker#route}), so that it has released the request by then.
       */
      void finish() {
        if (exchange != null) {
          exchange.finish();
        }
      }
    }

    /**
     * Asks the picker to route request {@code index} and waits for its answer, after the replies
     * to every response ended since the previous pick (several ended responses cost one wait).
     */
    Route route(int index, WorkItem item) {
      awaitEnded();
      Exchange x = send(index, item);
      while (true) {
        Route r = x.take(x.next());
        if (r != null) {
          return r;
        }
      }
    }

    /** Waits for the picker's replies to every response ended since the last call. */
    void awaitEnded() {
      for (Exchange ended; (ended = finished.poll()) != null; ) {
        ended.awaitFinished();
      }
    }

    /** The picker this drives (its flow controller, datastore). */
    PickerServer server() {
      return picker;
    }

    /** Sends request {@code index} (with {@code extraHeaders}, name then value) without waiting for the answer. */
    Exchange send(int index, WorkItem item, String... extraHeaders) {
      Exchange x = new Exchange(finished, fleet);
      x.out = ExternalProcessorGrpc.newStub(channel).process(x);
      byte[] body = item.body().getBytes(StandardCharsets.UTF_8);
      x.out.onNext(ExtProcMessages.requestHeaders(item, "sim-" + index, body.length, extraHeaders));
      x.out.onNext(ExtProcMessages.requestBody(body));
      return x;
    }

    /** One ext_proc stream, read synchronously. */
    static final class Exchange implements StreamObserver<ProcessingResponse> {
      private static final ProcessingResponse ENDED = ProcessingResponse.getDefaultInstance();
      private final BlockingQueue<Object> in = new LinkedBlockingQueue<>();
      private final Queue<Exchange> finished;
      private final SimTimeFleet fleet;
      private String destination;
      private ByteString routed = ByteString.EMPTY;
      StreamObserver<ProcessingRequest> out;

      Exchange(Queue<Exchange> finished, SimTimeFleet fleet) {
        this.finished = finished;
        this.fleet = fleet;
      }

      /** The picker's answer if it has come (without waiting), else null. */
      Route poll() {
        for (Object o; (o = in.poll()) != null; ) {
          if (o instanceof Throwable t) {
            throw new IllegalStateException("ext_proc stream failed: " + t, t);
          }
          if (o == ENDED) {
            throw new IllegalStateException("the picker ended the ext_proc stream early");
          }
          Route r = take((ProcessingResponse) o);
          if (r != null) {
            return r;
          }
        }
        return null;
      }

      /** Takes one of the picker's messages; the route once the answer is complete, else null. */
      Route take(ProcessingResponse r) {
        if (r.hasImmediateResponse()) {
          out.onCompleted();
          return new Route(-1, null, "HTTP " + r.getImmediateResponse().getStatus().getCodeValue() + ": "
              + r.getImmediateResponse().getBody().toStringUtf8(), null);
        }
        if (r.hasRequestHeaders()) {
          String d = ExtProcMessages.destination(r);
          destination = d != null ? d : destination;
          return null;
        }
        if (!r.hasRequestBody()) {
          return null;
        }
        var streamed = r.getRequestBody().getResponse().getBodyMutation().getStreamedResponse();
        routed = routed.concat(streamed.getBody());
        if (!streamed.getEndOfStream()) {
          return null;
        }
        int engine = destination == null ? -1
            : Integer.parseInt(destination.substring(destination.lastIndexOf(':') + 1)) - PORT_BASE;
        if (engine < 0 || engine >= fleet.size()) {
          out.onCompleted();
          return new Route(-1, null, "picker answered with destination " + destination, null);
        }
        return new Route(engine, routed.toByteArray(), null, this);
      }

      ProcessingResponse next() {
        Object o;
        try {
          o = in.poll(PICKER_WAIT.toSeconds(), TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException("interrupted waiting for the picker");
        }
        if (o == null) {
          throw new IllegalStateException("the picker did not answer within " + PICKER_WAIT);
        }
        if (o instanceof Throwable t) {
          throw new IllegalStateException("ext_proc stream failed: " + t, t);
        }
        if (o == ENDED) {
          throw new IllegalStateException("the picker ended the ext_proc stream early");
        }
        return (ProcessingResponse) o;
      }

      /** Sends the end of the response (headers, no body). */
      void finish() {
        out.onNext(ExtProcMessages.responseHeaders(200, "application/json", true));
        finished.add(this);
      }

      /** Waits for the picker's reply to the end of the response, then ends the stream. */
      void awaitFinished() {
        while (!next().hasResponseHeaders()) {
          // nothing else is expected before the reply to the response headers
        }
        out.onCompleted();
      }

      @Override
      public void onNext(ProcessingResponse r) {
        in.add(r);
      }

      @Override
      public void onError(Throwable t) {
        in.add(t);
      }

      @Override
      public void onCompleted() {
        in.add(ENDED);
      }
    }

    private void await(String what, BooleanSupplier condition) {
      long deadline = System.nanoTime() + PICKER_WAIT.toNanos();
      while (!condition.getAsBoolean()) {
        if (System.nanoTime() - deadline > 0) {
          throw new IllegalStateException("waited " + PICKER_WAIT + " for " + what);
        }
        LockSupport.parkNanos(20_000);
      }
    }

    @Override
    public void close() {
      channel.shutdownNow();
      picker.close();
      try {
        vertx.close().await(20, TimeUnit.SECONDS);
        Files.deleteIfExists(endpointsFile);
      } catch (Exception e) {
        // best effort at shutdown
      }
    }
  }
}
