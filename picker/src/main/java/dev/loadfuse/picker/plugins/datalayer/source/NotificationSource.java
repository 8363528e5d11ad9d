package dev.loadfuse.picker.plugins.datalayer.source;

import dev.loadfuse.picker.scheduling.TypedName;
import dev.loadfuse.picker.scheduling.config.ConfigException;
import dev.loadfuse.picker.scheduling.config.DataSourcePlugin;
import dev.loadfuse.picker.scheduling.config.Parameters;

/**
 * The reference's event-driven data sources: {@code endpoint-notification-source} (endpoint added,
 * changed, removed; no parameters) and {@code k8s-notification-source} (watches one Kubernetes kind:
 * {@code group}, {@code version} and {@code kind}, the latter two required). They feed only the
 * extractors named under them in {@code dataLayer.sources}; loadfuse ships no extractor that consumes
 * them, so a source declared without extractors loads and delivers to nobody, exactly as in the
 * reference, and an extractor naming a type loadfuse lacks is refused where it is declared.
 */
public record NotificationSource(TypedName typedName) implements DataSourcePlugin {

  public static final String ENDPOINT = "endpoint-notification-source";
  public static final String K8S = "k8s-notification-source";

  public static NotificationSource endpoint(String name, Parameters p) {
    return new NotificationSource(new TypedName(ENDPOINT, name));
  }

  public static NotificationSource kubernetes(String name, Parameters p) {
    p.string("group", "");
    String version = p.string("version", "");
    String kind = p.string("kind", "");
    if (version.isBlank() || kind.isBlank()) {
      throw ConfigException.at(p.path(), "version and kind are required (and group for a kind outside the core group)");
    }
    return new NotificationSource(new TypedName(K8S, name));
  }
}
