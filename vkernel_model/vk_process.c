/* vkernel_model/vk_process.c - several processes in one model (model.md section 11): the
 * vmspaces (map, vkernel page table, real pmap), the process table, and fork, vfork, exec,
 * exit and the switch between processes.  The page-level work of fork (pmap_protect of the
 * parent, pmap_copy into the child) is vk_pmap.c's; shared frames are vk_frames.c's. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vk_internal.h"

#define C(id) MMU_CTR(&m->c, id)

/* Real system calls the vkernel makes to create one vmspace: vmspace_create, 3 vmspace_mmap,
 * 3 MADV_NOSYNC, 3 MADV_SETMAP (dragonfly-vkernel.md section 2); one to destroy it. */
#define VMSPACE_CREATE_CALLS 10
#define VMSPACE_DESTROY_CALLS 1

/* ---- vmspaces ---- */

struct vk_vmspace *vk_vmspace_new(struct vk_model *m)
{
    if (m->nvmspaces == m->vmspaces_cap) {
        uint32_t ncap = m->vmspaces_cap ? m->vmspaces_cap * 2 : 4;
        struct vk_vmspace **n = realloc(m->vmspaces, ncap * sizeof *n);
        if (!n)
            goto oom;
        m->vmspaces = n;
        m->vmspaces_cap = ncap;
    }
    struct vk_vmspace *vs = calloc(1, sizeof *vs);
    if (!vs)
        goto oom;
    if (mmu_space_init(&vs->space, m->arch) < 0) {
        free(vs);
        goto oom;
    }
    vs->id = m->nvmspaces;
    vs->last_region = SIZE_MAX;
    m->vmspaces[m->nvmspaces++] = vs;
    return vs;
oom:
    vk_fail(m, "out of memory");
    return NULL;
}

/* Frees the page-table pages of leaf l (its PDE's frame). */
static void free_leaf_pt(struct mmu_leaf *l, void *ctx)
{
    struct vk_model *m = ctx;
    if (l->pde & VPTE_V)
        vk_frame_free(m, (uint32_t)((l->pde & VPTE_FRAME) >> MMU_PAGE_SHIFT));
}

/* Frees the upper-level page-table pages (x86-64). */
static void free_upper_pt(uint64_t key, void *val, void *ctx)
{
    (void)key;
    struct vk_model *m = ctx;
    uint64_t vpte = (uint64_t)(uintptr_t)val - 1;
    if (vpte & VPTE_V)
        vk_frame_free(m, (uint32_t)((vpte & VPTE_FRAME) >> MMU_PAGE_SHIFT));
}

void vk_vmspace_clear(struct vk_model *m, struct vk_vmspace *vs)
{
    struct vk_vmspace *old = vk_vmspace_enter(m, vs);
    vk_pmap_remove(m, 0, m->user_limit_vpn);
    if (m->cfg.scheme->vkernel) {
        mmu_space_each_leaf(&vs->space, free_leaf_pt, m);
        mmu_hmap_each(&vs->space.upper, free_upper_pt, m);
    }
    mmu_space_fini(&vs->space);
    if (mmu_space_init(&vs->space, m->arch) < 0)
        vk_fail(m, "out of memory");
    vs->nregions = 0;
    vs->last_region = SIZE_MAX;
    vk_vmspace_leave(m, old);
}

void vk_vmspace_free(struct vk_model *m, struct vk_vmspace *vs)
{
    if (!vs)
        return;
    mmu_space_fini(&vs->space);
    free(vs->regions);
    m->vmspaces[vs->id] = NULL;
    free(vs);
}

/* ---- the process table ---- */

static size_t proc_index(const struct vk_model *m, uint32_t pid)
{
    for (size_t i = 0; i < m->nprocs; i++)
        if (m->procs[i].pid == pid)
            return i;
    return VK_NO_PROC;
}

static struct vk_proc *proc_add(struct vk_model *m, uint32_t pid, uint32_t ppid, uint32_t vs)
{
    if (m->nprocs == m->procs_cap) {
        size_t ncap = m->procs_cap ? m->procs_cap * 2 : 4;
        struct vk_proc *n = realloc(m->procs, ncap * sizeof *n);
        if (!n) {
            vk_fail(m, "out of memory");
            return NULL;
        }
        m->procs = n;
        m->procs_cap = ncap;
    }
    struct vk_proc *p = &m->procs[m->nprocs++];
    memset(p, 0, sizeof *p);
    p->pid = pid;
    p->ppid = ppid;
    p->vs = vs;
    p->alive = true;
    return p;
}

int vk_process_first(struct vk_model *m)
{
    struct vk_vmspace *vs = vk_vmspace_new(m);
    if (!vs || !proc_add(m, VK_PID_FIRST, 0, vs->id))
        return -1;
    vs->users = 1;
    m->vs = m->running = vs;
    m->cur = m->charged = 0;
    return 0;
}

void vk_charge_counters(struct vk_model *m)
{
    if (m->charged == VK_NO_PROC)
        return;
    struct mmu_counters *to = &m->procs[m->charged].c;
    for (int i = 0; i < MMU_NCOUNTERS; i++) {
        to->c[i] += m->c.c[i] - m->attributed.c[i];
        m->attributed.c[i] = m->c.c[i];
    }
}

/* Sets the current process (VK_NO_PROC: none) and what it may do. */
static void set_current(struct vk_model *m, size_t i)
{
    vk_charge_counters(m);
    m->cur = i;
    if (i != VK_NO_PROC)
        m->charged = i;
    m->idle = i == VK_NO_PROC || m->procs[i].vfork_child != 0;
}

bool vk_event_refused_slow(struct vk_model *m)
{
    if (m->finished)
        vk_fail(m, "event after the end of the run");
    else if (m->cur == VK_NO_PROC)
        vk_fail_input(m, "no current process: process %u exited, and no pid record names the next",
                m->charged == VK_NO_PROC ? 0u : m->procs[m->charged].pid);
    else
        vk_fail_input(m, "process %u acts while its vfork child %u shares its vmspace (model.md 11.1)",
                m->procs[m->cur].pid, m->procs[m->cur].vfork_child);
    return true;
}

/* A process that is not current, named by a record: its index, or VK_NO_PROC with the error
 * set. */
static size_t live_proc(struct vk_model *m, uint32_t pid)
{
    size_t i = proc_index(m, pid);
    if (i == VK_NO_PROC) {
        vk_fail_input(m, "process %u does not exist", pid);
        return VK_NO_PROC;
    }
    if (!m->procs[i].alive) {
        vk_fail_input(m, "process %u has exited", pid);
        return VK_NO_PROC;
    }
    return i;
}

/* ---- the events ---- */

int vk_switch(struct vk_model *m, uint32_t pid)
{
    if (m->finished) {
        vk_fail(m, "event after the end of the run");
        return VK_ERROR;
    }
    if (m->cur != VK_NO_PROC && m->procs[m->cur].pid == pid)
        return VK_OK;
    size_t i = live_proc(m, pid);
    if (i == VK_NO_PROC)
        return VK_ERROR;
    struct vk_vmspace *vs = m->vmspaces[m->procs[i].vs];
    if (vs != m->running && m->tlb_on)
        mmu_tlb_flush(&m->tlb, &m->c); /* vmspace_ctl into another vmspace: a CR3 switch */
    m->running = m->vs = vs;
    set_current(m, i);
    return VK_OK;
}

/* The child's vmspace of a fork: the map copied, the parent's entries write-protected
 * (pmap_protect), the child's page table made from them (pmap_copy). */
static int fork_vmspace(struct vk_model *m, struct vk_proc *child)
{
    struct vk_vmspace *parent = m->vs, *vs = vk_vmspace_new(m);
    if (!vs)
        return VK_ERROR;
    vs->users = 1;
    child->vs = vs->id;
    if (vk_regions_copy(vs, parent) < 0) {
        vk_fail(m, "out of memory");
        return VK_ERROR;
    }
    for (size_t k = 0; k < parent->nregions; k++) {
        const struct vk_region *r = &parent->regions[k];
        if (r->prot & VK_PROT_W)
            vk_pmap_fork_protect(m, r->start >> MMU_PAGE_SHIFT, r->end >> MMU_PAGE_SHIFT);
    }
    if (m->cfg.scheme->vkernel) {
        vk_add_count(m, MMU_C_vk_vmspace, VMSPACE_CREATE_CALLS);
        m->vmspaces_created++;
    }
    for (size_t k = 0; k < parent->nregions && !m->error[0]; k++)
        vk_pmap_fork_copy(m, vs, &parent->regions[k]);
    return m->error[0] ? VK_ERROR : VK_OK;
}

int vk_fork(struct vk_model *m, uint32_t child, bool vfork)
{
    if (vk_event_refused(m))
        return VK_ERROR;
    if (child == 0 || proc_index(m, child) != VK_NO_PROC) {
        vk_fail_input(m, "fork: pid %u %s", child,
                      child ? "is already used" : "is not a process id");
        return VK_ERROR;
    }
    uint32_t ppid = m->procs[m->cur].pid;
    struct vk_proc *c = proc_add(m, child, ppid, m->vs->id); /* may move m->procs */
    if (!c)
        return VK_ERROR;
    struct vk_proc *parent = &m->procs[m->cur];
    if (vfork) {
        /* the child shares the vmspace; the parent waits until it execs or exits */
        c->vfork_parent = ppid;
        parent->vfork_child = child;
        m->vs->users++;
        m->idle = true;
        return VK_OK;
    }
    return fork_vmspace(m, c);
}

/* A vfork child leaves its parent's vmspace (exec or exit): the parent may run again. */
static void vfork_release(struct vk_model *m, struct vk_proc *child)
{
    size_t pi = proc_index(m, child->vfork_parent);
    if (pi != VK_NO_PROC && m->procs[pi].vfork_child == child->pid)
        m->procs[pi].vfork_child = 0;
    m->vmspaces[child->vs]->users--;
    child->vfork_parent = 0;
}

int vk_exec(struct vk_model *m)
{
    if (vk_event_refused(m))
        return VK_ERROR;
    struct vk_proc *p = &m->procs[m->cur];
    struct vk_vmspace *vs = m->vmspaces[p->vs];
    if (vs->users == 1) {
        vk_vmspace_clear(m, vs); /* exec_new_vmspace reuses an unshared vmspace */
        return m->error[0] ? VK_ERROR : VK_OK;
    }
    /* a vfork child: a vmspace of its own, the shared one left as it is */
    struct vk_vmspace *nvs = vk_vmspace_new(m);
    if (!nvs)
        return VK_ERROR;
    p = &m->procs[m->cur];
    vfork_release(m, p);
    nvs->users = 1;
    p->vs = nvs->id;
    if (m->cfg.scheme->vkernel) {
        vk_add_count(m, MMU_C_vk_vmspace, VMSPACE_CREATE_CALLS);
        m->vmspaces_created++;
    }
    if (m->tlb_on)
        mmu_tlb_flush(&m->tlb, &m->c); /* the child now runs on another page table */
    m->vs = m->running = nvs;
    return VK_OK;
}

/* The vmspace of the last process using it is emptied as exec's is, then destroyed; its
 * (empty) structure stays until the model is freed, as the TLB's last vmspace. */
int vk_exit(struct vk_model *m)
{
    if (vk_event_refused(m))
        return VK_ERROR;
    struct vk_proc *p = &m->procs[m->cur];
    p->alive = false;
    if (p->vfork_parent) {
        vfork_release(m, p); /* its parent's vmspace: nothing removed */
    } else {
        struct vk_vmspace *vs = m->vmspaces[p->vs];
        vk_vmspace_clear(m, vs);
        vs->users = 0;
        if (m->cfg.scheme->vkernel) {
            vk_add_count(m, MMU_C_vk_vmspace, VMSPACE_DESTROY_CALLS);
            m->vmspaces_destroyed++;
        }
    }
    set_current(m, VK_NO_PROC);
    return m->error[0] ? VK_ERROR : VK_OK;
}

uint32_t vk_current_pid(const struct vk_model *m)
{
    return m->cur == VK_NO_PROC ? 0 : m->procs[m->cur].pid;
}

uint32_t vk_process_vmspace(const struct vk_model *m, uint32_t pid)
{
    size_t i = proc_index(m, pid);
    return i == VK_NO_PROC || !m->procs[i].alive ? UINT32_MAX : m->procs[i].vs;
}

const struct mmu_counters *vk_process_counters(const struct vk_model *m, uint32_t pid)
{
    size_t i = proc_index(m, pid);
    return i == VK_NO_PROC ? NULL : &m->procs[i].c;
}
