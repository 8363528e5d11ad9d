package dev.loadfuse.common.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import java.util.stream.Stream;

/**
 * One integer setting given in some of a program's three layers (settings file &lt; {@code
 * LOADFUSE_*} environment &lt; flags), and the value that must win: the cases of a precedence
 * test. The file says 1, the environment 2, the flag 3; null where a layer leaves it out.
 *
 * @param file the file's value, or null
 * @param env the environment's value, or null
 * @param flag the flag's value, or null
 */
public record LayeredSetting(String file, String env, String flag) {

  /**
   * The eight ways of leaving each layer in or out; a test takes them with {@code
   * @MethodSource("dev.loadfuse.common.testing.LayeredSetting#all")}.
   */
  public static Stream<LayeredSetting> all() {
    return IntStream.range(0, 8).mapToObj(bits -> new LayeredSetting((bits & 1) != 0 ? "1" : null,
        (bits & 2) != 0 ? "2" : null, (bits & 4) != 0 ? "3" : null));
  }

  /** The value that must win: the flag's, else the environment's, else the file's, else {@code defaultValue}. */
  public int expected(int defaultValue) {
    String winner = flag != null ? flag : env != null ? env : file;
    return winner == null ? defaultValue : Integer.parseInt(winner);
  }

  /** The file's layer: {@code key: value} written to {@code file}; null when the file leaves it out. */
  public Path writeFile(Path file, String key) throws IOException {
    return this.file == null ? null : Files.writeString(file, key + ": " + this.file + "\n");
  }

  /** The environment's layer: {@code variable=value}, or empty. */
  public Map<String, String> environment(String variable) {
    return env == null ? Map.of() : Map.of(variable, env);
  }

  /**
   * A command line: {@code first}, then {@code fileFlag FILE} with the file's layer (written to
   * {@code file}), then {@code flagName VALUE} with the flag's.
   */
  public String[] args(List<String> first, String fileFlag, Path file, String key, String flagName)
      throws IOException {
    List<String> args = new ArrayList<>(first);
    Path written = writeFile(file, key);
    if (written != null) {
      args.addAll(List.of(fileFlag, written.toString()));
    }
    if (flag != null) {
      args.addAll(List.of(flagName, flag));
    }
    return args.toArray(String[]::new);
  }

  @Override
  public String toString() {
    return "file=" + file + " env=" + env + " flag=" + flag;
  }
}
