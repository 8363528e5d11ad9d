package dev.loadfuse.sidecar.fusion;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.loadfuse.discovery.Endpoint;
import dev.loadfuse.discovery.PoolRef;
import dev.loadfuse.engine.config.ModelServerMetricsConfig;
import dev.loadfuse.sidecar.scrape.ScrapeFailure;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Health: one lost scrape shows in lastError but does not drain; the threshold does. */
class EndpointLoadTest {

  private static final byte[] GOOD = "vllm:num_requests_waiting 3\nvllm:num_requests_running 1\n".getBytes(StandardCharsets.UTF_8);

  private static EndpointLoad load(int threshold) {
    Endpoint e = Endpoint.builder("vllm-0", "127.0.0.1", 8000, PoolRef.local("local-pool")).build();
    return new EndpointLoad(e, ModelServerMetricsConfig.defaults(), 1 << 20, threshold);
  }

  @Test
  void failuresBelowTheThreshold_showInLastError_butKeepTheEndpointHealthy() {
    EndpointLoad l = load(3);
    assertThat(l.vector().healthy()).as("never scraped").isFalse();
    assertThat(l.onPage(GOOD, GOOD.length, 1)).isNull();
    assertThat(l.vector().healthy()).isTrue();

    l.onScrapeFailure("scraping http://127.0.0.1:8000/metrics failed: Connection was closed");
    assertThat(l.vector().healthy()).isTrue();
    assertThat(l.vector().lastError()).isEqualTo("scraping http://127.0.0.1:8000/metrics failed: Connection was closed");
    l.onScrapeFailure("timeout");
    assertThat(l.vector().healthy()).isTrue();
    l.onScrapeFailure("timeout");
    assertThat(l.vector().healthy()).as("third failure in a row").isFalse();
    assertThat(l.consecutiveFailures()).isEqualTo(3);
    assertThat(l.vector().waitingRequests()).as("last good value kept").isEqualTo(3);

    assertThat(l.onPage(GOOD, GOOD.length, 2)).isNull();
    assertThat(l.vector().healthy()).isTrue();
    assertThat(l.vector().lastError()).isNull();
  }

  @Test
  void pageWithoutLoad_isAFailedScrape_ofItsOwnReason() {
    EndpointLoad l = load(1);
    byte[] html = "<html/>".getBytes(StandardCharsets.UTF_8);
    ScrapeFailure f = l.onPage(html, html.length, 1);
    assertThat(f.reason()).isEqualTo(ScrapeFailure.Reason.NO_METRICS);
    assertThat(f.message()).startsWith("vllm: none of the expected metrics found (");
    assertThat(l.vector().healthy()).isFalse();
    assertThat(l.vector().lastError()).isEqualTo(f.message());
  }

  @Test
  void thresholdBelowOne_isRejected() {
    assertThatThrownBy(() -> load(0)).hasMessage("failureThreshold: 0 (expected: >= 1)");
  }
}
