package dev.loadfuse.picker.extproc;

import dev.loadfuse.picker.PickerException;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingRequest;
import java.util.Locale;

/**
 * Where an {@link ExtProcStream} is. Messages are ignored once it is {@link #FAILED} or
 * {@link #CLOSED}.
 */
enum StreamPhase {
  /** Nothing received yet. */
  REQUEST_HEADERS,
  /** Request headers received (or a body without them): buffering the body. */
  REQUEST_BODY,
  /** Admitted, waiting at the admission gate to be scheduled. */
  WAITING,
  /** Envoy has the routing answer; the response has not begun. */
  ROUTED,
  /** Response headers received. */
  RESPONSE,
  /** The response ended: counted, in-flight released. */
  DONE,
  /** Refused with an ImmediateResponse; the stream ended. */
  FAILED,
  /** Envoy ended the stream, or it broke. */
  CLOSED;

  /**
   * Returns {@code m}, a response-phase message, if the request has been routed; else refuses it:
   * Envoy sends response phases only for a request it routed with the picker's answer.
   */
  ProcessingRequest requireRouted(ProcessingRequest m) {
    if (this != ROUTED && this != RESPONSE && this != DONE) {
      throw new PickerException(PickerException.Code.BAD_REQUEST, m.getRequestCase().name().toLowerCase(Locale.ROOT)
          + " received before the request was routed (stream phase: " + name().toLowerCase(Locale.ROOT) + ")");
    }
    return m;
  }
}
