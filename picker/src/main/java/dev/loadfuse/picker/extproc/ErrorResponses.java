package dev.loadfuse.picker.extproc;

import com.google.protobuf.ByteString;
import dev.loadfuse.picker.PickerException;
import io.envoyproxy.envoy.service.ext_proc.v3.HeaderMutation;
import io.envoyproxy.envoy.service.ext_proc.v3.ImmediateResponse;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingResponse;
import io.envoyproxy.envoy.type.v3.HttpStatus;
import io.envoyproxy.envoy.type.v3.StatusCode;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The one mapping from a refused request to what Envoy answers the client: an {@code
 * ImmediateResponse} with the HTTP status of the error's code and the body {@code inference error:
 * <Code> - <reason>}.
 */
public final class ErrorResponses {

  private static final Logger LOG = Logger.getLogger(ErrorResponses.class.getName());

  private ErrorResponses() {}

  /**
   * What refuses the request: {@code failure} itself when it is a {@link PickerException}, else
   * (a failure of the picker, logged with the request's id) {@code Internal}.
   */
  static PickerException refusal(RuntimeException failure, String requestId) {
    PickerException e;
    if (failure instanceof PickerException pe) {
      e = pe;
    } else {
      LOG.log(Level.WARNING, "ext_proc stream of request " + requestId + " failed", failure);
      e = new PickerException(PickerException.Code.INTERNAL, "internal error: " + failure);
    }
    if (LOG.isLoggable(Level.FINE)) {
      LOG.fine("request " + requestId + ": " + e.body());
    }
    return e;
  }

  public static ProcessingResponse immediate(PickerException e) {
    StatusCode status = StatusCode.forNumber(e.code().httpStatus());
    if (status == null) {
      status = StatusCode.InternalServerError;
    }
    ImmediateResponse.Builder r = ImmediateResponse.newBuilder()
        .setStatus(HttpStatus.newBuilder().setCode(status))
        .setBody(ByteString.copyFromUtf8(e.body()));
    if (e.droppedReason() != null) {
      r.setHeaders(HeaderMutation.newBuilder()
          .addSetHeaders(Responses.header(PickerException.DROPPED_REASON_HEADER, e.droppedReason())));
    }
    return ProcessingResponse.newBuilder().setImmediateResponse(r).build();
  }
}
