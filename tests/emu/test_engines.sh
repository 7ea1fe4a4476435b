#!/bin/bash
# tests/emu/test_engines.sh VKMMU_BIN BUILD_DIR - the paging and hooks engines give the same
# counts for the same configurations (issue 4 item 2): every counter both engines produce
# (all but access.read/write/fetch, which only the hooks engine sees) on every bundled
# workload (guests/) and busybox, for one configuration and for a set of them; and the guest
# prints under vkmmu what it prints under the reference runner (scripts/ref-runner.sh: natively
# where the host runs i386 programs, else qemu-i386).
# Usage: bash test_engines.sh VKMMU_BIN BUILD_DIR
source "$(dirname "$0")/../lib.sh"
# shellcheck source=../../scripts/ref-runner.sh
source "$src/scripts/ref-runner.sh"
ref_require
compare() { # NAME DIR OPTIONS -- PROGRAM ARGS...
    local name=$1 dir=$2
    shift 2
    local opts=()
    while [ "$1" != "--" ]; do opts+=("$1"); shift; done
    shift
    local native
    native=$(cd "$dir" && ref_run "$@" 2>/dev/null </dev/null | md5sum)
    local ok=1
    for e in paging hooks; do
        local out
        out=$(cd "$dir" && "$vkmmu" run --engine $e "${opts[@]}" --json "$tmp/$e.json" -- "$@" \
              2>"$tmp/$e.err" </dev/null | md5sum)
        if [ "$out" != "$native" ]; then
            ok=0
            echo "  $e: output differs from the reference run ($REF_MODE): $(tail -2 "$tmp/$e.err")"
        fi
    done
    engines_agree "$tmp/paging.json" "$tmp/hooks.json" || ok=0
    if [ $ok -eq 1 ]; then pass "$name"; else fail "$name"; fi
}
gdir=$build/guests
if [ -f "$gdir/workloads.txt" ]; then
    while read -r name args; do
        case $name in '#'* | '') continue ;; esac
        # shellcheck disable=SC2086
        compare "$name $args (vpt-1.10)" "$gdir" --scheme vpt-1.10 -- "./$name" $args
    done <"$gdir/workloads.txt"
    compare "randacc, 4 schemes x 2 policies" "$gdir" --scheme vpt-1.10,vpt,native,linux \
        --policy none,dfly -- ./randacc 4 200
    compare "churn, dirty eager, window:8" "$gdir" --scheme vpt,vpt-1.10 --dirty eager \
        --policy window:8 -- ./churn 5 256
    # Kernel copies set A/D of mapped pages (prefault.used of native/linux, spurious dirty).
    compare "seqscan, native/linux/ept ptpage, window:16:sym" "$gdir" --scheme native,linux,ept \
        --policy ptpage,window:16:sym --dirty strict,eager -- ./seqscan 8 1
    compare "fileread, dfly2010 and linux-fa, hint" "$gdir" --scheme vpt-1.10,linux \
        --policy dfly2010,linux-fa --dirty hint -- ./fileread data.bin 65536
    # Eviction (CLOCK over A) and a cold page cache.
    compare "randacc, --vk-mem 1M --file-cache cold" "$gdir" --scheme vpt-1.10,native \
        --policy none,dfly --vk-mem 1M --file-cache cold -- ./randacc 4 200
else
    echo "note: $gdir/workloads.txt not built; guests/ workloads skipped"
fi
# Guests that die: the segv is a reflected fault in both engines, counted alike.
if bash "$src/tests/emu/guests/build.sh" "$build/tests-emu-guests"; then
    for m in segv ro mprotect munmap; do
        compare "crash $m (vpt-1.10, native)" "$build/tests-emu-guests" --scheme vpt-1.10,native \
            -- ./crash $m
    done
else
    fail "cannot build the test guests"
fi
if [ -x /bin/busybox ]; then
    head -c 200000 /dev/urandom >"$tmp/data.bin"
    compare "busybox md5sum" "$tmp" --scheme vpt-1.10 -- /bin/busybox md5sum data.bin
    compare "busybox gzip, vpt and linux with seq" "$tmp" --scheme vpt,linux --policy seq \
        -- /bin/busybox gzip -c data.bin
fi
finish
