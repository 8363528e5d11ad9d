package dev.loadfuse.picker.scheduling;

import java.util.Map;
import java.util.function.BiConsumer;

/**
 * Told of a routed request's response headers (the reference's request-control
 * {@code ResponseHeader} point), with the Envoy metadata that came with them; may set headers on the
 * response to the client.
 *
 * <p>Contract: called at most once per routed request, on the stream's thread, before Envoy gets
 * its answer to the response headers; must not block. An exception is logged and does not affect
 * the response.
 */
public interface ResponseHeader extends Plugin {

  /**
   * @param envoyMetadata Envoy's filter metadata sent with the response headers, by namespace
   *     ({@code envoy.lb} → {@code x-gateway-destination-endpoint-served} → {@code ip:port}); values
   *     are strings, numbers, booleans, lists and maps; empty when none came
   * @param setHeader sets a header on the response to the client
   */
  void responseHeader(SchedulingCycle cycle, SchedulingResult result, Map<String, Map<String, Object>> envoyMetadata,
      BiConsumer<String, String> setHeader);
}
