package dev.loadfuse.picker.scheduling;

/**
 * A plugin's type (what it does, e.g. {@code queue-scorer}) and its instance name (how a profile
 * refers to it; the type unless the config names it).
 */
public record TypedName(String type, String name) {

  public TypedName {
    if (type == null || type.isBlank()) {
      throw new IllegalArgumentException("type: missing");
    }
    if (name == null || name.isBlank()) {
      throw new IllegalArgumentException("name: missing (plugin type " + type + ")");
    }
  }

  @Override
  public String toString() {
    return type.equals(name) ? type : name + " (" + type + ")";
  }
}
