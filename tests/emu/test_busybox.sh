#!/bin/bash
# tests/emu/test_busybox.sh VKMMU_BIN BUILD_DIR - Debian's static i386 busybox under `vkmmu run`
# prints exactly what the host's own tools print for the same generated input (issue 4
# acceptance): echo, md5sum, sha256sum, wc (numbers), sort, gzip -c (byte for byte against
# busybox run by the reference runner, scripts/ref-runner.sh, and decompressed by the host's
# gunzip).  Both engines.
# Usage: bash test_busybox.sh VKMMU_BIN BUILD_DIR
source "$(dirname "$0")/../lib.sh"
bb=/bin/busybox
if [ ! -x "$bb" ]; then
    echo "SKIP: $bb (busybox-static:i386) is not installed (scripts/install-deps.sh)"
    exit 77
fi
# shellcheck source=../../scripts/ref-runner.sh
source "$src/scripts/ref-runner.sh"
ref_require
cd "$tmp" || fail_now "cannot enter $tmp"
# Inputs: 300 KiB of random bytes (compared with the host on the same bytes), 8000 lines.
head -c 307200 /dev/urandom >data.bin
seq 1 8000 | awk '{ printf "%d %s\n", ($1 * 7919) % 8009, $1 }' >lines.txt

run() { # ENGINE ARGS... : guest stdout; the report goes to $tmp/report.txt
    local engine=$1
    shift
    "$vkmmu" run --engine "$engine" -- "$bb" "$@" 2>report.txt
    local rc=$?
    [ $rc -eq 0 ] || { echo "  (exit $rc) $(tail -3 report.txt)" >&2; }
    return $rc
}
for engine in paging hooks; do
    check "$engine echo" "hello world" "$(run $engine echo hello world)"
    check "$engine md5sum" "$(md5sum data.bin)" "$(run $engine md5sum data.bin)"
    check "$engine sha256sum" "$(sha256sum data.bin)" "$(run $engine sha256sum data.bin)"
    check "$engine wc" "$(wc lines.txt | tr -s ' ' | sed 's/^ //')" \
        "$(run $engine wc lines.txt | tr -s ' ' | sed 's/^ //')"
    check "$engine sort" "$(LC_ALL=C sort lines.txt | md5sum)" "$(run $engine sort lines.txt | md5sum)"
    check "$engine sort -n" "$(LC_ALL=C sort -n -k1,1 -s lines.txt | md5sum)" \
        "$(run $engine sort -n -s -k1,1 lines.txt | md5sum)"
    check "$engine gzip -c (bytes)" "$(ref_run "$bb" gzip -c data.bin | md5sum)" \
        "$(run $engine gzip -c data.bin | md5sum)"
    check "$engine gzip -c | gunzip" "$(md5sum <data.bin)" \
        "$(run $engine gzip -c data.bin | gunzip | md5sum)"
    check "$engine md5sum (stdin)" "$(md5sum <data.bin)" \
        "$("$vkmmu" run --engine $engine --stdin data.bin -- "$bb" md5sum 2>/dev/null)"
done
# The report never mixes with the guest's output: stdout holds only the guest's bytes.
check "report on stderr only" "hello" "$("$vkmmu" run -- "$bb" echo hello 2>/dev/null)"
"$vkmmu" run -- "$bb" echo hello >/dev/null 2>report.txt
grep -q "reflections" report.txt && pass "table on stderr" || fail "table on stderr"
finish
