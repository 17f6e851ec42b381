#!/usr/bin/env bash
# Checks deploy/Dockerfile's runtime stage without a Docker engine: builds a
# clean Debian bookworm root with debootstrap (minbase, like bookworm-slim),
# installs exactly the Dockerfile's RUNTIME_PACKAGES, lays out the image as the
# runtime stage does (stripped binaries, non-root user tickgate, config files,
# health check), then inside that root, as user tickgate:
#   - ldd finds every shared library of tickgate and tickgate-cli
#   - tickgate --version; --check-config of the image's demo config
#   - the image's default config refuses to start without TICKGATE_API_TOKEN
#     (it listens on 0.0.0.0) and passes with one
#   - the gateway runs against a redis-server and the simulator started on the
#     host's loopback (a chroot shares the host's network), ticks reach Redis,
#     tickgate-cli reads them back, the HEALTHCHECK script passes when the
#     gateway serves GET /health, and SIGTERM ends it with status 0;
#   - with docker-compose (or `docker compose`) installed: both profiles of
#     deploy/docker-compose.yml pass `config` (schema and interpolation).
# Not part of ctest (it downloads packages; a few minutes the first time, the
# debootstrap root is cached). Run as root from a built tree:
#   deploy/check-runtime.sh [BUILD_DIR]        (default: build)
set -euo pipefail
cd "$(dirname "$0")/.."
src=$(pwd)
build=$(realpath "${1:-build}")
cache=${TICKGATE_ROOTFS_CACHE:-/var/tmp/tickgate-rootfs}
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}

say() { echo "check-runtime: $*"; }
fail() { echo "check-runtime: FAIL: $*" >&2; exit 1; }

[[ $(id -u) -eq 0 ]] || fail "run as root (debootstrap, chroot)"
for b in tickgate tickgate-cli tickgate-sim; do
  [[ -x "$build/$b" ]] || fail "$build/$b is missing: build first"
done
command -v debootstrap >/dev/null || { say "installing debootstrap"; apt-get install -y debootstrap >/dev/null; }

# The package list, from the Dockerfile itself.
packages=$(sed -n 's/^ARG RUNTIME_PACKAGES="\(.*\)"$/\1/p' deploy/Dockerfile)
[[ -n "$packages" ]] || fail "no ARG RUNTIME_PACKAGES=\"…\" line in deploy/Dockerfile"
say "runtime packages: $packages"

base="$cache/bookworm-minbase"
if [[ ! -x "$base/bin/sh" ]]; then
  say "debootstrap --variant=minbase bookworm into $base (cached for next runs)"
  rm -rf "$base.tmp"
  debootstrap --variant=minbase bookworm "$base.tmp" "$mirror" >"$cache.debootstrap.log" 2>&1 ||
    fail "debootstrap failed, see $cache.debootstrap.log"
  mv "$base.tmp" "$base"
fi

work=$(mktemp -d /var/tmp/tickgate-runtime.XXXXXX)
root="$work/root"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  umount "$root/proc" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
say "fresh root in $root"
cp -a "$base" "$root"
cp /etc/resolv.conf "$root/etc/resolv.conf"
# The runtime stage's RUN, as written there.
chroot "$root" /bin/sh -c "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $packages >/dev/null && rm -rf /var/lib/apt/lists/* && useradd --uid 10001 --user-group --no-log-init --home-dir /var/lib/tickgate --create-home --shell /usr/sbin/nologin tickgate" ||
  fail "installing the runtime packages failed"
# The runtime stage's COPY lines.
for b in tickgate tickgate-cli; do strip -o "$root/usr/local/bin/$b" "$build/$b"; done
install -m 0755 deploy/healthcheck.sh "$root/usr/local/bin/tickgate-healthcheck"
mkdir -p "$root/etc/tickgate"
cp deploy/container.json "$root/etc/tickgate/config.json"
cp deploy/demo.json "$root/etc/tickgate/demo.json"
cp -r deploy/data "$root/etc/tickgate/data"
mount -t proc proc "$root/proc"

# as_tickgate [VAR=value …] COMMAND …: in the root, as the image's user, in its
# WORKDIR, with only the given environment (chroot and env exec: one process).
as_tickgate_argv=(chroot --userspec=10001:10001 "$root" /usr/bin/env -i -C /var/lib/tickgate
                  PATH=/usr/local/bin:/usr/bin:/bin HOME=/var/lib/tickgate)
as_tickgate() { "${as_tickgate_argv[@]}" "$@"; }

for b in tickgate tickgate-cli; do
  missing=$(chroot "$root" ldd "/usr/local/bin/$b" | grep "not found" || true)
  [[ -z "$missing" ]] || fail "$b: missing libraries in the runtime root: $missing"
done
say "ldd: every library of tickgate and tickgate-cli is present"
say "$(as_tickgate tickgate --version)"

creds=(ANGEL_API_KEY=demo-api-key ANGEL_CLIENT_CODE=D12345 ANGEL_PIN=1234 ANGEL_TOTP_SECRET=JBSWY3DPEHPK3PXP)
out=$(as_tickgate tickgate --check-config /etc/tickgate/demo.json) || fail "demo config: $out"
say "demo config: $out"
# The default config with an operator's scrip master mounted.
cp deploy/data/OpenAPIScripMaster.sample.json "$root/etc/tickgate/data/OpenAPIScripMaster.json"
if out=$(as_tickgate "${creds[@]}" TICKGATE_HTTP_LISTEN=0.0.0.0:8001 tickgate --check-config /etc/tickgate/config.json 2>&1); then
  fail "the default config started without an API token on 0.0.0.0"
fi
[[ $out == *http.api_token* ]] || fail "expected an http.api_token error, got: $out"
say "no token on 0.0.0.0: refused ($out)"
out=$(as_tickgate "${creds[@]}" TICKGATE_HTTP_LISTEN=0.0.0.0:8001 TICKGATE_API_TOKEN=t0ken \
  tickgate --check-config /etc/tickgate/config.json 2>&1) || fail "default config with a token: $out"
say "default config with a token: $out"

# A live run: Redis and the simulator on the host's loopback.
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 1 100); do (echo >"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.1; done; return 1; }
redis_port=$(free_port)
redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no --requirepass s3cret \
  --dir "$work" >"$work/redis.log" 2>&1 &
pids+=($!)
wait_port "$redis_port" || fail "redis-server did not start"
sim_port=$(free_port)
mkdir -p "$root/var/lib/tickgate/tls"
"$build/tickgate-sim" --listen "127.0.0.1:$sim_port" --tls-dir "$root/var/lib/tickgate/tls" --rate 20 \
  >"$work/sim.log" 2>&1 &
pids+=($!)
wait_port "$sim_port" || fail "tickgate-sim did not start"
chmod a+r "$root/var/lib/tickgate/tls/cert.pem"
http_port=$(free_port)
url="redis://:s3cret@127.0.0.1:$redis_port/0"
"${as_tickgate_argv[@]}" REDIS_URL="$url" TICKGATE_FEED_URL="wss://127.0.0.1:$sim_port/smart-stream" \
  TICKGATE_LOGIN_URL="https://127.0.0.1:$sim_port" TICKGATE_CA_FILE=/var/lib/tickgate/tls/cert.pem \
  TICKGATE_HTTP_LISTEN="0.0.0.0:$http_port" TICKGATE_API_TOKEN=t0ken \
  tickgate --config /etc/tickgate/demo.json >"$work/tickgate.log" 2>&1 &
gateway=$!
pids+=($gateway)
n=0
for _ in $(seq 1 150); do
  n=$(REDISCLI_AUTH=s3cret redis-cli -p "$redis_port" XLEN market_data_stream:RELIANCE)
  [[ $n -ge 5 ]] && break
  kill -0 "$gateway" 2>/dev/null || { cat "$work/tickgate.log" >&2; fail "the gateway exited"; }
  sleep 0.1
done
[[ $n -ge 5 ]] || { cat "$work/tickgate.log" >&2; fail "no ticks reached Redis"; }
say "gateway in the runtime root: $n RELIANCE stream entries in Redis"
out=$(as_tickgate REDIS_URL="$url" tickgate-cli --json latest RELIANCE) || fail "tickgate-cli latest: $out"
[[ $out == *'"symbol":"RELIANCE"'* ]] || fail "tickgate-cli latest printed: $out"
say "tickgate-cli in the runtime root: latest RELIANCE ok"
if as_tickgate TICKGATE_HTTP_LISTEN="0.0.0.0:$http_port" tickgate-healthcheck 2>"$work/health.err"; then
  say "HEALTHCHECK (tickgate-healthcheck): GET /health answered 200"
else
  say "HEALTHCHECK (tickgate-healthcheck) FAILED: $(cat "$work/health.err")"
  health_failed=1
fi
kill -TERM "$gateway"
status=0
wait "$gateway" || status=$?
[[ $status -eq 0 ]] || { cat "$work/tickgate.log" >&2; fail "SIGTERM: exit status $status"; }
say "SIGTERM: the gateway drained and exited 0"

compose=()
if docker compose version >/dev/null 2>&1; then compose=(docker compose)
elif command -v docker-compose >/dev/null; then compose=(docker-compose); fi
if ((${#compose[@]})); then
  cp deploy/.env.example "$work/.env"
  for profile in live demo; do
    "${compose[@]}" --env-file "$work/.env" -f deploy/docker-compose.yml --profile "$profile" config -q ||
      fail "docker-compose.yml, profile $profile, does not validate"
  done
  say "docker-compose.yml: profiles live and demo validate (${compose[*]} config)"
else
  say "docker-compose.yml: not validated (no docker compose / docker-compose here)"
fi
[[ -z ${health_failed:-} ]] || fail "the health check did not pass"
say "OK"
