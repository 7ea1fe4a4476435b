#!/bin/bash
# tests/emu/test_errors.sh VKMMU_BIN BUILD_DIR - guest errors end the run with a report (signal,
# EIP with symbol, the instruction disassembled, the faulting address) and exit 128+signal;
# programs vkmmu cannot run are refused with exit 2 and a message naming the file.
# Usage: bash test_errors.sh VKMMU_BIN BUILD_DIR
source "$(dirname "$0")/../lib.sh"
build_emu_guests
# expect_report NAME WANT_STATUS PATTERN... -- CMD...: runs CMD (stdout in $tmp/out, stderr in
# $tmp/err); passes NAME when it exits WANT_STATUS and its stderr matches every PATTERN.
expect_report() {
    local name=$1 want=$2
    shift 2
    local pats=()
    while [ "$1" != "--" ]; do pats+=("$1"); shift; done
    shift
    "$@" >"$tmp/out" 2>"$tmp/err"
    local rc=$? ok=1
    [ $rc -eq "$want" ] || ok=0
    for p in "${pats[@]}"; do grep -qE -- "$p" "$tmp/err" || { ok=0; echo "  missing: $p"; }; done
    if [ $ok -eq 1 ]; then
        pass "$name"
    else
        fail "$name (exit $rc, want $want)"
        sed 's/^/  | /' "$tmp/err" | head -8
    fi
}
for e in paging hooks; do
    expect_report "$e segv" 139 "SIGSEGV \(signal 11\)" "write at 0x0 \(no region\)" \
        "eip 0x[0-9a-f]{8} <main\+0x[0-9a-f]+>: mov" "faulting address 0x00000000" \
        -- "$vkmmu" run --engine $e -- "$guests/crash" segv
    expect_report "$e write to text" 139 "SIGSEGV" "region r-x" -- "$vkmmu" run --engine $e -- "$guests/crash" ro
    expect_report "$e invalid instruction" 132 "SIGILL \(signal 4\)" "<main\+0x[0-9a-f]+>: ud2" \
        -- "$vkmmu" run --engine $e -- "$guests/crash" ud
    expect_report "$e divide error" 136 "SIGFPE \(signal 8\)" "divide error" ": (i)?div " \
        -- "$vkmmu" run --engine $e -- "$guests/crash" div
    # Downgrades must reach Unicorn's TLB (the paging engine flushes after mprotect/munmap).
    expect_report "$e write after mprotect(PROT_READ)" 139 "SIGSEGV" "write at 0x[0-9a-f]+ \(region r--\)" \
        -- "$vkmmu" run --engine $e -- "$guests/crash" mprotect
    expect_report "$e read after munmap" 139 "SIGSEGV" "read at 0x[0-9a-f]+ \(no region\)" \
        -- "$vkmmu" run --engine $e -- "$guests/crash" munmap
    expect_report "$e max-insns" 1 "stopped by --max-insns after [0-9]+ instructions" \
        -- "$vkmmu" run --engine $e --max-insns 2000000 -- "$guests/crash" spin
    expect_report "$e nostdlib exit 42" 42 "engine $e" -- "$vkmmu" run --engine $e -- "$guests/exit42"
    [ "$(cat "$tmp/out")" = hi ] || fail "$e nostdlib output"
    expect_report "$e ok" 0 "engine $e" -- "$vkmmu" run --engine $e -- "$guests/crash" ok
done
# --top names the instructions with symbol+offset and their disassembly.
expect_report "--top" 0 "top 3 fault sites" "0x[0-9a-f]{8} +[0-9]+ +[0-9]+  [a-z_]+(\+0x[0-9a-f]+)? +[a-z]" \
    -- "$vkmmu" run --top 3 -- "$guests/crash" ok
echo "#!/bin/sh" >"$tmp/script.sh"
# A dynamically linked program whose interpreter the guest's view lacks: exit 2, naming it.
mkdir -p "$tmp/empty"
expect_report "dynamic ELF, no interpreter in the view" 2 \
    "hello-dyn: its interpreter /lib/ld-linux.so.2 \(PT_INTERP\) is not in the guest's view: No such file" \
    -- "$vkmmu" run --root "$tmp/empty" -- "$guests/hello-dyn"
# ... an interpreter that is not an ELF of the program's machine: Linux's ELIBBAD, named.
mkdir -p "$tmp/badroot/lib" && cp "$tmp/script.sh" "$tmp/badroot/lib/ld-linux.so.2"
chmod +x "$tmp/badroot/lib/ld-linux.so.2"
expect_report "interpreter not an ELF" 2 "its interpreter /lib/ld-linux.so.2 \(/lib/ld-linux.so.2\): not an ELF file.*ELIBBAD" \
    -- "$vkmmu" run --root "$tmp/badroot" -- "$guests/hello-dyn"
cp /lib64/ld-linux-x86-64.so.2 "$tmp/badroot/lib/ld-linux.so.2"
expect_report "interpreter of the other architecture" 2 "an x86_64 ELF for an i386 program.*ELIBBAD" \
    -- "$vkmmu" run --root "$tmp/badroot" -- "$guests/hello-dyn"
# A library in no view: ld.so's own error and exit 127 (the guest's, as on Linux), and the
# report's note naming the library.
printf 'int foo(void) { return 7; }\n' >"$tmp/foo.c"
printf 'int foo(void);\nint main(void) { return foo(); }\n' >"$tmp/m.c"
gcc -shared -fPIC -Wl,-soname,libfoo.so.1 -o "$tmp/libfoo.so.1" "$tmp/foo.c" &&
    gcc -o "$tmp/needs-foo" "$tmp/m.c" "$tmp/libfoo.so.1" || fail "cannot build the libfoo fixture"
expect_report "library in no view" 127 \
    "needs-foo: error while loading shared libraries: libfoo.so.1: cannot open shared object file" \
    "note: the guest looked for the shared object libfoo.so.1 in [0-9]+ places" \
    -- "$vkmmu" run --root / -- "$tmp/needs-foo"
# A library of the other class, and a truncated one, where the program's RUNPATH points: ld.so's
# own errors (as on the host), and a note naming the file ld.so refused.
mkdir -p "$tmp/l32" "$tmp/short"
gcc -m32 -shared -fPIC -Wl,-soname,libfoo.so.1 -o "$tmp/l32/libfoo.so.1" "$tmp/foo.c" &&
    head -c 300 "$tmp/libfoo.so.1" >"$tmp/short/libfoo.so.1" &&
    gcc -o "$tmp/wrong-class" "$tmp/m.c" "$tmp/libfoo.so.1" -Wl,-rpath,"$tmp/l32" &&
    gcc -o "$tmp/truncated" "$tmp/m.c" "$tmp/libfoo.so.1" -Wl,-rpath,"$tmp/short" ||
    fail "cannot build the wrong-class and truncated fixtures"
for p in wrong-class truncated; do
    native=$("$tmp/$p" 2>&1 >/dev/null)
    expect_report "library: $p" 127 "^$(printf '%s' "$native" | sed 's/[][\.*^$()+?{}|]/\\&/g')\$" \
        "note: the guest opened the shared object libfoo.so.1 at $tmp/[a-z0-9]+/libfoo.so.1 but never mapped it" \
        -- "$vkmmu" run --root / -- "$tmp/$p"
done
# ... and one the view has: it runs, as Linux runs it.
expect_report "dynamic ELF runs with its interpreter" 0 "engine paging" \
    -- "$vkmmu" run --root / -- "$guests/hello-dyn" ok
# Addresses inside shared objects are named by the file mapped there: a fault inside libc's
# fputs (by .dynsym: Debian's libc has no .symtab), --top's sites in ld.so (a local function:
# the file and the link-time address, which objdump shows with the same instruction).
expect_report "fault inside a shared library" 139 \
    "eip 0x[0-9a-f]{8} <(_IO_)?fputs\+0x[0-9a-f]+ \(libc\.so\.6\)>" \
    -- "$vkmmu" run --root / -- "$guests/hello-dyn" libc-segv
expect_report "fault inside libc, static" 139 "eip 0x[0-9a-f]{8} <(_IO_)?fputs\+0x[0-9a-f]+>" \
    -- "$vkmmu" run -- "$guests/crash" libc-segv
"$vkmmu" run --root / --top 40 -- "$guests/hello-dyn" ok 2>"$tmp/top.err" >/dev/null ||
    fail "--top on hello-dyn"
grep -Eq "^  0x[0-9a-f]{8} +[0-9]+ +[0-9]+  ld-linux\.so\.2\+0x[0-9a-f]+ " "$tmp/top.err" ||
    fail "--top names no site in ld.so by file: $(cat "$tmp/top.err")"
site=$(grep -Eo "ld-linux\.so\.2\+0x[0-9a-f]+ +[a-z].*" "$tmp/top.err" | head -1)
off=${site#ld-linux.so.2+0x}
off=${off%% *}
mnemonic=$(printf '%s' "$site" | awk '{print $2}')
dis=$(objdump -d -M intel --start-address=0x$off --stop-address=$((0x$off + 16)) /lib/ld-linux.so.2)
printf '%s\n' "$dis" | grep -Eq "^ +$off:.*[[:space:]]$mnemonic( |\$)" ||
    fail "ld-linux.so.2+0x$off is not a $mnemonic in objdump: $(printf '%s\n' "$dis" | grep -E "^ +$off:")"
# x86-64: a 12-digit address column, the library named.
"$vkmmu" run --root / --top 40 -- /bin/true 2>"$tmp/top64.err" ||
    fail "--top on /bin/true"
grep -Eq "^  0x[0-9a-f]{12} +[0-9]+ +[0-9]+  (ld-linux-x86-64\.so\.2|libc\.so\.6)\+0x" "$tmp/top64.err" ||
    fail "--top on /bin/true names no shared object: $(cat "$tmp/top64.err")"
cp /bin/true "$tmp/arm64" && printf '\267\000' | dd of="$tmp/arm64" bs=1 seek=18 conv=notrunc 2>/dev/null
expect_report "ELF for another machine refused" 2 "machine 183 in a 64-bit ELF" "x86-64" -- "$vkmmu" run -- "$tmp/arm64"
expect_report "dynamic x86-64 ELF, no interpreter in the view" 2 \
    "/bin/sh: its interpreter /lib64/ld-linux-x86-64.so.2 \(PT_INTERP\) is not in the guest's view" \
    -- "$vkmmu" run --root "$tmp/empty" -- /bin/sh
expect_report "non-ELF refused" 2 "script.sh: not an ELF file" -- "$vkmmu" run -- "$tmp/script.sh"
head -c 600 "$guests/crash" >"$tmp/trunc"
expect_report "truncated ELF refused" 2 "trunc: " -- "$vkmmu" run -- "$tmp/trunc"
expect_report "missing program" 2 "nonexistent: cannot open" -- "$vkmmu" run -- "$tmp/nonexistent"
expect_report "paging with the wrong engine name" 2 "--engine" -- "$vkmmu" run --engine nope -- "$guests/exit42"
finish
