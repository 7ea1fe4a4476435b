/* guest/gos_signal.c - signals: kill, tkill, tgkill, alarm (on the virtual clock), pause,
 * rt_sigsuspend, the delivery of a caught signal on the guest's stack in the i386 frames
 * Linux writes (struct sigframe for a plain handler, struct rt_sigframe for SA_SIGINFO), and
 * sigreturn / rt_sigreturn; uncaught signals take their default action (model.md 11.6).
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
    const uint32_t gr[8] = {cpu->edi, cpu->esi, cpu->ebp, cpu->esp,
                            cpu->ebx, cpu->edx, cpu->ecx, cpu->eax};
    for (int i = 0; i < 8; i++)
        put32(sc + 16 + 4 * i, gr[i]);
    put32(sc + 56, cpu->eip);
    put16(sc + 60, cpu->cs);
    put32(sc + 64, cpu->eflags);
    put32(sc + 68, cpu->esp); /* sp_at_signal */
    put16(sc + 72, cpu->ss);
    put32(sc + 80, oldmask);
}

static void get_sigcontext(const uint8_t *sc, struct gos_cpu *cpu)
{
    cpu->gs = get16(sc + 0);
    cpu->fs = get16(sc + 4);
    cpu->es = get16(sc + 8);
    cpu->ds = get16(sc + 12);
    uint32_t *gr[8] = {&cpu->edi, &cpu->esi, &cpu->ebp, &cpu->esp,
                       &cpu->ebx, &cpu->edx, &cpu->ecx, &cpu->eax};
    for (int i = 0; i < 8; i++)
        *gr[i] = get32(sc + 16 + 4 * i);
    cpu->eip = get32(sc + 56);
    cpu->cs = get16(sc + 60);
    cpu->eflags = get32(sc + 64);
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
        at = frame_address(g, a, cpu->esp, size);
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
        at = frame_address(g, a, cpu->esp, size);
        put32(f + 0, a->restorer);
        put32(f + 4, (uint32_t)sig);
        put_sigcontext(f + 8, cpu, (uint32_t)saved_mask);
        put32(f + 8 + SIGCONTEXT_SIZE + FPSTATE_SIZE, (uint32_t)(saved_mask >> 32));
    }
    if (gos_copy_out(g, at, f, size) != 0)
        return -EFAULT;
    cpu->esp = at;
    cpu->eip = a->handler;
    cpu->eax = (uint32_t)sig;
    cpu->edx = rt ? at + 16 : 0;
    cpu->ecx = rt ? at + 16 + SIGINFO_SIZE : 0;
    cpu->eflags &= ~0x400u; /* DF clear for the handler, as Linux does */
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
    int rc = write_frame(g, sig, &a, cpu, saved);
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
    return (int32_t)a->cpu.eax;
}

/* sigreturn: glibc's __restore pops the sig argument first: the frame's sigcontext is at
 * esp, its extramask after the unused FPU area. */
int64_t gos_sys_sigreturn(struct gos *g, const struct gos_regs *r)
{
    uint32_t sc = r->sp;
    return do_sigreturn(g, sc, sc + 80 /* oldmask */, sc + SIGCONTEXT_SIZE + FPSTATE_SIZE);
}

/* rt_sigreturn: the handler's `ret` took pretcode; the frame starts 4 bytes below esp. */
int64_t gos_sys_rt_sigreturn(struct gos *g, const struct gos_regs *r)
{
    uint32_t frame = r->sp - 4, uc = frame + 16 + SIGINFO_SIZE;
    uint32_t mask = uc + 20 + SIGCONTEXT_SIZE;
    return do_sigreturn(g, uc + 20, mask, mask + 4);
}

bool gos_signal_ready(const struct gos *g)
{
    return next_signal(g) != 0 || (g->alarm_ns && g->w->clock_ns >= g->alarm_ns);
}
