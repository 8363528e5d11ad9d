package dev.loadfuse.picker.plugins.picker;

import dev.loadfuse.picker.plugins.NamedPlugin;
import dev.loadfuse.picker.scheduling.Picker;

/** A picker returning at most {@code maxNumOfEndpoints} candidates: the primary plus fallbacks. */
public abstract class TopKPicker extends NamedPlugin implements Picker {

  protected final int maxNumOfEndpoints;

  protected TopKPicker(String type, String name, int maxNumOfEndpoints) {
    super(type, name);
    if (maxNumOfEndpoints < 1) {
      throw new IllegalArgumentException("maxNumOfEndpoints: " + maxNumOfEndpoints + " (expected: >= 1)");
    }
    this.maxNumOfEndpoints = maxNumOfEndpoints;
  }

  public final int maxNumOfEndpoints() {
    return maxNumOfEndpoints;
  }
}
