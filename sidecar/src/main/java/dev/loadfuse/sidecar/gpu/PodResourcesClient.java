package dev.loadfuse.sidecar.gpu;

import dev.loadfuse.common.errors.Problems;
import dev.loadfuse.sidecar.gpu.podresources.v1.ContainerDevices;
import dev.loadfuse.sidecar.gpu.podresources.v1.ContainerResources;
import dev.loadfuse.sidecar.gpu.podresources.v1.ListPodResourcesRequest;
import dev.loadfuse.sidecar.gpu.podresources.v1.ListPodResourcesResponse;
import dev.loadfuse.sidecar.gpu.podresources.v1.PodResources;
import dev.loadfuse.sidecar.gpu.podresources.v1.PodResourcesListerGrpc;
import io.grpc.ConnectivityState;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.MultiThreadIoEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.Epoll;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollIoHandler;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import io.grpc.stub.StreamObserver;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A client of the kubelet PodResources API v1 ({@code v1.PodResourcesLister/List}, gRPC over
 * the unix socket {@link PodResourcesOptions#socket()}): which GPU and MIG devices each pod on
 * this node holds.
 *
 * <p>grpc-java with the epoll transport of {@code grpc-netty-shaded} (self-contained, carries
 * unix-socket support on Linux x86_64/aarch64); the Vert.x gRPC client would need the native
 * transport added separately and an event loop to run on. Linux only: elsewhere every call
 * fails with a clear message.
 *
 * <p><b>Threading.</b> {@link #list()} never blocks: call it from anywhere, an event loop
 * included. Its future completes on the client's own thread ({@code loadfuse-podresources}),
 * never on an event loop, so keep dependent stages short or hop to a context. Thread-safe.
 */
public final class PodResourcesClient implements AutoCloseable {

  private static final String METHOD = "v1.PodResourcesLister/List";

  private final PodResourcesOptions options;
  private final ExecutorService callbacks;
  private final EventLoopGroup group;
  private final ManagedChannel channel;
  private final PodResourcesListerGrpc.PodResourcesListerStub stub;
  private final Throwable unavailable;

  public PodResourcesClient(PodResourcesOptions options) {
    this.options = Objects.requireNonNull(options, "options");
    this.callbacks =
        Executors.newSingleThreadExecutor(
            Thread.ofPlatform().daemon().name("loadfuse-podresources").factory());
    if (!Epoll.isAvailable()) {
      this.unavailable = Epoll.unavailabilityCause();
      this.group = null;
      this.channel = null;
      this.stub = null;
      return;
    }
    this.unavailable = null;
    this.group =
        new MultiThreadIoEventLoopGroup(
            1,
            Thread.ofPlatform().daemon().name("loadfuse-podresources-io").factory(),
            EpollIoHandler.newFactory());
    this.channel =
        NettyChannelBuilder.forAddress(new DomainSocketAddress(options.socket().toString()))
            .eventLoopGroup(group)
            .channelType(EpollDomainSocketChannel.class)
            .usePlaintext()
            .executor(callbacks)
            // The kubelet's socket: one peer, no load balancing, no retries behind our back.
            .disableRetry()
            .build();
    this.stub = PodResourcesListerGrpc.newStub(channel);
  }

  public PodResourcesOptions options() {
    return options;
  }

  /**
   * Lists the pods' resources and keeps the GPU devices.
   *
   * @return a future of the GPUs per pod, failed with a {@link PodResourcesException} whose
   *     message names the socket and the cause (unreachable, deadline exceeded, UNIMPLEMENTED)
   */
  public CompletableFuture<PodGpus> list() {
    CompletableFuture<PodGpus> out = new CompletableFuture<>();
    if (stub == null) {
      out.completeExceptionally(
          new PodResourcesException(
              "podresources: cannot reach " + options.target()
                  + ": unix sockets need Linux with epoll (" + unavailable + ")",
              unavailable));
      return out;
    }
    // gRPC backs off reconnecting (up to 2 min) and fails calls fast meanwhile. A refresh is
    // rare and should really try, so after a failed connect it reconnects at once and calls
    // when that attempt has settled: a restarted kubelet is seen at the next refresh. The
    // channel may stay in TRANSIENT_FAILURE while retrying, so the call waits at most the
    // deadline and then fails with the connect error.
    if (channel.getState(false) == ConnectivityState.TRANSIENT_FAILURE) {
      AtomicBoolean called = new AtomicBoolean();
      Runnable once = () -> {
        if (called.compareAndSet(false, true)) {
          call(out);
        }
      };
      channel.resetConnectBackoff();
      whenSettled(ConnectivityState.TRANSIENT_FAILURE, once);
      // Should the state never settle, call anyway once the deadline has passed.
      CompletableFuture.delayedExecutor(options.deadline().toNanos(), TimeUnit.NANOSECONDS, callbacks)
          .execute(once);
    } else {
      call(out);
    }
    return out;
  }

  // Runs `then` once the channel has left `from` and is not CONNECTING (READY, or failed again).
  private void whenSettled(ConnectivityState from, Runnable then) {
    channel.notifyWhenStateChanged(
        from,
        () -> {
          // getState(true) also starts a connection when the channel went IDLE.
          ConnectivityState now = channel.getState(true);
          if (now == ConnectivityState.CONNECTING || now == ConnectivityState.IDLE) {
            whenSettled(now, then);
          } else {
            then.run();
          }
        });
  }

  private void call(CompletableFuture<PodGpus> out) {
    stub.withDeadlineAfter(options.deadline().toNanos(), TimeUnit.NANOSECONDS)
        .list(
            ListPodResourcesRequest.getDefaultInstance(),
            new StreamObserver<>() {
              @Override
              public void onNext(ListPodResourcesResponse response) {
                try {
                  out.complete(gpus(response, options));
                } catch (RuntimeException e) {
                  out.completeExceptionally(e);
                }
              }

              @Override
              public void onError(Throwable t) {
                out.completeExceptionally(describe(t));
              }

              @Override
              public void onCompleted() {
                out.completeExceptionally(
                    new PodResourcesException(
                        "podresources: " + METHOD + " on " + options.target() + " returned no response",
                        null));
              }
            });
  }

  /** The GPU devices per pod in a {@code List} response. Package-private for tests. */
  static PodGpus gpus(ListPodResourcesResponse response, PodResourcesOptions options) {
    Map<PodGpus.PodName, List<String>> byPod = new HashMap<>();
    for (PodResources pod : response.getPodResourcesList()) {
      List<String> ids = new ArrayList<>();
      for (ContainerResources c : pod.getContainersList()) {
        for (ContainerDevices d : c.getDevicesList()) {
          if (options.isGpuResource(d.getResourceName())) {
            for (String id : d.getDeviceIdsList()) {
              ids.add(deviceUuid(id));
            }
          }
        }
      }
      if (!ids.isEmpty()) {
        byPod.computeIfAbsent(new PodGpus.PodName(pod.getNamespace(), pod.getName()), k -> new ArrayList<>())
            .addAll(ids);
      }
    }
    return new PodGpus(byPod);
  }

  /**
   * The device plugin's time-slicing gives each replica of a GPU its own id, {@code
   * GPU-<uuid>::<n>}; the GPU is the part before {@code ::}.
   */
  static String deviceUuid(String id) {
    int i = id.indexOf("::");
    return i > 0 ? id.substring(0, i) : id;
  }

  /** The error a user reads for a failed call: what went wrong, on which socket, and what to check. */
  PodResourcesException describe(Throwable t) {
    Status status = Status.fromThrowable(t);
    String target = options.target();
    String desc = status.getDescription() == null ? "" : status.getDescription();
    String cause = Problems.deepestMessage(status.getCause());
    String msg =
        switch (status.getCode()) {
          case UNAVAILABLE -> {
            String reason = cause.isEmpty() ? desc : cause;
            String hint = "";
            if (!Files.exists(options.socket())) {
              reason = "no such socket";
              hint = " (is /var/lib/kubelet/pod-resources mounted into this pod, and the path right?)";
            } else if (reason.contains("Permission denied")) {
              hint = " (the sidecar needs read and write access to the socket: run it as root)";
            } else if (reason.contains("GOAWAY")) {
              // The kubelet closed the connection as the call went out (it stopped or restarted).
              reason = "the kubelet closed the connection (" + reason.replace('\n', ' ') + ")";
              hint = " (kubelet restarting? the next refresh reconnects)";
            }
            yield "podresources: cannot reach " + target + ": " + reason + hint;
          }
          case DEADLINE_EXCEEDED ->
              "podresources: " + METHOD + " on " + target + " did not answer within "
                  + human(options.deadline()) + " (DEADLINE_EXCEEDED)";
          case UNIMPLEMENTED ->
              "podresources: the kubelet at " + target + " does not implement " + METHOD
                  + " (UNIMPLEMENTED" + (desc.isEmpty() ? "" : ": " + desc)
                  + "; kubelet older than 1.20, or the PodResources API is off?)";
          default ->
              "podresources: " + METHOD + " on " + target + " failed: " + status.getCode()
                  + (desc.isEmpty() ? "" : ": " + desc) + (cause.isEmpty() ? "" : " (" + cause + ")");
        };
    return new PodResourcesException(msg, t instanceof StatusRuntimeException ? t : status.asRuntimeException());
  }

  private static String human(java.time.Duration d) {
    long ms = d.toMillis();
    return ms % 1000 == 0 ? (ms / 1000) + " s" : ms + " ms";
  }

  /** Closes the channel and its threads; pending calls fail. Idempotent. */
  @Override
  public void close() {
    if (channel != null) {
      channel.shutdownNow();
      try {
        channel.awaitTermination(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }
    callbacks.shutdown();
  }
}
