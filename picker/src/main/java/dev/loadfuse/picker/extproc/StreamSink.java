package dev.loadfuse.picker.extproc;

import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingResponse;

/** Where an {@link ExtProcStream}'s answers go: the gRPC response observer, or a test's recorder. */
interface StreamSink {
  void send(ProcessingResponse response);

  void end();
}
