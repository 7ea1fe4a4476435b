/* Counter names (model.md section 9), lookup and the identity check. */
#include <criterion/criterion.h>
#include <string.h>

#include "mmu.h"

/* Every name model.md section 9 lists (tlb.* excluded: they come with the trace work). */
static const char *const spec_names[] = {
    "insns", "access.read", "access.write", "access.fetch", "access.kernel", "fault.real",
    "fault.reflected", "fault.resolved_real", "fault.dirty_trap", "fault.segv",
    "fault.native", "fault.ept_violation", "walk.refs", "page.zero_fill", "page.cow",
    "page.file_read", "vk.pt_alloc", "vk.inval", "page.evict", "vk.spurious_dirty",
    "vk.syscall", "prefault.issued", "prefault.used", "prefault.wasted", "cycles.insn",
    "cycles.tlb", "cycles.fault", "cycles.reflect", "cycles.dirty", "cycles.prefault",
    "cycles.inval", "cycles.syscall", "cycles.total"};

Test(counters, spec_names_exist)
{
    for (size_t i = 0; i < sizeof spec_names / sizeof *spec_names; i++)
        cr_expect_geq(mmu_counter_find(spec_names[i]), 0, "missing counter %s", spec_names[i]);
}

Test(counters, find_round_trips)
{
    for (int i = 0; i < MMU_NCOUNTERS; i++)
        cr_expect_eq(mmu_counter_find(mmu_counter_names[i]), i, "%s", mmu_counter_names[i]);
    cr_expect_eq(mmu_counter_find("fault.reflected"), MMU_C_fault_reflected);
    cr_expect_eq(mmu_counter_find("cycles.total"), MMU_C_cycles_total);
    cr_expect_eq(mmu_counter_find("fault"), -1);
    cr_expect_eq(mmu_counter_find("fault.reflected.x"), -1);
    cr_expect_eq(mmu_counter_find(""), -1);
    cr_expect_eq(mmu_counter_find("FAULT.REAL"), -1);
}

Test(counters, names_unique_and_dotted)
{
    for (int i = 0; i < MMU_NCOUNTERS; i++) {
        cr_expect(strchr(mmu_counter_names[i], ' ') == NULL);
        for (int j = i + 1; j < MMU_NCOUNTERS; j++)
            cr_expect_str_neq(mmu_counter_names[i], mmu_counter_names[j]);
    }
}

/* mmu_counters_check: each identity of section 9 is detected. */
Test(counters, check_identities)
{
    struct mmu_counters c;
    memset(&c, 0, sizeof c);
    cr_expect_null(mmu_counters_check(&c, true));
    cr_expect_null(mmu_counters_check(&c, false));

    /* vpt: real = reflected + resolved_real */
    MMU_CTR(&c, fault_real) = 3;
    MMU_CTR(&c, fault_reflected) = 1;
    MMU_CTR(&c, fault_resolved_real) = 2;
    MMU_CTR(&c, fault_dirty_trap) = 1;
    cr_expect_null(mmu_counters_check(&c, true));
    MMU_CTR(&c, fault_resolved_real) = 1;
    cr_expect_not_null(mmu_counters_check(&c, true), "real != reflected + resolved");
    MMU_CTR(&c, fault_resolved_real) = 2;
    /* segv <= reflected */
    MMU_CTR(&c, fault_segv) = 2;
    cr_expect_not_null(mmu_counters_check(&c, true), "segv > reflected");
    MMU_CTR(&c, fault_segv) = 0;
    /* dirty_trap <= resolved_real */
    MMU_CTR(&c, fault_dirty_trap) = 3;
    cr_expect_not_null(mmu_counters_check(&c, true), "dirty > resolved");
    MMU_CTR(&c, fault_dirty_trap) = 1;
    /* used + wasted = issued */
    MMU_CTR(&c, prefault_issued) = 5;
    MMU_CTR(&c, prefault_used) = 2;
    MMU_CTR(&c, prefault_wasted) = 2;
    cr_expect_not_null(mmu_counters_check(&c, true), "used + wasted != issued");
    MMU_CTR(&c, prefault_wasted) = 3;
    cr_expect_null(mmu_counters_check(&c, true));
    /* cycles.total = sum of components */
    MMU_CTR(&c, cycles_fault) = 100;
    MMU_CTR(&c, cycles_reflect) = 50;
    MMU_CTR(&c, cycles_total) = 140;
    cr_expect_not_null(mmu_counters_check(&c, true), "total != sum");
    MMU_CTR(&c, cycles_total) = 150;
    cr_expect_null(mmu_counters_check(&c, true));

    /* native: real = native + segv */
    memset(&c, 0, sizeof c);
    MMU_CTR(&c, fault_real) = 3;
    MMU_CTR(&c, fault_native) = 2;
    MMU_CTR(&c, fault_segv) = 1;
    cr_expect_null(mmu_counters_check(&c, false));
    MMU_CTR(&c, fault_native) = 1;
    cr_expect_not_null(mmu_counters_check(&c, false), "real != native + segv");
}
