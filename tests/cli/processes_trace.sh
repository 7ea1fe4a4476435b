#!/usr/bin/env bash
# Process records in traces (issue 12): the worked example of tests/cli/fork_example.vkt.txt
# replayed as text and as .vkt gives the issue's exact counts; a vfork/exec trace gives the
# same counts in both formats; `vkmmu run --record` of a forking guest then `vkmmu replay` of
# the recording gives the run's counts for every configuration.
# Usage: bash processes_trace.sh VKMMU_BIN BUILD_DIR
source "$(dirname "$0")/../lib.sh"
CFG=(--scheme vpt-1.10,vpt,ept,native,linux --policy none,dfly,linux-fa,window:8 --dirty strict,eager)

# counters JSON CONFIG NAME=VALUE...: the counters of CONFIG (scheme/policy/dirty) in JSON
# equal the values given.
counters() {
    python3 - "$@" <<'PY' || fail "counters of $2 in $1"
import json, sys
res = [r for r in json.load(open(sys.argv[1]))["results"]
       if "%s/%s/%s" % (r["scheme"], r["policy"], r["dirty"]) == sys.argv[2]]
bad = len(res) != 1
for kv in sys.argv[3:]:
    name, want = kv.split("=")
    got = res[0]["counters"].get(name) if res else None
    if got != int(want):
        print("FAIL: %s %s: got %s, want %s" % (sys.argv[2], name, got, want))
        bad = True
sys.exit(bad)
PY
}

# same_results NAME A.json B.json: the two files hold the same results, counter for counter.
same_results() {
    python3 - "$2" "$3" <<'PY' && pass "$1" || fail "$1"
import json, sys
ra, rb = (json.load(open(f))["results"] for f in sys.argv[1:])
bad = [x["config"] for x, y in zip(ra, rb) if x["counters"] != y["counters"]]
if len(ra) != len(rb) or bad:
    print("results differ (%d and %d results) for %s" % (len(ra), len(rb), bad[:5]))
    sys.exit(1)
PY
}

# runs COMMAND...: runs COMMAND (its output in $tmp/stdout and $tmp/stderr); fails unless it
# exits 0.
runs() {
    "$@" > "$tmp/stdout" 2> "$tmp/stderr" && return 0
    fail "exit $?: $*"; cat "$tmp/stderr"; return 1
}

example=$src/tests/cli/fork_example.vkt.txt
three=(--scheme vpt-1.10,native,linux)
runs "$vkmmu" replay "${three[@]}" --json "$tmp/text.json" "$example" &&
    counters "$tmp/text.json" vpt-1.10/none/strict fault.real=6 fault.reflected=3 \
        fault.resolved_real=3 fault.dirty_trap=0 page.zero_fill=1 page.cow=1 vk.pt_alloc=2 \
        vk.inval=4 vk.vmspace=11 &&
    counters "$tmp/text.json" native/none/strict fault.native=3 page.cow=1 &&
    counters "$tmp/text.json" linux/none/strict fault.native=3 page.cow=1 &&
    pass "worked example: the issue's counts"
runs "$vkmmu" convert "$example" -o "$tmp/example.vkt" &&
    runs "$vkmmu" replay "${three[@]}" --json "$tmp/vkt.json" "$tmp/example.vkt" &&
    same_results "worked example: text and .vkt give the same results" "$tmp/text.json" "$tmp/vkt.json"
# The records are 3 bytes each (FA, kind, pid varint), exec and exit 2 (docs/vkt-format.md).
check "worked example: .vkt size" 56 "$(wc -c < "$tmp/example.vkt")"

# vfork, exec with a new image, exit, and an access of the parent after its child exited.
cat > "$tmp/vfork.vkt.txt" <<'T'
map 0x10000000 0x10004000 rw- anon
map 0x08048000 0x08049000 r-x file /bin/prog
W 0x10000000 4
W 0x10001000 4
X 0x08048000 16
vfork 0x1f
pid 31
exec
map 0x08048000 0x0804a000 r-x file /bin/other
map 0x10000000 0x10002000 rw- anon
X 0x08048000 16
W 0x10000000 4
fork 4294967295
pid 4294967295
R 0x10000000 4
exit
pid 31
exit
pid 1
R 0x10001000 4
W 0x10000000 4
T
runs "$vkmmu" replay "${CFG[@]}" --json "$tmp/vf.text.json" "$tmp/vfork.vkt.txt" &&
    runs "$vkmmu" convert "$tmp/vfork.vkt.txt" -o "$tmp/vfork.vkt" &&
    runs "$vkmmu" replay "${CFG[@]}" --json "$tmp/vf.vkt.json" "$tmp/vfork.vkt" &&
    same_results "vfork/exec trace: text and .vkt give the same results" \
        "$tmp/vf.text.json" "$tmp/vf.vkt.json"

# A model error on a process record: the line, or the byte offset in a .vkt, exit status 2.
printf 'map 0x10000000 0x10001000 rw- anon\nfork 2\nfork 2\n' > "$tmp/reuse.txt"
expect 2 '^vkmmu: .*/reuse\.txt:3: model vpt-1\.10/none/strict: fork: pid 2 is already used$' \
    "$vkmmu" replay "$tmp/reuse.txt" && pass "a reused pid: line 3"
runs "$vkmmu" convert "$tmp/reuse.txt" -o "$tmp/reuse.vkt" &&
    expect 2 '^vkmmu: .*/reuse\.vkt: byte 27: model vpt-1\.10/none/strict: fork: pid 2 is already used$' \
        "$vkmmu" replay "$tmp/reuse.vkt" && pass "a reused pid: byte 27 of the .vkt"

# `run --record` of a guest that forks 3 children, then replay: the same counts everywhere.
build_emu_guests
if timeout 300 "$vkmmu" run "${CFG[@]}" --record "$tmp/procs.vkt" --json "$tmp/procs.run.json" \
        -- "$guests/procs" fork 3 > /dev/null 2> "$tmp/run.err"; then
    runs "$vkmmu" replay "${CFG[@]}" --json "$tmp/procs.replay.json" "$tmp/procs.vkt" &&
        same_results "procs fork 3: the replay of the recording gives the run's counts" \
            "$tmp/procs.run.json" "$tmp/procs.replay.json"
    counters "$tmp/procs.run.json" native/none/strict vk.vmspace=0
    python3 - "$tmp/procs.run.json" <<'PY' && pass "procs fork 3: the run forked" || fail "procs fork 3 did not fork"
import json, sys
c = [r for r in json.load(open(sys.argv[1]))["results"] if r["config"].startswith("vpt-1.10/none/strict")][0]["counters"]
sys.exit(0 if c.get("page.cow", 0) > 0 or c.get("vk.vmspace", 0) > 10 else 1)
PY
else
    fail "vkmmu run procs fork 3 failed"; cat "$tmp/run.err"
fi
finish
