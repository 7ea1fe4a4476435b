#!/bin/bash
# tests/emu/test_x86_64.sh VKMMU_BIN BUILD_DIR - static x86-64 guests (issue 13): every
# guests/ workload built for x86-64 (guests/x86_64/), the static-pie build and amd64 busybox
# applets print under vkmmu exactly what they print run by the host, with the same exit
# status, on both engines, with the same counts in both (access.* and tlb.* aside); a run's
# recording replays to its counts and says x86_64; and the ABI's edges: int 0x80 from 64-bit
# code, non-canonical and kernel-half addresses, an execve of an i386 program, the FS base.
# The reference is the host itself (x86-64); a host that cannot run x86-64 programs skips.
# Usage: bash test_x86_64.sh VKMMU_BIN BUILD_DIR
source "$(dirname "$0")/../lib.sh"
gdir=$build/guests
[ -x "$gdir/x86_64/seqscan" ] || fail_now "$gdir/x86_64 not built (the guests target)"
if ! "$gdir/x86_64/seqscan" 1 1 >/dev/null 2>&1; then
    echo "SKIP: this host cannot run x86-64 programs (the reference for this test)"
    exit 0
fi
build_emu_guests
bb64=$(bash "$src/scripts/install-deps.sh" --busybox-amd64-path)

# compare NAME DIR OPTIONS -- PROGRAM ARGS...: host output and status = each engine's, and the
# engines' counters are equal.
compare() {
    local name=$1 dir=$2
    shift 2
    local opts=()
    while [ "$1" != "--" ]; do opts+=("$1"); shift; done
    shift
    local ok=1 want rc_want
    want=$(cd "$dir" && "$@" 2>/dev/null </dev/null | md5sum; echo "rc ${PIPESTATUS[0]}")
    for e in paging hooks; do
        local got
        got=$(cd "$dir" && "$vkmmu" run --engine $e "${opts[@]}" --json "$tmp/$e.json" -- "$@" \
              2>"$tmp/$e.err" </dev/null | md5sum; echo "rc ${PIPESTATUS[0]}")
        if [ "$got" != "$want" ]; then
            ok=0
            echo "  $e: output or status differs from the host's ($want / $got): $(tail -2 "$tmp/$e.err")"
        fi
    done
    grep -q '"arch": "x86_64"' "$tmp/paging.json" || { ok=0; echo "  the JSON does not say x86_64"; }
    engines_agree "$tmp/paging.json" "$tmp/hooks.json" || ok=0
    if [ $ok -eq 1 ]; then pass "$name"; else fail "$name"; fi
}

while read -r name args; do
    case $name in '#'* | '') continue ;; esac
    # shellcheck disable=SC2086
    compare "x86_64/$name $args" "$gdir" --scheme vpt-1.10 -- "./x86_64/$name" $args
done <"$gdir/workloads.txt"
compare "x86_64/seqscan-pie (static-pie ET_DYN)" "$gdir" --scheme vpt-1.10,linux \
    -- ./x86_64/seqscan-pie 4 1
compare "x86_64/randacc, 4 schemes x 2 policies" "$gdir" --scheme vpt-1.10,vpt,ept,linux \
    --policy none,dfly -- ./x86_64/randacc 4 200
compare "x86_64/churn, --vk-mem 1M, dirty eager" "$gdir" --scheme vpt,native --dirty eager \
    --vk-mem 1M -- ./x86_64/churn 5 256

if [ -x "$bb64" ]; then
    head -c 200000 /dev/urandom >"$tmp/data.bin"
    seq 1 3000 | sed 's/^/line /' >"$tmp/words.txt"
    for applet in "true" "echo a b c" "md5sum data.bin" "sha256sum data.bin" "sort -r words.txt" \
        "wc words.txt" "gzip -c data.bin" "sed s/line/L/ words.txt" "grep -c 7 words.txt" \
        'awk {s+=$2}END{print(s)} words.txt' "seq 5" "basename /a/b/c"; do
        # shellcheck disable=SC2086
        compare "busybox (amd64) $applet" "$tmp" --scheme vpt-1.10 -- "$bb64" $applet
    done
else
    fail "no amd64 busybox at '$bb64' (scripts/install-deps.sh installs it)"
fi

# Processes, threads and signals in x86-64 (clone's argument order, the FS base of a new
# thread, the 64-bit rt_sigframe and rt_sigreturn, vfork + execve of an x86-64 program).
for m in "fork 3" "pipe 3" "threads 4" signals segv-child spawn; do
    # shellcheck disable=SC2086
    compare "procs64 $m" "$guests" --scheme vpt-1.10,linux -- ./procs64 $m
done

# The initial x87 control word and MXCSR are Linux's (0x37f, 0x1f80).
compare "x64 fpu: the initial FPU and SSE control state" "$guests" --scheme vpt-1.10 -- ./x64 fpu

# Record and replay: the recording says x86_64 and replays to the run's counts.
(cd "$gdir" && "$vkmmu" run --scheme vpt-1.10,linux --policy none,dfly --record "$tmp/r.vkt" \
    --json "$tmp/run.json" -- ./x86_64/sort 16 >/dev/null 2>&1) || fail "recording run failed"
"$vkmmu" replay --scheme vpt-1.10,linux --policy none,dfly --json "$tmp/replay.json" \
    "$tmp/r.vkt" >/dev/null 2>"$tmp/replay.err" || fail "replay failed: $(tail -1 "$tmp/replay.err")"
grep -q '"arch": "x86_64"' "$tmp/replay.json" && pass "the recording says x86_64" ||
    fail "the replay of the recording does not say x86_64: $(grep -m1 '"arch"' "$tmp/replay.json")"
rc_counts() { grep -E '"(fault|walk|vk|page|prefault|cycles)\.[a-z_.]+":' "$1" | grep -v '"cycles.insn"'; }
check "replay gives the run's counts" "$(rc_counts "$tmp/run.json")" "$(rc_counts "$tmp/replay.json")"

# The ABI's edges.
g=$build/tests-emu-guests
expect 1 "int 0x80 from x86-64 code" "$vkmmu" run -- "$g/x64" int80
expect 139 "general protection fault \(#GP\)" "$vkmmu" run -- "$g/x64" noncanon
expect 139 "read at 0xffff800000001000 \(no region\)" "$vkmmu" run -- "$g/x64" kernel
expect 1 "an i386 program from an x86_64 process" "$vkmmu" run --root "$g" -- "$g/x64" exec /exit42
# CPUID: Unicorn's, with leaf 1's FPU and MMX bits (emu_cpuid.c); rdtsc/rdtscp: the virtual
# TSC (instructions retired), the same in both engines.
cpu_p=$("$vkmmu" run --engine paging -- "$g/x64" cpu 2>/dev/null)
cpu_h=$("$vkmmu" run --engine hooks -- "$g/x64" cpu 2>/dev/null)
check "cpuid FPU and MMX, rdtsc increasing" "fpu 1 mmx 1 tsc increases 1 aux 0" "$(head -1 <<<"$cpu_p")"
check "the virtual TSC is the same in both engines" "$cpu_p" "$cpu_h"
check "posix_fadvise answers as Linux" "$("$g/x64" fadvise)" "$("$vkmmu" run --root / -- "$g/x64" fadvise 2>/dev/null)"
out=$("$vkmmu" run --engine hooks -- "$g/x64" fs 2>/dev/null)
check "arch_prctl(ARCH_GET_FS) and the TLS variable" "arch_prctl 0 fs-self same tls 42" "$out"
finish
