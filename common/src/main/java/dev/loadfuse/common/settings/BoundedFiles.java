package dev.loadfuse.common.settings;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * The one way loadfuse reads a file a user names: never more than a stated limit, so that a wrong
 * path ({@code /dev/zero}), a FIFO fed without end, a file that grows while read, or a 100 MB file
 * given by mistake ends in one clear line instead of an {@link OutOfMemoryError} or a hang in the
 * parser.
 *
 * <p>The limit is checked twice: against the size the file system reports, before a byte is read
 * ({@code picker.yaml: 104857600 bytes, larger than the 4 MiB limit for an EndpointPickerConfig}),
 * and while reading, for what reports no size or grows ({@code /dev/zero: more than 4194304 bytes
 * (still growing when read), larger than the 4 MiB limit for an EndpointPickerConfig}). At most
 * {@code maxBytes + 1} bytes are held.
 *
 * <p>Every failure is a {@link SettingsException} whose message starts with the file: exit code 2
 * in the command-line tools, a kept previous version where a file is reloaded.
 *
 * <p>The limits of the files loadfuse reads are constants next to their readers (e.g. {@code
 * ConfigLoader.MAX_FILE_BYTES}); the top-level README lists them.
 */
public final class BoundedFiles {

  private static final int CHUNK = 64 * 1024;

  private BoundedFiles() {}

  /**
   * The bytes of {@code file}, at most {@code maxBytes}.
   *
   * @param what what the file is, for the message: {@code "an EndpointPickerConfig"}
   * @throws SettingsException when the file is missing, unreadable, a directory, or larger than
   *     {@code maxBytes}
   */
  public static byte[] read(Path file, long maxBytes, String what) {
    if (maxBytes < 0 || maxBytes > Integer.MAX_VALUE - 16) {
      throw new IllegalArgumentException("maxBytes: " + maxBytes + " (expected: [0, " + (Integer.MAX_VALUE - 16) + "])");
    }
    try {
      if (Files.isDirectory(file)) {
        throw new SettingsException(file + ": cannot read: a directory (expected: " + what + ")");
      }
      // Regular files report their size: refuse before reading. Devices and pipes report 0.
      long size = Files.size(file);
      if (size > maxBytes) {
        throw new SettingsException(file + ": " + size + " bytes, " + larger(maxBytes, what));
      }
      try (InputStream in = Files.newInputStream(file)) {
        byte[] buf = new byte[(int) Math.min(Math.max(size, 1024), maxBytes + 1)];
        int n = 0;
        while (true) {
          if (n == buf.length) {
            if (n > maxBytes) {
              throw new SettingsException(file + ": more than " + maxBytes + " bytes (still growing when read), "
                  + larger(maxBytes, what));
            }
            buf = Arrays.copyOf(buf, (int) Math.min((long) n + Math.max(n, CHUNK), maxBytes + 1));
          }
          int r = in.read(buf, n, buf.length - n);
          if (r < 0) {
            return n == buf.length ? buf : Arrays.copyOf(buf, n);
          }
          n += r;
        }
      }
    } catch (NoSuchFileException e) {
      throw new SettingsException(file + ": cannot read: no such file", e);
    } catch (AccessDeniedException e) {
      throw new SettingsException(file + ": cannot read: permission denied", e);
    } catch (IOException e) {
      throw new SettingsException(file + ": cannot read: " + e.getClass().getSimpleName()
          + (e.getMessage() == null || e.getMessage().equals(file.toString()) ? "" : ": " + e.getMessage()), e);
    }
  }

  /** {@link #read} as UTF-8 text (malformed bytes become U+FFFD, which the parsers then report). */
  public static String readString(Path file, long maxBytes, String what) {
    return new String(read(file, maxBytes, what), StandardCharsets.UTF_8);
  }

  /** {@code larger than the 4 MiB limit for an EndpointPickerConfig}. */
  static String larger(long maxBytes, String what) {
    return "larger than the " + human(maxBytes) + " limit for " + what;
  }

  /** {@code 4 MiB}, {@code 64 KiB}, {@code 1000 bytes}. */
  public static String human(long bytes) {
    String f = ByteSizes.format(bytes);
    char last = f.charAt(f.length() - 1);
    return last == 'i' ? f.substring(0, f.length() - 2) + " " + f.substring(f.length() - 2) + "B" : f + " bytes";
  }
}
