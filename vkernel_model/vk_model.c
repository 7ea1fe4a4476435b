/* vkernel_model/vk_model.c - one configuration's model: its life (creation with the scheme's
 * TLB walk, freeing), errors and counters, instructions and system calls, the oracle's
 * reflections, and the end-of-run accounting (model.md section 9).  The fault path is in
 * vk_fault.c, the page tables in vk_pmap.c, the regions in vk_regions.c. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

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

void vk_fail_input(struct vk_model *m, const char *fmt, ...)
{
    if (m->error[0])
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(m->error, sizeof m->error, fmt, ap);
    va_end(ap);
    m->input_error = true;
}

bool vk_error_is_input(const struct vk_model *m)
{
    return m->error[0] && m->input_error;
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
    return &m->vs->space;
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
    m->user_limit_vpn = mmu_arch_user_limit(arch) >> MMU_PAGE_SHIFT;
    m->busy_vpn = VK_NO_VPN;
    m->seqp = &m->own_seq;
    m->cur = m->charged = VK_NO_PROC;
    mmu_hmap_init(&m->cache);
    mmu_hmap_init(&m->moved);
    if (vk_process_first(m) < 0)
        goto fail;
    if (cfg->opt.tlb_on) {
        /* The hardware walks the real page tables (2 levels on i386, 4 on x86-64; a PWC hit
         * leaves the leaf reference), or in ept the vptes nested in a 4-level EPT. */
        unsigned n = mmu_arch_levels(arch), full = n, pwc = 1;
        if (cfg->scheme->nested_paging) {
            full = mmu_walk_refs_2d(n, 4);
            pwc = 2 * 4 + 1; /* the guest leaf through the EPT, then the data frame */
        }
        if (mmu_tlb_init(&m->tlb, &cfg->opt.tlb, full, pwc, m->vs->space.level_bits) < 0)
            goto fail;
        m->tlb_on = true;
    }
    if (cfg->policy.pol->state_size) {
        m->policy_state = calloc(1, cfg->policy.pol->state_size);
        if (!m->policy_state)
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
    for (uint32_t i = 0; i < m->nvmspaces; i++)
        vk_vmspace_free(m, m->vmspaces[i]);
    free(m->vmspaces);
    free(m->procs);
    for (uint64_t f = 1; f <= m->nframes; f++)
        free(m->frames[f].pv);
    free(m->frames);
    free(m->freelist);
    free(m->policy_state);
    free(m->ept_map);
    free(m->reflections.v);
    if (m->tlb_on)
        mmu_tlb_fini(&m->tlb);
    vk_cache_fini(m);
    mmu_hmap_fini(&m->moved);
    free(m);
}

void vk_insns(struct vk_model *m, uint64_t n)
{
    vk_add_count(m, MMU_C_insns, n);
}

void vk_syscall(struct vk_model *m, unsigned nr)
{
    (void)nr;
    if (vk_event_refused(m))
        return;
    m->guest_syscalls++;
    m->procs[m->cur].syscalls++;
    if (m->cfg.scheme->vkernel) {
        C(vk_syscall)++;
        if (m->tlb_on && !m->cfg.scheme->tagged_tlb)
            mmu_tlb_flush(&m->tlb, &m->c); /* the trip through the vkernel switches CR3 twice */
    }
}

void vk_model_set_oracle(struct vk_model *m, const struct vk_reflections *r)
{
    m->cfg.opt.oracle = r;
}

const struct vk_reflections *vk_model_reflections(const struct vk_model *m)
{
    return &m->reflections;
}

void vk_snapshot(const struct vk_model *m, struct mmu_counters *out)
{
    *out = m->c;
    /* Counters only grow and every cycles.* is monotonic in them, so a point that overflows
     * means the run's end overflows too: vk_finish reports it (vk_overflow). */
    if (!m->finished)
        (void)mmu_costs_apply(&m->costs, out, m->cfg.scheme->cost_class, m->guest_syscalls);
}

/* ---- end of run ---- */

static void finish_leaf(struct mmu_leaf *l, void *ctx)
{
    struct vk_model *m = ctx;
    for (uint64_t i = 0; i < m->vs->space.leaf_pages; i++) {
        struct mmu_page *p = &l->pg[i];
        if (p->tracking & (TRACK_PREFAULT_PENDING | TRACK_M_PENDING))
            vk_settle(m, (l->index << m->vs->space.level_bits) | i, p);
    }
}

/* The entries still pending in every vmspace are settled, as model.md sections 7 and 8 say
 * for the end of a run, and charged to the process that uses the vmspace. */
static void finish_vmspaces(struct vk_model *m)
{
    struct vk_vmspace *keep = m->vs;
    size_t charged = m->charged;
    for (size_t i = 0; i < m->nprocs; i++) {
        struct vk_proc *pr = &m->procs[i];
        if (!pr->alive || pr->vfork_parent)
            continue; /* a vfork child's entries are its parent's */
        vk_charge_counters(m);
        m->charged = i;
        m->vs = m->vmspaces[pr->vs];
        mmu_space_each_leaf(&m->vs->space, finish_leaf, m);
    }
    vk_charge_counters(m);
    m->charged = charged;
    m->vs = keep;
}

/* The cycles of each process, from its own counters. */
static void finish_processes(struct vk_model *m)
{
    for (size_t i = 0; i < m->nprocs; i++)
        (void)mmu_costs_apply(&m->costs, &m->procs[i].c, m->cfg.scheme->cost_class,
                              m->procs[i].syscalls);
}

void vk_finish(struct vk_model *m)
{
    if (m->finished)
        return;
    finish_vmspaces(m);
    m->finished = true;
    const char *over =
        mmu_costs_apply(&m->costs, &m->c, m->cfg.scheme->cost_class, m->guest_syscalls);
    if (over && !m->overflow)
        m->overflow = over;
    if (m->overflow)
        return; /* the counters are not reported: the identities need not hold */
    finish_processes(m);
#ifdef VKMMU_CHECK_IDENTITIES
    const char *bad = mmu_counters_check(&m->c, m->cfg.scheme->vkernel);
    uint64_t vmspace =
        m->cfg.scheme->vkernel ? 10 * m->vmspaces_created + m->vmspaces_destroyed : 0;
    if (!bad && MMU_CTR(&m->c, vk_vmspace) != vmspace)
        bad = "vk.vmspace != 10 x vmspaces created + vmspaces destroyed (model.md 11)";
    if (bad) {
        char name[128];
        fprintf(stderr, "vkmmu: internal error: identity violated for %s: %s\n",
                vk_config_name(&m->cfg, name, sizeof name), bad);
        abort();
    }
#endif
}

