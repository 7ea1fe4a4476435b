/* vkernel_model/vk_pmap.c - the page tables: the real PTEs (written, observed, their A/D bits
 * brought in), the vkernel's vptes (pmap_enter, pmap_enter_quick, invalidation with
 * madvise(MADV_INVAL), the tracking of an entry settled when it goes) and the range
 * operations of region changes (pmap_remove, pmap_protect).  model.md sections 4, 6, 8. */
#include <stdlib.h>
#include <string.h>

#include "vk_internal.h"

#define C(id) MMU_CTR(&m->c, id)

/* ---- real PTEs ---- */

void vk_model_set_real_pte_observer(struct vk_model *m, const struct vk_real_pte_observer *obs)
{
    if (obs) {
        m->observer = *obs;
        m->has_observer = true;
    } else {
        memset(&m->observer, 0, sizeof m->observer);
        m->has_observer = false;
    }
}

uint8_t vk_real_bits(struct vk_model *m, uint64_t vpn)
{
    struct mmu_leaf *l = mmu_space_leaf(&m->vs->space, vpn, false);
    return l ? l->pg[vpn & (m->vs->space.leaf_pages - 1)].real : 0;
}

void vk_write_real_pte(struct vk_model *m, uint64_t vpn, struct mmu_page *p, uint8_t bits)
{
    uint8_t old = p->real;
    p->real = bits;
    if (m->hit_filter && (m->hit_filter[vpn & m->hit_mask] >> 2) == vpn + 1)
        m->hit_filter[vpn & m->hit_mask] = 0;
    if (bits & REAL_P) {
        struct mmu_leaf *l = mmu_space_leaf(&m->vs->space, vpn, true);
        l->real_pt = true;
    }
    if (m->tlb_on && m->vs == m->running && (old & ~bits & (REAL_P | REAL_W)))
        mmu_tlb_invalidate(&m->tlb, vpn); /* a downgrade: invlpg */
    if (m->has_observer && m->observer.changed && ((old ^ bits) & (REAL_P | REAL_W)))
        m->observer.changed(m->observer.ctx, m->vs->id, vpn, old, bits);
}

/* Brings the hardware's A/D bits of a present real PTE into the model: the union with the
 * model's own (set by the accesses the model sees, such as kernel accesses); both start clear
 * when the PTE is written. */
static void sync_accessed_dirty(struct vk_model *m, uint64_t vpn, struct mmu_page *p)
{
    if (m->has_observer && m->observer.read_accessed_dirty && (p->real & REAL_P))
        p->real |= (uint8_t)(m->observer.read_accessed_dirty(m->observer.ctx, m->vs->id, vpn) &
                             (REAL_A | REAL_D));
}

void vk_settle(struct vk_model *m, uint64_t vpn, struct mmu_page *p)
{
    sync_accessed_dirty(m, vpn, p);
    if ((p->real & (REAL_P | REAL_D)) == (REAL_P | REAL_D)) {
        p->tracking &= (uint8_t)~TRACK_M_PENDING; /* a write reached it through the real PTE */
        p->state |= PG_DIRTY;
    }
    if (p->tracking & TRACK_PREFAULT_PENDING) {
        /* A prefaulted entry is used when an access set the A bit of the real PTE made from it
         * (native schemes; --real-prefault in vkernel schemes, whose walk is not an access);
         * otherwise a successful walk used it already (counted there). */
        if ((p->real & (REAL_P | REAL_A)) == (REAL_P | REAL_A))
            C(prefault_used)++;
        else
            C(prefault_wasted)++;
        p->tracking &= (uint8_t)~TRACK_PREFAULT_PENDING;
    }
    if (p->tracking & TRACK_M_PENDING) {
        C(vk_spurious_dirty)++;
        p->tracking &= (uint8_t)~TRACK_M_PENDING;
    }
}

void vk_invalidate(struct vk_model *m, uint64_t vpn, struct mmu_page *p)
{
    C(vk_inval)++; /* madvise(MADV_INVAL) for this page */
    vk_settle(m, vpn, p);
    vk_write_real_pte(m, vpn, p, 0);
    if (p->vpte & VPTE_M)
        p->state |= PG_DIRTY;
    if (p->tracking & TRACK_CACHE_MAP) {
        vk_pv_remove(m, (uint32_t)((p->vpte & VPTE_FRAME) >> MMU_PAGE_SHIFT), vpn);
        p->tracking &= (uint8_t)~TRACK_CACHE_MAP;
    }
    p->vpte = 0;
}

/* ---- the vkernel's page table: entering vptes ---- */

/* pmap_enter's page-table page allocation: PDE (and upper levels on x86-64) written
 * V|R|W|A|M.  Returns -1 on error. */
static int ensure_pt(struct vk_model *m, uint64_t vpn)
{
    const uint64_t dir = VPTE_V | VPTE_R | VPTE_W | VPTE_A | VPTE_M;
    for (unsigned level = m->vs->space.levels; level > 2; level--) {
        if (mmu_space_upper_get(&m->vs->space, level, vpn) & VPTE_V)
            continue;
        uint32_t f = vk_frame_alloc(m, FR_PT, 0);
        if (!f)
            return -1;
        C(vk_pt_alloc)++;
        if (mmu_space_upper_set(&m->vs->space, level, vpn, ((uint64_t)f << MMU_PAGE_SHIFT) | dir) < 0) {
            vk_fail(m, "out of memory");
            return -1;
        }
    }
    struct mmu_leaf *l = mmu_space_leaf(&m->vs->space, vpn, true);
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
    struct mmu_page *p = mmu_space_page(&m->vs->space, vpn);
    if (p->vpte & VPTE_V)
        vk_invalidate(m, vpn, p);
    else if (m->cfg.opt.inval_every_enter && !quick)
        C(vk_inval)++; /* 1.8: pmap_enter, not pmap_enter_quick, invalidated new entries */
    p->vpte = bits | ((uint64_t)frame << MMU_PAGE_SHIFT);
    if (cache_frame) { /* p->frame stays the private frame (none): the vpte names it */
        if (vk_pv_add(m, frame, vpn) < 0)
            return -1;
        p->tracking |= TRACK_CACHE_MAP;
    }
    if (prefault) {
        p->tracking |= TRACK_PREFAULT_PENDING;
        C(prefault_issued)++;
    }
    if (bits & VPTE_M)
        p->tracking |= TRACK_M_PENDING;
    return 0;
}

int vk_enter_vpte(struct vk_model *m, uint64_t vpn, uint64_t bits, uint32_t frame,
                  bool cache_frame)
{
    return enter_vpte(m, vpn, bits, frame, cache_frame, false, false);
}

int vk_enter_prefault(struct vk_model *m, uint64_t vpn, uint64_t bits, uint32_t frame,
                      bool cache_frame, bool quick)
{
    return enter_vpte(m, vpn, bits, frame, cache_frame, true, quick);
}

uint64_t vk_entry_bits(const struct vk_model *m, const struct vk_region *r, bool writable_frame,
                       bool write_fault)
{
    uint64_t bits = VPTE_V | VPTE_R | VPTE_U | VPTE_MANAGED | VPTE_A;
    if ((r->prot & VK_PROT_W) && writable_frame)
        bits |= VPTE_W;
    return bits | m->cfg.dirty->entry_m(bits, write_fault);
}

/* ---- region changes: pmap_remove and pmap_protect over a range ---- */

/* Discards the pages of [lo, hi): removes entries (invalidating valid vptes), frees frames. */
static void remove_pages(struct vk_model *m, uint64_t lo, uint64_t hi)
{
    uint64_t vpn = lo;
    while (vpn < hi) {
        struct mmu_leaf *l = mmu_space_leaf(&m->vs->space, vpn, false);
        uint64_t leaf_end = ((vpn >> m->vs->space.level_bits) + 1) << m->vs->space.level_bits;
        uint64_t end = leaf_end < hi ? leaf_end : hi;
        if (!l) {
            /* x86-64 spaces are sparse: jump to the next leaf that exists */
            vpn = end;
            continue;
        }
        for (; vpn < end; vpn++) {
            struct mmu_page *p = &l->pg[vpn & (m->vs->space.leaf_pages - 1)];
            if (!p->vpte && !p->real && !p->state && !p->frame)
                continue;
            if (p->vpte & VPTE_V)
                vk_invalidate(m, vpn, p);
            if (p->real & REAL_P) {
                vk_settle(m, vpn, p);
                vk_write_real_pte(m, vpn, p, 0);
            }
            if ((p->state & PG_PRIVATE) && p->frame)
                vk_frame_release(m, p->frame); /* an evicted unshared page has none */
            p->vpte = 0;
            p->frame = 0;
            p->state = 0;
            p->tracking = 0;
            p->real = 0;
        }
    }
}


static int compare_u64(const void *a, const void *b)
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
    uint64_t span = ((hi - 1) >> m->vs->space.level_bits) - (lo >> m->vs->space.level_bits) + 1;
    if (m->vs->space.dir || span <= 4 || span <= m->vs->space.leaves.cap) {
        for (uint64_t vpn = lo; vpn < hi;) {
            uint64_t leaf_end = ((vpn >> m->vs->space.level_bits) + 1) << m->vs->space.level_bits;
            uint64_t end = leaf_end < hi ? leaf_end : hi;
            if (mmu_space_leaf(&m->vs->space, vpn, false))
                fn(m, vpn, end, arg);
            vpn = end;
        }
        return;
    }
    /* Collected and sorted first: pages are discarded in ascending address order on both
     * paths (frames are freed in that order, which --vk-mem's CLOCK later sees). */
    uint64_t *idx = NULL;
    size_t n = 0, cap = 0;
    for (size_t i = 0; i < m->vs->space.leaves.cap; i++) {
        if (!m->vs->space.leaves.keys[i])
            continue;
        uint64_t li = m->vs->space.leaves.keys[i] - 1;
        if (((li + 1) << m->vs->space.level_bits) <= lo || (li << m->vs->space.level_bits) >= hi)
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
        qsort(idx, n, sizeof *idx, compare_u64); /* ascending addresses, as the other path */
    for (size_t i = 0; i < n; i++) {
        uint64_t a = idx[i] << m->vs->space.level_bits, b = a + m->vs->space.leaf_pages;
        fn(m, a < lo ? lo : a, b > hi ? hi : b, arg);
    }
    free(idx);
}

static void remove_leaf_part(struct vk_model *m, uint64_t lo, uint64_t hi, unsigned unused)
{
    (void)unused;
    remove_pages(m, lo, hi);
}

void vk_pmap_remove(struct vk_model *m, uint64_t lo, uint64_t hi)
{
    each_leaf_in(m, lo, hi, remove_leaf_part, 0);
}

/* A valid vpte loses W and M (M moves to the page's dirty state): one invalidation, the
 * real PTE removed. */
static void revoke_write(struct vk_model *m, uint64_t vpn, struct mmu_page *p)
{
    C(vk_inval)++;
    vk_settle(m, vpn, p);
    vk_write_real_pte(m, vpn, p, 0);
    if (p->vpte & VPTE_M)
        p->state |= PG_DIRTY;
    p->vpte &= ~(VPTE_W | VPTE_M);
}

/* mprotect: vptes whose rights shrink are rewritten (w removed: W and M dropped) or removed
 * (r removed), one invalidation each; native schemes shrink the real PTEs the same way. */
static void protect_leaf_part(struct vk_model *m, uint64_t lo, uint64_t hi, unsigned prot)
{
    struct mmu_leaf *l = mmu_space_leaf(&m->vs->space, lo, false);
    for (uint64_t vpn = lo; vpn < hi; vpn++) {
        struct mmu_page *p = &l->pg[vpn & (m->vs->space.leaf_pages - 1)];
        if (m->cfg.scheme->vkernel) {
            if (!(p->vpte & VPTE_V))
                continue;
            if (!(prot & VK_PROT_R) && (p->vpte & (VPTE_R | VPTE_W))) {
                vk_invalidate(m, vpn, p);
            } else if (!(prot & VK_PROT_W) && (p->vpte & VPTE_W)) {
                revoke_write(m, vpn, p);
            }
        } else if (p->real & REAL_P) {
            if (!(prot & VK_PROT_R)) {
                vk_settle(m, vpn, p);
                vk_write_real_pte(m, vpn, p, 0);
            } else if (!(prot & VK_PROT_W) && (p->real & REAL_W)) {
                sync_accessed_dirty(m, vpn, p);
                vk_write_real_pte(m, vpn, p, (uint8_t)(p->real & ~REAL_W));
            }
        }
    }
}

void vk_pmap_protect(struct vk_model *m, uint64_t lo, uint64_t hi, unsigned prot)
{
    each_leaf_in(m, lo, hi, protect_leaf_part, prot);
}

/* ---- fork (model.md 11.1): the parent write-protected, the child's tables made ---- */

/* The parent's side of fork in a writable region: vkernel schemes pmap_protect every valid
 * vpte with W (scheme vpt leaves one without M valid: it loses W only); native schemes
 * write-protect the real PTEs in place. */
static void fork_protect_part(struct vk_model *m, uint64_t lo, uint64_t hi, unsigned unused)
{
    (void)unused;
    struct mmu_leaf *l = mmu_space_leaf(&m->vs->space, lo, false);
    for (uint64_t vpn = lo; vpn < hi; vpn++) {
        struct mmu_page *p = &l->pg[vpn & (m->vs->space.leaf_pages - 1)];
        if (m->cfg.scheme->vkernel) {
            if ((p->vpte & (VPTE_V | VPTE_W)) != (VPTE_V | VPTE_W))
                continue;
            if (m->cfg.scheme->fork_protect_skips_clean && !(p->vpte & VPTE_M))
                p->vpte &= ~VPTE_W; /* its real PTE is read-only already (M clear) */
            else
                revoke_write(m, vpn, p);
        } else if ((p->real & (REAL_P | REAL_W)) == (REAL_P | REAL_W)) {
            sync_accessed_dirty(m, vpn, p);
            vk_write_real_pte(m, vpn, p, (uint8_t)(p->real & ~REAL_W));
        }
    }
}

void vk_pmap_fork_protect(struct vk_model *m, uint64_t lo, uint64_t hi)
{
    each_leaf_in(m, lo, hi, fork_protect_part, 0);
}

/* Whether pages [lo, hi) hold a private page (fork_has_private gathers it). */
static void find_private_part(struct vk_model *m, uint64_t lo, uint64_t hi, unsigned unused)
{
    (void)unused;
    struct mmu_leaf *l = mmu_space_leaf(&m->vs->space, lo, false);
    for (uint64_t vpn = lo; vpn < hi && !m->fork_found_private; vpn++)
        if (l->pg[vpn & (m->vs->space.leaf_pages - 1)].state & PG_PRIVATE)
            m->fork_found_private = true;
}

/* One parent page into the child (m->vs is the child's vmspace): private data shared
 * copy-on-write (an evicted page's swap slot too), the vpte copied without W, M and A
 * (pmap_copy, page-table pages allocated), and with fork_copies_ptes the real PTE, read-only. */
static int fork_copy_page(struct vk_model *m, uint64_t vpn, struct mmu_page *p, bool copy_ptes)
{
    if ((p->state & PG_PRIVATE) && !p->frame && !(p->frame = vk_frame_swap_slot(m, vpn)))
        return -1;
    if (m->cfg.scheme->vkernel && (p->vpte & VPTE_V) && ensure_pt(m, vpn) < 0)
        return -1;
    struct mmu_page *c = mmu_space_page(&m->vs->space, vpn);
    if (!c) {
        vk_fail(m, "out of memory");
        return -1;
    }
    if ((p->state & PG_PRIVATE) && p->frame) {
        c->frame = p->frame;
        m->frames[p->frame].users++;
        if (vpn != m->frames[p->frame].owner && vk_frame_note_user(m, p->frame, vpn) < 0)
            return -1; /* the parent holds it where a move took it */
        c->state = p->state & (PG_PRIVATE | PG_SWAPPED | PG_DIRTY);
    } else {
        c->state = p->state & PG_ZEROPAGE;
    }
    if (m->cfg.scheme->vkernel && (p->vpte & VPTE_V)) {
        c->vpte = p->vpte & ~(VPTE_W | VPTE_M | VPTE_A);
        if (p->tracking & TRACK_CACHE_MAP) {
            if (vk_pv_add(m, (uint32_t)((p->vpte & VPTE_FRAME) >> MMU_PAGE_SHIFT), vpn) < 0)
                return -1;
            c->tracking |= TRACK_CACHE_MAP;
        }
    }
    if (copy_ptes && (p->real & REAL_P))
        vk_write_real_pte(m, vpn, c, REAL_P);
    return 0;
}

static void fork_copy_part(struct vk_model *m, uint64_t lo, uint64_t hi, unsigned copy_ptes)
{
    struct vk_vmspace *parent = m->vs;
    struct mmu_leaf *l = mmu_space_leaf(&parent->space, lo, false);
    for (uint64_t vpn = lo; vpn < hi && !m->error[0]; vpn++) {
        struct mmu_page *p = &l->pg[vpn & (parent->space.leaf_pages - 1)];
        if (!p->vpte && !p->real && !p->state && !p->frame)
            continue;
        m->vs = m->fork_child;
        (void)fork_copy_page(m, vpn, p, copy_ptes);
        m->vs = parent;
    }
}

void vk_pmap_fork_copy(struct vk_model *m, struct vk_vmspace *child, const struct vk_region *r)
{
    uint64_t lo = r->start >> MMU_PAGE_SHIFT, hi = r->end >> MMU_PAGE_SHIFT;
    bool copy_ptes = false;
    if (m->cfg.scheme->fork_copies_ptes) {
        /* Linux copy_page_range: only regions that hold private (anonymous) pages */
        m->fork_found_private = r->kind == VK_ANON;
        if (!m->fork_found_private)
            each_leaf_in(m, lo, hi, find_private_part, 0);
        copy_ptes = m->fork_found_private;
    }
    m->fork_child = child;
    each_leaf_in(m, lo, hi, fork_copy_part, copy_ptes);
    m->fork_child = NULL;
}

/* ---- a moving mremap (docs/model-notes.md, "Moving mremap") ---- */

/* The real PTE of a page that moves away, settled as far as the hardware saw it: a write
 * through it (D) leaves the page dirty, an access (A) uses a prefaulted entry; what no access
 * reached yet stays pending on the entry, which lives on at the new page. */
static void move_settle(struct vk_model *m, uint64_t vpn, struct mmu_page *p)
{
    sync_accessed_dirty(m, vpn, p);
    if ((p->real & (REAL_P | REAL_D)) == (REAL_P | REAL_D)) {
        p->tracking &= (uint8_t)~TRACK_M_PENDING;
        p->state |= PG_DIRTY;
    }
    if ((p->tracking & TRACK_PREFAULT_PENDING) && (p->real & (REAL_P | REAL_A)) == (REAL_P | REAL_A)) {
        C(prefault_used)++;
        p->tracking &= (uint8_t)~TRACK_PREFAULT_PENDING;
    }
}

/* The vkernel side of one page: its valid vpte leaves the old page (one invalidation, the
 * real PTE removed, as munmap) and is written at the new one (the page-table page allocated
 * first; --inval-every-enter charges the write as 1.8's pmap_enter did).  The new real PTE
 * starts empty: the first touch is a real fault that finds the valid vpte. */
static int move_vpte(struct vk_model *m, uint64_t vpn, struct mmu_page *p, uint64_t to,
                     struct mmu_page *c)
{
    if (p->real & REAL_P)
        move_settle(m, vpn, p);
    if (p->real)
        vk_write_real_pte(m, vpn, p, 0);
    if (!(p->vpte & VPTE_V))
        return 0;
    C(vk_inval)++;
    if (m->cfg.opt.inval_every_enter)
        C(vk_inval)++;
    c->vpte = p->vpte;
    if (p->tracking & TRACK_CACHE_MAP) {
        uint32_t f = (uint32_t)((p->vpte & VPTE_FRAME) >> MMU_PAGE_SHIFT);
        vk_pv_remove(m, f, vpn);
        if (vk_pv_add(m, f, to) < 0)
            return -1;
    }
    return 0;
}

/* One page from vpn to to (which holds no state): Linux's move_ptes in native schemes (the
 * real PTE moves with its A and D: no fault at the new page, nothing counted), the vkernel's
 * move of its vpte in the others (move_vpte); the page's data (frame, swap slot, dirty and
 * zero-page state) and the entry's tracking go with it. */
static int move_page(struct vk_model *m, uint64_t vpn, struct mmu_page *p, uint64_t to)
{
    bool vkernel = m->cfg.scheme->vkernel;
    if (vkernel && (p->vpte & VPTE_V) && ensure_pt(m, to) < 0)
        return -1; /* (its allocation may have evicted this very page: read p after it) */
    struct mmu_page *c = mmu_space_page(&m->vs->space, to);
    if (!c) {
        vk_fail(m, "out of memory");
        return -1;
    }
    uint8_t real = 0;
    if (vkernel) {
        if (move_vpte(m, vpn, p, to, c) < 0)
            return -1;
    } else if (p->real) {
        sync_accessed_dirty(m, vpn, p);
        real = p->real;
        vk_write_real_pte(m, vpn, p, 0);
    }
    c->frame = p->frame;
    c->state = p->state;
    c->tracking = p->tracking;
    if (real)
        vk_write_real_pte(m, to, c, real);
    if ((p->state & PG_PRIVATE) && p->frame && vk_frame_note_user(m, p->frame, to) < 0)
        return -1;
    *p = (struct mmu_page){0};
    return 0;
}

static void move_part(struct vk_model *m, uint64_t lo, uint64_t hi, unsigned unused)
{
    (void)unused;
    for (uint64_t vpn = lo; vpn < hi && !m->error[0]; vpn++) {
        struct mmu_leaf *l = mmu_space_leaf(&m->vs->space, vpn, false);
        struct mmu_page *p = &l->pg[vpn & (m->vs->space.leaf_pages - 1)];
        if (!p->vpte && !p->real && !p->state && !p->frame && !p->tracking)
            continue;
        (void)move_page(m, vpn, p, vpn + m->move_delta);
    }
}

void vk_pmap_move(struct vk_model *m, uint64_t lo, uint64_t hi)
{
    each_leaf_in(m, lo, hi, move_part, 0);
}
