#!/usr/bin/env bash
# The demo: simulated model servers of four engine kinds, the sidecar with simulated GPUs, the
# picker (one per routing policy) and an Envoy-like load generator, all in one local process; prints
# where requests went and a comparison table, writes CSV and PNG charts. No GPU, no Kubernetes.
# Builds the benchmarks jar first when it is missing or older than the sources.
#   ./demo.sh [OUTPUT_DIR]   (default demo-out)
set -euo pipefail
cd "$(dirname "$0")"
JAVA_HOME=$(MVNW_PRINT_JAVA_HOME=1 ./mvnw)
JAR=benchmarks/target/benchmarks.jar
# Build when the jar is missing or older than any source, pom or resource (not on every run: the
# build takes about as long as the demo).
if [ ! -f "$JAR" ] || [ -n "$(find . -path ./.git -prune -o -path '*/target' -prune -o \
    \( -name '*.java' -o -name pom.xml -o -path '*/src/main/resources/*' \) -newer "$JAR" -print -quit)" ]; then
  echo "building: ./mvnw -q -B -DskipTests -pl benchmarks -am package" >&2
  ./mvnw -q -B -DskipTests -pl benchmarks -am package
fi
exec "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow \
  -Djava.awt.headless=true \
  -cp benchmarks/target/benchmarks.jar dev.loadfuse.benchmarks.demo.Demo "${1:-demo-out}"
