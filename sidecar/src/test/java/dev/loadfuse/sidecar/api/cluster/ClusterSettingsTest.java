package dev.loadfuse.sidecar.api.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.loadfuse.common.settings.OptionChecks;
import dev.loadfuse.common.settings.SettingsException;
import dev.loadfuse.common.settings.SettingsNode;
import dev.loadfuse.common.settings.SettingsSources;
import io.vertx.core.json.JsonObject;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The {@code cluster*} keys that {@code sidecar.jar run} and {@code picker.jar} share, from each layer. */
class ClusterSettingsTest {

  private static final List<String> KEYS = List.of("cluster", "clusterMembers", "clusterService", "clusterHost",
      "clusterPort", "clusterBusPort", "clusterSecretFile", "clusterInsecure");

  /** Every key set (a Service and members together: the programs' own checks refuse that, not these settings). */
  private static final JsonObject ALL = new JsonObject("""
      {"cluster": true, "clusterMembers": ["a:5701", "b:5701"], "clusterService": "loadfuse-sidecar",
       "clusterHost": "10.0.0.7", "clusterPort": 5702, "clusterBusPort": 5710,
       "clusterSecretFile": "/etc/loadfuse/cluster/secret", "clusterInsecure": true}
      """);

  private static void assertAllRead(ClusterSettings s) {
    assertThat(s).isEqualTo(new ClusterSettings(true, List.of("a:5701", "b:5701"), "loadfuse-sidecar", "10.0.0.7",
        5702, 5710, "/etc/loadfuse/cluster/secret", true));
  }

  @Test
  void everyKey_fromJson_andBackToTheSameJson() {
    ClusterSettings s = ClusterSettings.read(OptionChecks.json(ALL.encode()));
    assertAllRead(s);
    JsonObject back = new JsonObject();
    s.putInto(back);
    assertThat(back).isEqualTo(ALL);
  }

  @Test
  void everyKey_fromLoadfuseEnvironmentVariables_andFromFlags() {
    Map<String, String> text = new LinkedHashMap<>();
    for (String key : KEYS) {
      Object v = ALL.getValue(key);
      text.put(key, v instanceof io.vertx.core.json.JsonArray a ? String.join(",", a.getList()) : String.valueOf(v));
    }
    Map<String, String> env = new LinkedHashMap<>();
    text.forEach((key, v) -> env.put(SettingsSources.envName(key), v));
    assertThat(env).containsKeys("LOADFUSE_CLUSTER_MEMBERS", "LOADFUSE_CLUSTER_BUS_PORT", "LOADFUSE_CLUSTER_SECRET_FILE");
    assertAllRead(ClusterSettings.read(SettingsSources.environment(env, KEYS, Map.of())));
    assertAllRead(ClusterSettings.read(SettingsSources.flags(text)));
    assertThat(KEYS.stream().map(SettingsSources::flagName)).containsExactly("--cluster", "--cluster-members",
        "--cluster-service", "--cluster-host", "--cluster-port", "--cluster-bus-port", "--cluster-secret-file",
        "--cluster-insecure");
  }

  @Test
  void defaults_andAMemberListImpliesTheCluster() {
    assertThat(ClusterSettings.read(OptionChecks.json("{}"))).isEqualTo(ClusterSettings.NONE)
        .isEqualTo(new ClusterSettings(false, List.of(), null, null, 5701, 0, null, false));
    assertThat(ClusterSettings.read(OptionChecks.json("{\"clusterMembers\": [\"a:5701\"]}")).cluster()).isTrue();
  }

  @Test
  void badValues_areRefusedNamingTheKey() {
    SettingsNode blankService = SettingsSources.flags(Map.of("clusterService", " "));
    assertThatThrownBy(() -> ClusterSettings.read(blankService)).isInstanceOf(SettingsException.class)
        .hasMessage("--cluster-service: \" \" (expected: a Service name)");
    assertThatThrownBy(() -> ClusterSettings.read(OptionChecks.json("{\"clusterBusPort\": 70000}")))
        .hasMessage("clusterBusPort: 70000 (expected: [0, 65535])");
    assertThatThrownBy(() -> new ClusterSettings(true, List.of(), null, " ", 5701, 0, null, false))
        .hasMessage("clusterHost: \" \" (expected: not blank, or null)");
    assertThatThrownBy(() -> new ClusterSettings(false, List.of(), null, null, 5701, 0, null, true).checkSecretNeedsCluster(false))
        .hasMessage("--cluster-secret-file, --cluster-insecure: only with --cluster");
  }
}
