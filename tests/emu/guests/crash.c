/* Guest errors for tests/emu/test_errors.sh: argv[1] picks one.
 *   segv   write through a null pointer (SIGSEGV, exit 139)
 *   libc-segv  fputs to a null FILE: the fault is inside the C library (SIGSEGV, exit 139;
 *          in hello-dyn, inside libc.so.6, which the report names)
 *   ro     write to the program's own text (SIGSEGV: region r-x)
 *   ud     ud2, an invalid instruction (SIGILL, exit 132)
 *   div    integer divide by zero (SIGFPE, exit 136)
 *   spin   an endless loop (for --max-insns)
 *   mprotect  write a page, make it read-only, write again (SIGSEGV only if the engine
 *             flushed the writable TLB entry)
 *   munmap    read a page, unmap it, read again (SIGSEGV)
 *   in, in-imm, out, out-imm, ins, insd, outs, outsd, ins-mmap, outs-mmap
 *          an I/O instruction at CPL 3 (in al,dx / in eax,0x60 / out dx,al / out 0x80,al /
 *          rep insb / rep insd / rep outsb / rep outsd; ins-mmap, outs-mmap: rep insb / rep
 *          outsb on an untouched page): Linux runs user code with IOPL 0 and
 *          no I/O bitmap, so each raises #GP: SIGSEGV, exit 139, before any port or memory
 *          access
 *   sysenter, syscall   the fast system-call instructions with no vDSO: sysenter dies of
 *          SIGSEGV (exit 139; Linux's return path is the vDSO's), syscall of SIGILL (exit 132;
 *          #UD in 32-bit code on Intel CPUs, and under qemu-i386)
 *   ids    prints what setuid/setgid/setreuid/setresuid/setfsuid/getresuid answer (the
 *          guest is an unprivileged process with every id 1000: tests/emu/test_ids.sh)
 *   ok     prints "ok" and exits 0 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/fsuid.h>
#include <sys/mman.h>
#include <unistd.h>

volatile int zero = 0;
static char io_buf[64];

/* One I/O instruction (port 0x80 in DX, a buffer in ESI/EDI, a count of 4 in ECX); returns
 * whether what named one.  ins-mmap and outs-mmap use a page no one has touched yet (the
 * paging engine has no PTE for it). */
static int io_insn(const char *what)
{
    if (!strcmp(what, "ins-mmap") || !strcmp(what, "outs-mmap")) {
        char *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED)
            return 0;
        if (what[0] == 'i')
            __asm__ volatile("rep insb" : : "D"(p), "c"(4), "d"(0x80) : "memory");
        else
            __asm__ volatile("rep outsb" : : "S"(p), "c"(4), "d"(0x80) : "memory");
        return 1;
    }
    if (!strcmp(what, "in"))
        __asm__ volatile("inb %%dx, %%al" : : "d"(0x80) : "eax");
    else if (!strcmp(what, "in-imm"))
        __asm__ volatile("inl $0x60, %%eax" : : : "eax");
    else if (!strcmp(what, "out"))
        __asm__ volatile("outb %%al, %%dx" : : "a"(0), "d"(0x80));
    else if (!strcmp(what, "out-imm"))
        __asm__ volatile("outb %%al, $0x80" : : "a"(0));
    else if (!strcmp(what, "ins"))
        __asm__ volatile("rep insb" : : "D"(io_buf), "c"(4), "d"(0x80) : "memory");
    else if (!strcmp(what, "insd"))
        __asm__ volatile("rep insl" : : "D"(io_buf), "c"(4), "d"(0x80) : "memory");
    else if (!strcmp(what, "outs"))
        __asm__ volatile("rep outsb" : : "S"(io_buf), "c"(4), "d"(0x80) : "memory");
    else if (!strcmp(what, "outsd"))
        __asm__ volatile("rep outsl" : : "S"(io_buf), "c"(4), "d"(0x80) : "memory");
    else
        return 0;
    return 1;
}
volatile int *volatile null_ptr = 0;

/* Each call's result as "name=0" or "name=EPERM"-style errno names. */
static void id_result(const char *name, int rc)
{
    int e = errno;
    printf("%s=%s\n", name, rc == 0 ? "0" : e == EPERM ? "EPERM" : e == EINVAL ? "EINVAL" : "?");
}

static void ids(void)
{
    id_result("setuid(1000)", setuid(1000));
    id_result("setuid(0)", setuid(0));
    id_result("setgid(1000)", setgid(1000));
    id_result("setgid(0)", setgid(0));
    id_result("setreuid(-1,1000)", setreuid(-1, 1000));
    id_result("setreuid(0,-1)", setreuid(0, -1));
    id_result("setresuid(-1,-1,-1)", setresuid(-1, -1, -1));
    id_result("setresgid(1000,1000,0)", setresgid(1000, 1000, 0));
    printf("setfsuid(0)=%d setfsgid(-1)=%d\n", setfsuid(0), setfsgid(-1));
    uid_t r = 0, e = 0, s = 0;
    gid_t gr = 0, ge = 0, gs = 0;
    id_result("getresuid", getresuid(&r, &e, &s));
    id_result("getresgid", getresgid(&gr, &ge, &gs));
    printf("uids %u %u %u gids %u %u %u\n", (unsigned)r, (unsigned)e, (unsigned)s, (unsigned)gr,
           (unsigned)ge, (unsigned)gs);
}

int main(int argc, char **argv)
{
    const char *what = argc > 1 ? argv[1] : "ok";
    if (!strcmp(what, "segv"))
        *null_ptr = 1;
    else if (!strcmp(what, "libc-segv"))
        fputs(argv[0], (FILE *)(void *)null_ptr); /* not a constant: no fputc */
    else if (!strcmp(what, "ro"))
        *(volatile char *)(void *)main = 0;
    else if (!strcmp(what, "ud"))
        __asm__ volatile("ud2");
    else if (!strcmp(what, "div"))
        return 100 / zero;
    else if (!strcmp(what, "mprotect") || !strcmp(what, "munmap")) {
        volatile char *p = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                                -1, 0);
        if (p == MAP_FAILED)
            return 3;
        p[0] = 1;
        p[4096] = 2;
        if (!strcmp(what, "mprotect")) {
            mprotect((void *)p, 8192, PROT_READ);
            printf("read %d\n", p[0] + p[4096]);
            fflush(stdout);
            p[4096] = 3;
        } else {
            munmap((void *)p, 8192);
            printf("unmapped\n");
            fflush(stdout);
            return p[4096];
        }
    } else if (!strcmp(what, "ids")) {
        ids();
        return 0;
    } else if (!strcmp(what, "sysenter") || !strcmp(what, "syscall")) {
        if (what[3] == 'e')
            __asm__ volatile("sysenter" : : "a"(20) : "memory");
        else
            __asm__ volatile(".byte 0x0f, 0x05" : : "a"(20) : "ecx", "memory");
        printf("%s: returned\n", what);
        return 4;
    } else if (io_insn(what)) {
        printf("%s: the I/O instruction did not fault\n", what);
        return 4;
    } else if (!strcmp(what, "spin"))
        for (volatile unsigned i = 0;; i++)
            ;
    printf("ok\n");
    return 0;
}
