#!/usr/bin/env bash
# The binary format .vkt through the command line: `vkmmu convert` of a text trace, then
# `vkmmu replay FILE.vkt` (detected by its magic number) gives exactly the counts of replaying
# the text (moves included), for several configurations; a .vkt converted again is the same
# file; truncated and corrupt files exit 2 naming the byte.
# Usage: bash vkt.sh VKMMU_BIN BUILD_DIR
source "$(dirname "$0")/../lib.sh"

# same_counts A.json B.json: the results (every configuration, every counter) are equal.
same_counts() {
    python3 - "$1" "$2" <<'PY'
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
ra = [(r["config"], r["counters"]) for r in a["results"]]
rb = [(r["config"], r["counters"]) for r in b["results"]]
if ra != rb:
    for (ca, xa), (cb, xb) in zip(ra, rb):
        for k in xa:
            if xa[k] != xb.get(k):
                print(f"  {ca} {k}: {xa[k]} vs {cb} {xb.get(k)}")
    sys.exit(1)
print(f"  {len(ra)} configurations equal")
PY
}

cat > "$tmp/t.vkt.txt" <<'T'
arch i386
map 0x08048000 0x08050000 r-x file /bin/busybox
map 0x08050000 0x08052000 rw- file /bin/busybox
map 0x10000000 0x10100000 rw- anon
map 0xbffe0000 0xc0000000 rw- anon [stack]
X 0x08048000 3
I 1
X 0x08048003 2
R 0x08050010 4
W 0x08050010 4
I 1
X 0x08049ff0 16
R 0x10000000 8
W 0x10000ffc 8
KR 0x10002000 100
KW 0x10003000 0x1000
S 4
S 45
I 1000
W 0xbffffff8 4
W 0xbfffeff8 4
R 0x20000000 4
protect 0x10000000 0x10001000 r--
W 0x10000000 4
unmap 0x10004000 0x10005000
R 0x10004000 4
map 0x10004000 0x10005000 rw- anon
R 0x10004000 4
move 0x10000000 0x30000000 0x8000
R 0x30000000 4
W 0x30004000 4
move 0x30000000 0x10000000 0x8000
T
# A longer loop over 64 pages to exercise the short opcodes.
python3 - "$tmp/t.vkt.txt" <<'PY'
import sys
with open(sys.argv[1], "a") as f:
    for i in range(20000):
        f.write(f"X {0x08048000 + (i * 3) % 0x7000:#x} 3\nI 1\n")
        if i % 3 == 0:
            f.write(f"R {0x10000000 + (i * 8) % 0x40000:#x} 8\n")
        if i % 5 == 0:
            f.write(f"W {0x10040000 + (i * 4) % 0x40000:#x} 4\n")
PY

configs=(--scheme vpt-1.10,vpt,native,linux --policy none,dfly --dirty strict,hint)
if ! "$vkmmu" convert "$tmp/t.vkt.txt" -o "$tmp/t.vkt" 2> "$tmp/convert.err"; then
    fail "convert exited non-zero"; cat "$tmp/convert.err"
fi
grep -E "bytes/access" "$tmp/convert.err"
"$vkmmu" replay "${configs[@]}" --json "$tmp/text.json" "$tmp/t.vkt.txt" > /dev/null || fail "replay text"
"$vkmmu" replay "${configs[@]}" --json "$tmp/vkt.json" "$tmp/t.vkt" > /dev/null || fail "replay vkt"
grep -q '"kind": "vkt-trace"' "$tmp/vkt.json" || fail "workload kind is not vkt-trace"
same_counts "$tmp/text.json" "$tmp/vkt.json" || fail "replay of the .vkt differs from the text"
# A .vkt converted again is the same file (every record, moves included, round-trips).
"$vkmmu" convert "$tmp/t.vkt" -o "$tmp/t2.vkt" 2>/dev/null || fail "convert .vkt to .vkt"
cmp -s "$tmp/t.vkt" "$tmp/t2.vkt" || fail "a .vkt converted again differs"
# From standard input too, and with --format given.
"$vkmmu" replay --format vkt --json "$tmp/stdin.json" - < "$tmp/t.vkt" > /dev/null || fail "replay vkt from stdin"
"$vkmmu" replay --json "$tmp/text1.json" "$tmp/t.vkt.txt" > /dev/null
same_counts "$tmp/text1.json" "$tmp/stdin.json" || fail ".vkt from stdin differs"

size=$(stat -c %s "$tmp/t.vkt")
head -c $((size - 5)) "$tmp/t.vkt" > "$tmp/trunc.vkt"
expect 2 "^vkmmu: $tmp/trunc.vkt: byte $((size - 13)): the file ends inside the end record" \
    "$vkmmu" replay --json "$tmp/bad.json" "$tmp/trunc.vkt"
[ -e "$tmp/bad.json" ] && fail "a result file was written for a truncated .vkt"
head -c 1000 "$tmp/t.vkt" > "$tmp/trunc2.vkt"
expect 2 "^vkmmu: $tmp/trunc2.vkt: byte [0-9]+: the file ends" "$vkmmu" replay "$tmp/trunc2.vkt"
# Two slot swaps in a row where the first records (the arch record 0xfa at byte 16) were.
cp "$tmp/t.vkt" "$tmp/corrupt.vkt"
printf '\xfc\xfc' | dd of="$tmp/corrupt.vkt" bs=1 seek=16 conv=notrunc status=none
expect 2 "^vkmmu: $tmp/corrupt.vkt: byte 17: two slot swaps in a row" "$vkmmu" replay "$tmp/corrupt.vkt"
# A bad version number in the header.
cp "$tmp/t.vkt" "$tmp/version.vkt"
printf '\x09' | dd of="$tmp/version.vkt" bs=1 seek=8 conv=notrunc status=none
expect 2 "^vkmmu: $tmp/version.vkt: byte 8: unsupported version 9" "$vkmmu" replay "$tmp/version.vkt"
# A changed byte in the middle that still decodes: the end record's CRC-32 catches it.
cp "$tmp/t.vkt" "$tmp/flip.vkt"
python3 - "$tmp/flip.vkt" <<'PY'
import sys
d = bytearray(open(sys.argv[1], "rb").read())
i = len(d) // 2
while d[i] >= 0x40:    # a one-byte read (0x00-0x3f): another read of the same size
    i += 1
d[i] ^= 1
open(sys.argv[1], "wb").write(d)
PY
expect 2 "^vkmmu: $tmp/flip.vkt: byte $((size - 13)): CRC-32 mismatch" "$vkmmu" replay "$tmp/flip.vkt"
# A bad input to convert leaves no output file.
printf 'R 0x1000 4\nQ 1\n' > "$tmp/bad.vkt.txt"
expect 2 "^vkmmu: $tmp/bad.vkt.txt:2: unknown record 'Q'" "$vkmmu" convert "$tmp/bad.vkt.txt" -o "$tmp/bad.vkt"
[ -e "$tmp/bad.vkt" ] || [ -e "$tmp/bad.vkt.tmp" ] && fail "convert left an output file"
expect 2 "missing -o" "$vkmmu" convert "$tmp/t.vkt.txt"
expect 2 "unknown format 'elf'" "$vkmmu" replay --format elf "$tmp/t.vkt"

finish
