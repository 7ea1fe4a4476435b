#!/usr/bin/env bash
# Replay throughput (issue 5): accesses per second from a .vkt trace for decoding alone, for
# one configuration and for eight, measured side by side in one run (best of 3 each).
# Usage: bench/run_replay_bench.sh BUILD_DIR [ACCESSES]   (default 50000000)
set -euo pipefail
B=$(cd "${1:-build}" && pwd)
N=${2:-50000000}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
"$B/bench/replay_bench" gen "$T/bench.vkt" "$N"
echo "trace: $N accesses, $(stat -c %s "$T/bench.vkt") bytes ($(awk -v b="$(stat -c %s "$T/bench.vkt")" -v n="$N" 'BEGIN{printf "%.2f", b/n}') bytes/access)"
best() {   # prints the best wall time of 3 runs of the command
    local b=999999
    for _ in 1 2 3; do
        local s e
        s=$(date +%s.%N)
        "$@" > /dev/null
        e=$(date +%s.%N)
        b=$(awk -v a="$b" -v t="$(awk -v s="$s" -v e="$e" 'BEGIN{print e-s}')" 'BEGIN{print (t<a)?t:a}')
    done
    echo "$b"
}
"$B/bench/replay_bench" decode "$T/bench.vkt"
t1=$(best "$B/cli/vkmmu" replay --scheme vpt-1.10 --policy none "$T/bench.vkt")
t8=$(best "$B/cli/vkmmu" replay --scheme vpt-1.10,vpt --policy none,dfly,dfly2010,seq "$T/bench.vkt")
awk -v n="$N" -v a="$t1" -v b="$t8" 'BEGIN {
    printf "1 configuration (+ native baseline): %.3f s, %.1f M accesses/s (goal >= 50)\n", a, n / a / 1e6
    printf "8 configurations (+ native baseline): %.3f s, %.1f M accesses/s\n", b, n / b / 1e6
    printf "8 against 1: %.2fx the time (goal <= 3)\n", b / a
}'
