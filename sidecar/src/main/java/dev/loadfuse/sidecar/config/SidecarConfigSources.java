package dev.loadfuse.sidecar.config;

import io.vertx.config.ConfigRetriever;
import io.vertx.config.ConfigRetrieverOptions;
import io.vertx.config.ConfigStoreOptions;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;

/**
 * Where the sidecar's configuration comes from, in increasing precedence: the config file (YAML or
 * JSON by extension), {@code LOADFUSE_*} environment variables (e.g. {@code LOADFUSE_HTTP_PORT}
 * for {@code httpPort}; also {@code NODE_NAME} and {@code POD_NAMESPACE}), then command-line
 * flags.
 */
public final class SidecarConfigSources {

  /** How often the config file is checked for changes. */
  public static final Duration DEFAULT_SCAN_PERIOD = Duration.ofSeconds(1);

  private SidecarConfigSources() {}

  /** Builds a retriever over file, environment and flags; the file is re-read every {@code scanPeriod}. */
  public static ConfigRetriever retriever(
      Vertx vertx, Path configFile, Map<String, String> env, JsonObject flags, Duration scanPeriod) {
    ConfigRetrieverOptions options = new ConfigRetrieverOptions()
        .setIncludeDefaultStores(false)
        .setScanPeriod(configFile == null ? -1 : scanPeriod.toMillis());
    if (configFile != null) {
      if (!Files.isRegularFile(configFile)) {
        throw new IllegalArgumentException("config file " + configFile + ": not found");
      }
      String name = configFile.getFileName().toString().toLowerCase(Locale.ROOT);
      String format = name.endsWith(".json") ? "json" : "yaml";
      options.addStore(new ConfigStoreOptions()
          .setType("file")
          .setFormat(format)
          .setConfig(new JsonObject().put("path", configFile.toAbsolutePath().toString())));
    }
    options.addStore(new ConfigStoreOptions().setType("json").setConfig(fromEnvironment(env)));
    options.addStore(new ConfigStoreOptions().setType("json").setConfig(flags == null ? new JsonObject() : flags));
    return ConfigRetriever.create(vertx, options);
  }

  /** Maps {@code LOADFUSE_HTTP_PORT=9500} to {@code {"httpPort": "9500"}} for every known key. */
  public static JsonObject fromEnvironment(Map<String, String> env) {
    JsonObject out = new JsonObject();
    for (String key : SidecarConfig.keys()) {
      if (key.equals("engines")) {
        continue; // a structure, only from the file
      }
      String value = env.get(envName(key));
      if (value != null && !value.isBlank()) {
        out.put(key, value);
      }
    }
    if (!out.containsKey("nodeName") && env.get("NODE_NAME") != null && !env.get("NODE_NAME").isBlank()) {
      out.put("nodeName", env.get("NODE_NAME"));
    }
    if (!out.containsKey("namespace") && env.get("POD_NAMESPACE") != null && !env.get("POD_NAMESPACE").isBlank()) {
      out.put("namespace", env.get("POD_NAMESPACE"));
    }
    return out;
  }

  /** {@code httpPort} → {@code LOADFUSE_HTTP_PORT}. */
  public static String envName(String key) {
    StringBuilder sb = new StringBuilder("LOADFUSE_");
    for (int i = 0; i < key.length(); i++) {
      char c = key.charAt(i);
      if (Character.isUpperCase(c)) {
        sb.append('_');
      }
      sb.append(Character.toUpperCase(c));
    }
    return sb.toString();
  }
}
