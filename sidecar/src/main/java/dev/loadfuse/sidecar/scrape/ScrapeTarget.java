package dev.loadfuse.sidecar.scrape;

/** Where a /metrics page is fetched from. {@code host} is a hostname or an IP literal (IPv6 unbracketed). */
public record ScrapeTarget(String host, int port, String path) {

  public ScrapeTarget {
    if (host == null || host.isBlank()) {
      throw new IllegalArgumentException("host: missing");
    }
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("port: " + port + " (expected: [1, 65535])");
    }
    if (path == null || !path.startsWith("/")) {
      throw new IllegalArgumentException("path: " + path + " (expected: starting with /)");
    }
  }

  /** The page's URL, IPv6 literals in brackets, for messages. */
  public String url() {
    String h = host.indexOf(':') >= 0 && !host.startsWith("[") ? "[" + host + "]" : host;
    return "http://" + h + ":" + port + path;
  }
}
