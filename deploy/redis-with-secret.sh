#!/bin/sh
# Redis with its password from a file (the compose secret redis_password),
# never on a command line or in an environment that `docker inspect` or `ps`
# shows (deploy/docker-compose.yml mounts this script into the redis service).
#
#   redis-with-secret.sh server [redis-server options…]
#       Reads the password, writes `requirepass "…"` into a fresh 0600
#       redis.conf in REDIS_CONFIG_DIR (default /run/redis: a tmpfs in the
#       compose file, so it never reaches a volume or an image layer), and
#       execs `redis-server <that file> options…` — through the official
#       image's docker-entrypoint.sh when it is there (it drops to the redis
#       user), else redis-server itself.
#   redis-with-secret.sh ping [redis-cli options…]
#       The health check: PING, authenticated with the same password (handed
#       to redis-cli in REDISCLI_AUTH, in redis-cli's own environment only);
#       exit 0 on PONG.
#
# The password file is REDIS_PASSWORD_FILE (default /run/secrets/redis_password)
# and is read the way tickgate reads its *_FILE variables: one trailing "\n" or
# "\r\n" removed, nothing else changed; a missing or empty file is an error.
# Errors name the file, never the password. POSIX sh (the redis image's dash).
set -eu

die() {
  echo "redis-with-secret: $*" >&2
  exit 1
}

nl='
'
cr=$(printf '\r')

read_password() {
  file=${REDIS_PASSWORD_FILE:-/run/secrets/redis_password}
  [ -f "$file" ] || die "cannot read $file: no such file"
  [ -r "$file" ] || die "cannot read $file: permission denied"
  # $(…) drops every trailing newline: keep them behind a sentinel.
  password=$(cat "$file" && printf x) || die "cannot read $file"
  password=${password%x}
  case $password in
    *"$cr$nl") password=${password%"$cr$nl"} ;;
    *"$nl") password=${password%"$nl"} ;;
  esac
  [ -n "$password" ] || die "$file is empty"
  case $password in
    *"$nl"* | *"$cr"*) die "$file holds more than one line; a Redis password is one" ;;
  esac
}

mode=${1:-}
[ $# -gt 0 ] && shift
case $mode in
  server)
    read_password
    dir=${REDIS_CONFIG_DIR:-/run/redis}
    umask 077
    mkdir -p "$dir"
    chmod 700 "$dir"
    conf=$dir/redis.conf
    # A double-quoted redis.conf string: backslash and quote escaped. printf
    # is a shell builtin: the password is in no process's arguments.
    escaped=$(printf '%s' "$password" | sed -e 's/\\/\\\\/g' -e 's/"/\\"/g')
    rm -f "$conf"
    printf 'requirepass "%s"\n' "$escaped" >"$conf"
    unset password escaped
    if [ "$(id -u)" = 0 ] && id redis >/dev/null 2>&1; then
      chown redis:redis "$dir" "$conf"
    fi
    if command -v docker-entrypoint.sh >/dev/null 2>&1; then
      exec docker-entrypoint.sh redis-server "$conf" "$@"
    fi
    exec redis-server "$conf" "$@"
    ;;
  ping)
    read_password
    reply=$(REDISCLI_AUTH=$password redis-cli "$@" ping) || exit 1
    [ "$reply" = PONG ] || die "PING answered: $reply"
    ;;
  *)
    die "usage: redis-with-secret.sh server|ping [options…]"
    ;;
esac
