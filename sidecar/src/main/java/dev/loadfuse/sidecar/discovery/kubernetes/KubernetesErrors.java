package dev.loadfuse.sidecar.discovery.kubernetes;

import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/**
 * One-line descriptions of what went wrong talking to the API server, for log lines and
 * {@code DiscoveryException}s: the HTTP status and the server's reason when there is one, else the
 * exception's kind and first line. Shared by the sidecar's and the picker's informers.
 */
public final class KubernetesErrors {

  private KubernetesErrors() {}

  /** The cause of a future's {@link CompletionException} / {@link ExecutionException} wrapping. */
  public static Throwable unwrap(Throwable t) {
    while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }

  /** Whether the server answered 404: the resource (a CRD's kind) is not served. */
  public static boolean isNotFound(Throwable t) {
    return unwrap(t) instanceof KubernetesClientException k && k.getCode() == 404;
  }

  /** E.g. {@code HTTP 403: pods is forbidden: ...} or {@code ConnectException: Connection refused}. */
  public static String message(Throwable t) {
    Throwable u = unwrap(t);
    if (u instanceof KubernetesClientException k && k.getCode() > 0) {
      String reason = k.getStatus() != null && k.getStatus().getMessage() != null
          ? k.getStatus().getMessage()
          : k.getMessage();
      return "HTTP " + k.getCode() + ": " + firstLine(reason);
    }
    String m = u.getMessage();
    return u.getClass().getSimpleName() + (m == null || m.isBlank() ? "" : ": " + firstLine(m));
  }

  private static String firstLine(String s) {
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }
}
