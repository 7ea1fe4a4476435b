/* tests/guest/test_gos_mem.c - the guest OS's memory calls: brk, mmap (placement,
 * MAP_FIXED, files), munmap, mprotect, madvise, and the regions they leave in the model. */
#include "test_gos_util.h"

#define RW (VK_PROT_R | VK_PROT_W)

static void expect_region(const struct vk_region *r, uint64_t s, uint64_t e, unsigned prot,
                          enum vk_region_kind kind)
{
    cr_expect_eq(r->start, s, "start 0x%llx, want 0x%llx", (unsigned long long)r->start,
                 (unsigned long long)s);
    cr_expect_eq(r->end, e, "end 0x%llx, want 0x%llx", (unsigned long long)r->end,
                 (unsigned long long)e);
    cr_expect_eq(r->prot, prot);
    cr_expect_eq(r->kind, kind);
}

static int32_t anon(struct tg *t, uint32_t addr, uint32_t len, uint32_t prot, uint32_t flags)
{
    return SC(t, NR_mmap2, addr, len, prot, MAP_PRIVATE_ANON | flags, (uint32_t)-1, 0);
}

Test(gos_mem, brk_grow_maps_new_pages_and_shrink_unmaps)
{
    struct tg t;
    tg_start(&t, 1, false, NULL);
    cr_assert_eq(SC(&t, NR_brk, 0), (int32_t)BRK_BASE);
    memset(tg_ptr(&t, BRK_BASE + 0x3000), 0xAB, 0x2000); /* stale bytes must not show */
    cr_assert_eq(SC(&t, NR_brk, BRK_BASE + 0x2800), (int32_t)(BRK_BASE + 0x2800));
    cr_assert_eq(SC(&t, NR_brk, BRK_BASE + 0x5000), (int32_t)(BRK_BASE + 0x5000));
    size_t n;
    const struct vk_region *r = tg_regions(&t, &n);
    cr_assert_eq(n, 3);
    expect_region(&r[0], GUEST_BASE, GUEST_BASE + DATA_SIZE, RW, VK_ANON);
    expect_region(&r[1], BRK_BASE, BRK_BASE + 0x3000, RW, VK_ANON);
    expect_region(&r[2], BRK_BASE + 0x3000, BRK_BASE + 0x5000, RW, VK_ANON);
    cr_expect_eq(tg_ptr(&t, BRK_BASE + 0x3000)[0], 0);
    cr_expect_eq(tg_ptr(&t, BRK_BASE + 0x4FFF)[0], 0);
    /* Shrinking inside a page keeps it; below, the pages go. */
    cr_assert_eq(SC(&t, NR_brk, BRK_BASE + 0x0800), (int32_t)(BRK_BASE + 0x0800));
    r = tg_regions(&t, &n);
    cr_assert_eq(n, 2);
    expect_region(&r[1], BRK_BASE, BRK_BASE + 0x1000, RW, VK_ANON);
    /* Below the base: refused, the break stays. */
    cr_expect_eq(SC(&t, NR_brk, BRK_BASE - 0x1000), (int32_t)(BRK_BASE + 0x0800));
    tg_stop(&t);
}

Test(gos_mem, brk_refused_when_it_would_run_into_a_mapping)
{
    struct tg t;
    tg_start(&t, 1, false, NULL);
    cr_assert_eq(anon(&t, BRK_BASE + 0x3000, 0x1000, PROT_R, MAP_FIXED_),
                 (int32_t)(BRK_BASE + 0x3000));
    cr_expect_eq(SC(&t, NR_brk, BRK_BASE + 0x5000), (int32_t)BRK_BASE);
    cr_expect_eq(SC(&t, NR_brk, BRK_BASE + 0x3000), (int32_t)(BRK_BASE + 0x3000));
    tg_stop(&t);
}

/* Placement is Linux's top-down first fit: the highest hole below the mmap top. */
static void placement_sequence(struct tg *t, int32_t out[5])
{
    out[0] = anon(t, 0, 0x3000, PROT_R | PROT_W, 0);
    out[1] = anon(t, 0, 0x2000, PROT_R | PROT_W, 0);
    cr_assert_eq(SC(t, NR_munmap, (uint32_t)out[0], 0x3000), 0);
    out[2] = anon(t, 0, 0x1000, PROT_R | PROT_W, 0); /* top of the freed hole */
    out[3] = anon(t, 0, 0x4000, PROT_R | PROT_W, 0); /* the 2-page hole is too small */
    out[4] = anon(t, 0, 0x2000, PROT_R | PROT_W, 0); /* fills the hole exactly */
}

Test(gos_mem, mmap_placement_is_top_down_and_deterministic)
{
    struct tg a, b;
    int32_t x[5], y[5];
    tg_start(&a, 1, false, NULL);
    placement_sequence(&a, x);
    cr_expect_eq(x[0], (int32_t)(MMAP_TOP - 0x3000));
    cr_expect_eq(x[1], (int32_t)(MMAP_TOP - 0x5000));
    cr_expect_eq(x[2], (int32_t)(MMAP_TOP - 0x1000));
    cr_expect_eq(x[3], (int32_t)(MMAP_TOP - 0x9000));
    cr_expect_eq(x[4], (int32_t)(MMAP_TOP - 0x3000));
    tg_stop(&a);
    tg_start(&b, 99, false, NULL);
    placement_sequence(&b, y);
    cr_expect_arr_eq(x, y, sizeof x);
    tg_stop(&b);
}

Test(gos_mem, mmap_hint_is_used_when_free)
{
    struct tg t;
    tg_start(&t, 1, false, NULL);
    cr_expect_eq(anon(&t, 0x08400000, 0x1000, PROT_R, 0), 0x08400000);
    /* taken: placed top-down instead */
    cr_expect_eq(anon(&t, 0x08400000, 0x1000, PROT_R, 0), (int32_t)(MMAP_TOP - 0x1000));
    tg_stop(&t);
}

Test(gos_mem, mmap_fixed_replaces_the_part_it_covers)
{
    struct tg t;
    tg_start(&t, 1, false, NULL);
    int32_t a = anon(&t, 0, 0x4000, PROT_R | PROT_W, 0);
    cr_assert_eq(a, (int32_t)(MMAP_TOP - 0x4000));
    uint32_t A = (uint32_t)a;
    memset(tg_ptr(&t, A + 0x1000), 0x5A, 0x1000);
    cr_assert_eq(anon(&t, A + 0x1000, 0x1000, PROT_R, MAP_FIXED_), a + 0x1000);
    cr_expect_eq(tg_ptr(&t, A + 0x1000)[0], 0);
    size_t n;
    const struct vk_region *r = tg_regions(&t, &n);
    cr_assert_eq(n, 4);
    expect_region(&r[1], A, A + 0x1000, RW, VK_ANON);
    expect_region(&r[2], A + 0x1000, A + 0x2000, VK_PROT_R, VK_ANON);
    expect_region(&r[3], A + 0x2000, A + 0x4000, RW, VK_ANON);
    /* MAP_FIXED needs an aligned address */
    cr_expect_eq(anon(&t, A + 1, 0x1000, PROT_R, MAP_FIXED_), -EINVAL);
    /* As Linux answers an unprivileged process: below vm.mmap_min_addr EPERM, past the end of
     * the user address space (or wrapping around 2^32) ENOMEM. */
    cr_expect_eq(anon(&t, 0, 0x1000, PROT_R, MAP_FIXED_), -EPERM);
    cr_expect_eq(anon(&t, 0x1000, 0x1000, PROT_R, MAP_FIXED_), -EPERM);
    cr_expect_eq(anon(&t, 0xFFFFE000u, 0x4000, PROT_R, MAP_FIXED_), -ENOMEM);
    tg_stop(&t);
}

Test(gos_mem, munmap_middle_splits_the_region)
{
    struct tg t;
    tg_start(&t, 1, false, NULL);
    uint32_t A = (uint32_t)anon(&t, 0, 0x4000, PROT_R | PROT_W, 0);
    cr_assert_eq(SC(&t, NR_munmap, A + 0x1000, 0x2000), 0);
    size_t n;
    const struct vk_region *r = tg_regions(&t, &n);
    cr_assert_eq(n, 3);
    expect_region(&r[1], A, A + 0x1000, RW, VK_ANON);
    expect_region(&r[2], A + 0x3000, A + 0x4000, RW, VK_ANON);
    cr_expect_eq(SC(&t, NR_munmap, A + 1, 0x1000), -EINVAL);
    cr_expect_eq(SC(&t, NR_munmap, A, 0), -EINVAL);
    /* unmapping nothing is not an error */
    cr_expect_eq(SC(&t, NR_munmap, A + 0x1000, 0x1000), 0);
    tg_stop(&t);
}

Test(gos_mem, mprotect_splits_and_refuses_holes)
{
    struct tg t;
    tg_start(&t, 1, false, NULL);
    uint32_t A = (uint32_t)anon(&t, 0, 0x3000, PROT_R | PROT_W, 0);
    cr_assert_eq(SC(&t, NR_mprotect, A + 0x1000, 0x1000, PROT_R), 0);
    size_t n;
    const struct vk_region *r = tg_regions(&t, &n);
    cr_assert_eq(n, 4);
    expect_region(&r[1], A, A + 0x1000, RW, VK_ANON);
    expect_region(&r[2], A + 0x1000, A + 0x2000, VK_PROT_R, VK_ANON);
    expect_region(&r[3], A + 0x2000, A + 0x3000, RW, VK_ANON);
    cr_expect_eq(SC(&t, NR_mprotect, NOWHERE, 0x1000, PROT_R), -ENOMEM);
    cr_expect_eq(SC(&t, NR_mprotect, A + 0x2000, 0x2000, PROT_R), -ENOMEM); /* runs past */
    cr_expect_eq(SC(&t, NR_mprotect, A + 4, 0x1000, PROT_R), -EINVAL);
    tg_stop(&t);
}

Test(gos_mem, old_mmap_reads_its_argument_block)
{
    struct tg t;
    tg_start(&t, 1, false, NULL);
    uint32_t args[6] = {0, 0x1000, PROT_R | PROT_W, MAP_PRIVATE_ANON, (uint32_t)-1, 0};
    memcpy(tg_ptr(&t, BUF_ADDR), args, sizeof args);
    uint64_t k0 = tg_ctr(&t, "access.kernel");
    cr_expect_eq(SC(&t, NR_mmap, BUF_ADDR), (int32_t)(MMAP_TOP - 0x1000));
    cr_expect_eq(tg_ctr(&t, "access.kernel"), k0 + 1);
    cr_expect_eq(SC(&t, NR_mmap, NOWHERE), -EFAULT);
    tg_stop(&t);
}

Test(gos_mem, file_mmap_copies_the_file_and_zeroes_the_tail)
{
    struct tg t;
    tg_start(&t, 1, false, NULL);
    char content[5001];
    for (int i = 0; i < 5000; i++)
        content[i] = (char)('a' + i % 26);
    content[5000] = 0;
    tg_file(&t, "data.bin", content);
    tg_put_str(&t, STR_ADDR, "/data.bin");
    int32_t fd = SC(&t, NR_open, STR_ADDR, G_O_RDONLY);
    cr_assert_eq(fd, 3);
    memset(tg_ptr(&t, MMAP_TOP - 0x3000), 0xEE, 0x3000); /* stale bytes */
    int32_t a = SC(&t, NR_mmap2, 0, 0x2000, PROT_R, MAP_PRIVATE_, (uint32_t)fd, 0);
    cr_assert_eq(a, (int32_t)(MMAP_TOP - 0x2000));
    cr_expect_arr_eq(tg_ptr(&t, (uint32_t)a), content, 5000);
    cr_expect_eq(tg_ptr(&t, (uint32_t)a + 5000)[0], 0);
    cr_expect_eq(tg_ptr(&t, (uint32_t)a + 0x1FFF)[0], 0);
    int32_t b = SC(&t, NR_mmap2, 0, 0x1000, PROT_R, MAP_PRIVATE_, (uint32_t)fd, 1);
    cr_assert_eq(b, (int32_t)(MMAP_TOP - 0x3000));
    cr_expect_arr_eq(tg_ptr(&t, (uint32_t)b), content + 4096, 904);
    cr_expect_eq(tg_ptr(&t, (uint32_t)b + 904)[0], 0);
    size_t n;
    const struct vk_region *r = tg_regions(&t, &n);
    cr_assert_eq(n, 3);
    expect_region(&r[1], (uint32_t)b, (uint32_t)b + 0x1000, VK_PROT_R, VK_FILE);
    expect_region(&r[2], (uint32_t)a, (uint32_t)a + 0x2000, VK_PROT_R, VK_FILE);
    cr_expect_eq(r[1].file_id, 1);
    cr_expect_eq(r[1].file_pgoff, 1);
    cr_expect_eq(r[2].file_id, 1);
    cr_expect_eq(r[2].file_pgoff, 0);
    /* not open, not a file offset on a page */
    cr_expect_eq(SC(&t, NR_mmap2, 0, 0x1000, PROT_R, MAP_PRIVATE_, 77, 0), -EBADF);
    uint32_t old[6] = {0, 0x1000, PROT_R, MAP_PRIVATE_, (uint32_t)fd, 100};
    memcpy(tg_ptr(&t, BUF_ADDR), old, sizeof old);
    cr_expect_eq(SC(&t, NR_mmap, BUF_ADDR), -EINVAL);
    tg_stop(&t);
}

Test(gos_mem, madvise_dontneed_gives_fresh_zero_pages)
{
    struct tg t;
    tg_start(&t, 1, false, NULL);
    uint32_t A = (uint32_t)anon(&t, 0, 0x2000, PROT_R | PROT_W, 0);
    memset(tg_ptr(&t, A), 0x55, 0x2000);
    cr_assert_eq(SC(&t, NR_madvise, A, 0x1000, 4 /* MADV_DONTNEED */), 0);
    cr_expect_eq(tg_ptr(&t, A)[0], 0);
    cr_expect_eq(tg_ptr(&t, A + 0xFFF)[0], 0);
    cr_expect_eq(tg_ptr(&t, A + 0x1000)[0], 0x55);
    cr_expect_eq(SC(&t, NR_madvise, A, 0x1000, 0 /* MADV_NORMAL */), 0);
    tg_stop(&t);
}

Test(gos_mem, mremap_grows_in_place_moves_when_it_cannot_and_shrinks)
{
    struct tg t;
    tg_start(&t, 1, false, NULL);
    uint32_t A = (uint32_t)anon(&t, 0, 0x1000, PROT_R | PROT_W, 0);
    cr_assert_eq(A, MMAP_TOP - 0x1000);
    memset(tg_ptr(&t, A), 0x33, 0x1000);
    size_t n0;
    (void)tg_regions(&t, &n0);
    /* no room above A (the mmap top): without MREMAP_MAYMOVE it fails; with it, A moves to the
     * highest free two pages (A itself still holds the top page) and grows there */
    cr_expect_eq(SC(&t, NR_mremap, A, 0x1000, 0x2000, 0), -ENOMEM);
    uint32_t M = (uint32_t)SC(&t, NR_mremap, A, 0x1000, 0x2000, 1 /* MREMAP_MAYMOVE */);
    cr_assert_eq(M, MMAP_TOP - 0x3000);
    cr_expect_eq(tg_ptr(&t, M)[0], 0x33);          /* the bytes moved */
    cr_expect_eq(tg_ptr(&t, M + 0xFFF)[0], 0x33);
    cr_expect_eq(tg_ptr(&t, M + 0x1000)[0], 0);    /* the growth is fresh */
    size_t nm;
    const struct vk_region *rm = tg_regions(&t, &nm);
    cr_assert_eq(nm, n0 + 1);
    expect_region(&rm[nm - 2], M, M + 0x1000, RW, VK_ANON);
    expect_region(&rm[nm - 1], M + 0x1000, M + 0x2000, RW, VK_ANON); /* A's page is gone */
    /* MREMAP_FIXED: to a given address, over what is there; overlapping ranges are EINVAL */
    cr_expect_eq(SC(&t, NR_mremap, M, 0x2000, 0x2000, 3, M + 0x1000), -EINVAL);
    cr_expect_eq(SC(&t, NR_mremap, M, 0x2000, 0x2000, 2, A), -EINVAL); /* FIXED alone */
    cr_expect_eq(SC(&t, NR_mremap, M, 0x2000, 0x1000, 3, A), (int32_t)A); /* shrinks, moves */
    cr_expect_eq(tg_ptr(&t, A)[0], 0x33);
    rm = tg_regions(&t, &nm);
    cr_assert_eq(nm, n0);
    expect_region(&rm[nm - 1], A, A + 0x1000, RW, VK_ANON);
    /* MREMAP_DONTUNMAP: equal lengths and MAYMOVE only; the pages move, the old range stays
     * mapped (fresh) */
    cr_expect_eq(SC(&t, NR_mremap, A, 0x1000, 0x2000, 5, 0), -EINVAL);
    cr_expect_eq(SC(&t, NR_mremap, A, 0x1000, 0x1000, 4, 0), -EINVAL);
    cr_expect_eq(SC(&t, NR_mremap, A, 0x1000, 0x1000, 5, 0x123), -EINVAL); /* unaligned hint */
    uint32_t D = (uint32_t)SC(&t, NR_mremap, A, 0x1000, 0x1000, 5, 0);
    cr_assert_eq(D, MMAP_TOP - 0x2000);
    cr_expect_eq(tg_ptr(&t, D)[0], 0x33);
    cr_expect_eq(tg_ptr(&t, A)[0], 0);
    rm = tg_regions(&t, &nm);
    cr_assert_eq(nm, n0 + 1);
    expect_region(&rm[nm - 2], D, D + 0x1000, RW, VK_ANON);
    expect_region(&rm[nm - 1], A, A + 0x1000, RW, VK_ANON);
    cr_assert_eq(SC(&t, NR_munmap, D, 0x1000), 0);
    cr_assert_eq(SC(&t, NR_munmap, A, 0x1000), 0);
    A = (uint32_t)anon(&t, 0, 0x1000, PROT_R | PROT_W, 0);
    cr_assert_eq(A, MMAP_TOP - 0x1000);
    uint32_t B = (uint32_t)anon(&t, 0, 0x2000, PROT_R | PROT_W, 0);
    cr_assert_eq(B, MMAP_TOP - 0x3000);
    cr_assert_eq(SC(&t, NR_munmap, A, 0x1000), 0);
    memset(tg_ptr(&t, B + 0x2000), 0x77, 0x1000); /* stale bytes */
    memset(tg_ptr(&t, B), 0x11, 0x2000);
    cr_expect_eq(SC(&t, NR_mremap, B, 0x2000, 0x3000, 1), (int32_t)B);
    cr_expect_eq(tg_ptr(&t, B + 0x1FFF)[0], 0x11); /* kept */
    cr_expect_eq(tg_ptr(&t, B + 0x2000)[0], 0);    /* fresh */
    size_t n;
    const struct vk_region *r = tg_regions(&t, &n);
    cr_assert_eq(n, 3);
    expect_region(&r[1], B, B + 0x2000, RW, VK_ANON);
    expect_region(&r[2], B + 0x2000, B + 0x3000, RW, VK_ANON);
    cr_expect_eq(SC(&t, NR_mremap, B, 0x3000, 0x1000, 0), (int32_t)B);
    r = tg_regions(&t, &n);
    cr_assert_eq(n, 2);
    expect_region(&r[1], B, B + 0x1000, RW, VK_ANON);
    cr_expect_eq(SC(&t, NR_mremap, NOWHERE, 0x1000, 0x2000, 1), -EFAULT);
    cr_expect_eq(SC(&t, NR_mremap, B, 0x1000, 0, 1), -EINVAL);
    cr_expect_eq(gos_unknown_calls(t.g, NULL, NULL), 0);
    tg_stop(&t);
}
