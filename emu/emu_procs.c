/* emu/emu_procs.c - several processes and threads on Unicorn: one machine per address space
 * (its own guest memory, page tables, GDT and block cache), each thread's registers in a
 * Unicorn context, and the run loop that asks gos which thread runs next (guest_os.h:
 * gos_schedule) and does what a system call's gos_action() asks first: a fork's copy of the
 * address space, a new thread's registers, an execve's new program, the end of a thread or a
 * process.  Switches happen only at system calls, so both engines run the same schedule. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emu_internal.h"

#define MAX_REGIONS 4096

/* ---- address spaces ---- */

static int spaces_reserve(struct emu_runner *r, uint32_t id)
{
    if (id < r->nspaces)
        return 0;
    uint32_t n = id + 1 > 2 * r->nspaces ? id + 1 : 2 * r->nspaces;
    struct emu_space *s = realloc(r->spaces, n * sizeof *s);
    if (!s) {
        snprintf(r->err, r->errlen, "out of memory for address spaces");
        return -1;
    }
    memset(s + r->nspaces, 0, (n - r->nspaces) * sizeof *s);
    r->spaces = s;
    r->nspaces = n;
    return 0;
}

int emu_space_open(struct emu_runner *r, uint32_t id)
{
    if (spaces_reserve(r, id) < 0)
        return -1;
    struct emu_space *sp = &r->spaces[id];
    if (sp->open)
        return 0;
    memset(sp, 0, sizeof *sp);
    if (emu_machine_open(&sp->mc, r->is64, r->engine != EMU_ENGINE_PAGING, r->err, r->errlen) !=
        0)
        return -1;
    sp->mc.old_exc_off = r->mc.old_exc_off;
    sp->mc.err_code_off = r->mc.err_code_off;
    if (emu_blocks_init(&sp->blocks, r->is64) != 0) {
        snprintf(r->err, r->errlen, "cannot initialise Capstone");
        emu_machine_close(&sp->mc);
        return -1;
    }
    if (emu_hooks_add(r, &sp->mc) != 0) {
        emu_blocks_fini(&sp->blocks);
        emu_machine_close(&sp->mc);
        return -1;
    }
    sp->open = true;
    return 0;
}

/* Closes a parked space. */
static void space_close(struct emu_runner *r, uint32_t id)
{
    if (id >= r->nspaces || !r->spaces[id].open || id == r->space)
        return;
    struct emu_space *sp = &r->spaces[id];
    emu_blocks_fini(&sp->blocks);
    emu_machine_close(&sp->mc);
    gos_elf_fini(&sp->elf);
    sp->open = false;
}

void emu_space_activate(struct emu_runner *r, uint32_t id)
{
    if (id == r->space)
        return;
    if (r->space != EMU_NO_SPACE) {
        struct emu_space *old = &r->spaces[r->space];
        old->mc = r->mc;
        old->blocks = r->blocks;
        old->elf = r->elf;
        old->open = true;
    }
    struct emu_space *sp = &r->spaces[id];
    r->mc = sp->mc;
    r->blocks = sp->blocks;
    r->elf = sp->elf;
    memset(&sp->elf, 0, sizeof sp->elf); /* owned by the runner while active */
    r->space = id;
    r->last_block = NULL;
    r->rep_next_iteration = 0;
    emu_machine_flush(&r->mc); /* the model may have changed its PTEs while it was parked */
}

struct emu_machine *emu_space_machine(struct emu_runner *r, uint32_t id)
{
    if (id == r->space)
        return &r->mc;
    if ((id >= r->nspaces || !r->spaces[id].open) && emu_space_open(r, id) != 0) {
        r->host_error = true;
        return NULL;
    }
    return &r->spaces[id].mc;
}

/* Copies the bytes of the parent's regions (the active machine) into space `to`'s memory;
 * pages that are all zero are left (a new machine's memory reads zero). */
static int copy_memory(struct emu_runner *r, struct gos *child, uint32_t to)
{
    static uint64_t ranges[MAX_REGIONS][2];
    size_t n = gos_layout(child, ranges, MAX_REGIONS);
    if (n > MAX_REGIONS) {
        snprintf(r->err, r->errlen, "fork: more than %d regions to copy", MAX_REGIONS);
        return -1;
    }
    struct emu_machine *dst = &r->spaces[to].mc;
    for (size_t i = 0; i < n && i < MAX_REGIONS; i++)
        if (emu_machine_back(dst, ranges[i][0], ranges[i][1] - ranges[i][0]) != 0) {
            snprintf(r->err, r->errlen, "fork: cannot back the child's memory");
            return -1;
        }
    static uint8_t page[4096];
    static const uint8_t zero[4096];
    for (size_t i = 0; i < n; i++)
        for (uint64_t a = ranges[i][0]; a < ranges[i][1]; a += 4096) {
            if (EMU_UC(&r->mc, uc_mem_read(r->mc.uc, a, page, sizeof page)))
                return -1;
            if (memcmp(page, zero, sizeof page) != 0 &&
                EMU_UC(dst, uc_mem_write(dst->uc, a, page, sizeof page)))
                return -1;
        }
    return 0;
}

/* ---- threads ---- */

static struct emu_thread *thread_new(struct emu_runner *r, uint32_t tid, uint32_t pid,
                                     uint32_t space)
{
    if (r->nthreads == r->threads_cap) {
        size_t cap = r->threads_cap ? 2 * r->threads_cap : 8;
        struct emu_thread *t = realloc(r->threads, cap * sizeof *t);
        if (!t) {
            snprintf(r->err, r->errlen, "out of memory for threads");
            return NULL;
        }
        r->threads = t;
        r->threads_cap = cap;
    }
    struct emu_thread *t = &r->threads[r->nthreads];
    memset(t, 0, sizeof *t);
    if (EMU_UC(&r->mc, uc_context_alloc(r->mc.uc, &t->ctx)))
        return NULL;
    t->tid = tid;
    t->pid = pid;
    t->space = space;
    r->nthreads++;
    return t;
}

static struct emu_thread *thread_find(struct emu_runner *r, uint32_t tid)
{
    for (size_t i = 0; i < r->nthreads; i++)
        if (r->threads[i].tid == tid)
            return &r->threads[i];
    return NULL;
}

static void thread_free_saved(struct emu_thread *t)
{
    while (t->nsig_saved)
        uc_context_free(t->sig_saved[--t->nsig_saved]);
}

static void thread_drop(struct emu_runner *r, size_t i)
{
    thread_free_saved(&r->threads[i]);
    uc_context_free(r->threads[i].ctx);
    r->threads[i] = r->threads[--r->nthreads];
}

/* Saves the running thread's registers and TLS descriptors (i386; an x86-64 thread's FS base
 * is a register of its context). */
static int thread_save(struct emu_runner *r, struct emu_thread *t)
{
    for (unsigned i = 0; i < EMU_TLS_LAST - EMU_TLS_FIRST + 1 && !r->mc.is64; i++)
        t->tls[i] = r->mc.gdt[EMU_TLS_FIRST + i];
    if (EMU_UC(&r->mc, uc_context_save(r->mc.uc, t->ctx)))
        return -1;
    /* The state between two runs still holds the last fault's "exception in flight"
     * (unicorn-2.0.1.md section 3): restored as it is, the thread's next #PF would arrive as
     * #DF.  It is cleared in the saved registers, as the fix-up does in a fault hook. */
    if (r->mc.old_exc_off >= 0) {
        int32_t none = -1;
        memcpy((uint8_t *)t->ctx + r->mc.old_exc_off, &none, 4);
    }
    return 0;
}

/* Loads thread t into the active machine: its TLS descriptors into the GDT, its registers. */
static int thread_load(struct emu_runner *r, struct emu_thread *t)
{
    if (!r->mc.is64)
        memcpy(&r->mc.gdt[EMU_TLS_FIRST], t->tls, sizeof t->tls);
    if (t->fresh)
        return 0;
    int rc = EMU_UC(&r->mc, uc_context_restore(r->mc.uc, t->ctx)) ? -1 : 0;
    return rc;
}

int emu_threads_start(struct emu_runner *r, uint64_t entry, uint64_t esp)
{
    if (spaces_reserve(r, 0) < 0)
        return -1;
    struct emu_thread *t = thread_new(r, GOS_PID_FIRST, GOS_PID_FIRST, 0);
    if (!t)
        return -1;
    t->fresh = true;
    t->entry = entry;
    t->esp = esp;
    r->cur_thread = 0;
    r->proc = r->gos;
    return 0;
}

/* ---- signals ---- */

/* The registers of struct gos_cpu, in its order: i386's, then x86-64's (the same list with
 * the 64-bit names and R8-R15). */
static const int cpu_regs32[] = {
    UC_X86_REG_EAX, UC_X86_REG_EBX, UC_X86_REG_ECX, UC_X86_REG_EDX, UC_X86_REG_ESI,
    UC_X86_REG_EDI, UC_X86_REG_EBP, UC_X86_REG_ESP, UC_X86_REG_EIP, UC_X86_REG_EFLAGS,
};
static const int cpu_regs64[] = {
    UC_X86_REG_RAX, UC_X86_REG_RBX, UC_X86_REG_RCX, UC_X86_REG_RDX, UC_X86_REG_RSI,
    UC_X86_REG_RDI, UC_X86_REG_RBP, UC_X86_REG_RSP, UC_X86_REG_RIP, UC_X86_REG_RFLAGS,
    UC_X86_REG_R8,  UC_X86_REG_R9,  UC_X86_REG_R10, UC_X86_REG_R11, UC_X86_REG_R12,
    UC_X86_REG_R13, UC_X86_REG_R14, UC_X86_REG_R15,
};
static const int seg_regs[] = {UC_X86_REG_CS, UC_X86_REG_SS, UC_X86_REG_DS,
                               UC_X86_REG_ES, UC_X86_REG_FS, UC_X86_REG_GS};

/* Pointers to c's general registers in cpu_regs32/64's order; how many the mode has. */
static int cpu_fields(bool is64, struct gos_cpu *c, void **p)
{
    uint64_t *f[18] = {&c->ax, &c->bx, &c->cx, &c->dx, &c->si, &c->di, &c->bp, &c->sp, &c->ip,
                       &c->flags, &c->r8, &c->r9, &c->r10, &c->r11, &c->r12, &c->r13,
                       &c->r14, &c->r15};
    int n = is64 ? 18 : 10;
    for (int i = 0; i < n; i++)
        p[i] = f[i];
    return n;
}

static int cpu_read(struct emu_runner *r, struct gos_cpu *c)
{
    memset(c, 0, sizeof *c); /* the 32-bit reads fill the low halves */
    void *p[18];
    int n = cpu_fields(r->mc.is64, c, p);
    uint32_t seg[6] = {0};
    void *sp[6];
    for (int i = 0; i < 6; i++)
        sp[i] = &seg[i];
    if (EMU_UC(&r->mc, uc_reg_read_batch(r->mc.uc, (int *)(r->mc.is64 ? cpu_regs64 : cpu_regs32),
                                         p, n)) ||
        EMU_UC(&r->mc, uc_reg_read_batch(r->mc.uc, (int *)seg_regs, sp, 6)))
        return -1;
    uint16_t *segs[6] = {&c->cs, &c->ss, &c->ds, &c->es, &c->fs, &c->gs};
    for (int i = 0; i < 6; i++)
        *segs[i] = (uint16_t)seg[i];
    return 0;
}

/* The general registers, the IP and the flags of c (segments stay: a handler runs with the
 * same).  in_syscall_hook: an x86-64 `syscall` hook is running, after which Unicorn adds the
 * instruction's 2 bytes to RIP (docs/emulation.md): the RIP written is 2 less. */
static int cpu_write(struct emu_runner *r, const struct gos_cpu *c, bool in_syscall_hook)
{
    struct gos_cpu w = *c;
    if (r->mc.is64 && in_syscall_hook)
        w.ip -= 2;
    void *p[18];
    int n = cpu_fields(r->mc.is64, &w, p);
    return EMU_UC(&r->mc, uc_reg_write_batch(r->mc.uc,
                                             (int *)(r->mc.is64 ? cpu_regs64 : cpu_regs32), p, n))
               ? -1
               : 0;
}

void emu_deliver_signal(struct emu_runner *r, bool in_syscall_hook)
{
    struct emu_thread *t = &r->threads[r->cur_thread];
    struct gos_cpu cpu;
    bool delivered = false;
    if (cpu_read(r, &cpu) != 0) {
        r->host_error = true;
        return;
    }
    struct gos_cpu before = cpu;
    if (r->mc.is64 && in_syscall_hook)
        cpu.ip += 2; /* the frame returns after the `syscall` (RIP is still on it) */
    enum gos_result gr = gos_signal_deliver(r->proc, &cpu, &delivered);
    if (gr == GOS_ERROR) {
        snprintf(r->err, r->errlen, "system call failed: %s", gos_error(r->proc));
        r->host_error = true;
        r->stopping = true;
        uc_emu_stop(r->mc.uc);
        return;
    }
    if (gr == GOS_EXIT) { /* the first process dies of the signal: the run ends */
        int sig = gos_exit_signal(r->proc);
        emu_guest_signal(r, sig, before.ip, before.ip, false, "an uncaught signal");
        return;
    }
    if (gr == GOS_SCHEDULE) { /* another process dies of it */
        r->sched_pending = true;
        uc_emu_stop(r->mc.uc);
        return;
    }
    if (!delivered)
        return;
    if (t->nsig_saved == EMU_SIGNAL_DEPTH) { /* the oldest goes */
        uc_context_free(t->sig_saved[0]);
        memmove(t->sig_saved, t->sig_saved + 1, (EMU_SIGNAL_DEPTH - 1) * sizeof t->sig_saved[0]);
        t->nsig_saved--;
    }
    uc_context *saved = NULL;
    if (EMU_UC(&r->mc, uc_context_alloc(r->mc.uc, &saved)) ||
        EMU_UC(&r->mc, uc_context_save(r->mc.uc, saved)) ||
        cpu_write(r, &cpu, in_syscall_hook) != 0) {
        if (saved)
            uc_context_free(saved);
        r->host_error = true;
        return;
    }
    if (r->mc.old_exc_off >= 0) {
        int32_t none = -1;
        memcpy((uint8_t *)saved + r->mc.old_exc_off, &none, 4);
    }
    t->sig_saved[t->nsig_saved++] = saved;
}

/* rt_sigreturn, sigreturn: the registers saved at the delivery, then the frame's. */
static int sig_return(struct emu_runner *r, struct emu_thread *t, const struct gos_action *a)
{
    if (t->nsig_saved) {
        uc_context *saved = t->sig_saved[--t->nsig_saved];
        int rc = EMU_UC(&r->mc, uc_context_restore(r->mc.uc, saved)) ? -1 : 0;
        uc_context_free(saved);
        if (rc)
            return -1;
    }
    return cpu_write(r, &a->cpu, false);
}

/* ---- what a call asked for (gos_action) ---- */

/* A clone's child: the parent's registers (saved in parent's context), EAX 0, its stack and
 * TLS; in a copy of the parent's memory when it has an address space of its own. */
static int make_child(struct emu_runner *r, const struct gos_action *a,
                      const struct emu_thread *parent)
{
    if (a->new_space &&
        (emu_space_open(r, a->child_space) != 0 ||
         copy_memory(r, gos_process(r->gos, a->child_pid), a->child_space) != 0))
        return -1;
    size_t parent_index = (size_t)(parent - r->threads);
    struct emu_thread *c = thread_new(r, a->child_tid, a->child_pid, a->child_space);
    if (!c)
        return -1;
    parent = &r->threads[parent_index];
    memcpy(c->tls, parent->tls, sizeof c->tls);
    if (a->settls) {
        uint32_t idx = a->tls[0];
        if (idx >= EMU_TLS_FIRST && idx <= EMU_TLS_LAST)
            c->tls[idx - EMU_TLS_FIRST] = emu_tls_descriptor(a->tls[1], a->tls[2], a->tls[3]);
    }
    /* the child's registers, made in the machine it runs in, from the parent's */
    struct emu_machine *mc = a->new_space ? &r->spaces[a->child_space].mc : &r->mc;
    if (mc->is64) {
        uint64_t zero = 0;
        int rc64 = -1;
        if (!EMU_UC(mc, uc_context_restore(mc->uc, parent->ctx)) &&
            !EMU_UC(mc, uc_reg_write(mc->uc, UC_X86_REG_RAX, &zero)) &&
            (!a->stack || !EMU_UC(mc, uc_reg_write(mc->uc, UC_X86_REG_RSP, &a->stack))) &&
            (!a->settls || !EMU_UC(mc, uc_reg_write(mc->uc, UC_X86_REG_FS_BASE, &a->tls_base))) &&
            !EMU_UC(mc, uc_context_save(mc->uc, c->ctx)))
            rc64 = 0;
        if (!a->new_space && rc64 == 0 && thread_load(r, &r->threads[parent_index]) != 0)
            rc64 = -1;
        return rc64;
    }
    uint64_t saved_tls[EMU_TLS_LAST - EMU_TLS_FIRST + 1];
    memcpy(saved_tls, &mc->gdt[EMU_TLS_FIRST], sizeof saved_tls);
    memcpy(&mc->gdt[EMU_TLS_FIRST], c->tls, sizeof c->tls);
    uint32_t zero = 0, gs = 0, fs = 0;
    int rc = -1;
    if (!EMU_UC(mc, uc_context_restore(mc->uc, parent->ctx)) &&
        !EMU_UC(mc, uc_reg_write(mc->uc, UC_X86_REG_EAX, &zero)) &&
        (!a->stack || !EMU_UC(mc, uc_reg_write(mc->uc, UC_X86_REG_ESP, &a->stack))) &&
        !EMU_UC(mc, uc_reg_read(mc->uc, UC_X86_REG_GS, &gs)) &&
        !EMU_UC(mc, uc_reg_read(mc->uc, UC_X86_REG_FS, &fs)) &&
        /* reloading the selectors takes the child's TLS bases from its descriptors */
        !EMU_UC(mc, uc_reg_write(mc->uc, UC_X86_REG_GS, &gs)) &&
        !EMU_UC(mc, uc_reg_write(mc->uc, UC_X86_REG_FS, &fs)) &&
        !EMU_UC(mc, uc_context_save(mc->uc, c->ctx)))
        rc = 0;
    memcpy(&mc->gdt[EMU_TLS_FIRST], saved_tls, sizeof saved_tls);
    if (!a->new_space && rc == 0 && thread_load(r, &r->threads[parent_index]) != 0)
        rc = -1;
    return rc;
}

/* execve: the process's program in a fresh machine (its old one closed, unless a vfork
 * parent still uses it), started like the first program. */
static int exec_program(struct emu_runner *r, const struct gos_action *a, struct emu_thread *t)
{
    struct gos_elf elf;
    gos_exec_take_image(r->proc, &elf);
    uint32_t old = r->space;
    if (!a->new_space) {
        /* the same address space: its machine starts over */
        r->space = EMU_NO_SPACE;
        r->spaces[old].mc = r->mc;
        r->spaces[old].blocks = r->blocks;
        r->spaces[old].elf = r->elf;
        memset(&r->elf, 0, sizeof r->elf);
        space_close(r, old);
    }
    if (emu_space_open(r, a->child_space) != 0) {
        gos_elf_fini(&elf);
        return -1;
    }
    emu_space_activate(r, a->child_space);
    gos_elf_fini(&r->elf);
    r->elf = elf;
    if (emu_load_image(r, r->proc, a->file_id) != 0)
        return -1;
    gos_set_brk_base(r->proc, r->elf.brk_base);
    uint64_t esp = gos_stack_build(r->proc, &r->elf, a->argc, a->argv, a->execfn, r->err,
                                   r->errlen);
    if (esp == 0)
        return -1;
    t->space = a->child_space;
    t->fresh = true;
    t->entry = gos_elf_start(&r->elf);
    t->esp = esp;
    memset(t->tls, 0, sizeof t->tls);
    return 0;
}

/* Drops the threads gos says are gone, and the address space a process left unused. */
static void drop_gone(struct emu_runner *r, const struct gos_action *a)
{
    for (size_t i = 0; i < r->nthreads;)
        if (gos_thread_gone(r->gos, r->threads[i].tid))
            thread_drop(r, i);
        else
            i++;
    if (a->kind == GOS_ACT_PROCESS_EXIT && a->space_unused && a->exit_space != r->space)
        space_close(r, a->exit_space);
}

static int do_action(struct emu_runner *r, struct emu_thread *t)
{
    const struct gos_action *a = gos_action(r->proc);
    switch (a->kind) {
    case GOS_ACT_CLONE:
        return make_child(r, a, t);
    case GOS_ACT_EXEC:
        return exec_program(r, a, t);
    case GOS_ACT_THREAD_EXIT:
    case GOS_ACT_PROCESS_EXIT:
        drop_gone(r, a);
        return 0;
    case GOS_ACT_SIGRETURN:
        return sig_return(r, t, a);
    default:
        return 0;
    }
}

/* ---- the run loop ---- */

/* Runs thread t from where it stopped (or from its program's entry). */
static int thread_run(struct emu_runner *r, struct emu_thread *t)
{
    r->last_block = NULL;
    r->rep_next_iteration = 0;
    r->last_fault_write = false;
    if (t->fresh) {
        t->fresh = false;
        if (r->mc.is64)
            return emu_machine_start64(&r->mc, t->entry, t->esp, 0);
        return emu_machine_start(&r->mc, t->entry, t->esp, 0);
    }
    uint64_t eip = emu_pc(r);
    return (int)uc_emu_start(r->mc.uc, eip, r->mc.is64 ? EMU64_UNTIL : 0xFFFFFFF0u, 0, 0);
}

/* Every thread waits: the run ends with status 1 and what each waits on. */
static void deadlock(struct emu_runner *r, const char *report)
{
    struct emu_result *res = r->res;
    res->end = EMU_END_DEADLOCK;
    res->exit_status = 1;
    snprintf(res->what, sizeof res->what, "deadlock: every thread waits");
    size_t n = strlen(report);
    if (n >= sizeof res->report)
        n = sizeof res->report - 1;
    memcpy(res->report, report, n);
    res->report[n] = '\0';
    r->stopping = true;
}

/* After a call asked for the next thread: the running thread saved, the call's action done,
 * the next thread loaded.  0, or -1 (err filled). */
static int switch_thread(struct emu_runner *r);
static int switch_thread(struct emu_runner *r)
{
    uint32_t tid = r->threads[r->cur_thread].tid;
    struct emu_thread *t = &r->threads[r->cur_thread];
    if (gos_action(r->proc)->kind == GOS_ACT_BLOCK_RESTART) {
        uint64_t eip = emu_pc(r) - 2; /* back on the `int 0x80` or `syscall` */
        if (EMU_UC(&r->mc, uc_reg_write(r->mc.uc, r->mc.is64 ? UC_X86_REG_RIP : UC_X86_REG_EIP,
                                        &eip)))
            return -1;
    }
    emu_machine_flush(&r->mc);
    if (thread_save(r, t) != 0 || do_action(r, t) != 0)
        return -1;
    if (thread_find(r, tid) && !gos_thread_gone(r->gos, tid) && thread_save(r, thread_find(r, tid)) != 0)
        return -1;
    if (r->set->n)
        emu_flush_insns(r);
    struct gos_next next;
    static char report[4096];
    int k = gos_schedule(r->gos, &next, report, sizeof report);
    if (k < 0) {
        snprintf(r->err, r->errlen, "system call failed: %s", gos_error(r->gos));
        return -1;
    }
    if (k == 0) {
        deadlock(r, report);
        return 0;
    }
    struct emu_thread *n = thread_find(r, next.tid);
    if (!n) {
        snprintf(r->err, r->errlen, "engine: gos chose thread %u, which has no registers",
                 next.tid);
        return -1;
    }
    if (next.space != r->space) {
        if (emu_space_machine(r, next.space) == NULL)
            return -1;
        emu_space_activate(r, next.space);
    }
    if (r->threads[r->cur_thread].tid != next.tid)
        r->slice_start = r->insns; /* a new slice (a thread that goes on keeps its own) */
    r->cur_thread = (size_t)(n - r->threads);
    r->proc = next.proc;
    if (thread_load(r, n) != 0)
        return -1;
    if (gos_thread_begin(r->proc) != 0) {
        snprintf(r->err, r->errlen, "system call failed: %s", gos_error(r->proc));
        return -1;
    }
    emu_machine_flush(&r->mc);
    if (!n->fresh && gos_signal_ready(r->proc)) {
        emu_deliver_signal(r, false);
        if (r->sched_pending) { /* the signal ended the process: the next thread */
            r->sched_pending = false;
            return switch_thread(r);
        }
    }
    return r->host_error ? -1 : 0;
}

int emu_threads_run(struct emu_runner *r)
{
    for (;;) {
        int uc_status = thread_run(r, &r->threads[r->cur_thread]);
        if (r->stopping || r->host_error || r->mc.failed || !r->sched_pending) {
            emu_end_without_hook(r, uc_status);
            return r->host_error || r->mc.failed ? -1 : 0;
        }
        r->sched_pending = false;
        if (switch_thread(r) != 0) {
            r->host_error = true;
            return -1;
        }
        if (r->stopping)
            return 0;
    }
}

void emu_procs_fini(struct emu_runner *r)
{
    for (uint32_t i = 0; i < r->nspaces; i++)
        space_close(r, i);
    free(r->spaces);
    r->spaces = NULL;
    r->nspaces = 0;
    for (size_t i = 0; i < r->nthreads; i++) {
        thread_free_saved(&r->threads[i]);
        uc_context_free(r->threads[i].ctx);
    }
    free(r->threads);
    r->threads = NULL;
    r->nthreads = 0;
}
