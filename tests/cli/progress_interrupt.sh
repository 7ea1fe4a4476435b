#!/usr/bin/env bash
# tests/cli/progress_interrupt.sh VKMMU_BIN BUILD_DIR - Ctrl-C during a long replay (issue 6
# item 5): SIGINT stops the replay between records, the results so far are written (table,
# --json, --csv) and marked partial, and vkmmu exits 130; SIGTERM the same with 143.  The
# models are finished on what they saw, so model.md's identities hold for the partial counts
# (checked here: fault.real = fault.reflected + fault.resolved_real).  The trace is endless:
# a generator piped into `vkmmu replay -`.
source "$(dirname "$0")/../lib.sh"

cat >"$tmp/gen.c" <<'GEN'
/* gen: an endless text trace over a 64 MiB region (reads, writes, instruction counts). */
#include <stdio.h>
int main(void)
{
    static char buf[1 << 16];
    setvbuf(stdout, buf, _IOFBF, sizeof buf);
    unsigned x = 1;
    printf("arch i386\nmap 0x10000000 0x14000000 rw- anon\n");
    for (unsigned long long i = 0;; i++) {
        x = x * 1103515245u + 12345u;
        if (printf("%c 0x%x 4\n", i % 3 ? 'R' : 'W', 0x10000000u + ((x >> 4) & 0x3fffffcu)) < 0)
            return 0;
        if (i % 16 == 0 && printf("I 40\n") < 0)
            return 0;
    }
}
GEN
gcc -O2 -o "$tmp/gen" "$tmp/gen.c" || fail_now "cannot compile the generator"

# interrupt NAME SIGNAL WANT_STATUS: replay the endless trace, send SIGNAL after 1.5 s.
interrupt() {
    local name=$1 sig=$2 want=$3
    "$tmp/gen" | timeout -s KILL 30 "$vkmmu" replay --scheme vpt-1.10,ept,native \
        --policy none,dfly --json "$tmp/$name.json" --csv "$tmp/$name.csv" - \
        >"$tmp/$name.out" 2>"$tmp/$name.err" &
    local pid=$!
    sleep 1.5
    # $! is timeout(1)'s pid: signal its child, vkmmu
    local child
    child=$(pgrep -P "$pid" | head -1)
    kill -"$sig" "${child:-$pid}"
    wait "$pid"
    rc=$?
    if [ "$rc" -ne "$want" ]; then
        fail "$name: exit $rc, want $want"
        head -5 "$tmp/$name.err"
        return
    fi
    pass "$name: exit $want"
    if python3 - "$tmp/$name.json" "$sig" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
sig = sys.argv[2]
w = d["workload"]
meta = d["meta"]
part = meta.get("partial", w.get("partial"))
reason = meta.get("partial_reason", w.get("partial_reason"))
assert part is True, "partial is not true"
assert reason == "interrupted by SIG" + sig, reason
assert w["records"] > 1000, w["records"]
for r in d["results"]:
    c = r["counters"]
    if r["scheme"] == "vpt-1.10":
        assert c["fault.real"] == c["fault.reflected"] + c["fault.resolved_real"], (r, c)
    assert c["access.read"] + c["access.write"] > 0
print("records", w["records"], "configurations", len(d["results"]))
PY
    then
        pass "$name: JSON complete, partial, identities hold"
    else
        fail "$name: JSON"
    fi
    grep -q "^partial results: interrupted by SIG$sig after [0-9]* records" "$tmp/$name.out" &&
        grep -q "^vpt-1.10" "$tmp/$name.out" &&
        pass "$name: table written with a partial footer" || fail "$name: table footer"
    grep -q "interrupted by SIG$sig after [0-9]* records: the results are partial" "$tmp/$name.err" &&
        pass "$name: stderr says partial" || fail "$name: stderr message"
    [ "$(grep -c '^vpt-1.10,' "$tmp/$name.csv")" -eq 2 ] && pass "$name: CSV written" ||
        fail "$name: CSV"
}
interrupt sigint INT 130
interrupt sigterm TERM 143

# convert of an endless input (/dev/zero as ChampSim records): SIGINT and SIGTERM remove the
# partial OUT.tmp, leave OUT as it was (absent here, an older file kept), and exit 130 / 143.
for sig in INT:130 TERM:143; do
    IFS=: read -r s want <<<"$sig"
    rm -f "$tmp/z.vkt"*
    [ $s = TERM ] && echo old >"$tmp/z.vkt"
    "$vkmmu" convert /dev/zero --format champsim -o "$tmp/z.vkt" 2>"$tmp/conv.err" &
    p=$!
    sleep 1
    kill -$s $p
    wait $p
    rc=$?
    leftover=$(ls "$tmp"/z.vkt.* 2>/dev/null)
    if [ $rc -eq "$want" ] && [ -z "$leftover" ] &&
        grep -q "interrupted by SIG$s after [0-9]* records: .*z.vkt not written" "$tmp/conv.err" &&
        { [ $s = INT ] && [ ! -e "$tmp/z.vkt" ] || [ "$(cat "$tmp/z.vkt")" = old ]; }; then
        pass "convert SIG$s: exit $rc, no temporary left, the output untouched"
    else
        fail "convert SIG$s: exit $rc (want $want), left: '$leftover', $(cat "$tmp/conv.err")"
    fi
done

finish
