/* vkernel_model/vk_frames.c - the vkernel's physical memory (model.md section 2): frames, the
 * page cache, and CLOCK eviction over VPTE_A under --vk-mem.
 *
 * Metering: a frame is taken when a page first needs one (zero-fill, COW copy, file read, page
 * in, page-table page, or a warm page-cache page first used).  Warm page-cache pages are
 * resident without I/O but take their frame on first use (docs/model-notes.md). */
#include <stdlib.h>
#include <string.h>

#include "vk_internal.h"

/* page-cache values: low byte = state, frame above it */
#define CP_CACHED 1u
#define CP_EVICTED 2u

static uint64_t cache_key(const struct vk_region *r, uint64_t vpn)
{
    uint64_t pgoff = r->file_pgoff + (vpn - (r->start >> MMU_PAGE_SHIFT));
    return ((uint64_t)r->file_id << 40) | (pgoff & ((1ull << 40) - 1));
}

static uint64_t cache_val(struct vk_model *m, uint64_t key)
{
    return (uint64_t)(uintptr_t)mmu_hmap_get(&m->cache, key);
}

static int cache_set(struct vk_model *m, uint64_t key, uint32_t frame, unsigned state)
{
    return mmu_hmap_put(&m->cache, key, (void *)(uintptr_t)(((uint64_t)frame << 8) | state));
}

void vk_cache_fini(struct vk_model *m)
{
    mmu_hmap_fini(&m->cache);
}

bool vk_cache_resident(struct vk_model *m, const struct vk_region *r, uint64_t vpn)
{
    uint64_t v = cache_val(m, cache_key(r, vpn));
    if ((v & 0xff) == CP_CACHED)
        return true;
    if ((v & 0xff) == CP_EVICTED)
        return false;
    return !m->cfg.opt.file_cache_cold;
}

uint32_t vk_cache_get(struct vk_model *m, const struct vk_region *r, uint64_t vpn)
{
    uint64_t key = cache_key(r, vpn);
    uint64_t v = cache_val(m, key);
    if ((v & 0xff) == CP_CACHED)
        return (uint32_t)(v >> 8);
    if ((v & 0xff) == CP_EVICTED || m->cfg.opt.file_cache_cold)
        MMU_CTR(&m->c, page_file_read)++; /* a major fault: the page is read from the file */
    uint32_t f = vk_frame_alloc(m, FR_CACHE, key);
    if (!f)
        return 0;
    if (cache_set(m, key, f, CP_CACHED) < 0) {
        vk_fail(m, "out of memory");
        return 0;
    }
    return f;
}

int vk_pv_add(struct vk_model *m, uint32_t f, uint64_t vpn)
{
    struct vk_frame *fr = &m->frames[f];
    if (fr->npv == fr->pv_cap) {
        uint32_t ncap = fr->pv_cap ? fr->pv_cap * 2 : 2;
        uint64_t *n = realloc(fr->pv, ncap * sizeof *n);
        if (!n) {
            vk_fail(m, "out of memory");
            return -1;
        }
        fr->pv = n;
        fr->pv_cap = ncap;
    }
    fr->pv[fr->npv++] = vpn;
    return 0;
}

void vk_pv_remove(struct vk_model *m, uint32_t f, uint64_t vpn)
{
    struct vk_frame *fr = &m->frames[f];
    for (uint32_t i = 0; i < fr->npv; i++) {
        if (fr->pv[i] == vpn) {
            fr->pv[i] = fr->pv[--fr->npv];
            return;
        }
    }
}

static bool clock_referenced(struct vk_model *m, uint64_t vpn, bool clear)
{
    struct mmu_page *p = mmu_space_page(&m->space, vpn);
    if (p && (p->vpte & VPTE_V) && (p->vpte & VPTE_A)) {
        /* Clearing A does not invalidate (pmap_clear_reference): A is set again only by the
         * real kernel's next walk. */
        if (clear)
            p->vpte &= ~VPTE_A;
        return true;
    }
    return false;
}

/* Evicts the page in frame f (model.md section 2). */
static void evict_frame(struct vk_model *m, uint32_t f)
{
    struct vk_frame *fr = &m->frames[f];
    if (fr->kind == FR_PRIVATE) {
        uint64_t vpn = fr->owner;
        struct mmu_page *p = mmu_space_page(&m->space, vpn);
        if (p->vpte & VPTE_V)
            vk_invalidate(m, vpn, p);
        p->state |= PG_SWAPPED;
        p->frame = 0;
    } else {
        while (fr->npv) {
            uint64_t vpn = fr->pv[fr->npv - 1];
            struct mmu_page *p = mmu_space_page(&m->space, vpn);
            vk_invalidate(m, vpn, p); /* removes vpn from the pv list */
        }
        cache_set(m, fr->owner, 0, CP_EVICTED);
    }
    MMU_CTR(&m->c, page_evict)++;
    vk_frame_free(m, f);
}

/* CLOCK over VPTE_A: clear A and skip; take the first frame whose pages have A clear. */
static int clock_evict(struct vk_model *m)
{
    for (uint64_t steps = 0; steps < 2 * m->nframes + 2; steps++) {
        if (m->clock_hand == 0 || m->clock_hand > m->nframes)
            m->clock_hand = 1;
        uint32_t f = (uint32_t)m->clock_hand++;
        struct vk_frame *fr = &m->frames[f];
        if (fr->kind == FR_PRIVATE) {
            if (fr->owner == m->busy_vpn || clock_referenced(m, fr->owner, true))
                continue;
        } else if (fr->kind == FR_CACHE) {
            if (f == m->pin_frame)
                continue;
            bool ref = false;
            for (uint32_t i = 0; i < fr->npv; i++) {
                if (fr->pv[i] == m->busy_vpn)
                    ref = true;
                else if (clock_referenced(m, fr->pv[i], true))
                    ref = true;
            }
            if (ref)
                continue;
        } else {
            continue; /* free frames and page-table pages are never evicted */
        }
        evict_frame(m, f);
        return 0;
    }
    return -1;
}

uint32_t vk_frame_alloc(struct vk_model *m, enum vk_frame_kind kind, uint64_t owner)
{
    uint64_t limit = m->cfg.scheme->vkernel ? m->cfg.opt.vk_mem_pages : 0;
    if (limit && m->nused >= limit && clock_evict(m) < 0) {
        vk_fail(m, "--vk-mem is too small: all %llu frames are page-table pages or busy",
                (unsigned long long)limit);
        return 0;
    }
    uint32_t f;
    if (m->nfree) {
        f = m->freelist[--m->nfree];
    } else {
        if (m->nframes + 1 >= m->frames_cap) {
            uint64_t ncap = m->frames_cap ? m->frames_cap * 2 : 1024;
            struct vk_frame *n = realloc(m->frames, ncap * sizeof *n);
            if (!n) {
                vk_fail(m, "out of memory");
                return 0;
            }
            memset(n + m->frames_cap, 0, (ncap - m->frames_cap) * sizeof *n);
            m->frames = n;
            m->frames_cap = ncap;
        }
        if (m->nframes + 1 > 0xFFFFFu && m->arch == MMU_ARCH_I386) {
            vk_fail(m, "vkernel frame numbers exhausted (more than 4 GiB of frames)");
            return 0;
        }
        f = (uint32_t)++m->nframes;
    }
    struct vk_frame *fr = &m->frames[f];
    fr->kind = (uint8_t)kind;
    fr->owner = owner;
    fr->npv = 0;
    m->nused++;
    return f;
}

void vk_frame_free(struct vk_model *m, uint32_t f)
{
    struct vk_frame *fr = &m->frames[f];
    fr->kind = FR_FREE;
    fr->npv = 0;
    if (m->nfree == m->free_cap) {
        uint64_t ncap = m->free_cap ? m->free_cap * 2 : 256;
        uint32_t *n = realloc(m->freelist, ncap * sizeof *n);
        if (!n)
            return; /* the frame is lost to reuse; counts are unaffected */
        m->freelist = n;
        m->free_cap = ncap;
    }
    m->freelist[m->nfree++] = f;
    m->nused--;
}
