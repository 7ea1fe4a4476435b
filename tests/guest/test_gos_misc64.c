/* tests/guest/test_gos_misc64.c - the x86-64 layouts of the misc calls through gos directly:
 * gettimeofday (16-byte timeval), clock_gettime (16-byte timespec), rt_sigaction (four 8-byte
 * fields) set and read back, getrlimit (16-byte rlimit), sysinfo (112 bytes), and the 64-bit
 * rt_sigframe with rt_sigreturn. */
#include "test_gos_util.h"

/* x86-64 numbers used here (asm/unistd_64.h). */
enum {
    N64_rt_sigaction = 13, N64_gettimeofday = 96, N64_getrlimit = 97, N64_sysinfo = 99,
    N64_clock_gettime = 228,
};

/* The 8-byte little-endian word at p. */
static uint64_t get64(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

/* Starts an x86-64 guest over a new temporary root. */
static void start64(struct tg *t)
{
    tg_start_abi(t, 1, false, NULL, NULL, GOS_ABI_X86_64);
}

Test(gos_misc64, gettimeofday_timeval_is_16_bytes)
{
    struct tg t;
    start64(&t);
    uint8_t *p = tg_ptr(&t, BUF_ADDR);
    memset(p, 0xAA, 32);
    cr_assert_eq(SC64(&t, N64_gettimeofday, BUF_ADDR, 0), 0);
    int64_t sec = (int64_t)get64(p), usec = (int64_t)get64(p + 8);
    cr_expect_gt(sec, 1000000000, "tv_sec %lld", (long long)sec);
    cr_expect(usec >= 0 && usec < 1000000, "tv_usec %lld", (long long)usec);
    cr_expect_eq(p[16], 0xAA, "nothing past 16 bytes");
    tg_stop(&t);
}

Test(gos_misc64, clock_gettime_timespec_is_16_bytes)
{
    struct tg t;
    start64(&t);
    uint8_t *p = tg_ptr(&t, BUF_ADDR);
    memset(p, 0xAA, 32);
    cr_assert_eq(SC64(&t, N64_clock_gettime, 0, BUF_ADDR), 0);
    int64_t sec = (int64_t)get64(p), nsec = (int64_t)get64(p + 8);
    cr_expect_gt(sec, 1000000000);
    cr_expect(nsec >= 0 && nsec < 1000000000, "tv_nsec %lld", (long long)nsec);
    cr_expect_eq(p[16], 0xAA, "nothing past 16 bytes");
    tg_stop(&t);
}

Test(gos_misc64, rt_sigaction_four_u64_fields)
{
    struct tg t;
    start64(&t);
    uint64_t act[4] = {0x401234ull, 0x04000000ull /* SA_RESTORER */, 0x405678ull,
                       0x8000000000000001ull};
    memcpy(tg_ptr(&t, BUF_ADDR), act, sizeof act);
    cr_assert_eq(SC64(&t, N64_rt_sigaction, 10, BUF_ADDR, 0, 8), 0);
    uint8_t *o = tg_ptr(&t, BUF_ADDR + 0x100);
    memset(o, 0xAA, 48);
    cr_assert_eq(SC64(&t, N64_rt_sigaction, 10, 0, BUF_ADDR + 0x100, 8), 0);
    for (int i = 0; i < 4; i++)
        cr_expect_eq(get64(o + 8 * i), act[i], "field %d", i);
    cr_expect_eq(o[32], 0xAA, "nothing past 32 bytes");
    tg_stop(&t);
}

Test(gos_misc64, getrlimit_rlimit_is_16_bytes)
{
    struct tg t;
    start64(&t);
    uint8_t *p = tg_ptr(&t, BUF_ADDR);
    memset(p, 0xAA, 32);
    cr_assert_eq(SC64(&t, N64_getrlimit, 3 /* RLIMIT_STACK */, BUF_ADDR), 0);
    uint64_t cur = get64(p), max = get64(p + 8);
    cr_expect_neq(cur, 0xAAAAAAAAAAAAAAAAull);
    cr_expect(cur <= max, "cur %llx max %llx", (unsigned long long)cur, (unsigned long long)max);
    cr_expect_eq(p[16], 0xAA, "nothing past 16 bytes");
    tg_stop(&t);
}

Test(gos_misc64, sysinfo_is_112_bytes_of_longs)
{
    struct tg t;
    start64(&t);
    uint8_t *p = tg_ptr(&t, BUF_ADDR);
    memset(p, 0xAA, 128);
    cr_assert_eq(SC64(&t, N64_sysinfo, BUF_ADDR), 0);
    cr_expect_gt(get64(p + 0), 0u, "uptime");
    cr_expect_eq(get64(p + 32), 262144u, "totalram");
    cr_expect_eq(get64(p + 40), 196608u, "freeram");
    uint16_t procs;
    memcpy(&procs, p + 80, 2);
    cr_expect_eq(procs, 1, "procs");
    uint32_t unit;
    memcpy(&unit, p + 104, 4);
    cr_expect_eq(unit, 4096u, "mem_unit");
    cr_expect_eq(p[112], 0xAA, "nothing past 112 bytes");
    tg_stop(&t);
}

/* A caught SA_SIGINFO signal on x86-64: the rt_sigframe of arch/x86/kernel/signal.c below the
 * 128-byte red zone, the handler's registers, and rt_sigreturn giving every register back. */
Test(gos_misc64, signal_frame_and_rt_sigreturn)
{
    enum { N64_getpid = 39, N64_kill = 62, N64_rt_sigreturn = 15 };
    struct tg t;
    start64(&t);
    const uint64_t handler = 0x401234, restorer = 0x405678, flags = 0x04000004; /* RESTORER|SIGINFO */
    uint64_t act[4] = {handler, flags, restorer, 0};
    memcpy(tg_ptr(&t, BUF_ADDR), act, sizeof act);
    cr_assert_eq(SC64(&t, N64_rt_sigaction, 10, BUF_ADDR, 0, 8), 0);
    cr_assert_eq(SC64(&t, N64_kill, (uint64_t)SC64(&t, N64_getpid), 10), 0);
    struct gos_cpu cpu = {0};
    uint64_t *gr[18] = {&cpu.ax, &cpu.bx, &cpu.cx, &cpu.dx, &cpu.si, &cpu.di, &cpu.bp, &cpu.sp,
                        &cpu.ip, &cpu.flags, &cpu.r8, &cpu.r9, &cpu.r10, &cpu.r11, &cpu.r12,
                        &cpu.r13, &cpu.r14, &cpu.r15};
    for (int i = 0; i < 18; i++)
        *gr[i] = 0x1111111111111111ull * (uint64_t)(i + 1);
    const uint64_t sp0 = BUF_ADDR + 0x6000 + 8; /* deliberately not 16-byte aligned */
    cpu.sp = sp0;
    cpu.ip = 0x400abc;
    cpu.flags = 0x602; /* IF, DF */
    cpu.cs = 0x33;
    cpu.ss = 0x2b;
    struct gos_cpu before = cpu;
    bool delivered = false;
    cr_assert_eq(gos_signal_deliver(t.g, &cpu, &delivered), GOS_CONTINUE, "%s", gos_error(t.g));
    cr_assert(delivered);
    uint64_t at = cpu.sp;
    /* the frame: below the red zone, align_sigframe's round_down(sp - size, 16) - 8, so that
     * RSP + 8 is 16-byte aligned, as after a call (no FPU area: the engine keeps the FPU) */
    cr_expect_eq(at, ((sp0 - 128 - 440) & ~15ull) - 8);
    cr_expect_eq((at + 8) % 16, 0);
    cr_expect_eq(cpu.ip, handler);
    cr_expect_eq(cpu.di, 10);
    cr_expect_eq(cpu.dx, at + 8, "RDX = &ucontext");
    cr_expect_eq(cpu.si, at + 8 + 304, "RSI = &siginfo");
    cr_expect_eq(cpu.ax, 0);
    cr_expect_eq(cpu.flags & 0x400, 0, "DF cleared");
    const uint8_t *f = tg_ptr(&t, at);
    cr_expect_eq(get64(f), restorer, "pretcode");
    const uint8_t *sc = f + 8 + 40;
    /* struct sigcontext: r8..r15, rdi, rsi, rbp, rbx, rdx, rax, rcx, rsp, rip, eflags */
    const uint64_t want[18] = {before.r8, before.r9, before.r10, before.r11, before.r12,
                               before.r13, before.r14, before.r15, before.di, before.si,
                               before.bp, before.bx, before.dx, before.ax, before.cx, sp0,
                               before.ip, before.flags};
    for (int i = 0; i < 18; i++)
        cr_expect_eq(get64(sc + 8 * i), want[i], "sigcontext word %d", i);
    cr_expect_eq(get64(sc + 144) & 0xffff, 0x33, "cs");
    cr_expect_eq(get64(f + 8 + 296), 0, "uc_sigmask: the mask before delivery");
    uint32_t signo;
    memcpy(&signo, f + 8 + 304, 4);
    cr_expect_eq(signo, 10, "si_signo");
    /* the handler runs with the signal blocked; rt_sigreturn (RSP past pretcode) undoes both */
    struct gos_regs r = {N64_rt_sigreturn, {0}, at + 8};
    int st = -1;
    cr_assert_eq(gos_syscall(t.g, &r, &st), GOS_SCHEDULE);
    const struct gos_action *a = gos_action(t.g);
    cr_assert_eq(a->kind, GOS_ACT_SIGRETURN);
    struct gos_cpu back = a->cpu;
    uint64_t *bk[18] = {&back.ax, &back.bx, &back.cx, &back.dx, &back.si, &back.di, &back.bp,
                        &back.sp, &back.ip, &back.flags, &back.r8, &back.r9, &back.r10,
                        &back.r11, &back.r12, &back.r13, &back.r14, &back.r15};
    const uint64_t *bf[18] = {&before.ax, &before.bx, &before.cx, &before.dx, &before.si,
                              &before.di, &before.bp, &before.sp, &before.ip, &before.flags,
                              &before.r8, &before.r9, &before.r10, &before.r11, &before.r12,
                              &before.r13, &before.r14, &before.r15};
    for (int i = 0; i < 18; i++)
        cr_expect_eq(*bk[i], *bf[i], "register %d after rt_sigreturn", i);
    cr_expect_eq(r.ax, before.ax, "the call returns the interrupted RAX");
    tg_stop(&t);
}

/* x86-64 has no kernel-side restorer: a handler without SA_RESTORER cannot return, and Linux
 * kills the process with SIGSEGV instead of running it. */
Test(gos_misc64, signal_without_sa_restorer_is_sigsegv)
{
    enum { N64_getpid = 39, N64_kill = 62 };
    struct tg t;
    start64(&t);
    uint64_t act[4] = {0x401234, 0x4 /* SA_SIGINFO only */, 0, 0};
    memcpy(tg_ptr(&t, BUF_ADDR), act, sizeof act);
    cr_assert_eq(SC64(&t, N64_rt_sigaction, 10, BUF_ADDR, 0, 8), 0);
    cr_assert_eq(SC64(&t, N64_kill, (uint64_t)SC64(&t, N64_getpid), 10), 0);
    struct gos_cpu cpu = {.sp = BUF_ADDR + 0x6000, .ip = 0x400abc};
    bool delivered = false;
    cr_expect_eq(gos_signal_deliver(t.g, &cpu, &delivered), GOS_EXIT);
    cr_expect_not(delivered);
    cr_expect_eq(gos_exit_signal(t.g), 11);
    tg_stop(&t);
}
