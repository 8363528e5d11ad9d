package dev.loadfuse.picker.tokenizer;

/** A tokenizer that cannot load, or a prompt it cannot render or encode; the message says which and why. */
public final class TokenizerException extends Exception {
  public TokenizerException(String message) {
    super(message);
  }

  public TokenizerException(String message, Throwable cause) {
    super(message, cause);
  }
}
