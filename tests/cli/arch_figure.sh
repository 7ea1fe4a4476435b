#!/usr/bin/env bash
# vkmmu plot --kind arch: i386 (NAME) against x86-64 (NAME-64) from CSV and JSON results; only
# the workloads present under both names are drawn; none present under both exits 2.
# Usage: bash arch_figure.sh VKMMU_BIN BUILD_DIR
source "$(dirname "$0")/../lib.sh"

if ! command -v gnuplot > /dev/null; then
    echo "SKIP: gnuplot is not installed (scripts/install-deps.sh installs gnuplot-nox)"
    exit 0
fi

awk 'BEGIN { print "map 0x10000000 0x10400000 rw- anon";
    for (p = 0; p < 300; p++) printf "I 50\nR 0x1%07x 4\n", p * 4096 }' > "$tmp/seq.vkt.txt"
awk 'BEGIN { print "map 0x20000000 0x20800000 rw- anon";
    for (p = 0; p < 600; p += 3) printf "I 80\nW 0x2%07x 4\n", p * 4096 }' > "$tmp/stride.vkt.txt"
# CSV input names the workload after the file: seq and seq-64 pair, stride has no partner.
# runs COMMAND; true when it exits 0, else fails naming it and prints its standard error
ok_run() {
    "$@" > "$tmp/stdout" 2> "$tmp/stderr" && return 0
    fail "exit $?: $*"
    cat "$tmp/stderr"
    return 1
}

for w in seq seq-64 stride; do
    "$vkmmu" replay --scheme native,vpt-1.10 --policy none,dfly --csv "$tmp/$w.csv" \
        --json "$tmp/$w.json" "$tmp/${w%-64}.vkt.txt" > /dev/null 2> "$tmp/err" ||
        { fail "replay $w: exit $?"; cat "$tmp/err"; }
done

for fmt in pdf png; do
    if ok_run "$vkmmu" plot "$tmp/seq.csv" "$tmp/seq-64.csv" "$tmp/stride.csv" \
        -o "$tmp/arch.$fmt" --kind arch --scheme vpt-1.10 --policy none --dirty strict \
        --data "$tmp/data-$fmt"; then
        [ -s "$tmp/arch.$fmt" ] && pass "arch figure drawn as $fmt" || fail "no arch.$fmt"
    fi
done
head -c 4 "$tmp/arch.pdf" | grep -q '%PDF' || fail "arch.pdf is not a PDF"
dat=$tmp/data-pdf/arch.dat
check "one workload per panel" "3" "$(grep -c '^0 .* seq$' "$dat")"
grep -q stride "$dat" && fail "stride (no -64 partner) drawn"
# the default policy is none, when --policy does not say
ok_run "$vkmmu" plot "$tmp/seq.csv" "$tmp/seq-64.csv" -o "$tmp/def.png" --kind arch \
    --scheme vpt-1.10 && pass "default selection"
grep -q 'policy none' "$tmp/data-pdf/plot.gp" && pass "policy none in the metadata" ||
    fail "the script does not name policy none"

# JSON input: the workload is the result's name; rename one to NAME-64.
sed 's|"name": "[^"]*"|"name": "seq-64"|' "$tmp/seq.json" > "$tmp/seq64.json"
ok_run "$vkmmu" plot "$tmp/seq.json" "$tmp/seq64.json" -o "$tmp/j.png" --kind arch \
    --scheme vpt-1.10 --policy none && pass "JSON input"

# No workload under both names: a clear refusal, exit 2.
expect 2 'no workload has results of both architectures' "$vkmmu" plot "$tmp/seq.csv" \
    "$tmp/stride.csv" -o "$tmp/none.png" --kind arch --scheme vpt-1.10 &&
    pass "refuses without a pair"
[ -e "$tmp/none.png" ] && fail "a figure was written without a pair"
finish
