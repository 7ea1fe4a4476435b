/* vkernel_model/vk_model.c - one configuration's model: the real kernel's fault handler per
 * scheme (model.md section 5), the vkernel's reflection handling (section 6), region changes
 * with their invalidations, kernel accesses (6.6) and the end-of-run accounting (section 9). */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "vk_internal.h"

#define C(id) MMU_CTR(&m->c, id)

void vk_fail(struct vk_model *m, const char *fmt, ...)
{
    if (m->error[0])
        return; /* keep the first cause */
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(m->error, sizeof m->error, fmt, ap);
    va_end(ap);
}

const char *vk_error(const struct vk_model *m)
{
    return m->error[0] ? m->error : NULL;
}

const char *vk_overflow(const struct vk_model *m)
{
    return m->overflow;
}

void vk_add_count(struct vk_model *m, enum mmu_counter_id id, uint64_t n)
{
    if (__builtin_add_overflow(m->c.c[id], n, &m->c.c[id])) {
        m->c.c[id] = UINT64_MAX;
        if (!m->overflow)
            m->overflow = mmu_counter_names[id];
    }
}

const struct vk_config *vk_model_config(const struct vk_model *m)
{
    return &m->cfg;
}

const struct mmu_counters *vk_counters(const struct vk_model *m)
{
    return &m->c;
}

struct mmu_space *vk_space(struct vk_model *m)
{
    return &m->sp;
}

struct vk_model *vk_model_new(const struct vk_config *cfg, enum mmu_arch arch,
                              const struct mmu_costs *costs)
{
    struct vk_model *m = calloc(1, sizeof *m);
    if (!m)
        return NULL;
    m->cfg = *cfg;
    m->arch = arch;
    m->costs = *costs;
    m->vkernel = cfg->scheme->vkernel;
    m->native_like = !cfg->scheme->vkernel;
    m->ept = cfg->scheme->id == VK_SCHEME_EPT;
    m->user_limit_vpn = mmu_arch_user_limit(arch) >> MMU_PAGE_SHIFT;
    m->busy_vpn = VK_NO_VPN;
    m->last_rg = SIZE_MAX;
    m->seqp = &m->own_seq;
    mmu_hmap_init(&m->cache);
    if (mmu_space_init(&m->sp, arch) < 0)
        goto fail;
    if (cfg->opt.tlb_on) {
        /* The hardware walks the real page tables (2 levels on i386, 4 on x86-64; a PWC hit
         * leaves the leaf reference), or in ept the vptes nested in a 4-level EPT. */
        unsigned n = mmu_arch_levels(arch), full = n, pwc = 1;
        if (m->ept) {
            full = mmu_walk_refs_2d(n, 4);
            pwc = 2 * 4 + 1; /* the guest leaf through the EPT, then the data frame */
        }
        if (mmu_tlb_init(&m->tlb, &cfg->opt.tlb, full, pwc, m->sp.level_bits) < 0)
            goto fail;
        m->tlb_on = true;
    }
    if (cfg->policy.pol->state_size) {
        m->pstate = calloc(1, cfg->policy.pol->state_size);
        if (!m->pstate)
            goto fail;
    }
    return m;
fail:
    vk_model_free(m);
    return NULL;
}

void vk_model_free(struct vk_model *m)
{
    if (!m)
        return;
    mmu_space_fini(&m->sp);
    for (uint64_t f = 1; f <= m->nfr; f++)
        free(m->fr[f].pv);
    free(m->fr);
    free(m->freelist);
    free(m->rg);
    free(m->pstate);
    free(m->ept_map);
    free(m->refl.v);
    if (m->tlb_on)
        mmu_tlb_fini(&m->tlb);
    vk_cache_fini(m);
    free(m);
}

void vk_set_real_observer(struct vk_model *m, const struct vk_real_observer *obs)
{
    if (obs) {
        m->obs = *obs;
        m->has_obs = true;
    } else {
        memset(&m->obs, 0, sizeof m->obs);
        m->has_obs = false;
    }
}

uint8_t vk_real_bits(struct vk_model *m, uint64_t vpn)
{
    struct mmu_leaf *l = mmu_space_leaf(&m->sp, vpn, false);
    return l ? l->pg[vpn & (m->sp.leaf_pages - 1)].real : 0;
}

/* ---- real PTEs and tracking ---- */

void vk_set_real(struct vk_model *m, uint64_t vpn, struct mmu_page *p, uint8_t bits)
{
    uint8_t old = p->real;
    p->real = bits;
    if (m->hit_filter && (m->hit_filter[vpn & m->hit_mask] >> 2) == vpn + 1)
        m->hit_filter[vpn & m->hit_mask] = 0;
    if (bits & REAL_P) {
        struct mmu_leaf *l = mmu_space_leaf(&m->sp, vpn, true);
        l->real_pt = true;
    }
    if (m->tlb_on && (old & ~bits & (REAL_P | REAL_W)))
        mmu_tlb_invalidate(&m->tlb, vpn); /* a downgrade: invlpg */
    if (m->has_obs && m->obs.changed && ((old ^ bits) & (REAL_P | REAL_W)))
        m->obs.changed(m->obs.ctx, vpn, old, bits);
}

/* Brings the hardware's A/D bits of a present real PTE into the model: the union with the
 * model's own (set by the accesses the model sees, such as kernel accesses); both start clear
 * when the PTE is written. */
static void sync_ad(struct vk_model *m, uint64_t vpn, struct mmu_page *p)
{
    if (m->has_obs && m->obs.read_ad && (p->real & REAL_P))
        p->real |= (uint8_t)(m->obs.read_ad(m->obs.ctx, vpn) & (REAL_A | REAL_D));
}

void vk_settle(struct vk_model *m, uint64_t vpn, struct mmu_page *p)
{
    sync_ad(m, vpn, p);
    if ((p->real & (REAL_P | REAL_D)) == (REAL_P | REAL_D)) {
        p->fl &= (uint8_t)~FL_M_PENDING; /* a write reached it through the real PTE */
        p->st |= PG_DIRTY;
    }
    if (p->fl & FL_PF_PENDING) {
        /* A prefaulted entry is used when an access set the A bit of the real PTE made from it
         * (native schemes; --real-prefault in vkernel schemes, whose walk is not an access);
         * otherwise a successful walk used it already (counted there). */
        if ((p->real & (REAL_P | REAL_A)) == (REAL_P | REAL_A))
            C(prefault_used)++;
        else
            C(prefault_wasted)++;
        p->fl &= (uint8_t)~FL_PF_PENDING;
    }
    if (p->fl & FL_M_PENDING) {
        C(vk_spurious_dirty)++;
        p->fl &= (uint8_t)~FL_M_PENDING;
    }
}

void vk_invalidate(struct vk_model *m, uint64_t vpn, struct mmu_page *p)
{
    C(vk_inval)++; /* madvise(MADV_INVAL) for this page */
    vk_settle(m, vpn, p);
    vk_set_real(m, vpn, p, 0);
    if (p->vpte & VPTE_M)
        p->st |= PG_DIRTY;
    if (p->fl & FL_CACHE_MAP) {
        vk_pv_remove(m, (uint32_t)((p->vpte & VPTE_FRAME) >> MMU_PAGE_SHIFT), vpn);
        p->fl &= (uint8_t)~FL_CACHE_MAP;
    }
    p->vpte = 0;
}

/* ---- the vkernel's page table ---- */

/* pmap_enter's page-table page allocation: PDE (and upper levels on x86-64) written
 * V|R|W|A|M.  Returns -1 on error. */
static int ensure_pt(struct vk_model *m, uint64_t vpn)
{
    const uint64_t dir = VPTE_V | VPTE_R | VPTE_W | VPTE_A | VPTE_M;
    for (unsigned level = m->sp.levels; level > 2; level--) {
        if (mmu_space_upper_get(&m->sp, level, vpn) & VPTE_V)
            continue;
        uint32_t f = vk_frame_alloc(m, FR_PT, 0);
        if (!f)
            return -1;
        C(vk_pt_alloc)++;
        if (mmu_space_upper_set(&m->sp, level, vpn, ((uint64_t)f << MMU_PAGE_SHIFT) | dir) < 0) {
            vk_fail(m, "out of memory");
            return -1;
        }
    }
    struct mmu_leaf *l = mmu_space_leaf(&m->sp, vpn, true);
    if (!l) {
        vk_fail(m, "out of memory");
        return -1;
    }
    if (!(l->pde & VPTE_V)) {
        uint32_t f = vk_frame_alloc(m, FR_PT, 0);
        if (!f)
            return -1;
        C(vk_pt_alloc)++;
        l->pde = ((uint64_t)f << MMU_PAGE_SHIFT) | dir;
    }
    return 0;
}

/* pmap_enter (model.md 6 step 3): a valid old vpte is invalidated first; release 1.8 paid an
 * invalidation on every new entry too (--inval-every-enter). */
static int enter_vpte(struct vk_model *m, uint64_t vpn, uint64_t bits, uint32_t frame,
                      bool cache_frame, bool prefault, bool quick)
{
    if (ensure_pt(m, vpn) < 0)
        return -1;
    struct mmu_page *p = mmu_space_page(&m->sp, vpn);
    if (p->vpte & VPTE_V)
        vk_invalidate(m, vpn, p);
    else if (m->cfg.opt.inval_every_enter && !quick)
        C(vk_inval)++; /* 1.8: pmap_enter, not pmap_enter_quick, invalidated new entries */
    p->vpte = bits | ((uint64_t)frame << MMU_PAGE_SHIFT);
    if (cache_frame) { /* p->frame stays the private frame (none): the vpte names it */
        if (vk_pv_add(m, frame, vpn) < 0)
            return -1;
        p->fl |= FL_CACHE_MAP;
    }
    if (prefault) {
        p->fl |= FL_PF_PENDING;
        C(prefault_issued)++;
    }
    if (bits & VPTE_M)
        p->fl |= FL_M_PENDING;
    return 0;
}

int vk_enter_prefault(struct vk_model *m, uint64_t vpn, uint64_t bits, uint32_t frame, bool cache,
                      bool quick)
{
    return enter_vpte(m, vpn, bits, frame, cache, true, quick);
}

/* ---- page work (model.md 6 step 2; the real kernel's in native schemes) ---- */

static int zero_fill(struct vk_model *m, uint64_t vpn, struct mmu_page *p)
{
    uint32_t f = vk_frame_alloc(m, FR_PRIVATE, vpn);
    if (!f)
        return -1;
    C(page_zero_fill)++;
    p->frame = f;
    p->st = (uint8_t)((p->st & ~PG_ZEROPAGE) | PG_PRIVATE);
    return 0;
}

static int swap_in(struct vk_model *m, uint64_t vpn, struct mmu_page *p)
{
    uint32_t f = vk_frame_alloc(m, FR_PRIVATE, vpn);
    if (!f)
        return -1;
    C(page_swap_in)++;
    p->frame = f;
    p->st &= (uint8_t)~PG_SWAPPED;
    return 0;
}

/* Copy-on-write of a file page into a private frame (the source is read if not cached). */
static int cow(struct vk_model *m, const struct vk_region *r, uint64_t vpn, struct mmu_page *p)
{
    uint32_t src = vk_cache_get(m, r, vpn);
    if (!src)
        return -1;
    m->pin_frame = src;
    uint32_t f = vk_frame_alloc(m, FR_PRIVATE, vpn);
    m->pin_frame = 0;
    if (!f)
        return -1;
    C(page_cow)++;
    p->frame = f;
    p->st |= PG_PRIVATE;
    return 0;
}

/* Makes the page's data available.  *frame: the frame to map; *cache: it is a page-cache
 * frame (not private).  A write makes file pages private. */
static int get_page(struct vk_model *m, const struct vk_region *r, uint64_t vpn,
                    struct mmu_page *p, bool write, uint32_t *frame, bool *cache)
{
    *cache = false;
    if (r->kind == VK_ANON || (p->st & PG_PRIVATE)) {
        if (p->st & PG_SWAPPED) {
            if (swap_in(m, vpn, p) < 0)
                return -1;
        } else if (!(p->st & PG_PRIVATE)) {
            if (zero_fill(m, vpn, p) < 0)
                return -1;
        }
        *frame = p->frame;
        return 0;
    }
    if (write) {
        if (cow(m, r, vpn, p) < 0)
            return -1;
        *frame = p->frame;
        return 0;
    }
    uint32_t f = vk_cache_get(m, r, vpn);
    if (!f)
        return -1;
    *frame = f;
    *cache = true;
    return 0;
}

static uint64_t step3_bits(struct vk_model *m, const struct vk_region *r, bool private_page,
                           bool hint_m)
{
    uint64_t bits = VPTE_V | VPTE_R | VPTE_U | VPTE_MANAGED | VPTE_A;
    if ((r->prot & VK_PROT_W) && private_page)
        bits |= VPTE_W;
    if (m->cfg.dirty->id == VK_DIRTY_HINT && hint_m)
        bits |= VPTE_M;
    if (m->cfg.dirty->id == VK_DIRTY_EAGER && (bits & VPTE_W))
        bits |= VPTE_M;
    return bits;
}

static bool region_allows(const struct vk_region *r, bool write)
{
    return r && (r->prot & VK_PROT_R) && (!write || (r->prot & VK_PROT_W));
}

static void run_policy(struct vk_model *m, const struct vk_region *r, uint64_t vpn,
                       enum mmu_kind kind)
{
    struct vk_pf pf = {
        .m = m,
        .vpn = vpn,
        .kind = kind,
        .r = r,
        .lo = r->start >> MMU_PAGE_SHIFT,
        .hi = r->end >> MMU_PAGE_SHIFT,
        .state = m->pstate,
        .spec = &m->cfg.policy,
    };
    if (m->cfg.scheme->id == VK_SCHEME_LINUX)
        vk_fault_around(&pf); /* built into Linux; --policy adds its own after it */
    m->cfg.policy.pol->run(&pf);
}

/* opt.record_reflections: appends (access record, page) for oracle:N.  In native schemes the
 * faults the kernel resolves play the part of reflections. */
static int record_reflection(struct vk_model *m, uint64_t vpn)
{
    if (!m->cfg.opt.record_reflections)
        return 0;
    if (m->refl.n == m->refl.cap) {
        size_t ncap = m->refl.cap ? m->refl.cap * 2 : 1024;
        struct vk_reflection *n = realloc(m->refl.v, ncap * sizeof *n);
        if (!n) {
            vk_fail(m, "out of memory");
            return -1;
        }
        m->refl.v = n;
        m->refl.cap = ncap;
    }
    m->refl.v[m->refl.n++] = (struct vk_reflection){*m->seqp, vpn};
    return 0;
}

/* ---- vkernel schemes: the reflection (model.md section 6) ---- */

static enum vk_fault_outcome reflect(struct vk_model *m, uint64_t vpn, enum mmu_kind kind)
{
    bool write = kind == MMU_WRITE;
    const struct vk_region *r = vk_region_find_vpn(m, vpn);
    if (!region_allows(r, write)) {
        C(fault_segv)++;
        return VK_FO_SEGV;
    }
    struct mmu_page *p = mmu_space_page(&m->sp, vpn);
    if (!p) {
        vk_fail(m, "out of memory");
        return VK_FO_ERROR;
    }
    m->busy_vpn = vpn;
    uint32_t frame;
    bool cache;
    enum vk_fault_outcome out = VK_FO_ERROR;
    if (record_reflection(m, vpn) < 0)
        goto done;
    if (get_page(m, r, vpn, p, write, &frame, &cache) < 0)
        goto done;
    uint64_t bits = step3_bits(m, r, !cache, write);
    if (enter_vpte(m, vpn, bits, frame, cache, false, false) < 0)
        goto done;
    run_policy(m, r, vpn, kind);
    /* vmspace_ctl(RUN) switches CR3 back to the guest: a full TLB flush on i386 (ept: VPID) */
    if (m->tlb_on && !m->ept)
        mmu_tlb_flush(&m->tlb, &m->c);
    out = m->error[0] ? VK_FO_ERROR : VK_FO_REFLECTED;
done:
    m->busy_vpn = VK_NO_VPN;
    return out;
}

/* --real-prefault N: the real kernel installs read-only real PTEs for up to N neighbours in the
 * faulting page's region, in the dfly order (-1,+1,-2,+2,...; 8 candidates, or 2N when N > 4),
 * whose vptes are already valid and readable and that have no real PTE yet; each one installed
 * costs a walk. */
static void real_prefault(struct vk_model *m, uint64_t vpn)
{
    const struct vk_region *r = vk_region_find_vpn(m, vpn);
    if (!r)
        return;
    uint64_t lo = r->start >> MMU_PAGE_SHIFT, hi = r->end >> MMU_PAGE_SHIFT;
    unsigned n = m->cfg.opt.real_prefault, ncand = n > 4 ? 2 * n : 8, done = 0;
    for (unsigned k = 0; k < ncand && done < n; k++) {
        int64_t off = vk_pf_sym_offset(k);
        if ((off < 0 && (uint64_t)-off > vpn - lo) || (off > 0 && vpn + (uint64_t)off >= hi))
            continue;
        uint64_t c = vpn + (uint64_t)off;
        struct mmu_leaf *l = mmu_space_leaf(&m->sp, c, false);
        struct mmu_page *p = l ? &l->pg[c & (m->sp.leaf_pages - 1)] : NULL;
        if (!p || (p->real & REAL_P) || (p->vpte & (VPTE_V | VPTE_R)) != (VPTE_V | VPTE_R))
            continue;
        struct mmu_walk w = mmu_vpte_walk(&m->sp, c, false);
        C(walk_refs) += w.refs;
        if (!w.ok)
            continue;
        /* a prefaulted vpte stays pending: an access that sets A on this real PTE uses it */
        vk_set_real(m, c, p, REAL_P);
        done++;
    }
}

static enum vk_fault_outcome vpt_fault(struct vk_model *m, uint64_t vpn, enum mmu_kind kind)
{
    bool write = kind == MMU_WRITE;
    C(fault_real)++;
    struct mmu_walk w = mmu_vpte_walk(&m->sp, vpn, write);
    C(walk_refs) += w.refs;
    if (!w.ok) {
        C(fault_reflected)++;
        return reflect(m, vpn, kind);
    }
    C(fault_resolved_real)++;
    struct mmu_page *p = mmu_space_page(&m->sp, vpn);
    if (write && (p->real & REAL_P) && !(p->real & REAL_W))
        C(fault_dirty_trap)++; /* exists only to set M */
    if (p->fl & FL_PF_PENDING) {
        p->fl &= (uint8_t)~FL_PF_PENDING;
        C(prefault_used)++; /* a successful walk reached a prefaulted vpte */
    }
    if (write) {
        p->fl &= (uint8_t)~FL_M_PENDING;
        p->st |= PG_DIRTY;
    }
    uint8_t bits = REAL_P;
    if (write)
        bits |= REAL_W;
    else if (m->cfg.scheme->id == VK_SCHEME_VPT && (w.vpte & VPTE_W) && (w.vpte & VPTE_M))
        bits |= REAL_W; /* c50e690bc7 (2017): read faults on W|M vptes map writable */
    if (p->real & REAL_P)
        bits |= p->real & (REAL_A | REAL_D);
    vk_set_real(m, vpn, p, bits);
    if (m->cfg.opt.real_prefault)
        real_prefault(m, vpn);
    return VK_FO_RESOLVED;
}

/* ---- scheme ept (model.md section 5): hardware walks the vptes, the host keeps an EPT ---- */

/* The first guest touch of a vkernel-physical frame is an EPT violation the host resolves
 * alone.  Frames keep their EPT entry when the vkernel reuses them (host memory stays). */
static int ept_touch(struct vk_model *m, uint64_t frame)
{
    if (frame >= m->ept_cap) {
        uint64_t ncap = m->ept_cap ? m->ept_cap : 4096;
        while (ncap <= frame)
            ncap *= 2;
        uint8_t *n = realloc(m->ept_map, ncap);
        if (!n) {
            vk_fail(m, "out of memory");
            return -1;
        }
        memset(n + m->ept_cap, 0, ncap - m->ept_cap);
        m->ept_map = n;
        m->ept_cap = ncap;
    }
    if (!m->ept_map[frame]) {
        m->ept_map[frame] = 1;
        C(fault_real)++;
        C(fault_resolved_real)++;
        C(fault_ept_violation)++;
    }
    return 0;
}

static enum vk_fault_outcome ept_fault(struct vk_model *m, uint64_t vpn, enum mmu_kind kind)
{
    bool write = kind == MMU_WRITE;
    /* the hardware walk sets A and M like the software one; its references are TLB costs */
    struct mmu_walk w = mmu_vpte_walk(&m->sp, vpn, write);
    if (!w.ok) {
        C(fault_real)++; /* guest #PF: exits to the host, passed to the vkernel */
        C(fault_reflected)++;
        return reflect(m, vpn, kind);
    }
    struct mmu_page *p = mmu_space_page(&m->sp, vpn);
    if (p->fl & FL_PF_PENDING) {
        p->fl &= (uint8_t)~FL_PF_PENDING;
        C(prefault_used)++;
    }
    if (write) {
        p->fl &= (uint8_t)~FL_M_PENDING;
        p->st |= PG_DIRTY;
    }
    /* table pages the walk read, then the data frame */
    for (unsigned level = m->sp.levels; level > 2; level--)
        if (ept_touch(m, mmu_space_upper_get(&m->sp, level, vpn) >> MMU_PAGE_SHIFT) < 0)
            return VK_FO_ERROR;
    if (!(w.vpte & VPTE_PS) || m->sp.levels > 2) {
        struct mmu_leaf *l = mmu_space_leaf(&m->sp, vpn, false);
        if (l && (l->pde & VPTE_V) && !(l->pde & VPTE_PS) &&
            ept_touch(m, (l->pde & VPTE_FRAME) >> MMU_PAGE_SHIFT) < 0)
            return VK_FO_ERROR;
    }
    if (ept_touch(m, (w.vpte & VPTE_FRAME) >> MMU_PAGE_SHIFT) < 0)
        return VK_FO_ERROR;
    /* the translation is now usable; writes stay on the fault path until M is set */
    uint8_t bits = REAL_P;
    if (write || ((w.vpte & VPTE_W) && (w.vpte & VPTE_M)))
        bits |= REAL_W;
    if (p->real & REAL_P)
        bits |= p->real & (REAL_A | REAL_D);
    vk_set_real(m, vpn, p, bits);
    return VK_FO_RESOLVED;
}

/* ---- native schemes (model.md section 5: native and linux) ---- */

static enum vk_fault_outcome native_fault(struct vk_model *m, uint64_t vpn, enum mmu_kind kind)
{
    bool write = kind == MMU_WRITE;
    bool linux_k = m->cfg.scheme->id == VK_SCHEME_LINUX;
    C(fault_real)++;
    const struct vk_region *r = vk_region_find_vpn(m, vpn);
    if (!region_allows(r, write)) {
        C(fault_segv)++;
        return VK_FO_SEGV;
    }
    C(fault_native)++;
    struct mmu_page *p = mmu_space_page(&m->sp, vpn);
    if (!p) {
        vk_fail(m, "out of memory");
        return VK_FO_ERROR;
    }
    if (record_reflection(m, vpn) < 0)
        return VK_FO_ERROR;
    if (p->real & REAL_P)
        vk_settle(m, vpn, p); /* the present entry is replaced */
    bool rw = (r->prot & VK_PROT_W) != 0;
    uint8_t bits = REAL_P;
    if (r->kind == VK_ANON || (p->st & PG_PRIVATE)) {
        if (!(p->st & PG_PRIVATE)) {
            if (linux_k && !write) {
                p->st |= PG_ZEROPAGE; /* the shared zero page, read-only */
            } else if (zero_fill(m, vpn, p) < 0) {
                return VK_FO_ERROR;
            }
        }
        if ((p->st & PG_PRIVATE) && rw)
            bits |= REAL_W;
    } else if (write) {
        if (cow(m, r, vpn, p) < 0)
            return VK_FO_ERROR;
        bits |= REAL_W;
    } else if (!vk_cache_get(m, r, vpn)) {
        return VK_FO_ERROR;
    }
    vk_set_real(m, vpn, p, bits);
    run_policy(m, r, vpn, kind);
    return m->error[0] ? VK_FO_ERROR : VK_FO_RESOLVED;
}

enum vk_fault_outcome vk_real_fault(struct vk_model *m, uint64_t vpn, enum mmu_kind kind)
{
    if (m->finished) {
        vk_fail(m, "event after the end of the run");
        return VK_FO_ERROR;
    }
    if (m->ept)
        return ept_fault(m, vpn, kind);
    return m->vkernel ? vpt_fault(m, vpn, kind) : native_fault(m, vpn, kind);
}

/* One page access: the real PTE check (the "hardware", model.md section 4), then faults until
 * the access completes or is a segmentation fault. */
static int page_access(struct vk_model *m, uint64_t vpn, enum mmu_kind kind)
{
    bool write = kind == MMU_WRITE;
    if (vpn >= m->user_limit_vpn) {
        /* beyond user space: no region can hold it */
        C(fault_real)++;
        if (m->vkernel) {
            C(fault_reflected)++;
        }
        C(fault_segv)++;
        return VK_SEGV;
    }
    for (int tries = 0; tries < 8; tries++) {
        struct mmu_page *p = mmu_space_page(&m->sp, vpn);
        if (!p) {
            vk_fail(m, "out of memory");
            return VK_ERROR;
        }
        uint8_t r = p->real;
        if ((r & REAL_P) && (!write || (r & REAL_W))) {
            p->real = (uint8_t)(r | REAL_A | (write ? REAL_D : 0));
            if (m->tlb_on)
                mmu_tlb_access(&m->tlb, vpn, kind == MMU_FETCH, &m->c);
            return VK_OK;
        }
        switch (vk_real_fault(m, vpn, kind)) {
        case VK_FO_SEGV:
            return VK_SEGV;
        case VK_FO_ERROR:
            return VK_ERROR;
        default:
            break;
        }
    }
    vk_fail(m, "page 0x%llx: the access did not complete after 8 faults (model bug)",
            (unsigned long long)(vpn << MMU_PAGE_SHIFT));
    return VK_ERROR;
}

int vk_access(struct vk_model *m, uint64_t addr, uint64_t size, enum mmu_kind kind,
              uint64_t *fault_addr)
{
    if (m->finished) {
        vk_fail(m, "event after the end of the run");
        return VK_ERROR;
    }
    if (m->seqp == &m->own_seq)
        m->own_seq++;
    if (kind == MMU_WRITE)
        C(access_write)++;
    else if (kind == MMU_FETCH)
        C(access_fetch)++;
    else
        C(access_read)++;
    if (size == 0)
        size = 1;
    uint64_t first = addr >> MMU_PAGE_SHIFT;
    uint64_t last = (addr + size - 1) >> MMU_PAGE_SHIFT;
    if (addr + size - 1 < addr)
        last = UINT64_MAX >> MMU_PAGE_SHIFT;
    int worst = VK_OK;
    for (uint64_t vpn = first; vpn <= last; vpn++) {
        int st = page_access(m, vpn, kind);
        if (st == VK_ERROR)
            return VK_ERROR;
        if (st == VK_SEGV && worst == VK_OK) {
            worst = VK_SEGV;
            if (fault_addr)
                *fault_addr = vpn == first ? addr : vpn << MMU_PAGE_SHIFT;
        }
        if (vpn == last)
            break;
    }
    return worst;
}

/* ---- kernel accesses on behalf of system calls (model.md 6.6) ---- */

static int kernel_page_vpt(struct vk_model *m, uint64_t vpn, bool write)
{
    const struct vk_region *r = vk_region_find_vpn(m, vpn);
    struct mmu_page *p = mmu_space_page(&m->sp, vpn);
    if (!p) {
        vk_fail(m, "out of memory");
        return VK_ERROR;
    }
    m->busy_vpn = vpn;
    int rc = VK_ERROR;
    if (r->kind == VK_ANON || (p->st & PG_PRIVATE)) {
        if ((p->st & PG_SWAPPED) ? swap_in(m, vpn, p) < 0
                                 : (!(p->st & PG_PRIVATE) && zero_fill(m, vpn, p) < 0))
            goto done;
    } else if (write) {
        if (cow(m, r, vpn, p) < 0)
            goto done;
        /* a valid vpte mapping the old (cache) page is replaced with the 6 step 3 bits */
        if ((p->vpte & VPTE_V) &&
            enter_vpte(m, vpn, step3_bits(m, r, true, false), p->frame, false, false, false) < 0)
            goto done;
    } else if (!vk_cache_get(m, r, vpn)) {
        goto done;
    }
    if (write) {
        p->fl &= (uint8_t)~FL_M_PENDING;
        p->st |= PG_DIRTY;
    }
    rc = VK_OK;
done:
    m->busy_vpn = VK_NO_VPN;
    return rc;
}

int vk_kernel_access(struct vk_model *m, uint64_t addr, uint64_t size, bool write)
{
    if (m->finished) {
        vk_fail(m, "event after the end of the run");
        return VK_ERROR;
    }
    if (size == 0)
        size = 1;
    if (addr + size - 1 < addr)
        return VK_EFAULT;
    uint64_t first = addr >> MMU_PAGE_SHIFT, last = (addr + size - 1) >> MMU_PAGE_SHIFT;
    /* The system call fails with EFAULT and counts nothing when any page has no region, or
     * is written without w (or read without r: copyin of PROT_NONE memory fails too). */
    for (uint64_t vpn = first; vpn <= last; vpn++) {
        if (vpn >= m->user_limit_vpn || !region_allows(vk_region_find_vpn(m, vpn), write))
            return VK_EFAULT;
    }
    C(access_kernel)++;
    for (uint64_t vpn = first; vpn <= last; vpn++) {
        int st = m->vkernel ? kernel_page_vpt(m, vpn, write)
                            : page_access(m, vpn, write ? MMU_WRITE : MMU_READ);
        if (st != VK_OK)
            return st == VK_SEGV ? VK_EFAULT : st;
    }
    return VK_OK;
}

/* ---- region changes ---- */

/* Discards the pages of [lo, hi): removes entries (invalidating valid vptes), frees frames. */
static void discard_pages(struct vk_model *m, uint64_t lo, uint64_t hi)
{
    uint64_t vpn = lo;
    while (vpn < hi) {
        struct mmu_leaf *l = mmu_space_leaf(&m->sp, vpn, false);
        uint64_t leaf_end = ((vpn >> m->sp.level_bits) + 1) << m->sp.level_bits;
        uint64_t end = leaf_end < hi ? leaf_end : hi;
        if (!l) {
            /* x86-64 spaces are sparse: jump to the next leaf that exists */
            vpn = end;
            continue;
        }
        for (; vpn < end; vpn++) {
            struct mmu_page *p = &l->pg[vpn & (m->sp.leaf_pages - 1)];
            if (!p->vpte && !p->real && !p->st && !p->frame)
                continue;
            if (p->vpte & VPTE_V)
                vk_invalidate(m, vpn, p);
            if (p->real & REAL_P) {
                vk_settle(m, vpn, p);
                vk_set_real(m, vpn, p, 0);
            }
            if ((p->st & PG_PRIVATE) && !(p->st & PG_SWAPPED) && p->frame)
                vk_frame_free(m, p->frame);
            p->vpte = 0;
            p->frame = 0;
            p->st = 0;
            p->fl = 0;
            p->real = 0;
        }
    }
}

static bool range_ok(struct vk_model *m, uint64_t start, uint64_t end)
{
    if ((start | end) & (MMU_PAGE_SIZE - 1) || start >= end ||
        end > mmu_arch_user_limit(m->arch)) {
        vk_fail(m, "bad range [0x%llx, 0x%llx)", (unsigned long long)start,
                (unsigned long long)end);
        return false;
    }
    if (m->finished) {
        vk_fail(m, "event after the end of the run");
        return false;
    }
    return true;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* Calls fn(m, a, b, arg) for the part [a, b) of [lo, hi) in each page-table leaf that exists.
 * i386 spaces and short ranges step leaf by leaf (a lookup per leaf of the range); an x86-64
 * range that spans more leaves than exist visits the existing leaves instead (one pass over
 * the leaf table), so one record never costs more than min(leaves in the range, leaves that
 * exist) lookups, whatever its size (a protect of 2^47 bytes took 0.6 s per configuration). */
static void each_leaf_in(struct vk_model *m, uint64_t lo, uint64_t hi,
                         void (*fn)(struct vk_model *, uint64_t, uint64_t, unsigned), unsigned arg)
{
    uint64_t span = ((hi - 1) >> m->sp.level_bits) - (lo >> m->sp.level_bits) + 1;
    if (m->sp.dir || span <= 4 || span <= m->sp.leaves.cap) {
        for (uint64_t vpn = lo; vpn < hi;) {
            uint64_t leaf_end = ((vpn >> m->sp.level_bits) + 1) << m->sp.level_bits;
            uint64_t end = leaf_end < hi ? leaf_end : hi;
            if (mmu_space_leaf(&m->sp, vpn, false))
                fn(m, vpn, end, arg);
            vpn = end;
        }
        return;
    }
    /* Collected and sorted first: pages are discarded in ascending address order on both
     * paths (frames are freed in that order, which --vk-mem's CLOCK later sees). */
    uint64_t *idx = NULL;
    size_t n = 0, cap = 0;
    for (size_t i = 0; i < m->sp.leaves.cap; i++) {
        if (!m->sp.leaves.keys[i])
            continue;
        uint64_t li = m->sp.leaves.keys[i] - 1;
        if (((li + 1) << m->sp.level_bits) <= lo || (li << m->sp.level_bits) >= hi)
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            uint64_t *g = realloc(idx, cap * sizeof *g);
            if (!g) {
                free(idx);
                vk_fail(m, "out of memory");
                return;
            }
            idx = g;
        }
        idx[n++] = li;
    }
    if (n > 1)
        qsort(idx, n, sizeof *idx, cmp_u64); /* ascending addresses, as the other path */
    for (size_t i = 0; i < n; i++) {
        uint64_t a = idx[i] << m->sp.level_bits, b = a + m->sp.leaf_pages;
        fn(m, a < lo ? lo : a, b > hi ? hi : b, arg);
    }
    free(idx);
}

static void discard_leaf_part(struct vk_model *m, uint64_t lo, uint64_t hi, unsigned unused)
{
    (void)unused;
    discard_pages(m, lo, hi);
}

static void unmap_range(struct vk_model *m, uint64_t start, uint64_t end)
{
    each_leaf_in(m, start >> MMU_PAGE_SHIFT, end >> MMU_PAGE_SHIFT, discard_leaf_part, 0);
}

int vk_unmap(struct vk_model *m, uint64_t start, uint64_t end)
{
    if (!range_ok(m, start, end))
        return VK_ERROR;
    size_t i, j;
    if (vk_region_cut(m, start, end, &i, &j) < 0) {
        vk_fail(m, "out of memory");
        return VK_ERROR;
    }
    for (size_t k = i; k < j; k++)
        unmap_range(m, m->rg[k].start, m->rg[k].end);
    vk_region_remove(m, i, j);
    return m->error[0] ? VK_ERROR : VK_OK;
}

int vk_map(struct vk_model *m, uint64_t start, uint64_t end, unsigned prot,
           enum vk_region_kind kind, uint32_t file_id, uint64_t file_pgoff)
{
    if (vk_unmap(m, start, end) != VK_OK) /* MAP_FIXED: the covered part is unmapped first */
        return VK_ERROR;
    struct vk_region r = {start, end, prot & 7u, kind, file_id, file_pgoff};
    if (vk_region_insert(m, &r) < 0) {
        vk_fail(m, "out of memory");
        return VK_ERROR;
    }
    return VK_OK;
}

/* mprotect: vptes whose rights shrink are rewritten (w removed: W and M dropped) or removed
 * (r removed), one invalidation each; native schemes shrink the real PTEs the same way. */
static void protect_leaf_part(struct vk_model *m, uint64_t lo, uint64_t hi, unsigned prot)
{
    struct mmu_leaf *l = mmu_space_leaf(&m->sp, lo, false);
    for (uint64_t vpn = lo; vpn < hi; vpn++) {
        struct mmu_page *p = &l->pg[vpn & (m->sp.leaf_pages - 1)];
        if (m->vkernel) {
            if (!(p->vpte & VPTE_V))
                continue;
            if (!(prot & VK_PROT_R) && (p->vpte & (VPTE_R | VPTE_W))) {
                vk_invalidate(m, vpn, p);
            } else if (!(prot & VK_PROT_W) && (p->vpte & VPTE_W)) {
                C(vk_inval)++;
                vk_settle(m, vpn, p);
                vk_set_real(m, vpn, p, 0);
                if (p->vpte & VPTE_M)
                    p->st |= PG_DIRTY; /* M moves to the page's dirty state */
                p->vpte &= ~(VPTE_W | VPTE_M);
            }
        } else if (p->real & REAL_P) {
            if (!(prot & VK_PROT_R)) {
                vk_settle(m, vpn, p);
                vk_set_real(m, vpn, p, 0);
            } else if (!(prot & VK_PROT_W) && (p->real & REAL_W)) {
                sync_ad(m, vpn, p);
                vk_set_real(m, vpn, p, (uint8_t)(p->real & ~REAL_W));
            }
        }
    }
}

int vk_protect(struct vk_model *m, uint64_t start, uint64_t end, unsigned prot)
{
    if (!range_ok(m, start, end))
        return VK_ERROR;
    size_t i, j;
    if (vk_region_cut(m, start, end, &i, &j) < 0) {
        vk_fail(m, "out of memory");
        return VK_ERROR;
    }
    for (size_t k = i; k < j; k++) {
        unsigned old = m->rg[k].prot;
        m->rg[k].prot = prot & 7u;
        if ((old & ~prot) & (VK_PROT_R | VK_PROT_W))
            each_leaf_in(m, m->rg[k].start >> MMU_PAGE_SHIFT, m->rg[k].end >> MMU_PAGE_SHIFT,
                         protect_leaf_part, prot);
    }
    return m->error[0] ? VK_ERROR : VK_OK;
}

void vk_insns(struct vk_model *m, uint64_t n)
{
    vk_add_count(m, MMU_C_insns, n);
}

void vk_syscall(struct vk_model *m, unsigned nr)
{
    (void)nr;
    m->guest_syscalls++;
    if (m->vkernel) {
        C(vk_syscall)++;
        if (m->tlb_on && !m->ept)
            mmu_tlb_flush(&m->tlb, &m->c); /* the trip through the vkernel switches CR3 twice */
    }
}

void vk_model_set_oracle(struct vk_model *m, const struct vk_reflections *r)
{
    m->cfg.opt.oracle = r;
}

const struct vk_reflections *vk_model_reflections(const struct vk_model *m)
{
    return &m->refl;
}

void vk_snapshot(const struct vk_model *m, struct mmu_counters *out)
{
    *out = m->c;
    /* Counters only grow and every cycles.* is monotonic in them, so a point that overflows
     * means the run's end overflows too: vk_finish reports it (vk_overflow). */
    if (!m->finished)
        (void)mmu_costs_apply(&m->costs, out,
                              m->native_like ? MMU_CLASS_NATIVE
                              : m->ept       ? MMU_CLASS_EPT
                                             : MMU_CLASS_VPT,
                              m->guest_syscalls);
}

/* ---- end of run ---- */

static void finish_leaf(struct mmu_leaf *l, void *ctx)
{
    struct vk_model *m = ctx;
    for (uint64_t i = 0; i < m->sp.leaf_pages; i++) {
        struct mmu_page *p = &l->pg[i];
        if (p->fl & (FL_PF_PENDING | FL_M_PENDING))
            vk_settle(m, (l->index << m->sp.level_bits) | i, p);
    }
}

void vk_finish(struct vk_model *m)
{
    if (m->finished)
        return;
    mmu_space_each_leaf(&m->sp, finish_leaf, m);
    m->finished = true;
    const char *over = mmu_costs_apply(&m->costs, &m->c,
                                       m->native_like ? MMU_CLASS_NATIVE
                                       : m->ept       ? MMU_CLASS_EPT
                                                      : MMU_CLASS_VPT,
                                       m->guest_syscalls);
    if (over && !m->overflow)
        m->overflow = over;
    if (m->overflow)
        return; /* the counters are not reported: the identities need not hold */
#ifdef VKMMU_CHECK_IDENTITIES
    const char *bad = mmu_counters_check(&m->c, m->vkernel);
    if (bad) {
        char name[128];
        fprintf(stderr, "vkmmu: internal error: identity violated for %s: %s\n",
                vk_config_name(&m->cfg, name, sizeof name), bad);
        abort();
    }
#endif
}
