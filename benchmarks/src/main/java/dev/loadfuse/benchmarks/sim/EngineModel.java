package dev.loadfuse.benchmarks.sim;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;

/**
 * The scheduler and latency model of one simulated engine, free of time and threads: each
 * {@link #step()} admits waiting requests (first come, first served, while the batch, the prefill
 * budget, the KV cache and the LoRA slots allow), says how long the step takes in simulated
 * seconds, and advances every running request by one token. Not thread-safe: {@link SimEngine}
 * serialises access.
 *
 * <p>Step time = (prefill of the admitted requests' uncached prompt tokens + adapter loads +
 * decode base + per-running-request decode cost) / speed factor. A request's KV blocks are all
 * reserved at admission (prompt and output), so a full cache makes requests wait rather than be
 * preempted later.
 */
public final class EngineModel {

  /** What one step did: its duration and the requests that got a token. */
  public record Step(double seconds, List<SimRequest> advanced, List<SimRequest> finished, int admitted) {}

  private final PrefixCache cache;
  private volatile EngineProfile profile;
  private final ArrayDeque<SimRequest> waiting = new ArrayDeque<>();
  private final List<SimRequest> running = new ArrayList<>();
  /** Resident adapters, least recently used first. */
  private final LinkedHashSet<String> residentAdapters = new LinkedHashSet<>();
  private final Map<String, Integer> runningPerAdapter = new HashMap<>();

  private long promptTokensTotal;
  private long generationTokensTotal;
  private long prefixQueriedTokensTotal;
  private long prefixHitTokensTotal;
  private long requestsFinishedTotal;
  private long adapterLoadsTotal;
  private double busySecondsTotal;

  public EngineModel(EngineProfile profile) {
    this.profile = profile;
    this.cache = new PrefixCache(profile.kvCacheBlocks());
  }

  public EngineProfile profile() {
    return profile;
  }

  /** Changes the speed factor from the next step on (a GPU throttling or recovering). */
  public void speedFactor(double factor) {
    profile = profile.withSpeedFactor(factor);
  }

  /** Queues a request; it is admitted by a later {@link #step()}. */
  public void submit(SimRequest r) {
    if (r.adapter != null && profile.maxLoras() == 0) {
      throw new IllegalArgumentException("model " + r.adapter + ": unknown (this engine serves " + profile.model()
          + " and has LoRA off)");
    }
    int blocks = r.promptBlockHashes.length + r.privateBlocks;
    if (blocks > profile.kvCacheBlocks()) {
      throw new IllegalArgumentException("request needs " + blocks + " KV blocks (prompt " + r.promptTokens
          + " + max_tokens " + r.maxTokens + " tokens); the cache has " + profile.kvCacheBlocks());
    }
    waiting.addLast(r);
  }

  /** Runs one step; null when there is nothing to do (the engine is idle). */
  public Step step() {
    EngineProfile p = profile;
    double prefillSeconds = 0;
    int budget = p.maxBatchedPrefillTokens();
    int admitted = 0;
    for (Iterator<SimRequest> it = waiting.iterator(); it.hasNext() && running.size() < p.maxRunningRequests(); ) {
      SimRequest r = it.next();
      int hitBlocks = cache.matchedBlocks(r.promptBlockHashes);
      int uncached = r.promptTokens - hitBlocks * p.blockSizeTokens();
      if (admitted > 0 && uncached > budget) {
        break;
      }
      boolean needsLoad = r.adapter != null && !residentAdapters.contains(r.adapter);
      if (needsLoad && !adapterSlotFree()) {
        continue; // as vLLM: a request whose adapter cannot be loaded now lets later ones pass
      }
      if (!cache.fits(r.promptBlockHashes, r.privateBlocks)) {
        break; // first come, first served: nothing overtakes a request waiting for KV space
      }
      it.remove();
      if (needsLoad) {
        loadAdapter(r.adapter);
        prefillSeconds += p.loraLoadSeconds();
      } else if (r.adapter != null) {
        residentAdapters.remove(r.adapter);
        residentAdapters.add(r.adapter);
      }
      if (r.adapter != null) {
        runningPerAdapter.merge(r.adapter, 1, Integer::sum);
      }
      cache.allocate(r.promptBlockHashes, r.privateBlocks);
      r.cachedTokens = hitBlocks * p.blockSizeTokens();
      prefixQueriedTokensTotal += (long) r.promptBlockHashes.length * p.blockSizeTokens();
      prefixHitTokensTotal += r.cachedTokens;
      promptTokensTotal += r.promptTokens;
      prefillSeconds += uncached * p.prefillSecondsPerToken();
      budget -= uncached;
      running.add(r);
      admitted++;
    }
    if (running.isEmpty()) {
      return null;
    }
    double seconds = (prefillSeconds + p.decodeSecondsPerStep() + p.decodeSecondsPerRunningRequest() * running.size())
        / p.speedFactor();
    busySecondsTotal += seconds;
    List<SimRequest> advanced = new ArrayList<>(running);
    List<SimRequest> finished = new ArrayList<>();
    for (Iterator<SimRequest> it = running.iterator(); it.hasNext(); ) {
      SimRequest r = it.next();
      r.prefilled = true;
      r.generated++;
      generationTokensTotal++;
      if (r.generated >= r.maxTokens) {
        it.remove();
        finished.add(r);
        cache.release(r.promptBlockHashes, r.privateBlocks);
        if (r.adapter != null) {
          runningPerAdapter.merge(r.adapter, -1, Integer::sum);
        }
        requestsFinishedTotal++;
      }
    }
    return new Step(seconds, advanced, finished, admitted);
  }

  private boolean adapterSlotFree() {
    if (residentAdapters.size() < profile.maxLoras()) {
      return true;
    }
    for (String a : residentAdapters) {
      if (runningPerAdapter.getOrDefault(a, 0) == 0) {
        return true;
      }
    }
    return false;
  }

  private void loadAdapter(String adapter) {
    if (residentAdapters.size() >= profile.maxLoras()) {
      for (Iterator<String> it = residentAdapters.iterator(); it.hasNext(); ) {
        if (runningPerAdapter.getOrDefault(it.next(), 0) == 0) {
          it.remove();
          break;
        }
      }
    }
    residentAdapters.add(adapter);
    adapterLoadsTotal++;
  }

  /** A consistent view of the engine for its {@code /metrics} page. */
  public Snapshot snapshot() {
    LinkedHashSet<String> runningAdapters = new LinkedHashSet<>();
    for (SimRequest r : running) {
      if (r.adapter != null) {
        runningAdapters.add(r.adapter);
      }
    }
    LinkedHashSet<String> waitingAdapters = new LinkedHashSet<>();
    for (SimRequest r : waiting) {
      if (r.adapter != null && !runningAdapters.contains(r.adapter)) {
        waitingAdapters.add(r.adapter);
      }
    }
    return new Snapshot(profile, waiting.size(), running.size(), cache.usage(), cache.usedBlocks(),
        List.copyOf(runningAdapters), List.copyOf(waitingAdapters), promptTokensTotal, generationTokensTotal,
        prefixQueriedTokensTotal, prefixHitTokensTotal, requestsFinishedTotal, adapterLoadsTotal, busySecondsTotal);
  }

  /** Gauges and counters of an engine at one moment. */
  public record Snapshot(
      EngineProfile profile,
      int waiting,
      int running,
      double kvCacheUsage,
      int kvBlocksUsed,
      List<String> runningAdapters,
      List<String> waitingAdapters,
      long promptTokensTotal,
      long generationTokensTotal,
      long prefixQueriedTokensTotal,
      long prefixHitTokensTotal,
      long requestsFinishedTotal,
      long adapterLoadsTotal,
      double busySecondsTotal) {}
}
