#!/usr/bin/env bash
# The fork figure (docs/processes.md): `vkmmu forktrace` writes the scenario exactly as
# documented; the replays of K = 4 and K = 64 give the hand-derived differences between a
# trace and its baseline (vk.inval, vk.vmspace, page.cow, fault.reflected, vk.syscall in
# vpt-1.10; fault.real and page.cow in native and linux); `vkmmu plot --kind fork` draws them
# and its fork.dat holds the same counts and the cost in microseconds at 2 GHz.
# Usage: bash fork_figure.sh VKMMU_BIN BUILD_DIR
source "$(dirname "$0")/../lib.sh"

# The K = 4 scenario, the child writing 25% (1 page: the last of each group of 4).
"$vkmmu" forktrace -o "$tmp/ft" 4 64 || fail_now "vkmmu forktrace: exit $?"
cat > "$tmp/k4.want" <<'EOF'
# vkmmu fork scenario (tools/fork_trace.c): K = 4 pages, the child writes 1 of them (25%); one fork+exit+wait
map 0x8048000 0x804a000 r-x file text
map 0x10000000 0x10004000 rw- anon data
X 0x8048000 4
W 0x10000000 4
W 0x10001000 4
W 0x10002000 4
W 0x10003000 4
X 0x8049000 4
S 2
fork 2
pid 2
X 0x8049000 4
R 0x10000000 4
R 0x10001000 4
R 0x10002000 4
R 0x10003000 4
W 0x10003000 4
S 1
exit
pid 1
S 114
X 0x8048000 4
W 0x10000000 4
W 0x10001000 4
W 0x10002000 4
W 0x10003000 4
EOF
same "the K = 4 trace" "$tmp/k4.want" "$tmp/ft/fork-k4.vkt.txt"
# The baseline: the same without the system calls fork, exit and wait4 and the child.
cat > "$tmp/k4base.want" <<'EOF'
# vkmmu fork scenario (tools/fork_trace.c): K = 4 pages, the child writes 1 of them (25%); the baseline: no fork, no child, no wait
map 0x8048000 0x804a000 r-x file text
map 0x10000000 0x10004000 rw- anon data
X 0x8048000 4
W 0x10000000 4
W 0x10001000 4
W 0x10002000 4
W 0x10003000 4
X 0x8049000 4
X 0x8048000 4
W 0x10000000 4
W 0x10001000 4
W 0x10002000 4
W 0x10003000 4
EOF
same "the K = 4 baseline" "$tmp/k4base.want" "$tmp/ft/fork-k4-base.vkt.txt"

for t in fork-k4 fork-k4-base fork-k64 fork-k64-base; do
    "$vkmmu" replay --scheme native,vpt-1.10,vpt,ept,linux --costs dfly2007 \
        --json "$tmp/ft/$t.json" "$tmp/ft/$t.vkt.txt" > /dev/null 2> "$tmp/err" ||
        { fail "replay $t: exit $?"; cat "$tmp/err"; }
done

# Hand-derived differences (model.md section 11), K pages, w = floor(K/4) child writes:
#   vpt-1.10: vk.inval = K (pmap_protect of the parent's K valid writable vptes) + w (the
#     child's copies replace its copied vptes) + K + 2 (its exit removes its K data and 2 text
#     vptes) + K (the parent's take-overs re-enter its vptes) = 3K + w + 2;
#     vk.vmspace = 10 (the child's vmspace) + 1 (destroyed at exit); page.cow = w;
#     fault.reflected = w + K (writes to vptes without W); vk.syscall = 3 (fork, exit, wait4).
#   native: fault.real = 1 (the child's fetch) + K (its reads) + w (its copies) + K (the
#     parent's take-overs) = 2K + w + 1; linux copies the anonymous PTEs, so the child's reads
#     do not fault: fault.real = K + w + 1; page.cow = w in both.
python3 - "$tmp/ft" <<'PY' || fail "the counts of the fork traces"
import json, sys
d = sys.argv[1]
def counters(name, scheme):
    for r in json.load(open("%s/%s.json" % (d, name)))["results"]:
        if (r["scheme"], r["policy"], r["dirty"]) == (scheme, "none", "strict"):
            return r["counters"]
    raise SystemExit("%s: no %s/none/strict" % (name, scheme))
bad = 0
for k in (4, 64):
    w = k // 4
    want = {
        "vpt-1.10": {"vk.inval": 3 * k + w + 2, "vk.vmspace": 11, "page.cow": w,
                     "fault.reflected": w + k, "vk.syscall": 3},
        "native": {"fault.real": 2 * k + w + 1, "page.cow": w, "vk.inval": 0, "vk.vmspace": 0},
        "linux": {"fault.real": k + w + 1, "page.cow": w, "vk.vmspace": 0},
    }
    for scheme, counts in want.items():
        f, b = counters("fork-k%d" % k, scheme), counters("fork-k%d-base" % k, scheme)
        for name, v in counts.items():
            got = f[name] - b[name]
            if got != v:
                print("FAIL: K=%d %s: %s difference %d, want %d" % (k, scheme, name, got, v))
                bad += 1
sys.exit(1 if bad else 0)
PY

if ! command -v gnuplot > /dev/null; then
    echo "SKIP: gnuplot is not installed: the figure is not drawn"
    finish
fi
"$vkmmu" plot "$tmp"/ft/*.json -o "$tmp/fork.png" --kind fork --data "$tmp/data" 2> "$tmp/err" ||
    { fail "plot --kind fork: exit $?"; cat "$tmp/err"; }
head -c 8 "$tmp/fork.png" | od -An -c | grep -q 'P   N   G' || fail "fork.png is not a PNG"
"$vkmmu" plot "$tmp"/ft/*.json -o "$tmp/fork.pdf" --kind fork --metric per-page 2> "$tmp/err" ||
    { fail "plot --kind fork --metric per-page: exit $?"; cat "$tmp/err"; }
head -c 5 "$tmp/fork.pdf" | grep -q '%PDF-' || fail "fork.pdf is not a PDF"

# fork.dat: the vpt-1.10 line of K = 4 with the counts above and the total in microseconds
# (the cycles.total difference at 2 GHz, dfly2007).
python3 - "$tmp/ft" "$tmp/data/fork.dat" <<'PY' || fail "fork.dat"
import json, sys
d, dat = sys.argv[1], sys.argv[2]
lines = [l.split() for l in open(dat) if l.strip() and not l.startswith("#")]
header = [l for l in open(dat) if l.startswith("# scheme K total")][0].split()[1:]
row = dict(zip(header, [l for l in lines if l[:2] == ["vpt-1.10", "4"]][0]))
def total(name):
    for r in json.load(open("%s/%s.json" % (d, name)))["results"]:
        if (r["scheme"], r["policy"], r["dirty"]) == ("vpt-1.10", "none", "strict"):
            return r["counters"]["cycles.total"]
want_us = (total("fork-k4") - total("fork-k4-base")) / 2000.0
assert int(row["vk.inval"]) == 15, row
assert int(row["vk.vmspace"]) == 11, row
assert abs(float(row["total"]) - want_us) < 1e-3 * want_us, (row["total"], want_us)
parts = sum(float(row[c]) for c in ("reflections", "real_faults", "dirty_traps", "prefault",
                                    "invalidations", "syscalls", "vmspace", "other"))
assert abs(parts - float(row["total"])) < 1e-3 * want_us, (parts, row["total"])
assert float(row["vmspace"]) == 11 * 3000 / 2000.0, row  # 11 calls of 3000 cycles at 2 GHz
assert len([l for l in lines if l[0] == "native"]) == 2, "native: K = 4 and 64"
PY

# Results without fork traces, an unknown metric: exit 2.
"$vkmmu" replay --json "$tmp/worked.json" "$src/examples/worked.vkt.txt" > /dev/null
expect 2 "nothing to plot: the fork kind needs results of traces named PREFIX-kK" \
    "$vkmmu" plot "$tmp/worked.json" -o "$tmp/x.png" --kind fork &&
    pass "non-fork results: exit 2"
expect 2 "unknown metric 'frob' \(fork: total, per-page\)" \
    "$vkmmu" plot "$tmp/ft/fork-k4.json" -o "$tmp/x.png" --kind fork --metric frob &&
    pass "unknown metric: exit 2"
[ -e "$tmp/x.png" ] && fail "a failed plot left x.png"
finish
