package dev.loadfuse.engine;

import dev.loadfuse.engine.config.EngineConfig;
import dev.loadfuse.engine.spec.MetricSpec;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Whether a metrics page that was read carries a load at all, and if not, what the page looks
 * like: so that a login page, a compressed body nobody asked for, 64 KiB of binary or the page of
 * another engine reads as a problem with a cause, not as a healthy endpoint with every metric
 * missing.
 *
 * <pre>
 * vllm: none of the expected metrics found (vllm:num_requests_waiting, vllm:num_requests_running,
 *   vllm:kv_cache_usage_perc); wrong engine type? the page has no metric samples; it starts "&lt;html&gt;&lt;head&gt;…"
 * vllm: none of the expected metrics found (...); the page is not text: gzip-compressed data (not asked for)
 * </pre>
 *
 * <p>Stateless; reads at most {@link #SNIFF_BYTES} bytes of the page.
 */
public final class PageCheck {

  /** Bytes of the page's start looked at to tell text from binary. */
  public static final int SNIFF_BYTES = 512;
  /** Characters of the page's start quoted in a message. */
  public static final int QUOTE_CHARS = 40;

  private PageCheck() {}

  /**
   * The problem of a page that gave no load signal: null when {@code sample} has waiting
   * requests, running requests or KV-cache usage, or when {@code config} reads none of them.
   */
  public static String noLoad(EngineConfig config, EngineSample sample, byte[] page, int offset, int length) {
    if (sample.waitingRequests().isPresent() || sample.runningRequests().isPresent()
        || sample.kvCacheUsage().isPresent()) {
      return null;
    }
    List<String> expected = expected(config);
    if (expected.isEmpty()) {
      return null;
    }
    String what = describe(page, offset, length);
    String hint = what.startsWith("the page is") ? what
        : "wrong engine type? the page has " + samples(sample.diagnostics().sampleCount()) + "; it " + what;
    return config.name() + ": none of the expected metrics found (" + String.join(", ", expected) + "); " + hint;
  }

  /** The metrics a page of {@code config}'s engine is expected to carry: each load signal's spec (or its fallback). */
  public static List<String> expected(EngineConfig config) {
    List<String> out = new ArrayList<>(3);
    add(out, config.queuedRequestsSpec(), config.queuedRequestsFallbackSpec());
    add(out, config.runningRequestsSpec(), config.runningRequestsFallbackSpec());
    add(out, config.kvUsageSpec(), config.kvUsageFallbackSpec().or(config::kvUsedBlocksSpec));
    return out;
  }

  /**
   * What {@code page[offset, offset + length)} looks like, for a message: {@code the page is
   * empty}, {@code the page is not text: gzip-compressed data (not asked for)}, {@code the page is
   * not text: binary (37 of its first 512 bytes are control bytes)}, or {@code starts "# HELP
   * x…"} (escaped, cut at {@link #QUOTE_CHARS} characters).
   */
  public static String describe(byte[] page, int offset, int length) {
    if (length == 0) {
      return "the page is empty";
    }
    int n = Math.min(length, SNIFF_BYTES);
    if (n >= 2 && (page[offset] & 0xff) == 0x1f && (page[offset + 1] & 0xff) == 0x8b) {
      return "the page is not text: gzip-compressed data (not asked for)";
    }
    if (n >= 4 && (page[offset] & 0xff) == 0x28 && (page[offset + 1] & 0xff) == 0xb5
        && (page[offset + 2] & 0xff) == 0x2f && (page[offset + 3] & 0xff) == 0xfd) {
      return "the page is not text: zstd-compressed data (not asked for)";
    }
    int control = 0;
    for (int i = offset; i < offset + n; i++) {
      int b = page[i] & 0xff;
      if (b == 0 || b < 0x20 && b != '\t' && b != '\n' && b != '\r' && b != '\f' || b == 0x7f) {
        control++;
      }
    }
    // Text has none; allow a stray one (a BEL in a label value) before calling it binary.
    if (control > Math.max(1, n / 100)) {
      return "the page is not text: binary (" + control + " of its first " + n + " bytes are control bytes)";
    }
    return "starts " + quote(page, offset, length);
  }

  private static String quote(byte[] page, int offset, int length) {
    // At most 4 bytes per character: enough bytes for QUOTE_CHARS characters.
    int decoded = Math.min(length, QUOTE_CHARS * 4);
    String s = new String(page, offset, decoded, StandardCharsets.UTF_8);
    StringBuilder b = new StringBuilder(QUOTE_CHARS + 8).append('"');
    int chars = 0;
    for (int i = 0; i < s.length() && chars < QUOTE_CHARS; i++, chars++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        case '\n' -> b.append("\\n");
        case '\r' -> b.append("\\r");
        case '\t' -> b.append("\\t");
        default -> {
          if (c < 0x20 || c == 0x7f) {
            b.append(String.format("\\u%04x", (int) c));
          } else {
            b.append(c);
          }
        }
      }
    }
    boolean cut = chars < s.length() || decoded < length;
    return b.append(cut ? "…\"" : "\"").toString();
  }

  private static String samples(int n) {
    return n == 0 ? "no metric samples" : n == 1 ? "1 metric sample" : n + " metric samples";
  }

  private static void add(List<String> out, Optional<MetricSpec> primary, Optional<MetricSpec> fallback) {
    primary.or(() -> fallback).map(MetricSpec::text).ifPresent(out::add);
  }
}
