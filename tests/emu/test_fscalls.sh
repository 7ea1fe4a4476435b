#!/bin/bash
# tests/emu/test_fscalls.sh VKMMU_BIN BUILD_DIR - statfs, fstatfs (statfs64 and fstatfs64 from
# i386 glibc), statvfs, creat and close_range: the test guest fscalls.c, built for i386 and
# x86-64, prints under vkmmu (--writable, in a private root) what it prints under the reference
# (qemu-i386 or the host for i386, scripts/ref-runner.sh; the host for x86-64) on both engines,
# with the same counts; without --writable statfs says ST_RDONLY, as the guest's writes fail.
# Usage: bash test_fscalls.sh VKMMU_BIN BUILD_DIR
source "$(dirname "$0")/../lib.sh"
# shellcheck source=../../scripts/ref-runner.sh
source "$src/scripts/ref-runner.sh"
ref_require
build_emu_guests
root=$tmp/root
mkdir -p "$root"
cp "$guests/fscalls" "$guests/fscalls64" "$root/"

for prog in fscalls fscalls64; do
    if [ $prog = fscalls64 ]; then
        want=$(cd "$root" && ./$prog 2>/dev/null; echo "rc $?")
    else
        want=$(cd "$root" && ref_run ./$prog 2>/dev/null; echo "rc $?")
    fi
    ok=1
    for e in paging hooks; do
        got=$(cd "$root" && "$vkmmu" run --engine $e --root "$root" --writable \
              --scheme vpt-1.10,linux --json "$tmp/$e.json" -- ./$prog 2>"$tmp/$e.err"; echo "rc $?")
        if [ "$got" != "$want" ]; then
            ok=0
            echo "  $e: differs from the reference: $(diff <(echo "$want") <(echo "$got") | head -6)"
        fi
    done
    engines_agree "$tmp/paging.json" "$tmp/hooks.json" || ok=0
    [ "$(printf '%s\n' "$want" | grep -c .)" -ge 13 ] || { ok=0; echo "  the reference printed too little"; }
    if [ $ok -eq 1 ]; then pass "$prog: as the reference, both engines"; else fail "$prog"; fi
    got=$(cd "$root" && "$vkmmu" run --root "$root" -- ./$prog 2>/dev/null)
    check "$prog without --writable: creat is EROFS, statfs says read-only" \
        "creat: Read-only file system|$(printf '%s\n' "$want" | grep '^statfs \.' | sed 's/read-only 0/read-only 1/')" \
        "$(printf '%s\n' "$got" | grep -E '^(creat|statfs \.)' | paste -sd'|')"
done

# /proc/self/maps: the i386 and x86-64 builds print under vkmmu what the x86-64 build prints
# on the host (qemu-user's maps are its own), the program's name aside.
want=$(cd "$root" && ./fscalls64 maps 2>/dev/null; echo "rc $?")
for prog in fscalls fscalls64; do
    for e in paging hooks; do
        got=$(cd "$root" && "$vkmmu" run --engine $e --root "$root" -- ./$prog maps 2>/dev/null |
              sed 's/ fscalls$/ fscalls64/'; echo "rc ${PIPESTATUS[0]}")
        check "$prog maps ($e): /proc/self/maps as the host's" "$want" "$got"
    done
done
[ "$(printf '%s\n' "$want" | grep -c '^maps: .* 1')" -ge 3 ] || fail "the host's maps output is not what the test expects: $want"
finish
