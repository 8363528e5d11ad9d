package dev.loadfuse.picker.scheduling;

/**
 * Told of each routed request's finished response (the reference's request-control
 * {@code ResponseComplete} point): the place for bookkeeping that follows a response, e.g. counting
 * a request as no longer in flight on its endpoint.
 *
 * <p>Contract: called at most once per request that was routed and whose response reached Envoy's
 * end (end of stream or trailers), on the stream's thread, after the last answer was sent; never
 * for a request that failed before routing. Called concurrently from event-loop threads; must not
 * block. An exception is logged and does not affect the response.
 */
public interface ResponseComplete extends Plugin {

  /**
   * @param status the response's {@code :status}, 0 when none came
   * @param promptTokens the usage's prompt tokens, -1 when the response carried no usage
   * @param completionTokens the usage's completion tokens, -1 when the response carried no usage
   */
  void responseComplete(SchedulingCycle cycle, SchedulingResult result, int status, long promptTokens,
      long completionTokens);
}
