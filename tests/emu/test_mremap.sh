#!/bin/bash
# tests/emu/test_mremap.sh VKMMU_BIN BUILD_DIR - moving mremap in the guest (issue 13, busybox
# sort): the test guest mremap.c (tests/emu/guests: realloc past blocked growth, mremap with
# MREMAP_MAYMOVE and MREMAP_FIXED, a move of pages shared copy-on-write after fork), built for
# i386 and x86-64, prints under vkmmu exactly what it prints under the reference (qemu-i386 or
# the host for i386, scripts/ref-runner.sh; the host for x86-64), on both engines, with the same
# counts in both (access.* and tlb.* aside), for every scheme and with --vk-mem eviction; a
# recording replays to the run's counts.
# Usage: bash test_mremap.sh VKMMU_BIN BUILD_DIR
source "$(dirname "$0")/../lib.sh"
# shellcheck source=../../scripts/ref-runner.sh
source "$src/scripts/ref-runner.sh"
ref_require
build_emu_guests

# reference PROGRAM ARGS...: its output and exit status as the reference runs it.
# qemu-user has no MREMAP_DONTUNMAP (qemu-i386 dies of SIGSEGV on it): the i386 build's
# reference for `dontunmap` is the host's run of the x86-64 build (the output names no address).
reference() {
    if [ "${2:-}" = dontunmap ]; then
        ./mremap64 dontunmap 2>/dev/null </dev/null | md5sum
        echo "rc ${PIPESTATUS[0]}"
    elif [ "$(basename "$1")" = mremap64 ]; then
        "$@" 2>/dev/null </dev/null | md5sum
        echo "rc ${PIPESTATUS[0]}"
    else
        ref_run "$@" 2>/dev/null </dev/null | md5sum
        echo "rc ${PIPESTATUS[0]}"
    fi
}
# compare NAME OPTIONS -- PROGRAM ARGS...
compare() {
    local name=$1
    shift
    local opts=()
    while [ "$1" != "--" ]; do opts+=("$1"); shift; done
    shift
    local ok=1 want got
    want=$(cd "$guests" && reference "$@")
    for e in paging hooks; do
        got=$(cd "$guests" && "$vkmmu" run --engine $e "${opts[@]}" --json "$tmp/$e.json" -- "$@" \
              2>"$tmp/$e.err" </dev/null | md5sum; echo "rc ${PIPESTATUS[0]}")
        if [ "$got" != "$want" ]; then
            ok=0
            echo "  $e: output or status differs from the reference's ($want / $got): $(tail -2 "$tmp/$e.err")"
        fi
    done
    engines_agree "$tmp/paging.json" "$tmp/hooks.json" || ok=0
    if [ $ok -eq 1 ]; then pass "$name"; else fail "$name"; fi
}

ALL=(--scheme vpt-1.10,vpt,ept,native,linux --policy none,dfly)
for prog in mremap mremap64; do
    for m in realloc direct fork dontunmap; do
        compare "$prog $m, every scheme" "${ALL[@]}" -- "./$prog" "$m"
        compare "$prog $m, --vk-mem 300k (moved pages evicted and paged in)" \
            --scheme vpt-1.10,ept --policy none,dfly2010 --vk-mem 300k -- "./$prog" "$m"
    done
done

# The guest moved: the realloc run's linux faults are those of a run that copies nothing.  A
# growth by copying would touch every page of the new block (some 128 pages per growth).
(cd "$guests" && "$vkmmu" run --scheme linux --zero-page off --json "$tmp/l.json" -- ./mremap64 realloc \
    >/dev/null 2>&1)
nat=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["results"][0]["counters"]["fault.native"])' "$tmp/l.json")
if [ "${nat:-0}" -gt 0 ] && [ "$nat" -lt 250 ]; then
    pass "mremap64 realloc: $nat linux faults (no copy of the moved block)"
else
    fail "mremap64 realloc: ${nat:-no} linux faults (a copy would be over 500)"
fi

# Record and replay agree on runs that move.
for prog in mremap mremap64; do
    if recording_replays "$guests" 10 "${ALL[@]}" -- "./$prog" fork; then
        pass "$prog fork: the recording replays to the run's counts"
    else
        fail "$prog fork: record and replay differ"
    fi
done
finish
