#!/usr/bin/env bash
# Builds vkmmu twice (normal, and AddressSanitizer + UndefinedBehaviorSanitizer with the model.md
# identities asserted) and runs every test in both.  Installs missing Debian packages first.
# Usage: scripts/test.sh            (from anywhere)
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc 2>/dev/null || echo 2)
scripts/install-deps.sh --all
# Tests that compare with "native" run i386 programs through the reference runner: the host
# where it executes them, else qemu-i386; each such test runs a second time with qemu forced.
echo "== reference runner: $(scripts/ref-runner.sh --mode) =="

echo "== build (release) =="
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$jobs"
echo "== tests (release) =="
ctest --test-dir build --output-on-failure -j"$jobs"

echo "== build (ASan + UBSan, identities asserted) =="
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DVKMMU_SANITIZE=ON >/dev/null
cmake --build build-asan -j"$jobs"
echo "== tests (ASan + UBSan) =="
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    ctest --test-dir build-asan --output-on-failure -j"$jobs"
