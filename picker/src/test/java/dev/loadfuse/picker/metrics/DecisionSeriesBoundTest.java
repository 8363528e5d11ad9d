package dev.loadfuse.picker.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.loadfuse.sidecar.api.EndpointId;
import org.junit.jupiter.api.Test;

/**
 * The scheduler-attempt and rewrite-decision series are bounded: endpoints and rules beyond
 * {@link PickerMetrics#MAX_DECISION_SERIES} label sets add no series (attempts are still counted,
 * without the endpoint).
 */
class DecisionSeriesBoundTest {

  private static long series(String scrape, String name) {
    return scrape.lines().filter(l -> l.startsWith(name + "{")).count();
  }

  @Test
  void moreEndpointsThanTheBound_addNoSeries_andEveryAttemptIsStillCounted() {
    PickerMetrics metrics = new PickerMetrics();
    int n = PickerMetrics.MAX_DECISION_SERIES + 1_000;
    for (int i = 0; i < n; i++) {
      metrics.schedulerAttempt(new EndpointId("ep-" + i, "10.0." + (i / 250) + "." + (i % 250), 8000, "pool"), "m");
    }
    String scrape = metrics.scrape();
    long series = series(scrape, "llm_d_epp_scheduler_attempts_total");
    assertThat(series).isEqualTo(PickerMetrics.MAX_DECISION_SERIES + 1); // plus the one without endpoint
    double total = scrape.lines().filter(l -> l.startsWith("llm_d_epp_scheduler_attempts_total{"))
        .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
    assertThat(total).isEqualTo(n);
    assertThat(scrape).contains("llm_d_epp_scheduler_attempts_total{endpoint_name=\"\",namespace=\"\",port=\"\","
        + "status=\"success\",target_model_name=\"m\"} 1000.0");
  }

  @Test
  void moreRewriteRulesThanTheBound_addNoSeries() {
    PickerMetrics metrics = new PickerMetrics();
    for (int i = 0; i < PickerMetrics.MAX_DECISION_SERIES + 500; i++) {
      metrics.modelRewrite("rule-" + i, "m", "t");
    }
    assertThat(series(metrics.scrape(), "llm_d_epp_model_rewrite_decisions_total"))
        .isEqualTo(PickerMetrics.MAX_DECISION_SERIES);
  }
}
