#!/usr/bin/env bash
# ChampSim traces written here from known records (input_instr raw, .xz, .gz; cloudsuite_instr)
# replay with exactly the expected access counts; truncated or corrupt files exit 2 and name
# the byte offset.
# Usage: bash champsim.sh VKMMU_BIN BUILD_DIR
source "$(dirname "$0")/../lib.sh"

# gen FILE RECSIZE N: writes N records, prints "fetches reads writes insns" expected.
gen() {
    python3 - "$@" <<'PY'
import random, struct, sys
path, rs, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rng = random.Random(42)
ndst, dst_at, src_at = (2, 16, 32) if rs == 64 else (4, 24, 56)
reads = writes = 0
ip = 0x400000
with open(path, "wb") as f:
    for i in range(n):
        rec = bytearray(rs)
        struct.pack_into("<Q", rec, 0, ip)
        rec[8] = rng.random() < 0.2          # is_branch: ignored
        ip = ip + rng.randint(1, 15) if rng.random() < 0.9 else 0x400000 + rng.randrange(1 << 20)
        for k in range(4):
            if rng.random() < 0.3:
                struct.pack_into("<Q", rec, src_at + 8 * k, 0x10000000 + rng.randrange(1 << 26))
                reads += 1
        for k in range(ndst):
            if rng.random() < 0.2:
                struct.pack_into("<Q", rec, dst_at + 8 * k, 0x7ff000000000 + rng.randrange(1 << 20))
                writes += 1
        f.write(rec)
print(n, reads, writes, n)
PY
}

# counts JSON: "fetch read write insns" of the first configuration.
counts() {
    python3 -c 'import json,sys; c=json.load(open(sys.argv[1]))["results"][0]["counters"]; print(c["access.fetch"], c["access.read"], c["access.write"], c["insns"])' "$1"
}

# replay_check NAME WANT ARGS...: replays, compares the counts with WANT.
replay_check() {
    local name=$1 want=$2
    shift 2
    if ! "$vkmmu" replay --scheme native,vpt-1.10 --json "$tmp/$name.json" "$@" > /dev/null 2> "$tmp/$name.err"; then
        fail "$name: replay exited non-zero"; cat "$tmp/$name.err"; return
    fi
    local got
    got=$(counts "$tmp/$name.json")
    if [ "$got" != "$want" ]; then
        fail "$name: fetch/read/write/insns $got, want $want"
    else
        echo "  $name: fetch/read/write/insns $got"
    fi
}

want=$(gen "$tmp/t.champsim" 64 5000)
replay_check raw "$want" "$tmp/t.champsim"
grep -q '"kind": "champsim-trace"' "$tmp/raw.json" || fail "workload kind is not champsim-trace"
grep -q '"arch": "x86_64"' "$tmp/raw.json" || fail "arch is not x86_64"
xz -k -c "$tmp/t.champsim" > "$tmp/t.champsim.xz"
replay_check xz "$want" "$tmp/t.champsim.xz"
gzip -c "$tmp/t.champsim" > "$tmp/t.champsim.gz"
replay_check gz "$want" "$tmp/t.champsim.gz"
# Any name, with --format; from standard input (raw only: the suffix chooses decompression).
cp "$tmp/t.champsim" "$tmp/trace.bin"
replay_check format "$want" --format champsim "$tmp/trace.bin"
replay_check stdin "$want" --format champsim - < "$tmp/t.champsim"
# Two gzip members in a row are one stream (as `cat a.gz b.gz`).
head -c $((64 * 2000)) "$tmp/t.champsim" | gzip -c > "$tmp/two.champsim.gz"
tail -c $((64 * 3000)) "$tmp/t.champsim" | gzip -c >> "$tmp/two.champsim.gz"
replay_check gz_members "$want" "$tmp/two.champsim.gz"

cwant=$(gen "$tmp/c.bin" 96 3000)
replay_check cloudsuite "$cwant" --format cloudsuite "$tmp/c.bin"
xz -c "$tmp/c.bin" > "$tmp/c.bin.xz"
replay_check cloudsuite_xz "$cwant" --format cloudsuite "$tmp/c.bin.xz"

# The .vkt conversion replays to the same counts (every counter, two configurations).
"$vkmmu" convert "$tmp/t.champsim.xz" -o "$tmp/t.vkt" 2> "$tmp/convert.err" || { fail "convert"; cat "$tmp/convert.err"; }
grep -o "[0-9.]* bytes/access" "$tmp/convert.err" | sed 's/^/  ChampSim trace as .vkt: /'
"$vkmmu" replay --scheme native,vpt-1.10 --json "$tmp/vkt.json" "$tmp/t.vkt" > /dev/null || fail "replay .vkt"
python3 -c 'import json,sys; a,b=(json.load(open(p))["results"] for p in sys.argv[1:]); sys.exit([r["counters"] for r in a]!=[r["counters"] for r in b])' \
    "$tmp/xz.json" "$tmp/vkt.json" || fail "the .vkt of the ChampSim trace replays differently"

# expect_no_result STATUS PATTERN CMD...: expect STATUS and PATTERN of CMD --json FILE, and no
# FILE written.
expect_no_result() {
    rm -f "$tmp/bad.json"
    expect "$@" --json "$tmp/bad.json" && echo "  ok: $(head -c 200 "$tmp/stderr")"
    [ -e "$tmp/bad.json" ] && fail "a result file was written: ${*:3}"
}
# A length that is not a multiple of 64: the partial record's offset.
head -c $((64 * 100 + 10)) "$tmp/t.champsim" > "$tmp/short.champsim"
expect_no_result 2 "^vkmmu: $tmp/short.champsim: byte 6400: the input ends 10 bytes into a record" \
    "$vkmmu" replay "$tmp/short.champsim"
head -c $((64 * 100 + 10)) "$tmp/t.champsim" | gzip -c > "$tmp/short.champsim.gz"
expect_no_result 2 "^vkmmu: $tmp/short.champsim.gz: byte 6400: the input ends 10 bytes into a record" \
    "$vkmmu" replay "$tmp/short.champsim.gz"
# A truncated .xz: the decompressed byte reached and the compressed length.
xsize=$(stat -c %s "$tmp/t.champsim.xz")
head -c $((xsize / 2)) "$tmp/t.champsim.xz" > "$tmp/cut.champsim.xz"
expect_no_result 2 "^vkmmu: $tmp/cut.champsim.xz: byte [0-9]+: xz stream ends early at compressed byte $((xsize / 2))" \
    "$vkmmu" replay "$tmp/cut.champsim.xz"
gsize=$(stat -c %s "$tmp/t.champsim.gz")
head -c $((gsize / 2)) "$tmp/t.champsim.gz" > "$tmp/cut.champsim.gz"
expect_no_result 2 "^vkmmu: $tmp/cut.champsim.gz: byte [0-9]+: gzip stream ends early at compressed byte $((gsize / 2))" \
    "$vkmmu" replay "$tmp/cut.champsim.gz"
# Corrupt compressed data in the middle: deflate may decode garbage that a record check
# catches first, else zlib reports it (at the latest by the CRC at the end).
cp "$tmp/t.champsim.gz" "$tmp/bad.champsim.gz"
printf 'XXXXXXXXXXXXXXXX' | dd of="$tmp/bad.champsim.gz" bs=1 seek=$((gsize / 2)) conv=notrunc status=none
expect_no_result 2 "^vkmmu: $tmp/bad.champsim.gz: byte [0-9]+: " "$vkmmu" replay "$tmp/bad.champsim.gz"
# A bad CRC in the gzip trailer: zlib's "incorrect data check".
cp "$tmp/t.champsim.gz" "$tmp/crc.champsim.gz"
printf '\x00\x00\x00\x00' | dd of="$tmp/crc.champsim.gz" bs=1 seek=$((gsize - 8)) conv=notrunc status=none
expect_no_result 2 "^vkmmu: $tmp/crc.champsim.gz: byte 320000: gzip data is corrupt near compressed byte [0-9]+ \(incorrect data check" \
    "$vkmmu" replay "$tmp/crc.champsim.gz"
cp "$tmp/t.champsim.xz" "$tmp/bad.champsim.xz"
printf 'XXXXXXXXXXXXXXXX' | dd of="$tmp/bad.champsim.xz" bs=1 seek=$((xsize / 2)) conv=notrunc status=none
expect_no_result 2 "^vkmmu: $tmp/bad.champsim.xz: byte [0-9]+: xz data is corrupt near compressed byte [0-9]+" \
    "$vkmmu" replay "$tmp/bad.champsim.xz"
# Not xz at all.
cp "$tmp/t.champsim" "$tmp/raw.champsim.xz"
expect_no_result 2 "^vkmmu: $tmp/raw.champsim.xz: byte 0: xz data is corrupt" "$vkmmu" replay "$tmp/raw.champsim.xz"

finish
