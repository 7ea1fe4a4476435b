#!/usr/bin/env bash
# scripts/ref-runner.sh - the reference runner: how every test and script that compares vkmmu with
# "native" runs a static i386 program.  The host itself where it executes i386 programs, else
# qemu-i386 from Debian's qemu-user (no binfmt handler is ever registered: a native run can never
# be qemu in disguise).
#
# As a command:
#   scripts/ref-runner.sh --mode            prints "native" or "qemu" and why (one line)
#   scripts/ref-runner.sh PROGRAM [ARGS]    runs PROGRAM with the reference runner
# As a library (bash):
#   source scripts/ref-runner.sh            sets REF_MODE (native | qemu) and REF_WHY, defines
#                                           ref_run PROGRAM [ARGS] and ref_host_can_run_i386
#
# VKMMU_REF_RUNNER=native|qemu|auto (default auto) forces the choice: `qemu` lets a host that does
# run i386 programs test what a host that cannot will see (scripts/test.sh runs the reference
# tests both ways); `native` on a host that cannot run i386 programs is an error.
#
# The host is asked once per process tree: the answer is exported as VKMMU_REF_HOST_I386 (yes|no).
# The question is an execve of a 126-byte static i386 ELF written here (no compiler, no libc,
# no shell in between) that writes "i386-ok" and exits 42: only a real i386 execution gives both.

# ref__probe DIR: writes the probe program into DIR/i386-probe.
ref__probe() {
    # ELF header (52 bytes): ELFCLASS32, little-endian, ET_EXEC, EM_386, entry 0x08048054,
    # one program header at offset 52.
    printf '\x7fELF\x01\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00'
    printf '\x02\x00\x03\x00\x01\x00\x00\x00\x54\x80\x04\x08\x34\x00\x00\x00'
    printf '\x00\x00\x00\x00\x00\x00\x00\x00\x34\x00\x20\x00\x01\x00\x00\x00\x00\x00\x00\x00'
    # PT_LOAD: offset 0, vaddr = paddr = 0x08048000, filesz = memsz = 126, R+X, align 4096.
    printf '\x01\x00\x00\x00\x00\x00\x00\x00\x00\x80\x04\x08\x00\x80\x04\x08'
    printf '\x7e\x00\x00\x00\x7e\x00\x00\x00\x05\x00\x00\x00\x00\x10\x00\x00'
    # write(1, msg, 8); exit(42) through int 0x80; msg at 0x08048076.
    printf '\xb8\x04\x00\x00\x00\xbb\x01\x00\x00\x00\xb9\x76\x80\x04\x08\xba\x08\x00\x00\x00'
    printf '\xcd\x80\xb8\x01\x00\x00\x00\xbb\x2a\x00\x00\x00\xcd\x80'
    printf 'i386-ok\n'
}

# ref_host_can_run_i386: 0 if this host executes static i386 programs itself (asked once).
ref_host_can_run_i386() {
    if [ -z "${VKMMU_REF_HOST_I386:-}" ]; then
        local dir out rc
        dir=$(mktemp -d "${TMPDIR:-/tmp}/vkmmu-ref.XXXXXX") || return 1
        ref__probe >"$dir/i386-probe"
        chmod 755 "$dir/i386-probe"
        # `exec` in a subshell: bash's own execve, which reports ENOEXEC for a binary file
        # ("cannot execute binary file") instead of running it as a script.
        out=$( (exec "$dir/i386-probe") 2>/dev/null)
        rc=$?
        rm -rf "$dir"
        if [ $rc -eq 42 ] && [ "$out" = "i386-ok" ]; then
            VKMMU_REF_HOST_I386=yes
        else
            VKMMU_REF_HOST_I386=no
        fi
        export VKMMU_REF_HOST_I386
    fi
    [ "$VKMMU_REF_HOST_I386" = yes ]
}

# ref__choose: sets REF_MODE and REF_WHY; returns 1 (with REF_WHY the reason) when no runner fits.
ref__choose() {
    local want=${VKMMU_REF_RUNNER:-auto}
    case $want in
    auto)
        if ref_host_can_run_i386; then
            REF_MODE=native
            REF_WHY="this host executes i386 programs"
        else
            REF_MODE=qemu
            REF_WHY="this host cannot execute i386 programs (ENOEXEC)"
        fi
        ;;
    native)
        if ! ref_host_can_run_i386; then
            REF_MODE=
            REF_WHY="VKMMU_REF_RUNNER=native, but this host cannot execute i386 programs (ENOEXEC)"
            return 1
        fi
        REF_MODE=native
        REF_WHY="forced by VKMMU_REF_RUNNER=native"
        ;;
    qemu)
        REF_MODE=qemu
        REF_WHY="forced by VKMMU_REF_RUNNER=qemu"
        ;;
    *)
        REF_MODE=
        REF_WHY="VKMMU_REF_RUNNER='$want' (expected auto, native or qemu)"
        return 1
        ;;
    esac
    if [ "$REF_MODE" = qemu ] && ! command -v qemu-i386 >/dev/null 2>&1; then
        REF_WHY="$REF_WHY, and qemu-i386 is not installed (Debian package qemu-user; scripts/install-deps.sh)"
        REF_MODE=
        return 1
    fi
    return 0
}

# ref_require: for a test that needs a reference runner: prints which one it uses, or FAIL
# with the reason and exits 1 (the test cannot compare with anything).
ref_require() {
    if [ -z "$REF_MODE" ]; then
        echo "FAIL: no reference runner: $REF_WHY"
        exit 1
    fi
    echo "reference runner: $REF_MODE ($REF_WHY)"
}

# ref_run PROGRAM [ARGS...]: runs a static i386 program with the reference runner, in the current
# directory, with the caller's standard streams; returns its exit status.
ref_run() {
    case $REF_MODE in
    native) "$@" ;;
    qemu) qemu-i386 "$@" ;;
    *)
        echo "ref-runner: no reference runner: $REF_WHY" >&2
        return 125
        ;;
    esac
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
    # Run as a command.
    if ! ref__choose; then
        echo "ref-runner: $REF_WHY" >&2
        exit 125
    fi
    case ${1:-} in
    --mode)
        echo "$REF_MODE ($REF_WHY)"
        exit 0
        ;;
    '' | -h | --help)
        sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'
        exit 2
        ;;
    esac
    ref_run "$@"
    exit $?
fi
# Sourced: choose now, and let the caller decide what a failure means.
ref__choose || true
# The forced-qemu copy of a test (tests/CMakeLists.txt sets VKMMU_REF_DUPLICATE_SKIP=77 with
# VKMMU_REF_RUNNER=qemu) is a duplicate where the host cannot run i386 programs: the test's own
# run already used qemu-i386.  It then skips with that status instead of running twice.
if [ -n "${VKMMU_REF_DUPLICATE_SKIP:-}" ] && [ "$REF_MODE" = qemu ] && ! ref_host_can_run_i386; then
    echo "SKIP: this host cannot execute i386 programs, so the test's default run already used qemu-i386"
    exit "$VKMMU_REF_DUPLICATE_SKIP"
fi
