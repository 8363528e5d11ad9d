package dev.loadfuse.sidecar.scrape;

import dev.loadfuse.common.errors.Redact;

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

  /** The page's URL for messages: IPv6 literals in brackets, query values redacted ({@link Redact}). */
  public String url() {
    String h = host.indexOf(':') >= 0 && !host.startsWith("[") ? "[" + host + "]" : host;
    return Redact.text("http://" + h + ":" + port + path);
  }
}
