/* emu/emu_cpuid.c - the CPUID a guest sees.
 *
 * Unicorn 2.0.1 answers leaf 1 with EDX = 0x07088100 in both modes: FPU (bit 0) and MMX
 * (bit 23) are missing although it emulates the x87 and MMX instructions (tests/emu/
 * test_unicorn64.c pins this).  glibc's ld.so checks the ISA level every shared object is
 * marked with (x86-64-baseline needs CMOV, CX8, FPU, FXSR, MMX, SSE and SSE2) and refuses
 * Debian's libc.so.6 on such a CPU ("CPU ISA level is lower than required").  So the engine
 * answers CPUID itself: Unicorn's own answer for the leaf and subleaf, measured once per
 * process in a scratch engine of the same mode with the guest's CR4, plus those two bits.
 * Every other bit is Unicorn's, so a static program sees what it saw before (its ifunc
 * choices do not look at FPU or MMX). */
#include <pthread.h>
#include <string.h>

#include "emu_internal.h"

#define CPUID_FPU (1u << 0)
#define CPUID_MMX (1u << 23)
#define CPUID_CACHE 128

struct cpuid_answer {
    bool is64;
    uint32_t leaf, sub;
    uint64_t cr4;
    uint32_t r[4]; /* eax, ebx, ecx, edx */
};

static struct cpuid_answer cache[CPUID_CACHE];
static size_t ncache;
static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;

/* Unicorn's own answer: cpuid executed in a scratch engine.  0, or -1 when that fails. */
static int probe(struct cpuid_answer *a)
{
    static const uint8_t code[] = {0x0F, 0xA2}; /* cpuid */
    const uint64_t at = 0x1000;
    uc_engine *uc;
    if (uc_open(UC_ARCH_X86, a->is64 ? UC_MODE_64 : UC_MODE_32, &uc) != UC_ERR_OK)
        return -1;
    int rc = -1;
    uint64_t eax = a->leaf, ecx = a->sub, cr4 = a->cr4;
    int regs[4] = {UC_X86_REG_EAX, UC_X86_REG_EBX, UC_X86_REG_ECX, UC_X86_REG_EDX};
    if (uc_mem_map(uc, at, 0x1000, UC_PROT_ALL) == UC_ERR_OK &&
        uc_mem_write(uc, at, code, sizeof code) == UC_ERR_OK &&
        uc_reg_write(uc, UC_X86_REG_CR4, &cr4) == UC_ERR_OK &&
        uc_reg_write(uc, UC_X86_REG_EAX, &eax) == UC_ERR_OK &&
        uc_reg_write(uc, UC_X86_REG_ECX, &ecx) == UC_ERR_OK &&
        uc_emu_start(uc, at, at + sizeof code, 0, 1) == UC_ERR_OK) {
        rc = 0;
        for (int i = 0; i < 4; i++) {
            uint64_t v = 0;
            if (uc_reg_read(uc, regs[i], &v) != UC_ERR_OK)
                rc = -1;
            a->r[i] = (uint32_t)v;
        }
    }
    uc_close(uc);
    return rc;
}

int emu_cpuid_answer(bool is64, uint32_t leaf, uint32_t sub, uint64_t cr4, uint32_t out[4])
{
    pthread_mutex_lock(&cache_lock);
    for (size_t i = 0; i < ncache; i++) {
        const struct cpuid_answer *c = &cache[i];
        if (c->is64 == is64 && c->leaf == leaf && c->sub == sub && c->cr4 == cr4) {
            memcpy(out, c->r, sizeof c->r);
            pthread_mutex_unlock(&cache_lock);
            return 0;
        }
    }
    struct cpuid_answer a = {.is64 = is64, .leaf = leaf, .sub = sub, .cr4 = cr4};
    int rc = probe(&a);
    if (rc == 0) {
        if (leaf == 1)
            a.r[3] |= CPUID_FPU | CPUID_MMX;
        if (ncache < CPUID_CACHE)
            cache[ncache++] = a;
        memcpy(out, a.r, sizeof a.r);
    }
    pthread_mutex_unlock(&cache_lock);
    return rc;
}

/* UC_HOOK_INSN for cpuid: answers and skips Unicorn's own helper (returning 1); when the
 * probe fails, Unicorn's answer stands (returning 0).  user is the mode itself (1: 32-bit,
 * 2: 64-bit), not the machine: machines live in an array that moves as address spaces are
 * added, while the hook stays with the engine. */
static int hook_cpuid(uc_engine *uc, void *user)
{
    bool is64 = (uintptr_t)user == 2;
    uint64_t eax = 0, ecx = 0, cr4 = 0;
    uc_reg_read(uc, UC_X86_REG_EAX, &eax);
    uc_reg_read(uc, UC_X86_REG_ECX, &ecx);
    uc_reg_read(uc, UC_X86_REG_CR4, &cr4);
    uint32_t r[4];
    if (emu_cpuid_answer(is64, (uint32_t)eax, (uint32_t)ecx, cr4, r) != 0)
        return 0;
    int regs64[4] = {UC_X86_REG_RAX, UC_X86_REG_RBX, UC_X86_REG_RCX, UC_X86_REG_RDX};
    int regs32[4] = {UC_X86_REG_EAX, UC_X86_REG_EBX, UC_X86_REG_ECX, UC_X86_REG_EDX};
    for (int i = 0; i < 4; i++) {
        uint64_t v = r[i]; /* cpuid zero-extends into the 64-bit registers */
        uc_reg_write(uc, is64 ? regs64[i] : regs32[i], &v);
    }
    return 1;
}

int emu_cpuid_hook_add(struct emu_machine *mc)
{
    uc_hook h;
    void *mode = (void *)(uintptr_t)(mc->is64 ? 2 : 1);
    return EMU_UC(mc, uc_hook_add(mc->uc, &h, UC_HOOK_INSN, (void *)hook_cpuid, mode, 1, 0,
                                  UC_X86_INS_CPUID))
               ? -1
               : 0;
}
