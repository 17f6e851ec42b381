#!/usr/bin/env bash
# Installs what tickgate needs to build, test and run the demo on Debian
# bookworm, and only what is missing. Run as root (or with sudo available).
#
#   deploy/install-deps.sh            build + test + demo dependencies
#   deploy/install-deps.sh --bench    also Google Benchmark and perf tools
set -euo pipefail

packages=(
  g++ cmake ninja-build pkg-config git ca-certificates
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  libboost-program-options1.81-dev libboost-test1.81-dev libboost-system1.81-dev
  libssl-dev openssl
  redis-server redis-tools
  curl python3 python3-redis python3-yaml
  clang libclang-rt-14-dev
)
if [[ "${1:-}" == "--bench" ]]; then
  packages+=(libbenchmark-dev linux-perf valgrind)
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if ((${#missing[@]} == 0)); then
  echo "install-deps: everything is installed"
  exit 0
fi

sudo=""
if [[ $(id -u) -ne 0 ]]; then sudo="sudo"; fi
echo "install-deps: installing ${missing[*]}"
$sudo apt-get update
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y --no-install-recommends "${missing[@]}"
