#!/usr/bin/env bash
# tests/emu/ref_runner.sh VKMMU_BIN BUILD_DIR - the reference runner (scripts/ref-runner.sh) and
# the host measurements that must not pretend (issue 10 item 1), on whatever host this runs:
#  - --mode names native or qemu and why; VKMMU_REF_RUNNER forces qemu, refuses a bad value,
#    and refuses native where the host cannot run i386 programs;
#  - the i386 probe runs under vkmmu and the reference runner alike ("i386-ok", exit 42), and
#    the busybox echo prints the same under both;
#  - scripts/linux-vs-host.sh on a host that cannot run i386 (the cached answer forced to "no")
#    exits 3 with the reason and prints no table; scripts/minflt.c refuses a program it cannot
#    execute with exit 3 and no numbers, and counts one it can.
# Usage: bash ref_runner.sh VKMMU_BIN BUILD_DIR
source "$(dirname "$0")/../lib.sh"
rr=$src/scripts/ref-runner.sh

# The host's answer, asked once here; every sub-process below inherits it.
# shellcheck source=../../scripts/ref-runner.sh
source "$rr"
if ref_host_can_run_i386; then host=yes; else host=no; fi
echo "host executes i386 programs: $host"

# --mode, and the forcing variable.
mode=$(VKMMU_REF_RUNNER=auto bash "$rr" --mode)
if [ $host = yes ]; then want=native; else want=qemu; fi
check "auto mode" "$want" "${mode%% *}"
check "forced qemu" "qemu" "$(VKMMU_REF_RUNNER=qemu bash "$rr" --mode | cut -d' ' -f1)"
VKMMU_REF_RUNNER=bogus bash "$rr" --mode >"$tmp/out" 2>"$tmp/err"
check "bad VKMMU_REF_RUNNER: exit" 125 $?
grep -q "expected auto, native or qemu" "$tmp/err" && pass "bad VKMMU_REF_RUNNER: message" ||
    fail "bad VKMMU_REF_RUNNER: message: $(cat "$tmp/err")"
VKMMU_REF_RUNNER=native VKMMU_REF_HOST_I386=no bash "$rr" --mode >"$tmp/out" 2>"$tmp/err"
check "forced native on a host without i386: exit" 125 $?
grep -q "cannot execute i386 programs" "$tmp/err" && pass "forced native: message" ||
    fail "forced native: message: $(cat "$tmp/err")"

# The probe program: the reference runner and vkmmu (both engines) run it alike.
ref__probe >"$tmp/probe"
chmod 755 "$tmp/probe"
for runner in auto qemu; do
    out=$(VKMMU_REF_RUNNER=$runner bash "$rr" "$tmp/probe")
    check "probe under the reference runner ($runner): exit" 42 $?
    check "probe under the reference runner ($runner): output" "i386-ok" "$out"
done
for engine in paging hooks; do
    out=$("$vkmmu" run --engine $engine -- "$tmp/probe" 2>"$tmp/err")
    check "probe under vkmmu ($engine): exit" 42 $?
    check "probe under vkmmu ($engine): output" "i386-ok" "$out"
done
if [ -x /bin/busybox ]; then
    check "busybox echo: reference = vkmmu" "$(bash "$rr" /bin/busybox echo a b)" \
        "$("$vkmmu" run -- /bin/busybox echo a b 2>/dev/null)"
fi

# linux-vs-host.sh where the host cannot run i386 programs: the reason, exit 3, no table.
VKMMU_REF_HOST_I386=no bash "$src/scripts/linux-vs-host.sh" "$build" --arch i386 >"$tmp/out" 2>"$tmp/err"
check "linux-vs-host without i386: exit" 3 $?
[ -s "$tmp/out" ] && fail "linux-vs-host without i386 printed: $(head -3 "$tmp/out")" ||
    pass "linux-vs-host without i386: nothing on stdout"
grep -q "cannot measure the host kernel's own minor faults" "$tmp/err" &&
    pass "linux-vs-host without i386: says why" || fail "linux-vs-host: message: $(cat "$tmp/err")"

# minflt: a program it cannot execute gives no numbers; one it can gives three.
gcc -O2 -o "$tmp/minflt" "$src/scripts/minflt.c" || fail "minflt does not build"
printf 'not a program\n' >"$tmp/noexec"
chmod 755 "$tmp/noexec"
"$tmp/minflt" "$tmp/noexec" >"$tmp/out" 2>"$tmp/err"
check "minflt on an unexecutable file: exit" 3 $?
[ -s "$tmp/out" ] && fail "minflt printed numbers for a failed exec: $(cat "$tmp/out")" ||
    pass "minflt on an unexecutable file: no numbers"
grep -q "cannot execute .*Exec format error" "$tmp/err" && pass "minflt: says why" ||
    fail "minflt: message: $(cat "$tmp/err")"
"$tmp/minflt" "$tmp/probe" >"$tmp/out" 2>"$tmp/err"
rc=$?
if [ $host = yes ]; then
    check "minflt on the i386 probe (host runs i386): exit" 0 $rc
    grep -qE '^[0-9]+ [0-9]+ 42$' "$tmp/out" && pass "minflt counts the probe" ||
        fail "minflt output: $(cat "$tmp/out")"
else
    check "minflt on the i386 probe (host cannot run i386): exit" 3 $rc
fi
"$tmp/minflt" /bin/true >"$tmp/out" 2>"$tmp/err"
grep -qE '^[0-9]+ [0-9]+ 0$' "$tmp/out" && pass "minflt counts /bin/true" ||
    fail "minflt /bin/true: $(cat "$tmp/out" "$tmp/err")"

finish
