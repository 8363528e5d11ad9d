package dev.loadfuse.common.testing;

import java.io.IOException;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * Files that attack a reader's size limit, made cheaply: a sparse file of any size (no disk
 * blocks written), and a FIFO fed without end by a daemon thread.
 */
public final class LargeFiles {

  private LargeFiles() {}

  /** A file of {@code size} bytes (zeros) that takes no disk space. */
  public static Path sparse(Path file, long size) throws IOException {
    try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
      f.setLength(size);
    }
    return file;
  }

  /**
   * A named pipe at {@code file} that a daemon thread fills with {@code line} forever (until the
   * reader closes it); skips the test where {@code mkfifo} is missing. Close the result when done.
   */
  public static Fifo endlessFifo(Path file, String line) throws Exception {
    Process p;
    try {
      p = new ProcessBuilder("mkfifo", file.toString()).redirectErrorStream(true).start();
    } catch (IOException e) {
      Assumptions.abort("mkfifo not available: " + e.getMessage());
      throw e;
    }
    Assumptions.assumeTrue(p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0, "mkfifo failed");
    byte[] chunk = line.repeat(Math.max(1, 8192 / Math.max(1, line.length()))).getBytes();
    Thread writer = Thread.ofPlatform().daemon().name("endless-fifo").start(() -> {
      try (OutputStream out = Files.newOutputStream(file)) {
        while (!Thread.currentThread().isInterrupted()) {
          out.write(chunk);
        }
      } catch (IOException readerClosed) {
        // the reader stopped reading: done
      }
    });
    return new Fifo(file, writer);
  }

  /** A FIFO and its writer. */
  public record Fifo(Path path, Thread writer) implements AutoCloseable {
    @Override
    public void close() throws Exception {
      writer.interrupt();
      // A writer blocked in open() (no reader came) is released by opening the read end once.
      if (writer.isAlive()) {
        try (var in = Files.newInputStream(path)) {
          in.readNBytes(1);
        } catch (IOException ignored) {
          // gone already
        }
      }
      writer.join(10_000);
      Files.deleteIfExists(path);
    }
  }
}
