package dev.loadfuse.common.settings;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.loadfuse.common.testing.LargeFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BoundedFilesTest {

  private static final long FOUR_MI = 4 << 20;

  @Test
  void oversizedFile_isRefusedBeforeReading_namingTheLimitAndWhatItIs(@TempDir Path dir) throws Exception {
    Path big = LargeFiles.sparse(dir.resolve("big.yaml"), 100L << 20);
    assertThatThrownBy(() -> BoundedFiles.read(big, FOUR_MI, "an EndpointPickerConfig"))
        .isInstanceOf(SettingsException.class)
        .hasMessage(big + ": 104857600 bytes, larger than the 4 MiB limit for an EndpointPickerConfig");
  }

  @Test
  void devZero_reportsNoSize_andIsStoppedWhileReading() {
    Path zero = Path.of("/dev/zero");
    org.junit.jupiter.api.Assumptions.assumeTrue(Files.isReadable(zero), "no /dev/zero");
    assertThatThrownBy(() -> BoundedFiles.read(zero, 64 << 10, "a mock GPU file"))
        .isInstanceOf(SettingsException.class)
        .hasMessage("/dev/zero: more than 65536 bytes (still growing when read), larger than the 64 KiB limit for a mock GPU file");
  }

  @Test
  void endlessFifo_isStoppedAtTheLimit(@TempDir Path dir) throws Exception {
    try (LargeFiles.Fifo fifo = LargeFiles.endlessFifo(dir.resolve("pipe.yaml"), "a: 1\n")) {
      assertThatThrownBy(() -> BoundedFiles.read(fifo.path(), 1 << 20, "a sidecar settings file"))
          .hasMessage(fifo.path() + ": more than 1048576 bytes (still growing when read), larger than the 1 MiB limit"
              + " for a sidecar settings file");
    }
  }

  @Test
  void fileAtTheLimit_isReadWhole(@TempDir Path dir) throws Exception {
    byte[] content = new byte[100_000];
    java.util.Arrays.fill(content, (byte) 'x');
    Path f = Files.write(dir.resolve("f"), content);
    assertThat(BoundedFiles.read(f, 100_000, "a file")).isEqualTo(content);
    assertThatThrownBy(() -> BoundedFiles.read(f, 99_999, "a file"))
        .hasMessage(f + ": 100000 bytes, larger than the 99999 bytes limit for a file");
    assertThat(BoundedFiles.readString(Files.writeString(dir.resolve("e"), ""), 10, "a file")).isEmpty();
  }

  @Test
  void missingFileAndDirectory_areNamed(@TempDir Path dir) {
    assertThatThrownBy(() -> BoundedFiles.read(dir.resolve("none"), 10, "a file"))
        .hasMessage(dir.resolve("none") + ": cannot read: no such file");
    assertThatThrownBy(() -> BoundedFiles.read(dir, 10, "an endpoints file"))
        .hasMessage(dir + ": cannot read: a directory (expected: an endpoints file)");
  }

  @Test
  void limitsReadAsPeopleWriteThem() {
    assertThat(BoundedFiles.human(4 << 20)).isEqualTo("4 MiB");
    assertThat(BoundedFiles.human(64 << 10)).isEqualTo("64 KiB");
    assertThat(BoundedFiles.human(1L << 30)).isEqualTo("1 GiB");
    assertThat(BoundedFiles.human(1000)).isEqualTo("1000 bytes");
  }
}
