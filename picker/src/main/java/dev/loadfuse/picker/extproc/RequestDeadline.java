package dev.loadfuse.picker.extproc;

import dev.loadfuse.common.settings.Durations;
import dev.loadfuse.picker.PickerException;
import java.time.Duration;
import java.util.function.Consumer;

/**
 * The two deadlines of a request being read on a stream: no ext_proc message for {@code idle}
 * ({@code --request-idle-timeout}), or the request not complete {@code total} after the stream
 * began ({@code --request-timeout}). Either refuses it with 408 and a message naming the limit.
 *
 * <p>Cheap per stream: one timer at a time, set for the nearer deadline; a message only notes its
 * time, and the timer, when it fires early, sets itself again for what is left. Confined to the
 * stream's event loop.
 */
final class RequestDeadline {

  private final StreamTimers timers;
  private final long idleNanos;
  private final long totalNanos;
  private final Consumer<PickerException> expired;
  private long startNanos;
  private long lastNanos;
  private long timer;
  private boolean armed;
  private boolean stopped;

  RequestDeadline(StreamTimers timers, Duration idle, Duration total, Consumer<PickerException> expired) {
    this.timers = timers;
    this.idleNanos = idle.toNanos();
    this.totalNanos = total.toNanos();
    this.expired = expired;
  }

  /** The stream began: both deadlines start. */
  void start() {
    startNanos = timers.nowNanos();
    lastNanos = startNanos;
    arm(Math.min(idleNanos, totalNanos));
  }

  /** A message of the request arrived. */
  void progress() {
    if (!stopped) {
      lastNanos = timers.nowNanos();
    }
  }

  /** The request is complete (or the stream over): no deadline any more. */
  void stop() {
    stopped = true;
    if (armed) {
      armed = false;
      timers.cancel(timer);
    }
  }

  private void arm(long delayNanos) {
    timer = timers.schedule(delayNanos, this::fire);
    armed = true;
  }

  private void fire() {
    armed = false;
    if (stopped) {
      return;
    }
    long now = timers.nowNanos();
    long totalLeft = startNanos + totalNanos - now;
    long idleLeft = lastNanos + idleNanos - now;
    if (totalLeft <= 0) {
      stopped = true;
      expired.accept(new PickerException(PickerException.Code.REQUEST_TIMEOUT, "request not complete "
          + Durations.format(Duration.ofNanos(totalNanos)) + " after its ext_proc stream began (--request-timeout)"));
    } else if (idleLeft <= 0) {
      stopped = true;
      expired.accept(new PickerException(PickerException.Code.REQUEST_TIMEOUT, "no ext_proc message for "
          + Durations.format(Duration.ofNanos(idleNanos)) + " while the request was read (--request-idle-timeout)"));
    } else {
      arm(Math.min(totalLeft, idleLeft));
    }
  }
}
