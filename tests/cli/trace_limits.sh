#!/usr/bin/env bash
# Hostile or damaged traces (issue 10): an access larger than a record may describe, a damaged
# or truncated .vkt of any length (detected by its name or its leading bytes), a directory, a
# FIFO, an instruction total or a file id that would wrap, an xz stream that asks for
# gigabytes.  Each is exit status 2 with the file and line or byte offset, at once (no walk
# over a huge range), and no result file; valid inputs next to them still replay.
# Usage: bash trace_limits.sh VKMMU_BIN BUILD_DIR
source "$(dirname "$0")/../lib.sh"
cd "$tmp" || exit 1
hdr='\x89VKT\r\n\x1a\n\x01\x00\x00\x00\x00\x00\x00\x00' # .vkt header, i386

# fail_showing_err MESSAGE...: a failure, then the standard error of the command just run (err).
fail_showing_err() {
    fail "$@"
    if [ -s err ]; then cat err; fi
}

# bad WHAT PATTERN replay|convert ARGS...: exit 2 within 20 s, stderr matches PATTERN, no
# --json/--csv/-o output (nor its .tmp) and no table.
bad() {
    local what=$1 pattern=$2 cmd=$3
    shift 3
    rm -f out.json out.csv out.vkt out.json.tmp out.csv.tmp out.vkt.tmp
    if [ "$cmd" = replay ]; then
        timeout 20 "$vkmmu" replay --json out.json --csv out.csv "$@" > out 2> err
    else
        timeout 20 "$vkmmu" convert "$@" -o out.vkt > out 2> err
    fi
    local rc=$?
    [ $rc -eq 2 ] || { fail_showing_err "$what: exit $rc, want 2"; return; }
    grep -Eq -- "$pattern" err || fail_showing_err "$what: stderr lacks /$pattern/"
    local f
    for f in out.json out.csv out.vkt out.json.tmp out.csv.tmp out.vkt.tmp; do
        [ -e "$f" ] && fail_showing_err "$what: $f was written"
    done
    [ -s out ] && fail_showing_err "$what: a table was printed"
}

# good WHAT ARGS...: replay exits 0.
good() {
    local what=$1
    shift
    timeout 20 "$vkmmu" replay "$@" > out 2> err || fail_showing_err "$what: exit $?, want 0"
}

# define_value NAME: the value, in parentheses, of `#define NAME (...)` in a source folder's headers.
define_value() {
    sed -n "s/^#define $1 \(([^)]*)\).*/\1/p" "$src"/{mmu,vkernel_model,traces,guest,emu,sim}/{,include/}*.h \
        2>/dev/null | head -1
}

# ---- 1. the bound on one access record, in every reader and in the writer ----
# A kernel access may be as large as the largest copy of one system call of `vkmmu run`, so that
# its recordings always replay: the two constants must move together.
io_max=$(define_value GOS_IO_MAX)
k_max=$(define_value TRC_MAX_KACCESS)
[ -n "$io_max" ] && [ "$io_max" = "$k_max" ] ||
    fail_showing_err "TRC_MAX_KACCESS ($k_max) differs from GOS_IO_MAX ($io_max)"
printf 'map 0x10000000 0x20000000 rw- anon\nR 0x10000000 16384\nW 0x10000000 16385\n' > big.txt
bad "text R/W" '^vkmmu: big\.txt:3: W: SIZE 16385 exceeds the largest access, 16384 bytes \(expected 1 to 16384; split a longer access into several records\)$' replay big.txt
bad "convert text" '^vkmmu: big\.txt:3: W: SIZE 16385 exceeds the largest access' convert big.txt
printf 'map 0x10000000 0x20000000 rw- anon\nKW 0x10000000 16777216\nKR 0x10000000 16777217\n' > kbig.txt
bad "text KR" '^vkmmu: kbig\.txt:3: KR: SIZE 16777217 exceeds the largest kernel access, 16777216 bytes' replay kbig.txt
# what used to walk 2^35 pages (hours) is refused at once
printf 'arch x86_64\nX 0 0x7fffffffffff\n' > huge.txt
bad "text x86_64 X of 2^47" '^vkmmu: huge\.txt:2: X: SIZE 140737488355327 exceeds' replay huge.txt
printf '==1== x\nI  04010ab7,3\n L 1ffefffd78,8\n S 1ffefffd78,65536\n' > big.lackey
bad "Lackey" '^vkmmu: big\.lackey:4: SIZE 65536 exceeds the largest access, 16384 bytes \(expected 1 to 16384\)$' replay big.lackey
printf "$hdr"'\x08\xf1\x81\x80\x01\x00' > big.vkt
bad ".vkt W" '^vkmmu: big\.vkt: byte 17: access SIZE 16385 exceeds the largest access, 16384 bytes \(corrupt file\?; expected 1 to 16384\)$' replay big.vkt
printf "$hdr"'\xf3\x81\x80\x80\x08\x00' > kbig.vkt
bad ".vkt KR" '^vkmmu: kbig\.vkt: byte 16: kernel access SIZE 16777217 exceeds the largest kernel access' replay kbig.vkt
printf 'map 0x10000000 0x20000000 rw- anon\nR 0x10000000 16384\nKW 0x10000000 16777216\n' > max.txt
"$vkmmu" convert -q max.txt -o max.vkt 2> err || fail_showing_err "convert of the largest accesses"
good "the largest accesses from .vkt" max.vkt
# the writer's own checks are bad input too (exit 2), named by the input's line
{ printf 'map 0x10000000 0x10001000 r-- file '; head -c 5000 /dev/zero | tr '\0' n; echo; } > name.txt
bad "convert: NAME too long for .vkt" '^vkmmu: name\.txt:1: map NAME of 5000 bytes is longer than a \.vkt file carries \(expected at most 4096 bytes\)$' convert name.txt

{ printf '10000000-10001000 r-xp 00000000 08:01 5 /'; head -c 4200 /dev/zero | tr '\0' a; echo; } > long.regions
printf 'R 0x10000000 4\n' > one.txt
bad "convert: a regions PATHNAME too long for .vkt" '^vkmmu: long\.regions:1: map NAME of 4201 bytes is longer than a \.vkt file carries' convert --regions long.regions one.txt

# ---- 2. .vkt detection: by name (.vkt, .vkt.xz, .vkt.gz) or by the magic's leading bytes ----
: > empty.vkt
bad "empty .vkt" '^vkmmu: empty\.vkt: byte 0: empty file \(truncated\?; expected the 16-byte \.vkt header\)$' replay empty.vkt
bad "convert empty .vkt" '^vkmmu: empty\.vkt: byte 0: empty file' convert empty.vkt
for n in 1 2 3 4 5 6 7; do
    printf "$hdr" | head -c $n > "p$n.vkt"
    bad "$n-byte .vkt" "^vkmmu: p$n\\.vkt: byte $n: the file ends inside the header \\(truncated\\?; expected 16 bytes\\)\$" replay "p$n.vkt"
    cp "p$n.vkt" "p$n.trace"
    bad "$n-byte magic prefix, any name" "^vkmmu: p$n\\.trace: byte $n: the file ends inside the header" replay "p$n.trace"
done
printf "$hdr" | head -c 12 > p12.vkt
bad "12-byte .vkt" '^vkmmu: p12\.vkt: byte 12: the file ends inside the header' replay p12.vkt
printf '\x89VKT\n\x1a\n\x01\x00\x00\x00\x00\x00\x00\x00\x00\xff' > crlf.vkt.bin
bad "damaged magic" '^vkmmu: crlf\.vkt\.bin: byte 4: damaged magic number: byte 4 is 0x0a \(expected 89 56 4b 54 0d 0a 1a 0a; a copy in text mode changes these bytes\)$' replay crlf.vkt.bin
printf 'R 0x10000000 4\n' > text.vkt
bad "text named .vkt" '^vkmmu: text\.vkt: byte 0: not a \.vkt file \(expected the magic number 89 56 4b 54 0d 0a 1a 0a; another format\? give --format\)$' replay text.vkt
good "text named .vkt, --format text" --format text text.vkt
: | xz > empty.vkt.xz
bad "empty .vkt.xz" '^vkmmu: empty\.vkt\.xz: byte 0: empty file' replay empty.vkt.xz
printf "$hdr" | head -c 5 | gzip > p5.vkt.gz
bad "truncated .vkt.gz" '^vkmmu: p5\.vkt\.gz: byte 5: the file ends inside the header' replay p5.vkt.gz
printf '\x89VKT' | timeout 20 "$vkmmu" replay - > out 2> err
[ $? -eq 2 ] && grep -q '^vkmmu: <stdin>: byte 4: the file ends inside the header' err ||
    fail_showing_err "a truncated .vkt header on standard input"
mkdir dir.vkt
bad "a directory" '^vkmmu: dir\.vkt: is a directory \(expected a trace file\)$' replay dir.vkt
bad "a directory (convert)" '^vkmmu: dir\.vkt: is a directory' convert dir.vkt
# text stays text: .vkt.txt, the README's worked example, empty text traces (zero accesses)
good "the worked example" "$src/examples/worked.vkt.txt"
cp "$src/examples/worked.vkt.txt" w.vkt.txt && gzip -k w.vkt.txt
good "the worked example, gzip" w.vkt.txt.gz
: > empty.vkt.txt
good "an empty text trace" empty.vkt.txt
timeout 20 "$vkmmu" replay - < /dev/null > out 2> err || fail_showing_err "empty standard input: exit $?"
# a FIFO is read as a stream: a text trace through it replays as from a file, a truncated
# .vkt through it is reported
mkfifo t.fifo p.vkt.fifo
"$vkmmu" replay "$src/examples/worked.vkt.txt" > want 2> err || fail_showing_err "worked example"
cat "$src/examples/worked.vkt.txt" > t.fifo &
timeout 20 "$vkmmu" replay t.fifo > got 2> err || fail_showing_err "text trace through a FIFO: exit $?"
wait
cmp -s want got || fail_showing_err "a FIFO gives other counts than the file"
printf "$hdr" | head -c 3 > p.vkt.fifo &
bad "truncated .vkt through a FIFO" '^vkmmu: p\.vkt\.fifo: byte 3: the file ends inside the header' replay p.vkt.fifo
wait

# ---- 3. values that would wrap ----
printf 'I 9223372036854775807\nI 1\n' > insns.txt
bad "instruction total (text)" '^vkmmu: insns\.txt:2: I: COUNT 1 brings the instruction total past 2\^63-1' replay insns.txt
printf "$hdr"'\xf5\xff\xff\xff\xff\xff\xff\xff\xff\x7f\xe1' > insns.vkt
bad "instruction total (.vkt)" '^vkmmu: insns\.vkt: byte 26: instruction count 2 brings the total past 2\^63-1' replay insns.vkt
printf "$hdr"'\xf5\xff\xff\xff\xff\xff\xff\xff\xff\xff\x7f' > varint.vkt
bad "varint past 64 bits" '^vkmmu: varint\.vkt: byte 16: varint COUNT does not fit in 64 bits' replay varint.vkt
# 0xfc swaps in the other R slot (0), so 0xfb's write "at the previous read" starts below 0: the
# batch decoder of a replay returned it as an access at 2^64 - 1 (found by fuzz_auto)
{ printf "$hdr"'\x08\xfc\x80\xfb'; head -c 64 /dev/zero | tr '\0' '\200'; } > swap.vkt
bad "0xfb after a slot swap" '^vkmmu: swap\.vkt: byte 19: access 0xffffffffffffffff\+1 does not fit arch i386' replay swap.vkt
# a .vkt file map with id 2^32-1 and a regions file with one file: the shifted id would wrap
printf "$hdr"'\xf7\x80\x80\x04\x01\x0d\xff\xff\xff\xff\x0f\x00' > fid.vkt
printf 'map 0x20000000 0x20001000 r-- file a\n' > fid.regions
bad "file id shift (replay)" '^vkmmu: fid\.vkt: byte 16: map: file id 4294967295 does not fit above the 1 file ids of the regions file \(expected ids up to 4294967294\)$' replay --regions fid.regions fid.vkt
bad "file id shift (convert)" '^vkmmu: fid\.vkt: byte 16: map: file id 4294967295 does not fit above' convert --regions fid.regions fid.vkt
# an xz stream whose dictionary is 4 GiB: refused before any allocation
printf '\xfd\x37\x7a\x58\x5a\x00\x00\x01\x69\x22\xde\x36\x02\x00\x21\x01\x28\x00\x00\x00\xe6\xa0\x11\xb3\x01\x00\x0e\x52\x20\x30\x78\x31\x30\x30\x30\x30\x30\x30\x30\x20\x34\x0a\x00\x00\x23\x0f\xdd\xad\x00\x01\x23\x0f\xdb\xdf\x90\x0e\x90\x42\x99\x0d\x01\x00\x00\x00\x00\x01\x59\x5a' > dict.txt.xz
bad "xz memory limit" '^vkmmu: dict\.txt\.xz: byte 0: xz stream needs 4096 MiB of memory to decompress, more than the 256 MiB vkmmu allows' replay dict.txt.xz
# control characters of the input never reach the terminal
printf '\033[2J\a 0\n' > esc.txt
bad "control characters" "^vkmmu: esc\\.txt:1: unknown record '\\?\\[2J\\?'" replay esc.txt

# ---- the fuzz regressions of these cases: each is an error, never a crash ----
for f in "$src"/fuzz/regressions/{text,vkt,lackey,auto}/*; do
    fmt=auto
    case $f in (*/text/*) fmt=text;; (*/vkt/*) fmt=vkt;; (*/lackey/*) fmt=lackey;; esac
    want=2
    [ "${f##*/}" = empty ] && want=0 # an empty input is an empty text trace
    timeout 20 "$vkmmu" replay --format "$fmt" "$f" > out 2> err
    rc=$?
    [ $rc -eq $want ] || fail_showing_err "fuzz regression $f: exit $rc, want $want"
done

finish
