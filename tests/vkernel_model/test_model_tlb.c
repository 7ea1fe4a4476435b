/* The TLB inside the model: vpt schemes switch CR3 on every trip through the vkernel (a full
 * flush per reflection and per guest system call); ept keeps its entries (VPID) but walks in
 * two dimensions; invalidations drop the page. */
#include <criterion/criterion.h>

#include "vk.h"

static struct vk_model *tlb_model(const char *scheme)
{
    char err[256];
    struct vk_config c = {.scheme = vk_scheme_find(scheme), .dirty = vk_dirty_find("strict")};
    cr_assert_eq(vk_policy_parse("none", &c.policy, err, sizeof err), 0);
    c.opt.tlb_on = true;
    cr_assert_eq(mmu_tlb_parse("dtlb=64:4,itlb=16:4,walk_ref=10", &c.opt.tlb, err, sizeof err), 0);
    struct vk_model *m = vk_model_new(&c, MMU_ARCH_I386, mmu_cost_profile_find("modern")->costs);
    cr_assert_not_null(m);
    vk_map(m, 0x10000000, 0x10010000, VK_PROT_R | VK_PROT_W, VK_ANON, 0, 0);
    return m;
}

/* R p0 (reflected, flush), R p1 (reflected, flush), R p0, S, R p0, R p1.
 * vpt-1.10: completed translations: p0 miss, p1 miss, p0 miss (flushed by p1's reflection),
 * then the syscall flushes: p0 miss, p1 miss: 5 misses, 0 hits, 3 flushes, 10 walk refs. */
Test(model_tlb, vpt_flushes_on_every_vkernel_trip)
{
    struct vk_model *m = tlb_model("vpt-1.10");
    vk_access(m, 0x10000000, 4, MMU_READ, NULL);
    vk_access(m, 0x10001000, 4, MMU_READ, NULL);
    vk_access(m, 0x10000000, 4, MMU_READ, NULL);
    vk_syscall(m, 20);
    vk_access(m, 0x10000000, 4, MMU_READ, NULL);
    vk_access(m, 0x10001000, 4, MMU_READ, NULL);
    vk_finish(m);
    const struct mmu_counters *c = vk_counters(m);
    cr_assert_eq(MMU_CTR(c, tlb_flush), 3);
    cr_assert_eq(MMU_CTR(c, tlb_dtlb_hit), 0);
    cr_assert_eq(MMU_CTR(c, tlb_dtlb_miss), 5);
    cr_assert_eq(MMU_CTR(c, tlb_walk_refs), 10);
    cr_assert_eq(MMU_CTR(c, cycles_tlb), 100);
    cr_assert_null(mmu_counters_check(c, true));
    vk_model_free(m);
}

/* The same in native: no flushes, 2 misses then 3 hits; in ept: no flushes either, and each
 * miss walks (2+1)(4+1)-1 = 14 references. */
Test(model_tlb, native_and_ept_keep_entries)
{
    const char *schemes[] = {"native", "ept"};
    unsigned refs[] = {2, 14};
    for (int i = 0; i < 2; i++) {
        struct vk_model *m = tlb_model(schemes[i]);
        vk_access(m, 0x10000000, 4, MMU_READ, NULL);
        vk_access(m, 0x10001000, 4, MMU_READ, NULL);
        vk_access(m, 0x10000000, 4, MMU_READ, NULL);
        vk_syscall(m, 20);
        vk_access(m, 0x10000000, 4, MMU_READ, NULL);
        vk_access(m, 0x10001000, 4, MMU_READ, NULL);
        vk_finish(m);
        const struct mmu_counters *c = vk_counters(m);
        cr_assert_eq(MMU_CTR(c, tlb_flush), 0, "%s", schemes[i]);
        cr_assert_eq(MMU_CTR(c, tlb_dtlb_hit), 3, "%s", schemes[i]);
        cr_assert_eq(MMU_CTR(c, tlb_dtlb_miss), 2, "%s", schemes[i]);
        cr_assert_eq(MMU_CTR(c, tlb_walk_refs), 2 * refs[i], "%s", schemes[i]);
        vk_model_free(m);
    }
}

/* native: W p0, protect r-- (the real PTE loses W: invlpg), R p0 misses again. */
Test(model_tlb, downgrade_invalidates_the_page)
{
    struct vk_model *m = tlb_model("native");
    vk_access(m, 0x10000000, 4, MMU_WRITE, NULL);
    vk_access(m, 0x10000000, 4, MMU_READ, NULL);
    vk_protect(m, 0x10000000, 0x10001000, VK_PROT_R);
    vk_access(m, 0x10000000, 4, MMU_READ, NULL);
    vk_finish(m);
    const struct mmu_counters *c = vk_counters(m);
    cr_assert_eq(MMU_CTR(c, tlb_dtlb_hit), 1);
    cr_assert_eq(MMU_CTR(c, tlb_dtlb_miss), 2);
    vk_model_free(m);
}
