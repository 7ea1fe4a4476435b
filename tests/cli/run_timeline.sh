#!/usr/bin/env bash
# `run --interval N` on the hooks engine: every timeline point holds the counters after the
# event that reached its boundary, exactly as `replay --interval N` of the run's own recording
# gives them (points, counters, JSON and CSV), for every configuration; and the points grow.
# Usage: bash run_timeline.sh VKMMU_BIN BUILD_DIR
source "$(dirname "$0")/../lib.sh"
guests=$build/guests
[[ -x $guests/seqscan ]] || fail_now "the guests are not built in $guests"

configs=(--scheme vpt-1.10,vpt,ept,linux --policy none,dfly --dirty strict,eager)
for prog in "seqscan 8 1" "churn 20 512" "filemmap data.bin 1"; do
    read -r name args <<<"$prog"
    # shellcheck disable=SC2086
    (cd "$guests" && "$vkmmu" run --engine hooks --root "$guests" "${configs[@]}" \
        --interval 500000 --csv "$tmp/$name-run.csv" --json "$tmp/$name-run.json" \
        --record "$tmp/$name.vkt" -- "./$name" $args) >/dev/null 2>"$tmp/err" ||
        { fail "$name: run exited $?: $(tail -3 "$tmp/err")"; continue; }
    "$vkmmu" replay "${configs[@]}" --interval 500000 --csv "$tmp/$name-replay.csv" \
        --json "$tmp/$name-replay.json" "$tmp/$name.vkt" >/dev/null 2>"$tmp/err" ||
        { fail "$name: replay exited $?: $(tail -3 "$tmp/err")"; continue; }
    same "$name: run and replay timelines (CSV)" "$tmp/$name-run.timeline.csv" \
        "$tmp/$name-replay.timeline.csv"
    python3 - "$tmp/$name-run.json" "$tmp/$name-replay.json" "$name" <<'PY' || fail "$name: JSON timelines"
import json, sys
run, rep, name = json.load(open(sys.argv[1])), json.load(open(sys.argv[2])), sys.argv[3]
bad = []
for a, b in zip(run["results"], rep["results"]):
    ta, tb = a.get("timeline"), b.get("timeline")
    if not ta or ta != tb:
        bad.append(f"{a['config']}: run and replay timelines differ or are empty")
        continue
    prev = None
    for p in ta:
        c = p["counters"]
        if c["insns"] < p["end"]:
            bad.append(f"{a['config']}: point at {p['end']} has only {c['insns']} instructions")
        if prev and (c["insns"] <= prev["insns"] or c["access.read"] + c["access.write"] + c["access.fetch"] <= prev["access.read"] + prev["access.write"] + prev["access.fetch"]):
            bad.append(f"{a['config']}: counters do not grow at {p['end']}")
        prev = c
for line in bad[:5]:
    print(f"{name}: {line}")
sys.exit(1 if bad else 0)
PY
done
finish
