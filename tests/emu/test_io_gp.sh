#!/bin/bash
# tests/emu/test_io_gp.sh VKMMU_BIN BUILD_DIR - I/O instructions in user mode (issue 10): Linux
# runs a process with IOPL 0 and no I/O permission bitmap, so in, out, ins and outs (every form,
# with or without rep) raise #GP and the process dies of SIGSEGV.  Unicorn 2.0.1 runs them; vkmmu
# must report each one (both engines) as SIGSEGV with exit status 139, naming its EIP with symbol
# and the instruction disassembled, and the reference runner (scripts/ref-runner.sh) must agree
# on the exit status.
set -u
vkmmu=${1:?usage: test_io_gp.sh VKMMU_BIN BUILD_DIR}
build=${2:?usage: test_io_gp.sh VKMMU_BIN BUILD_DIR}
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../../scripts/ref-runner.sh
source "$here/../../scripts/ref-runner.sh"
ref_require
g=$build/tests-emu-guests
bash "$here/guests/build.sh" "$g" || { echo "FAIL cannot build the test guests"; exit 1; }
work=$(mktemp -d "$build/test-emu-io-gp.XXXXXX")
trap 'rm -rf "$work"' EXIT
fails=0
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
    (cd "$work" && ref_run "$g/crash" "$mode") >/dev/null 2>&1
    ref=$?
    if [ $ref -ne 139 ]; then
        echo "FAIL reference runner: crash $mode exit $ref, want 139 (SIGSEGV)"
        fails=$((fails + 1))
    fi
    for e in paging hooks; do
        "$vkmmu" run --engine $e -- "$g/crash" "$mode" >"$work/out" 2>"$work/err"
        rc=$? ok=1
        [ $rc -eq 139 ] && [ $rc -eq $ref ] || ok=0
        for p in "SIGSEGV \(signal 11\)" "general protection fault \(#GP\): I/O instruction" \
            "eip 0x[0-9a-f]{8} <(main|io_insn)\+0x[0-9a-f]+>: ${insn[$mode]}\$"; do
            grep -qE -- "$p" "$work/err" || { ok=0; echo "  missing: $p"; }
        done
        # The instruction did not run: the guest's "did not fault" line never appears.
        [ -s "$work/out" ] && ok=0
        if [ $ok -eq 1 ]; then
            echo "ok   $e $mode: exit $rc (reference $ref), $(grep -oE 'eip 0x.*' "$work/err")"
        else
            echo "FAIL $e $mode (exit $rc, reference $ref, want 139)"
            sed 's/^/  | /' "$work/out" "$work/err" | head -10
            fails=$((fails + 1))
        fi
    done
done
# The fast system-call instructions of a program without a vDSO: sysenter dies of SIGSEGV (the
# kernel returns through the vDSO), syscall of SIGILL (#UD in 32-bit code); the reference agrees.
for mode in sysenter:139:SIGSEGV syscall:132:SIGILL; do
    IFS=: read -r m want sig <<<"$mode"
    (cd "$work" && ref_run "$g/crash" "$m") >/dev/null 2>&1
    ref=$?
    for e in paging hooks; do
        "$vkmmu" run --engine $e -- "$g/crash" "$m" >"$work/out" 2>"$work/err"
        rc=$?
        if [ $rc -eq "$want" ] && [ $ref -eq "$want" ] && [ ! -s "$work/out" ] &&
            grep -qE "killed by $sig" "$work/err" &&
            grep -qE "eip 0x[0-9a-f]{8} <main\+0x[0-9a-f]+>: $m\$" "$work/err"; then
            echo "ok   $e $m: exit $rc (reference $ref)"
        else
            echo "FAIL $e $m: exit $rc, reference $ref, want $want"
            sed 's/^/  | /' "$work/out" "$work/err" | head -6
            fails=$((fails + 1))
        fi
    done
done
echo "$fails failure(s)"
[ $fails -eq 0 ]
