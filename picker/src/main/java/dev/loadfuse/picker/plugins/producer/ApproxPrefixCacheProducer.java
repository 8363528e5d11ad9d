package dev.loadfuse.picker.plugins.producer;

import dev.loadfuse.picker.plugins.scorer.prefix.PrefixIndexSettings;
import dev.loadfuse.picker.scheduling.Plugin;
import dev.loadfuse.picker.scheduling.TypedName;
import dev.loadfuse.picker.scheduling.config.Parameters;

/**
 * {@code approx-prefix-cache-producer}: in the reference, the approximate prefix index the
 * prefix-cache scorer reads. In loadfuse the index lives in each {@code prefix-cache-scorer}; a
 * declared producer's parameters ({@link PrefixIndexSettings}) configure those indexes, replacing the
 * scorers' own index parameters.
 */
public record ApproxPrefixCacheProducer(TypedName typedName, PrefixIndexSettings settings) implements Plugin {

  public static final String TYPE = "approx-prefix-cache-producer";

  public static ApproxPrefixCacheProducer create(String name, Parameters p) {
    return new ApproxPrefixCacheProducer(new TypedName(TYPE, name), PrefixIndexSettings.read(p));
  }
}
