/* Cost profiles and costs files (model.md section 10). */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mmu.h"

/* Writes text to a fresh temporary file; returns its path (static buffer per call site). */
static const char *tmpfile_with(char *path, size_t len, const char *text)
{
    snprintf(path, len, "/tmp/vkmmu-costs-XXXXXX");
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    FILE *f = fdopen(fd, "w");
    cr_assert_not_null(f);
    fputs(text, f);
    fclose(f);
    return path;
}

Test(costs, builtin_profiles)
{
    const char *names[] = {"modern", "dfly2007"};
    for (int i = 0; i < 2; i++) {
        const struct mmu_cost_profile *p = mmu_cost_profile_find(names[i]);
        cr_assert_not_null(p, "profile %s", names[i]);
        cr_expect_str_eq(p->name, names[i]);
        cr_expect(p->desc && p->desc[0]);
        cr_assert_not_null(p->costs);
        cr_expect_gt(p->costs->clock_ghz, 0);
        for (int k = 0; k < MMU_NCOSTS; k++)
            cr_expect(isfinite(p->costs->v[k]) && p->costs->v[k] >= 0, "%s.%s = %g", names[i],
                      mmu_cost_names[k], p->costs->v[k]);
        /* a reflection costs more than a fault the real kernel resolves alone */
        cr_expect_gt(p->costs->v[MMU_COST_reflect], p->costs->v[MMU_COST_fault_real]);
    }
    cr_expect_null(mmu_cost_profile_find("nosuch"));
    int n = 0;
    for (const struct mmu_cost_profile *const *p = mmu_cost_profiles; *p; p++)
        n++;
    cr_expect_geq(n, 2);
}

/* A good file: base profile, overrides, clock.  Unlisted keys keep the base's values. */
Test(costs, load_good_file)
{
    char path[64];
    tmpfile_with(path, sizeof path, "base = dfly2007\nreflect = 12345\nclock_ghz = 2.5\n");
    struct mmu_costs c;
    char err[256] = "";
    cr_assert_eq(mmu_costs_load(&c, path, err, sizeof err), 0, "%s", err);
    const struct mmu_costs *base = mmu_cost_profile_find("dfly2007")->costs;
    cr_expect_eq(c.v[MMU_COST_reflect], 12345.0);
    cr_expect_eq(c.clock_ghz, 2.5);
    cr_expect_eq(c.v[MMU_COST_inval], base->v[MMU_COST_inval]);
    cr_expect_eq(c.v[MMU_COST_zero_fill], base->v[MMU_COST_zero_fill]);
    unlink(path);
}

/* The default base is modern. */
Test(costs, load_default_base_modern)
{
    char path[64];
    tmpfile_with(path, sizeof path, "inval = 7\n");
    struct mmu_costs c;
    char err[256] = "";
    cr_assert_eq(mmu_costs_load(&c, path, err, sizeof err), 0, "%s", err);
    const struct mmu_costs *base = mmu_cost_profile_find("modern")->costs;
    cr_expect_eq(c.v[MMU_COST_inval], 7.0);
    cr_expect_eq(c.v[MMU_COST_reflect], base->v[MMU_COST_reflect]);
    unlink(path);
}

/* Comments and blank lines are allowed (interpretation: '#' comments, as the written files
 * carry each number's source in a comment). */
Test(costs, load_comments_and_blanks)
{
    char path[64];
    tmpfile_with(path, sizeof path, "# my machine\n\nreflect = 100  # measured\n   \n");
    struct mmu_costs c;
    char err[256] = "";
    cr_assert_eq(mmu_costs_load(&c, path, err, sizeof err), 0, "%s", err);
    cr_expect_eq(c.v[MMU_COST_reflect], 100.0);
    unlink(path);
}

/* mmu_costs_write output loads back to the same values. */
Test(costs, write_then_load_round_trip)
{
    char path[64] = "/tmp/vkmmu-costs-rt-XXXXXX";
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    FILE *f = fdopen(fd, "w");
    const struct mmu_costs *d = mmu_cost_profile_find("dfly2007")->costs;
    mmu_costs_write(d, f);
    fclose(f);
    struct mmu_costs c;
    char err[256] = "";
    cr_assert_eq(mmu_costs_load(&c, path, err, sizeof err), 0, "%s", err);
    for (int k = 0; k < MMU_NCOSTS; k++)
        cr_expect(fabs(c.v[k] - d->v[k]) <= 1e-9 * fabs(d->v[k]) + 1e-9, "%s: %g vs %g",
                  mmu_cost_names[k], c.v[k], d->v[k]);
    cr_expect(fabs(c.clock_ghz - d->clock_ghz) < 1e-9);
    unlink(path);
}

/* Bad files: -1 and a message "FILE:LINE: ..." naming the offending line. */
static void expect_bad(const char *text, int line, const char *what)
{
    char path[64];
    tmpfile_with(path, sizeof path, text);
    struct mmu_costs c;
    char err[512] = "";
    cr_expect_eq(mmu_costs_load(&c, path, err, sizeof err), -1, "%s accepted", what);
    char want[96];
    snprintf(want, sizeof want, "%s:%d:", path, line);
    cr_expect(strstr(err, want) != NULL, "%s: message '%s' lacks '%s'", what, err, want);
    unlink(path);
}

Test(costs, bad_unknown_key)
{
    expect_bad("reflect = 10\nbogus = 3\n", 2, "unknown key");
}
Test(costs, bad_number)
{
    expect_bad("# c\n\ninval = abc\n", 3, "bad number");
    expect_bad("inval = 12x\n", 1, "trailing garbage");
    expect_bad("inval =\n", 1, "empty value");
}
Test(costs, bad_missing_equals)
{
    expect_bad("reflect 100\n", 1, "missing '='");
}
Test(costs, bad_base)
{
    expect_bad("base = nosuch\n", 1, "unknown base profile");
}

Test(costs, missing_file)
{
    struct mmu_costs c;
    char err[256] = "";
    cr_expect_eq(mmu_costs_load(&c, "/nonexistent/costs.txt", err, sizeof err), -1);
    cr_expect(strstr(err, "/nonexistent/costs.txt") != NULL, "message '%s'", err);
}

Test(costs, resolve_name_or_file)
{
    struct mmu_costs c;
    char err[256] = "";
    cr_expect_eq(mmu_costs_resolve(&c, "dfly2007", err, sizeof err), 0, "%s", err);
    cr_expect_eq(c.v[MMU_COST_reflect],
                 mmu_cost_profile_find("dfly2007")->costs->v[MMU_COST_reflect]);
    cr_expect_eq(mmu_costs_resolve(&c, "/nonexistent/x", err, sizeof err), -1);
}

/* mmu_costs_apply keeps cycles.total = the sum of its components. */
Test(costs, apply_total_is_sum)
{
    struct mmu_counters c;
    memset(&c, 0, sizeof c);
    MMU_CTR(&c, insns) = 1000;
    MMU_CTR(&c, fault_real) = 3;
    MMU_CTR(&c, fault_reflected) = 1;
    MMU_CTR(&c, fault_resolved_real) = 2;
    MMU_CTR(&c, fault_dirty_trap) = 1;
    MMU_CTR(&c, walk_refs) = 5;
    MMU_CTR(&c, page_zero_fill) = 1;
    MMU_CTR(&c, vk_pt_alloc) = 1;
    MMU_CTR(&c, vk_inval) = 2;
    MMU_CTR(&c, vk_syscall) = 4;
    mmu_costs_apply(mmu_cost_profile_find("modern")->costs, &c, false, 4);
    uint64_t sum = MMU_CTR(&c, cycles_insn) + MMU_CTR(&c, cycles_tlb) +
                   MMU_CTR(&c, cycles_fault) + MMU_CTR(&c, cycles_reflect) +
                   MMU_CTR(&c, cycles_dirty) + MMU_CTR(&c, cycles_prefault) +
                   MMU_CTR(&c, cycles_inval) + MMU_CTR(&c, cycles_syscall);
    cr_expect_eq(MMU_CTR(&c, cycles_total), sum);
    cr_expect_gt(MMU_CTR(&c, cycles_reflect), 0);
    cr_expect_gt(MMU_CTR(&c, cycles_dirty), 0);
    cr_expect_gt(MMU_CTR(&c, cycles_inval), 0);
    cr_expect_gt(MMU_CTR(&c, cycles_syscall), 0);
    cr_expect_null(mmu_counters_check(&c, true));
}
