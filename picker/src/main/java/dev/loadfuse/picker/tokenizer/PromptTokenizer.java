package dev.loadfuse.picker.tokenizer;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns a request into the token ids the engine will hash, in process: a model's {@code
 * tokenizer.json} (Hugging Face tokenizers, the Rust implementation through DJL; no truncation, no
 * padding) and its {@code tokenizer_config.json} (the chat template, special-token strings). A
 * completion prompt is encoded as is; a chat is rendered with {@code add_generation_prompt} and
 * encoded without adding special tokens again (the template wrote them), as vLLM does.
 *
 * <p>DJL runs offline ({@code ai.djl.offline=true} unless set): the native library comes from its
 * jar and is unpacked to {@code DJL_CACHE_DIR} (default {@code ~/.djl.ai}; a read-only root needs
 * it pointed at a writable volume). Thread-safe.
 */
public final class PromptTokenizer implements AutoCloseable {

  /** {@code tokenizer_config.json} above this is refused (Qwen3's is 10 KB). */
  public static final long MAX_CONFIG_BYTES = 4 << 20;
  /** {@code tokenizer.json} above this is refused (Qwen3's is 11 MB). */
  public static final long MAX_TOKENIZER_BYTES = 256L << 20;
  /** Texts above this many characters are refused (about 1M tokens). */
  public static final int MAX_TEXT_CHARS = 4 << 20;

  private static final ObjectMapper JSON = new ObjectMapper();

  private final HuggingFaceTokenizer tokenizer;
  private final ChatTemplate template;
  private final Map<String, Object> specialTokens;

  private PromptTokenizer(HuggingFaceTokenizer tokenizer, ChatTemplate template, Map<String, Object> specialTokens) {
    this.tokenizer = tokenizer;
    this.template = template;
    this.specialTokens = specialTokens;
  }

  /** Loads {@code dir/tokenizer.json} and, when present, {@code dir/tokenizer_config.json}. */
  public static PromptTokenizer load(Path dir) throws TokenizerException {
    Path tok = dir.resolve("tokenizer.json");
    Path cfg = dir.resolve("tokenizer_config.json");
    try {
      if (!Files.isRegularFile(tok)) {
        throw new TokenizerException(tok + ": missing (expected: a Hugging Face tokenizer.json)");
      }
      if (Files.size(tok) > MAX_TOKENIZER_BYTES) {
        throw new TokenizerException(tok + ": " + Files.size(tok) + " bytes (expected: at most " + MAX_TOKENIZER_BYTES + ")");
      }
      ChatTemplate template = null;
      Map<String, Object> special = new HashMap<>();
      if (Files.isRegularFile(cfg)) {
        if (Files.size(cfg) > MAX_CONFIG_BYTES) {
          throw new TokenizerException(cfg + ": " + Files.size(cfg) + " bytes (expected: at most " + MAX_CONFIG_BYTES + ")");
        }
        JsonNode c;
        try {
          c = JSON.readTree(cfg.toFile());
        } catch (IOException e) {
          throw new TokenizerException(cfg + ": not JSON (" + e.getMessage() + ")", e);
        }
        JsonNode t = c.get("chat_template");
        if (t != null && t.isTextual()) {
          template = ChatTemplate.of(t.asText());
        }
        for (String k : List.of("bos_token", "eos_token", "pad_token", "unk_token", "additional_special_tokens")) {
          JsonNode v = c.get(k);
          if (v != null && !v.isNull()) {
            special.put(k, JSON.convertValue(v.isObject() && v.has("content") ? v.get("content") : v, Object.class));
          }
        }
      }
      if (System.getProperty("ai.djl.offline") == null) {
        System.setProperty("ai.djl.offline", "true");
      }
      HuggingFaceTokenizer hf;
      try {
        hf = HuggingFaceTokenizer.newInstance(tok, Map.of("truncation", "false", "padding", "false",
            "addSpecialTokens", "true"));
      } catch (IOException | RuntimeException e) {
        throw new TokenizerException(tok + ": cannot load (" + e.getMessage() + ")", e);
      }
      return new PromptTokenizer(hf, template, Map.copyOf(special));
    } catch (IOException e) {
      throw new TokenizerException(dir + ": " + e.getMessage(), e);
    }
  }

  /** Whether the config had a chat template. */
  public boolean hasChatTemplate() {
    return template != null;
  }

  /** The ids of a plain text ({@code /v1/completions} prompt). */
  public int[] encode(String text, boolean addSpecialTokens) throws TokenizerException {
    if (text.length() > MAX_TEXT_CHARS) {
      throw new TokenizerException("prompt: " + text.length() + " characters (expected: at most " + MAX_TEXT_CHARS + ")");
    }
    Encoding e;
    try {
      e = tokenizer.encode(text, addSpecialTokens, false);
    } catch (RuntimeException ex) {
      throw new TokenizerException("prompt: cannot encode (" + ex.getMessage() + ")", ex);
    }
    long[] ids = e.getIds();
    int[] out = new int[ids.length];
    for (int i = 0; i < ids.length; i++) {
      out[i] = (int) ids[i];
    }
    return out;
  }

  /**
   * The rendered prompt of a chat ({@code messages} and {@code tools} as decoded from the request
   * JSON, {@code kwargs} the request's {@code chat_template_kwargs}).
   */
  public String render(List<?> messages, List<?> tools, Map<String, ?> kwargs) throws TokenizerException {
    if (template == null) {
      throw new TokenizerException("chat: the tokenizer_config.json has no chat_template");
    }
    Map<String, Object> vars = new HashMap<>(specialTokens);
    vars.put("messages", messages);
    vars.put("tools", tools);
    vars.put("add_generation_prompt", true);
    if (kwargs != null) {
      vars.putAll(kwargs);
    }
    return template.render(vars);
  }

  /** The ids of a chat, as the engine sees it. */
  public int[] chat(List<?> messages, List<?> tools, Map<String, ?> kwargs) throws TokenizerException {
    return encode(render(messages, tools, kwargs), false);
  }

  @Override
  public void close() {
    tokenizer.close();
  }
}
