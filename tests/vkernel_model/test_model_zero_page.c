/* --zero-page on|off (vk_options.no_zero_page): the shared zero page of scheme linux on a read
 * fault of an untouched anonymous page (model.md §5), and hosts without one
 * (docs/model-notes.md). */
#include "scenario.h"

/* Read then write of 3 fresh anonymous pages; every access is one line. */
static const char *const read_then_write =
    "map 0x10000000 0x10003000 rw- anon\n"
    "R 0x10000000 4\nR 0x10001000 4\nR 0x10002000 4\n"
    "W 0x10000000 4\nW 0x10001000 4\nW 0x10002000 4\n";

/* linux, --zero-page on (default): R p0..p2 are 3 faults mapping the zero page read-only
 * (no zero fill); W p0..p2 meet a present read-only PTE: 3 more faults, each allocating and
 * zero-filling its page.  fault.real = fault.native = 6, zero_fill 3; no vkernel. */
Test(model_zero_page, linux_on_read_then_write_is_six_faults)
{
    struct vk_model *m = sc_new("linux", "none", "strict");
    sc_run(m, read_then_write);
    sc_finish(m);
    SC_EXPECT(m, "access.read=3 access.write=3 fault.real=6 fault.native=6 fault.segv=0 "
                 "page.zero_fill=3 page.cow=0 fault.reflected=0 walk.refs=0 vk.pt_alloc=0");
    vk_model_free(m);
}

/* linux, --zero-page off: R p0..p2 are 3 faults, each allocating and zero-filling its page,
 * mapped writable (the region is rw-); W p0..p2 hit.  fault.real = fault.native = 3,
 * zero_fill 3. */
Test(model_zero_page, linux_off_read_then_write_is_three_faults)
{
    struct vk_options o = {.no_zero_page = true};
    struct vk_model *m = sc_new_opt("linux", "none", "strict", &o, MMU_ARCH_I386, NULL);
    sc_run(m, read_then_write);
    sc_finish(m);
    SC_EXPECT(m, "access.read=3 access.write=3 fault.real=3 fault.native=3 fault.segv=0 "
                 "page.zero_fill=3 page.cow=0 fault.reflected=0 walk.refs=0 vk.pt_alloc=0");
    vk_model_free(m);
}

/* The same on x86-64 (4-level tables): the option does not depend on the architecture. */
Test(model_zero_page, linux_off_x86_64)
{
    struct vk_options o = {.no_zero_page = true};
    struct vk_model *m = sc_new_opt("linux", "none", "strict", &o, MMU_ARCH_X86_64, NULL);
    sc_run(m, read_then_write);
    sc_finish(m);
    SC_EXPECT(m, "fault.real=3 fault.native=3 page.zero_fill=3");
    vk_model_free(m);
}

/* Scheme native never maps the zero page: its read faults allocate (3 faults, zero_fill 3),
 * so --zero-page off changes nothing. */
Test(model_zero_page, native_unaffected)
{
    struct vk_options o = {.no_zero_page = true};
    struct vk_model *a = sc_new("native", "none", "strict");
    struct vk_model *b = sc_new_opt("native", "none", "strict", &o, MMU_ARCH_I386, NULL);
    sc_run(a, read_then_write);
    sc_run(b, read_then_write);
    sc_finish(a);
    sc_finish(b);
    SC_EXPECT(a, "fault.real=3 fault.native=3 page.zero_fill=3");
    SC_EXPECT(b, "fault.real=3 fault.native=3 page.zero_fill=3");
    vk_model_free(a);
    vk_model_free(b);
}
