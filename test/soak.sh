#!/usr/bin/env bash
# Soak (not in CI): redis-server + tickgate-sim + tickgate for SECONDS with a
# fault every FAULT_INTERVAL seconds (feed drop, Redis SIGSTOP for 3 s, Redis
# SIGKILL + restart, feed stall for 5 s, garbage frames, in turn), then a
# report: ticks lost (gaps in each stream's sequence numbers against the
# simulator's count), redeliveries, commands dropped past the outage bound,
# PUBLISHes discarded at disconnects (pub/sub in flight, lost by design),
# and the gateway's RSS drift after warm-up.
#
#   test/soak.sh SECONDS                 # e.g. test/soak.sh 600
#   TOKENS=3000 RATE=1 FAULT_INTERVAL=30 BUFFER_LIMIT=67108864 BUILD_DIR=build test/soak.sh 600
#
# Needs build/tickgate and build/tickgate-sim (cmake --build build), redis-server,
# curl and Debian's /usr/bin/python3 with python3-redis (deploy/install-deps.sh installs
# them; a pyenv or venv python3 first on PATH usually lacks the module).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

seconds=${1:?usage: test/soak.sh SECONDS}
TOKENS=${TOKENS:-300}
RATE=${RATE:-2}
FAULT_INTERVAL=${FAULT_INTERVAL:-30}
BUFFER_LIMIT=${BUFFER_LIMIT:-67108864}
BUILD_DIR=${BUILD_DIR:-build}
build="$root/$BUILD_DIR"
for bin in tickgate tickgate-sim; do
  [[ -x "$build/$bin" ]] || { echo "soak: $build/$bin missing: cmake --build $BUILD_DIR" >&2; exit 2; }
done

python=/usr/bin/python3
run=$(mktemp -d /tmp/tickgate-soak.XXXXXX)
free_port() { "$python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
REDIS_PORT=$(free_port)
SIM_PORT=$(free_port)

redis_pid="" sim_pid="" gw_pid=""
cleanup() {
  trap - EXIT INT TERM
  for pid in $gw_pid $sim_pid $redis_pid; do kill -CONT "$pid" 2>/dev/null || true; kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT INT TERM

wait_port() {
  for _ in $(seq 1 200); do
    if (echo >"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  echo "soak: port $1 did not open" >&2
  exit 1
}

start_redis() {
  redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly yes \
    --appendfsync always --dir "$run" >>"$run/redis.log" 2>&1 &
  redis_pid=$!
  wait_port "$REDIS_PORT"
}

# A synthetic scrip master with TOKENS NSE equities SOAK00001…, and a config
# that subscribes them all in LTP mode.
"$python" - "$run" "$TOKENS" "$REDIS_PORT" "$SIM_PORT" "$BUFFER_LIMIT" <<'PY'
import json, sys
run, tokens, redis_port, sim_port, limit = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], int(sys.argv[5])
master = [{"token": str(100000 + i), "symbol": f"SOAK{i:05d}-EQ", "name": f"SOAK{i:05d}", "expiry": "",
           "strike": "-1.000000", "lotsize": "1", "instrumenttype": "", "exch_seg": "NSE",
           "tick_size": "5.000000"} for i in range(tokens)]
json.dump(master, open(f"{run}/master.json", "w"))
config = {
    "angel": {"api_key": "demo-api-key", "client_code": "D12345", "pin": "1234",
              "totp_secret": "JBSWY3DPEHPK3PXP", "login_url": f"https://127.0.0.1:{sim_port}",
              "feed_url": f"wss://127.0.0.1:{sim_port}/smart-stream", "ca_file": f"{run}/tls/cert.pem"},
    "feed": {"stall_market_hours_only": False, "backoff_initial_ms": 200, "backoff_max_ms": 2000},
    "instruments": {"scrip_master": f"{run}/master.json",
                    "subscribe": [{"symbol": f"SOAK{i:05d}", "exchange": "NSE", "mode": "ltp"} for i in range(tokens)]},
    "redis": {"url": f"redis://127.0.0.1:{redis_port}/0", "buffer_limit_bytes": limit,
              "backoff_initial_ms": 100, "backoff_max_ms": 1000,
              "sinks": {"stream": {"maxlen": 0}, "lists": {"cap": 100}}},
    "http": {"enabled": False},
}
json.dump(config, open(f"{run}/config.json", "w"))
PY

start_redis
"$build/tickgate-sim" --listen "127.0.0.1:$SIM_PORT" --tls-dir "$run/tls" --rate "$RATE" \
  --max-tokens-per-connection 1000 >"$run/sim.log" 2>&1 &
sim_pid=$!
wait_port "$SIM_PORT"
"$build/tickgate" --config "$run/config.json" >"$run/tickgate.log" 2>&1 &
gw_pid=$!

fault() { curl -sf --cacert "$run/tls/cert.pem" -X POST "https://127.0.0.1:$SIM_PORT/sim/fault" -d "$1" >/dev/null; }
rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$gw_pid/status"; }

echo "soak: $seconds s, $TOKENS tokens at $RATE ticks/s, a fault every $FAULT_INTERVAL s; files in $run"
start=$(date +%s)
next_fault=$((start + FAULT_INTERVAL))
warmup=$((start + (seconds / 10 > 30 ? seconds / 10 : 30)))
faults=0
rss_first="" rss_last="" rss_max=0
: >"$run/rss.txt"
while (( $(date +%s) < start + seconds )); do
  sleep 1
  kill -0 "$gw_pid" 2>/dev/null || { echo "soak: tickgate died; log tail:" >&2; tail -20 "$run/tickgate.log" >&2; exit 1; }
  now=$(date +%s)
  rss=$(rss_kib)
  echo "$((now - start)) $rss" >>"$run/rss.txt"
  if (( now >= warmup )); then
    [[ -n "$rss_first" ]] || rss_first=$rss
    rss_last=$rss
    (( rss > rss_max )) && rss_max=$rss
  fi
  if (( now >= next_fault )); then
    next_fault=$((now + FAULT_INTERVAL))
    case $((faults % 5)) in
      0) echo "soak: +$((now - start)) s fault: feed drop"; fault '{"kind":"drop"}' ;;
      1) echo "soak: +$((now - start)) s fault: Redis SIGSTOP 3 s"; kill -STOP "$redis_pid"; sleep 3; kill -CONT "$redis_pid" ;;
      2) echo "soak: +$((now - start)) s fault: Redis SIGKILL + restart"; kill -KILL "$redis_pid"; wait "$redis_pid" 2>/dev/null || true; sleep 1; start_redis ;;
      3) echo "soak: +$((now - start)) s fault: feed stall 5 s"; fault '{"kind":"stall","seconds":5}' ;;
      4) echo "soak: +$((now - start)) s fault: 10 garbage frames"; fault '{"kind":"garbage","count":10}' ;;
    esac
    faults=$((faults + 1))
  fi
done

kill -TERM "$gw_pid"
status=0
wait "$gw_pid" || status=$?
gw_pid=""
curl -sf --cacert "$run/tls/cert.pem" "https://127.0.0.1:$SIM_PORT/sim/stats" >"$run/sim-stats.json"

"$python" - "$run" "$REDIS_PORT" "$TOKENS" "$status" "$faults" "${rss_first:-0}" "${rss_last:-0}" "$rss_max" <<'PY'
import json, sys, redis
run, port, tokens, status, faults = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
rss_first, rss_last, rss_max = (int(x) for x in sys.argv[6:9])
r = redis.Redis(port=port, decode_responses=True)
generated = {t["token"]: t["sequence"] for t in json.load(open(f"{run}/sim-stats.json"))["tokens"]}
entries = missing = gaps = duplicates = tail = 0
for i in range(tokens):
    seqs = [int(f["sequence"]) for _, f in r.xrange(f"market_data_stream:SOAK{i:05d}")]
    entries += len(seqs)
    seen = sorted(set(seqs))
    duplicates += len(seqs) - len(seen)
    expected = 1
    for q in seen:
        if q != expected:
            gaps += 1
            missing += q - expected
        expected = q + 1
    tail += max(0, generated.get(str(100000 + i), 0) - (seen[-1] if seen else 0))
dropped = 0
drop_lines = 0
discarded = 0
discard_lines = 0
for line in open(f"{run}/tickgate.log"):
    try:
        o = json.loads(line)
    except ValueError:
        continue
    if o.get("msg") == "outage buffer full: oldest commands dropped":
        drop_lines += 1
        dropped += o.get("dropped_commands_since_last_log", 0)
    elif o.get("msg", "").startswith("fire-and-forget commands discarded at the disconnect"):
        discard_lines += 1
        discarded += o.get("discarded_commands", 0)
drift = (rss_last - rss_first) / rss_first * 100 if rss_first else 0.0
print(f"soak: faults injected:        {faults}")
print(f"soak: stream entries:         {entries}")
print(f"soak: ticks lost (gaps):      {missing} in {gaps} gaps")
print(f"soak: not received at stop:   {tail} (in flight when SIGTERM closed the feed)")
print(f"soak: redelivered entries:    {duplicates}")
print(f"soak: dropped past the bound: {dropped} commands ({drop_lines} log lines)")
print(f"soak: pub/sub discarded:      {discarded} PUBLISHes in flight at disconnects ({discard_lines} log lines)")
print(f"soak: RSS after warm-up:      {rss_first} KiB -> {rss_last} KiB (max {rss_max} KiB), drift {drift:+.1f} %")
print(f"soak: exit status:            {status}")
PY
