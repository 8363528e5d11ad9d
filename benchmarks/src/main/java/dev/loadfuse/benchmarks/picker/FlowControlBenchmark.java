package dev.loadfuse.benchmarks.picker;

import dev.loadfuse.picker.PickerException;
import dev.loadfuse.picker.admission.AdmissionGate;
import dev.loadfuse.picker.flowcontrol.Fairness;
import dev.loadfuse.picker.flowcontrol.FlowControlSettings;
import dev.loadfuse.picker.flowcontrol.FlowControlSettings.Band;
import dev.loadfuse.picker.flowcontrol.FlowControlSettings.Dialect;
import dev.loadfuse.picker.flowcontrol.FlowController;
import dev.loadfuse.picker.flowcontrol.FlowEvents;
import dev.loadfuse.picker.flowcontrol.Ordering;
import dev.loadfuse.picker.flowcontrol.PoolState;
import dev.loadfuse.picker.scheduling.SchedulingRequest;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.time.InstantSource;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Flow control's own cost: one request queued behind a saturated pool, and one let on, while
 * {@code flows} flows (fairness ids) each hold {@code perFlow} waiting requests in one band.
 * {@code decide} enqueues a request of a random flow and then dispatches one (the pool has room for
 * exactly one): the work an arrival and a finished response cost the controller. The answers run
 * inline (in the picker they run on the request's event loop).
 *
 * <p>Run: {@code java -jar benchmarks/target/benchmarks.jar FlowControlBenchmark -f 1 -wi 3 -w 2s -i 3 -r 3s}.
 * Target: enqueue and dispatch p99 <= 50 µs at 1,000 queued flows.
 *
 * <p>{@link #main} measures memory: heap after GC with 100,000 requests waiting (target <= 64 MiB
 * beyond their bodies): {@code java -cp benchmarks/target/benchmarks.jar
 * dev.loadfuse.benchmarks.picker.FlowControlBenchmark}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class FlowControlBenchmark {

  @Param({"1000"})
  public int flows;

  @Param({"10"})
  public int perFlow;

  @Param({"ROUND_ROBIN", "GLOBAL_STRICT"})
  public Fairness fairness;

  private final Pool pool = new Pool();
  private FlowController controller;
  private SchedulingRequest[] requests;
  private int next;

  /** A pool whose room the benchmark opens for one dispatch at a time. */
  static final class Pool implements PoolState {
    double saturation = 2.0;

    @Override
    public Reading read() {
      return new Reading(saturation, 100, false);
    }
  }

  /** A request that, once let on, closes the pool again (its in-flight count fills it). */
  final class Ticket implements AdmissionGate.Ticket {
    final SchedulingRequest request;

    Ticket(SchedulingRequest request) {
      this.request = request;
    }

    @Override
    public SchedulingRequest request() {
      return request;
    }

    @Override
    public void dispatch() {
      pool.saturation = 2.0;
    }

    @Override
    public void reject(PickerException reason) {
      throw new IllegalStateException(reason);
    }
  }

  static FlowController controller(Fairness fairness, PoolState pool) {
    FlowControlSettings settings = new FlowControlSettings(Dialect.GIE, 0, 0, Duration.ZERO, Duration.ZERO,
        new Band(0, 0, 0, fairness, Ordering.FCFS), null, Map.of(), 1.0, null, false);
    return new FlowController(settings, pool, InstantSource.system(), () -> Runnable::run, FlowEvents.NONE);
  }

  @Setup
  public void setUp() {
    controller = controller(fairness, pool);
    requests = new SchedulingRequest[flows * 4];
    for (int i = 0; i < requests.length; i++) {
      requests[i] = new SchedulingRequest("r" + i, "m", "m", 0, "tenant-" + (i % flows), Map.of(), 2048);
    }
    for (int i = 0; i < flows * perFlow; i++) {
      controller.enter(new Ticket(requests[i % requests.length]));
    }
  }

  @Benchmark
  public int decide() {
    controller.enter(new Ticket(requests[next++ % requests.length]));
    pool.saturation = 0;
    controller.poke();
    return controller.queuedRequests();
  }

  /** Heap after GC with 100,000 waiting requests over 1,000 flows, minus the heap before. */
  public static void main(String[] args) throws Exception {
    int n = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
    Pool pool = new Pool();
    FlowController c = controller(Fairness.ROUND_ROBIN, pool);
    SchedulingRequest[] shared = new SchedulingRequest[1000];
    for (int i = 0; i < shared.length; i++) {
      shared[i] = new SchedulingRequest("r" + i, "m", "m", 0, "tenant-" + i, Map.of(), 2048);
    }
    long before = usedAfterGc();
    AdmissionGate.Ticket[] tickets = new AdmissionGate.Ticket[n];
    for (int i = 0; i < n; i++) {
      SchedulingRequest r = shared[i % shared.length];
      tickets[i] = new AdmissionGate.Ticket() {
        @Override
        public SchedulingRequest request() {
          return r;
        }

        @Override
        public void dispatch() {}

        @Override
        public void reject(PickerException reason) {}
      };
    }
    long ticketsOnly = usedAfterGc() - before;
    for (AdmissionGate.Ticket t : tickets) {
      c.enter(t);
    }
    long queued = usedAfterGc() - before - ticketsOnly;
    System.out.printf("%,d requests waiting in %,d flows: %,d bytes of queue entries (%.1f MiB, %.0f B each);"
        + " the requests' own tickets %,d bytes%n", c.queuedRequests(), shared.length, queued, queued / 1048576.0,
        queued / (double) n, ticketsOnly);
  }

  private static long usedAfterGc() throws InterruptedException {
    for (int i = 0; i < 3; i++) {
      System.gc();
      Thread.sleep(100);
    }
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }
}
