package dev.loadfuse.discovery;

import static org.assertj.core.api.Assertions.fail;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/** Records what a discovery delivers, and waits (bounded) for the next delivery. */
public final class RecordingListener implements EndpointDiscovery.Listener {

  /** Upper bound on any wait: a stuck test fails instead of hanging; never a timing assertion. */
  public static final long WAIT_SECONDS = 20;

  private final BlockingQueue<Object> events = new LinkedBlockingQueue<>();
  private final List<Thread> callers = new ArrayList<>();

  @Override
  public void onEndpoints(EndpointSet endpoints) {
    record(endpoints);
  }

  @Override
  public void onError(DiscoveryException error) {
    record(error);
  }

  private void record(Object event) {
    synchronized (callers) {
      callers.add(Thread.currentThread());
    }
    events.add(event);
  }

  /** The threads callbacks ran on, in order. */
  public List<Thread> callers() {
    synchronized (callers) {
      return List.copyOf(callers);
    }
  }

  /** The next delivery, which must be a set. */
  public EndpointSet nextSet() {
    Object e = next();
    if (e instanceof EndpointSet s) {
      return s;
    }
    return fail("expected an endpoint set, got " + e);
  }

  /** The next delivery, which must be an error. */
  public DiscoveryException nextError() {
    Object e = next();
    if (e instanceof DiscoveryException d) {
      return d;
    }
    return fail("expected an error, got " + e);
  }

  /** Skips deliveries (sets and errors) until a set matches. */
  public EndpointSet awaitSet(Predicate<EndpointSet> p) {
    List<Object> skipped = new ArrayList<>();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
    while (true) {
      Object e = poll(deadline, skipped);
      if (e instanceof EndpointSet s && p.test(s)) {
        return s;
      }
      skipped.add(e);
    }
  }

  /** Skips deliveries until an error whose message contains {@code text}. */
  public DiscoveryException awaitError(String text) {
    List<Object> skipped = new ArrayList<>();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
    while (true) {
      Object e = poll(deadline, skipped);
      if (e instanceof DiscoveryException d && String.valueOf(d.getMessage()).contains(text)) {
        return d;
      }
      skipped.add(e);
    }
  }

  /** Deliveries already received and not yet consumed. */
  public List<Object> drain() {
    List<Object> out = new ArrayList<>();
    events.drainTo(out);
    return out;
  }

  private Object next() {
    return poll(System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS), List.of());
  }

  private Object poll(long deadline, List<Object> skipped) {
    try {
      Object e = events.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
      if (e == null) {
        return fail("nothing delivered within " + WAIT_SECONDS + " s; skipped: " + skipped);
      }
      return e;
    } catch (InterruptedException ex) {
      Thread.currentThread().interrupt();
      return fail("interrupted");
    }
  }
}
