package dev.loadfuse.picker.scheduling;

import dev.loadfuse.picker.PickerException;
import dev.loadfuse.picker.candidate.EndpointView;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Schedules one request: the profile handler runs the profiles over the candidates and names the
 * primary result. Immutable and thread-safe; a new config builds a new scheduler.
 */
public final class Scheduler {

  private static final Logger LOG = Logger.getLogger(Scheduler.class.getName());

  private final ProfileHandler handler;
  private final List<SchedulerProfile> profiles;
  private final SchedulerObserver.Recorder decisionTimer;
  private final PreRequest[] preRequests;
  private final ResponseComplete[] responseCompletes;
  private final ResponseHeader[] responseHeaders;
  private final int promptChars;

  public Scheduler(ProfileHandler handler, List<ProfileSpec> profiles, SchedulerObserver observer) {
    this(handler, profiles, observer, List.of());
  }

  /**
   * As above; {@code declared} are every plugin of the config: those told of responses
   * ({@link ResponseHeader}, {@link ResponseComplete}) run whether or not a profile names them, as
   * the reference's request-control plugins do.
   */
  public Scheduler(ProfileHandler handler, List<ProfileSpec> profiles, SchedulerObserver observer,
      List<? extends Plugin> declared) {
    this.handler = Objects.requireNonNull(handler, "handler");
    List<SchedulerProfile> built = new ArrayList<>(profiles.size());
    for (ProfileSpec p : profiles) {
      built.add(new SchedulerProfile(p, observer));
    }
    this.profiles = List.copyOf(built);
    this.decisionTimer = observer.decision();
    // Each plugin instance once, even when several profiles share it.
    List<Plugin> plugins = new ArrayList<>();
    for (ProfileSpec p : profiles) {
      plugins.addAll(p.filters());
      p.scorers().forEach(w -> plugins.add(w.scorer()));
      plugins.add(p.picker());
    }
    plugins.add(handler);
    List<PreRequest> pre = new ArrayList<>();
    List<ResponseComplete> done = new ArrayList<>();
    List<ResponseHeader> headers = new ArrayList<>();
    int chars = 0;
    java.util.Set<Plugin> seen = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
    for (Plugin p : plugins) {
      if (!seen.add(p)) {
        continue;
      }
      if (p instanceof PreRequest r) {
        pre.add(r);
      }
      if (p instanceof ResponseComplete c) {
        done.add(c);
      }
      if (p instanceof ResponseHeader h) {
        headers.add(h);
      }
      if (p instanceof PromptReader r) {
        chars = Math.max(chars, r.promptChars());
      }
    }
    for (Plugin p : declared) {
      if (seen.add(p) && p instanceof ResponseComplete c) {
        done.add(c);
      }
      if (p instanceof ResponseHeader h && !headers.contains(h)) {
        headers.add(h);
      }
    }
    this.preRequests = pre.toArray(new PreRequest[0]);
    this.responseCompletes = done.toArray(new ResponseComplete[0]);
    this.responseHeaders = headers.toArray(new ResponseHeader[0]);
    this.promptChars = chars;
  }

  /**
   * Picks endpoints for the request among {@code candidates[0..count)} (not modified).
   *
   * @throws PickerException {@code ResourceExhausted} when nothing can be picked
   */
  public SchedulingResult schedule(SchedulingCycle cycle, EndpointView[] candidates, int count) {
    long t0 = System.nanoTime();
    try {
      return handler.handle(cycle, profiles, candidates, count);
    } finally {
      decisionTimer.record(System.nanoTime() - t0);
    }
  }

  /**
   * Runs the {@link PreRequest} plugins for a decision {@link #schedule} returned, once the answer is
   * on its way. Their failures are logged, never thrown: the request is routed already.
   */
  public void preRequest(SchedulingCycle cycle, SchedulingResult result) {
    for (PreRequest p : preRequests) {
      try {
        p.preRequest(cycle, result);
      } catch (RuntimeException e) {
        LOG.log(Level.WARNING, "PreRequest " + p.typedName() + " failed for request " + cycle.request().requestId(), e);
      }
    }
  }

  /**
   * Runs the {@link ResponseComplete} plugins for a routed request's finished response. Costs a loop
   * over an empty array when no plugin registers. Failures are logged, never thrown.
   */
  public void responseComplete(SchedulingCycle cycle, SchedulingResult result, int status, long promptTokens,
      long completionTokens) {
    for (ResponseComplete p : responseCompletes) {
      try {
        p.responseComplete(cycle, result, status, promptTokens, completionTokens);
      } catch (RuntimeException e) {
        LOG.log(Level.WARNING, "ResponseComplete " + p.typedName() + " failed for request "
            + cycle.request().requestId(), e);
      }
    }
  }

  /** True when a plugin reads the response headers ({@link ResponseHeader}). */
  public boolean readsResponseHeaders() {
    return responseHeaders.length > 0;
  }

  /** Runs the {@link ResponseHeader} plugins for a routed request's response headers. Failures are logged, never thrown. */
  public void responseHeader(SchedulingCycle cycle, SchedulingResult result,
      java.util.Map<String, java.util.Map<String, Object>> envoyMetadata, java.util.function.BiConsumer<String, String> set) {
    for (ResponseHeader p : responseHeaders) {
      try {
        p.responseHeader(cycle, result, envoyMetadata, set);
      } catch (RuntimeException e) {
        LOG.log(Level.WARNING, "ResponseHeader " + p.typedName() + " failed for request "
            + cycle.request().requestId(), e);
      }
    }
  }

  /** How many characters of the rendered prompt the plugins read; 0 when none reads it. */
  public int promptChars() {
    return promptChars;
  }

  public List<SchedulerProfile> profiles() {
    return profiles;
  }

  public ProfileHandler handler() {
    return handler;
  }
}
