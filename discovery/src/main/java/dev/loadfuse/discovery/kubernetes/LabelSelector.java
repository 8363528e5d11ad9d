package dev.loadfuse.discovery.kubernetes;

import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.LabelSelectorRequirementBuilder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * A Kubernetes label selector in its text form, as {@code kubectl -l} and the llm-d router's
 * {@code --endpoint-selector} take it: requirements separated by commas, all of which a pod's
 * labels must meet: {@code key=value} (or {@code ==}), {@code key!=value}, {@code key in (a,b)},
 * {@code key notin (a,b)}, {@code key} (present) and {@code !key} (absent). As in Kubernetes,
 * {@code !=} and {@code notin} also match a pod without the label.
 *
 * @param requirements never empty (an empty selector would select every pod)
 */
public record LabelSelector(List<Requirement> requirements) {

  /** What a selector looks like, for {@code (expected: ...)} in messages. */
  public static final String EXPECTED =
      "a label selector: key=value, key!=value, key in (a,b), key notin (a,b), key or !key, separated by commas";
  /** The most requirements one selector may have. */
  public static final int MAX_REQUIREMENTS = 64;
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?");
  private static final Pattern DNS_SUBDOMAIN = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");

  public LabelSelector {
    if (requirements == null || requirements.isEmpty()) {
      throw new IllegalArgumentException("empty (expected: at least one requirement; an empty selector would select every pod)");
    }
    requirements = List.copyOf(requirements);
  }

  /** The operators of a requirement. */
  public enum Operator {
    EQUALS, NOT_EQUALS, IN, NOT_IN, EXISTS, DOES_NOT_EXIST
  }

  /**
   * One requirement.
   *
   * @param values one for {@code EQUALS}/{@code NOT_EQUALS}, one or more for {@code IN}/{@code
   *     NOT_IN}, none for {@code EXISTS}/{@code DOES_NOT_EXIST}
   */
  public record Requirement(String key, Operator operator, List<String> values) {
    public Requirement {
      values = List.copyOf(values);
    }

    public boolean matches(Map<String, String> labels) {
      String v = labels == null ? null : labels.get(key);
      return switch (operator) {
        case EQUALS, IN -> v != null && values.contains(v);
        case NOT_EQUALS, NOT_IN -> v == null || !values.contains(v);
        case EXISTS -> v != null;
        case DOES_NOT_EXIST -> v == null;
      };
    }

    @Override
    public String toString() {
      return switch (operator) {
        case EQUALS -> key + "=" + values.getFirst();
        case NOT_EQUALS -> key + "!=" + values.getFirst();
        case IN -> key + " in (" + String.join(",", values) + ")";
        case NOT_IN -> key + " notin (" + String.join(",", values) + ")";
        case EXISTS -> key;
        case DOES_NOT_EXIST -> "!" + key;
      };
    }
  }

  /** Every label of {@code labels} with its value ({@code matchLabels}). */
  public static LabelSelector of(Map<String, String> labels) {
    if (labels == null) {
      throw new IllegalArgumentException("empty (expected: at least one label; an empty selector would select every pod)");
    }
    List<Requirement> out = new ArrayList<>();
    new java.util.TreeMap<>(labels).forEach((k, v) -> out.add(new Requirement(k, Operator.EQUALS, List.of(v))));
    return new LabelSelector(out);
  }

  /**
   * Parses the text form.
   *
   * @throws IllegalArgumentException saying what is wrong where, e.g. {@code "app in (a": missing ")"}
   */
  public static LabelSelector parse(String text) {
    if (text == null || text.isBlank()) {
      throw new IllegalArgumentException("empty (expected: " + EXPECTED + "; an empty selector would select every pod)");
    }
    return new LabelSelector(new Parser(text).requirements());
  }

  /** Whether {@code labels} meet every requirement. */
  public boolean matches(Map<String, String> labels) {
    for (Requirement r : requirements) {
      if (!r.matches(labels)) {
        return false;
      }
    }
    return true;
  }

  /** The same selector for the API server ({@code matchExpressions}; {@code =} as {@code In}, {@code !=} as {@code NotIn}). */
  public io.fabric8.kubernetes.api.model.LabelSelector toKubernetes() {
    LabelSelectorBuilder b = new LabelSelectorBuilder();
    for (Requirement r : requirements) {
      String op = switch (r.operator()) {
        case EQUALS, IN -> "In";
        case NOT_EQUALS, NOT_IN -> "NotIn";
        case EXISTS -> "Exists";
        case DOES_NOT_EXIST -> "DoesNotExist";
      };
      b.addToMatchExpressions(new LabelSelectorRequirementBuilder().withKey(r.key()).withOperator(op)
          .withValues(r.values()).build());
    }
    return b.build();
  }

  /** The text form, which {@link #parse} reads back. */
  @Override
  public String toString() {
    return String.join(",", requirements.stream().map(Requirement::toString).toList());
  }

  /** A hand-written parser of Kubernetes' selector grammar (k8s.io/apimachinery labels.Parse). */
  private static final class Parser {
    private final String s;
    private int i;

    Parser(String s) {
      this.s = s;
    }

    List<Requirement> requirements() {
      List<Requirement> out = new ArrayList<>();
      while (true) {
        if (out.size() == MAX_REQUIREMENTS) {
          throw fail("more than " + MAX_REQUIREMENTS + " requirements");
        }
        out.add(requirement());
        skipSpace();
        if (i == s.length()) {
          return out;
        }
        if (s.charAt(i) != ',') {
          throw fail("unexpected \"" + s.charAt(i) + "\" at position " + (i + 1));
        }
        i++;
      }
    }

    private Requirement requirement() {
      skipSpace();
      if (peek('!')) {
        i++;
        String key = key();
        return new Requirement(key, Operator.DOES_NOT_EXIST, List.of());
      }
      String key = key();
      skipSpace();
      if (i == s.length() || s.charAt(i) == ',') {
        return new Requirement(key, Operator.EXISTS, List.of());
      }
      if (s.startsWith("==", i)) {
        i += 2;
        return new Requirement(key, Operator.EQUALS, List.of(value()));
      }
      if (s.startsWith("!=", i)) {
        i += 2;
        return new Requirement(key, Operator.NOT_EQUALS, List.of(value()));
      }
      if (peek('=')) {
        i++;
        return new Requirement(key, Operator.EQUALS, List.of(value()));
      }
      String word = word();
      Operator op = switch (word) {
        case "in" -> Operator.IN;
        case "notin" -> Operator.NOT_IN;
        default -> throw fail("after key \"" + key + "\": \"" + word + "\" (expected: =, ==, !=, in or notin)");
      };
      skipSpace();
      if (!peek('(')) {
        throw fail("after \"" + key + " " + word + "\": missing \"(\"");
      }
      i++;
      TreeSet<String> values = new TreeSet<>();
      while (true) {
        values.add(value());
        skipSpace();
        if (peek(')')) {
          i++;
          break;
        }
        if (!peek(',')) {
          throw fail("after \"" + key + " " + word + " (\": missing \")\"");
        }
        i++;
      }
      return new Requirement(key, op, List.copyOf(values));
    }

    private String key() {
      skipSpace();
      int start = i;
      while (i < s.length() && isNameChar(s.charAt(i))) {
        i++;
      }
      String key = s.substring(start, i);
      if (key.isEmpty()) {
        throw fail(i == s.length() ? "missing a label key at the end" : "missing a label key at position " + (i + 1));
      }
      int slash = key.indexOf('/');
      String name = slash < 0 ? key : key.substring(slash + 1);
      if (slash >= 0 && (slash == 0 || slash > 253 || !DNS_SUBDOMAIN.matcher(key.substring(0, slash)).matches())) {
        throw fail("label key \"" + key + "\": bad prefix (expected: a DNS subdomain before \"/\")");
      }
      if (!NAME.matcher(name).matches()) {
        throw fail("label key \"" + key + "\" (expected: at most 63 letters, digits, '-', '_' or '.', starting and"
            + " ending with a letter or digit)");
      }
      return key;
    }

    private String value() {
      skipSpace();
      int start = i;
      while (i < s.length() && isNameChar(s.charAt(i)) && s.charAt(i) != '/') {
        i++;
      }
      String v = s.substring(start, i);
      if (!v.isEmpty() && !NAME.matcher(v).matches()) {
        throw fail("label value \"" + v + "\" (expected: at most 63 letters, digits, '-', '_' or '.', starting and"
            + " ending with a letter or digit)");
      }
      return v;
    }

    private String word() {
      int start = i;
      while (i < s.length() && Character.isLetter(s.charAt(i))) {
        i++;
      }
      if (start == i) {
        throw fail("unexpected \"" + s.charAt(i) + "\" at position " + (i + 1) + " (expected: =, ==, !=, in or notin)");
      }
      return s.substring(start, i);
    }

    private static boolean isNameChar(char c) {
      return Character.isLetterOrDigit(c) && c < 128 || c == '-' || c == '_' || c == '.' || c == '/';
    }

    private boolean peek(char c) {
      return i < s.length() && s.charAt(i) == c;
    }

    private void skipSpace() {
      while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
        i++;
      }
    }

    private IllegalArgumentException fail(String problem) {
      return new IllegalArgumentException("\"" + s + "\": " + problem);
    }
  }
}
