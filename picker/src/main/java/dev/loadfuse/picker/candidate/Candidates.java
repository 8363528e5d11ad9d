package dev.loadfuse.picker.candidate;

import dev.loadfuse.picker.datastore.EndpointState;

/**
 * One cycle's candidates: the datastore's endpoints and their views, index for index. The views go
 * to the plugins; the states stay with the routing stage, which alone counts a request against the
 * endpoint it picked ({@link #stateOf}).
 *
 * @param states the endpoints (not modified)
 * @param views their views, {@code views[i]} of {@code states[i]}; shared with other cycles: never
 *     written to (profiles work on a copy)
 * @param failOpen no candidate had a fresh engine sample: the views carry the last known values
 */
public record Candidates(EndpointState[] states, EndpointView[] views, boolean failOpen) {

  public Candidates {
    if (states.length < views.length) {
      throw new IllegalArgumentException("views: " + views.length + " for " + states.length + " states");
    }
  }

  public int count() {
    return views.length;
  }

  /** The endpoint {@code view} (one of this cycle's views) was built from. */
  public EndpointState stateOf(EndpointView view) {
    for (int i = 0; i < views.length; i++) {
      if (views[i] == view) {
        return states[i];
      }
    }
    throw new IllegalArgumentException(view + " is not a view of this cycle");
  }

  /** True when none of the candidates has ever had an engine sample (start-up, new endpoints). */
  public boolean neverMeasured() {
    for (EndpointView v : views) {
      if (v.everMeasured()) {
        return false;
      }
    }
    return true;
  }
}
