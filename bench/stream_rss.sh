#!/bin/bash
# bench/stream_rss.sh [BUILD_DIR] [SIZE_GIB] - the multi-GB version of
# tests/cli/hardening_stream.sh (issue 7, item 4; not a test): streams a generated SIZE_GIB
# (default 3) GiB text trace through a pipe into `vkmmu replay -` and checks that vkmmu's peak
# RSS stays under 100 MiB; prints the throughput.  Uses BUILD_DIR/cli/vkmmu (default ./build).
# Exit status: that of the test (0 when the peak stays under 100 MiB).
set -u
build=${1:-build}
gib=${2:-3}
here=$(cd "$(dirname "$0")" && pwd)
[ -x "$build/cli/vkmmu" ] || { echo "stream_rss.sh: $build/cli/vkmmu not built" >&2; exit 1; }
VKMMU_STREAM_BYTES=$((gib * 1073741824)) exec bash "$here/../tests/cli/hardening_stream.sh" \
    "$build/cli/vkmmu" "$build"
