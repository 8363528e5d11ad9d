package dev.loadfuse.engine.prefixindex;

import java.util.Map;

/**
 * The result of one lookup.
 *
 * @param totalBlocks blocks asked about
 * @param longestBlocks the longest prefix any endpoint holds
 * @param endpoints per endpoint that holds at least block 0: its consecutive blocks and weighted score
 */
public record PrefixMatch(int totalBlocks, int longestBlocks, Map<String, Entry> endpoints) {

  public static final PrefixMatch NONE = new PrefixMatch(0, 0, Map.of());

  public PrefixMatch {
    endpoints = Map.copyOf(endpoints);
  }

  /** @param blocks consecutive blocks from the first; @param weighted their sum of tier weights */
  public record Entry(int blocks, double weighted) {}

  public int blocks(String endpoint) {
    Entry e = endpoints.get(endpoint);
    return e == null ? 0 : e.blocks();
  }

  public double weighted(String endpoint) {
    Entry e = endpoints.get(endpoint);
    return e == null ? 0 : e.weighted();
  }
}
