/* Hand-derived scenarios in the x86-64 layout (issue 13 item 2), each pinning a rule that
 * differs from i386.  Derived from ../shared/docs/model.md only (docs/model-notes.md where a
 * comment says so); every test states its derivation and lists every non-zero event counter.
 *
 * The layout (model.md section 1, "four levels of 9 bits below the root", section 3 "the root
 * vpte is held by the map entry, never written"): the root names the PML4 page, which exists
 * with the vmspace (as the i386 page directory does: not a vk.pt_alloc).  Below it, level 4 =
 * PML4E (VA bits 47-39), 3 = PDPTE (38-30), 2 = PDE (29-21), 1 = PTE (20-12).  One PT page
 * covers 512 pages (2 MiB), one PD page 1 GiB, one PDPT page 512 GiB.  User space ends at
 * 0x800000000000.
 *
 * Rules used, carried over from the i386 text to four levels:
 *   walk.refs (sections 5 step 1, 9): one per level read, root excluded, the failing level
 *     included: a successful walk is 4; a walk that fails at level k reads 4 - k + 1 entries
 *     (fails at the PML4E: 1, PDPTE: 2, PDE: 3, PTE: 4).
 *   vk.pt_alloc (3, 6 step 3): pmap_enter allocates each missing table page below the root:
 *     a first touch under an empty PML4E allocates the PDPT, PD and PT pages (3).
 *   ept (5): (n+1)(m+1)-1 = 24 references per TLB miss with 4 guest and 4 EPT levels; each
 *     valid upper entry (PML4E, PDPTE, PDE) whose table frame has no EPT entry yet is an EPT
 *     violation, as the data frame is (the i386 PDE case is pinned in test_model_procs.c).
 *   native/linux TLB misses walk the real 4-level page table: 4 references.
 * "fault N" numbers the real faults in order. */
#include "scenario.h"

#define X64 MMU_ARCH_X86_64
#define I386 MMU_ARCH_I386

/* A scheme/policy/strict model in layout arch with options o (NULL: defaults). */
static struct vk_model *new_arch(const char *scheme, const char *policy, enum mmu_arch arch,
                                 const struct vk_options *o)
{
    return sc_new_opt(scheme, policy, "strict", o, arch, NULL);
}

/* Runs trace on a fresh model, finishes it, checks the identities and the exact counters. */
static void check_arch(const char *scheme, const char *policy, enum mmu_arch arch,
                       const char *trace, const char *expect)
{
    struct vk_model *m = new_arch(scheme, policy, arch, NULL);
    sc_run(m, trace);
    sc_finish(m);
    SC_EXPECT_ONLY(m, expect);
    vk_model_free(m);
}

/* The table page a vpte names (its frame number). */
static uint64_t frame_of(uint64_t vpte)
{
    return (vpte & VPTE_FRAME) >> MMU_PAGE_SHIFT;
}

/* The vkernel's entry at level (4 = PML4E ... 1 = PTE) for addr; 0 when absent. */
static uint64_t entry_at(struct vk_model *m, unsigned level, uint64_t addr)
{
    if (level >= 3)
        return mmu_space_upper_get(vk_space(m), level, SC_VPN(addr));
    return level == 2 ? sc_pde(m, addr) : sc_vpte(m, addr);
}

/* ---- first touch: three table pages, a 1-reference reflection, a 4-reference walk ---- */

/* vpt-1.10/none, W 0x10000000 in an empty space (indices PML4 0, PDPT 0, PD 0x80, PT 0).
 * fault 1: the root passes (no reference), the PML4E is absent: 1 ref, reflected.  The
 *   vkernel zero-fills the page, allocates the PDPT, PD and PT pages (pt_alloc 3, each
 *   directory entry V|R|W|A|M) and enters V|R|W|U|MANAGED|A.
 * fault 2 (retry): PML4E, PDPTE, PDE, PTE all pass with W: 4 refs, A|M set, resolved.
 * walk.refs 1 + 4 = 5.  (i386: 1 + 2 = 3 refs, pt_alloc 1; checked below.) */
Test(x86_64_first_touch, write_allocates_three_table_pages)
{
    struct vk_model *m = new_arch("vpt-1.10", "none", X64, NULL);
    sc_run(m, "map 0x10000000 0x10010000 rw- anon\nW 0x10000000 4\n");
    const uint64_t dir = VPTE_V | VPTE_R | VPTE_W | VPTE_A | VPTE_M;
    uint64_t f[5] = {0};
    for (unsigned level = 4; level >= 2; level--) {
        uint64_t e = entry_at(m, level, 0x10000000);
        cr_expect_eq(e & SC_VBITS, dir, "level %u entry %#llx", level, (unsigned long long)e);
        f[level] = frame_of(e);
    }
    uint64_t pte = entry_at(m, 1, 0x10000000);
    cr_expect_eq(pte & SC_VBITS,
                 VPTE_V | VPTE_R | VPTE_W | VPTE_U | VPTE_MANAGED | VPTE_A | VPTE_M);
    f[1] = frame_of(pte);
    /* four distinct frames: PDPT, PD and PT pages, and the data page */
    for (int i = 1; i <= 4; i++)
        for (int j = i + 1; j <= 4; j++)
            cr_expect_neq(f[i], f[j], "levels %d and %d share frame %llu", i, j,
                          (unsigned long long)f[i]);
    cr_expect_eq(vk_space(m)->nleaves, 1);
    sc_finish(m);
    SC_EXPECT_ONLY(m, "access.write=1 fault.real=2 fault.reflected=1 fault.resolved_real=1 "
                      "walk.refs=5 page.zero_fill=1 vk.pt_alloc=3");
    vk_model_free(m);

    check_arch("vpt-1.10", "none", I386, "map 0x10000000 0x10010000 rw- anon\nW 0x10000000 4\n",
               "access.write=1 fault.real=2 fault.reflected=1 fault.resolved_real=1 "
               "walk.refs=3 page.zero_fill=1 vk.pt_alloc=1");
}

/* vpt-1.10/none, R then W of a fresh page.  fault 1: 1 ref, reflected (pt 3, zero-fill; a
 * read of a writable anonymous page gets W).  fault 2: read walk, 4 refs, resolved, the real
 * PTE read-only (1.10).  W: present read-only: fault 3, write walk 4 refs, a dirty-bit trap.
 * walk.refs 9. */
Test(x86_64_first_touch, read_then_write_dirty_trap)
{
    check_arch("vpt-1.10", "none", X64,
               "map 0x10000000 0x10010000 rw- anon\nR 0x10000000 4\nW 0x10000000 4\n",
               "access.read=1 access.write=1 fault.real=3 fault.reflected=1 "
               "fault.resolved_real=2 fault.dirty_trap=1 walk.refs=9 page.zero_fill=1 "
               "vk.pt_alloc=3");
}

/* ---- where the second touch lands: the level at which its walk fails ---- */

/* After W 0x10000000 (5 refs, pt 3), a write to a page that shares:
 *   the PT page  (0x10001000):   walk fails at the PTE:   4 refs, no table page;
 *   the PD page  (0x10200000):   fails at the PDE:        3 refs, +1 (PT);
 *   the PDPT page(0x50000000):   fails at the PDPTE:      2 refs, +2 (PD, PT);
 *   only the root(0x8000000000): fails at the PML4E:      1 ref,  +3 (PDPT, PD, PT);
 * then the retry walks 4 refs.  Each case: fault.real 4, reflected 2, resolved 2, zero 2. */
Test(x86_64_levels, second_touch_fails_at_the_first_missing_level)
{
    const struct {
        const char *addr;
        unsigned refs, pt;
    } cases[] = {
        {"0x10001000", 5 + 4 + 4, 3},
        {"0x10200000", 5 + 3 + 4, 4},
        {"0x50000000", 5 + 2 + 4, 5},
        {"0x8000000000", 5 + 1 + 4, 6},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char trace[256], expect[256];
        uint64_t a = strtoull(cases[i].addr, NULL, 0);
        snprintf(trace, sizeof trace,
                 "map 0x10000000 0x10001000 rw- anon\nmap %s %#llx rw- anon\n"
                 "W 0x10000000 4\nW %s 4\n",
                 cases[i].addr, (unsigned long long)(a + 0x1000), cases[i].addr);
        snprintf(expect, sizeof expect,
                 "access.write=2 fault.real=4 fault.reflected=2 fault.resolved_real=2 "
                 "walk.refs=%u page.zero_fill=2 vk.pt_alloc=%u",
                 cases[i].refs, cases[i].pt);
        check_arch("vpt-1.10", "none", X64, trace, expect);
    }
}

/* The four second touches in one space, in the order above: each lands where the previous
 * ones left the tables: 0x10001000 (4 refs, +0), 0x10200000 (3, +1), 0x50000000 (2, +2),
 * 0x8000000000 (1, +3); each retry 4.  walk.refs 5 + 8 + 7 + 6 + 5 = 31, pt_alloc 9. */
Test(x86_64_levels, all_levels_in_one_space)
{
    check_arch("vpt-1.10", "none", X64,
               "map 0x10000000 0x10002000 rw- anon\nmap 0x10200000 0x10201000 rw- anon\n"
               "map 0x50000000 0x50001000 rw- anon\nmap 0x8000000000 0x8000001000 rw- anon\n"
               "W 0x10000000 4\nW 0x10001000 4\nW 0x10200000 4\nW 0x50000000 4\n"
               "W 0x8000000000 4\n",
               "access.write=5 fault.real=10 fault.reflected=5 fault.resolved_real=5 "
               "walk.refs=31 page.zero_fill=5 vk.pt_alloc=9");
}

/* A genuine segmentation fault is a failed walk first (section 9 identity), so its walk.refs
 * depend on how far the tables reach: after W 0x10000000 (5 refs, pt 3), a read of
 * 0x10005000 (no region, same PT page) fails at the PTE: 4 refs; a read of 0x7f0000000000
 * (no region, empty PML4E 254) fails at the PML4E: 1 ref.  Both reflected and segv. */
Test(x86_64_levels, segv_walk_reads_as_far_as_the_tables_reach)
{
    check_arch("vpt-1.10", "none", X64,
               "map 0x10000000 0x10001000 rw- anon\nW 0x10000000 4\n"
               "R 0x10005000 4 =segv\nR 0x7f0000000000 4 =segv\n",
               "access.read=2 access.write=1 fault.real=4 fault.reflected=3 "
               "fault.resolved_real=1 fault.segv=2 walk.refs=10 page.zero_fill=1 "
               "vk.pt_alloc=3");
}

/* ---- a process's layout: text at 0x400000, stack at 0x7ffffffde000 ---- */

/* vpt-1.10/none.  Text 0x400000 (PML4 0, PDPT 0, PD 2, PT 0), stack 0x7ffffffde000 (PML4
 * 255, PDPT 511, PD 511, PT 478): no table page in common.
 * X 0x400000: fault 1 (1 ref) reflected; the warm cached page, vpte V|R|U|MANAGED|A (no W:
 *   r-x), pt 3; fault 2: read walk 4 refs, resolved.
 * W 0x7ffffffde000: fault 3 (1 ref) reflected, zero-fill, pt 3 more; fault 4: 4 refs.
 * W 0x601000 (rw- file data, PD 3: same PML4E/PDPTE/PD page as the text, a new PT page):
 *   fault 5 fails at the PDE (3 refs) reflected, copy-on-write, pt +1; fault 6: 4 refs.
 * walk.refs 5 + 5 + 7 = 17, pt_alloc 7: per level 2 PDPT, 2 PD, 3 PT pages. */
Test(x86_64_layout, text_stack_and_data_page_tables_per_level)
{
    struct vk_model *m = new_arch("vpt-1.10", "none", X64, NULL);
    sc_run(m, "map 0x400000 0x401000 r-x file 1 0\n"
              "map 0x601000 0x602000 rw- file 1 1\n"
              "map 0x7ffffffde000 0x7ffffffff000 rw- anon\n"
              "X 0x400000 4\nW 0x7ffffffde000 8\nW 0x601000 4\n");
    /* distinct table pages per level: PML4Es 0 and 255 name two PDPT pages, ... */
    cr_expect_neq(frame_of(entry_at(m, 4, 0x400000)), frame_of(entry_at(m, 4, 0x7ffffffde000)));
    cr_expect_neq(frame_of(entry_at(m, 3, 0x400000)), frame_of(entry_at(m, 3, 0x7ffffffde000)));
    cr_expect_eq(frame_of(entry_at(m, 3, 0x400000)), frame_of(entry_at(m, 3, 0x601000)));
    cr_expect_neq(frame_of(entry_at(m, 2, 0x400000)), frame_of(entry_at(m, 2, 0x601000)));
    cr_expect_eq(vk_space(m)->nleaves, 3);
    sc_finish(m);
    SC_EXPECT_ONLY(m, "access.fetch=1 access.write=2 fault.real=6 fault.reflected=3 "
                      "fault.resolved_real=3 walk.refs=17 page.zero_fill=1 page.cow=1 "
                      "vk.pt_alloc=7");
    vk_model_free(m);
}

/* The text+stack image, then exec and the same image again (section 11.2): exec removes the
 * two valid vptes (inval 2) and frees the table pages; the new image's first touches fail at
 * the PML4E again (1 ref each) and allocate 3 + 3 table pages again.  The vmspace is reused
 * (no vk.vmspace).  walk.refs 2 x (5 + 5) = 20, pt_alloc 12, zero-fill 2 (the old stack
 * page's frame was freed). */
Test(x86_64_layout, exec_frees_and_reallocates_the_four_level_tables)
{
    const char *image = "map 0x400000 0x401000 r-x file 1 0\n"
                        "map 0x7ffffffde000 0x7ffffffff000 rw- anon\n"
                        "X 0x400000 4\nW 0x7ffffffde000 8\n";
    struct vk_model *m = new_arch("vpt-1.10", "none", X64, NULL);
    sc_run(m, image);
    sc_run(m, "exec\n");
    cr_expect_eq(entry_at(m, 4, 0x400000), 0);
    cr_expect_eq(entry_at(m, 4, 0x7ffffffde000), 0);
    sc_run(m, image);
    sc_finish(m);
    SC_EXPECT_ONLY(m, "access.fetch=2 access.write=2 fault.real=8 fault.reflected=4 "
                      "fault.resolved_real=4 walk.refs=20 page.zero_fill=2 vk.pt_alloc=12 "
                      "vk.inval=2");
    vk_model_free(m);
}

/* fork of the text+stack space (section 11.1), vpt-1.10/none/strict.
 * Parent: X text (faults 1-2, 1 + 4 refs), W stack (faults 3-4, 1 + 4 refs), pt 6.
 * fork 2: the stack vpte has W: loses W and M, inval 1; vmspace 10; pmap_copy of both valid
 *   vptes into the child: each needs its own PDPT, PD and PT page: pt +6 = 12.
 * pid 2, X text: fault 5, read walk 4 refs over the copied tables, resolved.
 *   W stack: fault 6, fails at the PTE (no W): 4 refs, reflected; 2 users: page.cow 1, the
 *   child's valid copy re-entered: inval 2; fault 7: 4 refs.
 * exit: two valid vptes removed: inval 4; vmspace 11.
 * pid 1, W stack: fault 8 (no W: 4 refs) reflected, sole user: take-over, re-entered: inval 5;
 *   fault 9: 4 refs.
 * fault.real 9, reflected 4, resolved 5, walk.refs 10 + 12 + 8 = 30. */
Test(x86_64_fork, pmap_copy_allocates_the_childs_four_level_tables)
{
    struct vk_model *m = new_arch("vpt-1.10", "none", X64, NULL);
    sc_run(m, "map 0x400000 0x401000 r-x file 1 0\n"
              "map 0x7ffffffde000 0x7ffffffff000 rw- anon\n"
              "X 0x400000 4\nW 0x7ffffffde000 8\nfork 2\npid 2\n");
    /* the child's copies: every directory level present, the leaf without W, M and A */
    for (unsigned level = 4; level >= 2; level--)
        cr_expect(entry_at(m, level, 0x7ffffffde000) & VPTE_V, "child level %u", level);
    cr_expect_eq(entry_at(m, 1, 0x7ffffffde000) & SC_VBITS,
                 VPTE_V | VPTE_R | VPTE_U | VPTE_MANAGED);
    sc_run(m, "X 0x400000 4\nW 0x7ffffffde000 8\nexit\npid 1\nW 0x7ffffffde000 8\n");
    sc_finish(m);
    SC_EXPECT_ONLY(m, "access.fetch=2 access.write=3 fault.real=9 fault.reflected=4 "
                      "fault.resolved_real=5 walk.refs=30 page.zero_fill=1 page.cow=1 "
                      "vk.pt_alloc=12 vk.inval=5 vk.vmspace=11");
    SC_EXPECT_VMSPACE(m, 1, 1);
    vk_model_free(m);
}

/* ---- the end of user space: 0x800000000000 ---- */

/* vpt-1.10 and native.  The last user page [0x7ffffffff000, 0x800000000000) can be mapped;
 * a region reaching past it is refused (VK_ERROR).  W 0x7ffffffff000: faults 1-2 (1 + 4
 * refs, pt 3, zero-fill).  R 0x800000000000, R 0xffff800000000000 (the canonical kernel
 * half): no region can hold them: each a fault that is reflected (vkernel schemes) and a
 * segv.  W 0x7ffffffffffc 8: the first page hits, the second is beyond: one more segv.
 * KR above the limit and KW crossing it: EFAULT, nothing counted (6.6).
 * CHOICE (the spec does not say how far the real kernel walks for an address outside user
 * space): no vpagetable entry covers it, so no vpte is read: walk.refs stays 5.  native: the
 * same faults, fault.native 1 + segv 3. */
Test(x86_64_limit, addresses_at_or_above_0x800000000000_are_outside_user_space)
{
    const char *trace = "map 0x7ffffffff000 0x800000000000 rw- anon\n"
                        "W 0x7ffffffff000 4\n"
                        "R 0x800000000000 4 =segv\n"
                        "R 0xffff800000000000 8 =segv\n"
                        "W 0x7ffffffffffc 8 =segv\n"
                        "KR 0x800000000000 8 =efault\n"
                        "KW 0x7ffffffffffc 8 =efault\n";
    check_arch("vpt-1.10", "none", X64, trace,
               "access.read=2 access.write=2 fault.real=5 fault.reflected=4 "
               "fault.resolved_real=1 fault.segv=3 walk.refs=5 page.zero_fill=1 vk.pt_alloc=3");
    check_arch("native", "none", X64, trace,
               "access.read=2 access.write=2 fault.real=4 fault.native=1 fault.segv=3 "
               "page.zero_fill=1");
    struct vk_model *m = new_arch("vpt-1.10", "none", X64, NULL);
    cr_expect_eq(vk_map(m, 0x7ffffffff000, 0x800000001000, VK_PROT_R, VK_ANON, 0, 0), VK_ERROR);
    vk_model_free(m);
    /* the i386 limit does not apply: 0xC0000000 and above is user space on x86-64 */
    check_arch("vpt-1.10", "none", X64, "map 0xc0000000 0xc0001000 rw- anon\nW 0xc0000000 4\n",
               "access.write=1 fault.real=2 fault.reflected=1 fault.resolved_real=1 "
               "walk.refs=5 page.zero_fill=1 vk.pt_alloc=3");
}

/* ---- the TLB: 4 references per hardware walk, 24 in ept ---- */

/* A model with a 64-entry 4-way DTLB, 10 cycles per walk reference, and pwc entries of
 * page-walk cache (0: none). */
static struct vk_model *tlb_model(const char *scheme, unsigned pwc)
{
    char err[256], spec[96];
    struct vk_options o = {.tlb_on = true};
    snprintf(spec, sizeof spec, "dtlb=64:4,itlb=16:4,walk_ref=10%s", pwc ? ",pwc=4" : "");
    cr_assert_eq(mmu_tlb_parse(spec, &o.tlb, err, sizeof err), 0, "%s", err);
    struct vk_model *m = new_arch(scheme, "none", X64, &o);
    sc_run(m, "map 0x10000000 0x10400000 rw- anon\n");
    return m;
}

/* R p0, R p1, R p0, S, R p0, R p1 (the i386 scenario of test_model_tlb.c).  Completed
 * translations: native and linux keep their entries: 2 misses, 3 hits, each miss a walk of
 * the real 4-level table: 8 refs, 80 cycles.  ept (tagged, no flush): 2 misses x 24 = 48.
 * vpt-1.10: every reflection and the system call flush (3 flushes): 5 misses x 4 = 20. */
Test(x86_64_tlb, walk_references_per_scheme)
{
    const struct {
        const char *scheme;
        unsigned hits, misses, flushes, refs;
    } cases[] = {
        {"native", 3, 2, 0, 8},
        {"linux", 3, 2, 0, 8},
        {"ept", 3, 2, 0, 48},
        {"vpt-1.10", 0, 5, 3, 20},
        {"vpt", 0, 5, 3, 20},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct vk_model *m = tlb_model(cases[i].scheme, 0);
        sc_run(m, "R 0x10000000 4\nR 0x10001000 4\nR 0x10000000 4\nS 20\n"
                  "R 0x10000000 4\nR 0x10001000 4\n");
        sc_finish(m);
        const struct mmu_counters *c = vk_counters(m);
        cr_expect_eq(MMU_CTR(c, tlb_dtlb_hit), cases[i].hits, "%s", cases[i].scheme);
        cr_expect_eq(MMU_CTR(c, tlb_dtlb_miss), cases[i].misses, "%s", cases[i].scheme);
        cr_expect_eq(MMU_CTR(c, tlb_flush), cases[i].flushes, "%s", cases[i].scheme);
        cr_expect_eq(MMU_CTR(c, tlb_walk_refs), cases[i].refs, "%s", cases[i].scheme);
        cr_expect_eq(MMU_CTR(c, cycles_tlb), 10 * cases[i].refs, "%s", cases[i].scheme);
        /* ept's hardware walk is no software walk */
        if (!strcmp(cases[i].scheme, "ept"))
            cr_expect_eq(MMU_CTR(c, walk_refs), 0);
        vk_model_free(m);
    }
}

/* With a page-walk cache (the upper-level entries of one PT page, 2 MiB): R 0x10000000 (PWC
 * miss: full walk), R 0x10001000 (same PT page: PWC hit), R 0x10200000 (another PT page:
 * miss).  native: 4 + 1 + 4 = 9 (a hit leaves the PTE read).  ept: 24 + 9 + 24 = 57 (a hit
 * leaves the guest PTE, reached through a 4-level EPT walk, 5, then the data frame's EPT walk,
 * 4).  CHOICE: model.md gives only the full-walk numbers; docs/model-notes.md says "fewer on a
 * page-walk-cache hit"; these pin the code's 1 and 9. */
Test(x86_64_tlb, page_walk_cache_per_pt_page)
{
    const char *schemes[] = {"native", "ept"};
    const unsigned refs[] = {9, 57};
    for (int i = 0; i < 2; i++) {
        struct vk_model *m = tlb_model(schemes[i], 4);
        sc_run(m, "R 0x10000000 4\nR 0x10001000 4\nR 0x10200000 4\n");
        sc_finish(m);
        const struct mmu_counters *c = vk_counters(m);
        cr_expect_eq(MMU_CTR(c, tlb_dtlb_miss), 3, "%s", schemes[i]);
        cr_expect_eq(MMU_CTR(c, tlb_walk_refs), refs[i], "%s", schemes[i]);
        vk_model_free(m);
    }
}

/* ---- ept: EPT violations on each new table frame ---- */

/* ept/none.  W 0x10000000: fault 1, the hardware walk fails (guest #PF), reflected; zero-fill,
 * pt 3.  Retry: the PML4E, PDPTE and PDE name three new table frames and the PTE a new data
 * frame, none in the EPT: faults 2-5, four violations.
 * W 0x10001000 (same PT page): fault 6 reflected, zero-fill; retry: the data frame: fault 7.
 * W 0x10200000 (same PD, new PT page): fault 8 reflected, zero-fill, pt +1; retry: the new
 * PT frame and the data frame: faults 9-10.
 * fault.real 10, reflected 3, resolved 7 = violations; no software walk (walk.refs 0).
 * (i386: the first touch is 1 + 2 violations, test_model_procs.c.) */
Test(x86_64_ept, violations_per_table_level)
{
    check_arch("ept", "none", X64,
               "map 0x10000000 0x10400000 rw- anon\n"
               "W 0x10000000 4\nW 0x10001000 4\nW 0x10200000 4\n",
               "access.write=3 fault.real=10 fault.reflected=3 fault.resolved_real=7 "
               "fault.ept_violation=7 page.zero_fill=3 vk.pt_alloc=4");
}

/* ---- prefault policies whose reach is a page-table page (2 MiB on x86-64) ---- */

/* dfly under vpt-1.10: file r-- [0x1fc000, 0x204000) (8 warm pages across the 2 MiB line),
 * R 0x200000: fault 1 (1 ref) reflected, pt 3.  pmap_prefault: -1, -2, -3, -4 lie in the PT
 * page of PD entry 0, which does not exist: skipped; +1, +2, +3 entered V|U|MANAGED; +4 is
 * outside.  issued 3, never reached: wasted 3.  fault 2: 4 refs.
 * i386: the whole range is one PT page (4 MiB): all 7 entered; walk 1 + 2, pt 1. */
Test(x86_64_prefault, dfly_needs_the_2mib_page_table_page)
{
    const char *trace = "map 0x1fc000 0x204000 r-- file 1 0\nR 0x200000 4\n";
    check_arch("vpt-1.10", "dfly", X64, trace,
               "access.read=1 fault.real=2 fault.reflected=1 fault.resolved_real=1 walk.refs=5 "
               "vk.pt_alloc=3 prefault.issued=3 prefault.wasted=3");
    check_arch("vpt-1.10", "dfly", I386, trace,
               "access.read=1 fault.real=2 fault.reflected=1 fault.resolved_real=1 walk.refs=3 "
               "vk.pt_alloc=1 prefault.issued=7 prefault.wasted=7");
}

/* dfly under native: "without an existing page-table page" refers to the real page table
 * (section 7), one PT page per 2 MiB.  R 0x200000: native fault 1; +1, +2, +3 entered
 * read-only (the -k side has no real PT page).  R 0x1ff000: fault 2 (its real PTE is absent),
 * now with a PT page there: -1, -2, -3 (0x1fe-0x1fc) entered; +1..+4 already have real PTEs:
 * skipped; -4 outside.  issued 6, none accessed: wasted 6.  i386: the first fault enters all
 * 7 and the second access hits. */
Test(x86_64_prefault, dfly_native_real_page_table)
{
    const char *trace = "map 0x1fc000 0x204000 r-- file 1 0\nR 0x200000 4\nR 0x1ff000 4\n";
    check_arch("native", "dfly", X64, trace,
               "access.read=2 fault.real=2 fault.native=2 prefault.issued=6 prefault.wasted=6");
    check_arch("native", "dfly", I386, trace,
               "access.read=2 fault.real=1 fault.native=1 prefault.issued=7 prefault.used=1 "
               "prefault.wasted=6");
}

/* dfly2010 under vpt-1.10: anon rw- [0x1fc000, 0x204000), W 0x200000: fault 1 (1 ref)
 * reflected, zero-fill, pt 3.  Candidates -1,+1,...,-4 (+4 outside): none valid, all
 * zero-filled (writable anonymous) and entered; the first backward one needs the PT page of
 * PD entry 0: allocated, pt 4.  issued 7, wasted 7; zero-fill 8; fault 2: 4 refs. */
Test(x86_64_prefault, dfly2010_allocates_the_neighbouring_pt_page)
{
    const char *trace = "map 0x1fc000 0x204000 rw- anon\nW 0x200000 4\n";
    check_arch("vpt-1.10", "dfly2010", X64, trace,
               "access.write=1 fault.real=2 fault.reflected=1 fault.resolved_real=1 walk.refs=5 "
               "page.zero_fill=8 vk.pt_alloc=4 prefault.issued=7 prefault.wasted=7");
    check_arch("vpt-1.10", "dfly2010", I386, trace,
               "access.write=1 fault.real=2 fault.reflected=1 fault.resolved_real=1 walk.refs=3 "
               "page.zero_fill=8 vk.pt_alloc=1 prefault.issued=7 prefault.wasted=7");
}

/* ptpage under vpt-1.10: anon rw- [0x100000, 0x300000).  W 0x200000: fault 1 (1 ref), pt 3;
 * the PT page covers [0x200000, 0x400000): 255 other pages of the region, zero-filled and
 * entered; fault 2: 4 refs.  W 0x1ff000: fault 3 fails at the PDE (3 refs), pt 4, 255 more;
 * fault 4: 4 refs.  issued 510, zero-fill 512, walk 12.  (docs/model-notes.md: "ptpage on
 * x86-64 covers the 512 pages (2 MiB) of one page-table page"; model.md says 4 MiB for i386.)
 * i386, first write only: the whole region is one PT page: 511 issued, pt 1. */
Test(x86_64_prefault, ptpage_covers_512_pages)
{
    check_arch("vpt-1.10", "ptpage", X64,
               "map 0x100000 0x300000 rw- anon\nW 0x200000 4\nW 0x1ff000 4\n",
               "access.write=2 fault.real=4 fault.reflected=2 fault.resolved_real=2 "
               "walk.refs=12 page.zero_fill=512 vk.pt_alloc=4 prefault.issued=510 "
               "prefault.wasted=510");
    check_arch("vpt-1.10", "ptpage", I386, "map 0x100000 0x300000 rw- anon\nW 0x200000 4\n",
               "access.write=1 fault.real=2 fault.reflected=1 fault.resolved_real=1 "
               "walk.refs=3 page.zero_fill=512 vk.pt_alloc=1 prefault.issued=511 "
               "prefault.wasted=511");
}

/* ---- --vk-mem: table pages take frames (section 2) and are never evicted ---- */

/* vpt-1.10/none, --vk-mem 4 pages, anon rw- p0, p1 (one PT page).  W p0: fault 1 (1 ref),
 * frames: p0 + PDPT + PD + PT = 4 (the limit).  fault 2: 4 refs.  W p1: fault 3 fails at the
 * PTE (4 refs), reflected; its zero-fill needs a frame: CLOCK over VPTE_A finds only p0
 * evictable (table pages are kept until the address space exits): A set, cleared, skipped;
 * then taken: inval 1, page.evict 1.  fault 4: 4 refs.  walk.refs 13.
 * i386: p0 + one PT page + p1 = 3 frames: no eviction. */
Test(x86_64_vkmem, table_pages_fill_the_limit)
{
    const char *trace = "map 0x10000000 0x10002000 rw- anon\nW 0x10000000 4\nW 0x10001000 4\n";
    struct vk_options o = {.vk_mem_pages = 4};
    struct vk_model *m = new_arch("vpt-1.10", "none", X64, &o);
    sc_run(m, trace);
    sc_finish(m);
    SC_EXPECT_ONLY(m, "access.write=2 fault.real=4 fault.reflected=2 fault.resolved_real=2 "
                      "walk.refs=13 page.zero_fill=2 vk.pt_alloc=3 vk.inval=1 page.evict=1");
    vk_model_free(m);
    m = new_arch("vpt-1.10", "none", I386, &o);
    sc_run(m, trace);
    sc_finish(m);
    SC_EXPECT_ONLY(m, "access.write=2 fault.real=4 fault.reflected=2 fault.resolved_real=2 "
                      "walk.refs=7 page.zero_fill=2 vk.pt_alloc=1");
    vk_model_free(m);
}

/* ---- table pages outlive the pages they map; walks cost 4 wherever the real kernel walks ---- */

/* vpt-1.10/none: W p0 (1 + 4 refs, pt 3), unmap it (the valid vpte removed: inval 1; the
 * table pages are kept until the address space exits, section 3), map it again, W p0: the
 * walk now fails only at the PTE: 4 refs, no table page; retry 4.  walk.refs 13, pt 3. */
Test(x86_64_tables, unmap_keeps_the_table_pages)
{
    check_arch("vpt-1.10", "none", X64,
               "map 0x10000000 0x10001000 rw- anon\nW 0x10000000 4\n"
               "unmap 0x10000000 0x10001000\nmap 0x10000000 0x10001000 rw- anon\n"
               "W 0x10000000 4\n",
               "access.write=2 fault.real=4 fault.reflected=2 fault.resolved_real=2 "
               "walk.refs=13 page.zero_fill=2 vk.pt_alloc=3 vk.inval=1");
}

/* vpt-1.10/window:2 with --real-prefault 2 (section 5 step 5: "each costs a walk").
 * R p0: fault 1 (1 ref) reflected, zero-fill, pt 3; window:2 zero-fills p1, p2 and enters
 * them readable (issued 2).  fault 2: 4 refs, resolved; the real kernel's prefault tries -1
 * (outside the region), +1 (p1: valid and readable: a 4-ref walk, read-only real PTE), -2
 * (outside), +2 (p2: 4 refs): N = 2 done.  R p1: hit (its real PTE gets A: used).  p2 is never
 * reached: wasted.  walk.refs 1 + 4 + 4 + 4 = 13. */
Test(x86_64_tables, real_prefault_walks_four_levels_each)
{
    struct vk_options o = {.real_prefault = 2};
    struct vk_model *m = new_arch("vpt-1.10", "window:2", X64, &o);
    sc_run(m, "map 0x10000000 0x10010000 rw- anon\nR 0x10000000 4\nR 0x10001000 4\n");
    sc_finish(m);
    SC_EXPECT_ONLY(m, "access.read=2 fault.real=2 fault.reflected=1 fault.resolved_real=1 "
                      "walk.refs=13 page.zero_fill=3 vk.pt_alloc=3 prefault.issued=2 "
                      "prefault.used=1 prefault.wasted=1");
    vk_model_free(m);
}

/* ept/none, fork of the text+stack space.  Parent: X text: fault 1 reflected (pt 3); retry:
 * the three new table frames and the cached text frame: faults 2-5 (violations).  W stack:
 * fault 6 reflected (zero-fill, pt 3); retry: three table frames and the data frame: faults
 * 7-10.  fork 2: the stack vpte has W: ept invalidates as vpt-1.10 does (docs/model-notes.md):
 * inval 1; vmspace 10; the child's copies need 6 new table pages (pt 12).
 * pid 2, X text: the copied vpte is readable: the walk succeeds through three table frames
 * the EPT has never seen: faults 11-13; the text frame has its entry.  W stack: no W: fault
 * 14 reflected; 2 users: page.cow, the child's valid vpte re-entered: inval 2; retry: the
 * child's own three stack table frames (another PML4 slot than the text's) and the new data
 * frame: faults 15-18.  fault.real 18, reflected 3, resolved 15 = violations.
 * (The model touches table frames only on a walk that succeeds; hardware would take the
 * violations while reading them, before the #PF of fault 14: the same count here.) */
Test(x86_64_ept, fork_child_tables_are_new_ept_frames)
{
    struct vk_model *m = new_arch("ept", "none", X64, NULL);
    sc_run(m, "map 0x400000 0x401000 r-x file 1 0\n"
              "map 0x7ffffffde000 0x7ffffffff000 rw- anon\n"
              "X 0x400000 4\nW 0x7ffffffde000 8\nfork 2\npid 2\n"
              "X 0x400000 4\nW 0x7ffffffde000 8\n");
    sc_finish(m);
    SC_EXPECT_ONLY(m, "access.fetch=2 access.write=2 fault.real=18 fault.reflected=3 "
                      "fault.resolved_real=15 fault.ept_violation=15 page.zero_fill=1 "
                      "page.cow=1 vk.pt_alloc=12 vk.inval=2 vk.vmspace=10");
    SC_EXPECT_VMSPACE(m, 1, 0);
    vk_model_free(m);
}
