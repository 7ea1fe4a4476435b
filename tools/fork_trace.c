/* tools/fork_trace.c - fork scenarios as text traces (trace-formats.md section 1), for the
 * figure `vkmmu plot --kind fork` and the table of docs/processes.md.
 *
 * A scenario of K pages: the parent maps a text region (FORK_TRACE_TEXT_PAGES pages, r-x file)
 * and an anonymous region of K pages, fetches from its text, writes all K pages, forks (S 2,
 * fork 2); the child fetches, reads the K pages, writes an evenly spread share of them and
 * exits (S 1, exit); the parent waits (S 114) and writes the K pages again.  Its baseline is
 * the same trace without the system calls fork, exit and wait4 and without the child, so that
 * cycles(fork) - cycles(baseline) is the cost of one fork+exit+wait. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "tools.h"

#define PAGE 4096u
#define TEXT_START 0x08048000u
#define DATA_START 0x10000000u

/* Linux i386 system call numbers (arch/x86/entry/syscalls/syscall_32.tbl). */
#define NR_EXIT 1
#define NR_FORK 2
#define NR_WAIT4 114

/* True when page i of k is one of the child's writes: pct percent of the pages, spread evenly
 * (floor(k * pct / 100) pages in all). */
static int child_writes_page(unsigned long long i, unsigned pct)
{
    return (i + 1) * pct / 100 > i * pct / 100;
}

/* The child: after the fork it fetches, reads every page, writes its share and exits. */
static void write_child(FILE *out, const struct fork_trace *t)
{
    fprintf(out, "fork 2\npid 2\nX 0x%x 4\n", TEXT_START + PAGE);
    for (unsigned i = 0; i < t->pages; i++)
        fprintf(out, "R 0x%x 4\n", DATA_START + i * PAGE);
    for (unsigned i = 0; i < t->pages; i++)
        if (child_writes_page(i, t->child_write_pct))
            fprintf(out, "W 0x%x 4\n", DATA_START + i * PAGE);
    fprintf(out, "S %d\nexit\npid 1\nS %d\n", NR_EXIT, NR_WAIT4);
}

int fork_trace_write(FILE *out, const struct fork_trace *t)
{
    if (t->pages < 1 || t->pages > FORK_TRACE_MAX_PAGES || t->child_write_pct > 100) {
        errno = EINVAL;
        return -1;
    }
    unsigned long long writes = (unsigned long long)t->pages * t->child_write_pct / 100;
    fprintf(out,
            "# vkmmu fork scenario (tools/fork_trace.c): K = %u pages, the child writes %llu "
            "of them (%u%%); %s\n",
            t->pages, writes, t->child_write_pct,
            t->fork ? "one fork+exit+wait" : "the baseline: no fork, no child, no wait");
    fprintf(out, "map 0x%x 0x%x r-x file text\nmap 0x%x 0x%x rw- anon data\n", TEXT_START,
            TEXT_START + FORK_TRACE_TEXT_PAGES * PAGE, DATA_START, DATA_START + t->pages * PAGE);
    fprintf(out, "X 0x%x 4\n", TEXT_START);
    for (unsigned i = 0; i < t->pages; i++)
        fprintf(out, "W 0x%x 4\n", DATA_START + i * PAGE);
    fprintf(out, "X 0x%x 4\n", TEXT_START + PAGE);
    if (t->fork) {
        fprintf(out, "S %d\n", NR_FORK);
        write_child(out, t);
    }
    fprintf(out, "X 0x%x 4\n", TEXT_START);
    for (unsigned i = 0; i < t->pages; i++)
        fprintf(out, "W 0x%x 4\n", DATA_START + i * PAGE);
    return ferror(out) ? -1 : 0;
}

/* Writes one trace to path (through path.tmp, renamed when complete).  0, or -1 with the
 * reason in err. */
static int write_one(const char *path, const struct fork_trace *t, char *err, size_t errlen)
{
    char tmp[PATH_MAX + 8];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    if (!f) {
        snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
        return -1;
    }
    int rc = fork_trace_write(f, t);
    int saved = errno;
    if (fclose(f) != 0 && rc == 0) {
        rc = -1;
        saved = errno;
    }
    if (rc == 0 && rename(tmp, path) != 0) {
        rc = -1;
        saved = errno;
    }
    if (rc != 0) {
        remove(tmp);
        snprintf(err, errlen, "%s: %s", path, strerror(saved));
    }
    return rc;
}

int fork_trace_pair(const char *dir, const char *prefix, unsigned pages, unsigned child_write_pct,
                    char *err, size_t errlen)
{
    if (pages < 1 || pages > FORK_TRACE_MAX_PAGES || child_write_pct > 100) {
        snprintf(err, errlen, "K = %u pages, the child writing %u%%: expected 1 to %u pages and "
                 "0 to 100%%", pages, child_write_pct, FORK_TRACE_MAX_PAGES);
        return -1;
    }
    char path[PATH_MAX];
    struct fork_trace t = {.pages = pages, .child_write_pct = child_write_pct, .fork = true};
    int n = snprintf(path, sizeof path, "%s/%s-k%u.vkt.txt", dir, prefix, pages);
    if (n < 0 || (size_t)n >= sizeof path - 16) {
        snprintf(err, errlen, "%s/%s: path too long", dir, prefix);
        return -1;
    }
    if (write_one(path, &t, err, errlen) != 0)
        return -1;
    t.fork = false;
    snprintf(path, sizeof path, "%s/%s-k%u" FORK_TRACE_BASE_SUFFIX ".vkt.txt", dir, prefix, pages);
    return write_one(path, &t, err, errlen);
}
