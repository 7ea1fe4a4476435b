#!/usr/bin/env bash
# The worked example of issue 3, through `vkmmu replay --json`, checked counter by counter.
# Usage: bash worked_example.sh VKMMU_BIN BUILD_DIR
source "$(dirname "$0")/../lib.sh"

cat > "$tmp/rwr.vkt.txt" <<'T'
map 0x10000000 0x10010000 rw- anon
R 0x10000000 4
W 0x10000000 4
R 0x10000000 4
T
cat > "$tmp/wr.vkt.txt" <<'T'
map 0x10000000 0x10010000 rw- anon
W 0x10000000 4
R 0x10000000 4
T

# check TRACE "OPTIONS" CONFIG NAME=VALUE...: replays TRACE with OPTIONS and compares the
# counters of configuration CONFIG (scheme/policy/dirty) with the expected values.
check() {
    local trace=$1 opts=$2 config=$3
    shift 3
    # shellcheck disable=SC2086
    if ! "$vkmmu" replay $opts --json "$tmp/out.json" "$tmp/$trace" > "$tmp/stdout" 2> "$tmp/stderr"; then
        fail "vkmmu replay $opts $trace exited non-zero:"; cat "$tmp/stderr"
        return
    fi
    if ! python3 - "$tmp/out.json" "$config" "$@" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
config = sys.argv[2]
res = [r for r in doc["results"] if "%s/%s/%s" % (r["scheme"], r["policy"], r["dirty"]) == config]
if len(res) != 1:
    print("FAIL: %d results for %s in %s" % (len(res), config, [r["config"] for r in doc["results"]]))
    sys.exit(1)
bad = 0
for kv in sys.argv[3:]:
    name, want = kv.split("=")
    got = res[0]["counters"].get(name)
    if got != int(want):
        print("FAIL: %s %s: got %s, want %s" % (config, name, got, want))
        bad = 1
sys.exit(bad)
PY
    then
        fail "the counters above (trace $trace, options: $opts)"
    fi
}

check rwr.vkt.txt "" vpt-1.10/none/strict \
    fault.real=3 fault.reflected=1 fault.resolved_real=2 fault.dirty_trap=1 \
    page.zero_fill=1 vk.pt_alloc=1 vk.inval=0 fault.segv=0 \
    access.read=2 access.write=1
check wr.vkt.txt "" vpt-1.10/none/strict \
    fault.real=2 fault.reflected=1 fault.dirty_trap=0
check rwr.vkt.txt "--scheme vpt --dirty eager" vpt/none/eager fault.dirty_trap=0
check rwr.vkt.txt "--scheme vpt-1.10 --dirty eager" vpt-1.10/none/eager fault.dirty_trap=1
check rwr.vkt.txt "--scheme native" native/none/strict fault.native=1 fault.dirty_trap=0
check rwr.vkt.txt "--scheme linux" linux/none/strict fault.native=2
# All of them in one pass give the same counts as one at a time.
all="--scheme vpt-1.10,vpt,native,linux --dirty strict,eager"
check rwr.vkt.txt "$all" vpt-1.10/none/strict fault.real=3 fault.reflected=1 fault.dirty_trap=1
check rwr.vkt.txt "$all" vpt/none/eager fault.dirty_trap=0
check rwr.vkt.txt "$all" vpt-1.10/none/eager fault.dirty_trap=1
check rwr.vkt.txt "$all" native/none/strict fault.native=1
check rwr.vkt.txt "$all" linux/none/strict fault.native=2

# The table names the configuration and its counts.
"$vkmmu" replay "$tmp/rwr.vkt.txt" > "$tmp/table" 2>&1 || fail "replay exit $?"
if ! grep -Eq '^vpt-1\.10 +none +strict +1 +1 +3 +0 +0 +0 ' "$tmp/table"; then
    fail "table row for vpt-1.10/none/strict:"; cat "$tmp/table"
fi
if grep -q '^native' "$tmp/table"; then
    fail "the hidden native baseline is in the table:"; cat "$tmp/table"
fi

finish
