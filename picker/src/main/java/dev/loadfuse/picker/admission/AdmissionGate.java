package dev.loadfuse.picker.admission;

import dev.loadfuse.picker.PickerException;
import dev.loadfuse.picker.scheduling.SchedulingRequest;

/**
 * The waiting place between admission and scheduling: every admitted request passes through it on
 * its way to the scheduler. {@link #IMMEDIATE}, the default, lets each request on at once; a gate
 * that holds requests (queues per priority and fairness id, dispatched as the pool frees up) plugs
 * in here without touching the rest of the request path, which already waits for the decision
 * asynchronously.
 *
 * <p>Contract: {@link #enter} is called on the request's event loop; the gate then calls exactly
 * one of {@link Ticket#dispatch()} or {@link Ticket#reject} once, during {@code enter} or later, on
 * that same event loop (a gate that answers later captures {@code Vertx.currentContext()} in {@code
 * enter} and runs the answer on it). When the client goes away meanwhile the request path calls
 * {@link Wait#cancel()} and ignores any later answer; the gate should then forget the request.
 * {@code enter} must not block.
 */
public interface AdmissionGate {

  /** One admitted request at the gate. */
  interface Ticket {

    /** What is known of the request: model, priority, fairness id, size. */
    SchedulingRequest request();

    /** Lets the request on to scheduling. */
    void dispatch();

    /** Refuses the request with {@code reason} (e.g. a queue full or a wait too long). */
    void reject(PickerException reason);

    /** A ticket from its parts (harnesses and tests that stand in for the request path). */
    static Ticket of(SchedulingRequest request, Runnable dispatch, java.util.function.Consumer<PickerException> reject) {
      return new Ticket() {
        @Override
        public SchedulingRequest request() {
          return request;
        }

        @Override
        public void dispatch() {
          dispatch.run();
        }

        @Override
        public void reject(PickerException reason) {
          reject.accept(reason);
        }
      };
    }
  }

  /** A request's stay at the gate, as the request path sees it. */
  @FunctionalInterface
  interface Wait {

    /** Nothing to undo: the request was already answered. */
    Wait NONE = () -> {};

    /** The client went away: forget the request. */
    void cancel();
  }

  /** Lets every request on at once: no queue, no cost. */
  AdmissionGate IMMEDIATE = ticket -> {
    ticket.dispatch();
    return Wait.NONE;
  };

  /** Takes an admitted request; returns how to cancel its wait. */
  Wait enter(Ticket ticket);

  /**
   * A request this gate let on has finished (its response ended, or its stream broke): capacity
   * may have come free. Any thread; must not block.
   */
  default void released() {}
}
