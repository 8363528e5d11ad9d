package dev.loadfuse.picker.plugins.filter.role;

import dev.loadfuse.picker.plugins.filter.bylabel.ByLabelFilter;
import java.util.List;

/**
 * The llm-d router's role filters ({@code decode-filter}, {@code prefill-filter}, {@code
 * encode-filter}): {@code by-label} filters on the pod label {@value #ROLE_LABEL} with fixed values.
 * loadfuse has no disaggregated serving, so they are plain label filters here, for a pool whose pods
 * carry roles; a config that also needs a disaggregation handler or decider is still refused. No
 * parameters.
 */
public final class RoleFilters {

  public static final String ROLE_LABEL = "llm-d.ai/role";
  public static final String DECODE = "decode-filter";
  public static final String PREFILL = "prefill-filter";
  public static final String ENCODE = "encode-filter";

  private RoleFilters() {}

  /** Pods that can decode; a pod without the role label counts as one. */
  public static ByLabelFilter decode(String name) {
    return new ByLabelFilter(DECODE, name, ROLE_LABEL, List.of("decode", "prefill-decode", "both",
        "encode-prefill-decode"), true);
  }

  /** Pods that can prefill; a pod without the role label does not. */
  public static ByLabelFilter prefill(String name) {
    return new ByLabelFilter(PREFILL, name, ROLE_LABEL, List.of("prefill", "encode-prefill", "prefill-decode",
        "both", "encode-prefill-decode"), false);
  }

  /** Pods that can encode (multimodal inputs); a pod without the role label does not. */
  public static ByLabelFilter encode(String name) {
    return new ByLabelFilter(ENCODE, name, ROLE_LABEL, List.of("encode", "encode-prefill", "encode-prefill-decode"),
        false);
  }
}
