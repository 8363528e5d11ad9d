#!/usr/bin/env bash
# The sidecar alone, locally: no GPU, no Kubernetes. Builds the jar if it is missing or stale, then starts
# three fake model servers (vLLM, SGLang, Triton TensorRT-LLM formats), the sidecar with mock GPUs
# (config-examples/mock-gpus.yaml) and its HTTP API, and prints the fused load vectors.
#   ./run-local.sh [SECONDS]   (default 20; 0 = until Ctrl-C)
set -euo pipefail
cd "$(dirname "$0")"
. scripts/benchmarks-jar.sh
exec "$JAVA_HOME/bin/java" -XX:+ExitOnOutOfMemoryError --enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow \
  -cp benchmarks/target/benchmarks.jar dev.loadfuse.benchmarks.local.LocalRun "${1:-20}" config-examples/mock-gpus.yaml
