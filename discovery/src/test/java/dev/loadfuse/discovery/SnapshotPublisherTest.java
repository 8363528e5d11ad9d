package dev.loadfuse.discovery;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class SnapshotPublisherTest {

  private static List<String> messages(List<Object> events) {
    return events.stream().map(e -> ((DiscoveryException) e).getMessage()).toList();
  }

  @Test
  void problems_areReportedOnceWhileTheyLast_andAgainWhenTheyComeBack() {
    RecordingListener listener = new RecordingListener();
    SnapshotPublisher publisher = new SnapshotPublisher(listener);
    publisher.problems(List.of("pool a malformed", "pod b bad"));
    assertThat(messages(listener.drain())).containsExactly("pool a malformed", "pod b bad");
    publisher.problems(List.of("pod b bad", "pool a malformed"));
    assertThat(listener.drain()).as("still there: not again").isEmpty();
    publisher.problems(List.of("pod b bad"));
    assertThat(listener.drain()).isEmpty();
    publisher.problems(List.of("pool a malformed", "pod b bad"));
    assertThat(messages(listener.drain())).as("came back").containsExactly("pool a malformed");
    publisher.problems(List.of());
    publisher.problems(List.of("pod b bad"));
    assertThat(messages(listener.drain())).containsExactly("pod b bad");
  }
}
