package dev.loadfuse.deploy;

import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Pulls the metric names out of a PromQL expression, well enough for dashboard queries: label
 * matchers, ranges, strings, grouping clauses and function names are removed, what is left are
 * metric names.
 */
final class PromQl {

  private static final Pattern STRING = Pattern.compile("\"(?:[^\"\\\\]|\\\\.)*\"|'(?:[^'\\\\]|\\\\.)*'");
  private static final Pattern MATCHERS = Pattern.compile("\\{[^}]*}");
  private static final Pattern RANGE = Pattern.compile("\\[[^]]*]");
  private static final Pattern GROUPING =
      Pattern.compile("\\b(by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)");
  private static final Pattern FUNCTION = Pattern.compile("\\b[a-zA-Z_][a-zA-Z0-9_]*\\s*\\(");
  private static final Pattern IDENTIFIER = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
  private static final Set<String> KEYWORDS = Set.of("and", "or", "unless", "bool", "offset", "by", "without",
      "on", "ignoring", "group_left", "group_right", "inf", "nan");

  private PromQl() {}

  static Set<String> metricNames(String expr) {
    String s = STRING.matcher(expr).replaceAll(" ");
    s = MATCHERS.matcher(s).replaceAll(" ");
    s = RANGE.matcher(s).replaceAll(" ");
    s = GROUPING.matcher(s).replaceAll(" ");
    s = FUNCTION.matcher(s).replaceAll("(");
    s = s.replaceAll("\\$\\{?[a-zA-Z_]+}?", " ");
    Set<String> names = new TreeSet<>();
    Matcher m = IDENTIFIER.matcher(s);
    while (m.find()) {
      String t = m.group();
      boolean number = m.start() > 0 && Character.isDigit(s.charAt(m.start() - 1));
      if (!number && !KEYWORDS.contains(t.toLowerCase(java.util.Locale.ROOT))) {
        names.add(t);
      }
    }
    return names;
  }
}
