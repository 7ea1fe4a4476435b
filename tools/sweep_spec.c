/* tools/sweep_spec.c - the sweep spec parser (sweep_spec.h; format in docs/sweeps.md): a
 * line-oriented file of [workloads], [axes] and [options] sections.  Every error names the
 * spec and, where one line is at fault, its number. */
#include "sweep_spec.h"

#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SPEC_LINE_MAX 4096 /* bytes of one line, newline and NUL included */

/* The axis values as written, before they are resolved into the spec. */
struct written_axes {
    struct sweep_strings windows, mems, scales, costs;
};

static void written_axes_free(struct written_axes *a)
{
    sweep_strings_free(&a->windows);
    sweep_strings_free(&a->mems);
    sweep_strings_free(&a->scales);
    sweep_strings_free(&a->costs);
}

void sweep_spec_fini(struct sweep_spec *sp)
{
    free(sp->path);
    free(sp->dir);
    for (size_t i = 0; i < sp->nw; i++) {
        free(sp->w[i].name);
        sweep_strings_free(&sp->w[i].argv);
    }
    free(sp->w);
    sweep_strings_free(&sp->schemes);
    sweep_strings_free(&sp->policies);
    sweep_strings_free(&sp->dirties);
    for (size_t i = 0; i < sp->ncosts; i++) {
        free(sp->costs[i].label);
        free(sp->costs[i].value);
    }
    free(sp->costs);
    free(sp->mems);
    free(sp->scales);
    sweep_strings_free(&sp->args);
    sweep_strings_free(&sp->run_args);
}

char *sweep_spec_path(const struct sweep_spec *sp, const char *p)
{
    return p[0] == '/' ? sweep_strdup(p) : sweep_format("%s/%s", sp->dir, p);
}

/* Prints "vkmmu sweep: SPEC:LINE: MESSAGE"; returns -1. */
__attribute__((format(printf, 3, 4))) static int spec_error(const struct sweep_spec *sp,
                                                            unsigned lineno, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "vkmmu sweep: %s:%u: ", sp->path, lineno);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return -1;
}

/* Splits a value into words: whitespace separates, "double" or 'single' quotes group (no
 * escapes).  -1 on an unterminated quote. */
static int split_words(const char *s, struct sweep_strings *out)
{
    while (*s) {
        while (*s == ' ' || *s == '\t')
            s++;
        if (!*s)
            break;
        char *w = sweep_malloc(strlen(s) + 1);
        size_t n = 0;
        while (*s && *s != ' ' && *s != '\t') {
            if (*s == '"' || *s == '\'') {
                char q = *s++;
                while (*s && *s != q)
                    w[n++] = *s++;
                if (*s != q) {
                    free(w);
                    return -1;
                }
                s++;
            } else {
                w[n++] = *s++;
            }
        }
        w[n] = '\0';
        sweep_strings_push(out, w);
        free(w);
    }
    return 0;
}

/* Axis values: separated by commas and/or whitespace. */
static void split_list(const char *s, struct sweep_strings *out)
{
    char *copy = sweep_strdup(s), *save = NULL;
    for (char *t = strtok_r(copy, ", \t", &save); t; t = strtok_r(NULL, ", \t", &save))
        sweep_strings_push(out, t);
    free(copy);
}

static bool name_char(char c)
{
    return ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') || ('0' <= c && c <= '9') ||
           c == '_' || c == '-';
}

static bool good_name(const char *s)
{
    if (!*s || strlen(s) > 64)
        return false;
    for (; *s; s++)
        if (!name_char(*s))
            return false;
    return true;
}

/* The label of a costs file: its name without directory and extension, other characters
 * than [A-Za-z0-9_-] replaced by '-'. */
static char *costs_label(const char *value)
{
    const char *base = strrchr(value, '/');
    base = base ? base + 1 : value;
    char *l = sweep_strdup(base);
    char *dot = strchr(l, '.');
    if (dot && dot != l)
        *dot = '\0';
    for (char *p = l; *p; p++)
        if (!name_char(*p))
            *p = '-';
    return l;
}

/* ---- one line of each section ---- */

/* A workload entry of the trace or program kind: NAME PATH [ARGS...], the NAME new and the
 * PATH readable. */
static int add_workload(struct sweep_spec *sp, unsigned lineno, const char *key, const char *val,
                        struct sweep_strings *words)
{
    if (strcmp(key, "trace") && strcmp(key, "program"))
        return spec_error(sp, lineno, "unknown workload kind '%s' (expected trace or program)",
                          key);
    if (split_words(val, words) < 0)
        return spec_error(sp, lineno, "unterminated quote");
    bool prog = !strcmp(key, "program");
    if (words->n < 2 || (!prog && words->n != 2))
        return spec_error(sp, lineno, "%s",
                          prog ? "expected 'program = NAME PATH [ARGS...]'"
                               : "expected 'trace = NAME PATH'");
    if (!good_name(words->v[0]))
        return spec_error(sp, lineno, "bad workload name (expected 1 to 64 of A-Z a-z 0-9 _ -)");
    for (size_t i = 0; i < sp->nw; i++)
        if (!strcmp(sp->w[i].name, words->v[0]))
            return spec_error(sp, lineno, "workload name '%s' already used on line %u",
                              sp->w[i].name, sp->w[i].line);
    char *p = sweep_spec_path(sp, words->v[1]);
    int e = access(p, R_OK) == 0 ? 0 : errno;
    free(p);
    if (e)
        return spec_error(sp, lineno, "%s: %s: %s", words->v[0], words->v[1], strerror(e));
    sp->w = sweep_realloc(sp->w, (sp->nw + 1) * sizeof(*sp->w));
    struct sweep_workload *w = &sp->w[sp->nw++];
    memset(w, 0, sizeof(*w));
    w->name = sweep_strdup(words->v[0]);
    w->program = prog;
    w->line = lineno;
    for (size_t i = 1; i < words->n; i++)
        sweep_strings_push(&w->argv, words->v[i]);
    return 0;
}

static int workload_line(struct sweep_spec *sp, unsigned lineno, const char *key, const char *val)
{
    struct sweep_strings words = {0};
    int rc = add_workload(sp, lineno, key, val, &words);
    sweep_strings_free(&words);
    return rc;
}

/* Where the values of axis key go, or NULL for an unknown axis. */
static struct sweep_strings *axis_list(struct sweep_spec *sp, struct written_axes *written,
                                       const char *key)
{
    if (!strcmp(key, "scheme"))
        return &sp->schemes;
    if (!strcmp(key, "policy"))
        return &sp->policies;
    if (!strcmp(key, "window"))
        return &written->windows;
    if (!strcmp(key, "dirty"))
        return &sp->dirties;
    if (!strcmp(key, "costs"))
        return &written->costs;
    if (!strcmp(key, "vk-mem"))
        return &written->mems;
    if (!strcmp(key, "reflect-scale"))
        return &written->scales;
    return NULL;
}

/* Checks one value v of the known axis key: err receives what is wrong, or "". */
static void axis_value_check(const char *key, const char *v, char *err, size_t len)
{
    err[0] = 0;
    if (!strcmp(key, "scheme")) {
        if (!vk_scheme_find(v))
            snprintf(err, len, "unknown scheme '%s'", v);
    } else if (!strcmp(key, "policy")) {
        struct vk_policy_spec ps;
        vk_policy_parse(v, &ps, err, len);
    } else if (!strcmp(key, "window")) {
        if (strspn(v, "0123456789") != strlen(v) || strtoul(v, NULL, 10) == 0 || strlen(v) > 6)
            snprintf(err, len, "bad window size '%s' (expected pages, e.g. 16)", v);
    } else if (!strcmp(key, "dirty")) {
        if (!vk_dirty_find(v))
            snprintf(err, len, "unknown dirty strategy '%s'", v);
    } else if (!strcmp(key, "vk-mem")) {
        uint64_t b;
        if (strcmp(v, "unlimited") && (vk_parse_size(v, &b) < 0 || b < MMU_PAGE_SIZE))
            snprintf(err, len,
                     "bad vk-mem '%s' (expected unlimited or a size of at least one page, such "
                     "as 64M)", v);
    } else if (!strcmp(key, "reflect-scale")) {
        char *end;
        errno = 0;
        double x = strtod(v, &end);
        if (!mmu_plain_decimal(v) || errno == ERANGE || !isfinite(x))
            snprintf(err, len,
                     "bad reflect-scale '%s' (expected a non-negative decimal number such as 0.5 "
                     "or 2)", v);
    } /* costs: checked when resolved, after the whole spec is read */
}

static int add_axis_values(struct sweep_spec *sp, unsigned lineno, struct written_axes *written,
                           const char *key, const struct sweep_strings *vals)
{
    if (!vals->n)
        return spec_error(sp, lineno, "'%s' has no values", key);
    struct sweep_strings *dst = axis_list(sp, written, key);
    if (!dst)
        return spec_error(sp, lineno,
                          "unknown axis '%s' (expected scheme, policy, window, dirty, costs, "
                          "vk-mem or reflect-scale)", key);
    char err[SPEC_LINE_MAX + 512]; /* quotes one value of the line */
    for (size_t i = 0; i < vals->n; i++) {
        const char *v = vals->v[i];
        axis_value_check(key, v, err, sizeof err);
        if (err[0])
            return spec_error(sp, lineno, "%s (see `vkmmu list`)", err);
        if (sweep_strings_has(dst, v))
            return spec_error(sp, lineno, "%s '%s' listed twice", key, v);
        sweep_strings_push(dst, v);
    }
    return 0;
}

static int axis_line(struct sweep_spec *sp, unsigned lineno, struct written_axes *written,
                     const char *key, const char *val)
{
    struct sweep_strings vals = {0};
    split_list(val, &vals);
    int rc = add_axis_values(sp, lineno, written, key, &vals);
    sweep_strings_free(&vals);
    return rc;
}

static int options_line(struct sweep_spec *sp, unsigned lineno, const char *key, const char *val)
{
    struct sweep_strings *dst;
    if (!strcmp(key, "args"))
        dst = &sp->args;
    else if (!strcmp(key, "run-args"))
        dst = &sp->run_args;
    else
        return spec_error(sp, lineno, "unknown option '%s' (expected args or run-args)", key);
    if (split_words(val, dst) < 0)
        return spec_error(sp, lineno, "unterminated quote");
    return 0;
}

/* ---- the file ---- */

/* Strips the comment and the surrounding blanks of line in place; returns its start. */
static char *line_content(char *line)
{
    char *hash = strchr(line, '#');
    if (hash)
        *hash = '\0';
    char *s = line;
    while (*s == ' ' || *s == '\t')
        s++;
    char *e = s + strlen(s);
    while (e > s && (e[-1] == '\n' || e[-1] == '\r' || e[-1] == ' ' || e[-1] == '\t'))
        *--e = '\0';
    return s;
}

/* A "[section]" line (s starts with '['): section receives its name. */
static int section_line(struct sweep_spec *sp, unsigned lineno, char *s, char section[32])
{
    char *e = s + strlen(s);
    if (e[-1] != ']')
        return spec_error(sp, lineno, "expected a section such as [workloads], found '%s'", s);
    e[-1] = '\0';
    if (strcmp(s + 1, "workloads") && strcmp(s + 1, "axes") && strcmp(s + 1, "options"))
        return spec_error(sp, lineno,
                          "unknown section [%s] (expected [workloads], [axes] or [options])", s + 1);
    snprintf(section, 32, "%s", s + 1);
    return 0;
}

/* A "key = value" line of section. */
static int entry_line(struct sweep_spec *sp, unsigned lineno, char *s, const char *section,
                      struct written_axes *written)
{
    char *eq = strchr(s, '=');
    if (!eq)
        return spec_error(sp, lineno, "expected 'key = value', found '%s'", s);
    char *key = s, *val = eq + 1;
    *eq = '\0';
    for (char *k = eq; k > key && (k[-1] == ' ' || k[-1] == '\t'); k--)
        k[-1] = '\0';
    while (*val == ' ' || *val == '\t')
        val++;
    if (!*section)
        return spec_error(sp, lineno,
                          "'%s' before any section (expected [workloads], [axes] or [options])", key);
    if (!strcmp(section, "workloads"))
        return workload_line(sp, lineno, key, val);
    if (!strcmp(section, "axes"))
        return axis_line(sp, lineno, written, key, val);
    return options_line(sp, lineno, key, val);
}

/* Reads every line of f into sp and written. */
static int read_lines(struct sweep_spec *sp, FILE *f, struct written_axes *written)
{
    char line[SPEC_LINE_MAX];
    char section[32] = "";
    unsigned lineno = 0;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        if (!strchr(line, '\n') && !feof(f))
            return spec_error(sp, lineno, "line too long (at most %zu characters)",
                              sizeof line - 2);
        char *s = line_content(line);
        int rc = !*s ? 0
                 : *s == '[' ? section_line(sp, lineno, s, section)
                             : entry_line(sp, lineno, s, section, written);
        if (rc < 0)
            return -1;
    }
    if (ferror(f)) {
        fprintf(stderr, "vkmmu sweep: %s: read error: %s\n", sp->path, strerror(errno));
        return -1;
    }
    return 0;
}

/* ---- the whole spec ---- */

/* The options every invocation gets are model options the sweep does not set itself. */
static int check_args(const struct sweep_spec *sp)
{
    static const char *const owned[] = {"--scheme", "--policy", "--dirty", "--costs", "--vk-mem",
                                        "--json", "--csv", NULL};
    struct sim_model_opts mo;
    char err[SIM_ERR_MAX];
    sim_model_opts_init(&mo, err, sizeof err);
    for (int i = 0; i < (int)sp->args.n; i++) {
        const char *a = sp->args.v[i];
        for (size_t k = 0; owned[k]; k++) {
            size_t n = strlen(owned[k]);
            if (!strncmp(a, owned[k], n) && (a[n] == '\0' || a[n] == '=')) {
                fprintf(stderr, "vkmmu sweep: %s: args: %s is set by the sweep (use the [axes] "
                                "section)\n", sp->path, owned[k]);
                return -1;
            }
        }
        int rc = sim_model_opt(&mo, (int)sp->args.n, sp->args.v, &i, err, sizeof err);
        if (rc <= 0) {
            fprintf(stderr, "vkmmu sweep: %s: args: %s\n", sp->path,
                    rc < 0 ? err : "not a model option (see `vkmmu replay --help`)");
            if (rc == 0)
                fprintf(stderr, "  (the option was '%s')\n", a);
            return -1;
        }
    }
    return 0;
}

/* The model axes' defaults; window:N policies after the policies named. */
static void resolve_model_axes(struct sweep_spec *sp, const struct written_axes *written)
{
    if (!sp->schemes.n)
        sweep_strings_push(&sp->schemes, "vpt-1.10");
    for (size_t i = 0; i < written->windows.n; i++) {
        char *p = sweep_format("window:%s", written->windows.v[i]);
        if (!sweep_strings_has(&sp->policies, p))
            sweep_strings_push(&sp->policies, p);
        free(p);
    }
    if (!sp->policies.n)
        sweep_strings_push(&sp->policies, "none");
    if (!sp->dirties.n)
        sweep_strings_push(&sp->dirties, "strict");
}

/* Every costs value (a profile name, else a spec-relative file) read, with distinct labels. */
static int resolve_costs(struct sweep_spec *sp, struct sweep_strings *costs)
{
    if (!costs->n)
        sweep_strings_push(costs, "modern");
    sp->costs = sweep_malloc(costs->n * sizeof(*sp->costs));
    for (size_t i = 0; i < costs->n; i++) {
        struct sweep_costs *c = &sp->costs[sp->ncosts];
        char err[MMU_COSTS_ERR_MAX];
        bool named = mmu_cost_profile_find(costs->v[i]) != NULL;
        char *p = named ? sweep_strdup(costs->v[i]) : sweep_spec_path(sp, costs->v[i]);
        int rc = mmu_costs_resolve(&c->c, p, err, sizeof err);
        free(p);
        if (rc < 0) {
            fprintf(stderr, "vkmmu sweep: %s: costs: %s\n", sp->path, err);
            return -1;
        }
        c->value = sweep_strdup(costs->v[i]);
        c->label = named ? sweep_strdup(costs->v[i]) : costs_label(costs->v[i]);
        sp->ncosts++;
        for (size_t k = 0; k + 1 < sp->ncosts; k++)
            if (!strcmp(sp->costs[k].label, c->label)) {
                fprintf(stderr, "vkmmu sweep: %s: costs '%s' and '%s' have the same label '%s' "
                                "(rename one file)\n", sp->path, sp->costs[k].value, c->value,
                        c->label);
                return -1;
            }
    }
    return 0;
}

/* Every vk-mem value in bytes (0 = unlimited), rounded down to pages as --vk-mem does. */
static int resolve_mems(struct sweep_spec *sp, struct sweep_strings *mems)
{
    if (!mems->n)
        sweep_strings_push(mems, "unlimited");
    sp->mems = sweep_malloc(mems->n * sizeof(*sp->mems));
    for (size_t i = 0; i < mems->n; i++) {
        uint64_t b = 0;
        if (strcmp(mems->v[i], "unlimited"))
            vk_parse_size(mems->v[i], &b);
        b -= b % MMU_PAGE_SIZE; /* what --vk-mem keeps */
        for (size_t k = 0; k < sp->nmems; k++)
            if (sp->mems[k] == b) {
                fprintf(stderr, "vkmmu sweep: %s: vk-mem '%s' is the same size as an earlier "
                                "value\n", sp->path, mems->v[i]);
                return -1;
            }
        sp->mems[sp->nmems++] = b;
    }
    return 0;
}

/* Every reflect-scale value, each keeping every profile's reflect within MMU_COST_MAX. */
static int resolve_scales(struct sweep_spec *sp, struct sweep_strings *scales)
{
    if (!scales->n)
        sweep_strings_push(scales, "1");
    sp->scales = sweep_malloc(scales->n * sizeof(*sp->scales));
    for (size_t i = 0; i < scales->n; i++) {
        double x = strtod(scales->v[i], NULL);
        for (size_t k = 0; k < sp->nscales; k++)
            if (sp->scales[k] == x) {
                fprintf(stderr, "vkmmu sweep: %s: reflect-scale '%s' is listed twice\n",
                        sp->path, scales->v[i]);
                return -1;
            }
        sp->scales[sp->nscales++] = x;
        for (size_t k = 0; k < sp->ncosts; k++)
            if (!(sp->costs[k].c.v[MMU_COST_reflect] * x <= MMU_COST_MAX)) {
                fprintf(stderr, "vkmmu sweep: %s: reflect-scale '%s' makes reflect of costs '%s' "
                                "%g cycles (expected at most 1e12 cycles per event)\n",
                        sp->path, scales->v[i], sp->costs[k].value,
                        sp->costs[k].c.v[MMU_COST_reflect] * x);
                return -1;
            }
    }
    return 0;
}

/* The spec as read turned into the sweep: checks across lines, defaults, resolved values. */
static int resolve(struct sweep_spec *sp, struct written_axes *written)
{
    if (!sp->nw) {
        fprintf(stderr, "vkmmu sweep: %s: no workloads (expected a [workloads] section with "
                        "trace = NAME PATH or program = NAME PATH ARGS...)\n", sp->path);
        return -1;
    }
    if (check_args(sp) < 0)
        return -1;
    resolve_model_axes(sp, written);
    if (resolve_costs(sp, &written->costs) < 0 || resolve_mems(sp, &written->mems) < 0 ||
        resolve_scales(sp, &written->scales) < 0)
        return -1;
    return 0;
}

int sweep_spec_parse(struct sweep_spec *sp, const char *path)
{
    memset(sp, 0, sizeof(*sp));
    char rp[PATH_MAX];
    if (!realpath(path, rp)) {
        fprintf(stderr, "vkmmu sweep: %s: cannot open the spec: %s\n", path, strerror(errno));
        return -1;
    }
    sp->path = sweep_strdup(rp);
    char *d = sweep_strdup(rp);
    sp->dir = sweep_strdup(dirname(d));
    free(d);
    FILE *f = fopen(sp->path, "r");
    if (!f) {
        fprintf(stderr, "vkmmu sweep: %s: cannot open the spec: %s\n", path, strerror(errno));
        sweep_spec_fini(sp);
        return -1;
    }
    struct written_axes written = {0};
    int rc = read_lines(sp, f, &written);
    if (rc == 0)
        rc = resolve(sp, &written);
    written_axes_free(&written);
    fclose(f);
    if (rc < 0)
        sweep_spec_fini(sp);
    return rc;
}
