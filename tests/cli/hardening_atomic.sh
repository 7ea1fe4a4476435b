#!/bin/bash
# tests/cli/hardening_atomic.sh VKMMU_BIN BUILD_DIR - no lost results (issue 7, item 5): a run
# killed (SIGKILL) at any point leaves each result file either as it was before or complete and
# equal to what an uninterrupted run writes, never truncated or mixed; for `replay --json`,
# `replay --csv` and `convert -o`.  The kill times are spread over the run's whole duration
# (measured first), the last ones close to its end where the files are written.  A leftover
# FILE.tmp is allowed (the next run overwrites it) and counted.
source "$(dirname "$0")/../lib.sh"
cd "$tmp" || exit 1

# A trace long enough to take a fraction of a second, and a short one for the old results.
python3 - <<'PY'
import random
rng = random.Random(7)
with open("long.txt", "w") as f:
    f.write("map 0x10000000 0x14000000 rw- anon\n")
    for i in range(600000):
        f.write("%s 0x%x 4\n" % ("RW"[rng.random() < 0.3], 0x10000000 + rng.randrange(1 << 26)))
with open("short.txt", "w") as f:
    f.write("map 0x10000000 0x10010000 rw- anon\nR 0x10000000 4\nW 0x10000000 4\n")
PY
cmd_new=("$vkmmu" replay --scheme vpt-1.10,vpt,ept --policy none,dfly --json r.json --csv r.csv long.txt)
cmd_old=("$vkmmu" replay --json r.json --csv r.csv short.txt)

"${cmd_old[@]}" >/dev/null 2>&1 || fail "the old run failed"
cp r.json old.json && cp r.csv old.csv
start=$(date +%s%N)
"${cmd_new[@]}" >/dev/null 2>&1 || fail "the new run failed"
ms=$((($(date +%s%N) - start) / 1000000))
cp r.json new.json && cp r.csv new.csv
"$vkmmu" convert -q short.txt -o t.vkt && cp t.vkt old.vkt || fail "convert short"
start=$(date +%s%N)
"$vkmmu" convert -q long.txt -o t.vkt && cp t.vkt new.vkt || fail "convert long"
cms=$((($(date +%s%N) - start) / 1000000))
cmp -s old.json new.json && fail "old and new results are the same (test setup)"
echo "uninterrupted: replay $ms ms, convert $cms ms"

# kill_at MS CMD...: starts CMD, SIGKILLs it after MS milliseconds (if still running).
kill_at() {
    local t=$1
    shift
    "$@" >/dev/null 2>&1 &
    local pid=$!
    sleep "$(printf '0.%03d' "$t")" 2>/dev/null || sleep "$((t / 1000))"
    kill -9 "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
}
check() { # NAME FILE OLD NEW: FILE is OLD or NEW
    if cmp -s "$2" "$3"; then
        olds=$((olds + 1))
    elif cmp -s "$2" "$4"; then
        news=$((news + 1))
    else
        fail "$1: $2 is neither the old nor the new file ($(wc -c <"$2") bytes)"
    fi
}
runs=24
olds=0 news=0 tmps=0
for ((k = 0; k < runs; k++)); do
    # Spread evenly over [0, 1.2 x duration]: the last few land after the end (new files).
    t=$((ms * k * 6 / (runs * 5)))
    [ "$t" -gt 999 ] && t=999
    cp old.json r.json && cp old.csv r.csv
    kill_at "$t" "${cmd_new[@]}"
    check "replay killed at $t ms" r.json old.json new.json
    check "replay killed at $t ms" r.csv old.csv new.csv
    [ -e r.json.tmp ] || [ -e r.csv.tmp ] && tmps=$((tmps + 1))
    rm -f r.json.tmp r.csv.tmp
done
echo "replay: $runs kills: results old $olds, new $news (json+csv), leftover .tmp $tmps"
olds=0 news=0 tmps=0
for ((k = 0; k < runs; k++)); do
    t=$((cms * k * 6 / (runs * 5)))
    [ "$t" -gt 999 ] && t=999
    cp old.vkt t.vkt
    kill_at "$t" "$vkmmu" convert -q long.txt -o t.vkt
    check "convert killed at $t ms" t.vkt old.vkt new.vkt
    [ -e t.vkt.tmp ] && tmps=$((tmps + 1))
    rm -f t.vkt.tmp
done
echo "convert: $runs kills: old $olds, new $news, leftover .tmp $tmps"
finish
