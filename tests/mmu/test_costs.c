/* Cost profiles and costs files (model.md section 10). */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
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

/* ---- trust (issue 10): nothing wraps, every bad value and byte is named ---- */

/* Writes len bytes to a fresh temporary file (binary-safe). */
static void tmpfile_bytes(char *path, size_t plen, const char *bytes, size_t len)
{
    snprintf(path, plen, "/tmp/vkmmu-costs-XXXXXX");
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    cr_assert_eq(write(fd, bytes, len), (ssize_t)len);
    close(fd);
}

/* Loads bytes; expects -1 and err == "FILE:" followed by want. */
static void expect_msg(const char *bytes, size_t len, const char *want)
{
    char path[64], err[MMU_COSTS_ERR_MAX] = "", full[MMU_COSTS_ERR_MAX];
    tmpfile_bytes(path, sizeof path, bytes, len);
    struct mmu_costs c;
    cr_expect_eq(mmu_costs_load(&c, path, err, sizeof err), -1, "accepted: %s", want);
    snprintf(full, sizeof full, "%s:%s", path, want);
    cr_expect_str_eq(err, full);
    unlink(path);
}
#define EXPECT_MSG(text, want) expect_msg(text, sizeof(text) - 1, want)

/* Loads bytes; expects success and returns the costs. */
static struct mmu_costs expect_ok(const char *bytes, size_t len)
{
    char path[64], err[MMU_COSTS_ERR_MAX] = "";
    tmpfile_bytes(path, sizeof path, bytes, len);
    struct mmu_costs c;
    cr_expect_eq(mmu_costs_load(&c, path, err, sizeof err), 0, "%s", err);
    unlink(path);
    return c;
}
#define EXPECT_OK(text) expect_ok(text, sizeof(text) - 1)

Test(costs, value_not_plain_decimal_is_refused)
{
    static const char *const bad[] = {"inf", "nan", "0x10", "0x1p4", "-0", "-1", "+1", "1x",
                                      "1e", "1e+", ".", "", "1 2", "INF", "1,5"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char text[64], want[160];
        snprintf(text, sizeof text, "reflect = %s\n", bad[i]);
        snprintf(want, sizeof want,
                 "1: expected a non-negative decimal number for 'reflect', found '%s'", bad[i]);
        expect_msg(text, strlen(text), want);
    }
}

Test(costs, value_out_of_range_is_refused)
{
    EXPECT_MSG("insn = 1e308\n",
               "1: 'insn' = 1e308 is out of range (expected 0 to 1e12 cycles per event)");
    EXPECT_MSG("insn = 1e309\n",
               "1: 'insn' = 1e309 is out of range (expected 0 to 1e12 cycles per event)");
    EXPECT_MSG("# x\ninsn = 1000000000001\n",
               "2: 'insn' = 1000000000001 is out of range (expected 0 to 1e12 cycles per event)");
    EXPECT_MSG("insn = 1e-400\n", "1: 'insn' = 1e-400 is too small to represent (write 0 instead)");
}

Test(costs, value_bounds_and_forms_accepted)
{
    struct mmu_costs c = EXPECT_OK("insn = 1e12\nreflect = .5\ninval = 1.5E+3\ncow = 0\n");
    cr_expect_eq(c.v[MMU_COST_insn], 1e12);
    cr_expect_eq(c.v[MMU_COST_reflect], 0.5);
    cr_expect_eq(c.v[MMU_COST_inval], 1500.0);
    cr_expect_eq(c.v[MMU_COST_cow], 0.0);
    cr_expect(!signbit(c.v[MMU_COST_cow]));
}

Test(costs, clock_range)
{
    EXPECT_MSG("clock_ghz = 0\n",
               "1: 'clock_ghz' = 0 is out of range (expected 0.001 to 1000 GHz)");
    EXPECT_MSG("clock_ghz = 1000.5\n",
               "1: 'clock_ghz' = 1000.5 is out of range (expected 0.001 to 1000 GHz)");
    EXPECT_MSG("clock_ghz = 0.0009\n",
               "1: 'clock_ghz' = 0.0009 is out of range (expected 0.001 to 1000 GHz)");
    cr_expect_eq(EXPECT_OK("clock_ghz = 0.001\n").clock_ghz, 0.001);
    cr_expect_eq(EXPECT_OK("clock_ghz = 1000\n").clock_ghz, 1000.0);
}

Test(costs, nul_byte_is_named_not_line_too_long)
{
    EXPECT_MSG("insn = 1\nreflect = 1\0\n", "2: NUL byte at column 12 (a costs file is text)");
    EXPECT_MSG("\0\0\0\0", "1: NUL byte at column 1 (a costs file is text)");
}

Test(costs, control_and_binary_bytes_are_named)
{
    EXPECT_MSG("insn = 1\x1b[0m\n", "1: control byte 0x1b at column 9 (a costs file is text)");
    EXPECT_MSG("\x7f" "ELF\x02\x01\x01", "1: control byte 0x7f at column 1 (a costs file is text)");
    EXPECT_MSG("insn = 1\xc2\xa0\n", "1: byte 0xc2 at column 9 is not ASCII (keys and values "
                                     "are ASCII; a costs file is text)");
    /* UTF-8 in a comment is fine */
    cr_expect_eq(EXPECT_OK("insn = 2 # \xc2\xb5s\n").v[MMU_COST_insn], 2.0);
}

Test(costs, line_endings)
{
    struct mmu_costs c = EXPECT_OK("insn = 3\r\n\r\nreflect = 4\r\n");
    cr_expect_eq(c.v[MMU_COST_insn], 3.0);
    cr_expect_eq(c.v[MMU_COST_reflect], 4.0);
    cr_expect_eq(EXPECT_OK("insn = 5").v[MMU_COST_insn], 5.0); /* no final newline */
    cr_expect_eq(EXPECT_OK("insn = 6\r").v[MMU_COST_insn], 6.0);
    EXPECT_MSG("insn = 1\rreflect = 2\r", "1: carriage return at column 9 inside the line (a "
                                          "costs file ends lines with LF or CR LF)");
    EXPECT_MSG("insn = 1\r\nbogus = 2\r\n", "2: unknown cost key 'bogus' (see 'vkmmu list')");
}

Test(costs, long_line_is_named)
{
    char text[1100];
    memset(text, ' ', sizeof text);
    memcpy(text, "insn = 1 #", 10);
    text[1022] = '\n'; /* 1022 characters: the longest line */
    cr_expect_eq(expect_ok(text, 1023).v[MMU_COST_insn], 1.0);
    text[1022] = ' ';
    text[1023] = '\n';
    expect_msg(text, 1024, "1: line too long (at most 1022 characters)");
}

/* Makes a directory chain under /tmp whose path is about len characters; returns it. */
static char *deep_dir(size_t len)
{
    char *d = malloc(len + 300);
    cr_assert_not_null(d);
    strcpy(d, "/tmp/vkmmu-deep-XXXXXX");
    cr_assert_not_null(mkdtemp(d));
    for (size_t n = strlen(d); n + 201 < len; n += 201) {
        d[n] = '/';
        memset(d + n + 1, 'd', 200);
        d[n + 201] = 0;
        cr_assert_eq(mkdir(d, 0700), 0);
    }
    return d;
}

/* Removes the chain deep_dir made, innermost first, and frees d. */
static void rm_deep(char *d)
{
    for (char *slash; rmdir(d) == 0 && (slash = strrchr(d, '/')) && slash > d + 5;)
        *slash = 0;
    free(d);
}

Test(costs, long_path_is_the_name_whole)
{
    for (size_t len = 250; len <= 4000; len += 3750) {
        char *d = deep_dir(len), *p = malloc(strlen(d) + 16);
        sprintf(p, "%s/c.costs", d);
        FILE *f = fopen(p, "w");
        cr_assert_not_null(f);
        fputs("reflect = 7\n", f);
        fclose(f);
        struct mmu_costs c;
        char err[MMU_COSTS_ERR_MAX] = "";
        cr_expect_eq(mmu_costs_load(&c, p, err, sizeof err), 0, "%s", err);
        cr_expect_str_eq(c.name, p);
        unlink(p);
        free(p);
        rm_deep(d);
    }
}

Test(costs, overlong_path_is_refused)
{
    char *p = malloc(5001);
    memset(p, 'x', 5000);
    p[5000] = 0;
    struct mmu_costs c;
    char err[MMU_COSTS_ERR_MAX] = "";
    cr_expect_eq(mmu_costs_load(&c, p, err, sizeof err), -1);
    cr_expect_str_eq(err, "costs file name of 5000 characters is too long (at most 4095)");
    free(p);
}

/* A name holding a newline is written as one comment line and loads back. */
Test(costs, write_name_with_newline_loads_back)
{
    struct mmu_costs c = *mmu_cost_profile_find("modern")->costs;
    snprintf(c.name, sizeof c.name, "a\nreflect = bogus");
    c.v[MMU_COST_reflect] = 0.1;
    char path[64];
    tmpfile_with(path, sizeof path, "");
    FILE *f = fopen(path, "w");
    mmu_costs_write(&c, f);
    fclose(f);
    struct mmu_costs back;
    char err[MMU_COSTS_ERR_MAX] = "";
    cr_expect_eq(mmu_costs_load(&back, path, err, sizeof err), 0, "%s", err);
    cr_expect_eq(back.v[MMU_COST_reflect], 0.1);
    unlink(path);
}

Test(costs, apply_reports_the_component_that_overflows)
{
    const struct mmu_costs *modern = mmu_cost_profile_find("modern")->costs;
    struct mmu_costs k = *modern;
    struct mmu_counters c;
    memset(&c, 0, sizeof c);
    MMU_CTR(&c, insns) = UINT64_MAX / 2 + 1;
    k.v[MMU_COST_insn] = 2; /* exactly 2^64: one past the largest */
    cr_expect_str_eq(mmu_costs_apply(&k, &c, MMU_CLASS_VPT, 0), "cycles.insn");
    k.v[MMU_COST_insn] = 1;
    MMU_CTR(&c, fault_reflected) = 1ull << 50;
    k.v[MMU_COST_reflect] = 1e12;
    cr_expect_str_eq(mmu_costs_apply(&k, &c, MMU_CLASS_VPT, 0), "cycles.reflect");
    k.v[MMU_COST_reflect] = 1ull << 13; /* 2^63 + 2^63: each part fits, the sum does not */
    cr_expect_str_eq(mmu_costs_apply(&k, &c, MMU_CLASS_VPT, 0), "cycles.total");
    memset(&c, 0, sizeof c);
    MMU_CTR(&c, cycles_tlb) = UINT64_MAX; /* saturated by mmu_tlb_access */
    cr_expect_str_eq(mmu_costs_apply(modern, &c, MMU_CLASS_NATIVE, 0), "cycles.tlb");
    MMU_CTR(&c, cycles_tlb) = UINT64_MAX - 1;
    cr_expect_null(mmu_costs_apply(modern, &c, MMU_CLASS_NATIVE, 0));
    cr_expect_eq(MMU_CTR(&c, cycles_total), UINT64_MAX - 1);
}

/* Whole-number costs give exact products even above 2^53, where a double would round: the
 * largest sums that fit are reported, not refused. */
Test(costs, apply_is_exact_with_whole_costs)
{
    struct mmu_costs k = *mmu_cost_profile_find("modern")->costs;
    struct mmu_counters c;
    memset(&c, 0, sizeof c);
    MMU_CTR(&c, insns) = (1ull << 63) - 1;
    k.v[MMU_COST_insn] = 2;
    cr_expect_null(mmu_costs_apply(&k, &c, MMU_CLASS_NATIVE, 0));
    cr_expect_eq(MMU_CTR(&c, cycles_insn), UINT64_MAX - 1);
    cr_expect_eq(MMU_CTR(&c, cycles_total), UINT64_MAX - 1);
    MMU_CTR(&c, fault_native) = 1; /* one more fault: 1600 cycles past 2^64 - 1 */
    cr_expect_str_eq(mmu_costs_apply(&k, &c, MMU_CLASS_NATIVE, 0), "cycles.total");
    /* a fractional cost: rounded to the nearest cycle */
    memset(&c, 0, sizeof c);
    MMU_CTR(&c, insns) = 3;
    k.v[MMU_COST_insn] = 0.5;
    cr_expect_null(mmu_costs_apply(&k, &c, MMU_CLASS_NATIVE, 0));
    cr_expect_eq(MMU_CTR(&c, cycles_insn), 2); /* 1.5 rounds away from zero */
}
