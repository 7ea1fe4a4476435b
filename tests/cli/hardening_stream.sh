#!/bin/bash
# tests/cli/hardening_stream.sh VKMMU_BIN BUILD_DIR - replay runs in constant memory whatever
# the trace's length (issue 7, item 4): a text trace generated on the fly by a small C program
# is piped into `vkmmu replay -` and vkmmu's peak resident set must stay under 100 MiB.
#
# The trace cycles over a bounded set of pages (64 MiB of address space, mapped, protected,
# unmapped and mapped again; every record type), so the model's own state is bounded and only
# the reader could grow with the length.  Size: VKMMU_STREAM_BYTES (default 2 GiB, 512 MiB in
# a sanitizer build); bench/stream_rss.sh runs larger ones.  Peak RSS: GNU time's
# "Maximum resident set size" when /usr/bin/time exists, else VmHWM polled from /proc.
source "$(dirname "$0")/../lib.sh"
# 2 GiB in a normal build (about 20 s); 512 MiB under the sanitizers, which are slower
default=2147483648
grep -q '^VKMMU_SANITIZE:BOOL=ON' "$build/CMakeCache.txt" 2>/dev/null && default=536870912
bytes=${VKMMU_STREAM_BYTES:-$default}
limit_kib=$((100 * 1024))

cat >"$tmp/gen.c" <<'GEN'
/* gen BYTES: a text trace of at least BYTES bytes on stdout, cycling over 64 MiB. */
#include <stdio.h>
#include <stdlib.h>
int main(int argc, char **argv)
{
    unsigned long long want = argc > 1 ? strtoull(argv[1], NULL, 0) : 0, out = 0, n = 0;
    static char buf[1 << 16];
    setvbuf(stdout, buf, _IOFBF, sizeof buf);
    const unsigned base = 0x10000000u, span = 64u << 20;
    unsigned x = 12345;
    out += (unsigned long long)printf("arch i386\nmap 0x%08x 0x%08x rw- anon\n"
                                      "map 0x08048000 0x08060000 r-x file /prog\n", base, base + span);
    while (out < want) {
        x = x * 1103515245u + 12345u;
        unsigned a = base + ((x >> 8) % span);
        int k;
        switch ((x >> 3) & 15) {
        case 0: case 1: case 2: case 3: case 4: case 5:
            k = printf("R 0x%08x 4\n", a); break;
        case 6: case 7: case 8: case 9:
            k = printf("W 0x%08x 8\n", a & ~7u); break;
        case 10: case 11:
            k = printf("X 0x%08x 2\n", 0x08048000u + ((x >> 8) & 0xFFFFu)); break;
        case 12:
            k = printf("I %u\n", (x >> 20) & 1023); break;
        case 13:
            k = printf("KR 0x%08x 64\n", a & ~63u); break;
        case 14:
            k = printf("S %u\n", (x >> 24) & 255); break;
        default:
            k = printf("KW 0x%08x 16\n", a & ~15u); break;
        }
        out += (unsigned long long)k;
        if (++n % 100000 == 0) { /* churn the region map: protect, unmap, map again */
            unsigned p = base + ((x >> 6) % (span / 4096 - 16)) * 4096u;
            out += (unsigned long long)printf("protect 0x%08x 0x%08x r--\nunmap 0x%08x 0x%08x\n"
                                              "map 0x%08x 0x%08x rw- anon\n", p, p + 16 * 4096,
                                              p + 4096, p + 8192, p + 4096, p + 8192);
            out += (unsigned long long)printf("protect 0x%08x 0x%08x rw-\n", p, p + 16 * 4096);
        }
    }
    return 0;
}
GEN
gcc -O2 -o "$tmp/gen" "$tmp/gen.c" || fail_now "cannot build the generator"

start=$(date +%s.%N)
args=(replay --scheme vpt-1.10,ept,native --policy none,dfly --json "$tmp/r.json" -)
if [ -x /usr/bin/time ]; then
    "$tmp/gen" "$bytes" | timeout 600 /usr/bin/time -v -o "$tmp/time.txt" "$vkmmu" "${args[@]}" \
        >"$tmp/out" 2>"$tmp/err"
    rc=$?
    peak=$(sed -n 's/.*Maximum resident set size (kbytes): *//p' "$tmp/time.txt")
    how="GNU time"
else
    # vkmmu last in the pipeline, so that $! is its pid; the loop is the 600 s watchdog.
    "$tmp/gen" "$bytes" | "$vkmmu" "${args[@]}" >"$tmp/out" 2>"$tmp/err" &
    pid=$!
    peak=0 ticks=0
    while kill -0 "$pid" 2>/dev/null; do
        v=$(sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$pid/status" 2>/dev/null)
        [ -n "$v" ] && [ "$v" -gt "$peak" ] && peak=$v
        ticks=$((ticks + 1))
        [ $ticks -gt 3000 ] && { kill "$pid"; fail "still running after 600 s"; }
        sleep 0.2
    done
    wait "$pid"
    rc=$?
    how="VmHWM polled"
fi
secs=$(echo "$(date +%s.%N) - $start" | bc)
mib=$((bytes / 1048576))
rate=$(echo "scale=1; $mib / $secs" | bc)
echo "streamed $mib MiB in $secs s ($rate MiB/s); peak RSS ${peak:-?} KiB ($how)"
[ "$rc" -eq 0 ] || { fail "replay exit $rc"; sed 's/^/  | /' "$tmp/err" | head -5; }
grep -q '"fault.reflected": [1-9]' "$tmp/r.json" 2>/dev/null || fail "no reflections counted"
if [ -z "${peak:-}" ] || [ "$peak" -ge "$limit_kib" ]; then
    fail "peak RSS ${peak:-unknown} KiB is not under $limit_kib KiB (100 MiB)"
else
    pass "peak RSS under 100 MiB"
fi
finish
