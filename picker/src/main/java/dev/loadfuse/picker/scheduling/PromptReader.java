package dev.loadfuse.picker.scheduling;

/**
 * A plugin that reads the request's rendered prompt ({@link SchedulingRequest#prompt()}). Rendering
 * costs a pass over the prompt, so the request parser renders only as many characters as the
 * scheduler's plugins ask for, and none when no plugin asks.
 */
public interface PromptReader extends Plugin {

  /** How many leading characters of the rendered prompt this plugin reads; > 0. */
  int promptChars();
}
