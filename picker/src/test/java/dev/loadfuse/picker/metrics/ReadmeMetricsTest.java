package dev.loadfuse.picker.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.loadfuse.discovery.Endpoint;
import dev.loadfuse.discovery.EndpointSet;
import dev.loadfuse.discovery.PoolRef;
import dev.loadfuse.picker.datastore.Datastore;
import dev.loadfuse.picker.scheduling.TypedName;
import dev.loadfuse.sidecar.api.EndpointId;
import dev.loadfuse.sidecar.api.LoadVector;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Every metric the README's upgrade table lists as emitted ({@code | `name` type {labels} |}) is
 * exposed with that type and exactly that label set, once a request has gone through.
 */
public class ReadmeMetricsTest {

  private static final Pattern ROW = Pattern.compile("^\\| `([a-z0-9_]+)` (counter|gauge|histogram) \\{([^}]*)\\} \\|");

  /** The metrics the README lists: name, type, label names. */
  public record Listed(String name, String type, Set<String> labels) {}

  public static List<Listed> listed() throws IOException {
    List<Listed> out = new ArrayList<>();
    for (String line : Files.readAllLines(Path.of("..", "README.md"))) {
      Matcher m = ROW.matcher(line);
      if (m.find()) {
        Set<String> labels = new TreeSet<>();
        for (String l : m.group(3).split(",")) {
          if (!l.isBlank()) {
            labels.add(l.trim());
          }
        }
        out.add(new Listed(m.group(1), m.group(2), labels));
      }
    }
    return out;
  }

  /** The metrics of one picker after one request (scheduled, answered, one error) over one fresh endpoint. */
  static PickerMetrics exercised() {
    PickerMetrics metrics = new PickerMetrics();
    Datastore ds = new Datastore(Datastore.Mode.ENDPOINT_SET, 10_000, InstantSource.system());
    ds.setEndpoints(EndpointSet.of(Endpoint.builder("ep-0", "10.0.0.1", 8000, PoolRef.local("pool")).build()));
    ds.onVector(new LoadVector(new EndpointId("ep-0", "10.0.0.1", 8000, "pool"), "vllm", 2, 3, 0.5, null, -1, -1,
        List.of(), System.currentTimeMillis(), List.of(), 0, true, false, null));
    metrics.pool("pool", ds, 60_000);
    PickerMetrics.Meters m = metrics.meters("m", "m-target", "tenant", 1);
    m.started(100);
    m.response(2_000_000_000L, 10, 20, 4);
    metrics.error("m", "m-target", "tenant", "1", "ResourceExhausted");
    metrics.plugin("Scorer", new TypedName("queue-scorer", "queue-scorer")).record(1000);
    metrics.decision().record(1000);
    metrics.prefixIndexerHitRatio(new TypedName("prefix-cache-scorer", "prefix-cache-scorer")).accept(0.5);
    metrics.prefixIndexerHitBytes(new TypedName("prefix-cache-scorer", "prefix-cache-scorer")).accept(256);
    metrics.prefixIndexerSize(new TypedName("prefix-cache-scorer", "prefix-cache-scorer"), () -> 3);
    metrics.schedulerAttempt(new EndpointId("ep-0", "10.0.0.1", 8000, "pool"), "m-target");
    metrics.schedulerAttempt(null, "m-target");
    metrics.modelRewrite("canary", "m", "m-target");
    return metrics;
  }

  @Test
  void everyListedMetric_isExposed_withItsTypeAndLabels() throws IOException {
    List<Listed> listed = listed();
    assertThat(listed).hasSize(47);
    String text = exercised().scrape();
    for (Listed l : listed) {
      assertThat(text).as(l.name()).contains("# TYPE " + l.name() + " " + l.type() + "\n");
      String sample = l.type().equals("histogram") ? l.name() + "_count" : l.name();
      Matcher m = Pattern.compile("(?m)^" + Pattern.quote(sample) + "(\\{([^}]*)\\})? ").matcher(text);
      assertThat(m.find()).as(sample + " has a sample").isTrue();
      Set<String> labels = new TreeSet<>();
      if (m.group(2) != null) {
        for (String pair : m.group(2).split(",(?=[a-z_]+=\")")) {
          labels.add(pair.substring(0, pair.indexOf('=')));
        }
      }
      assertThat(labels).as(l.name() + " labels").isEqualTo(l.labels());
    }
  }

  @Test
  void errorCodes_andPriority_areLabels() {
    String text = exercised().scrape();
    assertThat(text).contains(
        "inference_objective_request_error_total{error_code=\"ResourceExhausted\",model_name=\"m\",target_model_name=\"m-target\"} 1.0",
        "llm_d_epp_request_error_total{error_code=\"ResourceExhausted\",fairness_id=\"tenant\",model_name=\"m\",priority=\"1\",target_model_name=\"m-target\"} 1.0",
        "inference_objective_request_total{model_name=\"m\",priority=\"1\",target_model_name=\"m-target\"} 1.0",
        "inference_objective_normalized_time_per_output_token_seconds_sum{model_name=\"m\",target_model_name=\"m-target\"} 0.1",
        "inference_pool_average_running_requests{name=\"pool\"} 3.0");
  }

  @Test
  void modelNames_areCappedAtOneThousand_thenOther() {
    LabelCap cap = new LabelCap(2);
    assertThat(cap.of("a")).isEqualTo("a");
    assertThat(cap.of("b")).isEqualTo("b");
    assertThat(cap.of("c")).isEqualTo(LabelCap.OTHER);
    assertThat(cap.of("a")).isEqualTo("a");
    assertThat(cap.of("")).isEmpty();
    assertThat(LabelCap.LIMIT).isEqualTo(1000);
  }
}
