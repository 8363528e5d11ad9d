package dev.loadfuse.picker.scheduling;

import dev.loadfuse.picker.candidate.EndpointView;
import java.util.function.ObjDoubleConsumer;

/**
 * A profile's scored candidates and their weighted scores: {@code values[i]} is
 * {@code endpoints[i]}'s, for {@code i < count}. The decision's own arrays, handed over (never
 * changed after the pick): keeping them costs nothing unless they are read.
 */
public record Scores(EndpointView[] endpoints, double[] values, int count) {

  /** No scorers ran. */
  public static final Scores NONE = new Scores(new EndpointView[0], new double[0], 0);

  /** Each scored candidate's {@code ip:port} and score, in candidate order. */
  public void forEach(ObjDoubleConsumer<String> action) {
    for (int i = 0; i < count; i++) {
      action.accept(endpoints[i].hostPort(), values[i]);
    }
  }
}
