package dev.loadfuse.discovery.file;

import dev.loadfuse.discovery.DiscoveryException;
import dev.loadfuse.discovery.EndpointDiscovery;
import dev.loadfuse.discovery.EndpointSet;
import dev.loadfuse.discovery.SnapshotPublisher;
import dev.loadfuse.discovery.WorkerThreads;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Endpoints from a static file ({@link EndpointsFile}), reloaded when it changes.
 *
 * <p><b>Change detection.</b> The file is polled every {@link FileDiscoveryOptions#pollInterval()}
 * (default 1 s) rather than watched: inotify ({@code WatchService}) misses ConfigMap updates
 * (kubelet swaps a {@code ..data} symlink; the file's own entry never changes), does not fire through
 * many bind mounts and network filesystems, and still needs a poll fallback. A poll stats the
 * file (following symlinks: mtime, size, inode) and re-reads it only when that changed, or while
 * the last read was "racy" (within 2 s of the mtime, so a same-size rewrite in the same
 * timestamp tick is not missed); the content's SHA-256 then decides whether anything changed, so
 * a {@code touch} costs one read and no reparse. Files are small (at most {@link
 * EndpointsFile#MAX_SIZE_BYTES}).
 *
 * <p><b>Errors.</b> A missing or invalid file at {@link #start} fails the start future (fail fast
 * at boot). After that, an invalid version of the file is reported once through {@link
 * Listener#onError}, when two polls in a row read the same invalid bytes (a writer that truncates,
 * then writes, is otherwise caught in between), and the previous good set stays in force; a file
 * that disappears is reported once until it is readable again. Writers should still replace the
 * file atomically (write another file, then rename it; ConfigMap volumes do), because a file cut in
 * the middle can be valid YAML with fewer endpoints.
 *
 * <p><b>Threading.</b> One daemon thread ({@code loadfuse-file-discovery}) polls and calls the
 * listener.
 */
public final class FileEndpointDiscovery implements EndpointDiscovery {

  private static final Duration RACY_WINDOW = Duration.ofSeconds(2);

  private final Path file;
  private final FileDiscoveryOptions options;
  private final AtomicBoolean started = new AtomicBoolean();
  private volatile boolean closed;
  private volatile ScheduledExecutorService executor;
  private volatile Thread thread;
  private volatile SnapshotPublisher publisher;
  private final AtomicLong polls = new AtomicLong();

  // Confined to the executor thread.
  private FileState lastState;
  private Instant lastReadAt = Instant.EPOCH;
  private byte[] lastHash;
  /**
   * The hash of an invalid content read once and not yet reported: an invalid version is reported
   * only when the next poll reads the same bytes, so a file caught between a writer's truncate and
   * its write (empty, or cut in the middle) is not reported as an error.
   */
  private byte[] unconfirmedInvalidHash;
  private String lastReadError;

  public FileEndpointDiscovery(Path file) {
    this(file, FileDiscoveryOptions.DEFAULTS);
  }

  public FileEndpointDiscovery(Path file, FileDiscoveryOptions options) {
    this.file = Objects.requireNonNull(file, "file");
    this.options = Objects.requireNonNull(options, "options");
  }

  @Override
  public CompletableFuture<EndpointSet> start(Listener listener) {
    Objects.requireNonNull(listener, "listener");
    if (closed || !started.compareAndSet(false, true)) {
      throw new IllegalStateException(describe() + ": already started or closed");
    }
    SnapshotPublisher pub = new SnapshotPublisher(listener);
    this.publisher = pub;
    ScheduledExecutorService ex =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = Thread.ofPlatform().daemon().name("loadfuse-file-discovery").unstarted(r);
              thread = t;
              return t;
            });
    this.executor = ex;
    CompletableFuture<EndpointSet> first = new CompletableFuture<>();
    ex.execute(
        () -> {
          EndpointSet set;
          try {
            set = loadIfChanged(true);
          } catch (DiscoveryException e) {
            first.completeExceptionally(e);
            close();
            return;
          } catch (ReadFailure e) {
            first.completeExceptionally(e.error);
            close();
            return;
          }
          if (closed) {
            first.completeExceptionally(new DiscoveryException(describe() + ": closed"));
            return;
          }
          pub.publish(set);
          first.complete(set);
          long period = options.pollInterval().toNanos();
          ex.scheduleWithFixedDelay(this::poll, period, period, TimeUnit.NANOSECONDS);
        });
    return first;
  }

  private void poll() {
    if (closed) {
      return;
    }
    try {
      pollOnce();
    } finally {
      polls.incrementAndGet();
    }
  }

  private void pollOnce() {
    EndpointSet set;
    try {
      set = loadIfChanged(false);
    } catch (ReadFailure e) {
      // A read error repeats on every poll: only the first of a run is reported.
      if (!closed && !e.error.getMessage().equals(lastReadError)) {
        lastReadError = e.error.getMessage();
        publisher.error(e.error);
      }
      return;
    } catch (DiscoveryException e) {
      if (!closed) {
        publisher.error(e);
      }
      return;
    } catch (RuntimeException e) {
      // Never let an unexpected exception cancel the periodic task.
      if (!closed) {
        publisher.error(new DiscoveryException(describe() + ": unexpected error: " + e, e));
      }
      return;
    }
    if (set != null && !closed) {
      publisher.publish(set);
    }
  }

  /**
   * Returns the parsed set when the content changed since the last read, {@code null} when it did
   * not.
   *
   * @throws ReadFailure when the file cannot be read
   * @throws DiscoveryException when the content is invalid
   */
  private EndpointSet loadIfChanged(boolean initial) throws ReadFailure {
    FileState state;
    byte[] content;
    Instant now = Instant.now();
    try {
      state = FileState.of(file);
      boolean racy =
          lastState != null
              && !lastState.mtime().toInstant().isBefore(lastReadAt.minus(RACY_WINDOW));
      if (!initial && state.equals(lastState) && !racy) {
        return null;
      }
      content = EndpointsFile.read(file);
    } catch (NoSuchFileException e) {
      throw readFailure(new DiscoveryException(file + ": cannot read: no such file", e));
    } catch (IOException e) {
      throw readFailure(new DiscoveryException(file + ": cannot read: " + e, e));
    } catch (DiscoveryException e) {
      throw readFailure(e);
    }
    lastReadError = null;
    lastState = state;
    lastReadAt = now;
    byte[] hash = sha256(content);
    if (!initial && Arrays.equals(hash, lastHash)) {
      return null;
    }
    EndpointSet set;
    try {
      set = EndpointsFile.parse(file.toString(), content, EndpointsFile.isJson(file));
    } catch (DiscoveryException e) {
      if (!initial && !Arrays.equals(hash, unconfirmedInvalidHash)) {
        unconfirmedInvalidHash = hash;
        lastState = null; // re-read on the next poll whatever the file's stat says
        return null;
      }
      unconfirmedInvalidHash = null;
      lastHash = hash; // reported once; the same bytes are not reported again
      throw e;
    }
    unconfirmedInvalidHash = null;
    lastHash = hash;
    return set;
  }

  private ReadFailure readFailure(DiscoveryException e) {
    // Forget what was read so that the file is re-read and re-parsed once it is back.
    lastState = null;
    lastHash = null;
    return new ReadFailure(e);
  }

  /** Polls completed so far; lets tests wait for "a few polls happened" without sleeping. */
  long completedPolls() {
    return polls.get();
  }

  @Override
  public EndpointSet current() {
    return SnapshotPublisher.currentOf(publisher);
  }

  @Override
  public String describe() {
    return "file " + file;
  }

  @Override
  public void close() {
    closed = true;
    ScheduledExecutorService ex = executor;
    if (ex == null) {
      return;
    }
    WorkerThreads.stop(ex, thread);
  }

  private static byte[] sha256(byte[] content) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(content);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every JDK", e);
    }
  }

  private static final class ReadFailure extends Exception {
    private static final long serialVersionUID = 1L;
    final transient DiscoveryException error;

    ReadFailure(DiscoveryException error) {
      super(error.getMessage(), error, false, false);
      this.error = error;
    }
  }

  private record FileState(FileTime mtime, long size, Object fileKey) {
    static FileState of(Path file) throws IOException {
      BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
      return new FileState(a.lastModifiedTime(), a.size(), a.fileKey());
    }
  }
}
