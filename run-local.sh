#!/usr/bin/env bash
# The main job, locally: no GPU, no Kubernetes. Builds the jars if they are missing, then starts
# three fake model servers (vLLM, SGLang, Triton TensorRT-LLM formats), the sidecar with mock GPUs
# (config-examples/mock-gpus.yaml) and its HTTP API, and prints the fused load vectors.
#   ./run-local.sh [SECONDS]   (default 20; 0 = until Ctrl-C)
set -euo pipefail
cd "$(dirname "$0")"
JAVA_HOME=$(MVNW_PRINT_JAVA_HOME=1 ./mvnw)
if [ ! -f benchmarks/target/benchmarks.jar ] || [ ! -f sidecar/target/sidecar.jar ]; then
  echo "building (first run only): ./mvnw -q -DskipTests package" >&2
  ./mvnw -q -B -DskipTests package
fi
exec "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED \
  -cp benchmarks/target/benchmarks.jar dev.loadfuse.benchmarks.local.LocalRun "${1:-20}" config-examples/mock-gpus.yaml
