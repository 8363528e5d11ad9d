#!/usr/bin/env bash
# The demo: simulated model servers of four engine kinds, the sidecar with simulated GPUs, the
# picker (one per routing policy) and an Envoy-like load generator, all in one local process; prints
# where requests went and a comparison table, writes CSV and PNG charts. No GPU, no Kubernetes.
# Builds the benchmarks jar first if it is missing.
#   ./demo.sh [OUTPUT_DIR]   (default demo-out)
set -euo pipefail
cd "$(dirname "$0")"
JAVA_HOME=$(MVNW_PRINT_JAVA_HOME=1 ./mvnw)
if [ ! -f benchmarks/target/benchmarks.jar ]; then
  echo "building (first run only): ./mvnw -q -B -DskipTests -pl benchmarks -am package" >&2
  ./mvnw -q -B -DskipTests -pl benchmarks -am package
fi
exec "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -Djava.awt.headless=true \
  -cp benchmarks/target/benchmarks.jar dev.loadfuse.benchmarks.demo.Demo "${1:-demo-out}"
