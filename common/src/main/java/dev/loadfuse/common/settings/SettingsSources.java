package dev.loadfuse.common.settings;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Where the settings of a loadfuse program come from, one precedence for all of them: a settings
 * file &lt; environment variables &lt; command-line flags. Each setting has one name, its JSON key
 * ({@code httpPort}); the environment variable is {@code LOADFUSE_} and the key in upper snake case
 * ({@code LOADFUSE_HTTP_PORT}), the flag the key in kebab case ({@code --http-port}).
 *
 * <p>{@link #stack} gives one {@link SettingsNode} over the three: a key is read from the highest
 * layer that sets it, and a problem names that layer ({@code sidecar.yaml: httpPort: ...}, {@code
 * LOADFUSE_HTTP_PORT: ...}, {@code --http-port: ...}). An options class reads that node as it reads
 * its JSON form.
 */
public final class SettingsSources {

  /** The prefix of every environment variable that sets a loadfuse setting. */
  public static final String ENV_PREFIX = "LOADFUSE_";

  private SettingsSources() {}

  /** {@code httpPort} → {@code LOADFUSE_HTTP_PORT}. */
  public static String envName(String key) {
    return ENV_PREFIX + words(key, '_').toUpperCase(java.util.Locale.ROOT);
  }

  /** {@code httpPort} → {@code --http-port}. */
  public static String flagName(String key) {
    return "--" + words(key, '-');
  }

  /** {@code --http-port} → {@code httpPort}: the key a long flag sets. */
  public static String keyOfFlag(String flag) {
    String s = flag.startsWith("--") ? flag.substring(2) : flag;
    StringBuilder b = new StringBuilder(s.length());
    boolean upper = false;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '-') {
        upper = true;
      } else {
        b.append(upper ? Character.toUpperCase(c) : c);
        upper = false;
      }
    }
    return b.toString();
  }

  /**
   * The environment layer: each of {@code keys} whose {@code LOADFUSE_*} variable is set and not
   * blank; else, for a key of {@code fallbacks}, that variable (e.g. {@code NODE_NAME} for {@code
   * nodeName}, set by the Kubernetes downward API). Each value is named by its variable.
   */
  public static SettingsNode environment(Map<String, String> env, Collection<String> keys,
      Map<String, String> fallbacks) {
    Map<String, String> values = new LinkedHashMap<>();
    Map<String, String> names = new HashMap<>();
    for (String key : keys) {
      String name = envName(key);
      String v = env.get(name);
      if ((v == null || v.isBlank()) && fallbacks.containsKey(key)) {
        name = fallbacks.get(key);
        v = env.get(name);
      }
      if (v != null && !v.isBlank()) {
        values.put(key, v);
        names.put(key, name);
      }
    }
    return SettingsNode.ofText(values, key -> names.getOrDefault(key, envName(key)));
  }

  /**
   * The flags layer: the flags given on the command line (not their defaults), as text keyed by
   * setting ({@code httpPort → "9500"}); each value is named by its flag ({@code --http-port}).
   */
  public static SettingsNode flags(Map<String, String> given) {
    return SettingsNode.ofText(given, SettingsSources::flagName);
  }

  /**
   * File &lt; environment &lt; flags as one node.
   *
   * @param file the settings file (YAML, or JSON for {@code *.json}); null for none
   */
  public static SettingsNode stack(Path file, SettingsNode environment, SettingsNode flags) {
    return stack(SettingsReader.strict(), file, environment, flags);
  }

  /**
   * {@link #stack(Path, SettingsNode, SettingsNode)} reading the file with {@code reader} (its
   * size limit and the name the size message gives the file).
   */
  public static SettingsNode stack(SettingsReader reader, Path file, SettingsNode environment, SettingsNode flags) {
    List<SettingsNode> layers = new ArrayList<>();
    if (file != null) {
      SettingsNode fromFile = reader.read(file);
      if (!fromFile.isMissing()) {
        fromFile.requireMap("a map of settings");
        layers.add(fromFile);
      }
    }
    layers.add(environment);
    layers.add(flags);
    return SettingsNode.layered(layers);
  }

  private static String words(String key, char separator) {
    StringBuilder b = new StringBuilder(key.length() + 8);
    for (int i = 0; i < key.length(); i++) {
      char c = key.charAt(i);
      if (Character.isUpperCase(c)) {
        b.append(separator).append(Character.toLowerCase(c));
      } else {
        b.append(c);
      }
    }
    return b.toString();
  }
}
