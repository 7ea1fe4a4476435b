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
    fr->pv[fr->npv++] = VK_PV(m->vs->id, vpn);
    return 0;
}

void vk_pv_remove(struct vk_model *m, uint32_t f, uint64_t vpn)
{
    struct vk_frame *fr = &m->frames[f];
    uint64_t e = VK_PV(m->vs->id, vpn);
    for (uint32_t i = 0; i < fr->npv; i++) {
        if (fr->pv[i] == e) {
            fr->pv[i] = fr->pv[--fr->npv];
            return;
        }
    }
}

/* The page at vpn of vmspace vs, or NULL when it has no state there. */
static struct mmu_page *page_of(struct vk_vmspace *vs, uint64_t vpn)
{
    struct mmu_leaf *l = vs ? mmu_space_leaf(&vs->space, vpn, false) : NULL;
    return l ? &l->pg[vpn & (vs->space.leaf_pages - 1)] : NULL;
}

static uint64_t moved_key(uint32_t vs, uint32_t f)
{
    return ((uint64_t)vs << 32) | f;
}

uint64_t vk_frame_user_vpn(const struct vk_model *m, uint32_t f, const struct vk_vmspace *vs)
{
    if (m->frames[f].moved) {
        uint64_t v = (uint64_t)(uintptr_t)mmu_hmap_get(&m->moved, moved_key(vs->id, f));
        if (v)
            return v - 1;
    }
    return m->frames[f].owner;
}

int vk_frame_note_user(struct vk_model *m, uint32_t f, uint64_t vpn)
{
    struct vk_frame *fr = &m->frames[f];
    if (fr->users <= 1 && !fr->moved) {
        fr->owner = vpn; /* its only user: the frame follows the page */
        return 0;
    }
    fr->moved = true;
    if (mmu_hmap_put(&m->moved, moved_key(m->vs->id, f), (void *)(uintptr_t)(vpn + 1)) < 0) {
        vk_fail(m, "out of memory");
        return -1;
    }
    return 0;
}

/* A freed frame forgets where its users held it (vmspace ids are never reused, frames are). */
static void frame_forget_moves(struct vk_model *m, uint32_t f)
{
    if (!m->frames[f].moved)
        return;
    for (uint32_t i = 0; i < m->nvmspaces; i++)
        if (mmu_hmap_get(&m->moved, moved_key(i, f)))
            (void)mmu_hmap_put(&m->moved, moved_key(i, f), NULL);
    m->frames[f].moved = false;
}

/* Calls fn for every vmspace whose page holds private frame f (at the frame's owner page, or
 * where a move took it), with that page (one user with a single process; more after fork).
 * Stops when fn returns true; returns whether one did. */
static bool each_user(struct vk_model *m, uint32_t f,
                      bool (*fn)(struct vk_model *m, struct vk_vmspace *vs, uint64_t vpn,
                                 struct mmu_page *p, void *ctx),
                      void *ctx)
{
    for (uint32_t i = 0; i < m->nvmspaces; i++) {
        struct vk_vmspace *vs = m->vmspaces[i];
        if (!vs || !vs->users)
            continue;
        uint64_t vpn = vk_frame_user_vpn(m, f, vs);
        struct mmu_page *p = page_of(vs, vpn);
        if (p && p->frame == f && (p->state & PG_PRIVATE) && fn(m, vs, vpn, p, ctx))
            return true;
    }
    return false;
}

/* CLOCK's look at one mapping: referenced when its vpte is valid with A (A is then cleared
 * when ctx says so).  Clearing A does not invalidate (pmap_clear_reference): A is set again
 * only by the real kernel's next walk. */
static bool referenced(struct vk_model *m, struct vk_vmspace *vs, uint64_t vpn,
                       struct mmu_page *p, void *ctx)
{
    (void)m;
    (void)vs;
    (void)vpn;
    if ((p->vpte & VPTE_V) && (p->vpte & VPTE_A)) {
        if (*(bool *)ctx)
            p->vpte &= ~VPTE_A;
        return true;
    }
    return false;
}

static bool is_busy(struct vk_model *m, struct vk_vmspace *vs, uint64_t vpn, struct mmu_page *p,
                    void *ctx)
{
    (void)p;
    (void)ctx;
    return vs == m->busy_vs && vpn == m->busy_vpn;
}

/* A private frame is referenced when any of its users' vptes has A: every user's A is
 * cleared (a shared frame is one page to CLOCK). */
static bool private_referenced(struct vk_model *m, uint32_t f)
{
    bool any = false, clear = true;
    for (uint32_t i = 0; i < m->nvmspaces; i++) {
        struct vk_vmspace *vs = m->vmspaces[i];
        if (!vs || !vs->users)
            continue;
        uint64_t vpn = vk_frame_user_vpn(m, f, vs);
        struct mmu_page *p = page_of(vs, vpn);
        if (p && p->frame == f && (p->state & PG_PRIVATE) && referenced(m, vs, vpn, p, &clear))
            any = true;
    }
    return any;
}

/* A page-cache frame is referenced when any vpte mapping it has A. */
static bool cache_referenced(struct vk_model *m, struct vk_frame *fr)
{
    bool ref = false, clear = true;
    for (uint32_t i = 0; i < fr->npv; i++) {
        struct vk_vmspace *vs = m->vmspaces[VK_PV_VS(fr->pv[i])];
        uint64_t vpn = VK_PV_VPN(fr->pv[i]);
        struct mmu_page *p = page_of(vs, vpn);
        if (vs == m->busy_vs && vpn == m->busy_vpn)
            ref = true;
        else if (p && referenced(m, vs, vpn, p, &clear))
            ref = true;
    }
    return ref;
}

/* Evicts one user's mapping of private frame f: its valid vpte invalidated, the page marked
 * swapped.  ctx: the frame stays the page's swap slot (shared frames). */
static bool evict_user(struct vk_model *m, struct vk_vmspace *vs, uint64_t vpn,
                       struct mmu_page *p, void *ctx)
{
    struct vk_vmspace *old = vk_vmspace_enter(m, vs);
    if (p->vpte & VPTE_V)
        vk_invalidate(m, vpn, p);
    p->state |= PG_SWAPPED;
    if (!*(bool *)ctx)
        p->frame = 0;
    vk_vmspace_leave(m, old);
    return false;
}

/* Evicts the page in frame f (model.md section 2).  A private frame shared by several
 * processes keeps its number as the swap slot they share (FR_SWAPPED). */
static void evict_frame(struct vk_model *m, uint32_t f)
{
    struct vk_frame *fr = &m->frames[f];
    if (fr->kind == FR_PRIVATE) {
        bool shared = fr->users > 1;
        each_user(m, f, evict_user, &shared);
        MMU_CTR(&m->c, page_evict)++;
        if (shared) {
            fr->kind = FR_SWAPPED;
            m->nused--;
        } else {
            vk_frame_free(m, f);
        }
        return;
    }
    while (fr->npv) {
        uint64_t e = fr->pv[fr->npv - 1];
        struct vk_vmspace *old = vk_vmspace_enter(m, m->vmspaces[VK_PV_VS(e)]);
        vk_invalidate(m, VK_PV_VPN(e), page_of(m->vs, VK_PV_VPN(e))); /* leaves the pv list */
        vk_vmspace_leave(m, old);
    }
    cache_set(m, fr->owner, 0, CP_EVICTED);
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
        if (f == m->pin_frame)
            continue;
        if (fr->kind == FR_PRIVATE) {
            if (((fr->moved || fr->owner == m->busy_vpn) && each_user(m, f, is_busy, NULL)) ||
                private_referenced(m, f))
                continue;
        } else if (fr->kind == FR_CACHE) {
            if (cache_referenced(m, fr))
                continue;
        } else {
            continue; /* free and swapped frames and page-table pages are never evicted */
        }
        evict_frame(m, f);
        return 0;
    }
    return -1;
}

/* Room for one more frame under --vk-mem: evicts one when the limit is reached. */
static int make_room(struct vk_model *m)
{
    uint64_t limit = m->cfg.scheme->vkernel ? m->cfg.opt.vk_mem_pages : 0;
    if (limit && m->nused >= limit && clock_evict(m) < 0) {
        vk_fail(m, "--vk-mem is too small: all %llu frames are page-table pages or busy",
                (unsigned long long)limit);
        return -1;
    }
    return 0;
}

/* A frame number not yet used, or taken from the free list; 0 on error. */
static uint32_t frame_number(struct vk_model *m)
{
    if (m->nfree)
        return m->freelist[--m->nfree];
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
    return (uint32_t)++m->nframes;
}

uint32_t vk_frame_alloc(struct vk_model *m, enum vk_frame_kind kind, uint64_t owner)
{
    if (make_room(m) < 0)
        return 0;
    uint32_t f = frame_number(m);
    if (!f)
        return 0;
    struct vk_frame *fr = &m->frames[f];
    fr->kind = (uint8_t)kind;
    fr->owner = owner;
    fr->users = 1;
    fr->npv = 0;
    m->nused++;
    return f;
}

uint32_t vk_frame_swap_slot(struct vk_model *m, uint64_t vpn)
{
    uint32_t f = frame_number(m);
    if (!f)
        return 0;
    struct vk_frame *fr = &m->frames[f];
    fr->kind = FR_SWAPPED;
    fr->owner = vpn;
    fr->users = 1;
    fr->npv = 0;
    return f;
}

int vk_frame_swap_in_shared(struct vk_model *m, uint32_t f)
{
    if (make_room(m) < 0)
        return -1;
    m->frames[f].kind = FR_PRIVATE;
    m->nused++;
    MMU_CTR(&m->c, page_swap_in)++;
    return 0;
}

void vk_frame_release(struct vk_model *m, uint32_t f)
{
    struct vk_frame *fr = &m->frames[f];
    if (fr->users > 1) {
        fr->users--;
        return;
    }
    if (fr->kind == FR_SWAPPED)
        m->nused++; /* it held no memory: vk_frame_free's count stays right */
    vk_frame_free(m, f);
}

void vk_frame_free(struct vk_model *m, uint32_t f)
{
    frame_forget_moves(m, f);
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
