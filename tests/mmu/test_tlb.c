/* The TLB model: LRU replacement per set, the STLB and page-walk cache, flushes, the
 * two-dimensional walk length, and the spec parser. */
#include <criterion/criterion.h>
#include <string.h>

#include "mmu.h"

static struct mmu_tlb_cfg cfg_of(const char *spec)
{
    struct mmu_tlb_cfg c;
    char err[256];
    cr_assert_eq(mmu_tlb_parse(spec, &c, err, sizeof err), 0, "%s", err);
    return c;
}

Test(tlb, two_dimensional_walk_lengths)
{
    cr_assert_eq(mmu_walk_refs_2d(4, 4), 24); /* Bhargava et al., ASPLOS 2008 */
    cr_assert_eq(mmu_walk_refs_2d(2, 2), 8);
    cr_assert_eq(mmu_walk_refs_2d(2, 4), 14);
}

Test(tlb, lru_within_a_set)
{
    struct mmu_tlb_cfg c = cfg_of("dtlb=4:2,walk_ref=10");
    struct mmu_tlb t;
    struct mmu_counters k = {0};
    cr_assert_eq(mmu_tlb_init(&t, &c, 2, 1, 10), 0);
    /* 2 sets of 2 ways: vpns 0, 2, 4 all map to set 0 */
    mmu_tlb_access(&t, 0, false, &k);
    mmu_tlb_access(&t, 2, false, &k);
    mmu_tlb_access(&t, 0, false, &k); /* hit: 0 becomes most recent */
    mmu_tlb_access(&t, 4, false, &k); /* miss: evicts 2, the least recent */
    mmu_tlb_access(&t, 0, false, &k); /* hit */
    mmu_tlb_access(&t, 2, false, &k); /* miss */
    mmu_tlb_access(&t, 1, false, &k); /* set 1: miss */
    cr_assert_eq(MMU_CTR(&k, tlb_dtlb_hit), 2);
    cr_assert_eq(MMU_CTR(&k, tlb_dtlb_miss), 5);
    cr_assert_eq(MMU_CTR(&k, tlb_walk_refs), 10); /* 5 walks of 2 references */
    cr_assert_eq(MMU_CTR(&k, cycles_tlb), 100);
    cr_assert_eq(MMU_CTR(&k, tlb_itlb_miss), 0);
    mmu_tlb_fini(&t);
}

Test(tlb, stlb_catches_first_level_misses)
{
    struct mmu_tlb_cfg c = cfg_of("itlb=1:1,dtlb=2:2,stlb=8:8,stlb_hit=7,walk_ref=20");
    struct mmu_tlb t;
    struct mmu_counters k = {0};
    cr_assert_eq(mmu_tlb_init(&t, &c, 4, 1, 9), 0);
    for (uint64_t v = 0; v < 3; v++)
        mmu_tlb_access(&t, v, false, &k); /* 3 DTLB misses, 3 STLB misses, 3 walks */
    mmu_tlb_access(&t, 0, false, &k);     /* DTLB evicted 0; STLB hit */
    mmu_tlb_access(&t, 0, true, &k);      /* ITLB miss, STLB hit (shared) */
    cr_assert_eq(MMU_CTR(&k, tlb_dtlb_miss), 4);
    cr_assert_eq(MMU_CTR(&k, tlb_itlb_miss), 1);
    cr_assert_eq(MMU_CTR(&k, tlb_stlb_hit), 2);
    cr_assert_eq(MMU_CTR(&k, tlb_stlb_miss), 3);
    cr_assert_eq(MMU_CTR(&k, tlb_walk_refs), 12);
    cr_assert_eq(MMU_CTR(&k, cycles_tlb), 12 * 20 + 2 * 7);
    mmu_tlb_fini(&t);
}

Test(tlb, page_walk_cache_shortens_walks_in_the_same_table)
{
    struct mmu_tlb_cfg c = cfg_of("dtlb=1:1,pwc=4,walk_ref=1");
    struct mmu_tlb t;
    struct mmu_counters k = {0};
    cr_assert_eq(mmu_tlb_init(&t, &c, 24, 9, 9), 0);
    mmu_tlb_access(&t, 0, false, &k);   /* full 2D walk: 24 */
    mmu_tlb_access(&t, 1, false, &k);   /* same upper entry (vpn >> 9): 9 */
    mmu_tlb_access(&t, 512, false, &k); /* another one: 24 */
    cr_assert_eq(MMU_CTR(&k, tlb_walk_refs), 24 + 9 + 24);
    mmu_tlb_fini(&t);
}

Test(tlb, flush_and_invalidate_drop_entries)
{
    struct mmu_tlb_cfg c = cfg_of("dtlb=8:8");
    struct mmu_tlb t;
    struct mmu_counters k = {0};
    cr_assert_eq(mmu_tlb_init(&t, &c, 2, 1, 10), 0);
    mmu_tlb_access(&t, 5, false, &k);
    mmu_tlb_access(&t, 6, false, &k);
    mmu_tlb_access(&t, 5, false, &k); /* hit */
    mmu_tlb_invalidate(&t, 5);
    mmu_tlb_access(&t, 5, false, &k); /* miss */
    mmu_tlb_access(&t, 6, false, &k); /* hit */
    mmu_tlb_flush(&t, &k);
    mmu_tlb_access(&t, 6, false, &k); /* miss */
    cr_assert_eq(MMU_CTR(&k, tlb_dtlb_hit), 2);
    cr_assert_eq(MMU_CTR(&k, tlb_dtlb_miss), 4);
    cr_assert_eq(MMU_CTR(&k, tlb_flush), 1);
    mmu_tlb_fini(&t);
}

Test(tlb, presets_and_bad_specs)
{
    struct mmu_tlb_cfg c = cfg_of("core2");
    cr_assert_eq(c.dtlb.entries, 256);
    cr_assert_eq(c.stlb.entries, 0);
    c = cfg_of("modern");
    cr_assert_eq(c.stlb.entries, 3072);
    cr_assert_eq(c.stlb.ways, 12);
    char err[256];
    cr_assert_eq(mmu_tlb_parse("dtlb=10:3", &c, err, sizeof err), -1);
    cr_assert(strstr(err, "ways"), "%s", err);
    cr_assert_eq(mmu_tlb_parse("l9=4:4", &c, err, sizeof err), -1);
    cr_assert(strstr(err, "unknown key"), "%s", err);
    cr_assert_eq(mmu_tlb_parse("dtlb=4", &c, err, sizeof err), -1);
    cr_assert_eq(mmu_tlb_parse("walk_ref=x", &c, err, sizeof err), -1);
    cr_assert_eq(mmu_tlb_parse("bogus", &c, err, sizeof err), -1);
}

/* cycles.tlb grows by --tlb latencies (up to 999999999 cycles each): near 2^64 it saturates at
 * UINT64_MAX instead of wrapping, and mmu_costs_apply reports that as an overflow. */
Test(tlb, cycles_saturate_instead_of_wrapping)
{
    struct mmu_tlb_cfg c = cfg_of("dtlb=2:2,stlb=4:4,stlb_hit=999999999,walk_ref=999999999");
    struct mmu_tlb t;
    struct mmu_counters k = {0};
    cr_assert_eq(mmu_tlb_init(&t, &c, 4, 1, 9), 0);
    MMU_CTR(&k, cycles_tlb) = UINT64_MAX - 10;
    mmu_tlb_access(&t, 0, false, &k); /* a walk: 4 x 999999999 more */
    cr_expect_eq(MMU_CTR(&k, cycles_tlb), UINT64_MAX);
    mmu_tlb_access(&t, 0, false, &k); /* a hit adds nothing; still held */
    cr_expect_eq(MMU_CTR(&k, cycles_tlb), UINT64_MAX);
    cr_expect_str_eq(mmu_costs_apply(mmu_cost_profile_find("modern")->costs, &k,
                                     MMU_CLASS_VPT, 0),
                     "cycles.tlb");
    mmu_tlb_fini(&t);
}
