package dev.loadfuse.engine.kvevents;

import static org.assertj.core.api.Assertions.assertThat;

import dev.loadfuse.engine.kvevents.SequenceTracker.Kind;
import org.junit.jupiter.api.Test;

class SequenceTrackerTest {

  @Test
  void firstNextDuplicateGapRestart() {
    SequenceTracker t = new SequenceTracker();
    assertThat(t.classify(40)).isEqualTo(new SequenceTracker.Verdict(Kind.FIRST, 0));
    t.accept(40);
    assertThat(t.classify(41).kind()).isEqualTo(Kind.NEXT);
    t.accept(41);
    assertThat(t.classify(41).kind()).isEqualTo(Kind.DUPLICATE);
    assertThat(t.classify(45)).isEqualTo(new SequenceTracker.Verdict(Kind.GAP, 42));
    assertThat(t.classify(0)).isEqualTo(new SequenceTracker.Verdict(Kind.RESTART, 0));
    t.reset();
    assertThat(t.last()).isEqualTo(-1);
    assertThat(t.classify(0).kind()).isEqualTo(Kind.FIRST);
  }
}
