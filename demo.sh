#!/usr/bin/env bash
# The demo: simulated model servers of four engine kinds, the sidecar with simulated GPUs, the
# picker (one per routing policy) and an Envoy-like load generator, all in one local process; prints
# where requests went and a comparison table, writes CSV and PNG charts. No GPU, no Kubernetes.
# Builds the benchmarks jar first when it is missing or older than the sources.
#   ./demo.sh [OUTPUT_DIR]   (default demo-out)
set -euo pipefail
cd "$(dirname "$0")"
. scripts/benchmarks-jar.sh
exec "$JAVA_HOME/bin/java" -XX:+ExitOnOutOfMemoryError --enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow \
  -Djava.awt.headless=true \
  -cp benchmarks/target/benchmarks.jar dev.loadfuse.benchmarks.demo.Demo "${1:-demo-out}"
