#!/bin/bash
# tests/emu/test_io_gp.sh VKMMU_BIN BUILD_DIR - I/O instructions in user mode (issue 10): Linux
# runs a process with IOPL 0 and no I/O permission bitmap, so in, out, ins and outs (every form,
# with or without rep) raise #GP and the process dies of SIGSEGV.  Unicorn 2.0.1 runs them; vkmmu
# must report each one (both engines) as SIGSEGV with exit status 139, naming its EIP with symbol
# and the instruction disassembled, and the reference runner (scripts/ref-runner.sh) must agree
# on the exit status.
# Usage: bash test_io_gp.sh VKMMU_BIN BUILD_DIR
source "$(dirname "$0")/../lib.sh"
# shellcheck source=../../scripts/ref-runner.sh
source "$src/scripts/ref-runner.sh"
ref_require
build_emu_guests
# crash.c mode -> the instruction as Capstone prints it
declare -A insn=(
    [in]='in al, dx'
    [in-imm]='in eax, 0x60'
    [out]='out dx, al'
    [out-imm]='out 0x80, al'
    [ins]='rep insb byte ptr es:\[edi\], dx'
    [insd]='rep insd dword ptr es:\[edi\], dx'
    [outs]='rep outsb dx, byte ptr \[esi\]'
    [outsd]='rep outsd dx, dword ptr \[esi\]'
    [ins-mmap]='rep insb byte ptr es:\[edi\], dx'
    [outs-mmap]='rep outsb dx, byte ptr \[esi\]'
)
for mode in in in-imm out out-imm ins insd outs outsd ins-mmap outs-mmap; do
    (cd "$tmp" && ref_run "$guests/crash" "$mode") >/dev/null 2>&1
    ref=$?
    if [ $ref -ne 139 ]; then
        fail "reference runner: crash $mode exit $ref, want 139 (SIGSEGV)"
    fi
    for e in paging hooks; do
        "$vkmmu" run --engine $e -- "$guests/crash" "$mode" >"$tmp/out" 2>"$tmp/err"
        rc=$? ok=1
        [ $rc -eq 139 ] && [ $rc -eq $ref ] || ok=0
        for p in "SIGSEGV \(signal 11\)" "general protection fault \(#GP\): I/O instruction" \
            "eip 0x[0-9a-f]{8} <(main|io_insn)\+0x[0-9a-f]+>: ${insn[$mode]}\$"; do
            grep -qE -- "$p" "$tmp/err" || { ok=0; echo "  missing: $p"; }
        done
        # The instruction did not run: the guest's "did not fault" line never appears.
        [ -s "$tmp/out" ] && ok=0
        if [ $ok -eq 1 ]; then
            pass "$e $mode: exit $rc (reference $ref), $(grep -oE 'eip 0x.*' "$tmp/err")"
        else
            fail "$e $mode (exit $rc, reference $ref, want 139)"
            sed 's/^/  | /' "$tmp/out" "$tmp/err" | head -10
        fi
    done
done
# The fast system-call instructions of a program without a vDSO: sysenter dies of SIGSEGV (the
# kernel returns through the vDSO), syscall of SIGILL (#UD in 32-bit code); the reference agrees.
for mode in sysenter:139:SIGSEGV syscall:132:SIGILL; do
    IFS=: read -r m want sig <<<"$mode"
    (cd "$tmp" && ref_run "$guests/crash" "$m") >/dev/null 2>&1
    ref=$?
    for e in paging hooks; do
        "$vkmmu" run --engine $e -- "$guests/crash" "$m" >"$tmp/out" 2>"$tmp/err"
        rc=$?
        if [ $rc -eq "$want" ] && [ $ref -eq "$want" ] && [ ! -s "$tmp/out" ] &&
            grep -qE "killed by $sig" "$tmp/err" &&
            grep -qE "eip 0x[0-9a-f]{8} <main\+0x[0-9a-f]+>: $m\$" "$tmp/err"; then
            pass "$e $m: exit $rc (reference $ref)"
        else
            fail "$e $m: exit $rc, reference $ref, want $want"
            sed 's/^/  | /' "$tmp/out" "$tmp/err" | head -6
        fi
    done
done
finish
