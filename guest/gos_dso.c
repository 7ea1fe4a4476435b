/* guest/gos_dso.c - which shared objects the guest looked for and never found, and the
 * names of addresses inside the files it mapped (gos_symbolize).
 *
 * ld.so searches a library in several directories (the cache, the RPATH, the hwcaps
 * subdirectories, the defaults) and opens each candidate; when none opens it prints "cannot
 * open shared object file" and exits 127.  The guest sees exactly that, as on Linux; the
 * run's report adds a note naming each shared object (a file name ending in ".so" or with
 * ".so." in it) that every open of it failed with ENOENT and no open of the same name
 * succeeded, so a researcher sees what the view (--root, --sysroot) lacks; and each one that
 * opened but was never mapped from the descriptor an open returned (ld.so read its header and
 * refused it: another ELF class or machine, or a truncated file).  Only for a process that
 * then ended with ld.so's status, 127: a linker or a program that reads libraries as files
 * (ld reads libc.so, a dlopen may try optional ones) is no loader failure.  Only system-call
 * arguments and results are looked at, so every pass of a multi-pass run sees the same. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gos_internal.h"

/* Whether name (a final path component) names a shared object. */
static bool is_shared_object(const char *name)
{
    for (const char *p = strstr(name, ".so"); p; p = strstr(p + 1, ".so"))
        if (p[3] == '\0' || p[3] == '.')
            return true;
    return false;
}

/* The guest's path string, read as the engine sees memory: the call has read it already, so
 * this second look is no access of the guest's (the models are not told).  0, or -1. */
static int peek_str(struct gos *g, uint64_t addr, char *out, size_t max)
{
    for (size_t got = 0; got < max;) {
        uint64_t a = addr + got;
        size_t chunk = GOS_PAGE - (size_t)(a & (GOS_PAGE - 1));
        if (chunk > max - got)
            chunk = max - got;
        if (a >= gos_user_limit(g) || g->mem.read(g->mem.ctx, a, out + got, chunk) != 0)
            return -1;
        if (memchr(out + got, 0, chunk))
            return 0;
        got += chunk;
    }
    return -1;
}

/* Which shared object (index into w->dso, -1 none) process g's descriptor fd was opened
 * for; a full table forgets the oldest entry. */
static void fd_owner_set(struct gos *g, int32_t fd, int dso)
{
    struct gos_world *w = g->w;
    size_t k = 0;
    while (k < w->ndso_fds && !(w->dso_fds[k].pid == g->pid && w->dso_fds[k].fd == fd))
        k++;
    if (k == w->ndso_fds) {
        if (dso < 0)
            return;
        if (w->ndso_fds == GOS_MAX_DSO_FDS) {
            memmove(w->dso_fds, w->dso_fds + 1, (GOS_MAX_DSO_FDS - 1) * sizeof w->dso_fds[0]);
            k = --w->ndso_fds;
        }
        w->ndso_fds++;
    }
    w->dso_fds[k].pid = g->pid;
    w->dso_fds[k].fd = fd;
    w->dso_fds[k].dso = dso;
}

void gos_dso_open_result(struct gos *g, uint64_t path_addr, int64_t rc)
{
    if (rc < 0 && rc != -ENOENT)
        return;
    char path[GOS_PATH_MAX];
    if (peek_str(g, path_addr, path, sizeof path) != 0)
        return;
    const char *slash = strrchr(path, '/');
    const char *name = slash ? slash + 1 : path;
    struct gos_world *w = g->w;
    if (rc >= 0)
        fd_owner_set(g, (int32_t)rc, -1); /* whatever this descriptor was before */
    if (!is_shared_object(name) || strncmp(name, "ld.so.", 6) == 0 ||
        strlen(name) >= sizeof w->dso[0].name)
        return;
    size_t i = 0;
    while (i < w->ndso && strcmp(w->dso[i].name, name) != 0)
        i++;
    if (i == w->ndso) {
        if (w->ndso == GOS_MAX_DSO)
            return;
        w->ndso++;
        memset(&w->dso[i], 0, sizeof w->dso[i]);
        snprintf(w->dso[i].name, sizeof w->dso[i].name, "%.63s", name);
        snprintf(w->dso[i].first_path, sizeof w->dso[i].first_path, "%.159s", path);
    }
    w->dso[i].pid = g->pid;
    if (rc >= 0) {
        w->dso[i].found = true;
        snprintf(w->dso[i].found_path, sizeof w->dso[i].found_path, "%.159s", path);
        fd_owner_set(g, (int32_t)rc, (int)i);
    } else {
        w->dso[i].misses++;
    }
}

void gos_dso_mmap_result(struct gos *g, int32_t fd, int64_t rc)
{
    if (rc < 0 && rc > -4096)
        return;
    const struct gos_world *w = g->w;
    for (size_t k = 0; k < w->ndso_fds; k++)
        if (w->dso_fds[k].pid == g->pid && w->dso_fds[k].fd == fd && w->dso_fds[k].dso >= 0)
            g->w->dso[w->dso_fds[k].dso].mapped = true;
}

/* Whether process pid ended as ld.so ends a program it cannot load: exit status 127. */
static bool ended_as_ld_so(const struct gos_world *w, uint32_t pid)
{
    for (size_t k = 0; k < w->nprocs; k++) {
        const struct gos *p = w->procs[k];
        if (p->pid != pid)
            continue;
        if (p->exiting) /* the first process, ending the run */
            return !p->exit_signal && p->exit_status == 127;
        return p->state != GOS_PROC_ALIVE && (p->wstatus & 0x7f) == 0 &&
               ((p->wstatus >> 8) & 0xff) == 127;
    }
    return false;
}

void gos_dso_notes(struct gos *g)
{
    const struct gos_world *w = g->w;
    for (size_t i = 0; i < w->ndso; i++) {
        char line[400];
        if (!ended_as_ld_so(w, w->dso[i].pid))
            continue;
        if (w->dso[i].found && !w->dso[i].mapped) {
            snprintf(line, sizeof line,
                     "the guest opened the shared object %.63s at %.159s but never mapped it: "
                     "ld.so refused the file (another ELF class or machine, or truncated)",
                     w->dso[i].name, w->dso[i].found_path);
            gos_note(g, line);
        }
        if (w->dso[i].found)
            continue;
        snprintf(line, sizeof line,
                 "the guest looked for the shared object %.63s in %u place%s (first %.159s) and "
                 "found it in no view the guest has (--root, --sysroot)",
                 w->dso[i].name, w->dso[i].misses, w->dso[i].misses == 1 ? "" : "s",
                 w->dso[i].first_path);
        gos_note(g, line);
    }
}

/* The region of process g that holds addr, or NULL. */
static const struct gos_region *region_at(const struct gos *g, uint64_t addr)
{
    size_t lo = 0, hi = g->nregions; /* sorted by start, disjoint */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (g->regions[mid].end <= addr)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < g->nregions && g->regions[lo].start <= addr ? &g->regions[lo] : NULL;
}

/* Reads f's ELF (once) through its kept descriptor; f->syms stays NULL when it is none. */
static void look_at(struct gos_file *f)
{
    f->looked = true;
    char fdpath[40], host[GOS_PATH_MAX], err[640];
    snprintf(fdpath, sizeof fdpath, "/proc/self/fd/%d", f->host_fd);
    ssize_t n = readlink(fdpath, host, sizeof host - 1);
    if (n <= 0)
        return;
    host[n] = '\0';
    const char *slash = strrchr(host, '/');
    snprintf(f->name, sizeof f->name, "%.63s", slash ? slash + 1 : host);
    struct gos_elf *e = calloc(1, sizeof *e);
    if (e && gos_elf_load_object(e, fdpath, err, sizeof err) == GOS_OK)
        f->syms = e;
    else
        free(e);
}

const char *gos_symbolize(struct gos *g, uint64_t addr, char *buf, size_t len)
{
    buf[0] = '\0';
    const struct gos_region *r = region_at(g, addr);
    if (!r || r->kind != VK_FILE || r->file_id == 0 || r->file_id > g->w->nfiles)
        return buf;
    struct gos_file *f = &g->w->files[r->file_id - 1];
    if (!f->looked)
        look_at(f);
    if (!f->syms)
        return buf;
    /* The file offset addr maps, then the segment that loads it (where a text and a data
     * segment share a file page, the one whose execute permission the mapping has): its
     * link-time address. */
    uint64_t off = r->file_pgoff * GOS_PAGE + (addr - r->start);
    const struct gos_elf *e = f->syms;
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < e->nsegments; i++) {
            const struct gos_segment *s = &e->segments[i];
            uint64_t first = s->offset & ~(uint64_t)(GOS_PAGE - 1);
            if (off < first || off >= s->offset + s->filesz ||
                (pass == 0 && (s->prot & VK_PROT_X) != (r->prot & VK_PROT_X)))
                continue;
            uint64_t link = s->vaddr - s->offset + off; /* congruent mod the page size */
            char sym[96];
            if (gos_elf_symbolize(e, link, sym, sizeof sym)[0])
                snprintf(buf, len, "%s (%s)", sym, f->name);
            else
                snprintf(buf, len, "%s+0x%llx", f->name, (unsigned long long)link);
            return buf;
        }
    return buf;
}

void gos_dso_fini(struct gos_world *w)
{
    for (size_t i = 0; i < w->nfiles; i++)
        if (w->files[i].syms) {
            gos_elf_fini(w->files[i].syms);
            free(w->files[i].syms);
            w->files[i].syms = NULL;
        }
}
