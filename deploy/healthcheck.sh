#!/bin/bash
# The container HEALTHCHECK (deploy/Dockerfile): exit 0 when tickgate's REST
# server answers GET /health with 200, 1 otherwise. Plain bash (/dev/tcp), so
# the runtime image needs no curl. The address is TICKGATE_HTTP_LISTEN's port
# on loopback (a wildcard listen address is reached through 127.0.0.1).
#   deploy/healthcheck.sh [HOST:PORT]
set -u
listen=${1:-${TICKGATE_HTTP_LISTEN:-127.0.0.1:8001}}
port=${listen##*:}
host=${listen%:*}
host=${host#[}
host=${host%]}
case "$host" in "" | 0.0.0.0 | "::") host=127.0.0.1 ;; esac
[[ "$port" =~ ^[0-9]+$ ]] || { echo "healthcheck: bad address $listen" >&2; exit 1; }

if ! { exec 3<>"/dev/tcp/$host/$port"; } 2>/dev/null; then
  echo "healthcheck: cannot connect to $host:$port" >&2
  exit 1
fi
printf 'GET /health HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n' "$host" >&3
status_line=""
read -r -t 5 status_line <&3 || true
exec 3<&-
case "$status_line" in
  "HTTP/1."?" 200"*) exit 0 ;;
esac
echo "healthcheck: GET /health on $host:$port answered: ${status_line:-nothing}" >&2
exit 1
