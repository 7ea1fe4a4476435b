/* mmu/space.c - sparse per-page state, one leaf per page-table page's worth of pages. */
#include <stdlib.h>
#include <string.h>

#include "mmu.h"

int mmu_space_init(struct mmu_space *s, enum mmu_arch arch)
{
    memset(s, 0, sizeof *s);
    s->arch = arch;
    s->levels = mmu_arch_levels(arch);
    s->level_bits = mmu_arch_level_bits(arch);
    s->leaf_pages = 1ull << s->level_bits;
    /* The root vpte is held by the map entry (MADV_SETMAP of the page-directory page): always
     * valid, readable and writable, never written by the walk. */
    s->root = VPTE_V | VPTE_R | VPTE_W;
    mmu_hmap_init(&s->leaves);
    mmu_hmap_init(&s->upper);
    if (arch == MMU_ARCH_I386) {
        s->dir = calloc(1024, sizeof *s->dir);
        if (!s->dir)
            return -1;
    }
    return 0;
}

static void free_leaf(uint64_t key, void *val, void *ctx)
{
    (void)key;
    (void)ctx;
    free(val);
}

void mmu_space_fini(struct mmu_space *s)
{
    if (s->dir) {
        for (int i = 0; i < 1024; i++)
            free(s->dir[i]);
        free(s->dir);
    }
    mmu_hmap_each(&s->leaves, free_leaf, NULL);
    mmu_hmap_fini(&s->leaves);
    mmu_hmap_fini(&s->upper);
    memset(s, 0, sizeof *s);
}

struct mmu_leaf *mmu_space_leaf_slow(struct mmu_space *s, uint64_t vpn, bool create)
{
    uint64_t idx = vpn >> s->level_bits;
    struct mmu_leaf *l;
    if (s->dir) {
        if (idx >= 1024)
            return NULL;
        l = s->dir[idx];
    } else {
        l = mmu_hmap_get(&s->leaves, idx);
    }
    if (!l) {
        if (!create)
            return NULL;
        l = calloc(1, sizeof *l + s->leaf_pages * sizeof(struct mmu_page));
        if (!l)
            return NULL;
        l->index = idx;
        if (s->dir) {
            s->dir[idx] = l;
        } else if (mmu_hmap_put(&s->leaves, idx, l) < 0) {
            free(l);
            return NULL;
        }
        s->nleaves++;
    }
    s->last = l;
    s->last_index = idx;
    return l;
}

static int cmp_leaf(const void *a, const void *b)
{
    const struct mmu_leaf *x = *(struct mmu_leaf *const *)a, *y = *(struct mmu_leaf *const *)b;
    return x->index < y->index ? -1 : x->index > y->index;
}

struct leaf_list {
    struct mmu_leaf **v;
    size_t n;
};

static void collect_leaf(uint64_t key, void *val, void *ctx)
{
    (void)key;
    struct leaf_list *ll = ctx;
    ll->v[ll->n++] = val;
}

void mmu_space_each_leaf(struct mmu_space *s, void (*fn)(struct mmu_leaf *l, void *ctx),
                         void *ctx)
{
    if (s->dir) {
        for (int i = 0; i < 1024; i++)
            if (s->dir[i])
                fn(s->dir[i], ctx);
        return;
    }
    struct leaf_list ll = {calloc(s->leaves.len ? s->leaves.len : 1, sizeof *ll.v), 0};
    if (!ll.v)
        return;
    mmu_hmap_each(&s->leaves, collect_leaf, &ll);
    qsort(ll.v, ll.n, sizeof *ll.v, cmp_leaf);
    for (size_t i = 0; i < ll.n; i++)
        fn(ll.v[i], ctx);
    free(ll.v);
}

static uint64_t upper_key(const struct mmu_space *s, unsigned level, uint64_t vpn)
{
    return ((uint64_t)level << 56) | (vpn >> (s->level_bits * (level - 1)));
}

uint64_t mmu_space_upper_get(const struct mmu_space *s, unsigned level, uint64_t vpn)
{
    return (uint64_t)(uintptr_t)mmu_hmap_get(&s->upper, upper_key(s, level, vpn));
}

int mmu_space_upper_set(struct mmu_space *s, unsigned level, uint64_t vpn, uint64_t vpte)
{
    return mmu_hmap_put(&s->upper, upper_key(s, level, vpn), (void *)(uintptr_t)vpte);
}
