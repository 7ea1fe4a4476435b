#!/usr/bin/env bash
# `--regions FILE`: regions (text `map` lines and /proc/PID/maps lines) applied before the
# trace's first record instead of the default region; `vkmmu convert --regions` bakes them
# into the .vkt, which then replays to the same counts.
# Usage: bash regions.sh VKMMU_BIN BUILD_DIR
source "$(dirname "$0")/../lib.sh"

cat > "$tmp/regions.txt" <<'T'
# a map line and /proc/PID/maps lines; the [vsyscall] page (kernel half) is skipped
map 0x10000000 0x10004000 rw- anon
00400000-00402000 r-xp 00000000 08:01 1234   /bin/prog
00402000-00403000 rw-p 00002000 08:01 1234   /bin/prog
ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0  [vsyscall]
T
cat > "$tmp/t.vkt.txt" <<'T'
arch x86_64
R 0x10000000 4
W 0x10003ffc 8
X 0x400000 4
X 0x401000 4
R 0x402000 4
W 0x402000 4
R 0x20000000 4
map 0x30000000 0x30001000 r-- file /other
R 0x30000000 4
T

# counter JSON NAME...: the first configuration's counters, space-separated.
counter() {
    local json=$1
    shift
    python3 -c 'import json,sys; c=json.load(open(sys.argv[1]))["results"][0]["counters"]; print(" ".join(str(c[k]) for k in sys.argv[2:]))' "$json" "$@"
}

opts=(--scheme native --file-cache cold)
"$vkmmu" replay "${opts[@]}" --regions "$tmp/regions.txt" --json "$tmp/r.json" "$tmp/t.vkt.txt" > /dev/null ||
    fail "replay --regions"
# 0x10004000 (the second page of the crossing write) and 0x20000000 are outside every region;
# zero fills: two pages of the anon region; file reads: 0x400000, 0x401000, 0x402000 (file
# page 2 of /bin/prog) and /other; the write to the data page copies it.
got=$(counter "$tmp/r.json" fault.segv page.zero_fill page.file_read page.cow)
[ "$got" = "2 2 4 1" ] || fail "with regions: segv/zero_fill/file_read/cow $got, want 2 2 4 1"
# Without --regions the default region covers everything: no segv.
"$vkmmu" replay "${opts[@]}" --json "$tmp/d.json" "$tmp/t.vkt.txt" > /dev/null || fail "replay"
got=$(counter "$tmp/d.json" fault.segv)
[ "$got" = "0" ] || fail "default region: segv $got, want 0"

# convert --regions, then the .vkt alone: the same counters, for several configurations.
"$vkmmu" convert -q --regions "$tmp/regions.txt" "$tmp/t.vkt.txt" -o "$tmp/t.vkt" || fail "convert --regions"
for s in native vpt-1.10; do
    "$vkmmu" replay --scheme $s --file-cache cold --regions "$tmp/regions.txt" --json "$tmp/a.json" "$tmp/t.vkt.txt" > /dev/null
    "$vkmmu" replay --scheme $s --file-cache cold --json "$tmp/b.json" "$tmp/t.vkt" > /dev/null
    python3 -c 'import json,sys; a,b=(json.load(open(p))["results"] for p in sys.argv[1:]); sys.exit([r["counters"] for r in a]!=[r["counters"] for r in b])' \
        "$tmp/a.json" "$tmp/b.json" || fail "$s: the .vkt with baked-in regions replays differently"
done

# A bad regions line: exit 2 naming the regions file and line; no result.
printf 'map 0x1000 0x2000 rw- anon\n1000-2000 rw 0 0:0 0\n' > "$tmp/bad.txt"
"$vkmmu" replay --regions "$tmp/bad.txt" --json "$tmp/bad.json" "$tmp/t.vkt.txt" > /dev/null 2> "$tmp/err"
[ $? -eq 2 ] || fail "a bad regions file did not exit 2"
grep -q "^vkmmu: $tmp/bad.txt:2: /proc maps: bad PERMS 'rw'" "$tmp/err" || { fail "message"; cat "$tmp/err"; }
[ -e "$tmp/bad.json" ] && fail "a result file was written"
# A region that does not fit the trace's architecture (i386 here).
printf 'map 0x10000000 0x10001000 rw- anon\n' > "$tmp/i386.vkt.txt"
printf '7f0000000000-7f0000001000 rw-p 00000000 00:00 0\n' > "$tmp/wide.txt"
"$vkmmu" replay --regions "$tmp/wide.txt" "$tmp/i386.vkt.txt" > /dev/null 2> "$tmp/err"
[ $? -eq 2 ] || fail "a 64-bit region for an i386 trace did not exit 2"
grep -q "^vkmmu: $tmp/wide.txt:1: .*does not fit arch i386" "$tmp/err" || { fail "message"; cat "$tmp/err"; }
"$vkmmu" replay --regions "$tmp/missing.txt" "$tmp/i386.vkt.txt" > /dev/null 2> "$tmp/err"
[ $? -eq 2 ] || fail "a missing regions file did not exit 2"

finish
