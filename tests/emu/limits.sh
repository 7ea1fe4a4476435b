#!/usr/bin/env bash
# tests/emu/limits.sh VKMMU_BIN BUILD_DIR - stopping a guest from outside and capping its
# memory (issue 6 item 5, issue 7 items 3 and 4).  Guests compiled here with gcc -m32 -static.
#   sigint    SIGINT to `vkmmu run` of an infinite loop (hooks and paging engines): exit 130,
#             the report and --json written, marked partial, identities hold
#   timeout   --timeout 1 on the infinite loop: exit 124 within a few seconds, "stopped by
#             --timeout", JSON end "timeout" and partial (both engines)
#   guest-mem --guest-mem 16M: malloc(64 MiB) fails in the guest (it prints "malloc failed",
#             exits 1), getrlimit(RLIMIT_AS) reports 16 MiB; without it the malloc succeeds
# Usage: bash limits.sh VKMMU_BIN BUILD_DIR
source "$(dirname "$0")/../lib.sh"

cat >"$tmp/loop.c" <<'C'
int main(void) { volatile unsigned x = 0; for (;;) x++; }
C
cat >"$tmp/mall.c" <<'C'
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
int main(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_AS, &rl) == 0) {
        if (rl.rlim_cur == RLIM_INFINITY)
            printf("RLIMIT_AS unlimited\n");
        else
            printf("RLIMIT_AS %llu\n", (unsigned long long)rl.rlim_cur);
    }
    char *p = malloc(64u << 20);
    if (!p) {
        printf("malloc failed\n");
        return 1;
    }
    memset(p, 1, 64u << 20);
    printf("malloc ok\n");
    return 0;
}
C
if ! gcc -m32 -static -O0 -o "$tmp/loop" "$tmp/loop.c" ||
    ! gcc -m32 -static -O0 -o "$tmp/mall" "$tmp/mall.c"; then
    fail_now "gcc -m32 -static cannot build the guests (gcc-multilib missing?)"
fi

# check_json FILE END REASON: workload.end, partial, reason, and the vpt-1.10 identity.
check_json() {
    python3 - "$@" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
w, meta = d["workload"], d["meta"]
assert w["end"] == sys.argv[2], w["end"]
assert meta.get("partial", w.get("partial")) is True
reason = meta.get("partial_reason", w.get("partial_reason"))
assert reason == sys.argv[3], reason
# The guest ran (a loaded machine may run it slowly: no speed is asserted here).
assert w["insns"] > 1000, w["insns"]
for r in d["results"]:
    c = r["counters"]
    if r["scheme"] == "vpt-1.10":
        assert c["fault.real"] == c["fault.reflected"] + c["fault.resolved_real"], c
    assert c["vk.insns"] > 0 if "vk.insns" in c else True
PY
}

for engine in hooks paging; do
    # SIGINT after 2 s
    (cd "$tmp" && exec timeout -s KILL 30 "$vkmmu" run --engine "$engine" --json "$tmp/int-$engine.json" \
        ./loop >"$tmp/int-$engine.out" 2>"$tmp/int-$engine.err") &
    pid=$!
    sleep 2
    child=$(pgrep -P "$pid" | head -1)
    kill -INT "${child:-$pid}"
    wait "$pid"
    rc=$?
    if [ $rc -eq 130 ] && grep -q "interrupted by SIGINT after [0-9]* instructions" "$tmp/int-$engine.err" &&
        grep -q "^partial results: interrupted by SIGINT" "$tmp/int-$engine.err" &&
        check_json "$tmp/int-$engine.json" interrupted "interrupted by SIGINT"; then
        pass "sigint ($engine): exit 130, partial report and JSON"
    else
        fail "sigint ($engine): exit $rc"
        head -5 "$tmp/int-$engine.err"
    fi

    # --timeout 1
    start=$(date +%s%N)
    (cd "$tmp" && timeout -s KILL 30 "$vkmmu" run --engine "$engine" --timeout 1 \
        --json "$tmp/to-$engine.json" ./loop >"$tmp/to-$engine.out" 2>"$tmp/to-$engine.err")
    rc=$?
    took=$((($(date +%s%N) - start) / 1000000)) # ms
    if [ $rc -eq 124 ] && grep -q "stopped by --timeout after [0-9]* instructions" "$tmp/to-$engine.err" &&
        check_json "$tmp/to-$engine.json" timeout "--timeout 1 s reached" &&
        [ "$took" -lt 20000 ]; then
        pass "timeout ($engine): exit 124 after $took ms, partial JSON"
    else
        fail "timeout ($engine): exit $rc after $took ms"
        head -5 "$tmp/to-$engine.err"
    fi
done

# --guest-mem
(cd "$tmp" && timeout -s KILL 30 "$vkmmu" run --guest-mem 16M ./mall >"$tmp/gm.out" 2>"$tmp/gm.err")
rc=$?
if [ $rc -eq 1 ] && grep -q "^malloc failed" "$tmp/gm.out" && grep -q "^RLIMIT_AS 16777216" "$tmp/gm.out" &&
    grep -q "^vkmmu run: ./mall, engine" "$tmp/gm.err"; then
    pass "guest-mem 16M: the guest's malloc(64 MiB) fails, RLIMIT_AS says 16 MiB, no crash"
else
    fail "guest-mem 16M: exit $rc"
    cat "$tmp/gm.out"
    head -5 "$tmp/gm.err"
fi
(cd "$tmp" && timeout -s KILL 30 "$vkmmu" run --engine hooks --guest-mem 16M ./mall >"$tmp/gmh.out" 2>"$tmp/gmh.err")
rc=$?
[ $rc -eq 1 ] && grep -q "^malloc failed" "$tmp/gmh.out" && pass "guest-mem 16M (hooks): malloc fails" ||
    fail "guest-mem 16M (hooks): exit $rc"
(cd "$tmp" && timeout -s KILL 30 "$vkmmu" run ./mall >"$tmp/nogm.out" 2>"$tmp/nogm.err")
rc=$?
if [ $rc -eq 0 ] && grep -q "^malloc ok" "$tmp/nogm.out" && grep -q "^RLIMIT_AS unlimited" "$tmp/nogm.out"; then
    pass "no --guest-mem: malloc(64 MiB) succeeds, RLIMIT_AS unlimited"
else
    fail "no --guest-mem: exit $rc"
    cat "$tmp/nogm.out"
fi
"$vkmmu" run --guest-mem 12Q ./mall >/dev/null 2>"$tmp/bad.err"
rc=$?
[ $rc -eq 2 ] && grep -q -- "--guest-mem: expected a size" "$tmp/bad.err" && pass "--guest-mem 12Q: exit 2" ||
    fail "--guest-mem 12Q: exit $rc"
"$vkmmu" run --timeout -1 ./mall >/dev/null 2>"$tmp/bad.err"
rc=$?
[ $rc -eq 2 ] && grep -q -- "--timeout: expected a positive number" "$tmp/bad.err" && pass "--timeout -1: exit 2" ||
    fail "--timeout -1: exit $rc"

finish
