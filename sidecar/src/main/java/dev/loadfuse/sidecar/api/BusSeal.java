package dev.loadfuse.sidecar.api;

import dev.loadfuse.common.errors.ReasonLabel;
import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Seals what our codecs put on a clustered bus, so that only holders of the cluster secret can
 * write or read it: AES-256-GCM, authenticated, encrypted, bound to its channel, fresh and never
 * accepted twice.
 *
 * <p><b>Keys.</b> Every sender (one per Vert.x instance, for its lifetime) picks a random 128-bit
 * id and seals with its own key, HKDF-SHA256-expanded from the cluster's seal key and the id; a
 * receiver derives the same key from the id in the frame. The GCM nonce is the sender's message
 * counter, so a (key, nonce) pair is never used twice however long the cluster lives — unlike
 * random 96-bit nonces under one shared key, which reach the birthday bound after some 2^32
 * messages, a few days for a large fleet at heartbeat rate.
 *
 * <p><b>Frame</b> (big-endian): length (int, bytes after it), version {@value #VERSION}, sender id
 * (16 bytes), counter (8 bytes), then the GCM ciphertext of [sent-at millis (8 bytes), the
 * message's own wire form] and the 16-byte tag. The associated data is the channel (the message
 * family's address, e.g. {@code inference.load.v1}) and the clear header, so a frame cannot be
 * moved to another channel nor its header changed: {@link #OVERHEAD} (53) bytes more than the plain form.
 *
 * <p><b>Rejected</b> ({@link Rejected}, with its {@link Reason}): a frame that does not
 * authenticate (another secret, altered bytes, another channel), a counter this receiver has
 * already accepted from that sender or that is more than {@value #REPLAY_WINDOW} behind the
 * newest (a replay), a sent-at time more than {@link #DEFAULT_MAX_AGE} from this node's clock
 * either way (a late replay after a restart, or a clock far off), a frame too short or of another
 * version. Replay state is kept for the last {@value #MAX_SENDERS} senders heard, and only for
 * frames that authenticated, so forged ids cost no memory.
 *
 * <p>Thread-safe.
 */
public final class BusSeal {

  public static final byte VERSION = 1;
  /** A frame sent longer ago than this (or this far in the future) is refused. */
  public static final Duration DEFAULT_MAX_AGE = Duration.ofSeconds(10);
  /** Senders whose replay state is kept (least recently heard dropped first). */
  public static final int MAX_SENDERS = 4096;
  /** Counters this far behind the newest accepted one are still accepted once (reordering). */
  public static final int REPLAY_WINDOW = 64;

  static final int SENDER_BYTES = 16;
  static final int HEADER_BYTES = 1 + SENDER_BYTES + 8;
  static final int TAG_BYTES = 16;
  static final int TIME_BYTES = 8;
  /** Bytes a sealed frame adds to the plain form. */
  public static final int OVERHEAD = 4 + HEADER_BYTES + TIME_BYTES + TAG_BYTES;

  private static final String AES_GCM = "AES/GCM/NoPadding";
  private static final String INFO = "loadfuse bus seal v1 sender ";
  private static final ThreadLocal<Cipher> CIPHERS = ThreadLocal.withInitial(() -> {
    try {
      return Cipher.getInstance(AES_GCM);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(AES_GCM + " unavailable: " + e, e);
    }
  });

  /** Why a frame was refused; the {@link #label() label} is the metric's {@code reason}. */
  public enum Reason implements ReasonLabel {
    AUTH("does not authenticate (another cluster secret, altered, or sent on another channel)"),
    REPLAY("was accepted before (a replay)"),
    STALE("was sealed too long ago or in the future (a late replay, or a clock far off)"),
    MALFORMED("is not a sealed frame this build reads"),
    TYPE("does not carry the type this address takes (an unsealed message)");

    private final String text;

    Reason(String text) {
      this.text = text;
    }

    /** What happened, after "the message ...". */
    public String text() {
      return text;
    }
  }

  /** A refused frame. Carries no stack trace: refusing is routine under attack and must stay cheap. */
  public static final class Rejected extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final transient Reason reason;

    Rejected(Reason reason, String channel, String detail) {
      super("message on " + channel + " " + reason.text() + (detail == null ? "" : ": " + detail), null, false, false);
      this.reason = reason;
    }

    public Reason reason() {
      return reason;
    }
  }

  private final byte[] sealKey;
  private final byte[] senderId;
  private final SecretKeySpec ownKey;
  private final AtomicLong counter = new AtomicLong();
  private final LongSupplier clockMillis;
  private final long maxAgeMillis;
  private final Map<SenderId, SenderState> senders = new LinkedHashMap<>(64, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<SenderId, SenderState> eldest) {
      return size() > MAX_SENDERS;
    }
  };

  /**
   * @param sealKey the cluster's seal key (32 bytes, from the cluster secret)
   */
  public BusSeal(byte[] sealKey) {
    this(sealKey, randomId(), System::currentTimeMillis, DEFAULT_MAX_AGE);
  }

  BusSeal(byte[] sealKey, byte[] senderId, LongSupplier clockMillis, Duration maxAge) {
    if (Objects.requireNonNull(sealKey, "sealKey").length != 32) {
      throw new IllegalArgumentException("sealKey: " + sealKey.length + " bytes (expected: 32)");
    }
    this.sealKey = sealKey.clone();
    this.senderId = senderId.clone();
    this.ownKey = keyOf(this.senderId);
    this.clockMillis = clockMillis;
    this.maxAgeMillis = maxAge.toMillis();
  }

  /** Appends the sealed form of {@code plain} (its readable bytes) to {@code out}. */
  public void seal(String channel, Buffer plain, Buffer out) {
    long n = counter.getAndIncrement();
    int start = out.length();
    out.appendInt(0);
    out.appendByte(VERSION);
    out.appendBytes(senderId);
    out.appendLong(n);
    byte[] header = out.getBytes(start + 4, start + 4 + HEADER_BYTES);
    byte[] clear = new byte[TIME_BYTES + plain.length()];
    long now = clockMillis.getAsLong();
    for (int i = 0; i < TIME_BYTES; i++) {
      clear[i] = (byte) (now >>> (56 - 8 * i));
    }
    plain.getBytes(clear, TIME_BYTES);
    try {
      Cipher c = CIPHERS.get();
      c.init(Cipher.ENCRYPT_MODE, ownKey, new GCMParameterSpec(TAG_BYTES * 8, nonce(n)));
      c.updateAAD(aad(channel, header));
      out.appendBytes(c.doFinal(clear));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot seal a message on " + channel + ": " + e, e);
    }
    out.setInt(start, out.length() - start - 4);
  }

  /**
   * The plain form sealed in the frame at {@code pos} of {@code in}.
   *
   * @throws Rejected naming the channel and the reason
   */
  public Buffer open(String channel, Buffer in, int pos) {
    if (in.length() - pos < OVERHEAD) {
      throw new Rejected(Reason.MALFORMED, channel, (in.length() - pos) + " bytes");
    }
    int length = in.getInt(pos);
    if (length != in.length() - pos - 4) {
      throw new Rejected(Reason.MALFORMED, channel, "length " + length + " in a frame of " + (in.length() - pos - 4));
    }
    int h = pos + 4;
    byte version = in.getByte(h);
    if (version != VERSION) {
      throw new Rejected(Reason.MALFORMED, channel, "seal version " + version + " (this build reads " + VERSION + ")");
    }
    byte[] header = in.getBytes(h, h + HEADER_BYTES);
    SenderId senderKey = new SenderId(in.getLong(h + 1), in.getLong(h + 9));
    long n = in.getLong(h + 1 + SENDER_BYTES);
    SenderState known;
    synchronized (senders) {
      known = senders.get(senderKey);
    }
    SecretKeySpec key = known != null ? known.key : keyOf(Arrays.copyOfRange(header, 1, 1 + SENDER_BYTES));
    byte[] clear;
    try {
      Cipher c = CIPHERS.get();
      c.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BYTES * 8, nonce(n)));
      c.updateAAD(aad(channel, header));
      clear = c.doFinal(in.getBytes(h + HEADER_BYTES, in.length()));
    } catch (AEADBadTagException e) {
      throw new Rejected(Reason.AUTH, channel, null);
    } catch (GeneralSecurityException e) {
      throw new Rejected(Reason.MALFORMED, channel, e.getMessage());
    }
    long sentAt = 0;
    for (int i = 0; i < TIME_BYTES; i++) {
      sentAt = (sentAt << 8) | (clear[i] & 0xff);
    }
    long age = clockMillis.getAsLong() - sentAt;
    if (Math.abs(age) > maxAgeMillis) {
      throw new Rejected(Reason.STALE, channel, "sealed " + age + " ms ago (accepted: within " + maxAgeMillis + " ms)");
    }
    synchronized (senders) {
      SenderState s = senders.get(senderKey);
      if (s == null) {
        s = new SenderState(key);
        senders.put(senderKey, s);
      }
      if (!s.accept(n)) {
        throw new Rejected(Reason.REPLAY, channel, "counter " + n + " of sender " + senderKey);
      }
    }
    return Buffer.buffer(clear).slice(TIME_BYTES, clear.length);
  }

  /** This sender's id, as frames carry it. */
  public String senderId() {
    return HexFormat.of().formatHex(senderId);
  }

  private SecretKeySpec keyOf(byte[] sender) {
    byte[] info = new byte[INFO.length() + SENDER_BYTES];
    byte[] prefix = INFO.getBytes(StandardCharsets.US_ASCII);
    System.arraycopy(prefix, 0, info, 0, prefix.length);
    System.arraycopy(sender, 0, info, prefix.length, SENDER_BYTES);
    return new SecretKeySpec(Hkdf.expand(sealKey, info, 32), "AES");
  }

  private static byte[] nonce(long counter) {
    byte[] iv = new byte[12];
    for (int i = 0; i < 8; i++) {
      iv[4 + i] = (byte) (counter >>> (56 - 8 * i));
    }
    return iv;
  }

  private static byte[] aad(String channel, byte[] header) {
    byte[] c = channel.getBytes(StandardCharsets.UTF_8);
    byte[] aad = new byte[c.length + 1 + header.length];
    System.arraycopy(c, 0, aad, 0, c.length);
    System.arraycopy(header, 0, aad, c.length + 1, header.length); // a 0 byte between
    return aad;
  }

  private static byte[] randomId() {
    byte[] id = new byte[SENDER_BYTES];
    new SecureRandom().nextBytes(id);
    return id;
  }

  /** A sender's 128-bit id, as a map key. */
  private record SenderId(long high, long low) {
    @Override
    public String toString() {
      return HexFormat.of().toHexDigits(high).substring(0, 8) + "…";
    }
  }

  /** One sender's key and the counters accepted from it: the newest, and a bitmap of the 64 before. */
  private static final class SenderState {
    final SecretKeySpec key;
    long newest = -1;
    long window;

    SenderState(SecretKeySpec key) {
      this.key = key;
    }

    boolean accept(long n) {
      if (n > newest) {
        long shift = n - newest;
        window = shift >= REPLAY_WINDOW ? 0 : window << shift;
        window |= 1;
        newest = n;
        return true;
      }
      long behind = newest - n;
      if (behind >= REPLAY_WINDOW || (window & (1L << behind)) != 0) {
        return false;
      }
      window |= 1L << behind;
      return true;
    }
  }
}
