/* mmu/arch.c - the two vpagetable layouts (model.md sections 1 and 3). */
#include "mmu.h"

const char *mmu_arch_name(enum mmu_arch a)
{
    return a == MMU_ARCH_X86_64 ? "x86_64" : "i386";
}

/* i386 1.10: vshift 20, 10 bits a level -> 2 levels.  x86-64 2010: vshift 36, 9 bits -> 4. */
unsigned mmu_arch_levels(enum mmu_arch a)
{
    return a == MMU_ARCH_X86_64 ? 4 : 2;
}

unsigned mmu_arch_level_bits(enum mmu_arch a)
{
    return a == MMU_ARCH_X86_64 ? 9 : 10;
}

uint64_t mmu_arch_user_limit(enum mmu_arch a)
{
    return a == MMU_ARCH_X86_64 ? 0x800000000000ull : 0xC0000000ull;
}

uint64_t mmu_arch_default_start(enum mmu_arch a)
{
    (void)a;
    return 0x1000;
}

uint64_t mmu_arch_default_end(enum mmu_arch a)
{
    return mmu_arch_user_limit(a);
}
