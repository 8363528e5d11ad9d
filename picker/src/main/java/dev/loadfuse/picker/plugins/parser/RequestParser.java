package dev.loadfuse.picker.plugins.parser;

import dev.loadfuse.picker.scheduling.TypedName;
import dev.loadfuse.picker.scheduling.config.ParserPlugin;
import dev.loadfuse.picker.scheduling.config.Parameters;
import java.util.Objects;

/**
 * The reference's request parsers loadfuse implements: {@code openai-parser} (OpenAI
 * completions/chat/embeddings bodies: model and prompt are read; the default) and {@code
 * passthrough-parser} (the body is not parsed: no model rewrite, no prompt for prefix scoring).
 * Neither takes parameters.
 */
public final class RequestParser implements ParserPlugin {

  public static final String OPENAI = "openai-parser";
  public static final String PASSTHROUGH = "passthrough-parser";

  private final TypedName typedName;

  private RequestParser(String type, String name) {
    this.typedName = new TypedName(type, name);
  }

  public static RequestParser openAi(String name, Parameters parameters) {
    Objects.requireNonNull(parameters, "parameters");
    return new RequestParser(OPENAI, name);
  }

  public static RequestParser passthrough(String name, Parameters parameters) {
    Objects.requireNonNull(parameters, "parameters");
    return new RequestParser(PASSTHROUGH, name);
  }

  @Override
  public TypedName typedName() {
    return typedName;
  }

  @Override
  public boolean parsesBody() {
    return typedName.type().equals(OPENAI);
  }
}
