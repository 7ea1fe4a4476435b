/* emu/emu_machine.c - the Unicorn i386 machine: memory, page tables, GDT, ring-3 entry, the
 * TLB flush and the start-up self-test that finds the old_exception fix-up
 * (../shared/docs/unicorn-2.0.1.md sections 1-4). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emu_internal.h"

bool emu_uc_check(struct emu_machine *mc, uc_err e, const char *call, const char *file, int line)
{
    if (e == UC_ERR_OK)
        return false;
    if (mc && !mc->failed) {
        mc->failed = true;
        if (mc->err)
            snprintf(mc->err, mc->errlen, "unicorn: %s failed: %s (%s:%d)", call, uc_strerror(e),
                     file, line);
    }
    return true;
}

/* A flat 4 GiB descriptor (base 0, limit 0xFFFFF pages, 32-bit): SDM vol. 3A, 3.4.5. */
static uint64_t flat_desc(unsigned dpl, bool code)
{
    uint64_t type = code ? 0xA : 0x2; /* execute/read, or read/write */
    uint64_t hi = (0xFull << 16) /* limit 19:16 */ | (type << 8) | (1ull << 12) /* S */ |
                  ((uint64_t)dpl << 13) | (1ull << 15) /* P */ | (1ull << 22) /* D */ |
                  (1ull << 23) /* G */;
    return (hi << 32) | 0xFFFFull;
}

uint64_t emu_tls_descriptor(uint32_t base, uint32_t limit, uint32_t flags)
{
    /* struct user_desc flags (asm/ldt.h): seg_32bit:1 contents:2 read_exec_only:1
     * limit_in_pages:1 seg_not_present:1 useable:1; encoded as Linux's fill_ldt does. */
    unsigned seg_32bit = flags & 1, contents = (flags >> 1) & 3, read_exec_only = (flags >> 3) & 1;
    unsigned limit_in_pages = (flags >> 4) & 1, not_present = (flags >> 5) & 1;
    unsigned useable = (flags >> 6) & 1;
    bool empty = base == 0 && limit == 0 && contents == 0 && read_exec_only == 1 &&
                 seg_32bit == 0 && limit_in_pages == 0 && not_present == 1 && useable == 0;
    if (empty)
        return 0;
    uint32_t lo = ((base & 0xFFFFu) << 16) | (limit & 0xFFFFu);
    uint32_t type = ((read_exec_only ^ 1u) << 1) | (contents << 2) | 1u;
    uint32_t hi = (base & 0xFF000000u) | ((base >> 16) & 0xFFu) | (limit & 0xF0000u) |
                  (type << 8) | (1u << 12) | (3u << 13) | ((not_present ^ 1u) << 15) |
                  (useable << 20) | (seg_32bit << 22) | (limit_in_pages << 23);
    return ((uint64_t)hi << 32) | lo;
}

void emu_machine_set_tls(struct emu_machine *mc, unsigned idx, uint32_t base, uint32_t limit,
                         uint32_t flags)
{
    mc->gdt[idx] = emu_tls_descriptor(base, limit, flags);
}

/* The ring-0 stub: the user data selector into DS/ES, null FS/GS, an iret frame from EBX
 * (user ESP) and ECX (user EIP) with EFLAGS = IF | bit 1, every general register zeroed: what
 * Linux's start_thread and ELF_PLAT_INIT leave (EDX = 0 also tells glibc's _start there is no
 * rtld_fini).  The selectors are an x86-64 kernel's for a 32-bit process (emu_internal.h). */
static const uint8_t stub_code[] = {
    0x66, 0xB8, EMU_SEL_UDATA, 0x00, /* mov ax, EMU_SEL_UDATA */
    0x8E, 0xD8,                      /* mov ds, ax */
    0x8E, 0xC0,                      /* mov es, ax */
    0x31, 0xC0,                      /* xor eax, eax */
    0x8E, 0xE0,                      /* mov fs, ax */
    0x8E, 0xE8,                      /* mov gs, ax */
    0x6A, EMU_SEL_UDATA,             /* push EMU_SEL_UDATA (SS) */
    0x53,                            /* push ebx (ESP) */
    0x68, 0x02, 0x02, 0x00, 0x00,    /* push 0x202 (EFLAGS: IF, reserved bit 1) */
    0x6A, EMU_SEL_UCODE,             /* push EMU_SEL_UCODE (CS) */
    0x51,                            /* push ecx (EIP) */
    0x31, 0xDB,                      /* xor ebx, ebx */
    0x31, 0xC9,                      /* xor ecx, ecx */
    0x31, 0xD2,                      /* xor edx, edx */
    0x31, 0xF6,                      /* xor esi, esi */
    0x31, 0xFF,                      /* xor edi, edi */
    0x31, 0xED,                      /* xor ebp, ebp */
    0xCF,                            /* iret */
};

/* CR0 and CR4 as Linux runs user code (SDM vol. 3A, 2.5): PE, MP, ET, NE (x87 errors as #MF),
 * WP, AM, PG; OSFXSR and OSXMMEXCPT.  Unicorn 2.0.1 runs SSE without OSFXSR and never raises
 * #AC or #XM; the bits are set so nothing depends on that. */
#define EMU_CR0 0x80050033u
#define EMU_CR4 0x00000604u /* OSFXSR | OSXMMEXCPT | TSD (emu_hooks.c: virtual_tsc) */

/* The FPU and SSE state of a fresh Linux process (fpstate_init_fstate and the MXCSR default):
 * x87 control word 0x37F (every exception masked, 64-bit precision, round to nearest), status
 * word 0, every register empty (full tag word 0xFFFF), MXCSR 0x1F80.  Unicorn 2.0.1 starts
 * with control word 0 (24-bit precision; its softfloat state keeps 64-bit until the guest's
 * first fldcw syncs it), tag word 0x5555 (eight valid zeros) and MXCSR 0 (every SIMD exception
 * unmasked).  These writes take effect at once, precision and rounding included (read back,
 * and seen by the guest: tests/emu/test_initstate.sh). */
static int set_fpu_state(struct emu_machine *mc)
{
    static const struct {
        int reg;
        uint32_t val;
        const char *name;
    } init[] = {
        {UC_X86_REG_FPCW, 0x037Fu, "x87 control word"},
        {UC_X86_REG_FPSW, 0x0000u, "x87 status word"},
        {UC_X86_REG_FPTAG, 0xFFFFu, "x87 tag word"},
        {UC_X86_REG_MXCSR, 0x1F80u, "MXCSR"},
    };
    for (size_t i = 0; i < sizeof init / sizeof init[0]; i++) {
        uint64_t v = init[i].val, back = 0;
        if (EMU_UC(mc, uc_reg_write(mc->uc, init[i].reg, &v)) ||
            EMU_UC(mc, uc_reg_read(mc->uc, init[i].reg, &back)))
            return -1;
        uint32_t mask = init[i].reg == UC_X86_REG_MXCSR ? 0xFFFFFFFFu : 0xFFFFu;
        if (((uint32_t)back & mask) != init[i].val) {
            mc->failed = true;
            if (mc->err)
                snprintf(mc->err, mc->errlen,
                         "unicorn: the %s reads back 0x%x after writing 0x%x (Unicorn %u.%u "
                         "does not behave as docs/emulation.md says; refusing to run)",
                         init[i].name, (unsigned)back, init[i].val, UC_API_MAJOR, UC_API_MINOR);
            return -1;
        }
    }
    return 0;
}

int emu_machine_open(struct emu_machine *mc, bool is64, bool all_present, char *err,
                     size_t errlen)
{
    memset(mc, 0, sizeof *mc);
    mc->err = err;
    mc->errlen = errlen;
    mc->old_exc_off = -1;
    mc->err_code_off = -1;
    if (is64) {
        if (emu_machine_open64(mc, all_present) != 0 || set_fpu_state(mc) != 0 ||
            emu_cpuid_hook_add(mc) != 0)
            return -1;
        if (EMU_UC(mc, uc_context_alloc(mc->uc, &mc->ctx))) {
            mc->ctx = NULL;
            return -1;
        }
        mc->ctx_size = uc_context_size(mc->uc);
        return 0;
    }
    mc->kmem = aligned_alloc(4096, EMU_KSIZE);
    if (!mc->kmem) {
        snprintf(err, errlen, "out of memory for the engine's page tables");
        return -1;
    }
    memset(mc->kmem, 0, EMU_KSIZE);
    mc->pd = (uint32_t *)(mc->kmem + (EMU_PD_ADDR - EMU_KBASE));
    mc->upt = (uint32_t *)(mc->kmem + (EMU_UPT_ADDR - EMU_KBASE));
    mc->gdt = (uint64_t *)(mc->kmem + (EMU_GDT_ADDR - EMU_KBASE));

    if (EMU_UC(mc, uc_open(UC_ARCH_X86, UC_MODE_32, &mc->uc))) {
        mc->uc = NULL;
        return -1;
    }
    /* Guest memory is identity-mapped (section 1): user space, the reserved range backed by
     * our own buffer so PTE writes and A/D reads are plain memory accesses, and one page
     * whose protection is toggled to flush the TLB. */
    if (EMU_UC(mc, uc_mem_map(mc->uc, 0, GOS_USER_LIMIT, UC_PROT_ALL)) ||
        EMU_UC(mc, uc_mem_map_ptr(mc->uc, EMU_KBASE, EMU_KSIZE, UC_PROT_ALL, mc->kmem)) ||
        EMU_UC(mc, uc_mem_map(mc->uc, EMU_FLUSH_PAGE, 4096, UC_PROT_ALL)))
        return -1;

    /* Page directory: 768 user PDEs (user, writable: the PTEs decide), PDE 768 supervisor. */
    for (uint32_t i = 0; i < EMU_USER_VPNS / 1024; i++)
        mc->pd[i] = (EMU_UPT_ADDR + i * 4096u) | EMU_PG_P | EMU_PG_W | EMU_PG_U;
    mc->pd[EMU_KBASE >> 22] = EMU_KPT_ADDR | EMU_PG_P | EMU_PG_W;
    uint32_t *kpt = (uint32_t *)(mc->kmem + (EMU_KPT_ADDR - EMU_KBASE));
    for (uint32_t i = 0; i < EMU_KPAGES; i++)
        kpt[i] = (EMU_KBASE + i * 4096u) | EMU_PG_P | EMU_PG_W;
    if (all_present)
        for (uint32_t vpn = 1; vpn < EMU_USER_VPNS; vpn++)
            mc->upt[vpn] = (vpn << 12) | EMU_PG_P | EMU_PG_W | EMU_PG_U;

    mc->gdt[1] = flat_desc(0, true);
    mc->gdt[2] = flat_desc(0, false);
    mc->gdt[EMU_GDT_UCODE] = flat_desc(3, true);
    mc->gdt[EMU_GDT_UDATA] = flat_desc(3, false);
    memcpy(mc->kmem + (EMU_STUB_ADDR - EMU_KBASE), stub_code, sizeof stub_code);

    /* Paging on (PE|PG|WP) before the first run, then GDTR and CPL0 segments (section 2). */
    uint32_t cr3 = EMU_PD_ADDR, cr0 = EMU_CR0, cr4 = EMU_CR4;
    uc_x86_mmr gdtr = {.selector = 0, .base = EMU_GDT_ADDR,
                       .limit = EMU_GDT_ENTRIES * 8 - 1, .flags = 0};
    uint32_t cs = EMU_SEL_KCODE, ds = EMU_SEL_KDATA;
    if (EMU_UC(mc, uc_reg_write(mc->uc, UC_X86_REG_CR3, &cr3)) ||
        EMU_UC(mc, uc_reg_write(mc->uc, UC_X86_REG_CR4, &cr4)) ||
        EMU_UC(mc, uc_reg_write(mc->uc, UC_X86_REG_CR0, &cr0)) ||
        EMU_UC(mc, uc_reg_write(mc->uc, UC_X86_REG_GDTR, &gdtr)) ||
        EMU_UC(mc, uc_reg_write(mc->uc, UC_X86_REG_CS, &cs)) ||
        EMU_UC(mc, uc_reg_write(mc->uc, UC_X86_REG_SS, &ds)) ||
        EMU_UC(mc, uc_reg_write(mc->uc, UC_X86_REG_DS, &ds)) ||
        EMU_UC(mc, uc_reg_write(mc->uc, UC_X86_REG_ES, &ds)) || set_fpu_state(mc) != 0 ||
        emu_cpuid_hook_add(mc) != 0)
        return -1;
    if (EMU_UC(mc, uc_context_alloc(mc->uc, &mc->ctx))) {
        mc->ctx = NULL;
        return -1;
    }
    mc->ctx_size = uc_context_size(mc->uc);
    return 0;
}

void emu_machine_close(struct emu_machine *mc)
{
    if (mc->ctx)
        uc_context_free(mc->ctx);
    if (mc->uc)
        uc_close(mc->uc);
    emu_machine_close64(mc);
    free(mc->kmem);
    mc->ctx = NULL;
    mc->uc = NULL;
    mc->kmem = NULL;
}

int emu_machine_start(struct emu_machine *mc, uint64_t rip, uint64_t rsp, uint64_t timeout_us)
{
    uint32_t kesp = EMU_KSTACK_TOP, eip = (uint32_t)rip, esp = (uint32_t)rsp;
    if (EMU_UC(mc, uc_reg_write(mc->uc, UC_X86_REG_ESP, &kesp)) ||
        EMU_UC(mc, uc_reg_write(mc->uc, UC_X86_REG_EBX, &esp)) ||
        EMU_UC(mc, uc_reg_write(mc->uc, UC_X86_REG_ECX, &eip)))
        return -1;
    /* `until` is a kernel address the guest cannot reach (its PDE is not present). */
    uc_err e = uc_emu_start(mc->uc, EMU_STUB_ADDR, 0xFFFFFFF0u, timeout_us, 0);
    return (int)e;
}

uint32_t emu_machine_fixup(struct emu_machine *mc)
{
    if (mc->old_exc_off < 0 && mc->err_code_off < 0)
        return 0;
    uint8_t *blob = (uint8_t *)mc->ctx;
    if (uc_context_save(mc->uc, mc->ctx) != UC_ERR_OK)
        return 0;
    uint32_t ec = 0;
    if (mc->err_code_off >= 0)
        memcpy(&ec, blob + mc->err_code_off, 4);
    if (mc->old_exc_off >= 0) {
        int32_t none = -1;
        memcpy(blob + mc->old_exc_off, &none, 4);
        EMU_UC(mc, uc_context_restore(mc->uc, mc->ctx));
    }
    return ec;
}

void emu_machine_flush_now(struct emu_machine *mc)
{
    /* Section 4: uc_mem_protect drops the whole softmmu TLB; CR3 writes do not on 2.0.1. */
    uint64_t page = mc->is64 ? EMU64_FLUSH_PAGE : EMU_FLUSH_PAGE;
    EMU_UC(mc, uc_mem_protect(mc->uc, page, 4096, UC_PROT_READ));
    EMU_UC(mc, uc_mem_protect(mc->uc, page, 4096, UC_PROT_ALL));
    mc->flush_pending = false;
    mc->flushes++;
}

void emu_machine_flush(struct emu_machine *mc)
{
    if (mc->flush_pending)
        emu_machine_flush_now(mc);
}

/* ---- the self-test ------------------------------------------------------------------------
 * A ring-3 probe takes four page faults whose error codes are known (SDM vol. 3A, 4.7):
 * read of a not-present page (U = 4), write of a not-present page (W|U = 6), write of a
 * present read-only page (P|W|U = 7), read of a not-present page (4); then `int 0x80` with
 * EAX = 42.  Without the fix-up the second fault arrives as #DF (8).  The old_exception
 * offset is the int32 of the context blob that holds 14 during the first fault and whose
 * reset to -1 makes all four arrive as #PF; the error_code offset is the one that reads
 * 4, 6, 7, 4. */
#define PROBE_CODE 0x1000u
static const uint8_t probe_code[] = {
    0xA1, 0x00, 0x30, 0x00, 0x00, /* mov eax, [0x3000] */
    0xA3, 0x00, 0x40, 0x00, 0x00, /* mov [0x4000], eax */
    0xA3, 0x00, 0x30, 0x00, 0x00, /* mov [0x3000], eax */
    0xA1, 0x00, 0x50, 0x00, 0x00, /* mov eax, [0x5000] */
    0xB8, 0x2A, 0x00, 0x00, 0x00, /* mov eax, 42 */
    0xCD, 0x80,                   /* int 0x80 */
};
static const uint32_t probe_cr2[4] = {0x3000, 0x4000, 0x3000, 0x5000};
static const uint32_t probe_ec[4] = {4, 6, 7, 4};
#define PROBE_MAX_CAND 64

struct probe {
    struct emu_machine *mc;
    long try_off;        /* offset reset to -1 in each #PF hook, or -1 */
    unsigned nfaults;
    bool bad;            /* an unexpected interrupt or address */
    bool done;           /* int 0x80 with EAX = 42 */
    uint8_t *blobs[4];   /* context at each fault (first trial only) */
};

static void probe_intr(uc_engine *uc, uint32_t intno, void *user)
{
    struct probe *p = user;
    struct emu_machine *mc = p->mc;
    if (intno == 0x80) {
        uint32_t eax = 0;
        uc_reg_read(uc, UC_X86_REG_EAX, &eax);
        p->done = eax == 42 && p->nfaults == 4;
        uc_emu_stop(uc);
        return;
    }
    uint32_t cr2 = 0;
    uc_reg_read(uc, UC_X86_REG_CR2, &cr2);
    if (intno != 14 || p->nfaults >= 4 || cr2 != probe_cr2[p->nfaults]) {
        p->bad = true;
        uc_emu_stop(uc);
        return;
    }
    if (uc_context_save(uc, mc->ctx) != UC_ERR_OK) {
        p->bad = true;
        uc_emu_stop(uc);
        return;
    }
    if (p->blobs[p->nfaults])
        memcpy(p->blobs[p->nfaults], mc->ctx, mc->ctx_size);
    if (p->try_off >= 0) {
        int32_t none = -1;
        memcpy((uint8_t *)mc->ctx + p->try_off, &none, 4);
        uc_context_restore(uc, mc->ctx);
    }
    uint32_t vpn = cr2 >> 12;
    mc->upt[vpn] = (vpn << 12) | EMU_PG_P | EMU_PG_U | (p->nfaults == 0 || p->nfaults == 3 ? 0 : EMU_PG_W);
    p->nfaults++;
}

/* One probe run on a fresh machine; 0 when the run itself could be made. */
static int probe_run(struct probe *p, char *err, size_t errlen)
{
    struct emu_machine mc;
    if (emu_machine_open(&mc, false, false, err, errlen) != 0) {
        emu_machine_close(&mc);
        return -1;
    }
    p->mc = &mc;
    mc.upt[PROBE_CODE >> 12] = PROBE_CODE | EMU_PG_P | EMU_PG_U;
    uc_hook h;
    int rc = -1;
    if (EMU_UC(&mc, uc_mem_write(mc.uc, PROBE_CODE, probe_code, sizeof probe_code)) ||
        EMU_UC(&mc, uc_hook_add(mc.uc, &h, UC_HOOK_INTR, (void *)probe_intr, p, 1, 0)))
        goto out;
    emu_machine_start(&mc, PROBE_CODE, 0x2000, 1000000);
    rc = 0;
out:
    emu_machine_close(&mc);
    return rc;
}

/* The old_exception offset when the probe's second fault became #DF: among the int32s that
 * read 14 at the first fault (the documented offset first), the one whose reset makes every
 * later fault arrive as #PF.  0 with *off and *nseen (the faults that run saw), or -1 with err
 * filled. */
static int find_old_exception_offset(uint8_t *const blobs[4], size_t size, long *off,
                                     size_t *nseen, char *err, size_t errlen)
{
    long cand[PROBE_MAX_CAND];
    size_t ncand = 0;
    const long hint = 16 + 5464;
    if (hint + 4 <= (long)size) {
        int32_t v;
        memcpy(&v, blobs[0] + hint, 4);
        if (v == 14)
            cand[ncand++] = hint;
    }
    for (long o = 0; o + 4 <= (long)size && ncand < PROBE_MAX_CAND; o += 4) {
        int32_t v;
        memcpy(&v, blobs[0] + o, 4);
        if (v == 14 && o != hint)
            cand[ncand++] = o;
    }
    for (size_t c = 0; c < ncand; c++) {
        struct probe q = {.try_off = cand[c]};
        memcpy(q.blobs, blobs, sizeof q.blobs);
        if (probe_run(&q, err, errlen) != 0)
            return -1;
        if (q.done && !q.bad) {
            *off = cand[c];
            *nseen = q.nfaults;
            return 0;
        }
    }
    snprintf(err, errlen,
             "self-test: no old_exception offset makes a second page fault arrive as #PF "
             "(%zu candidates tried; see ../shared/docs/unicorn-2.0.1.md section 3); "
             "refusing to run",
             ncand);
    return -1;
}

/* The error_code offset: the int32 that holds 4, 6, 7, 4 across the probe's four faults;
 * -1 when none does (or the probe did not see four faults). */
static long find_error_code_offset(uint8_t *const blobs[4], size_t size, size_t nseen)
{
    for (long off = 0; off + 4 <= (long)size && nseen == 4; off += 4) {
        bool ok = true;
        for (int i = 0; i < 4 && ok; i++) {
            uint32_t v;
            memcpy(&v, blobs[i] + off, 4);
            ok = v == probe_ec[i];
        }
        if (ok)
            return off;
    }
    return -1;
}

/* The probes proper, with the four context blobs allocated: 0, or -1 with err filled. */
static int run_probes(uint8_t *const blobs[4], size_t size, long *old_exception_offset,
                      long *error_code_offset, char *err, size_t errlen)
{
    struct probe p = {.try_off = -1};
    memcpy(p.blobs, blobs, sizeof p.blobs);
    if (probe_run(&p, err, errlen) != 0)
        return -1;
    if (p.nfaults == 0) {
        snprintf(err, errlen,
                 "self-test: the probe's first page fault did not reach the hook (Unicorn %u.%u "
                 "does not behave as ../shared/docs/unicorn-2.0.1.md says; refusing to run)",
                 UC_API_MAJOR, UC_API_MINOR);
        return -1;
    }
    size_t nseen = p.nfaults;
    if (p.done) /* no #DF: this build needs no fix-up; error_code still comes from the blob */
        *old_exception_offset = -1;
    else if (find_old_exception_offset(blobs, size, old_exception_offset, &nseen, err,
                                       errlen) != 0)
        return -1;
    long ec_off = find_error_code_offset(blobs, size, nseen);
    if (ec_off < 0) {
        snprintf(err, errlen,
                 "self-test: cannot find the page-fault error code in the CPU context "
                 "(no int32 reads 4, 6, 7, 4 across the probe's faults); refusing to run");
        return -1;
    }
    *error_code_offset = ec_off;
    return 0;
}

int emu_selftest(long *old_exception_offset, long *error_code_offset, char *err, size_t errlen)
{
    /* The context size does not depend on the machine's state: learn it from a throwaway. */
    uc_engine *uc;
    if (uc_open(UC_ARCH_X86, UC_MODE_32, &uc) != UC_ERR_OK) {
        snprintf(err, errlen, "self-test: cannot open Unicorn for x86-32");
        return -1;
    }
    size_t size = uc_context_size(uc);
    uc_close(uc);
    uint8_t *blobs[4] = {0};
    int rc = -1;
    bool allocated = true;
    for (int i = 0; i < 4 && allocated; i++)
        allocated = (blobs[i] = calloc(1, size)) != NULL;
    if (!allocated)
        snprintf(err, errlen, "self-test: out of memory");
    else
        rc = run_probes(blobs, size, old_exception_offset, error_code_offset, err, errlen);
    for (int i = 0; i < 4; i++)
        free(blobs[i]);
    return rc;
}
