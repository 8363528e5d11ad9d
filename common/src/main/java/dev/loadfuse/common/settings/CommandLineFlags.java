package dev.loadfuse.common.settings;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Stack;
import java.util.stream.Collectors;
import picocli.CommandLine;
import picocli.CommandLine.IParameterPreprocessor;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParseResult;

/**
 * The flags layer of a picocli command ({@link SettingsSources#flags}): the options given on the
 * command line, not their defaults, each keyed by the setting its long name sets ({@code
 * --http-port} → {@code httpPort}). A flag whose key is not a setting ({@code --config-file} of the
 * settings file itself, {@code -v}) is left out.
 *
 * <p>Also the two parsing rules that make picocli read a command line as Go's {@code pflag} does
 * (the reference endpoint picker's parser): a repeated scalar flag is not an error, the last one
 * wins ({@link #goStyle}); and a boolean flag takes a value only when attached with {@code =}
 * ({@link GoBoolean}).
 */
public final class CommandLineFlags {

  private CommandLineFlags() {}

  /** {@code cli} with pflag's rule for repeated flags: the last value of a scalar flag wins. */
  public static CommandLine goStyle(CommandLine cli) {
    return cli.setOverwrittenOptionsAllowed(true);
  }

  /**
   * The preprocessor of a boolean flag declared {@code arity = "0..1"} as pflag parses one: {@code
   * --tracing} and {@code --tracing=false} set it; in {@code --tracing false} the flag is set to
   * true and {@code false} is left as a positional argument (pflag's {@code NoOptDefVal}).
   */
  public static final class GoBoolean implements IParameterPreprocessor {
    @Override
    public boolean preprocess(Stack<String> args, CommandSpec commandSpec, ArgSpec argSpec, Map<String, Object> info) {
      if (!"=".equals(info.get("separator"))) {
        args.push("true");
      }
      return false;
    }
  }

  /** The given flags of {@code spec}'s last parse, as text keyed by setting; only keys in {@code settings}. */
  public static SettingsNode given(CommandSpec spec, Collection<String> settings) {
    ParseResult parsed = spec.commandLine().getParseResult();
    Map<String, String> given = new LinkedHashMap<>();
    for (OptionSpec option : spec.options()) {
      String key = SettingsSources.keyOfFlag(option.longestName());
      if (parsed.hasMatchedOption(option) && settings.contains(key)) {
        Object value = option.getValue();
        // A repeated list flag (pflag appends): its values joined as one comma-separated text.
        given.put(key, value instanceof Collection<?> c
            ? c.stream().map(String::valueOf).collect(Collectors.joining(","))
            : String.valueOf(value));
      }
    }
    return SettingsSources.flags(given);
  }
}
