#!/usr/bin/env bash
# vkmmu plot: every kind rendered to PNG, SVG (and one PDF) from real replay results of three
# small traces; the files are valid and carry the metadata; --data writes a script that
# gnuplot reruns; CSV input; bad input exits 2 naming the file; a missing gnuplot exits 1.
# Usage: bash plot.sh VKMMU_BIN BUILD_DIR
source "$(dirname "$0")/../lib.sh"

if ! command -v gnuplot > /dev/null; then
    echo "SKIP: gnuplot is not installed (scripts/install-deps.sh installs gnuplot-nox)"
    exit 0
fi

# Three workloads with different locality (mawk's %x is 32-bit: addresses are built from a
# fixed leading digit).
awk 'BEGIN { print "map 0x10000000 0x10400000 rw- anon";
    for (p = 0; p < 512; p++) { printf "I 50\nR 0x1%07x 4\n", p * 4096;
        if (p % 4 == 0) printf "W 0x1%07x 4\n", p * 4096 + 8 } }' > "$tmp/seq.vkt.txt"
awk 'BEGIN { print "map 0x20000000 0x20800000 rw- anon";
    for (pass = 0; pass < 2; pass++) for (p = 0; p < 600; p += 3)
        printf "I 80\nW 0x2%07x 4\nR 0x2%07x 4\n", p * 4096, p * 4096 + 64 }' > "$tmp/stride.vkt.txt"
awk 'BEGIN { print "map 0x30000000 0x30400000 r-- file lib"; print "map 0x40000000 0x40400000 rw- anon";
    s = 12345; for (i = 0; i < 800; i++) { s = (s * 1103 + 12345) % 65536; p = s % 1024;
        printf "I 30\nR 0x3%07x 4\n", p * 4096; if (i % 2) printf "W 0x4%07x 4\n", (p % 256) * 4096 } }' \
    > "$tmp/random.vkt.txt"

pol=none,dfly,linux-fa,window:1,window:2,window:4,window:8,window:16
for w in seq stride random; do
    "$vkmmu" replay --scheme native,vpt-1.10 --policy $pol --json "$tmp/$w.json" --csv "$tmp/$w.csv" \
        "$tmp/$w.vkt.txt" > /dev/null 2> "$tmp/err" || { fail "replay $w: exit $?"; cat "$tmp/err"; }
done

# A result with a timeline (the layout --interval writes: cumulative counters per point).
cat > "$tmp/phases.json" <<'J'
{"meta": {"tool": "vkmmu", "version": "0", "git_commit": "test", "command_line": ["vkmmu"],
  "costs": {"profile": "modern", "values": {}}, "timeline_unit": "accesses"},
 "workload": {"kind": "text-trace", "name": "traces/phases.vkt.txt", "arch": "i386"},
 "results": [
  {"scheme": "vpt-1.10", "policy": "none", "dirty": "strict", "options": {},
   "counters": {"fault.reflected": 30, "access.read": 400}, "overhead": 2.5,
   "timeline": [{"end": 100, "counters": {"fault.reflected": 12}}, {"end": 200, "counters": {"fault.reflected": 15}},
                {"end": 300, "counters": {"fault.reflected": 25}}, {"end": 400, "counters": {"fault.reflected": 30}}]},
  {"scheme": "vpt-1.10", "policy": "window:4", "dirty": "strict", "options": {},
   "counters": {"fault.reflected": 10, "access.read": 400}, "overhead": 1.0,
   "timeline": [{"end": 100, "counters": {"fault.reflected": 4}}, {"end": 200, "counters": {"fault.reflected": 5}},
                {"end": 300, "counters": {"fault.reflected": 8}}, {"end": 400, "counters": {"fault.reflected": 10}}]}]}
J

results=("$tmp/seq.json" "$tmp/stride.json" "$tmp/random.json")
check_png() { # FILE: signature, size, chunk CRCs, the metadata chunks
    python3 - "$1" <<'PY'
import struct, sys, zlib
d = open(sys.argv[1], "rb").read()
assert d[:8] == b"\x89PNG\r\n\x1a\n", "no PNG signature"
i, seen = 8, {}
while i < len(d):
    n, = struct.unpack(">I", d[i:i + 4]); t = d[i + 4:i + 8]; data = d[i + 8:i + 8 + n]
    crc, = struct.unpack(">I", d[i + 8 + n:i + 12 + n])
    assert zlib.crc32(t + data) & 0xffffffff == crc, "bad CRC in " + t.decode()
    seen.setdefault(t, []).append(data); i += 12 + n
assert b"IEND" in seen and b"IDAT" in seen, "incomplete PNG"
assert any(x.startswith(b"Software\0vkmmu plot") for x in seen.get(b"tEXt", [])), "no tEXt Software"
desc = [x for x in seen.get(b"iTXt", []) if x.startswith(b"Description\0")]
assert desc and b"command: vkmmu plot" in desc[0] and b"input " in desc[0], "no iTXt Description"
PY
}
check_svg() { # FILE
    head -c 200 "$1" | grep -q '<svg' || { echo "no <svg> root"; return 1; }
    grep -q '<metadata id="vkmmu-config">' "$1" || { echo "no <metadata>"; return 1; }
    grep -q 'command: vkmmu plot' "$1" || { echo "no command in the metadata"; return 1; }
    grep -q 'width="3.50in"' "$1" || { echo "width not in inches"; return 1; }
    if command -v xmllint > /dev/null; then xmllint --noout "$1" || return 1; fi
}
check_pdf() { # FILE: the incremental update's offsets point where they should
    python3 - "$1" <<'PY'
import re, sys
d = open(sys.argv[1], "rb").read()
assert d.startswith(b"%PDF-"), "no PDF header"
tail = d[d.rindex(b"startxref"):]
xref = int(tail.split()[1])
assert d[xref:xref + 4] == b"xref", "startxref does not point at xref"
m = re.search(rb"xref\n0 1\n0000000000 65535 f \n(\d+) 1\n(\d{10}) 00000 n \n", d[xref:])
assert m, "no xref entry for the Info object"
off = int(m.group(2))
assert d[off:].startswith(m.group(1) + b" 0 obj"), "Info object offset wrong"
prev = int(re.search(rb"/Prev (\d+)", d[xref:]).group(1))
assert d[prev:prev + 4] == b"xref", "/Prev does not point at the old xref"
assert b"/Subject (vkmmu plot --kind" in d[off:], "no /Subject"
PY
}

for kind in policies window overhead accuracy sensitivity timeline; do
    ins=("${results[@]}")
    [ $kind = timeline ] && ins=("$tmp/phases.json")
    for ext in png svg; do
        out="$tmp/$kind.$ext"
        if ! "$vkmmu" plot "${ins[@]}" -o "$out" --kind $kind 2> "$tmp/err"; then
            fail "plot --kind $kind -o .$ext: exit $?"; cat "$tmp/err"; continue
        fi
        [ -s "$out" ] || { fail "$kind.$ext is empty"; continue; }
        [ -e "$out.tmp" ] && fail "$kind.$ext: temporary file left"
        msg=$(check_$ext "$out" 2>&1) || fail "$kind.$ext: $msg"
    done
done
"$vkmmu" plot "${results[@]}" -o "$tmp/overhead.pdf" --kind overhead 2> "$tmp/err" \
    || { fail "plot -o .pdf: exit $?"; cat "$tmp/err"; }
msg=$(check_pdf "$tmp/overhead.pdf" 2>&1) || fail "overhead.pdf: $msg"

# The window kind with another metric, CSV input (workload = file name), options.
"$vkmmu" plot "$tmp/seq.csv" "$tmp/stride.csv" -o "$tmp/w.svg" --kind window --metric overhead 2> "$tmp/err" \
    || { fail "window from CSV: exit $?"; cat "$tmp/err"; }
grep -q 'input .*seq.csv: CSV, workload seq' "$tmp/w.svg" || fail "CSV workload label not in the metadata"
"$vkmmu" plot "${results[@]}" -o "$tmp/w2.png" --kind window --metric fault.real --size 3.5,2.5 2> "$tmp/err" \
    || { fail "window --metric fault.real: exit $?"; cat "$tmp/err"; }

# --data: the script and data files; gnuplot reruns the script by itself.
"$vkmmu" plot "${results[@]}" -o "$tmp/p.pdf" --kind policies --data "$tmp/data" 2> "$tmp/err" \
    || { fail "plot --data: exit $?"; cat "$tmp/err"; }
[ -s "$tmp/data/plot.gp" ] && [ -s "$tmp/data/policies.dat" ] || fail "--data did not write plot.gp and policies.dat"
grep -q "^# command: vkmmu plot" "$tmp/data/plot.gp" || fail "plot.gp lacks the configuration comment"
(cd "$tmp/data" && gnuplot -e "outfile='$tmp/rerun.pdf'" plot.gp) 2> "$tmp/err" \
    && [ -s "$tmp/rerun.pdf" ] || { fail "rerunning plot.gp failed"; cat "$tmp/err"; }

# Bad input: exit 2 with a message naming the file.
expect2() { # NAME-IN-MESSAGE ARGS...
    local want=$1; shift
    "$vkmmu" plot "$@" > /dev/null 2> "$tmp/err"
    local rc=$?
    [ $rc -eq 2 ] || fail "plot $*: exit $rc, expected 2"
    grep -q -- "$want" "$tmp/err" || { fail "plot $*: message lacks '$want'"; cat "$tmp/err"; }
}
echo '{"a": 1}' > "$tmp/other.json"
echo '{"meta": {"tool": "vkmmu"}, "results": [' > "$tmp/cut.json"
"$vkmmu" replay --scheme vpt-1.10 --policy none --json "$tmp/only_none.json" "$tmp/seq.vkt.txt" > /dev/null
expect2 "$tmp/missing.json" "$tmp/missing.json" -o "$tmp/x.png" --kind policies
expect2 "$tmp/seq.vkt.txt" "$tmp/seq.vkt.txt" -o "$tmp/x.png" --kind policies
expect2 "$tmp/other.json" "$tmp/other.json" -o "$tmp/x.png" --kind policies
expect2 "$tmp/cut.json" "$tmp/cut.json" -o "$tmp/x.png" --kind policies
expect2 "unknown kind" "$tmp/seq.json" -o "$tmp/x.png" --kind pie
expect2 "x.gif" "$tmp/seq.json" -o "$tmp/x.gif" --kind policies
expect2 "only_none.json" "$tmp/only_none.json" -o "$tmp/x.png" --kind window
expect2 "only_none.json" "$tmp/only_none.json" -o "$tmp/x.png" --kind accuracy
expect2 "only_none.json" "$tmp/only_none.json" -o "$tmp/x.png" --kind sensitivity
expect2 "--interval" "$tmp/seq.json" -o "$tmp/x.png" --kind timeline
expect2 "seq.json" "$tmp/seq.json" -o "$tmp/x.png" --kind policies --scheme ept
[ -e "$tmp/x.png" ] && fail "a failed plot left an output file"

# gnuplot missing: exit 1 with a clear message.
VKMMU_GNUPLOT=/nonexistent/gnuplot "$vkmmu" plot "$tmp/seq.json" -o "$tmp/y.png" --kind policies 2> "$tmp/err"
rc=$?
[ $rc -eq 1 ] || fail "missing gnuplot: exit $rc, expected 1"
grep -q "gnuplot not found" "$tmp/err" || fail "missing gnuplot: message: $(cat "$tmp/err")"

finish
