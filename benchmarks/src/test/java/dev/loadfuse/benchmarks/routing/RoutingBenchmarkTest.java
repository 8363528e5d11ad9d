package dev.loadfuse.benchmarks.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class RoutingBenchmarkTest {

  @Test
  void badArguments_nameTheFlag() {
    assertThatThrownBy(() -> RoutingBenchmark.parse(new String[] {"--qps", "3,x"}))
        .hasMessage("--qps: x (expected: numbers separated by commas)");
    assertThatThrownBy(() -> RoutingBenchmark.parse(new String[] {"--qps", "0"}))
        .hasMessage("--qps: 0.0 (expected: > 0)");
    assertThatThrownBy(() -> RoutingBenchmark.parse(new String[] {"--policies", "fastest"}))
        .hasMessage("--policies: policy: fastest (expected: one of round-robin, random, least-queue, "
            + "reference-default, our-default, gpu-aware)");
    assertThatThrownBy(() -> RoutingBenchmark.parse(new String[] {"--workload", "sharegpt"}))
        .hasMessage("--workload: sharegpt (expected: one of shared-prefix, chat, long-tail, lora-mix, heterogeneous)");
    assertThatThrownBy(() -> RoutingBenchmark.parse(new String[] {"--kinds", "tgi"}))
        .hasMessage("--kinds: tgi (expected: one of vllm-v1, vllm-v0, sglang, trt-llm)");
    assertThatThrownBy(() -> RoutingBenchmark.parse(new String[] {"--time-scale", "-1"}))
        .hasMessage("--time-scale: -1.0 (expected: (0, 1000])");
    assertThatThrownBy(() -> RoutingBenchmark.parse(new String[] {"--engines"}))
        .hasMessage("--engines: missing value");
    assertThatThrownBy(() -> RoutingBenchmark.parse(new String[] {"--speed", "1"}))
        .hasMessageStartingWith("--speed: unknown argument");
    assertThatThrownBy(() -> RoutingBenchmark.parse(new String[] {"--picker-process", "yes"}))
        .hasMessage("--picker-process: yes (expected: true, false or realtime)");
  }

  @Test
  void defaults_areEightVllmEnginesAndEveryPolicy() {
    RoutingRun.Options o = RoutingBenchmark.parse(new String[0]);
    assertThat(o.engines()).hasSize(8);
    assertThat(o.policies()).extracting(Policy::name).containsExactlyElementsOf(Policy.NAMES);
    assertThat(o.picker()).isEqualTo(PickerPlacement.IN_PROCESS);
    assertThat(RoutingBenchmark.parse(new String[] {"--picker-process", "true"}).picker())
        .isEqualTo(PickerPlacement.CHILD);
  }

  @Test
  void workloads_areSeededAndShapedAsDescribed() {
    Workload shared = Workload.named("shared-prefix", "m");
    assertThat(shared.generate(50, 3)).isEqualTo(shared.generate(50, 3));
    // every request of a group starts with the same 1,536-token system prompt
    var items = shared.generate(200, 3);
    var group0 = items.stream().filter(i -> i.group().equals("group-0")).map(WorkItem::body).toList();
    assertThat(group0).hasSizeGreaterThan(2);
    String prefix = group0.get(0).substring(0, group0.get(0).indexOf("\"prompt\":\"") + 10 + 1536 * 4);
    assertThat(group0).allMatch(b -> b.startsWith(prefix));

    var chat = Workload.named("chat", "m").generate(100, 3);
    assertThat(chat).allMatch(i -> i.path().equals("/v1/chat/completions"));
    assertThat(chat.stream().mapToInt(i -> i.body().split("\"role\"", -1).length - 1).max().orElse(0))
        .isGreaterThan(3); // multi-turn history
    var lora = Workload.named("lora-mix", "m").generate(300, 3);
    assertThat(lora.stream().map(WorkItem::group).distinct().count()).isEqualTo(8);
    assertThat(Workload.tokens(new SplittableRandom(1), 5)).hasSize(20).matches("([0-9a-z]{3} ){5}");
  }
}
