package dev.loadfuse.picker.extproc;

import dev.loadfuse.picker.PickerException;
import dev.loadfuse.picker.admission.AdmissionGate;
import dev.loadfuse.picker.request.BufferBudget;
import dev.loadfuse.picker.request.Routed;
import java.util.function.Consumer;

/**
 * What an {@link ExtProcStream} holds and must give back however it ends (response done, refused,
 * ended by Envoy, broken): its share of the {@link BufferBudget}, its request deadline, its place
 * at the admission gate, and its routed request's in-flight count. Confined to the stream's thread.
 */
final class StreamHold {

  final BufferBudget.Account account;
  final RequestDeadline deadline;
  private AdmissionGate.Wait wait = AdmissionGate.Wait.NONE;
  private Routed routed;

  /** Starts the request deadline; {@code expired} gets its refusal. */
  StreamHold(ExtProcContext ctx, StreamTimers timers, Consumer<PickerException> expired) {
    this.account = ctx.budget().account();
    ExtProcLimits limits = ctx.limits();
    this.deadline = new RequestDeadline(timers, limits.getRequestIdleTimeout(), limits.getRequestTimeout(), expired);
    deadline.start();
  }

  /** The request is complete and waits at the gate (cancelled with {@code w} if the stream ends first). */
  void waiting(AdmissionGate.Wait w) {
    wait = w;
  }

  /** The gate answered: nothing to cancel any more. */
  void answered() {
    wait = AdmissionGate.Wait.NONE;
  }

  /** The request was routed: its body has gone to Envoy, its in-flight count runs until {@link #release}. */
  void routed(Routed r) {
    routed = r;
    wait = AdmissionGate.Wait.NONE;
    account.releaseAll();
  }

  /** The routed request, null before. */
  Routed routed() {
    return routed;
  }

  /** Gives everything back; idempotent. */
  void release() {
    deadline.stop();
    account.releaseAll();
    AdmissionGate.Wait w = wait;
    wait = AdmissionGate.Wait.NONE;
    w.cancel();
    if (routed != null) {
      routed.release();
    }
  }
}
