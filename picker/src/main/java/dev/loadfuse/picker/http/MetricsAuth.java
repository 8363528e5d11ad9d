package dev.loadfuse.picker.http;

import io.fabric8.kubernetes.api.model.authentication.TokenReview;
import io.fabric8.kubernetes.api.model.authentication.TokenReviewBuilder;
import io.fabric8.kubernetes.api.model.authentication.UserInfo;
import io.fabric8.kubernetes.api.model.authorization.v1.SubjectAccessReview;
import io.fabric8.kubernetes.api.model.authorization.v1.SubjectAccessReviewBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.ext.web.RoutingContext;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.LongSupplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * {@code --metrics-endpoint-auth}: the metrics port's data ({@code /metrics}, {@code
 * /v1/endpoints}) only for a caller whose bearer token the API server accepts (a TokenReview) and
 * allows {@code get} on the path (a SubjectAccessReview with non-resource attributes), answering
 * as the reference (controller-runtime's metrics filter) does:
 *
 * <table>
 *   <caption>answers</caption>
 *   <tr><th>case</th><th>status</th><th>body</th></tr>
 *   <tr><td>no {@code Authorization: Bearer} token</td><td>401</td><td>{@code Unauthorized}</td></tr>
 *   <tr><td>token not accepted, or the TokenReview failed</td><td>500</td><td>{@code Authentication failed}</td></tr>
 *   <tr><td>access denied</td><td>403</td><td>{@code Authorization denied for user <name>}</td></tr>
 *   <tr><td>the SubjectAccessReview failed</td><td>500</td><td>{@code Authorization for user <name> failed}</td></tr>
 * </table>
 *
 * <p>Decisions are cached as the reference caches them (an accepted token and an allowed access
 * for a minute, a denial for 30 s), at most {@value #MAX_CACHED} of them; failures are not cached.
 * The reviews are blocking calls and run on a worker thread.
 */
public final class MetricsAuth implements Handler<RoutingContext> {

  /** The most decisions kept (token, verb, path); the oldest go first. */
  public static final int MAX_CACHED = 1024;
  static final long ALLOWED_TTL_NANOS = 60_000_000_000L;
  static final long DENIED_TTL_NANOS = 30_000_000_000L;
  private static final Logger LOG = Logger.getLogger(MetricsAuth.class.getName());
  private static final String TEXT = "text/plain; charset=utf-8";

  private final Vertx vertx;
  private final KubernetesClient client;
  private final LongSupplier nanoClock;
  private final Map<String, Decision> cache = new LinkedHashMap<>(16, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, Decision> eldest) {
      return size() > MAX_CACHED;
    }
  };

  private record Decision(int status, String body, long expiresAtNanos) {}

  public MetricsAuth(Vertx vertx, KubernetesClient client) {
    this(vertx, client, System::nanoTime);
  }

  MetricsAuth(Vertx vertx, KubernetesClient client, LongSupplier nanoClock) {
    this.vertx = vertx;
    this.client = client;
    this.nanoClock = nanoClock;
  }

  @Override
  public void handle(RoutingContext ctx) {
    String header = ctx.request().getHeader("Authorization");
    String token = null;
    if (header != null && header.regionMatches(true, 0, "Bearer ", 0, 7)) {
      token = header.substring(7).trim();
    }
    if (token == null || token.isEmpty()) {
      answer(ctx, new Decision(401, "Unauthorized", 0));
      return;
    }
    String verb = ctx.request().method().name().toLowerCase(Locale.ROOT);
    String path = ctx.request().path();
    String key = verb + " " + path + " " + token;
    Decision cached;
    synchronized (cache) {
      cached = cache.get(key);
      if (cached != null && cached.expiresAtNanos() - nanoClock.getAsLong() <= 0) {
        cache.remove(key);
        cached = null;
      }
    }
    if (cached != null) {
      answer(ctx, cached);
      return;
    }
    String t = token;
    vertx.<Decision>executeBlocking(() -> review(t, verb, path)).onComplete(ar -> {
      Decision d = ar.succeeded() ? ar.result() : new Decision(500, "Authentication failed", 0);
      if (d.expiresAtNanos() != 0) {
        synchronized (cache) {
          cache.put(key, d);
        }
      }
      answer(ctx, d);
    });
  }

  private Decision review(String token, String verb, String path) {
    UserInfo user;
    try {
      TokenReview review = client.authentication().v1().tokenReviews().create(
          new TokenReviewBuilder().withNewSpec().withToken(token).endSpec().build());
      if (review.getStatus() == null || !Boolean.TRUE.equals(review.getStatus().getAuthenticated())
          || review.getStatus().getUser() == null) {
        return new Decision(500, "Authentication failed", 0);
      }
      user = review.getStatus().getUser();
    } catch (RuntimeException e) {
      LOG.log(Level.WARNING, "metrics auth: TokenReview failed: " + e.getMessage());
      return new Decision(500, "Authentication failed", 0);
    }
    String name = user.getUsername();
    try {
      SubjectAccessReview sar = client.authorization().v1().subjectAccessReview().create(new SubjectAccessReviewBuilder()
          .withNewSpec()
          .withUser(name).withUid(user.getUid()).withGroups(user.getGroups()).withExtra(user.getExtra())
          .withNewNonResourceAttributes().withPath(path).withVerb(verb).endNonResourceAttributes()
          .endSpec().build());
      long now = nanoClock.getAsLong();
      if (sar.getStatus() != null && Boolean.TRUE.equals(sar.getStatus().getAllowed())) {
        return new Decision(200, null, now + ALLOWED_TTL_NANOS);
      }
      return new Decision(403, "Authorization denied for user " + name, now + DENIED_TTL_NANOS);
    } catch (RuntimeException e) {
      LOG.log(Level.WARNING, "metrics auth: SubjectAccessReview failed: " + e.getMessage());
      return new Decision(500, "Authorization for user " + name + " failed", 0);
    }
  }

  private static void answer(RoutingContext ctx, Decision d) {
    if (d.status() == 200) {
      ctx.next();
      return;
    }
    ctx.response().setStatusCode(d.status()).putHeader("content-type", TEXT)
        .putHeader("x-content-type-options", "nosniff").end(d.body() + "\n");
  }
}
