#!/bin/bash
# tests/emu/test_errors.sh VKMMU_BIN BUILD_DIR - guest errors end the run with a report (signal,
# EIP with symbol, the instruction disassembled, the faulting address) and exit 128+signal;
# programs vkmmu cannot run are refused with exit 2 and a message naming the file.
set -u
vkmmu=${1:?usage: test_errors.sh VKMMU_BIN BUILD_DIR}
build=${2:?usage: test_errors.sh VKMMU_BIN BUILD_DIR}
here=$(cd "$(dirname "$0")" && pwd)
g=$build/tests-emu-guests
bash "$here/guests/build.sh" "$g" || { echo "FAIL cannot build the test guests"; exit 1; }
work=$(mktemp -d "$build/test-emu-errors.XXXXXX")
trap 'rm -rf "$work"' EXIT
fails=0
expect() { # NAME WANT_STATUS PATTERN... -- CMD...: runs CMD, checks status and stderr
    local name=$1 want=$2
    shift 2
    local pats=()
    while [ "$1" != "--" ]; do pats+=("$1"); shift; done
    shift
    "$@" >"$work/out" 2>"$work/err"
    local rc=$? ok=1
    [ $rc -eq "$want" ] || ok=0
    for p in "${pats[@]}"; do grep -qE -- "$p" "$work/err" || { ok=0; echo "  missing: $p"; }; done
    if [ $ok -eq 1 ]; then
        echo "ok   $name"
    else
        echo "FAIL $name (exit $rc, want $want)"
        sed 's/^/  | /' "$work/err" | head -8
        fails=$((fails + 1))
    fi
}
for e in paging hooks; do
    expect "$e segv" 139 "SIGSEGV \(signal 11\)" "write at 0x0 \(no region\)" \
        "eip 0x[0-9a-f]{8} <main\+0x[0-9a-f]+>: mov" "faulting address 0x00000000" \
        -- "$vkmmu" run --engine $e -- "$g/crash" segv
    expect "$e write to text" 139 "SIGSEGV" "region r-x" -- "$vkmmu" run --engine $e -- "$g/crash" ro
    expect "$e invalid instruction" 132 "SIGILL \(signal 4\)" "<main\+0x[0-9a-f]+>: ud2" \
        -- "$vkmmu" run --engine $e -- "$g/crash" ud
    expect "$e divide error" 136 "SIGFPE \(signal 8\)" "divide error" ": (i)?div " \
        -- "$vkmmu" run --engine $e -- "$g/crash" div
    # Downgrades must reach Unicorn's TLB (the paging engine flushes after mprotect/munmap).
    expect "$e write after mprotect(PROT_READ)" 139 "SIGSEGV" "write at 0x[0-9a-f]+ \(region r--\)" \
        -- "$vkmmu" run --engine $e -- "$g/crash" mprotect
    expect "$e read after munmap" 139 "SIGSEGV" "read at 0x[0-9a-f]+ \(no region\)" \
        -- "$vkmmu" run --engine $e -- "$g/crash" munmap
    expect "$e max-insns" 1 "stopped by --max-insns after [0-9]+ instructions" \
        -- "$vkmmu" run --engine $e --max-insns 2000000 -- "$g/crash" spin
    expect "$e nostdlib exit 42" 42 "engine $e" -- "$vkmmu" run --engine $e -- "$g/exit42"
    [ "$(cat "$work/out")" = hi ] || { echo "FAIL $e nostdlib output"; fails=$((fails + 1)); }
    expect "$e ok" 0 "engine $e" -- "$vkmmu" run --engine $e -- "$g/crash" ok
done
# --top names the instructions with symbol+offset and their disassembly.
expect "--top" 0 "top 3 fault sites" "0x[0-9a-f]{8} +[0-9]+ +[0-9]+  [a-z_]+(\+0x[0-9a-f]+)? +[a-z]" \
    -- "$vkmmu" run --top 3 -- "$g/crash" ok
echo "#!/bin/sh" >"$work/script.sh"
expect "dynamic ELF refused" 2 "hello-dyn: dynamically linked" "static" -- "$vkmmu" run -- "$g/hello-dyn"
expect "x86-64 ELF refused" 2 "64-bit" "i386" -- "$vkmmu" run -- /bin/sh
expect "non-ELF refused" 2 "script.sh: not an ELF file" -- "$vkmmu" run -- "$work/script.sh"
head -c 600 "$g/crash" >"$work/trunc"
expect "truncated ELF refused" 2 "trunc: " -- "$vkmmu" run -- "$work/trunc"
expect "missing program" 2 "nonexistent: cannot open" -- "$vkmmu" run -- "$work/nonexistent"
expect "paging with the wrong engine name" 2 "--engine" -- "$vkmmu" run --engine nope -- "$g/exit42"
echo "$fails failure(s)"
[ $fails -eq 0 ]
