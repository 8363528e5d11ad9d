package dev.loadfuse.picker.extproc;

import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingResponse;
import java.util.ArrayList;
import java.util.List;

/** What a stream answered, and how often it was ended: the sink of the stream tests. */
final class RecordedSink implements StreamSink {
  final List<ProcessingResponse> sent = new ArrayList<>();
  int ended;

  @Override
  public void send(ProcessingResponse r) {
    sent.add(r);
  }

  @Override
  public void end() {
    ended++;
  }

  /** The last answer as an ImmediateResponse: {@code <status> <body>}. */
  String immediate() {
    return sent.getLast().getImmediateResponse().getStatus().getCodeValue() + " "
        + sent.getLast().getImmediateResponse().getBody().toStringUtf8();
  }
}
