package dev.loadfuse.engine.kvevents;

import dev.loadfuse.engine.kvevents.KvEvent.Tier;
import java.util.Arrays;

/**
 * What one engine (one endpoint) changed in the prefix index, in order: optionally "forget
 * everything of this endpoint first", then keys added to or removed from a tier. Compact on the
 * wire: 8 bytes per key plus one op byte.
 *
 * @param cleared whether the endpoint's entries are dropped before the ops apply
 * @param keys our block keys
 * @param ops one per key: {@link #ADD_GPU}, {@link #ADD_CPU}, {@link #REMOVE_GPU}, {@link #REMOVE_CPU}
 */
public record KvDelta(boolean cleared, long[] keys, byte[] ops) {

  public static final byte ADD_GPU = 0;
  public static final byte ADD_CPU = 1;
  public static final byte REMOVE_GPU = 2;
  public static final byte REMOVE_CPU = 3;

  /** Ops above this in one delta are refused; the {@link Builder} splits before it. */
  public static final int MAX_OPS = 1 << 20;

  public static final KvDelta CLEAR = new KvDelta(true, new long[0], new byte[0]);

  public KvDelta {
    if (keys.length != ops.length) {
      throw new IllegalArgumentException("ops: " + ops.length + " (expected: one per key, " + keys.length + ")");
    }
    if (keys.length > MAX_OPS) {
      throw new IllegalArgumentException("keys: " + keys.length + " (expected: at most " + MAX_OPS + ")");
    }
    for (int i = 0; i < ops.length; i++) {
      if (ops[i] < ADD_GPU || ops[i] > REMOVE_CPU) {
        throw new IllegalArgumentException("ops[" + i + "]: " + ops[i] + " (expected: 0..3)");
      }
    }
  }

  public boolean isEmpty() {
    return !cleared && keys.length == 0;
  }

  public static byte add(Tier tier) {
    return tier == Tier.GPU ? ADD_GPU : ADD_CPU;
  }

  public static byte remove(Tier tier) {
    return tier == Tier.GPU ? REMOVE_GPU : REMOVE_CPU;
  }

  public static boolean isAdd(byte op) {
    return op <= ADD_CPU;
  }

  public static Tier tierOf(byte op) {
    return (op & 1) == 0 ? Tier.GPU : Tier.CPU;
  }

  @Override
  public String toString() {
    return "KvDelta{cleared=" + cleared + ", ops=" + keys.length + "}";
  }

  /** Collects ops; {@link #take()} returns them as a delta and starts afresh. Not thread-safe. */
  public static final class Builder {
    private long[] keys = new long[64];
    private byte[] ops = new byte[64];
    private int size;
    private boolean cleared;

    public void clear() {
      size = 0;
      cleared = true;
    }

    public void op(long key, byte op) {
      if (size == keys.length) {
        int n = Math.min(MAX_OPS, keys.length * 2);
        keys = Arrays.copyOf(keys, n);
        ops = Arrays.copyOf(ops, n);
      }
      keys[size] = key;
      ops[size++] = op;
    }

    /** Whether the next op would overflow {@link #MAX_OPS}: take() first. */
    public boolean full() {
      return size == MAX_OPS;
    }

    public int size() {
      return size;
    }

    public boolean isEmpty() {
      return size == 0 && !cleared;
    }

    public KvDelta take() {
      KvDelta d = new KvDelta(cleared, Arrays.copyOf(keys, size), Arrays.copyOf(ops, size));
      size = 0;
      cleared = false;
      return d;
    }
  }
}
