#!/usr/bin/env bash
# The sidecar alone, locally: no GPU, no Kubernetes. Builds the jar if it is missing or stale, then starts
# three fake model servers (vLLM, SGLang, Triton TensorRT-LLM formats), the sidecar with mock GPUs
# (config-examples/mock-gpus.yaml) and its HTTP API, and prints the fused load vectors.
#   ./run-local.sh [SECONDS]   (default 20; 0 = until Ctrl-C)
set -euo pipefail
cd "$(dirname "$0")"
JAVA_HOME=$(MVNW_PRINT_JAVA_HOME=1 ./mvnw)
JAR=benchmarks/target/benchmarks.jar
# Build when the jar is missing or older than any source, pom or resource.
if [ ! -f "$JAR" ] || [ -n "$(find . -path ./.git -prune -o -path '*/target' -prune -o \
    \( -name '*.java' -o -name pom.xml -o -path '*/src/main/resources/*' \) -newer "$JAR" -print -quit)" ]; then
  echo "building: ./mvnw -q -B -DskipTests -pl benchmarks -am package" >&2
  ./mvnw -q -B -DskipTests -pl benchmarks -am package
fi
exec "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow \
  -cp benchmarks/target/benchmarks.jar dev.loadfuse.benchmarks.local.LocalRun "${1:-20}" config-examples/mock-gpus.yaml
