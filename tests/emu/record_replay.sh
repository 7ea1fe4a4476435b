#!/usr/bin/env bash
# `vkmmu run --record` then `vkmmu replay` of the recording gives exactly the run's counters,
# for every configuration, on every bundled workload (issue 5); prints bytes per access.
# Usage: bash record_replay.sh VKMMU_BIN BUILD_DIR
source "$(dirname "$0")/../lib.sh"
CFG=(--scheme vpt-1.10,vpt,ept,native,linux --policy none,dfly,dfly2010,linux-fa,window:8,seq,ptpage --dirty strict,eager)
cd "$build/guests" || fail_now "$build/guests does not exist (build the 'guests' target)"
[ -f workloads.txt ] || fail_now "$build/guests/workloads.txt is missing"
while read -r name args; do
    [ -z "$name" ] || [ "${name:0:1}" = "#" ] && continue
    # shellcheck disable=SC2086
    if ! timeout 300 "$vkmmu" run "${CFG[@]}" --record "$tmp/$name.vkt" --json "$tmp/$name.run.json" \
            -- "./$name" $args > /dev/null 2> "$tmp/$name.err"; then
        fail "$name: run failed"; cat "$tmp/$name.err"; continue
    fi
    if ! "$vkmmu" replay "${CFG[@]}" --json "$tmp/$name.replay.json" "$tmp/$name.vkt" > /dev/null \
            2> "$tmp/$name.err"; then
        fail "$name: replay failed"; cat "$tmp/$name.err"; continue
    fi
    python3 - "$name" "$tmp/$name.run.json" "$tmp/$name.replay.json" "$tmp/$name.vkt" <<'PY' ||
import json, os, sys
name, a, b, vkt = sys.argv[1:]
ra = json.load(open(a))["results"]
rb = json.load(open(b))["results"]
bad = [x["config"] for x, y in zip(ra, rb) if x["counters"] != y["counters"]]
if len(ra) != len(rb) or bad:
    print(f"FAIL: {name}: replay differs from the run for {bad[:5]}")
    sys.exit(1)
c = ra[0]["counters"]
acc = c["access.read"] + c["access.write"] + c["access.fetch"] + c["access.kernel"]
print(f"ok   {name}: {len(ra)} configurations equal; {os.path.getsize(vkt)} bytes, "
      f"{acc} accesses, {os.path.getsize(vkt) / max(acc, 1):.2f} bytes/access")
PY
        failures=$((failures + 1))
done < workloads.txt
finish
