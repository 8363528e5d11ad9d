package dev.loadfuse.engine.kvevents;

/** A KV-event frame or payload that does not follow the engine's wire format; the message names what. */
public final class KvEventFormatException extends Exception {
  public KvEventFormatException(String message) {
    super(message);
  }

  public KvEventFormatException(String message, Throwable cause) {
    super(message, cause);
  }
}
