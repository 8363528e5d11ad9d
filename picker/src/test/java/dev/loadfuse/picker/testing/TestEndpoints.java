package dev.loadfuse.picker.testing;

import dev.loadfuse.engine.LoraInfo;
import dev.loadfuse.nvml.GpuSample;
import dev.loadfuse.picker.candidate.Candidates;
import dev.loadfuse.picker.candidate.EndpointView;
import dev.loadfuse.picker.candidate.StalenessPolicy;
import dev.loadfuse.picker.datastore.EndpointState;
import dev.loadfuse.picker.scheduling.SchedulingCycle;
import dev.loadfuse.picker.scheduling.Scorer;
import dev.loadfuse.picker.scheduling.SchedulingRequest;
import dev.loadfuse.sidecar.api.EndpointId;
import dev.loadfuse.sidecar.api.LoadVector;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.SplittableRandom;

/** Endpoints with fixed loads for scheduling tests. */
public final class TestEndpoints {

  public static final long NOW = 1_700_000_000_000L;
  public static final long STALE_MS = 2_000;

  private TestEndpoints() {}

  public static EndpointId id(int i) {
    return new EndpointId("ep-" + i, "10.0.0." + (i + 1), 8000, "pool");
  }

  /** Endpoint {@code i} with a vector sampled at {@link #NOW}; NaN = absent. */
  public static EndpointState endpoint(int i, double waiting, double running, double kv) {
    EndpointState e = new EndpointState(id(i), Map.of());
    e.update(vector(id(i), waiting, running, kv, NOW));
    return e;
  }

  public static EndpointState withLabels(int i, Map<String, String> labels) {
    return new EndpointState(id(i), labels);
  }

  public static LoadVector vector(EndpointId id, double waiting, double running, double kv, long sampledAt) {
    return new LoadVector(id, "vllm", waiting, running, kv, null, -1, -1, List.of(), sampledAt, List.of(), 0,
        true, false, null);
  }

  /** Endpoint {@code i} holding {@code v} (re-addressed to endpoint {@code i}). */
  public static EndpointState withVector(int i, LoadVector v) {
    EndpointState e = new EndpointState(id(i), Map.of());
    e.update(v.withEndpoint(id(i)));
    return e;
  }

  /** A fresh vLLM vector of endpoint {@code i} with LoRA state (null for none). */
  public static LoadVector loraVector(int i, LoraInfo lora) {
    return new LoadVector(id(i), "vllm", 0, 0, 0.1, lora, -1, -1, List.of(), NOW, List.of(), 0, true, false, null);
  }

  public static LoraInfo lora(List<String> running, List<String> waiting, int maxLora) {
    return new LoraInfo(running, waiting, maxLora < 0 ? OptionalInt.empty() : OptionalInt.of(maxLora));
  }

  /** A fresh vector of endpoint {@code i} (queue 0, KV 0.1) with these GPU readings sampled at {@link #NOW}. */
  public static LoadVector gpuVector(int i, GpuSample... gpus) {
    return vector(id(i), 0, 0, 0.1, NOW).withGpus(List.of(gpus), NOW);
  }

  /** A healthy 80 GB GPU reading with the given free memory fraction and SM utilisation. */
  public static GpuSample.Builder gpu(int index, double freeFraction, double utilization) {
    long total = 80L << 30;
    long free = Math.round(total * freeFraction);
    return GpuSample.builder("GPU-" + index, index).memoryTotalBytes(total).memoryFreeBytes(free)
        .memoryUsedBytes(total - free).gpuUtilization(utilization).temperatureC(60).throttleReasonBits(0);
  }

  /** Endpoints 0..n-1 with the given queue (waiting) counts, running 0, KV 0. */
  public static EndpointState[] queues(double... waiting) {
    EndpointState[] out = new EndpointState[waiting.length];
    for (int i = 0; i < waiting.length; i++) {
      out[i] = endpoint(i, waiting[i], 0, 0);
    }
    return out;
  }

  public static SchedulingCycle cycle(long seed) {
    return new SchedulingCycle(SchedulingRequest.of("r-" + seed), NOW, new SplittableRandom(seed));
  }

  /** The views of {@code states} at {@link #NOW} with the {@link #STALE_MS} threshold (failing open if all are stale). */
  public static EndpointView[] views(EndpointState... states) {
    return candidates(states).views();
  }

  /** The cycle's candidates built from {@code states} at {@link #NOW} with the {@link #STALE_MS} threshold. */
  public static Candidates candidates(EndpointState... states) {
    return new StalenessPolicy(STALE_MS).views(states, states.length, NOW);
  }

  public static SchedulingCycle cycle() {
    return cycle(42);
  }

  /** {@code scorer}'s score for {@code state} alone in {@code cycle} (its view at {@link #NOW}). */
  public static double scoreOf(Scorer scorer, SchedulingCycle cycle, EndpointState state) {
    double[] scores = new double[1];
    scorer.score(cycle, views(state), 1, scores);
    return scores[0];
  }
}
