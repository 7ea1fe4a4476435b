/* mmu_space: sparse per-page state, leaves created on demand (i386 and x86-64 layouts). */
#include <criterion/criterion.h>

#include "mmu.h"

Test(arch, layouts)
{
    cr_expect_eq(mmu_arch_levels(MMU_ARCH_I386), 2);
    cr_expect_eq(mmu_arch_level_bits(MMU_ARCH_I386), 10);
    cr_expect_eq(mmu_arch_levels(MMU_ARCH_X86_64), 4);
    cr_expect_eq(mmu_arch_level_bits(MMU_ARCH_X86_64), 9);
    cr_expect_eq(mmu_arch_default_start(MMU_ARCH_I386), 0x1000);
    cr_expect_eq(mmu_arch_default_end(MMU_ARCH_I386), 0xC0000000ull);
    cr_expect_eq(mmu_arch_default_start(MMU_ARCH_X86_64), 0x1000);
    cr_expect_eq(mmu_arch_default_end(MMU_ARCH_X86_64), 0x800000000000ull);
    cr_expect_geq(mmu_arch_user_limit(MMU_ARCH_I386), 0xC0000000ull);
    cr_expect_str_eq(mmu_arch_name(MMU_ARCH_I386), "i386");
}

struct order { uint64_t last; int n; bool sorted; };
static void visit(struct mmu_leaf *l, void *ctx)
{
    struct order *o = ctx;
    if (o->n && l->index <= o->last)
        o->sorted = false;
    o->last = l->index;
    o->n++;
}

/* i386: 1024 pages per leaf; a leaf is absent until created; created leaves are zeroed, keep
 * their identity, and are visited in ascending order. */
Test(space, i386_leaf_creation)
{
    struct mmu_space s;
    cr_assert_eq(mmu_space_init(&s, MMU_ARCH_I386), 0);
    cr_expect_eq(s.levels, 2);
    cr_expect_eq(s.level_bits, 10);
    cr_expect_eq(s.leaf_pages, 1024);
    cr_expect_null(mmu_space_leaf(&s, 0x10005, false));
    struct mmu_leaf *l = mmu_space_leaf(&s, 0x10005, true);
    cr_assert_not_null(l);
    cr_expect_eq(l->index, 0x10005 >> 10);
    cr_expect_eq(l->pde, 0);
    for (int i = 0; i < 1024; i++)
        cr_assert_eq(l->pg[i].vpte | l->pg[i].frame | l->pg[i].real | l->pg[i].state, 0);
    cr_expect_eq(mmu_space_leaf(&s, 0x103FF, false), l, "same 4 MiB -> same leaf");
    cr_expect_eq(mmu_space_page(&s, 0x10005), &l->pg[5]);
    cr_expect_null(mmu_space_leaf(&s, 0x10400, false), "next 4 MiB is another leaf");
    struct mmu_leaf *hi = mmu_space_leaf(&s, 0xBFFFF, true);
    struct mmu_leaf *lo = mmu_space_leaf(&s, 0x00001, true);
    cr_assert(hi && lo && hi != l && lo != l);
    cr_expect_eq(mmu_space_leaf(&s, 0x10005, false), l, "cache does not confuse leaves");
    cr_expect_eq(s.nleaves, 3);
    struct order o = {0, 0, true};
    mmu_space_each_leaf(&s, visit, &o);
    cr_expect_eq(o.n, 3);
    cr_expect(o.sorted);
    mmu_space_fini(&s);
}

/* x86-64: 512 pages per leaf, leaves anywhere in 47 bits, upper-level entries kept apart. */
Test(space, x86_64_leaf_creation)
{
    struct mmu_space s;
    cr_assert_eq(mmu_space_init(&s, MMU_ARCH_X86_64), 0);
    cr_expect_eq(s.levels, 4);
    cr_expect_eq(s.leaf_pages, 512);
    uint64_t a = 0x7ffffffff000ull >> 12, b = 0x1000ull >> 12;
    struct mmu_leaf *la = mmu_space_leaf(&s, a, true), *lb = mmu_space_leaf(&s, b, true);
    cr_assert(la && lb && la != lb);
    cr_expect_eq(la->index, a >> 9);
    cr_expect_eq(mmu_space_leaf(&s, a, false), la);
    cr_expect_eq(mmu_space_leaf(&s, b, false), lb);
    cr_expect_null(mmu_space_leaf(&s, a - 512, false));
    cr_expect_eq(mmu_space_upper_get(&s, 4, a), 0);
    cr_assert_eq(mmu_space_upper_set(&s, 4, a, 0x1001), 0);
    cr_assert_eq(mmu_space_upper_set(&s, 3, a, 0x2001), 0);
    cr_expect_eq(mmu_space_upper_get(&s, 4, a), 0x1001);
    cr_expect_eq(mmu_space_upper_get(&s, 3, a), 0x2001);
    cr_expect_eq(mmu_space_upper_get(&s, 4, b), 0, "other level-4 slot");
    struct order o = {0, 0, true};
    mmu_space_each_leaf(&s, visit, &o);
    cr_expect_eq(o.n, 2);
    cr_expect(o.sorted);
    mmu_space_fini(&s);
}
