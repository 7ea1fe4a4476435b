#!/bin/bash
# bench/run_emu_bench.sh [BUILD_DIR] [REPEAT] - the emulation benchmark of issue 4 (not a test):
# for each CPU-bound guest, measured side by side in one run (bench/emu_bench.c): the bare
# Unicorn runner (same loader, paging on, only int 0x80 hooked, no model) against vkmmu's
# `--engine paging` with one configuration (goal >= 0.8 of bare's speed) and `--engine hooks`
# with 1 and 8 configurations (goals >= 0.5 and >= 0.25).  Uses the guests/ workloads built in
# BUILD_DIR (default ./build), i386 and x86-64, and the i386 and amd64 busyboxes; prints one
# table per guest, with the host's own run of the same binary where it can run it (the
# slowdown against native).
# Exit status: 0 when every goal is met, 3 when one is missed, 1 on a failure.
set -u
build=${1:-build}
repeat=${2:-5}
bench=$build/bench/emu_bench
gdir=$build/guests
[ -x "$bench" ] || { echo "run_emu_bench.sh: $bench not built (cmake --build $build)" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
status=0
one() { # DIR PROGRAM ARGS...
    local dir=$1
    shift
    (cd "$dir" && "$bench" -r "$repeat" "$@") 2>&1
    local rc=$?
    [ $rc -eq 0 ] || { [ $rc -eq 3 ] && [ $status -eq 0 ] && status=3; [ $rc -ne 3 ] && status=1; }
    echo
}
case $bench in /*) ;; *) bench=$PWD/$bench ;; esac
echo "vkmmu emulation benchmark ($(date -u +%Y-%m-%dT%H:%MZ), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg))"
echo
if [ -x "$gdir/matmul" ]; then
    one "$gdir" ./matmul 160
    one "$gdir" ./randacc 16 1000
    one "$gdir" ./sort 64
else
    echo "note: $gdir/matmul not built; guests/ workloads skipped"
fi
if [ -x "$gdir/x86_64/matmul" ]; then
    one "$gdir" ./x86_64/matmul 160
    one "$gdir" ./x86_64/randacc 16 1000
    one "$gdir" ./x86_64/sort 64
else
    echo "note: $gdir/x86_64/matmul not built; x86-64 workloads skipped"
fi
head -c $((2 << 20)) /dev/urandom >"$work/data.bin"
if [ -x /bin/busybox ]; then
    one "$work" /bin/busybox sha256sum data.bin
    one "$work" /bin/busybox gzip -c data.bin
fi
bb64=$(bash "$(dirname "$0")/../scripts/install-deps.sh" --busybox-amd64-path 2>/dev/null)
if [ -n "$bb64" ] && [ -x "$bb64" ]; then
    one "$work" "$bb64" sha256sum data.bin
    one "$work" "$bb64" gzip -c data.bin
fi
exit $status
