/* tests/emu/test_unicorn64.c - what an x86-64 engine may rely on in Unicorn 2.0.1's 64-bit mode
 * (UC_MODE_64), measured before the engine is built: ring-3 entry, 4-level paging with the
 * tables in a reserved range, #PF in UC_HOOK_INTR and the old_exception fix-up, which TLB
 * flushes work, syscall/int 0x80/sysenter, FS and GS bases, non-canonical addresses, the FPU
 * and SSE state, and (printed, never asserted) the speed of a ring-3 loop.  Unicorn is driven
 * directly here; the only engine call is emu_selftest, for the 32-bit fix-up offsets.  Facts
 * and numbers: docs/emulation.md, "x86-64 mode (measured)"; ../shared/docs/unicorn-2.0.1.md. */
#include <criterion/criterion.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unicorn/unicorn.h>

#include "emu.h"

/* ---- the machine's layout --------------------------------------------------------------- */
/* Engine range: GDT, CPL0 stub and kernel stack at a canonical kernel address (PML4 slot 511),
 * mapped with uc_mem_map_ptr at that address (2.0.1 identity-maps virtual to Unicorn memory). */
#define KVIRT 0xFFFFFF8000000000ull
#define KSIZE 0x4000u
#define GDT_VA KVIRT
#define STUB_VA (KVIRT + 0x1000u)
#define KCODE_VA (KVIRT + 0x1100u) /* CPL0 snippets run between ring-3 runs */
#define KSTACK_TOP (KVIRT + 0x4000u)
#define UNTIL_VA (KVIRT + 0x3FF0u) /* uc_emu_start's `until`: never executed */
#define FLUSH_VA (KVIRT + 0x10000u) /* toggled with uc_mem_protect to flush the TLB */
/* The page tables: the walker reads them at their physical address, which must stay below
 * 2^40 (bits 40..51 of a table pointer are reserved bits: qemu/target/i386/cpu.h,
 * TCG_PHYS_ADDR_BITS 40), so they sit in the last 4 GiB below 1 TiB, a range Linux's
 * top-down mmap never reaches; the engine must refuse guest mappings there. */
#define PT_PHYS 0xFF00000000ull
#define PT_PAGES 64u
/* Guest memory, per region at Linux x86-64 addresses. */
#define TEXT 0x400000ull
#define DATA 0x401000ull
#define IMG_SIZE 0x10000u
#define STACK_LO 0x7ffffffde000ull
#define STACK_SIZE 0x21000u
#define USER_RSP 0x7fffffffe000ull
#define FLUSH_PAGE_VA 0x405000ull /* the page the flush tests downgrade */

/* Page-table entry bits (SDM vol. 3A, 4.5, tables 4-15..4-20). */
#define PG_P 0x001ull
#define PG_W 0x002ull
#define PG_U 0x004ull
#define PG_A 0x020ull
#define PG_D 0x040ull
#define PG_FRAME 0x000FFFFFFFFFF000ull
/* #PF error code bits (SDM vol. 3A, 4.7). */
#define EC_P 1u
#define EC_W 2u
#define EC_U 4u
#define EC_RSVD 8u

/* Linux x86-64's GDT (arch/x86/include/asm/segment.h): 1 kernel 32-bit code, 2 kernel code
 * (L=1), 3 kernel data, 4 user 32-bit code, 5 user data, 6 user code (L=1).  Base 0, limit
 * 0xFFFFF pages; type accessed; flags nibble 0xA = G|L (64-bit code), 0xC = G|D. */
static const uint64_t gdt_init[7] = {
    0,
    0x00CF9B000000FFFFull, /* 0x08 __KERNEL32_CS */
    0x00AF9B000000FFFFull, /* 0x10 __KERNEL_CS: P, DPL0, code, L */
    0x00CF93000000FFFFull, /* 0x18 __KERNEL_DS */
    0x00CFFB000000FFFFull, /* 0x23 __USER32_CS */
    0x00CFF3000000FFFFull, /* 0x2B __USER_DS: P, DPL3, data, writable */
    0x00AFFB000000FFFFull, /* 0x33 __USER_CS: P, DPL3, code, L */
};
#define SEL_UCODE 0x33u
#define SEL_UDATA 0x2Bu

/* Control registers as Linux runs user code: CR0 = PE|MP|ET|NE|WP|AM|PG, CR4 = PAE|OSFXSR|
 * OSXMMEXCPT, EFER = LME|LMA.  Linux also sets EFER.SCE and NXE; Unicorn 2.0.1 drops both
 * (EFER_LINUX below), and syscall works without SCE. */
#define CR0_VAL 0x80050033ull
#define CR4_VAL 0x620ull
#define EFER_VAL 0x500ull
#define EFER_LINUX 0xD01ull
#define PG_NX (1ull << 63)
#define MSR_EFER 0xC0000080u

/* The documented 32-bit old_exception offset (unicorn-2.0.1.md section 3). */
#define OLD_EXC_HINT (16 + 5464)

/* ---- guest code (assembled with GNU as, Intel syntax; offsets from the start) ---------- */
static const uint8_t stub[] = {
    0x6A, 0x2B, /* +0x0: push 0x2b */
    0x53, /* +0x2: push rbx */
    0x68, 0x02, 0x02, 0x00, 0x00, /* +0x3: push 0x202 */
    0x6A, 0x33, /* +0x8: push 0x33 */
    0x51, /* +0xa: push rcx */
    0x31, 0xDB, /* +0xb: xor ebx,ebx */
    0x31, 0xC9, /* +0xd: xor ecx,ecx */
    0x48, 0xCF, /* +0xf: iretq */
};
static const uint8_t cpl_probe[] = {
    /* +0x0: movabs rdx,0xffffff8000000000 */
    0x48, 0xBA, 0x00, 0x00, 0x00, 0x00, 0x80, 0xFF, 0xFF, 0xFF,
    0x48, 0x8B, 0x02, /* +0xa: mov rax,qword ptr [rdx] */
    0xB8, 0x3C, 0x00, 0x00, 0x00, /* +0xd: mov eax,0x3c */
    0x0F, 0x05, /* +0x12: syscall */
};
static const uint8_t fault_probe[] = {
    0x8B, 0x04, 0x25, 0x00, 0x20, 0x40, 0x00, /* +0x0: mov eax,dword ptr ds:0x402000 */
    0x89, 0x04, 0x25, 0x00, 0x30, 0x40, 0x00, /* +0x7: mov dword ptr ds:0x403000,eax */
    0x89, 0x04, 0x25, 0x00, 0x20, 0x40, 0x00, /* +0xe: mov dword ptr ds:0x402000,eax */
    0x8B, 0x04, 0x25, 0x00, 0x40, 0x40, 0x00, /* +0x15: mov eax,dword ptr ds:0x404000 */
    0xB8, 0x2A, 0x00, 0x00, 0x00, /* +0x1c: mov eax,0x2a */
    0x0F, 0x05, /* +0x21: syscall */
};
static const uint8_t rsvd_probe[] = {
    /* +0x0: movabs rdx,0x7ffffffdf000 */
    0x48, 0xBA, 0x00, 0xF0, 0xFD, 0xFF, 0xFF, 0x7F, 0x00, 0x00,
    0x48, 0x8B, 0x02, /* +0xa: mov rax,qword ptr [rdx] */
    0x49, 0x89, 0xC0, /* +0xd: mov r8,rax */
    0xB8, 0x3C, 0x00, 0x00, 0x00, /* +0x10: mov eax,0x3c */
    0x0F, 0x05, /* +0x15: syscall */
};
static const uint8_t flush_read[] = {
    0xBB, 0x00, 0x50, 0x40, 0x00, /* +0x0: mov ebx,0x405000 */
    0x48, 0x8B, 0x03, /* +0x5: mov rax,qword ptr [rbx] */
    0x0F, 0x05, /* +0x8: syscall */
    0x48, 0x8B, 0x03, /* +0xa: mov rax,qword ptr [rbx] */
    0xB8, 0x3C, 0x00, 0x00, 0x00, /* +0xd: mov eax,0x3c */
    0x0F, 0x05, /* +0x12: syscall */
};
static const uint8_t flush_write[] = {
    0xBB, 0x00, 0x50, 0x40, 0x00, /* +0x0: mov ebx,0x405000 */
    0x48, 0x89, 0x03, /* +0x5: mov qword ptr [rbx],rax */
    0x0F, 0x05, /* +0x8: syscall */
    0x48, 0x89, 0x03, /* +0xa: mov qword ptr [rbx],rax */
    0xB8, 0x3C, 0x00, 0x00, 0x00, /* +0xd: mov eax,0x3c */
    0x0F, 0x05, /* +0x12: syscall */
};
static const uint8_t sys_probe[] = {
    0xB9, 0x22, 0x22, 0x00, 0x00, /* +0x0: mov ecx,0x2222 */
    0x41, 0xBB, 0x11, 0x11, 0x00, 0x00, /* +0x5: mov r11d,0x1111 */
    0xB8, 0x27, 0x00, 0x00, 0x00, /* +0xb: mov eax,0x27 */
    0x0F, 0x05, /* +0x10: syscall */
    0x49, 0x89, 0xC4, /* +0x12: mov r12,rax */
    0x49, 0x89, 0xCD, /* +0x15: mov r13,rcx */
    0x4D, 0x89, 0xDE, /* +0x18: mov r14,r11 */
    0xB8, 0xE8, 0x03, 0x00, 0x00, /* +0x1b: mov eax,0x3e8 */
    0x0F, 0x05, /* +0x20: syscall */
    0x0F, 0x0B, /* +0x22: ud2 */
    0xB0, 0x01, /* +0x24: mov al,0x1 */
    0xB3, 0x02, /* +0x26: mov bl,0x2 */
    0x49, 0x89, 0xC0, /* +0x28: mov r8,rax */
    0x49, 0x89, 0xD9, /* +0x2b: mov r9,rbx */
    0xB8, 0x14, 0x00, 0x00, 0x00, /* +0x2e: mov eax,0x14 */
    0xCD, 0x80, /* +0x33: int 0x80 */
    0x48, 0x89, 0xC5, /* +0x35: mov rbp,rax */
    0x0F, 0x34, /* +0x38: sysenter */
    0x41, 0xBA, 0x07, 0x00, 0x00, 0x00, /* +0x3a: mov r10d,0x7 */
    0xB8, 0x3C, 0x00, 0x00, 0x00, /* +0x40: mov eax,0x3c */
    0x0F, 0x05, /* +0x45: syscall */
};
static const uint8_t fs_probe[] = {
    0x64, 0x4C, 0x8B, 0x14, 0x25, 0x00, 0x00, 0x00, 0x00, /* +0x0: mov r10,qword ptr fs:0x0 */
    0xB8, 0x9E, 0x00, 0x00, 0x00, /* +0x9: mov eax,0x9e */
    0x0F, 0x05, /* +0xe: syscall */
    0x64, 0x48, 0x8B, 0x04, 0x25, 0x08, 0x00, 0x00, 0x00, /* +0x10: mov rax,qword ptr fs:0x8 */
    0x49, 0x89, 0xC0, /* +0x19: mov r8,rax */
    0x65, 0x48, 0x8B, 0x04, 0x25, 0x10, 0x00, 0x00, 0x00, /* +0x1c: mov rax,qword ptr gs:0x10 */
    0x49, 0x89, 0xC1, /* +0x25: mov r9,rax */
    0xB8, 0x3C, 0x00, 0x00, 0x00, /* +0x28: mov eax,0x3c */
    0x0F, 0x05, /* +0x2d: syscall */
};
static const uint8_t noncanon_load[] = {
    /* +0x0: movabs rdx,0x800000000000 */
    0x48, 0xBA, 0x00, 0x00, 0x00, 0x00, 0x00, 0x80, 0x00, 0x00,
    0x48, 0x8B, 0x02, /* +0xa: mov rax,qword ptr [rdx] */
};
static const uint8_t noncanon_jump[] = {
    /* +0x0: movabs rdx,0x800000000000 */
    0x48, 0xBA, 0x00, 0x00, 0x00, 0x00, 0x00, 0x80, 0x00, 0x00,
    0xFF, 0xE2, /* +0xa: jmp rdx */
};
static const uint8_t kernel_unmapped[] = {
    /* +0x0: movabs rdx,0xffff800000000000 */
    0x48, 0xBA, 0x00, 0x00, 0x00, 0x00, 0x00, 0x80, 0xFF, 0xFF,
    0x48, 0x8B, 0x02, /* +0xa: mov rax,qword ptr [rdx] */
};
static const uint8_t fpu_probe[] = {
    0xBB, 0x00, 0x10, 0x40, 0x00, /* +0x0: mov ebx,0x401000 */
    0xD9, 0x3B, /* +0x5: fnstcw word ptr [rbx] */
    0x0F, 0xAE, 0x5B, 0x04, /* +0x7: stmxcsr dword ptr [rbx+0x4] */
    0x0F, 0x28, 0x43, 0x10, /* +0xb: movaps xmm0,xmmword ptr [rbx+0x10] */
    0x0F, 0x58, 0xC0, /* +0xf: addps xmm0,xmm0 */
    0x0F, 0x29, 0x43, 0x20, /* +0x12: movaps xmmword ptr [rbx+0x20],xmm0 */
    0xD9, 0xE8, /* +0x16: fld1 */
    0xD8, 0xC0, /* +0x18: fadd st,st(0) */
    0xDD, 0x5B, 0x30, /* +0x1a: fstp qword ptr [rbx+0x30] */
    0xB8, 0x3C, 0x00, 0x00, 0x00, /* +0x1d: mov eax,0x3c */
    0x0F, 0x05, /* +0x22: syscall */
};
static const uint8_t speed_loop[] = {
    0xBB, 0x00, 0x10, 0x40, 0x00, /* +0x0: mov ebx,0x401000 */
    0xB9, 0x40, 0x78, 0x7D, 0x01, /* +0x5: mov ecx,0x17d7840 */
    0x48, 0x03, 0x03, /* +0xa: add rax,qword ptr [rbx] */
    0xE2, 0xFB, /* +0xd: loop 0xa */
    0xB8, 0x3C, 0x00, 0x00, 0x00, /* +0xf: mov eax,0x3c */
    0x0F, 0x05, /* +0x14: syscall */
};
static const uint8_t lazy_probe[] = {
    /* +0x0: movabs rdx,0x7f0000001000 */
    0x48, 0xBA, 0x00, 0x10, 0x00, 0x00, 0x00, 0x7F, 0x00, 0x00,
    0x48, 0x8B, 0x02, /* +0xa: mov rax,qword ptr [rdx] */
    0x49, 0x89, 0xC0, /* +0xd: mov r8,rax */
    0xB8, 0x3C, 0x00, 0x00, 0x00, /* +0x10: mov eax,0x3c */
    0x0F, 0x05, /* +0x15: syscall */
};
static const uint8_t nx_probe[] = {
    0xBB, 0x00, 0x50, 0x40, 0x00, /* +0x0: mov ebx,0x405000 */
    0x48, 0x8B, 0x03, /* +0x5: mov rax,qword ptr [rbx] */
    0x49, 0x89, 0xC0, /* +0x8: mov r8,rax */
    0xB8, 0x3C, 0x00, 0x00, 0x00, /* +0xb: mov eax,0x3c */
    0x0F, 0x05, /* +0x10: syscall */
};
static const uint8_t kread[] = {
    0x48, 0x8B, 0x03, /* +0x0: mov rax,qword ptr [rbx] */
};
static const uint8_t kcr3[] = {
    0x0F, 0x20, 0xD8, /* +0x0: mov rax,cr3 */
    0x0F, 0x22, 0xD8, /* +0x3: mov cr3,rax */
    0x48, 0x8B, 0x03, /* +0x6: mov rax,qword ptr [rbx] */
};

/* ---- the machine and its hooks ---------------------------------------------------------- */
#define MAX_EXC 16u
#define MAX_SYS 8u
struct m64 {
    uc_engine *uc;
    uint8_t *kmem, *ptmem;
    unsigned pt_used;       /* table pages handed out (page 0 is the PML4) */
    uint64_t next_frame;    /* fake frame numbers for leaves: below 2^40, never used */
    uc_context *ctx;
    size_t ctx_size;
    long old_off, ec_off;   /* fix-up offsets in the context blob; -1 = not applied */
    uint8_t *blobs[4];      /* the context at the first four exceptions, when set */
    /* what the hooks saw */
    unsigned nexc, nsys;
    struct exc_rec {
        uint32_t intno, ec;
        uint64_t rip, cr2, cs, ss;
    } exc[MAX_EXC];
    struct sys_rec {
        uint64_t rax, rip, rcx, r11;
    } sys[MAX_SYS];
    bool exited;            /* the guest's exit (syscall 60) */
    /* the test's behaviour: return true to continue after an exception, false to stop */
    bool (*on_exc)(struct m64 *m, uint32_t intno, uint64_t cr2, uint32_t ec);
    void (*on_syscall)(struct m64 *m, uint64_t rax);
    int flush_method;
    bool downgrade_write;
    uint64_t mem_accesses;
};

#define UC_OK(call)                                                                              \
    do {                                                                                         \
        uc_err e_ = (call);                                                                      \
        cr_assert_eq(e_, UC_ERR_OK, "%s: %s", #call, uc_strerror(e_));                           \
    } while (0)

/* The leaf PTE slot of va, allocating the upper levels (P|W|U: the leaf decides). */
static uint64_t *pte_slot(struct m64 *m, uint64_t va)
{
    uint64_t *tab = (uint64_t *)m->ptmem;
    for (int level = 3; level > 0; level--) {
        unsigned idx = (unsigned)(va >> (12 + 9 * level)) & 511u;
        if (!(tab[idx] & PG_P)) {
            cr_assert_lt(m->pt_used, PT_PAGES, "out of page-table pages");
            tab[idx] = (PT_PHYS + 4096ull * m->pt_used++) | PG_P | PG_W | PG_U;
        }
        tab = (uint64_t *)(m->ptmem + ((tab[idx] & PG_FRAME) - PT_PHYS));
    }
    return &tab[(va >> 12) & 511u];
}

/* Maps the page at va with flags and a fresh fake frame (below 2^40; 2.0.1 ignores it). */
static void map_page(struct m64 *m, uint64_t va, uint64_t flags)
{
    *pte_slot(m, va) = (m->next_frame++ << 12) | flags;
}

/* The old_exception fix-up (unicorn-2.0.1.md section 3) and the error code from the blob. */
static uint32_t fixup(struct m64 *m)
{
    if (uc_context_save(m->uc, m->ctx) != UC_ERR_OK)
        return 0;
    uint8_t *blob = (uint8_t *)m->ctx;
    if (m->nexc < 4 && m->blobs[m->nexc])
        memcpy(m->blobs[m->nexc], blob, m->ctx_size);
    uint32_t ec = 0;
    if (m->ec_off >= 0)
        memcpy(&ec, blob + m->ec_off, 4);
    if (m->old_off >= 0) {
        int32_t none = -1;
        memcpy(blob + m->old_off, &none, 4);
        uc_context_restore(m->uc, m->ctx);
    }
    return ec;
}

/* A register (0 when Unicorn refuses). */
static uint64_t reg(struct m64 *m, int id)
{
    uint64_t v = 0;
    uc_reg_read(m->uc, id, &v);
    return v;
}

/* Writes a register (checked by what the guest then does). */
static void set_reg(struct m64 *m, int id, uint64_t v)
{
    uc_reg_write(m->uc, id, &v);
}

/* Records the exception, then lets the test decide (default: stop). */
static void hook_intr(uc_engine *uc, uint32_t intno, void *user)
{
    struct m64 *m = user;
    uint32_t ec = intno == 0x80 ? 0 : fixup(m);
    uint64_t cr2 = reg(m, UC_X86_REG_CR2);
    if (m->nexc < MAX_EXC)
        m->exc[m->nexc] = (struct exc_rec){intno, ec, reg(m, UC_X86_REG_RIP), cr2,
                                           reg(m, UC_X86_REG_CS), reg(m, UC_X86_REG_SS)};
    m->nexc++;
    if (m->nexc > MAX_EXC || !m->on_exc || !m->on_exc(m, intno, cr2, ec))
        uc_emu_stop(uc);
}

/* Records the system call; 60 (exit) stops the run, others go to the test. */
static void hook_syscall(uc_engine *uc, void *user)
{
    struct m64 *m = user;
    uint64_t rax = reg(m, UC_X86_REG_RAX);
    if (m->nsys < MAX_SYS)
        m->sys[m->nsys] = (struct sys_rec){rax, reg(m, UC_X86_REG_RIP), reg(m, UC_X86_REG_RCX),
                                           reg(m, UC_X86_REG_R11)};
    m->nsys++;
    if (rax == 60 || m->nsys > 64) {
        m->exited = rax == 60;
        uc_emu_stop(uc);
    } else if (m->on_syscall) {
        m->on_syscall(m, rax);
    }
}

/* Opens a 64-bit machine with paging on, at CPL0 (the stub enters ring 3): text (read-only),
 * one data page and the stack mapped user; the engine range supervisor. */
static void m64_open(struct m64 *m)
{
    memset(m, 0, sizeof *m);
    m->old_off = m->ec_off = -1;
    m->next_frame = 0x100;
    m->pt_used = 1;
    m->kmem = aligned_alloc(4096, KSIZE);
    m->ptmem = aligned_alloc(4096, PT_PAGES * 4096u);
    cr_assert(m->kmem && m->ptmem);
    memset(m->kmem, 0, KSIZE);
    memset(m->ptmem, 0, PT_PAGES * 4096u);
    UC_OK(uc_open(UC_ARCH_X86, UC_MODE_64, &m->uc));
    UC_OK(uc_mem_map_ptr(m->uc, KVIRT, KSIZE, UC_PROT_ALL, m->kmem));
    UC_OK(uc_mem_map_ptr(m->uc, PT_PHYS, PT_PAGES * 4096u, UC_PROT_ALL, m->ptmem));
    UC_OK(uc_mem_map(m->uc, FLUSH_VA, 4096, UC_PROT_ALL));
    UC_OK(uc_mem_map(m->uc, TEXT, IMG_SIZE, UC_PROT_ALL));
    UC_OK(uc_mem_map(m->uc, STACK_LO, STACK_SIZE, UC_PROT_ALL));

    memcpy(m->kmem, gdt_init, sizeof gdt_init);
    memcpy(m->kmem + (STUB_VA - KVIRT), stub, sizeof stub);
    for (uint64_t va = KVIRT; va < KVIRT + KSIZE; va += 4096)
        map_page(m, va, PG_P | PG_W);
    map_page(m, TEXT, PG_P | PG_U);
    map_page(m, DATA, PG_P | PG_W | PG_U);
    for (uint64_t va = STACK_LO; va < STACK_LO + STACK_SIZE; va += 4096)
        map_page(m, va, PG_P | PG_W | PG_U);

    uc_x86_msr efer = {.rid = MSR_EFER, .value = EFER_VAL};
    uc_x86_mmr gdtr = {.base = GDT_VA, .limit = sizeof gdt_init - 1};
    uint64_t cr3 = PT_PHYS, cr4 = CR4_VAL, cr0 = CR0_VAL;
    UC_OK(uc_reg_write(m->uc, UC_X86_REG_MSR, &efer));
    UC_OK(uc_reg_write(m->uc, UC_X86_REG_CR4, &cr4));
    UC_OK(uc_reg_write(m->uc, UC_X86_REG_CR3, &cr3));
    UC_OK(uc_reg_write(m->uc, UC_X86_REG_CR0, &cr0));
    UC_OK(uc_reg_write(m->uc, UC_X86_REG_GDTR, &gdtr));
    uc_hook h;
    UC_OK(uc_hook_add(m->uc, &h, UC_HOOK_INTR, (void *)hook_intr, m, 1, 0));
    UC_OK(uc_hook_add(m->uc, &h, UC_HOOK_INSN, (void *)hook_syscall, m, 1, 0, UC_X86_INS_SYSCALL));
    UC_OK(uc_context_alloc(m->uc, &m->ctx));
    m->ctx_size = uc_context_size(m->uc);
}

/* Frees the machine (its engine, host buffers and context). */
static void m64_close(struct m64 *m)
{
    if (m->ctx)
        uc_context_free(m->ctx);
    if (m->uc)
        uc_close(m->uc);
    free(m->kmem);
    free(m->ptmem);
    memset(m, 0, sizeof *m);
}

/* Enters ring 3 at TEXT (code copied there) through the CPL0 stub: RBX = user RSP, RCX = user
 * RIP; the stub pushes SS, RSP, RFLAGS, CS, RIP and does iretq. */
static uc_err m64_run(struct m64 *m, const uint8_t *code, size_t len)
{
    UC_OK(uc_mem_write(m->uc, TEXT, code, len));
    set_reg(m, UC_X86_REG_RSP, KSTACK_TOP);
    set_reg(m, UC_X86_REG_RBX, USER_RSP);
    set_reg(m, UC_X86_REG_RCX, TEXT);
    return uc_emu_start(m->uc, STUB_VA, UNTIL_VA, 2000000, 0);
}

/* Runs a CPL0 snippet at KCODE_VA to its end (the machine must still be at CPL0). */
static uc_err m64_run_kernel(struct m64 *m, const uint8_t *code, size_t len)
{
    UC_OK(uc_mem_write(m->uc, KCODE_VA, code, len));
    set_reg(m, UC_X86_REG_RSP, KSTACK_TOP);
    return uc_emu_start(m->uc, KCODE_VA, KCODE_VA + len, 0, 0);
}

/* ---- the fix-up self-test, as emu_machine.c does it for i386 ------------------------------
 * fault_probe takes four #PFs with known error codes: read of a not-present page (U = 4),
 * write of a not-present page (W|U = 6), write of a read-only page (P|W|U = 7), read of a
 * not-present page (4); then syscall with RAX = 42. */
static const uint64_t probe_cr2[4] = {0x402000, 0x403000, 0x402000, 0x404000};
static const uint32_t probe_ec[4] = {EC_U, EC_W | EC_U, EC_P | EC_W | EC_U, EC_U};
static const uint64_t probe_rip[4] = {TEXT + 0x0, TEXT + 0x7, TEXT + 0xe, TEXT + 0x15};

/* fault_probe's faults: read-only for the reads, writable for the writes. */
static bool probe_exc(struct m64 *m, uint32_t intno, uint64_t cr2, uint32_t ec)
{
    (void)ec;
    unsigned i = m->nexc - 1;
    if (intno != 14 || i >= 4 || cr2 != probe_cr2[i])
        return false;
    map_page(m, cr2, PG_P | PG_U | (i == 0 || i == 3 ? 0 : PG_W));
    return true;
}

/* One probe run with the fix-up at old_off (-1: none).  capture: m->blobs get the contexts
 * at the first four exceptions (freed by probe_free_blobs). */
static void probe_run(struct m64 *m, long old_off, long ec_off, bool capture)
{
    m64_open(m);
    m->old_off = old_off;
    m->ec_off = ec_off;
    for (int i = 0; i < 4 && capture; i++)
        cr_assert_not_null(m->blobs[i] = calloc(1, m->ctx_size));
    m->on_exc = probe_exc;
    m64_run(m, fault_probe, sizeof fault_probe);
}

static void probe_free_blobs(uint8_t *blobs[4])
{
    for (int i = 0; i < 4; i++) {
        free(blobs[i]);
        blobs[i] = NULL;
    }
}

/* The probe saw four #PFs and reached its system call. */
static bool probe_ok(const struct m64 *m)
{
    return m->nexc == 4 && m->exited == false && m->nsys == 1 && m->sys[0].rax == 42;
}

/* Finds the old_exception and error_code offsets by the i386 engine's method: the int32 that
 * reads 14 at the first fault and whose reset makes all four faults arrive as #PF (the
 * documented offset tried first), and the int32 that reads 4, 6, 7, 4. */
static void find_offsets(long *old_off, long *ec_off, unsigned *ncand_tried)
{
    struct m64 m;
    uint8_t *blobs[4];
    probe_run(&m, -1, -1, true);
    size_t size = m.ctx_size;
    bool needs_fixup = !probe_ok(&m);
    memcpy(blobs, m.blobs, sizeof blobs);
    m64_close(&m);
    *old_off = -1;
    *ncand_tried = 0;
    for (long pass = 0; pass < 2 && needs_fixup && *old_off < 0; pass++) {
        for (long o = 0; o + 4 <= (long)size && *old_off < 0; o += 4) {
            int32_t v;
            memcpy(&v, blobs[0] + o, 4);
            if (v != 14 || (pass == 0) != (o == OLD_EXC_HINT))
                continue;
            ++*ncand_tried;
            probe_run(&m, o, -1, true);
            if (probe_ok(&m)) { /* the error codes come from the run that saw all four */
                *old_off = o;
                probe_free_blobs(blobs);
                memcpy(blobs, m.blobs, sizeof blobs);
            } else {
                probe_free_blobs(m.blobs);
            }
            m64_close(&m);
        }
    }
    *ec_off = -1;
    for (long o = 0; o + 4 <= (long)size && *ec_off < 0 && blobs[3]; o += 4) {
        bool ok = true;
        for (int i = 0; i < 4 && ok; i++) {
            uint32_t v;
            memcpy(&v, blobs[i] + o, 4);
            ok = v == probe_ec[i];
        }
        if (ok)
            *ec_off = o;
    }
    probe_free_blobs(blobs);
}

/* A machine with the fix-up offsets found by the self-test. */
static void m64_open_fixed(struct m64 *m)
{
    long old_off, ec_off;
    unsigned n;
    find_offsets(&old_off, &ec_off, &n);
    cr_assert_geq(ec_off, 0, "no error_code offset found");
    m64_open(m);
    m->old_off = old_off;
    m->ec_off = ec_off;
}

/* Monotonic seconds. */
static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* ---- a. ring 3 ------------------------------------------------------------------------- */

static bool stop_exc(struct m64 *m, uint32_t intno, uint64_t cr2, uint32_t ec)
{
    (void)m, (void)intno, (void)cr2, (void)ec;
    return false;
}

Test(unicorn64, iretq_from_a_cpl0_stub_enters_ring3)
{
    struct m64 m;
    m64_open(&m);
    m.on_exc = stop_exc;
    uc_err e = m64_run(&m, cpl_probe, sizeof cpl_probe);
    cr_assert_eq(e, UC_ERR_OK, "%s", uc_strerror(e));
    /* the read of the supervisor GDT page faults: CPL 3 */
    cr_assert_eq(m.nexc, 1);
    cr_assert_eq(m.exc[0].intno, 14);
    cr_assert_eq(m.exc[0].cr2, KVIRT);
    cr_assert_eq(m.exc[0].rip, TEXT + 0xa);
    cr_assert_eq(m.exc[0].cs, SEL_UCODE);
    cr_assert_eq(m.exc[0].ss, SEL_UDATA);
    cr_assert_eq(reg(&m, UC_X86_REG_RSP), USER_RSP);
    uc_x86_msr efer = {.rid = MSR_EFER};
    UC_OK(uc_reg_read(m.uc, UC_X86_REG_MSR, &efer));
    cr_assert_eq(efer.value, EFER_VAL);
    m64_close(&m);
}

Test(unicorn64, writing_cs_and_ss_directly_does_not_leave_cpl0)
{
    struct m64 m;
    m64_open(&m);
    m.on_exc = stop_exc;
    /* In UC_MODE_64 uc_reg_write(CS/SS) stores the selector only (no descriptor load, no CPL
     * change): the supervisor page stays readable. */
    set_reg(&m, UC_X86_REG_CS, SEL_UCODE);
    set_reg(&m, UC_X86_REG_SS, SEL_UDATA);
    set_reg(&m, UC_X86_REG_RSP, USER_RSP);
    UC_OK(uc_mem_write(m.uc, TEXT, cpl_probe, sizeof cpl_probe));
    uc_err e = uc_emu_start(m.uc, TEXT, UNTIL_VA, 2000000, 0);
    cr_assert_eq(e, UC_ERR_OK, "%s", uc_strerror(e));
    cr_assert_eq(m.nexc, 0, "a fault (intno %u): the direct write did reach CPL 3",
                 m.exc[0].intno);
    cr_assert(m.exited);
    cr_assert_eq(reg(&m, UC_X86_REG_CS), SEL_UCODE);
    m64_close(&m);
}

/* ---- b. 4-level tables in a reserved range, guest regions at 47-bit addresses -------------- */

static bool rsvd_exc(struct m64 *m, uint32_t intno, uint64_t cr2, uint32_t ec)
{
    (void)ec;
    if (intno != 14 || m->nexc > 3)
        return false;
    if (m->nexc == 3) /* the same reserved-bit fault came back twice: repair the frame */
        *pte_slot(m, cr2) = (m->next_frame++ << 12) | PG_P | PG_W | PG_U;
    return true;
}

Test(unicorn64, frame_is_ignored_but_must_stay_below_2_to_the_40)
{
    struct m64 m;
    m64_open_fixed(&m);
    m.on_exc = rsvd_exc;
    uint64_t va = 0x7ffffffdf000ull, val = 0x1122334455667788ull;
    /* the frame = the virtual address sets bits 40..46: reserved bits */
    *pte_slot(&m, va) = va | PG_P | PG_W | PG_U;
    UC_OK(uc_mem_write(m.uc, va, &val, sizeof val));
    uc_err e = m64_run(&m, rsvd_probe, sizeof rsvd_probe);
    cr_assert_eq(e, UC_ERR_OK, "%s", uc_strerror(e));
    cr_assert_eq(m.nexc, 3, "reserved-bit faults: %u", m.nexc);
    for (unsigned i = 0; i < 3; i++) {
        cr_assert_eq(m.exc[i].intno, 14);
        cr_assert_eq(m.exc[i].cr2, va);
        cr_assert_eq(m.exc[i].rip, TEXT + 0xa);
        cr_assert_eq(m.exc[i].ec, EC_RSVD | EC_P | EC_U, "ec 0x%x", m.exc[i].ec);
    }
    cr_assert(m.exited);
    /* the frame written (0x1xx000) is not where the data is: the access went to va */
    cr_assert_eq(reg(&m, UC_X86_REG_R8), val);
    uint64_t pte = *pte_slot(&m, va);
    cr_assert_lt(pte & PG_FRAME, 1ull << 40);
    cr_assert(pte & PG_A, "A set in the leaf");
    cr_assert_not(pte & PG_D, "D stays clear on a read");
    /* A is set in every level of the walk */
    uint64_t *tab = (uint64_t *)m.ptmem;
    for (int level = 3; level > 0; level--) {
        uint64_t e4 = tab[(va >> (12 + 9 * level)) & 511u];
        cr_assert(e4 & PG_A, "A at level %d", level + 1);
        tab = (uint64_t *)(m.ptmem + ((e4 & PG_FRAME) - PT_PHYS));
    }
    m64_close(&m);
}

/* Clears the XD bit of the faulting page (once). */
static bool nx_exc(struct m64 *m, uint32_t intno, uint64_t cr2, uint32_t ec)
{
    (void)ec;
    if (intno != 14 || m->nexc > 1)
        return false;
    *pte_slot(m, cr2) &= ~PG_NX;
    return true;
}

Test(unicorn64, efer_nxe_cannot_be_set_so_the_xd_bit_is_reserved)
{
    struct m64 m;
    m64_open(&m);
    m.on_exc = nx_exc;
    uc_x86_msr efer = {.rid = MSR_EFER, .value = EFER_LINUX};
    UC_OK(uc_reg_write(m.uc, UC_X86_REG_MSR, &efer));
    efer.value = 0;
    UC_OK(uc_reg_read(m.uc, UC_X86_REG_MSR, &efer));
    cr_assert_eq(efer.value, EFER_VAL, "SCE and NXE are dropped: EFER 0x%lx",
                 (unsigned long)efer.value);
    uint64_t val = 77;
    map_page(&m, FLUSH_PAGE_VA, PG_P | PG_W | PG_U | PG_NX);
    UC_OK(uc_mem_write(m.uc, FLUSH_PAGE_VA, &val, sizeof val));
    uc_err e = m64_run(&m, nx_probe, sizeof nx_probe);
    cr_assert_eq(e, UC_ERR_OK, "%s", uc_strerror(e));
    cr_assert_eq(m.nexc, 1, "a data read of an XD page faults once (reserved bit)");
    cr_assert_eq(m.exc[0].intno, 14);
    cr_assert_eq(m.exc[0].cr2, FLUSH_PAGE_VA);
    cr_assert(m.exited);
    cr_assert_eq(reg(&m, UC_X86_REG_R8), val);
    m64_close(&m);
}

/* ---- c. #PF in UC_HOOK_INTR and the old_exception fix-up ------------------------------------ */

Test(unicorn64, second_page_fault_is_a_double_fault_without_the_fixup)
{
    struct m64 m;
    probe_run(&m, -1, -1, false);
    cr_assert_geq(m.nexc, 2);
    cr_assert_eq(m.exc[0].intno, 14);
    cr_assert_eq(m.exc[1].intno, 8, "second exception: intno %u", m.exc[1].intno);
    m64_close(&m);
}

Test(unicorn64, page_faults_retry_with_the_32bit_fixup_offset)
{
    long old_off, ec_off;
    unsigned ntried;
    find_offsets(&old_off, &ec_off, &ntried);
    long old32 = -2, ec32 = -2;
    char err[512];
    cr_assert_eq(emu_selftest(&old32, &ec32, err, sizeof err), 0, "%s", err);
    printf("unicorn64: old_exception offset %ld (UC_MODE_32: %ld, %u candidate(s) tried), "
           "error_code offset %ld (UC_MODE_32: %ld)\n",
           old_off, old32, ntried, ec_off, ec32);
    fflush(stdout);
    cr_assert_eq(old_off, OLD_EXC_HINT);
    cr_assert_eq(old_off, old32);
    cr_assert_eq(ec_off, ec32);

    struct m64 m;
    probe_run(&m, old_off, ec_off, false);
    cr_assert(probe_ok(&m));
    for (unsigned i = 0; i < 4; i++) {
        cr_assert_eq(m.exc[i].intno, 14);
        cr_assert_eq(m.exc[i].cr2, probe_cr2[i]);
        cr_assert_eq(m.exc[i].rip, probe_rip[i], "fault %u at 0x%lx", i,
                     (unsigned long)m.exc[i].rip);
        cr_assert_eq(m.exc[i].ec, probe_ec[i], "fault %u: ec %u", i, m.exc[i].ec);
    }
    /* the write fault's retry set D */
    cr_assert(*pte_slot(&m, 0x403000) & PG_D);
    m64_close(&m);
}

/* ---- d. TLB flush after a downgrade ------------------------------------------------------ */
/* uc_ctl_flush_tlb is not tried: it flushes translated code only (unicorn-2.0.1.md section
 * 4), crashes the process when called inside a hook, and costs 50-150 ms per call (the first
 * up to seconds) in 64-bit mode: too slow for a test. */
enum { FLUSH_NONE, FLUSH_PROTECT, FLUSH_CR3_WRITE, FLUSH_N };
static const char *const flush_name[FLUSH_N] = {"none", "uc_mem_protect toggle",
                                                "uc_reg_write(CR3)"};

/* Drops Unicorn's TLB by m->flush_method (from inside a hook). */
static void flush(struct m64 *m)
{
    uint64_t cr3 = PT_PHYS;
    switch (m->flush_method) {
    case FLUSH_PROTECT:
        uc_mem_protect(m->uc, FLUSH_VA, 4096, UC_PROT_READ);
        uc_mem_protect(m->uc, FLUSH_VA, 4096, UC_PROT_ALL);
        break;
    case FLUSH_CR3_WRITE:
        uc_reg_write(m->uc, UC_X86_REG_CR3, &cr3);
        break;
    default:
        break;
    }
}

/* The first system call: clears P (or W) of FLUSH_PAGE_VA, then flushes. */
static void downgrade_syscall(struct m64 *m, uint64_t rax)
{
    (void)rax;
    uint64_t *pte = pte_slot(m, FLUSH_PAGE_VA);
    *pte &= m->downgrade_write ? ~PG_W : ~PG_P;
    flush(m);
}

/* A #PF on FLUSH_PAGE_VA: makes it present and writable again (retried). */
static bool restore_exc(struct m64 *m, uint32_t intno, uint64_t cr2, uint32_t ec)
{
    (void)ec;
    if (intno != 14 || cr2 != FLUSH_PAGE_VA || m->nexc > 2)
        return false;
    *pte_slot(m, cr2) |= PG_P | PG_W;
    return true;
}

/* The #PFs a re-access takes after the hook downgraded the page and flushed by method. */
static unsigned faults_after_downgrade(int method, bool write)
{
    struct m64 m;
    m64_open_fixed(&m);
    map_page(&m, FLUSH_PAGE_VA, PG_P | PG_W | PG_U);
    m.flush_method = method;
    m.downgrade_write = write;
    m.on_syscall = downgrade_syscall;
    m.on_exc = restore_exc;
    uc_err e = write ? m64_run(&m, flush_write, sizeof flush_write)
                     : m64_run(&m, flush_read, sizeof flush_read);
    cr_assert_eq(e, UC_ERR_OK, "%s", uc_strerror(e));
    cr_assert(m.exited, "method %s: the guest did not finish", flush_name[method]);
    unsigned n = m.nexc;
    if (n) {
        cr_assert_eq(m.exc[0].rip, TEXT + 0xa);
        cr_assert_eq(m.exc[0].ec, write ? EC_P | EC_W | EC_U : EC_U);
    }
    m64_close(&m);
    return n;
}

Test(unicorn64, only_the_mem_protect_toggle_flushes_from_a_hook)
{
    unsigned got[FLUSH_N][2];
    for (int meth = 0; meth < FLUSH_N; meth++)
        for (int w = 0; w < 2; w++)
            got[meth][w] = faults_after_downgrade(meth, w);
    for (int meth = 0; meth < FLUSH_N; meth++)
        printf("unicorn64: flush by %-22s: present->absent %s, writable->read-only %s\n",
               flush_name[meth], got[meth][0] ? "seen" : "NOT seen",
               got[meth][1] ? "seen" : "NOT seen");
    fflush(stdout);
    cr_assert_eq(got[FLUSH_NONE][0], 0);
    cr_assert_eq(got[FLUSH_NONE][1], 0);
    cr_assert_eq(got[FLUSH_PROTECT][0], 1);
    cr_assert_eq(got[FLUSH_PROTECT][1], 1);
    cr_assert_eq(got[FLUSH_CR3_WRITE][0], 0);
    cr_assert_eq(got[FLUSH_CR3_WRITE][1], 0);
}

Test(unicorn64, guest_mov_cr3_at_cpl0_flushes_and_costs_are_printed)
{
    struct m64 m;
    m64_open_fixed(&m);
    map_page(&m, FLUSH_PAGE_VA, PG_P | PG_W | PG_U);
    m.on_exc = stop_exc;
    set_reg(&m, UC_X86_REG_RBX, FLUSH_PAGE_VA);
    UC_OK(m64_run_kernel(&m, kread, sizeof kread)); /* the kernel's TLB entry */
    *pte_slot(&m, FLUSH_PAGE_VA) &= ~PG_P;
    set_reg(&m, UC_X86_REG_RBX, FLUSH_PAGE_VA);
    UC_OK(m64_run_kernel(&m, kread, sizeof kread));
    cr_assert_eq(m.nexc, 0, "stale entry expected before the flush");
    set_reg(&m, UC_X86_REG_RBX, FLUSH_PAGE_VA);
    m64_run_kernel(&m, kcr3, sizeof kcr3);
    cr_assert_eq(m.nexc, 1);
    cr_assert_eq(m.exc[0].intno, 14);
    cr_assert_eq(m.exc[0].cr2, FLUSH_PAGE_VA);
    cr_assert_eq(m.exc[0].ec, 0, "supervisor read of a not-present page");

    /* costs, outside a run (a hook pays the same for the toggle) */
    *pte_slot(&m, FLUSH_PAGE_VA) |= PG_P;
    const int n = 2000;
    double t0 = now_s();
    for (int i = 0; i < n; i++) {
        UC_OK(uc_mem_protect(m.uc, FLUSH_VA, 4096, UC_PROT_READ));
        UC_OK(uc_mem_protect(m.uc, FLUSH_VA, 4096, UC_PROT_ALL));
    }
    double t1 = now_s();
    for (int i = 0; i < n; i++) {
        set_reg(&m, UC_X86_REG_RBX, FLUSH_PAGE_VA);
        UC_OK(m64_run_kernel(&m, kcr3, sizeof kcr3));
    }
    double t2 = now_s();
    for (int i = 0; i < n; i++)
        set_reg(&m, UC_X86_REG_CR3, PT_PHYS);
    double t3 = now_s();
    printf("unicorn64: flush cost: uc_mem_protect toggle %.2f us, CPL0 `mov cr3` run %.2f us, "
           "uc_reg_write(CR3) %.3f us (no flush)\n",
           (t1 - t0) / n * 1e6, (t2 - t1) / n * 1e6, (t3 - t2) / n * 1e6);
    fflush(stdout);
    m64_close(&m);
}

/* ---- e. syscall, int 0x80, sysenter ------------------------------------------------------ */

static void sys_syscall(struct m64 *m, uint64_t rax)
{
    if (rax == 39) {
        set_reg(m, UC_X86_REG_RAX, 1234);
    } else if (rax == 1000) {
        set_reg(m, UC_X86_REG_RAX, 0);
        set_reg(m, UC_X86_REG_RIP, TEXT + 0x24); /* the `mov al, 1` after ud2 */
    }
}

/* int 0x80: RAX = 4321, go on; anything else stops. */
static bool sys_exc(struct m64 *m, uint32_t intno, uint64_t cr2, uint32_t ec)
{
    (void)cr2, (void)ec;
    if (intno == 0x80) {
        set_reg(m, UC_X86_REG_RAX, 4321);
        return true;
    }
    return false;
}

static unsigned nsysenter, ninvalid;
static uint64_t invalid_rip;
/* Counts sysenter hooks (none expected in 64-bit code). */
static void hook_sysenter(uc_engine *uc, void *user)
{
    (void)uc, (void)user;
    nsysenter++;
}

/* Records the invalid instruction's RIP and leaves it unhandled. */
static bool hook_invalid(uc_engine *uc, void *user)
{
    ninvalid++;
    invalid_rip = reg(user, UC_X86_REG_RIP);
    (void)uc;
    return false; /* not handled: uc_emu_start returns UC_ERR_INSN_INVALID */
}

Test(unicorn64, syscall_int80_and_sysenter)
{
    struct m64 m;
    m64_open_fixed(&m);
    m.on_syscall = sys_syscall;
    m.on_exc = sys_exc;
    uc_hook h;
    UC_OK(uc_hook_add(m.uc, &h, UC_HOOK_INSN, (void *)hook_sysenter, NULL, 1, 0,
                      UC_X86_INS_SYSENTER));
    UC_OK(uc_hook_add(m.uc, &h, UC_HOOK_INSN_INVALID, (void *)hook_invalid, &m, 1, 0));
    uc_err e = m64_run(&m, sys_probe, sizeof sys_probe);
    /* sysenter in 64-bit code is #UD on this (non-Intel) CPU model: no UC_HOOK_INTR, no
     * sysenter hook; UC_HOOK_INSN_INVALID sees it, and uc_emu_start returns
     * UC_ERR_INSN_INVALID with RIP at the instruction */
    cr_assert_eq(e, UC_ERR_INSN_INVALID, "%s", uc_strerror(e));
    cr_assert_eq(reg(&m, UC_X86_REG_RIP), TEXT + 0x38);
    cr_assert_eq(ninvalid, 1);
    cr_assert_eq(invalid_rip, TEXT + 0x38);
    cr_assert_eq(nsysenter, 0);
    UC_OK(uc_emu_start(m.uc, TEXT + 0x3a, UNTIL_VA, 2000000, 0)); /* on past it, in ring 3 */
    cr_assert(m.exited);
    cr_assert_eq(reg(&m, UC_X86_REG_R10), 7);
    /* syscall: the hook sees RIP = the syscall instruction itself, RCX and R11 untouched */
    cr_assert_eq(m.sys[0].rax, 39);
    cr_assert_eq(m.sys[0].rip, TEXT + 0x10, "RIP in the hook 0x%lx", (unsigned long)m.sys[0].rip);
    cr_assert_eq(m.sys[0].rcx, 0x2222);
    cr_assert_eq(m.sys[0].r11, 0x1111);
    /* after it: RAX is the hook's, execution continues past it, RCX/R11 still untouched */
    cr_assert_eq(reg(&m, UC_X86_REG_R12), 1234);
    cr_assert_eq(reg(&m, UC_X86_REG_R13), 0x2222);
    cr_assert_eq(reg(&m, UC_X86_REG_R14), 0x1111);
    /* RIP written in a syscall hook: Unicorn still adds the instruction's length (2), so
     * execution resumed at `mov bl, 2` (AL stays 0); the ud2 before it was skipped */
    cr_assert_eq(reg(&m, UC_X86_REG_R8) & 0xFF, 0, "resumed at the written RIP");
    cr_assert_eq(reg(&m, UC_X86_REG_R9) & 0xFF, 2);
    /* int 0x80 in 64-bit code: UC_HOOK_INTR intno 0x80, RIP past it; RAX from the hook */
    cr_assert_eq(m.nexc, 1);
    cr_assert_eq(m.exc[0].intno, 0x80);
    cr_assert_eq(m.exc[0].rip, TEXT + 0x35);
    cr_assert_eq(reg(&m, UC_X86_REG_RBP), 4321);
    m64_close(&m);
}

/* ---- f. FS and GS base -------------------------------------------------------------------- */

static void fs_syscall(struct m64 *m, uint64_t rax)
{
    if (rax == 158) { /* arch_prctl(ARCH_SET_FS) as the engine would do it */
        set_reg(m, UC_X86_REG_FS_BASE, DATA + 0x100);
        set_reg(m, UC_X86_REG_GS_BASE, DATA + 0x200);
    }
}

Test(unicorn64, fs_and_gs_base_writes_take_effect_in_ring3)
{
    struct m64 m;
    m64_open(&m);
    m.on_exc = stop_exc;
    m.on_syscall = fs_syscall;
    uint64_t v0 = 0xABCDEF, v1 = 0x1111222233334444ull, v2 = 0x5555666677778888ull;
    UC_OK(uc_mem_write(m.uc, DATA + 0x300, &v0, 8));
    UC_OK(uc_mem_write(m.uc, DATA + 0x108, &v1, 8));
    UC_OK(uc_mem_write(m.uc, DATA + 0x210, &v2, 8));
    set_reg(&m, UC_X86_REG_FS_BASE, DATA + 0x300); /* before the stub and its iretq */
    uc_err e = m64_run(&m, fs_probe, sizeof fs_probe);
    cr_assert_eq(e, UC_ERR_OK, "%s", uc_strerror(e));
    cr_assert(m.exited, "exceptions %u (intno %u)", m.nexc, m.exc[0].intno);
    cr_assert_eq(reg(&m, UC_X86_REG_R10), v0, "FS base written before the run survives iretq");
    cr_assert_eq(reg(&m, UC_X86_REG_R8), v1);
    cr_assert_eq(reg(&m, UC_X86_REG_R9), v2);
    cr_assert_eq(reg(&m, UC_X86_REG_FS_BASE), DATA + 0x100);
    cr_assert_eq(reg(&m, UC_X86_REG_GS_BASE), DATA + 0x200);
    m64_close(&m);
}

static void count_mem(uc_engine *uc, uc_mem_type t, uint64_t a, int s, int64_t v, void *user);

/* ---- g. non-canonical and unmapped addresses from ring 3 --------------------------------
 * Unicorn looks the virtual address up in its own memory map before the page walk
 * (cputlb.c load_helper/store_helper: memory_mapping), so an address no uc_mem_map covers
 * never reaches the page tables: UC_HOOK_MEM_*_UNMAPPED, else uc_emu_start fails. */
struct unmapped {
    unsigned n;
    int type;
    uint64_t addr, rip;
    struct m64 *m;
    bool map_it; /* map the page (as the engine would for a region it knows) and go on */
};

/* Records the unmapped access; maps its page and goes on when u->map_it. */
static bool hook_unmapped(uc_engine *uc, uc_mem_type type, uint64_t addr, int size,
                          int64_t value, void *user)
{
    (void)size, (void)value;
    struct unmapped *u = user;
    u->n++;
    u->type = type;
    u->addr = addr;
    u->rip = reg(u->m, UC_X86_REG_RIP);
    return u->map_it && uc_mem_map(uc, addr & ~0xFFFull, 4096, UC_PROT_ALL) == UC_ERR_OK;
}

/* Runs a ring-3 snippet with the unmapped hook; returns uc_emu_start's status. */
static uc_err run_unmapped(struct m64 *m, struct unmapped *u, const uint8_t *code, size_t len)
{
    m64_open_fixed(m);
    m->on_exc = stop_exc;
    memset(u, 0, sizeof *u);
    u->m = m;
    uc_hook h;
    UC_OK(uc_hook_add(m->uc, &h, UC_HOOK_MEM_UNMAPPED, (void *)hook_unmapped, u, 1, 0));
    return m64_run(m, code, len);
}

Test(unicorn64, non_canonical_and_unmapped_addresses_reach_the_unmapped_hook)
{
    struct m64 m;
    struct unmapped u;
    uc_err e = run_unmapped(&m, &u, noncanon_load, sizeof noncanon_load);
    cr_assert_eq(e, UC_ERR_READ_UNMAPPED, "%s", uc_strerror(e));
    cr_assert_eq(m.nexc, 0, "no #GP, no #PF");
    cr_assert_eq(u.n, 1);
    cr_assert_eq(u.type, UC_MEM_READ_UNMAPPED);
    cr_assert_eq(u.addr, 0x800000000000ull);
    /* without memory hooks RIP is not synced before a load: the hook and the caller see the
     * start of the translation block, not the instruction */
    cr_assert_eq(u.rip, TEXT);
    cr_assert_eq(reg(&m, UC_X86_REG_RIP), TEXT);
    m64_close(&m);

    /* with a UC_HOOK_MEM_READ hook (any range) Unicorn syncs RIP before every load */
    m64_open_fixed(&m);
    m.on_exc = stop_exc;
    memset(&u, 0, sizeof u);
    u.m = &m;
    uc_hook h;
    UC_OK(uc_hook_add(m.uc, &h, UC_HOOK_MEM_UNMAPPED, (void *)hook_unmapped, &u, 1, 0));
    UC_OK(uc_hook_add(m.uc, &h, UC_HOOK_MEM_READ, (void *)count_mem, &m, 0x10, 0x10));
    e = m64_run(&m, noncanon_load, sizeof noncanon_load);
    cr_assert_eq(e, UC_ERR_READ_UNMAPPED, "%s", uc_strerror(e));
    cr_assert_eq(u.rip, TEXT + 0xa);
    cr_assert_eq(reg(&m, UC_X86_REG_RIP), TEXT + 0xa);
    m64_close(&m);

    /* a fetch walks the tables first: a jump to a non-canonical address is #GP (intno 13)
     * with RIP = the target (hardware faults on the jmp itself) */
    e = run_unmapped(&m, &u, noncanon_jump, sizeof noncanon_jump);
    cr_assert_eq(e, UC_ERR_OK, "%s", uc_strerror(e));
    cr_assert_eq(u.n, 0);
    cr_assert_eq(m.nexc, 1);
    cr_assert_eq(m.exc[0].intno, 13);
    cr_assert_eq(m.exc[0].rip, 0x800000000000ull);
    m64_close(&m);

    /* a jump to a canonical address no uc_mem_map covers: the walk comes first, so with no
     * PTE it is a #PF (fetch: RIP = CR2 = the target); with a present PTE, the unmapped hook */
    uint8_t jump[sizeof noncanon_jump];
    memcpy(jump, noncanon_jump, sizeof jump);
    uint64_t target = 0x7f0000000000ull;
    memcpy(jump + 2, &target, 8); /* movabs rdx, imm64 */
    e = run_unmapped(&m, &u, jump, sizeof jump);
    cr_assert_eq(e, UC_ERR_OK, "%s", uc_strerror(e));
    cr_assert_eq(u.n, 0);
    cr_assert_eq(m.nexc, 1);
    cr_assert_eq(m.exc[0].intno, 14);
    cr_assert_eq(m.exc[0].rip, target);
    cr_assert_eq(m.exc[0].cr2, target);
    cr_assert_eq(m.exc[0].ec, EC_U);
    m64_close(&m);

    m64_open_fixed(&m);
    m.on_exc = stop_exc;
    memset(&u, 0, sizeof u);
    u.m = &m;
    UC_OK(uc_hook_add(m.uc, &h, UC_HOOK_MEM_UNMAPPED, (void *)hook_unmapped, &u, 1, 0));
    map_page(&m, target, PG_P | PG_U);
    e = m64_run(&m, jump, sizeof jump);
    cr_assert_eq(e, UC_ERR_FETCH_UNMAPPED, "%s", uc_strerror(e));
    cr_assert_eq(m.nexc, 0);
    cr_assert_eq(u.n, 1);
    cr_assert_eq(u.type, UC_MEM_FETCH_UNMAPPED);
    cr_assert_eq(u.addr, target);
    m64_close(&m);

    /* the unmapped kernel half: the unmapped hook too (no #PF) */
    e = run_unmapped(&m, &u, kernel_unmapped, sizeof kernel_unmapped);
    cr_assert_eq(e, UC_ERR_READ_UNMAPPED, "%s", uc_strerror(e));
    cr_assert_eq(m.nexc, 0);
    cr_assert_eq(u.addr, 0xFFFF800000000000ull);
    m64_close(&m);
}

/* The first #PF: maps the page present, writable, user (retried). */
static bool lazy_exc(struct m64 *m, uint32_t intno, uint64_t cr2, uint32_t ec)
{
    (void)ec;
    if (intno != 14 || m->nexc > 1)
        return false;
    map_page(m, cr2, PG_P | PG_W | PG_U);
    return true;
}

Test(unicorn64, mapping_in_the_unmapped_hook_gives_precise_faults)
{
    struct m64 m;
    struct unmapped u;
    m64_open_fixed(&m);
    m.on_exc = lazy_exc;
    memset(&u, 0, sizeof u);
    u.m = &m;
    u.map_it = true;
    uc_hook h;
    UC_OK(uc_hook_add(m.uc, &h, UC_HOOK_MEM_UNMAPPED, (void *)hook_unmapped, &u, 1, 0));
    uc_err e = m64_run(&m, lazy_probe, sizeof lazy_probe);
    cr_assert_eq(e, UC_ERR_OK, "%s", uc_strerror(e));
    cr_assert_eq(u.n, 1);
    cr_assert_eq(u.addr, 0x7f0000001000ull);
    /* the access then walks the tables: not present, #PF, fixed, retried (reads zero) */
    cr_assert_eq(m.nexc, 1);
    cr_assert_eq(m.exc[0].intno, 14);
    cr_assert_eq(m.exc[0].cr2, 0x7f0000001000ull);
    cr_assert_eq(m.exc[0].rip, TEXT + 0xa);
    cr_assert_eq(m.exc[0].ec, EC_U);
    cr_assert(m.exited);
    cr_assert_eq(reg(&m, UC_X86_REG_R8), 0);
    m64_close(&m);

    /* the same for a non-canonical address: once Unicorn memory is there, the walk raises a
     * precise #GP */
    m64_open_fixed(&m);
    m.on_exc = stop_exc;
    memset(&u, 0, sizeof u);
    u.m = &m;
    u.map_it = true;
    UC_OK(uc_hook_add(m.uc, &h, UC_HOOK_MEM_UNMAPPED, (void *)hook_unmapped, &u, 1, 0));
    e = m64_run(&m, noncanon_load, sizeof noncanon_load);
    cr_assert_eq(e, UC_ERR_OK, "%s", uc_strerror(e));
    cr_assert_eq(u.n, 1);
    cr_assert_eq(m.nexc, 1);
    cr_assert_eq(m.exc[0].intno, 13);
    cr_assert_eq(m.exc[0].rip, TEXT + 0xa);
    m64_close(&m);
}

/* ---- h. x87 and SSE state ----------------------------------------------------------------- */

Test(unicorn64, fpu_control_word_mxcsr_and_sse_in_ring3)
{
    struct m64 m;
    m64_open(&m);
    m.on_exc = stop_exc;
    uint64_t fpcw0 = reg(&m, UC_X86_REG_FPCW), mxcsr0 = reg(&m, UC_X86_REG_MXCSR);
    set_reg(&m, UC_X86_REG_FPCW, 0x37F);
    set_reg(&m, UC_X86_REG_MXCSR, 0x1F80);
    set_reg(&m, UC_X86_REG_FPTAG, 0xFFFF);
    cr_assert_eq(reg(&m, UC_X86_REG_FPCW) & 0xFFFF, 0x37F);
    cr_assert_eq(reg(&m, UC_X86_REG_MXCSR) & 0xFFFFFFFF, 0x1F80);
    float in[4] = {1, 2, 3, 4};
    UC_OK(uc_mem_write(m.uc, DATA + 16, in, sizeof in));
    uc_err e = m64_run(&m, fpu_probe, sizeof fpu_probe);
    cr_assert_eq(e, UC_ERR_OK, "%s", uc_strerror(e));
    cr_assert(m.exited, "exception intno %u at 0x%lx", m.exc[0].intno,
              (unsigned long)m.exc[0].rip);
    uint8_t out[56];
    UC_OK(uc_mem_read(m.uc, DATA, out, sizeof out));
    uint16_t cw;
    uint32_t mx;
    float sum[4];
    double d;
    memcpy(&cw, out, 2);
    memcpy(&mx, out + 4, 4);
    memcpy(sum, out + 32, sizeof sum);
    memcpy(&d, out + 48, 8);
    printf("unicorn64: at open FPCW 0x%lx MXCSR 0x%lx; CR0 0x%lx CR4 0x%lx\n",
           (unsigned long)fpcw0, (unsigned long)mxcsr0, (unsigned long)reg(&m, UC_X86_REG_CR0),
           (unsigned long)reg(&m, UC_X86_REG_CR4));
    fflush(stdout);
    cr_assert_eq(cw, 0x37F);
    cr_assert_eq(mx, 0x1F80);
    for (int i = 0; i < 4; i++)
        cr_assert_float_eq(sum[i], 2 * in[i], 0);
    cr_assert_float_eq(d, 2.0, 0);
    m64_close(&m);
}

/* ---- i. speed (printed, never asserted) --------------------------------------------------- */
#define SPEED_INSNS 50000000.0 /* speed_loop: 25 M iterations of add + loop */

static void count_mem(uc_engine *uc, uc_mem_type t, uint64_t a, int s, int64_t v, void *user)
{
    (void)uc, (void)t, (void)a, (void)s, (void)v;
    ((struct m64 *)user)->mem_accesses++;
}

/* An empty block hook (the hooks engine counts instructions per block). */
static void count_block(uc_engine *uc, uint64_t a, uint32_t s, void *user)
{
    (void)uc, (void)a, (void)s, (void)user;
}

/* Seconds for speed_loop in ring 3 with paging (hooks: memory and block hooks added). */
static double ring3_loop(bool hooks)
{
    struct m64 m;
    m64_open(&m);
    m.on_exc = stop_exc;
    if (hooks) {
        uc_hook h;
        UC_OK(uc_hook_add(m.uc, &h, UC_HOOK_MEM_READ | UC_HOOK_MEM_WRITE, (void *)count_mem, &m,
                          1, 0));
        UC_OK(uc_hook_add(m.uc, &h, UC_HOOK_BLOCK, (void *)count_block, &m, 1, 0));
    }
    UC_OK(uc_mem_write(m.uc, TEXT, speed_loop, sizeof speed_loop));
    set_reg(&m, UC_X86_REG_RSP, KSTACK_TOP);
    set_reg(&m, UC_X86_REG_RBX, USER_RSP);
    set_reg(&m, UC_X86_REG_RCX, TEXT);
    double t0 = now_s();
    UC_OK(uc_emu_start(m.uc, STUB_VA, UNTIL_VA, 0, 0));
    double t = now_s() - t0;
    cr_assert(m.exited);
    cr_assert_eq(m.nexc, 0);
    if (hooks)
        cr_assert_geq(m.mem_accesses, 25000000u);
    m64_close(&m);
    return t;
}

/* Seconds for speed_loop at CPL0, no paging, no GDT (the 64-bit default state). */
static double flat_loop(void)
{
    struct m64 m;
    memset(&m, 0, sizeof m);
    m.old_off = m.ec_off = -1;
    UC_OK(uc_open(UC_ARCH_X86, UC_MODE_64, &m.uc));
    UC_OK(uc_mem_map(m.uc, TEXT, IMG_SIZE, UC_PROT_ALL));
    UC_OK(uc_mem_write(m.uc, TEXT, speed_loop, sizeof speed_loop));
    uc_hook h;
    UC_OK(uc_hook_add(m.uc, &h, UC_HOOK_INSN, (void *)hook_syscall, &m, 1, 0, UC_X86_INS_SYSCALL));
    double t0 = now_s();
    UC_OK(uc_emu_start(m.uc, TEXT, UNTIL_VA, 0, 0));
    double t = now_s() - t0;
    cr_assert(m.exited);
    uc_close(m.uc);
    return t;
}

Test(unicorn64, speed_of_a_ring3_loop_is_printed)
{
    double flat = flat_loop(), paged = ring3_loop(false), hooked = ring3_loop(true);
    printf("unicorn64: speed (50 M insns, add r64,[mem] + loop): flat CPL0 no paging %.0f M/s, "
           "ring 3 + 4-level paging %.0f M/s, + memory and block hooks %.0f M/s\n",
           SPEED_INSNS / flat / 1e6, SPEED_INSNS / paged / 1e6, SPEED_INSNS / hooked / 1e6);
    fflush(stdout);
}
