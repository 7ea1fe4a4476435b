/* tests/cli/test_record.c - the recorder tap (sim/record.c): every event a vk_set sees is
 * written to a .vkt, and feeding that file to a fresh set gives every configuration exactly
 * the counters of the recorded one (what `vkmmu run --record` then `vkmmu replay` relies on). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sim.h"

static const char *const schemes[] = {"vpt-1.10", "vpt", "native", "linux", "ept"};
static const char *const policies[] = {"none", "dfly", "window:8:sym"};
static const char *const dirties[] = {"strict", "hint", "eager"};

static struct vk_config make_cfg(int i)
{
    char err[128];
    struct vk_config c = {
        .scheme = vk_scheme_find(schemes[i % 5]),
        .dirty = vk_dirty_find(dirties[(i / 5) % 3]),
    };
    cr_assert_not_null(c.scheme);
    cr_assert_eq(vk_policy_parse(policies[i % 3], &c.policy, err, sizeof err), 0, "%s", err);
    if (i % 4 == 3)
        c.opt.vk_mem_pages = 96;
    return c;
}

static uint32_t rng = 2463534242u;
static uint32_t xs(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 17;
    rng ^= rng << 5;
    return rng;
}

/* A run's events: maps (anon, file with offsets), protects, unmaps, moves, user and kernel accesses
 * of every kind and many sizes, instruction counts, system calls. */
static void run_events(struct vk_set *s, int nev)
{
    vk_set_map(s, 0x08048000, 0x08060000, VK_PROT_R | VK_PROT_X, VK_FILE, 1, 0);
    vk_set_map(s, 0x08060000, 0x08062000, VK_PROT_R | VK_PROT_W, VK_FILE, 1, 0x18);
    vk_set_map(s, 0x10000000, 0x10200000, VK_PROT_R | VK_PROT_W, VK_ANON, 0, 0);
    for (int i = 0; i < nev; i++) {
        uint32_t r = xs();
        uint64_t base = 0x10000000 + ((uint64_t)(xs() % 512) << 12);
        if (r % 1000 == 0)
            vk_set_protect(s, base, base + 0x4000, xs() % 8);
        else if (r % 1000 == 1)
            vk_set_unmap(s, base, base + 0x3000);
        else if (r % 1000 == 2)
            vk_set_map(s, base, base + 0x2000, VK_PROT_R | VK_PROT_W, VK_ANON, 0, 0);
        else if (r % 1000 == 3)
            vk_set_map(s, base, base + 0x8000, VK_PROT_R | VK_PROT_W, VK_FILE, 2 + xs() % 3,
                       xs() % 100);
        else if (r % 1000 == 4 || r % 1000 == 5) {
            /* a moving mremap inside the anonymous area (its pages, frames and vptes move) */
            uint64_t to = 0x10000000 + ((uint64_t)(xs() % 508) << 12);
            if (to + 0x4000 <= base || base + 0x4000 <= to)
                vk_set_move(s, base, to, 0x4000);
        } else if (r % 50 == 4)
            vk_set_kernel_access(s, base + (xs() & 0xfff), 1 + xs() % 6000, xs() & 1);
        else if (r % 50 == 5)
            vk_set_syscall(s, xs() % 400);
        else if (r % 5 == 0)
            vk_set_insns(s, r % 7 == 0 ? 1 + xs() % 100000 : 1 + xs() % 9);
        else if (r % 3 == 0)
            vk_set_access(s, 0x08048000 + (xs() % 0x18000), 1 + xs() % 15, MMU_FETCH);
        else
            vk_set_access(s, base + (xs() & 0xffc), (r & 7) == 0 ? 4096 : 1u << (xs() % 4),
                          (xs() & 1) ? MMU_WRITE : MMU_READ);
    }
}

/* As cmd_replay feeds a record. */
static void feed(struct vk_set *s, const struct trc_record *rec)
{
    switch (rec->type) {
    case TRC_MAP:
        vk_set_map(s, rec->addr, rec->end, rec->prot, rec->kind == TRC_FILE ? VK_FILE : VK_ANON,
                   rec->file_id, rec->file_pgoff);
        break;
    case TRC_UNMAP: vk_set_unmap(s, rec->addr, rec->end); break;
    case TRC_PROTECT: vk_set_protect(s, rec->addr, rec->end, rec->prot); break;
    case TRC_MOVE: vk_set_move(s, rec->addr, rec->dest, rec->end - rec->addr); break;
    case TRC_READ: vk_set_access(s, rec->addr, rec->size, MMU_READ); break;
    case TRC_WRITE: vk_set_access(s, rec->addr, rec->size, MMU_WRITE); break;
    case TRC_FETCH: vk_set_access(s, rec->addr, rec->size, MMU_FETCH); break;
    case TRC_KREAD: vk_set_kernel_access(s, rec->addr, rec->size, false); break;
    case TRC_KWRITE: vk_set_kernel_access(s, rec->addr, rec->size, true); break;
    case TRC_INSNS: vk_set_insns(s, rec->count); break;
    case TRC_SYSCALL: vk_set_syscall(s, (unsigned)rec->count); break;
    default: break;
    }
}

Test(record, replay_of_a_recording_equals_the_run)
{
    const struct mmu_costs *k = mmu_cost_profile_find("modern")->costs;
    enum { N = 15, NEV = 60000 };
    char path[] = "/tmp/vkmmu-record-XXXXXX";
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    close(fd);

    struct vk_set run, rep;
    vk_set_init(&run, MMU_ARCH_I386);
    vk_set_init(&rep, MMU_ARCH_I386);
    for (int i = 0; i < N; i++) {
        struct vk_config c = make_cfg(i);
        cr_assert_geq(vk_set_add(&run, &c, k), 0);
        cr_assert_geq(vk_set_add(&rep, &c, k), 0);
    }
    char err[512];
    struct trc_writer *w;
    cr_assert_eq(trc_writer_open(&w, path, MMU_ARCH_I386, err, sizeof(err)), 0, "%s", err);
    struct vk_tap tap = sim_record_tap(w);
    run.tap = &tap;
    run_events(&run, NEV);
    vk_set_finish(&run);
    uint64_t nrec = trc_writer_records(w);
    cr_assert_eq(trc_writer_close(w, false, err, sizeof(err)), 0, "%s", err);

    struct trc_reader *r;
    cr_assert_eq(trc_open(&r, path, err, sizeof(err)), 0, "%s", err);
    struct trc_record batch[64];
    int rc = 1;
    uint64_t accesses = 0;
    while (rc == 1) {
        size_t n = trc_next_batch(r, batch, 64, &rc);
        for (size_t j = 0; j < n; j++) {
            accesses += batch[j].type >= TRC_READ && batch[j].type <= TRC_KWRITE;
            feed(&rep, &batch[j]);
        }
    }
    cr_assert_eq(rc, 0, "%s", trc_error(r));
    cr_assert_eq(trc_records(r), nrec);
    uint64_t bytes = trc_bytes(r);
    trc_close(r);
    vk_set_finish(&rep);
    fprintf(stderr, "record: %llu records, %llu accesses, %.3f bytes/access\n",
            (unsigned long long)nrec, (unsigned long long)accesses,
            (double)bytes / (double)accesses);

    for (int i = 0; i < N; i++) {
        const struct mmu_counters *a = vk_counters(run.m[i]), *b = vk_counters(rep.m[i]);
        for (int x = 0; x < MMU_NCOUNTERS; x++)
            cr_assert_eq(a->c[x], b->c[x], "config %d counter %s: run %llu, replay %llu", i,
                         mmu_counter_names[x], (unsigned long long)a->c[x],
                         (unsigned long long)b->c[x]);
        cr_assert_gt(MMU_CTR(a, fault_real), 0);
        cr_assert_gt(MMU_CTR(a, insns), 0);
    }
    vk_set_fini(&run);
    vk_set_fini(&rep);
    unlink(path);
}
