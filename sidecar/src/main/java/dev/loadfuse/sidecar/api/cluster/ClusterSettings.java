package dev.loadfuse.sidecar.api.cluster;

import dev.loadfuse.common.settings.OptionChecks;
import dev.loadfuse.common.settings.SettingsNode;
import dev.loadfuse.common.settings.SettingsSources;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.IModelTransformer;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * The {@code cluster*} settings that the sidecar's and the picker's options share. Each is a key of
 * their JSON form, a flag ({@link Flags}: the key in kebab case, {@code clusterBusPort} ↔ {@code
 * --cluster-bus-port}) and a {@code LOADFUSE_*} environment variable ({@code
 * LOADFUSE_CLUSTER_BUS_PORT}). {@link #clusterOptions} turns them into the {@link ClusterOptions}
 * a clustered Vert.x starts with.
 *
 * @param cluster join the clustered event bus
 * @param members {@code host:port} Hazelcast members to join
 * @param service the headless Service whose pods are the members (Kubernetes discovery); null for none
 * @param host the address this member binds and advertises; null for auto-detection
 * @param port the Hazelcast member port; 0 for any free one
 * @param busPort the clustered event bus's TCP port; 0 for any free one
 * @param secretFile the file holding the cluster secret ({@link ClusterSecret}); null without one
 * @param insecure a cluster without a secret: unauthenticated, unencrypted (a loud warning at start)
 */
public record ClusterSettings(boolean cluster, List<String> members, String service, String host, int port,
    int busPort, String secretFile, boolean insecure) {

  /** The defaults: no cluster. */
  public static final ClusterSettings NONE =
      new ClusterSettings(false, List.of(), null, null, ClusterOptions.DEFAULT_PORT, ClusterOptions.DEFAULT_BUS_PORT,
          null, false);

  /**
   * @throws IllegalArgumentException naming the setting: a port out of range, or a blank name
   */
  public ClusterSettings {
    members = List.copyOf(members);
    notBlank("clusterService", service);
    notBlank("clusterHost", host);
    OptionChecks.port("clusterPort", port);
    OptionChecks.port("clusterBusPort", busPort);
    notBlank("clusterSecretFile", secretFile);
  }

  /** Reads the {@code cluster*} keys of {@code node} (the caller checks for unknown keys). */
  public static ClusterSettings read(SettingsNode node) {
    List<String> members = node.strings("clusterMembers");
    SettingsNode service = node.get("clusterService");
    if (!service.isMissing() && service.asString().isBlank()) {
      throw service.fail(service.describe() + " (expected: a Service name)");
    }
    // A member list implies the cluster, as --cluster-members does.
    return new ClusterSettings(node.bool("cluster", !members.isEmpty()), members,
        node.string("clusterService", null), node.string("clusterHost", null),
        node.integer("clusterPort", ClusterOptions.DEFAULT_PORT, 0, 65535),
        node.integer("clusterBusPort", ClusterOptions.DEFAULT_BUS_PORT, 0, 65535),
        node.string("clusterSecretFile", null), node.bool("clusterInsecure", false));
  }

  /** These settings with {@code cluster} set as given. */
  public ClusterSettings withCluster(boolean join) {
    return new ClusterSettings(join, members, service, host, port, busPort, secretFile, insecure);
  }

  /** Puts the {@code cluster*} keys into {@code json} (nulls left out). */
  public void putInto(JsonObject json) {
    json.put("cluster", cluster).put("clusterMembers", new JsonArray(new ArrayList<>(members)));
    if (service != null) {
      json.put("clusterService", service);
    }
    if (host != null) {
      json.put("clusterHost", host);
    }
    json.put("clusterPort", port).put("clusterBusPort", busPort);
    if (secretFile != null) {
      json.put("clusterSecretFile", secretFile);
    }
    json.put("clusterInsecure", insecure);
  }

  /**
   * Refuses a secret (or the insecure mode) without a cluster.
   *
   * @param clustered whether the program holding these settings joins a cluster
   */
  public void checkSecretNeedsCluster(boolean clustered) {
    // A cluster without either is refused by clusterOptions(), which the programs that start the
    // clustered Vert.x call; a verticle deployed on a Vert.x clustered by its owner needs neither.
    if (!clustered && (secretFile != null || insecure)) {
      throw new IllegalArgumentException("--cluster-secret-file, --cluster-insecure: only with --cluster");
    }
  }

  /**
   * How to join the clustered bus; reads the secret file.
   *
   * @param serviceNamespace the namespace of {@link #service()}; null for the pod's own
   * @throws IllegalArgumentException naming the secret file when it cannot be used, or saying
   *     that a secret (or {@code clusterInsecure}) is needed
   */
  public ClusterOptions clusterOptions(String serviceNamespace) {
    ClusterSecret secret = secretFile == null ? null : ClusterSecret.read(Path.of(secretFile));
    return new ClusterOptions(members, host, port, service, serviceNamespace, null, secret, insecure);
  }

  private static void notBlank(String name, String value) {
    if (value != null && value.isBlank()) {
      throw new IllegalArgumentException(name + ": " + SettingsNode.quote(value) + " (expected: not blank, or null)");
    }
  }

  /**
   * The {@code --cluster*} flags, added to a picocli command ({@code @Command(modelTransformer =
   * ClusterSettings.Flags.class)}): {@code sidecar.jar run}'s and {@code picker.jar}'s. The command
   * reads them with its other settings (they hold no field of their own).
   */
  public static final class Flags implements IModelTransformer {

    @Override
    public CommandSpec transform(CommandSpec spec) {
      spec.addOption(flag("cluster", null, "Join the clustered event bus (Hazelcast): a sidecar sends its load"
          + " vectors to pickers on other nodes, a picker takes them from remote sidecars instead of an in-process"
          + " sidecar."));
      spec.addOption(flag("clusterMembers", "HOST:PORT,...", "Hazelcast members to join (local runs; implies"
          + " --cluster); in Kubernetes use --cluster-service."));
      spec.addOption(flag("clusterService", "NAME", "Headless Service whose pods are the cluster members (Hazelcast"
          + " Kubernetes discovery; a picker looks in the namespace of --pool-namespace, else env NAMESPACE, else"
          + " default)."));
      spec.addOption(flag("clusterHost", "HOST", "Address this member binds and advertises."));
      spec.addOption(flag("clusterPort", "PORT", "Hazelcast member port (default: " + ClusterOptions.DEFAULT_PORT
          + "; 0 = any)."));
      spec.addOption(flag("clusterBusPort", "PORT", "The clustered event bus's TCP port (default: "
          + ClusterOptions.DEFAULT_BUS_PORT + " = any free port)."));
      spec.addOption(flag("clusterSecretFile", "FILE", "The cluster's shared secret (at least 32 bytes, e.g. from"
          + " openssl rand -base64 32; in Kubernetes a mounted Secret): members prove it to join, and every bus"
          + " message is sealed with it. Required with --cluster unless --cluster-insecure."));
      spec.addOption(flag("clusterInsecure", null, "Join a cluster without a secret: unauthenticated and"
          + " unencrypted, for a test on one machine."));
      return spec;
    }

    /** A flag setting {@code key}; a switch when {@code paramLabel} is null. */
    private static OptionSpec flag(String key, String paramLabel, String description) {
      OptionSpec.Builder flag = OptionSpec.builder(SettingsSources.flagName(key)).description(description);
      return (paramLabel == null ? flag.type(boolean.class).arity("0") : flag.type(String.class).paramLabel(paramLabel))
          .build();
    }
  }
}
