/* The real kernel's software walk (model.md section 5 step 1) on a hand-built mmu_space:
 * each check, the A / A|M bits, refs including the failing level, PS ending the walk. */
#include <criterion/criterion.h>

#include "mmu.h"

#define VPN 0x10005ull /* page 5 of the page-table page at 0x10000000 */

static struct mmu_space s;

static void setup(void)
{
    cr_assert_eq(mmu_space_init(&s, MMU_ARCH_I386), 0);
}
static void teardown(void)
{
    mmu_space_fini(&s);
}

/* Builds PDE and PTE for VPN with the given bits (frames 0x1000 and 0x5000). */
static struct mmu_leaf *build(uint64_t pde, uint64_t pte)
{
    struct mmu_leaf *l = mmu_space_leaf(&s, VPN, true);
    cr_assert_not_null(l);
    l->pde = pde ? (0x1000 | pde) : 0;
    l->pg[VPN & (s.leaf_pages - 1)].vpte = pte ? (0x5000 | pte) : 0;
    return l;
}
static uint64_t pte_of(struct mmu_leaf *l)
{
    return l->pg[VPN & (s.leaf_pages - 1)].vpte;
}

TestSuite(vpte_walk, .init = setup, .fini = teardown);

/* No page-table page at all: the PDE (level 2) is read and fails: 1 ref. */
Test(vpte_walk, absent_pde_fails_at_level_2)
{
    struct mmu_walk w = mmu_vpte_walk(&s, VPN, false);
    cr_expect(!w.ok);
    cr_expect_eq(w.refs, 1);
    cr_expect_eq(w.fail_level, 2);
}

/* A PDE without V fails even with R|W set, and keeps its bits. */
Test(vpte_walk, pde_without_v_fails_untouched)
{
    struct mmu_leaf *l = build(VPTE_R | VPTE_W, VPTE_V | VPTE_R | VPTE_W);
    struct mmu_walk w = mmu_vpte_walk(&s, VPN, true);
    cr_expect(!w.ok);
    cr_expect_eq(w.refs, 1);
    cr_expect_eq(w.fail_level, 2);
    cr_expect_eq(l->pde, 0x1000 | VPTE_R | VPTE_W);
    cr_expect_eq(pte_of(l), 0x5000 | VPTE_V | VPTE_R | VPTE_W);
}

/* Read walk: PTE without R fails at level 1 (2 refs); the PDE passed and got A (not M); the
 * PTE keeps its bits. */
Test(vpte_walk, pte_without_r_fails_read)
{
    struct mmu_leaf *l = build(VPTE_V | VPTE_R | VPTE_W, VPTE_V | VPTE_W);
    struct mmu_walk w = mmu_vpte_walk(&s, VPN, false);
    cr_expect(!w.ok);
    cr_expect_eq(w.refs, 2);
    cr_expect_eq(w.fail_level, 1);
    cr_expect_eq(l->pde, 0x1000 | VPTE_V | VPTE_R | VPTE_W | VPTE_A);
    cr_expect_eq(pte_of(l), 0x5000 | VPTE_V | VPTE_W);
}

/* Write walk: PTE without W fails (2 refs); the PDE passed and got A|M; PTE untouched. */
Test(vpte_walk, pte_without_w_fails_write)
{
    struct mmu_leaf *l = build(VPTE_V | VPTE_R | VPTE_W, VPTE_V | VPTE_R);
    struct mmu_walk w = mmu_vpte_walk(&s, VPN, true);
    cr_expect(!w.ok);
    cr_expect_eq(w.refs, 2);
    cr_expect_eq(w.fail_level, 1);
    cr_expect_eq(l->pde, 0x1000 | VPTE_V | VPTE_R | VPTE_W | VPTE_A | VPTE_M);
    cr_expect_eq(pte_of(l), 0x5000 | VPTE_V | VPTE_R);
}

/* Write walk: a PDE without W fails at level 2 (1 ref), nothing set anywhere. */
Test(vpte_walk, pde_without_w_fails_write)
{
    struct mmu_leaf *l = build(VPTE_V | VPTE_R, VPTE_V | VPTE_R | VPTE_W);
    struct mmu_walk w = mmu_vpte_walk(&s, VPN, true);
    cr_expect(!w.ok);
    cr_expect_eq(w.refs, 1);
    cr_expect_eq(w.fail_level, 2);
    cr_expect_eq(l->pde, 0x1000 | VPTE_V | VPTE_R);
    cr_expect_eq(pte_of(l), 0x5000 | VPTE_V | VPTE_R | VPTE_W);
}

/* A PTE without V fails even with R. */
Test(vpte_walk, pte_without_v_fails)
{
    struct mmu_leaf *l = build(VPTE_V | VPTE_R | VPTE_W, VPTE_R | VPTE_W);
    struct mmu_walk w = mmu_vpte_walk(&s, VPN, false);
    cr_expect(!w.ok);
    cr_expect_eq(w.refs, 2);
    cr_expect_eq(w.fail_level, 1);
    cr_expect_eq(pte_of(l), 0x5000 | VPTE_R | VPTE_W);
}

/* Successful read: A on both levels, no M; the final vpte carries the frame. */
Test(vpte_walk, read_sets_a_on_both_levels)
{
    struct mmu_leaf *l = build(VPTE_V | VPTE_R | VPTE_W, VPTE_V | VPTE_R | VPTE_W);
    struct mmu_walk w = mmu_vpte_walk(&s, VPN, false);
    cr_expect(w.ok);
    cr_expect_eq(w.refs, 2);
    cr_expect_eq(w.fail_level, 0);
    cr_expect_eq(w.vpte & VPTE_FRAME, 0x5000);
    cr_expect_eq(l->pde, 0x1000 | VPTE_V | VPTE_R | VPTE_W | VPTE_A);
    cr_expect_eq(pte_of(l), 0x5000 | VPTE_V | VPTE_R | VPTE_W | VPTE_A);
}

/* Successful write: A|M on both levels. */
Test(vpte_walk, write_sets_a_m_on_both_levels)
{
    struct mmu_leaf *l = build(VPTE_V | VPTE_R | VPTE_W, VPTE_V | VPTE_R | VPTE_W);
    struct mmu_walk w = mmu_vpte_walk(&s, VPN, true);
    cr_expect(w.ok);
    cr_expect_eq(w.refs, 2);
    cr_expect_eq(l->pde, 0x1000 | VPTE_V | VPTE_R | VPTE_W | VPTE_A | VPTE_M);
    cr_expect_eq(pte_of(l), 0x5000 | VPTE_V | VPTE_R | VPTE_W | VPTE_A | VPTE_M);
}

/* A write needs W, not R: a V|W PTE passes a write walk (model.md checks only V and W). */
Test(vpte_walk, write_needs_only_v_and_w)
{
    build(VPTE_V | VPTE_W, VPTE_V | VPTE_W);
    struct mmu_walk w = mmu_vpte_walk(&s, VPN, true);
    cr_expect(w.ok);
    cr_expect_eq(w.refs, 2);
}

/* A PS PDE ends the walk at level 2: 1 ref, ok, the final vpte is the PDE; the PTE slot is
 * not read (even though it is invalid). */
Test(vpte_walk, ps_pde_ends_walk)
{
    struct mmu_leaf *l = build(VPTE_V | VPTE_PS | VPTE_R | VPTE_W, 0);
    l->pde = 0x20000000 | VPTE_V | VPTE_PS | VPTE_R | VPTE_W;
    struct mmu_walk w = mmu_vpte_walk(&s, VPN, true);
    cr_expect(w.ok);
    cr_expect_eq(w.refs, 1);
    cr_expect(w.vpte & VPTE_PS);
    cr_expect_eq(l->pde, 0x20000000 | VPTE_V | VPTE_PS | VPTE_R | VPTE_W | VPTE_A | VPTE_M);
    cr_expect_eq(pte_of(l), 0);
}

/* A PS PDE still needs the right: a read-only PS PDE fails a write walk (1 ref). */
Test(vpte_walk, ps_pde_checked_for_w)
{
    struct mmu_leaf *l = build(0, 0);
    l->pde = 0x20000000 | VPTE_V | VPTE_PS | VPTE_R;
    struct mmu_walk w = mmu_vpte_walk(&s, VPN, true);
    cr_expect(!w.ok);
    cr_expect_eq(w.refs, 1);
    cr_expect_eq(w.fail_level, 2);
    cr_expect_eq(l->pde, 0x20000000 | VPTE_V | VPTE_PS | VPTE_R);
}

/* x86-64: 4 levels.  Levels 4 and 3 via mmu_space_upper_set, level 2 = the leaf's PDE,
 * level 1 = the page's vpte.  A full walk reads 4; a missing level 3 fails with 2 refs and
 * leaves A on level 4. */
Test(vpte_walk_x86_64, four_levels)
{
    struct mmu_space x;
    cr_assert_eq(mmu_space_init(&x, MMU_ARCH_X86_64), 0);
    uint64_t vpn = 0x7f0000000000ull >> MMU_PAGE_SHIFT;
    const uint64_t rw = VPTE_V | VPTE_R | VPTE_W;

    struct mmu_walk w = mmu_vpte_walk(&x, vpn, false);
    cr_expect(!w.ok);
    cr_expect_eq(w.refs, 1);
    cr_expect_eq(w.fail_level, 4);

    cr_assert_eq(mmu_space_upper_set(&x, 4, vpn, 0x1000 | rw), 0);
    w = mmu_vpte_walk(&x, vpn, false);
    cr_expect(!w.ok);
    cr_expect_eq(w.refs, 2);
    cr_expect_eq(w.fail_level, 3);
    cr_expect_eq(mmu_space_upper_get(&x, 4, vpn), 0x1000 | rw | VPTE_A);

    cr_assert_eq(mmu_space_upper_set(&x, 3, vpn, 0x2000 | rw), 0);
    struct mmu_leaf *l = mmu_space_leaf(&x, vpn, true);
    cr_assert_not_null(l);
    l->pde = 0x3000 | rw;
    l->pg[vpn & (x.leaf_pages - 1)].vpte = 0x4000 | rw;
    w = mmu_vpte_walk(&x, vpn, true);
    cr_expect(w.ok);
    cr_expect_eq(w.refs, 4);
    cr_expect_eq(w.vpte & VPTE_FRAME, 0x4000);
    cr_expect_eq(mmu_space_upper_get(&x, 3, vpn), 0x2000 | rw | VPTE_A | VPTE_M);
    cr_expect_eq(l->pde, 0x3000 | rw | VPTE_A | VPTE_M);

    /* A PS entry at level 3 (1 GiB) ends the walk after 2 refs. */
    uint64_t vpn2 = vpn + (1ull << 18); /* next 1 GiB, same level-4 entry */
    cr_assert_eq(mmu_space_upper_set(&x, 3, vpn2, 0x40000000 | rw | VPTE_PS), 0);
    w = mmu_vpte_walk(&x, vpn2, false);
    cr_expect(w.ok);
    cr_expect_eq(w.refs, 2);
    mmu_space_fini(&x);
}
