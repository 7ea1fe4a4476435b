/* Guest errors for tests/emu/test_errors.sh: argv[1] picks one.
 *   segv   write through a null pointer (SIGSEGV, exit 139)
 *   ro     write to the program's own text (SIGSEGV: region r-x)
 *   ud     ud2, an invalid instruction (SIGILL, exit 132)
 *   div    integer divide by zero (SIGFPE, exit 136)
 *   spin   an endless loop (for --max-insns)
 *   mprotect  write a page, make it read-only, write again (SIGSEGV only if the engine
 *             flushed the writable TLB entry)
 *   munmap    read a page, unmap it, read again (SIGSEGV)
 *   ok     prints "ok" and exits 0 */
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

volatile int zero = 0;
volatile int *volatile null_ptr = 0;

int main(int argc, char **argv)
{
    const char *what = argc > 1 ? argv[1] : "ok";
    if (!strcmp(what, "segv"))
        *null_ptr = 1;
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
    } else if (!strcmp(what, "spin"))
        for (volatile unsigned i = 0;; i++)
            ;
    printf("ok\n");
    return 0;
}
