package dev.loadfuse.engine.prometheus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class PageBufferTest {

  @Test
  void pageLargerThanInitialArray_readWhole() throws IOException {
    byte[] page = new byte[200_000];
    Arrays.fill(page, (byte) 'x');
    PageBuffer buf = new PageBuffer();
    assertThat(buf.readFrom(new ByteArrayInputStream(page))).isEqualTo(200_000);
    assertThat(Arrays.equals(buf.array(), 0, buf.length(), page, 0, page.length)).isTrue();
  }

  @Test
  void pageOfExactlyTheLimit_accepted() throws IOException {
    PageBuffer buf = new PageBuffer(10);
    assertThat(buf.readFrom(new ByteArrayInputStream(new byte[10]))).isEqualTo(10);
  }

  @Test
  void pageOverTheLimit_rejectedWithoutReadingTheRest() {
    PageBuffer buf = new PageBuffer(10);
    InputStream endless =
        new InputStream() {
          @Override
          public int read() {
            return 'x';
          }
        };
    assertThatThrownBy(() -> buf.readFrom(endless))
        .isInstanceOf(PageTooLargeException.class)
        .hasMessage("metrics page too large: more than 10 bytes (limit: 10 bytes)");
  }

  @Test
  void reused_secondPageReplacesFirst() throws IOException {
    PageBuffer buf = new PageBuffer();
    buf.readFrom(new ByteArrayInputStream("long first page".getBytes()));
    byte[] array = buf.array();
    assertThat(buf.readFrom(new ByteArrayInputStream("b 2".getBytes()))).isEqualTo(3);
    assertThat(new String(buf.array(), 0, buf.length())).isEqualTo("b 2");
    assertThat(buf.array()).isSameAs(array);
  }

  @Test
  void nonPositiveLimit_rejected() {
    assertThatThrownBy(() -> new PageBuffer(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("maxPageBytes: 0 (expected: >= 1)");
  }
}
