package dev.loadfuse.sidecar.api;

import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * A request, published on {@link LoadBus#SNAPSHOT}, that every sidecar send its {@link
 * LoadSnapshot} to {@code replyTo}. The reply address travels inside the (sealed) message, not in
 * a header a third party could change.
 *
 * @param replyTo the address the snapshots go to
 */
public record SnapshotRequest(String replyTo) {

  static final byte VERSION = 1;
  /** Longer reply addresses are refused (ours are ~70 bytes). */
  static final int MAX_ADDRESS_BYTES = 1024;

  public SnapshotRequest {
    Objects.requireNonNull(replyTo, "replyTo");
    if (replyTo.isBlank() || replyTo.getBytes(StandardCharsets.UTF_8).length > MAX_ADDRESS_BYTES) {
      throw new IllegalArgumentException("replyTo: \"" + (replyTo.length() > 80 ? replyTo.substring(0, 80) + "…" : replyTo)
          + "\" (expected: an address of 1 to " + MAX_ADDRESS_BYTES + " bytes)");
    }
  }

  /** Its wire form: version, then the address (short length, UTF-8). */
  static final WireCodec<SnapshotRequest> WIRE = new WireCodec<>() {
    @Override
    public void write(Buffer out, SnapshotRequest r) {
      byte[] b = r.replyTo.getBytes(StandardCharsets.UTF_8);
      out.appendByte(VERSION).appendUnsignedShort(b.length).appendBytes(b);
    }

    @Override
    public SnapshotRequest read(Buffer in, int pos) {
      if (in.length() - pos < 3 || in.getByte(pos) != VERSION) {
        throw new IllegalArgumentException("snapshot request: unsupported or truncated (" + (in.length() - pos) + " bytes)");
      }
      int n = in.getUnsignedShort(pos + 1);
      if (in.length() != pos + 3 + n) {
        throw new IllegalArgumentException("snapshot request of " + (in.length() - pos) + " bytes (expected: " + (3 + n) + ")");
      }
      return new SnapshotRequest(in.getString(pos + 3, pos + 3 + n, "UTF-8"));
    }
  };
}
