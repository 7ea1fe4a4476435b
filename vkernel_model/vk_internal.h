/* vkernel_model/vk_internal.h - model state shared by the model's files and the prefault
 * policies.  Not for users of the library: they use vk.h. */
#ifndef VKMMU_VK_INTERNAL_H
#define VKMMU_VK_INTERNAL_H

#include "vk.h"

/* mmu_page.st: the vkernel's (or, in native schemes, the real kernel's) page state */
#define PG_PRIVATE 0x01u  /* has private data: anon zero-filled, or a file page copied (COW) */
#define PG_SWAPPED 0x02u  /* private data evicted under --vk-mem; a touch pages it back in */
#define PG_DIRTY 0x04u    /* modified (M moved here when a vpte lost it) */
#define PG_ZEROPAGE 0x08u /* linux: mapped to the shared zero page, not yet allocated */

/* mmu_page.fl: tracking of the current entry (vpte in vkernel schemes, real PTE in native) */
#define FL_PF_PENDING 0x01u /* entered by a prefault policy and not yet used */
#define FL_M_PENDING 0x02u  /* the vkernel entered it with M and no write has reached it yet */
#define FL_CACHE_MAP 0x04u  /* the vpte maps a page-cache frame (on that frame's pv list) */

enum vk_frame_kind { FR_FREE, FR_PRIVATE, FR_CACHE, FR_PT };
struct vk_frame {
    uint8_t kind;
    uint64_t owner;  /* FR_PRIVATE: vpn; FR_CACHE: cache key; FR_PT: unused */
    uint64_t *pv;    /* FR_CACHE: vpns whose vpte maps this frame */
    uint32_t npv, cappv;
};

#define VK_NO_VPN UINT64_MAX

struct vk_model {
    struct vk_config cfg;
    enum mmu_arch arch;
    struct mmu_costs costs;
    bool vkernel;      /* vpt-1.10 / vpt */
    bool native_like;  /* native / linux */
    bool ept;          /* ept: hardware walks, EPT violations */
    uint8_t *ept_map;  /* ept: frames with an EPT entry (one byte each) */
    uint64_t ept_cap;
    struct mmu_space sp;
    struct mmu_counters c;
    uint64_t guest_syscalls;
    uint64_t user_limit_vpn;

    struct vk_region *rg;
    size_t nrg, caprg, last_rg;

    struct vk_frame *fr; /* index 0 unused */
    uint64_t nfr, capfr; /* frames ever created (ids 1..nfr) */
    uint32_t *freelist;
    uint64_t nfree, capfree;
    uint64_t nused;      /* frames in use */
    uint64_t hand;       /* CLOCK hand: next frame id to look at */

    struct mmu_hmap cache; /* (file_id << 40 | pgoff) -> packed state (see vk_frames.c) */

    void *pstate;          /* prefault policy state */
    uint64_t busy_vpn;     /* page being handled: never evicted meanwhile */
    uint32_t pin_frame;    /* page-cache frame being copied: never evicted meanwhile */

    struct mmu_tlb tlb;
    bool tlb_on;
    uint64_t own_seq;        /* user access records, when not in a set */
    const uint64_t *seqp;    /* &own_seq, or the owning set's counter */
    struct vk_reflections refl; /* opt.record_reflections */
    uint64_t *hit_filter;  /* the owning set's fast-path filter (vk_set.c), or NULL */
    uint64_t hit_mask;

    struct vk_real_observer obs;
    bool has_obs;
    bool finished;
    const char *overflow; /* the first counter that would exceed 2^64 - 1 (vk_overflow) */
    char error[256];
};

/* A prefault policy's view of one reflection (or one native fault). */
struct vk_pf {
    struct vk_model *m;
    uint64_t vpn;            /* the faulting page */
    enum mmu_kind kind;
    const struct vk_region *r;
    uint64_t lo, hi;         /* the region's pages [lo, hi) */
    void *state;
    const struct vk_policy_spec *spec;
};

enum vk_pf_res {
    VK_PF_ENTERED,      /* an entry was made (prefault.issued) */
    VK_PF_OUTSIDE,      /* outside the faulting page's region */
    VK_PF_VALID,        /* already has a valid entry */
    VK_PF_NONZERO,      /* dfly: the vpte (real PTE in native) is not zero */
    VK_PF_NO_PT,        /* dfly: no page-table page there */
    VK_PF_NOT_RESIDENT, /* the page is not resident and the flags do not make it so */
    VK_PF_ERROR,        /* the model failed (vk_error) */
};
#define VK_PFF_DFLY 0x01u        /* pmap_prefault rules: PT page must exist, vpte must be zero,
                                    entry V|U|MANAGED (+R in vpt), never W */
#define VK_PFF_ZERO_FILL 0x02u   /* zero-fill a never-touched anonymous page first */
#define VK_PFF_ZERO_FILL_W 0x04u /* ... only in a writable region */
#define VK_PFF_READONLY 0x08u    /* enter without W */

/* Tries candidate page pf->vpn + off with the given flags. */
enum vk_pf_res vk_pf_try(struct vk_pf *pf, int64_t off, unsigned flags);
/* Tries any page vpn with the given flags, inside its own region (oracle:N). */
enum vk_pf_res vk_pf_try_page(struct vk_model *m, uint64_t vpn, unsigned flags);
/* The k-th offset (k = 0, 1, ...) of the order -1, +1, -2, +2, ... */
static inline int64_t vk_pf_sym_offset(unsigned k)
{
    int64_t d = (int64_t)(k / 2) + 1;
    return (k & 1) ? d : -d;
}

/* Linux fault-around (built into scheme linux, and policy linux-fa). */
void vk_fault_around(struct vk_pf *pf);

/* frames and the page cache (vk_frames.c) */
uint32_t vk_frame_alloc(struct vk_model *m, enum vk_frame_kind kind, uint64_t owner);
void vk_frame_free(struct vk_model *m, uint32_t f);
int vk_pv_add(struct vk_model *m, uint32_t f, uint64_t vpn);
void vk_pv_remove(struct vk_model *m, uint32_t f, uint64_t vpn);
bool vk_cache_resident(struct vk_model *m, const struct vk_region *r, uint64_t vpn);
/* The cached frame of a file page, reading it when needed (page.file_read); 0 on error. */
uint32_t vk_cache_get(struct vk_model *m, const struct vk_region *r, uint64_t vpn);
void vk_cache_fini(struct vk_model *m);

/* model internals used across files (vk_model.c) */
void vk_fail(struct vk_model *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Removes a valid vpte: one invalidation, real PTE removed, tracking settled. */
void vk_invalidate(struct vk_model *m, uint64_t vpn, struct mmu_page *p);
/* Writes the real PTE bits, telling the observer when P or W changed. */
void vk_set_real(struct vk_model *m, uint64_t vpn, struct mmu_page *p, uint8_t bits);
/* pmap_enter of a prefaulted entry (the same path as a reflection's); quick: through
 * pmap_enter_quick (dfly), which never invalidates. */
int vk_enter_prefault(struct vk_model *m, uint64_t vpn, uint64_t bits, uint32_t frame,
                      bool cache, bool quick);
/* Settles the tracking of the entry at p before it is replaced or removed. */
void vk_settle(struct vk_model *m, uint64_t vpn, struct mmu_page *p);

/* regions (vk_regions.c) */
const struct vk_region *vk_region_find_vpn(struct vk_model *m, uint64_t vpn);
/* Splits regions at start and end; returns the index range [*i, *j) of regions inside. */
int vk_region_cut(struct vk_model *m, uint64_t start, uint64_t end, size_t *i, size_t *j);
int vk_region_insert(struct vk_model *m, const struct vk_region *r);
void vk_region_remove(struct vk_model *m, size_t i, size_t j);

#endif
