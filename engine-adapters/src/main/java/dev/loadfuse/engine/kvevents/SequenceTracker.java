package dev.loadfuse.engine.kvevents;

/**
 * Follows one publisher's sequence numbers (one engine, one DP rank) and says what each new
 * message means: the next one, a duplicate (already applied, e.g. after a replay), a gap (messages
 * lost: replay from {@link Verdict#replayFrom()}), or a restart (the sequence went back: the
 * engine restarted and its cache is new). Not thread-safe: one per subscriber thread.
 */
public final class SequenceTracker {

  public enum Kind {
    /** The first message seen: replay from 0 to learn what the engine cached before we joined. */
    FIRST,
    NEXT,
    DUPLICATE,
    GAP,
    RESTART
  }

  /** @param replayFrom the first sequence to ask the replay socket for (FIRST, GAP, RESTART) */
  public record Verdict(Kind kind, long replayFrom) {}

  private static final Verdict NEXT = new Verdict(Kind.NEXT, -1);
  private static final Verdict DUPLICATE = new Verdict(Kind.DUPLICATE, -1);
  private static final Verdict FROM_ZERO = new Verdict(Kind.FIRST, 0);
  private static final Verdict RESTART = new Verdict(Kind.RESTART, 0);

  private long last = -1;

  /** Classifies {@code sequence} without accepting it. */
  public Verdict classify(long sequence) {
    if (last < 0) {
      return FROM_ZERO;
    }
    if (sequence == last + 1) {
      return NEXT;
    }
    if (sequence == last) {
      return DUPLICATE;
    }
    if (Long.compareUnsigned(sequence, last) < 0) {
      return RESTART;
    }
    return new Verdict(Kind.GAP, last + 1);
  }

  /** Records that the message with {@code sequence} was applied. */
  public void accept(long sequence) {
    last = sequence;
  }

  /** Forgets the sequence (after a restart or a reconnect). */
  public void reset() {
    last = -1;
  }

  /** The last applied sequence, or -1. */
  public long last() {
    return last;
  }
}
