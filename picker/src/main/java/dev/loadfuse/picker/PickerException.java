package dev.loadfuse.picker;

import java.util.Objects;

/**
 * A request the picker refuses, with the reason the client sees. The ext_proc server turns it into
 * an {@code ImmediateResponse} in exactly one place ({@code extproc.ErrorResponses}): the HTTP
 * status of its {@link Code} and the body {@code inference error: <Code> - <reason>}, as the
 * reference endpoint picker does.
 *
 * <p>Thrown on the request path for expected refusals, so it carries no stack trace.
 */
public final class PickerException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  /** The error codes of the reference picker (plus {@code PayloadTooLarge}) and their HTTP status. */
  public enum Code {
    /** Invalid JSON, missing {@code model}, missing field the API needs. */
    BAD_REQUEST("BadRequest", 400),
    /** The request body is larger than the configured limit. */
    PAYLOAD_TOO_LARGE("PayloadTooLarge", 413),
    /** The request did not arrive in time (no message for too long, or not complete by its deadline). */
    REQUEST_TIMEOUT("RequestTimeout", 408),
    /** A configuration object the request names is missing or invalid. */
    BAD_CONFIGURATION("BadConfiguration", 404),
    /** Every endpoint was filtered out, or the pool is saturated for a sheddable request. */
    RESOURCE_EXHAUSTED("ResourceExhausted", 429),
    /**
     * No candidate endpoint at all (e.g. an empty subset hint), or the picker is at one of its own
     * limits (open streams, buffered bytes).
     */
    SERVICE_UNAVAILABLE("ServiceUnavailable", 503),
    /** A failure of the picker itself, or no endpoint known for a header-only request. */
    INTERNAL("Internal", 500);

    private final String label;
    private final int httpStatus;

    Code(String label, int httpStatus) {
      this.label = label;
      this.httpStatus = httpStatus;
    }

    /** The name in the response body and the {@code error_code} metric label, e.g. {@code BadRequest}. */
    public String label() {
      return label;
    }

    public int httpStatus() {
      return httpStatus;
    }
  }

  /** The llm-d router's response header that says why flow control dropped a request. */
  public static final String DROPPED_REASON_HEADER = "x-llm-d-request-dropped-reason";

  private final Code code;
  private final String reason;
  private final String droppedReason;

  public PickerException(Code code, String reason) {
    this(code, reason, null);
  }

  /**
   * @param droppedReason the value of {@link #DROPPED_REASON_HEADER} on the response (the router's
   *     flow-control answers), null for none
   */
  public PickerException(Code code, String reason, String droppedReason) {
    super(Objects.requireNonNull(code, "code").label() + " - " + reason, null, false, false);
    this.code = code;
    this.reason = Objects.requireNonNull(reason, "reason");
    this.droppedReason = droppedReason;
  }

  /** The value of {@link #DROPPED_REASON_HEADER}, null when the response has none. */
  public String droppedReason() {
    return droppedReason;
  }

  public Code code() {
    return code;
  }

  public String reason() {
    return reason;
  }

  /** The response body the client sees: {@code inference error: <Code> - <reason>}. */
  public String body() {
    return "inference error: " + code.label() + " - " + reason;
  }
}
