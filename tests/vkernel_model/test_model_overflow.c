/* Counters that grow by amounts from the input never wrap (issue 10): the instruction count
 * and the cycles are held at 2^64 - 1 and the model names the counter (vk_overflow). */
#include <criterion/criterion.h>
#include <string.h>

#include "vk.h"

static struct vk_set set_of(const char *scheme, const struct mmu_costs *k)
{
    struct vk_set s;
    vk_set_init(&s, MMU_ARCH_I386);
    struct vk_config cfg = {.scheme = vk_scheme_find(scheme), .dirty = vk_dirty_find("strict")};
    char err[256];
    cr_assert_eq(vk_policy_parse("none", &cfg.policy, err, sizeof err), 0, "%s", err);
    cr_assert_geq(vk_set_add(&s, &cfg, k), 0);
    return s;
}

Test(model_overflow, instruction_sum_past_2_64_is_reported)
{
    struct vk_set s = set_of("vpt-1.10", mmu_cost_profile_find("modern")->costs);
    vk_set_insns(&s, UINT64_MAX);
    vk_set_insns(&s, UINT64_MAX); /* wraps the pending sum: handed over first */
    vk_set_finish(&s);
    cr_expect_str_eq(vk_overflow(s.m[0]), "insns");
    cr_expect_eq(MMU_CTR(vk_counters(s.m[0]), insns), UINT64_MAX);
    vk_set_fini(&s);
}

Test(model_overflow, instruction_sum_up_to_2_64_minus_1_is_exact)
{
    struct mmu_costs k = *mmu_cost_profile_find("modern")->costs;
    k.v[MMU_COST_insn] = 0;
    struct vk_set s = set_of("native", &k);
    vk_set_insns(&s, UINT64_MAX - 5);
    vk_set_sync(&s);
    vk_set_insns(&s, 5);
    vk_set_finish(&s);
    cr_expect_null(vk_overflow(s.m[0]));
    cr_expect_eq(MMU_CTR(vk_counters(s.m[0]), insns), UINT64_MAX);
    vk_set_fini(&s);
}

Test(model_overflow, cycles_past_2_64_are_reported)
{
    struct mmu_costs k = *mmu_cost_profile_find("modern")->costs;
    k.v[MMU_COST_insn] = 1e12;
    struct vk_set s = set_of("vpt", &k);
    vk_set_insns(&s, 20000000ull); /* 2e19 cycles */
    vk_set_finish(&s);
    cr_expect_str_eq(vk_overflow(s.m[0]), "cycles.insn");
    vk_set_fini(&s);
}
