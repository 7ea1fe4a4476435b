/* Page-crossing accesses, segmentation faults, instruction fetches, scheme linux file
 * behaviour, system calls and instructions, names and sizes (model.md sections 1, 5, 6, 9). */
#include "scenario.h"

/* An access crossing a page boundary is two page accesses in address order (one record).
 * vpt-1.10, anon rw-:
 * R 0x10000FFE 4: p0 reflected (1 ref) + retry (2); p1 reflected (2) + retry (2).
 * W 0x10001FFF 2: p1 present read-only -> dirty trap (2); p2 reflected (2) + retry (2).
 * fault.real 7, reflected 3, resolved 4, dirty 1, walk 13, zero-fill 3. */
Test(model_cross, page_crossing_is_two_page_accesses)
{
    struct vk_model *m = sc_new("vpt-1.10", "none", "strict");
    sc_run(m, "map 0x10000000 0x10010000 rw- anon\nR 0x10000FFE 4\nW 0x10001FFF 2\n");
    sc_finish(m);
    SC_EXPECT_ONLY(m, "access.read=1 access.write=1 fault.real=7 fault.reflected=3 "
                      "fault.resolved_real=4 fault.dirty_trap=1 walk.refs=13 page.zero_fill=3 "
                      "vk.pt_alloc=1");
    vk_model_free(m);
}

/* Crossing into an unmapped page: the first page is served, the second is a segv (first a
 * reflection: its PDE exists, PTE 0 -> 2 refs).  fault_addr is in the second page. */
Test(model_cross, crossing_into_unmapped_page_segv)
{
    struct vk_model *m = sc_new("vpt-1.10", "none", "strict");
    sc_run(m, "map 0x10000000 0x10001000 rw- anon\n");
    uint64_t fa = 0;
    cr_expect_eq(vk_access(m, 0x10000FFE, 4, MMU_READ, &fa), VK_SEGV);
    cr_expect_eq(SC_VPN(fa), 0x10001, "fault_addr %#llx", (unsigned long long)fa);
    sc_finish(m);
    SC_EXPECT_ONLY(m, "access.read=1 fault.real=3 fault.reflected=2 fault.resolved_real=1 "
                      "fault.segv=1 walk.refs=5 page.zero_fill=1 vk.pt_alloc=1");
    vk_model_free(m);
}

/* segv with no region, vpt-1.10: a failed walk (PDE absent: 1 ref), reflected, segv; the
 * access is counted and skipped (no retry). */
Test(model_segv, no_region_is_reflected_then_segv)
{
    struct vk_model *m = sc_new("vpt-1.10", "none", "strict");
    sc_run(m, "map 0x10000000 0x10010000 rw- anon\nR 0x50000000 4 =segv\n");
    sc_finish(m);
    SC_EXPECT_ONLY(m, "access.read=1 fault.real=1 fault.reflected=1 fault.segv=1 walk.refs=1");
    vk_model_free(m);
}

/* segv on a region without r (---): any access is a genuine segv, first a reflection.  No
 * pmap_enter happens, so the PDE stays absent: 1 ref per walk. */
Test(model_segv, prot_none_region)
{
    struct vk_model *m = sc_new("vpt", "none", "strict");
    sc_run(m, "map 0x10000000 0x10010000 --- anon\nR 0x10000000 4 =segv\n"
              "W 0x10000000 4 =segv\n");
    sc_finish(m);
    SC_EXPECT_ONLY(m, "access.read=1 access.write=1 fault.real=2 fault.reflected=2 "
                      "fault.segv=2 walk.refs=2");
    vk_model_free(m);
}

/* native segv: no reflection; fault.real = fault.native + fault.segv.  R of an anon r--
 * page: fault, zero-fill (read-only).  W: fault on a present read-only PTE, no w -> segv. */
Test(model_segv, native_segv)
{
    struct vk_model *m = sc_new("native", "none", "strict");
    sc_run(m, "map 0x10000000 0x10010000 r-- anon\nR 0x10000000 4\nW 0x10000000 4 =segv\n"
              "R 0x50000000 4 =segv\n");
    sc_finish(m);
    SC_EXPECT_ONLY(m, "access.read=2 access.write=1 fault.real=3 fault.native=1 fault.segv=2 "
                      "page.zero_fill=1");
    vk_model_free(m);
}

/* Instruction fetches are reads for permission purposes but counted apart. file r-x:
 * X p0: reflected + retry (walk 1+2); X p0: hit. */
Test(model_fetch, fetch_is_a_read_counted_apart)
{
    struct vk_model *m = sc_new("vpt-1.10", "none", "strict");
    sc_run(m, "map 0x10000000 0x10010000 r-x file\nX 0x10000000 4\nX 0x10000004 2\n");
    sc_finish(m);
    SC_EXPECT_ONLY(m, "access.fetch=2 fault.real=2 fault.reflected=1 fault.resolved_real=1 "
                      "walk.refs=3 vk.pt_alloc=1");
    vk_model_free(m);
}

/* linux, file r-- of 32 pages: fault-around is built in for read faults on file regions.
 * R p19: fault 1 maps p16..p31; R p16, R p31: hits.  R p0: fault 2 maps p0..p15; R p15 hit. */
Test(model_linux, builtin_fault_around_on_file_reads)
{
    struct vk_model *m = sc_new("linux", "none", "strict");
    sc_run(m, "map 0x10000000 0x10020000 r-- file\nR 0x10013000 4\nR 0x10010000 4\n"
              "R 0x1001F000 4\nR 0x10000000 4\nR 0x1000F000 4\n");
    sc_finish(m);
    SC_EXPECT(m, "access.read=5 fault.real=2 fault.native=2 page.zero_fill=0 page.cow=0 "
                 "fault.reflected=0 walk.refs=0 vk.pt_alloc=0");
    vk_model_free(m);
}

/* linux, file rw-: a write to a private file page is a COW fault; no fault-around on writes.
 * W p0: fault 1, cow 1.  R p1: fault 2, fault-around maps p0..p15 read-only (p0 already
 * mapped).  R p2: hit.  W p2: present read-only -> COW fault 3, cow 2. */
Test(model_linux, private_file_write_is_cow)
{
    struct vk_model *m = sc_new("linux", "none", "strict");
    sc_run(m, "map 0x10000000 0x10010000 rw- file\nW 0x10000000 4\nR 0x10001000 4\n"
              "R 0x10002000 4\nW 0x10002000 4\n");
    sc_finish(m);
    SC_EXPECT(m, "access.read=2 access.write=2 fault.real=3 fault.native=3 page.cow=2 "
                 "page.zero_fill=0 fault.dirty_trap=0");
    vk_model_free(m);
}

/* linux, anon: no fault-around for anonymous memory; each page read is a zero-page fault. */
Test(model_linux, anon_reads_no_fault_around)
{
    struct vk_model *m = sc_new("linux", "none", "strict");
    sc_run(m, "map 0x10000000 0x10010000 rw- anon\nR 0x10000000 4\nR 0x10001000 4\n");
    sc_finish(m);
    SC_EXPECT_ONLY(m, "access.read=2 fault.real=2 fault.native=2");
    vk_model_free(m);
}

/* System calls and instructions: vk.syscall counts guest calls only in vkernel schemes. */
Test(model_syscall, counted_only_with_a_vkernel)
{
    struct vk_model *m = sc_new("vpt-1.10", "none", "strict");
    sc_run(m, "I 100\nS 4\nS 3\nI 50\n");
    sc_finish(m);
    SC_EXPECT_ONLY(m, "vk.syscall=2");
    SC_EXPECT(m, "insns=150");
    cr_expect_gt(MMU_CTR(vk_counters(m), cycles_syscall), 0);
    cr_expect_gt(MMU_CTR(vk_counters(m), cycles_insn), 0);
    vk_model_free(m);

    m = sc_new("native", "none", "strict");
    sc_run(m, "I 100\nS 4\nS 3\nI 50\n");
    sc_finish(m);
    SC_EXPECT_ONLY(m, "vk.syscall=0");
    SC_EXPECT(m, "insns=150");
    cr_expect_gt(MMU_CTR(vk_counters(m), cycles_syscall), 0);
    vk_model_free(m);
}

/* A vk_set feeds every model the same events: the worked example in four schemes at once. */
Test(model_set, fans_out_events)
{
    const char *schemes[] = {"vpt-1.10", "vpt", "native", "linux"};
    const uint64_t real[] = {3, 3, 1, 2};
    struct vk_set s;
    vk_set_init(&s, MMU_ARCH_I386);
    for (size_t i = 0; i < 4; i++) {
        struct vk_config cfg = {.scheme = vk_scheme_find(schemes[i]),
                                .dirty = vk_dirty_find("strict")};
        char err[128];
        cr_assert_eq(vk_policy_parse("none", &cfg.policy, err, sizeof err), 0);
        cr_assert_eq(vk_set_add(&s, &cfg, mmu_cost_profile_find("modern")->costs), (int)i);
    }
    cr_expect_eq(vk_set_map(&s, 0x10000000, 0x10010000, VK_PROT_R | VK_PROT_W, VK_ANON, 0, 0),
                 VK_OK);
    cr_expect_eq(vk_set_access(&s, 0x10000000, 4, MMU_READ), VK_OK);
    cr_expect_eq(vk_set_access(&s, 0x10000000, 4, MMU_WRITE), VK_OK);
    cr_expect_eq(vk_set_access(&s, 0x10000000, 4, MMU_READ), VK_OK);
    cr_expect_eq(vk_set_access(&s, 0x50000000, 4, MMU_READ), VK_SEGV);
    vk_set_finish(&s);
    for (size_t i = 0; i < 4; i++) {
        const struct mmu_counters *c = vk_counters(s.m[i]);
        /* each model also took one segv for the unmapped read */
        cr_expect_eq(MMU_CTR(c, fault_real), real[i] + 1, "%s: fault.real %llu", schemes[i],
                     (unsigned long long)MMU_CTR(c, fault_real));
        cr_expect_eq(MMU_CTR(c, fault_segv), 1, "%s", schemes[i]);
        sc_check_identities(s.m[i]);
    }
    vk_set_fini(&s);
}

/* Names and sizes. */
Test(model_names, config_name_and_sizes)
{
    struct vk_model *m = sc_new("vpt-1.10", "none", "strict");
    char buf[96];
    cr_expect_str_eq(vk_config_name(vk_model_config(m), buf, sizeof buf), "vpt-1.10/none/strict");
    vk_model_free(m);
    cr_expect_null(vk_scheme_find("vpt-2.0"));
    cr_expect_null(vk_dirty_find("lazy"));
    cr_expect(vk_scheme_find("vpt-1.10")->vkernel);
    cr_expect(vk_scheme_find("vpt")->vkernel);
    cr_expect(!vk_scheme_find("native")->vkernel);
    cr_expect(!vk_scheme_find("linux")->vkernel);
    /* every scheme is a complete operation table; linux's fault-around is in its entry */
    for (size_t i = 0; vk_schemes[i]; i++) {
        cr_expect_not_null(vk_schemes[i]->real_fault, "%s", vk_schemes[i]->name);
        cr_expect_not_null(vk_schemes[i]->kernel_page, "%s", vk_schemes[i]->name);
        cr_expect_eq(vk_schemes[i]->builtin_prefault != NULL,
                     strcmp(vk_schemes[i]->name, "linux") == 0, "%s", vk_schemes[i]->name);
    }
    for (size_t i = 0; vk_dirties[i]; i++)
        cr_expect_not_null(vk_dirties[i]->entry_m, "%s", vk_dirties[i]->name);
    uint64_t v = 0;
    cr_expect_eq(vk_parse_size("64M", &v), 0);
    cr_expect_eq(v, 64ull << 20);
    cr_expect_eq(vk_parse_size("16k", &v), 0);
    cr_expect_eq(v, 16384);
    cr_expect_eq(vk_parse_size("4096", &v), 0);
    cr_expect_eq(v, 4096);
    cr_expect_eq(vk_parse_size("1G", &v), 0);
    cr_expect_eq(v, 1ull << 30);
    cr_expect_eq(vk_parse_size("abc", &v), -1);
    cr_expect_eq(vk_parse_size("", &v), -1);
}

/* vk_real_fault on an address with no region: reflected, then segv. */
Test(model_segv, real_fault_api_segv)
{
    struct vk_model *m = sc_new("vpt-1.10", "none", "strict");
    cr_expect_eq(vk_real_fault(m, 0x50000, MMU_READ), VK_FO_SEGV);
    sc_finish(m);
    SC_EXPECT_ONLY(m, "fault.real=1 fault.reflected=1 fault.segv=1 walk.refs=1");
    vk_model_free(m);
}

/* Region bookkeeping: protect splits, unmap punches a hole, map replaces. */
Test(model_regions, split_and_hole)
{
    struct vk_model *m = sc_new("vpt-1.10", "none", "strict");
    sc_run(m, "map 0x10000000 0x10010000 rw- anon\n"
              "protect 0x10004000 0x10008000 r--\n");
    size_t n = 0;
    const struct vk_region *r = vk_regions(m, &n);
    cr_assert_eq(n, 3);
    cr_expect_eq(r[0].start, 0x10000000);
    cr_expect_eq(r[0].end, 0x10004000);
    cr_expect_eq(r[1].prot, VK_PROT_R);
    cr_expect_eq(r[2].start, 0x10008000);
    cr_expect_eq(r[2].prot, VK_PROT_R | VK_PROT_W);
    sc_run(m, "unmap 0x10005000 0x10006000\n");
    cr_expect_null(vk_region_find(m, 0x10005000));
    cr_expect_not_null(vk_region_find(m, 0x10006000));
    sc_run(m, "R 0x10005000 4 =segv\n");
    sc_finish(m);
    SC_EXPECT_ONLY(m, "access.read=1 fault.real=1 fault.reflected=1 fault.segv=1 walk.refs=1");
    vk_model_free(m);
}

/* Bad region changes are VK_ERROR (the caller validates input).  VK_ERROR means the model
 * cannot go on, so each bad call gets a fresh model. */
Test(model_regions, bad_bounds_are_errors)
{
    const uint64_t bad[][2] = {{0x10000001, 0x10010000}, {0x10010000, 0x10000000},
                               {0x10000000, 0x10000000}, {0xBFFFF000, 0xC0001000}};
    for (size_t i = 0; i < 4; i++) {
        struct vk_model *m = sc_new("vpt-1.10", "none", "strict");
        cr_expect_eq(vk_map(m, bad[i][0], bad[i][1], VK_PROT_R, VK_ANON, 0, 0), VK_ERROR,
                     "[%#llx, %#llx)", (unsigned long long)bad[i][0],
                     (unsigned long long)bad[i][1]);
        vk_model_free(m);
    }
    struct vk_model *m = sc_new("vpt-1.10", "none", "strict");
    cr_expect_eq(vk_map(m, 0xBFFFF000, 0xC0000000, VK_PROT_R, VK_ANON, 0, 0), VK_OK);
    vk_model_free(m);
}

/* After vk_finish further events are an error. */
Test(model_finish, events_after_finish_are_errors)
{
    struct vk_model *m = sc_new("vpt-1.10", "none", "strict");
    sc_run(m, "map 0x10000000 0x10010000 rw- anon\nR 0x10000000 4\n");
    sc_finish(m);
    uint64_t fa;
    cr_expect_eq(vk_access(m, 0x10001000, 4, MMU_READ, &fa), VK_ERROR);
    SC_EXPECT(m, "access.read=1 fault.real=2");
    vk_model_free(m);
}

/* linux with a cold cache: fault-around maps only resident pages, so each first read of a
 * file page is its own fault and file read. */
Test(model_linux, cold_file_each_page_faults)
{
    struct vk_options o = {.file_cache_cold = true};
    struct vk_model *m = sc_new_opt("linux", "none", "strict", &o, MMU_ARCH_I386, NULL);
    sc_run(m, "map 0x10000000 0x10010000 r-- file\nR 0x10000000 4\nR 0x10001000 4\n");
    sc_finish(m);
    SC_EXPECT(m, "access.read=2 fault.real=2 fault.native=2 page.file_read=2");
    vk_model_free(m);
}

/* linux/window:2, anon rw-: the fault maps the zero page for p0; the policy then zero-fills
 * and maps p1, p2 writable (section 6 step 3 bits).  W p1, W p2: hits.  W p0: fault on the
 * zero page, allocates (zero-fill).  R p3: zero page fault; window zero-fills p4, p5.
 * fault.real 3, zero-fill 5. */
Test(model_linux, policy_after_zero_page)
{
    struct vk_model *m = sc_new("linux", "window:2", "strict");
    sc_run(m, "map 0x10000000 0x10010000 rw- anon\nR 0x10000000 4\nW 0x10001000 4\n"
              "W 0x10002000 4\nW 0x10000000 4\nR 0x10003000 4\n");
    sc_finish(m);
    SC_EXPECT(m, "access.read=2 access.write=3 fault.real=3 fault.native=3 page.zero_fill=5");
    vk_model_free(m);
}

/* A crossing access whose first page is a segv: that page access is counted and skipped, the
 * second page is still accessed.  Page 0x0FFFF (no region, no page-table page: 1 ref,
 * reflected, segv); page 0x10000: reflected (1) and retried (2). */
Test(model_cross, first_page_segv_second_served)
{
    struct vk_model *m = sc_new("vpt-1.10", "none", "strict");
    sc_run(m, "map 0x10000000 0x10010000 rw- anon\n");
    uint64_t fa = 0;
    cr_expect_eq(vk_access(m, 0x0FFFFFFE, 4, MMU_READ, &fa), VK_SEGV);
    cr_expect_eq(SC_VPN(fa), 0x0FFFF);
    sc_finish(m);
    SC_EXPECT_ONLY(m, "access.read=1 fault.real=3 fault.reflected=2 fault.resolved_real=1 "
                      "fault.segv=1 walk.refs=4 page.zero_fill=1 vk.pt_alloc=1");
    vk_model_free(m);
}

/* "any access to a region without r" is a segv: a write to a -w- region (reflected first). */
Test(model_segv, write_only_region)
{
    struct vk_model *m = sc_new("vpt-1.10", "none", "strict");
    sc_run(m, "map 0x10000000 0x10010000 -w- anon\nW 0x10000000 4 =segv\n");
    sc_finish(m);
    SC_EXPECT_ONLY(m, "access.write=1 fault.real=1 fault.reflected=1 fault.segv=1 walk.refs=1");
    vk_model_free(m);
}

/* A fetch is a read for permissions: from --x (no r) it is a segv; from rw- (no x) it is
 * served (i386 has no NX). */
Test(model_fetch, fetch_needs_r_not_x)
{
    struct vk_model *m = sc_new("vpt-1.10", "none", "strict");
    sc_run(m, "map 0x10000000 0x10010000 --x file\nX 0x10000000 4 =segv\n");
    sc_finish(m);
    SC_EXPECT_ONLY(m, "access.fetch=1 fault.real=1 fault.reflected=1 fault.segv=1 walk.refs=1");
    vk_model_free(m);

    m = sc_new("vpt-1.10", "none", "strict");
    sc_run(m, "map 0x10000000 0x10010000 rw- anon\nX 0x10000000 4\n");
    sc_finish(m);
    SC_EXPECT_ONLY(m, "access.fetch=1 fault.real=2 fault.reflected=1 fault.resolved_real=1 "
                      "walk.refs=3 page.zero_fill=1 vk.pt_alloc=1");
    vk_model_free(m);
}

/* linux: a read of an untouched anonymous page maps the zero page, also in a read-only region
 * (no zero-fill is ever counted there). */
Test(model_linux, readonly_anon_zero_page)
{
    struct vk_model *m = sc_new("linux", "none", "strict");
    sc_run(m, "map 0x10000000 0x10010000 r-- anon\nR 0x10000000 4\nR 0x10000008 4\n");
    sc_finish(m);
    SC_EXPECT_ONLY(m, "access.read=2 fault.real=1 fault.native=1");
    vk_model_free(m);
}

/* native: protect shrinks the real PTEs (no counter).  W p0 (fault 1, zero-fill, writable);
 * protect r--; R p0 hit; protect rw-; W p0: fault 2 on the present read-only PTE; protect ---
 * (PTE removed); R p0: fault 3, segv. */
Test(model_native, protect_shrinks_real_ptes)
{
    struct vk_model *m = sc_new("native", "none", "strict");
    sc_run(m, "map 0x10000000 0x10010000 rw- anon\nW 0x10000000 4\n"
              "protect 0x10000000 0x10010000 r--\nR 0x10000000 4\n"
              "protect 0x10000000 0x10010000 rw-\nW 0x10000000 4\n"
              "protect 0x10000000 0x10010000 ---\nR 0x10000000 4 =segv\n");
    sc_finish(m);
    SC_EXPECT_ONLY(m, "access.read=2 access.write=2 fault.real=3 fault.native=2 fault.segv=1 "
                      "page.zero_fill=1");
    vk_model_free(m);
}

/* A file page made private by a kernel write gets W when the guest reads it (section 6 step 3:
 * "the page is private"), so the later write is a dirty-bit trap, not a reflection.
 * KW p0: COW.  R p0: reflected (1), vpte W; retry (2) read-only.  W p0: dirty trap (2). */
Test(model_cow, kernel_copied_page_read_gets_w)
{
    struct vk_model *m = sc_new("vpt-1.10", "none", "strict");
    sc_run(m, "map 0x10000000 0x10010000 rw- file\nKW 0x10000000 4\nR 0x10000000 4\n"
              "W 0x10000000 4\n");
    sc_finish(m);
    SC_EXPECT_ONLY(m, "access.read=1 access.write=1 access.kernel=1 fault.real=3 "
                      "fault.reflected=1 fault.resolved_real=2 fault.dirty_trap=1 walk.refs=5 "
                      "page.cow=1 vk.pt_alloc=1");
    vk_model_free(m);
}
