#!/bin/bash
# tests/cli/hardening_determinism.sh VKMMU_BIN BUILD_DIR - the same input gives byte-identical
# results (issue 7, item 6):
#   - every bundled workload (BUILD_DIR/guests/workloads.txt, run from BUILD_DIR/guests) run
#     twice under `vkmmu run --engine hooks --scheme vpt-1.10,native --policy none,dfly --json`:
#     the two JSON files are compared whole, byte for byte (both runs write the same relative
#     file name, then the file is moved away, so even meta.command_line is the same: nothing is
#     ignored), and so are the guest's standard output and the report table (the report's
#     "N s emulated (M instructions/s)" line is timing and is left out);
#   - `vkmmu replay` twice of a text trace and of the same trace in every other format
#     (.vkt, Lackey, ChampSim, cloudsuite, xz- and gzip-compressed): JSON byte for byte;
#   - a sweep run with -j 1 and with -j 2: the merged CSV byte for byte.
source "$(dirname "$0")/../lib.sh"
tag=det-$$-$RANDOM
on_exit 'rm -f "$build/guests/$tag".*'
model=(--scheme vpt-1.10,native --policy none,dfly)

# 1. The bundled workloads, twice each, from BUILD_DIR/guests.
list=$build/guests/workloads.txt
if [ ! -f "$list" ]; then
    fail "$list is missing (build the guests first)"
else
    while read -r name args; do
        case $name in ('' | '#'*) continue;; esac
        for pass in 1 2; do
            # shellcheck disable=SC2086
            (cd "$build/guests" && timeout 120 "$vkmmu" run --engine hooks "${model[@]}" \
                --json "$tag.json" -- "./$name" $args >"$tmp/$name.$pass.out" \
                2>"$tmp/$name.$pass.err")
            rc=$?
            echo "$rc" >"$tmp/$name.$pass.rc"
            mv "$build/guests/$tag.json" "$tmp/$name.$pass.json" 2>/dev/null ||
                fail "$name pass $pass: no JSON written (exit $rc)"
            grep -v ' s emulated (' "$tmp/$name.$pass.err" >"$tmp/$name.$pass.report"
        done
        same "$name: JSON" "$tmp/$name.1.json" "$tmp/$name.2.json"
        same "$name: guest output and exit status" <(cat "$tmp/$name.1.out" "$tmp/$name.1.rc") \
            <(cat "$tmp/$name.2.out" "$tmp/$name.2.rc")
        same "$name: report" "$tmp/$name.1.report" "$tmp/$name.2.report"
    done <"$list"
fi

# 2. Traces: the same accesses in every format, each replayed twice.
cd "$tmp" || exit 1
cp "$src/examples/sweeps/stride.vkt.txt" t.txt
"$vkmmu" convert -q t.txt -o t.vkt || fail "convert t.txt"
# Lackey and ChampSim (x86-64, no regions) from the text trace's accesses.
python3 - t.txt t.lackey t.champsim t.cloudsuite <<'PY'
import struct, sys
recs = []
for line in open(sys.argv[1]):
    f = line.split()
    if f and f[0] in ("R", "W", "X"):
        recs.append((f[0], int(f[1], 0), int(f[2], 0) if len(f) > 2 else 1))
with open(sys.argv[2], "w") as out:
    out.write("==1== Lackey (generated)\n")
    for kind, a, size in recs:
        out.write("I  %x,%d\n" % (a, size) if kind == "X" else
                  " %s %x,%d\n" % ("L" if kind == "R" else "S", a, size))
for path, rs, dst_at, src_at in ((sys.argv[3], 64, 16, 32), (sys.argv[4], 96, 24, 56)):
    with open(path, "wb") as out:
        ip = 0x400000
        for kind, a, size in recs:
            rec = bytearray(rs)
            struct.pack_into("<Q", rec, 0, ip)
            ip += 3
            struct.pack_into("<Q", rec, src_at if kind != "W" else dst_at, a)
            out.write(rec)
PY
xz -k -c t.champsim >t.champsim.xz
gzip -c t.txt >t.txt.gz
for f in "t.txt" "t.vkt" "--format lackey t.lackey" "t.champsim" "--format cloudsuite t.cloudsuite" \
         "t.champsim.xz" "t.txt.gz"; do
    name=${f##* }
    for pass in 1 2; do
        # shellcheck disable=SC2086
        timeout 60 "$vkmmu" replay "${model[@]}" --dirty strict,eager --json "$tag.json" $f \
            >"replay.$pass.out" 2>"replay.$pass.err" || fail "replay $f (pass $pass): exit $?"
        mv "$tag.json" "replay-$name.$pass.json" 2>/dev/null || fail "replay $f: no JSON"
    done
    grep -q '"fault.reflected": [1-9]' "replay-$name.1.json" ||
        fail "replay $name: no reflections counted (empty input?)"
    same "replay $name: JSON" "replay-$name.1.json" "replay-$name.2.json"
    same "replay $name: table" replay.1.out replay.2.out
done

# 3. A sweep, -j 1 and -j 2: the merged CSV.
cat >s.sweep <<'SPEC'
[workloads]
trace = stride t.txt
trace = stride2 t.vkt
[axes]
scheme = vpt-1.10, vpt, ept
policy = none, dfly
costs = modern, dfly2007
SPEC
for j in 1 2; do
    timeout 120 "$vkmmu" sweep s.sweep -j $j -o "sweep-j$j" >"sweep-j$j.log" 2>&1 ||
        fail "sweep -j $j: exit $?"
    "$vkmmu" merge "sweep-j$j" -o "merged-j$j.csv" >/dev/null 2>&1 || fail "merge -j $j: exit $?"
done
same "sweep -j 1 vs -j 2: merged CSV" merged-j1.csv merged-j2.csv

finish
