#!/bin/bash
# tests/emu/hardening_sandbox.sh VKMMU_BIN BUILD_DIR - a guest cannot reach outside what it was
# given, and every abuse ends in a defined outcome with a clear report, never a host crash or
# a hang (issue 7, item 3).  Both engines.  A small static i386 guest (its source is below)
# is compiled here with gcc -m32 -static; busybox (/bin/busybox, i386 static) is used when
# installed.  Every run is under `timeout 60`: exit 124 is reported as a hang.
#   traversal   ../, absolute host paths, symlinks out of --root (relative, absolute, to
#               `..`, to `/`), /proc/self/root, /proc/self/cwd, /proc/1/root, chdir("..")
#               never read the secret file placed next to the root
#   read-only   without --writable every change fails with EROFS (truncate: EROFS or ENOSYS)
#               and the tree is unchanged; with --writable, writes through a symlink to
#               ../secret and to ../escape stay inside the root
#   memory      brk beyond the user space, a 3.75 GiB mmap, MAP_FIXED in the kernel half and a
#               3.5 GiB malloc fail (brk returns the unchanged break, mmap ENOMEM/EINVAL)
#   processes   fork, clone and vfork work; execve of a program outside the root is ENOENT; a
#               fork loop ends at --max-procs with EAGAIN and the run goes on; busybox's
#               pipeline runs, and the file it then names outside the root is not found
#   code        self-modifying code (rewritten before each call, and an instruction that
#               patches the next one) runs correctly
#   faults      a jump to unmapped memory, a jump into the kernel half, a stack overflow: exit
#               139 with a report naming the signal, EIP and the instruction
#   sysroot     with --sysroot, the same escapes and the sysroot's own links out of it read
#               nothing outside; writes into the sysroot fail with EROFS even with --writable
#   limits      an infinite loop (with and without system calls) stops under --max-insns:
#               exit 1 and "stopped by --max-insns"; --timeout (exit 124, "stopped by
#               --timeout", well within 60 s) and --guest-mem (brk and mmap past the cap fail
#               with ENOMEM) are tested when `vkmmu run --help` lists them (otherwise the
#               test says they are missing)
# Usage: bash hardening_sandbox.sh VKMMU_BIN BUILD_DIR
source "$(dirname "$0")/../lib.sh"

cat >"$tmp/g.c" <<'GUEST'
/* hardening guest: one action per argv[1]; prints "RESULT ..." lines. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static int readfile(const char *p)
{
    char buf[256];
    int fd = open(p, O_RDONLY);
    if (fd < 0) {
        printf("RESULT open %s -1 errno %d\n", p, errno);
        return 3;
    }
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n < 0) {
        printf("RESULT read %s -1 errno %d\n", p, errno);
        return 3;
    }
    buf[n] = 0;
    printf("RESULT read %s %zd [%s]\n", p, n, buf);
    return 0;
}

static volatile int depth_sink;
__attribute__((noinline)) static int recurse(int n)
{
    volatile char pad[4096];
    pad[0] = (char)n;
    pad[4095] = (char)n;
    depth_sink = n;
    return recurse(n + 1) + pad[0];
}

typedef int (*fn_t)(void);

int main(int argc, char **argv)
{
    const char *m = argc > 1 ? argv[1] : "";
    if (!strcmp(m, "read")) {
        int rc = 0;
        for (int i = 2; i < argc; i++)
            rc |= readfile(argv[i]);
        return rc;
    }
    if (!strcmp(m, "chdir-read")) { /* chdir(argv[2]) then read argv[3] */
        int rc = chdir(argv[2]);
        printf("RESULT chdir %s %d errno %d\n", argv[2], rc, rc ? errno : 0);
        return readfile(argv[3]);
    }
    if (!strcmp(m, "write")) { /* every way to change the tree; argv[2] names the target */
        const char *p = argv[2];
        char q[512];
        int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        printf("RESULT creat %d errno %d\n", fd < 0 ? -1 : 0, fd < 0 ? errno : 0);
        if (fd >= 0) {
            ssize_t w = write(fd, "pwned\n", 6);
            printf("RESULT write %zd\n", w);
            close(fd);
        }
        snprintf(q, sizeof q, "%s.dir", p);
        int rc = mkdir(q, 0755);
        printf("RESULT mkdir %d errno %d\n", rc, rc ? errno : 0);
        snprintf(q, sizeof q, "%s.lnk", p);
        rc = symlink("/", q);
        printf("RESULT symlink %d errno %d\n", rc, rc ? errno : 0);
        rc = unlink("inside.txt");
        printf("RESULT unlink %d errno %d\n", rc, rc ? errno : 0);
        rc = rename("inside.txt", "moved.txt");
        printf("RESULT rename %d errno %d\n", rc, rc ? errno : 0);
        rc = truncate("inside.txt", 0);
        printf("RESULT truncate %d errno %d\n", rc, rc ? errno : 0);
        rc = chmod("inside.txt", 0777);
        printf("RESULT chmod %d errno %d\n", rc, rc ? errno : 0);
        fd = open("inside.txt", O_RDWR);
        printf("RESULT open-rdwr %d errno %d\n", fd < 0 ? -1 : 0, fd < 0 ? errno : 0);
        return 0;
    }
    if (!strcmp(m, "mem")) {
        long cur = syscall(SYS_brk, 0);
        /* Linux's brk returns the unchanged break when it refuses. */
        long r1 = syscall(SYS_brk, 0xC0000000L);          /* the end of the user space */
        long r2 = syscall(SYS_brk, 0xFFFFF000L);          /* the kernel's half */
        long r3 = syscall(SYS_brk, cur + (64L << 20));    /* 64 MiB more: granted */
        long r4 = syscall(SYS_brk, cur);                  /* and given back */
        printf("RESULT brk cur %s end-refused %d kernel-refused %d\n", cur > 0 ? "ok" : "bad",
               r1 == cur, r2 == cur);
        printf("RESULT brk-64M %s back %s\n", r3 == cur + (64L << 20) ? "granted" : "refused",
               r4 == cur ? "ok" : "bad");
        errno = 0;
        void *p = mmap(NULL, 0xF0000000u, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        printf("RESULT mmap-3.75G %s errno %d\n", p == MAP_FAILED ? "failed" : "ok", errno);
        errno = 0;
        p = mmap((void *)0xC0000000u, 4096, PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
        printf("RESULT mmap-kernel-fixed %s errno %d\n", p == MAP_FAILED ? "failed" : "ok", errno);
        errno = 0;
        volatile size_t big = 0xE0000000u;
        void *m1 = malloc(big);
        printf("RESULT malloc-3.5G %s errno %d\n", m1 ? "ok" : "null", errno);
        return 0;
    }
    if (!strcmp(m, "mem-fill")) { /* not run by the test (costs 3 GB of host memory today) */
        /* Map 256 MiB chunks until the address space is full; touch one page in each. */
        int n = 0;
        for (; n < 64; n++) {
            char *c = mmap(NULL, 256u << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
            if (c == MAP_FAILED)
                break;
            c[0] = 1;
            c[(256u << 20) - 1] = 2;
        }
        printf("RESULT mmap-chunks %d then errno %d\n", n, errno);
        return 0;
    }
    if (!strcmp(m, "fork")) {
        errno = 0;
        pid_t p = fork();
        if (p == 0)
            _exit(0);
        printf("RESULT fork %d errno %d\n", (int)p, errno);
        errno = 0;
        long c = syscall(SYS_clone, 17 /* SIGCHLD */, 0, 0, 0, 0);
        if (c == 0)
            _exit(0);
        printf("RESULT clone %ld errno %d\n", c, errno);
        errno = 0;
        long v = vfork(); /* glibc's: the child must not return through a shared frame */
        if (v == 0)
            _exit(0);
        printf("RESULT vfork %ld errno %d\n", v, errno);
        errno = 0;
        long e = syscall(SYS_execve, "/bin/busybox", argv, NULL);
        printf("RESULT execve %ld errno %d\n", e, errno);
        for (int i = 0; i < 1000; i++) /* a fork bomb: each attempt must fail the same way */
            if (fork() == 0)
                _exit(0);
        printf("RESULT forkbomb survived\n");
        return 0;
    }
    if (!strcmp(m, "smc")) {
        unsigned char *code = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC,
                                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (code == MAP_FAILED) {
            printf("RESULT smc mmap failed errno %d\n", errno);
            return 3;
        }
        int sum = 0;
        for (int i = 0; i < 100; i++) { /* mov eax, i; ret -- rewritten before every call */
            code[0] = 0xB8;
            memcpy(code + 1, &i, 4);
            code[5] = 0xC3;
            sum += ((fn_t)code)();
        }
        /* Code that rewrites its own next instruction: mov byte [eip+k], 0x40 (inc eax). */
        unsigned char self[] = {
            0x31, 0xC0,                   /* xor eax, eax */
            0xE8, 0, 0, 0, 0,             /* call next (pushes its address) */
            0x5A,                         /* pop edx: edx = here */
            0xC6, 0x42, 0x05, 0x40,       /* mov byte [edx+5], 0x40: patch the nop below */
            0x90,                         /* nop -> inc eax */
            0xC3,                         /* ret */
        };
        memcpy(code + 64, self, sizeof self);
        int patched = ((fn_t)(code + 64))();
        printf("RESULT smc sum %d patched %d\n", sum, patched);
        return 0;
    }
    if (!strcmp(m, "jump")) {
        fn_t f = (fn_t)(uintptr_t)0x0dead000u;
        return f();
    }
    if (!strcmp(m, "kjump")) {
        fn_t f = (fn_t)(uintptr_t)0xC0001000u;
        return f();
    }
    if (!strcmp(m, "recurse"))
        return recurse(0);
    if (!strcmp(m, "spin")) {
        volatile unsigned x = 0;
        for (;;)
            x++;
    }
    if (!strcmp(m, "spin-syscall")) { /* a loop that keeps making system calls */
        for (;;)
            getpid();
    }
    fprintf(stderr, "unknown mode '%s'\n", m);
    return 2;
}
GUEST
gcc -m32 -static -O1 -Wno-infinite-recursion -o "$tmp/g" "$tmp/g.c" 2>"$tmp/cc.err" || {
    cat "$tmp/cc.err"
    fail_now "cannot build the test guest (gcc -m32 -static; gcc-multilib installed?)"
}

# The sandbox: root/ holds the guest, a file and escape attempts; secret.txt lies next to it.
root=$tmp/root
mkdir -p "$root/sub"
cp "$tmp/g" "$root/g"
echo "SECRET-7f3a" >"$tmp/secret.txt"
echo inside >"$root/inside.txt"
ln -s ../secret.txt "$root/out"
ln -s "$tmp/secret.txt" "$root/abs"
ln -s .. "$root/updir"
ln -s / "$root/hostroot"
ln -s ../../.. "$root/sub/deep"
snapshot() { (cd "$1" && find . -printf '%p %y %s %m %l\n' | sort; md5sum "$tmp/secret.txt"); }

# run NAME ARGS...: vkmmu run under timeout 60; stdout in $tmp/NAME.out, stderr in
# $tmp/NAME.err, exit status in $rc.  A hang (124) or a report-less death is a failure.
run() {
    local name=$1
    shift
    local t0=$SECONDS
    (cd "$tmp" && timeout 60 "$vkmmu" run "$@" >"$tmp/$name.out" 2>"$tmp/$name.err" </dev/null)
    rc=$?
    # timeout(1) exits 124 after 60 s; vkmmu's own --timeout also exits 124, but much sooner.
    if [ $rc -eq 124 ] && [ $((SECONDS - t0)) -ge 59 ]; then
        fail "$name: still running after 60 s (hang)"
        return 1
    fi
    if ! grep -q "^vkmmu run: " "$tmp/$name.err"; then
        fail "$name: exit $rc without a vkmmu report (host crash?)"
        sed 's/^/  | /' "$tmp/$name.err" | tail -5
        return 1
    fi
    return 0
}
# want NAME STATUS [out|err] PATTERN...: rc and every (extended) pattern in stdout or stderr.
want() {
    local name=$1 status=$2 stream=$3 ok=1
    shift 3
    [ "$rc" -eq "$status" ] || { ok=0; echo "  exit $rc, want $status"; }
    for p in "$@"; do
        grep -qE -- "$p" "$tmp/$name.$stream" || { ok=0; echo "  $stream lacks: $p"; }
    done
    if [ $ok -eq 1 ]; then
        pass "$name"
    else
        fail "$name"
        sed 's/^/  | /' "$tmp/$name.err" | head -6
        sed 's/^/  > /' "$tmp/$name.out" | head -20
    fi
}
no_secret() { # NAME: the secret never appears in the guest's output
    if grep -q SECRET "$tmp/$1.out" "$tmp/$1.err"; then
        fail "$1: the guest read the secret file"
        grep SECRET "$tmp/$1.out" | head -3
    fi
}

escapes=(../secret.txt /../secret.txt ../../../../secret.txt "$tmp/secret.txt" out abs
         updir/secret.txt sub/../../secret.txt sub/deep"$tmp/secret.txt" hostroot"$tmp/secret.txt"
         "/proc/self/root$tmp/secret.txt" /proc/self/cwd/../secret.txt
         "/proc/1/root$tmp/secret.txt" "/proc/self/fd/../../../$tmp/secret.txt")
before=$(snapshot "$root")
for e in paging hooks; do
    # -- traversal
    if run "$e-traversal" --engine $e --root "$root" -- "$root/g" read "${escapes[@]}" inside.txt; then
        opened=$(grep -c '^RESULT read ' "$tmp/$e-traversal.out")
        want "$e-traversal" 3 out "^RESULT read inside.txt 7 " "^RESULT open \.\./secret\.txt -1 errno"
        [ "$opened" -eq 1 ] || fail "$e-traversal: $opened paths opened (only inside.txt may be)"
        no_secret "$e-traversal"
    fi
    run "$e-chdir" --engine $e --root "$root" -- "$root/g" chdir-read ../.. secret.txt &&
        want "$e-chdir" 3 out "^RESULT open secret.txt -1 errno 2" && no_secret "$e-chdir"
    # -- read-only tree
    for target in new.txt ../escape.txt out; do
        n=$e-ro-$(tr -c 'a-z0-9\n' _ <<<"$target")
        run "$n" --engine $e --root "$root" -- "$root/g" write "$target" || continue
        want "$n" 0 out "^RESULT creat -1 errno 30" "^RESULT mkdir -1 errno 30" \
            "^RESULT symlink -1 errno 30" "^RESULT unlink -1 errno 30" "^RESULT rename -1 errno 30" \
            "^RESULT truncate -1 errno (30|38)" "^RESULT chmod -1 errno 30" \
            "^RESULT open-rdwr -1 errno 30"
    done
    [ "$(snapshot "$root")" = "$before" ] && pass "$e: tree unchanged without --writable" ||
        fail "$e: the tree changed without --writable"
    [ -e "$tmp/escape.txt" ] && fail "$e: ../escape.txt created outside the root"
    # -- memory
    run "$e-mem" --engine $e --root "$root" -- "$root/g" mem &&
        want "$e-mem" 0 out "^RESULT brk cur ok end-refused 1 kernel-refused 1" \
            "^RESULT brk-64M granted back ok" "^RESULT mmap-3.75G failed errno 12" \
            "^RESULT mmap-kernel-fixed failed errno (12|22)" "^RESULT malloc-3.5G null errno 12"
    # -- processes
    # processes stay inside the sandbox: a program outside the root cannot be executed, and
    # a fork loop ends at --max-procs' default with EAGAIN, not at the host's limits
    run "$e-fork" --engine $e --root "$root" -- "$root/g" fork &&
        want "$e-fork" 0 out "^RESULT fork [0-9]+ errno 0" "^RESULT clone [0-9]+ errno 0" \
            "^RESULT vfork [0-9]+ errno 0" "^RESULT execve -1 errno 2" "^RESULT forkbomb survived"
    grep -qE "processes \(pids" "$tmp/$e-fork.err" ||
        fail "$e-fork: the report has no process summary"
    # -- self-modifying code
    run "$e-smc" --engine $e --root "$root" -- "$root/g" smc &&
        want "$e-smc" 0 out "^RESULT smc sum 4950 patched 1$"
    # -- faults
    run "$e-jump" --engine $e --root "$root" -- "$root/g" jump &&
        want "$e-jump" 139 err "killed by SIGSEGV \(signal 11\)" "fetch at 0x0?dead000" \
            "eip 0x0dead000" "faulting address 0x0dead000"
    run "$e-kjump" --engine $e --root "$root" -- "$root/g" kjump &&
        want "$e-kjump" 139 err "killed by SIGSEGV \(signal 11\)" "eip 0xc0001000"
    run "$e-stack" --engine $e --root "$root" -- "$root/g" recurse &&
        want "$e-stack" 139 err "killed by SIGSEGV \(signal 11\)" \
            "eip 0x[0-9a-f]{8} <recurse\+0x[0-9a-f]+>: [a-z]+" "faulting address 0xbf[0-9a-f]{6}"
    # -- limits
    for m in spin spin-syscall; do
        run "$e-$m" --engine $e --max-insns 3000000 --root "$root" -- "$root/g" $m &&
            want "$e-$m" 1 err "stopped by --max-insns after [0-9]+ instructions \(eip 0x[0-9a-f]{8}\)"
    done
done

# --writable: writes stay inside the root, whatever the path or symlink says.
cp -a "$root" "$tmp/wroot"
# (abs names $tmp/secret.txt, which inside the root is a path whose directories do not exist.)
for target in out ../escape.txt abs; do
    n=rw-$(tr -c 'a-z0-9\n' _ <<<"$target")
    run "$n" --root "$tmp/wroot" --writable -- "$tmp/wroot/g" write "$target" &&
        want "$n" 0 out "^RESULT creat (0 errno 0|-1 errno 2)$"
done
[ "$(cat "$tmp/secret.txt")" = SECRET-7f3a ] && pass "writable: secret.txt untouched" ||
    fail "writable: secret.txt was modified through a symlink"
[ -e "$tmp/escape.txt" ] && fail "writable: ../escape.txt created outside the root" ||
    pass "writable: nothing created outside the root"
[ -e "$tmp/wroot/escape.txt" ] && pass "writable: ../escape.txt landed inside the root" ||
    fail "writable: ../escape.txt was not created inside the root"
run "rw-readback" --root "$tmp/wroot" -- "$tmp/wroot/g" read out.lnk"$tmp/secret.txt" \
    escape.txt.lnk"$tmp/secret.txt" && no_secret rw-readback

# busybox: the same escapes through a real program's path handling, and a pipeline (fork).
bb=/bin/busybox
if [ -x "$bb" ]; then
    run bb-cat --root "$root" -- "$bb" cat "${escapes[@]}"
    no_secret bb-cat
    [ "$rc" -ne 0 ] && pass "bb-cat: every escape refused (exit $rc)" || fail "bb-cat: exit 0"
    run bb-ls --root "$root" -- "$bb" ls -a / && want bb-ls 0 out "^inside.txt$" "^g$"
    grep -qxE "usr|etc|proc" "$tmp/bb-ls.out" && fail "bb-ls: lists host directories"
    run bb-cd --root "$root" -- "$bb" sh -c 'cd ../../..; pwd' && want bb-cd 0 out "^/$"
    run bb-pipe --root "$root" -- "$bb" sh -c 'echo piped | cat; cat /etc/hostname' &&
        want bb-pipe 1 out "^piped$"
    no_secret bb-pipe
else
    echo "SKIP busybox checks: $bb (busybox-static:i386) is not installed"
fi

# --sysroot: a read-only system view under the root.  The same escapes with a sysroot given, and
# the sysroot's own ways out (a relative link past its top, an absolute link, `..` at its top,
# a link to `/`): only the root's file and the sysroot's own file are read, never the secret.
# Writes into the sysroot fail with EROFS even with --writable, and it stays unchanged.
sys=$tmp/sys
mkdir -p "$sys/etc" "$sys/lib"
echo sysfile >"$sys/etc/sysfile.txt"
ln -s ../../secret.txt "$sys/etc/out"
ln -s "$tmp/secret.txt" "$sys/abs"
ln -s .. "$sys/updir"
ln -s / "$sys/hostroot"
ln -s /etc/sysfile.txt "$sys/lib/viaabs"
sys_escapes=(/etc/out etc/out /abs /updir/secret.txt /updir/updir/secret.txt
             "/hostroot$tmp/secret.txt" "/../../secret.txt" "/etc/../../secret.txt")
sys_before=$(snapshot "$sys")
for e in paging hooks; do
    if run "$e-sys-traversal" --engine $e --root "$root" --sysroot "$sys" -- "$root/g" read \
        "${escapes[@]}" "${sys_escapes[@]}" inside.txt /etc/sysfile.txt /lib/viaabs; then
        opened=$(grep -c '^RESULT read ' "$tmp/$e-sys-traversal.out")
        want "$e-sys-traversal" 3 out "^RESULT read inside.txt 7 " \
            "^RESULT read /etc/sysfile.txt 8 \[sysfile" "^RESULT read /lib/viaabs 8 \[sysfile"
        [ "$opened" -eq 3 ] ||
            fail "$e-sys-traversal: $opened paths opened (only inside.txt and the sysroot's file may be)"
        no_secret "$e-sys-traversal"
    fi
    run "$e-sys-chdir" --engine $e --root "$root" --sysroot "$sys" -- "$root/g" chdir-read /etc sysfile.txt &&
        want "$e-sys-chdir" 0 out "^RESULT chdir /etc 0 errno 0" "^RESULT read sysfile.txt 8 \[sysfile"
    wroot=$tmp/wroot-$e
    rm -rf "$wroot" && cp -a "$root" "$wroot"
    for target in /etc/sysfile.txt /etc/new.txt /lib/viaabs; do
        n=$e-sys-ro-$(tr -c 'a-z0-9\n' _ <<<"$target")
        run "$n" --engine $e --writable --root "$wroot" --sysroot "$sys" -- "$wroot/g" write "$target" ||
            continue
        want "$n" 0 out "^RESULT creat -1 errno 30" "^RESULT mkdir -1 errno 30" \
            "^RESULT symlink -1 errno 30"
    done
    [ "$(snapshot "$sys")" = "$sys_before" ] && pass "$e: the sysroot unchanged under --writable" ||
        fail "$e: the sysroot changed"
done
run "sysroot-not-a-dir" --sysroot "$tmp/secret.txt" --root "$root" -- "$root/g" read inside.txt
[ $rc -eq 2 ] && grep -q -- "--sysroot $tmp/secret.txt: not a directory" "$tmp/sysroot-not-a-dir.err" &&
    pass "--sysroot FILE: exit 2, not a directory" || fail "--sysroot FILE: exit $rc"

# Options that may not exist yet.
help=$("$vkmmu" run --help 2>&1)
if grep -q -- "--timeout" <<<"$help"; then
    # Exit 124 and a report (`vkmmu run --help`), well before the 60 s of timeout(1); a loop
    # making system calls too, and the hooks engine.
    for m in spin spin-syscall; do
        for e in paging hooks; do
            start=$SECONDS
            run "timeout-$e-$m" --engine $e --timeout 2 --root "$root" -- "$root/g" $m &&
                want "timeout-$e-$m" 124 err "stopped by --timeout"
            [ $((SECONDS - start)) -le 20 ] || fail "--timeout 2 ($e, $m): the run took over 20 s"
        done
    done
else
    echo "MISSING --timeout: \`vkmmu run --help\` does not list it (not tested)"
fi
if grep -q -- "--guest-mem" <<<"$help"; then
    # A 64 MiB cap: the first 256 MiB mmap fails, and so does a brk of 64 MiB more.
    for e in paging hooks; do
        run "guest-mem-$e" --engine $e --guest-mem 64M --root "$root" -- "$root/g" mem-fill &&
            want "guest-mem-$e" 0 out "^RESULT mmap-chunks 0 then errno 12"
        run "guest-mem-brk-$e" --engine $e --guest-mem 64M --root "$root" -- "$root/g" mem &&
            want "guest-mem-brk-$e" 0 out "^RESULT brk-64M refused"
    done
else
    echo "MISSING --guest-mem: \`vkmmu run --help\` does not list it (not tested)"
fi

finish
