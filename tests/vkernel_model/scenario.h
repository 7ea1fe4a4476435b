/* tests/vkernel_model/scenario.h - builds models and runs small text scenarios against them,
 * for the hand-derived model tests.  Header-only; links only vkmmu_vk (and Criterion).
 *
 * Scenario text: one record per line, '#' starts a comment, numbers are 0x-hex or decimal:
 *   map START END PROT KIND [FILE_ID [FILE_PGOFF]]   PROT like "rw-", KIND anon|file
 *   unmap START END
 *   protect START END PROT
 *   move OLD NEW LEN                                 a moving mremap (vk_move)
 *   R|W|X ADDR [SIZE] [=ok|=segv]                    user access (default size 1, expect ok)
 *   KR|KW ADDR SIZE [=ok|=efault]                    kernel access (model.md 6.6)
 *   I COUNT                                          instructions retired
 *   S NUMBER                                         a guest system call
 *   pid N | fork CHILD | vfork CHILD | exec | exit   processes (model.md 11): vk_switch,
 *                                                    vk_fork, vk_exec, vk_exit
 *   ... =error                                       any record: expect VK_ERROR
 * Every status other than the expected one fails the test with the scenario line.
 *
 * Expectations are strings of dotted counter names: "fault.real=3 fault.reflected=1".
 * SC_EXPECT_ONLY also requires every event counter not listed to be zero (cycles.* and insns
 * excepted), so that an unexpected invalidation or prefault is caught. */
#ifndef VKMMU_TESTS_SCENARIO_H
#define VKMMU_TESTS_SCENARIO_H

#include <criterion/criterion.h>
#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mmu.h"
#include "vk.h"

#define SC_P(n) ((uint64_t)(n) << MMU_PAGE_SHIFT) /* page number -> address */
#define SC_VPN(a) ((uint64_t)(a) >> MMU_PAGE_SHIFT)

/* A model for scheme/policy/dirty with options opt (NULL: defaults) and arch. */
static inline struct vk_model *sc_new_opt(const char *scheme, const char *policy,
                                          const char *dirty, const struct vk_options *opt,
                                          enum mmu_arch arch, const char *costs)
{
    char err[256] = "";
    struct vk_config cfg = {0};
    cfg.scheme = vk_scheme_find(scheme);
    cr_assert_not_null(cfg.scheme, "unknown scheme %s", scheme);
    cfg.dirty = vk_dirty_find(dirty);
    cr_assert_not_null(cfg.dirty, "unknown dirty strategy %s", dirty);
    cr_assert_eq(vk_policy_parse(policy, &cfg.policy, err, sizeof err), 0,
                 "policy %s: %s", policy, err);
    if (opt)
        cfg.opt = *opt;
    const struct mmu_cost_profile *p = mmu_cost_profile_find(costs ? costs : "modern");
    cr_assert_not_null(p, "no cost profile %s", costs ? costs : "modern");
    struct vk_model *m = vk_model_new(&cfg, arch, p->costs);
    cr_assert_not_null(m, "vk_model_new(%s/%s/%s) failed", scheme, policy, dirty);
    return m;
}

static inline struct vk_model *sc_new(const char *scheme, const char *policy, const char *dirty)
{
    return sc_new_opt(scheme, policy, dirty, NULL, MMU_ARCH_I386, NULL);
}

static inline bool sc_is_vkernel(const struct vk_model *m)
{
    return vk_model_config(m)->scheme->vkernel;
}

static inline uint64_t sc_num(const char *tok, int line)
{
    char *end = NULL;
    cr_assert_not_null(tok, "scenario line %d: missing number", line);
    unsigned long long v = strtoull(tok, &end, 0);
    cr_assert(end != tok && *end == '\0', "scenario line %d: bad number '%s'", line, tok);
    return (uint64_t)v;
}

static inline unsigned sc_prot(const char *tok, int line)
{
    cr_assert(tok && strlen(tok) == 3, "scenario line %d: bad prot", line);
    unsigned p = 0;
    if (tok[0] == 'r')
        p |= VK_PROT_R;
    if (tok[1] == 'w')
        p |= VK_PROT_W;
    if (tok[2] == 'x')
        p |= VK_PROT_X;
    return p;
}

/* Splits s in place into at most max whitespace-separated tokens. */
static inline int sc_split(char *s, char **tok, int max)
{
    int n = 0;
    char *save = NULL;
    for (char *t = strtok_r(s, " \t", &save); t && n < max; t = strtok_r(NULL, " \t", &save))
        tok[n++] = t;
    return n;
}

/* Applies the scenario text to m; fails the test on any parse error or unexpected status. */
static inline void sc_run(struct vk_model *m, const char *text)
{
    char *copy = strdup(text);
    cr_assert_not_null(copy);
    int line = 0;
    char *save = NULL;
    for (char *l = strtok_r(copy, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
        line++;
        char *hash = strchr(l, '#');
        if (hash)
            *hash = '\0';
        char *tok[8];
        int n = sc_split(l, tok, 8);
        if (n == 0)
            continue;
        const char *want = "=ok";
        if (n > 1 && tok[n - 1][0] == '=')
            want = tok[--n];
        const char *op = tok[0];
        int st = VK_ERROR;
        if (!strcmp(op, "map")) {
            cr_assert(n >= 5, "scenario line %d: map START END PROT KIND", line);
            enum vk_region_kind kind = VK_ANON;
            if (!strcmp(tok[4], "anon"))
                kind = VK_ANON;
            else if (!strcmp(tok[4], "file"))
                kind = VK_FILE;
            else
                cr_assert_fail("scenario line %d: bad kind %s", line, tok[4]);
            uint32_t fid = n > 5 ? (uint32_t)sc_num(tok[5], line) : 1;
            uint64_t pgoff = n > 6 ? sc_num(tok[6], line) : 0;
            st = vk_map(m, sc_num(tok[1], line), sc_num(tok[2], line), sc_prot(tok[3], line),
                        kind, fid, pgoff);
        } else if (!strcmp(op, "unmap")) {
            cr_assert(n == 3, "scenario line %d: unmap START END", line);
            st = vk_unmap(m, sc_num(tok[1], line), sc_num(tok[2], line));
        } else if (!strcmp(op, "protect")) {
            cr_assert(n == 4, "scenario line %d: protect START END PROT", line);
            st = vk_protect(m, sc_num(tok[1], line), sc_num(tok[2], line),
                            sc_prot(tok[3], line));
        } else if (!strcmp(op, "move")) {
            cr_assert(n == 4, "scenario line %d: move OLD NEW LEN", line);
            st = vk_move(m, sc_num(tok[1], line), sc_num(tok[2], line), sc_num(tok[3], line));
        } else if (!strcmp(op, "R") || !strcmp(op, "W") || !strcmp(op, "X")) {
            enum mmu_kind k = op[0] == 'R' ? MMU_READ : op[0] == 'W' ? MMU_WRITE : MMU_FETCH;
            uint64_t fa = 0;
            st = vk_access(m, sc_num(tok[1], line), n > 2 ? sc_num(tok[2], line) : 1, k, &fa);
        } else if (!strcmp(op, "KR") || !strcmp(op, "KW")) {
            cr_assert(n == 3, "scenario line %d: KR|KW ADDR SIZE", line);
            st = vk_kernel_access(m, sc_num(tok[1], line), sc_num(tok[2], line), op[1] == 'W');
        } else if (!strcmp(op, "I")) {
            vk_insns(m, sc_num(tok[1], line));
            st = VK_OK;
        } else if (!strcmp(op, "S")) {
            vk_syscall(m, (unsigned)sc_num(tok[1], line));
            st = VK_OK;
        } else if (!strcmp(op, "pid")) {
            cr_assert(n == 2, "scenario line %d: pid N", line);
            st = vk_switch(m, (uint32_t)sc_num(tok[1], line));
        } else if (!strcmp(op, "fork") || !strcmp(op, "vfork")) {
            cr_assert(n == 2, "scenario line %d: fork|vfork CHILD", line);
            st = vk_fork(m, (uint32_t)sc_num(tok[1], line), op[0] == 'v');
        } else if (!strcmp(op, "exec")) {
            cr_assert(n == 1, "scenario line %d: exec", line);
            st = vk_exec(m);
        } else if (!strcmp(op, "exit")) {
            cr_assert(n == 1, "scenario line %d: exit", line);
            st = vk_exit(m);
        } else {
            cr_assert_fail("scenario line %d: unknown record %s", line, op);
        }
        int want_st = !strcmp(want, "=segv")     ? VK_SEGV
                      : !strcmp(want, "=efault") ? VK_EFAULT
                      : !strcmp(want, "=error")  ? VK_ERROR
                                                 : VK_OK;
        cr_assert(strcmp(want, "=ok") == 0 || strcmp(want, "=segv") == 0 ||
                      strcmp(want, "=efault") == 0 || strcmp(want, "=error") == 0,
                  "scenario line %d: bad expectation %s", line, want);
        cr_assert_eq(st, want_st, "scenario line %d (%s): status %d, expected %d (%s)", line,
                     op, st, want_st, st == VK_ERROR ? vk_error(m) : "");
    }
    free(copy);
}

/* Prints every non-zero counter (for reports when an expectation fails). */
static inline void sc_dump(const struct vk_model *m, const char *why)
{
    char name[96];
    const struct mmu_counters *c = vk_counters(m);
    fprintf(stderr, "[%s] %s:", vk_config_name(vk_model_config(m), name, sizeof name), why);
    for (int i = 0; i < MMU_NCOUNTERS; i++)
        if (c->c[i] && strncmp(mmu_counter_names[i], "cycles.", 7) != 0)
            fprintf(stderr, " %s=%" PRIu64, mmu_counter_names[i], c->c[i]);
    fprintf(stderr, "\n");
}

/* Asserts the model.md section 9 identities by hand on a finished model, then
 * mmu_counters_check(). */
static inline const struct mmu_counters *sc_check_identities(const struct vk_model *m)
{
    const struct mmu_counters *c = vk_counters(m);
    bool vkern = sc_is_vkernel(m);
    bool ok = true;
#define SC_ID(cond, ...)                                                                         \
    do {                                                                                         \
        if (!(cond)) {                                                                           \
            ok = false;                                                                          \
            cr_expect(0, __VA_ARGS__);                                                           \
        }                                                                                        \
    } while (0)
    if (vkern) {
        SC_ID(MMU_CTR(c, fault_real) == MMU_CTR(c, fault_reflected) + MMU_CTR(c, fault_resolved_real),
              "identity: fault.real %" PRIu64 " != reflected %" PRIu64 " + resolved_real %" PRIu64,
              MMU_CTR(c, fault_real), MMU_CTR(c, fault_reflected), MMU_CTR(c, fault_resolved_real));
        SC_ID(MMU_CTR(c, fault_segv) <= MMU_CTR(c, fault_reflected),
              "identity: fault.segv > fault.reflected");
    } else {
        SC_ID(MMU_CTR(c, fault_real) == MMU_CTR(c, fault_native) + MMU_CTR(c, fault_segv),
              "identity: fault.real %" PRIu64 " != native %" PRIu64 " + segv %" PRIu64,
              MMU_CTR(c, fault_real), MMU_CTR(c, fault_native), MMU_CTR(c, fault_segv));
    }
    SC_ID(MMU_CTR(c, fault_dirty_trap) <= MMU_CTR(c, fault_resolved_real),
          "identity: dirty_trap %" PRIu64 " > resolved_real %" PRIu64, MMU_CTR(c, fault_dirty_trap),
          MMU_CTR(c, fault_resolved_real));
    SC_ID(MMU_CTR(c, prefault_used) + MMU_CTR(c, prefault_wasted) == MMU_CTR(c, prefault_issued),
          "identity: prefault used %" PRIu64 " + wasted %" PRIu64 " != issued %" PRIu64,
          MMU_CTR(c, prefault_used), MMU_CTR(c, prefault_wasted), MMU_CTR(c, prefault_issued));
    uint64_t sum = MMU_CTR(c, cycles_insn) + MMU_CTR(c, cycles_tlb) + MMU_CTR(c, cycles_fault) +
                   MMU_CTR(c, cycles_reflect) + MMU_CTR(c, cycles_dirty) +
                   MMU_CTR(c, cycles_prefault) + MMU_CTR(c, cycles_inval) +
                   MMU_CTR(c, cycles_syscall) + MMU_CTR(c, cycles_vmspace);
    SC_ID(MMU_CTR(c, cycles_total) == sum, "identity: cycles.total %" PRIu64 " != sum %" PRIu64,
          MMU_CTR(c, cycles_total), sum);
#undef SC_ID
    const char *why = mmu_counters_check(c, vkern);
    if (why)
        ok = false;
    cr_expect_null(why, "mmu_counters_check: %s", why ? why : "");
    if (!ok)
        sc_dump(m, "identity failed");
    return c;
}

/* Ends the run (vk_finish) and checks the identities. */
static inline const struct mmu_counters *sc_finish(struct vk_model *m)
{
    vk_finish(m);
    return sc_check_identities(m);
}

static inline bool sc_is_event_counter(int i)
{
    return strncmp(mmu_counter_names[i], "cycles.", 7) != 0 && i != MMU_C_insns;
}

/* Checks "name=value ..." against the counters; with only, every other event counter must be
 * zero.  Reports every mismatch (not just the first) and dumps the counters once. */
static inline void sc_expect_impl(const struct vk_model *m, const char *spec, bool only,
                                  const char *file, int line)
{
    const struct mmu_counters *c = vk_counters(m);
    bool listed[MMU_NCOUNTERS] = {0};
    bool ok = true;
    char *copy = strdup(spec);
    cr_assert_not_null(copy);
    char *tok[64];
    int n = sc_split(copy, tok, 64);
    for (int i = 0; i < n; i++) {
        char *eq = strchr(tok[i], '=');
        cr_assert_not_null(eq, "%s:%d: expectation '%s' lacks '='", file, line, tok[i]);
        *eq = '\0';
        int id = mmu_counter_find(tok[i]);
        cr_assert(id >= 0, "%s:%d: unknown counter %s", file, line, tok[i]);
        uint64_t want = sc_num(eq + 1, line);
        listed[id] = true;
        if (c->c[id] != want) {
            ok = false;
            cr_expect(0, "%s:%d: %s expected %" PRIu64 ", got %" PRIu64, file, line, tok[i], want,
                      c->c[id]);
        }
    }
    if (only)
        for (int i = 0; i < MMU_NCOUNTERS; i++)
            if (!listed[i] && sc_is_event_counter(i) && c->c[i] != 0) {
                ok = false;
                cr_expect(0, "%s:%d: %s expected 0, got %" PRIu64, file, line,
                          mmu_counter_names[i], c->c[i]);
            }
    if (!ok)
        sc_dump(m, "counters");
    free(copy);
}
#define SC_EXPECT(m, spec) sc_expect_impl((m), (spec), false, __FILE__, __LINE__)
#define SC_EXPECT_ONLY(m, spec) sc_expect_impl((m), (spec), true, __FILE__, __LINE__)

/* The model.md section 11 identity: vk.vmspace = 10 x vmspaces created (fork, clone without
 * CLONE_VM, a vfork child's exec) + 1 x vmspaces destroyed by exit in the vkernel schemes,
 * 0 elsewhere. */
static inline void sc_expect_vmspace_impl(const struct vk_model *m, uint64_t created,
                                          uint64_t destroyed, const char *file, int line)
{
    uint64_t want = sc_is_vkernel(m) ? 10 * created + destroyed : 0;
    uint64_t got = MMU_CTR(vk_counters(m), vk_vmspace);
    cr_expect_eq(got, want, "%s:%d: vk.vmspace %" PRIu64 ", identity wants %" PRIu64
                 " (created %" PRIu64 ", destroyed %" PRIu64 ")",
                 file, line, got, want, created, destroyed);
}
#define SC_EXPECT_VMSPACE(m, created, destroyed)                                                 \
    sc_expect_vmspace_impl((m), (created), (destroyed), __FILE__, __LINE__)

/* The vkernel's leaf vpte / PDE for addr (0 when its page-table page does not exist).  Looks
 * without creating state. */
static inline uint64_t sc_vpte(struct vk_model *m, uint64_t addr)
{
    struct mmu_space *s = vk_space(m);
    uint64_t vpn = SC_VPN(addr);
    struct mmu_leaf *l = mmu_space_leaf(s, vpn, false);
    return l ? l->pg[vpn & (s->leaf_pages - 1)].vpte : 0;
}

static inline uint64_t sc_pde(struct vk_model *m, uint64_t addr)
{
    struct mmu_leaf *l = mmu_space_leaf(vk_space(m), SC_VPN(addr), false);
    return l ? l->pde : 0;
}

/* The vpte bits the tests compare (frame and bookkeeping bits G/WIRED/X ignored). */
#define SC_VBITS (VPTE_V | VPTE_PS | VPTE_R | VPTE_W | VPTE_A | VPTE_M | VPTE_U | VPTE_MANAGED)

#endif
