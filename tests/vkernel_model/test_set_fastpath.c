/* A vk_set (with its shared fast path) must give every model exactly the counts the model gets
 * when it is fed alone, event by event, through vk_access. */
#include <criterion/criterion.h>
#include <string.h>

#include "vk.h"

static const char *const schemes[] = {"vpt-1.10", "vpt", "ept", "native", "linux"};
static const char *const policies[] = {"none", "dfly", "dfly2010", "linux-fa", "window:8:sym", "seq", "ptpage"};
static const char *const dirties[] = {"strict", "hint", "eager"};

static struct vk_config make_cfg(int i)
{
    char err[128];
    struct vk_config c = {
        .scheme = vk_scheme_find(schemes[i % 5]),
        .dirty = vk_dirty_find(dirties[(i / 5) % 3]),
    };
    cr_assert_eq(vk_policy_parse(policies[i % 7], &c.policy, err, sizeof err), 0, "%s", err);
    if (i % 4 == 3)
        c.opt.vk_mem_pages = 96; /* exercise eviction too */
    return c;
}

struct ev {
    int type; /* 0 access, 1 kernel access, 2 protect, 3 unmap, 4 map anon, 5 map file */
    uint64_t a, b;
    int kind;
};

static uint32_t rng = 2463534242u;
static uint32_t xs(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 17;
    rng ^= rng << 5;
    return rng;
}

#define NEV 60000
static struct ev evs[NEV];

static void gen(void)
{
    for (int i = 0; i < NEV; i++) {
        uint32_t r = xs();
        uint64_t base = 0x10000000 + ((uint64_t)(xs() % 512) << 12);
        if (r % 1000 == 0)
            evs[i] = (struct ev){2, base, base + 0x4000, (int)(xs() % 8)};
        else if (r % 1000 == 1)
            evs[i] = (struct ev){3, base, base + 0x3000, 0};
        else if (r % 1000 == 2)
            evs[i] = (struct ev){4, base, base + 0x2000, 0};
        else if (r % 1000 == 3)
            evs[i] = (struct ev){5, base, base + 0x8000, 0};
        else if (r % 50 == 4)
            evs[i] = (struct ev){1, base + (xs() & 0xfff), 1 + xs() % 6000, (int)(xs() & 1)};
        else
            evs[i] = (struct ev){0, base + (xs() & 0xffc), (r & 7) == 0 ? 4096 : 4, (int)(xs() % 3)};
    }
}

static void apply_model(struct vk_model *m, const struct ev *e)
{
    switch (e->type) {
    case 0: vk_access(m, e->a, e->b, (enum mmu_kind)e->kind, NULL); break;
    case 1: vk_kernel_access(m, e->a, e->b, e->kind); break;
    case 2: vk_protect(m, e->a, e->b, (unsigned)e->kind); break;
    case 3: vk_unmap(m, e->a, e->b); break;
    case 4: vk_map(m, e->a, e->b, VK_PROT_R | VK_PROT_W, VK_ANON, 0, 0); break;
    case 5: vk_map(m, e->a, e->b, VK_PROT_R | VK_PROT_W, VK_FILE, 7, e->a >> 12); break;
    }
}

static void apply_set(struct vk_set *s, const struct ev *e)
{
    switch (e->type) {
    case 0: vk_set_access(s, e->a, e->b, (enum mmu_kind)e->kind); break;
    case 1: vk_set_kernel_access(s, e->a, e->b, e->kind); break;
    case 2: vk_set_protect(s, e->a, e->b, (unsigned)e->kind); break;
    case 3: vk_set_unmap(s, e->a, e->b); break;
    case 4: vk_set_map(s, e->a, e->b, VK_PROT_R | VK_PROT_W, VK_ANON, 0, 0); break;
    case 5: vk_set_map(s, e->a, e->b, VK_PROT_R | VK_PROT_W, VK_FILE, 7, e->a >> 12); break;
    }
}

Test(vk_set, fast_path_counts_equal_single_models)
{
    gen();
    const struct mmu_costs *k = mmu_cost_profile_find("modern")->costs;
    enum { N = 16 };
    struct vk_set s;
    vk_set_init(&s, MMU_ARCH_I386);
    for (int i = 0; i < N; i++) {
        struct vk_config c = make_cfg(i);
        cr_assert_geq(vk_set_add(&s, &c, k), 0);
    }
    vk_set_map(&s, 0x10000000, 0x10200000, VK_PROT_R | VK_PROT_W, VK_ANON, 0, 0);
    for (int j = 0; j < NEV; j++)
        apply_set(&s, &evs[j]);
    vk_set_finish(&s);
    uint64_t evict = 0, cow = 0, inval = 0, pf = 0, spurious = 0;
    for (int i = 0; i < N; i++) {
        struct vk_config c = make_cfg(i);
        struct vk_model *m = vk_model_new(&c, MMU_ARCH_I386, k);
        vk_map(m, 0x10000000, 0x10200000, VK_PROT_R | VK_PROT_W, VK_ANON, 0, 0);
        for (int j = 0; j < NEV; j++)
            apply_model(m, &evs[j]);
        vk_finish(m);
        cr_assert_null(vk_error(m), "%s", vk_error(m));
        const struct mmu_counters *a = vk_counters(m), *b = vk_counters(s.m[i]);
        for (int x = 0; x < MMU_NCOUNTERS; x++)
            cr_assert_eq(a->c[x], b->c[x], "config %d counter %s: alone %llu, in set %llu", i,
                         mmu_counter_names[x], (unsigned long long)a->c[x],
                         (unsigned long long)b->c[x]);
        cr_assert_null(mmu_counters_check(a, c.scheme->vkernel), "config %d: %s", i,
                       mmu_counters_check(a, c.scheme->vkernel));
        cr_assert_gt(MMU_CTR(a, fault_real), 0);
        evict += MMU_CTR(a, page_evict);
        cow += MMU_CTR(a, page_cow);
        inval += MMU_CTR(a, vk_inval);
        pf += MMU_CTR(a, prefault_used);
        spurious += MMU_CTR(a, vk_spurious_dirty);
        vk_model_free(m);
    }
    /* the scenario really exercises eviction, COW, invalidations, prefaults and eager M */
    cr_assert_gt(evict, 0);
    cr_assert_gt(cow, 0);
    cr_assert_gt(inval, 0);
    cr_assert_gt(pf, 0);
    cr_assert_gt(spurious, 0);
    vk_set_fini(&s);
}
