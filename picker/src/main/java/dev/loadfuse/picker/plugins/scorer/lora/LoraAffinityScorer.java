package dev.loadfuse.picker.plugins.scorer.lora;

import dev.loadfuse.engine.LoraInfo;
import dev.loadfuse.picker.candidate.EndpointView;
import dev.loadfuse.picker.plugins.NamedPlugin;
import dev.loadfuse.picker.scheduling.SchedulingCycle;
import dev.loadfuse.picker.scheduling.Scorer;
import java.util.List;

/**
 * {@code lora-affinity-scorer}: prefers endpoints that already hold the request's LoRA adapter (the
 * target model name), from vLLM's {@code vllm:lora_requests_info}:
 *
 * <ul>
 *   <li>{@value #RUNNING}: the adapter has requests running there;
 *   <li>{@value #FREE_SLOT}: the engine has a free adapter slot (distinct running + waiting adapters
 *       &lt; {@code max_lora}), so it can load it without evicting one;
 *   <li>{@value #WAITING}: the adapter is waiting to be loaded there;
 *   <li>0 otherwise (every slot busy with other adapters).
 * </ul>
 *
 * <p>An endpoint whose engine reports no LoRA state (SGLang, TensorRT-LLM, vLLM with LoRA off:
 * {@code max_lora} 0), whose metrics are stale, or a request without a model, scores {@value
 * #NEUTRAL}: neither preferred nor avoided, so a pool without LoRA metrics is never all zeros.
 * No parameters.
 */
public final class LoraAffinityScorer extends NamedPlugin implements Scorer {

  public static final String TYPE = "lora-affinity-scorer";
  public static final double RUNNING = 1.0;
  public static final double FREE_SLOT = 0.8;
  public static final double WAITING = 0.6;
  public static final double NEUTRAL = 0.5;

  public LoraAffinityScorer(String name) {
    super(TYPE, name);
  }

  @Override
  public void score(SchedulingCycle cycle, EndpointView[] candidates, int count, double[] scores) {
    String adapter = cycle.request().targetModel();
    for (int i = 0; i < count; i++) {
      LoraInfo lora = candidates[i].lora(); // null when absent or stale
      scores[i] = adapter.isEmpty() || lora == null ? NEUTRAL : score(lora, adapter);
    }
  }

  /** The score of one engine's LoRA state for {@code adapter}. */
  static double score(LoraInfo lora, String adapter) {
    int max = lora.maxLora().orElse(-1);
    if (max == 0) {
      return NEUTRAL; // LoRA is off on this engine: the request can only be for its base model
    }
    List<String> running = lora.runningAdapters();
    List<String> waiting = lora.waitingAdapters();
    if (running.contains(adapter)) {
      return RUNNING;
    }
    if (max > 0) {
      int loaded = running.size();
      for (int j = 0; j < waiting.size(); j++) {
        if (!running.contains(waiting.get(j))) {
          loaded++;
        }
      }
      if (loaded < max) {
        return FREE_SLOT;
      }
    }
    if (waiting.contains(adapter)) {
      return WAITING;
    }
    return 0;
  }
}
