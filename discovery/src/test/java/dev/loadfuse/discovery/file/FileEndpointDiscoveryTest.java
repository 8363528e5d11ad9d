package dev.loadfuse.discovery.file;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.loadfuse.discovery.Await;
import dev.loadfuse.discovery.DiscoveryException;
import dev.loadfuse.discovery.EndpointSet;
import dev.loadfuse.discovery.RecordingListener;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileEndpointDiscoveryTest {

  private static final FileDiscoveryOptions FAST = new FileDiscoveryOptions(Duration.ofMillis(10));

  @TempDir Path dir;
  private final RecordingListener listener = new RecordingListener();
  private FileEndpointDiscovery discovery;

  @AfterEach
  void close() {
    if (discovery != null) {
      discovery.close();
    }
  }

  private static String endpoints(int port) {
    return "pool: {name: p}\nendpoints:\n  - {name: vllm-0, address: 127.0.0.1, port: " + port + "}\n";
  }

  private static int port(EndpointSet set) {
    return set.endpoints().getFirst().port();
  }

  private Path write(String name, String content) throws Exception {
    Path f = dir.resolve(name);
    Files.writeString(f, content);
    return f;
  }

  private EndpointSet start(Path file) throws Exception {
    discovery = new FileEndpointDiscovery(file, FAST);
    return discovery.start(listener).get(RecordingListener.WAIT_SECONDS, TimeUnit.SECONDS);
  }

  /** Starting on {@code f} fails with a {@link DiscoveryException} saying {@code message}; the listener hears nothing. */
  private void assertStartFails(Path f, String message) {
    discovery = new FileEndpointDiscovery(f, FAST);
    CompletableFuture<EndpointSet> started = discovery.start(listener);
    assertThatThrownBy(() -> started.get(RecordingListener.WAIT_SECONDS, TimeUnit.SECONDS))
        .isInstanceOf(ExecutionException.class)
        .cause()
        .isInstanceOf(DiscoveryException.class)
        .hasMessage(message);
    assertThat(listener.drain()).isEmpty();
  }

  /** A discovery started on {@code e.yaml} with one endpoint on port 8000, its first set taken; returns the file. */
  private Path started() throws Exception {
    Path f = write("e.yaml", endpoints(8000));
    start(f);
    listener.nextSet();
    return f;
  }

  /** Rewrites {@code f} to one endpoint on {@code port} and expects that set delivered next. */
  private void rewrite(Path f, int port) throws Exception {
    Files.writeString(f, endpoints(port));
    assertThat(port(listener.nextSet())).isEqualTo(port);
  }

  @Test
  void start_deliversFirstSetOnTheDiscoveryThread() throws Exception {
    EndpointSet first = start(write("e.yaml", endpoints(8000)));
    assertThat(port(first)).isEqualTo(8000);
    assertThat(listener.nextSet()).isEqualTo(first);
    assertThat(discovery.current()).isEqualTo(first);
    assertThat(listener.callers()).allMatch(t -> t.getName().equals("loadfuse-file-discovery"));
    assertThat(discovery.describe()).isEqualTo("file " + dir.resolve("e.yaml"));
  }

  @Test
  void change_deliversTheNewSet() throws Exception {
    Path f = started();
    rewrite(f, 8001);
  }

  @Test
  void invalidReload_reportsError_keepsPreviousSet_thenRecovers() throws Exception {
    Path f = started();
    EndpointSet good = discovery.current();

    Files.writeString(f, endpoints(70000));
    DiscoveryException error = listener.nextError();
    assertThat(error).hasMessage(f + ": endpoints[0] (vllm-0): port: 70000 (expected: [1, 65535])");
    assertThat(discovery.current()).isEqualTo(good);

    rewrite(f, 8002);
  }

  @Test
  void touchWithSameContent_deliversNothing() throws Exception {
    Path f = started();
    Files.setLastModifiedTime(f, FileTime.fromMillis(System.currentTimeMillis() + 5_000));
    Files.writeString(f, endpoints(8000)); // rewritten, same bytes
    awaitPolls(3);
    Files.writeString(f, endpoints(8003));
    // The next delivery is the real change: the touch and the identical rewrite gave none.
    assertThat(port(listener.nextSet())).isEqualTo(8003);
  }

  @Test
  void fileCaughtBetweenTruncateAndWrite_isNotReported() throws Exception {
    Path f = write("e.yaml", endpoints(8000));
    // Polls far enough apart that the test writes the real content between two of them.
    discovery = new FileEndpointDiscovery(f, new FileDiscoveryOptions(Duration.ofMillis(300)));
    discovery.start(listener).get(RecordingListener.WAIT_SECONDS, TimeUnit.SECONDS);
    listener.nextSet();
    Files.writeString(f, ""); // the writer has truncated the file ...
    awaitPolls(1); // ... a poll reads it empty ...
    Files.writeString(f, endpoints(8007)); // ... and the writer finishes
    assertThat(port(listener.nextSet())).isEqualTo(8007);
    assertThat(listener.drain()).as("no error for the empty moment").isEmpty();
  }

  @Test
  void emptyFileThatStaysEmpty_isReportedOnce() throws Exception {
    Path f = started();
    EndpointSet good = discovery.current();
    Files.writeString(f, "");
    assertThat(listener.nextError())
        .hasMessage(f + ": empty document (expected: pool and endpoints)");
    awaitPolls(5);
    assertThat(listener.drain()).as("reported once").isEmpty();
    assertThat(discovery.current()).isEqualTo(good);
  }

  @Test
  void sameSizeRewriteInTheSameTimestampTick_isSeen() throws Exception {
    Path f = write("e.yaml", endpoints(8000));
    FileTime mtime = Files.getLastModifiedTime(f);
    start(f);
    listener.nextSet();
    Files.writeString(f, endpoints(8009));
    Files.setLastModifiedTime(f, mtime); // same size, same mtime, same inode
    assertThat(port(listener.nextSet())).isEqualTo(8009);
  }

  @Test
  void configMapSymlinkSwap_isSeen() throws Exception {
    // kubelet's layout: endpoints.yaml -> ..data/endpoints.yaml, ..data -> ..v1, swapped atomically.
    Files.createDirectories(dir.resolve("..v1"));
    Files.createDirectories(dir.resolve("..v2"));
    Files.writeString(dir.resolve("..v1/endpoints.yaml"), endpoints(8000));
    Files.writeString(dir.resolve("..v2/endpoints.yaml"), endpoints(8005));
    Files.createSymbolicLink(dir.resolve("..data"), Path.of("..v1"));
    Path f = dir.resolve("endpoints.yaml");
    Files.createSymbolicLink(f, Path.of("..data/endpoints.yaml"));
    start(f);
    listener.nextSet();

    Files.createSymbolicLink(dir.resolve("..data_tmp"), Path.of("..v2"));
    Files.move(dir.resolve("..data_tmp"), dir.resolve("..data"), StandardCopyOption.ATOMIC_MOVE);
    assertThat(port(listener.nextSet())).isEqualTo(8005);
  }

  @Test
  void deletedFile_reportedOnce_thenRecovers() throws Exception {
    Path f = started();
    EndpointSet good = discovery.current();

    Files.delete(f);
    assertThat(listener.nextError()).hasMessage(f + ": cannot read: no such file");
    awaitPolls(5);
    assertThat(listener.drain()).as("no repeat of the same error").isEmpty();
    assertThat(discovery.current()).isEqualTo(good);

    rewrite(f, 8004);
  }

  @Test
  void deletedAndRestoredUnchanged_deliversNothing() throws Exception {
    Path f = started();
    Files.delete(f);
    listener.nextError();
    Files.writeString(f, endpoints(8000));
    awaitPolls(3);
    rewrite(f, 8006);
  }

  @Test
  void missingFileAtStart_failsStart() {
    Path f = dir.resolve("missing.yaml");
    assertStartFails(f, f + ": cannot read: no such file");
  }

  @Test
  void invalidFileAtStart_failsStart() throws Exception {
    Path f = write("e.yaml", "pool: {name: p}\nendpoints: [{name: a}]\n");
    assertStartFails(f, f + ": endpoints[0] (a): address: missing");
  }

  @Test
  void startTwiceOrAfterClose_rejected() throws Exception {
    Path f = write("e.yaml", endpoints(8000));
    start(f);
    assertThatThrownBy(() -> discovery.start(listener))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("file " + f + ": already started or closed");
    FileEndpointDiscovery closed = new FileEndpointDiscovery(f, FAST);
    closed.close();
    closed.close();
    assertThatThrownBy(() -> closed.start(listener)).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void options_rejectNonPositiveInterval() {
    assertThat(FileDiscoveryOptions.DEFAULTS.pollInterval()).isEqualTo(Duration.ofSeconds(1));
    assertThatThrownBy(() -> new FileDiscoveryOptions(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("pollInterval: PT0S (expected: > 0)");
  }

  /** Waits (bounded) until {@code n} more polls have completed. */
  private void awaitPolls(int n) {
    long target = discovery.completedPolls() + n;
    Await.until(n + " more polls", () -> discovery.completedPolls() >= target);
  }
}
