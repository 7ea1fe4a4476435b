/* vkernel_model/vk_prefault.c - the candidate step shared by every prefault policy
 * (model.md section 7), for the vkernel (vptes) and for the real kernel in native schemes
 * (real PTEs), and the policy registry that parses --policy and drives `vkmmu list`. */
#include <stdlib.h>
#include <string.h>

#include "vk_internal.h"

#define C(id) MMU_CTR(&m->c, id)

/* Makes a candidate page resident when the flags allow; returns false when it is not. */
static bool pf_resident(struct vk_model *m, const struct vk_region *r, uint64_t vpn,
                        struct mmu_page *p, unsigned flags, uint32_t *frame, bool *cache)
{
    *cache = false;
    if (r->kind == VK_ANON || (p->st & PG_PRIVATE)) {
        if (p->st & PG_SWAPPED)
            return false; /* evicted: prefault does no I/O */
        if (!(p->st & PG_PRIVATE)) {
            bool zf = (flags & VK_PFF_ZERO_FILL) ||
                      ((flags & VK_PFF_ZERO_FILL_W) && (r->prot & VK_PROT_W));
            if (!zf || r->kind != VK_ANON)
                return false;
            uint32_t f = vk_frame_alloc(m, FR_PRIVATE, vpn);
            if (!f)
                return false;
            C(page_zero_fill)++;
            p->frame = f;
            p->st = (uint8_t)((p->st & ~PG_ZEROPAGE) | PG_PRIVATE);
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

static enum vk_pf_res pf_try_abs(struct vk_model *m, uint64_t vpn, const struct vk_region *r,
                                 unsigned flags);

enum vk_pf_res vk_pf_try(struct vk_pf *pf, int64_t off, unsigned flags)
{
    if ((off < 0 && (uint64_t)-off > pf->vpn - pf->lo) ||
        (off > 0 && pf->vpn + (uint64_t)off >= pf->hi) || off == 0)
        return VK_PF_OUTSIDE;
    return pf_try_abs(pf->m, pf->vpn + (uint64_t)off, pf->r, flags);
}

enum vk_pf_res vk_pf_try_page(struct vk_model *m, uint64_t vpn, unsigned flags)
{
    const struct vk_region *r = vk_region_find_vpn(m, vpn);
    if (!r || !(r->prot & VK_PROT_R))
        return VK_PF_OUTSIDE;
    return pf_try_abs(m, vpn, r, flags);
}

static enum vk_pf_res pf_try_abs(struct vk_model *m, uint64_t vpn, const struct vk_region *r,
                                 unsigned flags)
{
    struct mmu_leaf *l = mmu_space_leaf(&m->sp, vpn, true);
    if (!l) {
        vk_fail(m, "out of memory");
        return VK_PF_ERROR;
    }
    struct mmu_page *p = &l->pg[vpn & (m->sp.leaf_pages - 1)];
    bool dfly = flags & VK_PFF_DFLY;
    uint32_t frame = 0;
    bool cache = false;

    if (m->native_like) {
        if (dfly && !l->real_pt)
            return VK_PF_NO_PT;
        if (p->real & REAL_P)
            return dfly ? VK_PF_NONZERO : VK_PF_VALID;
        if (!pf_resident(m, r, vpn, p, flags, &frame, &cache))
            return m->error[0] ? VK_PF_ERROR : VK_PF_NOT_RESIDENT;
        uint8_t bits = REAL_P;
        if (!dfly && !(flags & VK_PFF_READONLY) && !cache && (r->prot & VK_PROT_W))
            bits |= REAL_W;
        vk_set_real(m, vpn, p, bits);
        p->fl |= FL_PF_PENDING;
        C(prefault_issued)++;
        return VK_PF_ENTERED;
    }

    if (dfly) {
        bool pt = l->pde & VPTE_V;
        for (unsigned level = m->sp.levels; pt && level > 2; level--)
            pt = mmu_space_upper_get(&m->sp, level, vpn) & VPTE_V;
        if (!pt)
            return VK_PF_NO_PT;
        if (p->vpte)
            return VK_PF_NONZERO;
    } else if (p->vpte & VPTE_V) {
        return VK_PF_VALID;
    }
    if (!pf_resident(m, r, vpn, p, flags, &frame, &cache))
        return m->error[0] ? VK_PF_ERROR : VK_PF_NOT_RESIDENT;
    uint64_t bits;
    if (dfly) {
        /* pmap_enter_quick: pa|V|U|MANAGED, no A, no M, never W; R only since the 2010
         * prefault rework (scheme vpt) */
        bits = VPTE_V | VPTE_U | VPTE_MANAGED;
        if (m->cfg.scheme->id != VK_SCHEME_VPT110)
            bits |= VPTE_R; /* vpt and ept: readable since 2010 (VPTE_R gone in 2013) */
    } else {
        bits = VPTE_V | VPTE_R | VPTE_U | VPTE_MANAGED | VPTE_A;
        if ((r->prot & VK_PROT_W) && !cache && !(flags & VK_PFF_READONLY))
            bits |= VPTE_W;
        if (m->cfg.dirty->id == VK_DIRTY_EAGER && (bits & VPTE_W))
            bits |= VPTE_M; /* eager: prefaulted writable private pages too; hint: never */
    }
    if (vk_enter_prefault(m, vpn, bits, frame, cache, dfly) < 0)
        return VK_PF_ERROR;
    return VK_PF_ENTERED;
}

/* Linux fault-around (do_fault_around): an aligned 16-page window (fault_around_bytes =
 * 64 KiB) around the fault, clipped to the region; read faults on file regions only; resident
 * pages are mapped read-only, others skipped. */
void vk_fault_around(struct vk_pf *pf)
{
    if (pf->kind == MMU_WRITE || pf->r->kind != VK_FILE)
        return;
    uint64_t base = pf->vpn & ~15ull;
    for (uint64_t v = base; v < base + 16; v++) {
        if (v == pf->vpn || v < pf->lo || v >= pf->hi)
            continue;
        if (vk_pf_try(pf, (int64_t)(v - pf->vpn), VK_PFF_READONLY) == VK_PF_ERROR)
            return;
    }
}

/* ---- registry ---- */
extern const struct vk_policy vk_policy_none, vk_policy_dfly, vk_policy_dfly2010,
    vk_policy_linux_fa, vk_policy_window, vk_policy_seq, vk_policy_ptpage, vk_policy_oracle;

const struct vk_policy *const vk_policies[] = {
    &vk_policy_none, &vk_policy_dfly, &vk_policy_dfly2010, &vk_policy_linux_fa,
    &vk_policy_window, &vk_policy_seq, &vk_policy_ptpage, &vk_policy_oracle, NULL,
};

int vk_policy_parse(const char *text, struct vk_policy_spec *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    const char *colon = strchr(text, ':');
    size_t nlen = colon ? (size_t)(colon - text) : strlen(text);
    for (int i = 0; vk_policies[i]; i++) {
        const struct vk_policy *p = vk_policies[i];
        if (strlen(p->name) != nlen || strncmp(p->name, text, nlen) != 0)
            continue;
        out->pol = p;
        if (!p->parse) {
            if (colon) {
                snprintf(err, errlen, "policy '%s' takes no arguments (usage: %s)", p->name,
                         p->usage);
                return -1;
            }
        } else if (p->parse(colon ? colon + 1 : NULL, out, err, errlen) < 0) {
            return -1;
        }
        if (!out->text[0])
            snprintf(out->text, sizeof out->text, "%s", p->name);
        return 0;
    }
    snprintf(err, errlen, "unknown policy '%s' (see 'vkmmu list')", text);
    return -1;
}
