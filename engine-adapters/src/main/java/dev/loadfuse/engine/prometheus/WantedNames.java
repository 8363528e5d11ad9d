package dev.loadfuse.engine.prometheus;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;

/**
 * The metric names whose samples a {@link PrometheusTextParser} materialises, pre-encoded so the
 * parser can look a line's name up from its bytes without building a String.
 *
 * <p>Names match whole sample names exactly: {@code foo} never matches {@code foo_total},
 * {@code foo_created} or {@code foo_bucket}. Immutable and thread-safe.
 */
public final class WantedNames {

  /** Every sample is wanted; {@link SampleView#nameIndex()} is then -1. For tools and tests. */
  public static final WantedNames ALL = new WantedNames(List.of(), true);

  private static final VarHandle LONGS =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

  private final boolean all;
  private final String[] names;
  private final byte[][] bytes;
  private final int[] hashes;
  private final int[] slots; // index + 1, 0 = empty; open addressing, linear probing
  private final int mask;

  private WantedNames(List<String> names, boolean all) {
    this.all = all;
    this.names = names.toArray(String[]::new);
    this.bytes = new byte[this.names.length][];
    this.hashes = new int[this.names.length];
    int size = 16;
    while (size < this.names.length * 4) {
      size <<= 1;
    }
    this.slots = new int[size];
    this.mask = size - 1;
    for (int i = 0; i < this.names.length; i++) {
      byte[] b = this.names[i].getBytes(StandardCharsets.UTF_8);
      bytes[i] = b;
      hashes[i] = hash(b, 0, b.length);
      int s = mix(hashes[i]) & mask;
      while (slots[s] != 0) {
        s = (s + 1) & mask;
      }
      slots[s] = i + 1;
    }
  }

  /**
   * The given names, duplicates dropped, indexed in first-seen order.
   *
   * @throws IllegalArgumentException if a name is empty
   */
  public static WantedNames of(Iterable<String> names) {
    LinkedHashSet<String> unique = new LinkedHashSet<>();
    for (String n : names) {
      Objects.requireNonNull(n, "name");
      if (n.isEmpty()) {
        throw new IllegalArgumentException("name: \"\" (expected: non-empty)");
      }
      unique.add(n);
    }
    return new WantedNames(new ArrayList<>(unique), false);
  }

  public static WantedNames of(String... names) {
    return of(Arrays.asList(names));
  }

  /** True for {@link #ALL}. */
  public boolean isAll() {
    return all;
  }

  /** Number of names (0 for {@link #ALL}). */
  public int size() {
    return names.length;
  }

  public String name(int index) {
    return names[index];
  }

  /** The index of {@code name}, or -1. */
  public int indexOf(String name) {
    byte[] b = name.getBytes(StandardCharsets.UTF_8);
    return lookup(b, 0, b.length, hash(b, 0, b.length));
  }

  /**
   * The hash of the name in {@code b[from, to)}: its length and its first and last eight bytes,
   * read after the name was scanned, so the byte loop that finds the name's end carries no
   * multiply from byte to byte.
   */
  static int hash(byte[] b, int from, int to) {
    int len = to - from;
    long x;
    if (len >= 8) {
      x = (long) LONGS.get(b, from) * 0x9E3779B97F4A7C15L + (long) LONGS.get(b, to - 8);
    } else {
      x = 0;
      for (int i = from; i < to; i++) {
        x = (x << 8) | (b[i] & 0xff);
      }
    }
    x = (x ^ len) * 0x9E3779B97F4A7C15L;
    return (int) (x >>> 32);
  }

  private static int mix(int h) {
    return h ^ (h >>> 16);
  }

  /** Index of the name in {@code buf[from, to)}, or -1. */
  int lookup(byte[] buf, int from, int to) {
    return lookup(buf, from, to, hash(buf, from, to));
  }

  private int lookup(byte[] buf, int from, int to, int h) {
    int len = to - from;
    int s = mix(h) & mask;
    int slot;
    while ((slot = slots[s]) != 0) {
      int k = slot - 1;
      byte[] b = bytes[k];
      if (hashes[k] == h && b.length == len && Arrays.equals(b, 0, len, buf, from, to)) {
        return k;
      }
      s = (s + 1) & mask;
    }
    return -1;
  }

  @Override
  public String toString() {
    return all ? "WantedNames[ALL]" : "WantedNames" + Arrays.toString(names);
  }
}
