package dev.loadfuse.picker.scheduling;

/**
 * The root of every picker extension: a {@link Filter}, {@link Scorer}, {@link Picker}, {@link
 * ProfileHandler}, or a data plugin (the engine-metrics configuration). Each extension point is one
 * method; its contract (ranges, threading) is in its Javadoc.
 *
 * <p>Plugins are created once from the config by their {@code PluginFactory} and then shared by
 * every event-loop thread: they must be thread-safe, and the scheduling ones must not block.
 */
public interface Plugin {

  TypedName typedName();
}
