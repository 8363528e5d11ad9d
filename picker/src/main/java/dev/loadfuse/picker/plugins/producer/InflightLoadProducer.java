package dev.loadfuse.picker.plugins.producer;

import dev.loadfuse.picker.scheduling.Plugin;
import dev.loadfuse.picker.scheduling.TypedName;
import dev.loadfuse.picker.scheduling.config.Parameters;

/**
 * {@code inflight-load-producer}: in the reference, counts each endpoint's in-flight requests for
 * the plugins that read them. loadfuse's datastore always counts them (the running-request view of
 * every candidate), so declaring it changes nothing; its parameters are read for the warning about
 * unknown keys only.
 */
public record InflightLoadProducer(TypedName typedName) implements Plugin {

  public static final String TYPE = "inflight-load-producer";

  public static InflightLoadProducer create(String name, Parameters p) {
    return new InflightLoadProducer(new TypedName(TYPE, name));
  }
}
