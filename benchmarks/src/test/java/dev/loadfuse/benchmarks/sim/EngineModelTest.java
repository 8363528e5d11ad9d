package dev.loadfuse.benchmarks.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class EngineModelTest {

  private static final String MODEL = "base";
  private static final SimRequest.Sink NO_SINK = (r, n, f) -> { };

  private static EngineProfile profile(int kvBlocks, int maxRunning, int maxLoras) {
    return new EngineProfile(EngineKind.VLLM_V1, MODEL, maxRunning, 100_000, kvBlocks, 16, 0.001, 0.01, 0.001,
        maxLoras, 0.5, 1.0);
  }

  /** A prompt of {@code tokens} 4-character tokens, different per {@code seed}. */
  private static String prompt(int seed, int tokens) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < tokens; i++) {
      b.append(String.format("%03x ", (seed * 7919 + i) & 0xfff));
    }
    return b.toString();
  }

  private static SimRequest request(String model, String prompt, int maxTokens, EngineProfile p) {
    return new SimRequest(model, MODEL, prompt, maxTokens, p.blockSizeTokens(), NO_SINK);
  }

  private static void drain(EngineModel m) {
    while (m.step() != null) {
      // run to idle
    }
  }

  @Test
  void cachedPrefix_shortensPrefill() {
    EngineProfile p = profile(1000, 8, 0);
    EngineModel m = new EngineModel(p);
    String shared = prompt(1, 320);
    m.submit(request(MODEL, shared + prompt(2, 16), 1, p));
    double cold = m.step().seconds();
    drain(m);
    SimRequest warmRequest = request(MODEL, shared + prompt(3, 16), 1, p);
    m.submit(warmRequest);
    double warm = m.step().seconds();

    assertThat(warmRequest.cachedTokens()).isEqualTo(320);
    // 336 uncached tokens at 1 ms vs 16: the step is shorter by the cached 320 ms
    assertThat(cold - warm).isCloseTo(0.320, org.assertj.core.data.Offset.offset(1e-9));
    assertThat(m.snapshot().prefixHitTokensTotal()).isEqualTo(320);
  }

  @Test
  void differentModel_doesNotShareTheCache() {
    EngineProfile p = profile(1000, 8, 2);
    EngineModel m = new EngineModel(p);
    String shared = prompt(1, 160);
    m.submit(request(MODEL, shared, 1, p));
    drain(m);
    SimRequest other = request("adapter-a", shared, 1, p);
    m.submit(other);
    m.step();
    assertThat(other.cachedTokens()).isZero();
  }

  @Test
  void fullKvCache_queuesRequestsUntilBlocksAreFreed() {
    // each request: 160 prompt + 32 output tokens = 12 blocks; the cache holds 20
    EngineProfile p = profile(20, 8, 0);
    EngineModel m = new EngineModel(p);
    m.submit(request(MODEL, prompt(1, 160), 32, p));
    m.submit(request(MODEL, prompt(2, 160), 32, p));

    EngineModel.Step first = m.step();
    assertThat(first.admitted()).isEqualTo(1);
    assertThat(m.snapshot().waiting()).isEqualTo(1);
    assertThat(m.snapshot().kvCacheUsage()).isEqualTo(12 / 20.0);
    int steps = 1;
    while (m.snapshot().waiting() == 1) {
      m.step();
      steps++;
    }
    assertThat(steps).isEqualTo(33); // 32 tokens of the first, then the second is admitted
    assertThat(m.snapshot().running()).isEqualTo(1);
  }

  @Test
  void batch_isLimitedByMaxRunningRequests_andDecodeSlowsWithBatchSize() {
    EngineProfile p = profile(1000, 2, 0);
    EngineModel m = new EngineModel(p);
    m.submit(request(MODEL, prompt(1, 8), 4, p));
    double alone = m.step().seconds() - 8 * 0.001;
    m.submit(request(MODEL, prompt(2, 8), 4, p));
    m.submit(request(MODEL, prompt(3, 8), 4, p));
    double pair = m.step().seconds() - 8 * 0.001;
    assertThat(m.snapshot().running()).isEqualTo(2);
    assertThat(m.snapshot().waiting()).isEqualTo(1);
    assertThat(pair - alone).isCloseTo(0.001, org.assertj.core.data.Offset.offset(1e-9));
  }

  @Test
  void speedFactor_stretchesEveryStep() {
    EngineProfile p = profile(1000, 8, 0);
    EngineModel m = new EngineModel(p);
    m.submit(request(MODEL, prompt(1, 8), 4, p));
    double full = m.step().seconds();
    m.speedFactor(0.5);
    m.submit(request(MODEL, prompt(1, 8), 1, p));
    double before = full - 8 * 0.001; // decode only, one request, at full speed
    EngineModel.Step halfSpeed = m.step();
    // two running, one of them prefilled from the cache (8 tokens < one block: not cached)
    assertThat(halfSpeed.seconds()).isCloseTo((8 * 0.001 + 0.01 + 2 * 0.001) / 0.5, org.assertj.core.data.Offset.offset(1e-9));
    assertThat(before).isPositive();
  }

  @Test
  void loraSlots_limitResidentAdapters_andLoadingCosts() {
    EngineProfile p = profile(1000, 8, 1);
    EngineModel m = new EngineModel(p);
    m.submit(request("a", prompt(1, 8), 3, p));
    m.submit(request("b", prompt(2, 8), 3, p));
    EngineModel.Step first = m.step();
    assertThat(first.admitted()).isEqualTo(1); // b waits for a's slot
    assertThat(first.seconds()).isCloseTo(0.5 + 8 * 0.001 + 0.01 + 0.001, org.assertj.core.data.Offset.offset(1e-9));
    assertThat(m.snapshot().runningAdapters()).containsExactly("a");
    assertThat(m.snapshot().waitingAdapters()).containsExactly("b");
    List<Integer> admitted = new ArrayList<>();
    for (EngineModel.Step s; (s = m.step()) != null; ) {
      admitted.add(s.admitted());
    }
    assertThat(admitted).contains(1);
    assertThat(m.snapshot().adapterLoadsTotal()).isEqualTo(2);
  }

  @Test
  void requestLargerThanTheCache_isRefusedWithTheReason() {
    EngineProfile p = profile(4, 8, 0);
    EngineModel m = new EngineModel(p);
    assertThatThrownBy(() -> m.submit(request(MODEL, prompt(1, 100), 10, p)))
        .hasMessage("request needs 7 KV blocks (prompt 100 + max_tokens 10 tokens); the cache has 4");
    assertThatThrownBy(() -> m.submit(request("x", prompt(1, 1), 1, p)))
        .hasMessage("model x: unknown (this engine serves base and has LoRA off)");
  }

  @Test
  void profile_badValues_nameTheKey() {
    assertThatThrownBy(() -> EngineProfile.parse("model: m\nkvCacheBlocks: 0\n", "p.yaml"))
        .hasMessage("p.yaml: kvCacheBlocks: 0 (expected: >= 1)");
    assertThatThrownBy(() -> EngineProfile.parse("model: m\nspeed: 1\n", "p.yaml"))
        .hasMessageStartingWith("p.yaml: speed: unknown key (expected one of [blockSizeTokens,");
    assertThatThrownBy(() -> EngineProfile.parse("model: m\nkind: tgi\n", "p.yaml"))
        .hasMessage("p.yaml: kind: tgi (expected: one of vllm-v1, vllm-v0, sglang, trt-llm)");
    assertThatThrownBy(() -> EngineProfile.parse("model: m\nspeedFactor: 0\n", "p.yaml"))
        .hasMessage("p.yaml: speedFactor: 0.0 (expected: (0, 10])");
    assertThat(EngineProfile.builtIn("vllm-8b").maxRunningRequests()).isEqualTo(24);
  }
}
