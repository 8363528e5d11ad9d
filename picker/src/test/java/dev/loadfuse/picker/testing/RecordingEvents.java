package dev.loadfuse.picker.testing;

import dev.loadfuse.picker.scheduling.SchedulingCycle;
import dev.loadfuse.picker.scheduling.SchedulingEvents;
import dev.loadfuse.picker.scheduling.SchedulingRequest;
import dev.loadfuse.picker.scheduling.TypedName;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;

/** Collects what filters report, as {@code "name/reason" -> endpoints} and {@code "name/kept-all" -> decisions}. */
public final class RecordingEvents implements SchedulingEvents {

  public final Map<String, Integer> counts = new TreeMap<>();

  @Override
  public synchronized void filtered(TypedName filter, String reason, int endpoints) {
    counts.merge(filter.name() + "/" + reason, endpoints, Integer::sum);
  }

  @Override
  public synchronized void keptAll(TypedName filter, int endpoints) {
    counts.merge(filter.name() + "/kept-all", 1, Integer::sum);
  }

  /** A cycle at {@link TestEndpoints#NOW} reporting here. */
  public SchedulingCycle cycle(SchedulingRequest request, boolean failOpen) {
    return new SchedulingCycle(request, TestEndpoints.NOW, new SplittableRandom(7), failOpen, this);
  }

  public SchedulingCycle cycle() {
    return cycle(SchedulingRequest.of("r"), false);
  }
}
