#!/usr/bin/env bash
# The main job: installs what is missing, builds vkmmu, and runs `vkmmu demo` on the bundled
# workloads (guests/ and busybox).  Usage: scripts/demo.sh [OUTPUT_DIR]   (default: ./vkmmu-demo)
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-vkmmu-demo}
jobs=$(nproc 2>/dev/null || echo 2)
scripts/install-deps.sh --all
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$jobs"
exec build/cli/vkmmu demo -o "$out"
