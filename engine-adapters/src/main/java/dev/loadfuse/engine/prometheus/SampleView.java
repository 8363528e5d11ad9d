package dev.loadfuse.engine.prometheus;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * A window onto one sample line of the page being parsed. Reused by the parser for every wanted
 * sample and valid only during {@link SampleVisitor#sample}; copy what you keep.
 *
 * <p>Nothing is decoded until asked for: {@link #value()} converts the number on the first call,
 * and the byte-level methods ({@link #indexOfLabel}, {@link #labelValueEquals}) compare without
 * allocating. Label values are unescaped ({@code \\}, {@code \"}, {@code \n}; any other
 * backslash is kept as written) and decoded as UTF-8.
 *
 * <p>Not thread-safe: it belongs to one parser.
 */
public final class SampleView {
  private byte[] buf;
  private int nameStart;
  private int nameEnd;
  private int nameIndex;
  private MetricType declaredType;
  private int line;
  private int valueStart;
  private int valueEnd;
  private boolean valueParsed;
  private double value;
  private int tsStart;
  private int tsEnd;

  // Per label: name start, name end, value start, value end (value without quotes, escaped).
  int[] labels = new int[4 * 16];
  boolean[] escaped = new boolean[16];
  int labelCount;

  SampleView() {}

  void reset(byte[] buf, int nameStart, int nameEnd, int nameIndex, MetricType type, int line) {
    this.buf = buf;
    this.nameStart = nameStart;
    this.nameEnd = nameEnd;
    this.nameIndex = nameIndex;
    this.declaredType = type;
    this.line = line;
    this.valueParsed = false;
  }

  void setValue(int start, int end, int tsStart, int tsEnd) {
    this.valueStart = start;
    this.valueEnd = end;
    this.tsStart = tsStart;
    this.tsEnd = tsEnd;
  }

  void addLabel(int ns, int ne, int vs, int ve, boolean esc) {
    int k = labelCount;
    if (k == escaped.length) {
      labels = Arrays.copyOf(labels, labels.length * 2);
      escaped = Arrays.copyOf(escaped, escaped.length * 2);
    }
    int o = 4 * k;
    labels[o] = ns;
    labels[o + 1] = ne;
    labels[o + 2] = vs;
    labels[o + 3] = ve;
    escaped[k] = esc;
    labelCount = k + 1;
  }

  /** Index of the metric name in the parser's {@link WantedNames}; -1 with {@link WantedNames#ALL}. */
  public int nameIndex() {
    return nameIndex;
  }

  /** The metric name (allocates). */
  public String name() {
    return new String(buf, nameStart, nameEnd - nameStart, StandardCharsets.UTF_8);
  }

  /**
   * The type declared by a {@code # TYPE} line for this exact name earlier in the page, else
   * {@link MetricType#UNTYPED}.
   */
  public MetricType declaredType() {
    return declaredType;
  }

  /** 1-based line number of this sample. */
  public int lineNumber() {
    return line;
  }

  public int labelCount() {
    return labelCount;
  }

  public String labelName(int i) {
    int o = 4 * checkLabel(i);
    return new String(buf, labels[o], labels[o + 1] - labels[o], StandardCharsets.UTF_8);
  }

  /** The unescaped value of label {@code i} (allocates). */
  public String labelValue(int i) {
    int o = 4 * checkLabel(i);
    int s = labels[o + 2];
    int e = labels[o + 3];
    if (!escaped[i]) {
      return new String(buf, s, e - s, StandardCharsets.UTF_8);
    }
    byte[] out = new byte[e - s];
    int n = unescape(s, e, out, 0);
    return new String(out, 0, n, StandardCharsets.UTF_8);
  }

  /**
   * Bytes of label {@code i}'s value as written (with escapes); an upper bound of the unescaped
   * length, for sizing the array passed to {@link #copyLabelValue}.
   */
  public int labelValueRawLength(int i) {
    int o = 4 * checkLabel(i);
    return labels[o + 3] - labels[o + 2];
  }

  /**
   * Copies the unescaped UTF-8 bytes of label {@code i}'s value into {@code dst} at {@code
   * offset}, so a caller can keep a value past this callback without building a String.
   *
   * @return the number of bytes written
   * @throws IndexOutOfBoundsException if {@code dst} has fewer than {@link #labelValueRawLength}
   *     bytes from {@code offset}
   */
  public int copyLabelValue(int i, byte[] dst, int offset) {
    int o = 4 * checkLabel(i);
    int s = labels[o + 2];
    int e = labels[o + 3];
    Objects.checkFromIndexSize(offset, e - s, dst.length);
    if (!escaped[i]) {
      System.arraycopy(buf, s, dst, offset, e - s);
      return e - s;
    }
    return unescape(s, e, dst, offset) - offset;
  }

  /** Writes the unescaped bytes of buf[s, e) to out from n; returns the end index in out. */
  private int unescape(int s, int e, byte[] out, int n) {
    for (int p = s; p < e; p++) {
      byte c = buf[p];
      if (c == '\\' && p + 1 < e) {
        byte d = buf[++p];
        if (d == 'n') {
          out[n++] = '\n';
        } else if (d == '\\' || d == '"') {
          out[n++] = d;
        } else {
          out[n++] = '\\';
          out[n++] = d;
        }
      } else {
        out[n++] = c;
      }
    }
    return n;
  }

  /** The unescaped value of the label called {@code name}, or null when the series has none. */
  public String labelValue(String name) {
    int i = indexOfLabel(name.getBytes(StandardCharsets.UTF_8));
    return i < 0 ? null : labelValue(i);
  }

  /** Index of the label whose name is {@code nameUtf8}, or -1. Does not allocate. */
  public int indexOfLabel(byte[] nameUtf8) {
    int len = nameUtf8.length;
    for (int i = 0, o = 0; i < labelCount; i++, o += 4) {
      int s = labels[o];
      if (labels[o + 1] - s == len && Arrays.equals(buf, s, s + len, nameUtf8, 0, len)) {
        return i;
      }
    }
    return -1;
  }

  /** Whether the unescaped value of label {@code i} equals {@code valueUtf8}. Does not allocate. */
  public boolean labelValueEquals(int i, byte[] valueUtf8) {
    int o = 4 * checkLabel(i);
    int s = labels[o + 2];
    int e = labels[o + 3];
    if (!escaped[i]) {
      return Arrays.equals(buf, s, e, valueUtf8, 0, valueUtf8.length);
    }
    int n = 0;
    for (int p = s; p < e; p++) {
      byte c = buf[p];
      if (c == '\\' && p + 1 < e) {
        byte d = buf[++p];
        if (d == 'n') {
          c = '\n';
        } else if (d == '\\' || d == '"') {
          c = d;
        } else {
          if (n >= valueUtf8.length || valueUtf8[n++] != '\\') {
            return false;
          }
          c = d;
        }
      }
      if (n >= valueUtf8.length || valueUtf8[n++] != c) {
        return false;
      }
    }
    return n == valueUtf8.length;
  }

  /** All labels, in page order (allocates; for tools and tests). */
  public Map<String, String> labels() {
    Map<String, String> m = new LinkedHashMap<>();
    for (int i = 0; i < labelCount; i++) {
      m.put(labelName(i), labelValue(i));
    }
    return m;
  }

  /** The sample value; NaN and +-Inf as written. */
  public double value() {
    if (!valueParsed) {
      value = Numbers.parseFloat(buf, valueStart, valueEnd);
      valueParsed = true;
    }
    return value;
  }

  public boolean hasTimestamp() {
    return tsStart < tsEnd;
  }

  /**
   * The timestamp as written (milliseconds in the Prometheus text format, seconds in
   * OpenMetrics), or NaN when the line has none.
   */
  public double timestamp() {
    return hasTimestamp() ? Numbers.parseFloat(buf, tsStart, tsEnd) : Double.NaN;
  }

  private int checkLabel(int i) {
    if (i < 0 || i >= labelCount) {
      throw new IndexOutOfBoundsException("label " + i + " (expected: [0, " + labelCount + "))");
    }
    return i;
  }
}
