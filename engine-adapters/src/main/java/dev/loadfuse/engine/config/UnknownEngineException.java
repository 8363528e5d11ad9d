package dev.loadfuse.engine.config;

/**
 * An engine name that no configuration defines, with where it came from and the names that exist,
 * e.g. {@code endpoint vllm-0: unknown engine "vlm" from pod label
 * inference.networking.k8s.io/engine-type (known: sglang, triton-tensorrt-llm, trt-llm, triton,
 * trtllm-serve, vllm)}.
 */
public final class UnknownEngineException extends EngineConfigException {
  private static final long serialVersionUID = 1L;

  private final String engine;

  UnknownEngineException(String message, String engine) {
    super(message);
    this.engine = engine;
  }

  @Override
  public UnknownEngineException withContext(String context) {
    return new UnknownEngineException(context + ": " + getMessage(), engine);
  }

  @Override
  public UnknownEngineException withParentPath(String parent) {
    return new UnknownEngineException(parent + "." + getMessage(), engine);
  }

  /** The name that was not found. */
  public String engine() {
    return engine;
  }
}
