#!/usr/bin/env bash
# Compares scheme `linux` with the host kernel (issue 4): for every guests/ workload and a few
# busybox runs, fault.native of `vkmmu run --scheme linux --policy none` against the minor
# faults getrusage reports for the same static binary run natively with THP off.
# Usage: scripts/linux-vs-host.sh BUILD_DIR   (prints a Markdown table)
# The host counts need the host kernel to execute the i386 programs itself: where it cannot (no
# IA-32 emulation: ENOEXEC), this script says so and exits 3 without printing a table.  qemu-i386
# is no substitute here (its own faults are not the guest's).
set -euo pipefail
# shellcheck source=ref-runner.sh
source "$(dirname "$0")/ref-runner.sh"
if ! ref_host_can_run_i386; then
    echo "linux-vs-host: this host cannot execute i386 programs (ENOEXEC: a kernel without IA-32" \
        "emulation, or a hypervisor without 32-bit user mode), so it cannot measure the host" \
        "kernel's own minor faults for them; run this on a host that can (no numbers printed)" >&2
    exit 3
fi
B=$(cd "${1:-build}" && pwd)
V=$B/cli/vkmmu
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
gcc -O2 -o "$T/minflt" "$(dirname "$0")/minflt.c"
head -c 2000000 "$B/guests/data.bin" > "$T/data.bin"
awk 'BEGIN { srand(7); for (i = 0; i < 20000; i++) printf "%08d line %d\n", int(rand() * 1e8), i }' > "$T/words.txt"

echo "| workload | host minor faults | vkmmu linux fault.native | difference |"
echo "|---|---:|---:|---:|"
row() {   # NAME DIR PROGRAM ARGS...
    local name=$1 dir=$2; shift 2
    local host
    host=$(cd "$dir" && "$T/minflt" "$@" | awk '{print $1}')
    (cd "$dir" && "$V" run --engine hooks --scheme linux --policy none --json "$T/r.json" \
        -- "$@" > /dev/null 2>&1) || true
    local model
    model=$(python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))["results"][0]; print(r["counters"]["fault.native"])' "$T/r.json")
    echo "| $name | $host | $model | $((model - host)) |"
}
while read -r name args; do
    [ -z "$name" ] || [ "${name:0:1}" = "#" ] && continue
    # shellcheck disable=SC2086
    row "$name" "$B/guests" "./$name" $args
done < "$B/guests/workloads.txt"
row "busybox true" "$T" /bin/busybox true
row "busybox md5sum" "$T" /bin/busybox md5sum data.bin
row "busybox sort" "$T" /bin/busybox sort words.txt
row "busybox gzip -c" "$T" /bin/busybox gzip -c data.bin
row "busybox wc" "$T" /bin/busybox wc words.txt
