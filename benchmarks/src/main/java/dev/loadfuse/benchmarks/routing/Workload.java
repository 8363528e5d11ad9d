package dev.loadfuse.benchmarks.routing;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Generated, seeded request mixes (no downloads). Tokens are 4-character words ("k3f "), the
 * simulator's token unit, so a prompt of N tokens is 4N characters and equal prefixes are equal
 * text for every prefix-aware component.
 *
 * <ul>
 *   <li>{@code shared-prefix}: G groups, each a system prompt of S tokens, then a question of Q
 *       tokens; the group is drawn uniformly per request.
 *   <li>{@code chat}: C conversations; each request continues one (drawn uniformly) with its whole
 *       history of user and assistant turns plus a new user turn.
 *   <li>{@code long-tail}: independent prompts and outputs with log-normal lengths, in the manner of
 *       ShareGPT (median ~180 prompt and ~120 output tokens, a long tail, clamped).
 *   <li>{@code lora-mix}: prompts of ~256 tokens over K adapters with Zipf-like popularity.
 *   <li>{@code heterogeneous}: the shared-prefix mix; the runner throttles one GPU to half speed
 *       halfway through.
 * </ul>
 */
public record Workload(String name, int groups, int systemTokens, int questionTokens, int outputTokens,
    int adapters, String model) {

  public static final List<String> NAMES = List.of("shared-prefix", "chat", "long-tail", "lora-mix", "heterogeneous");

  private static final ObjectMapper JSON = new ObjectMapper();

  public Workload {
    if (!NAMES.contains(name)) {
      throw new IllegalArgumentException("workload: " + name + " (expected: one of " + String.join(", ", NAMES) + ")");
    }
    positive("groups", groups);
    positive("systemTokens", systemTokens);
    positive("questionTokens", questionTokens);
    positive("outputTokens", outputTokens);
    positive("adapters", adapters);
  }

  /** The workload with the defaults used by the README figures and the demo. */
  public static Workload named(String name, String model) {
    return new Workload(name, 32, 1536, 64, 48, 8, model);
  }

  /** Whether the runner throttles one engine to half speed halfway through. */
  public boolean throttlesMidRun() {
    return name.equals("heterogeneous");
  }

  /** {@code n} requests, the same for the same seed. */
  public List<WorkItem> generate(int n, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    List<WorkItem> out = new ArrayList<>(n);
    switch (name) {
      case "shared-prefix", "heterogeneous" -> {
        String[] systems = new String[groups];
        for (int g = 0; g < groups; g++) {
          systems[g] = tokens(new SplittableRandom(seed * 1_000_003 + g), systemTokens);
        }
        for (int i = 0; i < n; i++) {
          int g = r.nextInt(groups);
          out.add(completion(model, systems[g] + tokens(r, questionTokens), around(r, outputTokens), "group-" + g));
        }
      }
      case "chat" -> {
        List<List<String[]>> conversations = new ArrayList<>();
        for (int c = 0; c < groups; c++) {
          conversations.add(new ArrayList<>());
        }
        for (int i = 0; i < n; i++) {
          int c = r.nextInt(groups);
          List<String[]> history = conversations.get(c);
          if (history.size() >= 16) {
            history.clear(); // a new conversation in this slot
          }
          history.add(new String[] {"user", tokens(r, questionTokens)});
          int output = around(r, outputTokens);
          out.add(chat(model, history, output, "conversation-" + c));
          history.add(new String[] {"assistant", " tok".repeat(output)});
        }
      }
      case "long-tail" -> {
        for (int i = 0; i < n; i++) {
          int prompt = logNormal(r, 180, 1.0, 8, 3000);
          int output = logNormal(r, 120, 0.8, 4, 800);
          out.add(completion(model, tokens(r, prompt), output, "single"));
        }
      }
      case "lora-mix" -> {
        double[] weights = new double[adapters];
        double sum = 0;
        for (int k = 0; k < adapters; k++) {
          weights[k] = 1.0 / (k + 1);
          sum += weights[k];
        }
        for (int i = 0; i < n; i++) {
          double u = r.nextDouble() * sum;
          int k = 0;
          while (k < adapters - 1 && (u -= weights[k]) > 0) {
            k++;
          }
          String adapter = "adapter-" + k;
          out.add(completion(adapter, tokens(r, around(r, 256)), around(r, outputTokens), adapter));
        }
      }
      default -> throw new IllegalStateException(name);
    }
    return out;
  }

  private static WorkItem completion(String model, String prompt, int output, String group) {
    ObjectNode b = JSON.createObjectNode().put("model", model).put("prompt", prompt).put("max_tokens", output)
        .put("stream", true);
    b.putObject("stream_options").put("include_usage", true);
    return new WorkItem("/v1/completions", b.toString(), output, group);
  }

  private static WorkItem chat(String model, List<String[]> history, int output, String group) {
    ObjectNode b = JSON.createObjectNode().put("model", model).put("max_tokens", output).put("stream", true);
    ArrayNode messages = b.putArray("messages");
    for (String[] m : history) {
      messages.addObject().put("role", m[0]).put("content", m[1]);
    }
    b.putObject("stream_options").put("include_usage", true);
    return new WorkItem("/v1/chat/completions", b.toString(), output, group);
  }

  /** {@code n} random 4-character tokens. */
  static String tokens(SplittableRandom r, int n) {
    char[] out = new char[n * 4];
    for (int i = 0; i < n; i++) {
      int v = r.nextInt(36 * 36 * 36);
      out[i * 4] = Character.forDigit(v % 36, 36);
      out[i * 4 + 1] = Character.forDigit(v / 36 % 36, 36);
      out[i * 4 + 2] = Character.forDigit(v / 1296, 36);
      out[i * 4 + 3] = ' ';
    }
    return new String(out);
  }

  /** Uniform in [mean/2, 3·mean/2]. */
  private static int around(SplittableRandom r, int mean) {
    return Math.max(1, mean / 2 + r.nextInt(Math.max(1, mean + 1)));
  }

  private static int logNormal(SplittableRandom r, double median, double sigma, int min, int max) {
    double gaussian = Math.sqrt(-2 * Math.log(1 - r.nextDouble())) * Math.cos(2 * Math.PI * r.nextDouble());
    return (int) Math.max(min, Math.min(max, Math.round(median * Math.exp(sigma * gaussian))));
  }

  private static void positive(String field, int v) {
    if (v < 1) {
      throw new IllegalArgumentException(field + ": " + v + " (expected: >= 1)");
    }
  }
}
