/* vkernel_model/vk_internal.h - model state shared by the model's files and the prefault
 * policies.  Not for users of the library: they use vk.h. */
#ifndef VKMMU_VK_INTERNAL_H
#define VKMMU_VK_INTERNAL_H

#include "vk.h"

/* mmu_page.state: the vkernel's (or, in native schemes, the real kernel's) page state */
#define PG_PRIVATE 0x01u  /* has private data: anon zero-filled, or a file page copied (COW) */
#define PG_SWAPPED 0x02u  /* private data evicted under --vk-mem; a touch pages it back in */
#define PG_DIRTY 0x04u    /* modified (M moved here when a vpte lost it) */
#define PG_ZEROPAGE 0x08u /* linux: mapped to the shared zero page, not yet allocated */

/* mmu_page.tracking: the current entry (vpte in vkernel schemes, real PTE in native ones) */
#define TRACK_PREFAULT_PENDING 0x01u /* entered by a prefault policy and not yet used */
#define TRACK_M_PENDING 0x02u /* the vkernel entered it with M and no write has reached it yet */
#define TRACK_CACHE_MAP 0x04u /* the vpte maps a page-cache frame (on that frame's pv list) */

/* FR_SWAPPED: the data of a private page shared by several processes (copy-on-write after
 * fork) that was evicted: the frame number stays the page's identity (its swap slot) and takes
 * no memory until a user pages it back in (docs/model-notes.md). */
enum vk_frame_kind { FR_FREE, FR_PRIVATE, FR_CACHE, FR_PT, FR_SWAPPED };
struct vk_frame {
    uint8_t kind;
    uint32_t users; /* FR_PRIVATE, FR_SWAPPED: the vmspaces whose page holds it (> 1: shared
                       copy-on-write after fork, model.md 11.1) */
    uint64_t owner; /* FR_PRIVATE, FR_SWAPPED: vpn (the same in every user); FR_CACHE: cache
                       key; FR_PT: unused */
    uint64_t *pv;   /* FR_CACHE: the pv list, VK_PV(vmspace, vpn) whose vpte maps this frame */
    uint32_t npv, pv_cap;
    bool moved;     /* FR_PRIVATE, FR_SWAPPED: some user holds it at another page than owner
                       (a move, vk_move): vk_model.moved says where (vk_frame_user_vpn) */
};
/* A pv list entry: vmspace id and page. */
#define VK_PV(vs, vpn) (((uint64_t)(vs) << 40) | (vpn))
#define VK_PV_VS(e) ((uint32_t)((e) >> 40))
#define VK_PV_VPN(e) ((e) & ((1ull << 40) - 1))

#define VK_NO_VPN UINT64_MAX

/* One address space (model.md 11): the map, the vkernel's page table and the real pmap (both
 * in space), used by one process, or by a vfork parent and its child until the child execs or
 * exits.  Threads of a process are one process to the model. */
struct vk_vmspace {
    uint32_t id;    /* index in vk_model.vmspaces */
    unsigned users; /* processes using it */
    struct mmu_space space;
    struct vk_region *regions; /* sorted by address (vk_regions.c) */
    size_t nregions, regions_cap, last_region;
};

/* One process (model.md 11). */
#define VK_NO_PROC SIZE_MAX
struct vk_proc {
    uint32_t pid;
    uint32_t ppid;         /* the process that forked it (0 for the first) */
    uint64_t syscalls;     /* its guest system calls (cycles.syscall of native schemes) */
    uint32_t vs;           /* its vmspace id */
    bool alive;
    uint32_t vfork_child;  /* a vfork child shares its vmspace: it may do nothing until then */
    uint32_t vfork_parent; /* this process is a vfork child sharing its parent's vmspace */
    struct mmu_counters c; /* the counters its events added (cycles.* unused) */
};

struct vk_model {
    struct vk_config cfg; /* cfg.scheme, cfg.dirty: the operation tables of vk.h */
    enum mmu_arch arch;
    struct mmu_costs costs;
    uint8_t *ept_map; /* nested paging: frames with an EPT entry (one byte each) */
    uint64_t ept_cap;
    struct vk_vmspace *vs;      /* the vmspace operated on: the current process's, or
                                   another's while a fork or an eviction works on it */
    struct vk_vmspace *running; /* the current process's vmspace (its pages are in the TLB) */
    struct vk_vmspace **vmspaces; /* by id; NULL once destroyed */
    uint32_t nvmspaces, vmspaces_cap;
    uint64_t vmspaces_created, vmspaces_destroyed; /* model.md 11 identity */
    struct vk_proc *procs;      /* in order of creation */
    size_t nprocs, procs_cap;
    size_t cur;                 /* index of the current process; VK_NO_PROC after its exit */
    size_t charged;             /* index of the process the counters since `attributed` are
                                   charged to: the current one, or the last one that was */
    bool idle;                  /* no process may act: none is current, or the current one is
                                   a vfork parent whose child still shares its vmspace */
    struct mmu_counters attributed; /* m->c when counters were last charged to a process */
    struct vk_vmspace *fork_child; /* vk_pmap_fork_copy: the vmspace being filled */
    bool fork_found_private;       /* vk_pmap_fork_copy: the region holds a private page */
    struct mmu_counters c;
    uint64_t guest_syscalls;
    uint64_t user_limit_vpn;

    struct vk_frame *frames; /* index 0 unused */
    uint64_t nframes, frames_cap; /* frames ever created (ids 1..nframes) */
    uint32_t *freelist;
    uint64_t nfree, free_cap;
    uint64_t nused;      /* frames in use */
    uint64_t clock_hand; /* CLOCK: next frame id to look at */

    struct mmu_hmap cache; /* (file_id << 40 | pgoff) -> packed state (see vk_frames.c) */
    /* (vmspace << 32 | frame) -> vpn + 1: where a vmspace holds a shared private frame that
     * a move (vk_move) took away from the frame's owner page; NULL values are gone */
    struct mmu_hmap moved;
    uint64_t move_delta;   /* vk_pmap_move: destination page minus source page */

    void *policy_state;  /* prefault policy state */
    uint64_t busy_vpn;   /* page being handled (in vmspace busy_vs): never evicted meanwhile */
    struct vk_vmspace *busy_vs;
    uint32_t pin_frame;  /* page-cache or shared frame being copied: never evicted meanwhile */

    struct mmu_tlb tlb;
    bool tlb_on;
    uint64_t own_seq;     /* user access records, when not in a set */
    const uint64_t *seqp; /* &own_seq, or the owning set's counter */
    struct vk_reflections reflections; /* opt.record_reflections */
    uint64_t *hit_filter; /* the owning set's fast-path filter (vk_set.c), or NULL */
    uint64_t hit_mask;

    struct vk_real_pte_observer observer;
    bool has_observer;
    bool finished;
    bool input_error;     /* the error is the input's (vk_error_is_input) */
    const char *overflow; /* the first counter that would exceed 2^64 - 1 (vk_overflow) */
    char error[256];
};

/* ---- prefault (vk_prefault.c): a policy's view of one reflection (or one native fault) ---- */
struct vk_prefault {
    struct vk_model *m;
    uint64_t vpn; /* the faulting page */
    enum mmu_kind kind;
    const struct vk_region *r;
    uint64_t lo, hi; /* the region's pages [lo, hi) */
    void *state;     /* the policy's per-model state (state_size bytes) */
    const struct vk_policy_spec *spec;
};

/* What trying one candidate page came to. */
enum vk_candidate_result {
    VK_CANDIDATE_ENTERED,      /* an entry was made (prefault.issued) */
    VK_CANDIDATE_OUTSIDE,      /* outside the faulting page's region */
    VK_CANDIDATE_VALID,        /* already has a valid entry */
    VK_CANDIDATE_NONZERO,      /* quick: the vpte (real PTE in native) is not zero */
    VK_CANDIDATE_NO_PT,        /* quick: no page-table page there */
    VK_CANDIDATE_NOT_RESIDENT, /* the page is not resident and the flags do not make it so */
    VK_CANDIDATE_ERROR,        /* the model failed (vk_error) */
};
/* How a candidate is entered (flags of vk_prefault_try).  VK_ENTER_QUICK: pmap_enter_quick
 * (dfly's pmap_prefault): the page-table page must exist and the entry be zero; the entry is
 * V|U|MANAGED, +R when the scheme's quick_entry_readable, never W. */
#define VK_ENTER_QUICK 0x01u
#define VK_ENTER_ZERO_FILL 0x02u          /* zero-fill a never-touched anonymous page first */
#define VK_ENTER_ZERO_FILL_WRITABLE 0x04u /* ... only in a writable region */
#define VK_ENTER_READONLY 0x08u           /* enter without W */

/* Tries candidate page pf->vpn + off with the given flags. */
enum vk_candidate_result vk_prefault_try(struct vk_prefault *pf, int64_t off, unsigned flags);
/* Tries any page vpn with the given flags, inside its own region (oracle:N). */
enum vk_candidate_result vk_prefault_try_page(struct vk_model *m, uint64_t vpn, unsigned flags);
/* The k-th offset (k = 0, 1, ...) of the order -1, +1, -2, +2, ... */
static inline int64_t vk_prefault_sym_offset(unsigned k)
{
    int64_t d = (int64_t)(k / 2) + 1;
    return (k & 1) ? d : -d;
}

/* Linux fault-around (built into scheme linux, and policy linux-fa). */
void vk_fault_around(struct vk_prefault *pf);

/* ---- lifecycle and errors (vk_model.c) ---- */
void vk_fail(struct vk_model *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* vk_fail for an error of the input (a process record that cannot be). */
void vk_fail_input(struct vk_model *m, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Fails the model when it can take no event now: the run ended, no process is current, or the
 * current one waits for its vfork child (vk_process.c).  Returns true when it failed. */
bool vk_event_refused_slow(struct vk_model *m);
static inline bool vk_event_refused(struct vk_model *m)
{
    return (m->finished || m->idle) && vk_event_refused_slow(m);
}
/* Charges the counters added since the last call to the process that caused them. */
void vk_charge_counters(struct vk_model *m);

/* ---- the fault path (vk_fault.c): the schemes' functions of vk_tables.c ---- */
enum vk_fault_outcome vk_vpt_fault(struct vk_model *m, uint64_t vpn, enum mmu_kind kind);
enum vk_fault_outcome vk_ept_fault(struct vk_model *m, uint64_t vpn, enum mmu_kind kind);
enum vk_fault_outcome vk_native_fault(struct vk_model *m, uint64_t vpn, enum mmu_kind kind);
int vk_kernel_page_vkernel(struct vk_model *m, uint64_t vpn, bool write);
int vk_kernel_page_native(struct vk_model *m, uint64_t vpn, bool write);
/* Gives a never-touched page a zeroed private frame (page.zero_fill); -1 on error. */
int vk_page_zero_fill(struct vk_model *m, uint64_t vpn, struct mmu_page *p);

/* ---- the page tables (vk_pmap.c): vptes and real PTEs ---- */
/* Writes the real PTE bits, telling the observer when P or W changed. */
void vk_write_real_pte(struct vk_model *m, uint64_t vpn, struct mmu_page *p, uint8_t bits);
/* Settles the tracking of the entry at p before it is replaced or removed. */
void vk_settle(struct vk_model *m, uint64_t vpn, struct mmu_page *p);
/* Removes a valid vpte: one invalidation, real PTE removed, tracking settled. */
void vk_invalidate(struct vk_model *m, uint64_t vpn, struct mmu_page *p);
/* The bits the vkernel enters a vpte with (model.md 6 step 3): V|R|U|MANAGED|A, W when the
 * region is writable and writable_frame (a private frame the caller lets be written), and
 * the dirty strategy's M (write_fault: a reflected write fault). */
uint64_t vk_entry_bits(const struct vk_model *m, const struct vk_region *r, bool writable_frame,
                       bool write_fault);
/* pmap_enter of a reflection (or a kernel access's COW): vpte = bits | frame, page-table
 * pages allocated first; cache_frame: frame is a page-cache frame (on its pv list). */
int vk_enter_vpte(struct vk_model *m, uint64_t vpn, uint64_t bits, uint32_t frame,
                  bool cache_frame);
/* pmap_enter of a prefaulted entry (the same path as a reflection's); quick: through
 * pmap_enter_quick (dfly), which never invalidates. */
int vk_enter_prefault(struct vk_model *m, uint64_t vpn, uint64_t bits, uint32_t frame,
                      bool cache_frame, bool quick);
/* pmap_remove of pages [lo, hi): entries removed (valid vptes invalidated), frames freed. */
void vk_pmap_remove(struct vk_model *m, uint64_t lo, uint64_t hi);
/* pmap_protect of pages [lo, hi) to prot: entries whose rights shrink are rewritten or
 * removed. */
void vk_pmap_protect(struct vk_model *m, uint64_t lo, uint64_t hi, unsigned prot);
/* fork (model.md 11.1), in the parent's vmspace (m->vs): the write-protection of pages
 * [lo, hi) of a writable region, and the copy of region r's pages into the child's vmspace. */
void vk_pmap_fork_protect(struct vk_model *m, uint64_t lo, uint64_t hi);
void vk_pmap_fork_copy(struct vk_model *m, struct vk_vmspace *child, const struct vk_region *r);
/* A moving mremap's pages (vk_move): every page of [lo, hi) to page + m->move_delta (whose
 * range holds no state); vk_error on failure. */
void vk_pmap_move(struct vk_model *m, uint64_t lo, uint64_t hi);

/* ---- frames and the page cache (vk_frames.c) ---- */
uint32_t vk_frame_alloc(struct vk_model *m, enum vk_frame_kind kind, uint64_t owner);
void vk_frame_free(struct vk_model *m, uint32_t f);
/* A vmspace stops using private frame f (unmap, exec, exit, a copy-on-write copy): the frame
 * is freed with its last user. */
void vk_frame_release(struct vk_model *m, uint32_t f);
/* true when private frame f is used by more than one vmspace (shared copy-on-write). */
static inline bool vk_frame_shared(const struct vk_model *m, uint32_t f)
{
    return f && m->frames[f].users > 1;
}
/* The page at which vmspace vs holds private frame f (its owner unless a move took it). */
uint64_t vk_frame_user_vpn(const struct vk_model *m, uint32_t f, const struct vk_vmspace *vs);
/* The current vmspace (m->vs) now holds private frame f at page vpn (a move, or a fork's copy
 * of a moved page). */
int vk_frame_note_user(struct vk_model *m, uint32_t f, uint64_t vpn);
/* Makes a swapped shared frame (FR_SWAPPED) resident again (page.swap_in); -1 on error. */
int vk_frame_swap_in_shared(struct vk_model *m, uint32_t f);
/* Gives an evicted private page (frame 0) a frame number that stands for its swap slot, so
 * that a fork can share it (FR_SWAPPED, no memory taken); 0 on error. */
uint32_t vk_frame_swap_slot(struct vk_model *m, uint64_t vpn);
int vk_pv_add(struct vk_model *m, uint32_t f, uint64_t vpn);
void vk_pv_remove(struct vk_model *m, uint32_t f, uint64_t vpn);
bool vk_cache_resident(struct vk_model *m, const struct vk_region *r, uint64_t vpn);
/* The cached frame of a file page, reading it when needed (page.file_read); 0 on error. */
uint32_t vk_cache_get(struct vk_model *m, const struct vk_region *r, uint64_t vpn);
void vk_cache_fini(struct vk_model *m);

/* ---- vmspaces and processes (vk_process.c) ---- */
/* Creates the first process and its vmspace (not counted: it exists before the run). */
int vk_process_first(struct vk_model *m);
struct vk_vmspace *vk_vmspace_new(struct vk_model *m);
/* Removes every page of the vmspace as pmap_remove_pages does (one invalidation per valid
 * vpte), frees its page-table pages and empties its map. */
void vk_vmspace_clear(struct vk_model *m, struct vk_vmspace *vs);
void vk_vmspace_free(struct vk_model *m, struct vk_vmspace *vs);
/* Works on vmspace vs until the matching vk_vmspace_leave (returns the one to give back). */
static inline struct vk_vmspace *vk_vmspace_enter(struct vk_model *m, struct vk_vmspace *vs)
{
    struct vk_vmspace *old = m->vs;
    m->vs = vs;
    return old;
}
static inline void vk_vmspace_leave(struct vk_model *m, struct vk_vmspace *old)
{
    m->vs = old;
}

/* ---- regions (vk_regions.c) ---- */
/* Copies the map of vmspace from into vmspace to (empty); -1 when out of memory. */
int vk_regions_copy(struct vk_vmspace *to, const struct vk_vmspace *from);
const struct vk_region *vk_region_find_vpn(struct vk_model *m, uint64_t vpn);
/* true when region r exists and allows a read (write = false) or a write. */
static inline bool vk_region_allows(const struct vk_region *r, bool write)
{
    return r && (r->prot & VK_PROT_R) && (!write || (r->prot & VK_PROT_W));
}

#endif
