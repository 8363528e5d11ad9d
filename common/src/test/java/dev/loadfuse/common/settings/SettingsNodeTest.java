package dev.loadfuse.common.settings;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.loadfuse.common.settings.SettingsReader.Format;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SettingsNodeTest {

  private static final String DOC = """
      name: pool
      port: 8000
      ratio: 0.5
      on: true
      every: 50ms
      size: 16Mi
      tags: [a, b]
      labels: {app: vllm, tier: ""}
      kind: Mock
      nested:
        list:
        - {weight: -1}
      """;

  private static SettingsNode doc() {
    return SettingsReader.strict().parse("t.yaml", DOC, Format.YAML);
  }

  @Test
  void typedGetters_readTheirValues_andDefaultsWhenMissing() {
    SettingsNode n = doc();
    assertThat(n.string("name", null)).isEqualTo("pool");
    assertThat(n.integer("port", 0, 1, 65535)).isEqualTo(8000);
    assertThat(n.number("ratio", 0, 0, 1)).isEqualTo(0.5);
    assertThat(n.bool("on", false)).isTrue();
    assertThat(n.duration("every", null)).isEqualTo(Duration.ofMillis(50));
    assertThat(n.bytes("size", 0, 1, Long.MAX_VALUE)).isEqualTo(16 << 20);
    assertThat(n.strings("tags")).containsExactly("a", "b");
    assertThat(n.stringMap("labels")).containsExactly(Map.entry("app", "vllm"), Map.entry("tier", ""));
    assertThat(n.oneOf("kind", null, List.of("nvml", "mock"))).isEqualTo("mock");
    assertThat(n.integer("absent", 7, 0, 10)).isEqualTo(7);
    assertThat(n.duration("absent", Duration.ofSeconds(1))).isEqualTo(Duration.ofSeconds(1));
    assertThat(n.strings("absent")).isEmpty();
    assertThat(n.get("nested").get("list").get(0).path()).isEqualTo("nested.list[0]");
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiterString = " => ", textBlock = """
      unknown key         => t.yaml: unknown key "bogus" (known: name, port)
      unknown nested key  => t.yaml: nested.list[0]: unknown key "weight" (known: pluginRef)
      int range           => t.yaml: port: 8000 (expected: [1, 1024])
      int type            => t.yaml: name: "pool" (expected: an integer)
      number range        => t.yaml: ratio: 0.5 (expected: [0.6, 1])
      bool type           => t.yaml: port: 8000 (expected: true or false)
      duration text       => t.yaml: name: "pool" (expected: a number and a unit: ns, us, ms, s, m or h, e.g. 50ms)
      duration number     => t.yaml: port: 8000 (expected: a number and a unit: ns, us, ms, s, m or h, e.g. 50ms)
      bytes               => t.yaml: name: "pool" (expected: a byte count such as 16777216 or 16Mi)
      one of              => t.yaml: name: "pool" (expected: one of nvml, mock)
      strings element     => t.yaml: labels: a map (expected: a list)
      map                 => t.yaml: tags: a list (expected: a map of strings)
      required            => t.yaml: absent: missing
      string type         => t.yaml: tags: a list (expected: a string)
      """)
  void problems_nameTheSourceAndPath(String what, String message) {
    SettingsNode n = doc();
    Runnable r = switch (what) {
      case "unknown key" -> () -> SettingsReader.strict().parse("t.yaml", "name: x\nbogus: 1\n", Format.YAML)
          .keys("name", "port");
      case "unknown nested key" -> () -> n.get("nested").get("list").get(0).keys("pluginRef");
      case "int range" -> () -> n.integer("port", 0, 1, 1024);
      case "int type" -> () -> n.integer("name", 0, 0, 1);
      case "number range" -> () -> n.number("ratio", 0, 0.6, 1);
      case "bool type" -> () -> n.bool("port", false);
      case "duration text" -> () -> n.duration("name", null);
      case "duration number" -> () -> n.duration("port", null);
      case "bytes" -> () -> n.bytes("name", 0, 0, 10);
      case "one of" -> () -> n.oneOf("name", null, List.of("nvml", "mock"));
      case "strings element" -> () -> n.strings("labels");
      case "map" -> () -> n.stringMap("tags");
      case "required" -> () -> n.requiredString("absent");
      case "string type" -> () -> n.string("tags", null);
      default -> throw new IllegalArgumentException(what);
    };
    assertThatThrownBy(r::run).isInstanceOf(SettingsException.class).hasMessage(message);
  }

  @Test
  void reportLines_appendsTheLineOfTheValue_orOfTheMapOfAMissingKey() {
    SettingsNode n = SettingsReader.strict().reportLines(true).parse("e.yaml", """
        pool: {name: p}
        endpoints:
          - name: a
            port: 70000
            lables: {}
        """, Format.YAML);
    SettingsNode e = n.get("endpoints").get(0);
    assertThatThrownBy(() -> e.integer("port", 0, 1, 65535))
        .hasMessage("e.yaml: endpoints[0].port: 70000 (expected: [1, 65535]) (line 4)");
    assertThatThrownBy(() -> e.keys("name", "port"))
        .hasMessage("e.yaml: endpoints[0]: unknown key \"lables\" (known: name, port) (line 5)");
    assertThatThrownBy(() -> e.requiredString("address")).hasMessage("e.yaml: endpoints[0].address: missing (line 3)");
  }

  @Test
  void textLayers_parseScalarsFromText_andNameValuesByTheirVariable() {
    Function<String, String> env = SettingsSources::envName;
    SettingsNode n = SettingsNode.ofText(Map.of("httpPort", "9500", "cluster", "TRUE", "every", "2s",
        "members", "a:1, b:2,", "bad", "x"), env);
    assertThat(n.integer("httpPort", 0, 0, 65535)).isEqualTo(9500);
    assertThat(n.bool("cluster", false)).isTrue();
    assertThat(n.duration("every", null)).isEqualTo(Duration.ofSeconds(2));
    assertThat(n.strings("members")).containsExactly("a:1", "b:2");
    assertThatThrownBy(() -> n.integer("bad", 0, 0, 1)).hasMessage("LOADFUSE_BAD: \"x\" (expected: an integer)");
    // A document is strict: a number written as text is not a number.
    SettingsNode strict = SettingsReader.strict().parse("f.json", "{\"httpPort\": \"9500\"}", Format.JSON);
    assertThatThrownBy(() -> strict.integer("httpPort", 0, 0, 65535))
        .hasMessage("f.json: httpPort: \"9500\" (expected: an integer)");
  }

  @Test
  void layered_readsTheHighestLayer_namesItInProblems_andChecksKeysInEveryLayer() {
    SettingsNode file = SettingsReader.strict().parse("s.yaml", "httpPort: 1\nhttpHost: h\nbogus: 1\n", Format.YAML);
    SettingsNode env = SettingsSources.environment(Map.of("LOADFUSE_HTTP_PORT", "2"), List.of("httpPort", "httpHost"),
        Map.of());
    SettingsNode flags = SettingsSources.flags(Map.of("scrapeInterval", "fast"));
    SettingsNode all = SettingsNode.layered(List.of(file, env, flags));
    assertThat(all.integer("httpPort", 0, 0, 65535)).isEqualTo(2);
    assertThat(all.string("httpHost", null)).isEqualTo("h");
    assertThat(all.get("nowhere").path()).isEqualTo("nowhere");
    assertThatThrownBy(() -> all.duration("scrapeInterval", null))
        .hasMessage("--scrape-interval: \"fast\" (expected: a number and a unit: ns, us, ms, s, m or h, e.g. 50ms)");
    assertThatThrownBy(() -> all.keys("httpPort", "httpHost", "scrapeInterval"))
        .hasMessage("s.yaml: unknown key \"bogus\" (known: httpPort, httpHost, scrapeInterval)");
  }
}
