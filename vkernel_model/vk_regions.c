/* vkernel_model/vk_regions.c - the vkernel's map: a sorted array of page-aligned regions
 * (model.md section 1), and the region changes (map, unmap, protect) that also change the
 * pages' entries through vk_pmap.c.  Region counts are small; faults, not accesses, look
 * them up. */
#include <stdlib.h>
#include <string.h>

#include "vk_internal.h"

static size_t region_search(const struct vk_model *m, uint64_t addr)
{
    /* first region with end > addr */
    size_t lo = 0, hi = m->vs->nregions;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (m->vs->regions[mid].end <= addr)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

const struct vk_region *vk_region_find(const struct vk_model *m, uint64_t addr)
{
    size_t i = region_search(m, addr);
    if (i < m->vs->nregions && m->vs->regions[i].start <= addr)
        return &m->vs->regions[i];
    return NULL;
}

const struct vk_region *vk_region_find_vpn(struct vk_model *m, uint64_t vpn)
{
    uint64_t addr = vpn << MMU_PAGE_SHIFT;
    if (m->vs->last_region < m->vs->nregions) {
        const struct vk_region *r = &m->vs->regions[m->vs->last_region];
        if (r->start <= addr && addr < r->end)
            return r;
    }
    size_t i = region_search(m, addr);
    if (i < m->vs->nregions && m->vs->regions[i].start <= addr) {
        m->vs->last_region = i;
        return &m->vs->regions[i];
    }
    return NULL;
}

const struct vk_region *vk_regions(const struct vk_model *m, size_t *n)
{
    *n = m->vs->nregions;
    return m->vs->regions;
}

static int region_reserve(struct vk_model *m, size_t extra)
{
    if (m->vs->nregions + extra <= m->vs->regions_cap)
        return 0;
    size_t ncap = m->vs->regions_cap ? m->vs->regions_cap * 2 : 16;
    while (ncap < m->vs->nregions + extra)
        ncap *= 2;
    struct vk_region *n = realloc(m->vs->regions, ncap * sizeof *n);
    if (!n)
        return -1;
    m->vs->regions = n;
    m->vs->regions_cap = ncap;
    return 0;
}

/* Splits region i at addr (start < addr < end). */
static int region_split(struct vk_model *m, size_t i, uint64_t addr)
{
    if (region_reserve(m, 1) < 0)
        return -1;
    memmove(&m->vs->regions[i + 1], &m->vs->regions[i], (m->vs->nregions - i) * sizeof *m->vs->regions);
    m->vs->nregions++;
    m->vs->regions[i].end = addr;
    m->vs->regions[i + 1].start = addr;
    if (m->vs->regions[i + 1].kind == VK_FILE)
        m->vs->regions[i + 1].file_pgoff += (addr - m->vs->regions[i].start) >> MMU_PAGE_SHIFT;
    return 0;
}

/* Splits regions at start and end; returns the index range [*pi, *pj) of regions inside. */
static int region_cut(struct vk_model *m, uint64_t start, uint64_t end, size_t *pi, size_t *pj)
{
    m->vs->last_region = SIZE_MAX;
    size_t i = region_search(m, start);
    if (i < m->vs->nregions && m->vs->regions[i].start < start && start < m->vs->regions[i].end) {
        if (region_split(m, i, start) < 0)
            return -1;
        i++;
    }
    size_t j = region_search(m, end);
    if (j < m->vs->nregions && m->vs->regions[j].start < end && end < m->vs->regions[j].end) {
        if (region_split(m, j, end) < 0)
            return -1;
    }
    j = region_search(m, end);
    /* j: first region with end > end; regions [i, j) lie inside [start, end) */
    *pi = i;
    *pj = j;
    return 0;
}

static int region_insert(struct vk_model *m, const struct vk_region *r)
{
    if (region_reserve(m, 1) < 0)
        return -1;
    size_t i = region_search(m, r->start);
    if (i < m->vs->nregions)
        memmove(&m->vs->regions[i + 1], &m->vs->regions[i], (m->vs->nregions - i) * sizeof *m->vs->regions);
    m->vs->regions[i] = *r;
    m->vs->nregions++;
    m->vs->last_region = SIZE_MAX;
    return 0;
}

static void region_remove(struct vk_model *m, size_t i, size_t j)
{
    if (i == j)
        return;
    memmove(&m->vs->regions[i], &m->vs->regions[j], (m->vs->nregions - j) * sizeof *m->vs->regions);
    m->vs->nregions -= j - i;
    m->vs->last_region = SIZE_MAX;
}

/* ---- region changes ---- */

/* A region change's range is page-aligned, non-empty and in user space, and comes before the
 * end of the run; otherwise the model fails. */
static bool range_ok(struct vk_model *m, uint64_t start, uint64_t end)
{
    if ((start | end) & (MMU_PAGE_SIZE - 1) || start >= end ||
        end > mmu_arch_user_limit(m->arch)) {
        vk_fail(m, "bad range [0x%llx, 0x%llx)", (unsigned long long)start,
                (unsigned long long)end);
        return false;
    }
    if (vk_event_refused(m))
        return false;
    return true;
}

/* munmap: the pages of the regions inside go (vk_pmap_remove), then the regions. */
int vk_unmap(struct vk_model *m, uint64_t start, uint64_t end)
{
    if (!range_ok(m, start, end))
        return VK_ERROR;
    size_t i, j;
    if (region_cut(m, start, end, &i, &j) < 0) {
        vk_fail(m, "out of memory");
        return VK_ERROR;
    }
    for (size_t k = i; k < j; k++)
        vk_pmap_remove(m, m->vs->regions[k].start >> MMU_PAGE_SHIFT,
                       m->vs->regions[k].end >> MMU_PAGE_SHIFT);
    region_remove(m, i, j);
    return m->error[0] ? VK_ERROR : VK_OK;
}

/* A moving mremap: [old, old + len) is unmapped at new first (as a map there would), then the
 * regions inside [old, old + len) and their pages (vk_pmap_move) move by new - old. */
int vk_move(struct vk_model *m, uint64_t old, uint64_t new, uint64_t len)
{
    if (len > UINT64_MAX - old || len > UINT64_MAX - new || !range_ok(m, old, old + len) ||
        !range_ok(m, new, new + len))
        return VK_ERROR;
    if (old < new + len && new < old + len) {
        vk_fail_input(m, "move: the ranges [0x%llx, 0x%llx) and [0x%llx, 0x%llx) overlap",
                      (unsigned long long)old, (unsigned long long)(old + len),
                      (unsigned long long)new, (unsigned long long)(new + len));
        return VK_ERROR;
    }
    if (vk_unmap(m, new, new + len) != VK_OK)
        return VK_ERROR;
    size_t i, j;
    if (region_cut(m, old, old + len, &i, &j) < 0) {
        vk_fail(m, "out of memory");
        return VK_ERROR;
    }
    size_t n = j - i;
    struct vk_region *moved = n ? malloc(n * sizeof *moved) : NULL;
    if (n && !moved) {
        vk_fail(m, "out of memory");
        return VK_ERROR;
    }
    m->move_delta = (new >> MMU_PAGE_SHIFT) - (old >> MMU_PAGE_SHIFT);
    for (size_t k = 0; k < n; k++) {
        moved[k] = m->vs->regions[i + k];
        vk_pmap_move(m, moved[k].start >> MMU_PAGE_SHIFT, moved[k].end >> MMU_PAGE_SHIFT);
        moved[k].start = moved[k].start - old + new;
        moved[k].end = moved[k].end - old + new;
    }
    region_remove(m, i, j);
    for (size_t k = 0; k < n && !m->error[0]; k++)
        if (region_insert(m, &moved[k]) < 0)
            vk_fail(m, "out of memory");
    free(moved);
    return m->error[0] ? VK_ERROR : VK_OK;
}

int vk_map(struct vk_model *m, uint64_t start, uint64_t end, unsigned prot,
           enum vk_region_kind kind, uint32_t file_id, uint64_t file_pgoff)
{
    if (vk_unmap(m, start, end) != VK_OK) /* MAP_FIXED: the covered part is unmapped first */
        return VK_ERROR;
    struct vk_region r = {start, end, prot & 7u, kind, file_id, file_pgoff};
    if (region_insert(m, &r) < 0) {
        vk_fail(m, "out of memory");
        return VK_ERROR;
    }
    return VK_OK;
}

/* mprotect: the entries whose rights shrink change too (vk_pmap_protect). */
int vk_protect(struct vk_model *m, uint64_t start, uint64_t end, unsigned prot)
{
    if (!range_ok(m, start, end))
        return VK_ERROR;
    size_t i, j;
    if (region_cut(m, start, end, &i, &j) < 0) {
        vk_fail(m, "out of memory");
        return VK_ERROR;
    }
    for (size_t k = i; k < j; k++) {
        unsigned old = m->vs->regions[k].prot;
        m->vs->regions[k].prot = prot & 7u;
        if ((old & ~prot) & (VK_PROT_R | VK_PROT_W))
            vk_pmap_protect(m, m->vs->regions[k].start >> MMU_PAGE_SHIFT,
                            m->vs->regions[k].end >> MMU_PAGE_SHIFT, prot);
    }
    return m->error[0] ? VK_ERROR : VK_OK;
}


int vk_regions_copy(struct vk_vmspace *to, const struct vk_vmspace *from)
{
    if (from->nregions) {
        to->regions = malloc(from->nregions * sizeof *to->regions);
        if (!to->regions)
            return -1;
        memcpy(to->regions, from->regions, from->nregions * sizeof *to->regions);
    }
    to->nregions = to->regions_cap = from->nregions;
    to->last_region = SIZE_MAX;
    return 0;
}
