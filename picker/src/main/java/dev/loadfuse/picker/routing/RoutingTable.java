package dev.loadfuse.picker.routing;

import java.util.Objects;

/**
 * The routing objects in force, replaced as a whole when the InferenceObjectives or
 * InferenceModelRewrites change (Kubernetes mode) and fixed otherwise. Each request reads it once,
 * so one request never mixes two versions. Any thread.
 */
public final class RoutingTable {

  private volatile RoutingObjects current;

  public RoutingTable(RoutingObjects initial) {
    this.current = initial == null ? RoutingObjects.NONE : initial;
  }

  public RoutingObjects current() {
    return current;
  }

  public void replace(RoutingObjects next) {
    current = Objects.requireNonNull(next, "next");
  }
}
