/* pmap_enter bits (model.md section 6 step 3) and the dirty-bit strategies (section 8). */
#include "scenario.h"

#define PTE_BASE (VPTE_V | VPTE_R | VPTE_U | VPTE_MANAGED | VPTE_A)

/* anon r--: R p0 -> reflected, zero-fill, vpte V|R|U|MANAGED|A (no W: the region is not
 * writable).  Counts: fault.real 2, reflected 1, resolved 1, walk 1+2. */
Test(model_pmap, anon_readonly_region_no_w)
{
    struct vk_model *m = sc_new("vpt-1.10", "none", "strict");
    sc_run(m, "map 0x10000000 0x10010000 r-- anon\nR 0x10000000 4\n");
    uint64_t v = sc_vpte(m, 0x10000000);
    cr_expect_eq(v & SC_VBITS, PTE_BASE, "vpte %#llx", (unsigned long long)v);
    sc_finish(m);
    SC_EXPECT_ONLY(m, "access.read=1 fault.real=2 fault.reflected=1 fault.resolved_real=1 "
                      "walk.refs=3 page.zero_fill=1 vk.pt_alloc=1");
    vk_model_free(m);
}

/* file rw- (warm cache): R p0 -> reflected, the cached page (no page work), vpte without W
 * even though the region is writable (the page is not private).  M clear. */
Test(model_pmap, file_read_gets_no_w)
{
    struct vk_model *m = sc_new("vpt-1.10", "none", "strict");
    sc_run(m, "map 0x10000000 0x10010000 rw- file\nR 0x10000000 4\n");
    uint64_t v = sc_vpte(m, 0x10000000);
    cr_expect_eq(v & SC_VBITS, PTE_BASE, "vpte %#llx", (unsigned long long)v);
    sc_finish(m);
    SC_EXPECT_ONLY(m, "access.read=1 fault.real=2 fault.reflected=1 fault.resolved_real=1 "
                      "walk.refs=3 vk.pt_alloc=1");
    vk_model_free(m);
}

/* file rw-: W p0 first -> reflected, copy-on-write (page.cow 1), vpte with W (private now),
 * no old vpte so no invalidation; retry maps writable (walk sets A|M).  R p0, W p0: hits. */
Test(model_pmap, file_write_cow_gets_w)
{
    struct vk_model *m = sc_new("vpt-1.10", "none", "strict");
    sc_run(m, "map 0x10000000 0x10010000 rw- file\nW 0x10000000 4\nR 0x10000000 4\n"
              "W 0x10000004 4\n");
    uint64_t v = sc_vpte(m, 0x10000000);
    cr_expect_eq(v & SC_VBITS, PTE_BASE | VPTE_W | VPTE_M, "vpte %#llx",
                 (unsigned long long)v);
    sc_finish(m);
    SC_EXPECT_ONLY(m, "access.read=1 access.write=2 fault.real=2 fault.reflected=1 "
                      "fault.resolved_real=1 walk.refs=3 page.cow=1 vk.pt_alloc=1");
    vk_model_free(m);
}

/* M is written clear by default (strict), even for a write reflection: observed between the
 * reflection and the retry with vk_real_fault.  Then the retry's walk sets M. */
Test(model_pmap, strict_write_reflection_m_clear)
{
    struct vk_model *m = sc_new("vpt-1.10", "none", "strict");
    sc_run(m, "map 0x10000000 0x10010000 rw- anon\n");
    cr_expect_eq(vk_real_fault(m, 0x10000, MMU_WRITE), VK_FO_REFLECTED);
    uint64_t v = sc_vpte(m, 0x10000000);
    cr_expect_eq(v & SC_VBITS, PTE_BASE | VPTE_W, "vpte after reflection %#llx",
                 (unsigned long long)v);
    cr_expect_eq(vk_real_fault(m, 0x10000, MMU_WRITE), VK_FO_RESOLVED);
    v = sc_vpte(m, 0x10000000);
    cr_expect(v & VPTE_M, "retried write walk must set M (%#llx)", (unsigned long long)v);
    cr_expect_eq(vk_real_bits(m, 0x10000) & (REAL_P | REAL_W), REAL_P | REAL_W);
    sc_finish(m);
    SC_EXPECT(m, "fault.real=2 fault.reflected=1 fault.resolved_real=1 fault.dirty_trap=0 "
                 "walk.refs=3 page.zero_fill=1 vk.pt_alloc=1");
    vk_model_free(m);
}

/* hint: a write reflection enters the vpte with M set (seen before the retry). */
Test(model_pmap, hint_write_reflection_sets_m)
{
    struct vk_model *m = sc_new("vpt-1.10", "none", "hint");
    sc_run(m, "map 0x10000000 0x10010000 rw- anon\n");
    cr_expect_eq(vk_real_fault(m, 0x10000, MMU_WRITE), VK_FO_REFLECTED);
    uint64_t v = sc_vpte(m, 0x10000000);
    cr_expect_eq(v & SC_VBITS, PTE_BASE | VPTE_W | VPTE_M, "vpte after reflection %#llx",
                 (unsigned long long)v);
    cr_expect_eq(vk_real_fault(m, 0x10000, MMU_WRITE), VK_FO_RESOLVED);
    sc_finish(m);
    SC_EXPECT(m, "fault.real=2 fault.reflected=1 fault.resolved_real=1 walk.refs=3");
    vk_model_free(m);
}

/* hint: prefaulted entries are written without M.  vpt-1.10/window:2/hint, anon rw-:
 * W p0: reflected; p0 entered W|M (hint); window:2 fwd zero-fills and enters p1, p2 with the
 * section 6 step 3 bits (W, M clear); retry resolved writable.  p1, p2 never touched: wasted
 * 2; nothing entered with M stays unwritten: spurious 0.
 * fault.real 2, walk 1+2, zero-fill 3. */
Test(model_pmap, hint_prefaulted_entries_without_m)
{
    struct vk_model *m = sc_new("vpt-1.10", "window:2", "hint");
    sc_run(m, "map 0x10000000 0x10010000 rw- anon\nW 0x10000000 4\n");
    for (uint64_t p = 0x10001; p <= 0x10002; p++) {
        uint64_t v = sc_vpte(m, SC_P(p));
        cr_expect_eq(v & (VPTE_V | VPTE_W | VPTE_M), VPTE_V | VPTE_W,
                     "prefaulted vpte of page %#llx: %#llx", (unsigned long long)p,
                     (unsigned long long)v);
    }
    sc_finish(m);
    SC_EXPECT_ONLY(m, "access.write=1 fault.real=2 fault.reflected=1 fault.resolved_real=1 "
                      "walk.refs=3 page.zero_fill=3 vk.pt_alloc=1 prefault.issued=2 "
                      "prefault.wasted=2 vk.spurious_dirty=0");
    vk_model_free(m);
}

/* eager: M on every writable private page entered, a read reflection included (vk_real_fault
 * shows the vpte before the retry); not on a page of a read-only region, not on a file page
 * that is not private. */
Test(model_pmap, eager_sets_m_only_on_writable_private)
{
    struct vk_model *m = sc_new("vpt-1.10", "none", "eager");
    sc_run(m, "map 0x10000000 0x10001000 rw- anon\n"
              "map 0x10001000 0x10002000 r-- anon\n"
              "map 0x10002000 0x10003000 rw- file\n");
    for (uint64_t p = 0x10000; p <= 0x10002; p++)
        cr_expect_eq(vk_real_fault(m, p, MMU_READ), VK_FO_REFLECTED, "page %#llx",
                     (unsigned long long)p);
    uint64_t v0 = sc_vpte(m, SC_P(0x10000)), v1 = sc_vpte(m, SC_P(0x10001)),
             v2 = sc_vpte(m, SC_P(0x10002));
    cr_expect_eq(v0 & SC_VBITS, PTE_BASE | VPTE_W | VPTE_M, "anon rw- %#llx",
                 (unsigned long long)v0);
    cr_expect_eq(v1 & SC_VBITS, PTE_BASE, "anon r-- %#llx", (unsigned long long)v1);
    cr_expect_eq(v2 & SC_VBITS, PTE_BASE, "file rw- %#llx", (unsigned long long)v2);
    sc_finish(m);
    SC_EXPECT(m, "fault.real=3 fault.reflected=3 walk.refs=5 page.zero_fill=2 vk.pt_alloc=1");
    vk_model_free(m);
}

/* eager includes prefaulted pages, and counts vk.spurious_dirty for entries never written.
 * vpt/window:3/eager, anon rw-: R p0: reflected; p0 and the window p1..p3 (zero-filled) are
 * entered W|M.  Retry: vpt maps the read writable (W|M); no write follows.  At the end: 4
 * vptes entered with M and never written -> spurious 4; prefaults 3 issued, 3 wasted. */
Test(model_pmap, eager_prefault_spurious_dirty)
{
    struct vk_model *m = sc_new("vpt", "window:3", "eager");
    sc_run(m, "map 0x10000000 0x10010000 rw- anon\nR 0x10000000 4\n");
    for (uint64_t p = 0x10001; p <= 0x10003; p++) {
        uint64_t v = sc_vpte(m, SC_P(p));
        cr_expect_eq(v & (VPTE_V | VPTE_W | VPTE_M), VPTE_V | VPTE_W | VPTE_M,
                     "eager prefaulted vpte %#llx: %#llx", (unsigned long long)p,
                     (unsigned long long)v);
    }
    cr_expect_eq(vk_real_bits(m, 0x10000) & (REAL_P | REAL_W), REAL_P | REAL_W,
                 "vpt maps a read of a W|M vpte writable");
    sc_finish(m);
    SC_EXPECT_ONLY(m, "access.read=1 fault.real=2 fault.reflected=1 fault.resolved_real=1 "
                      "walk.refs=3 page.zero_fill=4 vk.pt_alloc=1 prefault.issued=3 "
                      "prefault.wasted=3 vk.spurious_dirty=4");
    vk_model_free(m);
}

/* A kernel write counts as reaching the page for vk.spurious_dirty (model.md section 9: "no
 * write (user or kernel)").  vpt/none/eager: R p0 (vpte W|M, mapped writable), KW p0: the
 * page is resident and private, nothing else happens.  spurious 0.  The same without KW:
 * spurious 1. */
Test(model_pmap, eager_kernel_write_is_not_spurious)
{
    struct vk_model *m = sc_new("vpt", "none", "eager");
    sc_run(m, "map 0x10000000 0x10010000 rw- anon\nR 0x10000000 4\nKW 0x10000000 8\n");
    sc_finish(m);
    SC_EXPECT_ONLY(m, "access.read=1 access.kernel=1 fault.real=2 fault.reflected=1 "
                      "fault.resolved_real=1 walk.refs=3 page.zero_fill=1 vk.pt_alloc=1 "
                      "vk.spurious_dirty=0");
    vk_model_free(m);

    m = sc_new("vpt", "none", "eager");
    sc_run(m, "map 0x10000000 0x10010000 rw- anon\nR 0x10000000 4\n");
    sc_finish(m);
    SC_EXPECT_ONLY(m, "access.read=1 fault.real=2 fault.reflected=1 fault.resolved_real=1 "
                      "walk.refs=3 page.zero_fill=1 vk.pt_alloc=1 vk.spurious_dirty=1");
    vk_model_free(m);
}

/* spurious_dirty is settled when a vpte entered with M is removed unwritten.
 * vpt-1.10/none/eager: R p0 (vpte W|M, read-only real PTE), unmap: valid vpte -> 1
 * invalidation; it was never written -> spurious 1. */
Test(model_pmap, eager_spurious_on_unmap)
{
    struct vk_model *m = sc_new("vpt-1.10", "none", "eager");
    sc_run(m, "map 0x10000000 0x10010000 rw- anon\nR 0x10000000 4\n"
              "unmap 0x10000000 0x10010000\n");
    sc_finish(m);
    SC_EXPECT_ONLY(m, "access.read=1 fault.real=2 fault.reflected=1 fault.resolved_real=1 "
                      "walk.refs=3 page.zero_fill=1 vk.pt_alloc=1 vk.inval=1 "
                      "vk.spurious_dirty=1");
    vk_model_free(m);
}

/* Dirty-bit traps with prefaulted writable entries, per scheme (eager).
 * dfly2010 from p4 in anon rw- zero-fills and enters p3,p5,p2,p6,p1,p7,p0,p8 (8) with the
 * section 6 step 3 bits; eager adds M to all 9 entries.
 * vpt: R p5: fault, walk passes (used 1), W|M -> writable; W p5: hit.  dirty 0.
 *   fault.real 2+1 = 3, walk 1+2+2 = 5.  spurious: 9 entered with M, p5 written -> 8.
 * vpt-1.10: R p5 read-only; W p5: dirty trap.  fault.real 4, walk 7, spurious 8. */
Test(model_pmap, eager_dirty_traps_by_scheme)
{
    const char *trace = "map 0x10000000 0x10010000 rw- anon\n"
                        "R 0x10004000 4\nR 0x10005000 4\nW 0x10005000 4\n";
    struct vk_model *m = sc_new("vpt", "dfly2010", "eager");
    sc_run(m, trace);
    sc_finish(m);
    SC_EXPECT_ONLY(m, "access.read=2 access.write=1 fault.real=3 fault.reflected=1 "
                      "fault.resolved_real=2 fault.dirty_trap=0 walk.refs=5 page.zero_fill=9 "
                      "vk.pt_alloc=1 prefault.issued=8 prefault.used=1 prefault.wasted=7 "
                      "vk.spurious_dirty=8");
    vk_model_free(m);

    m = sc_new("vpt-1.10", "dfly2010", "eager");
    sc_run(m, trace);
    sc_finish(m);
    SC_EXPECT_ONLY(m, "access.read=2 access.write=1 fault.real=4 fault.reflected=1 "
                      "fault.resolved_real=3 fault.dirty_trap=1 walk.refs=7 page.zero_fill=9 "
                      "vk.pt_alloc=1 prefault.issued=8 prefault.used=1 prefault.wasted=7 "
                      "vk.spurious_dirty=8");
    vk_model_free(m);
}

/* No dirty-bit traps in native: a read then a write of a private file page is a read fault
 * (cached page, read-only) and a copy-on-write fault on a present read-only PTE, both counted
 * in fault.native. */
Test(model_pmap, native_has_no_dirty_traps)
{
    struct vk_model *m = sc_new("native", "none", "strict");
    sc_run(m, "map 0x10000000 0x10010000 rw- file\nR 0x10000000 4\nW 0x10000000 4\n"
              "R 0x10000000 4\nW 0x10000000 4\n");
    sc_finish(m);
    SC_EXPECT_ONLY(m, "access.read=2 access.write=2 fault.real=2 fault.native=2 page.cow=1");
    vk_model_free(m);
}

/* eager on a copy-on-write page: the private copy is writable private memory, so its vpte is
 * entered W|M; the retried write reaches it: not spurious.  vpt-1.10/none/eager, file rw-:
 * W p0: reflected, COW, vpte W|M; retry writable.  R p0: hit. */
Test(model_pmap, eager_cow_page_m_not_spurious)
{
    struct vk_model *m = sc_new("vpt-1.10", "none", "eager");
    sc_run(m, "map 0x10000000 0x10010000 rw- file\nW 0x10000000 4\nR 0x10000000 4\n");
    sc_finish(m);
    SC_EXPECT_ONLY(m, "access.read=1 access.write=1 fault.real=2 fault.reflected=1 "
                      "fault.resolved_real=1 walk.refs=3 page.cow=1 vk.pt_alloc=1 "
                      "vk.spurious_dirty=0");
    vk_model_free(m);
}

/* The real prefault installs read-only PTEs even for W|M vptes in scheme vpt (section 5:
 * "install read-only real PTEs"), so a write to such a page is a dirty-bit trap even with
 * eager.  vpt/window:4/eager, --real-prefault 2: R p4: reflected, p4..p8 entered W|M; retry
 * maps p4 writable (W|M); real prefault p5, p6 read-only (2+2).  W p5: present read-only,
 * walk passes: dirty trap (2); real prefault from p5: p7, p8 (2+2).
 * spurious: p4, p6, p7, p8 never written = 4.  walk 3+4+2+4 = 13. */
Test(model_pmap, real_prefault_readonly_even_for_w_m)
{
    struct vk_options o = {.real_prefault = 2};
    struct vk_model *m = sc_new_opt("vpt", "window:4", "eager", &o, MMU_ARCH_I386, NULL);
    sc_run(m, "map 0x10000000 0x10010000 rw- anon\nR 0x10004000 4\nW 0x10005000 4\n");
    sc_finish(m);
    SC_EXPECT(m, "access.read=1 access.write=1 fault.real=3 fault.reflected=1 "
                 "fault.resolved_real=2 fault.dirty_trap=1 walk.refs=13 page.zero_fill=5 "
                 "vk.pt_alloc=1 vk.inval=0 vk.spurious_dirty=4 prefault.issued=4");
    vk_model_free(m);
}
