package dev.loadfuse.picker.flowcontrol;

import dev.loadfuse.common.settings.Durations;
import dev.loadfuse.common.settings.SettingsException;
import dev.loadfuse.common.settings.SettingsNode;
import dev.loadfuse.picker.scheduling.Plugin;
import dev.loadfuse.picker.scheduling.config.ConfigLoader;
import dev.loadfuse.picker.scheduling.config.PickerConfig;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/**
 * The EndpointPickerConfig's {@code flowControl} section, read with the reference's keys and
 * defaults: GIE v1.5 for {@code inference.networking.x-k8s.io/v1alpha1} configs, the llm-d router
 * for {@code llm-d.ai/v1alpha1} ones ({@link Dialect}).
 *
 * @param dialect whose defaults and answers apply
 * @param maxBytes queued body bytes over all bands; 0 for no limit
 * @param maxRequests queued requests over all bands; 0 for no limit
 * @param requestTtl how long a request may wait; zero for as long as its client waits
 * @param noEndpointRequestTtl how long a request may wait while the pool has no endpoint (router)
 * @param defaultBand the template of a band for a priority not listed
 * @param defaultNegativeBand the template for a priority below 0 not listed (router), else {@code
 *     defaultBand}
 * @param bands the bands listed, by priority
 * @param usageLimit the pool saturation at or above which no band dispatches
 * @param saturationDetectorRef the router's {@code flowControl.saturationDetector.pluginRef}, null
 *     when absent (the top-level detector then applies)
 * @param enableEviction the router's in-flight eviction of sheddable requests
 */
public record FlowControlSettings(
    Dialect dialect,
    long maxBytes,
    long maxRequests,
    Duration requestTtl,
    Duration noEndpointRequestTtl,
    Band defaultBand,
    Band defaultNegativeBand,
    Map<Integer, Band> bands,
    double usageLimit,
    String saturationDetectorRef,
    boolean enableEviction) {

  /** The feature gate that turns flow control on. */
  public static final String FEATURE_GATE = "flowControl";
  /** A band's byte limit when the config gives none (the reference's 1 GB). */
  public static final long DEFAULT_BAND_MAX_BYTES = 1_000_000_000L;
  /** The router's queue-wait budget when the config gives none. */
  public static final Duration ROUTER_DEFAULT_REQUEST_TTL = Duration.ofSeconds(60);

  /** Which reference the config follows: it decides the defaults and how a dropped request is answered. */
  public enum Dialect {
    /** GIE v1.5 ({@code inference.networking.x-k8s.io/v1alpha1}). */
    GIE,
    /** The llm-d router v0.10 ({@code llm-d.ai/v1alpha1}). */
    ROUTER
  }

  /**
   * One priority band (or a template of one).
   *
   * @param priority higher is served first; below 0 is sheddable
   * @param maxBytes queued body bytes in the band; 0 for no limit
   * @param maxRequests queued requests in the band; 0 for no limit
   */
  public record Band(int priority, long maxBytes, long maxRequests, Fairness fairness, Ordering ordering) {

    public Band {
      Objects.requireNonNull(fairness, "fairness");
      Objects.requireNonNull(ordering, "ordering");
    }

    public static Band template() {
      return new Band(0, DEFAULT_BAND_MAX_BYTES, 0, Fairness.GLOBAL_STRICT, Ordering.FCFS);
    }

    Band withPriority(int p) {
      return new Band(p, maxBytes, maxRequests, fairness, ordering);
    }
  }

  public FlowControlSettings {
    Objects.requireNonNull(dialect, "dialect");
    Objects.requireNonNull(requestTtl, "requestTtl");
    Objects.requireNonNull(noEndpointRequestTtl, "noEndpointRequestTtl");
    Objects.requireNonNull(defaultBand, "defaultBand");
    defaultNegativeBand = defaultNegativeBand == null ? defaultBand : defaultNegativeBand;
    bands = Map.copyOf(bands);
  }

  /** The reference's defaults for {@code dialect} (no section, or an empty one). */
  public static FlowControlSettings defaults(Dialect dialect) {
    Duration ttl = dialect == Dialect.ROUTER ? ROUTER_DEFAULT_REQUEST_TTL : Duration.ZERO;
    return new FlowControlSettings(dialect, 0, 0, ttl, ttl, Band.template(), null, Map.of(),
        FlowPolicyPlugin.DEFAULT_THRESHOLD, null, false);
  }

  /** The band requests of {@code priority} go to: the one listed, else the template's copy. */
  public Band bandFor(int priority) {
    Band b = bands.get(priority);
    if (b != null) {
      return b;
    }
    return (priority < 0 ? defaultNegativeBand : defaultBand).withPriority(priority);
  }

  private static final List<String> GIE_KEYS = List.of("maxBytes", "maxRequests", "defaultRequestTTL",
      "defaultPriorityBand", "priorityBands", "usageLimitPolicyPluginRef");
  private static final List<String> ROUTER_KEYS = List.of("maxBytes", "maxRequests", "defaultRequestTTL",
      "defaultPriorityBand", "priorityBands", "usageLimitPolicyPluginRef", "noEndpointRequestTTL",
      "defaultNegativePriorityBand", "saturationDetector", "enableEviction");
  private static final List<String> BAND_KEYS =
      List.of("priority", "maxBytes", "maxRequests", "fairnessPolicyRef", "orderingPolicyRef");

  /**
   * Reads the section.
   *
   * @param section the {@code flowControl} node (missing: the defaults)
   * @param plugins the config's plugins by name, to resolve the policy references (a reference that
   *     names no declared plugin but a policy type stands for a default instance of that type)
   * @throws SettingsException naming the path of what is wrong
   */
  public static FlowControlSettings parse(SettingsNode section, Dialect dialect, Function<String, Plugin> plugins) {
    FlowControlSettings d = defaults(dialect);
    if (section.isMissing() || section.raw().isNull()) {
      return d;
    }
    section.requireMap("a map").keys(dialect == Dialect.ROUTER ? ROUTER_KEYS : GIE_KEYS);
    long maxBytes = quantity(section.get("maxBytes"), 0);
    long maxRequests = quantity(section.get("maxRequests"), 0);
    Duration ttl = duration(section.get("defaultRequestTTL"), d.requestTtl());
    Duration noEndpointTtl = duration(section.get("noEndpointRequestTTL"), ttl);
    Band template = band(section.get("defaultPriorityBand"), Band.template(), false, plugins);
    Band negative = section.get("defaultNegativePriorityBand").isMissing() ? null
        : band(section.get("defaultNegativePriorityBand"), template, false, plugins);
    Map<Integer, Band> bands = new HashMap<>();
    Map<Integer, String> pathOf = new HashMap<>();
    for (SettingsNode b : section.get("priorityBands").elements()) {
      Band band = band(b, template, true, plugins);
      if (bands.put(band.priority(), band) != null) {
        throw b.get("priority").fail("priority " + band.priority() + " is listed twice (also " + pathOf.get(band.priority()) + ")");
      }
      pathOf.put(band.priority(), b.path());
    }
    double usageLimit = FlowPolicyPlugin.DEFAULT_THRESHOLD;
    SettingsNode usageRef = section.get("usageLimitPolicyPluginRef");
    if (!usageRef.isMissing()) {
      String ref = usageRef.asString();
      Plugin p = plugins.apply(ref);
      if (p instanceof FlowPolicyPlugin fp && fp.typedName().type().equals(FlowPolicyPlugin.STATIC_USAGE_LIMIT)) {
        usageLimit = fp.threshold();
      } else if (p == null && !ref.equals(FlowPolicyPlugin.STATIC_USAGE_LIMIT)) {
        throw usageRef.fail("\"" + ref + "\" names no plugin in plugins and no usage-limit policy type (known: "
            + FlowPolicyPlugin.STATIC_USAGE_LIMIT + ")");
      } else if (p != null) {
        throw usageRef.fail("\"" + ref + "\" is a " + p.typedName().type() + " plugin, not a usage-limit policy (known: "
            + FlowPolicyPlugin.STATIC_USAGE_LIMIT + ")");
      }
    }
    String detectorRef = null;
    SettingsNode detector = section.get("saturationDetector");
    if (!detector.isMissing()) {
      detector.requireMap("a map with pluginRef").keys("pluginRef");
      detectorRef = detector.requiredString("pluginRef");
    }
    boolean eviction = section.bool("enableEviction", false);
    return new FlowControlSettings(dialect, maxBytes, maxRequests, ttl, noEndpointTtl, template, negative, bands,
        usageLimit, detectorRef, eviction);
  }

  private static Band band(SettingsNode n, Band template, boolean listed, Function<String, Plugin> plugins) {
    if (n.isMissing()) {
      return template;
    }
    n.requireMap("a map").keys(BAND_KEYS);
    int priority;
    if (listed) {
      SettingsNode p = n.get("priority");
      if (p.isMissing()) {
        throw n.fail("missing key \"priority\" (every listed band needs one)");
      }
      priority = p.asInt(Integer.MIN_VALUE, Integer.MAX_VALUE);
    } else {
      priority = n.integer("priority", 0, Integer.MIN_VALUE, Integer.MAX_VALUE);
    }
    long maxBytes = quantity(n.get("maxBytes"), template.maxBytes());
    long maxRequests = quantity(n.get("maxRequests"), template.maxRequests());
    Fairness fairness = policy(n.get("fairnessPolicyRef"), template.fairness(), plugins, Fairness::ofType,
        "a fairness policy", Fairness.types());
    Ordering ordering = policy(n.get("orderingPolicyRef"), template.ordering(), plugins, Ordering::ofType,
        "an ordering policy", Ordering.types());
    return new Band(priority, maxBytes, maxRequests, fairness, ordering);
  }

  /** The policy {@code ref} names ({@code fallback} when absent); {@code what} and {@code known} word the error. */
  private static <P> P policy(SettingsNode ref, P fallback, Function<String, Plugin> plugins, Function<String, P> ofType,
      String what, List<String> known) {
    if (ref.isMissing()) {
      return fallback;
    }
    P policy = ofType.apply(policyType(ref, plugins));
    if (policy == null) {
      throw ref.fail("\"" + ref.asString() + "\" is not " + what + " (known: " + String.join(", ", known) + ")");
    }
    return policy;
  }

  /** The type of the plugin a reference names: a declared plugin's, else the reference itself. */
  private static String policyType(SettingsNode ref, Function<String, Plugin> plugins) {
    String name = ref.asString();
    Plugin p = plugins.apply(name);
    return p == null ? name : p.typedName().type();
  }

  /**
   * A Kubernetes quantity >= 0 as a whole count: a number, or text with a decimal ({@code k},
   * {@code M}, {@code G}, {@code T}, {@code P}, {@code E}) or binary ({@code Ki} … {@code Ei})
   * suffix, e.g. {@code 1G}, {@code 500Mi}, {@code 5000}.
   */
  static long quantity(SettingsNode n, long dflt) {
    if (n.isMissing() || n.raw().isNull()) {
      return dflt;
    }
    String text = n.raw().isNumber() ? n.raw().asText() : n.raw().isTextual() ? n.raw().textValue().trim() : null;
    String expected = " (expected: a quantity >= 0 such as 5000, 1G or 500Mi)";
    if (text == null || text.isEmpty()) {
      throw n.fail(n.describe() + expected);
    }
    int i = 0;
    while (i < text.length() && (Character.isDigit(text.charAt(i)) || text.charAt(i) == '.' || (i == 0 && text.charAt(i) == '+'))) {
      i++;
    }
    String suffix = text.substring(i);
    BigDecimal multiplier = switch (suffix) {
      case "" -> BigDecimal.ONE;
      case "k" -> BigDecimal.TEN.pow(3);
      case "M" -> BigDecimal.TEN.pow(6);
      case "G" -> BigDecimal.TEN.pow(9);
      case "T" -> BigDecimal.TEN.pow(12);
      case "P" -> BigDecimal.TEN.pow(15);
      case "E" -> BigDecimal.TEN.pow(18);
      case "Ki" -> BigDecimal.valueOf(1L << 10);
      case "Mi" -> BigDecimal.valueOf(1L << 20);
      case "Gi" -> BigDecimal.valueOf(1L << 30);
      case "Ti" -> BigDecimal.valueOf(1L << 40);
      case "Pi" -> BigDecimal.valueOf(1L << 50);
      case "Ei" -> BigDecimal.valueOf(1L << 60);
      default -> throw n.fail(n.describe() + expected);
    };
    BigDecimal value;
    try {
      value = new BigDecimal(text.substring(0, i)).multiply(multiplier);
    } catch (NumberFormatException e) {
      throw n.fail(n.describe() + expected);
    }
    if (value.signum() < 0 || value.compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) > 0) {
      throw n.fail(n.describe() + expected);
    }
    // Kubernetes rounds a fractional quantity up when it is read as an integer.
    return value.setScale(0, java.math.RoundingMode.CEILING).longValueExact();
  }

  /** A Go duration >= 0 ({@code 30s}, {@code 1m30s}, {@code 500ms}, {@code 0s}, {@code 0}). */
  static Duration duration(SettingsNode n, Duration dflt) {
    if (n.isMissing() || n.raw().isNull()) {
      return dflt;
    }
    String expected = " (expected: a duration such as 30s, 1m30s or 0s)";
    if (!n.raw().isTextual() && !(n.raw().isIntegralNumber() && n.raw().asLong() == 0)) {
      throw n.fail(n.describe() + expected);
    }
    String s = n.raw().asText().trim();
    if (s.equals("0")) {
      return Duration.ZERO;
    }
    long nanos = 0;
    int i = 0;
    if (s.isEmpty()) {
      throw n.fail(n.describe() + expected);
    }
    while (i < s.length()) {
      int start = i;
      while (i < s.length() && (Character.isDigit(s.charAt(i)) || s.charAt(i) == '.')) {
        i++;
      }
      int unitStart = i;
      while (i < s.length() && !Character.isDigit(s.charAt(i)) && s.charAt(i) != '.') {
        i++;
      }
      if (start == unitStart || unitStart == i) {
        throw n.fail(n.describe() + expected);
      }
      long part;
      try {
        part = Durations.parse(n.path(), s.substring(start, i)).toNanos();
      } catch (IllegalArgumentException | ArithmeticException e) {
        throw n.fail(n.describe() + expected);
      }
      if (part > Long.MAX_VALUE - nanos) {
        throw n.fail(n.describe() + " (too long)");
      }
      nanos += part;
    }
    return Duration.ofNanos(nanos);
  }

  /** The reference's deprecated environment switch that also turns the gate on. */
  public static final String LEGACY_ENV = "ENABLE_EXPERIMENTAL_FLOW_CONTROL_LAYER";

  /**
   * The flow-control settings of {@code config}, or null when flow control is off: the {@code
   * flowControl} feature gate is not listed (nor {@code ENABLE_EXPERIMENTAL_FLOW_CONTROL_LAYER=true}
   * set in {@code env}). Without the gate the section is ignored, as the reference ignores it.
   *
   * @throws SettingsException naming the path of what is wrong in the section
   */
  public static FlowControlSettings of(PickerConfig config, Function<String, String> env) {
    boolean gate = config.featureGates().contains(FEATURE_GATE) || "true".equalsIgnoreCase(env.apply(LEGACY_ENV));
    if (!gate) {
      return null;
    }
    Dialect dialect = ConfigLoader.ROUTER_API_VERSION.equals(config.apiVersion()) ? Dialect.ROUTER : Dialect.GIE;
    return parse(config.flowControl(), dialect, config::plugin);
  }

  /** The bands listed, highest priority first (for documentation and tests). */
  public List<Band> listedBands() {
    List<Band> out = new ArrayList<>(bands.values());
    out.sort((a, b) -> Integer.compare(b.priority(), a.priority()));
    return out;
  }
}
