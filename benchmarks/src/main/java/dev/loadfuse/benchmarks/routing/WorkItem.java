package dev.loadfuse.benchmarks.routing;

/**
 * One request of a workload: an OpenAI path and JSON body (streaming, with usage), the number of
 * tokens it asks for, and a label of what it shares with others (prefix group, conversation, adapter).
 */
public record WorkItem(String path, String body, int outputTokens, String group) {}
