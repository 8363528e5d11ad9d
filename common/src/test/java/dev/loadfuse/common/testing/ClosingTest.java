package dev.loadfuse.common.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ClosingTest {

  @Test
  void closesInOrder_passingOverNulls_andStopsAtTheFirstFailure() throws Exception {
    List<String> closed = new ArrayList<>();
    Closing.all(() -> closed.add("a"), null, () -> closed.add("b"));
    Closing.ifOpen("c", closed::add);
    Closing.ifOpen((String) null, closed::add);
    assertThat(closed).containsExactly("a", "b", "c");

    assertThatThrownBy(() -> Closing.all(() -> {
      throw new IllegalStateException("first");
    }, () -> closed.add("after"))).hasMessage("first");
    assertThat(closed).containsExactly("a", "b", "c");
  }
}
