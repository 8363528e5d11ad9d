package dev.loadfuse.picker.extproc;

import com.google.protobuf.ByteString;
import dev.loadfuse.picker.PickerException;
import io.envoyproxy.envoy.service.ext_proc.v3.ImmediateResponse;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingResponse;
import io.envoyproxy.envoy.type.v3.HttpStatus;
import io.envoyproxy.envoy.type.v3.StatusCode;

/**
 * The one mapping from a refused request to what Envoy answers the client: an {@code
 * ImmediateResponse} with the HTTP status of the error's code and the body {@code inference error:
 * <Code> - <reason>}.
 */
public final class ErrorResponses {

  private ErrorResponses() {}

  public static ProcessingResponse immediate(PickerException e) {
    StatusCode status = StatusCode.forNumber(e.code().httpStatus());
    if (status == null) {
      status = StatusCode.InternalServerError;
    }
    return ProcessingResponse.newBuilder()
        .setImmediateResponse(ImmediateResponse.newBuilder()
            .setStatus(HttpStatus.newBuilder().setCode(status))
            .setBody(ByteString.copyFromUtf8(e.body())))
        .build();
  }
}
