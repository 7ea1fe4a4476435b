#!/usr/bin/env bash
# Valgrind Lackey traces of real host programs, streamed into `vkmmu replay --format lackey -`.
# The distinct-page count (fault.native of native/none: each distinct page faults exactly once
# in the default region, which covers every address the program touches) must equal the
# number of distinct pages computed independently by python3 from the same text.  The .vkt
# conversion replays to the same counts.
# Usage: bash lackey.sh VKMMU_BIN BUILD_DIR
source "$(dirname "$0")/../lib.sh"
if ! command -v valgrind > /dev/null; then
    echo "SKIP: valgrind is not installed (scripts/install-deps.sh --all)"; exit 0
fi

# pages FILE: distinct 4 KiB pages touched by the I/L/S/M lines (an access crossing a page
# boundary touches both; Lackey's sizes are far below a page), and the numbers of fetches, loads, stores, modifies.
pages() {
    python3 - "$1" <<'PY'
import sys
pages, n = set(), {"I": 0, "L": 0, "S": 0, "M": 0}
add = pages.add
with open(sys.argv[1]) as f:
    for line in f:
        if line[0] == "=":
            continue
        addr, _, size = line[3:].partition(",")
        a = int(addr, 16)
        add(a >> 12)
        add((a + int(size) - 1) >> 12)  # sizes are below a page: at most two pages
        n[line[1] if line[0] == " " else "I"] += 1
print(len(pages), n["I"], n["L"] + n["M"], n["S"] + n["M"])
PY
}

# counter JSON NAME...: the native/none/strict values of counters NAME..., space-separated.
counter() {
    python3 -c 'import json,sys; r=[x for x in json.load(open(sys.argv[1]))["results"] if x["config"]=="native/none/strict"][0]; print(" ".join(str(r["counters"][k]) for k in sys.argv[2:]))' "$@"
}

# check NAME TRACE JSON: compares the replay's counters with python's figures from TRACE.
check() {
    local name=$1 trace=$2 json=$3
    read -r want_pages want_i want_r want_w < <(pages "$trace")
    local got_pages got_i got_r got_w got_insns
    read -r got_pages got_i got_r got_w got_insns < <(counter "$json" fault.native access.fetch \
        access.read access.write insns)
    echo "  $name: $want_pages distinct pages, $want_i instructions, $want_r loads, $want_w stores"
    [ "$got_pages" = "$want_pages" ] || fail "$name: fault.native $got_pages, distinct pages $want_pages"
    [ "$got_i" = "$want_i" ] || fail "$name: access.fetch $got_i, want $want_i"
    [ "$got_insns" = "$want_i" ] || fail "$name: insns $got_insns, want $want_i"
    [ "$got_r" = "$want_r" ] || fail "$name: access.read $got_r, want $want_r"
    [ "$got_w" = "$want_w" ] || fail "$name: access.write $got_w, want $want_w"
}

# 1. The pipeline of the issue, `valgrind --tool=lackey --trace-mem=yes PROG 2>&1 | vkmmu replay
#    --format lackey -`, on ls of a directory (its listing to /dev/null), four configurations;
#    tee keeps the text for python.
set -o pipefail
dir=/usr/share/doc/valgrind
[ -d "$dir" ] || dir=/usr/share
if ! valgrind --tool=lackey --trace-mem=yes /bin/ls "$dir" 2>&1 > /dev/null | tee "$tmp/ls.txt" |
        "$vkmmu" replay --format lackey --scheme vpt-1.10,native --policy none,dfly \
            --json "$tmp/ls.json" - > /dev/null 2> "$tmp/ls.err"; then
    fail "lackey pipeline for ls"; cat "$tmp/ls.err"
else
    check "ls $dir" "$tmp/ls.txt" "$tmp/ls.json"
    grep -q '"kind": "lackey-trace"' "$tmp/ls.json" || fail "workload kind is not lackey-trace"
    grep -q '"arch": "x86_64"' "$tmp/ls.json" || fail "arch is not x86_64"
fi

# 2. The format is detected from the ==PID== first line.
head -n 20000 "$tmp/ls.txt" > "$tmp/head.txt"
"$vkmmu" replay --scheme native --policy none --json "$tmp/head.json" - < "$tmp/head.txt" > /dev/null 2> "$tmp/head.err" ||
    { fail "detected Lackey from stdin"; cat "$tmp/head.err"; }
check "first 20000 lines, detected" "$tmp/head.txt" "$tmp/head.json"

# 3. Converted to .vkt, the same counts for several configurations; bytes per access.
"$vkmmu" convert "$tmp/ls.txt" -o "$tmp/ls.vkt" 2> "$tmp/convert.err" || fail "convert"
grep -o "[0-9.]* bytes/access" "$tmp/convert.err" | sed 's/^/  ls trace as .vkt: /'
"$vkmmu" replay --scheme vpt-1.10,native --policy none,dfly --json "$tmp/b.json" "$tmp/ls.vkt" > /dev/null
python3 -c 'import json,sys; a,b=(json.load(open(p))["results"] for p in sys.argv[1:]); sys.exit([r["counters"] for r in a]!=[r["counters"] for r in b])' \
    "$tmp/ls.json" "$tmp/b.json" || fail "the .vkt of the Lackey trace replays differently"

# 4. A line that is not Lackey's names its line number; exit 2.
printf '==1== x\nI  0401ab70,3\nhello\n' > "$tmp/bad.txt"
"$vkmmu" replay --format lackey "$tmp/bad.txt" > /dev/null 2> "$tmp/bad.err"
[ $? -eq 2 ] || fail "a bad Lackey line did not exit 2"
grep -q "^vkmmu: $tmp/bad.txt:3: not a Lackey line 'hello'" "$tmp/bad.err" || { fail "message"; cat "$tmp/bad.err"; }

finish
