/* sim/model_options.c - the model options shared by `replay` and `run` (one option table,
 * for parsing and help), and the set of configurations they describe (every scheme x policy
 * x dirty combination, plus the native baseline). */
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

const struct opt sim_model_options[] = {
    {"scheme", 0, "LIST", "comma-separated schemes (default vpt-1.10; see `vkmmu list`)",
     SIM_OPT_SCHEME},
    {"policy", 0, "LIST", "comma-separated prefault policies (default none)", SIM_OPT_POLICY},
    {"dirty", 0, "LIST",
     "comma-separated dirty-bit strategies (default strict)\n"
     "every scheme x policy x dirty combination is one configuration;\n"
     "native/none/strict is always computed, for the overhead",
     SIM_OPT_DIRTY},
    {"costs", 0, "NAME|FILE", "cost profile or `key = value` file (default modern)",
     SIM_OPT_COSTS},
    {"real-prefault", 0, "N", "what-if: the real kernel prefaults up to N valid vptes",
     SIM_OPT_REAL_PREFAULT},
    {"vk-mem", 0, "SIZE", "vkernel memory limit (e.g. 64M; default unlimited)", SIM_OPT_VK_MEM},
    {"file-cache", 0, "warm|cold",
     "file pages resident at start, or read on first touch\n(default warm)", SIM_OPT_FILE_CACHE},
    {"zero-page", 0, "on|off",
     "schemes with the shared zero page (linux): a read fault on\n"
     "a new anonymous page maps it (on), or allocates the page\n"
     "(off: hosts without one; default on)",
     SIM_OPT_ZERO_PAGE},
    {"inval-every-enter", 0, NULL, "release 1.8: one MADV_INVAL on every pmap_enter",
     SIM_OPT_INVAL_EVERY_ENTER},
    {"tlb", 0, "SPEC",
     "model the TLB on every access: a preset (core2, modern) or\n"
     "itlb=E:W,dtlb=E:W,stlb=E:W,stlb_hit=C,walk_ref=C,pwc=N",
     SIM_OPT_TLB},
    {"interval", 0, "N",
     "also report the counters every N instructions (every N\n"
     "accesses when the input has no instruction counts): JSON\n"
     "\"timeline\", and X.timeline.csv next to --csv X.csv",
     SIM_OPT_INTERVAL},
    {"json", 0, "FILE", "write the results as JSON", SIM_OPT_JSON},
    {"csv", 0, "FILE", "write the results as CSV (one row per configuration)", SIM_OPT_CSV},
    OPT_END,
};

void sim_model_opts_usage(FILE *out)
{
    const struct opt *const tables[] = {sim_model_options, NULL};
    opt_usage(tables, out);
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

static int first_pass_item(const char *item, void *ctx, char *err, size_t errlen)
{
    struct vk_policy_spec spec;
    if (vk_policy_parse(item, &spec, err, errlen) == 0 && vk_policy_needs_first_pass(&spec))
        *(bool *)ctx = true;
    return 0;
}

bool sim_needs_first_pass(const struct sim_model_opts *o)
{
    bool needs = false;
    char err[256];
    each_item(o->policies, "--policy", first_pass_item, &needs, err, sizeof err);
    return needs;
}

/* ---- single options ---- */

static int list_option(const char *list, const char *name,
                       int (*item)(const char *item, void *ctx, char *err, size_t errlen),
                       const char **field, char *err, size_t errlen)
{
    if (each_item(list, name, item, NULL, err, errlen) < 0)
        return -1;
    *field = list;
    return 0;
}

static int costs_option(struct sim_model_opts *o, const char *value, char *err, size_t errlen)
{
    char cerr[MMU_COSTS_ERR_MAX];
    if (mmu_costs_resolve(&o->costs, value, cerr, sizeof(cerr)) < 0) {
        snprintf(err, errlen, "--costs: %s", cerr);
        return -1;
    }
    o->costs_arg = value;
    return 0;
}

static int real_prefault_option(struct sim_model_opts *o, const char *value, char *err,
                                size_t errlen)
{
    uint64_t n;
    if (sim_parse_uint(value, 0, 1u << 20, &n) < 0) {
        snprintf(err, errlen, "--real-prefault: bad count '%s' (expected 0 to %u pages)", value,
                 1u << 20);
        return -1;
    }
    o->vk.real_prefault = (unsigned)n;
    return 0;
}

static int vk_mem_option(struct sim_model_opts *o, const char *value, char *err, size_t errlen)
{
    uint64_t bytes;
    if (vk_parse_size(value, &bytes) < 0 || bytes < MMU_PAGE_SIZE) {
        snprintf(err, errlen, "--vk-mem: bad size '%s' (expected at least one page, such "
                              "as 4096, 16k, 64M or 1G)", value);
        return -1;
    }
    o->vk.vk_mem_pages = bytes / MMU_PAGE_SIZE;
    return 0;
}

static int file_cache_option(struct sim_model_opts *o, const char *value, char *err,
                             size_t errlen)
{
    if (strcmp(value, "warm") != 0 && strcmp(value, "cold") != 0) {
        snprintf(err, errlen, "--file-cache: bad value '%s' (expected warm or cold)", value);
        return -1;
    }
    o->vk.file_cache_cold = !strcmp(value, "cold");
    return 0;
}

/* --zero-page on|off: 0, or -1 with err filled. */
static int zero_page_option(struct sim_model_opts *o, const char *value, char *err,
                            size_t errlen)
{
    if (strcmp(value, "on") != 0 && strcmp(value, "off") != 0) {
        snprintf(err, errlen, "--zero-page: bad value '%s' (expected on or off)", value);
        return -1;
    }
    o->vk.no_zero_page = !strcmp(value, "off");
    return 0;
}

static int interval_option(struct sim_model_opts *o, const char *value, char *err,
                           size_t errlen)
{
    uint64_t n;
    if (sim_parse_uint(value, 0, 1000000000000000ull, &n) < 0 || n == 0) {
        snprintf(err, errlen, "--interval: bad count '%s' (expected 1 to 1000000000000000)",
                 value);
        return -1;
    }
    o->interval = n;
    return 0;
}

static int tlb_option(struct sim_model_opts *o, const char *value, char *err, size_t errlen)
{
    char terr[256];
    if (mmu_tlb_parse(value, &o->vk.tlb, terr, sizeof terr) < 0) {
        snprintf(err, errlen, "%s", terr);
        return -1;
    }
    o->vk.tlb_on = true;
    return 0;
}

static int file_option(const char *name, const char *value, const char **path, char *err,
                       size_t errlen)
{
    if (!*value) {
        snprintf(err, errlen, "--%s: empty file name", name);
        return -1;
    }
    *path = value;
    return 0;
}

/* The table entry of option id, or NULL. */
static const struct opt *model_option_entry(int id)
{
    for (const struct opt *e = sim_model_options; e->name || e->help; e++)
        if (e->name && e->id == id)
            return e;
    return NULL;
}

int sim_model_option(struct sim_model_opts *o, int id, const char *value, char *err,
                     size_t errlen)
{
    const struct opt *e = model_option_entry(id);
    if (!e) {
        snprintf(err, errlen, "internal error: no model option %d", id);
        return -1;
    }
    if (e->value && !value) {
        snprintf(err, errlen, "--%s: missing value", e->name);
        return -1;
    }
    if (value && strlen(value) > SIM_VALUE_MAX) {
        snprintf(err, errlen, "--%s: value of %zu characters is too long (at most %d)", e->name,
                 strlen(value), SIM_VALUE_MAX);
        return -1;
    }
    switch (id) {
    case SIM_OPT_SCHEME:
        return list_option(value, "--scheme", scheme_item, &o->schemes, err, errlen);
    case SIM_OPT_POLICY:
        return list_option(value, "--policy", policy_item, &o->policies, err, errlen);
    case SIM_OPT_DIRTY:
        return list_option(value, "--dirty", dirty_item, &o->dirties, err, errlen);
    case SIM_OPT_COSTS: return costs_option(o, value, err, errlen);
    case SIM_OPT_REAL_PREFAULT: return real_prefault_option(o, value, err, errlen);
    case SIM_OPT_VK_MEM: return vk_mem_option(o, value, err, errlen);
    case SIM_OPT_FILE_CACHE: return file_cache_option(o, value, err, errlen);
    case SIM_OPT_ZERO_PAGE: return zero_page_option(o, value, err, errlen);
    case SIM_OPT_INVAL_EVERY_ENTER: o->vk.inval_every_enter = true; return 0;
    case SIM_OPT_TLB: return tlb_option(o, value, err, errlen);
    case SIM_OPT_INTERVAL: return interval_option(o, value, err, errlen);
    case SIM_OPT_JSON: return file_option(e->name, value, &o->json_path, err, errlen);
    case SIM_OPT_CSV: return file_option(e->name, value, &o->csv_path, err, errlen);
    default: return -1;
    }
}

int sim_model_opt(struct sim_model_opts *o, int argc, char **argv, int *i, char *err,
                  size_t errlen)
{
    const char *arg = argv[*i];
    if (strncmp(arg, "--", 2) != 0)
        return 0;
    const char *eq = strchr(arg, '=');
    size_t nlen = (eq ? (size_t)(eq - arg) : strlen(arg)) - 2;
    const struct opt *e = sim_model_options;
    for (; e->name || e->help; e++)
        if (e->name && strlen(e->name) == nlen && !strncmp(arg + 2, e->name, nlen))
            break;
    if (!e->name)
        return 0;
    if (!e->value && eq) {
        snprintf(err, errlen, "--%s takes no value", e->name);
        return -1;
    }
    const char *value = NULL;
    if (e->value)
        value = eq ? eq + 1 : *i + 1 < argc ? argv[++*i] : NULL;
    return sim_model_option(o, e->id, value, err, errlen) < 0 ? -1 : 1;
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
