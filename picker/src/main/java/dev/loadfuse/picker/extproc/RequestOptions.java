package dev.loadfuse.picker.extproc;

import dev.loadfuse.picker.tracing.Tracing;
import java.util.Objects;

/**
 * How the request path treats each request beyond routing it; fixed before serving.
 *
 * @param parseBodies false when the config's only parser is {@code passthrough-parser}: bodies are
 *     forwarded unread (no model rewrite, no prompt)
 * @param tracing the requests' traces ({@link Tracing#OFF}: none)
 * @param subsetHints false with {@code --disable-endpoint-subset-filter}: Envoy's subset hint is
 *     ignored and every endpoint is a candidate
 * @param emitEndpointScores {@code --emit-endpoint-scores}: the routing answer carries the scored
 *     candidates' scores
 * @param maxSendBytes the largest message sent to Envoy ({@code --grpc-max-send-msg-size}); a larger
 *     one ends the stream with {@code RESOURCE_EXHAUSTED}, as gRPC does
 * @param streamMetrics the ext_proc stream metrics ({@code --enable-grpc-stream-metrics})
 */
public record RequestOptions(boolean parseBodies, Tracing tracing, boolean subsetHints, boolean emitEndpointScores,
    long maxSendBytes, StreamMetrics streamMetrics) {

  /** Bodies parsed, no tracing, subset hints honoured, no scores, no send limit, no stream metrics. */
  public static final RequestOptions DEFAULT =
      new RequestOptions(true, Tracing.OFF, true, false, Long.MAX_VALUE, StreamMetrics.NONE);

  public RequestOptions {
    Objects.requireNonNull(tracing, "tracing");
    Objects.requireNonNull(streamMetrics, "streamMetrics");
    if (maxSendBytes < 1) {
      throw new IllegalArgumentException("maxSendBytes: " + maxSendBytes + " (expected: >= 1)");
    }
  }
}
