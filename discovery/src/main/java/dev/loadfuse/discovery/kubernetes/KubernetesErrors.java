package dev.loadfuse.discovery.kubernetes;

import dev.loadfuse.common.errors.Problems;
import dev.loadfuse.common.errors.Redact;
import io.fabric8.kubernetes.client.KubernetesClientException;

/**
 * One-line descriptions of what went wrong talking to the API server, for log lines and
 * {@code DiscoveryException}s: the HTTP status and the server's reason when there is one, else the
 * exception's kind and first line. Shared by every watcher of loadfuse.
 */
public final class KubernetesErrors {

  private KubernetesErrors() {}

  /** Whether the server answered 404: the resource (a CRD's kind) is not served. */
  public static boolean isNotFound(Throwable t) {
    return Problems.unwrap(t) instanceof KubernetesClientException k && k.getCode() == 404;
  }

  /** E.g. {@code HTTP 403: pods is forbidden: ...} or {@code ConnectException: Connection refused}. */
  public static String message(Throwable t) {
    Throwable u = Problems.unwrap(t);
    if (u instanceof KubernetesClientException k && k.getCode() > 0) {
      String reason = k.getStatus() != null && k.getStatus().getMessage() != null
          ? k.getStatus().getMessage()
          : k.getMessage();
      return "HTTP " + k.getCode() + ": " + firstLine(reason);
    }
    String m = u.getMessage();
    return u.getClass().getSimpleName() + (m == null || m.isBlank() ? "" : ": " + firstLine(m));
  }

  /** The first line, credentials taken out (a server URL with a token, a header echoed back). */
  private static String firstLine(String s) {
    int nl = s.indexOf('\n');
    return Redact.text(nl < 0 ? s : s.substring(0, nl));
  }
}
