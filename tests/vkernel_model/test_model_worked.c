/* The worked example of issue 3 and its variants, derived by hand from model.md.
 * Region: [0x10000000, 0x10010000) rw- anon (one 4 MiB page-table page covers it). */
#include "scenario.h"

#define MAP "map 0x10000000 0x10010000 rw- anon\n"
#define TRACE_RWR MAP "R 0x10000000 4\nW 0x10000000 4\nR 0x10000000 4\n"
#define TRACE_WR MAP "W 0x10000000 4\nR 0x10000000 4\n"

/* vpt-1.10/none/strict, R W R (issue 3):
 * R: no real PTE -> real fault 1; walk: PDE absent -> fails, 1 ref; reflected.  vkernel:
 *    zero-fill, pt_alloc, vpte V|R|W|U|MANAGED|A (anon read gets W, M clear).  Retry: real
 *    fault 2, walk PDE+PTE pass (2 refs), read maps read-only (1.10): resolved 1.
 * W: real PTE present read-only -> real fault 3, walk passes (2 refs, sets A|M): resolved 2,
 *    dirty-bit trap 1, now writable.
 * R: hit.  walk.refs 1+2+2 = 5. */
Test(worked_example, vpt110_strict_read_write_read)
{
    struct vk_model *m = sc_new("vpt-1.10", "none", "strict");
    sc_run(m, TRACE_RWR);
    sc_finish(m);
    SC_EXPECT_ONLY(m, "access.read=2 access.write=1 fault.real=3 fault.reflected=1 "
                      "fault.resolved_real=2 fault.dirty_trap=1 walk.refs=5 page.zero_fill=1 "
                      "vk.pt_alloc=1 vk.inval=0");
    vk_model_free(m);
}

/* vpt-1.10/none/strict, W R (issue 3: 2 real faults, 1 reflection, 0 dirty traps):
 * W: fault 1 (1 ref, PDE absent), reflected, zero-fill, pt_alloc, vpte with W and M clear;
 *    retry: fault 2, walk passes (2 refs, sets A|M), write fault maps writable.  Not a dirty
 *    trap: the real PTE was not present.
 * R: hit. */
Test(worked_example, vpt110_strict_write_then_read)
{
    struct vk_model *m = sc_new("vpt-1.10", "none", "strict");
    sc_run(m, TRACE_WR);
    sc_finish(m);
    SC_EXPECT_ONLY(m, "access.read=1 access.write=1 fault.real=2 fault.reflected=1 "
                      "fault.resolved_real=1 fault.dirty_trap=0 walk.refs=3 page.zero_fill=1 "
                      "vk.pt_alloc=1");
    vk_model_free(m);
}

/* vpt/none/eager, R W R (issue 3: 0 dirty traps):
 * R: fault 1, reflected; eager writes the vpte of this writable private page with M set
 *    (V|R|W|U|MANAGED|A|M).  Retry: fault 2, walk passes; scheme vpt maps a read fault
 *    writable when the final vpte has W and M.  W: hit (the hardware D bit records the write,
 *    so the M was not spurious).  R: hit. */
Test(worked_example, vpt_eager_no_dirty_trap)
{
    struct vk_model *m = sc_new("vpt", "none", "eager");
    sc_run(m, TRACE_RWR);
    sc_finish(m);
    SC_EXPECT_ONLY(m, "access.read=2 access.write=1 fault.real=2 fault.reflected=1 "
                      "fault.resolved_real=1 fault.dirty_trap=0 walk.refs=3 page.zero_fill=1 "
                      "vk.pt_alloc=1 vk.spurious_dirty=0");
    vk_model_free(m);
}

/* vpt-1.10/none/eager, R W R (issue 3: still 1 dirty trap): the vpte has W|M but 1.10 maps
 * every read fault read-only, so the W traps exactly as with strict.  The write reached the
 * page: vk.spurious_dirty 0. */
Test(worked_example, vpt110_eager_still_one_dirty_trap)
{
    struct vk_model *m = sc_new("vpt-1.10", "none", "eager");
    sc_run(m, TRACE_RWR);
    sc_finish(m);
    SC_EXPECT_ONLY(m, "access.read=2 access.write=1 fault.real=3 fault.reflected=1 "
                      "fault.resolved_real=2 fault.dirty_trap=1 walk.refs=5 page.zero_fill=1 "
                      "vk.pt_alloc=1 vk.spurious_dirty=0");
    vk_model_free(m);
}

/* vpt/none/strict, R W R: strict writes M clear and the read walk sets only A, so the final
 * vpte lacks M: the 2017 rule does not apply, the read maps read-only and W is a dirty trap.
 * Same counts as vpt-1.10/strict. */
Test(worked_example, vpt_strict_read_maps_readonly_without_m)
{
    struct vk_model *m = sc_new("vpt", "none", "strict");
    sc_run(m, TRACE_RWR);
    sc_finish(m);
    SC_EXPECT_ONLY(m, "access.read=2 access.write=1 fault.real=3 fault.reflected=1 "
                      "fault.resolved_real=2 fault.dirty_trap=1 walk.refs=5 page.zero_fill=1 "
                      "vk.pt_alloc=1");
    vk_model_free(m);
}

/* vpt/none/hint, R W R: hint sets M only when the reflected fault was a write; this one was a
 * read, so the vpte lacks M and the W is a dirty trap, as with strict. */
Test(worked_example, vpt_hint_read_reflection_has_no_m)
{
    struct vk_model *m = sc_new("vpt", "none", "hint");
    sc_run(m, TRACE_RWR);
    sc_finish(m);
    SC_EXPECT_ONLY(m, "access.read=2 access.write=1 fault.real=3 fault.reflected=1 "
                      "fault.resolved_real=2 fault.dirty_trap=1 walk.refs=5 page.zero_fill=1 "
                      "vk.pt_alloc=1");
    vk_model_free(m);
}

/* native/none, R W R (issue 3: fault.native 1): the read of a writable anonymous page maps a
 * new zeroed page writable; W and R hit.  No vkernel: no walk, no vk.*. */
Test(worked_example, native_one_fault)
{
    struct vk_model *m = sc_new("native", "none", "strict");
    sc_run(m, TRACE_RWR);
    sc_finish(m);
    SC_EXPECT_ONLY(m, "access.read=2 access.write=1 fault.real=1 fault.native=1 "
                      "page.zero_fill=1");
    vk_model_free(m);
}

/* linux/none, R W R (issue 3: fault.native 2): the read maps the shared zero page read-only
 * (no zero-fill counted); the write faults again and allocates (counted as the zero-fill);
 * the last R hits. */
Test(worked_example, linux_zero_page_then_write)
{
    struct vk_model *m = sc_new("linux", "none", "strict");
    sc_run(m, TRACE_RWR);
    sc_finish(m);
    SC_EXPECT_ONLY(m, "access.read=2 access.write=1 fault.real=2 fault.native=2 "
                      "page.zero_fill=1");
    vk_model_free(m);
}

/* linux/none, W R: the first touch is a write: one fault that allocates; R hits. */
Test(worked_example, linux_write_first_one_fault)
{
    struct vk_model *m = sc_new("linux", "none", "strict");
    sc_run(m, TRACE_WR);
    sc_finish(m);
    SC_EXPECT_ONLY(m, "access.read=1 access.write=1 fault.real=1 fault.native=1 "
                      "page.zero_fill=1");
    vk_model_free(m);
}
