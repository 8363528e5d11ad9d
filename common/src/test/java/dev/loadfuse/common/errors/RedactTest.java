package dev.loadfuse.common.errors;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RedactTest {

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiterString = " => ", textBlock = """
      HTTP 401 from http://10.0.0.5:8000/metrics?token=s3cr3t                  => HTTP 401 from http://10.0.0.5:8000/metrics?token=<redacted>
      timeout scraping http://10.0.0.5:8000/metrics?a=1&token=abc#x              => timeout scraping http://10.0.0.5:8000/metrics?a=<redacted>&token=<redacted>#x
      cannot connect to http://admin:hunter2@10.0.0.5:8000/metrics: refused      => cannot connect to http://<redacted>@10.0.0.5:8000/metrics: refused
      sent Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.e30.x and failed           => sent Authorization: Bearer <redacted> and failed
      x-api-key: abc123                                                          => x-api-key: <redacted>
      metricsPath: "/metrics?password=pw" (expected: a path)                     => metricsPath: "/metrics?password=<redacted>" (expected: a path)
      login with password=hunter2 refused                                        => login with password=<redacted> refused
      Bearer abc.def                                                             => Bearer <redacted>
      HTTP 503 from http://10.0.0.5:8000/metrics                                 => HTTP 503 from http://10.0.0.5:8000/metrics
      vllm:num_requests_waiting{model_name="x"} missing                          => vllm:num_requests_waiting{model_name="x"} missing
      endpoints[0] (vllm-0): port: 70000 (expected: [1, 65535])                  => endpoints[0] (vllm-0): port: 70000 (expected: [1, 65535])
      """)
  void credentials_areRedacted_namesStay(String in, String out) {
    assertThat(Redact.text(in)).isEqualTo(out);
    assertThat(Redact.text(out)).as("idempotent").isEqualTo(out);
  }
}
