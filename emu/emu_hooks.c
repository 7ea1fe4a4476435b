/* emu/emu_hooks.c - the hook trampolines: Unicorn's events become model events.  A #PF goes to
 * vk_real_fault (paging engine); memory and block hooks go to vk_set_access (hooks engine);
 * `int 0x80` goes to gos_syscall (every engine); CPU exceptions, I/O instructions, sysenter and
 * syscall end the guest with the signal Linux would send.  Also the guest memory gos copies
 * through and the real-PTE observer that keeps the x86 page tables equal to the model's real
 * PTEs.  Hooks stay short: each decides, then calls one function that does the work. */
#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emu_internal.h"

#define EMU_SYS_SET_THREAD_AREA 243u /* i386 */
#define EMU_SYS_ARCH_PRCTL 158u      /* x86-64 */
/* Faults at one instruction that repeat one of its last four (page, kind, ECX, ESI, EDI: a rep
 * string instruction advances the registers, a loop the page) this many times in a row mean
 * the model's answers do not let the access complete (an answer that did not reach the page
 * tables, or --vk-mem too small for one instruction's pages): a run error, not a hang. */
#define EMU_FAULT_REPEAT_LIMIT 64u

/* ---- ending the run ---------------------------------------------------------------------- */

/* The running thread does nothing more in this uc_emu_start: the run ends, or a thread switch
 * is asked for (a system call's, or a process that dies of a signal). */
static inline bool halted(const struct emu_runner *r)
{
    return r->stopping || r->sched_pending;
}

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

/* The guest dies of sig at eip; addr is the faulting address (SIGSEGV) or eip.  A process
 * other than the first dies alone (its parent's wait4 sees the signal); the first one's death
 * ends the run. */
void emu_guest_signal(struct emu_runner *r, int sig, uint64_t eip, uint64_t addr, bool fetch,
                      const char *what)
{
    struct emu_result *res = r->res;
    if (r->proc && r->proc != r->gos) {
        if (r->set->n)
            emu_flush_insns(r);
        enum gos_result gr = gos_process_killed(r->proc, sig);
        if (gr == GOS_ERROR) {
            host_fail(r, "system call failed: %s", gos_error(r->proc));
            return;
        }
        r->sched_pending = true;
        uc_emu_stop(r->mc.uc);
        return;
    }
    res->end = EMU_END_SIGNAL;
    res->signal = sig;
    res->exit_status = 128 + sig;
    res->eip = eip;
    res->fault_addr = addr;
    snprintf(res->what, sizeof res->what, "%s", what);
    if (fetch && (addr & ~0xFFFull) == (eip & ~0xFFFull))
        snprintf(res->insn, sizeof res->insn, "(not readable: the fetch itself faulted)");
    else if (eip >= emu_user_limit(r))
        snprintf(res->insn, sizeof res->insn, "(not readable: outside user space)");
    else
        emu_disasm(r->blocks.cs, r->mc.uc, eip, res->insn, sizeof res->insn);
    emu_symbolize(r, r->proc ? r->proc : r->gos, eip, res->sym, sizeof res->sym);
    r->stopping = true;
    uc_emu_stop(r->mc.uc);
}

/* Ends the run for the watchdog's reason (EMU_END_TIMEOUT or EMU_END_INTERRUPTED) at eip. */
void emu_async_stop(struct emu_runner *r, int end, uint64_t eip)
{
    r->res->end = (enum emu_end)end;
    r->res->exit_status = end == EMU_END_TIMEOUT ? 124 : 128 + (r->opt->stop ? *r->opt->stop : 0);
    r->res->eip = eip;
    r->stopping = true;
    uc_emu_stop(r->mc.uc);
}

uint32_t emu_reg32(struct emu_runner *r, int reg)
{
    uint32_t v = 0;
    EMU_UC(&r->mc, uc_reg_read(r->mc.uc, reg, &v));
    return v;
}

/* A 64-bit register (0 and mc.failed when Unicorn refuses). */
static uint64_t emu_reg64(struct emu_runner *r, int reg)
{
    uint64_t v = 0;
    EMU_UC(&r->mc, uc_reg_read(r->mc.uc, reg, &v));
    return v;
}

uint64_t emu_pc(struct emu_runner *r)
{
    return r->mc.is64 ? emu_reg64(r, UC_X86_REG_RIP) : emu_reg32(r, UC_X86_REG_EIP);
}

static const char *kind_name(enum mmu_kind k)
{
    return k == MMU_WRITE ? "write" : k == MMU_FETCH ? "fetch" : "read";
}

static void segv_report(struct emu_runner *r, uint64_t eip, uint64_t addr, enum mmu_kind kind)
{
    char what[128];
    const struct vk_region *reg = r->first_model ? vk_region_find(r->first_model, addr) : NULL;
    if (reg)
        snprintf(what, sizeof what, "segmentation fault: %s at 0x%llx (region %c%c%c)",
                 kind_name(kind), (unsigned long long)addr, reg->prot & VK_PROT_R ? 'r' : '-',
                 reg->prot & VK_PROT_W ? 'w' : '-', reg->prot & VK_PROT_X ? 'x' : '-');
    else
        snprintf(what, sizeof what, "segmentation fault: %s at 0x%llx (no region)",
                 kind_name(kind), (unsigned long long)addr);
    emu_guest_signal(r, SIGSEGV, eip, addr, kind == MMU_FETCH, what);
}

/* ---- --top ----------------------------------------------------------------------------- */

static size_t site_hash(uint64_t eip, const char *program, size_t cap)
{
    uint32_t h = eip * 2654435761u;
    for (const char *c = program; *c; c++)
        h = (h ^ (uint8_t)*c) * 16777619u;
    return h & (cap - 1);
}

static void site_add(struct emu_runner *r, uint64_t eip, uint64_t reflected, uint64_t dirty_traps)
{
    if ((r->sites_len + 1) * 2 > r->sites_cap) {
        size_t ncap = r->sites_cap ? r->sites_cap * 2 : 1024;
        struct emu_site_count *nt = calloc(ncap, sizeof *nt);
        if (!nt) {
            host_fail(r, "out of memory for --top%s", NULL);
            return;
        }
        for (size_t i = 0; i < r->sites_cap; i++) {
            if (!r->sites[i].used)
                continue;
            size_t s = site_hash(r->sites[i].eip, r->sites[i].program, ncap);
            while (nt[s].used)
                s = (s + 1) & (ncap - 1);
            nt[s] = r->sites[i];
        }
        free(r->sites);
        r->sites = nt;
        r->sites_cap = ncap;
    }
    char program[sizeof r->sites[0].program];
    snprintf(program, sizeof program, "%s", gos_program(r->proc));
    size_t s = site_hash(eip, program, r->sites_cap);
    while (r->sites[s].used && (r->sites[s].eip != eip || strcmp(r->sites[s].program, program)))
        s = (s + 1) & (r->sites_cap - 1);
    if (!r->sites[s].used) {
        r->sites[s].used = true;
        r->sites[s].eip = eip;
        memcpy(r->sites[s].program, program, sizeof program);
        r->sites_len++;
    }
    r->sites[s].reflected += reflected;
    r->sites[s].dirty_traps += dirty_traps;
}

/* The first model's reflections and dirty-bit traps before a fault or access, so that what it
 * added can be charged to the instruction (--top). */
struct site_counters {
    uint64_t reflected, dirty_traps;
};
static inline struct site_counters site_counters_now(const struct emu_runner *r)
{
    const struct mmu_counters *c = vk_counters(r->first_model);
    return (struct site_counters){MMU_CTR(c, fault_reflected), MMU_CTR(c, fault_dirty_trap)};
}
static inline void attribute_to_site(struct emu_runner *r, struct site_counters a,
                                     uint64_t eip_or_zero, bool have_eip)
{
    struct site_counters b = site_counters_now(r);
    if (b.reflected == a.reflected && b.dirty_traps == a.dirty_traps)
        return;
    uint64_t eip = have_eip ? eip_or_zero : emu_pc(r);
    site_add(r, eip, b.reflected - a.reflected, b.dirty_traps - a.dirty_traps);
}

/* ---- guest memory for gos (identity-mapped; the engine's range is refused) ---- */

/* A kernel copy to or from guest memory goes through the user's page tables on a real
 * kernel (copyin/copyout), setting A, and D on a write, of the pages that are mapped.
 * Unicorn's uc_mem_read/write bypass the tables, so the paging engine sets them, as the
 * hooks engine's model does for its own bits (prefault.used, vk.spurious_dirty). */
static void kernel_ad(struct emu_runner *r, uint64_t addr, size_t len, bool write)
{
    if (r->engine != EMU_ENGINE_PAGING)
        return;
    uint64_t set = EMU_PG_A | (write ? EMU_PG_D : 0);
    for (uint64_t vpn = addr >> 12; vpn <= (addr + len - 1) >> 12; vpn++) {
        if (r->mc.is64) {
            uint64_t *e = emu_pte64(&r->mc, vpn, false);
            if (e && (*e & EMU_PG_P))
                *e |= set;
        } else if (r->mc.upt[vpn] & EMU_PG_P) {
            r->mc.upt[vpn] |= (uint32_t)set;
        }
    }
}

static int mem_read(void *ctx, uint64_t addr, void *buf, size_t len)
{
    struct emu_runner *r = ctx;
    if (len == 0)
        return 0;
    if (addr + len > emu_user_limit(r) || emu_machine_back(&r->mc, addr, len) != 0)
        return -1;
    kernel_ad(r, addr, len, false);
    return uc_mem_read(r->mc.uc, addr, buf, len) == UC_ERR_OK ? 0 : -1;
}

static int mem_write(void *ctx, uint64_t addr, const void *buf, size_t len)
{
    struct emu_runner *r = ctx;
    if (len == 0)
        return 0;
    if (addr + len > emu_user_limit(r) || emu_machine_back(&r->mc, addr, len) != 0)
        return -1;
    kernel_ad(r, addr, len, true);
    return uc_mem_write(r->mc.uc, addr, buf, len) == UC_ERR_OK ? 0 : -1;
}

/* A moving mremap's bytes (gos_region_move): the host's copy of guest memory, which sets no
 * accessed or dirty bit (Linux moves the pages; no kernel copy touches them). */
static int mem_move(void *ctx, uint64_t from, uint64_t to, size_t len)
{
    struct emu_runner *r = ctx;
    if (len == 0)
        return 0;
    if (from + len > emu_user_limit(r) || to + len > emu_user_limit(r) ||
        emu_machine_back(&r->mc, from, len) != 0 || emu_machine_back(&r->mc, to, len) != 0)
        return -1;
    size_t cap = len < (1u << 20) ? len : (1u << 20);
    uint8_t *buf = malloc(cap);
    if (!buf)
        return -1;
    int rc = 0;
    for (size_t done = 0; done < len && !rc; done += cap < len - done ? cap : len - done) {
        size_t c = cap < len - done ? cap : len - done;
        if (uc_mem_read(r->mc.uc, from + done, buf, c) != UC_ERR_OK ||
            uc_mem_write(r->mc.uc, to + done, buf, c) != UC_ERR_OK)
            rc = -1;
    }
    free(buf);
    return rc;
}

/* ---- the real-PTE observer (paging engine) ---- */

/* The new value of a PTE that was `pte` when the model's real bits go from old_bits to
 * new_bits (frame: the entry's frame bits); *flush when the change is a downgrade. */
static uint64_t pte_update(uint64_t pte, uint64_t frame, uint8_t old_bits, uint8_t new_bits,
                           bool *flush)
{
    uint64_t hw_ad = pte & (EMU_PG_A | EMU_PG_D);
    uint64_t v = frame | EMU_PG_U;
    if (new_bits & REAL_P)
        v |= EMU_PG_P | ((new_bits & REAL_W) ? EMU_PG_W : 0);
    /* A and D belong to the hardware; they follow the model only when it changes them (a
     * fresh mapping, or clearing them).  A non-present entry keeps them, so read_ad() still
     * answers for a page the model has just removed. */
    uint64_t model_ad = ((new_bits & REAL_A) ? EMU_PG_A : 0) | ((new_bits & REAL_D) ? EMU_PG_D : 0);
    bool fresh = (new_bits & REAL_P) && !(old_bits & REAL_P);
    if (fresh || ((old_bits ^ new_bits) & (REAL_A | REAL_D)))
        v |= model_ad;
    else
        v |= hw_ad;
    /* Downgrades need a flush (section 4): removal, W -> RO, or A/D cleared on a mapping
     * the TLB may hold. */
    bool was_p = pte & EMU_PG_P, was_w = pte & EMU_PG_W;
    *flush = (was_p && !(v & EMU_PG_P)) || (was_w && !(v & EMU_PG_W)) ||
             (was_p && (hw_ad & ~v & (EMU_PG_A | EMU_PG_D)));
    return v;
}

static void obs_changed(void *ctx, uint32_t space, uint64_t vpn, uint8_t old_bits,
                        uint8_t new_bits)
{
    struct emu_runner *r = ctx;
    struct emu_machine *mc = emu_space_machine(r, space);
    if (!mc)
        return;
    bool flush = false;
    if (mc->is64) {
        if (vpn >= (EMU64_USER_LIMIT >> 12))
            return;
        uint64_t *pte = emu_pte64(mc, vpn, (new_bits & REAL_P) != 0);
        if (!pte) {
            if (new_bits & REAL_P) {
                mc->failed = true;
                snprintf(mc->err, mc->errlen, "engine: the page-table pool is full");
            }
            return; /* no table: nothing was mapped there */
        }
        /* the frame is the low bits of the page number: below 2^40, and ignored */
        *pte = pte_update(*pte, (vpn & 0x0FFFFFFFull) << 12, old_bits, new_bits, &flush);
    } else {
        if (vpn >= EMU_USER_VPNS)
            return;
        uint32_t *pte = &mc->upt[vpn];
        *pte = (uint32_t)pte_update(*pte, vpn << 12, old_bits, new_bits, &flush);
    }
    if (flush)
        mc->flush_pending = true;
}

static uint8_t obs_read_ad(void *ctx, uint32_t space, uint64_t vpn)
{
    struct emu_runner *r = ctx;
    struct emu_machine *mc = emu_space_machine(r, space);
    if (!mc)
        return 0;
    uint64_t pte = 0;
    if (mc->is64) {
        const uint64_t *e = vpn < (EMU64_USER_LIMIT >> 12) ? emu_pte64(mc, vpn, false) : NULL;
        pte = e ? *e : 0;
    } else if (vpn < EMU_USER_VPNS) {
        pte = mc->upt[vpn];
    }
    return (uint8_t)(((pte & EMU_PG_A) ? REAL_A : 0) | ((pte & EMU_PG_D) ? REAL_D : 0));
}

/* ---- hooks ----------------------------------------------------------------------------- */

static void set_thread_area(struct emu_runner *r, struct gos_regs *regs)
{
    uint32_t ud[4]; /* entry_number, base_addr, limit, flags (asm/ldt.h struct user_desc) */
    uint64_t p = regs->a[0];
    vk_set_syscall(r->set, EMU_SYS_SET_THREAD_AREA);
    int st = vk_set_kernel_access(r->set, p, sizeof ud, false);
    if (st == VK_ERROR) {
        host_fail(r, "model error in set_thread_area: %s", vk_error(r->first_model));
        return;
    }
    if (st != VK_OK || mem_read(r, p, ud, sizeof ud) != 0) {
        regs->ax = (uint64_t)-EFAULT;
        return;
    }
    uint32_t idx = ud[0];
    if (idx == 0xFFFFFFFFu) {
        for (idx = EMU_TLS_FIRST; idx <= EMU_TLS_LAST; idx++)
            if (r->mc.gdt[idx] == 0)
                break;
        if (idx > EMU_TLS_LAST) {
            regs->ax = (uint64_t)-ESRCH;
            return;
        }
        st = vk_set_kernel_access(r->set, p, 4, true);
        if (st == VK_ERROR) {
            host_fail(r, "model error in set_thread_area: %s", vk_error(r->first_model));
            return;
        }
        if (st != VK_OK || mem_write(r, p, &idx, 4) != 0) {
            regs->ax = (uint64_t)-EFAULT;
            return;
        }
    } else if (idx < EMU_TLS_FIRST || idx > EMU_TLS_LAST) {
        regs->ax = (uint64_t)-EINVAL;
        return;
    }
    emu_machine_set_tls(&r->mc, idx, ud[1], ud[2], ud[3]);
    regs->ax = 0;
}

/* gos_syscall answered GOS_SCHEDULE: the call's result goes to EAX (or, when the thread
 * blocked to run the call again, EIP goes back to the `int 0x80`), and the run loop
 * (emu_procs.c) acts on gos_action() and picks the next thread. */
static void schedule_after_call(struct emu_runner *r, const struct gos_regs *regs)
{
    /* EIP is moved back after uc_emu_start has returned (emu_procs.c): writing EIP in a hook
     * makes Unicorn 2.0.1 drop a stop request made in the same hook (unicorn-2.0.1.md). */
    if (gos_action(r->proc)->kind != GOS_ACT_BLOCK_RESTART)
        EMU_UC(&r->mc, uc_reg_write(r->mc.uc, r->mc.is64 ? UC_X86_REG_RAX : UC_X86_REG_EAX,
                                    &regs->ax));
    r->sched_pending = true;
    uc_emu_stop(r->mc.uc);
}

/* arch_prctl (x86-64): the FS and GS bases are the engine's (registers of the thread). */
static void arch_prctl(struct emu_runner *r, struct gos_regs *regs)
{
    enum { SET_GS = 0x1001, SET_FS = 0x1002, GET_FS = 0x1003, GET_GS = 0x1004 };
    vk_set_syscall(r->set, EMU_SYS_ARCH_PRCTL);
    int code = (int)regs->a[0];
    int reg = code == SET_FS || code == GET_FS ? UC_X86_REG_FS_BASE : UC_X86_REG_GS_BASE;
    if (code == SET_FS || code == SET_GS) {
        if (regs->a[1] >= EMU64_USER_LIMIT) { /* do_arch_prctl_64: a user address */
            regs->ax = (uint64_t)-EPERM;
            return;
        }
        regs->ax = EMU_UC(&r->mc, uc_reg_write(r->mc.uc, reg, &regs->a[1])) ? (uint64_t)-EINVAL : 0;
        return;
    }
    if (code == GET_FS || code == GET_GS) {
        uint64_t v = 0;
        EMU_UC(&r->mc, uc_reg_read(r->mc.uc, reg, &v));
        int st = vk_set_kernel_access(r->set, regs->a[1], 8, true);
        if (st == VK_ERROR) {
            host_fail(r, "model error in arch_prctl: %s", vk_error(r->first_model));
            return;
        }
        regs->ax = st == VK_OK && mem_write(r, regs->a[1], &v, 8) == 0 ? 0 : (uint64_t)-EFAULT;
        return;
    }
    regs->ax = (uint64_t)-EINVAL;
}

/* The call's registers: i386 EAX, EBX ... EBP; x86-64 RAX, RDI, RSI, RDX, R10, R8, R9.  A
 * 64-bit `syscall` also leaves RCX = the return address and R11 = RFLAGS, as Linux's entry
 * does (Unicorn's hook does not). 0 or -1. */
static int syscall_regs(struct emu_runner *r, struct gos_regs *regs)
{
    static const int ids32[8] = {UC_X86_REG_EAX, UC_X86_REG_EBX, UC_X86_REG_ECX, UC_X86_REG_EDX,
                                 UC_X86_REG_ESI, UC_X86_REG_EDI, UC_X86_REG_EBP, UC_X86_REG_ESP};
    static const int ids64[8] = {UC_X86_REG_RAX, UC_X86_REG_RDI, UC_X86_REG_RSI, UC_X86_REG_RDX,
                                 UC_X86_REG_R10, UC_X86_REG_R8,  UC_X86_REG_R9,  UC_X86_REG_RSP};
    *regs = (struct gos_regs){0}; /* the 32-bit reads fill the low halves */
    void *ptrs[8] = {&regs->ax, &regs->a[0], &regs->a[1], &regs->a[2],
                     &regs->a[3], &regs->a[4], &regs->a[5], &regs->sp};
    if (EMU_UC(&r->mc, uc_reg_read_batch(r->mc.uc, (int *)(r->mc.is64 ? ids64 : ids32), ptrs, 8)))
        return -1;
    if (r->mc.is64) {
        uint64_t rip = emu_pc(r) + 2, rflags = 0;
        if (EMU_UC(&r->mc, uc_reg_read(r->mc.uc, UC_X86_REG_RFLAGS, &rflags)) ||
            EMU_UC(&r->mc, uc_reg_write(r->mc.uc, UC_X86_REG_RCX, &rip)) ||
            EMU_UC(&r->mc, uc_reg_write(r->mc.uc, UC_X86_REG_R11, &rflags)))
            return -1;
    }
    return 0;
}

static void do_syscall(struct emu_runner *r)
{
    struct gos_regs regs;
    if (syscall_regs(r, &regs) != 0) {
        host_fail(r, "%s", r->err);
        return;
    }
    r->res->syscalls++;
    if (!r->mc.is64 && regs.ax == EMU_SYS_SET_THREAD_AREA) {
        set_thread_area(r, &regs);
    } else if (r->mc.is64 && regs.ax == EMU_SYS_ARCH_PRCTL) {
        arch_prctl(r, &regs);
    } else {
        int status = 0;
        if (gos_syscall_is_process(r->proc, (unsigned)regs.ax) && r->set->n)
            emu_flush_insns(r); /* the instructions so far are this process's */
        enum gos_result gr = gos_syscall(r->proc, &regs, &status);
        if (gr == GOS_SCHEDULE) {
            schedule_after_call(r, &regs);
            return;
        }
        if (gr == GOS_EXIT) {
            int sig = gos_exit_signal(r->proc);
            emu_machine_flush(&r->mc);
            if (sig) { /* SIGPIPE (a write to a pipe nobody reads), or a signal sent to it */
                uint64_t eip = r->mc.is64 ? emu_pc(r) : emu_pc(r) - 2; /* the call */
                emu_guest_signal(r, sig, eip, eip, false,
                                 sig == 13 ? "write to a pipe with no reader"
                                           : "an uncaught signal sent to it");
                return;
            }
            r->res->end = EMU_END_EXIT;
            r->res->exit_status = status & 0xFF;
            r->stopping = true;
            uc_emu_stop(r->mc.uc);
            return;
        }
        if (gr == GOS_ERROR) {
            host_fail(r, "system call failed: %s", gos_error(r->proc));
            return;
        }
    }
    if (halted(r))
        return;
    EMU_UC(&r->mc, uc_reg_write(r->mc.uc, r->mc.is64 ? UC_X86_REG_RAX : UC_X86_REG_EAX, &regs.ax));
    emu_machine_flush(&r->mc);
    if (gos_signal_ready(r->proc))
        emu_deliver_signal(r, true);
    /* the time slice: a thread that has run its quantum gives way at its next call */
    if (!halted(r) && r->insns - r->slice_start >= EMU_QUANTUM_INSNS && gos_yield(r->proc)) {
        r->sched_pending = true;
        uc_emu_stop(r->mc.uc);
    }
}

/* A data fault at eip inside block lb: the instructions from eip to the block's end did not
 * run, and Unicorn's retry enters a new block at eip that counts them again.  A rep
 * iteration that counted nothing un-counts nothing, and its retry stays an iteration. */
static void uncount_tail(struct emu_runner *r, const struct emu_block *lb, uint64_t eip)
{
    uint32_t tail = r->last_counted ? emu_blocks_tail(&r->blocks, lb, eip) : 0;
    r->insns -= tail;
    if (tail)
        r->rep_next_iteration = 0;
    r->last_block = NULL;
}

/* An I/O instruction at CPL 3 (in, out, ins, outs, with or without rep): Linux runs user code
 * with IOPL 0 and no I/O permission bitmap, so the CPU raises #GP before the instruction
 * touches a port or memory, and the guest dies of SIGSEGV.  Unicorn 2.0.1 skips that check:
 * the engine catches the instruction at its port access (UC_HOOK_INSN) or, for ins/outs, at
 * the memory access Unicorn makes first (page_fault, hook_mem_slow). */
static void io_fault(struct emu_runner *r, uint64_t at)
{
    const struct emu_block *lb = r->last_block;
    if (lb && at - lb->addr < lb->size)
        uncount_tail(r, lb, at);
    emu_guest_signal(r, SIGSEGV, at, at, false,
                 "general protection fault (#GP): I/O instruction at CPL 3 (IOPL 0)");
}

/* The I/O instruction that is running: the first of the current block (the first one ends
 * the guest); the bare engine, which has no block hook, asks Unicorn for EIP. */
static uint32_t io_site(struct emu_runner *r)
{
    const struct emu_block *lb = r->last_block;
    return lb && lb->io_addr ? lb->io_addr : emu_pc(r);
}

static uint32_t hook_in(uc_engine *uc, uint32_t port, int size, void *user)
{
    (void)uc;
    (void)port;
    (void)size;
    struct emu_runner *r = user;
    if (!halted(r))
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
    if (!halted(r))
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
    return lb && lb->size >= 2 ? lb->addr + lb->size - 2 : emu_pc(r);
}

static void hook_sysenter(uc_engine *uc, void *user)
{
    (void)uc;
    struct emu_runner *r = user;
    if (halted(r))
        return;
    uint64_t at = fast_call_site(r);
    emu_guest_signal(r, SIGSEGV, at, at, false,
                 "sysenter without the vDSO's return path (the program has no AT_SYSINFO)");
}

static void hook_syscall(uc_engine *uc, void *user)
{
    (void)uc;
    struct emu_runner *r = user;
    if (r->mc.is64 && r->sched_pending) { /* ran on after a switch was asked for */
        host_fail(r, "engine: the guest ran on after a thread switch was asked for%s", NULL);
        return;
    }
    if (halted(r))
        return;
    if (r->mc.is64) { /* RIP is the instruction here; Unicorn adds 2 after the hook */
        do_syscall(r);
        return;
    }
    uint64_t at = fast_call_site(r);
    emu_guest_signal(r, SIGILL, at, at, false, "invalid opcode (#UD): syscall in 32-bit code");
}

static void page_fault(struct emu_runner *r, uint64_t eip, uint64_t cr2, uint32_t ec)
{
    /* A data fault happens inside the block the block hook announced last; a fetch fault
     * happens while Unicorn looks up or translates the next block, before its hook. */
    const struct emu_block *lb = r->last_block;
    bool in_block = lb && eip - lb->addr < lb->size;
    enum mmu_kind kind = (ec & 2) ? MMU_WRITE : in_block ? MMU_READ : MMU_FETCH;
    /* A read-modify-write instruction whose write faulted starts again with its read: on x86
     * hardware that read is the write's (it faults as a write), and the hooks engine's model
     * retries the write itself; Unicorn's softmmu reads first.  The retry's read fault is
     * given as the write it stands for, so both engines count the same faults. */
    uint64_t vpn = cr2 >> 12;
    if (kind == MMU_READ && r->last_fault_write && eip == r->last_fault_eip &&
        vpn == r->last_fault_vpn)
        kind = MMU_WRITE;
    r->last_fault_write = kind == MMU_WRITE;
    r->last_fault_eip = eip;
    r->last_fault_vpn = vpn;
    if (in_block && eip == lb->io_addr) {
        io_fault(r, eip); /* ins/outs: #GP comes before the memory access */
        return;
    }
    if (in_block)
        uncount_tail(r, lb, eip);
    r->res->page_faults++;
    uint64_t state = (((uint64_t)emu_reg32(r, UC_X86_REG_ECX) << 32 | emu_reg32(r, UC_X86_REG_ESI)) ^
                      ((uint64_t)emu_reg32(r, UC_X86_REG_EDI) << 16)) * 0x9E3779B97F4A7C15ull ^
                     (cr2 >> 12) ^ ((uint64_t)kind << 20);
    bool seen = false;
    for (int k = 0; k < 4; k++)
        seen |= r->fault_loop_state[k] == state;
    if (eip == r->fault_loop_eip && seen) {
        if (++r->fault_loop_count >= EMU_FAULT_REPEAT_LIMIT) {
            char d[200];
            snprintf(d, sizeof d,
                     "%u faults at eip 0x%llx without progress (last: %s at 0x%llx, real bits "
                     "0x%x): the model's answers never let the access complete",
                     r->fault_loop_count, (unsigned long long)eip, kind_name(kind),
                     (unsigned long long)cr2, vk_real_bits(r->first_model, cr2 >> 12));
            host_fail(r, "engine: %s", d);
            return;
        }
    } else if (eip != r->fault_loop_eip) {
        r->fault_loop_eip = eip;
        memset(r->fault_loop_state, 0, sizeof r->fault_loop_state);
        r->fault_loop_count = 0;
    } else {
        r->fault_loop_count = 0;
    }
    r->fault_loop_state[r->fault_loop_next++ & 3] = state;
    struct site_counters s0 = {0, 0};
    if (r->opt->top)
        s0 = site_counters_now(r);
    enum vk_fault_outcome out = vk_real_fault(r->first_model, cr2 >> 12, kind);
    emu_machine_flush(&r->mc);
    if (r->opt->top)
        attribute_to_site(r, s0, eip, true);
    switch (out) {
    case VK_FO_RESOLVED:
    case VK_FO_REFLECTED:
        return;
    case VK_FO_SEGV:
        segv_report(r, eip, cr2, kind);
        return;
    case VK_FO_ERROR:
    default:
        host_fail(r, "model error: %s", vk_error(r->first_model));
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

/* rdtsc and rdtscp at CPL 3 raise #GP because the machines set CR4.TSD: the guest reads a
 * virtual TSC, the instructions retired so far in the run (so a run is the same in every
 * pass and engine; ld.so reads it at start-up).  true when the #GP at eip was one of them,
 * emulated (EDX:EAX, and ECX = 0 as TSC_AUX for rdtscp) and stepped over. */
static bool virtual_tsc(struct emu_runner *r, uint64_t eip)
{
    uint8_t b[3] = {0};
    if (uc_mem_read(r->mc.uc, eip, b, sizeof b) != UC_ERR_OK || b[0] != 0x0F)
        return false;
    unsigned len = b[1] == 0x31 ? 2 : (b[1] == 0x01 && b[2] == 0xF9) ? 3 : 0;
    if (len == 0)
        return false;
    const struct emu_block *lb = r->last_block;
    if (lb && eip + len - lb->addr < lb->size) /* the rest of the block runs in a new one */
        uncount_tail(r, lb, eip + len);
    r->last_block = NULL;
    uint64_t tsc = r->insns, lo = (uint32_t)tsc, hi = tsc >> 32, aux = 0, pc = eip + len;
    bool is64 = r->mc.is64;
    if (EMU_UC(&r->mc, uc_reg_write(r->mc.uc, is64 ? UC_X86_REG_RAX : UC_X86_REG_EAX, &lo)) ||
        EMU_UC(&r->mc, uc_reg_write(r->mc.uc, is64 ? UC_X86_REG_RDX : UC_X86_REG_EDX, &hi)) ||
        (len == 3 &&
         EMU_UC(&r->mc, uc_reg_write(r->mc.uc, is64 ? UC_X86_REG_RCX : UC_X86_REG_ECX, &aux))) ||
        EMU_UC(&r->mc, uc_reg_write(r->mc.uc, is64 ? UC_X86_REG_RIP : UC_X86_REG_EIP, &pc)))
        host_fail(r, "engine: cannot emulate rdtsc%s", "");
    return true;
}

static void hook_intr(uc_engine *uc, uint32_t intno, void *user)
{
    (void)uc;
    struct emu_runner *r = user;
    if (r->stopping)
        return;
    if (r->sched_pending) {
        /* Unicorn ran on after the stop a thread switch asked for: a system call here would
         * be lost, so the run stops (never seen); a fault just waits for the stop */
        if (intno == 0x80)
            host_fail(r, "engine: the guest ran on after a thread switch was asked for%s", NULL);
        uc_emu_stop(uc);
        return;
    }
    if (intno == 0x80 && r->mc.is64) {
        /* Linux serves it from the i386 table with 32-bit arguments (the IA-32 emulation);
         * vkmmu serves one ABI per process */
        uint64_t at = emu_pc(r) - 2;
        char d[160];
        snprintf(d, sizeof d, "int 0x80 from x86-64 code at 0x%llx: the i386 system-call ABI "
                 "inside a 64-bit process is not served (use syscall)", (unsigned long long)at);
        host_fail(r, "%s", d);
        return;
    }
    if (intno == 0x80) {
        do_syscall(r);
        return;
    }
    uint32_t ec = emu_machine_fixup(&r->mc);
    uint64_t eip = emu_pc(r);
    if (intno == 13 && virtual_tsc(r, eip))
        return;
    if (intno == 14) {
        uint64_t cr2 = r->mc.is64 ? emu_reg64(r, UC_X86_REG_CR2) : emu_reg32(r, UC_X86_REG_CR2);
        if (r->engine == EMU_ENGINE_PAGING && cr2 < emu_user_limit(r)) {
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
        if (r->engine == EMU_ENGINE_HOOKS && cr2 < emu_user_limit(r) &&
            vk_set_access(r->set, cr2, 1, kind) == VK_ERROR) {
            host_fail(r, "model error: %s", vk_error(r->first_model));
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
    uint64_t at = (name == NULL && intno != 4 && intno != 3) ? eip - 2 : (intno == 3 ? eip - 1 : eip);
    emu_guest_signal(r, signal_of(intno), at, at, false, what);
}

/* Gives the models the instructions counted since the last call. */
void emu_flush_insns(struct emu_runner *r)
{
    vk_set_insns(r->set, r->insns - r->insns_reported);
    r->insns_reported = r->insns;
}

static void count_block(struct emu_runner *r, uint64_t addr, uint32_t size)
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
        emu_flush_insns(r);
    uint32_t n = b->ninsns;
    if (n == 1 && b->rep_addr == addr && r->rep_next_iteration == addr)
        n = 0;
    r->rep_next_iteration = b->rep_addr;
    r->insns += n;
    r->last_counted = n;
    r->res->blocks++;
    r->last_block = b;
    if (r->opt->max_insns && r->insns >= r->opt->max_insns) {
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
        emu_async_stop(r, ae, addr);
        return;
    }
    if (__builtin_expect((r->res->blocks & 0xFFFFu) == 0, 0) && r->opt->progress)
        r->opt->progress(r->opt->progress_ctx, r->insns);
}

static void hook_block_paging(uc_engine *uc, uint64_t addr, uint32_t size, void *user)
{
    (void)uc;
    struct emu_runner *r = user;
    if (!halted(r))
        count_block(r, addr, size);
}

static void access_failed(struct emu_runner *r, int st, uint64_t addr, uint32_t size,
                          enum mmu_kind kind, uint64_t eip)
{
    if (st == VK_ERROR) {
        host_fail(r, "model error: %s", vk_error(r->first_model));
        return;
    }
    /* VK_SEGV: name the page that has no rights for this kind (the second one when the
     * access crosses a page and only the first is allowed). */
    uint64_t at = addr;
    const struct vk_region *reg = vk_region_find(r->first_model, addr);
    unsigned need = kind == MMU_WRITE ? VK_PROT_W : VK_PROT_R;
    if (reg && (reg->prot & need) && size > 1)
        at = (addr + size - 1) & ~0xFFFull;
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
    if (halted(r))
        return;
    count_block(r, addr, size);
    if (halted(r))
        return;
    r->slow_mem = r->top || r->last_block->io_addr != 0;
    if (size == 0 || r->last_counted == 0)
        return; /* a rep iteration fetches nothing new */
    struct site_counters s0 = {0, 0};
    if (r->opt->top)
        s0 = site_counters_now(r);
    int st = vk_set_access(r->set, addr, size, MMU_FETCH);
    if (st != VK_OK) {
        access_failed(r, st, addr, size, MMU_FETCH, addr);
        return;
    }
    if (r->opt->top)
        attribute_to_site(r, s0, addr, true);
}

static void hook_mem_slow(struct emu_runner *r, enum mmu_kind kind, uint64_t addr, int size)
{
    if (halted(r))
        return;
    const struct emu_block *lb = r->last_block;
    if (lb && lb->io_addr && emu_pc(r) == lb->io_addr) {
        io_fault(r, lb->io_addr); /* ins/outs: #GP comes before the memory access */
        return;
    }
    struct site_counters s0 = site_counters_now(r);
    int st = vk_set_access(r->set, addr, (uint64_t)size, kind);
    if (st != VK_OK) {
        access_failed(r, st, addr, (uint32_t)size, kind, emu_pc(r));
        return;
    }
    attribute_to_site(r, s0, 0, false);
}

/* The hot path of the hooks engine: one call per guest load or store. */
static void hook_mem(uc_engine *uc, uc_mem_type type, uint64_t addr, int size, int64_t value,
                     void *user)
{
    (void)uc;
    (void)value;
    struct emu_runner *r = user;
    enum mmu_kind kind = type == UC_MEM_WRITE ? MMU_WRITE : MMU_READ;
    if (__builtin_expect(r->slow_mem || halted(r), 0)) {
        hook_mem_slow(r, kind, addr, size);
        return;
    }
    int st = vk_set_access(r->set, addr, (uint64_t)size, kind);
    if (__builtin_expect(st != VK_OK, 0))
        access_failed(r, st, addr, (uint32_t)size, kind, emu_pc(r));
}

/* ---- registration -------------------------------------------------------------------------- */

struct gos_mem emu_guest_memory(struct emu_runner *r)
{
    return (struct gos_mem){mem_read, mem_write, r, mem_move};
}

struct vk_real_pte_observer emu_real_observer(struct emu_runner *r)
{
    return (struct vk_real_pte_observer){obs_changed, obs_read_ad, r};
}

/* x86-64: an access to memory Unicorn does not have yet (its 1 GiB chunk never used).  A
 * user address gets its chunk, and the access goes on to the page tables (paging: a #PF the
 * model answers; hooks: the memory hook already counted it).  Any other address gets one page
 * of memory so that the CPU raises what it raises there (#GP for a non-canonical address, #PF
 * in the kernel half), precisely at the instruction. */
static bool hook_unmapped(uc_engine *uc, uc_mem_type type, uint64_t addr, int size,
                          int64_t value, void *user)
{
    (void)type;
    (void)size;
    (void)value;
    struct emu_runner *r = user;
    if (halted(r))
        return false;
    if (addr < EMU64_USER_LIMIT)
        return emu_machine_back(&r->mc, addr, 1) == 0;
    uint64_t page = addr & ~0xFFFull;
    if (page >= EMU64_KBASE && page < EMU64_KBASE + (2ull << 20))
        return false; /* the engine's own range is mapped; never here */
    return uc_mem_map(uc, page, 4096, UC_PROT_ALL) == UC_ERR_OK;
}

int emu_hooks_add(struct emu_runner *r, struct emu_machine *mc)
{
    uc_hook h;
    uint64_t top = (mc->is64 ? EMU64_USER_LIMIT : GOS_USER_LIMIT) - 1;
    if (mc->is64 &&
        EMU_UC(mc, uc_hook_add(mc->uc, &h, UC_HOOK_MEM_UNMAPPED, (void *)hook_unmapped, r, 1, 0)))
        return -1;
    if (EMU_UC(mc, uc_hook_add(mc->uc, &h, UC_HOOK_INTR, (void *)hook_intr, r, 1, 0)) ||
        EMU_UC(mc, uc_hook_add(mc->uc, &h, UC_HOOK_INSN, (void *)hook_in, r, 1, 0,
                               UC_X86_INS_IN)) ||
        EMU_UC(mc, uc_hook_add(mc->uc, &h, UC_HOOK_INSN, (void *)hook_out, r, 1, 0,
                               UC_X86_INS_OUT)) ||
        EMU_UC(mc, uc_hook_add(mc->uc, &h, UC_HOOK_INSN, (void *)hook_sysenter, r, 1, 0,
                               UC_X86_INS_SYSENTER)) ||
        EMU_UC(mc, uc_hook_add(mc->uc, &h, UC_HOOK_INSN, (void *)hook_syscall, r, 1, 0,
                               UC_X86_INS_SYSCALL)))
        return -1;
    if (r->engine == EMU_ENGINE_PAGING &&
        EMU_UC(mc, uc_hook_add(mc->uc, &h, UC_HOOK_BLOCK, (void *)hook_block_paging, r, 0,
                               top)))
        return -1;
    if (r->engine == EMU_ENGINE_HOOKS &&
        (EMU_UC(mc, uc_hook_add(mc->uc, &h, UC_HOOK_BLOCK, (void *)hook_block_hooks, r, 0,
                                top)) ||
         EMU_UC(mc, uc_hook_add(mc->uc, &h, UC_HOOK_MEM_READ | UC_HOOK_MEM_WRITE,
                                (void *)hook_mem, r, 0, top))))
        return -1;
    return 0;
}
