/* mmu/include/mmu.h - the real kernel's side of vkmmu: vpte format, page state, the software
 * walk of the vkernel's page table, counters and the cost model.  Uses only libc.
 * Specification: ../shared/docs/model.md sections 3, 4, 5, 9 and 10. */
#ifndef VKMMU_MMU_H
#define VKMMU_MMU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define MMU_PAGE_SHIFT 12
#define MMU_PAGE_SIZE 4096u
#define MMU_PAGE_MASK (~(uint64_t)(MMU_PAGE_SIZE - 1))

/* ---- address-space layouts ------------------------------------------------------------- */
enum mmu_arch {
    MMU_ARCH_I386,   /* 32-bit vptes, 2 levels of 10 bits below the root (DragonFly 1.10) */
    MMU_ARCH_X86_64, /* 64-bit vptes, 4 levels of 9 bits below the root (DragonFly 2010) */
};
const char *mmu_arch_name(enum mmu_arch a);
/* Levels below the root, index bits per level, user address limit, default region. */
unsigned mmu_arch_levels(enum mmu_arch a);
unsigned mmu_arch_level_bits(enum mmu_arch a);
uint64_t mmu_arch_user_limit(enum mmu_arch a);   /* first address that is not user space */
uint64_t mmu_arch_default_start(enum mmu_arch a); /* 0x1000 */
uint64_t mmu_arch_default_end(enum mmu_arch a);   /* 0xC0000000 or 0x800000000000 */

/* ---- vpte bits (sys/sys/vkernel.h, 1.8 = 1.10; the 2010 64-bit layout kept the values) ---- */
#define VPTE_V 0x001ull       /* valid */
#define VPTE_PS 0x002ull      /* ends the walk: large (4 MiB / 2 MiB) mapping */
#define VPTE_R 0x004ull       /* readable: needed by read faults */
#define VPTE_W 0x008ull       /* writable: needed by write faults */
#define VPTE_X 0x010ull       /* executable: never checked */
#define VPTE_A 0x020ull       /* accessed: set by the real kernel's walk */
#define VPTE_M 0x040ull       /* modified: set by the real kernel's walk on write faults */
#define VPTE_U 0x080ull       /* user: vkernel pmap bookkeeping */
#define VPTE_MANAGED 0x100ull /* pv-tracked: vkernel pmap bookkeeping */
#define VPTE_G 0x200ull       /* global: vkernel pmap bookkeeping */
#define VPTE_WIRED 0x400ull   /* wired: vkernel pmap bookkeeping */
#define VPTE_FRAME 0x000FFFFFFFFFF000ull /* i386 uses the low 32 bits: 0xFFFFF000 */

/* ---- real PTE bits kept per guest page (model.md section 4) ---- */
#define REAL_P 0x01u /* present */
#define REAL_W 0x02u /* writable */
#define REAL_A 0x04u /* hardware accessed */
#define REAL_D 0x08u /* hardware dirty */

/* ---- page access kinds ---- */
enum mmu_kind { MMU_READ = 0, MMU_WRITE = 1, MMU_FETCH = 2 };

/* ---- counters: one list drives the struct, the names, JSON/CSV and the identities ---- */
#define MMU_COUNTERS(X)                                                                          \
    X(insns, "insns")                                                                            \
    X(access_read, "access.read")                                                                \
    X(access_write, "access.write")                                                              \
    X(access_fetch, "access.fetch")                                                              \
    X(access_kernel, "access.kernel")                                                            \
    X(fault_real, "fault.real")                                                                  \
    X(fault_reflected, "fault.reflected")                                                        \
    X(fault_resolved_real, "fault.resolved_real")                                                \
    X(fault_dirty_trap, "fault.dirty_trap")                                                      \
    X(fault_segv, "fault.segv")                                                                  \
    X(fault_native, "fault.native")                                                              \
    X(fault_ept_violation, "fault.ept_violation")                                                \
    X(walk_refs, "walk.refs")                                                                    \
    X(page_zero_fill, "page.zero_fill")                                                          \
    X(page_cow, "page.cow")                                                                      \
    X(page_file_read, "page.file_read")                                                          \
    X(page_swap_in, "page.swap_in")                                                              \
    X(vk_pt_alloc, "vk.pt_alloc")                                                                \
    X(vk_inval, "vk.inval")                                                                      \
    X(page_evict, "page.evict")                                                                  \
    X(vk_spurious_dirty, "vk.spurious_dirty")                                                    \
    X(vk_syscall, "vk.syscall")                                                                  \
    X(vk_vmspace, "vk.vmspace")                                                                  \
    X(prefault_issued, "prefault.issued")                                                        \
    X(prefault_used, "prefault.used")                                                            \
    X(prefault_wasted, "prefault.wasted")                                                        \
    X(tlb_itlb_hit, "tlb.itlb.hit")                                                              \
    X(tlb_itlb_miss, "tlb.itlb.miss")                                                            \
    X(tlb_dtlb_hit, "tlb.dtlb.hit")                                                              \
    X(tlb_dtlb_miss, "tlb.dtlb.miss")                                                            \
    X(tlb_stlb_hit, "tlb.stlb.hit")                                                              \
    X(tlb_stlb_miss, "tlb.stlb.miss")                                                            \
    X(tlb_walk_refs, "tlb.walk.refs")                                                            \
    X(tlb_flush, "tlb.flush")                                                                    \
    X(cycles_insn, "cycles.insn")                                                                \
    X(cycles_tlb, "cycles.tlb")                                                                  \
    X(cycles_fault, "cycles.fault")                                                              \
    X(cycles_reflect, "cycles.reflect")                                                          \
    X(cycles_dirty, "cycles.dirty")                                                              \
    X(cycles_prefault, "cycles.prefault")                                                        \
    X(cycles_inval, "cycles.inval")                                                              \
    X(cycles_syscall, "cycles.syscall")                                                          \
    X(cycles_vmspace, "cycles.vmspace")                                                          \
    X(cycles_total, "cycles.total")

enum mmu_counter_id {
#define MMU_X_ENUM(id, name) MMU_C_##id,
    MMU_COUNTERS(MMU_X_ENUM)
#undef MMU_X_ENUM
        MMU_NCOUNTERS
};

struct mmu_counters {
    uint64_t c[MMU_NCOUNTERS];
};
#define MMU_CTR(ctrs, id) ((ctrs)->c[MMU_C_##id])

extern const char *const mmu_counter_names[MMU_NCOUNTERS];
/* Index of a counter by its dotted name, or -1. */
int mmu_counter_find(const char *name);

/* Checks the identities of model.md section 9 for a finished run of a scheme
 * (vkernel_scheme: true for vpt-1.10/vpt/ept).  Returns NULL when all hold, else a static
 * description of the first that fails. */
const char *mmu_counters_check(const struct mmu_counters *c, bool vkernel_scheme);

/* ---- a small open-addressing map from u64 keys to pointers (no allocation on lookups) ---- */
struct mmu_hmap {
    uint64_t *keys; /* key + 1; 0 = empty */
    void **vals;
    size_t cap, len;
};
void mmu_hmap_init(struct mmu_hmap *h);
void mmu_hmap_fini(struct mmu_hmap *h);
void *mmu_hmap_get(const struct mmu_hmap *h, uint64_t key);
/* Returns 0, or -1 when out of memory.  Replaces an existing value. */
int mmu_hmap_put(struct mmu_hmap *h, uint64_t key, void *val);
/* Calls fn for every entry, in no defined order. */
void mmu_hmap_each(const struct mmu_hmap *h, void (*fn)(uint64_t key, void *val, void *ctx),
                   void *ctx);

/* ---- per-page state: the real PTE, the vkernel's leaf vpte, and vkernel bookkeeping ---- */
struct mmu_page {
    uint64_t vpte;  /* the vkernel's leaf vpte for this page (0 = none) */
    uint32_t frame; /* vkernel frame holding the page's data (0 = none) */
    uint8_t real;     /* REAL_* bits of the real PTE */
    uint8_t state;    /* the page's state (PG_*), owned by vkernel_model */
    uint8_t tracking; /* tracking of its current entry (TRACK_*), owned by vkernel_model */
    uint8_t pad;
};

/* One page-table page's worth of pages (1024 on i386, 512 on x86-64). */
struct mmu_leaf {
    uint64_t pde;     /* the vkernel's PDE pointing at this page-table page (0 = none) */
    uint64_t index;   /* vpn >> level_bits */
    bool real_pt;     /* the real kernel has a page-table page here (native schemes) */
    uint32_t nused;   /* pages with any state (for iteration) */
    struct mmu_page pg[];
};

/* The per-configuration sparse store of page state, indexed by virtual page number. */
struct mmu_space {
    enum mmu_arch arch;
    unsigned levels, level_bits;
    uint64_t leaf_pages;            /* 1 << level_bits */
    struct mmu_leaf **dir;          /* i386: 1024 leaves, direct */
    struct mmu_hmap leaves;         /* x86-64: leaf index -> leaf */
    struct mmu_hmap upper;          /* x86-64: (level << 56 | index) -> uint64 vpte + 1 */
    uint64_t root;                  /* root vpte (held by the map entry, never written) */
    uint64_t last_index;
    struct mmu_leaf *last;
    uint64_t nleaves;
};
int mmu_space_init(struct mmu_space *s, enum mmu_arch arch);
void mmu_space_fini(struct mmu_space *s);
/* The leaf holding vpn; NULL when absent and !create (or out of memory). */
struct mmu_leaf *mmu_space_leaf_slow(struct mmu_space *s, uint64_t vpn, bool create);
static inline struct mmu_leaf *mmu_space_leaf(struct mmu_space *s, uint64_t vpn, bool create)
{
    uint64_t idx = vpn >> s->level_bits;
    if (s->last && s->last_index == idx)
        return s->last;
    return mmu_space_leaf_slow(s, vpn, create);
}
/* The page state of vpn (created zeroed on first use); NULL only when out of memory. */
static inline struct mmu_page *mmu_space_page(struct mmu_space *s, uint64_t vpn)
{
    struct mmu_leaf *l = mmu_space_leaf(s, vpn, true);
    return l ? &l->pg[vpn & (s->leaf_pages - 1)] : NULL;
}
/* Calls fn for every leaf, in ascending address order. */
void mmu_space_each_leaf(struct mmu_space *s, void (*fn)(struct mmu_leaf *l, void *ctx),
                         void *ctx);

/* Upper-level vptes above the leaf's PDE (x86-64 PML4E = level 4, PDPE = level 3).  For i386
 * there are none.  Level numbering: 1 = PTE, 2 = PDE, ..., levels = top below the root. */
uint64_t mmu_space_upper_get(const struct mmu_space *s, unsigned level, uint64_t vpn);
int mmu_space_upper_set(struct mmu_space *s, unsigned level, uint64_t vpn, uint64_t vpte);

/* ---- the real kernel's walk of the vkernel page table (model.md section 5 step 1) ---- */
struct mmu_walk {
    bool ok;        /* every level passed */
    unsigned refs;  /* vpte reads (root excluded, failing level included) */
    unsigned fail_level; /* level whose check failed (0 when ok) */
    uint64_t vpte;  /* the final vpte reached (the PS entry, or the PTE) when ok */
};
/* Walks for a read (write = false) or write; sets A (read) or A|M (write) on every level whose
 * check passed, before descending.  A failing check leaves its entry untouched. */
struct mmu_walk mmu_vpte_walk(struct mmu_space *s, uint64_t vpn, bool write);

/* ---- TLB (cycle-approximate): ITLB and DTLB, a shared second level, LRU ---- */
struct mmu_tlb_level_cfg {
    unsigned entries; /* 0 = level absent */
    unsigned ways;    /* entries = fully associative */
};
struct mmu_tlb_cfg {
    char name[32];
    struct mmu_tlb_level_cfg itlb, dtlb, stlb;
    unsigned stlb_hit_cycles; /* extra latency of a first-level miss that hits the STLB */
    unsigned walk_ref_cycles; /* one page-walk memory reference */
    unsigned pwc_entries;     /* page-walk cache of upper-level entries (0 = none) */
};
struct mmu_tlb_preset {
    const char *name;
    const char *desc;
    const struct mmu_tlb_cfg *cfg;
};
extern const struct mmu_tlb_preset *const mmu_tlb_presets[]; /* NULL-terminated */
/* Parses a preset name or "itlb=E:W,dtlb=E:W,stlb=E:W,stlb_hit=C,walk_ref=C,pwc=N" (keys
 * optional, starting from preset "none" = all absent); 0 or -1 with err filled. */
int mmu_tlb_parse(const char *spec, struct mmu_tlb_cfg *out, char *err, size_t errlen);

struct mmu_tlb_level {
    unsigned sets, ways;
    uint64_t *tag;   /* (vpn + 1) per entry, 0 = empty */
    uint64_t *stamp; /* LRU time stamp; entries from an older generation are empty */
    uint64_t *gen;
};
struct mmu_tlb {
    struct mmu_tlb_cfg cfg;
    struct mmu_tlb_level itlb, dtlb, stlb, pwc;
    uint64_t now, generation;
    unsigned walk_refs, walk_refs_pwc; /* references of a full walk, and with a PWC hit */
    unsigned pwc_shift;                /* vpn >> pwc_shift names the upper-level entry */
};
/* walk_refs: references of a full walk (2 for i386 paging, 4 for x86-64, (n+1)(m+1)-1 for
 * two-dimensional walks); walk_refs_pwc: with the upper levels in the page-walk cache. */
int mmu_tlb_init(struct mmu_tlb *t, const struct mmu_tlb_cfg *cfg, unsigned walk_refs,
                 unsigned walk_refs_pwc, unsigned pwc_shift);
void mmu_tlb_fini(struct mmu_tlb *t);
/* One translation of vpn (fetch: ITLB, else DTLB); counts into c. */
void mmu_tlb_access(struct mmu_tlb *t, uint64_t vpn, bool fetch, struct mmu_counters *c);
/* invlpg: drops vpn from every level. */
void mmu_tlb_invalidate(struct mmu_tlb *t, uint64_t vpn);
/* CR3 switch without global pages: drops everything. */
void mmu_tlb_flush(struct mmu_tlb *t, struct mmu_counters *c);
/* References of a two-dimensional walk with n guest and m nested levels: (n+1)(m+1)-1. */
static inline unsigned mmu_walk_refs_2d(unsigned n, unsigned m)
{
    return (n + 1) * (m + 1) - 1;
}

/* ---- cost model (model.md section 10) ---- */
#define MMU_COSTS(X)                                                                             \
    X(insn, "cycles per guest instruction")                                                      \
    X(syscall_native, "a system call on the native kernel (trap and return)")                    \
    X(syscall_vk, "a guest system call under the vkernel: trap, switch to the vkernel, back")    \
    X(fault_native, "a fault resolved by the real/native kernel without page work")              \
    X(fault_real, "a vpagetable fault resolved by the real kernel alone (before walk refs)")     \
    X(walk_ref, "one vpte read by the real kernel's software walk")                              \
    X(reflect, "a reflection round trip: failed fault, trip to the vkernel, its fault, back")    \
    X(dirty_trap, "a dirty-bit (write-protect) trap resolved by the real kernel")                \
    X(zero_fill, "zeroing a new page")                                                           \
    X(cow, "copying a page for copy-on-write")                                                   \
    X(file_read, "reading a page from the file (major fault)")                                   \
    X(swap_in, "paging an evicted page back in")                                                 \
    X(evict, "evicting a page (write-back queued)")                                              \
    X(pt_alloc, "allocating and zeroing a page-table page")                                      \
    X(prefault, "entering one prefaulted entry")                                                 \
    X(inval, "one madvise(MADV_INVAL) system call")                                              \
    X(ept_violation, "an EPT violation: VM exit, host fault on the vkernel's memory, re-entry")  \
    X(vmspace, "one real system call that creates, sets up or destroys a vmspace")

enum mmu_cost_id {
#define MMU_X_ENUM(id, desc) MMU_COST_##id,
    MMU_COSTS(MMU_X_ENUM)
#undef MMU_X_ENUM
        MMU_NCOSTS
};

/* Limits of a costs file.  A path that open() takes is below PATH_MAX (4096) bytes, so a
 * name buffer of MMU_COSTS_NAME_MAX + 1 never cuts one; a longer name is refused.  With every
 * cost at most MMU_COST_MAX and counters below 2^64, every cycle product and sum stays a
 * finite double (below 2^64 x 1e12 x 8 < 2e32); mmu_costs_apply then checks that it fits in
 * a uint64_t.  MMU_COSTS_ERR_MAX bytes hold any message of mmu_costs_load. */
#define MMU_COSTS_NAME_MAX 4095
#define MMU_COSTS_LINE_MAX 1022
#define MMU_COSTS_ERR_MAX (MMU_COSTS_NAME_MAX + 3 * MMU_COSTS_LINE_MAX + 256)
#define MMU_COST_MAX 1e12
#define MMU_CLOCK_GHZ_MIN 0.001
#define MMU_CLOCK_GHZ_MAX 1000.0
#define MMU_COST_RANGE "0 to 1e12 cycles per event"
#define MMU_CLOCK_GHZ_RANGE "0.001 to 1000 GHz"

struct mmu_costs {
    char name[MMU_COSTS_NAME_MAX + 1]; /* profile name, or the file it was read from */
    double clock_ghz;       /* nominal clock, for converting to time */
    double v[MMU_NCOSTS];   /* cycles per event */
};
extern const char *const mmu_cost_names[MMU_NCOSTS];
extern const char *const mmu_cost_descs[MMU_NCOSTS];

struct mmu_cost_profile {
    const char *name;
    const char *desc;
    const struct mmu_costs *costs;
};
/* NULL-terminated registry of built-in profiles ("modern", "dfly2007"). */
extern const struct mmu_cost_profile *const mmu_cost_profiles[];
const struct mmu_cost_profile *mmu_cost_profile_find(const char *name);

/* Loads a `key = value` costs file (model.md section 10).  Keys are the names above plus
 * `base` (a profile the file starts from, default modern) and `clock_ghz`.  Values are plain
 * decimal numbers from 0 to MMU_COST_MAX (clock_ghz: MMU_CLOCK_GHZ_MIN to _MAX).  Lines end
 * with LF or CR LF and hold at most MMU_COSTS_LINE_MAX characters, none of them NUL or
 * control bytes.  On error returns -1 and writes "FILE:LINE: message" into err (give it
 * MMU_COSTS_ERR_MAX bytes so that no message is cut). */
int mmu_costs_load(struct mmu_costs *out, const char *path, char *err, size_t errlen);
/* true when s is a plain decimal number as a costs file takes it: digits with an optional
 * fraction and exponent, no sign, no "inf", "nan" or hexadecimal. */
bool mmu_plain_decimal(const char *s);
/* Resolves NAME|FILE as the CLI's --costs does. */
int mmu_costs_resolve(struct mmu_costs *out, const char *name_or_file, char *err,
                      size_t errlen);
/* Writes the costs as a costs file (loadable by mmu_costs_load). */
void mmu_costs_write(const struct mmu_costs *c, FILE *f);

/* How a scheme's events are charged: a vkernel with software walks (vpt-1.10, vpt), the
 * hardware-walked vkernel (ept), or a native kernel (native, linux). */
enum mmu_cost_class { MMU_CLASS_VPT, MMU_CLASS_EPT, MMU_CLASS_NATIVE };
/* Fills the cycles.* counters from the event counters.  Returns NULL, or the name of the
 * first cycles.* counter whose value does not fit in 64 bits (the cycles.* are then partly
 * filled and must not be reported). */
const char *mmu_costs_apply(const struct mmu_costs *k, struct mmu_counters *c,
                            enum mmu_cost_class cls, uint64_t guest_syscalls);

#endif
