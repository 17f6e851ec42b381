#!/usr/bin/env bash
# Records the demo session shipped as deploy/data/demo.ticks: redis-server,
# the simulator and the gateway with deploy/demo.json's instruments (NIFTY 50,
# four NIFTY options, five NSE equities) and recording on, for SECONDS
# seconds at RATE ticks/s per token. Needs build/tickgate and
# build/tickgate-sim. Kept small on purpose (tens of KB).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

SECONDS_TO_RECORD=${SECONDS_TO_RECORD:-16}
RATE=${RATE:-1}
REDIS_PORT=${REDIS_PORT:-6398}
SIM_PORT=${SIM_PORT:-8444}
HTTP_PORT=${HTTP_PORT:-8002}

run=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$run"
}
trap cleanup EXIT INT TERM

redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no --dir "$run" \
  >"$run/redis.log" 2>&1 &
pids+=($!)
build/tickgate-sim --listen "127.0.0.1:$SIM_PORT" --tls-dir "$run/tls" --rate "$RATE" \
  >"$run/sim.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 100); do
  [[ -f "$run/tls/cert.pem" ]] && (echo >"/dev/tcp/127.0.0.1/$SIM_PORT") 2>/dev/null && break
  sleep 0.1
done

# demo.json with recording on, into the temp dir (paths made absolute).
python3 - "$root/deploy/demo.json" "$run/config.json" "$run/data" <<'PY'
import json, os, sys
src, dst, data = sys.argv[1:]
cfg = json.load(open(src))
base = os.path.dirname(src)
for key in ("scrip_master", "symbols_csv"):
    cfg["instruments"][key] = os.path.join(base, cfg["instruments"][key])
cfg["recording"] = {"enabled": True, "data_dir": data, "database_name": "demo"}
json.dump(cfg, open(dst, "w"))
PY

TICKGATE_CA_FILE="$run/tls/cert.pem" \
TICKGATE_FEED_URL="wss://127.0.0.1:$SIM_PORT/smart-stream" \
TICKGATE_LOGIN_URL="https://127.0.0.1:$SIM_PORT" \
TICKGATE_HTTP_LISTEN="127.0.0.1:$HTTP_PORT" \
REDIS_URL="redis://127.0.0.1:$REDIS_PORT/0" \
  build/tickgate --config "$run/config.json" >"$run/tickgate.log" 2>&1 &
gateway=$!
sleep "$SECONDS_TO_RECORD"
kill -TERM "$gateway"
wait "$gateway"
cp "$run/data/demo.ticks" deploy/data/demo.ticks
echo "record-demo: wrote deploy/data/demo.ticks ($(stat -c %s deploy/data/demo.ticks) bytes)"
