/* sim/report.c - results of a set of configurations: a table for people, JSON for one run,
 * CSV for sweeps.  Counter and cost names come from the lists in mmu.h, so a new counter
 * appears everywhere at once.  Output is deterministic: no timing, no host-dependent text. */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sim.h"

double sim_overhead(const struct sim_report *r, size_t i)
{
    uint64_t base = MMU_CTR(vk_counters(r->set->m[r->native_index]), cycles_total);
    uint64_t mine = MMU_CTR(vk_counters(r->set->m[i]), cycles_total);
    if (base == 0)
        return mine == 0 ? 0.0 : NAN;
    return (double)mine / (double)base - 1.0;
}

void sim_json_string(FILE *f, const char *s)
{
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '"': fputs("\\\"", f); break;
        case '\\': fputs("\\\\", f); break;
        case '\n': fputs("\\n", f); break;
        case '\r': fputs("\\r", f); break;
        case '\t': fputs("\\t", f); break;
        case '\b': fputs("\\b", f); break;
        case '\f': fputs("\\f", f); break;
        default:
            /* Bytes >= 0x80 pass through: UTF-8 stays UTF-8 (a file name in another encoding
             * is the one case that is not valid JSON text; it cannot be recovered anyway). */
            if (*p < 0x20 || *p == 0x7f)
                fprintf(f, "\\u%04x", *p);
            else
                fputc(*p, f);
        }
    }
    fputc('"', f);
}

void sim_fmt_double(char *buf, size_t len, double v)
{
    if (v == floor(v) && fabs(v) < 9007199254740992.0) {
        snprintf(buf, len, "%.0f", v);
        return;
    }
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(buf, len, "%.*g", prec, v);
        if (strtod(buf, NULL) == v)
            return;
    }
}

void sim_json_double(FILE *f, double v)
{
    char buf[40];
    if (!isfinite(v)) {
        fputs("null", f);
        return;
    }
    sim_fmt_double(buf, sizeof(buf), v);
    fputs(buf, f);
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

static void json_counters(FILE *f, const struct mmu_counters *c)
{
    fputs("{", f);
    for (size_t k = 0; k < MMU_NCOUNTERS; k++) {
        fputs(k ? ",\n        " : "\n        ", f);
        sim_json_string(f, mmu_counter_names[k]);
        fprintf(f, ": %" PRIu64, c->c[k]);
    }
    fputs("\n      }", f);
}

int sim_report_json(const struct sim_report *r, const char *path)
{
    char *tmp;
    FILE *f = sim_atomic_open(path, &tmp);
    if (!f)
        return -1;
    char name[160];

    fputs("{\n  \"meta\": {\n    \"tool\": \"vkmmu\",\n    \"version\": ", f);
    sim_json_string(f, VKMMU_VERSION);
    fputs(",\n    \"git_commit\": ", f);
    sim_json_string(f, VKMMU_GIT_COMMIT);
    fputs(",\n    \"command_line\": [", f);
    for (int i = 0; i < r->argc; i++) {
        if (i)
            fputs(", ", f);
        sim_json_string(f, r->argv[i]);
    }
    fputs("],\n    \"costs\": {\n      \"profile\": ", f);
    sim_json_string(f, r->costs->name);
    fputs(",\n      \"clock_ghz\": ", f);
    sim_json_double(f, r->costs->clock_ghz);
    fputs(",\n      \"values\": {", f);
    for (size_t k = 0; k < MMU_NCOSTS; k++) {
        fputs(k ? ",\n        " : "\n        ", f);
        sim_json_string(f, mmu_cost_names[k]);
        fputs(": ", f);
        sim_json_double(f, r->costs->v[k]);
    }
    fputs("\n      }\n    },\n", f);
    if (r->timeline) {
        const char *unit;
        const struct sim_tl_series *s = sim_timeline_series(r->timeline, &unit);
        fputs("    \"timeline_unit\": ", f);
        sim_json_string(f, unit);
        fprintf(f, ",\n    \"timeline_interval\": %" PRIu64 ",\n", s->interval);
    }
    fputs("    \"baseline\": ", f);
    sim_json_string(f, vk_config_name(vk_model_config(r->set->m[r->native_index]), name,
                                      sizeof(name)));
    fputs("\n  },\n  \"workload\": {\n    \"kind\": ", f);
    sim_json_string(f, r->workload_kind ? r->workload_kind : "unknown");
    fputs(",\n    \"name\": ", f);
    sim_json_string(f, r->workload_name ? r->workload_name : "");
    fputs(",\n    \"arch\": ", f);
    sim_json_string(f, mmu_arch_name(r->set->arch));
    if (r->workload_extra_json && *r->workload_extra_json)
        fprintf(f, ",\n    %s", r->workload_extra_json);
    fputs("\n  },\n  \"results\": [", f);

    bool first = true;
    for (size_t i = 0; i < r->set->n; i++) {
        if (r->baseline_only[i])
            continue;
        const struct vk_config *cfg = vk_model_config(r->set->m[i]);
        fputs(first ? "\n    {\n      \"config\": " : ",\n    {\n      \"config\": ", f);
        first = false;
        sim_json_string(f, vk_config_name(cfg, name, sizeof(name)));
        fputs(",\n      \"scheme\": ", f);
        sim_json_string(f, cfg->scheme->name);
        fputs(",\n      \"policy\": ", f);
        sim_json_string(f, cfg->policy.text);
        fputs(",\n      \"dirty\": ", f);
        sim_json_string(f, cfg->dirty->name);
        fprintf(f,
                ",\n      \"options\": {\"real_prefault\": %u, \"vk_mem_pages\": %" PRIu64
                ", \"file_cache\": \"%s\", \"inval_every_enter\": %s",
                cfg->opt.real_prefault, cfg->opt.vk_mem_pages,
                cfg->opt.file_cache_cold ? "cold" : "warm",
                cfg->opt.inval_every_enter ? "true" : "false");
        if (cfg->opt.tlb_on) {
            const struct mmu_tlb_cfg *t = &cfg->opt.tlb;
            fputs(", \"tlb\": {\"name\": ", f);
            sim_json_string(f, t->name);
            fprintf(f,
                    ", \"itlb\": [%u, %u], \"dtlb\": [%u, %u], \"stlb\": [%u, %u], "
                    "\"stlb_hit_cycles\": %u, \"walk_ref_cycles\": %u, \"pwc_entries\": %u}",
                    t->itlb.entries, t->itlb.ways, t->dtlb.entries, t->dtlb.ways, t->stlb.entries,
                    t->stlb.ways, t->stlb_hit_cycles, t->walk_ref_cycles, t->pwc_entries);
        }
        fputs("},\n      \"counters\": ", f);
        json_counters(f, vk_counters(r->set->m[i]));
        fputs(",\n      \"overhead\": ", f);
        sim_json_double(f, sim_overhead(r, i));
        if (r->timeline) {
            const char *unit;
            const struct sim_tl_series *s = sim_timeline_series(r->timeline, &unit);
            fputs(",\n      \"timeline\": [", f);
            for (size_t p = 0; p < s->n; p++) {
                fprintf(f, "%s\n        {\"end\": %" PRIu64 ", \"counters\": ", p ? "," : "",
                        s->ends[p]);
                json_counters(f, &s->c[p * r->set->n + i]);
                fputs("}", f);
            }
            fputs(s->n ? "\n      ]" : "]", f);
        }
        fputs("\n    }", f);
    }
    fputs(first ? "]\n}\n" : "\n  ]\n}\n", f);
    return sim_atomic_close(f, tmp, path);
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
