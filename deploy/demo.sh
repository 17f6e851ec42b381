#!/usr/bin/env bash
# The demo, on a fresh Debian bookworm machine (as root): installs what is
# missing, builds, starts a local redis-server on loopback, the SmartStream
# simulator and the gateway, and shows ticks arriving. Ctrl-C stops all three.
#
# Ports (override with the environment): Redis 6399, simulator 8443, REST 8001.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

REDIS_PORT=${REDIS_PORT:-6399}
SIM_PORT=${SIM_PORT:-8443}
HTTP_PORT=${HTTP_PORT:-8001}
RATE=${RATE:-2}

deploy/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)" --target tickgate tickgate-sim

run="$root/demo-run"
mkdir -p "$run"
pids=()
cleanup() {
  trap - EXIT INT TERM
  echo
  echo "demo: stopping"
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT INT TERM

wait_port() {  # wait_port PORT NAME LOG
  for _ in $(seq 1 100); do
    if (echo >"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  echo "demo: $2 did not start; its log:" >&2
  cat "$3" >&2
  exit 1
}

echo "demo: starting redis-server on 127.0.0.1:$REDIS_PORT"
redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no \
  --dir "$run" >"$run/redis.log" 2>&1 &
pids+=($!)
wait_port "$REDIS_PORT" redis-server "$run/redis.log"

echo "demo: starting tickgate-sim on 127.0.0.1:$SIM_PORT (TLS, $RATE ticks/s per token)"
build/tickgate-sim --listen "127.0.0.1:$SIM_PORT" --tls-dir "$run/tls" --rate "$RATE" \
  >"$run/sim.log" 2>&1 &
pids+=($!)
wait_port "$SIM_PORT" tickgate-sim "$run/sim.log"

echo "demo: starting tickgate (config deploy/demo.json)"
TICKGATE_CA_FILE="$run/tls/cert.pem" \
TICKGATE_FEED_URL="wss://127.0.0.1:$SIM_PORT/smart-stream" \
TICKGATE_LOGIN_URL="https://127.0.0.1:$SIM_PORT" \
TICKGATE_HTTP_LISTEN="127.0.0.1:$HTTP_PORT" \
REDIS_URL="redis://127.0.0.1:$REDIS_PORT/0" \
  build/tickgate --config deploy/demo.json >"$run/tickgate.log" 2>&1 &
pids+=($!)

for _ in $(seq 1 100); do
  if [[ $(redis-cli -p "$REDIS_PORT" XLEN market_data_stream:RELIANCE) -gt 0 ]]; then break; fi
  if ! kill -0 "${pids[2]}" 2>/dev/null; then
    echo "demo: tickgate exited; its log:" >&2
    cat "$run/tickgate.log" >&2
    exit 1
  fi
  sleep 0.1
done

# The live list session is N_<IST trading day> (IST is UTC+05:30, no DST).
session="ticks:N_$(date -u -d '+5 hours 30 minutes' +%Y%m%d):indextick"
cat <<EOT

demo: ticks are arriving. The latest RELIANCE stream entry:
$(redis-cli -p "$REDIS_PORT" XREVRANGE market_data_stream:RELIANCE + - COUNT 1 | paste -sd' ')

Watch them from another terminal:
  redis-cli -p $REDIS_PORT XREAD BLOCK 0 STREAMS market_data_stream:RELIANCE '\$'
  redis-cli -p $REDIS_PORT SUBSCRIBE tickstock.all_ticks
  redis-cli -p $REDIS_PORT LRANGE $session 0 4
  redis-cli -p $REDIS_PORT GET price:RELIANCE
  redis-cli -p $REDIS_PORT --scan --pattern 'candle:RELIANCE:*'

Logs: $run/{tickgate,sim,redis}.log     Ctrl-C stops the demo.
EOT
wait "${pids[2]}"
