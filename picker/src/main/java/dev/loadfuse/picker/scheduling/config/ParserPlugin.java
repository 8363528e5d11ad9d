package dev.loadfuse.picker.scheduling.config;

import dev.loadfuse.picker.scheduling.Plugin;

/**
 * A request parser ({@code parser.pluginRef}, {@code requestHandler.parsers[].pluginRef}): how the
 * request body is read before scheduling.
 */
public interface ParserPlugin extends Plugin {

  /** False when the body is not parsed at all ({@code passthrough-parser}): no model, no prompt. */
  boolean parsesBody();
}
