#!/usr/bin/env bash
# The whole test suite, from a fresh Debian bookworm machine: installs what is
# missing, builds with warnings as errors, runs ctest; then the same suite
# built with AddressSanitizer + UndefinedBehaviorSanitizer (build-asan/), and
# a short run of every libFuzzer target over its seed corpus (build-fuzz/,
# clang). TICKGATE_SKIP_SANITIZE=1 or TICKGATE_SKIP_FUZZ=1 skip those stages.
set -euo pipefail
cd "$(dirname "$0")/.."

deploy/install-deps.sh

jobs=$(nproc)
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTICKGATE_WERROR=ON
cmake --build build -j"$jobs"
ctest --test-dir build --output-on-failure -j"$jobs"

# Sanitizers: every test, with the gateway, simulator and Redis client code
# instrumented. Any report aborts the test that hit it.
if [[ "${TICKGATE_SKIP_SANITIZE:-0}" != 1 ]]; then
  export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:strict_string_checks=1:detect_stack_use_after_return=1
  export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
  # (No -Werror here: GCC's warnings under -fsanitize have false positives;
  # the build above already holds the code to -Werror.)
  cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DTICKGATE_SANITIZE=address,undefined
  cmake --build build-asan -j"$jobs"
  ctest --test-dir build-asan --output-on-failure -j"$jobs"
fi

# Fuzzing (test/fuzz): a bounded run of each target, when clang is there.
if [[ "${TICKGATE_SKIP_FUZZ:-0}" != 1 ]] && command -v clang++ >/dev/null; then
  CC=clang CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DTICKGATE_BUILD_FUZZ=ON -DTICKGATE_BUILD_TESTS=OFF -DTICKGATE_SANITIZE=address,undefined
  cmake --build build-fuzz --target tickgate_fuzzers -j"$jobs"
  ctest --test-dir build-fuzz -L fuzz --output-on-failure -j"$jobs"
fi
