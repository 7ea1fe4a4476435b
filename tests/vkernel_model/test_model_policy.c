/* Prefault policies (model.md section 7): candidate order and stop rules, hand-derived.
 * Page numbers below are virtual page numbers (address >> 12); the region
 * [0x10000000, 0x10010000) holds pages 0x10000..0x1000F, written p0..p15. */
#include "scenario.h"

#define F16 "map 0x10000000 0x10010000 r-- file\n"
#define A16 "map 0x10000000 0x10010000 rw- anon\n"

/* dfly in vpt-1.10, warm file r-- (every page resident):
 * R p4: fault 1 (1 ref), reflected, pt_alloc; dfly candidates p3,p5,p2,p6,p1,p7,p0,p8 are all
 *   in the region, in an existing page-table page, zero, resident: 8 entered V|U|MANAGED
 *   (no R).  Retry: fault 2 (2 refs).
 * R p5: fault 3; PTE lacks R -> fails (2 refs); reflected; re-entering a valid vpte: 1
 *   invalidation, the prefault is wasted.  dfly from p5: p4,p6,p3,p7,p2,p8,p1 non-zero ->
 *   skipped; p9 entered.  Retry: fault 4 (2 refs).
 * Totals: issued 9, used 0, wasted 9 (8 unused at the end + p5 replaced); walk 1+2+2+2 = 7. */
Test(policy_dfly, vpt110_prefault_without_r_is_reflected)
{
    struct vk_model *m = sc_new("vpt-1.10", "dfly", "strict");
    sc_run(m, F16 "R 0x10004000 4\n");
    uint64_t v = sc_vpte(m, SC_P(0x10003));
    cr_expect_eq(v & SC_VBITS, VPTE_V | VPTE_U | VPTE_MANAGED, "dfly vpte in 1.10: %#llx",
                 (unsigned long long)v);
    cr_expect_eq(sc_vpte(m, SC_P(0x10009)), 0, "p9 is beyond -4..+4");
    sc_run(m, "R 0x10005000 4\n");
    cr_expect_neq(sc_vpte(m, SC_P(0x10009)), 0, "p9 = p5+4 must be prefaulted");
    sc_finish(m);
    SC_EXPECT_ONLY(m, "access.read=2 fault.real=4 fault.reflected=2 fault.resolved_real=2 "
                      "walk.refs=7 vk.pt_alloc=1 vk.inval=1 prefault.issued=9 "
                      "prefault.wasted=9");
    vk_model_free(m);
}

/* dfly in vpt: prefaulted entries are V|R (readable, not writable), so R p5 after R p4 is
 * resolved by the real kernel (2 refs) and the prefault is used.
 * fault.real 2+1 = 3, walk 1+2+2 = 5, issued 8, used 1, wasted 7. */
Test(policy_dfly, vpt_prefault_readable_is_used)
{
    struct vk_model *m = sc_new("vpt", "dfly", "strict");
    sc_run(m, F16 "R 0x10004000 4\n");
    uint64_t v = sc_vpte(m, SC_P(0x10003));
    cr_expect_eq(v & (VPTE_V | VPTE_R | VPTE_W), VPTE_V | VPTE_R, "dfly vpte in vpt: %#llx",
                 (unsigned long long)v);
    sc_run(m, "R 0x10005000 4\n");
    sc_finish(m);
    SC_EXPECT_ONLY(m, "access.read=2 fault.real=3 fault.reflected=1 fault.resolved_real=2 "
                      "walk.refs=5 vk.pt_alloc=1 prefault.issued=8 prefault.used=1 "
                      "prefault.wasted=7");
    vk_model_free(m);
}

/* dfly skips (does not stop at) candidates outside the region.  Two file regions share the
 * page-table page: [p0,p2) (file 2) and [p2,p18) (file 1).  R p2: candidates p1 (other
 * region: skip), p3 enter, p0 (other region: skip), p4, 0x0FFFF (outside: skip), p5,
 * 0x0FFFE (skip), p6 -> 4 entered.  The neighbouring region's pages get no vpte. */
Test(policy_dfly, skips_outside_region)
{
    struct vk_model *m = sc_new("vpt-1.10", "dfly", "strict");
    sc_run(m, "map 0x10000000 0x10002000 r-- file 2\n"
              "map 0x10002000 0x10012000 r-- file 1\n"
              "R 0x10002000 4\n");
    cr_expect_eq(sc_vpte(m, SC_P(0x10001)), 0);
    cr_expect_eq(sc_vpte(m, SC_P(0x10000)), 0);
    sc_finish(m);
    SC_EXPECT_ONLY(m, "access.read=1 fault.real=2 fault.reflected=1 fault.resolved_real=1 "
                      "walk.refs=3 vk.pt_alloc=1 prefault.issued=4 prefault.wasted=4");
    vk_model_free(m);
}

/* dfly skips candidates whose page-table page does not exist, and non-zero vptes.
 * File r-- [0x103FC000, 0x10404000): pages 0x103FC..0x103FF in page-table page A,
 * 0x10400..0x10403 in B.
 * R 0x103FF000: pt_alloc A; candidates 0x103FE enter, 0x10400 (no pt page: skip), 0x103FD
 *   enter, 0x10401 skip, 0x103FC enter, 0x10402 skip, 0x103FB (outside) skip, 0x10403 skip
 *   -> 3.  walk 1 + 2.
 * R 0x10400000: PDE of B absent -> 1 ref, reflected, pt_alloc B; candidates 0x103FF
 *   (non-zero: skip), 0x10401 enter, 0x103FE skip, 0x10402 enter, 0x103FD skip, 0x10403
 *   enter, 0x103FC skip, 0x10404 outside -> 3.  walk 1 + 2.
 * issued 6, all wasted. */
Test(policy_dfly, skips_missing_pt_page_and_nonzero_vpte)
{
    struct vk_model *m = sc_new("vpt-1.10", "dfly", "strict");
    sc_run(m, "map 0x103FC000 0x10404000 r-- file\nR 0x103FF000 4\n");
    cr_expect_eq(sc_vpte(m, SC_P(0x10400)), 0);
    SC_EXPECT(m, "prefault.issued=3 vk.pt_alloc=1");
    sc_run(m, "R 0x10400000 4\n");
    sc_finish(m);
    SC_EXPECT_ONLY(m, "access.read=2 fault.real=4 fault.reflected=2 fault.resolved_real=2 "
                      "walk.refs=6 vk.pt_alloc=2 prefault.issued=6 prefault.wasted=6");
    vk_model_free(m);
}

/* dfly stops the whole scan at the first non-resident candidate.  vpt-1.10, anon rw-.  The
 * kernel reads p1, p2, p3, p5 (vpt: zero-filled, resident, no vpte, no real fault).
 * R p4: reflected, zero-fill p4; candidates p3 enter, p5 enter, p2 enter, p6 not resident ->
 * STOP (p1, resident, is never reached).  issued 3, zero-fill 5. */
Test(policy_dfly, stops_at_non_resident)
{
    struct vk_model *m = sc_new("vpt-1.10", "dfly", "strict");
    sc_run(m, A16 "KR 0x10001000 4\nKR 0x10002000 4\nKR 0x10003000 4\nKR 0x10005000 4\n"
                  "R 0x10004000 4\n");
    cr_expect_eq(sc_vpte(m, SC_P(0x10001)), 0, "scan must stop at p6 before reaching p1");
    sc_finish(m);
    SC_EXPECT_ONLY(m, "access.read=1 access.kernel=4 fault.real=2 fault.reflected=1 "
                      "fault.resolved_real=1 walk.refs=3 page.zero_fill=5 vk.pt_alloc=1 "
                      "prefault.issued=3 prefault.wasted=3");
    vk_model_free(m);
}

/* dfly2010 on anon rw- (vpt-1.10): non-resident anon pages of a writable region are
 * zero-filled and entered with the section 6 step 3 bits (readable, W).
 * R p4: 8 candidates p3,p5,p2,p6,p1,p7,p0,p8 all zero-filled and entered (zero-fill 9).
 * R p5: walk passes (2 refs), used 1, read-only (1.10).  W p5: dirty trap (2 refs).
 * fault.real 2+1+1 = 4, walk 1+2+2+2 = 7. */
Test(policy_dfly2010, zero_fills_anon_neighbours)
{
    struct vk_model *m = sc_new("vpt-1.10", "dfly2010", "strict");
    sc_run(m, A16 "R 0x10004000 4\n");
    uint64_t v = sc_vpte(m, SC_P(0x10003));
    cr_expect_eq(v & SC_VBITS, VPTE_V | VPTE_R | VPTE_W | VPTE_U | VPTE_MANAGED | VPTE_A,
                 "dfly2010 vpte %#llx", (unsigned long long)v);
    sc_run(m, "R 0x10005000 4\nW 0x10005000 4\n");
    sc_finish(m);
    SC_EXPECT_ONLY(m, "access.read=2 access.write=1 fault.real=4 fault.reflected=1 "
                      "fault.resolved_real=3 fault.dirty_trap=1 walk.refs=7 page.zero_fill=9 "
                      "vk.pt_alloc=1 prefault.issued=8 prefault.used=1 prefault.wasted=7");
    vk_model_free(m);
}

/* dfly2010: each direction stops at its first candidate that already has a valid entry;
 * non-resident file pages are skipped (not a stop).  vpt-1.10, --file-cache cold, file r--.
 * KR p6, KR p3: read from the file (page.file_read 2), resident, no vpte.
 * R p5: reflected, file read (3); candidates p4 (not resident: skip), p6 enter, p3 enter,
 *   p7,p2,p8,p1,p9 not resident: skip -> issued 2.
 * KR p2, KR p8: file reads 4, 5.
 * R p4: reflected (PTE 0: 2 refs), file read 6; p3 valid -> backward stops; p5 valid ->
 *   forward stops: p2 and p8 (resident) are NOT entered.
 * fault.real 4, walk 1+2+2+2 = 7, issued 2 (both wasted). */
Test(policy_dfly2010, direction_stops_at_valid_entry)
{
    struct vk_options o = {.file_cache_cold = true};
    struct vk_model *m = sc_new_opt("vpt-1.10", "dfly2010", "strict", &o, MMU_ARCH_I386, NULL);
    sc_run(m, F16 "KR 0x10006000 4\nKR 0x10003000 4\nR 0x10005000 4\n"
                  "KR 0x10002000 4\nKR 0x10008000 4\nR 0x10004000 4\n");
    cr_expect_eq(sc_vpte(m, SC_P(0x10002)), 0, "backward direction must have stopped at p3");
    cr_expect_eq(sc_vpte(m, SC_P(0x10008)), 0, "forward direction must have stopped at p5");
    sc_finish(m);
    SC_EXPECT_ONLY(m, "access.read=2 access.kernel=4 fault.real=4 fault.reflected=2 "
                      "fault.resolved_real=2 walk.refs=7 page.file_read=6 vk.pt_alloc=1 "
                      "prefault.issued=2 prefault.wasted=2");
    vk_model_free(m);
}

/* dfly2010 allocates missing page-table pages.  anon rw- [0x103FC000, 0x10404000).
 * R 0x103FF000: pt_alloc A; candidates 0x103FE, 0x10400 (allocate B), 0x103FD, 0x10401,
 *   0x103FC, 0x10402, 0x103FB (outside: skip), 0x10403 -> 7 entered, zero-fill 8.
 * R 0x10402000: walk passes (2 refs): used 1.  fault.real 3, walk 1+2+2 = 5. */
Test(policy_dfly2010, allocates_pt_pages)
{
    struct vk_model *m = sc_new("vpt-1.10", "dfly2010", "strict");
    sc_run(m, "map 0x103FC000 0x10404000 rw- anon\nR 0x103FF000 4\nR 0x10402000 4\n");
    sc_finish(m);
    SC_EXPECT_ONLY(m, "access.read=2 fault.real=3 fault.reflected=1 fault.resolved_real=2 "
                      "walk.refs=5 page.zero_fill=8 vk.pt_alloc=2 prefault.issued=7 "
                      "prefault.used=1 prefault.wasted=6");
    vk_model_free(m);
}

/* dfly2010 skips non-resident anon pages of a read-only region (only writable regions are
 * zero-filled).  anon r--: R p4 -> zero-fill p4 only, nothing prefaulted. */
Test(policy_dfly2010, skips_nonresident_readonly_anon)
{
    struct vk_model *m = sc_new("vpt-1.10", "dfly2010", "strict");
    sc_run(m, "map 0x10000000 0x10010000 r-- anon\nR 0x10004000 4\n");
    sc_finish(m);
    SC_EXPECT_ONLY(m, "access.read=1 fault.real=2 fault.reflected=1 fault.resolved_real=1 "
                      "walk.refs=3 page.zero_fill=1 vk.pt_alloc=1");
    vk_model_free(m);
}

/* linux-fa (vpt-1.10): aligned 16-page window clipped to the region, read faults on file
 * regions only, resident pages entered read-only (readable: interpretation, see report).
 * file r-- [0x10004000, 0x1000C000) (8 pages); anon rw- at 0x20000000; file rw- at 0x30000000.
 * R 0x10005000: window p0..p15 clipped to p4..p11 -> 7 entered; walk 1+2.
 * R 0x10006000: walk passes (2 refs): used.
 * R 0x20000000: anon: reflected, zero-fill, pt_alloc (other 4 MiB), no prefault; walk 1+2.
 * W 0x30000000: write fault: reflected, COW, pt_alloc, no prefault; walk 1+2.
 * fault.real 2+1+2+2 = 7, reflected 3, resolved 4, walk 11, issued 7, used 1, wasted 6. */
Test(policy_linux_fa, file_reads_only_clipped_window)
{
    struct vk_model *m = sc_new("vpt-1.10", "linux-fa", "strict");
    sc_run(m, "map 0x10004000 0x1000C000 r-- file 1\n"
              "map 0x20000000 0x20010000 rw- anon\n"
              "map 0x30000000 0x30010000 rw- file 3\n"
              "R 0x10005000 4\nR 0x10006000 4\nR 0x20000000 4\nW 0x30000000 4\n");
    sc_finish(m);
    SC_EXPECT_ONLY(m, "access.read=3 access.write=1 fault.real=7 fault.reflected=3 "
                      "fault.resolved_real=4 walk.refs=11 page.zero_fill=1 page.cow=1 "
                      "vk.pt_alloc=3 prefault.issued=7 prefault.used=1 prefault.wasted=6");
    vk_model_free(m);
}

/* linux-fa alignment: file r-- of 32 pages.  R p19: window p16..p31 -> 15 entered.  R p16,
 * R p31: used (2 refs each).  R p0: window p0..p15 -> 15 more.
 * fault.real 2+1+1+2 = 6, walk 3+2+2+4 = 11, issued 30, used 2, wasted 28. */
Test(policy_linux_fa, aligned_window)
{
    struct vk_model *m = sc_new("vpt-1.10", "linux-fa", "strict");
    sc_run(m, "map 0x10000000 0x10020000 r-- file\n"
              "R 0x10013000 4\nR 0x10010000 4\nR 0x1001F000 4\nR 0x10000000 4\n");
    cr_expect_neq(sc_vpte(m, SC_P(0x1000F)), 0);
    sc_finish(m);
    SC_EXPECT_ONLY(m, "access.read=4 fault.real=6 fault.reflected=2 fault.resolved_real=4 "
                      "walk.refs=11 vk.pt_alloc=1 prefault.issued=30 prefault.used=2 "
                      "prefault.wasted=28");
    vk_model_free(m);
}

/* window:4 (fwd) on anon rw-, vpt-1.10: eager zero-fill, section 6 step 3 bits (W).
 * R p4: p5..p8 zero-filled and entered (zero-fill 5), walk 1+2.
 * R p8: walk passes (2), used.  W p7: real PTE absent, walk passes W (2): resolved, writable,
 *   NOT a dirty trap (no present read-only PTE), used.
 * R p9: PTE 0 -> reflected (2 refs), zero-fill p9 and p10..p13; retry 2 refs.
 * fault.real 2+1+1+2 = 6, reflected 2, resolved 4, walk 3+2+2+4 = 11, zero-fill 10,
 * issued 8, used 2, wasted 6. */
Test(policy_window, fwd)
{
    struct vk_model *m = sc_new("vpt-1.10", "window:4", "strict");
    sc_run(m, A16 "R 0x10004000 4\nR 0x10008000 4\nW 0x10007000 4\nR 0x10009000 4\n");
    sc_finish(m);
    SC_EXPECT_ONLY(m, "access.read=3 access.write=1 fault.real=6 fault.reflected=2 "
                      "fault.resolved_real=4 fault.dirty_trap=0 walk.refs=11 "
                      "page.zero_fill=10 vk.pt_alloc=1 prefault.issued=8 prefault.used=2 "
                      "prefault.wasted=6");
    vk_model_free(m);
}

/* window:4 clipped to the region: R p14 of 16 -> only p15. */
Test(policy_window, fwd_clipped_to_region)
{
    struct vk_model *m = sc_new("vpt-1.10", "window:4", "strict");
    sc_run(m, A16 "R 0x1000E000 4\n");
    sc_finish(m);
    SC_EXPECT_ONLY(m, "access.read=1 fault.real=2 fault.reflected=1 fault.resolved_real=1 "
                      "walk.refs=3 page.zero_fill=2 vk.pt_alloc=1 prefault.issued=1 "
                      "prefault.wasted=1");
    vk_model_free(m);
}

/* window:4:sym: R p4 -> p3, p5, p2, p6 (zero-filled, entered); p1 and p7 untouched. */
Test(policy_window, sym)
{
    struct vk_model *m = sc_new("vpt-1.10", "window:4:sym", "strict");
    sc_run(m, A16 "R 0x10004000 4\n");
    cr_expect_neq(sc_vpte(m, SC_P(0x10002)), 0);
    cr_expect_neq(sc_vpte(m, SC_P(0x10006)), 0);
    cr_expect_eq(sc_vpte(m, SC_P(0x10001)), 0);
    cr_expect_eq(sc_vpte(m, SC_P(0x10007)), 0);
    sc_finish(m);
    SC_EXPECT_ONLY(m, "access.read=1 fault.real=2 fault.reflected=1 fault.resolved_real=1 "
                      "walk.refs=3 page.zero_fill=5 vk.pt_alloc=1 prefault.issued=4 "
                      "prefault.wasted=4");
    vk_model_free(m);
}

/* window:8:aligned: anon rw- of 32 pages, R p19 -> the aligned block p16..p23, 7 others. */
Test(policy_window, aligned)
{
    struct vk_model *m = sc_new("vpt-1.10", "window:8:aligned", "strict");
    sc_run(m, "map 0x10000000 0x10020000 rw- anon\nR 0x10013000 4\n");
    cr_expect_neq(sc_vpte(m, SC_P(0x10010)), 0);
    cr_expect_neq(sc_vpte(m, SC_P(0x10017)), 0);
    cr_expect_eq(sc_vpte(m, SC_P(0x1000F)), 0);
    cr_expect_eq(sc_vpte(m, SC_P(0x10018)), 0);
    sc_finish(m);
    SC_EXPECT_ONLY(m, "access.read=1 fault.real=2 fault.reflected=1 fault.resolved_real=1 "
                      "walk.refs=3 page.zero_fill=8 vk.pt_alloc=1 prefault.issued=7 "
                      "prefault.wasted=7");
    vk_model_free(m);
}

/* seq (interpretation, see report: the window is the number of pages prefaulted after the
 * faulting page; a fault is sequential when it is the page right after the previous window;
 * a miss prefaults 1).  vpt-1.10, warm file r-- of 64 pages, reads of p0..p19 in order, then
 * p50 and p52.
 * Reflections: p0 (miss, 1: p1), p2 (2: p3,p4), p5 (4: p6..p9), p10 (8: p11..p18),
 *   p19 (16: p20..p35), p50 (miss, 1: p51), p52 (sequential, 2: p53,p54) = 7.
 * Used: 1+2+4+8 = 15 pages of p0..p19 reached by a successful walk.
 * issued 1+2+4+8+16+1+2 = 34, wasted 19.  fault.real 7*2+15 = 29, resolved 22,
 * walk 1+2 + 6*(2+2) + 15*2 = 57. */
Test(policy_seq, grows_and_drops)
{
    struct vk_model *m = sc_new("vpt-1.10", "seq", "strict");
    sc_run(m, "map 0x10000000 0x10040000 r-- file\n");
    for (uint64_t p = 0; p < 20; p++) {
        char line[64];
        snprintf(line, sizeof line, "R %#llx 4\n", (unsigned long long)SC_P(0x10000 + p));
        sc_run(m, line);
    }
    SC_EXPECT(m, "fault.reflected=5 prefault.issued=31");
    sc_run(m, "R 0x10032000 4\nR 0x10034000 4\n");
    sc_finish(m);
    SC_EXPECT_ONLY(m, "access.read=22 fault.real=29 fault.reflected=7 fault.resolved_real=22 "
                      "walk.refs=57 vk.pt_alloc=1 prefault.issued=34 prefault.used=15 "
                      "prefault.wasted=19");
    vk_model_free(m);
}

/* ptpage: every page of the region inside the faulting page's 4 MiB page-table page.
 * anon rw- [0x103F0000, 0x10410000): 16 pages in pt page A, 16 in B.
 * R 0x103F2000: 15 others of A zero-filled and entered (zero-fill 16), walk 1+2.
 * R 0x10400000: PDE of B absent (1 ref), pt_alloc B, 15 others of B (zero-fill 32), retry 2.
 * R 0x103F0000: walk passes (2): used.
 * fault.real 5, walk 8, issued 30, used 1, wasted 29. */
Test(policy_ptpage, whole_region_part_in_pt_page)
{
    struct vk_model *m = sc_new("vpt-1.10", "ptpage", "strict");
    sc_run(m, "map 0x103F0000 0x10410000 rw- anon\nR 0x103F2000 4\n");
    cr_expect_eq(sc_vpte(m, 0x10400000), 0, "the other page-table page is not prefaulted");
    sc_run(m, "R 0x10400000 4\nR 0x103F0000 4\n");
    sc_finish(m);
    SC_EXPECT_ONLY(m, "access.read=3 fault.real=5 fault.reflected=2 fault.resolved_real=3 "
                      "walk.refs=8 page.zero_fill=32 vk.pt_alloc=2 prefault.issued=30 "
                      "prefault.used=1 prefault.wasted=29");
    vk_model_free(m);
}

/* --real-prefault 2 (vpt-1.10/window:4): after a resolved fault the real kernel installs
 * read-only real PTEs for up to 2 neighbours (dfly order) whose vptes are valid and readable,
 * one walk (2 refs) each; pages that already have a real PTE are skipped (interpretation).
 * R p4: reflected (1 ref), window enters p5..p8 (zero-fill 5); retry resolved (2 refs);
 *   real prefault: p3 (vpte 0: no), p5 yes (2 refs), p2 no, p6 yes (2 refs) -> N reached.
 * R p5, R p6: hits.  R p7: fault, walk (2), resolved; real prefault: p6 (present), p8 yes
 *   (2 refs), p5 (present), p9, p4 (present), p10, p3, p11: none.  R p8: hit.
 * fault.real 3, reflected 1, resolved 2, walk 1+2+4+2+2 = 11. */
Test(policy_real_prefault, installs_valid_readable_neighbours)
{
    struct vk_options o = {.real_prefault = 2};
    struct vk_model *m = sc_new_opt("vpt-1.10", "window:4", "strict", &o, MMU_ARCH_I386, NULL);
    sc_run(m, A16 "R 0x10004000 4\nR 0x10005000 4\nR 0x10006000 4\nR 0x10007000 4\n"
                  "R 0x10008000 4\n");
    cr_expect_eq(vk_real_bits(m, 0x10008) & (REAL_P | REAL_W), REAL_P,
                 "real prefault installs read-only");
    sc_finish(m);
    SC_EXPECT(m, "access.read=5 fault.real=3 fault.reflected=1 fault.resolved_real=2 "
                 "fault.dirty_trap=0 walk.refs=11 page.zero_fill=5 vk.pt_alloc=1 vk.inval=0");
    vk_model_free(m);
}

/* dfly in native, warm file r--: the real kernel prefaults after its own fault.
 * R p4: native fault 1; dfly enters p3,p5,p2,p6,p1,p7,p0,p8 read-only (real page table page
 *   exists, pages resident).  R p0, p3, p5, p8: hits.
 * R p9: fault 2; dfly from p9: p8 (present) skip, p10, p7 skip, p11, p6 skip, p12, p5 skip,
 *   p13.  R p13: hit.  R p14: fault 3. */
Test(policy_native, dfly_prefault_by_real_kernel)
{
    struct vk_model *m = sc_new("native", "dfly", "strict");
    sc_run(m, F16 "R 0x10004000 4\nR 0x10000000 4\nR 0x10003000 4\nR 0x10005000 4\n"
                  "R 0x10008000 4\nR 0x10009000 4\nR 0x1000D000 4\nR 0x1000E000 4\n");
    sc_finish(m);
    SC_EXPECT(m, "access.read=8 fault.real=3 fault.native=3 fault.reflected=0 walk.refs=0 "
                 "vk.pt_alloc=0 vk.inval=0 page.zero_fill=0 page.file_read=0");
    vk_model_free(m);
}

/* dfly entries are read-only in native.  anon rw-: W p3, W p4, W p5 (3 faults, zero-fill 3;
 * each dfly scan stops at once: a present neighbour is skipped, the next is not resident).
 * protect --- then rw- (pages kept, real PTEs removed).  R p4: fault 4 (page resident);
 * dfly: p3 resident, no real PTE -> enter read-only; p5 enter read-only; p2 not resident ->
 * stop.  R p3: hit.  W p5: fault 5 on the present read-only prefaulted PTE (counted in
 * fault.native, not a dirty trap).  R p2: fault 6, zero-fill 4.
 * fault.real 6 = fault.native 6. */
Test(policy_native, dfly_entries_readonly)
{
    struct vk_model *m = sc_new("native", "dfly", "strict");
    sc_run(m, A16 "W 0x10003000 4\nW 0x10004000 4\nW 0x10005000 4\n"
                  "protect 0x10000000 0x10010000 ---\nprotect 0x10000000 0x10010000 rw-\n"
                  "R 0x10004000 4\nR 0x10003000 4\nW 0x10005000 4\nR 0x10002000 4\n");
    sc_finish(m);
    SC_EXPECT(m, "access.read=3 access.write=4 fault.real=6 fault.native=6 fault.dirty_trap=0 "
                 "page.zero_fill=4 fault.reflected=0 walk.refs=0");
    vk_model_free(m);
}

/* Policy names parse; bad ones are rejected with a message. */
Test(policy_parse, names_and_errors)
{
    struct vk_policy_spec s;
    char err[256];
    const char *good[] = {"none", "dfly", "dfly2010", "linux-fa", "window:16", "window:4:sym",
                          "window:8:aligned", "window:2:fwd", "seq", "ptpage"};
    for (size_t i = 0; i < sizeof good / sizeof *good; i++)
        cr_expect_eq(vk_policy_parse(good[i], &s, err, sizeof err), 0, "%s: %s", good[i], err);
    cr_assert_eq(vk_policy_parse("window:4:sym", &s, err, sizeof err), 0);
    cr_expect_eq(s.n, 4);
    cr_expect_eq(s.mode, VK_WIN_SYM);
    cr_expect_str_eq(s.pol->name, "window");
    const char *bad[] = {"bogus", "window:4:sideways", "window:x", ""};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        err[0] = '\0';
        cr_expect_eq(vk_policy_parse(bad[i], &s, err, sizeof err), -1, "'%s' accepted", bad[i]);
        cr_expect(err[0] != '\0', "'%s': no message", bad[i]);
    }
}

/* In vpt a dfly entry is readable but not writable: a write to it fails the walk (2 refs),
 * is reflected, and re-entering the valid vpte costs an invalidation; the prefault is wasted.
 * vpt/dfly, anon rw-: KR p3 (resident, no vpte).  R p4: reflected, zero-fill p4; dfly: p3
 * entered V|R, p5 not resident -> stop.  W p3: fault, PTE lacks W -> reflected; the page is
 * private and resident; pmap_enter with W replaces the valid vpte: inval 1, wasted 1; dfly from
 * p3: p2 not resident -> stop.  Retry: writable.
 * fault.real 4, walk 1+2+2+2 = 7, zero-fill 2, issued 1. */
Test(policy_dfly, vpt_write_to_readonly_prefault_is_reflected)
{
    struct vk_model *m = sc_new("vpt", "dfly", "strict");
    sc_run(m, A16 "KR 0x10003000 4\nR 0x10004000 4\nW 0x10003000 4\n");
    sc_finish(m);
    SC_EXPECT_ONLY(m, "access.read=1 access.write=1 access.kernel=1 fault.real=4 "
                      "fault.reflected=2 fault.resolved_real=2 walk.refs=7 page.zero_fill=2 "
                      "vk.pt_alloc=1 vk.inval=1 prefault.issued=1 prefault.wasted=1");
    vk_model_free(m);
}

/* dfly with a cold file cache: the first neighbour is not resident -> the scan stops. */
Test(policy_dfly, cold_file_stops_at_once)
{
    struct vk_options o = {.file_cache_cold = true};
    struct vk_model *m = sc_new_opt("vpt", "dfly", "strict", &o, MMU_ARCH_I386, NULL);
    sc_run(m, F16 "R 0x10004000 4\n");
    sc_finish(m);
    SC_EXPECT_ONLY(m, "access.read=1 fault.real=2 fault.reflected=1 fault.resolved_real=1 "
                      "walk.refs=3 page.file_read=1 vk.pt_alloc=1");
    vk_model_free(m);
}

/* Policies run only after a reflection: faults the real kernel resolves (a walk that passes,
 * a dirty-bit trap) prefault nothing.  vpt-1.10/window:4, anon rw-: R p4 (p5..p8 entered),
 * R p5 (resolved, used), W p5 (dirty trap).  issued stays 4.
 * fault.real 2+1+1 = 4, walk 3+2+2 = 7. */
Test(policy_window, no_prefault_after_resolved_faults)
{
    struct vk_model *m = sc_new("vpt-1.10", "window:4", "strict");
    sc_run(m, A16 "R 0x10004000 4\nR 0x10005000 4\nW 0x10005000 4\n");
    sc_finish(m);
    SC_EXPECT_ONLY(m, "access.read=2 access.write=1 fault.real=4 fault.reflected=1 "
                      "fault.resolved_real=3 fault.dirty_trap=1 walk.refs=7 page.zero_fill=5 "
                      "vk.pt_alloc=1 prefault.issued=4 prefault.used=1 prefault.wasted=3");
    vk_model_free(m);
}

/* A kernel access does not walk, so it does not make a prefault used (section 7: "a later
 * access reaches it through a successful walk").  vpt-1.10/window:1: R p0 (p1 entered);
 * KR p1: resident already, nothing happens.  At the end p1 is wasted. */
Test(policy_window, kernel_access_does_not_use_prefault)
{
    struct vk_model *m = sc_new("vpt-1.10", "window:1", "strict");
    sc_run(m, A16 "R 0x10000000 4\nKR 0x10001000 4\n");
    sc_finish(m);
    SC_EXPECT_ONLY(m, "access.read=1 access.kernel=1 fault.real=2 fault.reflected=1 "
                      "fault.resolved_real=1 walk.refs=3 page.zero_fill=2 vk.pt_alloc=1 "
                      "prefault.issued=1 prefault.wasted=1");
    vk_model_free(m);
}

/* Unmapping prefaulted entries wastes them and invalidates every valid vpte.
 * vpt-1.10/window:2: R p0 (p1, p2 entered), unmap: 3 valid vptes -> inval 3, wasted 2. */
Test(policy_window, unmap_wastes_prefaults)
{
    struct vk_model *m = sc_new("vpt-1.10", "window:2", "strict");
    sc_run(m, A16 "R 0x10000000 4\nunmap 0x10000000 0x10010000\n");
    SC_EXPECT(m, "prefault.wasted=2 vk.inval=3");
    sc_finish(m);
    SC_EXPECT_ONLY(m, "access.read=1 fault.real=2 fault.reflected=1 fault.resolved_real=1 "
                      "walk.refs=3 page.zero_fill=3 vk.pt_alloc=1 vk.inval=3 "
                      "prefault.issued=2 prefault.wasted=2");
    vk_model_free(m);
}

/* An invalidated prefault is wasted even if a later access reaches it ("replaced, invalidated
 * or evicted first").  vpt-1.10/window:2: R p0 (p1, p2 entered with W), protect r--: all three
 * lose W -> inval 3, p1 and p2 wasted.  R p1: real PTE absent, vpte valid and readable: walk
 * passes (2), resolved; not counted used (already wasted).
 * fault.real 3, walk 3+2 = 5. */
Test(policy_window, invalidated_prefault_stays_wasted)
{
    struct vk_model *m = sc_new("vpt-1.10", "window:2", "strict");
    sc_run(m, A16 "R 0x10000000 4\nprotect 0x10000000 0x10010000 r--\nR 0x10001000 4\n");
    sc_finish(m);
    SC_EXPECT_ONLY(m, "access.read=2 fault.real=3 fault.reflected=1 fault.resolved_real=2 "
                      "walk.refs=5 page.zero_fill=3 vk.pt_alloc=1 vk.inval=3 "
                      "prefault.issued=2 prefault.wasted=2");
    vk_model_free(m);
}

/* window in native: the real kernel zero-fills and maps the window with the section 6 step 3
 * bits (writable for private anonymous pages).  native/window:4, anon rw-: R p4 -> fault 1,
 * p4..p8 zero-filled and writable.  W p5, W p8: hits.  R p9: fault 2, p9..p13 zero-filled. */
Test(policy_native, window_entries_writable)
{
    struct vk_model *m = sc_new("native", "window:4", "strict");
    sc_run(m, A16 "R 0x10004000 4\nW 0x10005000 4\nW 0x10008000 4\nR 0x10009000 4\n");
    sc_finish(m);
    SC_EXPECT(m, "access.read=2 access.write=2 fault.real=2 fault.native=2 page.zero_fill=10 "
                 "fault.reflected=0 walk.refs=0 vk.pt_alloc=0 vk.inval=0");
    vk_model_free(m);
}

/* --real-prefault walks are not accesses: a vkernel prefault that only the real kernel's
 * prefault walk reached, and that no guest access touched before the run ended, is wasted
 * (section 7: used "when a later access reaches it through a successful walk (it saved a
 * reflection)"; wasted when "the run ends before any access reached it").
 * vpt/dfly, --real-prefault 8, warm file r--: R p4: reflected (1 ref); dfly enters
 * p3,p5,p2,p6,p1,p7,p0,p8 readable; retry resolved (2 refs); the real prefault installs all 8
 * (8 walks, 16 refs).  No further access: used 0, wasted 8.  walk 1+2+16 = 19. */
Test(policy_real_prefault, prefault_walk_alone_is_not_use)
{
    struct vk_options o = {.real_prefault = 8};
    struct vk_model *m = sc_new_opt("vpt", "dfly", "strict", &o, MMU_ARCH_I386, NULL);
    sc_run(m, F16 "R 0x10004000 4\n");
    sc_finish(m);
    SC_EXPECT_ONLY(m, "access.read=1 fault.real=2 fault.reflected=1 fault.resolved_real=1 "
                      "walk.refs=19 vk.pt_alloc=1 prefault.issued=8 prefault.used=0 "
                      "prefault.wasted=8");
    vk_model_free(m);
}

/* --inval-every-enter models release 1.8's pmap_enter, which paid one MADV_INVAL per new
 * entry.  dfly models pmap_prefault, whose entries are made with pmap_enter_quick: "No syscall
 * is made" (docs dragonfly-vkernel.md 4.2; 4.3: "1.8 paid one vmspace_mcontrol syscall per
 * vkernel pmap_enter").  vpt-1.10/dfly, warm file r--:
 * R p4: pmap_enter of a new entry: inval 1; 8 dfly entries: none.
 * R p5: reflected (no R); pmap_enter over a valid vpte: inval 2 (once); dfly enters p9: none.
 * fault.real 4, walk 7, issued 9, wasted 9. */
Test(policy_dfly, inval_every_enter_not_for_quick_entries)
{
    struct vk_options o = {.inval_every_enter = true};
    struct vk_model *m = sc_new_opt("vpt-1.10", "dfly", "strict", &o, MMU_ARCH_I386, NULL);
    sc_run(m, F16 "R 0x10004000 4\nR 0x10005000 4\n");
    sc_finish(m);
    SC_EXPECT_ONLY(m, "access.read=2 fault.real=4 fault.reflected=2 fault.resolved_real=2 "
                      "walk.refs=7 vk.pt_alloc=1 vk.inval=2 prefault.issued=9 "
                      "prefault.wasted=9");
    vk_model_free(m);
}

/* The real prefault runs after every fault the real kernel resolves, a dirty-bit trap
 * included; a write to a page whose read-only real PTE came from the real prefault is a
 * dirty-bit trap (present, read-only, walk passes).  vpt-1.10/window:4, --real-prefault 2:
 * R p4: reflected (1), window p5..p8; retry (2); real prefault p5, p6 (2+2).
 * W p5: present read-only, vpte W -> dirty trap (2); real prefault from p5: p4, p6 present,
 *   p3 vpte 0, p7 yes (2), p2 no, p8 yes (2) -> 2 reached.
 * fault.real 3, resolved 2, dirty 1, walk 3+4+2+4 = 13. */
Test(policy_real_prefault, after_dirty_trap_too)
{
    struct vk_options o = {.real_prefault = 2};
    struct vk_model *m = sc_new_opt("vpt-1.10", "window:4", "strict", &o, MMU_ARCH_I386, NULL);
    sc_run(m, A16 "R 0x10004000 4\nW 0x10005000 4\n");
    cr_expect_eq(vk_real_bits(m, 0x10008) & (REAL_P | REAL_W), REAL_P);
    sc_finish(m);
    SC_EXPECT(m, "access.read=1 access.write=1 fault.real=3 fault.reflected=1 "
                 "fault.resolved_real=2 fault.dirty_trap=1 walk.refs=13 page.zero_fill=5 "
                 "vk.pt_alloc=1 vk.inval=0 prefault.issued=4");
    vk_model_free(m);
}

/* In native, dfly's page-table rule refers to the real page table.  Warm file r--
 * [0x103FC000, 0x10404000): R 0x103FF000: fault 1; candidates 0x103FE, 0x103FD, 0x103FC
 * entered, those in the next 4 MiB (no real page-table page yet) skipped.  R 0x10400000:
 * fault 2; candidates 0x10401..0x10403 entered.  R 0x10401000, R 0x103FC000: hits. */
Test(policy_native, dfly_real_page_table_rule)
{
    struct vk_model *m = sc_new("native", "dfly", "strict");
    sc_run(m, "map 0x103FC000 0x10404000 r-- file\nR 0x103FF000 4\nR 0x10400000 4\n"
              "R 0x10401000 4\nR 0x103FC000 4\n");
    sc_finish(m);
    SC_EXPECT(m, "access.read=4 fault.real=2 fault.native=2 walk.refs=0 vk.pt_alloc=0");
    vk_model_free(m);
}

/* linux-fa enters only resident pages (--file-cache cold): KR p6 (file read 1); R p5:
 * reflected, file read 2; window p0..p15 has one other resident page, p6 -> issued 1. */
Test(policy_linux_fa, cold_only_resident)
{
    struct vk_options o = {.file_cache_cold = true};
    struct vk_model *m = sc_new_opt("vpt-1.10", "linux-fa", "strict", &o, MMU_ARCH_I386, NULL);
    sc_run(m, F16 "KR 0x10006000 4\nR 0x10005000 4\n");
    sc_finish(m);
    SC_EXPECT_ONLY(m, "access.read=1 access.kernel=1 fault.real=2 fault.reflected=1 "
                      "fault.resolved_real=1 walk.refs=3 page.file_read=2 vk.pt_alloc=1 "
                      "prefault.issued=1 prefault.wasted=1");
    vk_model_free(m);
}

/* window skips candidates that already have a valid entry.  window:4: R p6 enters p7..p10;
 * R p4 enters p5 only (p6, p7, p8 valid).  issued 5, zero-fill 7, walk 3+4 = 7. */
Test(policy_window, skips_valid_entries)
{
    struct vk_model *m = sc_new("vpt-1.10", "window:4", "strict");
    sc_run(m, A16 "R 0x10006000 4\nR 0x10004000 4\n");
    sc_finish(m);
    SC_EXPECT_ONLY(m, "access.read=2 fault.real=4 fault.reflected=2 fault.resolved_real=2 "
                      "walk.refs=7 page.zero_fill=7 vk.pt_alloc=1 vk.inval=0 "
                      "prefault.issued=5 prefault.wasted=5");
    vk_model_free(m);
}

/* Protect leaves read-only prefaulted entries alone (their rights do not shrink), so they
 * can still be used.  vpt-1.10/linux-fa, warm file rw-: R p5 enters p0..p15 but p5 read-only
 * (15).  protect r--: no vpte has W -> no invalidation.  R p6: walk passes (2): used.
 * fault.real 3, walk 3+2 = 5. */
Test(policy_linux_fa, protect_keeps_readonly_prefaults)
{
    struct vk_model *m = sc_new("vpt-1.10", "linux-fa", "strict");
    sc_run(m, "map 0x10000000 0x10010000 rw- file\nR 0x10005000 4\n"
              "protect 0x10000000 0x10010000 r--\nR 0x10006000 4\n");
    sc_finish(m);
    SC_EXPECT_ONLY(m, "access.read=2 fault.real=3 fault.reflected=1 fault.resolved_real=2 "
                      "walk.refs=5 vk.pt_alloc=1 vk.inval=0 prefault.issued=15 "
                      "prefault.used=1 prefault.wasted=14");
    vk_model_free(m);
}

/* seq caps its window at 64 pages.  vpt-1.10, warm file r-- of 256 pages read in order:
 * reflections at p0 (1), p2 (2), p5 (4), p10 (8), p19 (16), p36 (32), p69 (64), p134 (64,
 * capped), p199 (56: p200..p255, clipped) = 9 reflections; issued 247, all used.
 * fault.real 9*2 + 247 = 265; walk 3 + 8*4 + 247*2 = 529. */
Test(policy_seq, window_capped_at_64)
{
    struct vk_model *m = sc_new("vpt-1.10", "seq", "strict");
    sc_run(m, "map 0x10000000 0x10100000 r-- file\n");
    for (uint64_t p = 0; p < 256; p++) {
        uint64_t fa;
        cr_assert_eq(vk_access(m, SC_P(0x10000 + p), 4, MMU_READ, &fa), VK_OK);
    }
    sc_finish(m);
    SC_EXPECT_ONLY(m, "access.read=256 fault.real=265 fault.reflected=9 "
                      "fault.resolved_real=256 walk.refs=529 vk.pt_alloc=1 "
                      "prefault.issued=247 prefault.used=247 prefault.wasted=0");
    vk_model_free(m);
}

/* ptpage on x86-64: the page-table page covers 512 pages (2 MiB).  Region of 1024 pages at
 * 0x40000000: R 0x40000000 -> reflected (1 ref: no level-4 entry), pt_alloc 3, 511 others
 * zero-filled and entered; retry 4 refs. */
Test(policy_ptpage, x86_64_two_mib)
{
    struct vk_model *m = sc_new_opt("vpt-1.10", "ptpage", "strict", NULL, MMU_ARCH_X86_64, NULL);
    sc_run(m, "map 0x40000000 0x40400000 rw- anon\nR 0x40000000 8\n");
    sc_finish(m);
    SC_EXPECT_ONLY(m, "access.read=1 fault.real=2 fault.reflected=1 fault.resolved_real=1 "
                      "walk.refs=5 page.zero_fill=512 vk.pt_alloc=3 prefault.issued=511 "
                      "prefault.wasted=511");
    vk_model_free(m);
}

/* dfly on x86-64: page-table pages cover 512 pages (2 MiB).  Warm file r--
 * [0x401FC000, 0x40204000) crosses the 2 MiB boundary at 0x40200000.  R 0x401FF000: first
 * fault (1 ref), pt_alloc 3; candidates 0x401FE, 0x401FD, 0x401FC entered; those at and above
 * 0x40200000 have no page-table page: skipped.  Retry: 4 refs. */
Test(policy_dfly, x86_64_pt_page_rule)
{
    struct vk_model *m = sc_new_opt("vpt", "dfly", "strict", NULL, MMU_ARCH_X86_64, NULL);
    sc_run(m, "map 0x401FC000 0x40204000 r-- file\nR 0x401FF000 8\n");
    sc_finish(m);
    SC_EXPECT_ONLY(m, "access.read=1 fault.real=2 fault.reflected=1 fault.resolved_real=1 "
                      "walk.refs=5 vk.pt_alloc=3 prefault.issued=3 prefault.wasted=3");
    vk_model_free(m);
}

/* window:N:sym at a region edge (interpretation, see report: the candidates are the first N
 * offsets -1,+1,-2,+2 and clipping drops those outside the region, it does not refill).
 * window:4:sym, R p0 of the region: -1 and -2 outside -> only p1, p2. */
Test(policy_window, sym_clipped_at_region_start)
{
    struct vk_model *m = sc_new("vpt-1.10", "window:4:sym", "strict");
    sc_run(m, A16 "R 0x10000000 4\n");
    cr_expect_eq(sc_vpte(m, SC_P(0x10003)), 0);
    sc_finish(m);
    SC_EXPECT_ONLY(m, "access.read=1 fault.real=2 fault.reflected=1 fault.resolved_real=1 "
                      "walk.refs=3 page.zero_fill=3 vk.pt_alloc=1 prefault.issued=2 "
                      "prefault.wasted=2");
    vk_model_free(m);
}

/* dfly checks the page-table page before residency (DragonFly's order: region, PDE, vpte,
 * page): a candidate with no page-table page is skipped even when its page is not resident;
 * only a non-resident candidate that passed the other checks stops the scan.
 * anon rw- [0x103F0000, 0x10410000); KR 0x103FE, KR 0x103FD (resident, no vpte).
 * R 0x103FF000: candidates 0x103FE enter, 0x10400 (no pt page: skip), 0x103FD enter,
 * 0x10401 (skip), 0x103FC (not resident: stop).  issued 2. */
Test(policy_dfly, pt_page_check_before_residency)
{
    struct vk_model *m = sc_new("vpt-1.10", "dfly", "strict");
    sc_run(m, "map 0x103F0000 0x10410000 rw- anon\nKR 0x103FE000 4\nKR 0x103FD000 4\n"
              "R 0x103FF000 4\n");
    sc_finish(m);
    SC_EXPECT_ONLY(m, "access.read=1 access.kernel=2 fault.real=2 fault.reflected=1 "
                      "fault.resolved_real=1 walk.refs=3 page.zero_fill=3 vk.pt_alloc=1 "
                      "prefault.issued=2 prefault.wasted=2");
    vk_model_free(m);
}

/* An instruction fetch fault is a read fault for linux-fa (section 1: fetches are reads for
 * permission purposes; Linux's fault-around serves every non-write fault).  vpt-1.10, warm
 * file r-x: X p5 -> window p0..p15: 15 entered. */
Test(policy_linux_fa, fetch_fault_is_a_read_fault)
{
    struct vk_model *m = sc_new("vpt-1.10", "linux-fa", "strict");
    sc_run(m, F16 "X 0x10005000 4\n");
    sc_finish(m);
    SC_EXPECT_ONLY(m, "access.fetch=1 fault.real=2 fault.reflected=1 fault.resolved_real=1 "
                      "walk.refs=3 vk.pt_alloc=1 prefault.issued=15 prefault.wasted=15");
    vk_model_free(m);

    /* linux: the built-in fault-around serves the next fetch */
    m = sc_new("linux", "none", "strict");
    sc_run(m, "map 0x10000000 0x10010000 r-x file\nX 0x10005000 4\nX 0x10006000 4\n");
    sc_finish(m);
    SC_EXPECT(m, "access.fetch=2 fault.real=1 fault.native=1");
    vk_model_free(m);
}

/* window zero-fills anonymous candidates whatever the region's protection (section 7 says
 * "anonymous pages zero-filled first" with no writable condition, unlike dfly2010); entries
 * lack W in a r-- region.  window:2, anon r--: R p0 -> p1, p2 zero-filled and entered. */
Test(policy_window, zero_fills_readonly_anon)
{
    struct vk_model *m = sc_new("vpt-1.10", "window:2", "strict");
    sc_run(m, "map 0x10000000 0x10010000 r-- anon\nR 0x10000000 4\n");
    uint64_t v = sc_vpte(m, SC_P(0x10001));
    cr_expect_eq(v & (VPTE_V | VPTE_R | VPTE_W), VPTE_V | VPTE_R, "vpte %#llx",
                 (unsigned long long)v);
    sc_finish(m);
    SC_EXPECT_ONLY(m, "access.read=1 fault.real=2 fault.reflected=1 fault.resolved_real=1 "
                      "walk.refs=3 page.zero_fill=3 vk.pt_alloc=1 prefault.issued=2 "
                      "prefault.wasted=2");
    vk_model_free(m);
}
