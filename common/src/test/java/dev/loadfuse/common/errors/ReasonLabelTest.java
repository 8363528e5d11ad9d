package dev.loadfuse.common.errors;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ReasonLabelTest {

  enum Reason implements ReasonLabel {
    HTTP_STATUS,
    AUTH
  }

  @Test
  void label_isTheNameInLowerCase() {
    assertThat(Reason.HTTP_STATUS.label()).isEqualTo("http_status");
    assertThat(Reason.AUTH.label()).isEqualTo("auth");
  }
}
