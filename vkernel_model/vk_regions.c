/* vkernel_model/vk_regions.c - the vkernel's map: a sorted array of page-aligned regions
 * (model.md section 1).  Region counts are small; faults, not accesses, look them up. */
#include <stdlib.h>
#include <string.h>

#include "vk_internal.h"

static size_t rg_search(const struct vk_model *m, uint64_t addr)
{
    /* first region with end > addr */
    size_t lo = 0, hi = m->nrg;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (m->rg[mid].end <= addr)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

const struct vk_region *vk_region_find(const struct vk_model *m, uint64_t addr)
{
    size_t i = rg_search(m, addr);
    if (i < m->nrg && m->rg[i].start <= addr)
        return &m->rg[i];
    return NULL;
}

const struct vk_region *vk_region_find_vpn(struct vk_model *m, uint64_t vpn)
{
    uint64_t addr = vpn << MMU_PAGE_SHIFT;
    if (m->last_rg < m->nrg) {
        const struct vk_region *r = &m->rg[m->last_rg];
        if (r->start <= addr && addr < r->end)
            return r;
    }
    size_t i = rg_search(m, addr);
    if (i < m->nrg && m->rg[i].start <= addr) {
        m->last_rg = i;
        return &m->rg[i];
    }
    return NULL;
}

const struct vk_region *vk_regions(const struct vk_model *m, size_t *n)
{
    *n = m->nrg;
    return m->rg;
}

static int rg_reserve(struct vk_model *m, size_t extra)
{
    if (m->nrg + extra <= m->caprg)
        return 0;
    size_t ncap = m->caprg ? m->caprg * 2 : 16;
    while (ncap < m->nrg + extra)
        ncap *= 2;
    struct vk_region *n = realloc(m->rg, ncap * sizeof *n);
    if (!n)
        return -1;
    m->rg = n;
    m->caprg = ncap;
    return 0;
}

/* Splits region i at addr (start < addr < end). */
static int rg_split(struct vk_model *m, size_t i, uint64_t addr)
{
    if (rg_reserve(m, 1) < 0)
        return -1;
    memmove(&m->rg[i + 1], &m->rg[i], (m->nrg - i) * sizeof *m->rg);
    m->nrg++;
    m->rg[i].end = addr;
    m->rg[i + 1].start = addr;
    if (m->rg[i + 1].kind == VK_FILE)
        m->rg[i + 1].file_pgoff += (addr - m->rg[i].start) >> MMU_PAGE_SHIFT;
    return 0;
}

int vk_region_cut(struct vk_model *m, uint64_t start, uint64_t end, size_t *pi, size_t *pj)
{
    m->last_rg = SIZE_MAX;
    size_t i = rg_search(m, start);
    if (i < m->nrg && m->rg[i].start < start && start < m->rg[i].end) {
        if (rg_split(m, i, start) < 0)
            return -1;
        i++;
    }
    size_t j = rg_search(m, end);
    if (j < m->nrg && m->rg[j].start < end && end < m->rg[j].end) {
        if (rg_split(m, j, end) < 0)
            return -1;
    }
    j = rg_search(m, end);
    /* j: first region with end > end; regions [i, j) lie inside [start, end) */
    *pi = i;
    *pj = j;
    return 0;
}

int vk_region_insert(struct vk_model *m, const struct vk_region *r)
{
    if (rg_reserve(m, 1) < 0)
        return -1;
    size_t i = rg_search(m, r->start);
    if (i < m->nrg)
        memmove(&m->rg[i + 1], &m->rg[i], (m->nrg - i) * sizeof *m->rg);
    m->rg[i] = *r;
    m->nrg++;
    m->last_rg = SIZE_MAX;
    return 0;
}

void vk_region_remove(struct vk_model *m, size_t i, size_t j)
{
    if (i == j)
        return;
    memmove(&m->rg[i], &m->rg[j], (m->nrg - j) * sizeof *m->rg);
    m->nrg -= j - i;
    m->last_rg = SIZE_MAX;
}
