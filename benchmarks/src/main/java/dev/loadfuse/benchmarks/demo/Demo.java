package dev.loadfuse.benchmarks.demo;

import dev.loadfuse.benchmarks.routing.Policy;
import dev.loadfuse.benchmarks.routing.RoutingRun;
import dev.loadfuse.benchmarks.routing.Summary;
import dev.loadfuse.benchmarks.routing.Workload;
import dev.loadfuse.benchmarks.sim.EngineKind;
import dev.loadfuse.benchmarks.sim.EngineProfile;
import dev.loadfuse.picker.server.PickerOptions;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The project's demo ({@code ./demo.sh}): four simulated model servers of different kinds (vLLM V1,
 * vLLM V0, SGLang, Triton TensorRT-LLM metric formats), a picker per routing policy whose own
 * in-process sidecar scrapes them and reads their simulated GPUs (so the gpu-aware policy routes
 * on GPU data read in the picker's process, as {@code picker.jar --mock-gpus} does), and an
 * Envoy-like gateway driving a short shared-prefix load at two rates; prints where the requests
 * went, the comparison table, and writes CSV and PNG charts. About a minute on two cores.
 * Arguments: {@code [output directory, default demo-out]}.
 */
public final class Demo {

  private Demo() {}

  public static void main(String[] args) throws Exception {
    Path out = Path.of(args.length > 0 ? args[0] : "demo-out");
    EngineProfile base = EngineProfile.builtIn("vllm-8b");
    List<EngineProfile> engines = new ArrayList<>();
    for (EngineKind k : EngineKind.values()) {
      engines.add(base.withKind(k));
    }
    List<Policy> policies = Policy.NAMES.stream().map(Policy::named).toList();
    RoutingRun.Options options = new RoutingRun.Options(Workload.named("shared-prefix", base.model()), engines,
        policies, List.of(4.0, 9.0), 80, 5, 1, out, PickerOptions.DEFAULT_REFRESH_METRICS_INTERVAL);
    System.out.printf(Locale.ROOT, """
        loadfuse demo: no GPU, no Kubernetes, everything in this process (pid %d).
          engines : 4 simulated model servers on loopback, /metrics as vLLM V1, vLLM V0, SGLang, Triton TRT-LLM
                    (continuous batching, prefix-cached KV blocks, LoRA slots; profile sim/vllm-8b.yaml)
          picker  : one per policy, asked over ext_proc (gRPC); its in-process sidecar (EmbeddedSidecar, as
                    picker.jar --endpoints-file F --mock-gpus G runs it) scrapes the engines every 50 ms
          GPUs    : read by the picker's own in-process sidecar, in this process (pid %d), from simulated GPUs
                    (SimGpuProbe: utilisation, memory, power, throttling of each engine) given as its GPU probe;
                    the gpu-aware policy (gpu-health-filter, GPU memory and utilisation scorers) routes on them
          gateway : acts as Envoy: Poisson arrivals, forwards to the picked engine, streams responses back
                    through the picker; TTFT, latency and throughput in simulated time (5x real)
          workload: shared-prefix, 32 system prompts of 1,536 tokens + 64-token questions, 80 requests per point
        %n""", ProcessHandle.current().pid(), ProcessHandle.current().pid());
    long t0 = System.nanoTime();
    List<Summary> summaries = new RoutingRun(options, System.out).run();

    System.out.println("\nwhere the requests went (at the highest rate):");
    double top = options.qps().getLast();
    List<Summary> last = summaries.stream().filter(s -> s.qps() == top).toList();
    if (!last.isEmpty()) {
      StringBuilder head = new StringBuilder(String.format("%-18s", "policy"));
      for (String e : last.getFirst().requestsByEndpoint().keySet()) {
        head.append(String.format(" %12s", e));
      }
      System.out.println(head);
      for (Summary s : last) {
        StringBuilder row = new StringBuilder(String.format("%-18s", s.policy()));
        for (Map.Entry<String, Integer> e : s.requestsByEndpoint().entrySet()) {
          row.append(String.format(" %12d", e.getValue()));
        }
        System.out.println(row);
      }
    }
    System.out.printf(Locale.ROOT, "%ndemo finished in %.0f s; charts and CSV in %s/%n",
        (System.nanoTime() - t0) / 1e9, out);
    System.exit(0);
  }
}
