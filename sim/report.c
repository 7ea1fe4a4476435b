/* sim/report.c - results of a set of configurations: a table for people, JSON for one run
 * (a json-c tree: names in results_schema.h, layout in results_json.c), CSV for sweeps.  Counter and cost names come from the lists in mmu.h, so a new counter
 * appears everywhere at once.  Output is deterministic: no timing, no host-dependent text. */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "results_json.h"
#include "results_schema.h"
#include "sim.h"

double sim_overhead(const struct sim_report *r, size_t i)
{
    uint64_t base = MMU_CTR(vk_counters(r->set->m[r->native_index]), cycles_total);
    uint64_t mine = MMU_CTR(vk_counters(r->set->m[i]), cycles_total);
    if (base == 0)
        return mine == 0 ? 0.0 : NAN;
    return (double)mine / (double)base - 1.0;
}

/* ---- table ---- */

enum { COL_SCHEME, COL_POLICY, COL_DIRTY, COL_NUM0 };
static const char *const table_heads[] = {
    "scheme", "policy", "dirty", "reflections", "dirty-traps", "real-faults", "invals",
    "pf-issued", "pf-used", "est-cycles", "overhead",
};
#define NCOLS (sizeof(table_heads) / sizeof(table_heads[0]))

static void table_row(const struct sim_report *r, size_t i, char cells[NCOLS][48])
{
    const struct vk_config *cfg = vk_model_config(r->set->m[i]);
    const struct mmu_counters *c = vk_counters(r->set->m[i]);
    uint64_t nums[] = {MMU_CTR(c, fault_reflected), MMU_CTR(c, fault_dirty_trap),
                       MMU_CTR(c, fault_real),      MMU_CTR(c, vk_inval),
                       MMU_CTR(c, prefault_issued), MMU_CTR(c, prefault_used),
                       MMU_CTR(c, cycles_total)};
    snprintf(cells[COL_SCHEME], 48, "%s", cfg->scheme->name);
    snprintf(cells[COL_POLICY], 48, "%s", cfg->policy.text);
    snprintf(cells[COL_DIRTY], 48, "%s", cfg->dirty->name);
    for (size_t k = 0; k < sizeof(nums) / sizeof(nums[0]); k++)
        snprintf(cells[COL_NUM0 + k], 48, "%" PRIu64, nums[k]);
    double ov = sim_overhead(r, i);
    if (isfinite(ov))
        snprintf(cells[NCOLS - 1], 48, "%+.2f%%", ov * 100.0);
    else
        snprintf(cells[NCOLS - 1], 48, "n/a");
}

int sim_report_table(const struct sim_report *r, FILE *out)
{
    size_t w[NCOLS];
    char cells[NCOLS][48];
    for (size_t k = 0; k < NCOLS; k++)
        w[k] = strlen(table_heads[k]);
    for (size_t i = 0; i < r->set->n; i++) {
        if (r->baseline_only[i])
            continue;
        table_row(r, i, cells);
        for (size_t k = 0; k < NCOLS; k++)
            if (strlen(cells[k]) > w[k])
                w[k] = strlen(cells[k]);
    }
    /* Names left-aligned, numbers right-aligned. */
    for (size_t k = 0; k < NCOLS; k++)
        fprintf(out, k < COL_NUM0 ? "%-*s%s" : "%*s%s", (int)w[k], table_heads[k],
                k + 1 < NCOLS ? "  " : "\n");
    for (size_t i = 0; i < r->set->n; i++) {
        if (r->baseline_only[i])
            continue;
        table_row(r, i, cells);
        for (size_t k = 0; k < NCOLS; k++)
            fprintf(out, k < COL_NUM0 ? "%-*s%s" : "%*s%s", (int)w[k], cells[k],
                    k + 1 < NCOLS ? "  " : "\n");
    }
    char bname[160];
    fprintf(out, "overhead: est-cycles against %s; costs: %s\n",
            vk_config_name(vk_model_config(r->set->m[r->native_index]), bname, sizeof(bname)),
            r->costs->name);
    fflush(out);
    return ferror(out) ? -1 : 0;
}

/* ---- result files ---- */

FILE *sim_atomic_open(const char *path, char **tmp)
{
    size_t n = strlen(path) + 32;
    *tmp = malloc(n);
    if (!*tmp) {
        fprintf(stderr, "vkmmu: %s: out of memory\n", path);
        return NULL;
    }
    snprintf(*tmp, n, "%s.tmp.%ld", path, (long)getpid());
    FILE *f = fopen(*tmp, "w");
    if (!f) {
        fprintf(stderr, "vkmmu: %s: cannot write: %s\n", *tmp, strerror(errno));
        free(*tmp);
        *tmp = NULL;
    }
    return f;
}

int sim_atomic_close(FILE *f, char *tmp, const char *path)
{
    int rc = 0;
    if (fflush(f) != 0 || ferror(f) || fsync(fileno(f)) != 0) {
        fprintf(stderr, "vkmmu: %s: write error: %s\n", tmp, strerror(errno));
        rc = -1;
    }
    if (fclose(f) != 0 && rc == 0) {
        fprintf(stderr, "vkmmu: %s: write error: %s\n", tmp, strerror(errno));
        rc = -1;
    }
    if (rc == 0 && rename(tmp, path) != 0) {
        fprintf(stderr, "vkmmu: %s: cannot rename to %s: %s\n", tmp, path, strerror(errno));
        rc = -1;
    }
    if (rc < 0)
        unlink(tmp);
    free(tmp);
    return rc;
}

/* ---- the JSON result file: a json-c tree (names: results_schema.h) in the layout of
 * sim_results_layout ---- */

/* Puts o and returns NULL when rc reports a failure; else returns o. */
static struct json_object *finish(struct json_object *o, int rc)
{
    if (rc) {
        json_object_put(o);
        return NULL;
    }
    return o;
}

/* Adds key: value to o; a NULL o or value is an allocation that failed.  Keys are the
 * schema's literals or mmu's name lists, which outlive every tree.  0, or -1 (value put). */
static int add(struct json_object *o, const char *key, struct json_object *value)
{
    if (!o || !value ||
        json_object_object_add_ex(o, key, value,
                                  JSON_C_OBJECT_ADD_KEY_IS_NEW | JSON_C_OBJECT_ADD_CONSTANT_KEY) < 0) {
        json_object_put(value);
        return -1;
    }
    return 0;
}

/* A number as its shortest exact text, or null when not finite. */
static int add_number(struct json_object *o, const char *key, double v)
{
    int failed = 0;
    struct json_object *n = sim_json_number(v, &failed);
    if (!o || failed ||
        json_object_object_add_ex(o, key, n,
                                  JSON_C_OBJECT_ADD_KEY_IS_NEW | JSON_C_OBJECT_ADD_CONSTANT_KEY) < 0) {
        json_object_put(n);
        return -1;
    }
    return 0;
}

static int add_string(struct json_object *o, const char *key, const char *s)
{
    return add(o, key, json_object_new_string(s));
}

static int append(struct json_object *array, struct json_object *value)
{
    if (!array || !value || json_object_array_add(array, value) < 0) {
        json_object_put(value);
        return -1;
    }
    return 0;
}

static struct json_object *costs_object(const struct mmu_costs *k)
{
    struct json_object *costs = json_object_new_object(), *values = json_object_new_object();
    int rc = 0;
    for (size_t i = 0; i < MMU_NCOSTS; i++)
        rc |= add_number(values, mmu_cost_names[i], k->v[i]);
    rc |= add_string(costs, SIM_KEY_COSTS_PROFILE, k->name);
    rc |= add_number(costs, SIM_KEY_COSTS_CLOCK_GHZ, k->clock_ghz);
    rc |= add(costs, SIM_KEY_COSTS_VALUES, values);
    return finish(costs, rc);
}

static struct json_object *meta_object(const struct sim_report *r)
{
    char name[160];
    struct json_object *meta = json_object_new_object(), *argv = json_object_new_array();
    int rc = 0;
    for (int i = 0; i < r->argc; i++)
        rc |= append(argv, json_object_new_string(r->argv[i]));
    rc |= add_string(meta, SIM_KEY_TOOL, SIM_RESULTS_TOOL);
    rc |= add_string(meta, SIM_KEY_VERSION, VKMMU_VERSION);
    rc |= add_string(meta, SIM_KEY_GIT_COMMIT, VKMMU_GIT_COMMIT);
    rc |= add(meta, SIM_KEY_COMMAND_LINE, argv);
    rc |= add(meta, SIM_KEY_COSTS, costs_object(r->costs));
    if (r->timeline) {
        const char *unit;
        const struct sim_tl_series *s = sim_timeline_series(r->timeline, &unit);
        rc |= add_string(meta, SIM_KEY_TIMELINE_UNIT, unit);
        rc |= add(meta, SIM_KEY_TIMELINE_INTERVAL, json_object_new_uint64(s->interval));
    }
    rc |= add_string(meta, SIM_KEY_BASELINE,
                     vk_config_name(vk_model_config(r->set->m[r->native_index]), name,
                                    sizeof(name)));
    return finish(meta, rc);
}

/* Adds every member of from to o (keys copied, values shared).  0 or -1. */
static int add_members(struct json_object *o, struct json_object *from)
{
    json_object_object_foreach(from, key, value)
    {
        struct json_object *v = json_object_get(value);
        if (json_object_object_add_ex(o, key, v, JSON_C_OBJECT_ADD_KEY_IS_NEW) < 0) {
            json_object_put(v);
            return -1;
        }
    }
    return 0;
}

/* The guest's processes: pid, parent, program, and how each ended. */
static struct json_object *processes_list(const struct sim_report *r)
{
    struct json_object *a = json_object_new_array();
    int rc = 0;
    for (size_t k = 0; k < r->nprocs; k++) {
        const struct emu_process *p = &r->procs[k];
        struct json_object *o = json_object_new_object();
        int orc = add(o, "pid", json_object_new_uint64(p->pid));
        orc |= add(o, "ppid", json_object_new_uint64(p->ppid));
        orc |= add_string(o, "program", p->program);
        orc |= add(o, "exited", json_object_new_boolean(p->exited));
        if (p->exited) {
            int sig = p->wait_status & 0x7f;
            orc |= add(o, sig ? "signal" : "exit_status",
                       json_object_new_int(sig ? sig : (p->wait_status >> 8) & 0xff));
        }
        rc |= append(a, finish(o, orc));
    }
    return finish(a, rc);
}

static struct json_object *workload_object(const struct sim_report *r)
{
    struct json_object *w = json_object_new_object();
    int rc = add_string(w, SIM_KEY_WORKLOAD_KIND, r->workload_kind ? r->workload_kind : "unknown");
    rc |= add_string(w, SIM_KEY_WORKLOAD_NAME, r->workload_name ? r->workload_name : "");
    rc |= add_string(w, SIM_KEY_WORKLOAD_ARCH, mmu_arch_name(r->set->arch));
    if (!rc && r->workload_extra)
        rc = add_members(w, r->workload_extra);
    if (!rc && r->nprocs > 1)
        rc = add(w, "processes", processes_list(r));
    return finish(w, rc);
}

static struct json_object *pair(uint64_t a, uint64_t b)
{
    struct json_object *o = json_object_new_array();
    int rc = append(o, json_object_new_uint64(a));
    rc |= append(o, json_object_new_uint64(b));
    return finish(o, rc);
}

static struct json_object *tlb_object(const struct mmu_tlb_cfg *t)
{
    struct json_object *o = json_object_new_object();
    int rc = add_string(o, SIM_KEY_TLB_NAME, t->name);
    rc |= add(o, SIM_KEY_TLB_ITLB, pair(t->itlb.entries, t->itlb.ways));
    rc |= add(o, SIM_KEY_TLB_DTLB, pair(t->dtlb.entries, t->dtlb.ways));
    rc |= add(o, SIM_KEY_TLB_STLB, pair(t->stlb.entries, t->stlb.ways));
    rc |= add(o, SIM_KEY_TLB_STLB_HIT_CYCLES, json_object_new_uint64(t->stlb_hit_cycles));
    rc |= add(o, SIM_KEY_TLB_WALK_REF_CYCLES, json_object_new_uint64(t->walk_ref_cycles));
    rc |= add(o, SIM_KEY_TLB_PWC_ENTRIES, json_object_new_uint64(t->pwc_entries));
    return finish(o, rc);
}

static struct json_object *options_object(const struct vk_options *opt)
{
    struct json_object *o = json_object_new_object();
    int rc = add(o, SIM_KEY_REAL_PREFAULT, json_object_new_uint64(opt->real_prefault));
    rc |= add(o, SIM_KEY_VK_MEM_PAGES, json_object_new_uint64(opt->vk_mem_pages));
    rc |= add_string(o, SIM_KEY_FILE_CACHE, opt->file_cache_cold ? "cold" : "warm");
    rc |= add_string(o, SIM_KEY_ZERO_PAGE, opt->no_zero_page ? "off" : "on");
    rc |= add(o, SIM_KEY_INVAL_EVERY_ENTER, json_object_new_boolean(opt->inval_every_enter));
    if (opt->tlb_on)
        rc |= add(o, SIM_KEY_TLB, tlb_object(&opt->tlb));
    return finish(o, rc);
}

static struct json_object *counters_object(const struct mmu_counters *c)
{
    struct json_object *o = json_object_new_object();
    int rc = 0;
    for (size_t k = 0; k < MMU_NCOUNTERS; k++)
        rc |= add(o, mmu_counter_names[k], json_object_new_uint64(c->c[k]));
    return finish(o, rc);
}

/* The model numbers a run's processes from 1 (model.md 11), the guest from GOS_PID_FIRST. */
static uint32_t model_pid(uint32_t guest_pid)
{
    return guest_pid - GOS_PID_FIRST + 1;
}

/* Per process: its pid and the counters its events added (cycles.* included). */
static struct json_object *processes_counters(const struct sim_report *r, size_t i)
{
    struct json_object *a = json_object_new_array();
    int rc = 0;
    for (size_t k = 0; k < r->nprocs; k++) {
        const struct mmu_counters *c = vk_process_counters(r->set->m[i], model_pid(r->procs[k].pid));
        if (!c)
            continue;
        struct json_object *o = json_object_new_object();
        int orc = add(o, "pid", json_object_new_uint64(r->procs[k].pid));
        orc |= add(o, SIM_KEY_COUNTERS, counters_object(c));
        rc |= append(a, finish(o, orc));
    }
    return finish(a, rc);
}

/* One result without its timeline. */
static struct json_object *result_object(const struct sim_report *r, size_t i)
{
    char name[160];
    const struct vk_config *cfg = vk_model_config(r->set->m[i]);
    struct json_object *o = json_object_new_object();
    int rc = add_string(o, SIM_KEY_CONFIG, vk_config_name(cfg, name, sizeof(name)));
    rc |= add_string(o, SIM_KEY_SCHEME, cfg->scheme->name);
    rc |= add_string(o, SIM_KEY_POLICY, cfg->policy.text);
    rc |= add_string(o, SIM_KEY_DIRTY, cfg->dirty->name);
    rc |= add(o, SIM_KEY_OPTIONS, options_object(&cfg->opt));
    rc |= add(o, SIM_KEY_COUNTERS, counters_object(vk_counters(r->set->m[i])));
    rc |= add_number(o, SIM_KEY_OVERHEAD, sim_overhead(r, i));
    if (r->nprocs > 1)
        rc |= add(o, "processes", processes_counters(r, i));
    return finish(o, rc);
}

/* A timeline is written point by point as it is serialized: a tree of every point of every
 * configuration would take several times the memory of the timeline itself. */
struct timeline_source {
    const struct sim_report *r;
    size_t model;
};

static struct json_object *point_object(const struct timeline_source *src, size_t p)
{
    const char *unit;
    const struct sim_tl_series *s = sim_timeline_series(src->r->timeline, &unit);
    struct json_object *o = json_object_new_object();
    int rc = add(o, SIM_KEY_TIMELINE_END, json_object_new_uint64(s->ends[p]));
    rc |= add(o, SIM_KEY_COUNTERS,
              counters_object(&s->c[p * src->r->set->n + src->model]));
    return finish(o, rc);
}

/* json-c's pretty array, each point in the layout of sim_json_write_point. */
static int write_timeline(struct json_object *o, struct printbuf *pb, int level, int flags)
{
    const struct timeline_source *src = json_object_get_userdata(o);
    const char *unit;
    const struct sim_tl_series *s = sim_timeline_series(src->r->timeline, &unit);
    if (s->n == 0)
        return printbuf_strappend(pb, "[]") < 0 ? -1 : 0;
    if (printbuf_strappend(pb, "[") < 0)
        return -1;
    for (size_t p = 0; p < s->n; p++) {
        struct json_object *point = point_object(src, p);
        int rc = point && printbuf_memappend(pb, ",\n" + !p, 2 - !p) >= 0 &&
                         printbuf_memset(pb, -1, ' ', 2 * (level + 1)) >= 0
                     ? sim_json_write_point(point, pb, level + 1, flags)
                     : -1;
        json_object_put(point);
        if (rc < 0)
            return -1;
    }
    return printbuf_strappend(pb, "\n") < 0 || printbuf_memset(pb, -1, ' ', 2 * level) < 0 ||
                   printbuf_strappend(pb, "]") < 0
               ? -1
               : 0;
}

static struct json_object *timeline_array(const struct sim_report *r, size_t model)
{
    struct json_object *a = json_object_new_array();
    struct timeline_source *src = malloc(sizeof *src);
    if (!a || !src) {
        json_object_put(a);
        free(src);
        return NULL;
    }
    *src = (struct timeline_source){r, model};
    json_object_set_serializer(a, write_timeline, src, json_object_free_userdata);
    return a;
}

/* The whole file's tree, laid out; NULL when out of memory. */
static struct json_object *results_tree(const struct sim_report *r)
{
    struct json_object *root = json_object_new_object(), *results = json_object_new_array();
    int rc = add(root, SIM_KEY_META, meta_object(r));
    rc |= add(root, SIM_KEY_WORKLOAD, workload_object(r));
    for (size_t i = 0; i < r->set->n; i++)
        if (!r->baseline_only[i])
            rc |= append(results, result_object(r, i));
    rc |= add(root, SIM_KEY_RESULTS, results);
    if (rc)
        return finish(root, rc);
    sim_results_layout(root);
    /* Added after the layout, which would take an empty array for an empty timeline. */
    for (size_t i = 0, j = 0; r->timeline && i < r->set->n; i++)
        if (!r->baseline_only[i])
            rc |= add(json_object_array_get_idx(results, j++), SIM_KEY_TIMELINE,
                      timeline_array(r, i));
    return finish(root, rc);
}

int sim_report_json(const struct sim_report *r, const char *path)
{
    size_t len = 0;
    struct json_object *root = results_tree(r);
    const char *text = root ? json_object_to_json_string_length(root, SIM_JSON_FLAGS, &len) : NULL;
    if (!text) {
        fprintf(stderr, "vkmmu: %s: out of memory\n", path);
        json_object_put(root);
        return -1;
    }
    char *tmp;
    FILE *f = sim_atomic_open(path, &tmp);
    if (f) {
        fwrite(text, 1, len, f);
        fputc('\n', f);
    }
    json_object_put(root);
    return f ? sim_atomic_close(f, tmp, path) : -1;
}

static int add_extra(struct sim_report *r, const char *key, struct json_object *value)
{
    if (!r->workload_extra)
        r->workload_extra = json_object_new_object();
    if (!r->workload_extra || !value || json_object_object_add(r->workload_extra, key, value) < 0) {
        json_object_put(value);
        return -1;
    }
    return 0;
}

int sim_report_extra_u64(struct sim_report *r, const char *key, uint64_t value)
{
    return add_extra(r, key, json_object_new_uint64(value));
}

int sim_report_extra_int(struct sim_report *r, const char *key, int64_t value)
{
    return add_extra(r, key, json_object_new_int64(value));
}

int sim_report_extra_bool(struct sim_report *r, const char *key, bool value)
{
    return add_extra(r, key, json_object_new_boolean(value));
}

int sim_report_extra_string(struct sim_report *r, const char *key, const char *value)
{
    return add_extra(r, key, json_object_new_string(value));
}

void sim_report_fini(struct sim_report *r)
{
    json_object_put(r->workload_extra);
    r->workload_extra = NULL;
}

int sim_report_csv(const struct sim_report *r, const char *path)
{
    char *tmp;
    FILE *f = sim_atomic_open(path, &tmp);
    if (!f)
        return -1;
    fputs("scheme,policy,dirty", f);
    for (size_t k = 0; k < MMU_NCOUNTERS; k++)
        fprintf(f, ",%s", mmu_counter_names[k]);
    fputs(",overhead\n", f);
    for (size_t i = 0; i < r->set->n; i++) {
        if (r->baseline_only[i])
            continue;
        const struct vk_config *cfg = vk_model_config(r->set->m[i]);
        const struct mmu_counters *c = vk_counters(r->set->m[i]);
        /* Names never hold commas or quotes (the lists are comma-separated). */
        fprintf(f, "%s,%s,%s", cfg->scheme->name, cfg->policy.text, cfg->dirty->name);
        for (size_t k = 0; k < MMU_NCOUNTERS; k++)
            fprintf(f, ",%" PRIu64, c->c[k]);
        double ov = sim_overhead(r, i);
        char buf[40] = "";
        if (isfinite(ov))
            sim_fmt_double(buf, sizeof(buf), ov);
        fprintf(f, ",%s\n", buf);
    }
    return sim_atomic_close(f, tmp, path);
}

int sim_report_timeline_csv(const struct sim_report *r, const char *path)
{
    char *tmp;
    FILE *f = sim_atomic_open(path, &tmp);
    if (!f)
        return -1;
    const char *unit;
    const struct sim_tl_series *s = sim_timeline_series(r->timeline, &unit);
    fputs("scheme,policy,dirty,unit,end", f);
    for (size_t k = 0; k < MMU_NCOUNTERS; k++)
        fprintf(f, ",%s", mmu_counter_names[k]);
    fputs("\n", f);
    for (size_t i = 0; i < r->set->n; i++) {
        if (r->baseline_only[i])
            continue;
        const struct vk_config *cfg = vk_model_config(r->set->m[i]);
        for (size_t p = 0; p < s->n; p++) {
            const struct mmu_counters *c = &s->c[p * r->set->n + i];
            fprintf(f, "%s,%s,%s,%s,%" PRIu64, cfg->scheme->name, cfg->policy.text,
                    cfg->dirty->name, unit, s->ends[p]);
            for (size_t k = 0; k < MMU_NCOUNTERS; k++)
                fprintf(f, ",%" PRIu64, c->c[k]);
            fputs("\n", f);
        }
    }
    return sim_atomic_close(f, tmp, path);
}

int sim_report_all(const struct sim_report *r, const struct sim_model_opts *o)
{
    if (sim_report_table(r, stdout) < 0) {
        fprintf(stderr, "vkmmu: cannot write the table: %s\n", strerror(errno));
        return -1;
    }
    if (o->json_path && sim_report_json(r, o->json_path) < 0)
        return -1;
    if (o->csv_path && sim_report_csv(r, o->csv_path) < 0)
        return -1;
    if (o->csv_path && r->timeline) {
        /* X.csv -> X.timeline.csv */
        size_t len = strlen(o->csv_path);
        size_t stem = len >= 4 && !strcmp(o->csv_path + len - 4, ".csv") ? len - 4 : len;
        char *tl = malloc(stem + sizeof ".timeline.csv");
        if (!tl)
            return -1;
        memcpy(tl, o->csv_path, stem);
        memcpy(tl + stem, ".timeline.csv", sizeof ".timeline.csv");
        int rc = sim_report_timeline_csv(r, tl);
        free(tl);
        if (rc < 0)
            return -1;
    }
    return 0;
}
