#!/usr/bin/env bash
# The result files: JSON layout with every counter in every result, the CSV header, atomic and
# deterministic writing, standard input, the default region, the native baseline.
# Usage: bash outputs.sh VKMMU_BIN BUILD_DIR
source "$(dirname "$0")/../lib.sh"

cat > "$tmp/t.vkt.txt" <<'T'
# a bit of everything
map 0x08048000 0x08058000 r-x file /bin/prog
map 0x08058000 0x0805a000 rw- file /bin/prog
map 0x10000000 0x10100000 rw- anon heap
I 100
X 0x08048000 4
R 0x08058010 4
W 0x08058010 4
W 0x10000ffe 4
S 3
KW 0x10004000 8192
R 0x10004000
protect 0x10000000 0x10002000 r--
R 0x10000000
W 0x10000000
unmap 0x10004000 0x10006000
R 0x10004000
I 50
T

opts=(--scheme vpt-1.10,vpt,linux --policy none,dfly,window:4 --dirty strict,eager)
"$vkmmu" replay "${opts[@]}" --json "$tmp/a.json" --csv "$tmp/a.csv" "$tmp/t.vkt.txt" > "$tmp/table1" 2> "$tmp/err" \
    || { fail "replay exit $?"; cat "$tmp/err"; }
[ -e "$tmp/a.json.tmp" ] || [ -e "$tmp/a.csv.tmp" ] && fail "a temporary file was left behind"

python3 - "$tmp/a.json" "$tmp/a.csv" "$src/mmu/include/mmu.h" <<'PY' || fail "JSON and CSV layout"
import csv, json, sys
doc = json.load(open(sys.argv[1]))
bad = []
# model.md section 9 (the TLB counters come with the TLB).
spec = """insns access.read access.write access.fetch access.kernel fault.real fault.reflected
fault.resolved_real fault.dirty_trap fault.segv fault.native fault.ept_violation walk.refs
page.zero_fill page.cow page.file_read vk.pt_alloc vk.inval page.evict vk.spurious_dirty
vk.syscall prefault.issued prefault.used prefault.wasted cycles.insn cycles.tlb cycles.fault
cycles.reflect cycles.dirty cycles.prefault cycles.inval cycles.syscall cycles.total""".split()
# model.md section 11
spec += ["vk.vmspace", "cycles.vmspace"]
meta = doc["meta"]
for k in ("tool", "version", "git_commit", "command_line", "costs"):
    if k not in meta: bad.append("meta lacks " + k)
if meta.get("tool") != "vkmmu": bad.append("meta.tool")
if not isinstance(meta.get("command_line"), list) or "replay" not in meta["command_line"]:
    bad.append("meta.command_line: %r" % meta.get("command_line"))
costs = meta["costs"]
if costs.get("profile") != "modern": bad.append("costs.profile %r" % costs.get("profile"))
if not isinstance(costs.get("clock_ghz"), (int, float)): bad.append("costs.clock_ghz")
for k in ("insn", "reflect", "dirty_trap", "inval", "walk_ref"):
    if not isinstance(costs["values"].get(k), (int, float)): bad.append("costs.values." + k)
wl = doc["workload"]
if wl.get("kind") != "text-trace" or not wl.get("name", "").endswith("t.vkt.txt") or wl.get("arch") != "i386":
    bad.append("workload %r" % wl)
res = doc["results"]
if len(res) != 18: bad.append("%d results, want 3x3x2 = 18" % len(res))
names = None
for r in res:
    c = r["counters"]
    if names is None: names = list(c)
    if list(c) != names: bad.append("counter order differs in " + r["config"])
    for n in spec:
        if n not in c: bad.append("%s lacks %s" % (r["config"], n))
    for n, v in c.items():
        if not isinstance(v, int) or isinstance(v, bool) or v < 0:
            bad.append("%s %s = %r is not a non-negative integer" % (r["config"], n, v))
    if sum(c[n] for n in names if n.startswith("cycles.") and n != "cycles.total") != c["cycles.total"]:
        bad.append("%s: cycles.total is not the sum of its components" % r["config"])
    if not isinstance(r.get("overhead"), (int, float)): bad.append("%s overhead %r" % (r["config"], r.get("overhead")))
    for k in ("scheme", "policy", "dirty", "options"):
        if k not in r: bad.append("%s lacks %s" % (r["config"], k))
    if c["access.read"] != 4 or c["access.write"] != 3 or c["access.fetch"] != 1 or c["access.kernel"] != 1 or c["insns"] != 150:
        bad.append("%s: access/insn counts %r" % (r["config"], {k: c[k] for k in ("access.read", "access.write", "access.fetch", "access.kernel", "insns")}))
order = [(r["scheme"], r["policy"], r["dirty"]) for r in res]
want = [(s, p, d) for s in ("vpt-1.10", "vpt", "linux") for p in ("none", "dfly", "window:4") for d in ("strict", "eager")]
if [(s, d) for s, p, d in order] != [(s, d) for s, p, d in want] or len({p for s, p, d in order}) != 3:
    bad.append("result order %r" % order)
# The counter list itself, in its order: the MMU_COUNTERS X-macro of mmu/include/mmu.h.
import re
hdr = open(sys.argv[3]).read()
block = hdr[hdr.index("#define MMU_COUNTERS(X)"):]
block = block[:block.index("\n\n")]
listed = re.findall(r'X\(\w+,\s*"([^"]+)"\)', block)
if names != listed: bad.append("JSON counters %r differ from mmu.h's list %r" % (names, listed))
rows = list(csv.reader(open(sys.argv[2])))
if rows[0] != ["scheme", "policy", "dirty"] + names + ["overhead"]:
    bad.append("CSV header %r" % rows[0])
if len(rows) != 1 + len(res): bad.append("%d CSV rows" % (len(rows) - 1))
for row, r in zip(rows[1:], res):
    if row[:3] != [r["scheme"], r["policy"], r["dirty"]]: bad.append("CSV row %r" % row[:3])
    if [int(x) for x in row[3:-1]] != [r["counters"][n] for n in names]: bad.append("CSV counts of " + r["config"])
    if abs(float(row[-1]) - r["overhead"]) > 1e-12: bad.append("CSV overhead of " + r["config"])
for b in bad: print("FAIL:", b)
sys.exit(1 if bad else 0)
PY

# Same input, same bytes (there is no timing field).
cp "$tmp/a.json" "$tmp/first.json"; cp "$tmp/a.csv" "$tmp/first.csv"
"$vkmmu" replay "${opts[@]}" --json "$tmp/a.json" --csv "$tmp/a.csv" "$tmp/t.vkt.txt" > "$tmp/table2" 2>&1 \
    || fail "second replay exit $?"
cmp -s "$tmp/a.json" "$tmp/first.json" || fail "JSON differs between two identical runs"
cmp -s "$tmp/a.csv" "$tmp/first.csv" || fail "CSV differs between two identical runs"
cmp -s "$tmp/table1" "$tmp/table2" || fail "table differs between two identical runs"

# Standard input gives the same counts as the file.
"$vkmmu" replay --csv "$tmp/file.csv" "$tmp/t.vkt.txt" > /dev/null 2>&1 || fail "replay file"
"$vkmmu" replay --csv "$tmp/stdin.csv" - < "$tmp/t.vkt.txt" > /dev/null 2>&1 || fail "replay -"
cmp -s "$tmp/file.csv" "$tmp/stdin.csv" || fail "replay - differs from replay FILE"

# `--opt=VALUE` is `--opt VALUE`; `--` ends the options.
"$vkmmu" replay --scheme=vpt,native --dirty=eager --csv="$tmp/eq.csv" -- "$tmp/t.vkt.txt" > /dev/null 2>&1 || fail "replay --opt=VALUE"
"$vkmmu" replay --scheme vpt,native --dirty eager --csv "$tmp/sp.csv" "$tmp/t.vkt.txt" > /dev/null 2>&1 || fail "replay --opt VALUE"
cmp -s "$tmp/eq.csv" "$tmp/sp.csv" || fail "--opt=VALUE and --opt VALUE differ"

# No map before the first access: the default region rw- anon.  The native baseline is hidden
# unless asked for, and reported with overhead 0 when it is.
printf 'R 0x10000000 4\nW 0x10000000 4\nR 0xBFFFF000\n' > "$tmp/nomap.vkt.txt"
"$vkmmu" replay --json "$tmp/n1.json" "$tmp/nomap.vkt.txt" > /dev/null 2>&1 || fail "replay nomap"
"$vkmmu" replay --scheme vpt-1.10,native --json "$tmp/n2.json" "$tmp/nomap.vkt.txt" > /dev/null 2>&1 || fail "replay nomap native"
python3 - "$tmp/n1.json" "$tmp/n2.json" <<'PY' || fail "default region and native baseline"
import json, sys
a = json.load(open(sys.argv[1])); b = json.load(open(sys.argv[2]))
bad = []
if [r["config"] for r in a["results"]] != ["vpt-1.10/none/strict"]: bad.append("n1 results %r" % [r["config"] for r in a["results"]])
c = a["results"][0]["counters"]
if c["fault.segv"] != 0 or c["fault.reflected"] != 2 or c["page.zero_fill"] != 2:
    bad.append("default region: segv %d reflected %d zero_fill %d" % (c["fault.segv"], c["fault.reflected"], c["page.zero_fill"]))
if [r["config"] for r in b["results"]] != ["vpt-1.10/none/strict", "native/none/strict"]: bad.append("n2 results")
elif b["results"][1]["overhead"] != 0: bad.append("native overhead %r" % b["results"][1]["overhead"])
elif a["results"][0]["overhead"] != b["results"][0]["overhead"]: bad.append("hidden and visible baselines differ")
for x in bad: print("FAIL:", x)
sys.exit(1 if bad else 0)
PY

# An access outside every region is a segv, counted, and the replay goes on.
printf 'map 0x10000000 0x10001000 rw- anon\nR 0x20000000\nR 0x10000000\n' > "$tmp/segv.vkt.txt"
"$vkmmu" replay --json "$tmp/s.json" "$tmp/segv.vkt.txt" > /dev/null 2>&1 || fail "replay segv exit $?"
python3 -c '
import json, sys
c = json.load(open(sys.argv[1]))["results"][0]["counters"]
ok = c["fault.segv"] == 1 and c["access.read"] == 2 and c["page.zero_fill"] == 1
print("" if ok else "FAIL: segv counters %r" % {k: c[k] for k in ("fault.segv", "access.read", "page.zero_fill")}, end="")
sys.exit(0 if ok else 1)' "$tmp/s.json" || fail "segv"

# An unwritable result path fails the run (exit 1) and leaves nothing behind.
"$vkmmu" replay --json "$tmp/no/such/dir/x.json" "$tmp/t.vkt.txt" > /dev/null 2> "$tmp/err"
rc=$?
[ $rc -eq 1 ] || fail "unwritable --json: exit $rc, want 1"
grep -q "no/such/dir/x.json" "$tmp/err" || fail "unwritable --json: message lacks the path"

# Two maps of one file NAME at different addresses are different file pages; mapping the
# same range again finds the page already in the cache (--file-cache cold: reads counted).
printf 'map 0x08048000 0x0804a000 r-x file prog\nmap 0x0804a000 0x0804c000 rw- file prog
R 0x08048000\nR 0x0804a000\nunmap 0x08048000 0x0804a000\nmap 0x08048000 0x0804a000 r-x file prog
R 0x08048000\n' > "$tmp/files.vkt.txt"
"$vkmmu" replay --file-cache cold --csv "$tmp/files.csv" "$tmp/files.vkt.txt" > /dev/null 2>&1 || fail "replay files exit $?"
python3 -c '
import csv, sys
r = list(csv.DictReader(open(sys.argv[1])))[0]
ok = r["page.file_read"] == "2" and r["fault.reflected"] == "3"
print("" if ok else "FAIL: file pages: file_read %s reflected %s" % (r["page.file_read"], r["fault.reflected"]), end="")
sys.exit(0 if ok else 1)' "$tmp/files.csv" || fail "file pages"

# A model error (here: a vkernel memory of one frame cannot hold a page table and a page)
# fails the run with exit 1, names the trace line, and writes no result file.
"$vkmmu" replay --vk-mem 4k --json "$tmp/e.json" "$tmp/t.vkt.txt" > "$tmp/out" 2> "$tmp/err"
rc=$?
[ $rc -eq 1 ] || fail "model error: exit $rc, want 1"
grep -q "^vkmmu: $tmp/t.vkt.txt:[0-9]*: model " "$tmp/err" || { fail "model error message:"; cat "$tmp/err"; }
[ -e "$tmp/e.json" ] && fail "model error: a JSON file was written"
[ -s "$tmp/out" ] && fail "model error: a table was printed"

# arch x86_64: wide addresses and the 64-bit default region.
printf 'arch x86_64\nR 0x7fffffffe000 8\nW 0x7fffffffe000 8\n' > "$tmp/x64.vkt.txt"
"$vkmmu" replay --json "$tmp/x64.json" "$tmp/x64.vkt.txt" > /dev/null 2>&1 || fail "x86_64 replay exit $?"
python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
c = d["results"][0]["counters"]
ok = d["workload"]["arch"] == "x86_64" and c["fault.segv"] == 0 and c["fault.reflected"] == 1 and c["fault.dirty_trap"] == 1
print("" if ok else "FAIL: x86_64 arch %r counters %r" % (d["workload"]["arch"], c), end="")
sys.exit(0 if ok else 1)' "$tmp/x64.json" || fail "x86_64"

finish
