#!/bin/bash
# tests/emu/test_poll.sh VKMMU_BIN BUILD_DIR - poll, ppoll, select, pselect6 and epoll on pipes
# between guest processes and threads (guest/gos_poll.c): the test guest pollio.c, built for
# i386 and x86-64, prints under vkmmu exactly what it prints under the reference (qemu-i386 or
# the host for i386, scripts/ref-runner.sh; the host for x86-64), on both engines with the same
# counts, for every scheme; a wait no other guest thread can answer is a deadlock report, not
# a host that waits for ever; timeouts are virtual time (no wall-clock wait); a recording
# replays to the run's counts.
# Usage: bash test_poll.sh VKMMU_BIN BUILD_DIR
source "$(dirname "$0")/../lib.sh"
# shellcheck source=../../scripts/ref-runner.sh
source "$src/scripts/ref-runner.sh"
ref_require
build_emu_guests

reference() {
    if [ "$(basename "$1")" = pollio64 ]; then
        "$@" 2>/dev/null </dev/null | md5sum
    else
        ref_run "$@" 2>/dev/null </dev/null | md5sum
    fi
    echo "rc ${PIPESTATUS[0]}"
}

ALL=(--scheme vpt-1.10,vpt,ept,native,linux --policy none,dfly)
for prog in pollio pollio64; do
    for m in fork timeout epoll threads socket sigmask; do
        want=$(cd "$guests" && reference "./$prog" "$m")
        ok=1
        for e in paging hooks; do
            got=$(cd "$guests" && timeout 120 "$vkmmu" run --engine $e "${ALL[@]}" --timeout 60 \
                  --json "$tmp/$e.json" -- "./$prog" "$m" 2>"$tmp/$e.err" </dev/null | md5sum
                  echo "rc ${PIPESTATUS[0]}")
            if [ "$got" != "$want" ]; then
                ok=0
                echo "  $e: output or status differs from the reference's: $(tail -3 "$tmp/$e.err")"
                (cd "$guests" && "$vkmmu" run --engine $e -- "./$prog" "$m" 2>/dev/null | grep -v '^ok' | head -5)
            fi
        done
        engines_agree "$tmp/paging.json" "$tmp/hooks.json" || ok=0
        if [ $ok -eq 1 ]; then pass "$prog $m: as the reference, both engines, every scheme"; else fail "$prog $m"; fi
    done
done

# The sample output holds every check once (a guest that printed nothing would agree too).
n=$(cd "$guests" && "$vkmmu" run -- ./pollio64 all 2>/dev/null | grep -c '^ok ')
if [ "$n" -ge 85 ]; then pass "pollio64 all: $n checks ok"; else fail "pollio64 all: only $n checks ok"; fi

# The timeouts are virtual: 30 s of the guest's clock pass in the run (the guest checks), and
# the host does not wait them (a run of a few thousand instructions that took 30 s did).
start=$(date +%s)
out=$(cd "$guests" && "$vkmmu" run --engine hooks -- ./pollio64 long 2>/dev/null)
s=$(( $(date +%s) - start ))
if [ "$s" -lt 25 ] && [ "$(printf '%s\n' "$out" | grep -c '^ok ')" -eq 2 ]; then
    pass "30 s of timeouts in virtual time (the run took ${s} s)"
else
    fail "30 s of timeouts: the run took $s s: $out"
fi

# A wait only the waiting thread could answer: a deadlock report naming it, exit status 1.
for e in paging hooks; do
    (cd "$guests" && timeout 60 "$vkmmu" run --engine $e -- ./pollio64 forever >/dev/null 2>"$tmp/dl.err")
    rc=$?
    if [ $rc -eq 1 ] && grep -q "deadlocked after" "$tmp/dl.err" &&
        grep -q "waits on a pipe or socket (read, write, poll, select, epoll_wait)" "$tmp/dl.err"; then
        pass "poll for ever on its own pipe: deadlock reported ($e)"
    else
        fail "poll for ever ($e): rc $rc, $(head -3 "$tmp/dl.err")"
    fi
done

# Record and replay agree (the waits and wake-ups are in the recording's order).
for prog in pollio pollio64; do
    if recording_replays "$guests" 10 "${ALL[@]}" -- "./$prog" all; then
        pass "$prog: record and replay agree"
    else
        fail "$prog: record and replay differ"
    fi
done
finish
