package dev.loadfuse.picker.extproc;

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
  CLOSED
}
