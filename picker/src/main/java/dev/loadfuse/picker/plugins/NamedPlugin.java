package dev.loadfuse.picker.plugins;

import dev.loadfuse.picker.scheduling.Plugin;
import dev.loadfuse.picker.scheduling.TypedName;

/** The part every in-tree plugin shares: its {@link TypedName}, made from its type and the configured name. */
public abstract class NamedPlugin implements Plugin {

  private final TypedName typedName;

  protected NamedPlugin(String type, String name) {
    this.typedName = new TypedName(type, name);
  }

  @Override
  public final TypedName typedName() {
    return typedName;
  }
}
