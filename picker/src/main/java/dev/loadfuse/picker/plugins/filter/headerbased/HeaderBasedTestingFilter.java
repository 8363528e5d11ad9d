package dev.loadfuse.picker.plugins.filter.headerbased;

import dev.loadfuse.picker.candidate.EndpointView;
import dev.loadfuse.picker.plugins.NamedPlugin;
import dev.loadfuse.picker.scheduling.Filter;
import dev.loadfuse.picker.scheduling.SchedulingCycle;

/**
 * {@code header-based-testing-filter} (GIE conformance): keeps the endpoints the request names in its
 * {@value #HEADER} header, a comma-separated list of {@code IP} or {@code IP:port} items; a bare IP
 * keeps every endpoint at that IP, an {@code IP:port} only the exact one. No header, or a blank one,
 * keeps nothing. For tests only: the client chooses the endpoint.
 */
public final class HeaderBasedTestingFilter extends NamedPlugin implements Filter {

  public static final String TYPE = "header-based-testing-filter";
  public static final String HEADER = "test-epp-endpoint-selection";

  public HeaderBasedTestingFilter(String name) {
    super(TYPE, name);
  }

  @Override
  public int filter(SchedulingCycle cycle, EndpointView[] candidates, int count) {
    String value = cycle.request().headers().get(HEADER);
    if (value == null || value.isBlank()) {
      return 0;
    }
    String[] items = value.split(",");
    int kept = 0;
    for (int i = 0; i < count; i++) {
      if (named(items, candidates[i].hostPort())) {
        candidates[kept++] = candidates[i];
      }
    }
    return kept;
  }

  private static boolean named(String[] items, String hostPort) {
    String host = host(hostPort);
    for (String raw : items) {
      String item = raw.strip();
      if (item.isEmpty()) {
        continue;
      }
      boolean hasPort = item.startsWith("[") ? item.contains("]:") : item.indexOf(':') == item.lastIndexOf(':')
          && item.indexOf(':') >= 0;
      if (hasPort ? normalize(item).equals(normalize(hostPort)) : unbracket(item).equals(host)) {
        return true;
      }
    }
    return false;
  }

  /** The host part of {@code host:port} (IPv6 bracketed), unbracketed. */
  private static String host(String hostPort) {
    int colon = hostPort.lastIndexOf(':');
    return unbracket(colon < 0 ? hostPort : hostPort.substring(0, colon));
  }

  private static String normalize(String hostPort) {
    int colon = hostPort.lastIndexOf(':');
    return unbracket(hostPort.substring(0, colon)) + hostPort.substring(colon);
  }

  private static String unbracket(String host) {
    return host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
  }
}
