/* mmu/hmap.c - open-addressing u64 -> pointer map (linear probing, power-of-two capacity). */
#include <stdlib.h>

#include "mmu.h"

static size_t hmap_slot(uint64_t key, size_t cap)
{
    /* splitmix64 finaliser: good spread for sequential page indexes */
    uint64_t x = key + 0x9E3779B97F4A7C15ull;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
    x ^= x >> 31;
    return (size_t)x & (cap - 1);
}

void mmu_hmap_init(struct mmu_hmap *h)
{
    h->keys = NULL;
    h->vals = NULL;
    h->cap = h->len = 0;
}

void mmu_hmap_fini(struct mmu_hmap *h)
{
    free(h->keys);
    free(h->vals);
    mmu_hmap_init(h);
}

void *mmu_hmap_get(const struct mmu_hmap *h, uint64_t key)
{
    if (!h->cap)
        return NULL;
    for (size_t i = hmap_slot(key, h->cap);; i = (i + 1) & (h->cap - 1)) {
        if (h->keys[i] == 0)
            return NULL;
        if (h->keys[i] == key + 1)
            return h->vals[i];
    }
}

static int hmap_grow(struct mmu_hmap *h)
{
    size_t ncap = h->cap ? h->cap * 2 : 64;
    uint64_t *nk = calloc(ncap, sizeof *nk);
    void **nv = calloc(ncap, sizeof *nv);
    if (!nk || !nv) {
        free(nk);
        free(nv);
        return -1;
    }
    for (size_t i = 0; i < h->cap; i++) {
        if (!h->keys[i])
            continue;
        size_t j = hmap_slot(h->keys[i] - 1, ncap);
        while (nk[j])
            j = (j + 1) & (ncap - 1);
        nk[j] = h->keys[i];
        nv[j] = h->vals[i];
    }
    free(h->keys);
    free(h->vals);
    h->keys = nk;
    h->vals = nv;
    h->cap = ncap;
    return 0;
}

int mmu_hmap_put(struct mmu_hmap *h, uint64_t key, void *val)
{
    if ((h->len + 1) * 4 > h->cap * 3 && hmap_grow(h) < 0)
        return -1;
    size_t i = hmap_slot(key, h->cap);
    while (h->keys[i] && h->keys[i] != key + 1)
        i = (i + 1) & (h->cap - 1);
    if (!h->keys[i])
        h->len++;
    h->keys[i] = key + 1;
    h->vals[i] = val;
    return 0;
}

void mmu_hmap_each(const struct mmu_hmap *h, void (*fn)(uint64_t key, void *val, void *ctx),
                   void *ctx)
{
    for (size_t i = 0; i < h->cap; i++)
        if (h->keys[i])
            fn(h->keys[i] - 1, h->vals[i], ctx);
}
