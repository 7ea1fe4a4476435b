/* emu/emu_machine64.c - the Unicorn x86-64 machine: guest memory backed in 1 GiB chunks where
 * the guest puts it, four-level page tables in a pool below 2^40, the GDT with a 64-bit user
 * code segment, and the ring-3 entry through iretq.  What was measured before this was built:
 * tests/emu/test_unicorn64.c and docs/emulation.md ("x86-64 mode"). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "emu_internal.h"

/* The ring-0 stub: an iretq frame from RBX (user RSP) and RCX (user RIP) with RFLAGS = IF |
 * bit 1, CS = 0x33 and SS = 0x2B, every general register zeroed (Linux's start_thread; RDX = 0
 * tells glibc's _start there is no rtld_fini).  DS, ES, FS and GS stay null, as Linux leaves
 * them for a 64-bit process; FS and GS bases are set before the stub runs. */
static const uint8_t stub64_code[] = {
    0x6A, EMU_SEL_UDATA,          /* push 0x2b (SS) */
    0x53,                         /* push rbx (RSP) */
    0x68, 0x02, 0x02, 0x00, 0x00, /* push 0x202 (RFLAGS) */
    0x6A, EMU64_SEL_UCODE,        /* push 0x33 (CS) */
    0x51,                         /* push rcx (RIP) */
    0x31, 0xC0,                   /* xor eax, eax */
    0x31, 0xDB,                   /* xor ebx, ebx */
    0x31, 0xC9,                   /* xor ecx, ecx */
    0x31, 0xD2,                   /* xor edx, edx */
    0x31, 0xF6,                   /* xor esi, esi */
    0x31, 0xFF,                   /* xor edi, edi */
    0x31, 0xED,                   /* xor ebp, ebp */
    0x45, 0x31, 0xC0,             /* xor r8d, r8d */
    0x45, 0x31, 0xC9,             /* xor r9d, r9d */
    0x45, 0x31, 0xD2,             /* xor r10d, r10d */
    0x45, 0x31, 0xDB,             /* xor r11d, r11d */
    0x45, 0x31, 0xE4,             /* xor r12d, r12d */
    0x45, 0x31, 0xED,             /* xor r13d, r13d */
    0x45, 0x31, 0xF6,             /* xor r14d, r14d */
    0x45, 0x31, 0xFF,             /* xor r15d, r15d */
    0x48, 0xCF,                   /* iretq */
};

/* GDT descriptors of Linux's x86-64 layout (the measured recipe): kernel code 64-bit (0x10),
 * kernel data (0x18), user code 32-bit (0x23), user data (0x2B), user code 64-bit (0x33). */
static const uint64_t gdt64[] = {
    0,
    0x00CF9B000000FFFFull, /* 0x08 kernel code, 32-bit */
    0x00AF9B000000FFFFull, /* 0x10 kernel code, 64-bit (L) */
    0x00CF93000000FFFFull, /* 0x18 kernel data */
    0x00CFFB000000FFFFull, /* 0x23 user code, 32-bit */
    0x00CFF3000000FFFFull, /* 0x2B user data */
    0x00AFFB000000FFFFull, /* 0x33 user code, 64-bit (L) */
};

/* A fresh zeroed table page of the pool: its physical address (below 2^40), 0 when full. */
static uint64_t pt_alloc(struct emu_machine *mc)
{
    if (mc->pt_used == EMU64_PT_PAGES)
        return 0;
    return EMU64_PT_PHYS + 4096ull * mc->pt_used++;
}

static uint64_t *pt_at(struct emu_machine *mc, uint64_t phys)
{
    return (uint64_t *)(mc->ptmem + (phys - EMU64_PT_PHYS));
}

/* The entry for va at level (4 = PML4E .. 1 = PTE), creating the tables above it when create
 * (upper entries P|W|U, or P|W for the engine's range); NULL when absent or the pool is full.
 * A 2 MiB page (PS) at level 2 ends the walk: NULL for level 1. */
static uint64_t *entry64(struct emu_machine *mc, uint64_t va, unsigned level, bool create,
                         bool user)
{
    uint64_t *table = mc->pml4;
    for (unsigned l = 4;; l--) {
        uint64_t *e = &table[(va >> (12 + 9 * (l - 1))) & 511];
        if (l == level)
            return e;
        if (!(*e & EMU_PG_P)) {
            if (!create)
                return NULL;
            uint64_t phys = pt_alloc(mc);
            if (!phys)
                return NULL;
            *e = phys | EMU_PG_P | EMU_PG_W | (user ? EMU_PG_U : 0);
        } else if (l == 2 && (*e & EMU64_PG_PS)) {
            return NULL;
        }
        table = pt_at(mc, *e & EMU64_FRAME);
    }
}

uint64_t *emu_pte64(struct emu_machine *mc, uint64_t vpn, bool create)
{
    return entry64(mc, vpn << 12, 1, create, true);
}

/* hooks and bare: every page of a chunk present, writable and user, in 2 MiB pages; the first
 * 2 MiB of the address space in 4 KiB pages without page 0 (a NULL dereference faults). */
static int chunk_all_present(struct emu_machine *mc, uint64_t base)
{
    for (uint64_t va = base; va < base + EMU64_CHUNK; va += 2ull << 20) {
        if (va == 0) {
            for (uint64_t p = 4096; p < (2ull << 20); p += 4096) {
                uint64_t *e = entry64(mc, p, 1, true, true);
                if (!e)
                    return -1;
                *e = (p & EMU64_FRAME) | EMU_PG_P | EMU_PG_W | EMU_PG_U;
            }
            continue;
        }
        uint64_t *e = entry64(mc, va, 2, true, true);
        if (!e)
            return -1;
        *e = ((va >> 12) & 0x0FFFFFFFull) << 12 | EMU64_PG_PS | EMU_PG_P | EMU_PG_W | EMU_PG_U;
    }
    return 0;
}

int emu_machine_back(struct emu_machine *mc, uint64_t addr, uint64_t len)
{
    if (!mc->is64 || len == 0)
        return 0;
    if (addr >= EMU64_USER_LIMIT || len > EMU64_USER_LIMIT - addr)
        return -1;
    for (uint64_t c = addr / EMU64_CHUNK; c <= (addr + len - 1) / EMU64_CHUNK; c++) {
        if (c == mc->last_chunk)
            continue;
        bool have = false;
        for (size_t i = 0; i < mc->nchunks && !have; i++)
            have = mc->chunks[i] == c;
        if (!have) {
            if (c == EMU64_PT_PHYS / EMU64_CHUNK || mc->nchunks == EMU64_MAX_CHUNKS)
                return -1; /* the page-table pool's range, or too scattered a guest */
            if (EMU_UC(mc, uc_mem_map(mc->uc, c * EMU64_CHUNK, EMU64_CHUNK, UC_PROT_ALL)))
                return -1;
            mc->chunks[mc->nchunks++] = c;
            if (mc->all_present && chunk_all_present(mc, c * EMU64_CHUNK) != 0) {
                mc->failed = true;
                snprintf(mc->err, mc->errlen, "engine: the page-table pool is full");
                return -1;
            }
            mc->flush_pending = true;
        }
        mc->last_chunk = c;
    }
    return 0;
}

int emu_machine_open64(struct emu_machine *mc, bool all_present)
{
    mc->is64 = true;
    mc->all_present = all_present;
    mc->last_chunk = UINT64_MAX;
    mc->ptmem = mmap(NULL, EMU64_PT_PAGES * 4096ull, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (mc->ptmem == MAP_FAILED) {
        mc->ptmem = NULL;
        snprintf(mc->err, mc->errlen, "out of memory for the engine's page tables");
        return -1;
    }
    mc->kmem = aligned_alloc(4096, EMU64_KSIZE);
    if (!mc->kmem) {
        snprintf(mc->err, mc->errlen, "out of memory for the engine's range");
        return -1;
    }
    memset(mc->kmem, 0, EMU64_KSIZE);
    mc->gdt = (uint64_t *)(mc->kmem + (EMU64_GDT_ADDR - EMU64_KBASE));
    if (EMU_UC(mc, uc_open(UC_ARCH_X86, UC_MODE_64, &mc->uc))) {
        mc->uc = NULL;
        return -1;
    }
    if (EMU_UC(mc, uc_mem_map_ptr(mc->uc, EMU64_PT_PHYS, EMU64_PT_PAGES * 4096ull, UC_PROT_ALL,
                                  mc->ptmem)) ||
        EMU_UC(mc, uc_mem_map_ptr(mc->uc, EMU64_KBASE, EMU64_KSIZE, UC_PROT_ALL, mc->kmem)) ||
        EMU_UC(mc, uc_mem_map(mc->uc, EMU64_FLUSH_PAGE, 4096, UC_PROT_ALL)))
        return -1;
    uint64_t root = pt_alloc(mc);
    mc->pml4 = pt_at(mc, root);
    /* the engine's range: supervisor pages (frame numbers are ignored; kept small) */
    for (uint64_t p = 0; p < EMU64_KSIZE; p += 4096) {
        uint64_t *e = entry64(mc, EMU64_KBASE + p, 1, true, false);
        if (!e) {
            snprintf(mc->err, mc->errlen, "engine: the page-table pool is full");
            return -1;
        }
        *e = (p + 0x1000) | EMU_PG_P | EMU_PG_W;
    }
    memcpy(mc->gdt, gdt64, sizeof gdt64);
    memcpy(mc->kmem + (EMU64_STUB_ADDR - EMU64_KBASE), stub64_code, sizeof stub64_code);
    uc_x86_msr efer = {0xC0000080u, 0x500u}; /* LME | LMA */
    uint64_t cr4 = 0x624 /* PAE | OSFXSR | OSXMMEXCPT | TSD */, cr3 = root, cr0 = 0x80050033u, zero = 0;
    uc_x86_mmr gdtr = {.selector = 0, .base = EMU64_GDT_ADDR,
                       .limit = (uint32_t)sizeof gdt64 - 1, .flags = 0};
    if (EMU_UC(mc, uc_reg_write(mc->uc, UC_X86_REG_MSR, &efer)) ||
        EMU_UC(mc, uc_reg_write(mc->uc, UC_X86_REG_CR4, &cr4)) ||
        EMU_UC(mc, uc_reg_write(mc->uc, UC_X86_REG_CR3, &cr3)) ||
        EMU_UC(mc, uc_reg_write(mc->uc, UC_X86_REG_CR0, &cr0)) ||
        EMU_UC(mc, uc_reg_write(mc->uc, UC_X86_REG_GDTR, &gdtr)) ||
        EMU_UC(mc, uc_reg_write(mc->uc, UC_X86_REG_FS_BASE, &zero)) ||
        EMU_UC(mc, uc_reg_write(mc->uc, UC_X86_REG_GS_BASE, &zero)))
        return -1;
    return 0;
}

void emu_machine_close64(struct emu_machine *mc)
{
    if (mc->ptmem)
        munmap(mc->ptmem, EMU64_PT_PAGES * 4096ull);
    mc->ptmem = NULL;
}

int emu_machine_start64(struct emu_machine *mc, uint64_t rip, uint64_t rsp, uint64_t fs_base)
{
    uint64_t ksp = EMU64_KSTACK_TOP, gs = 0;
    if (EMU_UC(mc, uc_reg_write(mc->uc, UC_X86_REG_RSP, &ksp)) ||
        EMU_UC(mc, uc_reg_write(mc->uc, UC_X86_REG_RBX, &rsp)) ||
        EMU_UC(mc, uc_reg_write(mc->uc, UC_X86_REG_RCX, &rip)) ||
        EMU_UC(mc, uc_reg_write(mc->uc, UC_X86_REG_FS_BASE, &fs_base)) ||
        EMU_UC(mc, uc_reg_write(mc->uc, UC_X86_REG_GS_BASE, &gs)))
        return -1;
    return (int)uc_emu_start(mc->uc, EMU64_STUB_ADDR, EMU64_UNTIL, 0, 0);
}
