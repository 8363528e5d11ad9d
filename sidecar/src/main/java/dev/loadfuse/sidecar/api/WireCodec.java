package dev.loadfuse.sidecar.api;

import io.vertx.core.buffer.Buffer;
import java.util.function.BiConsumer;
import java.util.function.Function;

/**
 * How one message type is written for the clustered bus, and read back. {@link BusCodecs} wraps
 * it into the Vert.x codec of the type: passed by reference on the local bus, written with this
 * (and sealed when the cluster has a secret) across it.
 *
 * @param <T> the message type (immutable: local consumers share the object)
 */
public interface WireCodec<T> {

  /** Appends {@code value}'s wire form to {@code out}. */
  void write(Buffer out, T value);

  /**
   * Reads a value from {@code in} starting at {@code pos} (the message runs to the end of {@code
   * in}).
   *
   * @throws IllegalArgumentException naming what is wrong with the bytes
   */
  T read(Buffer in, int pos);

  /** A codec from a function that encodes a whole message and one that decodes a whole buffer. */
  static <T> WireCodec<T> of(Function<T, Buffer> encode, Function<Buffer, T> decode) {
    return new WireCodec<>() {
      @Override
      public void write(Buffer out, T value) {
        out.appendBuffer(encode.apply(value));
      }

      @Override
      public T read(Buffer in, int pos) {
        return decode.apply(pos == 0 ? in : in.slice(pos, in.length()));
      }
    };
  }

  /** Reads a value from a buffer, starting at a position (as {@link LoadWireFormat}'s readers do). */
  @FunctionalInterface
  interface Reader<T> {
    T read(int pos, Buffer in);
  }

  /** A codec from a function that appends a value to a buffer and one that reads it back from a position. */
  static <T> WireCodec<T> from(BiConsumer<Buffer, T> write, Reader<T> read) {
    return new WireCodec<>() {
      @Override
      public void write(Buffer out, T value) {
        write.accept(out, value);
      }

      @Override
      public T read(Buffer in, int pos) {
        return read.read(pos, in);
      }
    };
  }
}
