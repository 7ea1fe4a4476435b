#!/bin/bash
# tests/emu/test_dynamic.sh VKMMU_BIN BUILD_DIR - dynamically linked programs (issue 14): each
# prints under vkmmu exactly what it prints natively, with the same exit status, on both
# engines, with the same counts in both (access.* and tlb.* aside):
#   i386    guests/sqlite (libsqlite3.so.0 from libsqlite3-0:i386), against the reference runner
#           (scripts/ref-runner.sh: the host, or qemu-i386 with the host's i386 ld.so)
#   x86-64  guests/x86_64/sqlite, and the host's own coreutils sort and sha256sum, grep, and
#           python3.11 -c running a short script and an asyncio program (an epoll loop, a
#           socketpair, a subprocess), against the host's run
#           make -j2 running gcc (cc1, as, ld) to build a two-file program, byte for byte the
#           host's build
#   both    an execve of dynamically linked programs from a shell (amd64 busybox sh: fork, exec,
#           a pipe between two dynamic programs)
# Every guest runs with --root ROOT (a directory made here: the inputs and nothing else, so the
# guest's directory listings are the same on every run) and --sysroot / (the host's ld.so,
# libraries, /etc/ld.so.cache and python's library, read-only).  Native runs get the guest's
# environment (PATH=/bin HOME=/ LANG=C) and ROOT as their working directory.
# Usage: bash test_dynamic.sh VKMMU_BIN BUILD_DIR
source "$(dirname "$0")/../lib.sh"
# shellcheck source=../../scripts/ref-runner.sh
source "$src/scripts/ref-runner.sh"
ref_require
gdir=$build/guests
root=$tmp/root
mkdir -p "$root"
seq 1 5000 | awk '{ print ($1 * 7919) % 5003 }' >"$root/nums.txt"
printf 'alpha\nbeta\ngamma 7\ndelta 77\n' >"$root/words.txt"
bb64=$(bash "$src/scripts/install-deps.sh" --busybox-amd64-path)
py=/usr/bin/python3.11

native() { # the guest's environment, in ROOT
    (cd "$root" && env -i PATH=/bin HOME=/ LANG=C "$@")
}
# compare NAME i386|x86_64 OPTIONS -- PROGRAM ARGS...
compare() {
    local name=$1 arch=$2
    shift 2
    local opts=()
    while [ "$1" != "--" ]; do opts+=("$1"); shift; done
    shift
    local ok=1 want got
    local runner=()
    [ "$arch" = i386 ] && [ "$REF_MODE" = qemu ] && runner=(qemu-i386)
    want=$(native "${runner[@]}" "$@" 2>/dev/null </dev/null | md5sum; echo "rc ${PIPESTATUS[0]}")
    for e in paging hooks; do
        got=$(cd "$root" && "$vkmmu" run --engine $e --root "$root" --sysroot / "${opts[@]}" \
              --json "$tmp/$e.json" -- "$@" 2>"$tmp/$e.err" </dev/null | md5sum
              echo "rc ${PIPESTATUS[0]}")
        if [ "$got" != "$want" ]; then
            ok=0
            echo "  $e: output or status differs from the native run's ($want / $got): $(tail -3 "$tmp/$e.err")"
        fi
        if grep -q "note:" "$tmp/$e.err"; then
            ok=0
            echo "  $e: unexpected note: $(grep note: "$tmp/$e.err" | head -2)"
        fi
    done
    grep -q "\"arch\": \"$arch\"" "$tmp/paging.json" || { ok=0; echo "  the JSON does not say $arch"; }
    engines_agree "$tmp/paging.json" "$tmp/hooks.json" || ok=0
    if [ $ok -eq 1 ]; then pass "$name"; else fail "$name"; fi
}

[ -x "$gdir/sqlite" ] || fail_now "$gdir/sqlite not built (libsqlite3-0:i386 and libsqlite3-dev: scripts/install-deps.sh)"
compare "i386 sqlite (libsqlite3.so.0)" i386 --scheme vpt-1.10,linux -- "$gdir/sqlite" 2000
compare "x86-64 sqlite (libsqlite3.so.0)" x86_64 --scheme vpt-1.10,linux -- "$gdir/x86_64/sqlite" 2000
compare "coreutils sort -n" x86_64 --scheme vpt-1.10,linux -- /usr/bin/sort -n nums.txt
compare "coreutils sha256sum" x86_64 --scheme vpt-1.10 -- /usr/bin/sha256sum nums.txt words.txt
compare "grep -c" x86_64 --scheme vpt-1.10 -- /usr/bin/grep -c 7 nums.txt words.txt
compare "python3.11 -c" x86_64 --scheme vpt-1.10,linux -- "$py" -c \
    'import json, collections; c = collections.Counter(int(l) % 10 for l in open("nums.txt")); print(json.dumps(sorted(c.items())), sum(c.values()))'
# asyncio: an epoll event loop woken through a socketpair, a queue between coroutines, a
# subprocess whose output comes back through a pipe (guest/gos_poll.c, gos_sock.c).
cat >"$root/aio.py" <<'EOF'
import asyncio
async def worker(q, n):
    s = 0
    for _ in range(n):
        s += await q.get()
    return s
async def producer(q, n):
    for i in range(n):
        await q.put(i)
        if i % 100 == 0:
            await asyncio.sleep(0.001)
async def main():
    q = asyncio.Queue(maxsize=10)
    r = await asyncio.gather(worker(q, 500), producer(q, 500))
    proc = await asyncio.create_subprocess_exec("/usr/bin/sha256sum", "words.txt",
                                                stdout=asyncio.subprocess.PIPE)
    out, _ = await proc.communicate()
    print(r[0], out.decode().split()[0][:16], proc.returncode)
asyncio.run(main())
EOF
compare "python3.11 asyncio: epoll, socketpair, a subprocess" x86_64 --scheme vpt-1.10 -- "$py" aio.py
compare "sh: fork, exec of two dynamic programs joined by a pipe" x86_64 --scheme vpt-1.10 -- \
    "$bb64" sh -c '/usr/bin/sort -rn nums.txt | /usr/bin/sha256sum; /usr/bin/grep -c 77 nums.txt'

# make -j2 compiling and linking a program: make waits in pselect on its job pipe with SIGCHLD
# let through by the call's mask, gcc runs cc1, as and collect2/ld, all dynamically linked.
# make's output and the program it links (byte for byte) are the host's, on both engines
# with the same counts.
mk=$tmp/mk
mkdir -p "$mk"
printf 'int f1(int x) { return x * 3; }\n' >"$mk/f1.c"
printf '#include <stdio.h>\nint f1(int);\nint main(void) { printf("%%d\\n", f1(14)); return 0; }\n' >"$mk/main.c"
printf 'prog: main.o f1.o\n\tgcc -o $@ main.o f1.o\n%%.o: %%.c\n\tgcc -c $<\n' >"$mk/Makefile"
want=$(cd "$mk" && rm -f ./*.o prog && env -i PATH=/bin HOME=/ LANG=C make -j2 2>&1; echo "rc $?"; md5sum <prog; ./prog)
ok=1
for e in paging hooks; do
    rm -f "$mk"/*.o "$mk/prog"
    got=$(cd "$mk" && "$vkmmu" run --engine $e --root "$mk" --sysroot / --writable --scheme vpt-1.10 \
          --json "$tmp/$e.json" -- /usr/bin/make -j2 2>"$tmp/$e.err" </dev/null; echo "rc $?"
          md5sum <prog; ./prog)
    if [ "$got" != "$want" ]; then
        ok=0
        echo "  $e: make's output, status or program differs: $(diff <(echo "$want") <(echo "$got") | head -5) $(tail -2 "$tmp/$e.err")"
    fi
    grep -q "note:" "$tmp/$e.err" && { ok=0; echo "  $e: unexpected note: $(grep note: "$tmp/$e.err" | head -2)"; }
done
engines_agree "$tmp/paging.json" "$tmp/hooks.json" || ok=0
if [ $ok -eq 1 ]; then pass "make -j2: gcc compiles and links, the same program byte for byte"; else fail "make -j2"; fi

# AT_BASE: ld.so where Linux puts it with ASLR off (setarch -R), as the program sees it.
cat >"$tmp/auxv.c" <<'EOF'
#include <stdio.h>
#include <sys/auxv.h>
int main(void)
{
    printf("AT_BASE %#lx AT_PHDR %#lx AT_ENTRY %#lx\n", getauxval(AT_BASE), getauxval(AT_PHDR),
           getauxval(AT_ENTRY));
    return 0;
}
EOF
gcc -O2 -o "$root/auxv" "$tmp/auxv.c" || fail_now "cannot build the auxv probe"
want=$(native setarch -R ./auxv)
got=$(cd "$root" && "$vkmmu" run --root "$root" --sysroot / -- ./auxv 2>/dev/null)
check "AT_BASE, AT_PHDR and AT_ENTRY of a PIE are the host's without ASLR" "$want" "$got"
finish
