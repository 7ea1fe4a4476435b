#!/usr/bin/env bash
# `vkmmu run --record` then `vkmmu replay` of the recording gives exactly the run's counters,
# for every configuration, on every bundled workload (issue 5); prints bytes per access.
set -euo pipefail
V=$1
B=$2
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
CFG=(--scheme vpt-1.10,vpt,ept,native,linux --policy none,dfly,dfly2010,linux-fa,window:8,seq,ptpage --dirty strict,eager)
fails=0
cd "$B/guests"
while read -r name args; do
    [ -z "$name" ] || [ "${name:0:1}" = "#" ] && continue
    # shellcheck disable=SC2086
    if ! timeout 300 "$V" run "${CFG[@]}" --record "$T/$name.vkt" --json "$T/$name.run.json" \
            -- "./$name" $args > /dev/null 2> "$T/$name.err"; then
        echo "FAIL $name: run failed"; cat "$T/$name.err"; fails=$((fails + 1)); continue
    fi
    "$V" replay "${CFG[@]}" --json "$T/$name.replay.json" "$T/$name.vkt" > /dev/null
    python3 - "$name" "$T/$name.run.json" "$T/$name.replay.json" "$T/$name.vkt" <<'PY' || fails=$((fails + 1))
import json, os, sys
name, a, b, vkt = sys.argv[1:]
ra = json.load(open(a))["results"]
rb = json.load(open(b))["results"]
bad = [x["config"] for x, y in zip(ra, rb) if x["counters"] != y["counters"]]
if len(ra) != len(rb) or bad:
    print(f"FAIL {name}: replay differs from the run for {bad[:5]}")
    sys.exit(1)
c = ra[0]["counters"]
acc = c["access.read"] + c["access.write"] + c["access.fetch"] + c["access.kernel"]
print(f"ok {name}: {len(ra)} configurations equal; {os.path.getsize(vkt)} bytes, "
      f"{acc} accesses, {os.path.getsize(vkt) / max(acc, 1):.2f} bytes/access")
PY
done < workloads.txt
[ "$fails" -eq 0 ] || { echo "$fails workload(s) failed"; exit 1; }
echo "record/replay: all workloads equal"
