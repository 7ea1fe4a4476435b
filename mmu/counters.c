/* mmu/counters.c - counter names and the model.md section 9 identities. */
#include <string.h>

#include "mmu.h"

const char *const mmu_counter_names[MMU_NCOUNTERS] = {
#define MMU_X_NAME(id, name) name,
    MMU_COUNTERS(MMU_X_NAME)
#undef MMU_X_NAME
};

int mmu_counter_find(const char *name)
{
    for (int i = 0; i < MMU_NCOUNTERS; i++)
        if (strcmp(mmu_counter_names[i], name) == 0)
            return i;
    return -1;
}

const char *mmu_counters_check(const struct mmu_counters *c, bool vkernel_scheme)
{
    if (vkernel_scheme) {
        if (MMU_CTR(c, fault_real) != MMU_CTR(c, fault_reflected) + MMU_CTR(c, fault_resolved_real))
            return "fault.real != fault.reflected + fault.resolved_real";
        if (MMU_CTR(c, fault_segv) > MMU_CTR(c, fault_reflected))
            return "fault.segv > fault.reflected";
    } else {
        if (MMU_CTR(c, fault_real) != MMU_CTR(c, fault_native) + MMU_CTR(c, fault_segv))
            return "fault.real != fault.native + fault.segv";
    }
    if (MMU_CTR(c, fault_dirty_trap) > MMU_CTR(c, fault_resolved_real))
        return "fault.dirty_trap > fault.resolved_real";
    if (MMU_CTR(c, prefault_used) + MMU_CTR(c, prefault_wasted) != MMU_CTR(c, prefault_issued))
        return "prefault.used + prefault.wasted != prefault.issued";
    uint64_t sum = MMU_CTR(c, cycles_insn) + MMU_CTR(c, cycles_tlb) + MMU_CTR(c, cycles_fault) +
                   MMU_CTR(c, cycles_reflect) + MMU_CTR(c, cycles_dirty) +
                   MMU_CTR(c, cycles_prefault) + MMU_CTR(c, cycles_inval) +
                   MMU_CTR(c, cycles_syscall) + MMU_CTR(c, cycles_vmspace);
    if (MMU_CTR(c, cycles_total) != sum)
        return "cycles.total != sum of its components";
    return NULL;
}
