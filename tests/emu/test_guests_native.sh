#!/usr/bin/env bash
# Runs every guests/ workload with the reference runner (scripts/ref-runner.sh: natively where the
# host executes i386 programs, else under qemu-i386) and checks the determinism contract the emulation tests rely on: exit status 0, non-empty stdout, nothing on
# stderr, and byte-identical stdout across two runs with address randomisation on and one with it
# off (setarch -R).  Also checks the binaries are static i386 executables (what `vkmmu run`
# loads), that fileread and filemmap agree with each other and with the host's FNV-1a of
# data.bin, and that a bad argument exits 2.
# Usage: bash test_guests_native.sh VKMMU_BIN BUILD_DIR   (VKMMU_BIN is not used here)
source "$(dirname "$0")/../lib.sh"
gdir=$build/guests
list=$gdir/workloads.txt
[ -f "$list" ] || list=$src/guests/workloads.txt

[ -d "$gdir" ] || fail_now "$gdir does not exist (build the 'guests' target)"
[ -f "$list" ] || fail_now "no workloads.txt in $gdir or the source tree"
# shellcheck source=../../scripts/ref-runner.sh
source "$src/scripts/ref-runner.sh"
[ -n "$REF_MODE" ] || fail_now "no reference runner: $REF_WHY"
echo "$test_name: reference runner: $REF_MODE ($REF_WHY)"

# is_static_i386 PROGRAM: 0 if PROGRAM is an ELF32 i386 ET_EXEC without a PT_INTERP.
is_static_i386() {
    local h
    h=$(readelf -h "$1" 2>/dev/null) || return 1
    grep -q 'Class:.*ELF32' <<<"$h" && grep -q 'Machine:.*80386' <<<"$h" &&
        grep -q 'Type:.*EXEC' <<<"$h" || return 1
    ! readelf -l "$1" 2>/dev/null | grep -q INTERP
}

# run_one TAG NAME ARGS...: runs ./NAME ARGS in $gdir; stdout in $tmp/TAG.out, 0 if it passed.
run_one() {
    local tag=$1 name=$2 rc
    shift 2
    local pre=()
    [ "$tag" = norand ] && pre=(setarch linux32 -R)
    (cd "$gdir" && timeout 60 "${pre[@]}" bash "$src/scripts/ref-runner.sh" "./$name" "$@") \
        >"$tmp/$tag.out" 2>"$tmp/$tag.err"
    rc=$?
    if [ $rc -ne 0 ]; then
        fail "$name $* ($tag run): exit status $rc; stderr: $(head -c 300 "$tmp/$tag.err")"
        return 1
    fi
    if [ ! -s "$tmp/$tag.out" ]; then
        fail "$name $* ($tag run): printed nothing"
        return 1
    fi
    if [ -s "$tmp/$tag.err" ]; then
        fail "$name $* ($tag run): wrote to stderr: $(head -c 300 "$tmp/$tag.err")"
        return 1
    fi
    return 0
}

count=0
declare -A result
while read -r name args; do
    case $name in '' | '#'*) continue ;; esac
    count=$((count + 1))
    # shellcheck disable=SC2086  # args are words by design (workloads.txt format)
    set -- $args
    if [ ! -x "$gdir/$name" ]; then
        fail "$name: $gdir/$name is missing or not executable"
        continue
    fi
    if ! is_static_i386 "$gdir/$name"; then
        fail "$name: not a static i386 ELF executable (readelf -h/-l $gdir/$name)"
        continue
    fi
    run_one first "$name" "$@" || continue
    run_one second "$name" "$@" || continue
    if ! cmp -s "$tmp/first.out" "$tmp/second.out"; then
        fail "$name $*: output differs between two runs:" \
            "'$(cat "$tmp/first.out")' vs '$(cat "$tmp/second.out")'"
        continue
    fi
    if command -v setarch >/dev/null 2>&1; then
        run_one norand "$name" "$@" || continue
        if ! cmp -s "$tmp/first.out" "$tmp/norand.out"; then
            fail "$name $*: output depends on address randomisation:" \
                "'$(cat "$tmp/first.out")', with setarch -R '$(cat "$tmp/norand.out")'"
            continue
        fi
    fi
    result[$name]=$(cat "$tmp/first.out")
    pass "$name $* -> ${result[$name]}"
done <"$list"

if [ "$count" -lt 9 ]; then
    fail "$list lists $count workloads, expected at least 9"
fi

# fileread (at any chunk size) and filemmap must hash data.bin to the same value.
field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$2"; }
if [ -n "${result[fileread]:-}" ] && [ -n "${result[filemmap]:-}" ]; then
    h_read=$(field fnv1a "${result[fileread]}")
    h_map=$(field fnv1a "${result[filemmap]}")
    if [ -z "$h_read" ] || [ "$h_read" != "$h_map" ] ||
        [ "$(field bytes "${result[fileread]}")" != "$(field bytes "${result[filemmap]}")" ]; then
        fail "fileread and filemmap disagree: '${result[fileread]}' vs '${result[filemmap]}'"
    fi
    for chunk in 1000 4096 1048576; do
        if run_one chunk fileread data.bin $chunk &&
            [ "$(field fnv1a "$(cat "$tmp/chunk.out")")" != "$h_read" ]; then
            fail "fileread data.bin $chunk: '$(cat "$tmp/chunk.out")', expected fnv1a=$h_read"
        fi
    done
    if command -v python3 >/dev/null 2>&1; then
        h_host=$(python3 -c '
import sys
h = 0x811c9dc5
for b in open(sys.argv[1], "rb").read():
    h = ((h ^ b) * 0x01000193) & 0xffffffff
print("%08x" % h)' "$gdir/data.bin")
        [ "$h_host" = "$h_read" ] ||
            fail "fileread says fnv1a=$h_read for data.bin, the host computes $h_host"
    fi
fi

# Bad input is a usage error (exit 2), as everywhere in vkmmu.
for bad in "seqscan abc" "stride 16 0" "sparse 64 3" "fileread"; do
    # shellcheck disable=SC2086
    (cd "$gdir" && ref_run ./$bad) >/dev/null 2>"$tmp/bad.err"
    rc=$?
    [ $rc -eq 2 ] || fail "'$bad' should exit 2 (bad arguments), exited $rc"
    [ -s "$tmp/bad.err" ] || fail "'$bad' exited without a message on stderr"
done

[ "$failures" -eq 0 ] &&
    echo "all $count workloads deterministic under the reference runner ($REF_MODE)"
finish
