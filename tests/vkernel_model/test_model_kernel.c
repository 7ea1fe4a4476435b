/* Kernel accesses to guest memory on behalf of system calls (model.md section 6.6). */
#include "scenario.h"

/* vpt-1.10: KW p0 makes the page resident (zero-fill) with no vpte and no real fault.  The
 * guest's first touch is still a reflection, which finds the page resident (no second
 * zero-fill).  R: fault 1 (1 ref) reflected, pt_alloc; retry fault 2 (2 refs). */
Test(model_kernel, vpt_resident_without_vpte)
{
    struct vk_model *m = sc_new("vpt-1.10", "none", "strict");
    sc_run(m, "map 0x10000000 0x10010000 rw- anon\nKW 0x10000000 16\n");
    cr_expect_eq(sc_vpte(m, 0x10000000), 0, "no vpte entered by a kernel access");
    SC_EXPECT(m, "fault.real=0 page.zero_fill=1 access.kernel=1 vk.pt_alloc=0");
    sc_run(m, "R 0x10000000 4\n");
    sc_finish(m);
    SC_EXPECT_ONLY(m, "access.read=1 access.kernel=1 fault.real=2 fault.reflected=1 "
                      "fault.resolved_real=1 walk.refs=3 page.zero_fill=1 vk.pt_alloc=1");
    vk_model_free(m);
}

/* native: a kernel access to an unmapped user page is a fault like a user one.  KW p0: fault,
 * zero-fill, writable.  R p0: hit. */
Test(model_kernel, native_kernel_access_faults)
{
    struct vk_model *m = sc_new("native", "none", "strict");
    sc_run(m, "map 0x10000000 0x10010000 rw- anon\nKW 0x10000000 16\nR 0x10000000 4\n");
    sc_finish(m);
    SC_EXPECT_ONLY(m, "access.read=1 access.kernel=1 fault.real=1 fault.native=1 "
                      "page.zero_fill=1");
    vk_model_free(m);
}

/* linux: KR p0 maps the zero page (fault 1, no zero-fill); W p0 faults again and allocates. */
Test(model_kernel, linux_kernel_read_zero_page)
{
    struct vk_model *m = sc_new("linux", "none", "strict");
    sc_run(m, "map 0x10000000 0x10010000 rw- anon\nKR 0x10000000 16\nW 0x10000000 4\n");
    sc_finish(m);
    SC_EXPECT_ONLY(m, "access.write=1 access.kernel=1 fault.real=2 fault.native=2 "
                      "page.zero_fill=1");
    vk_model_free(m);
}

/* EFAULT counts nothing: a kernel access with no region, a kernel write to a region without w.
 * Checked in a vpt scheme and in native. */
Test(model_kernel, efault_counts_nothing)
{
    const char *schemes[] = {"vpt-1.10", "native", "linux"};
    for (size_t i = 0; i < 3; i++) {
        struct vk_model *m = sc_new(schemes[i], "none", "strict");
        sc_run(m, "map 0x10000000 0x10010000 r-- anon\n"
                  "KR 0x50000000 16 =efault\nKW 0x50000000 16 =efault\n"
                  "KW 0x10000000 16 =efault\n");
        sc_finish(m);
        SC_EXPECT_ONLY(m, "access.kernel=0");
        vk_model_free(m);
    }
}

/* A kernel read of a read-only region is fine (vpt): zero-fill, counted. */
Test(model_kernel, kernel_read_of_readonly_region)
{
    struct vk_model *m = sc_new("vpt-1.10", "none", "strict");
    sc_run(m, "map 0x10000000 0x10010000 r-- anon\nKR 0x10000000 16\n");
    sc_finish(m);
    SC_EXPECT_ONLY(m, "access.kernel=1 page.zero_fill=1");
    vk_model_free(m);
}

/* A kernel write that makes a page private while a valid vpte maps the old page replaces that
 * vpte with the section 6 step 3 bits (one invalidation).  vpt-1.10, file rw-:
 * R p0: reflected, vpte without W, retry read-only (walk 1+2).
 * KW p0: COW (page.cow 1); the valid vpte is rewritten V|R|W|U|MANAGED|A (M clear): inval 1,
 *   the real PTE removed.
 * W p0: real PTE absent -> fault; walk passes W (2): resolved writable; not a dirty trap.
 * fault.real 3, walk 5. */
Test(model_kernel, kernel_cow_replaces_valid_vpte)
{
    struct vk_model *m = sc_new("vpt-1.10", "none", "strict");
    sc_run(m, "map 0x10000000 0x10010000 rw- file\nR 0x10000000 4\nKW 0x10000000 16\n");
    uint64_t v = sc_vpte(m, 0x10000000);
    cr_expect_eq(v & SC_VBITS, VPTE_V | VPTE_R | VPTE_W | VPTE_U | VPTE_MANAGED | VPTE_A,
                 "vpte after kernel COW %#llx", (unsigned long long)v);
    cr_expect_eq(vk_real_bits(m, 0x10000) & REAL_P, 0, "the invalidation removes the real PTE");
    sc_run(m, "W 0x10000000 4\n");
    sc_finish(m);
    SC_EXPECT_ONLY(m, "access.read=1 access.write=1 access.kernel=1 fault.real=3 "
                      "fault.reflected=1 fault.resolved_real=2 fault.dirty_trap=0 walk.refs=5 "
                      "page.cow=1 vk.inval=1 vk.pt_alloc=1");
    vk_model_free(m);
}

/* A kernel write to a file page with no vpte: COW without invalidation; the guest's write is
 * then a reflection that finds the page private (no second COW). */
Test(model_kernel, kernel_cow_without_vpte)
{
    struct vk_model *m = sc_new("vpt-1.10", "none", "strict");
    sc_run(m, "map 0x10000000 0x10010000 rw- file\nKW 0x10000000 16\nW 0x10000000 4\n");
    sc_finish(m);
    SC_EXPECT_ONLY(m, "access.write=1 access.kernel=1 fault.real=2 fault.reflected=1 "
                      "fault.resolved_real=1 walk.refs=3 page.cow=1 vk.pt_alloc=1");
    vk_model_free(m);
}

/* A kernel access crossing a page boundary touches both pages (one record). */
Test(model_kernel, kernel_access_crosses_pages)
{
    struct vk_model *m = sc_new("vpt-1.10", "none", "strict");
    sc_run(m, "map 0x10000000 0x10010000 rw- anon\nKR 0x10000FFE 4\n");
    sc_finish(m);
    SC_EXPECT_ONLY(m, "access.kernel=1 page.zero_fill=2");
    vk_model_free(m);
}

/* A kernel COW write over a dfly-prefaulted (valid, untouched) vpte in vpt: the vpte is
 * replaced (inval 1) and the prefault is wasted.  vpt/dfly, warm file rw-: R p4 (8 entries),
 * KW p5: COW, inval 1.  All 8 prefaults wasted. */
Test(model_kernel, kernel_cow_over_prefault_wastes_it)
{
    struct vk_model *m = sc_new("vpt", "dfly", "strict");
    sc_run(m, "map 0x10000000 0x10010000 rw- file\nR 0x10004000 4\nKW 0x10005000 4\n");
    uint64_t v = sc_vpte(m, SC_P(0x10005));
    cr_expect_eq(v & (VPTE_V | VPTE_R | VPTE_W | VPTE_M), VPTE_V | VPTE_R | VPTE_W,
                 "section 6 step 3 bits after kernel COW: %#llx", (unsigned long long)v);
    sc_finish(m);
    SC_EXPECT_ONLY(m, "access.read=1 access.kernel=1 fault.real=2 fault.reflected=1 "
                      "fault.resolved_real=1 walk.refs=3 page.cow=1 vk.pt_alloc=1 vk.inval=1 "
                      "prefault.issued=8 prefault.wasted=8");
    vk_model_free(m);
}

/* A kernel access that fails on its second page counts nothing, not even the first page's
 * work: KR crossing from r-- anon into no region; KW crossing from rw- into r--. */
Test(model_kernel, efault_crossing_counts_nothing)
{
    const char *schemes[] = {"vpt-1.10", "native", "linux"};
    for (size_t i = 0; i < 3; i++) {
        struct vk_model *m = sc_new(schemes[i], "none", "strict");
        sc_run(m, "map 0x10000000 0x10010000 rw- anon\nmap 0x10010000 0x10020000 r-- anon\n"
                  "KR 0x1001FFFE 4 =efault\nKW 0x1000FFFE 4 =efault\n");
        sc_finish(m);
        SC_EXPECT_ONLY(m, "access.kernel=0 page.zero_fill=0");
        vk_model_free(m);
    }
}
