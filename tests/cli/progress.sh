#!/usr/bin/env bash
# tests/cli/progress.sh VKMMU_BIN BUILD_DIR - the progress line of long runs (issue 6 item 5):
# drawn on stderr, redrawn in place (\r), only when stderr is a terminal; cleared at the end;
# nothing at all on stderr otherwise.  The terminal is a pty made by script(1) (util-linux).
#   replay FILE.gz  records, accesses, M accesses/s, a percentage and an ETA (compressed bytes)
#   replay -        records, accesses, rate; no percentage (the size is unknown)
#   run             instructions, M instructions/s, the percentage of --max-insns
# Every run is cut short (SIGINT, --timeout) so the test takes a few seconds in any build.
set -u
vkmmu=${1:?usage: progress.sh VKMMU_BIN BUILD_DIR}
build=${2:?usage: progress.sh VKMMU_BIN BUILD_DIR}
work=$(mktemp -d "$build/test-cli-progress.XXXXXX")
trap 'rm -rf "$work"' EXIT
fails=0
fail() { echo "FAIL $*"; fails=$((fails + 1)); }
pass() { echo "ok   $*"; }
if ! command -v script >/dev/null; then
    echo "SKIP: script(1) (util-linux) is not installed"
    exit 0
fi

cat >"$work/gen.c" <<'GEN'
/* gen [N]: a text trace of N accesses (forever when N is 0) over a 64 MiB region. */
#include <stdio.h>
#include <stdlib.h>
int main(int argc, char **argv)
{
    static char buf[1 << 16];
    setvbuf(stdout, buf, _IOFBF, sizeof buf);
    unsigned long long n = argc > 1 ? strtoull(argv[1], NULL, 0) : 0;
    unsigned x = 1;
    printf("arch i386\nmap 0x10000000 0x14000000 rw- anon\n");
    for (unsigned long long i = 0; !n || i < n; i++) {
        x = x * 1103515245u + 12345u;
        if (printf("%c 0x%x 4\n", i % 3 ? 'R' : 'W', 0x10000000u + ((x >> 4) & 0x3fffffcu)) < 0)
            return 0;
    }
    return 0;
}
GEN
cat >"$work/loop.c" <<'LOOP'
int main(void) { volatile unsigned x = 0; for (;;) x++; }
LOOP
gcc -O2 -o "$work/gen" "$work/gen.c" || { echo "FAIL: cannot compile the generator"; exit 1; }
have_guest=1
gcc -m32 -static -O0 -o "$work/loop" "$work/loop.c" 2>/dev/null || have_guest=0
"$work/gen" 10000000 | gzip -1 >"$work/t.txt.gz"

# tty NAME CMD: runs CMD (a shell command) with a pty as stdin/stdout/stderr; what the
# terminal received goes to $work/NAME.tty.
tty() {
    local name=$1
    timeout -s KILL 30 script -qec "$2" /dev/null >"$work/$name.tty" 2>&1 </dev/null
}
# The line is redrawn with \r, erased to the end with ESC [ K, and cleared at the end.
redrawn() { grep -q $'\r' "$1" && grep -q $'\033\\[K' "$1"; }

# replay of a compressed file, interrupted after 2 s (a Release build may finish sooner)
tty replay-file "'$vkmmu' replay '$work/t.txt.gz' >/dev/null & p=\$!; sleep 2; kill -INT \$p 2>/dev/null; wait \$p"
if grep -qaE 'vkmmu replay: [0-9.]+[kMG]? records, [0-9.]+[kMG]? accesses, [0-9.]+ M accesses/s, [0-9.]+%, ETA [0-9:?]+' \
        "$work/replay-file.tty" && redrawn "$work/replay-file.tty"; then
    pass "replay FILE.gz on a terminal: records, accesses, rate, percentage, ETA, redrawn"
else
    fail "replay FILE.gz on a terminal: no progress line"
    od -c "$work/replay-file.tty" | head -8
fi
# the last thing on the terminal is the clearing (the line does not stay behind)
if tail -c 4 "$work/replay-file.tty" | od -c | grep -q '\\r 033   \[   K'; then
    pass "replay: the line is cleared at the end"
else
    # interrupted: a message follows the clearing; the clearing must precede it
    grep -qa $'\r\033\\[Kvkmmu replay: interrupted' "$work/replay-file.tty" &&
        pass "replay: the line is cleared before the final message" ||
        { fail "replay: the progress line is not cleared"; tail -c 200 "$work/replay-file.tty" | od -c | tail -5; }
fi

# replay of standard input: no percentage
tty replay-stdin "'$work/gen' | '$vkmmu' replay - >/dev/null & p=\$!; sleep 1.5; kill -INT \$p; wait \$p"
if grep -qaE 'vkmmu replay: [0-9.]+[kMG]? records, [0-9.]+[kMG]? accesses, [0-9.]+ M accesses/s' \
        "$work/replay-stdin.tty" && ! grep -qa 'ETA' "$work/replay-stdin.tty"; then
    pass "replay - on a terminal: records, accesses, rate, no percentage"
else
    fail "replay - on a terminal"
    od -c "$work/replay-stdin.tty" | head -8
fi

# no terminal: stderr stays empty (the table is on stdout)
"$work/gen" 3000000 >"$work/small.txt"
"$vkmmu" replay "$work/small.txt" >"$work/plain.out" 2>"$work/plain.err"
rc=$?
if [ $rc -eq 0 ] && [ ! -s "$work/plain.err" ]; then
    pass "replay without a terminal: nothing on stderr"
else
    fail "replay without a terminal: exit $rc, stderr: $(head -c 200 "$work/plain.err" | od -c | head -3)"
fi

if [ $have_guest -eq 1 ]; then
    tty run "cd '$work' && exec '$vkmmu' run --timeout 1.5 --max-insns 100000000000 ./loop"
    if grep -qaE 'vkmmu run( \(pass 1/2\))?: [0-9.]+[kMG]? instructions, [0-9.]+ M instructions/s, [0-9.]+% of --max-insns' \
            "$work/run.tty" && redrawn "$work/run.tty"; then
        pass "run on a terminal: instructions, rate, percentage of --max-insns"
    else
        fail "run on a terminal: no progress line"
        od -c "$work/run.tty" | head -8
    fi
    (cd "$work" && "$vkmmu" run --timeout 1 ./loop >"$work/run.out" 2>"$work/run.err")
    rc=$?
    if [ $rc -eq 124 ] && ! grep -q $'\r' "$work/run.err" && ! grep -q $'\033' "$work/run.err" &&
        ! grep -q 'instructions/s,' "$work/run.err"; then
        pass "run without a terminal: no progress line on stderr"
    else
        fail "run without a terminal: exit $rc or progress output on stderr"
        od -c "$work/run.err" | head -5
    fi
else
    echo "SKIP run: gcc -m32 -static cannot build a guest"
fi

echo "$fails failure(s)"
[ $fails -eq 0 ]
