package dev.loadfuse.picker.flowcontrol;

import static org.assertj.core.api.Assertions.assertThat;

import dev.loadfuse.picker.metrics.ModelLabels;
import dev.loadfuse.picker.scheduling.SchedulingRequest;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** Flow control's series stay bounded whatever fairness ids and model names clients send. */
class FlowControlMetricsTest {

  @Test
  void thousandsOfFairnessIdsTimesModelNames_shareOtherBeyondTheBound() {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    FlowControlMetrics m = new FlowControlMetrics(registry, "pool", new ModelLabels());
    for (int i = 0; i < 3_000; i++) {
      SchedulingRequest r = new SchedulingRequest("r" + i, "model-" + (i % 900), "model-" + (i % 900), 0,
          "tenant-" + i, Map.of(), 10);
      m.queueChanged(r, 1, 10);
      m.finished(r, Outcome.DISPATCHED, 5);
      m.queueChanged(r, -1, -10);
    }
    String page = registry.scrape();
    Set<String> ids = Pattern.compile("inference_extension_flow_control_queue_size\\{fairness_id=\"([^\"]*)\"")
        .matcher(page).results().map(r -> r.group(1)).collect(Collectors.toSet());
    assertThat(ids).hasSize(FlowControlMetrics.MAX_FLOWS + 1).contains("other", "tenant-0")
        .doesNotContain("tenant-" + FlowControlMetrics.MAX_FLOWS);
    assertThat(page).contains("llm_d_epp_flow_control_requests_total{inference_pool=\"pool\",outcome=\"Dispatched\"");
  }
}
