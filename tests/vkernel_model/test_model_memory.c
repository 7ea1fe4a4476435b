/* Regions, copy-on-write, the page cache, invalidations on unmap/protect/map-over,
 * --inval-every-enter and eviction under --vk-mem (model.md sections 1, 2, 6). */
#include "scenario.h"

/* A copied page stays private.  vpt-1.10/none, file rw-:
 * W p0: reflected (1 ref), COW (page.cow 1), vpte W; retry writable (2 refs).
 * protect [p0,p1) r--: the valid vpte loses W -> 1 invalidation (real PTE removed).
 * protect [p0,p1) rw-: rights grow -> nothing.
 * W p0: real PTE absent -> fault; walk: PTE lacks W (2 refs) -> reflected; the page is already
 *   private: no second COW; pmap_enter with W replaces a valid vpte -> invalidation 2.
 *   Retry: 2 refs, writable.
 * fault.real 4, reflected 2, resolved 2, walk 1+2+2+2 = 7. */
Test(model_cow, copied_page_stays_private)
{
    struct vk_model *m = sc_new("vpt-1.10", "none", "strict");
    sc_run(m, "map 0x10000000 0x10010000 rw- file\nW 0x10000000 4\n"
              "protect 0x10000000 0x10001000 r--\nprotect 0x10000000 0x10001000 rw-\n"
              "W 0x10000000 4\n");
    sc_finish(m);
    SC_EXPECT_ONLY(m, "access.write=2 fault.real=4 fault.reflected=2 fault.resolved_real=2 "
                      "walk.refs=7 page.cow=1 vk.inval=2 vk.pt_alloc=1");
    vk_model_free(m);
}

/* The same in native: W p0 COW fault; protect r-- then rw- (real PTE loses W, no counter);
 * W p0: fault on a present read-only PTE, the page is already private: no COW, but the fault
 * counts in fault.native. */
Test(model_cow, native_copied_page_stays_private)
{
    struct vk_model *m = sc_new("native", "none", "strict");
    sc_run(m, "map 0x10000000 0x10010000 rw- file\nW 0x10000000 4\n"
              "protect 0x10000000 0x10001000 r--\nprotect 0x10000000 0x10001000 rw-\n"
              "W 0x10000000 4\n");
    sc_finish(m);
    SC_EXPECT_ONLY(m, "access.write=2 fault.real=2 fault.native=2 page.cow=1");
    vk_model_free(m);
}

/* Warm page cache (default): file pages are resident; no page.file_read. */
Test(model_file_cache, warm_no_file_read)
{
    struct vk_model *m = sc_new("vpt-1.10", "none", "strict");
    sc_run(m, "map 0x10000000 0x10010000 r-- file\nR 0x10000000 4\nR 0x10001000 4\n");
    sc_finish(m);
    SC_EXPECT_ONLY(m, "access.read=2 fault.real=4 fault.reflected=2 fault.resolved_real=2 "
                      "walk.refs=7 vk.pt_alloc=1");
    vk_model_free(m);
}

/* --file-cache cold: the first touch of each file page reads it (page.file_read); a second
 * region of the same file (same id, same offset) shares the cache.
 * R A0: file read 1; walk 1+2.  R B0 (same file page, other 4 MiB): resident, no read;
 * walk 1+2, pt_alloc 2.  R B1: file page 1: read 2; walk 2+2.  Total walk 10. */
Test(model_file_cache, cold_reads_once_per_file_page)
{
    struct vk_options o = {.file_cache_cold = true};
    struct vk_model *m = sc_new_opt("vpt-1.10", "none", "strict", &o, MMU_ARCH_I386, NULL);
    sc_run(m, "map 0x10000000 0x10004000 r-- file 7 0\n"
              "map 0x20000000 0x20004000 r-- file 7 0\n"
              "R 0x10000000 4\nR 0x20000000 4\nR 0x20001000 4\n");
    sc_finish(m);
    SC_EXPECT_ONLY(m, "access.read=3 fault.real=6 fault.reflected=3 fault.resolved_real=3 "
                      "walk.refs=10 page.file_read=2 vk.pt_alloc=2");
    vk_model_free(m);
}

/* --file-cache cold, a write to a private file page never read: the page must be read from the
 * file before it is copied (interpretation): file_read 1 and cow 1. */
Test(model_file_cache, cold_cow_reads_then_copies)
{
    struct vk_options o = {.file_cache_cold = true};
    struct vk_model *m = sc_new_opt("vpt-1.10", "none", "strict", &o, MMU_ARCH_I386, NULL);
    sc_run(m, "map 0x10000000 0x10004000 rw- file\nW 0x10000000 4\n");
    sc_finish(m);
    SC_EXPECT_ONLY(m, "access.write=1 fault.real=2 fault.reflected=1 fault.resolved_real=1 "
                      "walk.refs=3 page.file_read=1 page.cow=1 vk.pt_alloc=1");
    vk_model_free(m);
}

/* Native with a cold cache: the real kernel's fault reads the page (major fault). */
Test(model_file_cache, native_cold)
{
    struct vk_options o = {.file_cache_cold = true};
    struct vk_model *m = sc_new_opt("native", "none", "strict", &o, MMU_ARCH_I386, NULL);
    sc_run(m, "map 0x10000000 0x10004000 r-- file\nR 0x10000000 4\nR 0x10000004 4\n");
    sc_finish(m);
    SC_EXPECT_ONLY(m, "access.read=2 fault.real=1 fault.native=1 page.file_read=1");
    vk_model_free(m);
}

/* Unmap invalidates each valid vpte once, discards the contents, keeps page-table pages.
 * anon rw-: R p0, R p1, R p2 (3 reflections; walk 3 + 4 + 4), unmap the 16 pages: 3 valid
 * vptes -> vk.inval 3.  map again, R p0: fresh page (zero-fill 4), the PDE still exists
 * (PTE 0: 2 refs), no new pt_alloc; retry 2.  walk 15. */
Test(model_inval, unmap_invalidates_valid_vptes_only)
{
    struct vk_model *m = sc_new("vpt-1.10", "none", "strict");
    sc_run(m, "map 0x10000000 0x10010000 rw- anon\n"
              "R 0x10000000 4\nR 0x10001000 4\nR 0x10002000 4\n"
              "unmap 0x10000000 0x10010000\n");
    cr_expect_eq(sc_vpte(m, 0x10001000), 0);
    SC_EXPECT(m, "vk.inval=3");
    sc_run(m, "map 0x10000000 0x10010000 rw- anon\nR 0x10000000 4\n");
    sc_finish(m);
    SC_EXPECT_ONLY(m, "access.read=4 fault.real=8 fault.reflected=4 fault.resolved_real=4 "
                      "walk.refs=15 page.zero_fill=4 vk.pt_alloc=1 vk.inval=3");
    vk_model_free(m);
}

/* Protect: shrinking rights invalidate, growing rights do not; pages are kept.
 * anon rw-: W p0 (reflect, retry writable; walk 1+2), R p1 (reflect, retry read-only;
 *   walk 2+2).  Both vptes have W (anon read gets W).
 * protect r--: both lose W -> inval 2.  R p0, R p1: real PTEs gone -> faults, walks pass
 *   (2 each): resolved.
 * protect ---: both removed -> inval 4.  protect rw-: nothing.
 * R p0: vpte gone (PTE 0: 2 refs) -> reflected; page kept (no zero-fill); retry 2 refs.
 * fault.real 8, reflected 3, resolved 5, walk 3+4+4+4 = 15, zero-fill 2. */
Test(model_inval, protect_shrink_invalidates_grow_does_not)
{
    struct vk_model *m = sc_new("vpt-1.10", "none", "strict");
    sc_run(m, "map 0x10000000 0x10010000 rw- anon\nW 0x10000000 4\nR 0x10001000 4\n"
              "protect 0x10000000 0x10010000 r--\n");
    uint64_t v = sc_vpte(m, 0x10000000);
    cr_expect_eq(v & (VPTE_V | VPTE_R | VPTE_W | VPTE_M), VPTE_V | VPTE_R,
                 "w removed: W and M cleared, vpte kept (%#llx)", (unsigned long long)v);
    SC_EXPECT(m, "vk.inval=2");
    sc_run(m, "R 0x10000000 4\nR 0x10001000 4\n"
              "protect 0x10000000 0x10010000 ---\nprotect 0x10000000 0x10010000 rw-\n");
    cr_expect_eq(sc_vpte(m, 0x10000000), 0, "r removed: vpte removed");
    sc_run(m, "R 0x10000000 4\n");
    sc_finish(m);
    SC_EXPECT_ONLY(m, "access.read=4 access.write=1 fault.real=8 fault.reflected=3 "
                      "fault.resolved_real=5 walk.refs=15 page.zero_fill=2 vk.pt_alloc=1 "
                      "vk.inval=4");
    vk_model_free(m);
}

/* Protect only touches vptes whose rights shrink.  file rw-: R p0 (vpte without W), W p1
 * (COW, vpte with W).  protect r--: only p1 shrinks -> inval 1.  R p0: hit (left alone).
 * R p1: real PTE removed -> fault, walk passes (2), resolved.
 * fault.real 2+2+1 = 5, walk 3+4+2 = 9. */
Test(model_inval, protect_leaves_vptes_without_w)
{
    struct vk_model *m = sc_new("vpt-1.10", "none", "strict");
    sc_run(m, "map 0x10000000 0x10010000 rw- file\nR 0x10000000 4\nW 0x10001000 4\n"
              "protect 0x10000000 0x10010000 r--\nR 0x10000000 4\nR 0x10001000 4\n");
    sc_finish(m);
    SC_EXPECT_ONLY(m, "access.read=3 access.write=1 fault.real=5 fault.reflected=2 "
                      "fault.resolved_real=3 walk.refs=9 page.cow=1 vk.pt_alloc=1 vk.inval=1");
    vk_model_free(m);
}

/* Growing rights leave the vpte; the next fault upgrades it.  file r--: R p0, R p1; protect
 * r-x, then rw-: no invalidation.  R p0: hit.  W p0: present read-only -> fault; PTE lacks W
 * (2 refs) -> reflected; COW; replacing the valid vpte -> inval 1; retry 2 refs.
 * fault.real 6, walk 3+4+4 = 11. */
Test(model_inval, protect_grow_then_upgrade_on_fault)
{
    struct vk_model *m = sc_new("vpt-1.10", "none", "strict");
    sc_run(m, "map 0x10000000 0x10010000 r-- file\nR 0x10000000 4\nR 0x10001000 4\n"
              "protect 0x10000000 0x10010000 r-x\nprotect 0x10000000 0x10010000 rw-\n");
    SC_EXPECT(m, "vk.inval=0");
    sc_run(m, "R 0x10000000 4\nW 0x10000000 4\n");
    sc_finish(m);
    SC_EXPECT_ONLY(m, "access.read=3 access.write=1 fault.real=6 fault.reflected=3 "
                      "fault.resolved_real=3 walk.refs=11 page.cow=1 vk.pt_alloc=1 vk.inval=1");
    vk_model_free(m);
}

/* A new region over an existing one unmaps the covered part first.  anon rw-: W p0 (valid
 * vpte).  map file r-- over [p0,p1): inval 1.  R p0: reflected (PTE 0: 2 refs), the file's
 * cached page; retry 2.  fault.real 4, walk 3+4 = 7. */
Test(model_inval, map_over_existing_region)
{
    struct vk_model *m = sc_new("vpt-1.10", "none", "strict");
    sc_run(m, "map 0x10000000 0x10010000 rw- anon\nW 0x10000000 4\n"
              "map 0x10000000 0x10001000 r-- file\nR 0x10000000 4\n");
    const struct vk_region *r = vk_region_find(m, 0x10000000);
    cr_assert_not_null(r);
    cr_expect_eq(r->kind, VK_FILE);
    sc_finish(m);
    SC_EXPECT_ONLY(m, "access.read=1 access.write=1 fault.real=4 fault.reflected=2 "
                      "fault.resolved_real=2 walk.refs=7 page.zero_fill=1 vk.pt_alloc=1 "
                      "vk.inval=1");
    vk_model_free(m);
}

/* --inval-every-enter (release 1.8): one invalidation per pmap_enter of a new entry.
 * anon rw-: R p0 (enter 1), W p0 (dirty trap, no enter), R p1 (enter 2).
 * fault.real 2+1+2 = 5, walk 3+2+4 = 9, inval 2. */
Test(model_inval, inval_every_enter)
{
    struct vk_options o = {.inval_every_enter = true};
    struct vk_model *m = sc_new_opt("vpt-1.10", "none", "strict", &o, MMU_ARCH_I386, NULL);
    sc_run(m, "map 0x10000000 0x10010000 rw- anon\nR 0x10000000 4\nW 0x10000000 4\n"
              "R 0x10001000 4\n");
    sc_finish(m);
    SC_EXPECT_ONLY(m, "access.read=2 access.write=1 fault.real=5 fault.reflected=2 "
                      "fault.resolved_real=3 fault.dirty_trap=1 walk.refs=9 page.zero_fill=2 "
                      "vk.pt_alloc=1 vk.inval=2");
    vk_model_free(m);
}

/* --vk-mem 2 pages: page-table page + p0 fill the memory.
 * R p0: zero-fill, pt_alloc (2 frames); walk 1+2.
 * R p1: reflected (2 refs); no free frame -> evict p0 (the only data page): page.evict 1,
 *   its vpte removed -> inval 1; zero-fill p1; retry 2.
 * R p0: real PTE gone, vpte gone -> reflected (2); evict p1 (evict 2, inval 2); page p0 in
 *   (page.swap_in 1, no zero-fill); retry 2.
 * fault.real 6, reflected 3, resolved 3, walk 3+4+4 = 11. */
Test(model_evict, two_frames_evict_and_page_in)
{
    struct vk_options o = {.vk_mem_pages = 2};
    struct vk_model *m = sc_new_opt("vpt-1.10", "none", "strict", &o, MMU_ARCH_I386, NULL);
    sc_run(m, "map 0x10000000 0x10010000 rw- anon\nR 0x10000000 4\nR 0x10001000 4\n"
              "R 0x10000000 4\n");
    sc_finish(m);
    SC_EXPECT_ONLY(m, "access.read=3 fault.real=6 fault.reflected=3 fault.resolved_real=3 "
                      "walk.refs=11 page.zero_fill=2 vk.pt_alloc=1 page.evict=2 vk.inval=2 "
                      "page.swap_in=1");
    vk_model_free(m);
}

/* CLOCK over VPTE_A, --vk-mem 3 pages (page-table page + 2 data pages).  Interpretation: the
 * clock holds data pages in the order they became resident, the hand starts at the oldest and
 * moves past a victim.
 * R p0, R p1: frames full.  R p2: hand p0 (A set: clear), p1 (A: clear), p0 (A clear): evict
 *   p0 (inval 1); zero-fill p2.  Hand at p1.
 * R p0: reflected; p1 has A clear -> evict p1 (inval 2); page in p0.
 * R p1: reflected; p2 (A set: clear), p0 (A set, just entered: clear), p2 -> evict p2
 *   (inval 3); page in p1.
 * 5 reflections; walk 3 + 4*4 = 19; evict 3, swap_in 2, zero-fill 3. */
Test(model_evict, clock_over_a)
{
    struct vk_options o = {.vk_mem_pages = 3};
    struct vk_model *m = sc_new_opt("vpt-1.10", "none", "strict", &o, MMU_ARCH_I386, NULL);
    sc_run(m, "map 0x10000000 0x10010000 rw- anon\nR 0x10000000 4\nR 0x10001000 4\n"
              "R 0x10002000 4\nR 0x10000000 4\nR 0x10001000 4\n");
    sc_finish(m);
    SC_EXPECT_ONLY(m, "access.read=5 fault.real=10 fault.reflected=5 fault.resolved_real=5 "
                      "walk.refs=19 page.zero_fill=3 vk.pt_alloc=1 page.evict=3 vk.inval=3 "
                      "page.swap_in=2");
    vk_model_free(m);
}

/* An evicted prefaulted entry is wasted.  --vk-mem 3, vpt-1.10/window:1: R p0: zero-fill p0,
 * pt page, window enters p1 (zero-fill): 3 frames.  R p2: reflected; CLOCK: p0 (A: clear),
 * p1 (A from the section 6 step 3 bits: clear), p0 -> evict p0 (inval 1); zero-fill p2; window
 * p3 needs a frame: p1 (A clear) -> evict p1 (inval 2, prefault wasted); zero-fill p3.
 * At the end p3 is unused: wasted 2, issued 2.
 * fault.real 4, walk 3+4 = 7, zero-fill 4, evict 2. */
Test(model_evict, evicted_prefault_is_wasted)
{
    struct vk_options o = {.vk_mem_pages = 3};
    struct vk_model *m = sc_new_opt("vpt-1.10", "window:1", "strict", &o, MMU_ARCH_I386, NULL);
    sc_run(m, "map 0x10000000 0x10010000 rw- anon\nR 0x10000000 4\nR 0x10002000 4\n");
    sc_finish(m);
    SC_EXPECT_ONLY(m, "access.read=2 fault.real=4 fault.reflected=2 fault.resolved_real=2 "
                      "walk.refs=7 page.zero_fill=4 vk.pt_alloc=1 page.evict=2 vk.inval=2 "
                      "prefault.issued=2 prefault.wasted=2");
    vk_model_free(m);
}

/* The page cache belongs to the file, not the region: after unmap and a new map of the same
 * file, a page read before is still cached (--file-cache cold: one file read in all).
 * R p0: reflected, file read.  unmap: inval 1.  map, R p0: reflected (PTE 0: 2 refs), cached. */
Test(model_file_cache, cache_survives_unmap)
{
    struct vk_options o = {.file_cache_cold = true};
    struct vk_model *m = sc_new_opt("vpt-1.10", "none", "strict", &o, MMU_ARCH_I386, NULL);
    sc_run(m, "map 0x10000000 0x10010000 r-- file\nR 0x10000000 4\n"
              "unmap 0x10000000 0x10010000\nmap 0x10000000 0x10010000 r-- file\n"
              "R 0x10000000 4\n");
    sc_finish(m);
    SC_EXPECT_ONLY(m, "access.read=2 fault.real=4 fault.reflected=2 fault.resolved_real=2 "
                      "walk.refs=7 page.file_read=1 vk.pt_alloc=1 vk.inval=1");
    vk_model_free(m);
}

/* A private copy is discarded by unmap: a new mapping of the file copies again on write. */
Test(model_cow, private_copy_discarded_by_unmap)
{
    struct vk_model *m = sc_new("vpt-1.10", "none", "strict");
    sc_run(m, "map 0x10000000 0x10010000 rw- file\nW 0x10000000 4\n"
              "unmap 0x10000000 0x10010000\nmap 0x10000000 0x10010000 rw- file\n"
              "W 0x10000000 4\n");
    sc_finish(m);
    SC_EXPECT_ONLY(m, "access.write=2 fault.real=4 fault.reflected=2 fault.resolved_real=2 "
                      "walk.refs=7 page.cow=2 vk.pt_alloc=1 vk.inval=1");
    vk_model_free(m);
}

/* CLOCK takes a page whose vpte lacks A first: dfly entries are written V|U|MANAGED (no A).
 * --vk-mem 4, vpt-1.10/dfly, anon rw-:
 * KR p3: zero-fill (frame 1), no vpte.  R p4: zero-fill (2), pt page (3); dfly enters p3 (no
 * A), p5 not resident -> stop.  R p8: zero-fill (4); dfly: p7 not resident -> stop.
 * R p9: no free frame; p4, p8 have A, p3 does not -> whatever the hand, p3 is the victim
 * (evict 1, its valid vpte removed: inval 1, prefault wasted); zero-fill p9.
 * R p4: hit (still resident and mapped).
 * fault.real 6, walk 3+4+4 = 11, zero-fill 4. */
Test(model_evict, clock_takes_entry_without_a)
{
    struct vk_options o = {.vk_mem_pages = 4};
    struct vk_model *m = sc_new_opt("vpt-1.10", "dfly", "strict", &o, MMU_ARCH_I386, NULL);
    sc_run(m, "map 0x10000000 0x10010000 rw- anon\nKR 0x10003000 4\nR 0x10004000 4\n"
              "R 0x10008000 4\nR 0x10009000 4\nR 0x10004000 4\n");
    cr_expect_eq(sc_vpte(m, 0x10003000), 0, "p3 evicted");
    cr_expect_neq(sc_vpte(m, 0x10004000), 0, "p4 kept");
    sc_finish(m);
    SC_EXPECT_ONLY(m, "access.read=4 access.kernel=1 fault.real=6 fault.reflected=3 "
                      "fault.resolved_real=3 walk.refs=11 page.zero_fill=4 vk.pt_alloc=1 "
                      "page.evict=1 vk.inval=1 prefault.issued=1 prefault.wasted=1");
    vk_model_free(m);
}

/* Removing only x shrinks nothing the vkernel writes (its vptes carry no X check): no
 * invalidation, the real PTE stays.  file r-x: X p0 (reflected + retry), protect r--, X p0:
 * hit (a fetch is a read). */
Test(model_inval, removing_x_invalidates_nothing)
{
    struct vk_model *m = sc_new("vpt-1.10", "none", "strict");
    sc_run(m, "map 0x10000000 0x10010000 r-x file\nX 0x10000000 4\n"
              "protect 0x10000000 0x10010000 r--\nX 0x10000000 4\n");
    sc_finish(m);
    SC_EXPECT_ONLY(m, "access.fetch=2 fault.real=2 fault.reflected=1 fault.resolved_real=1 "
                      "walk.refs=3 vk.pt_alloc=1 vk.inval=0");
    vk_model_free(m);
}

/* A partial unmap invalidates only the valid vptes inside it.  R p0, R p1, R p2; unmap
 * [p1, p2): inval 1; R p0, R p2: hits; R p1: segv (reflected: PTE 0, 2 refs). */
Test(model_inval, partial_unmap)
{
    struct vk_model *m = sc_new("vpt-1.10", "none", "strict");
    sc_run(m, "map 0x10000000 0x10010000 rw- anon\n"
              "R 0x10000000 4\nR 0x10001000 4\nR 0x10002000 4\n"
              "unmap 0x10001000 0x10002000\n"
              "R 0x10000000 4\nR 0x10002000 4\nR 0x10001000 4 =segv\n");
    sc_finish(m);
    SC_EXPECT_ONLY(m, "access.read=6 fault.real=7 fault.reflected=4 fault.resolved_real=3 "
                      "fault.segv=1 walk.refs=13 page.zero_fill=3 vk.pt_alloc=1 vk.inval=1");
    vk_model_free(m);
}

/* Different files do not share the cache (--file-cache cold): files 1 and 2 at the same
 * offset are read once each; a second region of file 1 at offset 1 shares file 1's page 1.
 * R A0 (file 1 page 0: read 1), R B0 (file 2 page 0: read 2), R A1 (file 1 page 1: read 3),
 * R C0 (file 1 page 1 again: cached).  A, B, C in separate 4 MiB: pt_alloc 3.
 * walk: A0 3, B0 3, A1 4, C0 3 = 13. */
Test(model_file_cache, per_file_and_offset)
{
    struct vk_options o = {.file_cache_cold = true};
    struct vk_model *m = sc_new_opt("vpt-1.10", "none", "strict", &o, MMU_ARCH_I386, NULL);
    sc_run(m, "map 0x10000000 0x10004000 r-- file 1 0\n"
              "map 0x20000000 0x20004000 r-- file 2 0\n"
              "map 0x30000000 0x30004000 r-- file 1 1\n"
              "R 0x10000000 4\nR 0x20000000 4\nR 0x10001000 4\nR 0x30000000 4\n");
    sc_finish(m);
    SC_EXPECT_ONLY(m, "access.read=4 fault.real=8 fault.reflected=4 fault.resolved_real=4 "
                      "walk.refs=13 page.file_read=3 vk.pt_alloc=3");
    vk_model_free(m);
}
