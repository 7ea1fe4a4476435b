/* tools/cmd_merge.c - `vkmmu merge DIR -o TABLE.csv`: the CSV of every cell of a sweep
 * (DIR/cells.tsv, DIR/cells/) in one table, rows sorted by cell id, so that the result is the
 * same bytes however the sweep was run.  See docs/sweeps.md. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"
#include "sweep_util.h"
#include "tools.h"

struct merge_cell {
    char *id, *rest; /* rest: "workload,costs,vk_mem,reflect_scale" */
};

static int merge_cell_compare(const void *a, const void *b)
{
    return strcmp(((const struct merge_cell *)a)->id, ((const struct merge_cell *)b)->id);
}

enum { MERGE_OUTPUT = 1, MERGE_ALLOW_MISSING, MERGE_HELP };

static const struct opt merge_options[] = {
    {NULL, 'o', "FILE", "the merged CSV (written atomically; - for standard output)", MERGE_OUTPUT},
    {"allow-missing", 0, NULL, "merge the complete cells when some are missing (default: fail)",
     MERGE_ALLOW_MISSING},
    {"help", 'h', NULL, "this text", MERGE_HELP},
    OPT_END,
};
/* Accepted, not in the help: --output FILE for -o FILE. */
static const struct opt merge_aliases[] = {
    {"output", 0, "FILE", NULL, MERGE_OUTPUT},
    OPT_END,
};
static const struct opt *const merge_help_tables[] = {merge_options, NULL};
static const struct opt *const merge_tables[] = {merge_options, merge_aliases, NULL};

static void merge_usage(FILE *out)
{
    fputs("usage: vkmmu merge DIR -o TABLE.csv [--allow-missing]\n"
          "Merges the CSV of every cell of the sweep in DIR (its cells.tsv) into one CSV with\n"
          "the leading columns workload, costs, vk_mem (bytes, 0 = unlimited), reflect_scale,\n"
          "cell; rows sorted by cell id, each cell's rows in its own order.  The result is the\n"
          "same bytes however the sweep was run (resumed, -j, parallel, Slurm).\n"
          "\n"
          "options:\n",
          out);
    opt_usage(merge_help_tables, out);
    fputs("\n"
          "exit status: 0 success, 1 cells missing or unreadable, 2 bad usage\n",
          out);
}

/* The command line of vkmmu merge. */
struct merge_args {
    const char *dir, *out;
    bool allow_missing;
};

static int merge_option(void *ctx, const struct opt *o, const char *v)
{
    struct merge_args *a = ctx;
    if (o->id == MERGE_OUTPUT && !v) {
        fprintf(stderr, "vkmmu merge: --%s: missing file name\n", o->name);
        return VKMMU_EXIT_USAGE;
    }
    if (o->id == MERGE_OUTPUT) {
        a->out = v;
    } else if (o->id == MERGE_ALLOW_MISSING) {
        a->allow_missing = true;
    } else {
        merge_usage(stdout);
        return OPT_EXIT_OK;
    }
    return 0;
}

/* Parses argv into *a; 0, or the exit status after printing the reason. */
static int merge_parse_args(int argc, char **argv, struct merge_args *a)
{
    int first;
    int st = opt_parse("merge", merge_tables, OPT_OPERANDS_MIXED, argc, argv, merge_option, a,
                       &first);
    if (st)
        return st == OPT_EXIT_OK ? VKMMU_EXIT_OK : st;
    if (argc - first > 1) {
        fprintf(stderr, "vkmmu merge: one DIR only ('%s' and '%s')\n", argv[first],
                argv[first + 1]);
        return VKMMU_EXIT_USAGE;
    }
    a->dir = first < argc ? argv[first] : NULL;
    if (!a->dir || !a->out || !*a->out) {
        fprintf(stderr, "vkmmu merge: expected DIR and -o FILE (see vkmmu merge --help)\n");
        return VKMMU_EXIT_USAGE;
    }
    return 0;
}

/* The cells of the manifest text man (read from mpath), sorted by id; *n their count.
 * VKMMU_EXIT_OK, or the exit status after printing the reason (*mc then holds the cells
 * read so far). */
static int read_manifest(char *man, const char *mpath, struct merge_cell **mc, size_t *n)
{
    unsigned lineno = 0;
    for (char *save = NULL, *l = strtok_r(man, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
        lineno++;
        if (lineno == 1) {
            if (strcmp(l, "cell\tworkload\tcosts\tvk_mem\treflect_scale")) {
                fprintf(stderr, "vkmmu merge: %s:1: unexpected header\n", mpath);
                return VKMMU_EXIT_USAGE;
            }
            continue;
        }
        char *tab = strchr(l, '\t');
        if (!tab) {
            fprintf(stderr, "vkmmu merge: %s:%u: expected 5 tab-separated fields\n", mpath,
                    lineno);
            return VKMMU_EXIT_USAGE;
        }
        *tab = '\0';
        *mc = sweep_realloc(*mc, (*n + 1) * sizeof(**mc));
        struct merge_cell *c = &(*mc)[(*n)++];
        c->id = sweep_strdup(l);
        c->rest = sweep_strdup(tab + 1);
        for (char *p = c->rest; *p; p++)
            if (*p == '\t')
                *p = ',';
    }
    qsort(*mc, *n, sizeof(**mc), merge_cell_compare);
    return VKMMU_EXIT_OK;
}

/* Refuses an -o that names cells.tsv or one of the cells' results (a merge into the sweep
 * directory's own files). */
static int merge_check_paths(const char *dir, const char *mpath, const struct merge_cell *mc,
                             size_t n, const char *out)
{
    struct sim_paths paths;
    sim_paths_init(&paths);
    sim_paths_add(&paths, "DIR/cells.tsv", mpath, SIM_PATH_IN);
    char **names = sweep_realloc(NULL, (2 * n + 1) * sizeof(*names));
    for (size_t i = 0; i < n; i++) {
        names[2 * i] = sweep_format("%s/cells/%s.csv", dir, mc[i].id);
        names[2 * i + 1] = sweep_format("%s/cells/%s.json", dir, mc[i].id);
        sim_paths_add(&paths, "the cell", names[2 * i], SIM_PATH_IN);
        sim_paths_add(&paths, "the cell", names[2 * i + 1], SIM_PATH_IN);
    }
    sim_paths_add(&paths, "-o", out, SIM_PATH_OUT_TMP);
    int rc = sim_paths_check(&paths, "merge");
    sim_paths_fini(&paths);
    for (size_t i = 0; i < 2 * n; i++)
        free(names[i]);
    free(names);
    return rc;
}

/* The merged table being built. */
struct merge_table {
    struct sweep_text text;
    char *header; /* the cells' CSV header, once one cell was read */
    size_t missing, merged;
};

/* Appends the rows of cell c to t (a missing cell is counted).  VKMMU_EXIT_OK, or the exit
 * status after printing the reason. */
static int merge_cell(const char *dir, const struct merge_cell *c, bool allow_missing,
                      struct merge_table *t)
{
    char *cpath = sweep_format("%s/cells/%s.csv", dir, c->id);
    char *jpath = sweep_format("%s/cells/%s.json", dir, c->id);
    size_t clen;
    char *csv = sweep_file_exists(jpath) ? sweep_read_file(cpath, &clen) : NULL;
    int status = VKMMU_EXIT_OK;
    free(jpath);
    char *nl = csv ? strchr(csv, '\n') : NULL;
    if (!csv) {
        t->missing++;
        if (!allow_missing || t->missing <= 5)
            fprintf(stderr, "vkmmu merge: cell %s: missing (%s)\n", c->id, cpath);
    } else if (!nl || csv[clen - 1] != '\n') {
        fprintf(stderr, "vkmmu merge: %s: not a vkmmu CSV (no header line)\n", cpath);
        status = VKMMU_EXIT_USAGE;
    } else {
        *nl = '\0';
        if (!t->header) {
            t->header = sweep_strdup(csv);
            sweep_text_add(&t->text, "workload,costs,vk_mem,reflect_scale,cell,%s\n", t->header);
        }
        if (strcmp(t->header, csv)) {
            fprintf(stderr, "vkmmu merge: %s: its columns differ from the other cells' (results "
                            "of another vkmmu version?)\n", cpath);
            status = VKMMU_EXIT_USAGE;
        } else {
            for (char *save = NULL, *row = strtok_r(nl + 1, "\n", &save); row;
                 row = strtok_r(NULL, "\n", &save))
                sweep_text_add(&t->text, "%s,%s,%s\n", c->rest, c->id, row);
            t->merged++;
        }
    }
    free(csv);
    free(cpath);
    return status;
}

/* Writes the merged table to out ("-": standard output).  The exit status. */
static int merge_write(const struct merge_table *t, const char *out)
{
    int status = VKMMU_EXIT_OK;
    if (!strcmp(out, "-")) {
        fputs(t->text.s, stdout);
        if (fflush(stdout) != 0)
            status = VKMMU_EXIT_FAILED;
    } else if (sweep_write_atomic(out, t->text.s) < 0) {
        status = VKMMU_EXIT_FAILED;
    }
    if (status == VKMMU_EXIT_OK)
        fprintf(stderr, "vkmmu merge: %zu cells%s into %s\n", t->merged,
                t->missing ? " (some missing: --allow-missing)" : "", out);
    return status;
}

/* Every cell merged into one table written to a->out.  The exit status. */
static int merge_cells(const struct merge_args *a, const struct merge_cell *mc, size_t n)
{
    struct merge_table t = {0};
    int status = VKMMU_EXIT_OK;
    for (size_t i = 0; i < n && status == VKMMU_EXIT_OK; i++)
        status = merge_cell(a->dir, &mc[i], a->allow_missing, &t);
    if (status == VKMMU_EXIT_OK && t.missing && !a->allow_missing) {
        fprintf(stderr, "vkmmu merge: %zu of %zu cells missing; finish the sweep (run it again) "
                        "or pass --allow-missing\n", t.missing, n);
        status = VKMMU_EXIT_USAGE;
    }
    if (status == VKMMU_EXIT_OK && !t.header) {
        fprintf(stderr, "vkmmu merge: %s: no complete cells\n", a->dir);
        status = VKMMU_EXIT_USAGE;
    }
    if (status == VKMMU_EXIT_OK)
        status = merge_write(&t, a->out);
    free(t.header);
    free(t.text.s);
    return status;
}

int cmd_merge(int argc, char **argv)
{
    struct merge_args a = {0};
    int status = merge_parse_args(argc, argv, &a);
    if (status || !a.dir) /* bad usage, or --help printed */
        return status;
    char *mpath = sweep_format("%s/cells.tsv", a.dir);
    char *man = sweep_read_file(mpath, NULL);
    if (!man) {
        fprintf(stderr, "vkmmu merge: %s: %s (not a sweep directory?)\n", mpath, strerror(errno));
        free(mpath);
        return VKMMU_EXIT_USAGE;
    }
    struct merge_cell *mc = NULL;
    size_t n = 0;
    status = read_manifest(man, mpath, &mc, &n);
    free(man);
    if (status == VKMMU_EXIT_OK)
        status = merge_check_paths(a.dir, mpath, mc, n, a.out);
    if (status == VKMMU_EXIT_OK)
        status = merge_cells(&a, mc, n);
    for (size_t i = 0; i < n; i++) {
        free(mc[i].id);
        free(mc[i].rest);
    }
    free(mc);
    free(mpath);
    return status;
}
