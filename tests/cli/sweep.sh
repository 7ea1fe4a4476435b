#!/usr/bin/env bash
# vkmmu sweep and merge: 3 workloads x 6 policies x 2 schemes (x 2 cost profiles x 2 reflection
# scales = 12 cells) run with -j 2; an interrupted-and-resumed sweep, the GNU parallel path and
# the Slurm script run task by task all merge to the same bytes as an uninterrupted sweep.
# Usage: bash sweep.sh VKMMU_BIN BUILD_DIR
source "$(dirname "$0")/../lib.sh"
ncsv() { ls "$1"/cells/*.csv 2>/dev/null | wc -l; }

# Three small text traces: a sequential scan, random pages, and file + heap accesses.
mkdir -p "$tmp/spec/traces"
(cd "$tmp/spec/traces" && awk 'BEGIN {
    srand(7);
    print "map 0x10000000 0x12000000 rw- anon heap" > "seq.vkt.txt";
    for (i = 0; i < 1500; i++) printf "%s 0x%x 4\nI 40\n", (i % 4 ? "R" : "W"), 268435456 + i * 4096 > "seq.vkt.txt";
    print "map 0x10000000 0x12000000 rw- anon heap" > "rand.vkt.txt";
    for (i = 0; i < 1500; i++) printf "%s 0x%x 4\nI 40\n", (i % 3 ? "R" : "W"), 268435456 + int(rand() * 8192) * 4096 > "rand.vkt.txt";
    print "map 0x08048000 0x08148000 r-x file prog" > "mixed.vkt.txt";
    print "map 0x10000000 0x12000000 rw- anon heap" > "mixed.vkt.txt";
    for (i = 0; i < 1500; i++) {
        if (i % 3 == 0) printf "X 0x%x 4\n", 134512640 + int(rand() * 256) * 4096 > "mixed.vkt.txt";
        else printf "W 0x%x 4\n", 268435456 + (i * 7 % 8192) * 4096 > "mixed.vkt.txt";
        print "I 40" > "mixed.vkt.txt";
    }
}')
cat > "$tmp/spec/test.sweep" <<'S'
# 3 workloads x 6 policies x 2 schemes, in 3 x 2 x 2 = 12 cells
[workloads]
trace = seq   traces/seq.vkt.txt     # paths are relative to this file
trace = rand  traces/rand.vkt.txt
trace = mixed traces/mixed.vkt.txt
[axes]
scheme = vpt-1.10, vpt
policy = none, dfly, dfly2010, linux-fa, seq
window = 16
costs = modern, dfly2007
reflect-scale = 1, 2
S
spec=$tmp/spec/test.sweep
[ "$(ls "$tmp/spec/traces" | wc -l)" -eq 3 ] || fail "trace generation"

# Run from another directory: the spec's relative paths must still resolve.
cd "$tmp"

# 1. Uninterrupted.
"$vkmmu" sweep "$spec" -j 2 -o A > A.out 2> A.err || { fail "sweep A exit $?"; cat A.err; }
[ "$(ncsv A)" -eq 12 ] || fail "sweep A: $(ncsv A) cells, want 12"
[ "$(ls A/tmp | grep -vc '\.lock$')" -eq 0 ] || fail "sweep A left temporary files: $(ls A/tmp)"
"$vkmmu" merge A -o a.csv 2> merge.err || { fail "merge A exit $?"; cat merge.err; }
python3 - a.csv A <<'PY' ||
import csv, glob, json, sys
rows = list(csv.reader(open(sys.argv[1])))
bad = []
head = rows[0]
if head[:8] != ["workload", "costs", "vk_mem", "reflect_scale", "cell", "scheme", "policy", "dirty"]:
    bad.append("header %r" % head[:8])
body = rows[1:]
if len(body) != 12 * 12: bad.append("%d rows, want 12 cells x 12 configurations" % len(body))
if [r[4] for r in body] != sorted([r[4] for r in body]): bad.append("rows not sorted by cell")
combos = {(r[0], r[1], r[3]) for r in body}
want = {(w, c, s) for w in ("seq", "rand", "mixed") for c in ("modern", "dfly2007") for s in ("1", "2")}
if combos != want: bad.append("cells %r" % sorted(combos))
pols = sorted({r[6] for r in body})
if pols != sorted(["none", "dfly", "dfly2010", "linux-fa", "seq", "window:16"]): bad.append("policies %r" % pols)
if sorted({r[5] for r in body}) != ["vpt", "vpt-1.10"]: bad.append("schemes")
# The reflection scale doubles cycles.reflect and nothing else.
i_ref, i_tot = head.index("cycles.reflect"), head.index("cycles.total")
by = {(r[0], r[1], r[3], r[5], r[6]): r for r in body}
for (w, c, s, sc, p), r in by.items():
    if s != "2": continue
    r1 = by[(w, c, "1", sc, p)]
    if int(r[i_ref]) != 2 * int(r1[i_ref]): bad.append("reflect x2 for %s" % r[4])
    if int(r[i_tot]) - int(r1[i_tot]) != int(r1[i_ref]): bad.append("total for %s" % r[4])
for j in glob.glob(sys.argv[2] + "/cells/*.json"):
    d = json.load(open(j))
    if len(d["results"]) != 12: bad.append("%s: %d results" % (j, len(d["results"])))
for b in bad[:10]: print("FAIL:", b)
sys.exit(1 if bad else 0)
PY
    failures=$((failures + 1))

# A second run of a complete sweep runs nothing.
"$vkmmu" sweep "$spec" -j 2 -o A > /dev/null 2> A2.err || fail "sweep A again exit $?"
grep -q "12 complete, 0 to run" A2.err || { fail "complete sweep re-ran cells:"; cat A2.err; }

# 2. Interrupted (a cell limit, then SIGINT part-way), then resumed.
"$vkmmu" sweep "$spec" -j 2 -o B --max-cells 3 > /dev/null 2> B1.err || fail "sweep --max-cells exit $?"
[ "$(ncsv B)" -eq 3 ] || fail "--max-cells 3 left $(ncsv B) cells"
"$vkmmu" sweep "$spec" -j 2 -o B > /dev/null 2> B2.err &
pid=$!
for _ in $(seq 1 500); do [ "$(ncsv B)" -ge 5 ] && break; sleep 0.01; done
kill -INT $pid 2> /dev/null
wait $pid
rc=$?
n_after=$(ncsv B)
echo "note: SIGINT (exit $rc) with $n_after of 12 cells complete"
if [ $rc -eq 130 ]; then
    grep -q "interrupted" B2.err || fail "SIGINT: no 'interrupted' message"
    [ "$n_after" -lt 12 ] || echo "note: all cells finished before SIGINT took effect"
elif [ $rc -eq 0 ]; then
    echo "note: the sweep finished before SIGINT arrived (fast machine)"
else
    fail "interrupted sweep exit $rc"; cat B2.err
fi
for c in B/cells/*.csv; do [ -e "${c%.csv}.json" ] || fail "$c without its JSON"; done
ls B/cells | grep -q tmp && fail "temporary files in B/cells"
"$vkmmu" sweep "$spec" -j 2 -o B > /dev/null 2> B3.err || { fail "resume exit $?"; cat B3.err; }
grep -q "12 cells, $n_after complete, $((12 - n_after)) to run" B3.err || { fail "resume did not skip the complete cells:"; cat B3.err; }
"$vkmmu" merge B -o b.csv 2> /dev/null || fail "merge B exit $?"
cmp -s a.csv b.csv || fail "interrupted-and-resumed merge differs from the uninterrupted one"

# 3. GNU parallel.
"$vkmmu" sweep "$spec" -o C --emit parallel 2> C.err || { fail "--emit parallel exit $?"; cat C.err; }
[ "$(wc -l < C/jobs.txt)" -eq 12 ] || fail "jobs.txt has $(wc -l < C/jobs.txt) lines, want 12"
[ "$(ncsv C)" -eq 0 ] || fail "--emit ran cells"
if command -v parallel > /dev/null; then
    parallel -j 2 < C/jobs.txt > C.par.out 2>&1 || { fail "parallel exit $?"; tail C.par.out; }
    "$vkmmu" merge C -o c.csv 2> /dev/null || fail "merge C exit $?"
    cmp -s a.csv c.csv || fail "GNU parallel merge differs"
    # Running the jobs again skips every cell.
    parallel -j 2 < C/jobs.txt 2>&1 | grep -c "complete already" | grep -qx 12 || fail "re-run jobs did not skip"
else
    fail "GNU parallel is not installed (scripts/install-deps.sh installs it)"
fi

# 4. Slurm script: generated, valid bash, one array task per cell; its tasks run by hand
#    (SLURM_ARRAY_TASK_ID set as Slurm would) give the same merge.  A real single-node Slurm
#    is tried by sweep_slurm.sh.
"$vkmmu" sweep "$spec" -o D --emit slurm -j 4 2> D.err || { fail "--emit slurm exit $?"; cat D.err; }
bash -n D/sweep.sbatch || fail "sweep.sbatch: bash -n"
grep -q '^#SBATCH --array=0-11%4$' D/sweep.sbatch || fail "sweep.sbatch: array line $(grep array D/sweep.sbatch)"
for i in $(seq 0 11); do
    SLURM_ARRAY_TASK_ID=$i bash D/sweep.sbatch 2>> D.tasks.err || fail "task $i exit $?"
done
"$vkmmu" merge D -o d.csv 2> /dev/null || fail "merge D exit $?"
cmp -s a.csv d.csv || fail "Slurm-task merge differs"

# 5. Editing the model axes changes every cell id: no stale cell is reused.
sed 's/^window = 16/window = 32/' "$spec" > "$tmp/spec/edited.sweep"
"$vkmmu" sweep "$tmp/spec/edited.sweep" --list > ids2 || fail "--list exit $?"
"$vkmmu" sweep "$spec" --list > ids1
[ "$(sort ids1 ids2 | uniq -d | wc -l)" -eq 0 ] || fail "an edited spec reuses cell ids"
[ "$(wc -l < ids1)" -eq 12 ] || fail "--list printed $(wc -l < ids1) ids"

# 6. merge refuses missing cells unless asked; bad specs are exit 2 with SPEC:LINE.
cp -r A E && rm -f E/cells/"$(head -1 ids1)".csv
"$vkmmu" merge E -o e.csv > /dev/null 2> E.err; rc=$?
[ $rc -eq 2 ] || fail "merge with a missing cell: exit $rc, want 2"
[ -e e.csv ] && fail "merge with a missing cell wrote the table"
"$vkmmu" merge E -o e.csv --allow-missing 2> /dev/null || fail "merge --allow-missing exit $?"
[ "$(wc -l < e.csv)" -eq $((1 + 11 * 12)) ] || fail "--allow-missing rows $(wc -l < e.csv)"
printf '[workloads]\ntrace = a traces/seq.vkt.txt\n[axes]\npolicy = none, nosuch\n' > "$tmp/spec/bad1.sweep"
"$vkmmu" sweep "$tmp/spec/bad1.sweep" -o F > /dev/null 2> F.err; rc=$?
[ $rc -eq 2 ] || fail "bad policy: exit $rc, want 2"
grep -q "bad1.sweep:4: " F.err || { fail "bad policy message:"; cat F.err; }
printf '[workloads]\ntrace = a traces/none.vkt.txt\n' > "$tmp/spec/bad2.sweep"
"$vkmmu" sweep "$tmp/spec/bad2.sweep" -o F > /dev/null 2> F.err; rc=$?
[ $rc -eq 2 ] || fail "missing trace: exit $rc, want 2"
grep -q "bad2.sweep:2: .*none.vkt.txt" F.err || { fail "missing trace message:"; cat F.err; }
printf '[axes]\nscheme = vpt\n' > "$tmp/spec/bad3.sweep"
"$vkmmu" sweep "$tmp/spec/bad3.sweep" -o F > /dev/null 2>&1; rc=$?
[ $rc -eq 2 ] || fail "no workloads: exit $rc, want 2"
printf '[workloads]\ntrace = a traces/seq.vkt.txt\n[options]\nargs = --policy dfly\n' > "$tmp/spec/bad4.sweep"
"$vkmmu" sweep "$tmp/spec/bad4.sweep" -o F > /dev/null 2>&1; rc=$?
[ $rc -eq 2 ] || fail "args setting an axis: exit $rc, want 2"

# 7. A failing cell (vk-mem too small for the model) fails the sweep (exit 1), keeps the others.
printf '[workloads]\ntrace = a traces/seq.vkt.txt\n[axes]\nvk-mem = 4k, unlimited\n' > "$tmp/spec/mem.sweep"
"$vkmmu" sweep "$tmp/spec/mem.sweep" -o G > /dev/null 2> G.err; rc=$?
[ $rc -eq 1 ] || fail "failing cell: exit $rc, want 1"
[ "$(ncsv G)" -eq 1 ] || fail "failing cell: $(ncsv G) complete cells, want 1"
ls G/cells | grep -q 'mem-4K' && fail "the failed cell has results"

# 8. A program workload (a bundled guest, when built): one `vkmmu run` per cell, run-args
#    passed, the guest's output in the cell's log.
guest=$(readlink -f "$build/guests/seqscan" 2> /dev/null)
if [ -n "$guest" ] && [ -x "$guest" ]; then
    printf '[workloads]\nprogram = seqscan %s 8 1\n[axes]\nscheme = vpt\npolicy = none, seq\n[options]\nrun-args = --max-insns 500000000\n' "$guest" > "$tmp/spec/prog.sweep"
    "$vkmmu" sweep "$tmp/spec/prog.sweep" -o H > /dev/null 2> H.err || { fail "program sweep exit $?"; cat H.err; }
    python3 - H <<'PY' ||
import glob, json, sys
j = glob.glob(sys.argv[1] + "/cells/*.json")
bad = []
if len(j) != 1: bad.append("%d cells" % len(j))
else:
    d = json.load(open(j[0]))
    if d["workload"]["kind"] != "program" or d["workload"].get("exit_status") != 0: bad.append("workload %r" % d["workload"])
    if "--max-insns" not in d["meta"]["command_line"]: bad.append("run-args not passed: %r" % d["meta"]["command_line"])
    if [r["config"] for r in d["results"]] != ["vpt/none/strict", "vpt/seq/strict"]: bad.append("results %r" % [r["config"] for r in d["results"]])
for b in bad: print("FAIL: program cell:", b)
sys.exit(1 if bad else 0)
PY
        failures=$((failures + 1))
else
    echo "note: no built guest at $build/guests/seqscan; the program workload is not tested"
fi

finish
