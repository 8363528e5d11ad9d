package dev.loadfuse.picker.plugins.datalayer.source;

import dev.loadfuse.picker.scheduling.TypedName;
import dev.loadfuse.picker.scheduling.config.ConfigException;
import dev.loadfuse.picker.scheduling.config.DataSourcePlugin;
import dev.loadfuse.picker.scheduling.config.Parameters;
import java.time.Duration;

/**
 * {@code metrics-data-source}: each endpoint's Prometheus page, polled by the in-process sidecar.
 * Parameters as the reference's: {@code scheme} ({@code http}; {@code https} is refused: the
 * scraper speaks plain HTTP only), {@code path} (default: the endpoint's own metrics path, {@code
 * /metrics}), {@code port} (1..65535; default: the endpoint's metrics port), {@code
 * insecureSkipVerify}, {@code caCertPath}, {@code clientCertPath}, {@code clientKeyPath} (accepted
 * only with {@code http}, where they do nothing: as the reference, TLS options need {@code https}),
 * {@code interval} (a duration; the scrape runs every {@code --refresh-metrics-interval} whatever it
 * says, so a value other than that is a warning).
 *
 * @param path the path to scrape, or null for the endpoint's own
 * @param port the port to scrape, or 0 for the endpoint's own
 */
public record MetricsDataSource(TypedName typedName, String path, int port) implements DataSourcePlugin {

  public static final String TYPE = "metrics-data-source";

  public static MetricsDataSource create(String name, Parameters p) {
    String scheme = p.string("scheme", "http");
    if (!scheme.equals("http")) {
      throw ConfigException.at(p.path("scheme"), "\"" + scheme + "\" (expected: http; loadfuse scrapes model servers"
          + " over plain HTTP only)");
    }
    String path = p.string("path", null);
    if (path != null && !path.startsWith("/")) {
      throw ConfigException.at(p.path("path"), "\"" + path + "\" (expected: a path starting with /)");
    }
    int port = p.integer("port", 0, 1, 65535);
    p.bool("insecureSkipVerify", true);
    p.string("caCertPath", null);
    p.string("clientCertPath", null);
    p.string("clientKeyPath", null);
    Duration interval = p.duration("interval", null);
    if (interval != null) {
      p.warn(p.path("interval") + ": " + interval.toMillis() + "ms not used; loadfuse scrapes every"
          + " --refresh-metrics-interval");
    }
    return new MetricsDataSource(new TypedName(TYPE, name), path, port);
  }
}
