package dev.loadfuse.engine.config;

import java.util.Objects;

/**
 * The engine chosen for an endpoint and why.
 *
 * @param engine the configuration to extract with
 * @param source where the engine name came from
 * @param value the name as found (a label or annotation value, or the default engine)
 */
public record EngineSelection(EngineConfig engine, Source source, String value) {

  /** Where the engine name came from, in the order they are consulted. */
  public enum Source {
    /** The pod label named by {@code engineLabelKey}. */
    POD_LABEL,
    /** The InferencePool annotation {@code inference.networking.x-k8s.io/model-server-runtime}. */
    POOL_ANNOTATION,
    /** {@code defaultEngine}. */
    DEFAULT
  }

  public EngineSelection {
    Objects.requireNonNull(engine, "engine");
    Objects.requireNonNull(source, "source");
    Objects.requireNonNull(value, "value");
  }
}
