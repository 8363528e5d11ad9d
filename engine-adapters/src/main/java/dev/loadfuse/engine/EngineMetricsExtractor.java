package dev.loadfuse.engine;

import dev.loadfuse.engine.config.EngineConfig;
import dev.loadfuse.engine.prometheus.PageTooLargeException;
import dev.loadfuse.engine.prometheus.ParseDiagnostics;
import dev.loadfuse.engine.prometheus.PrometheusTextParser;
import dev.loadfuse.engine.prometheus.SampleView;
import dev.loadfuse.engine.prometheus.SampleVisitor;
import dev.loadfuse.engine.prometheus.WantedNames;
import dev.loadfuse.engine.spec.LabelMatcher;
import dev.loadfuse.engine.spec.MetricSpec;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * Turns a metrics page into an {@link EngineSample} for one {@link EngineConfig}, in one pass.
 *
 * <p><b>Rules.</b>
 *
 * <ul>
 *   <li>A series is read when its name equals the spec's name exactly, every label matcher holds,
 *       and its family is not declared a histogram or summary.
 *   <li>Several matching series (data-parallel engines, {@code dp_rank}/{@code tp_rank}, models of
 *       a Triton ensemble): queue and running are <b>summed</b>; KV usage takes the <b>largest</b>;
 *       LoRA takes the series with the largest value (its last-update time); cache geometry takes
 *       the largest value.
 *   <li>Fallbacks: a fallback spec is read only when its primary matched nothing; KV usage falls
 *       back to {@code kvUsageFallbackSpec}, then to used / total blocks.
 *   <li>Values that cannot be a load (NaN, infinities, negative counts) are ignored as if the
 *       series were absent. KV usage outside [0, 1] is <b>clamped</b> to [0, 1]: engines report
 *       e.g. 1.0000001 under rounding, and a slightly-off value is still the best signal.
 *   <li>Geometry labels that are not positive integers ({@code "None"}, {@code ""}, {@code
 *       "0.9"}) mean absent. A geometry gauge value wins over the info-gauge labels.
 *   <li>A configured signal the page lacks is empty in the sample and its spec is listed in
 *       {@link EngineSample#missing()}.
 * </ul>
 *
 * <p><b>Errors.</b> Malformed lines never throw: they are counted in the sample's diagnostics and
 * the good lines are still read. The one exception is {@link PageTooLargeException}, for a page
 * over the size limit.
 *
 * <p><b>Cost.</b> Metric names are matched against pre-encoded bytes, labels are compared without
 * decoding, and only matching series are converted, so a scrape allocates the sample and little
 * else (see {@code ExtractBenchmark}).
 *
 * <p><b>Threading.</b> An extractor keeps per-scrape state: use it from one thread at a time
 * (one extractor per endpoint, or per scraping thread). Reuse it across scrapes.
 */
public final class EngineMetricsExtractor {

  // Roles: which signal a spec feeds.
  private static final int QUEUED = 0;
  private static final int QUEUED_FALLBACK = 1;
  private static final int RUNNING = 2;
  private static final int RUNNING_FALLBACK = 3;
  private static final int KV = 4;
  private static final int KV_FALLBACK = 5;
  private static final int KV_USED = 6;
  private static final int KV_TOTAL = 7;
  private static final int LORA = 8;
  private static final int CACHE_INFO = 9;
  private static final int BLOCK_SIZE = 10;
  private static final int NUM_BLOCKS = 11;
  private static final int ROLES = 12;

  private static final byte[] RUNNING_LORA = bytes("running_lora_adapters");
  private static final byte[] RUNNING_LORA_OLD = bytes("running_adapters");
  private static final byte[] WAITING_LORA = bytes("waiting_lora_adapters");
  private static final byte[] WAITING_LORA_OLD = bytes("waiting_adapters");
  private static final byte[] MAX_LORA = bytes("max_lora");

  private final EngineConfig config;
  private final MetricSpec[] specs = new MetricSpec[ROLES];
  private final byte[][][] matcherNames = new byte[ROLES][][];
  private final byte[][][] matcherValues = new byte[ROLES][][];
  private final int[][] rolesByName;
  private final byte[] blockSizeLabel;
  private final byte[] numBlocksLabel;
  private final PrometheusTextParser parser;
  private final SampleVisitor visitor = this::onSample;

  // Per-scrape state.
  private final double[] acc = new double[ROLES];
  private final boolean[] found = new boolean[ROLES];
  private double loraBest;
  // The current LoRA series' running, waiting and max_lora values, unescaped, back to back;
  // a length of -1 means the label is absent. Copied so no String is built per series.
  private byte[] loraBytes = new byte[256];
  private final int[] loraLens = new int[3];
  // The previous scrape's LoRA result and its bytes: LoRA state rarely changes between scrapes,
  // so an equal series reuses the previous LoraInfo instead of decoding again.
  private byte[] prevLoraBytes = new byte[0];
  private final int[] prevLoraLens = {-2, -2, -2};
  private Optional<LoraInfo> prevLora = Optional.empty();
  private byte[] scratch = new byte[64];
  private boolean cacheInfoSeen;
  private long infoBlockSize;
  private long infoNumBlocks;

  private EngineMetricsExtractor(EngineConfig config, int maxPageBytes) {
    this.config = Objects.requireNonNull(config, "config");
    specs[QUEUED] = config.queuedRequestsSpec().orElse(null);
    specs[QUEUED_FALLBACK] = config.queuedRequestsFallbackSpec().orElse(null);
    specs[RUNNING] = config.runningRequestsSpec().orElse(null);
    specs[RUNNING_FALLBACK] = config.runningRequestsFallbackSpec().orElse(null);
    specs[KV] = config.kvUsageSpec().orElse(null);
    specs[KV_FALLBACK] = config.kvUsageFallbackSpec().orElse(null);
    specs[KV_USED] = config.kvUsedBlocksSpec().orElse(null);
    specs[KV_TOTAL] = config.kvTotalBlocksSpec().orElse(null);
    specs[LORA] = config.loraSpec().orElse(null);
    specs[CACHE_INFO] = config.cacheInfoSpec().orElse(null);
    specs[BLOCK_SIZE] = config.cacheBlockSizeSpec().orElse(null);
    specs[NUM_BLOCKS] = config.cacheNumBlocksSpec().orElse(null);
    blockSizeLabel = bytes(config.cacheBlockSizeLabelName());
    numBlocksLabel = bytes(config.cacheNumBlocksLabelName());

    List<String> names = new ArrayList<>();
    for (int r = 0; r < ROLES; r++) {
      MetricSpec s = specs[r];
      if (s == null) {
        continue;
      }
      if (!names.contains(s.name())) {
        names.add(s.name());
      }
      List<LabelMatcher> ms = s.matchers();
      matcherNames[r] = new byte[ms.size()][];
      matcherValues[r] = new byte[ms.size()][];
      for (int k = 0; k < ms.size(); k++) {
        matcherNames[r][k] = bytes(ms.get(k).name());
        matcherValues[r][k] = bytes(ms.get(k).value());
      }
    }
    WantedNames wanted = WantedNames.of(names);
    rolesByName = new int[wanted.size()][];
    for (int n = 0; n < wanted.size(); n++) {
      int[] roles = new int[ROLES];
      int count = 0;
      for (int r = 0; r < ROLES; r++) {
        if (specs[r] != null && specs[r].name().equals(wanted.name(n))) {
          roles[count++] = r;
        }
      }
      rolesByName[n] = Arrays.copyOf(roles, count);
    }
    parser = new PrometheusTextParser(wanted, maxPageBytes);
  }

  /** An extractor for {@code config} with the default page-size limit (16 MiB). */
  public static EngineMetricsExtractor forConfig(EngineConfig config) {
    return new EngineMetricsExtractor(config, PrometheusTextParser.DEFAULT_MAX_PAGE_BYTES);
  }

  /** An extractor for {@code config} that rejects pages longer than {@code maxPageBytes}. */
  public static EngineMetricsExtractor forConfig(EngineConfig config, int maxPageBytes) {
    return new EngineMetricsExtractor(config, maxPageBytes);
  }

  public EngineConfig config() {
    return config;
  }

  /** The metric names this extractor reads. */
  public WantedNames wantedNames() {
    return parser.wanted();
  }

  /** {@link #extract(byte[], int, int)} of the whole array. */
  public EngineSample extract(byte[] page) {
    return extract(page, 0, page.length);
  }

  /**
   * Reads the load from {@code page[offset, offset + length)} (UTF-8 Prometheus or OpenMetrics
   * text). The array is only read, and not kept.
   *
   * @throws PageTooLargeException if {@code length} exceeds the limit
   */
  public EngineSample extract(byte[] page, int offset, int length) {
    Arrays.fill(acc, 0);
    Arrays.fill(found, false);
    loraBest = Double.NEGATIVE_INFINITY;
    cacheInfoSeen = false;
    infoBlockSize = 0;
    infoNumBlocks = 0;

    ParseDiagnostics diagnostics = parser.parse(page, offset, length, visitor);

    List<String> missing = new ArrayList<>(0);
    OptionalDouble waiting = count(QUEUED, QUEUED_FALLBACK, missing);
    OptionalDouble running = count(RUNNING, RUNNING_FALLBACK, missing);
    OptionalDouble kv = kvUsage(missing);
    Optional<LoraInfo> lora = lora(missing);
    OptionalLong blockSize = geometry(BLOCK_SIZE, infoBlockSize);
    OptionalLong numBlocks = geometry(NUM_BLOCKS, infoNumBlocks);
    if (specs[CACHE_INFO] != null && !cacheInfoSeen
        && (blockSize.isEmpty() || numBlocks.isEmpty())) {
      addMissing(missing, specs[CACHE_INFO]);
    }
    if (specs[BLOCK_SIZE] != null && blockSize.isEmpty() && !cacheInfoSeen) {
      addMissing(missing, specs[BLOCK_SIZE]);
    }
    if (specs[NUM_BLOCKS] != null && numBlocks.isEmpty() && !cacheInfoSeen) {
      addMissing(missing, specs[NUM_BLOCKS]);
    }
    return new EngineSample(
        config.name(), waiting, running, kv, lora, blockSize, numBlocks, missing, diagnostics);
  }

  private void onSample(SampleView s) {
    if (!s.declaredType().isScalar()) {
      return; // only gauges and counters carry a load; never a summary quantile
    }
    for (int r : rolesByName[s.nameIndex()]) {
      if (!matches(r, s)) {
        continue;
      }
      switch (r) {
        case QUEUED, QUEUED_FALLBACK, RUNNING, RUNNING_FALLBACK, KV_USED, KV_TOTAL -> {
          double v = s.value();
          if (v >= 0 && v < Double.POSITIVE_INFINITY) {
            acc[r] += v;
            found[r] = true;
          }
        }
        case KV, KV_FALLBACK -> {
          double v = s.value();
          if (Double.isFinite(v) && (!found[r] || v > acc[r])) {
            acc[r] = v;
            found[r] = true;
          }
        }
        case BLOCK_SIZE, NUM_BLOCKS -> {
          long v = positiveInteger(s.value());
          if (v > 0 && (!found[r] || v > acc[r])) {
            acc[r] = v;
            found[r] = true;
          }
        }
        case LORA -> {
          double v = s.value();
          // Strictly larger: on a tie (pre-release builds print 1.0) the first series stays.
          if (!Double.isNaN(v) && v > loraBest) {
            loraBest = v;
            found[r] = true;
            copyLoraLabels(s);
          }
        }
        case CACHE_INFO -> {
          cacheInfoSeen = true;
          infoBlockSize = Math.max(infoBlockSize, labelInteger(s, blockSizeLabel));
          infoNumBlocks = Math.max(infoNumBlocks, labelInteger(s, numBlocksLabel));
        }
        default -> throw new AssertionError(r);
      }
    }
  }

  private boolean matches(int role, SampleView s) {
    byte[][] names = matcherNames[role];
    byte[][] values = matcherValues[role];
    for (int k = 0; k < names.length; k++) {
      int i = s.indexOfLabel(names[k]);
      if (i < 0 ? values[k].length != 0 : !s.labelValueEquals(i, values[k])) {
        return false;
      }
    }
    return true;
  }

  private OptionalDouble count(int primary, int fallback, List<String> missing) {
    if (found[primary]) {
      return OptionalDouble.of(acc[primary]);
    }
    if (found[fallback]) {
      return OptionalDouble.of(acc[fallback]);
    }
    addMissing(missing, specs[primary] != null ? specs[primary] : specs[fallback]);
    return OptionalDouble.empty();
  }

  private OptionalDouble kvUsage(List<String> missing) {
    if (found[KV]) {
      return OptionalDouble.of(clamp01(acc[KV]));
    }
    if (found[KV_FALLBACK]) {
      return OptionalDouble.of(clamp01(acc[KV_FALLBACK]));
    }
    if (found[KV_USED] && found[KV_TOTAL] && acc[KV_TOTAL] > 0) {
      return OptionalDouble.of(clamp01(acc[KV_USED] / acc[KV_TOTAL]));
    }
    MetricSpec first =
        specs[KV] != null ? specs[KV] : specs[KV_FALLBACK] != null ? specs[KV_FALLBACK]
            : specs[KV_USED];
    addMissing(missing, first);
    return OptionalDouble.empty();
  }

  private Optional<LoraInfo> lora(List<String> missing) {
    if (!found[LORA]) {
      addMissing(missing, specs[LORA]);
      return Optional.empty();
    }
    int total = Math.max(loraLens[0], 0) + Math.max(loraLens[1], 0) + Math.max(loraLens[2], 0);
    if (Arrays.equals(loraLens, prevLoraLens)
        && Arrays.equals(loraBytes, 0, total, prevLoraBytes, 0, prevLoraBytes.length)) {
      return prevLora;
    }
    int runningLen = loraLens[0];
    int waitingLen = loraLens[1];
    int maxLen = loraLens[2];
    int waitingStart = Math.max(runningLen, 0);
    int maxStart = waitingStart + Math.max(waitingLen, 0);
    long max = maxLen < 0 ? -1 : nonNegativeInteger(loraBytes, maxStart, maxStart + maxLen);
    LoraInfo info =
        new LoraInfo(
            LoraInfo.parseAdapterList(runningLen < 0 ? null : utf8(loraBytes, 0, runningLen)),
            LoraInfo.parseAdapterList(
                waitingLen < 0 ? null : utf8(loraBytes, waitingStart, waitingLen)),
            max < 0 || max > Integer.MAX_VALUE ? OptionalInt.empty() : OptionalInt.of((int) max));
    prevLoraBytes = Arrays.copyOf(loraBytes, total);
    System.arraycopy(loraLens, 0, prevLoraLens, 0, 3);
    prevLora = Optional.of(info);
    return prevLora;
  }

  private void copyLoraLabels(SampleView s) {
    int running = s.indexOfLabel(RUNNING_LORA);
    if (running < 0) {
      running = s.indexOfLabel(RUNNING_LORA_OLD);
    }
    int waiting = s.indexOfLabel(WAITING_LORA);
    if (waiting < 0) {
      waiting = s.indexOfLabel(WAITING_LORA_OLD);
    }
    int max = s.indexOfLabel(MAX_LORA);
    int need = rawLength(s, running) + rawLength(s, waiting) + rawLength(s, max);
    if (loraBytes.length < need) {
      loraBytes = new byte[Math.max(need, 2 * loraBytes.length)];
    }
    int n = 0;
    loraLens[0] = running < 0 ? -1 : s.copyLabelValue(running, loraBytes, n);
    n += Math.max(loraLens[0], 0);
    loraLens[1] = waiting < 0 ? -1 : s.copyLabelValue(waiting, loraBytes, n);
    n += Math.max(loraLens[1], 0);
    loraLens[2] = max < 0 ? -1 : s.copyLabelValue(max, loraBytes, n);
  }

  private static int rawLength(SampleView s, int label) {
    return label < 0 ? 0 : s.labelValueRawLength(label);
  }

  private static String utf8(byte[] b, int from, int len) {
    return new String(b, from, len, StandardCharsets.UTF_8);
  }

  private OptionalLong geometry(int role, long fromInfo) {
    if (found[role]) {
      return OptionalLong.of((long) acc[role]);
    }
    return fromInfo > 0 ? OptionalLong.of(fromInfo) : OptionalLong.empty();
  }

  private static void addMissing(List<String> missing, MetricSpec spec) {
    if (spec != null && !missing.contains(spec.text())) {
      missing.add(spec.text());
    }
  }

  /** A label holding a positive integer ("16", "16.0"); 0 for absent, "None" and the like. */
  private long labelInteger(SampleView s, byte[] name) {
    int i = s.indexOfLabel(name);
    if (i < 0) {
      return 0;
    }
    int raw = s.labelValueRawLength(i);
    if (scratch.length < raw) {
      scratch = new byte[Math.max(raw, 2 * scratch.length)];
    }
    int len = s.copyLabelValue(i, scratch, 0);
    return Math.max(nonNegativeInteger(scratch, 0, len), 0);
  }

  /**
   * The integer in {@code b[from, to)} ("16", "16.0", "4294967296.0", blanks around), or -1 when
   * it is not a non-negative integer ("None", "", "[]", "0.9"): Python's str() forms, so no
   * exponent.
   */
  private static long nonNegativeInteger(byte[] b, int from, int to) {
    while (from < to && b[from] == ' ') {
      from++;
    }
    while (to > from && b[to - 1] == ' ') {
      to--;
    }
    int i = from;
    long v = 0;
    while (i < to && b[i] >= '0' && b[i] <= '9') {
      if (i - from == 18) {
        return -1;
      }
      v = v * 10 + (b[i] - '0');
      i++;
    }
    if (i == from) {
      return -1;
    }
    if (i < to && b[i] == '.') {
      i++;
      while (i < to && b[i] == '0') {
        i++;
      }
    }
    return i == to ? v : -1;
  }

  private static long positiveInteger(double d) {
    return d > 0 && d == Math.rint(d) && d < 0x1p63 ? (long) d : 0;
  }

  private static double clamp01(double v) {
    return v < 0 ? 0 : Math.min(v, 1);
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
