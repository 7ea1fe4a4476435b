#!/usr/bin/env bash
# tests/cli/progress.sh VKMMU_BIN BUILD_DIR - the progress line of long runs (issue 6 item 5):
# drawn on stderr, redrawn in place (\r), only when stderr is a terminal; cleared at the end;
# nothing at all on stderr otherwise.  The terminal is a pty made by script(1) (util-linux).
#   replay FILE.gz  records, accesses, M accesses/s, a percentage and an ETA (compressed bytes)
#   replay -        records, accesses, rate; no percentage (the size is unknown)
#   run             instructions, M instructions/s, the percentage of --max-insns
# Every run is cut short (SIGINT, --timeout) so the test takes a few seconds in any build.
source "$(dirname "$0")/../lib.sh"
if ! command -v script >/dev/null; then
    echo "SKIP: script(1) (util-linux) is not installed"
    exit 0
fi

cat >"$tmp/gen.c" <<'GEN'
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
cat >"$tmp/loop.c" <<'LOOP'
int main(void) { volatile unsigned x = 0; for (;;) x++; }
LOOP
gcc -O2 -o "$tmp/gen" "$tmp/gen.c" || fail_now "cannot compile the generator"
have_guest=1
gcc -m32 -static -O0 -o "$tmp/loop" "$tmp/loop.c" 2>/dev/null || have_guest=0
"$tmp/gen" 10000000 | gzip -1 >"$tmp/t.txt.gz"

# tty NAME CMD: runs CMD (a shell command) with a pty as stdin/stdout/stderr; what the
# terminal received goes to $tmp/NAME.tty.
tty() {
    local name=$1
    timeout -s KILL 30 script -qec "$2" /dev/null >"$tmp/$name.tty" 2>&1 </dev/null
}
# The line is redrawn with \r, erased to the end with ESC [ K, and cleared at the end.
redrawn() { grep -q $'\r' "$1" && grep -q $'\033\\[K' "$1"; }

# replay of a compressed file, interrupted after 2 s (a Release build may finish sooner)
tty replay-file "'$vkmmu' replay '$tmp/t.txt.gz' >/dev/null & p=\$!; sleep 2; kill -INT \$p 2>/dev/null; wait \$p"
if grep -qaE 'vkmmu replay: [0-9.]+[kMG]? records, [0-9.]+[kMG]? accesses, [0-9.]+ M accesses/s, [0-9.]+%, ETA [0-9:?]+' \
        "$tmp/replay-file.tty" && redrawn "$tmp/replay-file.tty"; then
    pass "replay FILE.gz on a terminal: records, accesses, rate, percentage, ETA, redrawn"
else
    fail "replay FILE.gz on a terminal: no progress line"
    od -c "$tmp/replay-file.tty" | head -8
fi
# the last thing on the terminal is the clearing (the line does not stay behind)
if tail -c 4 "$tmp/replay-file.tty" | od -c | grep -q '\\r 033   \[   K'; then
    pass "replay: the line is cleared at the end"
else
    # interrupted: a message follows the clearing; the clearing must precede it
    grep -qa $'\r\033\\[Kvkmmu replay: interrupted' "$tmp/replay-file.tty" &&
        pass "replay: the line is cleared before the final message" ||
        { fail "replay: the progress line is not cleared"; tail -c 200 "$tmp/replay-file.tty" | od -c | tail -5; }
fi

# replay of standard input: no percentage
tty replay-stdin "'$tmp/gen' | '$vkmmu' replay - >/dev/null & p=\$!; sleep 1.5; kill -INT \$p; wait \$p"
if grep -qaE 'vkmmu replay: [0-9.]+[kMG]? records, [0-9.]+[kMG]? accesses, [0-9.]+ M accesses/s' \
        "$tmp/replay-stdin.tty" && ! grep -qa 'ETA' "$tmp/replay-stdin.tty"; then
    pass "replay - on a terminal: records, accesses, rate, no percentage"
else
    fail "replay - on a terminal"
    od -c "$tmp/replay-stdin.tty" | head -8
fi

# no terminal: stderr stays empty (the table is on stdout)
"$tmp/gen" 3000000 >"$tmp/small.txt"
"$vkmmu" replay "$tmp/small.txt" >"$tmp/plain.out" 2>"$tmp/plain.err"
rc=$?
if [ $rc -eq 0 ] && [ ! -s "$tmp/plain.err" ]; then
    pass "replay without a terminal: nothing on stderr"
else
    fail "replay without a terminal: exit $rc, stderr: $(head -c 200 "$tmp/plain.err" | od -c | head -3)"
fi

if [ $have_guest -eq 1 ]; then
    tty run "cd '$tmp' && exec '$vkmmu' run --timeout 1.5 --max-insns 100000000000 ./loop"
    if grep -qaE 'vkmmu run( \(pass 1/2\))?: [0-9.]+[kMG]? instructions, [0-9.]+ M instructions/s, [0-9.]+% of --max-insns' \
            "$tmp/run.tty" && redrawn "$tmp/run.tty"; then
        pass "run on a terminal: instructions, rate, percentage of --max-insns"
    else
        fail "run on a terminal: no progress line"
        od -c "$tmp/run.tty" | head -8
    fi
    (cd "$tmp" && "$vkmmu" run --timeout 1 ./loop >"$tmp/run.out" 2>"$tmp/run.err")
    rc=$?
    if [ $rc -eq 124 ] && ! grep -q $'\r' "$tmp/run.err" && ! grep -q $'\033' "$tmp/run.err" &&
        ! grep -q 'instructions/s,' "$tmp/run.err"; then
        pass "run without a terminal: no progress line on stderr"
    else
        fail "run without a terminal: exit $rc or progress output on stderr"
        od -c "$tmp/run.err" | head -5
    fi
else
    echo "SKIP run: gcc -m32 -static cannot build a guest"
fi

finish
