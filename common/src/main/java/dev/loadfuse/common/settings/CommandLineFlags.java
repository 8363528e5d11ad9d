package dev.loadfuse.common.settings;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParseResult;

/**
 * The flags layer of a picocli command ({@link SettingsSources#flags}): the options given on the
 * command line, not their defaults, each keyed by the setting its long name sets ({@code
 * --http-port} → {@code httpPort}). A flag whose key is not a setting ({@code --config-file} of the
 * settings file itself, {@code -v}) is left out.
 */
public final class CommandLineFlags {

  private CommandLineFlags() {}

  /** The given flags of {@code spec}'s last parse, as text keyed by setting; only keys in {@code settings}. */
  public static SettingsNode given(CommandSpec spec, Collection<String> settings) {
    ParseResult parsed = spec.commandLine().getParseResult();
    Map<String, String> given = new LinkedHashMap<>();
    for (OptionSpec option : spec.options()) {
      String key = SettingsSources.keyOfFlag(option.longestName());
      if (parsed.hasMatchedOption(option) && settings.contains(key)) {
        given.put(key, String.valueOf((Object) option.getValue()));
      }
    }
    return SettingsSources.flags(given);
  }
}
