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
set -u
vkmmu=${1:?usage: ref_runner.sh VKMMU_BIN BUILD_DIR}
build=${2:?usage: ref_runner.sh VKMMU_BIN BUILD_DIR}
here=$(cd "$(dirname "$0")" && pwd)
src=$here/../..
rr=$src/scripts/ref-runner.sh
work=$(mktemp -d "$build/test-ref-runner.XXXXXX")
trap 'rm -rf "$work"' EXIT
fails=0
passes=0
ok() { echo "ok   $1"; passes=$((passes + 1)); }
bad() { echo "FAIL $1"; fails=$((fails + 1)); }
check() { if [ "$2" = "$3" ]; then ok "$1"; else bad "$1: expected '$2', got '$3'"; fi; }

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
VKMMU_REF_RUNNER=bogus bash "$rr" --mode >"$work/out" 2>"$work/err"
check "bad VKMMU_REF_RUNNER: exit" 125 $?
grep -q "expected auto, native or qemu" "$work/err" && ok "bad VKMMU_REF_RUNNER: message" ||
    bad "bad VKMMU_REF_RUNNER: message: $(cat "$work/err")"
VKMMU_REF_RUNNER=native VKMMU_REF_HOST_I386=no bash "$rr" --mode >"$work/out" 2>"$work/err"
check "forced native on a host without i386: exit" 125 $?
grep -q "cannot execute i386 programs" "$work/err" && ok "forced native: message" ||
    bad "forced native: message: $(cat "$work/err")"

# The probe program: the reference runner and vkmmu (both engines) run it alike.
ref__probe >"$work/probe"
chmod 755 "$work/probe"
for runner in auto qemu; do
    out=$(VKMMU_REF_RUNNER=$runner bash "$rr" "$work/probe")
    check "probe under the reference runner ($runner): exit" 42 $?
    check "probe under the reference runner ($runner): output" "i386-ok" "$out"
done
for engine in paging hooks; do
    out=$("$vkmmu" run --engine $engine -- "$work/probe" 2>"$work/err")
    check "probe under vkmmu ($engine): exit" 42 $?
    check "probe under vkmmu ($engine): output" "i386-ok" "$out"
done
if [ -x /bin/busybox ]; then
    check "busybox echo: reference = vkmmu" "$(bash "$rr" /bin/busybox echo a b)" \
        "$("$vkmmu" run -- /bin/busybox echo a b 2>/dev/null)"
fi

# linux-vs-host.sh where the host cannot run i386 programs: the reason, exit 3, no table.
VKMMU_REF_HOST_I386=no bash "$src/scripts/linux-vs-host.sh" "$build" >"$work/out" 2>"$work/err"
check "linux-vs-host without i386: exit" 3 $?
[ -s "$work/out" ] && bad "linux-vs-host without i386 printed: $(head -3 "$work/out")" ||
    ok "linux-vs-host without i386: nothing on stdout"
grep -q "cannot measure the host kernel's own minor faults" "$work/err" &&
    ok "linux-vs-host without i386: says why" || bad "linux-vs-host: message: $(cat "$work/err")"

# minflt: a program it cannot execute gives no numbers; one it can gives three.
gcc -O2 -o "$work/minflt" "$src/scripts/minflt.c" || bad "minflt does not build"
printf 'not a program\n' >"$work/noexec"
chmod 755 "$work/noexec"
"$work/minflt" "$work/noexec" >"$work/out" 2>"$work/err"
check "minflt on an unexecutable file: exit" 3 $?
[ -s "$work/out" ] && bad "minflt printed numbers for a failed exec: $(cat "$work/out")" ||
    ok "minflt on an unexecutable file: no numbers"
grep -q "cannot execute .*Exec format error" "$work/err" && ok "minflt: says why" ||
    bad "minflt: message: $(cat "$work/err")"
"$work/minflt" "$work/probe" >"$work/out" 2>"$work/err"
rc=$?
if [ $host = yes ]; then
    check "minflt on the i386 probe (host runs i386): exit" 0 $rc
    grep -qE '^[0-9]+ [0-9]+ 42$' "$work/out" && ok "minflt counts the probe" ||
        bad "minflt output: $(cat "$work/out")"
else
    check "minflt on the i386 probe (host cannot run i386): exit" 3 $rc
fi
"$work/minflt" /bin/true >"$work/out" 2>"$work/err"
grep -qE '^[0-9]+ [0-9]+ 0$' "$work/out" && ok "minflt counts /bin/true" ||
    bad "minflt /bin/true: $(cat "$work/out" "$work/err")"

echo "$passes passed, $fails failed"
[ $fails -eq 0 ]
