/* Hand-derived process scenarios (model.md section 11: fork, vfork, exec, exit), derived from
 * the specification and docs/model-notes.md only.  Each test states its derivation; every
 * non-zero event counter is listed, and the section 11 identity (vk.vmspace = 10 x created +
 * 1 x destroyed in the vkernel schemes, 0 elsewhere) is checked where it applies.
 * Pages: p0 = 0x10000000, p1 = 0x10001000, p2 = 0x10002000, p3 = 0x10003000.
 * "fault N" numbers the real faults in order; "k refs" is the software walk's reads. */
#include "scenario.h"

#define P0 "0x10000000"
#define P1 "0x10001000"
#define P2 "0x10002000"
#define P3 "0x10003000"
#define ANON1 "map 0x10000000 0x10001000 rw- anon\n"
#define ANON2 "map 0x10000000 0x10002000 rw- anon\n"
#define ANON3 "map 0x10000000 0x10003000 rw- anon\n"
#define ANON4 "map 0x10000000 0x10004000 rw- anon\n"

/* The issue 12 worked example. */
#define WORKED ANON1 "W " P0 " 4\nfork 2\npid 2\nW " P0 " 4\nexit\npid 1\nW " P0 " 4\n"

/* Runs trace on a fresh scheme/policy/dirty model, finishes it, checks the section 9
 * identities, the exact counters (SC_EXPECT_ONLY) and the section 11 vmspace identity. */
static void check_run(const char *scheme, const char *policy, const char *dirty,
                      const char *trace, const char *expect, uint64_t created,
                      uint64_t destroyed)
{
    struct vk_model *m = sc_new(scheme, policy, dirty);
    sc_run(m, trace);
    sc_finish(m);
    SC_EXPECT_ONLY(m, expect);
    SC_EXPECT_VMSPACE(m, created, destroyed);
    vk_model_free(m);
}

/* vpt-1.10/none/strict, the worked example:
 * W p0: fault 1 (PDE absent, 1 ref) reflected; zero-fill, pt_alloc 1, vpte V|R|W|U|MANAGED|A
 *   (M clear); retry fault 2 (2 refs, sets A|M) resolved, writable.
 * fork 2: pmap_protect: the vpte has W -> loses W and M, inval 1, real PTE removed.  Child:
 *   vmspace 10 calls, vpte copied without W/M/A, its page-table page pt_alloc 2.
 * pid 2, W p0: child's real pmap empty: fault 3, walk fails at the PTE (no W, 2 refs),
 *   reflected; the frame has 2 users -> page.cow 1, the child's valid vpte replaced: inval 2;
 *   retry fault 4 (2 refs) resolved.
 * exit: one valid vpte -> inval 3; vmspace destroyed: +1 = 11.
 * pid 1, W p0: real PTE gone: fault 5, walk fails (no W, 2 refs), reflected; one user left ->
 *   take-over without copy, vpte re-entered: inval 4; retry fault 6 (2 refs) resolved.
 * fault.real 6, reflected 3, resolved 3, walk 3+4+4 = 11. */
Test(procs_worked, vpt110_strict)
{
    check_run("vpt-1.10", "none", "strict", WORKED,
              "access.write=3 fault.real=6 fault.reflected=3 fault.resolved_real=3 "
              "fault.dirty_trap=0 walk.refs=11 page.zero_fill=1 page.cow=1 vk.pt_alloc=2 "
              "vk.inval=4 vk.vmspace=11",
              1, 1);
}

/* native, the worked example: W: native fault 1 (zero-fill).  fork write-protects the parent's
 * PTE in place; the child's page table starts empty.  Child W: fault 2, COW.  exit: no
 * counter.  Parent W: present read-only PTE: fault 3, sole user -> take-over, no copy. */
Test(procs_worked, native)
{
    check_run("native", "none", "strict", WORKED,
              "access.write=3 fault.real=3 fault.native=3 page.zero_fill=1 page.cow=1", 0, 0);
}

/* linux, the worked example: W: fault 1, zero-fill.  fork: the anon region's PTE is copied to
 * the child write-protected, the parent's write-protected.  Child W: present read-only shared
 * page -> fault 2, COW.  Parent W: fault 3, sole user -> reuse without copy. */
Test(procs_worked, linux)
{
    check_run("linux", "none", "strict", WORKED,
              "access.write=3 fault.real=3 fault.native=3 page.zero_fill=1 page.cow=1", 0, 0);
}

/* The worked example under vpt-1.10 and vpt with strict, hint and eager: the vpte written
 * before fork has M in every case (the retried write walks it with A|M, or hint/eager wrote
 * it), so the 2017 skip does not apply in vpt; every vpte entered with M (hint: reflected
 * writes; eager: private writable pages: the child's copy after COW, the parent's take-over)
 * is written before it is removed: vk.spurious_dirty 0.  In vpt with eager the take-over and
 * COW entries are W|M, but each access is a write, so nothing changes: the same counts as
 * vpt-1.10/strict. */
Test(procs_worked, every_dirty_strategy_same_counts)
{
    const char *schemes[] = {"vpt-1.10", "vpt"};
    const char *dirties[] = {"strict", "hint", "eager"};
    for (int s = 0; s < 2; s++)
        for (int d = 0; d < 3; d++)
            check_run(schemes[s], "none", dirties[d], WORKED,
                      "access.write=3 fault.real=6 fault.reflected=3 fault.resolved_real=3 "
                      "walk.refs=11 page.zero_fill=1 page.cow=1 vk.pt_alloc=2 vk.inval=4 "
                      "vk.spurious_dirty=0 vk.vmspace=11",
                      1, 1);
}

/* A page only read before fork, vpt-1.10/none/strict: R p0 then fork, parent R p0.
 * R: fault 1 (1 ref) reflected, zero-fill, pt_alloc 1, vpte with W (anon read), M clear;
 *   retry fault 2 (2 refs) resolved read-only.
 * fork: the vpte has W -> loses W, inval 1 (1.10 invalidates regardless of M), real PTE gone;
 *   vmspace 10, child pt_alloc 2.
 * pid 1, R p0: fault 3, walk passes (V|R, 2 refs): resolved. */
Test(procs_fork, read_page_vpt110_invalidates)
{
    check_run("vpt-1.10", "none", "strict", ANON1 "R " P0 " 4\nfork 2\npid 1\nR " P0 " 4\n",
              "access.read=2 fault.real=3 fault.reflected=1 fault.resolved_real=2 walk.refs=5 "
              "page.zero_fill=1 vk.pt_alloc=2 vk.inval=1 vk.vmspace=10",
              1, 0);
}

/* The same in vpt: the read walk set only A, so the vpte has no M: pmap_protect (2017,
 * b443039b5d) clears W without an invalidation and the parent's read-only real PTE stays:
 * the parent's R p0 is a hit. */
Test(procs_fork, read_page_vpt_skips_invalidation_without_m)
{
    check_run("vpt", "none", "strict", ANON1 "R " P0 " 4\nfork 2\npid 1\nR " P0 " 4\n",
              "access.read=2 fault.real=2 fault.reflected=1 fault.resolved_real=1 walk.refs=3 "
              "page.zero_fill=1 vk.pt_alloc=2 vk.inval=0 vk.vmspace=10",
              1, 0);
}

/* Read before fork, then both write: vpt-1.10 vs vpt.
 * R p0: faults 1-2, walk 3, zero-fill, vpte W without M, real PTE read-only.
 * fork: vpt-1.10 inval 1 (real PTE gone); vpt: no inval, real PTE stays.  vmspace 10, pt 2.
 * pid 2, W p0: fault 3, walk fails (no W, 2 refs) reflected; 2 users -> COW, child vpte
 *   replaced: inval; retry fault 4 resolved (2 refs).
 * pid 1, W p0: fault 5 (vpt: present read-only PTE, but the walk fails on W, so reflected,
 *   not a dirty trap), take-over, inval; retry fault 6 resolved.
 * vpt: inval 2; vpt-1.10: inval 3; all else equal. */
Test(procs_fork, read_then_both_write_vpt_vs_vpt110)
{
    const char *trace = ANON1 "R " P0 " 4\nfork 2\npid 2\nW " P0 " 4\npid 1\nW " P0 " 4\n";
    check_run("vpt", "none", "strict", trace,
              "access.read=1 access.write=2 fault.real=6 fault.reflected=3 "
              "fault.resolved_real=3 walk.refs=11 page.zero_fill=1 page.cow=1 vk.pt_alloc=2 "
              "vk.inval=2 vk.vmspace=10",
              1, 0);
    check_run("vpt-1.10", "none", "strict", trace,
              "access.read=1 access.write=2 fault.real=6 fault.reflected=3 "
              "fault.resolved_real=3 walk.refs=11 page.zero_fill=1 page.cow=1 vk.pt_alloc=2 "
              "vk.inval=3 vk.vmspace=10",
              1, 0);
}

/* The child's first read of an inherited page is resolved by the walk; its write is
 * reflected (the copy has no W), not a dirty trap.  vpt-1.10/none/strict.
 * W p0: faults 1-2, walk 3, zero-fill, pt 1.  fork: inval 1, vmspace 10, pt 2.
 * pid 2, R p0: fault 3, walk passes (2 refs): resolved, read-only.
 * W p0: fault 4 on the present read-only PTE, walk fails (no W, 2 refs): reflected; COW,
 *   inval 2; retry fault 5 (PTE removed by the inval), walk passes (2 refs), resolved. */
Test(procs_fork, child_reads_then_writes_inherited_page)
{
    check_run("vpt-1.10", "none", "strict",
              ANON1 "W " P0 " 4\nfork 2\npid 2\nR " P0 " 4\nW " P0 " 4\n",
              "access.read=1 access.write=2 fault.real=5 fault.reflected=2 "
              "fault.resolved_real=3 fault.dirty_trap=0 walk.refs=9 page.zero_fill=1 "
              "page.cow=1 vk.pt_alloc=2 vk.inval=2 vk.vmspace=10",
              1, 0);
}

/* A read-only file page stays shared through the page cache.  vpt-1.10/none/strict, r-- file.
 * R p0: faults 1-2, walk 3, cached page (warm), pt 1, vpte without W.
 * fork: the region is not writable: pmap_protect touches nothing (no inval), the parent's real
 *   PTE stays; vmspace 10, child pt 2.
 * pid 2, R p0: fault 3, walk passes (2 refs).  pid 1, R p0: hit. */
Test(procs_fork, file_readonly_shared)
{
    check_run("vpt-1.10", "none", "strict",
              "map 0x10000000 0x10001000 r-- file\nR " P0 " 4\nfork 2\npid 2\nR " P0
              " 4\npid 1\nR " P0 " 4\n",
              "access.read=3 fault.real=3 fault.reflected=1 fault.resolved_real=2 walk.refs=5 "
              "vk.pt_alloc=2 vk.vmspace=10",
              1, 0);
}

/* A writable file page only read before fork: its vpte has no W (not private), so
 * pmap_protect changes nothing; each process's first write copies from the page cache.
 * vpt-1.10/none/strict, rw- file.
 * R p0: faults 1-2, walk 3, pt 1.  fork: no inval, vmspace 10, pt 2.
 * pid 2, W p0: fault 3 (2 refs, no W) reflected; COW 1; the child's valid vpte replaced:
 *   inval 1; retry fault 4 resolved (2 refs).
 * pid 1, W p0: fault 5 on the read-only PTE, walk fails (2 refs): reflected; the page cache
 *   page is not a shared private frame: COW 2, inval 2; retry fault 6 resolved (2 refs). */
Test(procs_fork, file_private_not_yet_copied)
{
    check_run("vpt-1.10", "none", "strict",
              "map 0x10000000 0x10001000 rw- file\nR " P0 " 4\nfork 2\npid 2\nW " P0
              " 4\npid 1\nW " P0 " 4\n",
              "access.read=1 access.write=2 fault.real=6 fault.reflected=3 "
              "fault.resolved_real=3 walk.refs=11 page.cow=2 vk.pt_alloc=2 vk.inval=2 "
              "vk.vmspace=10",
              1, 0);
}

/* A private copy of a file page made before fork is shared copy-on-write like an anonymous
 * page.  vpt-1.10/none/strict, rw- file.
 * W p0: fault 1 (1 ref) reflected, COW 1, pt 1; retry fault 2 resolved (2 refs).
 * fork: vpte W -> inval 1; vmspace 10, pt 2.
 * pid 2, W p0: fault 3 (2 refs) reflected; 2 users: COW 2, inval 2; retry fault 4.
 * pid 1, W p0: fault 5 (2 refs) reflected; sole user: take-over, inval 3; retry fault 6. */
Test(procs_fork, file_private_copy_shared_cow)
{
    check_run("vpt-1.10", "none", "strict",
              "map 0x10000000 0x10001000 rw- file\nW " P0 " 4\nfork 2\npid 2\nW " P0
              " 4\npid 1\nW " P0 " 4\n",
              "access.write=3 fault.real=6 fault.reflected=3 fault.resolved_real=3 "
              "walk.refs=11 page.cow=2 vk.pt_alloc=2 vk.inval=3 vk.vmspace=10",
              1, 0);
}

/* An anonymous page untouched at fork is zero-filled separately by each process that touches
 * it.  vpt-1.10/none/strict, anon p0-p1.
 * W p0: faults 1-2, walk 3, zero-fill 1, pt 1.  fork: inval 1, vmspace 10, pt 2.
 * pid 2, W p1: fault 3 (PTE 0, 2 refs) reflected, zero-fill 2; retry fault 4 (2 refs).
 * R p0: fault 5, walk passes (2 refs), resolved.
 * pid 1, W p1: fault 6 (2 refs) reflected, zero-fill 3; retry fault 7 (2 refs). */
Test(procs_fork, anon_untouched_zero_filled_per_process)
{
    check_run("vpt-1.10", "none", "strict",
              ANON2 "W " P0 " 4\nfork 2\npid 2\nW " P1 " 4\nR " P0 " 4\npid 1\nW " P1 " 4\n",
              "access.read=1 access.write=3 fault.real=7 fault.reflected=3 "
              "fault.resolved_real=4 walk.refs=13 page.zero_fill=3 vk.pt_alloc=2 vk.inval=1 "
              "vk.vmspace=10",
              1, 0);
}

/* The child allocates one page-table page per page-table page its copied vptes need.
 * vpt-1.10/none/strict: two pages on either side of a 4 MiB boundary.
 * W 0x103FF000: faults 1-2, walk 3, zero-fill, pt 1.  W 0x10400000: other PDE absent: fault
 * 3 (1 ref) reflected, zero-fill, pt 2; retry fault 4 (2 refs).
 * fork: 2 vptes with W -> inval 2; the child's copies need 2 page-table pages: pt 4. */
Test(procs_fork, child_allocates_each_page_table_page)
{
    check_run("vpt-1.10", "none", "strict",
              "map 0x103FF000 0x10401000 rw- anon\nW 0x103FF000 4\nW 0x10400000 4\nfork 2\n",
              "access.write=2 fault.real=4 fault.reflected=2 fault.resolved_real=2 walk.refs=6 "
              "page.zero_fill=2 vk.pt_alloc=4 vk.inval=2 vk.vmspace=10",
              1, 0);
}

/* The writer that comes first copies, the last user takes over.  vpt-1.10/none/strict.
 * W p0: faults 1-2, walk 3.  fork: inval 1, vmspace 10, pt 2.
 * Parent W p0: fault 3 (real PTE removed; no W: 2 refs) reflected; 2 users: COW, inval 2;
 *   retry fault 4.
 * pid 2, W p0: fault 5 (2 refs) reflected; the old frame now has 1 user: take-over, inval 3;
 *   retry fault 6. */
Test(procs_fork, parent_copies_child_takes_over)
{
    check_run("vpt-1.10", "none", "strict",
              ANON1 "W " P0 " 4\nfork 2\nW " P0 " 4\npid 2\nW " P0 " 4\n",
              "access.write=3 fault.real=6 fault.reflected=3 fault.resolved_real=3 "
              "walk.refs=11 page.zero_fill=1 page.cow=1 vk.pt_alloc=2 vk.inval=3 "
              "vk.vmspace=10",
              1, 0);
}

/* Three users of one frame: the first two writers copy, the last takes over.
 * vpt-1.10/none/strict.  W p0: faults 1-2, walk 3.  fork 2: inval 1, vmspace 10, pt 2.
 * pid 2, fork 3: process 2's vpte has no W: pmap_protect changes nothing; vmspace 20, pt 3.
 * pid 3, W: fault (2 refs) reflected, 3 users: COW 1, inval 2, retry.
 * pid 2, W: reflected, 2 users: COW 2, inval 3, retry.
 * pid 1, W: reflected (real PTE removed at the first fork), sole user: take-over, inval 4.
 * fault.real 8, walk 3 + 3 x 4 = 15. */
Test(procs_fork, three_generations)
{
    check_run("vpt-1.10", "none", "strict",
              ANON1 "W " P0 " 4\nfork 2\npid 2\nfork 3\npid 3\nW " P0 " 4\npid 2\nW " P0
                    " 4\npid 1\nW " P0 " 4\n",
              "access.write=4 fault.real=8 fault.reflected=4 fault.resolved_real=4 "
              "walk.refs=15 page.zero_fill=1 page.cow=2 vk.pt_alloc=3 vk.inval=4 "
              "vk.vmspace=20",
              2, 0);
}

/* native: the child's page table starts empty (pmap_copy is advisory).
 * W p0: fault 1, zero-fill.  R p1: fault 2, zero-fill (a read of a writable anonymous page
 * maps a new zeroed page).  fork: the parent's PTEs write-protected in place.
 * pid 2, R p0, R p1: faults 3, 4.  pid 1, R p0: hit (read-only PTE still present). */
Test(procs_native_linux, native_child_page_table_empty)
{
    check_run("native", "none", "strict",
              ANON2 "W " P0 " 4\nR " P1 " 4\nfork 2\npid 2\nR " P0 " 4\nR " P1
                    " 4\npid 1\nR " P0 " 4\n",
              "access.read=4 access.write=1 fault.real=4 fault.native=4 page.zero_fill=2", 0,
              0);
}

/* linux, the same trace: R p1 maps the shared zero page read-only (no zero-fill).  fork
 * copies both present PTEs of the anonymous region to the child write-protected: the child's
 * reads hit, as does the parent's. */
Test(procs_native_linux, linux_child_gets_private_region_ptes)
{
    check_run("linux", "none", "strict",
              ANON2 "W " P0 " 4\nR " P1 " 4\nfork 2\npid 2\nR " P0 " 4\nR " P1
                    " 4\npid 1\nR " P0 " 4\n",
              "access.read=4 access.write=1 fault.real=2 fault.native=2 page.zero_fill=1", 0,
              0);
}

/* linux copies nothing for a file region without private pages, the PTEs of an anonymous
 * region; native copies nothing.  One-page r-- file region (fault-around clipped to the
 * faulting page: no prefault), one-page anon region.
 * linux: R file fault 1; W anon fault 2, zero-fill; fork; child R file: fault 3; child R
 *   anon: hit.
 * native: the same, and the child's R anon is fault 4. */
Test(procs_native_linux, file_region_not_copied)
{
    const char *trace = "map 0x10000000 0x10001000 r-- file\nmap 0x20000000 0x20001000 rw- anon\n"
                        "R 0x10000000 4\nW 0x20000000 4\nfork 2\npid 2\nR 0x10000000 4\n"
                        "R 0x20000000 4\n";
    check_run("linux", "none", "strict", trace,
              "access.read=3 access.write=1 fault.real=3 fault.native=3 page.zero_fill=1", 0,
              0);
    check_run("native", "none", "strict", trace,
              "access.read=3 access.write=1 fault.real=4 fault.native=4 page.zero_fill=1", 0,
              0);
}

/* linux: a file region holding a private (copied) page is copied whole to the child.
 * rw- file p0-p1.  W p0: COW fault 1 (write faults get no fault-around).  R p1: fault 2;
 * the fault-around window is p0-p1, p0 already present: no prefault.  fork: both PTEs
 * copied write-protected.  Child R p1, R p0: hits. */
Test(procs_native_linux, linux_file_region_with_private_copy_copied)
{
    check_run("linux", "none", "strict",
              "map 0x10000000 0x10002000 rw- file\nW " P0 " 4\nR " P1 " 4\nfork 2\npid 2\nR " P1
              " 4\nR " P0 " 4\n",
              "access.read=3 access.write=1 fault.real=2 fault.native=2 page.cow=1", 0, 0);
}

/* exec of a vmspace that no other process shares reuses it.  vpt-1.10/none/strict.
 * W p0: faults 1-2, walk 3, zero-fill 1, pt 1.  R p1: fault 3 (2 refs) reflected, zero-fill 2;
 * retry fault 4 (2 refs).  exec: 2 valid vptes -> inval 2, page-table page freed, frames
 * freed, no vmspace created.  New image: map, R p0: fault 5, PDE absent (1 ref), reflected,
 * zero-fill 3 (fresh page), pt_alloc 2; retry fault 6 (2 refs). */
Test(procs_exec, unshared_vmspace_reused)
{
    check_run("vpt-1.10", "none", "strict",
              ANON2 "W " P0 " 4\nR " P1 " 4\nexec\n" ANON1 "R " P0 " 4\n",
              "access.read=2 access.write=1 fault.real=6 fault.reflected=3 "
              "fault.resolved_real=3 walk.refs=10 page.zero_fill=3 vk.pt_alloc=2 vk.inval=2",
              0, 0);
}

/* exec in a forked child: after fork the child's vmspace is its own, so exec reuses it.
 * vpt-1.10/none/strict.  W p0: faults 1-2 (walk 3), zero-fill, pt 1.  fork: inval 1,
 * vmspace 10, pt 2.  pid 2, exec: the copied vpte removed (inval 2), the shared frame loses
 * its child user.  map, R p0: fault 3 (1 ref) reflected, zero-fill 2, pt 3; retry fault 4.
 * pid 1, W p0: fault 5 (2 refs, no W) reflected; sole user: take-over (no COW), inval 3;
 * retry fault 6. */
Test(procs_exec, forked_child_exec_releases_shared_frame)
{
    check_run("vpt-1.10", "none", "strict",
              ANON1 "W " P0 " 4\nfork 2\npid 2\nexec\n" ANON1 "R " P0 " 4\npid 1\nW " P0
                    " 4\n",
              "access.read=1 access.write=2 fault.real=6 fault.reflected=3 "
              "fault.resolved_real=3 walk.refs=10 page.zero_fill=2 vk.pt_alloc=3 vk.inval=3 "
              "vk.vmspace=10",
              1, 0);
}

/* exit of a child with two copied pages, then the parent takes both frames back.
 * vpt-1.10/none/strict, anon p0-p2.  W p0: faults 1-2 (walk 3), zero-fill 1, pt 1.  W p1:
 * fault 3 (2 refs) reflected, zero-fill 2; retry fault 4 (2 refs).  fork: 2 vptes with W ->
 * inval 2; vmspace 10, pt 2.  pid 2, exit: 2 valid copies -> inval 4; vmspace 11.
 * pid 1, W p0: fault 5 (2 refs, no W) reflected; sole user: take-over, inval 5; retry fault
 * 6 (2 refs). */
Test(procs_exit, child_exit_then_parent_takes_over)
{
    check_run("vpt-1.10", "none", "strict",
              ANON3 "W " P0 " 4\nW " P1 " 4\nfork 2\npid 2\nexit\npid 1\nW " P0 " 4\n",
              "access.write=3 fault.real=6 fault.reflected=3 fault.resolved_real=3 "
              "walk.refs=11 page.zero_fill=2 vk.pt_alloc=2 vk.inval=5 vk.vmspace=11",
              1, 1);
}

/* The parent exits first; the child then takes the frame over.  vpt-1.10/none/strict.
 * W p0: faults 1-2 (walk 3).  fork: inval 1, vmspace 10, pt 2.  exit (process 1): its valid
 * vpte (W removed, still valid) -> inval 2, vmspace 11.  pid 2, W p0: fault 3 (2 refs)
 * reflected, sole user: take-over, inval 3; retry fault 4 (2 refs). */
Test(procs_exit, parent_exits_first)
{
    check_run("vpt-1.10", "none", "strict", ANON1 "W " P0 " 4\nfork 2\nexit\npid 2\nW " P0 " 4\n",
              "access.write=2 fault.real=4 fault.reflected=2 fault.resolved_real=2 walk.refs=7 "
              "page.zero_fill=1 vk.pt_alloc=2 vk.inval=3 vk.vmspace=11",
              1, 1);
}

/* Prefault accounting at exit: vpt-1.10/window:1/strict, anon p0-p1.
 * R p0: fault 1 (1 ref) reflected, zero-fill 1, pt 1; window:1 enters p1 (zero-filled first:
 * zero-fill 2; prefault.issued 1); retry fault 2 (2 refs).  exit: 2 valid vptes -> inval 2;
 * p1 never reached: prefault.wasted 1; vmspace 1 (the first process's vmspace destroyed). */
Test(procs_exit, prefault_wasted_at_exit)
{
    check_run("vpt-1.10", "window:1", "strict", ANON2 "R " P0 " 4\nexit\n",
              "access.read=1 fault.real=2 fault.reflected=1 fault.resolved_real=1 walk.refs=3 "
              "page.zero_fill=2 vk.pt_alloc=1 vk.inval=2 prefault.issued=1 prefault.wasted=1 "
              "vk.vmspace=1",
              0, 1);
}

/* The same at exec: the same removal and accounting, no vmspace call. */
Test(procs_exec, prefault_wasted_at_exec)
{
    check_run("vpt-1.10", "window:1", "strict", ANON2 "R " P0 " 4\nexec\n",
              "access.read=1 fault.real=2 fault.reflected=1 fault.resolved_real=1 walk.refs=3 "
              "page.zero_fill=2 vk.pt_alloc=1 vk.inval=2 prefault.issued=1 prefault.wasted=1",
              0, 0);
}

/* eager: a vpte entered with M that exec removes unwritten is spurious.  vpt/none/eager.
 * R p0: fault 1 (1 ref) reflected, zero-fill, vpte W|M (writable private page); retry fault 2
 * (2 refs), mapped writable (vpt: W and M).  exec: inval 1, spurious_dirty 1. */
Test(procs_dirty, eager_spurious_at_exec)
{
    check_run("vpt", "none", "eager", ANON1 "R " P0 " 4\nexec\n",
              "access.read=1 fault.real=2 fault.reflected=1 fault.resolved_real=1 walk.refs=3 "
              "page.zero_fill=1 vk.pt_alloc=1 vk.inval=1 vk.spurious_dirty=1",
              0, 0);
}

/* eager after fork: a page private to the child gets M, a shared one does not.
 * vpt/none/eager, anon p0-p1.  W p0: fault 1 (1 ref) reflected, zero-fill 1, vpte W|M; retry
 * fault 2 (2 refs, write reaches M).  fork: vpte has W and M -> inval 1 (no 2017 skip);
 * vmspace 10, pt 2.  pid 2, R p0: fault 3, walk passes (copy V|R, 2 refs), read-only.
 * R p1: fault 4 (2 refs) reflected, zero-fill 2 (the child's alone) -> W|M; retry fault 5
 * (2 refs), writable.  exit: 2 valid vptes -> inval 3; p1's M never written: spurious 1 (the
 * copy of p0 has no M); vmspace 11. */
Test(procs_dirty, eager_child_private_page_spurious_at_exit)
{
    check_run("vpt", "none", "eager",
              ANON2 "W " P0 " 4\nfork 2\npid 2\nR " P0 " 4\nR " P1 " 4\nexit\n",
              "access.read=2 access.write=1 fault.real=5 fault.reflected=2 "
              "fault.resolved_real=3 walk.refs=9 page.zero_fill=2 vk.pt_alloc=2 vk.inval=3 "
              "vk.spurious_dirty=1 vk.vmspace=11",
              1, 1);
}

/* eager gives a page still shared no W and no M.  vpt-1.10/none/eager.
 * W p0: faults 1-2 (walk 3), zero-fill, vpte W|M (written).  fork: inval 1, vmspace 10, pt 2.
 * pid 2, protect --- removes the child's copy (inval 2); protect rw-: nothing.
 * R p0: fault 3 (PTE 0, 2 refs) reflected; the frame has 2 users: vpte V|R|U|MANAGED|A, no
 * W, no M; retry fault 4 (2 refs), read-only.  exit: inval 3, nothing spurious; vmspace 11. */
Test(procs_dirty, eager_shared_page_entered_without_w_or_m)
{
    struct vk_model *m = sc_new("vpt-1.10", "none", "eager");
    sc_run(m, ANON1 "W " P0 " 4\nfork 2\npid 2\nprotect 0x10000000 0x10001000 ---\n"
                    "protect 0x10000000 0x10001000 rw-\nR " P0 " 4\n");
    cr_expect_eq(sc_vpte(m, 0x10000000) & SC_VBITS,
                 VPTE_V | VPTE_R | VPTE_U | VPTE_MANAGED | VPTE_A, "shared page's vpte %#llx",
                 (unsigned long long)sc_vpte(m, 0x10000000));
    sc_run(m, "exit\n");
    sc_finish(m);
    SC_EXPECT_ONLY(m, "access.read=1 access.write=1 fault.real=4 fault.reflected=2 "
                      "fault.resolved_real=2 walk.refs=7 page.zero_fill=1 vk.pt_alloc=2 "
                      "vk.inval=3 vk.spurious_dirty=0 vk.vmspace=11");
    SC_EXPECT_VMSPACE(m, 1, 1);
    vk_model_free(m);
}

/* vfork shares the parent's state; the child's exit removes nothing.
 * vpt-1.10/none/strict, anon p0-p1.  W p0: faults 1-2 (walk 3), zero-fill 1, pt 1.  vfork 2:
 * no counter.  pid 2, W p1 (on the shared vpagetable): fault 3 (2 refs) reflected, zero-fill
 * 2; retry fault 4 (2 refs), writable.  exit: nothing removed, nothing destroyed.
 * pid 1, R p1: the shared real pmap maps p1 writable: hit. */
Test(procs_vfork, child_acts_on_shared_state)
{
    check_run("vpt-1.10", "none", "strict",
              ANON2 "W " P0 " 4\nvfork 2\npid 2\nW " P1 " 4\nexit\npid 1\nR " P1 " 4\n",
              "access.read=1 access.write=2 fault.real=4 fault.reflected=2 "
              "fault.resolved_real=2 walk.refs=7 page.zero_fill=2 vk.pt_alloc=1",
              0, 0);
}

/* A vfork child's exec creates a vmspace and removes nothing.  vpt-1.10/none/strict.
 * W p0: faults 1-2 (walk 3), zero-fill 1, pt 1.  vfork 2; pid 2, exec: vmspace 10.  map,
 * W p0: fault 3 (new empty page table, 1 ref) reflected, zero-fill 2, pt 2; retry fault 4.
 * exit (the child's own vmspace now): inval 1, vmspace 11.  pid 1, R p0: hit. */
Test(procs_vfork, child_exec_gets_new_vmspace)
{
    check_run("vpt-1.10", "none", "strict",
              ANON1 "W " P0 " 4\nvfork 2\npid 2\nexec\n" ANON1 "W " P0 " 4\nexit\npid 1\nR " P0
                    " 4\n",
              "access.read=1 access.write=2 fault.real=4 fault.reflected=2 "
              "fault.resolved_real=2 walk.refs=6 page.zero_fill=2 vk.pt_alloc=2 vk.inval=1 "
              "vk.vmspace=11",
              1, 1);
}

/* native and linux: vfork copies nothing and the child's write lands in the shared page
 * table.  W p0: fault 1, zero-fill.  vfork; child W p1: fault 2, zero-fill; exit; parent
 * R p1: hit. */
Test(procs_vfork, native_and_linux_share_page_table)
{
    const char *schemes[] = {"native", "linux"};
    for (int i = 0; i < 2; i++)
        check_run(schemes[i], "none", "strict",
                  ANON2 "W " P0 " 4\nvfork 2\npid 2\nW " P1 " 4\nexit\npid 1\nR " P1 " 4\n",
                  "access.read=1 access.write=2 fault.real=2 fault.native=2 page.zero_fill=2",
                  0, 0);
}

/* Runs prefix (expected to succeed) then the record bad, which must fail with VK_ERROR (the
 * model cannot go on after it, vk.h: so each error gets a model of its own). */
static void check_error(const char *prefix, const char *bad)
{
    struct vk_model *m = sc_new("vpt-1.10", "none", "strict");
    sc_run(m, prefix);
    sc_run(m, bad);
    vk_model_free(m);
}

/* While the vfork child lives the parent may be named by pid but runs no record: an access,
 * a fork, an exec or an exit of the parent is an error.  After the child exits, the parent
 * runs again (no counter for either). */
Test(procs_errors, vfork_parent_record_is_error)
{
    check_error(ANON1 "vfork 2\npid 2\npid 1\n", "R " P0 " 4 =error\n");
    check_error(ANON1 "vfork 2\n", "fork 3 =error\n");
    check_error(ANON1 "vfork 2\n", "exec =error\n");
    check_error(ANON1 "vfork 2\n", "exit =error\n");
    struct vk_model *m = sc_new("vpt-1.10", "none", "strict");
    sc_run(m, ANON1 "vfork 2\npid 2\nexit\npid 1\nR " P0 " 4\n");
    cr_expect_eq(vk_current_pid(m), 1);
    SC_EXPECT(m, "vk.vmspace=0 vk.inval=0");
    vk_model_free(m);
}

/* Errors: a fork to a pid that exists, a fork to a pid that was used and exited (CHOICE, as
 * vk.h says: a pid names one process for the whole run, never reused), a switch to an exited
 * pid, a switch to a pid never created, an access after exit with no process current. */
Test(procs_errors, pids)
{
    check_error(ANON1, "fork 1 =error\n");
    check_error(ANON1 "fork 2\n", "fork 2 =error\n");
    check_error(ANON1 "fork 2\npid 2\nexit\npid 1\n", "fork 2 =error\n");
    check_error(ANON1 "fork 2\npid 2\nexit\npid 1\n", "pid 2 =error\n");
    check_error(ANON1, "pid 7 =error\n");
    check_error(ANON1 "fork 2\nexit\n", "R " P0 " 4 =error\n");
    struct vk_model *m = sc_new("vpt-1.10", "none", "strict");
    sc_run(m, ANON1 "fork 2\npid 2\nexit\npid 1\n");
    cr_expect_eq(vk_current_pid(m), 1);
    SC_EXPECT(m, "vk.vmspace=11");
    vk_model_free(m);
}

/* ept, the worked example.  A missing or insufficient vpte is a guest #PF passed to the
 * vkernel (reflected); a valid vpte (a PDE included) whose frame has no EPT entry is an EPT
 * violation resolved by the host.  Hardware sets A and M: no dirty traps.
 * W p0: fault 1 reflected, zero-fill, pt 1; retry: the PDE names the new page-table frame,
 *   which has no EPT entry: fault 2 (violation); the PTE names the new data frame: fault 3
 *   (violation).
 * fork: ept invalidates as vpt-1.10 (model-notes): inval 1; vmspace 10; the child's
 *   page-table page is a new frame: pt 2.
 * pid 2, W p0: the child's PDE names its new page-table frame: fault 4 (violation); the copy
 *   has no W: fault 5 reflected; COW into a new frame, inval 2; retry: the new frame has no
 *   EPT entry: fault 6 (violation).
 * exit: inval 3, vmspace 11.
 * pid 1, W p0: no W: fault 7 reflected; take-over of the old frame, inval 4; retry: the
 *   frame keeps its EPT entry (CHOICE: the EPT is the VM's, shared by all its processes, and
 *   an invalidation does not remove EPT entries): no fault.
 * walk.refs and tlb.* are not checked here (the hardware walks). */
Test(procs_ept, worked_example)
{
    struct vk_model *m = sc_new("ept", "none", "strict");
    sc_run(m, WORKED);
    sc_finish(m);
    SC_EXPECT(m, "access.write=3 fault.real=7 fault.reflected=3 fault.resolved_real=4 "
                 "fault.ept_violation=4 fault.dirty_trap=0 page.zero_fill=1 page.cow=1 "
                 "vk.pt_alloc=2 vk.inval=4 vk.vmspace=11 fault.native=0 vk.spurious_dirty=0");
    SC_EXPECT_VMSPACE(m, 1, 1);
    vk_model_free(m);
}

/* Kernel write to a shared page after fork (vpt-1.10/none/strict).
 * W p0: faults 1-2 (walk 3), zero-fill, pt 1.  fork: inval 1, vmspace 10, pt 2.
 * pid 2, KW p0: the frame has 2 users: COW 1; the child's valid copy is replaced with the
 *   step 3 bits (W, M clear under strict): inval 2; no real fault.
 * R p0: the child's real pmap is empty: fault 3, walk passes (2 refs), read-only (1.10). */
Test(procs_kernel, kernel_write_copies_shared_page)
{
    check_run("vpt-1.10", "none", "strict",
              ANON1 "W " P0 " 4\nfork 2\npid 2\nKW " P0 " 4\nR " P0 " 4\n",
              "access.read=1 access.write=1 access.kernel=1 fault.real=3 fault.reflected=1 "
              "fault.resolved_real=2 walk.refs=5 page.zero_fill=1 page.cow=1 vk.pt_alloc=2 "
              "vk.inval=2 vk.vmspace=10",
              1, 0);
}

/* The same under vpt/eager, then exit: the replaced vpte gets M (a newly entered private
 * page) and the kernel write is the write that reaches it: no spurious dirty.  R p0 after
 * KW: fault 3, walk passes, vpt maps writable (W|M).  exit: inval 3, vmspace 11. */
Test(procs_kernel, kernel_write_eager_not_spurious)
{
    check_run("vpt", "none", "eager",
              ANON1 "W " P0 " 4\nfork 2\npid 2\nKW " P0 " 4\nR " P0 " 4\nexit\n",
              "access.read=1 access.write=1 access.kernel=1 fault.real=3 fault.reflected=1 "
              "fault.resolved_real=2 walk.refs=5 page.zero_fill=1 page.cow=1 vk.pt_alloc=2 "
              "vk.inval=3 vk.spurious_dirty=0 vk.vmspace=11",
              1, 1);
}

/* native and linux: a kernel write is handled as a user write.  W p0: fault 1, zero-fill.
 * fork.  Child KW p0: native: no PTE (empty table) -> fault 2, COW; linux: present read-only
 * shared PTE -> fault 2, COW.  R p0: hit (the copy is mapped writable). */
Test(procs_kernel, native_and_linux_kernel_write_cow)
{
    const char *schemes[] = {"native", "linux"};
    for (int i = 0; i < 2; i++)
        check_run(schemes[i], "none", "strict",
                  ANON1 "W " P0 " 4\nfork 2\npid 2\nKW " P0 " 4\nR " P0 " 4\n",
                  "access.read=1 access.write=1 access.kernel=1 fault.real=2 fault.native=2 "
                  "page.zero_fill=1 page.cow=1",
                  0, 0);
}

/* --vk-mem 3 across processes, vpt-1.10/none/strict, anon p0-p3.  Frames: data pages and
 * page-table pages (CHOICE: a vmspace's page directory takes no frame, as for the first
 * process).
 * KR p0 (process 1): zero-fill 1 (frame 1), no vpte.
 * fork 2: no valid vpte: nothing invalidated, nothing copied, no page-table page; vmspace 10.
 *   p0's frame now has 2 users.
 * pid 2, W p1: fault 1 (PDE absent, 1 ref) reflected; zero-fill 2 (frame 2), pt 1 (frame 3);
 *   retry fault 2 (2 refs).
 * W p2: fault 3 (PTE 0, 2 refs) reflected; no free frame: CLOCK over p0 (no vpte in either
 *   process: A clear) and p1 (A set): p0 is the victim whatever the hand (evict 1, no valid
 *   vpte: no inval); zero-fill 3; retry fault 4 (2 refs).
 * exit: p1, p2 valid -> inval 2; vmspace 11; frames of p1, p2 and the page table freed.
 * pid 1, R p0: fault 5 (PDE absent, 1 ref) reflected; swap-in 1; pt 2; retry fault 6 (2 refs).
 * walk 1+2+2+2+1+2 = 10. */
Test(procs_evict, evicts_a_frame_shared_with_the_parent)
{
    struct vk_options o = {.vk_mem_pages = 3};
    struct vk_model *m = sc_new_opt("vpt-1.10", "none", "strict", &o, MMU_ARCH_I386, NULL);
    sc_run(m, ANON4 "KR " P0 " 4\nfork 2\npid 2\nW " P1 " 4\nW " P2 " 4\nexit\npid 1\nR " P0
                    " 4\n");
    sc_finish(m);
    SC_EXPECT_ONLY(m, "access.read=1 access.write=2 access.kernel=1 fault.real=6 "
                      "fault.reflected=3 fault.resolved_real=3 walk.refs=10 page.zero_fill=3 "
                      "page.evict=1 page.swap_in=1 vk.pt_alloc=2 vk.inval=2 vk.vmspace=11");
    SC_EXPECT_VMSPACE(m, 1, 1);
    vk_model_free(m);
}

/* window:1 after fork enters a page still shared without W.  vpt-1.10/window:1/strict,
 * anon p0-p2.
 * W p0: fault 1 (1 ref) reflected, zero-fill 1, pt 1; window:1 zero-fills p1 (zero-fill 2)
 *   and enters it with W (private): prefault.issued 1; retry fault 2 (2 refs).
 * W p1: fault 3 (no real PTE), walk passes (2 refs, sets A|M): resolved; prefault.used 1.
 * fork: 2 vptes with W -> inval 2; vmspace 10, pt 2 (copies are no prefaults).
 * pid 2, protect --- removes both copies (inval 4); protect rw-: nothing.
 * R p0: fault 4 (PTE 0, 2 refs) reflected; shared: vpte without W; window:1 enters p1
 *   (resident, shared: without W): prefault.issued 2; retry fault 5 (2 refs).
 * R p1: fault 6, walk passes (2 refs): resolved; prefault.used 2.
 * W p1: fault 7 on the read-only PTE, walk fails (no W, 2 refs): reflected; 2 users: COW,
 *   inval 5; window:1 candidate p2 is in the region, not resident: zero-filled (zero-fill 3,
 *   private to the child) and entered: prefault.issued 3; retry fault 8 (2 refs).
 * End: p2 never reached: prefault.wasted 1.  walk 3 + 2 + 4 + 2 + 4 = 15. */
Test(procs_policy, window_after_fork_shared_without_w)
{
    struct vk_model *m = sc_new("vpt-1.10", "window:1", "strict");
    sc_run(m, ANON3 "W " P0 " 4\nW " P1 " 4\nfork 2\npid 2\n"
                    "protect 0x10000000 0x10003000 ---\nprotect 0x10000000 0x10003000 rw-\n"
                    "R " P0 " 4\n");
    cr_expect_eq(sc_vpte(m, 0x10001000) & (VPTE_V | VPTE_W), VPTE_V,
                 "prefaulted shared p1 without W: %#llx",
                 (unsigned long long)sc_vpte(m, 0x10001000));
    sc_run(m, "R " P1 " 4\nW " P1 " 4\n");
    sc_finish(m);
    SC_EXPECT_ONLY(m, "access.read=2 access.write=3 fault.real=8 fault.reflected=3 "
                      "fault.resolved_real=5 walk.refs=15 page.zero_fill=3 page.cow=1 "
                      "vk.pt_alloc=2 vk.inval=5 vk.vmspace=10 prefault.issued=3 "
                      "prefault.used=2 prefault.wasted=1");
    SC_EXPECT_VMSPACE(m, 1, 0);
    vk_model_free(m);
}

/* dfly after fork (vpt-1.10: prefaulted entries without R).  anon p0-p2.
 * W p0: fault 1 (1 ref) reflected, zero-fill 1, pt 1; dfly: -1 outside, +1 p1 not resident:
 *   stop; retry fault 2 (2 refs).
 * W p1: fault 3 (2 refs) reflected, zero-fill 2; dfly: -1 is p0 with a non-zero vpte:
 *   skipped; +1 p2 not resident: stop; retry fault 4 (2 refs).
 * fork: inval 2; vmspace 10; pt 2.  pid 2, protect ---: inval 4; protect rw-.
 * R p1: fault 5 (2 refs) reflected; shared, entered without W; dfly: -1 p0 resident, pt page
 *   present, vpte 0: entered V|U|MANAGED (prefault.issued 1); +1 p2 not resident: stop; retry
 *   fault 6 (2 refs).
 * R p0: fault 7: the PTE lacks R (2 refs): reflected; the prefaulted vpte is re-entered:
 *   inval 5, prefault.wasted 1; dfly: -1 outside, +1 p1 non-zero (skip), -2 outside, +2 p2
 *   not resident: stop; retry fault 8 (2 refs).
 * walk 1 + 7 x 2 = 15. */
Test(procs_policy, dfly_after_fork)
{
    check_run("vpt-1.10", "dfly", "strict",
              ANON3 "W " P0 " 4\nW " P1 " 4\nfork 2\npid 2\n"
                    "protect 0x10000000 0x10003000 ---\nprotect 0x10000000 0x10003000 rw-\n"
                    "R " P1 " 4\nR " P0 " 4\n",
              "access.read=2 access.write=2 fault.real=8 fault.reflected=4 "
              "fault.resolved_real=4 walk.refs=15 page.zero_fill=2 vk.pt_alloc=2 vk.inval=5 "
              "vk.vmspace=10 prefault.issued=1 prefault.wasted=1",
              1, 0);
}

/* A page private to the child after fork behaves as before fork: vpt-1.10/strict takes a
 * dirty-bit trap, vpt/eager none.  anon p0-p1.
 * W p0: faults 1-2 (walk 3), zero-fill 1, pt 1.  fork: inval 1, vmspace 10, pt 2.
 * pid 2, R p1: fault 3 (PTE 0, 2 refs) reflected, zero-fill 2 (the child's alone): vpte with
 *   W; retry fault 4 (2 refs).  vpt-1.10: read-only; vpt/eager: W|M, mapped writable.
 * W p1: vpt-1.10: fault 5 on the read-only PTE, walk passes (2 refs): dirty trap 1.
 *   vpt/eager: hit (the write reaches M: not spurious). */
Test(procs_dirty, child_private_page_dirty_trap_vs_eager)
{
    const char *trace = ANON2 "W " P0 " 4\nfork 2\npid 2\nR " P1 " 4\nW " P1 " 4\n";
    check_run("vpt-1.10", "none", "strict", trace,
              "access.read=1 access.write=2 fault.real=5 fault.reflected=2 "
              "fault.resolved_real=3 fault.dirty_trap=1 walk.refs=9 page.zero_fill=2 "
              "vk.pt_alloc=2 vk.inval=1 vk.vmspace=10",
              1, 0);
    check_run("vpt", "none", "eager", trace,
              "access.read=1 access.write=2 fault.real=4 fault.reflected=2 "
              "fault.resolved_real=2 fault.dirty_trap=0 walk.refs=7 page.zero_fill=2 "
              "vk.pt_alloc=2 vk.inval=1 vk.spurious_dirty=0 vk.vmspace=10",
              1, 0);
}

/* Evicting a shared frame invalidates every user's valid vpte.  --vk-mem 3,
 * vpt-1.10/none/strict, anon p0-p1.  Frames: p0, and one page-table page per process.
 * W p0: faults 1-2 (walk 3), zero-fill 1, pt 1 (2 frames).  fork: inval 1, vmspace 10, the
 *   child's page-table page pt 2 (3 frames).
 * pid 2, W p1: fault 3 (PTE 0, 2 refs) reflected; no free frame: the only data page is p0:
 *   evicted (evict 1), the parent's and the child's valid vptes removed (inval 3);
 *   zero-fill 2; retry fault 4 (2 refs).
 * pid 1, R p0: fault 5 (PTE 0, 2 refs) reflected; paging p0 in needs a frame: the only data
 *   page is p1 (evict 2, the child's vpte: inval 4); swap-in 1; still shared (the child's map
 *   names it): entered without W; retry fault 6 (2 refs).
 * pid 2, R p0: fault 7 (PTE 0, 2 refs) reflected; resident: no swap-in; retry fault 8. */
Test(procs_evict, shared_frame_eviction_invalidates_every_user)
{
    struct vk_options o = {.vk_mem_pages = 3};
    struct vk_model *m = sc_new_opt("vpt-1.10", "none", "strict", &o, MMU_ARCH_I386, NULL);
    sc_run(m, ANON2 "W " P0 " 4\nfork 2\npid 2\nW " P1 " 4\npid 1\nR " P0 " 4\npid 2\nR " P0
                    " 4\n");
    cr_expect_eq(sc_vpte(m, 0x10000000) & (VPTE_V | VPTE_W), VPTE_V, "shared p0 without W");
    sc_finish(m);
    SC_EXPECT_ONLY(m, "access.read=2 access.write=2 fault.real=8 fault.reflected=4 "
                      "fault.resolved_real=4 walk.refs=15 page.zero_fill=2 page.evict=2 "
                      "page.swap_in=1 vk.pt_alloc=2 vk.inval=4 vk.vmspace=10");
    SC_EXPECT_VMSPACE(m, 1, 0);
    vk_model_free(m);
}

/* Per-process counters of the worked example (vpt-1.10/none/strict; model-notes: a fork's
 * protect, vmspace calls and copies are the parent's; an exit's invalidations and vmspace
 * call the exiting process's).
 * Process 1: W (faults 1-2, walk 3, zero-fill, pt 1), fork (inval 1, vmspace 10, the child's
 *   page-table page pt 2), last W (faults 5-6, walk 4, take-over inval 2).
 * Process 2: W (faults 3-4, walk 4, COW, inval 1), exit (inval 2, vmspace 1).
 * They add up to the totals. */
Test(procs_worked, per_process_counters)
{
    struct vk_model *m = sc_new("vpt-1.10", "none", "strict");
    sc_run(m, WORKED);
    sc_finish(m);
    const struct mmu_counters *c1 = vk_process_counters(m, 1);
    const struct mmu_counters *c2 = vk_process_counters(m, 2);
    cr_assert_not_null(c1);
    cr_assert_not_null(c2);
    cr_expect_eq(MMU_CTR(c1, access_write), 2);
    cr_expect_eq(MMU_CTR(c1, fault_real), 4);
    cr_expect_eq(MMU_CTR(c1, fault_reflected), 2);
    cr_expect_eq(MMU_CTR(c1, walk_refs), 7);
    cr_expect_eq(MMU_CTR(c1, page_zero_fill), 1);
    cr_expect_eq(MMU_CTR(c1, page_cow), 0);
    cr_expect_eq(MMU_CTR(c1, vk_pt_alloc), 2);
    cr_expect_eq(MMU_CTR(c1, vk_inval), 2);
    cr_expect_eq(MMU_CTR(c1, vk_vmspace), 10);
    cr_expect_eq(MMU_CTR(c2, access_write), 1);
    cr_expect_eq(MMU_CTR(c2, fault_real), 2);
    cr_expect_eq(MMU_CTR(c2, fault_reflected), 1);
    cr_expect_eq(MMU_CTR(c2, walk_refs), 4);
    cr_expect_eq(MMU_CTR(c2, page_zero_fill), 0);
    cr_expect_eq(MMU_CTR(c2, page_cow), 1);
    cr_expect_eq(MMU_CTR(c2, vk_pt_alloc), 0);
    cr_expect_eq(MMU_CTR(c2, vk_inval), 2);
    cr_expect_eq(MMU_CTR(c2, vk_vmspace), 1);
    cr_expect_null(vk_process_counters(m, 3), "pid 3 never existed");
    vk_model_free(m);
}
