package dev.loadfuse.sidecar.gpu;

import dev.loadfuse.sidecar.gpu.podresources.v1.ListPodResourcesRequest;
import dev.loadfuse.sidecar.gpu.podresources.v1.ListPodResourcesResponse;
import dev.loadfuse.sidecar.gpu.podresources.v1.PodResourcesListerGrpc;
import io.grpc.BindableService;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.MultiThreadIoEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollIoHandler;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A fake kubelet PodResources server on a unix socket: answers {@code List} with whatever {@link
 * #answer} says (a response, an error status, or never).
 */
final class FakeKubelet implements AutoCloseable {

  /** What the next {@code List} calls get; {@code null} response with {@code null} status: hang. */
  record Answer(ListPodResourcesResponse response, Status status) {
    static Answer of(ListPodResourcesResponse r) {
      return new Answer(r, null);
    }

    static Answer fail(Status s) {
      return new Answer(null, s);
    }

    static Answer hang() {
      return new Answer(null, null);
    }
  }

  volatile Answer answer = Answer.of(ListPodResourcesResponse.getDefaultInstance());
  final AtomicInteger calls = new AtomicInteger();
  private final Server server;
  private final EventLoopGroup boss;
  private final EventLoopGroup workers;

  /** Serves the PodResources v1 service at {@code socket}. */
  static FakeKubelet serving(Path socket) throws IOException {
    return new FakeKubelet(socket, true);
  }

  /** Serves nothing at {@code socket}: every method is UNIMPLEMENTED. */
  static FakeKubelet servingNothing(Path socket) throws IOException {
    return new FakeKubelet(socket, false);
  }

  private FakeKubelet(Path socket, boolean withService) throws IOException {
    boss = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
    workers = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
    NettyServerBuilder b =
        NettyServerBuilder.forAddress(new DomainSocketAddress(socket.toString()))
            .channelType(EpollServerDomainSocketChannel.class)
            .bossEventLoopGroup(boss)
            .workerEventLoopGroup(workers);
    if (withService) {
      b.addService(service());
    } else {
      b.addService(ServerServiceDefinition.builder("unrelated.Service").build());
    }
    server = b.build().start();
  }

  private BindableService service() {
    return new PodResourcesListerGrpc.PodResourcesListerImplBase() {
      @Override
      public void list(ListPodResourcesRequest request, StreamObserver<ListPodResourcesResponse> out) {
        calls.incrementAndGet();
        Answer a = answer;
        if (a.response() != null) {
          out.onNext(a.response());
          out.onCompleted();
        } else if (a.status() != null) {
          out.onError(a.status().asRuntimeException());
        } // else: never answer; the client's deadline ends the call
      }
    };
  }

  @Override
  public void close() {
    server.shutdownNow();
    try {
      server.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    boss.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    workers.shutdownGracefully(0, 1, TimeUnit.SECONDS);
  }
}
