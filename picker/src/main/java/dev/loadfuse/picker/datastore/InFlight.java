package dev.loadfuse.picker.datastore;

/**
 * One request counted against an endpoint, from the pick until its response ends or its stream
 * breaks. {@link #release()} is idempotent. Confined to the request's stream (one thread).
 */
public final class InFlight {

  private final EndpointState endpoint;
  private final int epochAtPick;
  private final long tokens;
  private boolean released;

  InFlight(EndpointState endpoint, int epochAtPick, long tokens) {
    this.endpoint = endpoint;
    this.epochAtPick = epochAtPick;
    this.tokens = tokens;
  }

  public EndpointState endpoint() {
    return endpoint;
  }

  /** Stops counting this request; later calls do nothing. */
  public void release() {
    if (!released) {
      released = true;
      endpoint.release(epochAtPick, tokens);
    }
  }

  public boolean released() {
    return released;
  }
}
