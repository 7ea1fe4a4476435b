/* The real kernel's walk (model.md section 5 step 1) as seen through the model: each check,
 * the A / A|M bits, walk.refs including the failing level, and a PS PDE ending the walk. */
#include "scenario.h"

/* vpt-1.10/none/strict, one real read fault at a fresh page via vk_real_fault (no retry):
 * walk reads the PDE (absent: no V) -> fails at level 2 with 1 ref -> reflected; the vkernel
 * zero-fills, allocates the page-table page.  The second vk_real_fault is the retry: PDE and
 * PTE pass (2 refs), read-only real PTE.  Totals: fault.real 2, walk.refs 3. */
Test(model_walk, pde_without_v_fails_with_one_ref)
{
    struct vk_model *m = sc_new("vpt-1.10", "none", "strict");
    sc_run(m, "map 0x10000000 0x10010000 rw- anon\n");
    uint64_t vpn = SC_VPN(0x10000000);
    cr_expect_eq(vk_real_fault(m, vpn, MMU_READ), VK_FO_REFLECTED);
    SC_EXPECT(m, "fault.real=1 fault.reflected=1 walk.refs=1 page.zero_fill=1 vk.pt_alloc=1");
    cr_expect_eq(vk_real_fault(m, vpn, MMU_READ), VK_FO_RESOLVED);
    SC_EXPECT(m, "fault.real=2 fault.resolved_real=1 walk.refs=3");
    cr_expect_eq(vk_real_bits(m, vpn) & (REAL_P | REAL_W), REAL_P,
                 "1.10 read fault must map read-only");
    sc_finish(m);
    SC_EXPECT_ONLY(m, "fault.real=2 fault.reflected=1 fault.resolved_real=1 walk.refs=3 "
                      "page.zero_fill=1 vk.pt_alloc=1");
    vk_model_free(m);
}

/* R missing: vpt-1.10/dfly on a warm file region r-- [0x10000000,+16p).  R p4 prefaults p5
 * as V|U|MANAGED (no R in 1.10).  A read fault at p5: PDE passes, PTE has V but not R ->
 * fails at level 1 with 2 refs -> reflected (not resolved).  The vkernel re-enters p5: the old
 * vpte was valid -> one invalidation. */
Test(model_walk, pte_without_r_fails_read)
{
    struct vk_model *m = sc_new("vpt-1.10", "dfly", "strict");
    sc_run(m, "map 0x10000000 0x10010000 r-- file\nR 0x10004000\n");
    uint64_t v5 = sc_vpte(m, SC_P(0x10005));
    cr_expect(v5 & VPTE_V, "prefaulted vpte must be valid (got %#llx)", (unsigned long long)v5);
    cr_expect(!(v5 & VPTE_R), "1.10 prefaulted vpte must lack R (got %#llx)",
              (unsigned long long)v5);
    SC_EXPECT(m, "fault.real=2 walk.refs=3 vk.inval=0");
    cr_expect_eq(vk_real_fault(m, 0x10005, MMU_READ), VK_FO_REFLECTED);
    SC_EXPECT(m, "fault.real=3 fault.reflected=2 walk.refs=5 vk.inval=1");
    cr_expect(sc_vpte(m, SC_P(0x10005)) & VPTE_R, "re-entered vpte must be readable");
    /* the engine retries: resolved (2 refs), used nothing (p5's prefault was replaced) */
    cr_expect_eq(vk_real_fault(m, 0x10005, MMU_READ), VK_FO_RESOLVED);
    sc_finish(m);
    /* dfly from p5 entered p9 (p4 valid, p6,p3,p7,p2,p8,p1 already entered): issued 9 */
    SC_EXPECT_ONLY(m, "access.read=1 fault.real=4 fault.reflected=2 fault.resolved_real=2 "
                      "walk.refs=7 vk.pt_alloc=1 vk.inval=1 prefault.issued=9 "
                      "prefault.wasted=9");
    vk_model_free(m);
}

/* W missing: vpt-1.10/none, file rw- (warm).  R p0: reflected (1 ref), vpte without W (a
 * file page that is not private), retry resolved read-only (2 refs).  W p0: real PTE present
 * read-only -> fault 3; walk: PDE has W (pass), PTE lacks W (fail): 2 refs; reflected, NOT a
 * dirty trap (the walk failed).  vkernel: copy-on-write (page.cow 1), old vpte valid -> 1
 * invalidation (real PTE removed), vpte now has W.  Retry: fault 4, real PTE absent, walk
 * passes (2 refs), mapped writable; not a dirty trap (PTE was not present).
 * walk.refs 1+2+2+2 = 7. */
Test(model_walk, pte_without_w_fails_write_then_cow)
{
    struct vk_model *m = sc_new("vpt-1.10", "none", "strict");
    sc_run(m, "map 0x10000000 0x10010000 rw- file\nR 0x10000000 4\nW 0x10000000 4\n");
    sc_finish(m);
    SC_EXPECT_ONLY(m, "access.read=1 access.write=1 fault.real=4 fault.reflected=2 "
                      "fault.resolved_real=2 fault.dirty_trap=0 walk.refs=7 page.cow=1 "
                      "vk.inval=1 vk.pt_alloc=1");
    vk_model_free(m);
}

/* A|M only on passing levels, and a failing level keeps its bits: vpt-1.10/none, anon r--.
 * R p0: vpte V|R|U|MANAGED|A (no W: region not writable), PDE V|R|W|A|M.  W p0: real PTE
 * present read-only -> fault; walk: PDE passes, PTE lacks W -> fails (2 refs); reflected ->
 * the region has no w -> segv (counted, skipped).  The PTE must still lack M (a failing check
 * leaves its bits).  R p0 afterwards hits (the real PTE is still present read-only).
 * Totals: fault.real 3, reflected 2, resolved 1, segv 1, walk.refs 1+2+2 = 5. */
Test(model_walk, failing_level_keeps_bits_and_segv)
{
    struct vk_model *m = sc_new("vpt-1.10", "none", "strict");
    sc_run(m, "map 0x10000000 0x10010000 r-- anon\nR 0x10000000 4\n");
    uint64_t v = sc_vpte(m, 0x10000000);
    cr_expect_eq(v & SC_VBITS, VPTE_V | VPTE_R | VPTE_U | VPTE_MANAGED | VPTE_A,
                 "vpte after read of r-- anon: %#llx", (unsigned long long)v);
    sc_run(m, "W 0x10000000 4 =segv\nR 0x10000000 4\n");
    v = sc_vpte(m, 0x10000000);
    cr_expect(!(v & VPTE_M), "failing write walk must not set M on the PTE (%#llx)",
              (unsigned long long)v);
    sc_finish(m);
    SC_EXPECT_ONLY(m, "access.read=2 access.write=1 fault.real=3 fault.reflected=2 "
                      "fault.resolved_real=1 fault.segv=1 walk.refs=5 page.zero_fill=1 "
                      "vk.pt_alloc=1");
    vk_model_free(m);
}

/* The bits the pmap writes and the walk sets: vpt-1.10/none, anon rw-.
 * PDE written V|R|W|A|M.  After R: PTE V|R|W|U|MANAGED|A (read of writable anon gets W; M
 * clear).  After W (dirty-bit trap, walk for write): A|M set on the PTE. */
Test(model_walk, read_sets_a_write_sets_m)
{
    struct vk_model *m = sc_new("vpt-1.10", "none", "strict");
    sc_run(m, "map 0x10000000 0x10010000 rw- anon\nR 0x10000000 4\n");
    uint64_t pde = sc_pde(m, 0x10000000);
    cr_expect_eq(pde & SC_VBITS, VPTE_V | VPTE_R | VPTE_W | VPTE_A | VPTE_M, "PDE %#llx",
                 (unsigned long long)pde);
    uint64_t v = sc_vpte(m, 0x10000000);
    cr_expect_eq(v & SC_VBITS, VPTE_V | VPTE_R | VPTE_W | VPTE_U | VPTE_MANAGED | VPTE_A,
                 "PTE after read %#llx", (unsigned long long)v);
    sc_run(m, "W 0x10000000 4\n");
    v = sc_vpte(m, 0x10000000);
    cr_expect_eq(v & SC_VBITS,
                 VPTE_V | VPTE_R | VPTE_W | VPTE_U | VPTE_MANAGED | VPTE_A | VPTE_M,
                 "PTE after write %#llx", (unsigned long long)v);
    sc_finish(m);
    vk_model_free(m);
}

/* A PS PDE ends the walk (model.md section 3: the walk must support it though the vkernel never
 * writes one).  Set up by hand through vk_space(): the page-table page slot of
 * [0x10000000, 0x10400000) gets PDE = frame|V|PS|R|W.  Then, vpt-1.10/none/strict:
 * R p0: no real PTE -> fault 1; walk reads the PDE only (1 ref), PS ends it: resolved,
 *       read-only.  W p0: present read-only -> fault 2, walk 1 ref (sets A|M on the PDE),
 *       dirty trap.  R p1 (same 4 MiB): fault 3, 1 ref, resolved.
 * No reflection, no vkernel page work. */
Test(model_walk, ps_pde_ends_walk)
{
    struct vk_model *m = sc_new("vpt-1.10", "none", "strict");
    sc_run(m, "map 0x10000000 0x10400000 rw- anon\n");
    struct mmu_leaf *l = mmu_space_leaf(vk_space(m), 0x10000, true);
    cr_assert_not_null(l);
    l->pde = 0x20000000ull | VPTE_V | VPTE_PS | VPTE_R | VPTE_W;
    sc_run(m, "R 0x10000000 4\nW 0x10000000 4\nR 0x10001000 4\n");
    uint64_t pde = sc_pde(m, 0x10000000);
    cr_expect_eq(pde & (VPTE_A | VPTE_M), VPTE_A | VPTE_M, "PS PDE after write %#llx",
                 (unsigned long long)pde);
    sc_finish(m);
    SC_EXPECT_ONLY(m, "access.read=2 access.write=1 fault.real=3 fault.resolved_real=3 "
                      "fault.dirty_trap=1 walk.refs=3");
    vk_model_free(m);
}

/* x86-64 (4 levels below the root; page-table pages at levels 3, 2, 1 allocated on demand).
 * vpt-1.10/none/strict, region [A, A+2 GiB) rw- anon with A = 0x7f0000000000 (512 GiB aligned):
 * R A:          fault 1, level 4 entry absent -> 1 ref; reflected; zero-fill; pt_alloc 3
 *               (PDP page, PD page, PT page); retry fault 2, 4 refs, resolved.
 * W A:          dirty trap: fault 3, 4 refs, resolved.
 * R A+2 MiB:    fault 4, levels 4,3 pass, level 2 absent -> 3 refs; reflected; zero-fill;
 *               pt_alloc 1 (PT page); retry fault 5, 4 refs.
 * R A+1 GiB:    fault 6, level 4 passes, level 3 absent -> 2 refs; reflected; zero-fill;
 *               pt_alloc 2; retry fault 7, 4 refs.
 * R A+4 KiB:    fault 8, all upper levels pass, PTE 0 -> 4 refs; reflected; zero-fill;
 *               retry fault 9, 4 refs.
 * walk.refs 1+4+4+3+4+2+4+4+4 = 30; pt_alloc 6; reflected 4; resolved 5. */
Test(model_walk, x86_64_four_levels)
{
    struct vk_model *m = sc_new_opt("vpt-1.10", "none", "strict", NULL, MMU_ARCH_X86_64, NULL);
    sc_run(m, "map 0x7f0000000000 0x7f0080000000 rw- anon\n"
              "R 0x7f0000000000 8\n"
              "W 0x7f0000000000 8\n"
              "R 0x7f0000200000 8\n"
              "R 0x7f0040000000 8\n"
              "R 0x7f0000001000 8\n");
    sc_finish(m);
    SC_EXPECT_ONLY(m, "access.read=4 access.write=1 fault.real=9 fault.reflected=4 "
                      "fault.resolved_real=5 fault.dirty_trap=1 walk.refs=30 page.zero_fill=4 "
                      "vk.pt_alloc=6");
    vk_model_free(m);
}

/* x86-64 first fault alone: exactly 3 page-table pages and 4 refs per successful walk.
 * R A: fault 1 (1 ref), reflected, pt_alloc 3; retry fault 2 (4 refs).  R A: hit. */
Test(model_walk, x86_64_first_fault_three_pt_pages)
{
    struct vk_model *m = sc_new_opt("vpt-1.10", "none", "strict", NULL, MMU_ARCH_X86_64, NULL);
    sc_run(m, "map 0x400000 0x800000 rw- anon\nR 0x400000 8\nR 0x400008 8\n");
    sc_finish(m);
    SC_EXPECT_ONLY(m, "access.read=2 fault.real=2 fault.reflected=1 fault.resolved_real=1 "
                      "walk.refs=5 page.zero_fill=1 vk.pt_alloc=3");
    vk_model_free(m);
}

/* Scheme vpt applies its W|M rule to the final vpte of a PS walk too: PS PDE V|PS|R|W|M.
 * R p0: 1 ref, resolved writable.  W p0: hit. */
Test(model_walk, vpt_ps_pde_with_w_m_maps_read_writable)
{
    struct vk_model *m = sc_new("vpt", "none", "strict");
    sc_run(m, "map 0x10000000 0x10400000 rw- anon\n");
    struct mmu_leaf *l = mmu_space_leaf(vk_space(m), 0x10000, true);
    cr_assert_not_null(l);
    l->pde = 0x20000000ull | VPTE_V | VPTE_PS | VPTE_R | VPTE_W | VPTE_M;
    sc_run(m, "R 0x10000000 4\nW 0x10000000 4\n");
    sc_finish(m);
    SC_EXPECT_ONLY(m, "access.read=1 access.write=1 fault.real=1 fault.resolved_real=1 "
                      "walk.refs=1");
    vk_model_free(m);
}
