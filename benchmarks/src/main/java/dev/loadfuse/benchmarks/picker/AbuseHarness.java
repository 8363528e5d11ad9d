package dev.loadfuse.benchmarks.picker;

import com.google.protobuf.ByteString;
import io.envoyproxy.envoy.config.core.v3.HeaderMap;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.extensions.filters.http.ext_proc.v3.ProcessingMode.BodySendMode;
import io.envoyproxy.envoy.service.ext_proc.v3.ProtocolConfiguration;
import io.envoyproxy.envoy.service.ext_proc.v3.ExternalProcessorGrpc;
import io.envoyproxy.envoy.service.ext_proc.v3.HttpBody;
import io.envoyproxy.envoy.service.ext_proc.v3.HttpHeaders;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingRequest;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingResponse;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.StreamObserver;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Issue 14's memory attacks on a picker in a child JVM with the heap of its pod ({@code -Xmx716m},
 * {@code -XX:+ExitOnOutOfMemoryError}, the default limits), heap measured after a full GC with
 * {@code jcmd}:
 *
 * <ol>
 *   <li>idle streams: {@code --streams} (20,000: the default {@code --max-open-streams}) streams that
 *       sent only request headers, over {@code --channels} connections: heap per idle stream; then one
 *       more stream, which must be answered 503;
 *   <li>24 concurrent 31 MiB bodies in BUFFERED mode (one gRPC message each): every stream must be
 *       answered (routed, or 503 from the buffer budget), the picker must stay up and serve a small
 *       request afterwards.
 * </ol>
 *
 * <p>Run: {@code java -Xmx3g -cp benchmarks/target/benchmarks.jar
 * dev.loadfuse.benchmarks.picker.AbuseHarness [--streams 20000] [--channels 4] [--bodies 24]}.
 * Exits 1 when an attack was not held. Results in benchmarks/README.md ("Abuse harness").
 */
public final class AbuseHarness {

  private AbuseHarness() {}

  public static void main(String[] args) throws Exception {
    int streams = intArg(args, "--streams", 20_000);
    int channels = intArg(args, "--channels", 4);
    int bodies = intArg(args, "--bodies", 24);
    Path dir = Files.createTempDirectory("loadfuse-abuse");
    Path endpoints = Files.writeString(dir.resolve("endpoints.yaml"),
        "pool: {name: abuse}\nendpoints:\n  - {name: a, address: \"127.0.0.1\", port: 1}\n");
    int grpc = freePort();
    String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process picker = new ProcessBuilder(javaBin, "-Xmx716m", "-XX:+ExitOnOutOfMemoryError",
        "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
        "dev.loadfuse.picker.cli.PickerMain", "--endpoints-file", endpoints.toString(), "--secure-serving=false",
        "--gpu-probe", "none", "--bind-address", "127.0.0.1", "--grpc-port", Integer.toString(grpc),
        "--grpc-health-port", Integer.toString(freePort()), "--metrics-port", Integer.toString(freePort()),
        "--request-idle-timeout", "10m", "--request-timeout", "10m")
        .redirectErrorStream(true).start();
    boolean held = true;
    try {
      awaitServing(picker);
      List<ManagedChannel> chs = new ArrayList<>();
      for (int i = 0; i < channels; i++) {
        chs.add(NettyChannelBuilder.forAddress("127.0.0.1", grpc).usePlaintext().maxInboundMessageSize(64 << 20).build());
      }
      held &= serves(chs.getFirst(), "before");
      long base = heapAfterGcBytes(picker.pid());

      // 1. Idle streams.
      List<Call> idle = new ArrayList<>();
      for (int i = 0; i < streams; i++) {
        Call c = new Call(chs.get(i % channels));
        c.send(headers(BodySendMode.BUFFERED, false));
        idle.add(c);
      }
      for (Call c : idle) {
        c.next(120);
      }
      long withIdle = heapAfterGcBytes(picker.pid());
      System.out.printf("idle streams: %,d open; heap after GC %.1f MiB (baseline %.1f MiB): %,d bytes per idle stream%n",
          streams, withIdle / 1048576.0, base / 1048576.0, (withIdle - base) / streams);
      Call over = new Call(chs.getFirst());
      over.send(headers(BodySendMode.BUFFERED, false));
      ProcessingResponse r = over.next(60);
      String answer = r.getImmediateResponse().getStatus().getCodeValue() + " " + r.getImmediateResponse().getBody().toStringUtf8();
      System.out.println("stream " + (streams + 1) + ": " + answer);
      held &= answer.startsWith("503 ");
      idle.forEach(Call::cancel);
      over.cancel();
      Thread.sleep(2_000); // let the server see the resets before measuring

      // 2. Concurrent large bodies, one BUFFERED message each.
      byte[] prompt = new byte[31 << 20];
      java.util.Arrays.fill(prompt, (byte) 'x');
      ByteString body = ByteString.copyFromUtf8("{\"model\":\"m\",\"prompt\":\"")
          .concat(ByteString.copyFrom(prompt, 0, prompt.length - 64)).concat(ByteString.copyFromUtf8("\"}"));
      ProcessingRequest bodyMessage = ProcessingRequest.newBuilder()
          .setRequestBody(HttpBody.newBuilder().setBody(body).setEndOfStream(true)).build();
      List<Call> large = new ArrayList<>();
      for (int i = 0; i < bodies; i++) {
        Call c = new Call(chs.get(i % channels));
        c.send(headers(BodySendMode.BUFFERED, false));
        large.add(c);
      }
      for (Call c : large) {
        c.next(60); // headers answered at once
      }
      large.forEach(c -> c.send(bodyMessage));
      int routed = 0;
      int refused = 0;
      for (Call c : large) {
        ProcessingResponse a = c.next(180);
        if (a.hasImmediateResponse()) {
          refused++;
          if (refused == 1) {
            System.out.println("large body refused: " + a.getImmediateResponse().getStatus().getCodeValue() + " "
                + a.getImmediateResponse().getBody().toStringUtf8());
          }
        } else {
          routed++;
        }
        c.cancel();
      }
      long afterLarge = heapAfterGcBytes(picker.pid());
      System.out.printf("%d concurrent 31 MiB BUFFERED bodies: %d routed, %d refused 503, 0 unanswered; picker alive: %s;"
          + " heap after GC %.1f MiB%n", bodies, routed, refused, picker.isAlive(), afterLarge / 1048576.0);
      held &= picker.isAlive() && routed + refused == bodies;
      held &= serves(chs.getFirst(), "after");
      chs.forEach(ManagedChannel::shutdownNow);
    } catch (Exception | AssertionError e) {
      System.out.println("attack not held: " + e);
      held = false;
    } finally {
      picker.destroy();
      picker.waitFor(20, TimeUnit.SECONDS);
    }
    System.out.println(held ? "HELD" : "NOT HELD");
    System.exit(held ? 0 : 1);
  }

  private static boolean serves(ManagedChannel ch, String when) {
    Call c = new Call(ch);
    c.send(ProcessingRequest.newBuilder().setRequestHeaders(HttpHeaders.newBuilder().setEndOfStream(true)
        .setHeaders(HeaderMap.newBuilder()
            .addHeaders(HeaderValue.newBuilder().setKey(":method").setRawValue(ByteString.copyFromUtf8("GET")))
            .addHeaders(HeaderValue.newBuilder().setKey(":path").setRawValue(ByteString.copyFromUtf8("/v1/models")))))
        .build());
    boolean ok = c.next(60).hasRequestHeaders();
    c.cancel();
    System.out.println("a small request " + when + ": " + (ok ? "routed" : "NOT routed"));
    return ok;
  }

  private static ProcessingRequest headers(BodySendMode mode, boolean endOfStream) {
    return ProcessingRequest.newBuilder()
        .setProtocolConfig(ProtocolConfiguration.newBuilder().setRequestBodyMode(mode).setResponseBodyMode(BodySendMode.NONE))
        .setRequestHeaders(HttpHeaders.newBuilder().setEndOfStream(endOfStream).setHeaders(HeaderMap.newBuilder()
            .addHeaders(HeaderValue.newBuilder().setKey(":method").setRawValue(ByteString.copyFromUtf8("POST")))
            .addHeaders(HeaderValue.newBuilder().setKey(":path").setRawValue(ByteString.copyFromUtf8("/v1/completions")))))
        .build();
  }

  /** One ext_proc stream from the client side. */
  private static final class Call {
    private final java.util.concurrent.LinkedBlockingQueue<ProcessingResponse> answers =
        new java.util.concurrent.LinkedBlockingQueue<>();
    private final StreamObserver<ProcessingRequest> out;
    private volatile ClientCallStreamObserver<ProcessingRequest> call;

    Call(ManagedChannel ch) {
      out = ExternalProcessorGrpc.newStub(ch).process(new ClientResponseObserver<ProcessingRequest, ProcessingResponse>() {
        @Override
        public void beforeStart(ClientCallStreamObserver<ProcessingRequest> requestStream) {
          call = requestStream;
        }

        @Override
        public void onNext(ProcessingResponse value) {
          answers.add(value);
        }

        @Override
        public void onError(Throwable t) {}

        @Override
        public void onCompleted() {}
      });
    }

    void send(ProcessingRequest r) {
      out.onNext(r);
    }

    ProcessingResponse next(int seconds) {
      try {
        ProcessingResponse r = answers.poll(seconds, TimeUnit.SECONDS);
        if (r == null) {
          throw new AssertionError("no answer within " + seconds + " s");
        }
        return r;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }

    void cancel() {
      call.cancel("done", null);
    }
  }

  private static void awaitServing(Process p) throws IOException {
    BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
    String line;
    while ((line = out.readLine()) != null) {
      if (line.startsWith("loadfuse picker: ext_proc")) {
        Thread drain = new Thread(() -> {
          try {
            String l;
            while ((l = out.readLine()) != null) {
              if (l.contains("OutOfMemory") || l.contains("SEVERE")) {
                System.out.println("picker: " + l);
              }
            }
          } catch (IOException ignored) {
            // the picker ended
          }
        });
        drain.setDaemon(true);
        drain.start();
        return;
      }
    }
    throw new IOException("the picker did not start");
  }

  private static final Pattern USED = Pattern.compile("used (\\d+)K");

  /** The child's heap in use after a full GC, from {@code jcmd}. */
  static long heapAfterGcBytes(long pid) throws IOException, InterruptedException {
    String jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd").toString();
    new ProcessBuilder(jcmd, Long.toString(pid), "GC.run").redirectErrorStream(true).start().waitFor();
    Process info = new ProcessBuilder(jcmd, Long.toString(pid), "GC.heap_info").redirectErrorStream(true).start();
    String text = new String(info.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    info.waitFor();
    Matcher m = USED.matcher(text);
    if (!m.find()) {
      throw new IOException("jcmd GC.heap_info: no \"used\" in: " + text);
    }
    return Long.parseLong(m.group(1)) * 1024;
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  private static int intArg(String[] args, String name, int dflt) {
    for (int i = 0; i < args.length - 1; i++) {
      if (args[i].equals(name)) {
        return Integer.parseInt(args[i + 1]);
      }
    }
    return dflt;
  }
}
