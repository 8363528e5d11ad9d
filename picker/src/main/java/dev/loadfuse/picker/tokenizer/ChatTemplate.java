package dev.loadfuse.picker.tokenizer;

import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.LegacyOverrides;
import com.hubspot.jinjava.el.JinjavaInterpreterResolver;
import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.interpret.RenderResult;
import com.hubspot.jinjava.interpret.TemplateError;
import com.hubspot.jinjava.lib.filter.Filter;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import java.beans.FeatureDescriptor;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import jinjava.javax.el.CompositeELResolver;
import jinjava.javax.el.ELContext;
import jinjava.javax.el.ELResolver;

/**
 * A Hugging Face chat template rendered the way vLLM renders it (Python jinja2 with {@code
 * trim_blocks}, {@code lstrip_blocks}, HF's {@code tojson}), on jinjava plus the Python
 * compatibility jinjava lacks: whitespace control on expressions and natural operator precedence,
 * Python {@code str} methods ({@code startswith}, {@code endswith}, {@code strip/lstrip/rstrip},
 * {@code split} keeping trailing empties, {@code upper/lower/replace}), {@code tojson} as Python's
 * {@code json.dumps} (separators {@code ", "}/{@code ": "}, floats as Python writes them), the
 * {@code raise_exception} and {@code strftime_now} globals, and two source rewrites ({@code x[::-1]}
 * and {@code namespace(k=expr)} arguments). Verified byte for byte against jinja2 on the Qwen3
 * corpus in the tests; another model's template may need more (any render error fails the render).
 *
 * <p>Thread-safe after construction.
 */
public final class ChatTemplate {

  /** Rendered prompts above this many characters are refused. */
  public static final int MAX_RENDERED_CHARS = 8 << 20;

  private final String source;
  private final Jinjava jinjava;

  private ChatTemplate(String source) {
    this.source = rewrite(source);
    CompositeELResolver resolver = new CompositeELResolver();
    resolver.add(new PythonStrings());
    resolver.add(JinjavaInterpreterResolver.DEFAULT_RESOLVER_READ_ONLY);
    JinjavaConfig config = JinjavaConfig.newBuilder()
        .withTrimBlocks(true)
        .withLstripBlocks(true)
        .withElResolver(resolver)
        .withMaxOutputSize(MAX_RENDERED_CHARS)
        .withLegacyOverrides(LegacyOverrides.newBuilder()
            .withUseTrimmingForNotesAndExpressions(true)
            .withUseNaturalOperatorPrecedence(true)
            .build())
        .build();
    jinjava = new Jinjava(config);
    jinjava.getGlobalContext().registerFilter(new PythonToJson());
    jinjava.getGlobalContext().registerFunction(
        new ELFunctionDefinition("", "raise_exception", ChatTemplate.class, "raiseException", String.class));
    jinjava.getGlobalContext().registerFunction(
        new ELFunctionDefinition("", "strftime_now", ChatTemplate.class, "strftimeNow", String.class));
  }

  public static ChatTemplate of(String source) {
    return new ChatTemplate(source);
  }

  /**
   * Renders the template over {@code variables} ({@code messages}, {@code tools}, {@code
   * add_generation_prompt}, special-token strings, chat-template kwargs).
   */
  public String render(Map<String, Object> variables) throws TokenizerException {
    RenderResult r;
    try {
      r = jinjava.renderForResult(source, new HashMap<>(variables));
    } catch (RuntimeException e) {
      throw new TokenizerException("chat template: " + e.getMessage(), e);
    }
    if (!r.getErrors().isEmpty()) {
      TemplateError e = r.getErrors().getFirst();
      String message = e.getMessage();
      for (Throwable t = e.getException(); t != null; t = t.getCause()) {
        if (t.getMessage() != null && t.getMessage().startsWith("raise_exception: ")) {
          message = t.getMessage(); // the template's own words
        }
      }
      throw new TokenizerException("chat template: " + message
          + (e.getLineno() > 0 ? " (line " + e.getLineno() + ")" : ""));
    }
    return r.getOutput();
  }

  public static String raiseException(String message) {
    throw new IllegalStateException("raise_exception: " + message);
  }

  public static String strftimeNow(String format) {
    return java.time.format.DateTimeFormatter.ofPattern(
            format.replace("%Y", "yyyy").replace("%m", "MM").replace("%d", "dd").replace("%B", "MMMM").replace("%b", "MMM"),
            Locale.ROOT)
        .format(java.time.LocalDate.now());
  }

  private static final Pattern REVERSED = Pattern.compile("([A-Za-z_][A-Za-z0-9_.]*)\\[::-1\\]");
  private static final Pattern NAMESPACE = Pattern.compile("namespace\\(");

  /** {@code x[::-1]} → {@code (x|reverse|list)}; {@code namespace(a=e, b=f)} → {@code namespace(a=(e), b=(f))}. */
  static String rewrite(String t) {
    t = REVERSED.matcher(t).replaceAll("($1|reverse|list)");
    Matcher m = NAMESPACE.matcher(t);
    StringBuilder out = new StringBuilder();
    int last = 0;
    while (m.find(last)) {
      int start = m.end();
      int depth = 1;
      int i = start;
      while (i < t.length() && depth > 0) {
        char c = t.charAt(i++);
        if (c == '(') {
          depth++;
        } else if (c == ')') {
          depth--;
        }
      }
      String args = t.substring(start, Math.max(start, i - 1));
      List<String> parts = new ArrayList<>();
      int d = 0;
      int from = 0;
      for (int k = 0; k < args.length(); k++) {
        char c = args.charAt(k);
        if (c == '(' || c == '[' || c == '{') {
          d++;
        } else if (c == ')' || c == ']' || c == '}') {
          d--;
        } else if (c == ',' && d == 0) {
          parts.add(args.substring(from, k));
          from = k + 1;
        }
      }
      parts.add(args.substring(from));
      List<String> fixed = new ArrayList<>();
      for (String p : parts) {
        int eq = p.indexOf('=');
        fixed.add(eq > 0 ? p.substring(0, eq + 1).strip() + "(" + p.substring(eq + 1).trim() + ")" : p.strip());
      }
      out.append(t, last, m.start()).append("namespace(").append(String.join(", ", fixed)).append(')');
      last = i;
    }
    out.append(t.substring(last));
    return out.toString();
  }

  /** Python {@code str} methods on Java strings, ahead of jinjava's bean resolver. */
  static final class PythonStrings extends ELResolver {
    @Override
    public Object invoke(ELContext ctx, Object base, Object method, Class<?>[] types, Object[] p) {
      if (!(base instanceof String s) || method == null) {
        return null;
      }
      Object r;
      switch (method.toString()) {
        case "startswith" -> r = anyOf(p[0], s::startsWith);
        case "endswith" -> r = anyOf(p[0], s::endsWith);
        case "strip" -> r = rstrip(lstrip(s, arg(p)), arg(p));
        case "lstrip" -> r = lstrip(s, arg(p));
        case "rstrip" -> r = rstrip(s, arg(p));
        case "split" -> r = split(s, arg(p), p.length > 1 ? ((Number) p[1]).intValue() : -1);
        case "upper" -> r = s.toUpperCase(Locale.ROOT);
        case "lower" -> r = s.toLowerCase(Locale.ROOT);
        case "replace" -> r = s.replace(String.valueOf(p[0]), String.valueOf(p[1]));
        default -> {
          return null;
        }
      }
      ctx.setPropertyResolved(true);
      return r;
    }

    private static String arg(Object[] p) {
      return p.length == 0 || p[0] == null ? null : p[0].toString();
    }

    private static boolean anyOf(Object a, Predicate<String> f) {
      if (a instanceof Collection<?> c) {
        return c.stream().anyMatch(x -> f.test(String.valueOf(x)));
      }
      return f.test(String.valueOf(a));
    }

    private static boolean strips(char c, String chars) {
      return chars == null ? Character.isWhitespace(c) || Character.isSpaceChar(c) : chars.indexOf(c) >= 0;
    }

    static String lstrip(String s, String chars) {
      int i = 0;
      while (i < s.length() && strips(s.charAt(i), chars)) {
        i++;
      }
      return s.substring(i);
    }

    static String rstrip(String s, String chars) {
      int i = s.length();
      while (i > 0 && strips(s.charAt(i - 1), chars)) {
        i--;
      }
      return s.substring(0, i);
    }

    static List<String> split(String s, String sep, int max) {
      List<String> out = new ArrayList<>();
      if (sep == null) {
        for (String t : s.trim().split("\\s+")) {
          if (!t.isEmpty()) {
            out.add(t);
          }
        }
        return out;
      }
      int from = 0;
      int idx;
      while ((max < 0 || out.size() < max) && (idx = s.indexOf(sep, from)) >= 0) {
        out.add(s.substring(from, idx));
        from = idx + sep.length();
      }
      out.add(s.substring(from));
      return out;
    }

    @Override
    public Object getValue(ELContext c, Object b, Object p) {
      return null;
    }

    @Override
    public Class<?> getType(ELContext c, Object b, Object p) {
      return null;
    }

    @Override
    public void setValue(ELContext c, Object b, Object p, Object v) {}

    @Override
    public boolean isReadOnly(ELContext c, Object b, Object p) {
      return true;
    }

    @Override
    public Iterator<FeatureDescriptor> getFeatureDescriptors(ELContext c, Object b) {
      return null;
    }

    @Override
    public Class<?> getCommonPropertyType(ELContext c, Object b) {
      return null;
    }
  }

  /** {@code tojson} as HF's: {@code json.dumps(x, ensure_ascii=False)}. */
  static final class PythonToJson implements Filter {
    @Override
    public String getName() {
      return "tojson";
    }

    @Override
    public Object filter(Object v, JinjavaInterpreter interpreter, String... args) {
      StringBuilder b = new StringBuilder();
      dump(v, b);
      return b.toString();
    }

    static void dump(Object v, StringBuilder b) {
      switch (v) {
        case null -> b.append("null");
        case Boolean x -> b.append(x ? "true" : "false");
        case Integer x -> b.append(x);
        case Long x -> b.append(x);
        case java.math.BigInteger x -> b.append(x);
        case Number n -> b.append(pythonFloat(n.doubleValue()));
        case Map<?, ?> m -> {
          b.append('{');
          boolean first = true;
          for (Map.Entry<?, ?> e : m.entrySet()) {
            if (!first) {
              b.append(", ");
            }
            first = false;
            string(String.valueOf(e.getKey()), b);
            b.append(": ");
            dump(e.getValue(), b);
          }
          b.append('}');
        }
        case Collection<?> c -> {
          b.append('[');
          boolean first = true;
          for (Object o : c) {
            if (!first) {
              b.append(", ");
            }
            first = false;
            dump(o, b);
          }
          b.append(']');
        }
        default -> string(v.toString(), b);
      }
    }

    /** Python's float repr: shortest round-trip digits; exponent form below 1e-4 and from 1e16. */
    static String pythonFloat(double d) {
      if (Double.isNaN(d)) {
        return "NaN";
      }
      if (Double.isInfinite(d)) {
        return d > 0 ? "Infinity" : "-Infinity";
      }
      if (d == 0) {
        return 1 / d < 0 ? "-0.0" : "0.0";
      }
      BigDecimal bd = new BigDecimal(Double.toString(d)).stripTrailingZeros();
      String digits = bd.unscaledValue().abs().toString();
      int exp = digits.length() - 1 - bd.scale();
      String sign = d < 0 ? "-" : "";
      if (exp >= -4 && exp < 16) {
        String p = bd.abs().toPlainString();
        return sign + (p.contains(".") ? p : p + ".0");
      }
      String mantissa = digits.length() == 1 ? digits : digits.charAt(0) + "." + digits.substring(1);
      return sign + mantissa + "e" + (exp < 0 ? "-" : "+") + String.format(Locale.ROOT, "%02d", Math.abs(exp));
    }

    static void string(String s, StringBuilder b) {
      b.append('"');
      for (int k = 0; k < s.length(); k++) {
        char ch = s.charAt(k);
        switch (ch) {
          case '"' -> b.append("\\\"");
          case '\\' -> b.append("\\\\");
          case '\n' -> b.append("\\n");
          case '\r' -> b.append("\\r");
          case '\t' -> b.append("\\t");
          case '\b' -> b.append("\\b");
          case '\f' -> b.append("\\f");
          default -> {
            if (ch < 0x20) {
              b.append(String.format(Locale.ROOT, "\\u%04x", (int) ch));
            } else {
              b.append(ch);
            }
          }
        }
      }
      b.append('"');
    }
  }
}
