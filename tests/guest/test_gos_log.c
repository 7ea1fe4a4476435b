/* tests/guest/test_gos_log.c - record and replay: a later pass gets the first pass's
 * results, guest bytes and model events without touching the host again. */
#include "test_gos_util.h"

#define N_CALLS 8

/* A guest that appends to a file, reads it back, maps memory and draws random bytes. */
static void run_guest(struct tg *t, int32_t res[N_CALLS])
{
    tg_put_str(t, STR_ADDR, "log.txt");
    memcpy(tg_ptr(t, BUF_ADDR + 0x100), "line\n", 5);
    res[0] = SC(t, NR_open, STR_ADDR, G_O_RDWR | G_O_CREAT | 02000 /* O_APPEND */, 0644);
    res[1] = SC(t, NR_write, 3, BUF_ADDR + 0x100, 5);
    res[2] = SC(t, NR__llseek, 3, 0, 0, BUF_ADDR + 0x200, 0);
    res[3] = SC(t, NR_read, 3, BUF_ADDR, 100);
    res[4] = SC(t, NR_mmap2, 0, 0x2000, PROT_R | PROT_W, MAP_PRIVATE_ANON, (uint32_t)-1, 0);
    res[5] = SC(t, NR_getrandom, BUF_ADDR + 0x300, 16, 0);
    res[6] = SC(t, NR_mprotect, (uint32_t)res[4], 0x1000, PROT_R);
    res[7] = SC(t, NR_ptrace); /* unknown */
}

static size_t file_size(const char *root, const char *name)
{
    char p[512];
    struct stat st;
    snprintf(p, sizeof p, "%s/%s", root, name);
    return stat(p, &st) == 0 ? (size_t)st.st_size : 0;
}

Test(gos_log, replay_repeats_results_and_model_events_without_host_effects)
{
    struct tg a, b;
    tg_start(&a, 7, true, NULL);
    tg_file(&a, "log.txt", "old\n");
    struct gos_log *log = gos_log_new();
    cr_assert(log);
    gos_record(a.g, log);
    int32_t ra[N_CALLS], rb[N_CALLS];
    run_guest(&a, ra);
    cr_expect_eq(ra[0], 3);
    cr_expect_eq(ra[3], 9); /* "old\nline\n" */
    cr_expect_eq(file_size(a.root, "log.txt"), 9);

    /* a second pass over another seed: the log, not the seed or the host, decides */
    tg_start_in(&b, 8, true, NULL, a.root);
    gos_replay(b.g, log);
    run_guest(&b, rb);
    cr_expect_arr_eq(ra, rb, sizeof ra);
    cr_expect_eq(file_size(a.root, "log.txt"), 9); /* appended once */
    cr_expect_arr_eq(tg_ptr(&b, BUF_ADDR), "old\nline\n", 9);
    cr_expect_arr_eq(tg_ptr(&b, BUF_ADDR + 0x300), tg_ptr(&a, BUF_ADDR + 0x300), 16);
    cr_expect_arr_eq(tg_ptr(&b, BUF_ADDR + 0x200), tg_ptr(&a, BUF_ADDR + 0x200), 8);
    const char *names[] = {"access.kernel", "vk.syscall"};
    for (int i = 0; i < 2; i++)
        cr_expect_eq(tg_ctr(&a, names[i]), tg_ctr(&b, names[i]), "%s", names[i]);
    size_t na, nb;
    const struct vk_region *ga = tg_regions(&a, &na), *gb = tg_regions(&b, &nb);
    cr_assert_eq(na, 3); /* data, the mapping split by mprotect */
    cr_assert_eq(nb, 3);
    for (size_t i = 0; i < 3; i++) {
        cr_expect_eq(ga[i].start, gb[i].start);
        cr_expect_eq(ga[i].end, gb[i].end);
        cr_expect_eq(ga[i].prot, gb[i].prot);
        cr_expect_eq(ga[i].kind, gb[i].kind);
    }
    cr_expect_eq(gb[2].prot, VK_PROT_R | VK_PROT_W);
    cr_expect_eq(gb[1].prot, VK_PROT_R);
    cr_expect_eq(gos_unknown_calls(b.g, NULL, NULL), 1);
    tg_stop(&b);
    tg_stop(&a);
    gos_log_free(log);
}

Test(gos_log, a_guest_that_diverges_is_an_error)
{
    struct tg a, b;
    tg_start(&a, 7, false, NULL);
    struct gos_log *log = gos_log_new();
    gos_record(a.g, log);
    SC(&a, NR_getuid32);
    SC(&a, NR_brk, 0);
    tg_start_in(&b, 7, false, NULL, a.root);
    gos_replay(b.g, log);
    cr_expect_eq(SC(&b, NR_getuid32), 1000);
    struct gos_regs r = {NR_brk, {4096, 0, 0, 0, 0, 0}, 0}; /* another argument */
    int st;
    cr_expect_eq(gos_syscall(b.g, &r, &st), GOS_ERROR);
    cr_expect(strstr(gos_error(b.g), "call 2 differs") != NULL, "%s", gos_error(b.g));
    tg_stop(&b);

    /* and one that goes on past the log */
    tg_start_in(&b, 7, false, NULL, a.root);
    gos_replay(b.g, log);
    SC(&b, NR_getuid32);
    SC(&b, NR_brk, 0);
    struct gos_regs r3 = {NR_getuid32, {0, 0, 0, 0, 0, 0}, 0};
    cr_expect_eq(gos_syscall(b.g, &r3, &st), GOS_ERROR);
    cr_expect(strstr(gos_error(b.g), "past the end") != NULL, "%s", gos_error(b.g));
    tg_stop(&b);
    tg_stop(&a);
    gos_log_free(log);
}

/* A moving mremap (the log's move event): the later pass moves its own regions, pages and
 * bytes as the first pass did, with the same result. */
Test(gos_log, a_move_replays)
{
    struct tg a, b;
    struct tg *t[2] = {&a, &b};
    int32_t res[2][2];
    struct gos_log *log = gos_log_new();
    cr_assert(log);
    tg_start(&a, 7, false, NULL);
    tg_start(&b, 7, false, NULL);
    gos_record(a.g, log);
    for (int i = 0; i < 2; i++) {
        if (i == 1)
            gos_replay(b.g, log); /* after the first pass has ended */
        res[i][0] = SC(t[i], NR_mmap2, 0, 0x1000, PROT_R | PROT_W, MAP_PRIVATE_ANON, (uint32_t)-1,
                       0);
        memset(tg_ptr(t[i], (uint32_t)res[i][0]), 0x5c, 0x1000); /* the guest's own bytes */
        res[i][1] = SC(t[i], NR_mremap, (uint32_t)res[i][0], 0x1000, 0x3000, 1);
    }
    cr_expect_arr_eq(res[0], res[1], sizeof res[0]);
    cr_assert_neq(res[1][1], res[1][0], "the mapping moved (the mmap top is above it)");
    cr_expect_eq(tg_ptr(&b, (uint32_t)res[1][1])[0xfff], 0x5c);
    cr_expect_eq(tg_ptr(&b, (uint32_t)res[1][1] + 0x1000)[0], 0);
    size_t na, nb;
    const struct vk_region *ga = tg_regions(&a, &na), *gb = tg_regions(&b, &nb);
    cr_assert_eq(na, nb);
    for (size_t i = 0; i < na; i++) {
        cr_expect_eq(ga[i].start, gb[i].start);
        cr_expect_eq(ga[i].end, gb[i].end);
    }
    tg_stop(&b);
    tg_stop(&a);
    gos_log_free(log);
}
