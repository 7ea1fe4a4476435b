#!/usr/bin/env bash
# Paths of 200+ and about 4000 characters (deep directories) are used whole everywhere a
# user names a file: --costs (echoed in full in the table and the JSON), --json/--csv, calibrate
# -o, run --root/--stdin/--stdout, a sweep spec, its costs and its output directory, plot inputs
# and outputs.  Nothing may be cut; a path the system cannot take fails with a clear error.
# Usage: bash long_paths.sh VKMMU_BIN BUILD_DIR
source "$(dirname "$0")/../lib.sh"
cd "$tmp" || exit 1

# deep DEPTH: a directory under $tmp whose absolute path is about DEPTH characters long.
deep() {
    local d=$tmp/d$1 comp
    comp=$(printf 'p%.0s' $(seq 1 200))
    while [ ${#d} -lt $(($1 - 220)) ]; do d=$d/$comp; done
    local rest=$(($1 - ${#d} - 1))
    [ $rest -gt 0 ] && d=$d/$(printf 'q%.0s' $(seq 1 $rest))
    mkdir -p "$d" && echo "$d"
}

printf 'map 0x10000000 0x10010000 rw- anon\nR 0x10000000 4\nW 0x10000000 4\nI 100\n' > t.txt
for len in 230 4000; do
    d=$(deep $len) || { fail "cannot create a directory of $len characters"; continue; }
    printf 'base = modern\nreflect = 20000\n' > "$d/c.costs"
    out=$("$vkmmu" replay --costs "$d/c.costs" --json "$d/r.json" --csv "$d/r.csv" t.txt 2> err)
    rc=$?
    [ $rc -eq 0 ] || { fail "$len: replay exit $rc: $(head -c 300 err)"; continue; }
    [ "$(tail -n 1 <<<"$out")" = "overhead: est-cycles against native/none/strict; costs: $d/c.costs" ] \
        || fail "$len: the table's costs line cuts the path"
    python3 - "$d/r.json" "$d/c.costs" <<'PY' || fail "$len: JSON costs profile"
import json, sys
j = json.load(open(sys.argv[1]))
p = j["meta"]["costs"]["profile"]
sys.exit(0 if p == sys.argv[2] and j["meta"]["costs"]["values"]["reflect"] == 20000 else 1)
PY
    [ -s "$d/r.csv" ] || fail "$len: no CSV"

    # plot: the JSON in, an SVG out, both deep
    "$vkmmu" plot "$d/r.json" -o "$d/fig.svg" --kind policies 2> perr \
        || fail "$len: plot exit $?: $(head -c 300 perr)"
    [ -s "$d/fig.svg" ] || fail "$len: plot wrote no figure"

    # run: --root, --stdin and --stdout deep
    prog=$build/guests/seqscan
    if [ -x "$prog" ]; then
        mkdir -p "$d/root" && printf 'hello\n' > "$d/in.txt"
        "$vkmmu" run --root "$d/root" --stdin "$d/in.txt" --stdout "$d/out.txt" \
            --json "$d/run.json" -- "$prog" > /dev/null 2> rerr
        rc=$?
        [ $rc -eq 0 ] || fail "$len: run exit $rc: $(tail -c 300 rerr)"
        [ -e "$d/out.txt" ] && [ -s "$d/run.json" ] || fail "$len: run wrote no --stdout or --json"
    fi

    # sweep: spec, trace and costs file deep; output deep
    cp t.txt "$d/t.vkt.txt"
    printf '[workloads]\ntrace = t t.vkt.txt\n[axes]\ncosts = c.costs\nreflect-scale = 1, 2\n' > "$d/s.sweep"
    "$vkmmu" sweep "$d/s.sweep" -o "$d/sw" > /dev/null 2> serr || fail "$len: sweep exit $?: $(head -c 300 serr)"
    "$vkmmu" merge "$d/sw" -o "$d/m.csv" 2> merr || fail "$len: merge exit $?: $(head -c 300 merr)"
    [ "$(wc -l < "$d/m.csv" 2>/dev/null)" = 3 ] || fail "$len: merged CSV lacks rows"
done

# calibrate -o deep (one run: the measurement itself is tested in calibrate.sh)
d=$(deep 300)
"$vkmmu" calibrate -o "$d/host.costs" --runs 1 > /dev/null 2> cerr || fail "calibrate exit $?: $(tail -c 300 cerr)"
out=$("$vkmmu" replay --costs "$d/host.costs" t.txt 2> err) || fail "replay of the calibrated costs: $(cat err)"
[ "$(tail -n 1 <<<"$out")" = "overhead: est-cycles against native/none/strict; costs: $d/host.costs" ] \
    || fail "calibrated costs: the table's costs line cuts the path"

# A path longer than the system takes: a clear error (exit 2), no result.
long=$tmp/$(printf 'x%.0s' $(seq 1 5000))
"$vkmmu" replay --costs "$long" t.txt > out 2> err
rc=$?
[ $rc -eq 2 ] || fail "--costs of 5000+ characters: exit $rc, want 2"
grep -qE '^vkmmu replay: --costs: value of [0-9]+ characters is too long \(at most 4095\)$' err \
    || fail "--costs of 5000+ characters: message '$(head -c 200 err)'"
[ -s out ] && fail "--costs of 5000+ characters printed a table"
finish
