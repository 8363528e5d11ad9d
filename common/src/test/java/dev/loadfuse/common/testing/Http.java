package dev.loadfuse.common.testing;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

/** Plain HTTP/1.1 requests to a test's own servers (a {@code /metrics} or JSON page on loopback). */
public final class Http {

  private Http() {}

  /** The body of {@code GET url}, whatever the status. */
  public static String get(String url) throws IOException, InterruptedException {
    try (HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()) {
      return client.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString()).body();
    }
  }
}
