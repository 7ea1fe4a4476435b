/* tools/calibrate_internal.h - what `vkmmu calibrate` (cmd_calibrate.c) uses of its
 * measurements (calibrate_measure.c).  Each measurement is one run: a batch over thousands
 * of pages (or calls) timed with CLOCK_MONOTONIC, answering nanoseconds per event, or -1 with
 * errno set. */
#ifndef VKMMU_CALIBRATE_INTERNAL_H
#define VKMMU_CALIBRATE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#if defined(__x86_64__) || defined(__i386__)
#define CAL_HAVE_TSC 1
#endif

#define CAL_PAGE 4096u

/* Sizes of one run (pages or calls).  Chosen so the default 5 runs finish in a few seconds
 * on a 2-core VM while averaging over thousands of events. */
enum {
    CAL_FAULT_PAGES = 16384,   /* 64 MiB per fault batch */
    CAL_TRAP_PAGES = 4096,     /* signal and userfaultfd round trips */
    CAL_SYSCALLS = 200000,
    CAL_PINGPONGS = 20000,
    CAL_MPROTECTS = 50000,
    CAL_CHASE_PAGES = 32768,   /* 128 MiB: far beyond any STLB's reach */
    CAL_ZERO_PAGES = 8192,     /* 32 MiB: beyond L2, so memset writes to memory */
    CAL_COW_PAGES = 8192,
};

/* CLOCK_MONOTONIC in ns. */
double calibrate_now_ns(void);
/* pages of anonymous memory with prot: base pages only, not inherited by fork; NULL on
 * failure. */
void *calibrate_map_anon(size_t pages, int prot);

/* TSC ticks per ns over a 50 ms busy wait (-1 without a TSC). */
double calibrate_tsc_ghz(void);
/* Anonymous first touch by a read: the zero page is mapped, nothing allocated. */
double calibrate_fault_read(void);
/* Anonymous first touch by a write: fault + page allocation + zeroing. */
double calibrate_fault_write(void);
/* syscall(SYS_getppid). */
double calibrate_syscall(void);
/* Pipe ping-pong round trip with a child on the same CPU. */
double calibrate_pingpong(void);
/* A SIGSEGV trap (handler mprotect(RW), return) on every page of a region mapped with
 * prot_before, after faulting it in when populate. */
double calibrate_trap(bool populate, int prot_before);
/* mprotect of one resident page. */
double calibrate_mprotect(void);
/* A missing-page fault served by a userfaultfd handler thread with UFFDIO_COPY. */
double calibrate_uffd(void);

/* The pointer chase of the TLB-miss measurement. */
struct chase {
    char *buf;       /* CAL_CHASE_PAGES pages, one pointer per page in a random cycle */
    void **start;
    void **local;    /* one page: 64 pointers (one per cache line) in a random cycle */
};
/* Maps and links the chase; 0, or -1 with errno set. */
int calibrate_chase_init(struct chase *c);
/* One load per 4 KiB page minus one within a page: what a TLB miss adds to a load. */
double calibrate_tlb_miss(struct chase *c);
/* memset of a resident 4 KiB page of buf (CAL_ZERO_PAGES pages). */
double calibrate_memset(char *buf);
/* First write to each page of a MAP_PRIVATE mapping of the cached file fd. */
double calibrate_cow(int fd);

/* Median, minimum and maximum of runs. */
struct stat3 {
    double med, min, max;
};
/* The statistics of v[0..n) (sorted in place). */
struct stat3 calibrate_stats(double *v, int n);
/* A name for a statfs f_type ("ext4", "tmpfs", ... or "other"). */
const char *calibrate_fs_name(long type);

#endif
