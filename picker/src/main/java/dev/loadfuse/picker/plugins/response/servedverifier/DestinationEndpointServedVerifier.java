package dev.loadfuse.picker.plugins.response.servedverifier;

import dev.loadfuse.picker.plugins.NamedPlugin;
import dev.loadfuse.picker.scheduling.ResponseHeader;
import dev.loadfuse.picker.scheduling.SchedulingCycle;
import dev.loadfuse.picker.scheduling.SchedulingResult;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * {@code destination-endpoint-served-verifier} (GIE v1.5, for its conformance suite): tells the
 * client which endpoint Envoy says served the request, by copying Envoy's
 * {@code envoy.lb/x-gateway-destination-endpoint-served} metadata of the response into the
 * {@code x-conformance-test-served-endpoint} response header ({@code fail: ...} when it is missing),
 * so the suite can check that the gateway followed the picker's choice. No parameters.
 */
public final class DestinationEndpointServedVerifier extends NamedPlugin implements ResponseHeader {

  public static final String TYPE = "destination-endpoint-served-verifier";
  /** The response header the conformance suite reads. */
  public static final String RESULT_HEADER = "x-conformance-test-served-endpoint";
  static final String LB_NAMESPACE = "envoy.lb";
  static final String SERVED_KEY = "x-gateway-destination-endpoint-served";

  public DestinationEndpointServedVerifier(String name) {
    super(TYPE, name);
  }

  @Override
  public void responseHeader(SchedulingCycle cycle, SchedulingResult result, Map<String, Map<String, Object>> envoyMetadata,
      BiConsumer<String, String> setHeader) {
    Map<String, Object> lb = envoyMetadata.get(LB_NAMESPACE);
    if (lb == null) {
      setHeader.accept(RESULT_HEADER, "fail: missing envoy lb metadata");
    } else if (lb.get(SERVED_KEY) instanceof String served) {
      setHeader.accept(RESULT_HEADER, served);
    } else {
      setHeader.accept(RESULT_HEADER, "fail: missing destination endpoint served metadata");
    }
  }
}
