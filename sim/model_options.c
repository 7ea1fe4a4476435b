/* sim/options.c - the model options shared by `replay` and `run`, and the set of
 * configurations they describe (every scheme x policy x dirty combination, plus the native
 * baseline). */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"

int sim_model_opts_init(struct sim_model_opts *o, char *err, size_t errlen)
{
    memset(o, 0, sizeof(*o));
    o->schemes = "vpt-1.10";
    o->policies = "none";
    o->dirties = "strict";
    return mmu_costs_resolve(&o->costs, "modern", err, errlen) < 0 ? -1 : 0;
}

void sim_model_opts_usage(FILE *out)
{
    fputs("  --scheme LIST        comma-separated schemes (default vpt-1.10; see `vkmmu list`)\n"
          "  --policy LIST        comma-separated prefault policies (default none)\n"
          "  --dirty LIST         comma-separated dirty-bit strategies (default strict)\n"
          "                       every scheme x policy x dirty combination is one configuration;\n"
          "                       native/none/strict is always computed, for the overhead\n"
          "  --costs NAME|FILE    cost profile or `key = value` file (default modern)\n"
          "  --real-prefault N    what-if: the real kernel prefaults up to N valid vptes\n"
          "  --vk-mem SIZE        vkernel memory limit (e.g. 64M; default unlimited)\n"
          "  --file-cache warm|cold  file pages resident at start, or read on first touch\n"
          "                       (default warm)\n"
          "  --inval-every-enter  release 1.8: one MADV_INVAL on every pmap_enter\n"
          "  --tlb SPEC           model the TLB on every access: a preset (core2, modern) or\n"
          "                       itlb=E:W,dtlb=E:W,stlb=E:W,stlb_hit=C,walk_ref=C,pwc=N\n"
          "  --interval N         also report the counters every N instructions (every N\n"
          "                       accesses when the input has no instruction counts): JSON\n"
          "                       \"timeline\", and X.timeline.csv next to --csv X.csv\n"
          "  --json FILE          write the results as JSON\n"
          "  --csv FILE           write the results as CSV (one row per configuration)\n",
          out);
}

/* ---- comma-separated lists ---- */

/* Calls fn on every element of list (copied into a NUL-terminated buffer); stops at the first
 * failure.  An empty element is an error. */
static int each_item(const char *list, const char *opt,
                     int (*fn)(const char *item, void *ctx, char *err, size_t errlen), void *ctx,
                     char *err, size_t errlen)
{
    const char *p = list;
    for (;;) {
        const char *comma = strchr(p, ',');
        size_t n = comma ? (size_t)(comma - p) : strlen(p);
        char item[128];
        if (n == 0) {
            snprintf(err, errlen, "%s: empty name in list '%s'", opt, list);
            return -1;
        }
        if (n >= sizeof(item)) {
            snprintf(err, errlen, "%s: name too long in list '%s'", opt, list);
            return -1;
        }
        memcpy(item, p, n);
        item[n] = '\0';
        if (fn(item, ctx, err, errlen) < 0)
            return -1;
        if (!comma)
            return 0;
        p = comma + 1;
    }
}

/* Collected elements of one list (pointers into the registries / parsed specs). */
struct list_acc {
    size_t n, cap;
    void *v; /* array of elem_size */
    size_t elem_size;
};

static int acc_push(struct list_acc *a, const void *elem, char *err, size_t errlen)
{
    if (!a)
        return 0;
    if (a->n == a->cap) {
        size_t ncap = a->cap ? a->cap * 2 : 8;
        void *nv = realloc(a->v, ncap * a->elem_size);
        if (!nv) {
            snprintf(err, errlen, "out of memory");
            return -1;
        }
        a->v = nv;
        a->cap = ncap;
    }
    memcpy((char *)a->v + a->n * a->elem_size, elem, a->elem_size);
    a->n++;
    return 0;
}

static int scheme_item(const char *item, void *ctx, char *err, size_t errlen)
{
    const struct vk_scheme *s = vk_scheme_find(item);
    if (!s) {
        int n = snprintf(err, errlen, "--scheme: unknown scheme '%s' (expected", item);
        for (size_t i = 0; vk_schemes[i] && n >= 0 && (size_t)n < errlen; i++)
            n += snprintf(err + n, errlen - (size_t)n, "%s %s", i ? "," : "",
                          vk_schemes[i]->name);
        if (n >= 0 && (size_t)n < errlen)
            snprintf(err + n, errlen - (size_t)n, ")");
        return -1;
    }
    return acc_push(ctx, &s, err, errlen);
}

static int dirty_item(const char *item, void *ctx, char *err, size_t errlen)
{
    const struct vk_dirty *d = vk_dirty_find(item);
    if (!d) {
        int n = snprintf(err, errlen, "--dirty: unknown dirty strategy '%s' (expected", item);
        for (size_t i = 0; vk_dirties[i] && n >= 0 && (size_t)n < errlen; i++)
            n += snprintf(err + n, errlen - (size_t)n, "%s %s", i ? "," : "",
                          vk_dirties[i]->name);
        if (n >= 0 && (size_t)n < errlen)
            snprintf(err + n, errlen - (size_t)n, ")");
        return -1;
    }
    return acc_push(ctx, &d, err, errlen);
}

static int policy_item(const char *item, void *ctx, char *err, size_t errlen)
{
    struct vk_policy_spec spec;
    char perr[256];
    if (vk_policy_parse(item, &spec, perr, sizeof(perr)) < 0) {
        snprintf(err, errlen, "--policy: %s%s", perr,
                 strstr(perr, "vkmmu list") ? "" : " (see `vkmmu list`)");
        return -1;
    }
    return acc_push(ctx, &spec, err, errlen);
}

/* ---- single options ---- */

/* The value of option argv[*i] (after '=' or in the next argument), or NULL if missing. */
static const char *opt_value(int argc, char **argv, int *i, const char *eq)
{
    if (eq)
        return eq + 1;
    if (*i + 1 >= argc)
        return NULL;
    return argv[++*i];
}

int sim_model_opt(struct sim_model_opts *o, int argc, char **argv, int *i, char *err,
                  size_t errlen)
{
    static const char *const with_value[] = {"--scheme", "--policy", "--dirty",
                                             "--costs", "--real-prefault", "--vk-mem",
                                             "--file-cache", "--json", "--csv", "--tlb", "--interval", NULL};
    const char *arg = argv[*i];
    if (strncmp(arg, "--", 2) != 0)
        return 0;
    const char *eq = strchr(arg, '=');
    size_t nlen = eq ? (size_t)(eq - arg) : strlen(arg);

    if (nlen == strlen("--inval-every-enter") && !strncmp(arg, "--inval-every-enter", nlen)) {
        if (eq) {
            snprintf(err, errlen, "--inval-every-enter takes no value");
            return -1;
        }
        o->vk.inval_every_enter = true;
        return 1;
    }
    const char *name = NULL;
    for (size_t k = 0; with_value[k]; k++)
        if (strlen(with_value[k]) == nlen && !strncmp(arg, with_value[k], nlen))
            name = with_value[k];
    if (!name)
        return 0;
    const char *val = opt_value(argc, argv, i, eq);
    if (!val) {
        snprintf(err, errlen, "%s: missing value", name);
        return -1;
    }
    if (strlen(val) > SIM_VALUE_MAX) {
        snprintf(err, errlen, "%s: value of %zu characters is too long (at most %d)", name,
                 strlen(val), SIM_VALUE_MAX);
        return -1;
    }

    if (!strcmp(name, "--scheme")) {
        if (each_item(val, name, scheme_item, NULL, err, errlen) < 0)
            return -1;
        o->schemes = val;
    } else if (!strcmp(name, "--policy")) {
        if (each_item(val, name, policy_item, NULL, err, errlen) < 0)
            return -1;
        o->policies = val;
    } else if (!strcmp(name, "--dirty")) {
        if (each_item(val, name, dirty_item, NULL, err, errlen) < 0)
            return -1;
        o->dirties = val;
    } else if (!strcmp(name, "--costs")) {
        char cerr[MMU_COSTS_ERR_MAX];
        if (mmu_costs_resolve(&o->costs, val, cerr, sizeof(cerr)) < 0) {
            snprintf(err, errlen, "--costs: %s", cerr);
            return -1;
        }
        o->costs_arg = val;
    } else if (!strcmp(name, "--real-prefault")) {
        uint64_t n;
        if (sim_parse_uint(val, 0, 1u << 20, &n) < 0) {
            snprintf(err, errlen, "--real-prefault: bad count '%s' (expected 0 to %u pages)",
                     val, 1u << 20);
            return -1;
        }
        o->vk.real_prefault = (unsigned)n;
    } else if (!strcmp(name, "--vk-mem")) {
        uint64_t bytes;
        if (vk_parse_size(val, &bytes) < 0 || bytes < MMU_PAGE_SIZE) {
            snprintf(err, errlen, "--vk-mem: bad size '%s' (expected at least one page, such "
                                  "as 4096, 16k, 64M or 1G)", val);
            return -1;
        }
        o->vk.vk_mem_pages = bytes / MMU_PAGE_SIZE;
    } else if (!strcmp(name, "--file-cache")) {
        if (!strcmp(val, "warm")) {
            o->vk.file_cache_cold = false;
        } else if (!strcmp(val, "cold")) {
            o->vk.file_cache_cold = true;
        } else {
            snprintf(err, errlen, "--file-cache: bad value '%s' (expected warm or cold)", val);
            return -1;
        }
    } else if (!strcmp(name, "--interval")) {
        uint64_t n;
        if (sim_parse_uint(val, 0, 1000000000000000ull, &n) < 0 || n == 0) {
            snprintf(err, errlen, "--interval: bad count '%s' (expected 1 to 1000000000000000)",
                     val);
            return -1;
        }
        o->interval = n;
    } else if (!strcmp(name, "--tlb")) {
        char terr[256];
        if (mmu_tlb_parse(val, &o->vk.tlb, terr, sizeof terr) < 0) {
            snprintf(err, errlen, "%s", terr);
            return -1;
        }
        o->vk.tlb_on = true;
    } else if (!strcmp(name, "--json") || !strcmp(name, "--csv")) {
        if (!*val) {
            snprintf(err, errlen, "%s: empty file name", name);
            return -1;
        }
        if (name[2] == 'j')
            o->json_path = val;
        else
            o->csv_path = val;
    }
    return 1;
}

/* ---- the set of configurations ---- */

int sim_build_set(struct sim_model_opts *o, struct vk_set *set, enum mmu_arch arch,
                  int *native_index, bool **baseline_only, char *err, size_t errlen)
{
    struct list_acc schemes = {.elem_size = sizeof(const struct vk_scheme *)};
    struct list_acc policies = {.elem_size = sizeof(struct vk_policy_spec)};
    struct list_acc dirties = {.elem_size = sizeof(const struct vk_dirty *)};
    bool *bl = NULL;
    int native = -1, rc = -1;
    char name[160], other[160];

    vk_set_init(set, arch);
    if (each_item(o->schemes, "--scheme", scheme_item, &schemes, err, errlen) < 0 ||
        each_item(o->policies, "--policy", policy_item, &policies, err, errlen) < 0 ||
        each_item(o->dirties, "--dirty", dirty_item, &dirties, err, errlen) < 0)
        goto out;

    struct vk_config base = {.scheme = vk_scheme_find("native"),
                             .dirty = vk_dirty_find("strict"),
                             .opt = o->vk};
    if (!base.scheme || !base.dirty ||
        vk_policy_parse("none", &base.policy, err, errlen) < 0) {
        snprintf(err, errlen, "the model has no native/none/strict baseline");
        goto out;
    }
    vk_config_name(&base, other, sizeof(other));

    for (size_t a = 0; a < schemes.n; a++)
        for (size_t b = 0; b < policies.n; b++)
            for (size_t c = 0; c < dirties.n; c++) {
                struct vk_config cfg = {
                    .scheme = ((const struct vk_scheme **)schemes.v)[a],
                    .policy = ((struct vk_policy_spec *)policies.v)[b],
                    .dirty = ((const struct vk_dirty **)dirties.v)[c],
                    .opt = o->vk,
                };
                vk_config_name(&cfg, name, sizeof(name));
                bool dup = false;
                for (size_t k = 0; k < set->n && !dup; k++) {
                    char kn[160];
                    dup = !strcmp(vk_config_name(vk_model_config(set->m[k]), kn, sizeof(kn)),
                                  name);
                }
                if (dup)
                    continue;
                int idx = vk_set_add(set, &cfg, &o->costs);
                if (idx < 0) {
                    snprintf(err, errlen, "out of memory creating model %s", name);
                    goto out;
                }
                if (!strcmp(name, other))
                    native = idx;
            }
    bool hidden = native < 0;
    if (hidden) {
        native = vk_set_add(set, &base, &o->costs);
        if (native < 0) {
            snprintf(err, errlen, "out of memory creating model %s", other);
            goto out;
        }
    }
    bl = calloc(set->n, sizeof(*bl));
    if (!bl) {
        snprintf(err, errlen, "out of memory");
        goto out;
    }
    if (hidden)
        bl[native] = true;
    *baseline_only = bl;
    *native_index = native;
    rc = 0;
out:
    free(schemes.v);
    free(policies.v);
    free(dirties.v);
    if (rc < 0)
        vk_set_fini(set);
    return rc;
}

int sim_check_overflow(const struct vk_set *set, const char *cmd, const struct mmu_costs *costs)
{
    for (size_t i = 0; i < set->n; i++) {
        const char *ctr = vk_overflow(set->m[i]);
        if (!ctr)
            continue;
        char name[160];
        fprintf(stderr,
                "%s: %s: counter %s does not fit in 64 bits (above %" PRIu64 "; costs %s); "
                "no results written\n",
                cmd, vk_config_name(vk_model_config(set->m[i]), name, sizeof(name)), ctr,
                UINT64_MAX, costs->name);
        return -1;
    }
    return 0;
}

int sim_check_identities(const struct vk_set *set)
{
#ifdef VKMMU_CHECK_IDENTITIES
    for (size_t i = 0; i < set->n; i++) {
        const struct vk_config *cfg = vk_model_config(set->m[i]);
        const char *bad = mmu_counters_check(vk_counters(set->m[i]), cfg->scheme->vkernel);
        if (bad) {
            char name[160];
            fprintf(stderr, "vkmmu: internal error: %s: identity fails: %s\n",
                    vk_config_name(cfg, name, sizeof(name)), bad);
            return -1;
        }
    }
#else
    (void)set;
#endif
    return 0;
}
