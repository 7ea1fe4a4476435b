/* vkernel_model/vk_set.c - several configurations fed by the same events, in one pass. */
#include <stdlib.h>

#include "vk_internal.h"

void vk_set_init(struct vk_set *s, enum mmu_arch arch)
{
    s->m = NULL;
    s->n = s->cap = 0;
    s->arch = arch;
}

void vk_set_fini(struct vk_set *s)
{
    for (size_t i = 0; i < s->n; i++)
        vk_model_free(s->m[i]);
    free(s->m);
    s->m = NULL;
    s->n = s->cap = 0;
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
    s->m[s->n] = m;
    return (int)s->n++;
}

static int worst(int a, int b)
{
    return a > b ? a : b; /* VK_ERROR > VK_EFAULT > VK_SEGV > VK_OK */
}

int vk_set_map(struct vk_set *s, uint64_t start, uint64_t end, unsigned prot,
               enum vk_region_kind kind, uint32_t file_id, uint64_t file_pgoff)
{
    int st = VK_OK;
    for (size_t i = 0; i < s->n; i++)
        st = worst(st, vk_map(s->m[i], start, end, prot, kind, file_id, file_pgoff));
    return st;
}

int vk_set_unmap(struct vk_set *s, uint64_t start, uint64_t end)
{
    int st = VK_OK;
    for (size_t i = 0; i < s->n; i++)
        st = worst(st, vk_unmap(s->m[i], start, end));
    return st;
}

int vk_set_protect(struct vk_set *s, uint64_t start, uint64_t end, unsigned prot)
{
    int st = VK_OK;
    for (size_t i = 0; i < s->n; i++)
        st = worst(st, vk_protect(s->m[i], start, end, prot));
    return st;
}

int vk_set_access(struct vk_set *s, uint64_t addr, uint64_t size, enum mmu_kind kind)
{
    int st = VK_OK;
    for (size_t i = 0; i < s->n; i++)
        st = worst(st, vk_access(s->m[i], addr, size, kind, NULL));
    return st;
}

int vk_set_kernel_access(struct vk_set *s, uint64_t addr, uint64_t size, bool write)
{
    int st = VK_OK;
    for (size_t i = 0; i < s->n; i++)
        st = worst(st, vk_kernel_access(s->m[i], addr, size, write));
    return st;
}

void vk_set_insns(struct vk_set *s, uint64_t n)
{
    for (size_t i = 0; i < s->n; i++)
        vk_insns(s->m[i], n);
}

void vk_set_syscall(struct vk_set *s, unsigned nr)
{
    for (size_t i = 0; i < s->n; i++)
        vk_syscall(s->m[i], nr);
}

void vk_set_finish(struct vk_set *s)
{
    for (size_t i = 0; i < s->n; i++)
        vk_finish(s->m[i]);
}
