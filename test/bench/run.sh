#!/usr/bin/env bash
# tickgate's benchmark, one command (issue 6; targets in design.md
# "Performance targets"):
#
#   test/bench/run.sh [--quick] [--soak SECONDS] [e2e options…]
#
# Builds Release in build-bench/ (TICKGATE_BUILD_BENCH=ON, only the targets
# it runs), then runs
#   1. tickgate-micro-bench: Google Benchmark micro-benchmarks (frame decode
#      per mode, tick records, RESP encode per sink, RESP parse, the router);
#   2. tickgate-e2e-bench: a real redis-server on loopback, the gateway
#      (gateway::app, every sink) fed pre-encoded SnapQuote frames at max rate,
#      the Redis ceiling (redis-cli --pipe replaying the command stream the
#      gateway wrote), latency at a fixed rate and at a market-open burst, CPU
#      per tick and RSS at 3000 tokens, the same process with every sink off
#      (the floor); --soak SECONDS runs the process for that long (RSS drift).
# The last line is machine-readable:
#   ticks_per_s=… redis_ceiling_ratio=… p50_us=… p99_us=… p999_us=… cpu_us_per_tick=… rss_mb=…
#
# Needs: deploy/install-deps.sh --bench (libbenchmark-dev, redis-server,
# redis-tools). The machine's load is printed first: figures from a busy
# machine are low.
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
build="${TICKGATE_BENCH_BUILD_DIR:-$root/build-bench}"
quick=0
e2e_args=()
while (($#)); do
  case "$1" in
    --quick) quick=1; shift ;;
    -h|--help) sed -n '2,22p' "$0"; exit 0 ;;
    *) e2e_args+=("$1"); shift ;;
  esac
done

for tool in cmake ninja redis-server redis-cli; do
  command -v "$tool" >/dev/null || { echo "run.sh: $tool missing: deploy/install-deps.sh --bench" >&2; exit 1; }
done

echo "== machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), load$(uptime | sed 's/.*load average//')"
echo "== build (Release, $build)"
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DTICKGATE_BUILD_BENCH=ON -DTICKGATE_BUILD_TESTS=ON >/dev/null
cmake --build "$build" -j"$(nproc)" --target tickgate-micro-bench tickgate-e2e-bench tickgate tickgate-sim >/dev/null

echo "== micro-benchmarks (Google Benchmark)"
min_time=0.3
((quick)) && min_time=0.05
"$build/test/tickgate-micro-bench" --benchmark_min_time="$min_time" 2>&1 |
  grep -v -E '^\*\*\*WARNING|^Run on|^CPU Caches|^  L[123]|^Load Average|^[0-9-]+T[0-9:]+'

echo "== end to end"
if ((quick)); then
  e2e_args=(--ticks 50000 --seconds 2 "${e2e_args[@]}")
fi
"$build/test/tickgate-e2e-bench" "${e2e_args[@]}"
