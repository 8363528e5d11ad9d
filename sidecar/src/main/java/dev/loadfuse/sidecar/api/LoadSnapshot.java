package dev.loadfuse.sidecar.api;

import java.util.List;

/** Every vector a sidecar currently holds, in endpoint-name order. Immutable. */
public record LoadSnapshot(List<LoadVector> vectors) {

  public LoadSnapshot {
    vectors = List.copyOf(vectors);
  }
}
