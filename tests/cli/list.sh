#!/usr/bin/env bash
# `vkmmu list` shows every scheme, policy, dirty strategy, cost profile and cost key.
# Usage: bash list.sh VKMMU_BIN BUILD_DIR
set -u
bin=$1
status=0
out=$("$bin" list) || { echo "FAIL: vkmmu list exited $?"; exit 1; }
for word in "schemes" "vpt-1.10" "vpt" "native" "linux" \
            "prefault policies" "none" "dfly" "dfly2010" "linux-fa" "window:N" "seq" "ptpage" \
            "dirty-bit strategies" "strict" "hint" "eager" \
            "cost profiles" "modern" "dfly2007" \
            "cost keys" "insn" "reflect" "dirty_trap" "walk_ref" "inval" "prefault"; do
    grep -Eq "^ *$word([ :[]|$)" <<< "$out" || { echo "FAIL: vkmmu list lacks '$word'"; status=1; }
done
# Every listed scheme, dirty strategy and cost profile is accepted by replay.
tmp=$(mktemp -d "${2:-/tmp}/vkmmu-list.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
echo "R 0x10000000" > "$tmp/t.vkt.txt"
section() { awk -v h="$1" '/^[^ ]/ { on = index($0, h) == 1; next } on && NF { print $1 }' <<< "$out"; }
for s in $(section "schemes"); do
    "$bin" replay --scheme "$s" "$tmp/t.vkt.txt" > /dev/null 2>&1 || { echo "FAIL: --scheme $s"; status=1; }
done
for d in $(section "dirty-bit"); do
    "$bin" replay --dirty "$d" "$tmp/t.vkt.txt" > /dev/null 2>&1 || { echo "FAIL: --dirty $d"; status=1; }
done
for c in $(section "cost profiles"); do
    "$bin" replay --costs "$c" "$tmp/t.vkt.txt" > /dev/null 2>&1 || { echo "FAIL: --costs $c"; status=1; }
done
for p in $(section "prefault"); do
    case $p in *:N*) p=${p%%:N*}:8 ;; esac   # window:N[...] -> window:8
    p=${p%%[[]*}
    "$bin" replay --policy "$p" "$tmp/t.vkt.txt" > /dev/null 2>&1 || { echo "FAIL: --policy $p"; status=1; }
done
[ $status -eq 0 ] && echo "list: ok"
exit $status
