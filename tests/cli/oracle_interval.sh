#!/usr/bin/env bash
# oracle:N (two passes; standard input spooled) and --interval timelines, end to end.
# Usage: bash oracle_interval.sh VKMMU_BIN BUILD_DIR
source "$(dirname "$0")/../lib.sh"
set -eo pipefail

# A sequential read of 64 anonymous pages: none reflects 64 times; oracle:4 reflects at
# p0, p5, ..., p60 (13) and prefaults 51 pages, all used (tests/vkernel_model/test_model_oracle.c).
{
  echo "map 0x10000000 0x10040000 rw- anon"
  for i in $(seq 0 63); do printf 'I 10\nR 0x%x 4\n' $((0x10000000 + i * 4096)); done
} > "$tmp/seq.txt"
"$vkmmu" replay --policy none,oracle:4 --json "$tmp/a.json" "$tmp/seq.txt" > /dev/null
"$vkmmu" replay --policy none,oracle:4 --json "$tmp/b.json" - < "$tmp/seq.txt" > /dev/null
python3 - "$tmp/a.json" "$tmp/b.json" <<'PY' || exit 1
import json, sys
a = json.load(open(sys.argv[1]))["results"]
b = json.load(open(sys.argv[2]))["results"]
assert [r["counters"] for r in a] == [r["counters"] for r in b], "stdin and file differ"
by = {r["policy"]: r["counters"] for r in a}
assert by["none"]["fault.reflected"] == 64, by["none"]["fault.reflected"]
o = by["oracle:4"]
assert (o["fault.reflected"], o["prefault.issued"], o["prefault.used"]) == (13, 51, 51), o
PY
ls /tmp/vkmmu-spool-* 2>/dev/null && fail_now "spool file left behind"
"$vkmmu" run --policy oracle:4 -- /bin/true 2>/dev/null && fail_now "oracle accepted by run"

# --interval 100: 640 instructions -> points at 100, 200, ..., 600 and the end (640).
"$vkmmu" replay --interval 100 --policy none,dfly --json "$tmp/t.json" --csv "$tmp/t.csv" "$tmp/seq.txt" > /dev/null
[ -f "$tmp/t.timeline.csv" ] || fail_now "no timeline CSV"
[ "$(wc -l < "$tmp/t.timeline.csv")" -eq $((1 + 2 * 7)) ] || fail_now "timeline CSV rows"
python3 - "$tmp/t.json" <<'PY' || exit 1
import json, sys
d = json.load(open(sys.argv[1]))
assert d["meta"]["timeline_unit"] == "instructions"
for r in d["results"]:
    ends = [p["end"] for p in r["timeline"]]
    assert ends == [100, 200, 300, 400, 500, 600, 640], ends
    last = r["timeline"][-1]["counters"]
    assert last == r["counters"], "the last point is not the final counters"
    refl = [p["counters"]["fault.reflected"] for p in r["timeline"]]
    assert refl == sorted(refl), "cumulative counters decrease"
# a point is taken right after the record that reaches the boundary: the 10th `I 10` comes
# before the 10th read, so 9 reflections at 100 and 19 at 200
none = [r for r in d["results"] if r["policy"] == "none"][0]
assert [p["counters"]["fault.reflected"] for p in none["timeline"]][:2] == [9, 19]
PY
"$vkmmu" replay --interval 0 "$tmp/seq.txt" 2>/dev/null && fail_now "--interval 0 accepted"
finish
