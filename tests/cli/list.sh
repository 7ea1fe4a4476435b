#!/usr/bin/env bash
# `vkmmu list` shows every scheme, policy, dirty strategy, cost profile and cost key.
# Usage: bash list.sh VKMMU_BIN BUILD_DIR
source "$(dirname "$0")/../lib.sh"
out=$("$vkmmu" list) || fail_now "vkmmu list exited $?"
for word in "schemes" "vpt-1.10" "vpt" "native" "linux" \
            "prefault policies" "none" "dfly" "dfly2010" "linux-fa" "window:N" "seq" "ptpage" \
            "dirty-bit strategies" "strict" "hint" "eager" \
            "cost profiles" "modern" "dfly2007" \
            "cost keys" "insn" "reflect" "dirty_trap" "walk_ref" "inval" "prefault"; do
    grep -Eq "^ *$word([ :[]|$)" <<< "$out" || fail "vkmmu list lacks '$word'"
done
# Every listed scheme, dirty strategy and cost profile is accepted by replay.
echo "R 0x10000000" > "$tmp/t.vkt.txt"
section() { awk -v h="$1" '/^[^ ]/ { on = index($0, h) == 1; next } on && NF { print $1 }' <<< "$out"; }
for s in $(section "schemes"); do
    "$vkmmu" replay --scheme "$s" "$tmp/t.vkt.txt" > /dev/null 2>&1 || fail "--scheme $s"
done
for d in $(section "dirty-bit"); do
    "$vkmmu" replay --dirty "$d" "$tmp/t.vkt.txt" > /dev/null 2>&1 || fail "--dirty $d"
done
for c in $(section "cost profiles"); do
    "$vkmmu" replay --costs "$c" "$tmp/t.vkt.txt" > /dev/null 2>&1 || fail "--costs $c"
done
for p in $(section "prefault"); do
    case $p in *:N*) p=${p%%:N*}:8 ;; esac   # window:N[...] -> window:8
    p=${p%%[[]*}
    "$vkmmu" replay --policy "$p" "$tmp/t.vkt.txt" > /dev/null 2>&1 || fail "--policy $p"
done
finish
