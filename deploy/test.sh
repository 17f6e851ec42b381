#!/usr/bin/env bash
# The whole test suite, from a fresh Debian bookworm machine: installs what is
# missing, builds with warnings as errors, runs ctest.
set -euo pipefail
cd "$(dirname "$0")/.."

deploy/install-deps.sh

jobs=$(nproc)
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTICKGATE_WERROR=ON
cmake --build build -j"$jobs"
ctest --test-dir build --output-on-failure -j"$jobs"
