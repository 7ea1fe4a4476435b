#!/usr/bin/env bash
# Writes every result file vkmmu produces for the bundled workloads and traces into OUT, so that
# two builds can be compared byte for byte (a refactoring must not change any):
#   scripts/results-snapshot.sh OLD/cli/vkmmu OLD/guests /tmp/before
#   scripts/results-snapshot.sh NEW/cli/vkmmu NEW/guests /tmp/after
#   diff -r /tmp/before /tmp/after
# vkmmu runs with a fixed environment (the guest sees vkmmu's, and bash's $_ names the binary).
# JSON files lose their "git_commit" and "command_line" members (they name the build and the
# output paths) and the temporary directory is written WORK; everything else, tables on stdout included, is kept as written.
# With --quick only the traces and three programs run (a few seconds); the default adds every
# guests/ workload on both engines, a recorded run, a sweep and the demo (several minutes).
set -euo pipefail
quick=0
if [[ ${1:-} == --quick ]]; then quick=1; shift; fi
if [[ $# -ne 3 ]]; then
    echo "usage: $0 [--quick] VKMMU GUESTS_DIR OUT_DIR" >&2
    exit 2
fi
vk=$(realpath "$1"); guests=$(realpath "$2"); out=$3
src=$(cd "$(dirname "$0")/.." && pwd)
rm -rf "$out"; mkdir -p "$out"; out=$(realpath "$out")
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT

all_schemes=vpt-1.10,vpt,ept,native,linux
all_policies=none,dfly,dfly2010,linux-fa,window:8,window:4:sym,window:16:aligned,seq,ptpage
all_dirty=strict,hint,eager

strip_json() { # FILE: drop the build- and path-dependent members
    sed -i -e '/^    "git_commit": /d' -e '/^    "command_line": /d' "$1"
}
# NAME then vkmmu arguments; results go to OUT/NAME.{json,csv,timeline.csv,out,status}
one() {
    local name=$1; shift
    local st=0
    (cd "$work" && env -i PATH=/usr/bin:/bin LC_ALL=C "$vk" "$1" --json "$out/$name.json" --csv "$out/$name.csv" "${@:2}") \
        </dev/null >"$out/$name.out" 2>"$out/$name.err" || st=$?
    echo "$st" >"$out/$name.status"
    [[ -f $out/$name.json ]] && strip_json "$out/$name.json"
    # stderr holds timings for run; keep only its report lines that carry no time
    grep -v -E 'seconds|[0-9]+(\.[0-9]+)? ?s\b|MIPS|elapsed|wall' "$out/$name.err" \
        >"$out/$name.err.kept" || true
    rm -f "$out/$name.err"
}

# ---- traces ----
traces=("$src/examples/worked.vkt.txt" "$src/examples/sweeps/scan.vkt.txt"
        "$src/examples/sweeps/stride.vkt.txt")
for t in "${traces[@]}"; do
    b=$(basename "$t" .vkt.txt)
    one "replay-$b-all" replay --scheme $all_schemes --policy $all_policies,oracle:4 \
        --dirty $all_dirty --interval 3 "$t"
    one "replay-$b-tlb" replay --scheme vpt,ept,linux --policy dfly --tlb modern \
        --costs dfly2007 "$t"
    one "replay-$b-vkmem" replay --scheme vpt-1.10,vpt --policy seq,ptpage --vk-mem 16K \
        --file-cache cold --inval-every-enter --real-prefault 4 "$t"
    "$vk" convert "$t" -q -o "$work/$b.vkt"
    one "replay-$b-vkt" replay --scheme vpt,ept --policy none,dfly "$b.vkt"
done

# ---- programs ----
if [[ $quick == 1 ]]; then
    progs=$'seqscan 8 1\nchurn 20 512\nfilemmap data.bin 1'
else
    progs=$(grep -v '^#' "$guests/workloads.txt")
fi
while read -r prog args; do
    [[ -n $prog ]] || continue
    # shellcheck disable=SC2086
    one "run-$prog-hooks" run --engine hooks --root "$guests" --scheme $all_schemes \
        --policy $all_policies --dirty $all_dirty --interval 100000 --top 5 \
        -- "$guests/$prog" $args
    # shellcheck disable=SC2086
    one "run-$prog-paging" run --engine paging --root "$guests" --scheme vpt \
        --policy dfly --dirty eager -- "$guests/$prog" $args
    [[ $quick == 1 ]] && continue
    # shellcheck disable=SC2086
    one "run-$prog-limits" run --root "$guests" --scheme vpt-1.10,ept --policy window:16,none \
        --costs dfly2007 --vk-mem 256K --file-cache cold --tlb core2 -- "$guests/$prog" $args
done <<<"$progs"

# ---- a recorded run, replayed ----
(cd "$work" && env -i PATH=/usr/bin:/bin LC_ALL=C "$vk" run --root "$guests" --record "$work/rec.vkt" -- "$guests/seqscan" 8 1) \
    </dev/null >/dev/null 2>&1
one replay-recorded replay --scheme $all_schemes --policy none,dfly,seq --dirty strict,eager \
    rec.vkt

[[ $quick == 1 ]] && exit 0

# ---- a sweep and its merge ----
"$vk" sweep "$src/examples/sweeps/policies.sweep" -j 2 -o "$work/sweep" >/dev/null 2>&1
"$vk" merge "$work/sweep" -o "$out/sweep-merged.csv" >/dev/null 2>&1
for f in "$work"/sweep/*.json "$work"/sweep/*/*.json; do
    [[ -f $f ]] || continue
    rel=${f#"$work"/sweep/}; dst="$out/sweep/${rel//\//_}"
    mkdir -p "$out/sweep"; sed "s|$work/|WORK/|g" "$f" >"$dst"; strip_json "$dst"
done
