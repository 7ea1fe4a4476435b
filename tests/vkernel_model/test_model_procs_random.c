/* Random multi-process scenarios (fork, exec, exit, switches, protect, unmap, moves, kernel
 * writes)
 * under every scheme, a set of policies, every dirty strategy, with and without --vk-mem:
 * after each one the frames' use counts equal the pages that name them, the frames in use are
 * within --vk-mem, and the model.md section 9 identities and the section 11 one
 * (vk.vmspace = 10 x created + destroyed) hold.  Reaches the model's internals (vk_internal.h). */
#include "scenario.h"
#include "vk_internal.h"

static const char *const schemes[] = {"vpt-1.10", "vpt", "ept", "native", "linux"};
static const char *const policies[] = {"none", "dfly", "dfly2010", "window:4", "ptpage"};
static const char *const dirties[] = {"strict", "hint", "eager"};

static uint32_t rnd(uint32_t *x)
{
    *x = *x * 1103515245u + 12345u;
    return (*x >> 16) & 0x7fff;
}

#define MAPS                                                                                     \
    "map 0x10000000 0x10040000 rw- anon\nmap 0x20000000 0x20020000 r-x file 7\n"                \
    "map 0x30000000 0x30010000 rw- file 8\n"

/* A scenario of about 300 records over at most 12 processes. */
static void gen(char *buf, size_t n, uint32_t seed)
{
    size_t o = (size_t)snprintf(buf, n, MAPS);
    bool alive[16] = {false, true};
    int procs = 1, cur = 1;
    for (int i = 0; i < 300 && o < n - 256; i++) {
        uint32_t k = rnd(&seed) % 20;
        if (k < 8)
            o += (size_t)snprintf(buf + o, n - o, "%s 0x%x 4\n", rnd(&seed) % 2 ? "W" : "R",
                                  0x10000000u + (rnd(&seed) % 64) * 4096u);
        else if (k < 10)
            o += (size_t)snprintf(buf + o, n - o, "R 0x%x 4\n", 0x20000000u + (rnd(&seed) % 32) * 4096u);
        else if (k < 12)
            o += (size_t)snprintf(buf + o, n - o, "%s 0x%x 4\n", rnd(&seed) % 2 ? "W" : "R",
                                  0x30000000u + (rnd(&seed) % 16) * 4096u);
        else if (k < 13)
            o += (size_t)snprintf(buf + o, n - o, "KW 0x%x 8\n", 0x10000000u + (rnd(&seed) % 64) * 4096u);
        else if (k < 14 && procs < 12) {
            alive[++procs] = true;
            o += (size_t)snprintf(buf + o, n - o, "fork %d\n", procs);
        } else if (k < 16) {
            int t = 1 + (int)(rnd(&seed) % (uint32_t)procs);
            if (alive[t]) {
                cur = t;
                o += (size_t)snprintf(buf + o, n - o, "pid %d\n", t);
            }
        } else if (k < 17 && cur != 1) {
            alive[cur] = false;
            cur = 1;
            o += (size_t)snprintf(buf + o, n - o, "exit\npid 1\n");
        } else if (k < 18) {
            o += (size_t)snprintf(buf + o, n - o, "exec\n" MAPS);
        } else if (k < 19) {
            o += (size_t)snprintf(buf + o, n - o,
                                  "protect 0x10000000 0x10008000 r--\nprotect 0x10000000 0x10008000 rw-\n");
        } else if (rnd(&seed) % 3 == 0) {
            o += (size_t)snprintf(buf + o, n - o,
                                  "unmap 0x10010000 0x10012000\nmap 0x10010000 0x10012000 rw- anon\n");
        } else if (rnd(&seed) % 2) {
            /* a move there and back, with touches (copy-on-write of moved shared pages) */
            o += (size_t)snprintf(buf + o, n - o,
                                  "move 0x10020000 0x50000000 0x8000\nW 0x%x 4\nR 0x%x 4\n"
                                  "move 0x50000000 0x10020000 0x8000\n",
                                  0x50000000u + (rnd(&seed) % 8) * 4096u,
                                  0x50000000u + (rnd(&seed) % 8) * 4096u);
        } else {
            /* a one-way move of part of the writable file region; a fresh piece in its place */
            o += (size_t)snprintf(buf + o, n - o,
                                  "move 0x30008000 0x60000000 0x4000\nW 0x60001000 4\n"
                                  "map 0x30008000 0x3000c000 rw- file 8 8\n");
        }
    }
}

/* Every private frame's use count is the number of live vmspaces whose page names it; the
 * frames in use are the private, page-cache and page-table frames, within --vk-mem. */
static void check_frames(struct vk_model *m, uint32_t seed)
{
    uint64_t used = 0;
    for (uint64_t f = 1; f <= m->nframes; f++) {
        const struct vk_frame *fr = &m->frames[f];
        used += fr->kind == FR_PRIVATE || fr->kind == FR_CACHE || fr->kind == FR_PT;
        if (fr->kind != FR_PRIVATE && fr->kind != FR_SWAPPED)
            continue;
        uint32_t users = 0;
        for (uint32_t i = 0; i < m->nvmspaces; i++) {
            struct vk_vmspace *vs = m->vmspaces[i];
            uint64_t vpn = vs && vs->users ? vk_frame_user_vpn(m, (uint32_t)f, vs) : 0;
            struct mmu_leaf *l = vs && vs->users ? mmu_space_leaf(&vs->space, vpn, false) : NULL;
            const struct mmu_page *p = l ? &l->pg[vpn & (vs->space.leaf_pages - 1)] : NULL;
            users += p && p->frame == f && (p->state & PG_PRIVATE);
        }
        cr_assert_eq(users, fr->users, "seed %u: frame %llu names %u users, %u pages use it", seed,
                     (unsigned long long)f, fr->users, users);
    }
    cr_assert_eq(used, m->nused, "seed %u: %llu frames in use, counted %llu", seed,
                 (unsigned long long)m->nused, (unsigned long long)used);
    if (m->cfg.opt.vk_mem_pages && m->cfg.scheme->vkernel)
        cr_assert_leq(m->nused, m->cfg.opt.vk_mem_pages, "seed %u: over --vk-mem", seed);
}

Test(model_procs_random, frames_and_identities_hold, .timeout = 120)
{
    static char buf[1 << 16];
    unsigned moves = 0;
    for (uint32_t seed = 1; seed <= 6; seed++) {
        gen(buf, sizeof buf, seed);
        for (const char *q = buf; (q = strstr(q, "move ")); q++)
            moves++;
        for (size_t a = 0; a < 5; a++)
            for (size_t b = 0; b < 5; b++)
                for (size_t c = 0; c < 3; c++)
                    for (int mem = 0; mem < 2; mem++) {
                        struct vk_options o = {0};
                        o.vk_mem_pages = mem ? 150 + seed : 0;
                        struct vk_model *m = sc_new_opt(schemes[a], policies[b], dirties[c], &o,
                                                        MMU_ARCH_I386, NULL);
                        sc_run(m, buf);
                        check_frames(m, seed);
                        const struct mmu_counters *k = sc_finish(m);
                        uint64_t want = m->cfg.scheme->vkernel
                                            ? 10 * m->vmspaces_created + m->vmspaces_destroyed
                                            : 0;
                        cr_assert_eq(MMU_CTR(k, vk_vmspace), want, "seed %u %s: vk.vmspace %llu, want %llu",
                                     seed, schemes[a], (unsigned long long)MMU_CTR(k, vk_vmspace),
                                     (unsigned long long)want);
                        vk_model_free(m);
                    }
    }
    cr_expect_geq(moves, 6, "the scenarios hold %u moves", moves);
}
