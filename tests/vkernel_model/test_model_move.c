/* Hand-derived scenarios of the moving mremap (vk_move; docs/model-notes.md, "Moving mremap"),
 * derived from model.md and the notes only.  Every non-zero event counter is listed
 * (SC_EXPECT_ONLY) and the section 9 identities are checked.
 * Pages: p0 = 0x10000000, p1 = 0x10001000, p2 = 0x10002000; q0 = 0x20000000, q1, q2 the same
 * offsets at the destination, in another page-table page (another 4 MiB) than the p's.
 * "fault N" numbers the real faults in order; "k refs" is the software walk's reads. */
#include "scenario.h"

#define P0 "0x10000000"
#define P1 "0x10001000"
#define Q0 "0x20000000"
#define Q1 "0x20001000"
#define Q2 "0x20002000"

/* Two pages written / read, the three-page region moved, then the moved pages touched again,
 * a page never touched, and the old address. */
#define BASIC                                                                                  \
    "map 0x10000000 0x10003000 rw- anon\n"                                                     \
    "W " P0 " 4\n"                                                                             \
    "R " P1 " 4\n"                                                                             \
    "move 0x10000000 0x20000000 0x3000\n"                                                      \
    "W " Q0 " 4\n"                                                                             \
    "R " Q1 " 4\n"                                                                             \
    "W " Q1 " 4\n"                                                                             \
    "R " Q2 " 4\n"                                                                             \
    "R " P0 " 4 =segv\n"

static void check(const char *scheme, const char *dirty, const struct vk_options *opt,
                  const char *trace, const char *expect)
{
    struct vk_model *m = sc_new_opt(scheme, "none", dirty, opt, MMU_ARCH_I386, NULL);
    sc_run(m, trace);
    sc_finish(m);
    SC_EXPECT_ONLY(m, expect);
    vk_model_free(m);
}

/* vpt-1.10/none/strict:
 * W p0: fault 1 (PDE absent, 1 ref) reflected: zero-fill 1, pt_alloc 1; fault 2 (2 refs)
 *   resolved writable.
 * R p1: fault 3 (PTE invalid, 2 refs) reflected: zero-fill 2; fault 4 (2 refs) resolved
 *   read-only.
 * move: two valid vptes leave p0, p1: inval 2 (as munmap); they are written at q0, q1, whose
 *   page-table page is new: pt_alloc 2.  p2 has no vpte: nothing.
 * W q0: the real PTE is empty: fault 5, the walk finds the moved vpte (W): 2 refs, resolved
 *   writable (no reflection, no zero-fill: the page came with its frame).
 * R q1: fault 6 (2 refs) resolved read-only (1.10); W q1: fault 7, a dirty-bit trap (present
 *   read-only, walk passes, 2 refs).
 * R q2: never touched: fault 8 (2 refs) reflected, zero-fill 3; fault 9 (2 refs) resolved.
 * R p0: no region any more: fault 10 (PDE kept, PTE invalid: 2 refs) reflected, segv.
 * fault.real 10, reflected 4, resolved 6, walk 1 + 9 x 2 = 19. */
Test(move, vpt110_basic)
{
    check("vpt-1.10", "strict", NULL, BASIC,
          "access.read=4 access.write=3 fault.real=10 fault.reflected=4 fault.resolved_real=6 "
          "fault.dirty_trap=1 fault.segv=1 walk.refs=19 page.zero_fill=3 vk.pt_alloc=2 "
          "vk.inval=2");
}

/* vpt: the same (q1's vpte has W but not M: its read fault maps read-only as in 1.10). */
Test(move, vpt_basic)
{
    check("vpt", "strict", NULL, BASIC,
          "access.read=4 access.write=3 fault.real=10 fault.reflected=4 fault.resolved_real=6 "
          "fault.dirty_trap=1 fault.segv=1 walk.refs=19 page.zero_fill=3 vk.pt_alloc=2 "
          "vk.inval=2");
}

/* --inval-every-enter (release 1.8): each moved vpte's write at the new page is a pmap_enter
 * of a new entry, one more invalidation each (2), besides the reflections' three entries
 * (faults 1, 3, 8): inval 2 + 2 + 3 = 7. */
Test(move, vpt110_inval_every_enter)
{
    struct vk_options opt = {.inval_every_enter = true};
    check("vpt-1.10", "strict", &opt, BASIC,
          "access.read=4 access.write=3 fault.real=10 fault.reflected=4 fault.resolved_real=6 "
          "fault.dirty_trap=1 fault.segv=1 walk.refs=19 page.zero_fill=3 vk.pt_alloc=2 "
          "vk.inval=7");
}

/* vpt-1.10 --dirty eager: the vptes of p0 and p1 are entered with M (writable private pages);
 * p1's M is never reached by a write before the move, and stays pending on the moved entry:
 * W q1 (fault 7, a dirty-bit trap in 1.10) reaches it, so p1's M is not spurious.  q2's
 * entry (fault 8, a read) also gets M, which no write reaches: spurious_dirty 1; the rest are
 * the strict counts. */
Test(move, vpt110_eager_m_pending_moves_with_the_entry)
{
    check("vpt-1.10", "eager", NULL, BASIC,
          "access.read=4 access.write=3 fault.real=10 fault.reflected=4 fault.resolved_real=6 "
          "fault.dirty_trap=1 fault.segv=1 walk.refs=19 page.zero_fill=3 vk.pt_alloc=2 "
          "vk.inval=2 vk.spurious_dirty=1");
}

/* vpt --dirty eager: p1's read fault maps writable (its vpte has W|M, the 2017 rule); after
 * the move q1's read fault (fault 6) does too, so W q1 hits: no dirty-bit trap, 9 faults, walk
 * 17.  q2's entry (fault 8, a read) gets M that no write reaches: spurious_dirty 1. */
Test(move, vpt_eager)
{
    check("vpt", "eager", NULL, BASIC,
          "access.read=4 access.write=3 fault.real=9 fault.reflected=4 fault.resolved_real=5 "
          "fault.segv=1 walk.refs=17 page.zero_fill=3 vk.pt_alloc=2 vk.inval=2 "
          "vk.spurious_dirty=1");
}

/* native: W p0 fault 1 (zero-fill), R p1 fault 2 (zero-fill: a read of writable anonymous
 * memory maps a new page writable).  The move carries the real PTEs: W q0, R q1, W q1 hit.
 * R q2: fault 3, zero-fill.  R p0: fault 4, segv. */
Test(move, native_basic)
{
    check("native", "strict", NULL, BASIC,
          "access.read=4 access.write=3 fault.real=4 fault.native=3 fault.segv=1 "
          "page.zero_fill=3");
}

/* linux: W p0 fault 1 (zero-fill); R p1 fault 2 maps the zero page read-only.  The move
 * carries both PTEs: W q0 hits, R q1 hits (the zero page), W q1 fault 3 allocates (zero-fill
 * 2).  R q2 fault 4 (zero page), R p0 fault 5 (segv). */
Test(move, linux_basic)
{
    check("linux", "strict", NULL, BASIC,
          "access.read=4 access.write=3 fault.real=5 fault.native=4 fault.segv=1 "
          "page.zero_fill=2");
}

/* ept: reflections as in vpt (faults 1, 3, 8, 10); the hardware walk resolves the rest.  The
 * move: inval 2, pt_alloc 2.  EPT violations: the first touch of each frame the hardware walk
 * reaches: p-side page-table page and the p0, p1 frames (3), the q-side page-table page (1),
 * q2's frame (1): 5; the moved frames have their EPT entries already. */
Test(move, ept_basic)
{
    struct vk_model *m = sc_new_opt("ept", "none", "strict", NULL, MMU_ARCH_I386, NULL);
    sc_run(m, BASIC);
    sc_finish(m);
    SC_EXPECT(m, "fault.reflected=4 fault.segv=1 fault.dirty_trap=0 page.zero_fill=3 "
                 "vk.pt_alloc=2 vk.inval=2 fault.ept_violation=5");
    vk_model_free(m);
}

/* Shared copy-on-write frames moving (model.md 11.1 with a move), vpt-1.10/none/strict:
 * W p0: fault 1 (1 ref) reflected, zero-fill 1, pt_alloc 1; fault 2 (2 refs) resolved.
 * W p1: fault 3 (2 refs) reflected, zero-fill 2; fault 4 (2 refs) resolved.
 * fork 2: the parent's two vptes lose W and M: inval 2; the child's vmspace (vk.vmspace 10)
 *   gets both vptes without W, M, A, its page-table page pt_alloc 2.
 * move (the parent): two valid vptes: inval 4; q's page-table page pt_alloc 3.  The frames
 *   keep 2 users each (parent at q0, q1; child at p0, p1).
 * W q0: fault 5, the vpte has no W (2 refs): reflected; 2 users: page.cow 1, the valid vpte
 *   replaced: inval 5; fault 6 (2 refs) resolved.
 * R q1: fault 7 (2 refs) resolved read-only.
 * pid 2, R p1: fault 8 (2 refs) resolved; W p1: fault 9, no W (2 refs): reflected; the frame
 *   still has 2 users (the parent's q1): page.cow 2, inval 6; fault 10 (2 refs) resolved.
 * exit: the child's two valid vptes: inval 8; vmspace destroyed: vk.vmspace 11.
 * pid 1, W q1: fault 11, no W (2 refs): reflected; the parent is the frame's only user now:
 *   taken over without a copy, the vpte re-entered: inval 9; fault 12 (2 refs) resolved.
 * fault.real 12, reflected 5, resolved 7, walk 1 + 11 x 2 = 23. */
#define FORK                                                                                   \
    "map 0x10000000 0x10002000 rw- anon\n"                                                     \
    "W " P0 " 4\nW " P1 " 4\nfork 2\n"                                                        \
    "move 0x10000000 0x20000000 0x2000\n"                                                      \
    "W " Q0 " 4\nR " Q1 " 4\n"                                                                 \
    "pid 2\nR " P1 " 4\nW " P1 " 4\nexit\n"                                                    \
    "pid 1\nW " Q1 " 4\n"

Test(move, vpt110_fork_shared_frames_move)
{
    struct vk_model *m = sc_new("vpt-1.10", "none", "strict");
    sc_run(m, FORK);
    sc_finish(m);
    SC_EXPECT_ONLY(m, "access.read=2 access.write=5 fault.real=12 fault.reflected=5 "
                      "fault.resolved_real=7 walk.refs=23 page.zero_fill=2 page.cow=2 "
                      "vk.pt_alloc=3 vk.inval=9 vk.vmspace=11");
    SC_EXPECT_VMSPACE(m, 1, 1);
    vk_model_free(m);
}

/* linux: W p0, W p1: faults 1, 2 (zero-fill).  fork: the parent's PTEs write-protected in
 * place, the child's page table gets them read-only.  The move carries the parent's.
 * W q0: fault 3, shared: page.cow 1.  R q1 hits.  Child: R p1 hits, W p1 fault 4 (still
 * shared with the parent's q1): page.cow 2.  Parent W q1: fault 5, only user: taken over. */
Test(move, linux_fork_shared_frames_move)
{
    check("linux", "strict", NULL, FORK,
          "access.read=2 access.write=5 fault.real=5 fault.native=5 page.zero_fill=2 "
          "page.cow=2");
}

/* native: as linux, but the child's page table starts empty: its R p1 is fault 4 (mapped
 * read-only, shared), W p1 fault 5 (page.cow 2); the parent's W q1 fault 6 (take-over). */
Test(move, native_fork_shared_frames_move)
{
    check("native", "strict", NULL, FORK,
          "access.read=2 access.write=5 fault.real=6 fault.native=6 page.zero_fill=2 "
          "page.cow=2");
}

/* Swapped pages moving, vpt-1.10/none/strict --vk-mem 4 pages (model.md section 2: CLOCK over
 * VPTE_A, frames numbered in allocation order):
 * W p0: fault 1 (1 ref) reflected: pt_alloc 1 (frame 1), zero-fill 1 (frame 2); fault 2.
 * W p1: fault 3 (2 refs) reflected: zero-fill 2 (frame 3); fault 4.
 * W r2 (0x20002000, its own region in q's 4 MiB): fault 5 (1 ref) reflected: pt_alloc 2
 *   (frame 4), then the zero-fill finds 4 frames in use: CLOCK from frame 1 (page table,
 *   skipped), 2 (p0: A, cleared), 3 (p1: A, cleared), 4 (skipped), 1, 2 (p0: A clear) evicts
 *   p0: inval 1, evict 1; zero-fill 3 takes frame 2; fault 6.  Hand at 3.
 * move p0..p1 to q0..q1: p0 is swapped (no vpte): its state moves, nothing counted; p1's
 *   valid vpte: inval 2, written at q1 (page-table page there already).
 * R q0: fault 7 (2 refs) reflected: page in; 4 frames in use: CLOCK at 3 (q1's frame, A
 *   cleared before the move, found at q1) evicts q1: inval 3, evict 2; page.swap_in 1 into
 *   frame 3; fault 8 resolved.  Hand at 4.
 * R q1: fault 9 (2 refs) reflected: page in; CLOCK: 4 (skipped), 1 (skipped), 2 (r2: A,
 *   cleared), 3 (q0: A, cleared), 4, 1, 2 (r2) evicts r2: inval 4, evict 3; swap_in 2;
 *   fault 10 resolved.
 * fault.real 10, reflected 5, resolved 5, walk 1 + 2 + 2 + 2 + 1 + 5 x 2 = 18. */
Test(move, vpt110_swapped_pages_move)
{
    struct vk_options opt = {.vk_mem_pages = 4};
    check("vpt-1.10", "strict", &opt,
          "map 0x10000000 0x10002000 rw- anon\n"
          "map 0x20002000 0x20003000 rw- anon\n"
          "W " P0 " 4\nW " P1 " 4\nW " Q2 " 4\n"
          "move 0x10000000 0x20000000 0x2000\n"
          "R " Q0 " 4\nR " Q1 " 4\n",
          "access.read=2 access.write=3 fault.real=10 fault.reflected=5 "
          "fault.resolved_real=5 walk.refs=18 page.zero_fill=3 page.swap_in=2 page.evict=3 "
          "vk.pt_alloc=2 vk.inval=4");
}

/* Regions: the moved region keeps its protection and kind, a file region its file pages (the
 * page cache is found again: no file read); the destination's old region goes; holes stay
 * holes; overlapping ranges are an input error. */
Test(move, regions_follow_and_overlap_is_refused)
{
    struct vk_model *m = sc_new("vpt-1.10", "none", "strict");
    sc_run(m, "map 0x10000000 0x10001000 r-- file 7 5\n"
              "map 0x10002000 0x10003000 rw- anon\n"
              "map 0x20000000 0x20008000 rwx anon\n"
              "R 0x10000000 4\n"
              "move 0x10000000 0x20001000 0x3000\n"
              "move 0x20001000 0x20002000 0x3000 =error\n");
    cr_expect(vk_error_is_input(m));
    vk_model_free(m);
    struct vk_options cold = {.file_cache_cold = true};
    m = sc_new_opt("native", "none", "strict", &cold, MMU_ARCH_I386, NULL);
    sc_run(m, "map 0x10000000 0x10001000 r-- file 7 5\n"
              "map 0x10002000 0x10003000 rw- anon\n"
              "map 0x20000000 0x20008000 rwx anon\n"
              "R 0x10000000 4\n" /* fault 1: the file page read (cold cache) */
              "move 0x10000000 0x20001000 0x3000\n"
              "R 0x20001000 4\n" /* the moved PTE: a hit */
              "R 0x20002000 4 =segv\n" /* the hole moved too: fault 2 */
              "W 0x20003000 4\n" /* fault 3, zero-fill */
              "R 0x20000000 4\n" /* what is left of the destination's region: fault 4 */
              "R 0x10002000 4 =segv\n"); /* fault 5 */
    size_t n;
    const struct vk_region *r = vk_regions(m, &n);
    cr_assert_eq(n, 4);
    cr_expect_eq(r[0].start, 0x20000000);
    cr_expect_eq(r[0].end, 0x20001000);
    cr_expect_eq(r[1].start, 0x20001000);
    cr_expect_eq(r[1].kind, VK_FILE);
    cr_expect_eq(r[1].file_pgoff, 5);
    cr_expect_eq(r[1].prot, VK_PROT_R);
    cr_expect_eq(r[2].start, 0x20003000);
    cr_expect_eq(r[2].prot, VK_PROT_R | VK_PROT_W);
    cr_expect_eq(r[3].start, 0x20004000);
    cr_expect_eq(r[3].prot, VK_PROT_R | VK_PROT_W | VK_PROT_X);
    sc_finish(m);
    SC_EXPECT_ONLY(m, "access.read=5 access.write=1 fault.real=5 fault.native=3 fault.segv=2 "
                      "page.file_read=1 page.zero_fill=2");
    vk_model_free(m);
}

/* x86-64 (four levels of 9 bits): the basic scenario of vpt-1.10.  p and q share the PML4E and
 * the PDPTE (both below 1 GiB) but not the PDE (2 MiB each): the first entry allocates the
 * PDPT, PD and PT pages (pt_alloc 3), the move one more PT page (4).  A failing walk at the
 * PML4E reads 1 entry (fault 1), every other walk 4: walk 1 + 9 x 4 = 37.  The rest as on
 * i386. */
Test(move, vpt110_basic_x86_64)
{
    struct vk_model *m = sc_new_opt("vpt-1.10", "none", "strict", NULL, MMU_ARCH_X86_64, NULL);
    sc_run(m, BASIC);
    sc_finish(m);
    SC_EXPECT_ONLY(m, "access.read=4 access.write=3 fault.real=10 fault.reflected=4 "
                      "fault.resolved_real=6 fault.dirty_trap=1 fault.segv=1 walk.refs=37 "
                      "page.zero_fill=3 vk.pt_alloc=4 vk.inval=2");
    vk_model_free(m);
}
