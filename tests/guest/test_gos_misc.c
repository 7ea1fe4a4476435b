/* tests/guest/test_gos_misc.c - the guest OS's dispatch (syscall counting, unknown
 * calls, exit), its virtual clock and random source, ids, limits and signal bookkeeping. */
#include "test_gos_util.h"

Test(gos_misc, getrandom_same_seed_same_bytes)
{
    struct tg a, b, c;
    tg_start(&a, 42, false, NULL);
    tg_start(&b, 42, false, NULL);
    tg_start(&c, 43, false, NULL);
    cr_assert_eq(SC(&a, NR_getrandom, BUF_ADDR, 16, 0), 16);
    cr_assert_eq(SC(&b, NR_getrandom, BUF_ADDR, 16, 1 /* GRND_NONBLOCK */), 16);
    cr_assert_eq(SC(&c, NR_getrandom, BUF_ADDR, 16, 0), 16);
    uint64_t v[2];
    memcpy(v, tg_ptr(&a, BUF_ADDR), 16);
    /* splitmix64 from state 42 */
    cr_expect_eq(v[0], 0xbdd732262feb6e95ull);
    cr_expect_eq(v[1], 0x28efe333b266f103ull);
    cr_expect_arr_eq(tg_ptr(&a, BUF_ADDR), tg_ptr(&b, BUF_ADDR), 16);
    cr_expect_arr_neq(tg_ptr(&a, BUF_ADDR), tg_ptr(&c, BUF_ADDR), 16);
    /* gos_random_bytes (AT_RANDOM) draws from the same stream */
    uint8_t ra[16], rb[16];
    gos_random_bytes(a.g, ra, sizeof ra);
    gos_random_bytes(b.g, rb, sizeof rb);
    cr_expect_arr_eq(ra, rb, 16);
    cr_expect_eq(SC(&a, NR_getrandom, BUF_ADDR, 4, 0x100), -EINVAL);
    cr_expect_eq(SC(&a, NR_getrandom, NOWHERE, 4, 0), -EFAULT);
    tg_stop(&a);
    tg_stop(&b);
    tg_stop(&c);
}

Test(gos_misc, clock_is_virtual_and_seeded)
{
    struct tg t;
    tg_start(&t, 42, false, NULL);
    /* realtime starts at 2024-01-01 plus a seed-dependent part of a day; 1 us per read */
    cr_assert_eq(SC(&t, NR_clock_gettime64, 0, BUF_ADDR), 0);
    int64_t ts64[2];
    memcpy(ts64, tg_ptr(&t, BUF_ADDR), 16);
    cr_expect_eq(ts64[0], 1704085502);
    cr_expect_eq(ts64[1], 459588458);
    cr_assert_eq(SC(&t, NR_clock_gettime64, 0, BUF_ADDR), 0);
    memcpy(ts64, tg_ptr(&t, BUF_ADDR), 16);
    cr_expect_eq(ts64[1], 459589458);
    /* monotonic, 32-bit timespec: 100 s + 3 us */
    cr_assert_eq(SC(&t, NR_clock_gettime, 1, BUF_ADDR), 0);
    int32_t ts[2];
    memcpy(ts, tg_ptr(&t, BUF_ADDR), 8);
    cr_expect_eq(ts[0], 100);
    cr_expect_eq(ts[1], 3000);
    /* nanosleep advances the clock by the time asked, at once */
    int32_t req[2] = {1, 500};
    memcpy(tg_ptr(&t, BUF_ADDR + 0x100), req, 8);
    cr_assert_eq(SC(&t, NR_nanosleep, BUF_ADDR + 0x100, 0), 0);
    cr_assert_eq(SC(&t, NR_clock_gettime, 1, BUF_ADDR), 0);
    memcpy(ts, tg_ptr(&t, BUF_ADDR), 8);
    cr_expect_eq(ts[0], 101);
    cr_expect_eq(ts[1], 4500);
    cr_expect_eq(SC(&t, NR_time, 0), 1704085503);
    cr_expect_eq(SC(&t, NR_clock_gettime, 99, BUF_ADDR), -EINVAL);
    req[1] = 1000000000;
    memcpy(tg_ptr(&t, BUF_ADDR + 0x100), req, 8);
    cr_expect_eq(SC(&t, NR_nanosleep, BUF_ADDR + 0x100, 0), -EINVAL);
    tg_stop(&t);
}

Test(gos_misc, every_call_counts_one_syscall)
{
    struct tg t;
    tg_start(&t, 1, false, NULL);
    uint64_t s0 = tg_ctr(&t, "vk.syscall");
    SC(&t, NR_getpid);
    SC(&t, NR_ptrace);          /* unknown: counted too */
    SC(&t, NR_set_thread_area); /* the engine's, passed on */
    SC(&t, NR_brk, 0);
    cr_expect_eq(tg_ctr(&t, "vk.syscall"), s0 + 4);
    tg_stop(&t);
}

Test(gos_misc, unknown_calls_are_enosys_and_listed_once)
{
    struct tg t;
    tg_start(&t, 1, false, NULL);
    cr_expect_eq(SC(&t, NR_ptrace), -ENOSYS);
    cr_expect_eq(SC(&t, NR_ptrace), -ENOSYS);
    cr_expect_eq(SC(&t, 9999), -ENOSYS);
    /* known calls answering ENOSYS are not listed */
    cr_expect_eq(SC(&t, NR_rseq, BUF_ADDR, 32, 0, 0), -ENOSYS);
    cr_expect_eq(SC(&t, NR_statx, G_AT_FDCWD, STR_ADDR, 0, 0, BUF_ADDR), -ENOSYS);
    cr_expect_eq(SC(&t, NR_set_thread_area, BUF_ADDR), -ENOSYS);
    const unsigned *nrs;
    const char *const *names;
    cr_assert_eq(gos_unknown_calls(t.g, &nrs, &names), 2);
    cr_expect_eq(nrs[0], 26);
    cr_expect_str_eq(names[0], "ptrace");
    cr_expect_eq(nrs[1], 9999);
    cr_expect_str_eq(names[1], "?");
    cr_expect_str_eq(gos_syscall_name(GOS_ABI_I386, 403), "clock_gettime64");
    tg_stop(&t);
}

Test(gos_misc, kernel_accesses_are_counted_per_buffer)
{
    struct tg t;
    tg_start(&t, 1, false, NULL);
    uint64_t k0 = tg_ctr(&t, "access.kernel");
    SC(&t, NR_getrandom, BUF_ADDR, 8, 0);        /* 1 */
    SC(&t, NR_clock_gettime64, 0, BUF_ADDR);     /* 1 */
    SC(&t, NR_uname, BUF_ADDR);                  /* 1 */
    SC(&t, NR_getpid);                           /* 0 */
    SC(&t, NR_getrandom, BUF_ADDR, 0, 0);        /* 0: nothing to write */
    /* rt_sigaction with act and oact: 2 */
    memset(tg_ptr(&t, BUF_ADDR + 0x100), 0, 20);
    cr_assert_eq(SC(&t, 174 /* rt_sigaction */, 2, BUF_ADDR + 0x100, BUF_ADDR + 0x200, 8), 0);
    cr_expect_eq(tg_ctr(&t, "access.kernel"), k0 + 5);
    tg_stop(&t);
}

Test(gos_misc, exit_group_ends_the_run_with_the_status)
{
    struct tg t;
    tg_start(&t, 1, false, NULL);
    struct gos_regs r = {NR_exit_group, {256 + 7, 0, 0, 0, 0, 0}, 0};
    int st = -1;
    cr_expect_eq(gos_syscall(t.g, &r, &st), GOS_EXIT);
    cr_expect_eq(st, 7);
    tg_stop(&t);
}

Test(gos_misc, uname_ids_and_limits)
{
    struct tg t;
    tg_start(&t, 1, false, NULL);
    cr_assert_eq(SC(&t, NR_uname, BUF_ADDR), 0);
    cr_expect_str_eq((char *)tg_ptr(&t, BUF_ADDR), "Linux");
    cr_expect_str_eq((char *)tg_ptr(&t, BUF_ADDR + 4 * 65), "i686");
    cr_expect_eq(SC(&t, NR_getpid), 1000);
    cr_expect_eq(SC(&t, NR_set_tid_address, BUF_ADDR), 1000);
    cr_expect_eq(SC(&t, NR_getuid32), 1000); /* fixed, as the aux vector AT_UID: runs do not depend on who runs vkmmu */
    cr_assert_eq(SC(&t, NR_ugetrlimit, 3 /* RLIMIT_STACK */, BUF_ADDR), 0);
    uint32_t l[2];
    memcpy(l, tg_ptr(&t, BUF_ADDR), 8);
    cr_expect_eq(l[0], 8u << 20);
    cr_expect_eq(l[1], 0xFFFFFFFFu);
    cr_assert_eq(SC(&t, NR_prlimit64, 0, 7 /* RLIMIT_NOFILE */, 0, BUF_ADDR), 0);
    uint64_t l64[2];
    memcpy(l64, tg_ptr(&t, BUF_ADDR), 16);
    cr_expect_eq(l64[0], 1024);
    cr_expect_eq(l64[1], 1024);
    cr_expect_eq(SC(&t, NR_ugetrlimit, 16, BUF_ADDR), -EINVAL);
    tg_stop(&t);
}

Test(gos_misc, sigaction_and_sigprocmask_are_recorded)
{
    struct tg t;
    tg_start(&t, 1, false, NULL);
    uint32_t act[5] = {0x08001234, 0x04000000, 0x08005678, 0x10, 0};
    memcpy(tg_ptr(&t, BUF_ADDR), act, 20);
    cr_assert_eq(SC(&t, 174, 2, BUF_ADDR, 0, 8), 0);
    cr_assert_eq(SC(&t, 174, 2, 0, BUF_ADDR + 0x40, 8), 0);
    cr_expect_arr_eq(tg_ptr(&t, BUF_ADDR + 0x40), act, 20);
    cr_expect_eq(SC(&t, 174, 9 /* SIGKILL */, BUF_ADDR, 0, 8), -EINVAL);
    cr_expect_eq(SC(&t, 174, 2, BUF_ADDR, 0, 4), -EINVAL);
    uint64_t set = 0x5;
    memcpy(tg_ptr(&t, BUF_ADDR), &set, 8);
    cr_assert_eq(SC(&t, 175 /* rt_sigprocmask */, 0 /* SIG_BLOCK */, BUF_ADDR, 0, 8), 0);
    cr_assert_eq(SC(&t, 175, 0, 0, BUF_ADDR + 0x80, 8), 0);
    uint64_t old;
    memcpy(&old, tg_ptr(&t, BUF_ADDR + 0x80), 8);
    cr_expect_eq(old, 0x5);
    tg_stop(&t);
}

/* With no model (a bare engine), gos's own record of the layout keeps mmap off the image. */
static int bare_read(void *ctx, uint64_t addr, void *buf, size_t len)
{
    (void)ctx;
    (void)addr;
    memset(buf, 0, len);
    return 0;
}
static int bare_write(void *ctx, uint64_t addr, const void *buf, size_t len)
{
    (void)ctx;
    (void)addr;
    (void)buf;
    (void)len;
    return 0;
}

Test(gos_misc, works_without_models)
{
    struct vk_set none;
    vk_set_init(&none, MMU_ARCH_I386);
    struct gos_options o = {.root = "/tmp", .seed = 1, .stdin_fd = -1, .stdout_fd = -1,
                            .stderr_fd = -1};
    struct gos_mem mem = {bare_read, bare_write, NULL, NULL};
    struct gos *g = gos_new(&o, &none, &mem);
    cr_assert(g);
    gos_set_brk_base(g, 0x08100000);
    gos_set_mmap_top(g, 0x40000000);
    cr_assert_eq(gos_map(g, 0x3FFFF000, 0x40000000, VK_PROT_R, VK_ANON, 0, 0), VK_OK);
    struct gos_regs r = {NR_mmap2, {0, 0x1000, PROT_R, MAP_PRIVATE_ANON, (uint32_t)-1, 0}, 0};
    int st;
    cr_assert_eq(gos_syscall(g, &r, &st), GOS_CONTINUE);
    cr_expect_eq(r.ax, 0x3FFFE000u);
    gos_free(g);
    vk_set_fini(&none);
}

/* ---- user and group ids: an unprivileged process whose ids are all 1000 ---- */
enum {
    ID_setuid = 23, ID_getuid = 24, ID_setgid = 46, ID_getgid = 47, ID_geteuid = 49,
    ID_getegid = 50, ID_setreuid = 70, ID_setregid = 71, ID_setfsuid = 138, ID_setfsgid = 139,
    ID_setresuid = 164, ID_getresuid = 165, ID_setresgid = 170, ID_getresgid = 171,
    ID_setreuid32 = 203, ID_setregid32 = 204, ID_setresuid32 = 208, ID_getresuid32 = 209,
    ID_setresgid32 = 210, ID_getresgid32 = 211, ID_setuid32 = 213, ID_setgid32 = 214,
    ID_setfsuid32 = 215, ID_setfsgid32 = 216,
};
#define ID_KEEP 0xFFFFFFFFu /* -1: leave the id as it is */

Test(gos_misc, setuid_to_own_id_succeeds_to_another_is_eperm)
{
    struct tg t;
    tg_start(&t, 1, false, NULL);
    uint64_t s0 = tg_ctr(&t, "vk.syscall");
    cr_expect_eq(SC(&t, ID_setuid32, 1000), 0);
    cr_expect_eq(SC(&t, ID_setgid32, 1000), 0);
    cr_expect_eq(SC(&t, ID_setuid32, 0), -EPERM);
    cr_expect_eq(SC(&t, ID_setgid32, 0), -EPERM);
    cr_expect_eq(SC(&t, ID_setuid32, 1001), -EPERM);
    cr_expect_eq(SC(&t, ID_setuid32, ID_KEEP), -EINVAL); /* -1 is no valid uid for setuid */
    cr_expect_eq(SC(&t, ID_setgid32, ID_KEEP), -EINVAL);
    /* nothing changed: the ids still read 1000, and no call was an unknown one */
    cr_expect_eq(SC(&t, NR_getuid32), 1000);
    cr_expect_eq(tg_ctr(&t, "vk.syscall"), s0 + 8);
    size_t nun = gos_unknown_calls(t.g, NULL, NULL);
    cr_expect_eq(nun, 0, "set*id calls are known: %zu unknown", nun);
    tg_stop(&t);
}

Test(gos_misc, setreuid_and_setresuid_accept_own_ids_and_minus_one)
{
    struct tg t;
    tg_start(&t, 1, false, NULL);
    cr_expect_eq(SC(&t, ID_setreuid32, 1000, 1000), 0);
    cr_expect_eq(SC(&t, ID_setreuid32, ID_KEEP, ID_KEEP), 0);
    cr_expect_eq(SC(&t, ID_setreuid32, ID_KEEP, 1000), 0);
    cr_expect_eq(SC(&t, ID_setreuid32, 0, ID_KEEP), -EPERM);
    cr_expect_eq(SC(&t, ID_setreuid32, ID_KEEP, 0), -EPERM);
    cr_expect_eq(SC(&t, ID_setregid32, 1000, ID_KEEP), 0);
    cr_expect_eq(SC(&t, ID_setregid32, 1000, 5), -EPERM);
    cr_expect_eq(SC(&t, ID_setresuid32, 1000, 1000, 1000), 0);
    cr_expect_eq(SC(&t, ID_setresuid32, ID_KEEP, ID_KEEP, ID_KEEP), 0);
    cr_expect_eq(SC(&t, ID_setresuid32, ID_KEEP, ID_KEEP, 0), -EPERM);
    cr_expect_eq(SC(&t, ID_setresgid32, 1000, ID_KEEP, 1000), 0);
    cr_expect_eq(SC(&t, ID_setresgid32, 0, 1000, 1000), -EPERM);
    tg_stop(&t);
}

Test(gos_misc, setfsuid_returns_the_old_fsuid_whatever_it_is_given)
{
    struct tg t;
    tg_start(&t, 1, false, NULL);
    cr_expect_eq(SC(&t, ID_setfsuid32, 1000), 1000);
    cr_expect_eq(SC(&t, ID_setfsuid32, 0), 1000); /* not allowed: unchanged, still 1000 */
    cr_expect_eq(SC(&t, ID_setfsuid32, ID_KEEP), 1000); /* the usual way to read it */
    cr_expect_eq(SC(&t, ID_setfsgid32, 0), 1000);
    cr_expect_eq(SC(&t, ID_setfsgid32, ID_KEEP), 1000);
    cr_expect_eq(SC(&t, ID_setfsuid, 0), 1000);
    cr_expect_eq(SC(&t, ID_setfsgid, 0xFFFF), 1000);
    tg_stop(&t);
}

Test(gos_misc, getresuid32_writes_three_ids_or_efault)
{
    struct tg t;
    tg_start(&t, 1, false, NULL);
    memset(tg_ptr(&t, BUF_ADDR), 0xAB, 16);
    cr_assert_eq(SC(&t, ID_getresuid32, BUF_ADDR, BUF_ADDR + 4, BUF_ADDR + 8), 0);
    uint32_t v[4];
    memcpy(v, tg_ptr(&t, BUF_ADDR), 16);
    cr_expect_eq(v[0], 1000);
    cr_expect_eq(v[1], 1000);
    cr_expect_eq(v[2], 1000);
    cr_expect_eq(v[3], 0xABABABABu); /* nothing past the third */
    cr_assert_eq(SC(&t, ID_getresgid32, BUF_ADDR + 8, BUF_ADDR + 4, BUF_ADDR), 0);
    memcpy(v, tg_ptr(&t, BUF_ADDR), 12);
    cr_expect_eq(v[0] + v[1] + v[2], 3000);
    /* one put_user at a time: the first id lands before the second pointer faults */
    memset(tg_ptr(&t, BUF_ADDR), 0, 4);
    cr_expect_eq(SC(&t, ID_getresuid32, BUF_ADDR, NOWHERE, BUF_ADDR + 8), -EFAULT);
    memcpy(v, tg_ptr(&t, BUF_ADDR), 4);
    cr_expect_eq(v[0], 1000);
    tg_stop(&t);
}

Test(gos_misc, sixteen_bit_id_calls_truncate_and_map_ffff_to_minus_one)
{
    struct tg t;
    tg_start(&t, 1, false, NULL);
    cr_expect_eq(SC(&t, ID_getuid), 1000);
    cr_expect_eq(SC(&t, ID_geteuid), 1000);
    cr_expect_eq(SC(&t, ID_getgid), 1000);
    cr_expect_eq(SC(&t, ID_getegid), 1000);
    cr_expect_eq(SC(&t, ID_setuid, 1000), 0);
    cr_expect_eq(SC(&t, ID_setuid, 0x103E8), 0); /* old_uid_t: only the low 16 bits count */
    cr_expect_eq(SC(&t, ID_setuid, 0xFFFF), -EINVAL);
    cr_expect_eq(SC(&t, ID_setgid, 0), -EPERM);
    cr_expect_eq(SC(&t, ID_setreuid, 0xFFFF, 1000), 0);
    cr_expect_eq(SC(&t, ID_setregid, 0xFFFF, 0xFFFE), -EPERM);
    cr_expect_eq(SC(&t, ID_setresuid, 0xFFFF, 0xFFFF, 0xFFFF), 0);
    cr_expect_eq(SC(&t, ID_setresgid, 1000, 0, 0xFFFF), -EPERM);
    /* getres*id(16) writes 16-bit ids */
    memset(tg_ptr(&t, BUF_ADDR), 0xAB, 8);
    cr_assert_eq(SC(&t, ID_getresuid, BUF_ADDR, BUF_ADDR + 2, BUF_ADDR + 4), 0);
    uint16_t h[4];
    memcpy(h, tg_ptr(&t, BUF_ADDR), 8);
    cr_expect_eq(h[0], 1000);
    cr_expect_eq(h[1], 1000);
    cr_expect_eq(h[2], 1000);
    cr_expect_eq(h[3], 0xABAB);
    cr_expect_eq(SC(&t, ID_getresgid, BUF_ADDR, BUF_ADDR + 2, NOWHERE), -EFAULT);
    tg_stop(&t);
}
