package dev.loadfuse.common.errors;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ProblemsTest {

  static Stream<Arguments> failures() {
    IllegalArgumentException bad = new IllegalArgumentException("e.yaml: endpoints[1]: port: 0 (expected: [1, 65535])",
        new NumberFormatException("0"));
    return Stream.of(
        Arguments.of(bad, bad.getMessage(), Problems.EXIT_USAGE),
        Arguments.of(new CompletionException(bad), bad.getMessage(), Problems.EXIT_USAGE),
        Arguments.of(new ExecutionException(new CompletionException(bad)), bad.getMessage(), Problems.EXIT_USAGE),
        Arguments.of(new InvocationTargetException(bad), bad.getMessage(), Problems.EXIT_USAGE),
        Arguments.of(new RuntimeException(new IOException("Connection refused")), "Connection refused", Problems.EXIT_USAGE),
        Arguments.of(new RuntimeException((String) null), "RuntimeException", Problems.EXIT_USAGE),
        Arguments.of(new IllegalStateException("one\ntwo"), "one", Problems.EXIT_USAGE),
        Arguments.of(new CompletionException(new UnavailableException("NVML unavailable: cannot load x")),
            "NVML unavailable: cannot load x", Problems.EXIT_UNAVAILABLE),
        Arguments.of(new CompletionException(new OutOfMemoryError("Java heap space")), "out of memory: Java heap space",
            Problems.EXIT_INTERNAL),
        Arguments.of(new StackOverflowError(), "stack overflow (StackOverflowError)", Problems.EXIT_INTERNAL));
  }

  @ParameterizedTest
  @MethodSource("failures")
  void messageAndExitCode(Throwable t, String message, int exit) {
    assertThat(Problems.message(t)).isEqualTo(message);
    assertThat(Problems.exitCode(t)).isEqualTo(exit);
  }
}
