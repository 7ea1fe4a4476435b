/* vkernel_model/vk_fault.c - the fault path: a user access checked against the real PTE (the
 * "hardware", model.md section 4), the real kernel's fault handler of each scheme (section 5:
 * vpt-1.10 and vpt walk the vptes in software, ept in hardware through an EPT, native and
 * linux resolve the fault themselves), the reflection to the vkernel and its fault handling
 * (section 6), the prefault that follows (section 7), and kernel accesses on behalf of system
 * calls (6.6).  The schemes' table entries (vk_tables.c) name the functions of this file. */
#include <stdlib.h>
#include <string.h>

#include "vk_internal.h"

#define C(id) MMU_CTR(&m->c, id)

/* ---- page work (model.md 6 step 2; the real kernel's in native schemes) ---- */

int vk_page_zero_fill(struct vk_model *m, uint64_t vpn, struct mmu_page *p)
{
    uint32_t f = vk_frame_alloc(m, FR_PRIVATE, vpn);
    if (!f)
        return -1;
    C(page_zero_fill)++;
    p->frame = f;
    p->state = (uint8_t)((p->state & ~PG_ZEROPAGE) | PG_PRIVATE);
    return 0;
}

/* Pages an evicted private page back in (page.swap_in). */
static int swap_in(struct vk_model *m, uint64_t vpn, struct mmu_page *p)
{
    if (p->frame) {
        /* a page shared since fork: its frame is the shared swap slot, which another user
         * may have paged in already */
        if (m->frames[p->frame].kind == FR_SWAPPED &&
            vk_frame_swap_in_shared(m, p->frame) < 0)
            return -1;
        p->state &= (uint8_t)~PG_SWAPPED;
        return 0;
    }
    uint32_t f = vk_frame_alloc(m, FR_PRIVATE, vpn);
    if (!f)
        return -1;
    C(page_swap_in)++;
    p->frame = f;
    p->state &= (uint8_t)~PG_SWAPPED;
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
    p->state |= PG_PRIVATE;
    return 0;
}

/* A write to a private page that several processes share since fork (model.md 11.1): a copy
 * into a new frame of the writer's own (page.cow), or, when the writer is by then its only
 * user, the frame taken over as it is. */
static int unshare(struct vk_model *m, uint64_t vpn, struct mmu_page *p)
{
    uint32_t old = p->frame;
    if (!vk_frame_shared(m, old))
        return 0;
    m->pin_frame = old;
    uint32_t f = vk_frame_alloc(m, FR_PRIVATE, vpn);
    m->pin_frame = 0;
    if (!f)
        return -1;
    C(page_cow)++;
    vk_frame_release(m, old);
    p->frame = f;
    return 0;
}

/* Makes the page's data available.  *frame: the frame to map; *cache: it is a page-cache
 * frame (not private).  A write makes file pages private and shared pages the writer's own. */
static int get_page(struct vk_model *m, const struct vk_region *r, uint64_t vpn,
                    struct mmu_page *p, bool write, uint32_t *frame, bool *cache)
{
    *cache = false;
    if (r->kind == VK_ANON || (p->state & PG_PRIVATE)) {
        if (p->state & PG_SWAPPED) {
            if (swap_in(m, vpn, p) < 0)
                return -1;
        } else if (!(p->state & PG_PRIVATE)) {
            if (vk_page_zero_fill(m, vpn, p) < 0)
                return -1;
        }
        if (write && unshare(m, vpn, p) < 0)
            return -1;
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

/* ---- after a resolved fault or a reflection: the prefault (model.md section 7) ---- */

/* The scheme's built-in prefault (linux: fault-around), then the policy's. */
static void run_policy(struct vk_model *m, const struct vk_region *r, uint64_t vpn,
                       enum mmu_kind kind)
{
    struct vk_prefault pf = {
        .m = m,
        .vpn = vpn,
        .kind = kind,
        .r = r,
        .lo = r->start >> MMU_PAGE_SHIFT,
        .hi = r->end >> MMU_PAGE_SHIFT,
        .state = m->policy_state,
        .spec = &m->cfg.policy,
    };
    if (m->cfg.scheme->builtin_prefault)
        m->cfg.scheme->builtin_prefault(&pf); /* --policy adds its own after it */
    m->cfg.policy.pol->run(&pf);
}

/* opt.record_reflections: appends (access record, page) for oracle:N.  In native schemes the
 * faults the kernel resolves play the part of reflections. */
static int record_reflection(struct vk_model *m, uint64_t vpn)
{
    if (!m->cfg.opt.record_reflections)
        return 0;
    if (m->reflections.n == m->reflections.cap) {
        size_t ncap = m->reflections.cap ? m->reflections.cap * 2 : 1024;
        struct vk_reflection *n = realloc(m->reflections.v, ncap * sizeof *n);
        if (!n) {
            vk_fail(m, "out of memory");
            return -1;
        }
        m->reflections.v = n;
        m->reflections.cap = ncap;
    }
    m->reflections.v[m->reflections.n++] = (struct vk_reflection){*m->seqp, vpn};
    return 0;
}

/* ---- vkernel schemes: the reflection (model.md section 6) ---- */

/* The vkernel's handling of a reflected fault: the page's data made available (6 step 2),
 * the vpte entered (step 3), the policy's prefault, and the trip back to the guest. */
static enum vk_fault_outcome reflect(struct vk_model *m, uint64_t vpn, enum mmu_kind kind)
{
    bool write = kind == MMU_WRITE;
    const struct vk_region *r = vk_region_find_vpn(m, vpn);
    if (!vk_region_allows(r, write)) {
        C(fault_segv)++;
        return VK_FO_SEGV;
    }
    struct mmu_page *p = mmu_space_page(&m->vs->space, vpn);
    if (!p) {
        vk_fail(m, "out of memory");
        return VK_FO_ERROR;
    }
    m->busy_vpn = vpn;
    m->busy_vs = m->vs;
    uint32_t frame;
    bool cache;
    enum vk_fault_outcome out = VK_FO_ERROR;
    if (record_reflection(m, vpn) < 0)
        goto done;
    if (get_page(m, r, vpn, p, write, &frame, &cache) < 0)
        goto done;
    /* a page still shared is entered without W, so that a write reaches the vkernel */
    uint64_t bits = vk_entry_bits(m, r, !cache && !vk_frame_shared(m, frame), write);
    if (vk_enter_vpte(m, vpn, bits, frame, cache) < 0)
        goto done;
    run_policy(m, r, vpn, kind);
    /* vmspace_ctl(RUN) switches CR3 back to the guest: a full TLB flush on i386 (ept: VPID) */
    if (m->tlb_on && !m->cfg.scheme->tagged_tlb)
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
        int64_t off = vk_prefault_sym_offset(k);
        if ((off < 0 && (uint64_t)-off > vpn - lo) || (off > 0 && vpn + (uint64_t)off >= hi))
            continue;
        uint64_t c = vpn + (uint64_t)off;
        struct mmu_leaf *l = mmu_space_leaf(&m->vs->space, c, false);
        struct mmu_page *p = l ? &l->pg[c & (m->vs->space.leaf_pages - 1)] : NULL;
        if (!p || (p->real & REAL_P) || (p->vpte & (VPTE_V | VPTE_R)) != (VPTE_V | VPTE_R))
            continue;
        struct mmu_walk w = mmu_vpte_walk(&m->vs->space, c, false);
        C(walk_refs) += w.refs;
        if (!w.ok)
            continue;
        /* a prefaulted vpte stays pending: an access that sets A on this real PTE uses it */
        vk_write_real_pte(m, c, p, REAL_P);
        done++;
    }
}

/* vpt-1.10 and vpt: vm_fault_vpagetable walks the vptes; a failed walk is reflected, a
 * successful one maps the page (read-only on a read fault, unless the scheme maps W|M vptes
 * writable); a write through a read-only real PTE is a dirty-bit trap. */
enum vk_fault_outcome vk_vpt_fault(struct vk_model *m, uint64_t vpn, enum mmu_kind kind)
{
    bool write = kind == MMU_WRITE;
    C(fault_real)++;
    struct mmu_walk w = mmu_vpte_walk(&m->vs->space, vpn, write);
    C(walk_refs) += w.refs;
    if (!w.ok) {
        C(fault_reflected)++;
        return reflect(m, vpn, kind);
    }
    C(fault_resolved_real)++;
    struct mmu_page *p = mmu_space_page(&m->vs->space, vpn);
    if (write && (p->real & REAL_P) && !(p->real & REAL_W))
        C(fault_dirty_trap)++; /* exists only to set M */
    if (p->tracking & TRACK_PREFAULT_PENDING) {
        p->tracking &= (uint8_t)~TRACK_PREFAULT_PENDING;
        C(prefault_used)++; /* a successful walk reached a prefaulted vpte */
    }
    if (write) {
        p->tracking &= (uint8_t)~TRACK_M_PENDING;
        p->state |= PG_DIRTY;
    }
    uint8_t bits = REAL_P;
    if (write)
        bits |= REAL_W;
    else if (m->cfg.scheme->read_fault_maps_wm_writable && (w.vpte & VPTE_W) && (w.vpte & VPTE_M))
        bits |= REAL_W; /* c50e690bc7 (2017): read faults on W|M vptes map writable */
    if (p->real & REAL_P)
        bits |= p->real & (REAL_A | REAL_D);
    vk_write_real_pte(m, vpn, p, bits);
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

/* ept: the hardware walk fails (a guest #PF, reflected) or reaches a vpte whose table pages
 * and frame the host maps on first touch (EPT violations). */
enum vk_fault_outcome vk_ept_fault(struct vk_model *m, uint64_t vpn, enum mmu_kind kind)
{
    bool write = kind == MMU_WRITE;
    /* the hardware walk sets A and M like the software one; its references are TLB costs */
    struct mmu_walk w = mmu_vpte_walk(&m->vs->space, vpn, write);
    if (!w.ok) {
        C(fault_real)++; /* guest #PF: exits to the host, passed to the vkernel */
        C(fault_reflected)++;
        return reflect(m, vpn, kind);
    }
    struct mmu_page *p = mmu_space_page(&m->vs->space, vpn);
    if (p->tracking & TRACK_PREFAULT_PENDING) {
        p->tracking &= (uint8_t)~TRACK_PREFAULT_PENDING;
        C(prefault_used)++;
    }
    if (write) {
        p->tracking &= (uint8_t)~TRACK_M_PENDING;
        p->state |= PG_DIRTY;
    }
    /* table pages the walk read, then the data frame */
    for (unsigned level = m->vs->space.levels; level > 2; level--)
        if (ept_touch(m, mmu_space_upper_get(&m->vs->space, level, vpn) >> MMU_PAGE_SHIFT) < 0)
            return VK_FO_ERROR;
    if (!(w.vpte & VPTE_PS) || m->vs->space.levels > 2) {
        struct mmu_leaf *l = mmu_space_leaf(&m->vs->space, vpn, false);
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
    vk_write_real_pte(m, vpn, p, bits);
    return VK_FO_RESOLVED;
}

/* ---- native schemes (model.md section 5: native and linux) ---- */

/* native and linux: the kernel resolves every fault in its region itself, then prefaults. */
enum vk_fault_outcome vk_native_fault(struct vk_model *m, uint64_t vpn, enum mmu_kind kind)
{
    bool write = kind == MMU_WRITE;
    C(fault_real)++;
    const struct vk_region *r = vk_region_find_vpn(m, vpn);
    if (!vk_region_allows(r, write)) {
        C(fault_segv)++;
        return VK_FO_SEGV;
    }
    C(fault_native)++;
    struct mmu_page *p = mmu_space_page(&m->vs->space, vpn);
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
    if (r->kind == VK_ANON || (p->state & PG_PRIVATE)) {
        if (!(p->state & PG_PRIVATE)) {
            if (m->cfg.scheme->zero_page_on_read && !m->cfg.opt.no_zero_page && !write) {
                p->state |= PG_ZEROPAGE; /* the shared zero page, read-only */
            } else if (vk_page_zero_fill(m, vpn, p) < 0) {
                return VK_FO_ERROR;
            }
        } else if (write && unshare(m, vpn, p) < 0) {
            return VK_FO_ERROR;
        }
        if ((p->state & PG_PRIVATE) && rw && !vk_frame_shared(m, p->frame))
            bits |= REAL_W;
    } else if (write) {
        if (cow(m, r, vpn, p) < 0)
            return VK_FO_ERROR;
        bits |= REAL_W;
    } else if (!vk_cache_get(m, r, vpn)) {
        return VK_FO_ERROR;
    }
    vk_write_real_pte(m, vpn, p, bits);
    run_policy(m, r, vpn, kind);
    return m->error[0] ? VK_FO_ERROR : VK_FO_RESOLVED;
}

enum vk_fault_outcome vk_real_fault(struct vk_model *m, uint64_t vpn, enum mmu_kind kind)
{
    if (vk_event_refused(m))
        return VK_FO_ERROR;
    return m->cfg.scheme->real_fault(m, vpn, kind);
}

/* One page access: the real PTE check (the "hardware", model.md section 4), then faults until
 * the access completes or is a segmentation fault. */
static int page_access(struct vk_model *m, uint64_t vpn, enum mmu_kind kind)
{
    bool write = kind == MMU_WRITE;
    if (vpn >= m->user_limit_vpn) {
        /* beyond user space: no region can hold it */
        C(fault_real)++;
        if (m->cfg.scheme->vkernel)
            C(fault_reflected)++;
        C(fault_segv)++;
        return VK_SEGV;
    }
    for (int tries = 0; tries < 8; tries++) {
        struct mmu_page *p = mmu_space_page(&m->vs->space, vpn);
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
    if (vk_event_refused(m))
        return VK_ERROR;
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

/* vkernel schemes: the vkernel's copyin/copyout touches the page through its own mapping: the
 * page's data is made available (a write makes a file page private and re-enters a valid
 * vpte that mapped the cached page) and a write dirties it; no real fault, no vpte A/M. */
int vk_kernel_page_vkernel(struct vk_model *m, uint64_t vpn, bool write)
{
    const struct vk_region *r = vk_region_find_vpn(m, vpn);
    struct mmu_page *p = mmu_space_page(&m->vs->space, vpn);
    if (!p) {
        vk_fail(m, "out of memory");
        return VK_ERROR;
    }
    m->busy_vpn = vpn;
    m->busy_vs = m->vs;
    int rc = VK_ERROR;
    if (r->kind == VK_ANON || (p->state & PG_PRIVATE)) {
        if (p->state & PG_SWAPPED) {
            if (swap_in(m, vpn, p) < 0)
                goto done;
        } else if (!(p->state & PG_PRIVATE) && vk_page_zero_fill(m, vpn, p) < 0) {
            goto done;
        }
        uint32_t old = p->frame;
        if (write && unshare(m, vpn, p) < 0)
            goto done;
        /* a copy replaces a valid vpte of the shared page with the 6 step 3 bits */
        if (p->frame != old && (p->vpte & VPTE_V) &&
            vk_enter_vpte(m, vpn, vk_entry_bits(m, r, true, false), p->frame, false) < 0)
            goto done;
    } else if (write) {
        if (cow(m, r, vpn, p) < 0)
            goto done;
        /* a valid vpte mapping the old (cache) page is replaced with the 6 step 3 bits */
        if ((p->vpte & VPTE_V) &&
            vk_enter_vpte(m, vpn, vk_entry_bits(m, r, true, false), p->frame, false) < 0)
            goto done;
    } else if (!vk_cache_get(m, r, vpn)) {
        goto done;
    }
    if (write) {
        p->tracking &= (uint8_t)~TRACK_M_PENDING;
        p->state |= PG_DIRTY;
    }
    rc = VK_OK;
done:
    m->busy_vpn = VK_NO_VPN;
    return rc;
}

/* native schemes: the kernel's access goes through the real PTEs like a user access. */
int vk_kernel_page_native(struct vk_model *m, uint64_t vpn, bool write)
{
    return page_access(m, vpn, write ? MMU_WRITE : MMU_READ);
}

int vk_kernel_access(struct vk_model *m, uint64_t addr, uint64_t size, bool write)
{
    if (vk_event_refused(m))
        return VK_ERROR;
    if (size == 0)
        size = 1;
    if (addr + size - 1 < addr)
        return VK_EFAULT;
    uint64_t first = addr >> MMU_PAGE_SHIFT, last = (addr + size - 1) >> MMU_PAGE_SHIFT;
    /* The system call fails with EFAULT and counts nothing when any page has no region, or
     * is written without w (or read without r: copyin of PROT_NONE memory fails too). */
    for (uint64_t vpn = first; vpn <= last; vpn++) {
        if (vpn >= m->user_limit_vpn || !vk_region_allows(vk_region_find_vpn(m, vpn), write))
            return VK_EFAULT;
    }
    C(access_kernel)++;
    for (uint64_t vpn = first; vpn <= last; vpn++) {
        int st = m->cfg.scheme->kernel_page(m, vpn, write);
        if (st != VK_OK)
            return st == VK_SEGV ? VK_EFAULT : st;
    }
    return VK_OK;
}
