package dev.loadfuse.picker.flowcontrol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.buffer.Buffer;
import java.util.List;
import java.util.UUID;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

class FlowReportTest {

  private static final FlowReport REPORT = new FlowReport(UUID.randomUUID(),
      List.of(new FlowReport.BandLoad(10, 3, 300), new FlowReport.BandLoad(-1, 0, 0)),
      List.of(new FlowReport.FlowLoad(10, "tenant-ä", 3, 2.5), new FlowReport.FlowLoad(-1, "b", 0, 0.25)));

  @Test
  void roundTrip() {
    Buffer b = REPORT.encode();
    // header, two bands, then two flows of 1 + 8 + 4 + 8 bytes and 1 + 1 + 4 + 8 bytes' ids and figures
    assertThat(b.length()).isEqualTo(1 + 16 + 2 + 2 * 16 + 2 + (4 + 2 + 9 + 4 + 8) + (4 + 2 + 1 + 4 + 8));
    assertThat(FlowReport.decode(b)).isEqualTo(REPORT);
  }

  static Stream<Arguments> badReports() {
    int flowsAt = 1 + 16 + 2 + 2 * 16;
    return Stream.of(
        Arguments.of("version", (UnaryOperator<Buffer>) b -> b.setByte(0, (byte) 9), "flow report version 9 (expected: 1)"),
        Arguments.of("truncated", (UnaryOperator<Buffer>) b -> b.getBuffer(0, 10), "flow report truncated (10 bytes)"),
        Arguments.of("trailing", (UnaryOperator<Buffer>) b -> b.appendByte((byte) 0), "flow report of "
            + (REPORT.encode().length() + 1) + " bytes (expected: " + REPORT.encode().length() + ")"),
        Arguments.of("bands", (UnaryOperator<Buffer>) b -> b.setUnsignedShort(17, 65_000),
            "flow report band count 65000 (expected: at most 64)"),
        Arguments.of("requests", (UnaryOperator<Buffer>) b -> b.setInt(1 + 16 + 2 + 4, -5),
            "flow report band requests -5 (expected: >= 0)"),
        Arguments.of("flows", (UnaryOperator<Buffer>) b -> b.setUnsignedShort(flowsAt, 300),
            "flow report flow count 300 (expected: at most 256)"),
        Arguments.of("recent", (UnaryOperator<Buffer>) b -> b.setDouble(flowsAt + 2 + 4 + 2 + 9 + 4, Double.NaN),
            "flow report recent dispatches NaN (expected: a number >= 0)"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badReports")
  void badReports_sayWhatIsWrong(String name, UnaryOperator<Buffer> spoil, String message) {
    assertThatThrownBy(() -> FlowReport.decode(spoil.apply(REPORT.encode()))).hasMessage(message);
  }

  @Test
  void aReportIsBounded() {
    List<FlowReport.FlowLoad> many = java.util.Collections.nCopies(FlowReport.MAX_FLOWS + 1,
        new FlowReport.FlowLoad(0, "f", 1, 1));
    assertThatThrownBy(() -> new FlowReport(UUID.randomUUID(), List.of(), many))
        .hasMessage("flow report of 0 bands and 257 flows (at most 64 and 256)");
    FlowReport longId = new FlowReport(UUID.randomUUID(), List.of(),
        List.of(new FlowReport.FlowLoad(0, "x".repeat(FlowReport.MAX_ID_BYTES + 1), 1, 1)));
    assertThatThrownBy(longId::encode).hasMessage("fairness id of 65 bytes (at most 64)");
  }
}
