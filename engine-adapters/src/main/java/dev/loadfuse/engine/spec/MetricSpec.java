package dev.loadfuse.engine.spec;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Which series of a metrics page to read: a metric name with optional label equality matchers,
 * in PromQL selector syntax with optional quotes.
 *
 * <p>Accepted forms: {@code name}, {@code name{label=value}},
 * {@code name{label="value", other=v2}}, {@code name{}}. Values may be bare (up to the next
 * {@code ,}, {@code }} or blank) or quoted with {@code "} or {@code '} (escapes {@code \\},
 * {@code \"}, {@code \'}, {@code \n}). Only {@code =} is supported. An empty or blank spec means
 * "disabled" and is represented by {@link Optional#empty()} from {@link #parseOptional}.
 *
 * <p>Immutable and thread-safe.
 *
 * @param text the spec as written, trimmed
 * @param name the metric name, matched exactly against sample names
 * @param matchers label matchers, all of which must hold
 */
public record MetricSpec(String text, String name, List<LabelMatcher> matchers) {

  public MetricSpec {
    Objects.requireNonNull(text, "text");
    Objects.requireNonNull(name, "name");
    if (!isMetricName(name)) {
      throw new IllegalArgumentException(
          "name: \"" + name + "\" (expected: a metric name [a-zA-Z_:][a-zA-Z0-9_:]*)");
    }
    matchers = List.copyOf(matchers);
  }

  /**
   * Parses a non-empty spec.
   *
   * @throws InvalidMetricSpecException naming the spec, the position and the problem
   */
  public static MetricSpec parse(String text) {
    Objects.requireNonNull(text, "text");
    if (text.isBlank()) {
      throw new InvalidMetricSpecException(text, 0, "empty spec");
    }
    return new Parser(text).parse();
  }

  /** Parses a spec; empty, blank or null means disabled. */
  public static Optional<MetricSpec> parseOptional(String text) {
    return text == null || text.isBlank() ? Optional.empty() : Optional.of(parse(text));
  }

  /** The spec in canonical form, e.g. {@code name{a="b",c="d"}}. */
  public String canonical() {
    if (matchers.isEmpty()) {
      return name;
    }
    StringBuilder sb = new StringBuilder(name).append('{');
    for (int i = 0; i < matchers.size(); i++) {
      if (i > 0) {
        sb.append(',');
      }
      sb.append(matchers.get(i));
    }
    return sb.append('}').toString();
  }

  @Override
  public String toString() {
    return text;
  }

  static boolean isMetricName(String s) {
    return isName(s, MetricSpec::isNameStart, MetricSpec::isNameChar);
  }

  static boolean isLabelName(String s) {
    return isName(s, MetricSpec::isLabelStart, MetricSpec::isLabelChar);
  }

  /** Whether {@code s} is a {@code start} character followed by {@code rest} characters. */
  private static boolean isName(String s, CharPredicate start, CharPredicate rest) {
    if (s.isEmpty() || !start.test(s.charAt(0))) {
      return false;
    }
    for (int i = 1; i < s.length(); i++) {
      if (!rest.test(s.charAt(i))) {
        return false;
      }
    }
    return true;
  }

  @FunctionalInterface
  private interface CharPredicate {
    boolean test(char c);
  }

  private static boolean isLabelStart(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
  }

  private static boolean isLabelChar(char c) {
    return isLabelStart(c) || (c >= '0' && c <= '9');
  }

  private static boolean isNameStart(char c) {
    return isLabelStart(c) || c == ':';
  }

  private static boolean isNameChar(char c) {
    return isLabelChar(c) || c == ':';
  }

  private static final class Parser {
    private final String s;
    private int i;

    Parser(String s) {
      this.s = s;
    }

    MetricSpec parse() {
      skipBlanks();
      int ns = i;
      if (i >= s.length() || !isNameStart(s.charAt(i))) {
        throw error("expected a metric name");
      }
      while (i < s.length() && isNameChar(s.charAt(i))) {
        i++;
      }
      String name = s.substring(ns, i);
      List<LabelMatcher> matchers = new ArrayList<>();
      skipBlanks();
      if (i < s.length()) {
        if (s.charAt(i) != '{') {
          throw error("expected '{' or the end of the spec");
        }
        i++;
        parseMatchers(matchers);
        skipBlanks();
        if (i < s.length()) {
          throw error("unexpected text after '}'");
        }
      }
      return new MetricSpec(s.strip(), name, matchers);
    }

    private void parseMatchers(List<LabelMatcher> out) {
      while (true) {
        skipBlanks();
        if (i >= s.length()) {
          throw error("unterminated label matcher");
        }
        if (s.charAt(i) == '}') {
          i++;
          return;
        }
        int ls = i;
        if (!isLabelStart(s.charAt(i))) {
          throw error("expected a label name");
        }
        while (i < s.length() && isLabelChar(s.charAt(i))) {
          i++;
        }
        String label = s.substring(ls, i);
        skipBlanks();
        if (i >= s.length()) {
          throw error("unterminated label matcher");
        }
        char c = s.charAt(i);
        if (c == '!' || (c == '=' && i + 1 < s.length() && s.charAt(i + 1) == '~')) {
          throw error("only equality matchers (=) are supported");
        }
        if (c != '=') {
          throw error("expected '=' after the label name");
        }
        i++;
        skipBlanks();
        if (i >= s.length()) {
          throw error("unterminated label matcher");
        }
        String value = parseValue();
        for (LabelMatcher m : out) {
          if (m.name().equals(label)) {
            i = ls;
            throw error("duplicate label matcher \"" + label + "\"");
          }
        }
        out.add(new LabelMatcher(label, value));
        skipBlanks();
        if (i >= s.length()) {
          throw error("unterminated label matcher");
        }
        c = s.charAt(i);
        if (c == ',') {
          i++;
        } else if (c != '}') {
          throw error("expected ',' or '}' after the label value");
        }
      }
    }

    private String parseValue() {
      char q = s.charAt(i);
      if (q == '"' || q == '\'') {
        int open = i++;
        StringBuilder sb = new StringBuilder();
        while (i < s.length()) {
          char c = s.charAt(i++);
          if (c == q) {
            return sb.toString();
          }
          if (c == '\\' && i < s.length()) {
            char d = s.charAt(i++);
            sb.append(d == 'n' ? '\n' : d);
          } else {
            sb.append(c);
          }
        }
        i = open;
        throw error("unterminated quoted label value");
      }
      int vs = i;
      while (i < s.length()) {
        char c = s.charAt(i);
        if (c == ',' || c == '}' || c == ' ' || c == '\t' || c == '"' || c == '\'') {
          break;
        }
        i++;
      }
      if (i == vs) {
        throw error("expected a label value");
      }
      return s.substring(vs, i);
    }

    private void skipBlanks() {
      while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
        i++;
      }
    }

    private InvalidMetricSpecException error(String reason) {
      return new InvalidMetricSpecException(s, i, reason);
    }
  }
}
