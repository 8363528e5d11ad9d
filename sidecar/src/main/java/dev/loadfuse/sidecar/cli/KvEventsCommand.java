package dev.loadfuse.sidecar.cli;

import dev.loadfuse.engine.kvevents.KvEvent;
import dev.loadfuse.engine.kvevents.KvEventBatch;
import dev.loadfuse.engine.kvevents.KvEventSubscriber;
import dev.loadfuse.engine.kvevents.KvMessage;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code kv-events}: subscribes to one engine's KV-cache event stream and prints every decoded
 * batch (and every refused message, replay and resync) on stdout, for operators checking an
 * engine's {@code --kv-events-config}. Stops after {@code --batches} batches or {@code --seconds}.
 */
@Command(
    name = "kv-events",
    mixinStandardHelpOptions = true,
    description = {
      "Subscribes to an engine's KV-cache events (vLLM/SGLang --kv-events-config, ZMQ) and prints each decoded batch.",
    })
final class KvEventsCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "ADDRESS", description = "The engine's PUB address, e.g. tcp://10.0.0.5:5557.")
  String address;

  @Option(names = "--replay", paramLabel = "ADDRESS", description = "The engine's replay (ROUTER) address, e.g. tcp://10.0.0.5:5558.")
  String replay;

  @Option(names = "--topic", paramLabel = "PREFIX", defaultValue = "", description = "Topic prefix to subscribe to (default: everything).")
  String topic;

  @Option(names = "--batches", paramLabel = "N", defaultValue = "0", description = "Stop after N batches (0: no limit).")
  long batches;

  @Option(names = "--seconds", paramLabel = "S", defaultValue = "0", description = "Stop after S seconds (0: no limit).")
  long seconds;

  @Override
  public Integer call() throws InterruptedException {
    if (batches < 0 || seconds < 0) {
      throw new ParameterException(spec.commandLine(), "--batches, --seconds: expected >= 0");
    }
    KvEventSubscriber.Target target;
    try {
      target = new KvEventSubscriber.Target(address, replay, topic);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage());
    }
    PrintWriter out = spec.commandLine().getOut();
    CountDownLatch done = new CountDownLatch(1);
    AtomicLong seen = new AtomicLong();
    KvEventSubscriber sub = KvEventSubscriber.start(target, new KvEventSubscriber.Listener() {
      @Override
      public void batch(KvMessage m, KvEventBatch b, boolean replayed) {
        synchronized (out) {
          out.println("seq " + m.sequence() + (replayed ? " (replayed)" : "") + " topic \"" + m.topic() + "\" ts "
              + b.timestampSeconds() + (b.dataParallelRank() < 0 ? "" : " rank " + b.dataParallelRank())
              + ": " + b.events().size() + " event(s)");
          for (KvEvent e : b.events()) {
            out.println("  " + e);
          }
          out.flush();
        }
        if (batches > 0 && seen.incrementAndGet() >= batches) {
          done.countDown();
        }
      }

      @Override
      public void rejected(String reason) {
        synchronized (out) {
          out.println("refused: " + reason);
          out.flush();
        }
      }

      @Override
      public void resync(String reason) {
        synchronized (out) {
          out.println("resync: " + reason);
          out.flush();
        }
      }
    });
    try {
      if (seconds > 0) {
        done.await(seconds, TimeUnit.SECONDS);
      } else {
        done.await();
      }
    } finally {
      sub.close();
    }
    return SidecarMain.EXIT_OK;
  }
}
