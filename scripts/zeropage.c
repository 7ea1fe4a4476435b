/* scripts/zeropage.c - probes whether the host kernel maps the shared zero page on a read fault
 * of an untouched anonymous page (docs/linux-vs-host.md; vkmmu's --zero-page on|off).
 * usage: zeropage [PAGES]   (default 64)
 * It maps PAGES fresh private anonymous pages (transparent huge pages off, so no huge zero
 * page), reads each, then writes each, and counts its own minor faults (getrusage) around each
 * pass.  With a zero page the reads map it read-only and every write faults again (about PAGES
 * faults in each pass); without one (e.g. a PVM guest booted with pvm_no_zero_page=1) the read
 * allocates the page writable and the writes take no fault.
 * Output: "zero-page on|off READ_FAULTS WRITE_FAULTS" (on when the write pass took at least half
 * as many faults as there are pages); exit status 0, or 1 with a message on stderr. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

/* minor_faults: this process's minor-fault count so far, or -1 on error. */
static long minor_faults(void)
{
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru) < 0)
        return -1;
    return ru.ru_minflt;
}

int main(int argc, char **argv)
{
    long pages = argc > 1 ? strtol(argv[1], NULL, 10) : 64;
    if (pages < 1 || pages > 1 << 20) {
        fprintf(stderr, "zeropage: PAGES must be 1 to 1048576\n");
        return 1;
    }
    long psz = sysconf(_SC_PAGESIZE);
    (void)prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0); /* best effort, as in minflt.c */
    volatile unsigned char *p = mmap(NULL, (size_t)(pages * psz), PROT_READ | PROT_WRITE,
                                     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) {
        perror("zeropage: mmap");
        return 1;
    }
    (void)madvise((void *)p, (size_t)(pages * psz), MADV_NOHUGEPAGE);
    unsigned sum = 0;
    long f0 = minor_faults();
    for (long i = 0; i < pages; i++)
        sum += p[i * psz];
    long f1 = minor_faults();
    for (long i = 0; i < pages; i++)
        p[i * psz] = (unsigned char)(sum + 1);
    long f2 = minor_faults();
    if (f0 < 0 || f1 < 0 || f2 < 0) {
        perror("zeropage: getrusage");
        return 1;
    }
    printf("zero-page %s %ld %ld\n", 2 * (f2 - f1) >= pages ? "on" : "off", f1 - f0, f2 - f1);
    return 0;
}
