/* mmu_hmap: u64 -> pointer, open addressing, growth, replace, iteration. */
#include <criterion/criterion.h>

#include "mmu.h"

static void count(uint64_t key, void *val, void *ctx)
{
    uint64_t *sum = ctx;
    cr_assert_eq((uintptr_t)val, (uintptr_t)(key * 2 + 1));
    sum[0]++;
    sum[1] += key;
}

Test(hmap, put_get_replace_each)
{
    struct mmu_hmap h;
    mmu_hmap_init(&h);
    cr_expect_null(mmu_hmap_get(&h, 0));
    cr_expect_null(mmu_hmap_get(&h, 42));
    uint64_t want = 0;
    for (uint64_t k = 0; k < 5000; k++) {
        uint64_t key = k * 4097; /* key 0 included */
        cr_assert_eq(mmu_hmap_put(&h, key, (void *)(uintptr_t)(key * 2 + 1)), 0);
        want += key;
    }
    cr_expect_eq(h.len, 5000);
    for (uint64_t k = 0; k < 5000; k++) {
        uint64_t key = k * 4097;
        cr_assert_eq((uintptr_t)mmu_hmap_get(&h, key), (uintptr_t)(key * 2 + 1), "key %llu",
                     (unsigned long long)key);
    }
    cr_expect_null(mmu_hmap_get(&h, 1));
    cr_expect_null(mmu_hmap_get(&h, 0xFFFFFFFFFFFFull));
    uint64_t sum[2] = {0, 0};
    mmu_hmap_each(&h, count, sum);
    cr_expect_eq(sum[0], 5000);
    cr_expect_eq(sum[1], want);
    /* replace keeps len */
    cr_assert_eq(mmu_hmap_put(&h, 4097, (void *)(uintptr_t)7), 0);
    cr_expect_eq((uintptr_t)mmu_hmap_get(&h, 4097), 7);
    cr_expect_eq(h.len, 5000);
    mmu_hmap_fini(&h);
}

Test(hmap, large_keys)
{
    struct mmu_hmap h;
    mmu_hmap_init(&h);
    uint64_t keys[] = {0, 1, 0x7FFFFFFFFull, (4ull << 56) | 0x123, 0xFFFFFFFFFFFFFFFEull};
    for (size_t i = 0; i < 5; i++)
        cr_assert_eq(mmu_hmap_put(&h, keys[i], &keys[i]), 0);
    for (size_t i = 0; i < 5; i++)
        cr_expect_eq(mmu_hmap_get(&h, keys[i]), &keys[i]);
    mmu_hmap_fini(&h);
}
