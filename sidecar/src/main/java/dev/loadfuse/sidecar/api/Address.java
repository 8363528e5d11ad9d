package dev.loadfuse.sidecar.api;

/** An event-bus address together with the type of the messages it carries. */
public record Address<T>(String name, Class<T> type) {

  public Address {
    if (name == null || name.isBlank()) {
      throw new IllegalArgumentException("name: missing");
    }
    if (type == null) {
      throw new IllegalArgumentException("type: missing");
    }
  }

  @Override
  public String toString() {
    return name;
  }
}
