#!/usr/bin/env bash
# Footprint of the node sidecar (sidecar/target/sidecar.jar run): CPU (% of one core) and RSS while
# it scrapes ENDPOINTS fake vLLM servers with ~119 KB pages every SCRAPE_INTERVAL and samples as
# many mock GPUs every GPU_SAMPLE_INTERVAL. Targets (issue): < 5 % of a core, < 128 MiB RSS.
#
#   ./mvnw -q -DskipTests package      # once; this script builds nothing
#   benchmarks/sidecar-footprint.sh
#
# Settings (environment): JAVA (a JDK >= 25; default: $JAVA_HOME/bin/java, else
# /usr/lib/jvm/*25*/bin/java, else java), SIDECAR_JAVA_OPTS (the sidecar's JVM flags; default
# below), ENDPOINTS (8), SCRAPE_INTERVAL (50ms), GPU_SAMPLE_INTERVAL (100ms), WARMUP_S (20),
# MEASURE_S (60), FLEET_CHANGE_MS (100: how often the fake servers' queues move, so that vectors
# change and are published as under load; 0 = static pages).
#
# The fake servers run in a second JVM on the same machine (their CPU is not counted, but they
# compete for the cores). Measurement: utime+stime of /proc/<pid>/stat over MEASURE_S after
# WARMUP_S, VmRSS of /proc/<pid>/status every second (max and final); /v1/load must show every
# endpoint healthy and /metrics the expected scrape rate. Everything started is stopped on exit.
# Results and the choice of default flags: benchmarks/README.md.
set -euo pipefail

cd "$(dirname "$0")/.."

# Default flags, chosen by measurement (benchmarks/README.md, "Sidecar footprint"; the same as in
# sidecar/jvm/README.md and the container image): Serial GC (no GC threads beside the application;
# young pauses here are ~0.6 ms), a 48 MiB heap cap (about 14 MiB live after a young GC with 8
# endpoints), compact object headers (JDK 25), and C2 only for the metrics parser
# (sidecar/jvm/compiler-directives.json; everything else stays at C1): C2 everywhere costs ~35 MiB
# more RSS and minutes of compile bursts, C1 everywhere leaves the parser ~2x slower.
DEFAULT_OPTS="-XX:+UseSerialGC -Xms16m -Xmx48m -XX:+UseCompactObjectHeaders -XX:+UnlockDiagnosticVMOptions -XX:CompilerDirectivesFile=sidecar/jvm/compiler-directives.json -XX:TrimNativeHeapInterval=5000 -XX:ReservedCodeCacheSize=32m -XX:CICompilerCount=2 -XX:+ExitOnOutOfMemoryError"
SIDECAR_JAVA_OPTS=${SIDECAR_JAVA_OPTS-$DEFAULT_OPTS}
ENDPOINTS=${ENDPOINTS:-8}
SCRAPE_INTERVAL=${SCRAPE_INTERVAL:-50ms}
GPU_SAMPLE_INTERVAL=${GPU_SAMPLE_INTERVAL:-100ms}
WARMUP_S=${WARMUP_S:-20}
MEASURE_S=${MEASURE_S:-60}
FLEET_CHANGE_MS=${FLEET_CHANGE_MS:-100}
# glibc keeps one malloc arena per thread that allocates (up to 8 per core), and each holds on
# to what JIT compiler threads once used; two are plenty for the sidecar.
SIDECAR_MALLOC_ARENA_MAX=${SIDECAR_MALLOC_ARENA_MAX-2}

SIDECAR_JAR=sidecar/target/sidecar.jar
BENCH_JAR=benchmarks/target/benchmarks.jar

die() { echo "sidecar-footprint: $*" >&2; exit 2; }

if [[ -z "${JAVA:-}" ]]; then
  if [[ -n "${JAVA_HOME:-}" && -x "$JAVA_HOME/bin/java" ]]; then
    JAVA=$JAVA_HOME/bin/java
  else
    JAVA=$(ls -d /usr/lib/jvm/*25*/bin/java 2>/dev/null | head -1 || true)
    JAVA=${JAVA:-java}
  fi
fi
java_major=$("$JAVA" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')
[[ -n "$java_major" && "$java_major" -ge 25 ]] || die "$JAVA is Java ${java_major:-?}; set JAVA to a JDK >= 25"
[[ -f $SIDECAR_JAR && -f $BENCH_JAR ]] || die "$SIDECAR_JAR or $BENCH_JAR missing: run ./mvnw -q -DskipTests package first"
command -v curl >/dev/null || die "curl is needed"

work=$(mktemp -d "${TMPDIR:-/tmp}/loadfuse-footprint.XXXXXX")
fleet_pid=""
sidecar_pid=""
cleanup() {
  for pid in $sidecar_pid $fleet_pid; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in $sidecar_pid $fleet_pid; do
    # bounded: SIGKILL whatever has not gone after 15 s
    for _ in $(seq 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  done
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Waits (at most $3 s) for a line matching $2 in file $1; prints it.
await_line() {
  local file=$1 pattern=$2 limit=$3 pid=$4
  for _ in $(seq $((limit * 10))); do
    if grep -m1 -E "$pattern" "$file" 2>/dev/null; then return 0; fi
    kill -0 "$pid" 2>/dev/null || { echo "--- $file:" >&2; cat "$file" >&2; die "process $pid exited early"; }
    sleep 0.1
  done
  cat "$file" >&2
  die "no line matching '$pattern' in $file within $limit s"
}

ticks_of() { # utime + stime, in clock ticks (fields after the ")" that ends the command name)
  local rest
  rest=$(sed 's/^.*) //' "/proc/$1/stat")
  awk '{ print $12 + $13 }' <<<"$rest"
}
rss_kib_of() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }
scrapes_of() { # successful + failed scrapes so far, all endpoints
  curl -fsS "$1/metrics" | awk '/^loadfuse_sidecar_scrape_duration_seconds_count/ { s += $2 } END { printf "%d\n", s }'
}
now() { date +%s.%N; }
threads_of() { # "tid ticks name" for every thread of $1
  local t
  for t in /proc/"$1"/task/*; do
    printf '%s %s %s\n' "${t##*/}" "$(sed 's/^.*) //' "$t/stat" | awk '{ print $12 + $13 }')" "$(tr ' ' '_' <"$t/comm")"
  done 2>/dev/null
}

"$JAVA" -XX:+UseSerialGC -Xmx256m -XX:+ExitOnOutOfMemoryError -cp "$BENCH_JAR" dev.loadfuse.benchmarks.sidecar.FakeVllmFleet \
  --count "$ENDPOINTS" --endpoints-file "$work/endpoints.yaml" --mock-gpus "$work/gpus.yaml" \
  --change-interval-ms "$FLEET_CHANGE_MS" >"$work/fleet.log" 2>&1 &
fleet_pid=$!
fleet_line=$(await_line "$work/fleet.log" '^ready:' 60 "$fleet_pid")

# shellcheck disable=SC2086 # SIDECAR_JAVA_OPTS is a list of flags
MALLOC_ARENA_MAX=$SIDECAR_MALLOC_ARENA_MAX "$JAVA" $SIDECAR_JAVA_OPTS -jar "$SIDECAR_JAR" run --endpoints-file "$work/endpoints.yaml" \
  --mock-gpus "$work/gpus.yaml" --scrape-interval "$SCRAPE_INTERVAL" \
  --gpu-sample-interval "$GPU_SAMPLE_INTERVAL" --http-host 127.0.0.1 --http-port 0 \
  >"$work/sidecar.out" 2>"$work/sidecar.err" &
sidecar_pid=$!
serving=$(await_line "$work/sidecar.out" '^loadfuse sidecar:' 60 "$sidecar_pid")
base=$(grep -oE 'http://[^ ,]+/v1/load' <<<"$serving" | sed 's|/v1/load$||')
[[ -n "$base" ]] || die "no URL in: $serving"

echo "fleet:   $fleet_line"
echo "sidecar: pid $sidecar_pid, $serving"
echo "flags:   ${SIDECAR_JAVA_OPTS:-(none)}; MALLOC_ARENA_MAX=$SIDECAR_MALLOC_ARENA_MAX"
echo "warming up ${WARMUP_S}s, then measuring ${MEASURE_S}s ..."
sleep "$WARMUP_S"

hz=$(getconf CLK_TCK)
threads_of "$sidecar_pid" >"$work/threads0"
t0=$(now); c0=$(ticks_of "$sidecar_pid"); s0=$(scrapes_of "$base")
rss_max=0
end=$(awk -v t="$t0" -v d="$MEASURE_S" 'BEGIN { printf "%.3f", t + d }')
while awk -v n="$(now)" -v e="$end" 'BEGIN { exit !(n < e) }'; do
  kill -0 "$sidecar_pid" 2>/dev/null || { cat "$work/sidecar.err" >&2; die "the sidecar exited during the measurement"; }
  rss=$(rss_kib_of "$sidecar_pid")
  (( rss > rss_max )) && rss_max=$rss
  sleep 1
done
t1=$(now); c1=$(ticks_of "$sidecar_pid"); s1=$(scrapes_of "$base")
threads_of "$sidecar_pid" >"$work/threads1"
rss_final=$(rss_kib_of "$sidecar_pid")
(( rss_final > rss_max )) && rss_max=$rss_final
load=$(cut -d' ' -f1-3 /proc/loadavg)

v1load=$(curl -fsS "$base/v1/load")
healthy=$(grep -o '"healthy":true' <<<"$v1load" | wc -l | tr -d ' ')
total=$(grep -o '"pool":"' <<<"$v1load" | wc -l | tr -d ' ')

read -r cpu rate <<<"$(awk -v c0="$c0" -v c1="$c1" -v hz="$hz" -v t0="$t0" -v t1="$t1" -v s0="$s0" -v s1="$s1" \
  'BEGIN { printf "%.2f %.1f\n", 100 * (c1 - c0) / hz / (t1 - t0), (s1 - s0) / (t1 - t0) }')"
expected_rate=$(awk -v n="$ENDPOINTS" -v i="$SCRAPE_INTERVAL" 'BEGIN {
  v = i + 0; u = i; sub(/^[0-9.]+/, "", u); ms = (u == "s") ? v * 1000 : v; printf "%.1f", n * 1000 / ms }')
cpu_ok=$(awk -v c="$cpu" 'BEGIN { print (c < 5) ? "MET" : "MISSED" }')
rss_ok=$(( rss_max < 128 * 1024 )) && true
[[ $rss_ok == 1 ]] && rss_ok=MET || rss_ok=MISSED

printf '\n%-28s %s\n' "machine" "$(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), load average $load"
printf '%-28s %s\n' "java" "$("$JAVA" -version 2>&1 | head -1)"
printf '%-28s %s\n' "workload" "$ENDPOINTS endpoints every $SCRAPE_INTERVAL ($(awk -v l="$fleet_line" 'BEGIN { split(l, a, ", "); print a[2] }')), $ENDPOINTS mock GPUs every $GPU_SAMPLE_INTERVAL"
printf '%-28s %s\n' "window" "$(awk -v a="$t0" -v b="$t1" -v w="$WARMUP_S" 'BEGIN { printf "%.1f s after %s s warm-up", b - a, w }')"
printf '%-28s %s\n' "scrapes per second" "$rate (expected $expected_rate)"
printf '%-28s %s\n' "endpoints healthy" "$healthy of $total (expected $ENDPOINTS)"
printf '%-28s %s %%   target < 5 %%: %s\n' "CPU, % of one core" "$cpu" "$cpu_ok"
printf '%-28s %s MiB   target < 128 MiB: %s\n' "RSS max" "$(awk -v k="$rss_max" 'BEGIN { printf "%.1f", k / 1024 }')" "$rss_ok"
printf '%-28s %s MiB\n' "RSS final" "$(awk -v k="$rss_final" 'BEGIN { printf "%.1f", k / 1024 }')"
# CPU by kind of thread (threads that started or ended in the window count from zero).
printf '%-28s %s\n' "CPU by thread, % of a core" "$(awk -v hz="$hz" -v d="$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')" '
  NR == FNR { before[$1] = $2; next }
  { n = $3
    k = n ~ /^vert\.x-eventloo/ ? "event loop" : n ~ /^C[12]_Compiler/ ? "JIT" : n ~ /^vert\.x-worker/ ? "workers (GPU probe)" \
      : n ~ /^(VM_Thread|GC_|VM_Periodic)/ ? "GC+VM" : "other"
    cpu[k] += $2 - before[$1] }
  END { for (k in cpu) printf "%s %.2f; ", k, 100 * cpu[k] / hz / d }' "$work/threads0" "$work/threads1")"

if [[ -s "$work/sidecar.err" ]]; then
  echo; echo "sidecar stderr (last 5 lines):"; tail -5 "$work/sidecar.err"
fi
[[ "$healthy" == "$ENDPOINTS" && "$total" == "$ENDPOINTS" ]] || die "not every endpoint is healthy: $v1load"
