package dev.loadfuse.engine.prometheus;

/**
 * Receives the wanted samples of a page, in page order.
 *
 * <p>The {@link SampleView} is reused for every sample and is valid only during the call.
 */
@FunctionalInterface
public interface SampleVisitor {
  void sample(SampleView sample);
}
