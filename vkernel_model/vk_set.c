/* vkernel_model/vk_set.c - several configurations fed by the same events, in one pass. */
#include <stdlib.h>
#include <string.h>

#include "vk_internal.h"

#define FILTER_BITS 16

void vk_set_init(struct vk_set *s, enum mmu_arch arch)
{
    memset(s, 0, sizeof *s);
    s->arch = arch;
    s->pid = VK_PID_FIRST;
    s->mask = (1ull << FILTER_BITS) - 1;
}

void vk_set_fini(struct vk_set *s)
{
    for (size_t i = 0; i < s->n; i++)
        vk_model_free(s->m[i]);
    free(s->m);
    free(s->filter);
    memset(s, 0, sizeof *s);
}

int vk_set_add(struct vk_set *s, const struct vk_config *cfg, const struct mmu_costs *costs)
{
    if (s->n == s->cap) {
        size_t ncap = s->cap ? s->cap * 2 : 8;
        struct vk_model **n = realloc(s->m, ncap * sizeof *n);
        if (!n)
            return -1;
        s->m = n;
        s->cap = ncap;
    }
    struct vk_model *m = vk_model_new(cfg, s->arch, costs);
    if (!m)
        return -1;
    if (cfg->opt.tlb_on)
        s->filter_off = true; /* the TLB must see every access */
    if (!s->filter && !s->filter_off) {
        s->filter = calloc(s->mask + 1, sizeof *s->filter);
        if (!s->filter) {
            vk_model_free(m);
            return -1;
        }
    }
    s->m[s->n] = m;
    m->seqp = &s->seq;
    for (size_t i = 0; i <= s->n; i++) {
        s->m[i]->hit_filter = s->filter_off ? NULL : s->filter;
        s->m[i]->hit_mask = s->mask;
    }
    if (s->filter_off && s->filter) {
        free(s->filter);
        s->filter = NULL;
    }
    return (int)s->n++;
}

static int worst(int a, int b)
{
    return a > b ? a : b; /* VK_ERROR > VK_EFAULT > VK_SEGV > VK_OK */
}

#define TAP(s, fn, ...)                                                                           \
    do {                                                                                       \
        if ((s)->tap && (s)->tap->fn)                                                          \
            (s)->tap->fn((s)->tap->ctx, __VA_ARGS__);                                          \
    } while (0)

#define TAP0(s, fn)                                                                            \
    do {                                                                                       \
        if ((s)->tap && (s)->tap->fn)                                                          \
            (s)->tap->fn((s)->tap->ctx);                                                       \
    } while (0)

int vk_set_map(struct vk_set *s, uint64_t start, uint64_t end, unsigned prot,
               enum vk_region_kind kind, uint32_t file_id, uint64_t file_pgoff)
{
    TAP(s, map, start, end, prot, kind, file_id, file_pgoff);
    int st = VK_OK;
    for (size_t i = 0; i < s->n; i++)
        st = worst(st, vk_map(s->m[i], start, end, prot, kind, file_id, file_pgoff));
    return st;
}

int vk_set_unmap(struct vk_set *s, uint64_t start, uint64_t end)
{
    TAP(s, unmap, start, end);
    int st = VK_OK;
    for (size_t i = 0; i < s->n; i++)
        st = worst(st, vk_unmap(s->m[i], start, end));
    return st;
}

int vk_set_protect(struct vk_set *s, uint64_t start, uint64_t end, unsigned prot)
{
    TAP(s, protect, start, end, prot);
    int st = VK_OK;
    for (size_t i = 0; i < s->n; i++)
        st = worst(st, vk_protect(s->m[i], start, end, prot));
    return st;
}

int vk_set_move(struct vk_set *s, uint64_t old, uint64_t new, uint64_t len)
{
    TAP(s, move, old, new, len);
    int st = VK_OK;
    for (size_t i = 0; i < s->n; i++)
        st = worst(st, vk_move(s->m[i], old, new, len));
    return st;
}

/* The permission every model grants vpn without any state change (see struct vk_set). */
static uint64_t filter_perm(struct vk_set *s, uint64_t vpn)
{
    uint64_t perm = 3;
    for (size_t i = 0; i < s->n && perm; i++) {
        struct mmu_leaf *l = mmu_space_leaf(&s->m[i]->vs->space, vpn, false);
        uint8_t r = l ? l->pg[vpn & (s->m[i]->vs->space.leaf_pages - 1)].real : 0;
        if ((r & (REAL_P | REAL_A)) != (REAL_P | REAL_A) || s->m[i]->has_observer)
            perm = 0;
        else if ((r & (REAL_W | REAL_D)) != (REAL_W | REAL_D))
            perm &= 1;
    }
    return perm;
}

int vk_set_access_slow(struct vk_set *s, uint64_t addr, uint64_t size, enum mmu_kind kind)
{
    TAP(s, access, addr, size, kind);
    s->seq++;
    uint64_t vpn = addr >> MMU_PAGE_SHIFT;
    bool one_page = size && size <= MMU_PAGE_SIZE - (addr & (MMU_PAGE_SIZE - 1));
    if (s->filter && one_page) {
        uint64_t e = s->filter[vpn & s->mask];
        if ((e >> 2) == vpn + 1 && (e & (kind == MMU_WRITE ? 2 : 1))) {
            s->pending[kind]++;
            return VK_OK;
        }
    }
    int st = VK_OK;
    for (size_t i = 0; i < s->n; i++)
        st = worst(st, vk_access(s->m[i], addr, size, kind, NULL));
    if (st == VK_OK && s->filter && one_page) {
        uint64_t perm = filter_perm(s, vpn);
        s->filter[vpn & s->mask] = perm ? ((vpn + 1) << 2) | perm : 0;
    }
    return st;
}

void vk_set_sync(struct vk_set *s)
{
    for (size_t i = 0; i < s->n; i++) {
        vk_insns(s->m[i], s->pending_insns);
        vk_add_count(s->m[i], MMU_C_access_read, s->pending[MMU_READ]);
        vk_add_count(s->m[i], MMU_C_access_write, s->pending[MMU_WRITE]);
        vk_add_count(s->m[i], MMU_C_access_fetch, s->pending[MMU_FETCH]);
    }
    memset(s->pending, 0, sizeof s->pending);
    s->pending_insns = 0;
}

int vk_set_kernel_access(struct vk_set *s, uint64_t addr, uint64_t size, bool write)
{
    TAP(s, kernel_access, addr, size, write);
    int st = VK_OK;
    for (size_t i = 0; i < s->n; i++)
        st = worst(st, vk_kernel_access(s->m[i], addr, size, write));
    return st;
}

/* Instructions change nothing but a counter: they are added to the models at vk_set_sync, so
 * an engine may report them per block at no cost per model. */
void vk_set_insns(struct vk_set *s, uint64_t n)
{
    TAP(s, insns, n);
    if (__builtin_add_overflow(s->pending_insns, n, &s->pending_insns)) {
        /* hand the models what is pending first: their own sums then overflow and say so */
        s->pending_insns -= n;
        vk_set_sync(s);
        s->pending_insns = n;
    }
}

void vk_set_syscall(struct vk_set *s, unsigned nr)
{
    TAP(s, syscall, nr);
    for (size_t i = 0; i < s->n; i++)
        vk_syscall(s->m[i], nr);
}

/* ---- processes: the filter holds the current process's pages only ---- */

static void filter_clear(struct vk_set *s)
{
    if (s->filter)
        memset(s->filter, 0, (s->mask + 1) * sizeof *s->filter);
}

int vk_set_fork(struct vk_set *s, uint32_t child, bool vfork)
{
    TAP(s, fork, child, vfork);
    int st = VK_OK;
    for (size_t i = 0; i < s->n; i++)
        st = worst(st, vk_fork(s->m[i], child, vfork));
    if (vfork)
        filter_clear(s); /* the parent may do nothing until its child execs or exits */
    return st;
}

int vk_set_switch(struct vk_set *s, uint32_t pid)
{
    if (pid == s->pid)
        return VK_OK;
    TAP(s, switch_to, pid);
    vk_set_sync(s); /* what is pending is the previous process's */
    int st = VK_OK;
    for (size_t i = 0; i < s->n; i++)
        st = worst(st, vk_switch(s->m[i], pid));
    s->pid = pid;
    filter_clear(s);
    return st;
}

int vk_set_exec(struct vk_set *s)
{
    TAP0(s, exec);
    vk_set_sync(s);
    int st = VK_OK;
    for (size_t i = 0; i < s->n; i++)
        st = worst(st, vk_exec(s->m[i]));
    filter_clear(s);
    return st;
}

int vk_set_exit(struct vk_set *s)
{
    TAP0(s, exit);
    vk_set_sync(s);
    int st = VK_OK;
    for (size_t i = 0; i < s->n; i++)
        st = worst(st, vk_exit(s->m[i]));
    s->pid = 0;
    filter_clear(s);
    return st;
}

void vk_set_finish(struct vk_set *s)
{
    vk_set_sync(s);
    for (size_t i = 0; i < s->n; i++)
        vk_finish(s->m[i]);
}
