/* oracle:N: prefaults the pages of the next N reflections of policy none. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "vk.h"

static struct vk_model *model(const char *policy, bool record, const struct vk_reflections *o)
{
    char err[256];
    struct vk_config c = {.scheme = vk_scheme_find("vpt-1.10"), .dirty = vk_dirty_find("strict")};
    cr_assert_eq(vk_policy_parse(policy, &c.policy, err, sizeof err), 0, "%s", err);
    c.opt.record_reflections = record;
    c.opt.oracle = o;
    struct vk_model *m = vk_model_new(&c, MMU_ARCH_I386, mmu_cost_profile_find("modern")->costs);
    cr_assert_not_null(m);
    vk_map(m, 0x10000000, 0x10040000, VK_PROT_R | VK_PROT_W, VK_ANON, 0, 0);
    for (uint64_t i = 0; i < 64; i++)
        vk_access(m, 0x10000000 + i * 4096, 4, MMU_READ, NULL);
    vk_finish(m);
    cr_assert_null(vk_error(m), "%s", vk_error(m));
    cr_assert_null(mmu_counters_check(vk_counters(m), true));
    return m;
}

/* Sequential read of 64 pages.  none: 64 reflections (seq 1..64).  oracle:4: the reflection at
 * p0 prefaults p1..p4 (the next 4 none reflections), the next one is at p5, ...: reflections
 * at p0, p5, ..., p60 = 13; prefaults 12 x 4 + 3 (p61..p63) = 51, all used (each a resolved
 * fault whose walk reaches it); fault.real = 13 x 2 + 51 = 77. */
Test(policy_oracle, sequential_scan_exact)
{
    struct vk_model *none = model("none", true, NULL);
    const struct vk_reflections *r = vk_model_reflections(none);
    cr_assert_eq(r->n, 64);
    cr_assert_eq(r->v[0].seq, 1);
    cr_assert_eq(r->v[63].vpn, 0x1003F);
    struct vk_model *m = model("oracle:4", false, r);
    const struct mmu_counters *c = vk_counters(m);
    cr_assert_eq(MMU_CTR(c, fault_reflected), 13);
    cr_assert_eq(MMU_CTR(c, prefault_issued), 51);
    cr_assert_eq(MMU_CTR(c, prefault_used), 51);
    cr_assert_eq(MMU_CTR(c, prefault_wasted), 0);
    cr_assert_eq(MMU_CTR(c, fault_real), 77);
    cr_assert_eq(MMU_CTR(c, page_zero_fill), 64);
    vk_model_free(m);
    vk_model_free(none);
}

Test(policy_oracle, needs_the_none_reflections)
{
    char err[256];
    struct vk_config c = {.scheme = vk_scheme_find("vpt-1.10"), .dirty = vk_dirty_find("strict")};
    cr_assert_eq(vk_policy_parse("oracle:2", &c.policy, err, sizeof err), 0);
    struct vk_model *m = vk_model_new(&c, MMU_ARCH_I386, mmu_cost_profile_find("modern")->costs);
    vk_map(m, 0x10000000, 0x10004000, VK_PROT_R | VK_PROT_W, VK_ANON, 0, 0);
    cr_assert_eq(vk_access(m, 0x10000000, 4, MMU_READ, NULL), VK_ERROR);
    cr_assert_not_null(vk_error(m));
    vk_model_free(m);
    cr_assert_eq(vk_policy_parse("oracle", &c.policy, err, sizeof err), -1);
    cr_assert_eq(vk_policy_parse("oracle:0", &c.policy, err, sizeof err), -1);
}

/* The oracle is known by its policy entry, not by its name: only it needs the first pass. */
Test(oracle, only_the_oracle_needs_a_first_pass)
{
    char err[256], text[64];
    for (size_t i = 0; vk_policies[i]; i++) {
        const struct vk_policy *p = vk_policies[i];
        struct vk_policy_spec s;
        /* a policy with arguments (window:N, oracle:N) gets N = 4 */
        snprintf(text, sizeof text, p->parse ? "%s:4" : "%s", p->name);
        cr_assert_eq(vk_policy_parse(text, &s, err, sizeof err), 0, "%s: %s", text, err);
        cr_expect_eq(vk_policy_needs_first_pass(&s), strcmp(p->name, "oracle") == 0, "%s", text);
    }
}
