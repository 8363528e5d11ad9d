package dev.loadfuse.common.errors;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Takes credentials out of text that may hold a URL or a header before it is shown ({@code
 * lastError} on {@code /v1/load} and {@code /v1/endpoints}, log lines, exit messages): a metrics
 * path such as {@code /metrics?token=abc} or a URL with a user and password must not travel to
 * every reader of the picker's endpoint list.
 *
 * <ul>
 *   <li>the value of every query parameter: {@code /metrics?token=<redacted>&format=<redacted>};
 *   <li>user information in a URL: {@code http://<redacted>@host:8000/metrics};
 *   <li>the value of an Authorization-like header or setting: {@code Authorization: Bearer
 *       <redacted>}, {@code x-api-key: <redacted>}, {@code password=<redacted>}.
 * </ul>
 *
 * <p>Names stay visible (which parameter, which header), so a message still says what went
 * wrong. Stateless and thread-safe.
 */
public final class Redact {

  /** What a removed value reads as. */
  public static final String REDACTED = "<redacted>";

  private static final Pattern USER_INFO = Pattern.compile("(\\b[A-Za-z][A-Za-z0-9+.-]*://)[^/\\s@?#\"']+@");
  private static final Pattern QUERY_VALUE = Pattern.compile("([?&;][^=&;?#\\s\"'<>]+=)(?!<redacted>)[^&;#\\s\"']*");
  private static final Pattern HEADER = Pattern.compile(
      "(?i)\\b((?:proxy-)?authorization|x-api-key|api-key|x-auth-token|cookie|set-cookie)(\\s*[:=]\\s*)"
          + "(?:(bearer|basic|token|digest)\\s+)?[^\\s,;\"']+");
  private static final Pattern SETTING = Pattern.compile(
      "(?i)\\b(password|passwd|secret|token|access_token|api_key|apikey)(\\s*[:=]\\s*)(?!<redacted>)[^\\s,;&\"']+");
  private static final Pattern BEARER = Pattern.compile("(?i)\\b(bearer)\\s+(?!<redacted>)[A-Za-z0-9._~+/=-]+");

  private Redact() {}

  /** {@code text} with every credential-like value replaced by {@value #REDACTED}; null stays null. */
  public static String text(String text) {
    if (text == null || text.isEmpty()) {
      return text;
    }
    // Cheap test first: most messages have none of the characters a credential needs.
    if (text.indexOf('=') < 0 && text.indexOf('@') < 0 && text.indexOf(':') < 0
        && !text.toLowerCase(java.util.Locale.ROOT).contains("bearer")) {
      return text;
    }
    String s = USER_INFO.matcher(text).replaceAll(m -> Matcher.quoteReplacement(m.group(1) + REDACTED + "@"));
    s = QUERY_VALUE.matcher(s).replaceAll(m -> Matcher.quoteReplacement(m.group(1) + REDACTED));
    s = HEADER.matcher(s).replaceAll(m -> Matcher.quoteReplacement(
        m.group(1) + m.group(2) + (m.group(3) == null ? "" : m.group(3) + " ") + REDACTED));
    s = SETTING.matcher(s).replaceAll(m -> Matcher.quoteReplacement(m.group(1) + m.group(2) + REDACTED));
    s = BEARER.matcher(s).replaceAll(m -> Matcher.quoteReplacement(m.group(1) + " " + REDACTED));
    return s;
  }
}
