/* vkernel_model/vk_prefault.c - the candidate step shared by every prefault policy (model.md
 * section 7): a candidate page made resident when the flags allow, then entered, by the vkernel
 * (a vpte) in vkernel schemes and by the real kernel (a real PTE) in native ones; and Linux's
 * fault-around, which scheme linux runs after every fault and policy linux-fa reuses. */
#include "vk_internal.h"

#define C(id) MMU_CTR(&m->c, id)

/* Makes a candidate page resident when the flags allow; returns false when it is not. */
static bool candidate_resident(struct vk_model *m, const struct vk_region *r, uint64_t vpn,
                               struct mmu_page *p, unsigned flags, uint32_t *frame, bool *cache)
{
    *cache = false;
    if (r->kind == VK_ANON || (p->state & PG_PRIVATE)) {
        if (p->state & PG_SWAPPED)
            return false; /* evicted: prefault does no I/O */
        if (!(p->state & PG_PRIVATE)) {
            bool zero_fill = (flags & VK_ENTER_ZERO_FILL) ||
                             ((flags & VK_ENTER_ZERO_FILL_WRITABLE) && (r->prot & VK_PROT_W));
            if (!zero_fill || r->kind != VK_ANON || vk_page_zero_fill(m, vpn, p) < 0)
                return false;
        }
        *frame = p->frame;
        return true;
    }
    if (!vk_cache_resident(m, r, vpn))
        return false; /* file pages are not read by a prefault */
    *frame = vk_cache_get(m, r, vpn);
    *cache = true;
    return *frame != 0;
}

/* Native schemes: the kernel's own prefault enters a real PTE. */
static enum vk_candidate_result enter_prefault_real_pte(struct vk_model *m, uint64_t vpn,
                                                       const struct vk_region *r,
                                                       struct mmu_leaf *l, unsigned flags)
{
    struct mmu_page *p = &l->pg[vpn & (m->vs->space.leaf_pages - 1)];
    bool quick = flags & VK_ENTER_QUICK;
    uint32_t frame = 0;
    bool cache = false;
    if (quick && !l->real_pt)
        return VK_CANDIDATE_NO_PT;
    if (p->real & REAL_P)
        return quick ? VK_CANDIDATE_NONZERO : VK_CANDIDATE_VALID;
    if (!candidate_resident(m, r, vpn, p, flags, &frame, &cache))
        return m->error[0] ? VK_CANDIDATE_ERROR : VK_CANDIDATE_NOT_RESIDENT;
    uint8_t bits = REAL_P;
    if (!quick && !(flags & VK_ENTER_READONLY) && !cache && (r->prot & VK_PROT_W) &&
        !vk_frame_shared(m, frame))
        bits |= REAL_W;
    vk_write_real_pte(m, vpn, p, bits);
    p->tracking |= TRACK_PREFAULT_PENDING;
    C(prefault_issued)++;
    return VK_CANDIDATE_ENTERED;
}

/* Vkernel schemes: the vkernel enters a vpte, through pmap_enter_quick or pmap_enter. */
static enum vk_candidate_result enter_prefault_vpte(struct vk_model *m, uint64_t vpn,
                                                   const struct vk_region *r, struct mmu_leaf *l,
                                                   unsigned flags)
{
    struct mmu_page *p = &l->pg[vpn & (m->vs->space.leaf_pages - 1)];
    bool quick = flags & VK_ENTER_QUICK;
    uint32_t frame = 0;
    bool cache = false;
    if (quick) {
        bool pt = l->pde & VPTE_V;
        for (unsigned level = m->vs->space.levels; pt && level > 2; level--)
            pt = mmu_space_upper_get(&m->vs->space, level, vpn) & VPTE_V;
        if (!pt)
            return VK_CANDIDATE_NO_PT;
        if (p->vpte)
            return VK_CANDIDATE_NONZERO;
    } else if (p->vpte & VPTE_V) {
        return VK_CANDIDATE_VALID;
    }
    if (!candidate_resident(m, r, vpn, p, flags, &frame, &cache))
        return m->error[0] ? VK_CANDIDATE_ERROR : VK_CANDIDATE_NOT_RESIDENT;
    uint64_t bits;
    if (quick) {
        /* pmap_enter_quick: pa|V|U|MANAGED, no A, no M, never W; R only since the 2010
         * prefault rework (vpt and ept; VPTE_R gone in 2013) */
        bits = VPTE_V | VPTE_U | VPTE_MANAGED;
        if (m->cfg.scheme->quick_entry_readable)
            bits |= VPTE_R;
    } else {
        /* the 6 step 3 bits; the dirty strategy's M as for a read fault (eager: writable
         * private pages get M; hint: never) */
        bits = vk_entry_bits(m, r,
                             !cache && !(flags & VK_ENTER_READONLY) && !vk_frame_shared(m, frame),
                             false);
    }
    if (vk_enter_prefault(m, vpn, bits, frame, cache, quick) < 0)
        return VK_CANDIDATE_ERROR;
    return VK_CANDIDATE_ENTERED;
}

/* Tries page vpn of region r. */
static enum vk_candidate_result try_candidate(struct vk_model *m, uint64_t vpn,
                                              const struct vk_region *r, unsigned flags)
{
    struct mmu_leaf *l = mmu_space_leaf(&m->vs->space, vpn, true);
    if (!l) {
        vk_fail(m, "out of memory");
        return VK_CANDIDATE_ERROR;
    }
    return m->cfg.scheme->vkernel ? enter_prefault_vpte(m, vpn, r, l, flags)
                                  : enter_prefault_real_pte(m, vpn, r, l, flags);
}

enum vk_candidate_result vk_prefault_try(struct vk_prefault *pf, int64_t off, unsigned flags)
{
    if ((off < 0 && (uint64_t)-off > pf->vpn - pf->lo) ||
        (off > 0 && pf->vpn + (uint64_t)off >= pf->hi) || off == 0)
        return VK_CANDIDATE_OUTSIDE;
    return try_candidate(pf->m, pf->vpn + (uint64_t)off, pf->r, flags);
}

enum vk_candidate_result vk_prefault_try_page(struct vk_model *m, uint64_t vpn, unsigned flags)
{
    const struct vk_region *r = vk_region_find_vpn(m, vpn);
    if (!r || !(r->prot & VK_PROT_R))
        return VK_CANDIDATE_OUTSIDE;
    return try_candidate(m, vpn, r, flags);
}

/* Linux fault-around (do_fault_around): an aligned 16-page window (fault_around_bytes =
 * 64 KiB) around the fault, clipped to the region; read faults on file regions only; resident
 * pages are mapped read-only, others skipped. */
void vk_fault_around(struct vk_prefault *pf)
{
    if (pf->kind == MMU_WRITE || pf->r->kind != VK_FILE)
        return;
    uint64_t base = pf->vpn & ~15ull;
    for (uint64_t v = base; v < base + 16; v++) {
        if (v == pf->vpn || v < pf->lo || v >= pf->hi)
            continue;
        if (vk_prefault_try(pf, (int64_t)(v - pf->vpn), VK_ENTER_READONLY) == VK_CANDIDATE_ERROR)
            return;
    }
}
