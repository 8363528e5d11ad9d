package dev.loadfuse.picker.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** Issue 14, finding 3: a client's model names cannot grow the metric label sets without bound. */
class ModelLabelsTest {

  @Test
  void knownNames_andTheFirstRecentOnes_areLabels_theRestOther() {
    ModelLabels labels = new ModelLabels(2);
    labels.known(Set.of("llama", "llama-lora")::contains);
    assertThat(labels.of("a")).isEqualTo("a");
    assertThat(labels.of("b")).isEqualTo("b");
    assertThat(labels.of("c")).isEqualTo(ModelLabels.OTHER);
    assertThat(labels.of("a")).isEqualTo("a");
    assertThat(labels.of("llama")).isEqualTo("llama"); // known: always its own label
    assertThat(labels.of("")).isEmpty();
    assertThat(labels.of("x".repeat(257))).isEqualTo(ModelLabels.OTHER);
    assertThat(labels.of("x".repeat(256))).isEqualTo(ModelLabels.OTHER); // a third unknown name: over the cap
  }

  @Test
  void thousandsOfNames_andAMegabyteName_keepTheMetricsBounded() {
    PickerMetrics metrics = new PickerMetrics();
    metrics.modelLabels().known("known-model"::equals);
    for (int i = 0; i < 3_000; i++) {
      String model = "attacker-" + i;
      metrics.meters(model, model, "default-flow", 0).started(0);
      metrics.error(model, model, "default-flow", "0", "BadRequest");
    }
    String huge = "m".repeat(1 << 20);
    metrics.meters(huge, huge, "default-flow", 0).started(0);
    metrics.meters("known-model", "known-model", "default-flow", 0).started(0);
    String page = metrics.scrape();
    Matcher m = Pattern.compile("model_name=\"([^\"]*)\"").matcher(page);
    Set<String> values = m.results().map(r -> r.group(1)).collect(Collectors.toSet());
    assertThat(values).hasSizeLessThanOrEqualTo(ModelLabels.DEFAULT_MAX_RECENT + 2)
        .contains("other", "known-model", "attacker-0").doesNotContain("attacker-1000", huge);
    assertThat(page.length()).isLessThan(16 << 20); // ~10 KB per label; 10,000 names made it 90 MB
    // Beyond the request-class bound every unknown model's requests are counted under other.
    assertThat(page).containsPattern("inference_objective_request_total\\{model_name=\"other\",[^}]*target_model_name=\"other\"\\} "
        + (3_000 + 1 - PickerMetrics.MAX_REQUEST_CLASSES) + ".0");
  }
}
