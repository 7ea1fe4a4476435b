/* tests/emu/test_engine.c - the start-up self-test finds the Unicorn fix-up offsets, and the
 * counters both engines produce are the ones tests compare. */
#include <criterion/criterion.h>

#include "emu.h"

static char err[1024];

Test(selftest, finds_the_old_exception_and_error_code_offsets)
{
    long old_off = -2, ec_off = -2;
    cr_assert_eq(emu_selftest(&old_off, &ec_off, err, sizeof err), 0, "%s", err);
    cr_assert_geq(ec_off, 0);
    /* Unicorn 2.0.1 needs the fix-up; a build that does not reports -1. */
    cr_assert(old_off >= 0 || old_off == -1);
}

Test(engine, counters_shared_by_both_engines_exclude_user_accesses)
{
    cr_assert_not(emu_engine_counter_shared(mmu_counter_find("access.read")));
    cr_assert_not(emu_engine_counter_shared(mmu_counter_find("access.fetch")));
    cr_assert(emu_engine_counter_shared(mmu_counter_find("fault.reflected")));
    cr_assert(emu_engine_counter_shared(mmu_counter_find("insns")));
    cr_assert(emu_engine_counter_shared(mmu_counter_find("access.kernel")));
}
