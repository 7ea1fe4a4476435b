/* guest/gos_core.c - the guest OS's life cycle, its guest-memory copies and the memory calls
 * (brk, mmap, munmap, mprotect, madvise, mremap), which change the vkernel's regions as
 * model.md section 1 says.  gos keeps a shadow of the regions it made (and of those
 * the engine mapped through gos_map) for placement and checks, so it also runs with no model;
 * placement also avoids every region of the first model. */
#include "gos_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* i386 mmap flags (asm-generic/mman-common.h, asm/mman.h) and madvise advice. */
#define GOS_MAP_SHARED 0x01u
#define GOS_MAP_PRIVATE 0x02u
#define GOS_MAP_SHARED_VALIDATE 0x03u
#define GOS_MAP_TYPE 0x0fu
#define GOS_MAP_FIXED 0x10u
#define GOS_MAP_ANONYMOUS 0x20u
#define GOS_MAP_FIXED_NOREPLACE 0x100000u
#define GOS_PROT_MASK 0x7u
#define GOS_PROT_GROWS 0x03000000u /* PROT_GROWSDOWN | PROT_GROWSUP: accepted, ignored */
#define GOS_MADV_DONTNEED 4u

/* x rounded up to a page; 0 when that wraps (callers treat 0 as too large). */
static uint64_t page_up(uint64_t x)
{
    return x > UINT64_MAX - (GOS_PAGE - 1) ? 0 : (x + GOS_PAGE - 1) & ~(uint64_t)(GOS_PAGE - 1);
}

void gos_fail(struct gos *g, const char *fmt, ...)
{
    if (g->fatal)
        return; /* keep the first reason */
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(g->err, sizeof g->err, fmt, ap);
    va_end(ap);
    g->fatal = true;
}

/* Turns a vk_set_* status into gos's terms: VK_ERROR is fatal and names the model. */
int gos_vk_status(struct gos *g, int st, const char *what)
{
    if (st != VK_ERROR)
        return st;
    const char *why = "unknown model error";
    for (size_t i = 0; i < g->models->n; i++) {
        const char *e = vk_error(g->models->m[i]);
        if (e && *e) {
            why = e;
            break;
        }
    }
    gos_fail(g, "%s: model error: %s", what, why);
    return st;
}

/* ---- guest memory --------------------------------------------------------------------- */

int gos_kernel_access(struct gos *g, uint64_t addr, size_t len, bool write)
{
    if (len == 0)
        return 0;
    /* access_ok(): user space ends at 0xC0000000 whatever the models say (above it lie the
     * engine's page tables). */
    if ((uint64_t)addr + len > gos_user_limit(g))
        return -EFAULT;
    if (g->w->recording)
        gos_log_kaccess(g, addr, len, write);
    int st = gos_vk_status(g, vk_set_kernel_access(g->models, addr, len, write),
                           "kernel access");
    return st == VK_OK ? 0 : -EFAULT;
}

int gos_copy_in(struct gos *g, uint64_t addr, void *buf, size_t len)
{
    int rc = gos_kernel_access(g, addr, len, false);
    if (rc || len == 0)
        return rc;
    return g->mem.read(g->mem.ctx, addr, buf, len) == 0 ? 0 : -EFAULT;
}

int gos_copy_out(struct gos *g, uint64_t addr, const void *buf, size_t len)
{
    int rc = gos_kernel_access(g, addr, len, true);
    if (rc || len == 0)
        return rc;
    if (g->w->recording)
        gos_log_write(g, addr, buf, len);
    return g->mem.write(g->mem.ctx, addr, buf, len) == 0 ? 0 : -EFAULT;
}

int gos_copy_in_ptr(struct gos *g, uint64_t addr, uint64_t *out)
{
    if (gos_is64(g))
        return gos_copy_in(g, addr, out, 8);
    uint32_t v;
    int rc = gos_copy_in(g, addr, &v, 4);
    *out = v;
    return rc;
}

int gos_copy_out_ptr(struct gos *g, uint64_t addr, uint64_t v)
{
    if (gos_is64(g))
        return gos_copy_out(g, addr, &v, 8);
    uint32_t v32 = (uint32_t)v;
    return gos_copy_out(g, addr, &v32, 4);
}

int gos_copy_str(struct gos *g, uint64_t addr, char *out, size_t max)
{
    size_t got = 0;
    while (got < max) {
        uint64_t a = (uint64_t)addr + got;
        if (a >= gos_user_limit(g))
            return -EFAULT;
        size_t chunk = GOS_PAGE - (size_t)(a & (GOS_PAGE - 1));
        if (chunk > max - got)
            chunk = max - got;
        if (g->mem.read(g->mem.ctx, (uint64_t)a, out + got, chunk) != 0)
            return -EFAULT;
        char *nul = memchr(out + got, 0, chunk);
        if (nul) {
            size_t len = (size_t)(nul - out);
            return gos_kernel_access(g, addr, len + 1, false);
        }
        got += chunk;
    }
    return -ENAMETOOLONG;
}

uint8_t *gos_scratch(struct gos *g, size_t n)
{
    if (n <= g->scratch_len)
        return g->scratch;
    size_t cap = g->scratch_len ? g->scratch_len : 65536;
    while (cap < n)
        cap *= 2;
    uint8_t *p = realloc(g->scratch, cap);
    if (!p) {
        gos_fail(g, "out of memory (%zu bytes of copy buffer)", cap);
        return NULL;
    }
    g->scratch = p;
    g->scratch_len = cap;
    return p;
}

int gos_zero_guest(struct gos *g, uint64_t addr, size_t n)
{
    static const uint8_t zeros[65536];
    if (g->w->recording && n)
        gos_log_zero(g, addr, n);
    while (n) {
        size_t c = n < sizeof zeros ? n : sizeof zeros;
        if (g->mem.write(g->mem.ctx, addr, zeros, c) != 0) {
            gos_fail(g, "engine refused to write guest memory at 0x%08llx", (unsigned long long)addr);
            return -1;
        }
        addr += (uint64_t)c;
        n -= c;
    }
    return 0;
}

int gos_fill_from_file(struct gos *g, int fd, uint64_t off, uint64_t addr, size_t len)
{
    size_t done = 0;
    uint8_t *buf = gos_scratch(g, 65536);
    if (!buf)
        return -1;
    while (done < len) {
        size_t c = len - done < 65536 ? len - done : 65536;
        ssize_t n = pread(fd, buf, c, (off_t)(off + done));
        if (n < 0) {
            gos_fail(g, "reading a mapped file: %s", strerror(errno));
            return -1;
        }
        if (n == 0)
            break; /* end of file: the rest of the mapping reads as zeros */
        if (g->w->recording)
            gos_log_write(g, addr + (uint64_t)done, buf, (size_t)n);
        if (g->mem.write(g->mem.ctx, addr + (uint64_t)done, buf, (size_t)n) != 0) {
            gos_fail(g, "engine refused to write guest memory at 0x%08llx",
                     (unsigned long long)(addr + done));
            return -1;
        }
        done += (size_t)n;
    }
    return gos_zero_guest(g, addr + (uint64_t)done, len - done);
}

/* ---- gos's shadow of the region map ---------------------------------------------------- */

/* Removes [s, e) from the shadow, splitting regions that straddle a bound. */
static int reg_remove(struct gos *g, uint64_t s, uint64_t e)
{
    for (size_t i = 0; i < g->nregions;) {
        struct gos_region *r = &g->regions[i];
        if (r->end <= s || r->start >= e) {
            i++;
            continue;
        }
        if (r->start < s && r->end > e) { /* split in two */
            if (g->nregions == g->regions_cap) {
                size_t cap = g->regions_cap ? g->regions_cap * 2 : 32;
                struct gos_region *p = realloc(g->regions, cap * sizeof *p);
                if (!p) {
                    gos_fail(g, "out of memory (region list)");
                    return -1;
                }
                g->regions = p;
                g->regions_cap = cap;
                r = &g->regions[i];
            }
            memmove(&g->regions[i + 2], &g->regions[i + 1], (g->nregions - i - 1) * sizeof *r);
            struct gos_region hi = *r;
            hi.file_pgoff += (e - r->start) / GOS_PAGE;
            hi.start = e;
            r->end = s;
            g->regions[i + 1] = hi;
            g->nregions++;
            return 0;
        }
        if (r->start >= s && r->end <= e) { /* covered: drop */
            memmove(r, r + 1, (g->nregions - i - 1) * sizeof *r);
            g->nregions--;
            continue;
        }
        if (r->start < s) { /* keep the low part */
            r->end = s;
        } else { /* keep the high part */
            r->file_pgoff += (e - r->start) / GOS_PAGE;
            r->start = e;
        }
        i++;
    }
    return 0;
}

static int reg_insert(struct gos *g, const struct gos_region *n)
{
    if (reg_remove(g, n->start, n->end))
        return -1;
    if (g->nregions == g->regions_cap) {
        size_t cap = g->regions_cap ? g->regions_cap * 2 : 32;
        struct gos_region *p = realloc(g->regions, cap * sizeof *p);
        if (!p) {
            gos_fail(g, "out of memory (region list)");
            return -1;
        }
        g->regions = p;
        g->regions_cap = cap;
    }
    size_t i = 0;
    while (i < g->nregions && g->regions[i].start < n->start)
        i++;
    memmove(&g->regions[i + 1], &g->regions[i], (g->nregions - i) * sizeof *n);
    g->regions[i] = *n;
    g->nregions++;
    return 0;
}

/* Sets prot on [s, e) of the shadow, splitting at the bounds. */
static int reg_protect(struct gos *g, uint64_t s, uint64_t e, unsigned prot)
{
    for (size_t i = 0; i < g->nregions; i++) {
        struct gos_region r = g->regions[i];
        if (r.end <= s || r.start >= e || r.prot == prot)
            continue;
        uint64_t a = r.start > s ? r.start : s, b = r.end < e ? r.end : e;
        struct gos_region mid = r;
        mid.file_pgoff += (a - r.start) / GOS_PAGE;
        mid.start = a;
        mid.end = b;
        mid.prot = prot;
        if (reg_insert(g, &mid))
            return -1;
    }
    return 0;
}

/* Occupied intervals: the shadow and the first model's regions (the engine may map its ELF
 * image and stack with vk_set_map directly).  Sorted, disjoint, not adjacent; caller frees. */
struct gos_iv {
    uint64_t start, end;
};
static int iv_cmp(const void *a, const void *b)
{
    const struct gos_iv *x = a, *y = b;
    return x->start < y->start ? -1 : x->start > y->start;
}
static struct gos_iv *occupied(struct gos *g, size_t *n)
{
    size_t nm = 0;
    const struct vk_region *mr = g->models->n ? vk_regions(g->models->m[0], &nm) : NULL;
    struct gos_iv *iv = malloc((g->nregions + nm + 1) * sizeof *iv);
    if (!iv) {
        gos_fail(g, "out of memory (placement)");
        return NULL;
    }
    size_t k = 0;
    for (size_t i = 0; i < g->nregions; i++)
        iv[k++] = (struct gos_iv){g->regions[i].start, g->regions[i].end};
    for (size_t i = 0; i < nm; i++) {
        if (mr[i].start >= gos_user_limit(g))
            continue;
        uint64_t e = mr[i].end > gos_user_limit(g) ? gos_user_limit(g) : mr[i].end;
        iv[k++] = (struct gos_iv){(uint64_t)mr[i].start, (uint64_t)e};
    }
    qsort(iv, k, sizeof *iv, iv_cmp);
    /* Coalesce: the two sources overlap, and the model may merge neighbours. */
    size_t m = 0;
    for (size_t i = 0; i < k; i++) {
        if (m && iv[i].start <= iv[m - 1].end) {
            if (iv[i].end > iv[m - 1].end)
                iv[m - 1].end = iv[i].end;
        } else {
            iv[m++] = iv[i];
        }
    }
    *n = m;
    return iv;
}

/* 1 when no region overlaps [s, e), 0 when one does, -1 on error. */
static int range_free(struct gos *g, uint64_t s, uint64_t e)
{
    size_t n;
    struct gos_iv *iv = occupied(g, &n);
    if (!iv)
        return -1;
    int ok = 1;
    for (size_t i = 0; i < n && ok; i++)
        if (iv[i].start < e && iv[i].end > s)
            ok = 0;
    free(iv);
    return ok;
}

/* 1 when regions cover all of [s, e), 0 when a hole remains, -1 on error. */
static int range_covered(struct gos *g, uint64_t s, uint64_t e)
{
    size_t n;
    struct gos_iv *iv = occupied(g, &n);
    if (!iv)
        return -1;
    uint64_t cur = s;
    for (size_t i = 0; i < n && cur < e; i++)
        if (iv[i].start <= cur && iv[i].end > cur)
            cur = iv[i].end;
    free(iv);
    return cur >= e;
}

/* Linux's unmapped_area_topdown: the highest free [a, a + len) with a >= GOS_MMAP_MIN and
 * a + len <= mmap_top.  0 when none (0 is never a valid answer). */
static uint64_t place_topdown(struct gos *g, uint64_t len)
{
    size_t n;
    struct gos_iv *iv = occupied(g, &n);
    if (!iv)
        return 0;
    uint64_t hi = g->mmap_top, ans = 0;
    bool found = false;
    for (size_t k = n; k-- > 0;) {
        if (iv[k].start >= hi)
            continue;
        if (iv[k].end <= hi && hi - iv[k].end >= len) {
            ans = hi - len;
            found = true;
            break;
        }
        hi = iv[k].start;
    }
    if (!found && hi >= GOS_MMAP_MIN && hi - GOS_MMAP_MIN >= len)
        ans = hi - len;
    free(iv);
    return ans >= GOS_MMAP_MIN ? ans : 0;
}

int gos_interp_place(struct gos *g, struct gos_elf *e)
{
    struct gos_elf *in = e->interp;
    if (!in || !in->relocatable)
        return 0;
    uint64_t lo, hi;
    gos_elf_span(in, &lo, &hi);
    uint64_t at = place_topdown(g, hi - lo);
    if (at == 0)
        return -1;
    gos_elf_rebase(in, at - lo + in->bias);
    in->relocatable = false;
    return 0;
}

int gos_region_map(struct gos *g, const struct gos_region *r)
{
    if (g->w->recording)
        gos_log_map(g, r);
    int st = gos_vk_status(g, vk_set_map(g->models, r->start, r->end, r->prot, r->kind,
                                         r->file_id, r->file_pgoff),
                           "map");
    if (st == VK_ERROR)
        return -1;
    return reg_insert(g, r);
}

int gos_region_unmap(struct gos *g, uint64_t s, uint64_t e)
{
    if (g->w->recording)
        gos_log_unmap(g, s, e);
    if (gos_vk_status(g, vk_set_unmap(g->models, s, e), "unmap") == VK_ERROR)
        return -1;
    return reg_remove(g, s, e);
}

int gos_region_protect(struct gos *g, uint64_t s, uint64_t e, unsigned prot)
{
    if (g->w->recording)
        gos_log_protect(g, s, e, prot);
    if (gos_vk_status(g, vk_set_protect(g->models, s, e, prot), "protect") == VK_ERROR)
        return -1;
    return reg_protect(g, s, e, prot);
}


int gos_map(struct gos *g, uint64_t start, uint64_t end, unsigned prot,
            enum vk_region_kind kind, uint32_t file_id, uint64_t file_pgoff)
{
    struct gos_region r = {start, end, prot, kind, file_id, file_pgoff};
    int st = vk_set_map(g->models, start, end, prot, kind, file_id, file_pgoff);
    if (st != VK_ERROR && reg_insert(g, &r))
        return VK_ERROR;
    return st;
}

uint32_t gos_file_id(struct gos *g, int host_fd)
{
    return gos_file_id_of(g, host_fd);
}

/* ---- memory calls ---------------------------------------------------------------------- */

#define GOS_RLIMIT_AS 9 /* asm-generic/resource.h */

/* RLIMIT_AS (--guest-mem): whether mapping [s, e) would take the total size of the regions
 * past the soft limit.  The part of [s, e) already mapped (MAP_FIXED over a mapping) is not
 * counted twice.  The total is gos's shadow, which holds the ELF image and the stack (the
 * engine maps them through gos_map) and everything brk, mmap and mremap made. */
static uint64_t regions_size(const struct gos *p)
{
    uint64_t total = 0;
    for (size_t i = 0; i < p->nregions; i++)
        total += p->regions[i].end - p->regions[i].start;
    return total;
}

/* The regions of every other address space of the guest (--guest-mem covers them all). */
static uint64_t other_spaces_size(const struct gos *g)
{
    uint64_t total = 0;
    const struct gos_world *w = g->w;
    for (size_t i = 0; i < w->nprocs; i++) {
        const struct gos *p = w->procs[i];
        if (p->state != GOS_PROC_ALIVE || p->space == g->space)
            continue;
        bool seen = false; /* a vfork child shares its parent's space: counted once */
        for (size_t k = 0; k < i && !seen; k++)
            seen = w->procs[k]->state == GOS_PROC_ALIVE && w->procs[k]->space == p->space;
        if (!seen)
            total += regions_size(p);
    }
    return total;
}

/* Whether mapping [s, e) passes the process's RLIMIT_AS, or --guest-mem over the whole
 * guest. */
static bool over_mem_limit(const struct gos *g, uint64_t s, uint64_t e)
{
    uint64_t lim = g->rlim[GOS_RLIMIT_AS][0];
    uint64_t total = 0, overlap = 0;
    for (size_t i = 0; i < g->nregions; i++) {
        const struct gos_region *r = &g->regions[i];
        total += r->end - r->start;
        uint64_t a = r->start > s ? r->start : s, b = r->end < e ? r->end : e;
        if (a < b)
            overlap += b - a;
    }
    uint64_t after = total - overlap + (e - s);
    if (lim < (1ull << 32) && after > lim)
        return true; /* a limit of more than an i386 address space never applies */
    return g->opt.mem_limit && g->w->nprocs > 1 &&
           after + other_spaces_size(g) > g->opt.mem_limit;
}

/* brk(addr): Linux mm/mmap.c semantics; the heap is [brk_base, page_up(brk)), anon rw-.
 * Returns the new break, or the old one when the request is refused. */
int64_t gos_sys_brk(struct gos *g, const struct gos_regs *r)
{
    uint64_t want = r->a[0];
    if (want < g->brk_base)
        return (int64_t)g->brk_cur;
    uint64_t oldpg = page_up(g->brk_cur);
    uint64_t newpg = page_up(want);
    if (want > g->mmap_top || newpg > gos_user_limit(g))
        return (int64_t)g->brk_cur;
    if (newpg < oldpg) {
        if (gos_region_unmap(g, (uint64_t)newpg, oldpg))
            return -ENOMEM;
    } else if (newpg > oldpg) {
        int fr = range_free(g, oldpg, newpg);
        if (fr < 0)
            return -ENOMEM;
        if (!fr)
            return (int64_t)g->brk_cur; /* would run into a mapping */
        if (over_mem_limit(g, oldpg, newpg))
            return (int64_t)g->brk_cur; /* RLIMIT_AS: Linux's brk answers the old break */
        struct gos_region reg = {oldpg, (uint64_t)newpg, VK_PROT_R | VK_PROT_W, VK_ANON, 0, 0};
        if (gos_region_map(g, &reg) || gos_zero_guest(g, oldpg, (uint64_t)newpg - oldpg))
            return -ENOMEM;
    }
    g->brk_cur = want;
    return (int64_t)want;
}

/* mmap of guest fd fd: the file must be a regular file open for reading, and a shared
 * mapping read-only.  Fills reg's file part and *hfd (the host fd); 0 or -errno. */
static int mmap_file(struct gos *g, int32_t fd, uint32_t type, uint32_t prot, uint64_t off,
                     struct gos_region *reg, int *hfd)
{
    *hfd = gos_host_fd(g, fd);
    if (*hfd < 0)
        return -EBADF;
    struct stat st;
    if (fstat(*hfd, &st) != 0 || !S_ISREG(st.st_mode))
        return -ENODEV;
    int fl = fcntl(*hfd, F_GETFL);
    if (fl < 0 || (fl & O_ACCMODE) == O_WRONLY)
        return -EACCES;
    /* A shared writable file mapping would have to write back to the file: not modelled.
     * Shared read-only is served as a private read (nothing can tell them apart). */
    if (type != GOS_MAP_PRIVATE && (prot & VK_PROT_W))
        return -ENODEV;
    reg->kind = VK_FILE;
    reg->file_id = gos_file_id_of(g, *hfd);
    if (!reg->file_id)
        return -ENOMEM;
    reg->file_pgoff = off / GOS_PAGE;
    return 0;
}

/* Where an mmap of plen bytes goes: addr itself for MAP_FIXED (MAP_FIXED_NOREPLACE: only when
 * free), else the hint addr when free, else the highest free range below mmap_top.  0 and
 * *start, or -errno. */
static int mmap_place(struct gos *g, uint64_t addr, uint64_t plen, uint32_t flags,
                      uint64_t *start)
{
    if (flags & (GOS_MAP_FIXED | GOS_MAP_FIXED_NOREPLACE)) {
        /* Linux: past the end of the address space is ENOMEM (get_unmapped_area), below
         * vm.mmap_min_addr EPERM for an unprivileged process (security_mmap_addr). */
        if ((uint64_t)addr + plen > gos_user_limit(g))
            return -ENOMEM;
        if (addr < GOS_MMAP_MIN)
            return -EPERM;
        *start = addr;
        if (flags & GOS_MAP_FIXED_NOREPLACE && !(flags & GOS_MAP_FIXED)) {
            int fr = range_free(g, addr, addr + plen);
            if (fr < 0)
                return -ENOMEM;
            if (!fr)
                return -EEXIST;
        }
        return 0;
    }
    *start = 0;
    uint64_t hint = page_up(addr);
    if (addr && hint >= GOS_MMAP_MIN && (uint64_t)hint + plen <= gos_user_limit(g)) {
        int fr = range_free(g, hint, (uint64_t)hint + plen);
        if (fr < 0)
            return -ENOMEM;
        if (fr)
            *start = hint;
    }
    if (!*start)
        *start = place_topdown(g, (uint64_t)plen);
    return *start ? 0 : -ENOMEM;
}

/* The common part of mmap2 and old mmap; off is in bytes, page-aligned. */
static int64_t do_mmap(struct gos *g, uint64_t addr, uint64_t len, uint32_t prot,
                       uint32_t flags, int32_t fd, uint64_t off)
{
    if (len == 0)
        return -EINVAL;
    uint64_t plen = page_up(len);
    if (plen == 0 || plen > gos_user_limit(g) - GOS_MMAP_MIN)
        return -ENOMEM;
    uint32_t type = flags & GOS_MAP_TYPE;
    if (type != GOS_MAP_SHARED && type != GOS_MAP_PRIVATE && type != GOS_MAP_SHARED_VALIDATE)
        return -EINVAL;
    if (prot & ~(GOS_PROT_MASK | GOS_PROT_GROWS))
        return -EINVAL;
    bool fixed = flags & (GOS_MAP_FIXED | GOS_MAP_FIXED_NOREPLACE);
    if (fixed && (addr & (GOS_PAGE - 1)))
        return -EINVAL;
    if (off & (GOS_PAGE - 1))
        return -EINVAL;

    struct gos_region reg = {0, 0, prot & GOS_PROT_MASK, VK_ANON, 0, 0};
    int hfd = -1;
    if (!(flags & GOS_MAP_ANONYMOUS)) {
        int rc = mmap_file(g, fd, type, prot, off, &reg, &hfd);
        if (rc)
            return rc;
    }
    uint64_t start;
    int rc = mmap_place(g, addr, plen, flags, &start);
    if (rc)
        return rc;
    reg.start = start;
    reg.end = start + (uint64_t)plen;
    if (over_mem_limit(g, reg.start, reg.end))
        return -ENOMEM; /* RLIMIT_AS (--guest-mem) */
    /* MAP_FIXED replaces whatever was there: that part is unmapped first (model.md 1). */
    if (fixed && gos_region_unmap(g, reg.start, reg.end))
        return -ENOMEM;
    if (gos_region_map(g, &reg))
        return -ENOMEM;
    /* The identity-mapped guest memory gets the new pages' contents: zeros, or the file's
     * bytes as the page cache holds them (past the end of the file, zeros). */
    rc = hfd < 0 ? gos_zero_guest(g, reg.start, (size_t)plen)
                 : gos_fill_from_file(g, hfd, off, reg.start, (size_t)plen);
    if (rc)
        return -ENOMEM;
    return (int64_t)start;
}

int64_t gos_sys_mmap2(struct gos *g, const struct gos_regs *r)
{
    return do_mmap(g, r->a[0], r->a[1], r->a[2], r->a[3], (int32_t)r->a[4],
                   (uint64_t)r->a[5] * GOS_PAGE);
}

/* x86-64 mmap: the offset in bytes, a multiple of the page size (ksys_mmap_pgoff's check). */
int64_t gos_sys_mmap(struct gos *g, const struct gos_regs *r)
{
    if (r->a[5] & (GOS_PAGE - 1))
        return -EINVAL;
    return do_mmap(g, r->a[0], r->a[1], (uint32_t)r->a[2], (uint32_t)r->a[3], (int32_t)r->a[4],
                   r->a[5]);
}

/* Old mmap (nr 90): ebx points to struct mmap_arg_struct {addr, len, prot, flags, fd, off}. */
int64_t gos_sys_old_mmap(struct gos *g, const struct gos_regs *r)
{
    uint32_t a[6];
    int rc = gos_copy_in(g, r->a[0], a, sizeof a);
    if (rc)
        return rc;
    return do_mmap(g, a[0], a[1], a[2], a[3], (int32_t)a[4], a[5]);
}

int64_t gos_sys_munmap(struct gos *g, const struct gos_regs *r)
{
    uint64_t addr = r->a[0];
    uint64_t end = (uint64_t)addr + page_up(r->a[1]);
    if ((addr & (GOS_PAGE - 1)) || r->a[1] == 0 || end > gos_user_limit(g) || page_up(r->a[1]) == 0)
        return -EINVAL;
    return gos_region_unmap(g, addr, (uint64_t)end) ? -ENOMEM : 0;
}

int64_t gos_sys_mprotect(struct gos *g, const struct gos_regs *r)
{
    uint64_t addr = r->a[0];
    uint32_t prot = (uint32_t)r->a[2];
    if (addr & (GOS_PAGE - 1))
        return -EINVAL;
    if (prot & ~(GOS_PROT_MASK | GOS_PROT_GROWS))
        return -EINVAL;
    if (r->a[1] == 0)
        return 0;
    uint64_t end = (uint64_t)addr + page_up(r->a[1]);
    if (page_up(r->a[1]) == 0 || end > gos_user_limit(g))
        return -ENOMEM;
    int cov = range_covered(g, addr, (uint64_t)end);
    if (cov <= 0)
        return -ENOMEM;
    if (gos_region_protect(g, addr, (uint64_t)end, prot & GOS_PROT_MASK))
        return -ENOMEM;
    return 0;
}

/* madvise: MADV_DONTNEED drops the pages of private mappings (the next touch gets fresh
 * zero-fill or file pages), modelled as unmapping and remapping each region piece; every
 * other advice is a hint with no effect here. */
int64_t gos_sys_madvise(struct gos *g, const struct gos_regs *r)
{
    uint64_t addr = r->a[0];
    if (addr & (GOS_PAGE - 1))
        return -EINVAL;
    uint64_t end = (uint64_t)addr + page_up(r->a[1]);
    if (end > gos_user_limit(g))
        return -EINVAL;
    if (r->a[2] != GOS_MADV_DONTNEED || end == addr)
        return 0;
    int cov = range_covered(g, addr, (uint64_t)end);
    if (cov <= 0)
        return -ENOMEM;
    /* Pieces of gos's own regions; regions the engine mapped directly are left alone. */
    size_t n = g->nregions;
    struct gos_region *pieces = malloc((n + 1) * sizeof *pieces);
    if (!pieces) {
        gos_fail(g, "out of memory (madvise)");
        return -ENOMEM;
    }
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        struct gos_region p = g->regions[i];
        if (p.end <= addr || p.start >= end)
            continue;
        if (p.start < addr) {
            p.file_pgoff += (addr - p.start) / GOS_PAGE;
            p.start = addr;
        }
        if (p.end > end)
            p.end = (uint64_t)end;
        pieces[k++] = p;
    }
    int32_t ret = 0;
    for (size_t i = 0; i < k && !ret; i++) {
        struct gos_region *p = &pieces[i];
        int hfd = -1;
        if (p->kind == VK_FILE) {
            if (p->file_id == 0 || p->file_id > g->w->nfiles)
                continue;
            hfd = g->w->files[p->file_id - 1].host_fd;
        }
        if (gos_region_unmap(g, p->start, p->end) || gos_region_map(g, p))
            ret = -ENOMEM;
        else if (hfd < 0 ? gos_zero_guest(g, p->start, p->end - p->start)
                         : gos_fill_from_file(g, hfd, p->file_pgoff * GOS_PAGE, p->start,
                                              p->end - p->start))
            ret = -ENOMEM;
    }
    free(pieces);
    return ret;
}

/* The shadow's pieces of [s, e), clipped (file offsets kept right); *n of them, caller frees;
 * NULL with g->fatal when out of memory. */
static struct gos_region *reg_pieces(struct gos *g, uint64_t s, uint64_t e, size_t *n)
{
    struct gos_region *pieces = malloc((g->nregions + 1) * sizeof *pieces);
    if (!pieces) {
        gos_fail(g, "out of memory (region list)");
        return NULL;
    }
    size_t k = 0;
    for (size_t i = 0; i < g->nregions; i++) {
        struct gos_region p = g->regions[i];
        if (p.end <= s || p.start >= e)
            continue;
        if (p.start < s) {
            p.file_pgoff += (s - p.start) / GOS_PAGE;
            p.start = s;
        }
        if (p.end > e)
            p.end = e;
        pieces[k++] = p;
    }
    *n = k;
    return pieces;
}

/* The shadow's side of a move: the pieces of [old, old + len) go to new (its range emptied). */
static int reg_move(struct gos *g, uint64_t old, uint64_t new, uint64_t len)
{
    size_t n;
    struct gos_region *pieces = reg_pieces(g, old, old + len, &n);
    if (!pieces)
        return -1;
    int rc = reg_remove(g, new, new + len) || reg_remove(g, old, old + len) ? -1 : 0;
    for (size_t i = 0; i < n && !rc; i++) {
        pieces[i].start = pieces[i].start - old + new;
        pieces[i].end = pieces[i].end - old + new;
        rc = reg_insert(g, &pieces[i]);
    }
    free(pieces);
    return rc;
}

/* The bytes of a move, as the host's memory (no kernel access: Linux moves the pages). */
static int move_guest(struct gos *g, uint64_t from, uint64_t to, uint64_t len)
{
    if (g->mem.move) {
        if (g->mem.move(g->mem.ctx, from, to, (size_t)len) == 0)
            return 0;
        gos_fail(g, "engine refused to move guest memory from 0x%08llx to 0x%08llx",
                 (unsigned long long)from, (unsigned long long)to);
        return -1;
    }
    for (uint64_t done = 0; done < len;) {
        size_t c = len - done < 65536 ? (size_t)(len - done) : 65536;
        uint8_t *buf = gos_scratch(g, c);
        if (!buf)
            return -1;
        if (g->mem.read(g->mem.ctx, from + done, buf, c) != 0 ||
            g->mem.write(g->mem.ctx, to + done, buf, c) != 0) {
            gos_fail(g, "engine refused to move guest memory from 0x%08llx to 0x%08llx",
                     (unsigned long long)(from + done), (unsigned long long)(to + done));
            return -1;
        }
        done += c;
    }
    return 0;
}

int gos_region_move(struct gos *g, uint64_t old, uint64_t new, uint64_t len)
{
    if (g->w->recording)
        gos_log_move(g, old, new, len);
    if (gos_vk_status(g, vk_set_move(g->models, old, new, len), "move") == VK_ERROR)
        return -1;
    if (reg_move(g, old, new, len))
        return -1;
    return move_guest(g, old, new, len);
}

#define GOS_MREMAP_MAYMOVE 1u
#define GOS_MREMAP_FIXED 2u
#define GOS_MREMAP_DONTUNMAP 4u

/* The region holding old, extended through neighbours that Linux would have merged into one
 * vma (same prot and kind, contiguous file pages): *reg is the last of them.  -EFAULT when
 * old is in no region or [old, old + olen) runs past that vma. */
static int mremap_vma(struct gos *g, uint64_t old, uint64_t olen, struct gos_region *reg)
{
    size_t i = 0;
    while (i < g->nregions && !(g->regions[i].start <= old && old < g->regions[i].end))
        i++;
    if (i == g->nregions)
        return -EFAULT;
    const struct gos_region *last = &g->regions[i];
    while (i + 1 < g->nregions) {
        const struct gos_region *nx = &g->regions[i + 1];
        if (nx->start != last->end || nx->prot != last->prot || nx->kind != last->kind ||
            nx->file_id != last->file_id ||
            (last->kind == VK_FILE &&
             nx->file_pgoff != last->file_pgoff + (last->end - last->start) / GOS_PAGE))
            break;
        last = nx;
        i++;
    }
    if (old + olen > last->end)
        return -EFAULT;
    *reg = *last;
    return 0;
}

/* A growth: [at, end) joins the vma of reg, whose pages ended at src_end (at == src_end in
 * place; at a move's destination otherwise): zero pages, or the file's next pages. */
static int mremap_grow(struct gos *g, const struct gos_region *reg, uint64_t src_end,
                       uint64_t at, uint64_t end)
{
    struct gos_region ext = *reg;
    ext.file_pgoff = (uint64_t)((int64_t)reg->file_pgoff +
                                ((int64_t)src_end - (int64_t)reg->start) / (int64_t)GOS_PAGE);
    ext.start = at;
    ext.end = end;
    int hfd = -1;
    if (ext.kind == VK_FILE) {
        if (ext.file_id == 0 || ext.file_id > g->w->nfiles)
            return -ENOMEM;
        hfd = g->w->files[ext.file_id - 1].host_fd;
    }
    if (gos_region_map(g, &ext))
        return -ENOMEM;
    int rc = hfd < 0 ? gos_zero_guest(g, ext.start, ext.end - ext.start)
                     : gos_fill_from_file(g, hfd, ext.file_pgoff * GOS_PAGE, ext.start,
                                          ext.end - ext.start);
    return rc ? -ENOMEM : 0;
}

/* Linux's move_vma: [old, old + olen) moves to new with its pages, then grows to nlen there. */
static int64_t mremap_move(struct gos *g, const struct gos_region *reg, uint64_t old,
                           uint64_t olen, uint64_t nlen, uint64_t new)
{
    if (nlen > olen && over_mem_limit(g, new + olen, new + nlen))
        return -ENOMEM; /* RLIMIT_AS (--guest-mem) */
    if (gos_region_move(g, old, new, olen))
        return -ENOMEM;
    if (nlen > olen) {
        int rc = mremap_grow(g, reg, old + olen, new + olen, new + nlen);
        if (rc)
            return rc;
    }
    return (int64_t)new;
}

/* MREMAP_FIXED (with MREMAP_MAYMOVE): to new_addr, whatever is there unmapped first (and the
 * part of the old range beyond nlen), as Linux's mremap_to. */
static int64_t mremap_fixed(struct gos *g, const struct gos_region *reg, uint64_t old,
                            uint64_t olen, uint64_t nlen, uint64_t to)
{
    if ((to & (GOS_PAGE - 1)) || nlen > gos_user_limit(g) || to > gos_user_limit(g) - nlen)
        return -EINVAL;
    if (old < to + nlen && to < old + olen)
        return -EINVAL; /* overlapping ranges */
    if (gos_region_unmap(g, to, to + nlen))
        return -ENOMEM;
    if (olen > nlen) {
        if (gos_region_unmap(g, old + nlen, old + olen))
            return -ENOMEM;
        olen = nlen;
    }
    return mremap_move(g, reg, old, olen, nlen, to);
}

/* MREMAP_DONTUNMAP (with MREMAP_MAYMOVE, old_len == new_len): the pages move (to new_addr with
 * MREMAP_FIXED, else where mmap would put them, new_addr as a hint) and the old range stays
 * mapped as it was, with no pages: its next touches fault in fresh ones (zero-fill, or the
 * file's), as Linux's. */
static int64_t mremap_dontunmap(struct gos *g, const struct gos_region *reg, uint64_t old,
                                uint64_t len, bool fixed, uint64_t to)
{
    if (to & (GOS_PAGE - 1))
        return -EINVAL; /* new_addr is read: the place, or a hint (Linux's vrm_implies_new_addr) */
    if (!fixed && mmap_place(g, to, len, 0, &to) != 0)
        return -ENOMEM;
    if (fixed && len > gos_user_limit(g) - to)
        return -EINVAL;
    if (over_mem_limit(g, to, to + len))
        return -ENOMEM; /* the old range stays: the new one is more */
    size_t n;
    struct gos_region *pieces = reg_pieces(g, old, old + len, &n);
    if (!pieces)
        return -ENOMEM;
    int64_t rc = fixed ? mremap_fixed(g, reg, old, len, len, to)
                       : mremap_move(g, reg, old, len, len, to);
    for (size_t i = 0; i < n && rc >= 0; i++) {
        int hfd = -1;
        if (pieces[i].kind == VK_FILE && pieces[i].file_id >= 1 &&
            pieces[i].file_id <= g->w->nfiles)
            hfd = g->w->files[pieces[i].file_id - 1].host_fd;
        if (gos_region_map(g, &pieces[i]) ||
            (hfd < 0 ? gos_zero_guest(g, pieces[i].start, pieces[i].end - pieces[i].start)
                     : gos_fill_from_file(g, hfd, pieces[i].file_pgoff * GOS_PAGE,
                                          pieces[i].start, pieces[i].end - pieces[i].start)))
            rc = -ENOMEM;
    }
    free(pieces);
    return rc;
}

/* mremap(old, old_len, new_len, flags, new_addr), as Linux: shrinking in place; growing in
 * place when the pages above are free, else (MREMAP_MAYMOVE) moving to the highest free range
 * that mmap would choose, pages and bytes carried (vk_set_move: no new faults in Linux);
 * MREMAP_FIXED moves to new_addr; MREMAP_DONTUNMAP leaves the old range mapped, empty.
 * Duplicating a shared mapping (old_len 0) is not modelled: ENOMEM. */
int64_t gos_sys_mremap(struct gos *g, const struct gos_regs *r)
{
    uint64_t old = r->a[0];
    uint32_t flags = (uint32_t)r->a[3];
    if (flags & ~(GOS_MREMAP_MAYMOVE | GOS_MREMAP_FIXED | GOS_MREMAP_DONTUNMAP) ||
        ((flags & GOS_MREMAP_FIXED) && !(flags & GOS_MREMAP_MAYMOVE)) || (old & (GOS_PAGE - 1)))
        return -EINVAL;
    uint64_t olen = page_up(r->a[1]), nlen = page_up(r->a[2]);
    if (r->a[2] == 0 || nlen == 0)
        return -EINVAL;
    if ((flags & GOS_MREMAP_DONTUNMAP) && (!(flags & GOS_MREMAP_MAYMOVE) || olen != nlen))
        return -EINVAL;
    if (olen == 0)
        return -ENOMEM;
    if ((uint64_t)old + olen > gos_user_limit(g))
        return -EFAULT;
    struct gos_region reg;
    int rc = mremap_vma(g, old, olen, &reg);
    if (rc)
        return rc;
    if (flags & GOS_MREMAP_DONTUNMAP)
        return mremap_dontunmap(g, &reg, old, olen, flags & GOS_MREMAP_FIXED, r->a[4]);
    if (flags & GOS_MREMAP_FIXED)
        return mremap_fixed(g, &reg, old, olen, nlen, r->a[4]);
    if (nlen == olen)
        return (int64_t)old;
    if (nlen < olen)
        return gos_region_unmap(g, old + nlen, old + olen) ? -ENOMEM : (int64_t)old;
    uint64_t end = old + nlen;
    int fr = reg.end == old + olen && end <= g->mmap_top ? range_free(g, old + olen, end) : 0;
    if (fr < 0)
        return -ENOMEM;
    if (fr) {
        if (over_mem_limit(g, old + olen, end))
            return -ENOMEM;
        rc = mremap_grow(g, &reg, old + olen, old + olen, end);
        return rc ? rc : (int64_t)old;
    }
    if (!(flags & GOS_MREMAP_MAYMOVE))
        return -ENOMEM;
    uint64_t to = place_topdown(g, nlen);
    return to ? mremap_move(g, &reg, old, olen, nlen, to) : -ENOMEM;
}

/* Calls that glibc probes and handles the absence of: answering ENOSYS is the contract, so
 * they are not reported as unknown. */
int64_t gos_sys_enosys(struct gos *g, const struct gos_regs *r)
{
    (void)g;
    (void)r;
    return -ENOSYS;
}

int gos_exit_signal(const struct gos *g)
{
    return g->exit_signal;
}

void gos_note(struct gos *g, const char *line)
{
    char *notes = g->w->notes;
    size_t used = strlen(notes), n = strlen(line);
    for (const char *p = notes; *p;) { /* each line once */
        const char *nl = strchr(p, '\n');
        if ((size_t)(nl - p) == n && memcmp(p, line, n) == 0)
            return;
        p = nl + 1;
    }
    if (used + n + 2 > sizeof g->w->notes)
        return;
    memcpy(notes + used, line, n);
    notes[used + n] = '\n';
    notes[used + n + 1] = '\0';
}

const char *gos_notes(struct gos *g)
{
    gos_dso_notes(g);
    return g->w->notes;
}

const char *gos_error(const struct gos *g)
{
    return g->err;
}

void gos_set_brk_base(struct gos *g, uint64_t brk_start)
{
    g->brk_base = page_up(brk_start);
    g->brk_cur = g->brk_base;
}

void gos_set_mmap_top(struct gos *g, uint64_t top)
{
    g->mmap_top = top & ~(uint64_t)(GOS_PAGE - 1);
}

struct gos *gos_new(const struct gos_options *o, struct vk_set *models, const struct gos_mem *mem)
{
    struct gos *g = calloc(1, sizeof *g);
    if (!g)
        return NULL;
    g->opt = *o;
    g->root = strdup(o->root ? o->root : ".");
    g->exe_path = strdup(o->exe_path ? o->exe_path : "/exe");
    if (!g->root || !g->exe_path) {
        free(g->root);
        free(g->exe_path);
        free(g);
        errno = ENOMEM;
        return NULL;
    }
    g->opt.root = g->root;
    g->opt.exe_path = g->exe_path;
    g->models = models;
    g->mem = *mem;
    g->abi = o->abi;
    /* Defaults until the engine says: Linux's i386 layout with no randomisation. */
    g->brk_base = g->brk_cur = 0x08100000u;
    g->mmap_top = gos_user_limit(g) - (128u << 20);
    g->root_fd = -1;
    g->sysroot_fd = -1;
    g->exe_fd = -1;
    for (int i = 0; i < GOS_NFDS; i++)
        g->fds[i].host = -1;
    if (gos_proc_init(g) != 0) {
        gos_proc_fini(g);
        free(g->root);
        free(g->exe_path);
        free(g);
        errno = ENOMEM;
        return NULL;
    }
    gos_misc_init(g);
    if (o->mem_limit) {
        g->rlim[GOS_RLIMIT_AS][0] = o->mem_limit;
        g->rlim[GOS_RLIMIT_AS][1] = o->mem_limit;
    }
    if (gos_fs_init(g)) {
        int e = errno;
        gos_free(g);
        errno = e;
        return NULL;
    }
    return g;
}

void gos_free(struct gos *g)
{
    if (!g)
        return;
    gos_fs_fini(g);
    if (g->w) {
        gos_dso_fini(g->w);
        for (size_t i = 0; i < g->w->nfiles; i++)
            if (g->w->files[i].host_fd >= 0)
                close(g->w->files[i].host_fd);
        free(g->w->files);
        free(g->w->unknown_nrs);
        free(g->w->unknown_names);
    }
    gos_proc_fini(g);
    free(g->regions);
    free(g->scratch);
    free(g->root);
    free(g->exe_path);
    free(g);
}
