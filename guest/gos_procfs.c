/* guest/gos_procfs.c - the synthetic files of the guest's /proc.
 *
 * The guest's /proc is never the host's (gos_fs.c resolves it lexically).  Besides the
 * /proc/self/exe link, a process can read /proc/self/maps (and /proc/PID/maps for its own
 * PID): glibc's pthread_getattr_np reads it to find the main thread's stack, and runtimes and
 * tools read it to see their own layout.  The text is made from the process's regions when
 * the file is opened, in Linux's format (fs/proc/task_mmu.c): one line per mapping, adjacent
 * anonymous regions of the same permissions merged as Linux merges their VMAs, a file's
 * guest path (as the guest's view names it), [heap] for the brk area and [stack] for the
 * stack.  Device and inode numbers are the host file's.  The open file is a host memfd, so
 * reads, seeks and the recording of a multi-pass run are those of any file. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "gos_internal.h"

/* The host directory fd refers to, with a trailing '/'; "" when it cannot be read. */
static void dir_of(int fd, char *out, size_t len)
{
    char link[40];
    out[0] = '\0';
    if (fd < 0 || len < 2)
        return;
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, out, len - 2);
    if (n <= 0) {
        out[0] = '\0';
        return;
    }
    out[n] = '\0';
    if (out[n - 1] != '/')
        strcat(out, "/");
}

/* The guest's name for the host file open on host_fd: its path inside the root, else inside
 * the system view; "" when it is in neither (the guest never sees a host path). */
static void guest_name(const struct gos *g, int host_fd, const char *root, const char *sys,
                       char *out, size_t len)
{
    char link[40], host[GOS_PATH_MAX];
    out[0] = '\0';
    snprintf(link, sizeof link, "/proc/self/fd/%d", host_fd);
    ssize_t n = readlink(link, host, sizeof host - 1);
    if (n <= 0)
        return;
    host[n] = '\0';
    const char *views[2] = {root, sys};
    for (int i = 0; i < 2; i++) {
        size_t k = strlen(views[i]);
        if (k && strncmp(host, views[i], k) == 0) {
            snprintf(out, len, "/%s", host + k);
            return;
        }
    }
    (void)g;
}

/* Appends one line of Linux's format to the buffer. */
static int add_line(FILE *f, uint64_t start, uint64_t end, unsigned prot, uint64_t off,
                    unsigned maj, unsigned min, uint64_t ino, const char *name)
{
    int n = fprintf(f, "%08llx-%08llx %c%c%cp %08llx %02x:%02x %llu", (unsigned long long)start,
                    (unsigned long long)end, prot & VK_PROT_R ? 'r' : '-',
                    prot & VK_PROT_W ? 'w' : '-', prot & VK_PROT_X ? 'x' : '-',
                    (unsigned long long)off, maj, min, (unsigned long long)ino);
    if (n < 0)
        return -1;
    if (name && name[0]) /* padded to column 73 as a 64-bit kernel pads, then the name */
        return fprintf(f, "%*s%s\n", n < 72 ? 72 - n + 1 : 1, "", name) < 0 ? -1 : 0;
    return fputc('\n', f) == EOF ? -1 : 0;
}

/* Writes g's maps into host file f. */
static int write_maps(struct gos *g, FILE *f)
{
    char root[GOS_PATH_MAX], sys[GOS_PATH_MAX];
    dir_of(g->root_fd, root, sizeof root);
    dir_of(g->sysroot_fd, sys, sizeof sys);
    uint64_t stack_top = gos_is64(g) ? GOS_STACK_TOP64 : GOS_STACK_TOP;
    for (size_t i = 0; i < g->nregions; i++) {
        const struct gos_region *r = &g->regions[i];
        uint64_t end = r->end;
        if (r->kind != VK_FILE) /* Linux merges adjacent anonymous VMAs alike */
            while (i + 1 < g->nregions && g->regions[i + 1].kind != VK_FILE &&
                   g->regions[i + 1].start == end && g->regions[i + 1].prot == r->prot) {
                end = g->regions[i + 1].end;
                i++;
            }
        char name[GOS_PATH_MAX] = "";
        unsigned maj = 0, min = 0;
        uint64_t ino = 0, off = 0;
        if (r->kind == VK_FILE && r->file_id >= 1 && r->file_id <= g->w->nfiles) {
            const struct gos_file *file = &g->w->files[r->file_id - 1];
            guest_name(g, file->host_fd, root, sys, name, sizeof name);
            maj = major(file->dev);
            min = minor(file->dev);
            ino = (uint64_t)file->ino;
            off = r->file_pgoff * GOS_PAGE;
        } else if (r->start >= g->brk_base && end <= ((g->brk_cur + GOS_PAGE - 1) & ~(uint64_t)(GOS_PAGE - 1)) &&
                   g->brk_cur > g->brk_base) {
            snprintf(name, sizeof name, "[heap]");
        } else if (end == stack_top) {
            snprintf(name, sizeof name, "[stack]");
        }
        if (add_line(f, r->start, end, r->prot, off, maj, min, ino, name) != 0)
            return -1;
    }
    return 0;
}

int gos_procfs_open(struct gos *g, const char *guest, uint32_t accmode, bool cloexec)
{
    char own[40];
    snprintf(own, sizeof own, "/proc/%u/maps", g->pid);
    if (strcmp(guest, "/proc/self/maps") != 0 && strcmp(guest, "/proc/thread-self/maps") != 0 &&
        strcmp(guest, own) != 0)
        return -ENOENT;
    if (accmode != 0) /* O_RDONLY */
        return -EACCES;
    int h = memfd_create("maps", MFD_CLOEXEC);
    if (h < 0)
        return -errno;
    int d = dup(h);
    FILE *f = d >= 0 ? fdopen(d, "w") : NULL;
    if (!f) {
        if (d >= 0)
            close(d);
        close(h);
        return -ENOMEM;
    }
    int rc = write_maps(g, f);
    if (fclose(f) != 0 || rc != 0) {
        close(h);
        return -EIO;
    }
    /* read-only, as Linux opens it: a write answers EBADF */
    char link[40];
    snprintf(link, sizeof link, "/proc/self/fd/%d", h);
    int ro = open(link, O_RDONLY | O_CLOEXEC);
    int err = errno;
    close(h);
    if (ro < 0)
        return -err;
    return gos_fd_install(g, ro, cloexec);
}
