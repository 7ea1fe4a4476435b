/* vkernel_model/include/vk.h - the virtual kernel: regions, frames, the page cache,
 * reflected-fault handling, invalidations, prefault policies and dirty strategies (model.md
 * sections 1, 2, 6, 7, 8), plus the real kernel's fault handler per scheme (section 5).
 * Builds on mmu/.
 *
 * One struct vk_model is one configuration (scheme x policy x dirty strategy x options) over
 * one address space.  A struct vk_set fans every event out to several models. */
#ifndef VKMMU_VK_H
#define VKMMU_VK_H

#include "mmu.h"

struct vk_model;
struct vk_prefault;

/* What one real fault came to (vk_real_fault). */
enum vk_fault_outcome { VK_FO_RESOLVED, VK_FO_REFLECTED, VK_FO_SEGV, VK_FO_ERROR };

/* ---- schemes (model.md section 5): one table entry each, registry in vk_tables.c ----
 * The functions an entry names live in vk_fault.c; the flags say where schemes differ. */
struct vk_scheme {
    const char *name;
    const char *desc;
    bool vkernel; /* a vkernel is present: reflections, vk.* counters, --vk-mem, vptes */
    enum mmu_cost_class cost_class; /* how its events are charged (mmu_costs_apply) */
    /* The real kernel's handler of one real fault at page vpn. */
    enum vk_fault_outcome (*real_fault)(struct vk_model *m, uint64_t vpn, enum mmu_kind kind);
    /* A kernel access to one page on behalf of a system call (model.md 6.6), whose region
     * allows it: VK_OK, VK_SEGV or VK_ERROR. */
    int (*kernel_page)(struct vk_model *m, uint64_t vpn, bool write);
    /* A prefault the kernel does itself after every resolved fault, before the policy's
     * (linux: fault-around), or NULL. */
    void (*builtin_prefault)(struct vk_prefault *pf);
    bool read_fault_maps_wm_writable; /* a read fault on a W|M vpte maps writable (2017) */
    bool quick_entry_readable;        /* pmap_enter_quick enters R (the 2010 prefault rework) */
    bool nested_paging;  /* the hardware walks the vptes through a 4-level EPT (TLB refs) */
    bool tagged_tlb;     /* trips to the vkernel keep the TLB (VPID): no flush on CR3 switch */
    bool zero_page_on_read; /* a read fault on a new anonymous page maps the shared zero page */
    /* fork's pmap_protect leaves a vpte without M valid (only W goes): no invalidation, the
     * real PTE stays (b443039b5d, 2017; model.md 11.1) */
    bool fork_protect_skips_clean;
    /* fork copies the parent's PTEs of regions holding private pages, write-protected, into
     * the child's page table (Linux copy_page_range; native: the child's starts empty) */
    bool fork_copies_ptes;
};
extern const struct vk_scheme *const vk_schemes[]; /* NULL-terminated */
const struct vk_scheme *vk_scheme_find(const char *name);

/* ---- dirty-bit strategies (model.md section 8): one table entry each, in vk_tables.c ---- */
struct vk_dirty {
    const char *name;
    const char *desc;
    /* The M bit (VPTE_M or 0) the vkernel adds to a vpte it enters with the given bits: for a
     * reflected fault (write_fault: the fault was a write) or a prefault (write_fault false). */
    uint64_t (*entry_m)(uint64_t bits, bool write_fault);
};
extern const struct vk_dirty *const vk_dirties[]; /* NULL-terminated */
const struct vk_dirty *vk_dirty_find(const char *name);

/* ---- prefault policies (model.md section 7): one file each (prefault_*.c), one line each in
 * the registry of vk_policies.c ---- */
struct vk_policy_spec;
struct vk_policy {
    const char *name;  /* "window" */
    const char *usage; /* "window:N[:fwd|sym|aligned]" */
    const char *desc;  /* one line */
    /* Parses the text after "name:" (NULL when there is none); 0 or -1 with err filled. */
    int (*parse)(const char *args, struct vk_policy_spec *out, char *err, size_t errlen);
    /* Runs after a reflection (vkernel schemes) or a resolved fault (native schemes). */
    void (*run)(struct vk_prefault *pf);
    size_t state_size; /* per-model state, zeroed at start */
    /* The policy reads the reflections of policy none (vk_options.oracle): the caller runs a
     * first pass of the same scheme and dirty strategy with policy none recording them. */
    bool needs_first_pass;
};
extern const struct vk_policy *const vk_policies[]; /* NULL-terminated */

enum vk_window_mode { VK_WIN_FWD, VK_WIN_SYM, VK_WIN_ALIGNED };
struct vk_policy_spec {
    const struct vk_policy *pol;
    unsigned n;                 /* window size (window:N) */
    enum vk_window_mode mode;   /* window mode */
    char text[48];              /* canonical name, e.g. "window:16:sym" */
};
/* Parses "dfly", "window:16:sym", ...; 0 or -1 with a message naming the bad part. */
int vk_policy_parse(const char *text, struct vk_policy_spec *out, char *err, size_t errlen);
/* true when the policy of spec needs a first pass of policy none recording its reflections
 * (opt.record_reflections), handed to it with vk_model_set_oracle (oracle:N). */
bool vk_policy_needs_first_pass(const struct vk_policy_spec *spec);

/* ---- options ---- */
struct vk_options {
    unsigned real_prefault;  /* --real-prefault N (vpt schemes) */
    uint64_t vk_mem_pages;   /* --vk-mem in pages; 0 = unlimited */
    bool file_cache_cold;    /* --file-cache cold */
    bool no_zero_page;       /* --zero-page off: a read fault on a new anonymous page
                              * allocates it (hosts without the shared zero page) */
    bool inval_every_enter;  /* --inval-every-enter (release 1.8) */
    bool tlb_on;             /* --tlb given: model the TLB on every access */
    struct mmu_tlb_cfg tlb;
    bool record_reflections; /* keep the list of reflections (pass 1 of oracle:N) */
    const struct vk_reflections *oracle; /* oracle:N: the reflections of policy none */
};

/* The reflections of a run, in order: the access record (1-based sequence number of the
 * user access during which it happened) and the page.  oracle:N reads those of policy none. */
struct vk_reflection {
    uint64_t seq;
    uint64_t vpn;
};
struct vk_reflections {
    struct vk_reflection *v;
    size_t n, cap;
};

struct vk_config {
    const struct vk_scheme *scheme;
    struct vk_policy_spec policy;
    const struct vk_dirty *dirty;
    struct vk_options opt;
};
/* "vpt-1.10/none/strict" into buf. */
const char *vk_config_name(const struct vk_config *c, char *buf, size_t len);

/* ---- regions (model.md section 1) ---- */
#define VK_PROT_R 1u
#define VK_PROT_W 2u
#define VK_PROT_X 4u
enum vk_region_kind { VK_ANON, VK_FILE };
struct vk_region {
    uint64_t start, end;   /* page-aligned, [start, end) */
    unsigned prot;         /* VK_PROT_* */
    enum vk_region_kind kind;
    uint32_t file_id;      /* VK_FILE: which file (same id = same page cache) */
    uint64_t file_pgoff;   /* VK_FILE: file page at start */
};

/* ---- the model ---- */

enum vk_status {
    VK_OK = 0,
    VK_SEGV = 1,    /* a page access was a genuine segmentation fault (counted, skipped) */
    VK_EFAULT = 2,  /* a kernel access failed (counts nothing) */
    VK_ERROR = 3,   /* the model cannot go on (vkernel out of memory, ...): vk_error() says */
};

/* Creates a model; NULL when out of memory. */
struct vk_model *vk_model_new(const struct vk_config *cfg, enum mmu_arch arch,
                              const struct mmu_costs *costs);
void vk_model_free(struct vk_model *m);
const struct vk_config *vk_model_config(const struct vk_model *m);
const char *vk_error(const struct vk_model *m);
/* true when vk_error() is about the input, not the model: a process record that names no
 * process, reuses a pid, or acts where model.md section 11 allows no event (bad input, exit
 * status 2, where a failing model is 1). */
bool vk_error_is_input(const struct vk_model *m);
/* NULL, or the name of the first counter of m that would have exceeded 2^64 - 1 (it is then
 * held at 2^64 - 1): the run's counts cannot be reported.  Event counters grow by a bounded
 * amount per step of the model, so they cannot wrap within any feasible run (2^64 steps at
 * 10^9 a second take 584 years); the ones that grow by amounts from the input are checked:
 * insns (vk_insns, vk_set_sync) and every cycles.* (vk_finish, mmu_costs_apply). */
const char *vk_overflow(const struct vk_model *m);
/* Adds n to counter id of m, holding it at 2^64 - 1 and recording it for vk_overflow when
 * the sum would not fit. */
void vk_add_count(struct vk_model *m, enum mmu_counter_id id, uint64_t n);

/* Region changes.  Bounds must be page-aligned, start < end, end <= user limit (the caller
 * validates input; these return VK_ERROR on violation). */
int vk_map(struct vk_model *m, uint64_t start, uint64_t end, unsigned prot,
           enum vk_region_kind kind, uint32_t file_id, uint64_t file_pgoff);
int vk_unmap(struct vk_model *m, uint64_t start, uint64_t end);
int vk_protect(struct vk_model *m, uint64_t start, uint64_t end, unsigned prot);
/* A moving mremap (docs/model-notes.md, "Moving mremap"): the regions inside [old, old + len)
 * and their pages move to [new, new + len), whatever was there unmapped first.  old, new and
 * len page-aligned, len > 0, both ranges in user space; overlapping ranges are an error of the
 * input (vk_error_is_input).  A growth at the new place is a vk_map after it. */
int vk_move(struct vk_model *m, uint64_t old, uint64_t new, uint64_t len);
/* The region holding addr, or NULL. */
const struct vk_region *vk_region_find(const struct vk_model *m, uint64_t addr);
/* All regions, sorted by address. */
const struct vk_region *vk_regions(const struct vk_model *m, size_t *n);

/* A user access of size bytes (>= 1); a page-crossing access is two page accesses.  Returns
 * VK_OK, VK_SEGV (fault_addr set) or VK_ERROR. */
int vk_access(struct vk_model *m, uint64_t addr, uint64_t size, enum mmu_kind kind,
              uint64_t *fault_addr);
/* A kernel access on behalf of a system call (model.md 6.6): VK_OK, VK_EFAULT or VK_ERROR. */
int vk_kernel_access(struct vk_model *m, uint64_t addr, uint64_t size, bool write);
void vk_insns(struct vk_model *m, uint64_t n);
void vk_syscall(struct vk_model *m, unsigned nr);

/* One real fault at page vpn as the real kernel takes it: for an engine whose hardware checks
 * the real PTEs itself (Unicorn paging).  The caller retries the access afterwards. */
enum vk_fault_outcome vk_real_fault(struct vk_model *m, uint64_t vpn, enum mmu_kind kind);

/* Observer of the real PTEs, for an engine that mirrors them in hardware page tables.
 * changed() is called after every change of a page's REAL_P/REAL_W bits;
 * read_accessed_dirty(), when set, returns the hardware's REAL_A|REAL_D for a page (the
 * model's own bits are used otherwise).  vmspace names the real pmap (vk_process_vmspace):
 * a fork or an eviction changes other processes' pmaps than the current one's. */
struct vk_real_pte_observer {
    void (*changed)(void *ctx, uint32_t vmspace, uint64_t vpn, uint8_t old_bits,
                    uint8_t new_bits);
    uint8_t (*read_accessed_dirty)(void *ctx, uint32_t vmspace, uint64_t vpn);
    void *ctx;
};
/* Sets the observer (a copy of *obs), or clears it when obs is NULL. */
void vk_model_set_real_pte_observer(struct vk_model *m, const struct vk_real_pte_observer *obs);
/* The model's real PTE bits for vpn (REAL_*). */
uint8_t vk_real_bits(struct vk_model *m, uint64_t vpn);

/* ---- processes (model.md section 11) ----
 * A model holds every process of the run.  Process VK_PID_FIRST exists from the start (its
 * vmspace is not counted); every other event acts on the current process.  Pids are any
 * non-zero 32-bit numbers the caller chooses (the trace's or the guest's); a pid is never
 * reused within a run.  Each returns VK_OK, or VK_ERROR with vk_error() saying what was wrong
 * (an unknown or exited pid, a pid already used, a vfork parent that acts while its child
 * shares its vmspace, ...). */
#define VK_PID_FIRST 1u
/* The current process forks process child (vfork: the child shares the parent's vmspace until
 * it execs or exits, and the parent may do nothing meanwhile).  The parent stays current. */
int vk_fork(struct vk_model *m, uint32_t child, bool vfork);
/* Makes process pid current (a CR3 switch: the TLB is flushed when the vmspace changes). */
int vk_switch(struct vk_model *m, uint32_t pid);
/* The current process execs: its map is emptied (its vmspace reused, or a new one for a vfork
 * child); the new image's regions follow as vk_map calls. */
int vk_exec(struct vk_model *m);
/* The current process exits.  No process is current afterwards: any event but vk_switch is
 * then an error. */
int vk_exit(struct vk_model *m);
/* The current process's pid, 0 when there is none (after vk_exit). */
uint32_t vk_current_pid(const struct vk_model *m);
/* The vmspace of process pid (UINT32_MAX when it has none): vmspaces are numbered 0, 1, ...
 * in the order they are created (the first process's, then one per fork, clone without
 * CLONE_VM and vfork child's exec), so every model of a set numbers them alike. */
uint32_t vk_process_vmspace(const struct vk_model *m, uint32_t pid);
/* Per-process counters: every counter an event of process pid added (cycles.* excepted, left
 * 0).  NULL for a pid the model never saw.  Valid until vk_model_free. */
const struct mmu_counters *vk_process_counters(const struct vk_model *m, uint32_t pid);

/* Sets the reflections an oracle:N model prefaults from (kept by the caller). */
void vk_model_set_oracle(struct vk_model *m, const struct vk_reflections *r);
/* The reflections recorded with opt.record_reflections (valid until vk_model_free). */
const struct vk_reflections *vk_model_reflections(const struct vk_model *m);

/* The counters so far with the cycles.* filled in, without ending the run (a timeline
 * point; prefaults and spurious M not yet settled). */
void vk_snapshot(const struct vk_model *m, struct mmu_counters *out);

/* Ends the run: settles prefault.used/wasted and vk.spurious_dirty, fills the cycles.*.
 * Further events are an error. */
void vk_finish(struct vk_model *m);
const struct mmu_counters *vk_counters(const struct vk_model *m);
/* The page-state space (tests and engines inspect vptes and real bits through it). */
struct mmu_space *vk_space(struct vk_model *m);

/* ---- a set of models fed by the same events ---- */

/* A tap sees every event given to a set, in order, before the models do (a trace recorder).
 * Any member may be NULL. */
struct vk_tap {
    void (*map)(void *ctx, uint64_t start, uint64_t end, unsigned prot, enum vk_region_kind kind,
                uint32_t file_id, uint64_t file_pgoff);
    void (*unmap)(void *ctx, uint64_t start, uint64_t end);
    void (*protect)(void *ctx, uint64_t start, uint64_t end, unsigned prot);
    void (*move)(void *ctx, uint64_t old, uint64_t new, uint64_t len);
    void (*access)(void *ctx, uint64_t addr, uint64_t size, enum mmu_kind kind);
    void (*kernel_access)(void *ctx, uint64_t addr, uint64_t size, bool write);
    void (*insns)(void *ctx, uint64_t n);
    void (*syscall)(void *ctx, unsigned nr);
    void (*fork)(void *ctx, uint32_t child, bool vfork);
    void (*switch_to)(void *ctx, uint32_t pid);
    void (*exec)(void *ctx);
    void (*exit)(void *ctx);
    void *ctx;
};

struct vk_set {
    const struct vk_tap *tap; /* or NULL */
    struct vk_model **m;
    size_t n, cap;
    enum mmu_arch arch;
    /* Shared fast path: filter[vpn & mask] = (vpn + 1) << 2 | 1 (every model: present with A)
     * | 2 (every model: writable with A and D).  Such an access changes no model state, so it
     * only counts; models drop the entry when they change that page's real PTE. */
    uint64_t *filter;
    uint64_t mask;
    bool filter_off;       /* some model needs every access (TLB) */
    uint64_t pending[3];   /* access records counted by the fast path: read, write, fetch */
    uint64_t pending_insns; /* instructions not yet added to the models (vk_set_sync) */
    uint64_t seq;          /* user access records so far (oracle:N aligns on it) */
    uint32_t pid;          /* the current process (0 after an exit) */
};
void vk_set_init(struct vk_set *s, enum mmu_arch arch);
void vk_set_fini(struct vk_set *s);
/* Adds a model for cfg; returns its index or -1 when out of memory. */
int vk_set_add(struct vk_set *s, const struct vk_config *cfg, const struct mmu_costs *costs);
/* Each returns the worst status over the models (VK_ERROR > VK_EFAULT/VK_SEGV > VK_OK). */
int vk_set_map(struct vk_set *s, uint64_t start, uint64_t end, unsigned prot,
               enum vk_region_kind kind, uint32_t file_id, uint64_t file_pgoff);
int vk_set_unmap(struct vk_set *s, uint64_t start, uint64_t end);
int vk_set_protect(struct vk_set *s, uint64_t start, uint64_t end, unsigned prot);
int vk_set_move(struct vk_set *s, uint64_t old, uint64_t new, uint64_t len);
int vk_set_access_slow(struct vk_set *s, uint64_t addr, uint64_t size, enum mmu_kind kind);
/* A user access: the shared fast path inline (no tap, one page, every model already grants
 * it), else every model. */
static inline int vk_set_access(struct vk_set *s, uint64_t addr, uint64_t size, enum mmu_kind kind)
{
    if (!s->tap && s->filter && size && size <= MMU_PAGE_SIZE - (addr & (MMU_PAGE_SIZE - 1))) {
        uint64_t vpn = addr >> MMU_PAGE_SHIFT, e = s->filter[vpn & s->mask];
        if ((e >> 2) == vpn + 1 && (e & (kind == MMU_WRITE ? 2u : 1u))) {
            s->seq++;
            s->pending[kind]++;
            return VK_OK;
        }
    }
    return vk_set_access_slow(s, addr, size, kind);
}
int vk_set_kernel_access(struct vk_set *s, uint64_t addr, uint64_t size, bool write);
void vk_set_insns(struct vk_set *s, uint64_t n);
void vk_set_syscall(struct vk_set *s, unsigned nr);
/* The process events of every model (vk_fork, vk_switch, vk_exec, vk_exit).  vk_set_switch to
 * the current process is no event (neither the tap nor the models see it). */
int vk_set_fork(struct vk_set *s, uint32_t child, bool vfork);
int vk_set_switch(struct vk_set *s, uint32_t pid);
int vk_set_exec(struct vk_set *s);
int vk_set_exit(struct vk_set *s);
/* Adds the pending access and instruction counts to every model (before reading counters). */
void vk_set_sync(struct vk_set *s);
void vk_set_finish(struct vk_set *s);

/* Parses a size such as 64M, 1G, 4096, 16k (binary units); -1 when it is not a size, -2 when
 * it is one that does not fit in 64 bits. */
int vk_parse_size(const char *s, uint64_t *out);

#endif
