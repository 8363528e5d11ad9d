package dev.loadfuse.benchmarks.sim;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * The latency model of one simulated model server, in simulated seconds. Read from YAML (see
 * {@code benchmarks/src/main/resources/sim/*.yaml}); unknown keys and out-of-range values are
 * errors naming the key.
 *
 * @param kind the {@code /metrics} format served
 * @param model the base model name served; any other {@code model} in a request is a LoRA adapter
 * @param maxRunningRequests continuous batching: most requests in one batch (vLLM {@code max_num_seqs})
 * @param maxBatchedPrefillTokens most uncached prompt tokens prefilled in one step (chunked-prefill budget)
 * @param kvCacheBlocks KV cache size in blocks
 * @param blockSizeTokens tokens per KV block (also the prefix-cache hashing unit)
 * @param prefillSecondsPerToken prefill time per uncached prompt token
 * @param decodeSecondsPerStep fixed cost of one decode step (weights read once per step)
 * @param decodeSecondsPerRunningRequest added per request in the batch, per step
 * @param maxLoras adapters resident at once (vLLM {@code max_loras}); 0 = LoRA off
 * @param loraLoadSeconds paid in the step that loads an adapter not resident
 * @param speedFactor 1 = nominal GPU; 0.5 = every step takes twice as long (throttled or slower GPU)
 */
public record EngineProfile(
    EngineKind kind,
    String model,
    int maxRunningRequests,
    int maxBatchedPrefillTokens,
    int kvCacheBlocks,
    int blockSizeTokens,
    double prefillSecondsPerToken,
    double decodeSecondsPerStep,
    double decodeSecondsPerRunningRequest,
    int maxLoras,
    double loraLoadSeconds,
    double speedFactor) {

  /** Characters per simulated token: the workloads write tokens as 4-character words. */
  public static final int CHARS_PER_TOKEN = 4;

  private static final Set<String> KEYS = Set.of("kind", "model", "maxRunningRequests", "maxBatchedPrefillTokens",
      "kvCacheBlocks", "blockSizeTokens", "prefillSecondsPerToken", "decodeSecondsPerStep",
      "decodeSecondsPerRunningRequest", "maxLoras", "loraLoadSeconds", "speedFactor");

  public EngineProfile {
    if (kind == null) {
      throw new IllegalArgumentException("kind: missing");
    }
    if (model == null || model.isBlank()) {
      throw new IllegalArgumentException("model: missing");
    }
    atLeast("maxRunningRequests", maxRunningRequests, 1);
    atLeast("maxBatchedPrefillTokens", maxBatchedPrefillTokens, 1);
    atLeast("kvCacheBlocks", kvCacheBlocks, 1);
    atLeast("blockSizeTokens", blockSizeTokens, 1);
    atLeast("maxLoras", maxLoras, 0);
    nonNegative("prefillSecondsPerToken", prefillSecondsPerToken);
    nonNegative("decodeSecondsPerStep", decodeSecondsPerStep);
    nonNegative("decodeSecondsPerRunningRequest", decodeSecondsPerRunningRequest);
    nonNegative("loraLoadSeconds", loraLoadSeconds);
    if (!(speedFactor > 0 && speedFactor <= 10)) {
      throw new IllegalArgumentException("speedFactor: " + speedFactor + " (expected: (0, 10])");
    }
  }

  public EngineProfile withSpeedFactor(double factor) {
    return new EngineProfile(kind, model, maxRunningRequests, maxBatchedPrefillTokens, kvCacheBlocks, blockSizeTokens,
        prefillSecondsPerToken, decodeSecondsPerStep, decodeSecondsPerRunningRequest, maxLoras, loraLoadSeconds, factor);
  }

  public EngineProfile withKind(EngineKind newKind) {
    return new EngineProfile(newKind, model, maxRunningRequests, maxBatchedPrefillTokens, kvCacheBlocks,
        blockSizeTokens, prefillSecondsPerToken, decodeSecondsPerStep, decodeSecondsPerRunningRequest, maxLoras,
        loraLoadSeconds, speedFactor);
  }

  public EngineProfile withKvCacheBlocks(int blocks) {
    return new EngineProfile(kind, model, maxRunningRequests, maxBatchedPrefillTokens, blocks, blockSizeTokens,
        prefillSecondsPerToken, decodeSecondsPerStep, decodeSecondsPerRunningRequest, maxLoras, loraLoadSeconds,
        speedFactor);
  }

  /** A profile shipped in the jar under {@code sim/NAME.yaml}. */
  public static EngineProfile builtIn(String name) {
    try (InputStream in = EngineProfile.class.getResourceAsStream("/sim/" + name + ".yaml")) {
      if (in == null) {
        throw new IllegalArgumentException("engine profile " + name + ": not found (built-in: vllm-8b)");
      }
      return parse(new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8), "sim/" + name + ".yaml");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static EngineProfile load(Path file) {
    try {
      return parse(Files.readString(file), file.toString());
    } catch (IOException e) {
      throw new IllegalArgumentException(file + ": cannot read: " + e.getMessage(), e);
    }
  }

  /** Parses YAML text; errors are prefixed with {@code source}. */
  public static EngineProfile parse(String yaml, String source) {
    JsonNode root;
    try {
      root = new ObjectMapper(new YAMLFactory()).enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS).readTree(yaml);
    } catch (IOException e) {
      throw new IllegalArgumentException(source + ": not valid YAML: " + e.getMessage(), e);
    }
    if (root == null || !root.isObject()) {
      throw new IllegalArgumentException(source + ": expected a mapping of profile keys");
    }
    try {
      for (Iterator<String> it = root.fieldNames(); it.hasNext(); ) {
        String key = it.next();
        if (!KEYS.contains(key)) {
          throw new IllegalArgumentException(key + ": unknown key (expected one of " + new java.util.TreeSet<>(KEYS) + ")");
        }
      }
      return new EngineProfile(
          EngineKind.parse("kind", text(root, "kind", "vllm-v1")),
          text(root, "model", null),
          integer(root, "maxRunningRequests", 32),
          integer(root, "maxBatchedPrefillTokens", 8192),
          integer(root, "kvCacheBlocks", 2048),
          integer(root, "blockSizeTokens", 16),
          number(root, "prefillSecondsPerToken", 0.0001),
          number(root, "decodeSecondsPerStep", 0.02),
          number(root, "decodeSecondsPerRunningRequest", 0.001),
          integer(root, "maxLoras", 0),
          number(root, "loraLoadSeconds", 0.05),
          number(root, "speedFactor", 1.0));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(source + ": " + e.getMessage(), e);
    }
  }

  private static String text(JsonNode root, String key, String dflt) {
    return field(root, key, dflt, JsonNode::isTextual, "a string", JsonNode::asText);
  }

  private static int integer(JsonNode root, String key, int dflt) {
    return field(root, key, dflt, n -> n.isIntegralNumber() && n.canConvertToInt(), "an integer", JsonNode::intValue);
  }

  private static double number(JsonNode root, String key, double dflt) {
    return field(root, key, dflt, JsonNode::isNumber, "a number", JsonNode::doubleValue);
  }

  /** {@code key}'s value as {@code read} takes it, {@code dflt} when absent or null; one that is not {@code valid} is refused. */
  private static <T> T field(JsonNode root, String key, T dflt, Predicate<JsonNode> valid, String expected,
      Function<JsonNode, T> read) {
    JsonNode n = root.get(key);
    if (n == null || n.isNull()) {
      return dflt;
    }
    if (!valid.test(n)) {
      throw new IllegalArgumentException(key + ": " + n + " (expected: " + expected + ")");
    }
    return read.apply(n);
  }

  private static void atLeast(String name, int value, int min) {
    if (value < min) {
      throw new IllegalArgumentException(name + ": " + value + " (expected: >= " + min + ")");
    }
  }

  private static void nonNegative(String name, double value) {
    if (!(value >= 0) || Double.isInfinite(value)) {
      throw new IllegalArgumentException(name + ": " + value + " (expected: >= 0)");
    }
  }
}
