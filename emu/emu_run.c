/* emu/emu_run.c - loads a static i386 program, runs it on one of the three engines and turns
 * Unicorn's events into model events: #PF -> vk_real_fault (paging), memory and block hooks
 * -> vk_set_access (hooks), `int 0x80` -> gos_syscall (every engine).  Hooks stay short. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "emu_internal.h"

#define EMU_SYS_SET_THREAD_AREA 243u
#define EMU_EXE_FILE_ID_FALLBACK 1u
/* Faults at one instruction that repeat one of its last four (page, kind, ECX, ESI, EDI: a rep
 * string instruction advances the registers, a loop the page) this many times in a row mean
 * the model's answers do not let the access complete (an answer that did not reach the page
 * tables, or --vk-mem too small for one instruction's pages): a run error, not a hang. */
#define EMU_FAULT_REPEAT_LIMIT 64u

/* Per-EIP reflections and dirty-bit traps (--top). */
struct site_rec {
    uint32_t eip;
    bool used;
    uint64_t refl, dirty;
};

struct emu_runner {
    struct emu_machine mc;
    struct emu_blocks blocks;
    const struct emu_options *o;
    struct vk_set *set;
    struct vk_model *m0; /* first configuration (paging: the only one); NULL for bare */
    struct gos *gos;
    struct emu_elf elf;
    struct emu_result *res;
    enum emu_engine engine;
    uint64_t insns;
    uint64_t insns_reported; /* already given to the models (flush_insns) */
    const struct emu_block *last_block;
    uint32_t last_counted; /* instructions the last block hook added */
    uint32_t rep_cont;     /* a block made of the rep instruction here is its next iteration */
    bool stopping;     /* the run has ended (guest exit, signal, limit, host error) */
    bool top;          /* --top: attribute reflections and dirty traps to instructions */
    bool slow_mem;     /* hooks: memory accesses take hook_mem_slow (--top, or a block with an
                        * I/O instruction, whose own access must not reach the models) */
    bool host_error;
    /* Set by the watchdog thread (timeout_s, stop): the emu_end to end with, or 0. */
    atomic_int async_end;
    atomic_bool done; /* uc_emu_start has returned: the watchdog may go */
    char *err;
    size_t errlen;
    /* fault-loop guard */
    uint32_t rep_eip;
    uint64_t rep_state[4]; /* the last faults' (ECX, ESI, EDI, page) at rep_eip */
    unsigned rep_count, rep_next;
    /* --top */
    struct site_rec *sites;
    size_t sites_cap, sites_len;
};

const char *emu_engine_name(enum emu_engine e)
{
    switch (e) {
    case EMU_ENGINE_PAGING: return "paging";
    case EMU_ENGINE_HOOKS: return "hooks";
    case EMU_ENGINE_BARE: return "bare";
    }
    return "?";
}

int emu_engine_parse(const char *s, enum emu_engine *out)
{
    for (int e = EMU_ENGINE_PAGING; e <= EMU_ENGINE_BARE; e++)
        if (strcmp(s, emu_engine_name((enum emu_engine)e)) == 0) {
            *out = (enum emu_engine)e;
            return 0;
        }
    return -1;
}

bool emu_engine_counter_shared(int id)
{
    /* The paging engine never sees hits: access.read/write/fetch (and a TLB model's tlb.*,
     * which would count accesses) exist only in the hooks engine.  Everything the fault
     * path produces, instructions, system calls, kernel accesses and the cycles are the same
     * in both (the paging engine refuses the TLB model, so cycles.tlb is 0 in both). */
    if (id < 0 || id >= MMU_NCOUNTERS)
        return false;
    const char *n = mmu_counter_names[id];
    return strcmp(n, "access.read") != 0 && strcmp(n, "access.write") != 0 &&
           strcmp(n, "access.fetch") != 0 && strncmp(n, "tlb.", 4) != 0;
}

/* ---- ending the run ---------------------------------------------------------------------- */

static void host_fail(struct emu_runner *r, const char *fmt, const char *detail)
{
    if (!r->host_error && !(r->mc.failed)) {
        char msg[256];
        snprintf(msg, sizeof msg, fmt, detail ? detail : "");
        snprintf(r->err, r->errlen, "%s", msg);
    }
    r->host_error = true;
    r->stopping = true;
    uc_emu_stop(r->mc.uc);
}

/* The guest dies of sig at eip; addr is the faulting address (SIGSEGV) or eip. */
static void guest_signal(struct emu_runner *r, int sig, uint32_t eip, uint32_t addr, bool fetch,
                         const char *what)
{
    struct emu_result *res = r->res;
    res->end = EMU_END_SIGNAL;
    res->signal = sig;
    res->exit_status = 128 + sig;
    res->eip = eip;
    res->fault_addr = addr;
    snprintf(res->what, sizeof res->what, "%s", what);
    if (fetch && (addr & ~0xFFFu) == (eip & ~0xFFFu))
        snprintf(res->insn, sizeof res->insn, "(not readable: the fetch itself faulted)");
    else if (eip >= EMU_USER_LIMIT)
        snprintf(res->insn, sizeof res->insn, "(not readable: outside user space)");
    else
        emu_disasm(r->blocks.cs, r->mc.uc, eip, res->insn, sizeof res->insn);
    emu_elf_symbolize(&r->elf, eip, res->sym, sizeof res->sym);
    r->stopping = true;
    uc_emu_stop(r->mc.uc);
}

/* Ends the run for the watchdog's reason (EMU_END_TIMEOUT or EMU_END_INTERRUPTED) at eip. */
static void async_stop(struct emu_runner *r, int end, uint32_t eip)
{
    r->res->end = (enum emu_end)end;
    r->res->exit_status = end == EMU_END_TIMEOUT ? 124 : 128 + (r->o->stop ? *r->o->stop : 0);
    r->res->eip = eip;
    r->stopping = true;
    uc_emu_stop(r->mc.uc);
}

/* The watchdog: every 20 ms, looks at the clock and the stop flag; when either says stop, it
 * records why and asks Unicorn to stop (uc_emu_stop may be called from another thread), again
 * every 20 ms until the run has returned, so a request that lands between two blocks is not
 * lost. */
static double now_s(void);
struct watchdog {
    struct emu_runner *r;
    double deadline; /* 0 = none */
};
static void *watchdog_main(void *arg)
{
    struct watchdog *w = arg;
    struct emu_runner *r = w->r;
    const struct timespec tick = {0, 20 * 1000 * 1000};
    while (!atomic_load(&r->done)) {
        nanosleep(&tick, NULL);
        if (atomic_load(&r->done))
            break;
        int end = atomic_load(&r->async_end);
        if (!end && r->o->stop && *r->o->stop)
            end = EMU_END_INTERRUPTED;
        else if (!end && w->deadline > 0 && now_s() >= w->deadline)
            end = EMU_END_TIMEOUT;
        if (end) {
            int zero = 0;
            atomic_compare_exchange_strong(&r->async_end, &zero, end);
            uc_emu_stop(r->mc.uc);
        }
    }
    return NULL;
}

static uint32_t reg32(struct emu_runner *r, int reg)
{
    uint32_t v = 0;
    EMU_UC(&r->mc, uc_reg_read(r->mc.uc, reg, &v));
    return v;
}

static const char *kind_name(enum mmu_kind k)
{
    return k == MMU_WRITE ? "write" : k == MMU_FETCH ? "fetch" : "read";
}

static void segv_report(struct emu_runner *r, uint32_t eip, uint32_t addr, enum mmu_kind kind)
{
    char what[128];
    const struct vk_region *reg = r->m0 ? vk_region_find(r->m0, addr) : NULL;
    if (reg)
        snprintf(what, sizeof what, "segmentation fault: %s at 0x%x (region %c%c%c)",
                 kind_name(kind), addr, reg->prot & VK_PROT_R ? 'r' : '-',
                 reg->prot & VK_PROT_W ? 'w' : '-', reg->prot & VK_PROT_X ? 'x' : '-');
    else
        snprintf(what, sizeof what, "segmentation fault: %s at 0x%x (no region)",
                 kind_name(kind), addr);
    guest_signal(r, SIGSEGV, eip, addr, kind == MMU_FETCH, what);
}

/* ---- --top ----------------------------------------------------------------------------- */

static void site_add(struct emu_runner *r, uint32_t eip, uint64_t refl, uint64_t dirty)
{
    if ((r->sites_len + 1) * 2 > r->sites_cap) {
        size_t ncap = r->sites_cap ? r->sites_cap * 2 : 1024;
        struct site_rec *nt = calloc(ncap, sizeof *nt);
        if (!nt) {
            host_fail(r, "out of memory for --top%s", NULL);
            return;
        }
        for (size_t i = 0; i < r->sites_cap; i++) {
            if (!r->sites[i].used)
                continue;
            size_t s = (r->sites[i].eip * 2654435761u) & (ncap - 1);
            while (nt[s].used)
                s = (s + 1) & (ncap - 1);
            nt[s] = r->sites[i];
        }
        free(r->sites);
        r->sites = nt;
        r->sites_cap = ncap;
    }
    size_t s = (eip * 2654435761u) & (r->sites_cap - 1);
    while (r->sites[s].used && r->sites[s].eip != eip)
        s = (s + 1) & (r->sites_cap - 1);
    if (!r->sites[s].used) {
        r->sites[s].used = true;
        r->sites[s].eip = eip;
        r->sites_len++;
    }
    r->sites[s].refl += refl;
    r->sites[s].dirty += dirty;
}

struct ctr_snap {
    uint64_t refl, dirty;
};
static inline struct ctr_snap snap(const struct emu_runner *r)
{
    const struct mmu_counters *c = vk_counters(r->m0);
    return (struct ctr_snap){MMU_CTR(c, fault_reflected), MMU_CTR(c, fault_dirty_trap)};
}
static inline void snap_diff(struct emu_runner *r, struct ctr_snap a, uint32_t eip_or_zero,
                             bool have_eip)
{
    struct ctr_snap b = snap(r);
    if (b.refl == a.refl && b.dirty == a.dirty)
        return;
    uint32_t eip = have_eip ? eip_or_zero : reg32(r, UC_X86_REG_EIP);
    site_add(r, eip, b.refl - a.refl, b.dirty - a.dirty);
}

/* ---- guest memory for gos (identity-mapped; the engine's range is refused) ---- */

/* A kernel copy to or from guest memory goes through the user's page tables on a real
 * kernel (copyin/copyout), setting A, and D on a write, of the pages that are mapped.
 * Unicorn's uc_mem_read/write bypass the tables, so the paging engine sets them, as the
 * hooks engine's model does for its own bits (prefault.used, vk.spurious_dirty). */
static void kernel_ad(struct emu_runner *r, uint32_t addr, size_t len, bool write)
{
    if (r->engine != EMU_ENGINE_PAGING)
        return;
    for (uint32_t vpn = addr >> 12; vpn <= (uint32_t)((addr + len - 1) >> 12); vpn++)
        if (r->mc.upt[vpn] & EMU_PG_P)
            r->mc.upt[vpn] |= EMU_PG_A | (write ? EMU_PG_D : 0);
}

static int mem_read(void *ctx, uint32_t addr, void *buf, size_t len)
{
    struct emu_runner *r = ctx;
    if (len == 0)
        return 0;
    if ((uint64_t)addr + len > EMU_USER_LIMIT)
        return -1;
    kernel_ad(r, addr, len, false);
    return uc_mem_read(r->mc.uc, addr, buf, len) == UC_ERR_OK ? 0 : -1;
}

static int mem_write(void *ctx, uint32_t addr, const void *buf, size_t len)
{
    struct emu_runner *r = ctx;
    if (len == 0)
        return 0;
    if ((uint64_t)addr + len > EMU_USER_LIMIT)
        return -1;
    kernel_ad(r, addr, len, true);
    return uc_mem_write(r->mc.uc, addr, buf, len) == UC_ERR_OK ? 0 : -1;
}

/* ---- the real-PTE observer (paging engine) ---- */

static void obs_changed(void *ctx, uint64_t vpn, uint8_t old_bits, uint8_t new_bits)
{
    struct emu_runner *r = ctx;
    if (vpn >= EMU_USER_VPNS)
        return;
    uint32_t *pte = &r->mc.upt[vpn];
    uint32_t hw_ad = *pte & (EMU_PG_A | EMU_PG_D);
    uint32_t v = ((uint32_t)vpn << 12) | EMU_PG_U;
    if (new_bits & REAL_P)
        v |= EMU_PG_P | ((new_bits & REAL_W) ? EMU_PG_W : 0);
    /* A and D belong to the hardware; they follow the model only when it changes them (a
     * fresh mapping, or clearing them).  A non-present entry keeps them, so read_ad() still
     * answers for a page the model has just removed. */
    uint32_t model_ad = ((new_bits & REAL_A) ? EMU_PG_A : 0) | ((new_bits & REAL_D) ? EMU_PG_D : 0);
    bool fresh = (new_bits & REAL_P) && !(old_bits & REAL_P);
    if (fresh || ((old_bits ^ new_bits) & (REAL_A | REAL_D)))
        v |= model_ad;
    else
        v |= hw_ad;
    /* Downgrades need a flush (section 4): removal, W -> RO, or A/D cleared on a mapping
     * the TLB may hold. */
    bool was_p = *pte & EMU_PG_P, was_w = *pte & EMU_PG_W;
    if ((was_p && !(v & EMU_PG_P)) || (was_w && !(v & EMU_PG_W)) ||
        (was_p && (hw_ad & ~v & (EMU_PG_A | EMU_PG_D))))
        r->mc.flush_pending = true;
    *pte = v;
}

static uint8_t obs_read_ad(void *ctx, uint64_t vpn)
{
    struct emu_runner *r = ctx;
    if (vpn >= EMU_USER_VPNS)
        return 0;
    uint32_t pte = r->mc.upt[vpn];
    return (uint8_t)(((pte & EMU_PG_A) ? REAL_A : 0) | ((pte & EMU_PG_D) ? REAL_D : 0));
}

/* ---- hooks ----------------------------------------------------------------------------- */

static void set_thread_area(struct emu_runner *r, struct gos_regs *regs)
{
    uint32_t ud[4]; /* entry_number, base_addr, limit, flags (asm/ldt.h struct user_desc) */
    uint32_t p = regs->ebx;
    vk_set_syscall(r->set, EMU_SYS_SET_THREAD_AREA);
    int st = vk_set_kernel_access(r->set, p, sizeof ud, false);
    if (st == VK_ERROR) {
        host_fail(r, "model error in set_thread_area: %s", vk_error(r->m0));
        return;
    }
    if (st != VK_OK || mem_read(r, p, ud, sizeof ud) != 0) {
        regs->eax = (uint32_t)-EFAULT;
        return;
    }
    uint32_t idx = ud[0];
    if (idx == 0xFFFFFFFFu) {
        for (idx = EMU_TLS_FIRST; idx <= EMU_TLS_LAST; idx++)
            if (r->mc.gdt[idx] == 0)
                break;
        if (idx > EMU_TLS_LAST) {
            regs->eax = (uint32_t)-ESRCH;
            return;
        }
        st = vk_set_kernel_access(r->set, p, 4, true);
        if (st == VK_ERROR) {
            host_fail(r, "model error in set_thread_area: %s", vk_error(r->m0));
            return;
        }
        if (st != VK_OK || mem_write(r, p, &idx, 4) != 0) {
            regs->eax = (uint32_t)-EFAULT;
            return;
        }
    } else if (idx < EMU_TLS_FIRST || idx > EMU_TLS_LAST) {
        regs->eax = (uint32_t)-EINVAL;
        return;
    }
    emu_machine_set_tls(&r->mc, idx, ud[1], ud[2], ud[3]);
    regs->eax = 0;
}

static void do_syscall(struct emu_runner *r)
{
    int ids[7] = {UC_X86_REG_EAX, UC_X86_REG_EBX, UC_X86_REG_ECX, UC_X86_REG_EDX,
                  UC_X86_REG_ESI, UC_X86_REG_EDI, UC_X86_REG_EBP};
    struct gos_regs regs;
    void *ptrs[7] = {&regs.eax, &regs.ebx, &regs.ecx, &regs.edx, &regs.esi, &regs.edi, &regs.ebp};
    if (EMU_UC(&r->mc, uc_reg_read_batch(r->mc.uc, ids, ptrs, 7))) {
        host_fail(r, "%s", r->err);
        return;
    }
    r->res->syscalls++;
    if (regs.eax == EMU_SYS_SET_THREAD_AREA) {
        set_thread_area(r, &regs);
    } else {
        int status = 0;
        enum gos_result gr = gos_syscall(r->gos, &regs, &status);
        if (gr == GOS_EXIT) {
            int sig = gos_exit_signal(r->gos);
            emu_machine_flush(&r->mc);
            if (sig) { /* SIGPIPE: a write to a pipe nobody reads */
                uint32_t eip = reg32(r, UC_X86_REG_EIP) - 2; /* the int 0x80 */
                guest_signal(r, sig, eip, eip, false, "write to a pipe with no reader");
                return;
            }
            r->res->end = EMU_END_EXIT;
            r->res->exit_status = status & 0xFF;
            r->stopping = true;
            uc_emu_stop(r->mc.uc);
            return;
        }
        if (gr == GOS_ERROR) {
            host_fail(r, "system call failed: %s", gos_error(r->gos));
            return;
        }
    }
    if (r->stopping)
        return;
    EMU_UC(&r->mc, uc_reg_write(r->mc.uc, UC_X86_REG_EAX, &regs.eax));
    emu_machine_flush(&r->mc);
}

/* A data fault at eip inside block lb: the instructions from eip to the block's end did not
 * run, and Unicorn's retry enters a new block at eip that counts them again.  A rep
 * iteration that counted nothing un-counts nothing, and its retry stays an iteration. */
static void uncount_tail(struct emu_runner *r, const struct emu_block *lb, uint32_t eip)
{
    uint32_t tail = r->last_counted ? emu_blocks_tail(&r->blocks, lb, eip) : 0;
    r->insns -= tail;
    if (tail)
        r->rep_cont = 0;
    r->last_block = NULL;
}

/* An I/O instruction at CPL 3 (in, out, ins, outs, with or without rep): Linux runs user code
 * with IOPL 0 and no I/O permission bitmap, so the CPU raises #GP before the instruction
 * touches a port or memory, and the guest dies of SIGSEGV.  Unicorn 2.0.1 skips that check:
 * the engine catches the instruction at its port access (UC_HOOK_INSN) or, for ins/outs, at
 * the memory access Unicorn makes first (page_fault, hook_mem_slow). */
static void io_fault(struct emu_runner *r, uint32_t at)
{
    const struct emu_block *lb = r->last_block;
    if (lb && at - lb->addr < lb->size)
        uncount_tail(r, lb, at);
    guest_signal(r, SIGSEGV, at, at, false,
                 "general protection fault (#GP): I/O instruction at CPL 3 (IOPL 0)");
}

/* The I/O instruction that is running: the first of the current block (the first one ends
 * the guest); the bare engine, which has no block hook, asks Unicorn for EIP. */
static uint32_t io_site(struct emu_runner *r)
{
    const struct emu_block *lb = r->last_block;
    return lb && lb->io_addr ? lb->io_addr : reg32(r, UC_X86_REG_EIP);
}

static uint32_t hook_in(uc_engine *uc, uint32_t port, int size, void *user)
{
    (void)uc;
    (void)port;
    (void)size;
    struct emu_runner *r = user;
    if (!r->stopping)
        io_fault(r, io_site(r));
    return 0;
}

static void hook_out(uc_engine *uc, uint32_t port, int size, uint32_t value, void *user)
{
    (void)uc;
    (void)port;
    (void)size;
    (void)value;
    struct emu_runner *r = user;
    if (!r->stopping)
        io_fault(r, io_site(r));
}

/* sysenter and syscall from a static i386 program.  Linux enters the kernel on sysenter, but
 * returns through the vDSO's landing pad, which a program started without AT_SYSINFO never has:
 * the guest dies of SIGSEGV.  syscall in 32-bit code is #UD on Intel CPUs (SIGILL; qemu-i386
 * does the same).  Unicorn 2.0.1 treats both as no-ops unless hooked.  Each ends its block, so
 * the instruction is the last 2 bytes of the block the hook announced last. */
static uint32_t fast_call_site(struct emu_runner *r)
{
    const struct emu_block *lb = r->last_block;
    return lb && lb->size >= 2 ? lb->addr + lb->size - 2 : reg32(r, UC_X86_REG_EIP);
}

static void hook_sysenter(uc_engine *uc, void *user)
{
    (void)uc;
    struct emu_runner *r = user;
    if (r->stopping)
        return;
    uint32_t at = fast_call_site(r);
    guest_signal(r, SIGSEGV, at, at, false,
                 "sysenter without the vDSO's return path (the program has no AT_SYSINFO)");
}

static void hook_syscall(uc_engine *uc, void *user)
{
    (void)uc;
    struct emu_runner *r = user;
    if (r->stopping)
        return;
    uint32_t at = fast_call_site(r);
    guest_signal(r, SIGILL, at, at, false, "invalid opcode (#UD): syscall in 32-bit code");
}

static void page_fault(struct emu_runner *r, uint32_t eip, uint32_t cr2, uint32_t ec)
{
    /* A data fault happens inside the block the block hook announced last; a fetch fault
     * happens while Unicorn looks up or translates the next block, before its hook. */
    const struct emu_block *lb = r->last_block;
    bool in_block = lb && eip - lb->addr < lb->size;
    enum mmu_kind kind = (ec & 2) ? MMU_WRITE : in_block ? MMU_READ : MMU_FETCH;
    if (in_block && eip == lb->io_addr) {
        io_fault(r, eip); /* ins/outs: #GP comes before the memory access */
        return;
    }
    if (in_block)
        uncount_tail(r, lb, eip);
    r->res->page_faults++;
    uint64_t state = (((uint64_t)reg32(r, UC_X86_REG_ECX) << 32 | reg32(r, UC_X86_REG_ESI)) ^
                      ((uint64_t)reg32(r, UC_X86_REG_EDI) << 16)) * 0x9E3779B97F4A7C15ull ^
                     (cr2 >> 12) ^ ((uint64_t)kind << 20);
    bool seen = false;
    for (int k = 0; k < 4; k++)
        seen |= r->rep_state[k] == state;
    if (eip == r->rep_eip && seen) {
        if (++r->rep_count >= EMU_FAULT_REPEAT_LIMIT) {
            char d[200];
            snprintf(d, sizeof d,
                     "%u faults at eip 0x%x without progress (last: %s at 0x%x, real bits "
                     "0x%x): the model's answers never let the access complete",
                     r->rep_count, eip, kind_name(kind), cr2, vk_real_bits(r->m0, cr2 >> 12));
            host_fail(r, "engine: %s", d);
            return;
        }
    } else if (eip != r->rep_eip) {
        r->rep_eip = eip;
        memset(r->rep_state, 0, sizeof r->rep_state);
        r->rep_count = 0;
    } else {
        r->rep_count = 0;
    }
    r->rep_state[r->rep_next++ & 3] = state;
    struct ctr_snap s0 = {0, 0};
    if (r->o->top)
        s0 = snap(r);
    enum vk_fault_outcome out = vk_real_fault(r->m0, cr2 >> 12, kind);
    emu_machine_flush(&r->mc);
    if (r->o->top)
        snap_diff(r, s0, eip, true);
    switch (out) {
    case VK_FO_RESOLVED:
    case VK_FO_REFLECTED:
        return;
    case VK_FO_SEGV:
        segv_report(r, eip, cr2, kind);
        return;
    case VK_FO_ERROR:
    default:
        host_fail(r, "model error: %s", vk_error(r->m0));
        return;
    }
}

static int signal_of(uint32_t intno)
{
    switch (intno) {
    case 0: return SIGFPE;   /* #DE */
    case 1:
    case 3: return SIGTRAP;  /* #DB, #BP */
    case 6: return SIGILL;   /* #UD */
    case 12:
    case 17: return SIGBUS;  /* #SS, #AC */
    case 16:
    case 19: return SIGFPE;  /* #MF, #XM */
    default: return SIGSEGV; /* #GP, #OF, #BR, `int n` other than 0x80 */
    }
}

static const char *exception_name(uint32_t intno)
{
    switch (intno) {
    case 0: return "divide error (#DE)";
    case 1: return "debug trap (#DB)";
    case 3: return "breakpoint (#BP)";
    case 4: return "overflow (#OF)";
    case 5: return "bound range exceeded (#BR)";
    case 6: return "invalid instruction (#UD)";
    case 12: return "stack-segment fault (#SS)";
    case 13: return "general protection fault (#GP)";
    case 16: return "x87 floating-point error (#MF)";
    case 17: return "alignment check (#AC)";
    case 19: return "SIMD floating-point exception (#XM)";
    default: return NULL;
    }
}

static void hook_intr(uc_engine *uc, uint32_t intno, void *user)
{
    (void)uc;
    struct emu_runner *r = user;
    if (r->stopping)
        return;
    if (intno == 0x80) {
        do_syscall(r);
        return;
    }
    uint32_t ec = emu_machine_fixup(&r->mc);
    uint32_t eip = reg32(r, UC_X86_REG_EIP);
    if (intno == 14) {
        uint32_t cr2 = reg32(r, UC_X86_REG_CR2);
        if (r->engine == EMU_ENGINE_PAGING && cr2 < EMU_USER_LIMIT) {
            page_fault(r, eip, cr2, ec);
            return;
        }
        const struct emu_block *lb = r->last_block;
        bool in_block = lb && eip - lb->addr < lb->size;
        enum mmu_kind kind = (ec & 2) ? MMU_WRITE : in_block ? MMU_READ : MMU_FETCH;
        if (in_block)
            uncount_tail(r, lb, eip);
        /* hooks/bare: only page 0 and the engine's range are not present.  The models
         * still count the access (in the paging engine it is a real fault, then a segv). */
        if (r->engine == EMU_ENGINE_HOOKS && cr2 < EMU_USER_LIMIT &&
            vk_set_access(r->set, cr2, 1, kind) == VK_ERROR) {
            host_fail(r, "model error: %s", vk_error(r->m0));
            return;
        }
        segv_report(r, eip, cr2, kind);
        return;
    }
    if (intno == 8) {
        host_fail(r, "engine: double fault (#DF): the old_exception fix-up did not work%s", NULL);
        return;
    }
    const char *name = exception_name(intno);
    char what[128];
    if (name)
        snprintf(what, sizeof what, "%s", name);
    else
        snprintf(what, sizeof what, "int 0x%x (not a system call gate)", intno);
    /* Software interrupts report EIP past the instruction; `int n` is 2 bytes. */
    uint32_t at = (name == NULL && intno != 4 && intno != 3) ? eip - 2 : (intno == 3 ? eip - 1 : eip);
    guest_signal(r, signal_of(intno), at, at, false, what);
}

/* Gives the models the instructions counted since the last call. */
static void flush_insns(struct emu_runner *r)
{
    vk_set_insns(r->set, r->insns - r->insns_reported);
    r->insns_reported = r->insns;
}

static void count_block(struct emu_runner *r, uint32_t addr, uint32_t size)
{
    const struct emu_block *b = emu_blocks_get(&r->blocks, r->mc.uc, addr, size);
    if (!b) {
        host_fail(r, "out of memory in the block cache%s", NULL);
        return;
    }
    /* A rep-prefixed string instruction is one instruction, however many iterations:
     * Unicorn re-enters a block holding only it for each one (after a first pass as the
     * last instruction of a longer block). */
    /* Every previous block's count is final now (a fault un-counts only the block it hit):
     * hand them to the models every 4096 blocks, so timelines and recordings see the
     * instructions as the run goes. */
    if (__builtin_expect((r->res->blocks & 0xFFFu) == 0, 0) && r->set->n)
        flush_insns(r);
    uint32_t n = b->ninsns;
    if (n == 1 && b->rep_addr == addr && r->rep_cont == addr)
        n = 0;
    r->rep_cont = b->rep_addr;
    r->insns += n;
    r->last_counted = n;
    r->res->blocks++;
    r->last_block = b;
    if (r->o->max_insns && r->insns >= r->o->max_insns) {
        r->res->end = EMU_END_MAX_INSNS;
        r->res->exit_status = 1;
        r->res->eip = addr;
        r->stopping = true;
        uc_emu_stop(r->mc.uc);
        return;
    }
    /* The watchdog's request, seen at a block boundary (its own uc_emu_stop may land in the
     * middle of a hook).  One relaxed load per block. */
    int ae = atomic_load_explicit(&r->async_end, memory_order_relaxed);
    if (__builtin_expect(ae != 0, 0)) {
        async_stop(r, ae, addr);
        return;
    }
    if (__builtin_expect((r->res->blocks & 0xFFFFu) == 0, 0) && r->o->progress)
        r->o->progress(r->o->progress_ctx, r->insns);
}

static void hook_block_paging(uc_engine *uc, uint64_t addr, uint32_t size, void *user)
{
    (void)uc;
    struct emu_runner *r = user;
    if (!r->stopping)
        count_block(r, (uint32_t)addr, size);
}

static void access_failed(struct emu_runner *r, int st, uint32_t addr, uint32_t size,
                          enum mmu_kind kind, uint32_t eip)
{
    if (st == VK_ERROR) {
        host_fail(r, "model error: %s", vk_error(r->m0));
        return;
    }
    /* VK_SEGV: name the page that has no rights for this kind (the second one when the
     * access crosses a page and only the first is allowed). */
    uint32_t at = addr;
    const struct vk_region *reg = vk_region_find(r->m0, addr);
    unsigned need = kind == MMU_WRITE ? VK_PROT_W : VK_PROT_R;
    if (reg && (reg->prot & need) && size > 1)
        at = (addr + size - 1) & ~0xFFFu;
    /* the instructions from the faulting one (for a fetch: from the first byte that cannot
     * be fetched) to the block's end did not run */
    if (r->last_block)
        uncount_tail(r, r->last_block, kind == MMU_FETCH ? at : eip);
    segv_report(r, eip, at, kind);
}

static void hook_block_hooks(uc_engine *uc, uint64_t addr, uint32_t size, void *user)
{
    (void)uc;
    struct emu_runner *r = user;
    if (r->stopping)
        return;
    count_block(r, (uint32_t)addr, size);
    if (r->stopping)
        return;
    r->slow_mem = r->top || r->last_block->io_addr != 0;
    if (size == 0 || r->last_counted == 0)
        return; /* a rep iteration fetches nothing new */
    struct ctr_snap s0 = {0, 0};
    if (r->o->top)
        s0 = snap(r);
    int st = vk_set_access(r->set, addr, size, MMU_FETCH);
    if (st != VK_OK) {
        access_failed(r, st, (uint32_t)addr, size, MMU_FETCH, (uint32_t)addr);
        return;
    }
    if (r->o->top)
        snap_diff(r, s0, (uint32_t)addr, true);
}

static void hook_mem_slow(struct emu_runner *r, enum mmu_kind kind, uint64_t addr, int size)
{
    if (r->stopping)
        return;
    const struct emu_block *lb = r->last_block;
    if (lb && lb->io_addr && reg32(r, UC_X86_REG_EIP) == lb->io_addr) {
        io_fault(r, lb->io_addr); /* ins/outs: #GP comes before the memory access */
        return;
    }
    struct ctr_snap s0 = snap(r);
    int st = vk_set_access(r->set, addr, (uint64_t)size, kind);
    if (st != VK_OK) {
        access_failed(r, st, (uint32_t)addr, (uint32_t)size, kind, reg32(r, UC_X86_REG_EIP));
        return;
    }
    snap_diff(r, s0, 0, false);
}

/* The hot path of the hooks engine: one call per guest load or store. */
static void hook_mem(uc_engine *uc, uc_mem_type type, uint64_t addr, int size, int64_t value,
                     void *user)
{
    (void)uc;
    (void)value;
    struct emu_runner *r = user;
    enum mmu_kind kind = type == UC_MEM_WRITE ? MMU_WRITE : MMU_READ;
    if (__builtin_expect(r->stopping || r->slow_mem, 0)) {
        hook_mem_slow(r, kind, addr, size);
        return;
    }
    int st = vk_set_access(r->set, addr, (uint64_t)size, kind);
    if (__builtin_expect(st != VK_OK, 0))
        access_failed(r, st, (uint32_t)addr, (uint32_t)size, kind, reg32(r, UC_X86_REG_EIP));
}

/* ---- loading --------------------------------------------------------------------------- */

static uint32_t page_up(uint64_t a)
{
    return (uint32_t)((a + 0xFFFu) & ~0xFFFull);
}

static int map_checked(struct emu_runner *r, uint32_t start, uint32_t end, unsigned prot,
                       enum vk_region_kind kind, uint32_t file_id, uint64_t pgoff)
{
    if (start >= end)
        return 0;
    int st = gos_map(r->gos, start, end, prot, kind, file_id, pgoff);
    if (st == VK_ERROR) {
        snprintf(r->err, r->errlen, "model error mapping [0x%x, 0x%x): %s", start, end,
                 r->m0 ? vk_error(r->m0) : "?");
        return -1;
    }
    return 0;
}

static int load_image(struct emu_runner *r, uint32_t file_id)
{
    const struct emu_elf *e = &r->elf;
    for (size_t i = 0; i < e->nseg; i++) {
        const struct emu_segment *s = &e->seg[i];
        if (s->filesz &&
            EMU_UC(&r->mc, uc_mem_write(r->mc.uc, s->vaddr, e->data + s->offset, s->filesz)))
            return -1;
        uint32_t start = s->vaddr & ~0xFFFu;
        uint32_t file_end = s->filesz ? page_up((uint64_t)s->vaddr + s->filesz) : start;
        uint32_t end = page_up((uint64_t)s->vaddr + s->memsz);
        /* The file-backed part (its last page holds the start of the bss, zeroed as Linux's
         * padzero does), then anonymous zero-fill memory for the rest of the bss. */
        if (map_checked(r, start, file_end, s->prot, VK_FILE, file_id, (s->offset & ~0xFFFu) >> 12) ||
            map_checked(r, file_end, end, s->prot, VK_ANON, 0, 0))
            return -1;
    }
    return 0;
}

/* Builds the initial stack as Linux's create_elf_tables does (argc, argv, envp, auxv, the
 * strings and AT_RANDOM's 16 bytes above them); returns the initial ESP, 0 on error. */
static uint32_t build_stack(struct emu_runner *r)
{
    static const char *const envp[] = {"PATH=/bin", "HOME=/", "LANG=C", NULL};
    const struct emu_elf *e = &r->elf;
    int argc = r->o->argc;
    int envc = 0;
    while (envp[envc])
        envc++;
    uint32_t argv_at[256], envp_at[8];
    if (argc > 255) {
        snprintf(r->err, r->errlen, "too many guest arguments (%d, at most 255)", argc);
        return 0;
    }
    uint32_t sp = EMU_STACK_TOP - 16;
    /* AT_EXECFN string at the top, then argv and envp strings. */
    const char *execfn = r->o->gos.exe_path ? r->o->gos.exe_path : r->o->argv[0];
    size_t total = strlen(execfn) + 1;
    for (int i = 0; i < argc; i++)
        total += strlen(r->o->argv[i]) + 1;
    if (total > 1u << 20) {
        snprintf(r->err, r->errlen, "guest arguments too long (%zu bytes, at most 1 MiB)", total);
        return 0;
    }
    sp -= (uint32_t)strlen(execfn) + 1;
    uint32_t execfn_at = sp;
    mem_write(r, sp, execfn, strlen(execfn) + 1);
    for (int i = argc; i-- > 0;) {
        size_t n = strlen(r->o->argv[i]) + 1;
        sp -= (uint32_t)n;
        mem_write(r, sp, r->o->argv[i], n);
        argv_at[i] = sp;
    }
    for (int i = envc; i-- > 0;) {
        size_t n = strlen(envp[i]) + 1;
        sp -= (uint32_t)n;
        mem_write(r, sp, envp[i], n);
        envp_at[i] = sp;
    }
    uint8_t rnd[16];
    gos_random_bytes(r->gos, rnd, sizeof rnd);
    sp = (sp - 16) & ~15u;
    uint32_t random_at = sp;
    mem_write(r, sp, rnd, sizeof rnd);

    uint32_t auxv[][2] = {
        {3, e->phdr_vaddr},     /* AT_PHDR */
        {4, e->phent},          /* AT_PHENT */
        {5, e->phnum},          /* AT_PHNUM */
        {6, 4096},              /* AT_PAGESZ */
        {7, 0},                 /* AT_BASE: no interpreter */
        {8, 0},                 /* AT_FLAGS */
        {9, e->entry},          /* AT_ENTRY */
        {11, EMU_GUEST_UID},    /* AT_UID */
        {12, EMU_GUEST_UID},    /* AT_EUID */
        {13, EMU_GUEST_GID},    /* AT_GID */
        {14, EMU_GUEST_GID},    /* AT_EGID */
        {17, 100},              /* AT_CLKTCK */
        {23, 0},                /* AT_SECURE */
        {25, random_at},        /* AT_RANDOM */
        {31, execfn_at},        /* AT_EXECFN */
        {0, 0},                 /* AT_NULL */
    };
    size_t nauxv = sizeof auxv / sizeof auxv[0];
    size_t words = 1 + (size_t)argc + 1 + (size_t)envc + 1 + 2 * nauxv;
    sp = (sp - (uint32_t)(words * 4)) & ~15u;
    uint32_t *vec = calloc(words, 4);
    if (!vec) {
        snprintf(r->err, r->errlen, "out of memory building the stack");
        return 0;
    }
    size_t k = 0;
    vec[k++] = (uint32_t)argc;
    for (int i = 0; i < argc; i++)
        vec[k++] = argv_at[i];
    vec[k++] = 0;
    for (int i = 0; i < envc; i++)
        vec[k++] = envp_at[i];
    vec[k++] = 0;
    for (size_t i = 0; i < nauxv; i++) {
        vec[k++] = auxv[i][0];
        vec[k++] = auxv[i][1];
    }
    int rc = mem_write(r, sp, vec, words * 4);
    free(vec);
    return rc == 0 ? sp : 0;
}

/* ---- the run ----------------------------------------------------------------------------- */

static int site_cmp(const void *a, const void *b)
{
    const struct emu_site *x = a, *y = b;
    uint64_t tx = x->reflected + x->dirty_traps, ty = y->reflected + y->dirty_traps;
    if (tx != ty)
        return tx > ty ? -1 : 1;
    return x->eip < y->eip ? -1 : x->eip > y->eip;
}

static void collect_sites(struct emu_runner *r)
{
    if (!r->o->top || r->sites_len == 0)
        return;
    struct emu_site *all = calloc(r->sites_len, sizeof *all);
    if (!all)
        return;
    size_t n = 0;
    for (size_t i = 0; i < r->sites_cap; i++)
        if (r->sites[i].used)
            all[n++] = (struct emu_site){.eip = r->sites[i].eip, .reflected = r->sites[i].refl,
                                         .dirty_traps = r->sites[i].dirty};
    qsort(all, n, sizeof *all, site_cmp);
    if (n > r->o->top)
        n = r->o->top;
    for (size_t i = 0; i < n; i++) {
        emu_elf_symbolize(&r->elf, all[i].eip, all[i].sym, sizeof all[i].sym);
        emu_disasm(r->blocks.cs, r->mc.uc, all[i].eip, all[i].insn, sizeof all[i].insn);
    }
    r->res->sites = all;
    r->res->nsites = n;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int emu_run(const struct emu_options *o, struct vk_set *models, struct emu_result *res,
            char *err, size_t errlen)
{
    memset(res, 0, sizeof *res);
    res->old_exception_offset = -1;
    res->error_code_offset = -1;
    err[0] = '\0';
    if (o->argc < 1 || !o->argv || !o->argv[0]) {
        snprintf(err, errlen, "no guest argv[0]");
        return EMU_EINPUT;
    }
    if (o->engine == EMU_ENGINE_PAGING && models->n != 1) {
        snprintf(err, errlen,
                 "--engine paging runs exactly one configuration (%zu given); use --engine hooks",
                 models->n);
        return EMU_EINPUT;
    }
    if (o->engine == EMU_ENGINE_PAGING && vk_model_config(models->m[0])->opt.tlb_on) {
        snprintf(err, errlen, "the TLB model (--tlb) needs every access: use --engine hooks");
        return EMU_EINPUT;
    }
    if (o->engine != EMU_ENGINE_BARE && models->n == 0) {
        snprintf(err, errlen, "--engine %s needs at least one configuration",
                 emu_engine_name(o->engine));
        return EMU_EINPUT;
    }
    struct emu_runner *r = calloc(1, sizeof *r);
    if (!r) {
        snprintf(err, errlen, "out of memory");
        return EMU_EHOST;
    }
    r->o = o;
    r->set = models;
    r->m0 = models->n ? models->m[0] : NULL;
    r->res = res;
    r->engine = o->engine;
    r->err = err;
    r->errlen = errlen;
    r->top = o->top > 0;
    r->slow_mem = r->top;
    int rc = emu_elf_load(&r->elf, o->program, err, errlen);
    if (rc != EMU_OK) {
        free(r);
        return rc;
    }
    rc = EMU_EHOST;
    long old_off, ec_off;
    if (emu_selftest(&old_off, &ec_off, err, errlen) != 0)
        goto out_elf;
    res->old_exception_offset = old_off;
    res->error_code_offset = ec_off;
    if (emu_machine_open(&r->mc, o->engine != EMU_ENGINE_PAGING, err, errlen) != 0)
        goto out_mc;
    r->mc.old_exc_off = old_off;
    r->mc.err_code_off = ec_off;
    if (emu_blocks_init(&r->blocks) != 0) {
        snprintf(err, errlen, "cannot initialise Capstone for x86-32");
        goto out_mc;
    }
    if (o->engine == EMU_ENGINE_PAGING) {
        struct vk_real_observer obs = {obs_changed, obs_read_ad, r};
        vk_set_real_observer(r->m0, &obs);
    }
    struct gos_mem mem = {mem_read, mem_write, r};
    r->gos = gos_new(&o->gos, models, &mem);
    if (!r->gos) {
        snprintf(err, errlen, "cannot start the guest OS (root %s): %s",
                 o->gos.root ? o->gos.root : ".", strerror(errno));
        rc = EMU_EINPUT;
        goto out_blocks;
    }
    uint32_t file_id = 0;
    int fd = open(o->program, O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        file_id = gos_file_id(r->gos, fd);
        close(fd);
    }
    if (file_id == 0)
        file_id = EMU_EXE_FILE_ID_FALLBACK;
    if (load_image(r, file_id) != 0 ||
        map_checked(r, EMU_STACK_TOP - EMU_STACK_SIZE, EMU_STACK_TOP, VK_PROT_R | VK_PROT_W,
                    VK_ANON, 0, 0) != 0)
        goto out_gos;
    if (o->gos_log) {
        if (o->gos_replay)
            gos_replay(r->gos, o->gos_log);
        else
            gos_record(r->gos, o->gos_log);
    }
    gos_set_brk_base(r->gos, r->elf.brk_base);
    gos_set_mmap_top(r->gos, EMU_MMAP_TOP);
    uint32_t esp = build_stack(r);
    if (esp == 0)
        goto out_gos;

    uc_hook h;
    if (EMU_UC(&r->mc, uc_hook_add(r->mc.uc, &h, UC_HOOK_INTR, (void *)hook_intr, r, 1, 0)) ||
        EMU_UC(&r->mc, uc_hook_add(r->mc.uc, &h, UC_HOOK_INSN, (void *)hook_in, r, 1, 0,
                                   UC_X86_INS_IN)) ||
        EMU_UC(&r->mc, uc_hook_add(r->mc.uc, &h, UC_HOOK_INSN, (void *)hook_out, r, 1, 0,
                                   UC_X86_INS_OUT)) ||
        EMU_UC(&r->mc, uc_hook_add(r->mc.uc, &h, UC_HOOK_INSN, (void *)hook_sysenter, r, 1, 0,
                                   UC_X86_INS_SYSENTER)) ||
        EMU_UC(&r->mc, uc_hook_add(r->mc.uc, &h, UC_HOOK_INSN, (void *)hook_syscall, r, 1, 0,
                                   UC_X86_INS_SYSCALL)))
        goto out_gos;
    if (o->engine == EMU_ENGINE_PAGING &&
        EMU_UC(&r->mc, uc_hook_add(r->mc.uc, &h, UC_HOOK_BLOCK, (void *)hook_block_paging, r, 0,
                                   EMU_USER_LIMIT - 1)))
        goto out_gos;
    if (o->engine == EMU_ENGINE_HOOKS &&
        (EMU_UC(&r->mc, uc_hook_add(r->mc.uc, &h, UC_HOOK_BLOCK, (void *)hook_block_hooks, r, 0,
                                    EMU_USER_LIMIT - 1)) ||
         EMU_UC(&r->mc, uc_hook_add(r->mc.uc, &h, UC_HOOK_MEM_READ | UC_HOOK_MEM_WRITE,
                                    (void *)hook_mem, r, 0, EMU_USER_LIMIT - 1))))
        goto out_gos;

    double t0 = now_s();
    struct watchdog wd = {r, o->timeout_s > 0 ? t0 + o->timeout_s : 0};
    pthread_t wd_thread;
    bool wd_on = (o->timeout_s > 0 || o->stop) &&
                 pthread_create(&wd_thread, NULL, watchdog_main, &wd) == 0;
    if ((o->timeout_s > 0 || o->stop) && !wd_on) {
        snprintf(err, errlen, "cannot start the watchdog thread for --timeout and Ctrl-C");
        goto out_gos;
    }
    int urc = emu_machine_start(&r->mc, r->elf.entry, esp, 0);
    atomic_store(&r->done, true);
    if (wd_on)
        pthread_join(wd_thread, NULL);
    res->seconds = now_s() - t0;
    res->insns = r->insns;
    int ae = atomic_load(&r->async_end);
    if (!r->stopping && !r->mc.failed && ae && urc == UC_ERR_OK)
        async_stop(r, ae, reg32(r, UC_X86_REG_EIP)); /* stopped between blocks (bare) */
    if (!r->stopping && !r->mc.failed) {
        if (urc == UC_ERR_INSN_INVALID) {
            uint32_t eip = reg32(r, UC_X86_REG_EIP);
            guest_signal(r, SIGILL, eip, eip, false, "invalid instruction (#UD)");
        } else if (urc != UC_ERR_OK) {
            snprintf(err, errlen, "unicorn stopped the guest at eip 0x%x: %s",
                     reg32(r, UC_X86_REG_EIP), uc_strerror((uc_err)urc));
            r->host_error = true;
        } else {
            snprintf(err, errlen, "unicorn returned at eip 0x%x without an exit, a signal or an "
                     "error (unexpected)", reg32(r, UC_X86_REG_EIP));
            r->host_error = true;
        }
    }
    if (r->host_error || r->mc.failed)
        goto out_gos;
    if (models->n) {
        flush_insns(r);
        vk_set_finish(models);
    }
    collect_sites(r);
    rc = EMU_OK;
    const unsigned *nrs;
    const char *const *names;
    size_t nun = gos_unknown_calls(r->gos, &nrs, &names);
    for (size_t i = 0, off = 0; i < nun && off < sizeof res->unknown_calls; i++) {
        int w = snprintf(res->unknown_calls + off, sizeof res->unknown_calls - off, "%s%u %s",
                         i ? ", " : "", nrs[i], names[i]);
        if (w < 0)
            break;
        off += (size_t)w;
    }
out_gos:
    gos_free(r->gos);
out_blocks:
    if (r->blocks.undecoded && rc == EMU_OK)
        fprintf(stderr, "vkmmu: note: %llu blocks had instructions Capstone cannot decode "
                        "(each counted as one instruction)\n",
                (unsigned long long)r->blocks.undecoded);
    emu_blocks_fini(&r->blocks);
out_mc:
    emu_machine_close(&r->mc);
out_elf:
    emu_elf_fini(&r->elf);
    free(r->sites);
    free(r);
    return rc;
}

void emu_result_fini(struct emu_result *res)
{
    free(res->sites);
    res->sites = NULL;
    res->nsites = 0;
}
