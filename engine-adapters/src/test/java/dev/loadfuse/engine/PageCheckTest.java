package dev.loadfuse.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.loadfuse.engine.config.BuiltInEngines;
import dev.loadfuse.engine.config.EngineConfig;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;

/** Pages that parse but carry no load: each one is named as what it is, with the engine and the metrics it lacked. */
class PageCheckTest {

  private static final EngineConfig VLLM = BuiltInEngines.all().stream()
      .filter(e -> e.name().equals(BuiltInEngines.VLLM)).findFirst().orElseThrow();
  private static final String EXPECTED = "vllm: none of the expected metrics found (vllm:num_requests_waiting,"
      + " vllm:num_requests_running, vllm:kv_cache_usage_perc); ";

  private static String check(byte[] page) {
    EngineSample sample = EngineMetricsExtractor.forConfig(VLLM).extract(page);
    return PageCheck.noLoad(VLLM, sample, page, 0, page.length);
  }

  private static String check(String page) {
    return check(page.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void htmlLoginPage_namesTheEngineTheMissingMetricsAndThePageStart() {
    assertThat(check("<html><head><title>Sign in</title></head><body>please log in</body></html>\n"))
        .isEqualTo(EXPECTED + "wrong engine type? the page has no metric samples; it starts \"<html><head><title>Sign in</title></head…\"");
  }

  @Test
  void gzipBodyNotAskedFor_isNamedAsSuch() throws Exception {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    try (GZIPOutputStream z = new GZIPOutputStream(b)) {
      z.write("vllm:num_requests_waiting 3\n".repeat(100).getBytes(StandardCharsets.UTF_8));
    }
    assertThat(check(b.toByteArray())).isEqualTo(EXPECTED + "the page is not text: gzip-compressed data (not asked for)");
  }

  @Test
  void binaryGarbage_isNamedAsNotText() {
    byte[] page = new byte[64 * 1024];
    new Random(7).nextBytes(page);
    page[0] = 'x'; // not a gzip header
    assertThat(check(page)).startsWith(EXPECTED + "the page is not text: binary (").endsWith(" of its first 512 bytes are control bytes)");
  }

  @Test
  void anotherEnginesPage_countsItsSamples() {
    assertThat(check("# TYPE sglang:num_queue_reqs gauge\nsglang:num_queue_reqs 4\nsglang:token_usage 0.5\n"))
        .isEqualTo(EXPECTED + "wrong engine type? the page has 2 metric samples; it starts \"# TYPE sglang:num_queue_reqs gauge\\nsglan…\"");
  }

  @Test
  void emptyPage_andShortQuotes() {
    assertThat(check(new byte[0])).isEqualTo(EXPECTED + "the page is empty");
    assertThat(PageCheck.describe("ok\n".getBytes(StandardCharsets.UTF_8), 0, 3)).isEqualTo("starts \"ok\\n\"");
  }

  @Test
  void oneLoadSignal_isEnough() {
    assertThat(check("vllm:num_requests_running 2\n")).isNull();
    assertThat(check("vllm:kv_cache_usage_perc 0.1\n")).isNull();
  }

  @Test
  void anEngineThatReadsNoLoadSignal_expectsNothing() {
    EngineConfig loraOnly = EngineConfig.builder("lora-only").loraSpec("vllm:lora_requests_info").build();
    byte[] page = "<html/>".getBytes(StandardCharsets.UTF_8);
    EngineSample sample = EngineMetricsExtractor.forConfig(loraOnly).extract(page);
    assertThat(PageCheck.noLoad(loraOnly, sample, page, 0, page.length)).isNull();
  }
}
