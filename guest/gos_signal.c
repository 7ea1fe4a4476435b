/* guest/gos_signal.c - signals: kill, tkill, tgkill, alarm (on the virtual clock), pause,
 * rt_sigsuspend, the delivery of a caught signal on the guest's stack in the frames Linux
 * writes (i386: struct sigframe for a plain handler, struct rt_sigframe for SA_SIGINFO;
 * x86-64: always struct rt_sigframe, through the mandatory SA_RESTORER), and sigreturn /
 * rt_sigreturn; uncaught signals take their default action (model.md 11.6).
 *
 * Signals are pending per process and delivered to its thread that runs next (a thread's own
 * mask is its process's).  A thread blocked in a call that restarts (wait4, a pipe) wakes for
 * a caught signal and runs its handler, then its call again, as with SA_RESTART; one waiting
 * in pause or rt_sigsuspend returns -EINTR after its handler. */
#include "gos_internal.h"

#include <errno.h>
#include <string.h>

#define NSIG_G 64
#define SIG_BIT(s) (1ull << ((s) - 1))
#define G_SIGKILL 9
#define G_SIGSTOP 19
#define G_SIGCHLD 17
#define G_SIGALRM 14
#define G_SA_SIGINFO 0x00000004u
#define G_SA_ONSTACK 0x08000000u
#define G_SA_NODEFER 0x40000000u
#define G_SA_RESETHAND 0x80000000u
#define G_SS_ONSTACK 1u
#define G_SS_DISABLE 2u

/* i386 frame sizes (arch/x86/include/asm/sigframe.h, ia32 layouts) */
#define SIGCONTEXT_SIZE 88u
#define FPSTATE_SIZE 624u /* struct _fpstate_32, left unused: the engine keeps the FPU */
#define SIGINFO_SIZE 128u
#define UCONTEXT_SIZE (20u + SIGCONTEXT_SIZE + 8u)
#define G_SA_RESTORER 0x04000000u

/* x86-64 (arch/x86/include/uapi/asm/sigcontext.h, asm/sigframe.h): struct rt_sigframe is
 * pretcode (8), struct ucontext (uc_flags, uc_link, stack_t 24, struct sigcontext 256,
 * uc_sigmask 8: 304 bytes), struct siginfo (128); the FPU area is not written (fpstate = NULL:
 * the engine keeps the FPU registers across the handler). */
#define SC64_SIZE 256u
#define UC64_SIZE (40u + SC64_SIZE + 8u)
#define FRAME64_SIZE (8u + UC64_SIZE + SIGINFO_SIZE)
#define REDZONE64 128u

/* Signals whose default action is to ignore them; the others (but SIGSTOP, SIGTSTP, SIGTTIN,
 * SIGTTOU, SIGCONT, not modelled: ignored too) end the process. */
static bool default_ignores(int sig)
{
    return sig == G_SIGCHLD || sig == 23 /* SIGURG */ || sig == 28 /* SIGWINCH */ ||
           sig == 18 /* SIGCONT */ || sig == G_SIGSTOP || sig == 20 || sig == 21 || sig == 22 ||
           sig > 31; /* real-time signals end the process too on Linux; none are sent here */
}

void gos_signal_send(struct gos *p, int sig)
{
    if (sig < 1 || sig > NSIG_G || p->state != GOS_PROC_ALIVE)
        return;
    if (p->sigact[sig].handler == 1 /* SIG_IGN */ ||
        (p->sigact[sig].handler == 0 && default_ignores(sig) && sig != G_SIGCHLD))
        return; /* discarded at once */
    p->sig_pending |= SIG_BIT(sig);
    if (!(p->sigmask & SIG_BIT(sig)) || sig == G_SIGKILL)
        gos_wake_for_signal(p);
}

bool gos_signal_interrupts(struct gos *g, uint64_t mask)
{
    mask &= ~(SIG_BIT(G_SIGKILL) | SIG_BIT(G_SIGSTOP));
    uint64_t ready = g->sig_pending & ~mask;
    bool acts = false;
    for (int sig = 1; sig <= NSIG_G && !acts; sig++)
        if (ready & SIG_BIT(sig))
            acts = g->sigact[sig].handler != 1 &&
                   !(g->sigact[sig].handler == 0 && default_ignores(sig));
    if (!acts)
        return false;
    g->suspend_mask = g->sigmask; /* restored when the handler returns, as rt_sigsuspend */
    g->suspended = true;
    g->sigmask = mask;
    return true;
}

/* ---- sending ---- */

int64_t gos_sys_kill(struct gos *g, const struct gos_regs *r)
{
    int32_t pid = (int32_t)r->a[0], sig = (int32_t)r->a[1];
    if (sig < 0 || sig > NSIG_G)
        return -EINVAL;
    bool found = false;
    for (size_t i = 0; i < g->w->nprocs; i++) {
        struct gos *p = g->w->procs[i];
        if (p->state != GOS_PROC_ALIVE)
            continue;
        /* pid > 0: that process; 0 and -1 and other negatives: every process (one group) */
        if (pid > 0 && p->pid != (uint32_t)pid)
            continue;
        if (pid == -1 && p == g)
            continue;
        found = true;
        if (sig)
            gos_signal_send(p, sig);
    }
    return found ? 0 : -ESRCH;
}

static int32_t kill_thread(struct gos *g, uint32_t tid, int32_t sig)
{
    if (sig < 0 || sig > NSIG_G)
        return -EINVAL;
    for (size_t i = 0; i < g->w->nthreads; i++) {
        struct gos_thread *t = &g->w->threads[i];
        if (t->tid == tid && t->wait != GOS_DEAD) {
            if (sig)
                gos_signal_send(t->proc, sig);
            return 0;
        }
    }
    return -ESRCH;
}

int64_t gos_sys_tkill(struct gos *g, const struct gos_regs *r)
{
    return kill_thread(g, r->a[0], (int32_t)r->a[1]);
}

int64_t gos_sys_tgkill(struct gos *g, const struct gos_regs *r)
{
    return kill_thread(g, r->a[1], (int32_t)r->a[2]);
}

/* alarm(seconds): SIGALRM when the virtual clock reaches it (checked at every call); the
 * seconds left of the previous one. */
int64_t gos_sys_alarm(struct gos *g, const struct gos_regs *r)
{
    uint64_t now = g->w->clock_ns, left = 0;
    if (g->alarm_ns > now)
        left = (g->alarm_ns - now + 999999999u) / 1000000000u;
    g->alarm_ns = r->a[0] ? now + (uint64_t)r->a[0] * 1000000000u : 0;
    return (int32_t)left;
}

/* pause: sleeps until a signal; a pending alarm is what wakes it (the clock jumps there). */
int64_t gos_sys_pause(struct gos *g, const struct gos_regs *r)
{
    (void)r;
    if (g->alarm_ns > g->w->clock_ns)
        g->w->clock_ns = g->alarm_ns;
    gos_block_until_woken(g, GOS_WAIT_SIGNAL, 0);
    return -EINTR;
}

/* rt_sigsuspend(mask, size): pause with mask in force until the handler returns. */
int64_t gos_sys_rt_sigsuspend(struct gos *g, const struct gos_regs *r)
{
    uint64_t mask;
    if (r->a[1] != 8)
        return -EINVAL;
    int rc = gos_copy_in(g, r->a[0], &mask, 8);
    if (rc)
        return rc;
    g->suspend_mask = g->sigmask;
    g->suspended = true;
    g->sigmask = mask & ~(SIG_BIT(G_SIGKILL) | SIG_BIT(G_SIGSTOP));
    return gos_sys_pause(g, r);
}

/* ---- delivery ---- */

static void put16(uint8_t *p, uint16_t v)
{
    memcpy(p, &v, 2);
}

static void put32(uint8_t *p, uint32_t v)
{
    memcpy(p, &v, 4);
}

static uint32_t get32(const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

static uint16_t get16(const uint8_t *p)
{
    uint16_t v;
    memcpy(&v, p, 2);
    return v;
}

/* struct sigcontext_32 from cpu, with the mask's low word as oldmask. */
static void put_sigcontext(uint8_t *sc, const struct gos_cpu *cpu, uint32_t oldmask)
{
    memset(sc, 0, SIGCONTEXT_SIZE);
    put16(sc + 0, cpu->gs);
    put16(sc + 4, cpu->fs);
    put16(sc + 8, cpu->es);
    put16(sc + 12, cpu->ds);
    const uint64_t gr[8] = {cpu->di, cpu->si, cpu->bp, cpu->sp,
                            cpu->bx, cpu->dx, cpu->cx, cpu->ax};
    for (int i = 0; i < 8; i++)
        put32(sc + 16 + 4 * i, (uint32_t)gr[i]);
    put32(sc + 56, (uint32_t)cpu->ip);
    put16(sc + 60, cpu->cs);
    put32(sc + 64, (uint32_t)cpu->flags);
    put32(sc + 68, (uint32_t)cpu->sp); /* sp_at_signal */
    put16(sc + 72, cpu->ss);
    put32(sc + 80, oldmask);
}

static void get_sigcontext(const uint8_t *sc, struct gos_cpu *cpu)
{
    cpu->gs = get16(sc + 0);
    cpu->fs = get16(sc + 4);
    cpu->es = get16(sc + 8);
    cpu->ds = get16(sc + 12);
    uint64_t *gr[8] = {&cpu->di, &cpu->si, &cpu->bp, &cpu->sp,
                       &cpu->bx, &cpu->dx, &cpu->cx, &cpu->ax};
    for (int i = 0; i < 8; i++)
        *gr[i] = get32(sc + 16 + 4 * i);
    cpu->ip = get32(sc + 56);
    cpu->cs = get16(sc + 60);
    cpu->flags = get32(sc + 64);
    cpu->ss = get16(sc + 72);
}

/* Where the frame goes: the alternate stack for SA_ONSTACK when one is set and not in use,
 * else below the thread's stack pointer; aligned as Linux's get_sigframe does. */
static uint32_t frame_address(const struct gos *g, const struct gos_sigaction *a, uint32_t sp,
                              uint32_t size)
{
    bool alt_ok = (a->flags & G_SA_ONSTACK) && !(g->altstack[1] & G_SS_DISABLE) &&
                  !(sp - g->altstack[0] < g->altstack[2]);
    if (alt_ok)
        sp = g->altstack[0] + g->altstack[2];
    sp -= size;
    return ((sp + 4) & ~15u) - 4;
}

/* Writes the frame of sig for handler a and points cpu at the handler.  0 or -EFAULT. */
static int write_frame(struct gos *g, int sig, const struct gos_sigaction *a, struct gos_cpu *cpu,
                       uint64_t saved_mask)
{
    bool rt = a->flags & G_SA_SIGINFO;
    uint8_t f[16 + SIGINFO_SIZE + UCONTEXT_SIZE + 8 + FPSTATE_SIZE];
    memset(f, 0, sizeof f);
    uint32_t size, at;
    if (rt) {
        /* pretcode, sig, pinfo, puc, siginfo, ucontext, retcode */
        size = 16 + SIGINFO_SIZE + UCONTEXT_SIZE + 8;
        at = frame_address(g, a, cpu->sp, size);
        put32(f + 0, a->restorer);
        put32(f + 4, (uint32_t)sig);
        put32(f + 8, at + 16);
        put32(f + 12, at + 16 + SIGINFO_SIZE);
        put32(f + 16, (uint32_t)sig); /* si_signo; si_code 0 = SI_USER */
        uint8_t *uc = f + 16 + SIGINFO_SIZE;
        put32(uc + 8, g->altstack[0]);
        put32(uc + 12, g->altstack[1]);
        put32(uc + 16, g->altstack[2]);
        put_sigcontext(uc + 20, cpu, (uint32_t)saved_mask);
        memcpy(uc + 20 + SIGCONTEXT_SIZE, &saved_mask, 8);
    } else {
        /* pretcode, sig, sigcontext, fpstate (unused), extramask, retcode */
        size = 8 + SIGCONTEXT_SIZE + FPSTATE_SIZE + 4 + 8;
        at = frame_address(g, a, cpu->sp, size);
        put32(f + 0, a->restorer);
        put32(f + 4, (uint32_t)sig);
        put_sigcontext(f + 8, cpu, (uint32_t)saved_mask);
        put32(f + 8 + SIGCONTEXT_SIZE + FPSTATE_SIZE, (uint32_t)(saved_mask >> 32));
    }
    if (gos_copy_out(g, at, f, size) != 0)
        return -EFAULT;
    cpu->sp = at;
    cpu->ip = a->handler;
    cpu->ax = (uint32_t)sig;
    cpu->dx = rt ? at + 16 : 0;
    cpu->cx = rt ? at + 16 + SIGINFO_SIZE : 0;
    cpu->flags &= ~0x400u; /* DF clear for the handler, as Linux does */
    return 0;
}

static void put64(uint8_t *p, uint64_t v)
{
    memcpy(p, &v, 8);
}

static uint64_t get64(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

/* The x86-64 struct sigcontext's general registers, in its order (r8 first). */
static void sc64_fields(struct gos_cpu *c, uint64_t *f[18])
{
    uint64_t *v[18] = {&c->r8, &c->r9, &c->r10, &c->r11, &c->r12, &c->r13, &c->r14, &c->r15,
                       &c->di, &c->si, &c->bp, &c->bx, &c->dx, &c->ax, &c->cx, &c->sp,
                       &c->ip, &c->flags};
    memcpy(f, v, sizeof v);
}

/* Writes the x86-64 rt_sigframe of sig for handler a below the stack (or on the alternate
 * stack), as arch/x86/kernel/signal.c's __setup_rt_frame, and points cpu at the handler:
 * RDI = sig, RSI = &info, RDX = &uc, RAX = 0, RSP = the frame (16-byte aligned minus 8, as
 * after a call).  0, or -EFAULT (no room, or no SA_RESTORER: Linux's force_sigsegv). */
static int write_frame64(struct gos *g, int sig, const struct gos_sigaction *a,
                         struct gos_cpu *cpu, uint64_t saved_mask)
{
    if (!(a->flags & G_SA_RESTORER))
        return -EFAULT;
    uint64_t sp = cpu->sp - REDZONE64;
    bool alt_ok = (a->flags & G_SA_ONSTACK) && !(g->altstack[1] & G_SS_DISABLE) &&
                  !(cpu->sp - g->altstack[0] < g->altstack[2]);
    if (alt_ok)
        sp = g->altstack[0] + g->altstack[2];
    uint64_t at = ((sp - FRAME64_SIZE) & ~(uint64_t)15) - 8; /* align_sigframe (64-bit) */
    uint8_t f[FRAME64_SIZE];
    memset(f, 0, sizeof f);
    put64(f + 0, a->restorer);
    uint8_t *uc = f + 8, *sc = uc + 40, *info = f + 8 + UC64_SIZE;
    put64(uc + 16, g->altstack[0]);
    put32(uc + 24, (uint32_t)g->altstack[1]);
    put64(uc + 32, g->altstack[2]);
    uint64_t *fields[18];
    sc64_fields(cpu, fields);
    for (int i = 0; i < 18; i++)
        put64(sc + 8 * (size_t)i, *fields[i]);
    put16(sc + 144, cpu->cs);
    put16(sc + 146, cpu->gs);
    put16(sc + 148, cpu->fs);
    put16(sc + 150, cpu->ss);
    put64(sc + 168, saved_mask); /* oldmask */
    put64(uc + 40 + SC64_SIZE, saved_mask);
    put32(info, (uint32_t)sig); /* si_signo; si_errno 0, si_code 0 = SI_USER */
    if (gos_copy_out(g, at, f, sizeof f) != 0)
        return -EFAULT;
    cpu->sp = at;
    cpu->ip = a->handler;
    cpu->di = (uint64_t)sig;
    cpu->si = at + 8 + UC64_SIZE;
    cpu->dx = at + 8;
    cpu->ax = 0;
    cpu->flags &= ~0x400ull; /* DF clear for the handler, as Linux does */
    return 0;
}

/* The lowest pending signal the process does not block, or 0. */
static int next_signal(const struct gos *g)
{
    uint64_t ready = g->sig_pending & (~g->sigmask | SIG_BIT(G_SIGKILL));
    return ready ? __builtin_ctzll(ready) + 1 : 0;
}

enum gos_result gos_signal_deliver(struct gos *g, struct gos_cpu *cpu, bool *delivered)
{
    *delivered = false;
    if (g->alarm_ns && g->w->clock_ns >= g->alarm_ns) {
        g->alarm_ns = 0;
        gos_signal_send(g, G_SIGALRM);
    }
    int sig = next_signal(g);
    if (!sig)
        return GOS_CONTINUE;
    g->sig_pending &= ~SIG_BIT(sig);
    struct gos_sigaction a = g->sigact[sig];
    if (a.handler == 1 || (a.handler == 0 && default_ignores(sig)))
        return GOS_CONTINUE;
    if (a.handler == 0 || sig == G_SIGKILL)
        return gos_process_killed(g, sig);
    /* the mask the handler's return restores: rt_sigsuspend's caller's */
    uint64_t saved = g->suspended ? g->suspend_mask : g->sigmask;
    g->suspended = false;
    /* like a process call: in every pass, and not in the log */
    struct gos_log *rec = g->w->recording;
    g->w->recording = NULL;
    int rc = gos_is64(g) ? write_frame64(g, sig, &a, cpu, saved)
                         : write_frame(g, sig, &a, cpu, saved);
    g->w->recording = rec;
    if (g->fatal)
        return GOS_ERROR;
    if (rc != 0) /* no room for the frame: SIGSEGV, as Linux's force_sigsegv */
        return gos_process_killed(g, 11);
    g->sigmask |= a.mask | (a.flags & G_SA_NODEFER ? 0 : SIG_BIT(sig));
    if (a.flags & G_SA_RESETHAND)
        g->sigact[sig].handler = 0;
    *delivered = true;
    return GOS_CONTINUE;
}

/* ---- sigreturn ---- */

static int32_t do_sigreturn(struct gos *g, uint32_t sc_at, uint32_t mask_lo_at, uint32_t mask_hi_at)
{
    uint8_t sc[SIGCONTEXT_SIZE];
    uint32_t lo, hi;
    if (gos_copy_in(g, sc_at, sc, sizeof sc) != 0 || gos_copy_in(g, mask_lo_at, &lo, 4) != 0 ||
        gos_copy_in(g, mask_hi_at, &hi, 4) != 0)
        return gos_process_killed(g, 11) == GOS_ERROR ? -EFAULT : 0;
    g->sigmask = ((uint64_t)hi << 32 | lo) & ~(SIG_BIT(G_SIGKILL) | SIG_BIT(G_SIGSTOP));
    struct gos_action *a = &g->w->action;
    memset(a, 0, sizeof *a);
    a->kind = GOS_ACT_SIGRETURN;
    get_sigcontext(sc, &a->cpu);
    return (int32_t)a->cpu.ax;
}

/* sigreturn: glibc's __restore pops the sig argument first: the frame's sigcontext is at
 * esp, its extramask after the unused FPU area. */
int64_t gos_sys_sigreturn(struct gos *g, const struct gos_regs *r)
{
    uint32_t sc = r->sp;
    return do_sigreturn(g, sc, sc + 80 /* oldmask */, sc + SIGCONTEXT_SIZE + FPSTATE_SIZE);
}

/* x86-64 rt_sigreturn: the handler's `ret` took pretcode; the frame starts 8 bytes below
 * RSP.  The registers and the mask come back from its ucontext. */
static int64_t rt_sigreturn64(struct gos *g, const struct gos_regs *r)
{
    uint64_t uc = r->sp - 8 + 8;
    uint8_t b[UC64_SIZE];
    if (gos_copy_in(g, uc, b, sizeof b) != 0)
        return gos_process_killed(g, 11) == GOS_ERROR ? -EFAULT : 0;
    g->sigmask = get64(b + 40 + SC64_SIZE) & ~(SIG_BIT(G_SIGKILL) | SIG_BIT(G_SIGSTOP));
    struct gos_action *a = &g->w->action;
    memset(a, 0, sizeof *a);
    a->kind = GOS_ACT_SIGRETURN;
    const uint8_t *sc = b + 40;
    uint64_t *fields[18];
    sc64_fields(&a->cpu, fields);
    for (int i = 0; i < 18; i++)
        *fields[i] = get64(sc + 8 * (size_t)i);
    a->cpu.cs = get16(sc + 144);
    a->cpu.ss = get16(sc + 150);
    return (int64_t)a->cpu.ax;
}

/* rt_sigreturn: the handler's `ret` took pretcode; the frame starts 4 bytes below esp. */
int64_t gos_sys_rt_sigreturn(struct gos *g, const struct gos_regs *r)
{
    if (gos_is64(g))
        return rt_sigreturn64(g, r);
    uint32_t frame = r->sp - 4, uc = frame + 16 + SIGINFO_SIZE;
    uint32_t mask = uc + 20 + SIGCONTEXT_SIZE;
    return do_sigreturn(g, uc + 20, mask, mask + 4);
}

bool gos_signal_ready(const struct gos *g)
{
    return next_signal(g) != 0 || (g->alarm_ns && g->w->clock_ns >= g->alarm_ns);
}
