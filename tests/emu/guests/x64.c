/* Guest for tests/emu/test_x86_64.sh, a static x86-64 program: argv[1] picks one.
 *   ok              prints "x64 ok" and exits 0
 *   int80           getpid through `int 0x80` (the i386 ABI from 64-bit code): vkmmu refuses
 *   noncanon        reads the non-canonical address 0x800000000000 (#GP: SIGSEGV)
 *   kernel          reads the kernel-half address 0xffff800000001000 (#PF: SIGSEGV)
 *   exec PROG       execve(PROG, {PROG}, {}) and reports errno if it returns
 *   fs              writes its FS base (arch_prctl ARCH_GET_FS), a TLS variable's address and
 *                   the variable, which must agree
 *   fpu             prints the x87 control word and MXCSR (Linux starts a process with 0x37f
 *                   and 0x1f80; glibc's start-up leaves them)
 *   fadvise         posix_fadvise's answers: a file, a bad fd, a pipe, a negative length, an
 *                   unknown advice (Linux: 0, EBADF, ESPIPE, EINVAL, EINVAL)
 *   cpu             prints CPUID leaf 1's FPU and MMX bits (x86-64-baseline needs both) and
 *                   whether two rdtsc reads and an rdtscp increase, with rdtscp's TSC_AUX */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static __thread int tls_var = 42;

int main(int argc, char **argv)
{
    const char *what = argc > 1 ? argv[1] : "ok";
    if (!strcmp(what, "int80")) {
        long ret;
        __asm__ volatile("int $0x80" : "=a"(ret) : "a"(20L) : "memory");
        printf("int80 returned %ld\n", ret);
    } else if (!strcmp(what, "noncanon")) {
        printf("%ld\n", *(volatile long *)0x800000000000ull);
    } else if (!strcmp(what, "kernel")) {
        printf("%ld\n", *(volatile long *)0xffff800000001000ull);
    } else if (!strcmp(what, "exec") && argc > 2) {
        char *args[] = {argv[2], NULL}, *env[] = {NULL};
        execve(argv[2], args, env);
        printf("execve: %s\n", strerror(errno));
        return 1;
    } else if (!strcmp(what, "fs")) {
        uint64_t fs = 0;
        long rc;
        __asm__ volatile("syscall" : "=a"(rc) : "a"(158L), "D"(0x1003L), "S"(&fs)
                         : "rcx", "r11", "memory");
        uintptr_t self;
        __asm__ volatile("mov %%fs:0, %0" : "=r"(self));
        printf("arch_prctl %ld fs-self %s tls %d\n", rc, self == fs ? "same" : "differ", tls_var);
    } else if (!strcmp(what, "fpu")) {
        uint16_t cw;
        uint32_t mxcsr;
        __asm__ volatile("fnstcw %0" : "=m"(cw));
        __asm__ volatile("stmxcsr %0" : "=m"(mxcsr));
        printf("fpcw %#x mxcsr %#x\n", cw, mxcsr);
    } else if (!strcmp(what, "fadvise")) {
        int fd = open(argv[0], O_RDONLY), p[2];
        if (fd < 0 || pipe(p) != 0)
            return 1;
        printf("%d %d %d %d %d\n", posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL),
               posix_fadvise(99, 0, 0, 0), posix_fadvise(p[0], 0, 0, 0),
               posix_fadvise(fd, 0, -1, 0), posix_fadvise(fd, 0, 0, 9));
    } else if (!strcmp(what, "cpu")) {
        uint32_t a = 1, b, c = 0, d;
        __asm__ volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
        uint32_t lo1, hi1, lo2, hi2, lo3, hi3, aux;
        __asm__ volatile("rdtsc" : "=a"(lo1), "=d"(hi1));
        __asm__ volatile("rdtsc" : "=a"(lo2), "=d"(hi2));
        __asm__ volatile("rdtscp" : "=a"(lo3), "=d"(hi3), "=c"(aux));
        uint64_t t1 = (uint64_t)hi1 << 32 | lo1, t2 = (uint64_t)hi2 << 32 | lo2,
                 t3 = (uint64_t)hi3 << 32 | lo3;
        printf("fpu %u mmx %u tsc increases %d aux %u\n", d & 1, (d >> 23) & 1,
               t1 < t2 && t2 < t3, aux);
        printf("tsc %llu %llu %llu\n", (unsigned long long)t1, (unsigned long long)t2,
               (unsigned long long)t3);
    } else {
        printf("x64 ok\n");
    }
    return 0;
}
