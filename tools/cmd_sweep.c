/* tools/cmd_sweep.c - `vkmmu sweep SPEC`: workloads x configurations from a spec file, one
 * result pair (JSON + CSV) per cell, resumable, locally with -j N or emitted as a GNU
 * parallel job list or a Slurm job array; and `vkmmu merge DIR`: every cell's CSV in one.
 *
 * A cell is one workload x one value of every axis that needs its own invocation (cost
 * profile, --vk-mem, reflection cost scale).  The model axes (scheme x policy x dirty) go
 * into the cell's single `vkmmu replay` / `vkmmu run`, which evaluates them in one pass.
 * The spec format and the directory layout are documented in docs/sweeps.md.
 *
 * Crash safety: a cell's child writes DIR/tmp/ID.{json,csv} (each itself written atomically
 * by the report code); only after the child succeeded are they renamed into DIR/cells/, the
 * CSV last, so DIR/cells/ID.csv exists only when the cell is complete.  Cells whose CSV and
 * JSON both exist are skipped.  A lock file per cell (fcntl, works on NFS with lockd) keeps
 * two runners from working on one cell at once. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sim.h"
#include "tools.h"

/* ---- small helpers ---- */

static void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p) {
        fputs("vkmmu: out of memory\n", stderr);
        exit(VKMMU_EXIT_FAILED);
    }
    return p;
}

static void *xrealloc(void *p, size_t n)
{
    p = realloc(p, n ? n : 1);
    if (!p) {
        fputs("vkmmu: out of memory\n", stderr);
        exit(VKMMU_EXIT_FAILED);
    }
    return p;
}

static char *xstrdup(const char *s)
{
    size_t n = strlen(s) + 1;
    return memcpy(xmalloc(n), s, n);
}

__attribute__((format(printf, 1, 2))) static char *xfmt(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = NULL;
    int n = vasprintf(&s, fmt, ap);
    va_end(ap);
    if (n < 0) {
        fputs("vkmmu: out of memory\n", stderr);
        exit(VKMMU_EXIT_FAILED);
    }
    return s;
}

/* A growable text buffer: sb_add appends printf-style. */
struct sbuf {
    char *s;
    size_t len, cap;
};

__attribute__((format(printf, 2, 3))) static void sb_add(struct sbuf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if (b->len + (size_t)n + 1 > b->cap) {
        b->cap = (b->len + (size_t)n + 1) * 2;
        b->s = xrealloc(b->s, b->cap);
    }
    va_start(ap, fmt);
    vsnprintf(b->s + b->len, b->cap - b->len, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

/* A growable array of strings (argument vectors, lists). */
struct strv {
    char **v;
    size_t n, cap;
};

static void strv_push(struct strv *a, const char *s)
{
    if (a->n + 2 > a->cap) {
        a->cap = a->cap ? a->cap * 2 : 16;
        a->v = xrealloc(a->v, a->cap * sizeof(*a->v));
    }
    a->v[a->n++] = xstrdup(s);
    a->v[a->n] = NULL;
}

static void strv_free(struct strv *a)
{
    for (size_t i = 0; i < a->n; i++)
        free(a->v[i]);
    free(a->v);
    memset(a, 0, sizeof(*a));
}

static bool strv_has(const struct strv *a, const char *s)
{
    for (size_t i = 0; i < a->n; i++)
        if (!strcmp(a->v[i], s))
            return true;
    return false;
}

/* Joins with commas (the model options' list syntax). */
static char *strv_join(const struct strv *a)
{
    size_t len = 1;
    for (size_t i = 0; i < a->n; i++)
        len += strlen(a->v[i]) + 1;
    char *s = xmalloc(len), *p = s;
    *p = '\0';
    for (size_t i = 0; i < a->n; i++)
        p += sprintf(p, "%s%s", i ? "," : "", a->v[i]);
    return s;
}

/* 64-bit FNV-1a: the hash part of a cell id (stable across hosts and builds). */
static uint64_t fnv1a(uint64_t h, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        h ^= *p;
        h *= 0x100000001b3ull;
    }
    h ^= 0xff; /* field separator: ("ab","c") and ("a","bc") differ */
    h *= 0x100000001b3ull;
    return h;
}

static bool file_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static int mkdir_p(const char *path)
{
    char *p = xstrdup(path);
    for (char *s = p + 1; *s; s++) {
        if (*s != '/')
            continue;
        *s = '\0';
        if (mkdir(p, 0777) != 0 && errno != EEXIST) {
            free(p);
            return -1;
        }
        *s = '/';
    }
    int rc = mkdir(p, 0777) != 0 && errno != EEXIST ? -1 : 0;
    free(p);
    return rc;
}

/* Writes text to path atomically: concurrent writers of the same content (parallel jobs
 * writing a derived costs file) cannot see a half file. */
static int write_atomic(const char *path, const char *text)
{
    char *tmp;
    FILE *f = sim_atomic_open(path, &tmp);
    if (!f)
        return -1;
    fputs(text, f);
    return sim_atomic_close(f, tmp, path);
}

/* Whether a result file is marked partial (vkmmu wrote it after an interruption or a
 * timeout: `"partial": true`). */
static bool json_partial(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return false;
    /* the mark sits in the workload object, before "results" */
    static char buf[1 << 16];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    char *res = strstr(buf, "\"results\"");
    if (res)
        *res = 0;
    return strstr(buf, "\"partial\": true") != NULL;
}

/* Shell single-quoting for the emitted job lists. */
static char *shq(const char *s)
{
    size_t n = 3;
    for (const char *p = s; *p; p++)
        n += *p == '\'' ? 4 : 1;
    char *q = xmalloc(n), *o = q;
    *o++ = '\'';
    for (const char *p = s; *p; p++) {
        if (*p == '\'') {
            memcpy(o, "'\\''", 4);
            o += 4;
        } else {
            *o++ = *p;
        }
    }
    *o++ = '\'';
    *o = '\0';
    return q;
}

/* ---- the spec ---- */

struct sw_workload {
    char *name;
    bool program;     /* program = NAME PATH ARGS... (vkmmu run), else trace = NAME PATH */
    struct strv argv; /* PATH then ARGS, as written (relative to the spec's directory) */
    unsigned line;
};

struct sw_costs {
    char *label;  /* profile name, or the file's name without directory and extension */
    char *value;  /* what --costs receives (a profile name or a path as written) */
    struct mmu_costs c;
};

struct sw_spec {
    char *path; /* absolute */
    char *dir;  /* absolute; children run here, so relative paths are the spec's */
    struct sw_workload *w;
    size_t nw;
    struct strv schemes, policies, dirties;
    struct sw_costs *costs;
    size_t ncosts;
    uint64_t *mems; /* bytes; 0 = unlimited */
    size_t nmems;
    double *scales;
    size_t nscales;
    struct strv args, run_args; /* [options] args = ..., run-args = ... */
};

struct sw_cell {
    char *id;
    size_t w, c, m, s; /* indices into the spec's axes */
};

static void spec_fini(struct sw_spec *sp)
{
    free(sp->path);
    free(sp->dir);
    for (size_t i = 0; i < sp->nw; i++) {
        free(sp->w[i].name);
        strv_free(&sp->w[i].argv);
    }
    free(sp->w);
    strv_free(&sp->schemes);
    strv_free(&sp->policies);
    strv_free(&sp->dirties);
    for (size_t i = 0; i < sp->ncosts; i++) {
        free(sp->costs[i].label);
        free(sp->costs[i].value);
    }
    free(sp->costs);
    free(sp->mems);
    free(sp->scales);
    strv_free(&sp->args);
    strv_free(&sp->run_args);
}

/* Splits a value into words: whitespace separates, "double" or 'single' quotes group (no
 * escapes).  -1 on an unterminated quote. */
static int split_words(const char *s, struct strv *out)
{
    while (*s) {
        while (*s == ' ' || *s == '\t')
            s++;
        if (!*s)
            break;
        char *w = xmalloc(strlen(s) + 1);
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
        strv_push(out, w);
        free(w);
    }
    return 0;
}

/* Axis values: separated by commas and/or whitespace. */
static void split_list(const char *s, struct strv *out)
{
    char *copy = xstrdup(s), *save = NULL;
    for (char *t = strtok_r(copy, ", \t", &save); t; t = strtok_r(NULL, ", \t", &save))
        strv_push(out, t);
    free(copy);
}

static bool good_name(const char *s)
{
    if (!*s || strlen(s) > 64)
        return false;
    for (; *s; s++)
        if (!(('a' <= *s && *s <= 'z') || ('A' <= *s && *s <= 'Z') || ('0' <= *s && *s <= '9') ||
              *s == '_' || *s == '-'))
            return false;
    return true;
}

/* The label of a costs file: its name without directory and extension, other characters
 * than [A-Za-z0-9_-] replaced by '-'. */
static char *costs_label(const char *value)
{
    const char *base = strrchr(value, '/');
    base = base ? base + 1 : value;
    char *l = xstrdup(base);
    char *dot = strchr(l, '.');
    if (dot && dot != l)
        *dot = '\0';
    for (char *p = l; *p; p++)
        if (!(('a' <= *p && *p <= 'z') || ('A' <= *p && *p <= 'Z') || ('0' <= *p && *p <= '9') ||
              *p == '_' || *p == '-'))
            *p = '-';
    return l;
}

/* The path of a spec-relative file, for checks made from the sweep's own directory. */
static char *spec_rel(const struct sw_spec *sp, const char *p)
{
    return p[0] == '/' ? xstrdup(p) : xfmt("%s/%s", sp->dir, p);
}

/* "64M" for 64 MiB, "unl" for unlimited: the vk-mem part of a cell id. */
static void mem_label(uint64_t bytes, char *buf, size_t len)
{
    static const char units[] = "KMGT";
    if (bytes == 0) {
        snprintf(buf, len, "unl");
        return;
    }
    int u = -1;
    while (u < 3 && bytes % 1024 == 0) {
        bytes /= 1024;
        u++;
    }
    if (u < 0)
        snprintf(buf, len, "%" PRIu64, bytes);
    else
        snprintf(buf, len, "%" PRIu64 "%c", bytes, units[u]);
}

#define SPEC_ERR(...)                                                                            \
    do {                                                                                         \
        fprintf(stderr, "vkmmu sweep: %s:%u: ", sp->path, lineno);                               \
        fprintf(stderr, __VA_ARGS__);                                                            \
        fputc('\n', stderr);                                                                     \
        goto fail;                                                                               \
    } while (0)

/* Parses the spec file; on error prints "SPEC:LINE: what was expected" and returns -1. */
static int spec_parse(struct sw_spec *sp, const char *path)
{
    memset(sp, 0, sizeof(*sp));
    char rp[PATH_MAX];
    unsigned lineno = 0;
    if (!realpath(path, rp)) {
        fprintf(stderr, "vkmmu sweep: %s: cannot open the spec: %s\n", path, strerror(errno));
        return -1;
    }
    sp->path = xstrdup(rp);
    char *d = xstrdup(rp);
    sp->dir = xstrdup(dirname(d));
    free(d);
    FILE *f = fopen(sp->path, "r");
    if (!f) {
        fprintf(stderr, "vkmmu sweep: %s: cannot open the spec: %s\n", path, strerror(errno));
        return -1;
    }
    char line[4096];
    char section[32] = "";
    struct strv windows = {0}, mems = {0}, scales = {0}, costs = {0};
    while (fgets(line, sizeof line, f)) {
        lineno++;
        if (!strchr(line, '\n') && !feof(f))
            SPEC_ERR("line too long (at most %zu characters)", sizeof line - 2);
        char *hash = strchr(line, '#');
        if (hash)
            *hash = '\0';
        char *s = line;
        while (*s == ' ' || *s == '\t')
            s++;
        char *e = s + strlen(s);
        while (e > s && (e[-1] == '\n' || e[-1] == '\r' || e[-1] == ' ' || e[-1] == '\t'))
            *--e = '\0';
        if (!*s)
            continue;
        if (*s == '[') {
            if (e[-1] != ']')
                SPEC_ERR("expected a section such as [workloads], found '%s'", s);
            e[-1] = '\0';
            if (strcmp(s + 1, "workloads") && strcmp(s + 1, "axes") && strcmp(s + 1, "options"))
                SPEC_ERR("unknown section [%s] (expected [workloads], [axes] or [options])",
                         s + 1);
            snprintf(section, sizeof section, "%s", s + 1);
            continue;
        }
        char *eq = strchr(s, '=');
        if (!eq)
            SPEC_ERR("expected 'key = value', found '%s'", s);
        char *key = s, *val = eq + 1;
        *eq = '\0';
        for (char *k = eq; k > key && (k[-1] == ' ' || k[-1] == '\t'); k--)
            k[-1] = '\0';
        while (*val == ' ' || *val == '\t')
            val++;
        if (!*section)
            SPEC_ERR("'%s' before any section (expected [workloads], [axes] or [options])", key);

        if (!strcmp(section, "workloads")) {
            if (strcmp(key, "trace") && strcmp(key, "program"))
                SPEC_ERR("unknown workload kind '%s' (expected trace or program)", key);
            struct strv words = {0};
            if (split_words(val, &words) < 0) {
                strv_free(&words);
                SPEC_ERR("unterminated quote");
            }
            bool prog = !strcmp(key, "program");
            if (words.n < 2 || (!prog && words.n != 2)) {
                strv_free(&words);
                SPEC_ERR(prog ? "expected 'program = NAME PATH [ARGS...]'"
                              : "expected 'trace = NAME PATH'");
            }
            if (!good_name(words.v[0])) {
                strv_free(&words);
                SPEC_ERR("bad workload name (expected 1 to 64 of A-Z a-z 0-9 _ -)");
            }
            for (size_t i = 0; i < sp->nw; i++)
                if (!strcmp(sp->w[i].name, words.v[0])) {
                    unsigned other = sp->w[i].line;
                    strv_free(&words);
                    SPEC_ERR("workload name '%s' already used on line %u", sp->w[i].name, other);
                }
            char *p = spec_rel(sp, words.v[1]);
            int e = access(p, R_OK) == 0 ? 0 : errno;
            free(p);
            if (e) {
                char msg[sizeof line + 256]; /* any word of a line fits: never cut */
                snprintf(msg, sizeof msg, "%s: %s: %s", words.v[0], words.v[1], strerror(e));
                strv_free(&words);
                SPEC_ERR("%s", msg);
            }
            sp->w = xrealloc(sp->w, (sp->nw + 1) * sizeof(*sp->w));
            struct sw_workload *w = &sp->w[sp->nw++];
            memset(w, 0, sizeof(*w));
            w->name = xstrdup(words.v[0]);
            w->program = prog;
            w->line = lineno;
            for (size_t i = 1; i < words.n; i++)
                strv_push(&w->argv, words.v[i]);
            strv_free(&words);
        } else if (!strcmp(section, "axes")) {
            struct strv vals = {0};
            split_list(val, &vals);
            if (!vals.n)
                SPEC_ERR("'%s' has no values", key);
            struct strv *dst = NULL;
            char err[sizeof line + 512]; /* quotes one value of the line */
            for (size_t i = 0; i < vals.n; i++) {
                const char *v = vals.v[i];
                if (!strcmp(key, "scheme")) {
                    dst = &sp->schemes;
                    err[0] = 0;
                    if (!vk_scheme_find(v))
                        snprintf(err, sizeof err, "unknown scheme '%s'", v);
                } else if (!strcmp(key, "policy")) {
                    struct vk_policy_spec ps;
                    dst = &sp->policies;
                    err[0] = 0;
                    vk_policy_parse(v, &ps, err, sizeof err);
                } else if (!strcmp(key, "window")) {
                    dst = &windows;
                    err[0] = 0;
                    if (strspn(v, "0123456789") != strlen(v) || strtoul(v, NULL, 10) == 0 ||
                        strlen(v) > 6)
                        snprintf(err, sizeof err,
                                 "bad window size '%s' (expected pages, e.g. 16)", v);
                } else if (!strcmp(key, "dirty")) {
                    dst = &sp->dirties;
                    err[0] = 0;
                    if (!vk_dirty_find(v))
                        snprintf(err, sizeof err, "unknown dirty strategy '%s'", v);
                } else if (!strcmp(key, "costs")) {
                    dst = &costs;
                    err[0] = 0;
                } else if (!strcmp(key, "vk-mem")) {
                    uint64_t b;
                    dst = &mems;
                    err[0] = 0;
                    if (strcmp(v, "unlimited") && (vk_parse_size(v, &b) < 0 || b < MMU_PAGE_SIZE))
                        snprintf(err, sizeof err,
                                 "bad vk-mem '%s' (expected unlimited or a size of at least "
                                 "one page, such as 64M)", v);
                } else if (!strcmp(key, "reflect-scale")) {
                    char *end;
                    dst = &scales;
                    err[0] = 0;
                    errno = 0;
                    double x = strtod(v, &end);
                    if (!mmu_plain_decimal(v) || errno == ERANGE || !isfinite(x))
                        snprintf(err, sizeof err,
                                 "bad reflect-scale '%s' (expected a non-negative decimal "
                                 "number such as 0.5 or 2)", v);
                } else {
                    strv_free(&vals);
                    SPEC_ERR("unknown axis '%s' (expected scheme, policy, window, dirty, costs, "
                             "vk-mem or reflect-scale)", key);
                }
                if (err[0]) {
                    strv_free(&vals);
                    SPEC_ERR("%s (see `vkmmu list`)", err);
                }
                if (strv_has(dst, v)) {
                    char twice[sizeof line]; /* v lives in vals */
                    snprintf(twice, sizeof twice, "%s", v);
                    strv_free(&vals);
                    SPEC_ERR("%s '%s' listed twice", key, twice);
                }
                strv_push(dst, v);
            }
            strv_free(&vals);
        } else {
            struct strv *dst;
            if (!strcmp(key, "args"))
                dst = &sp->args;
            else if (!strcmp(key, "run-args"))
                dst = &sp->run_args;
            else
                SPEC_ERR("unknown option '%s' (expected args or run-args)", key);
            if (split_words(val, dst) < 0)
                SPEC_ERR("unterminated quote");
        }
    }
    if (ferror(f)) {
        fprintf(stderr, "vkmmu sweep: %s: read error: %s\n", sp->path, strerror(errno));
        goto fail;
    }
    lineno = 0;
    if (!sp->nw) {
        fprintf(stderr, "vkmmu sweep: %s: no workloads (expected a [workloads] section with "
                        "trace = NAME PATH or program = NAME PATH ARGS...)\n", sp->path);
        goto fail;
    }

    /* The options every invocation gets are model options the sweep does not set itself. */
    {
        struct sim_model_opts mo;
        char err[SIM_ERR_MAX];
        sim_model_opts_init(&mo, err, sizeof err);
        for (int i = 0; i < (int)sp->args.n; i++) {
            const char *a = sp->args.v[i];
            static const char *const owned[] = {"--scheme", "--policy", "--dirty", "--costs",
                                                "--vk-mem", "--json", "--csv", NULL};
            for (size_t k = 0; owned[k]; k++)
                if (!strncmp(a, owned[k], strlen(owned[k])) &&
                    (a[strlen(owned[k])] == '\0' || a[strlen(owned[k])] == '=')) {
                    fprintf(stderr, "vkmmu sweep: %s: args: %s is set by the sweep (use the "
                                    "[axes] section)\n", sp->path, owned[k]);
                    goto fail;
                }
            int rc = sim_model_opt(&mo, (int)sp->args.n, sp->args.v, &i, err, sizeof err);
            if (rc <= 0) {
                fprintf(stderr, "vkmmu sweep: %s: args: %s\n", sp->path,
                        rc < 0 ? err : "not a model option (see `vkmmu replay --help`)");
                if (rc == 0)
                    fprintf(stderr, "  (the option was '%s')\n", a);
                goto fail;
            }
        }
    }

    if (!sp->schemes.n)
        strv_push(&sp->schemes, "vpt-1.10");
    for (size_t i = 0; i < windows.n; i++) {
        char *p = xfmt("window:%s", windows.v[i]);
        if (!strv_has(&sp->policies, p))
            strv_push(&sp->policies, p);
        free(p);
    }
    if (!sp->policies.n)
        strv_push(&sp->policies, "none");
    if (!sp->dirties.n)
        strv_push(&sp->dirties, "strict");
    if (!costs.n)
        strv_push(&costs, "modern");
    sp->costs = xmalloc(costs.n * sizeof(*sp->costs));
    for (size_t i = 0; i < costs.n; i++) {
        struct sw_costs *c = &sp->costs[sp->ncosts];
        char err[MMU_COSTS_ERR_MAX];
        bool named = mmu_cost_profile_find(costs.v[i]) != NULL;
        char *p = named ? xstrdup(costs.v[i]) : spec_rel(sp, costs.v[i]);
        int rc = mmu_costs_resolve(&c->c, p, err, sizeof err);
        free(p);
        if (rc < 0) {
            fprintf(stderr, "vkmmu sweep: %s: costs: %s\n", sp->path, err);
            goto fail;
        }
        c->value = xstrdup(costs.v[i]);
        c->label = named ? xstrdup(costs.v[i]) : costs_label(costs.v[i]);
        sp->ncosts++;
        for (size_t k = 0; k + 1 < sp->ncosts; k++)
            if (!strcmp(sp->costs[k].label, c->label)) {
                fprintf(stderr, "vkmmu sweep: %s: costs '%s' and '%s' have the same label '%s' "
                                "(rename one file)\n", sp->path, sp->costs[k].value, c->value,
                        c->label);
                goto fail;
            }
    }
    if (!mems.n)
        strv_push(&mems, "unlimited");
    sp->mems = xmalloc(mems.n * sizeof(*sp->mems));
    for (size_t i = 0; i < mems.n; i++) {
        uint64_t b = 0;
        if (strcmp(mems.v[i], "unlimited"))
            vk_parse_size(mems.v[i], &b);
        b -= b % MMU_PAGE_SIZE; /* what --vk-mem keeps */
        for (size_t k = 0; k < sp->nmems; k++)
            if (sp->mems[k] == b) {
                fprintf(stderr, "vkmmu sweep: %s: vk-mem '%s' is the same size as an earlier "
                                "value\n", sp->path, mems.v[i]);
                goto fail;
            }
        sp->mems[sp->nmems++] = b;
    }
    if (!scales.n)
        strv_push(&scales, "1");
    sp->scales = xmalloc(scales.n * sizeof(*sp->scales));
    for (size_t i = 0; i < scales.n; i++) {
        double x = strtod(scales.v[i], NULL);
        for (size_t k = 0; k < sp->nscales; k++)
            if (sp->scales[k] == x) {
                fprintf(stderr, "vkmmu sweep: %s: reflect-scale '%s' is listed twice\n",
                        sp->path, scales.v[i]);
                goto fail;
            }
        sp->scales[sp->nscales++] = x;
        for (size_t k = 0; k < sp->ncosts; k++)
            if (!(sp->costs[k].c.v[MMU_COST_reflect] * x <= MMU_COST_MAX)) {
                fprintf(stderr, "vkmmu sweep: %s: reflect-scale '%s' makes reflect of costs '%s' "
                                "%g cycles (expected at most 1e12 cycles per event)\n",
                        sp->path, scales.v[i], sp->costs[k].value,
                        sp->costs[k].c.v[MMU_COST_reflect] * x);
                goto fail;
            }
    }
    strv_free(&windows);
    strv_free(&mems);
    strv_free(&scales);
    strv_free(&costs);
    fclose(f);
    return 0;
fail:
    strv_free(&windows);
    strv_free(&mems);
    strv_free(&scales);
    strv_free(&costs);
    fclose(f);
    spec_fini(sp);
    return -1;
}

/* ---- cells ---- */

/* Reads a whole file; NULL with errno set on failure. */
static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    size_t cap = 65536, n = 0;
    char *b = xmalloc(cap);
    size_t got;
    while ((got = fread(b + n, 1, cap - n - 1, f)) > 0) {
        n += got;
        if (cap - n < 2) {
            cap *= 2;
            b = xrealloc(b, cap);
        }
    }
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        free(b);
        errno = EIO;
        return NULL;
    }
    b[n] = '\0';
    if (len)
        *len = n;
    return b;
}


/* The costs a cell runs with: the profile with reflect scaled. */
static struct mmu_costs cell_costs(const struct sw_spec *sp, const struct sw_cell *c)
{
    struct mmu_costs k = sp->costs[c->c].c;
    k.v[MMU_COST_reflect] *= sp->scales[c->s];
    return k;
}

/* The derived costs file of a scaled cell (DIR/costs/LABEL.rs-SCALE.costs), or NULL when the
 * scale is 1 and the profile is used as written. */
static char *cell_costs_path(const struct sw_spec *sp, const struct sw_cell *c, const char *dir)
{
    if (sp->scales[c->s] == 1.0)
        return NULL;
    char sc[32];
    sim_fmt_double(sc, sizeof sc, sp->scales[c->s]);
    return xfmt("%s/costs/%s.rs-%s.costs", dir, sp->costs[c->c].label, sc);
}

static char *costs_text(const struct sw_spec *sp, const struct sw_cell *c)
{
    struct mmu_costs k = cell_costs(sp, c);
    char sc[32], num[40];
    sim_fmt_double(sc, sizeof sc, sp->scales[c->s]);
    struct sbuf t = {0};
    sb_add(&t, "# written by vkmmu sweep: costs %s with reflect scaled by %s\n",
           sp->costs[c->c].value, sc);
    sim_fmt_double(num, sizeof num, k.clock_ghz);
    sb_add(&t, "clock_ghz = %s\n", num);
    for (size_t i = 0; i < MMU_NCOSTS; i++) {
        sim_fmt_double(num, sizeof num, k.v[i]);
        sb_add(&t, "%s = %s\n", mmu_cost_names[i], num);
    }
    return t.s;
}

/* Writes the derived costs file of a scaled cell unless it already holds the right text. */
static int ensure_costs_file(const struct sw_spec *sp, const struct sw_cell *c, const char *dir)
{
    char *path = cell_costs_path(sp, c, dir);
    if (!path)
        return 0;
    char *want = costs_text(sp, c);
    int rc = 0;
    char *have = slurp(path, NULL);
    if (!have || strcmp(have, want))
        rc = write_atomic(path, want);
    free(have);
    free(want);
    free(path);
    return rc;
}

/* The argument vector of a cell's child (argv[0] "vkmmu"), outputs to json/csv. */
static void cell_argv(const struct sw_spec *sp, const struct sw_cell *c, const char *dir,
                      const char *json, const char *csv, struct strv *out)
{
    const struct sw_workload *w = &sp->w[c->w];
    char *j;
    strv_push(out, "vkmmu");
    strv_push(out, w->program ? "run" : "replay");
    strv_push(out, "--scheme");
    strv_push(out, j = strv_join(&sp->schemes));
    free(j);
    strv_push(out, "--policy");
    strv_push(out, j = strv_join(&sp->policies));
    free(j);
    strv_push(out, "--dirty");
    strv_push(out, j = strv_join(&sp->dirties));
    free(j);
    strv_push(out, "--costs");
    char *cp = cell_costs_path(sp, c, dir);
    strv_push(out, cp ? cp : sp->costs[c->c].value);
    free(cp);
    if (sp->mems[c->m]) {
        char m[32];
        snprintf(m, sizeof m, "%" PRIu64, sp->mems[c->m]);
        strv_push(out, "--vk-mem");
        strv_push(out, m);
    }
    for (size_t i = 0; i < sp->args.n; i++)
        strv_push(out, sp->args.v[i]);
    if (w->program)
        for (size_t i = 0; i < sp->run_args.n; i++)
            strv_push(out, sp->run_args.v[i]);
    if (json) {
        strv_push(out, "--json");
        strv_push(out, json);
    }
    if (csv) {
        strv_push(out, "--csv");
        strv_push(out, csv);
    }
    strv_push(out, "--");
    for (size_t i = 0; i < w->argv.n; i++)
        strv_push(out, w->argv.v[i]);
}

/* Every cell: workload x costs x vk-mem x reflect-scale, in that nesting order.  The id is
 * readable parameters plus a hash of everything that determines the results (workload,
 * model axes, options, the cost values), so editing the spec never reuses a stale cell. */
static struct sw_cell *make_cells(const struct sw_spec *sp, size_t *ncells)
{
    size_t n = sp->nw * sp->ncosts * sp->nmems * sp->nscales, k = 0;
    struct sw_cell *cells = xmalloc(n * sizeof(*cells));
    for (size_t w = 0; w < sp->nw; w++)
        for (size_t c = 0; c < sp->ncosts; c++)
            for (size_t m = 0; m < sp->nmems; m++)
                for (size_t s = 0; s < sp->nscales; s++) {
                    struct sw_cell *cell = &cells[k++];
                    *cell = (struct sw_cell){.w = w, .c = c, .m = m, .s = s};
                    /* The hash covers the child's arguments except paths that depend on DIR,
                     * plus the effective cost values. */
                    struct strv av = {0};
                    cell_argv(sp, cell, "DIR", NULL, NULL, &av);
                    uint64_t h = 0xcbf29ce484222325ull;
                    for (size_t i = 0; i < av.n; i++)
                        h = fnv1a(h, av.v[i]);
                    struct mmu_costs kc = cell_costs(sp, cell);
                    char num[40];
                    sim_fmt_double(num, sizeof num, kc.clock_ghz);
                    h = fnv1a(h, num);
                    for (size_t i = 0; i < MMU_NCOSTS; i++) {
                        sim_fmt_double(num, sizeof num, kc.v[i]);
                        h = fnv1a(h, num);
                    }
                    strv_free(&av);
                    char ml[32], sc[32];
                    mem_label(sp->mems[m], ml, sizeof ml);
                    sim_fmt_double(sc, sizeof sc, sp->scales[s]);
                    cell->id = xfmt("%s.%s.mem-%s.rs-%s.%08" PRIx32, sp->w[w].name,
                                    sp->costs[c].label, ml, sc, (uint32_t)(h ^ (h >> 32)));
                }
    *ncells = n;
    return cells;
}

static void free_cells(struct sw_cell *cells, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(cells[i].id);
    free(cells);
}

static bool cell_complete(const char *dir, const struct sw_cell *c)
{
    char *j = xfmt("%s/cells/%s.json", dir, c->id), *v = xfmt("%s/cells/%s.csv", dir, c->id);
    bool ok = file_exists(j) && file_exists(v);
    free(j);
    free(v);
    return ok;
}

/* The manifest merge reads: one line per cell of the current spec. */
static int write_manifest(const struct sw_spec *sp, const struct sw_cell *cells, size_t n,
                          const char *dir)
{
    struct sbuf t = {0};
    sb_add(&t, "cell\tworkload\tcosts\tvk_mem\treflect_scale\n");
    for (size_t i = 0; i < n; i++) {
        char sc[32];
        sim_fmt_double(sc, sizeof sc, sp->scales[cells[i].s]);
        sb_add(&t, "%s\t%s\t%s\t%" PRIu64 "\t%s\n", cells[i].id, sp->w[cells[i].w].name,
               sp->costs[cells[i].c].label, sp->mems[cells[i].m], sc);
    }
    char *path = xfmt("%s/cells.tsv", dir);
    int rc = write_atomic(path, t.s);
    free(path);
    free(t.s);
    return rc;
}

/* ---- running cells ---- */

struct sw_job {
    const struct sw_cell *cell;
    pid_t pid;
    int lock_fd;
    struct timespec t0;
};

static volatile sig_atomic_t sweep_stop; /* SIGINT/SIGTERM seen */
static void on_stop(int sig)
{
    sweep_stop = sig;
}
static void on_child(int sig)
{
    (void)sig;
}

static void tmp_paths(const char *dir, const struct sw_cell *c, char **json, char **csv)
{
    *json = xfmt("%s/tmp/%s.json", dir, c->id);
    *csv = xfmt("%s/tmp/%s.csv", dir, c->id);
}

static void remove_tmp(const char *dir, const struct sw_cell *c)
{
    char *j, *v;
    tmp_paths(dir, c, &j, &v);
    char *jt = xfmt("%s.tmp", j), *vt = xfmt("%s.tmp", v);
    unlink(j);
    unlink(v);
    unlink(jt);
    unlink(vt);
    free(j);
    free(v);
    free(jt);
    free(vt);
}

/* Starts a cell's child.  0 started; 1 the cell is locked by another runner (skipped);
 * -1 failed to start. */
static int job_start(const struct sw_spec *sp, const char *dir, struct sw_job *job,
                     const sigset_t *child_mask)
{
    const struct sw_cell *c = job->cell;
    char *lock = xfmt("%s/tmp/%s.lock", dir, c->id);
    job->lock_fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
    if (job->lock_fd < 0) {
        fprintf(stderr, "vkmmu sweep: %s: %s\n", lock, strerror(errno));
        free(lock);
        return -1;
    }
    struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
    if (fcntl(job->lock_fd, F_SETLK, &fl) != 0) {
        fprintf(stderr, "vkmmu sweep: cell %s: being run by another runner (%s), skipped\n",
                c->id, lock);
        close(job->lock_fd);
        free(lock);
        return 1;
    }
    free(lock);
    if (cell_complete(dir, c)) { /* finished by another runner meanwhile */
        close(job->lock_fd);
        return 1;
    }
    remove_tmp(dir, c);
    if (ensure_costs_file(sp, c, dir) < 0) {
        close(job->lock_fd);
        return -1;
    }
    char *json, *csv, *log = xfmt("%s/logs/%s.log", dir, c->id);
    tmp_paths(dir, c, &json, &csv);
    struct strv av = {0};
    cell_argv(sp, c, dir, json, csv, &av);
    clock_gettime(CLOCK_MONOTONIC, &job->t0);
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        /* The child: its own output to the cell's log, the spec's directory as working
         * directory (relative paths in the spec are the spec's), default signal mask. */
        int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0666);
        int in = open("/dev/null", O_RDONLY);
        if (fd < 0 || in < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0 || dup2(in, 0) < 0)
            _exit(126);
        if (chdir(sp->dir) != 0) {
            fprintf(stderr, "vkmmu sweep: %s: %s\n", sp->dir, strerror(errno));
            _exit(126);
        }
        signal(SIGINT, SIG_DFL);
        signal(SIGTERM, SIG_DFL);
        signal(SIGCHLD, SIG_DFL);
        sigprocmask(SIG_SETMASK, child_mask, NULL);
        execv("/proc/self/exe", av.v);
        fprintf(stderr, "vkmmu sweep: cannot run /proc/self/exe: %s\n", strerror(errno));
        _exit(126);
    }
    int e = errno;
    strv_free(&av);
    free(json);
    free(csv);
    free(log);
    if (pid < 0) {
        fprintf(stderr, "vkmmu sweep: cell %s: cannot fork: %s\n", c->id, strerror(e));
        close(job->lock_fd);
        return -1;
    }
    job->pid = pid;
    return 0;
}

/* After the child ended: moves its results into cells/ (CSV last) when it succeeded.  Returns
 * 0 (complete) or -1 (failed; the reason printed). */
static int job_finish(const struct sw_spec *sp, const char *dir, struct sw_job *job, int status,
                      bool quiet_ok)
{
    const struct sw_cell *c = job->cell;
    const struct sw_workload *w = &sp->w[c->w];
    char *json, *csv;
    tmp_paths(dir, c, &json, &csv);
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (double)(t1.tv_sec - job->t0.tv_sec) +
                  (double)(t1.tv_nsec - job->t0.tv_nsec) / 1e9;
    /* replay: success is exit 0.  run: the exit status is the guest's, so a normal exit with
     * both files is complete, except 2 (bad usage, nothing written), and results marked partial
     * (interrupted: 130, 143; --timeout: 124), which a resumed sweep must run again. */
    bool ok = WIFEXITED(status) && file_exists(json) && file_exists(csv) &&
              (w->program ? WEXITSTATUS(status) != 2 : WEXITSTATUS(status) == 0) &&
              !json_partial(json);
    int rc = -1;
    if (ok) {
        char *dj = xfmt("%s/cells/%s.json", dir, c->id), *dc = xfmt("%s/cells/%s.csv", dir, c->id);
        if (rename(json, dj) != 0 || rename(csv, dc) != 0)
            fprintf(stderr, "vkmmu sweep: cell %s: cannot move its results into %s/cells: %s\n",
                    c->id, dir, strerror(errno));
        else
            rc = 0;
        free(dj);
        free(dc);
    }
    if (rc == 0) {
        if (!quiet_ok)
            fprintf(stderr, "vkmmu sweep: cell %s: done (%.2f s)\n", c->id, secs);
    } else if (sweep_stop) {
        fprintf(stderr, "vkmmu sweep: cell %s: interrupted, its partial output removed\n", c->id);
    } else if (WIFSIGNALED(status)) {
        fprintf(stderr, "vkmmu sweep: cell %s: killed by signal %d; log %s/logs/%s.log\n", c->id,
                WTERMSIG(status), dir, c->id);
    } else if (!ok) {
        fprintf(stderr, "vkmmu sweep: cell %s: failed (exit %d); log %s/logs/%s.log\n", c->id,
                WIFEXITED(status) ? WEXITSTATUS(status) : -1, dir, c->id);
    }
    if (rc < 0)
        remove_tmp(dir, c);
    close(job->lock_fd);
    free(json);
    free(csv);
    return rc;
}

static int make_dirs(const char *dir)
{
    static const char *const subs[] = {"", "/cells", "/tmp", "/logs", "/costs"};
    for (size_t i = 0; i < sizeof subs / sizeof subs[0]; i++) {
        char *p = xfmt("%s%s", dir, subs[i]);
        int rc = mkdir_p(p);
        if (rc < 0)
            fprintf(stderr, "vkmmu sweep: %s: cannot create: %s\n", p, strerror(errno));
        free(p);
        if (rc < 0)
            return -1;
    }
    return 0;
}

/* Runs the pending cells with up to jobs children at once; stops launching after max_cells
 * (0 = no limit) or on SIGINT/SIGTERM (children are sent SIGTERM, their partial outputs
 * removed).  Returns the exit status. */
static int run_local(const struct sw_spec *sp, const struct sw_cell *cells, size_t ncells,
                     const char *dir, unsigned jobs, size_t max_cells)
{
    const struct sw_cell **todo = xmalloc(ncells * sizeof(*todo));
    size_t ntodo = 0;
    for (size_t i = 0; i < ncells; i++)
        if (!cell_complete(dir, &cells[i]))
            todo[ntodo++] = &cells[i];
    fprintf(stderr, "vkmmu sweep: %zu cells, %zu complete, %zu to run (-j %u)\n", ncells,
            ncells - ntodo, ntodo, jobs);

    /* SIGINT/SIGTERM/SIGCHLD are blocked except inside sigsuspend: no lost wake-ups. */
    sigset_t block, old;
    sigemptyset(&block);
    sigaddset(&block, SIGINT);
    sigaddset(&block, SIGTERM);
    sigaddset(&block, SIGCHLD);
    struct sigaction sa = {0}, osa_int, osa_term, osa_chld;
    sa.sa_handler = on_stop;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &osa_int);
    sigaction(SIGTERM, &sa, &osa_term);
    sa.sa_handler = on_child;
    sigaction(SIGCHLD, &sa, &osa_chld);
    sigprocmask(SIG_BLOCK, &block, &old);
    sweep_stop = 0;

    struct sw_job *run = xmalloc(jobs * sizeof(*run));
    size_t nrun = 0, next = 0, launched = 0, done = 0, failed = 0, busy = 0;
    bool killed = false;
    for (;;) {
        while (!sweep_stop && nrun < jobs && next < ntodo &&
               (max_cells == 0 || launched < max_cells)) {
            struct sw_job *j = &run[nrun];
            j->cell = todo[next++];
            int rc = job_start(sp, dir, j, &old);
            if (rc == 0) {
                nrun++;
                launched++;
            } else if (rc < 0) {
                failed++;
            } else {
                busy++;
            }
        }
        if (sweep_stop && !killed) {
            for (size_t i = 0; i < nrun; i++)
                kill(run[i].pid, SIGTERM);
            killed = true;
        }
        if (nrun == 0)
            break;
        int status;
        pid_t pid;
        bool reaped = false;
        while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
            for (size_t i = 0; i < nrun; i++) {
                if (run[i].pid != pid)
                    continue;
                if (job_finish(sp, dir, &run[i], status, false) == 0)
                    done++;
                else if (!sweep_stop)
                    failed++;
                run[i] = run[--nrun];
                break;
            }
            reaped = true;
        }
        if (!reaped)
            sigsuspend(&old);
    }
    sigprocmask(SIG_SETMASK, &old, NULL);
    sigaction(SIGINT, &osa_int, NULL);
    sigaction(SIGTERM, &osa_term, NULL);
    sigaction(SIGCHLD, &osa_chld, NULL);
    free(run);
    size_t left = 0;
    for (size_t i = 0; i < ncells; i++)
        left += !cell_complete(dir, &cells[i]);
    free(todo);
    if (sweep_stop) {
        fprintf(stderr, "vkmmu sweep: interrupted: %zu of %zu cells complete; run the same "
                        "command again to resume\n", ncells - left, ncells);
        return 130;
    }
    if (failed) {
        fprintf(stderr, "vkmmu sweep: %zu cell%s failed; %zu of %zu cells complete\n", failed,
                failed == 1 ? "" : "s", ncells - left, ncells);
        return VKMMU_EXIT_FAILED;
    }
    if (left && busy) {
        fprintf(stderr, "vkmmu sweep: %zu of %zu cells complete; %zu being run by another runner "
                        "(run again once it has finished)\n", ncells - left, ncells, busy);
        return VKMMU_EXIT_FAILED;
    }
    if (left) {
        fprintf(stderr, "vkmmu sweep: stopped after %zu cells (--max-cells); %zu of %zu "
                        "complete\n", launched, ncells - left, ncells);
        return VKMMU_EXIT_OK;
    }
    fprintf(stderr, "vkmmu sweep: all %zu cells complete in %s/cells (%zu run now); merge with "
                    "`vkmmu merge %s -o table.csv`\n", ncells, dir, done, dir);
    return VKMMU_EXIT_OK;
}

/* One cell, synchronously (the command an emitted job runs). */
static int run_one(const struct sw_spec *sp, const struct sw_cell *c, const char *dir)
{
    if (cell_complete(dir, c)) {
        fprintf(stderr, "vkmmu sweep: cell %s: complete already, skipped\n", c->id);
        return VKMMU_EXIT_OK;
    }
    sigset_t cur;
    sigprocmask(SIG_SETMASK, NULL, &cur);
    struct sw_job job = {.cell = c};
    int rc = job_start(sp, dir, &job, &cur);
    if (rc != 0)
        return rc > 0 ? VKMMU_EXIT_OK : VKMMU_EXIT_FAILED;
    int status;
    while (waitpid(job.pid, &status, 0) < 0)
        if (errno != EINTR) {
            fprintf(stderr, "vkmmu sweep: waitpid: %s\n", strerror(errno));
            return VKMMU_EXIT_FAILED;
        }
    return job_finish(sp, dir, &job, status, false) == 0 ? VKMMU_EXIT_OK : VKMMU_EXIT_FAILED;
}

/* ---- emitting job lists ---- */

static char *self_exe(void)
{
    char buf[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
    if (n < 0)
        return xstrdup("vkmmu");
    buf[n] = '\0';
    return xstrdup(buf);
}

static int emit(const struct sw_spec *sp, const struct sw_cell *cells, size_t ncells,
                const char *dir, const char *kind, unsigned jobs, bool jobs_given)
{
    for (size_t i = 0; i < ncells; i++)
        if (ensure_costs_file(sp, &cells[i], dir) < 0)
            return VKMMU_EXIT_FAILED;
    char *exe = self_exe(), *qexe = shq(exe), *qspec = shq(sp->path), *qdir = shq(dir);
    struct sbuf t = {0};
    char *path;
    int rc;
    if (!strcmp(kind, "parallel")) {
        for (size_t i = 0; i < ncells; i++) {
            char *qid = shq(cells[i].id);
            sb_add(&t, "%s sweep %s -o %s --cell %s\n", qexe, qspec, qdir, qid);
            free(qid);
        }
        path = xfmt("%s/jobs.txt", dir);
    } else {
        char *qlog = xfmt("%s/logs/slurm-%%A_%%a.out", dir);
        char throttle[32] = "";
        if (jobs_given)
            snprintf(throttle, sizeof throttle, "%%%u", jobs);
        sb_add(
            &t,
            "#!/bin/bash\n"
            "# Slurm job array written by `vkmmu sweep --emit slurm`: one array task per cell.\n"
            "# Submit with: sbatch %s/sweep.sbatch\n"
            "# The directory below, the spec, its workloads and vkmmu must be at these paths\n"
            "# on every node (a shared filesystem).  A task whose cell is complete exits at\n"
            "# once, so resubmitting the script resumes the sweep.\n"
            "#SBATCH --job-name=vkmmu-sweep\n"
            "#SBATCH --array=0-%zu%s\n"
            "#SBATCH --ntasks=1\n"
            "#SBATCH --cpus-per-task=1\n"
            "#SBATCH --output=%s\n"
            "set -eu\n"
            "cells=(\n",
            dir, ncells - 1, throttle, qlog);
        free(qlog);
        for (size_t i = 0; i < ncells; i++) {
            char *qid = shq(cells[i].id);
            sb_add(&t, "  %s\n", qid);
            free(qid);
        }
        sb_add(&t,
               ")\n"
               "exec %s sweep %s -o %s --cell \"${cells[$SLURM_ARRAY_TASK_ID]}\"\n",
               qexe, qspec, qdir);
        path = xfmt("%s/sweep.sbatch", dir);
    }
    rc = write_atomic(path, t.s);
    if (rc == 0 && strcmp(kind, "parallel"))
        chmod(path, 0755);
    if (rc == 0)
        fprintf(stderr, "vkmmu sweep: %zu cells; wrote %s\n%s", ncells, path,
                !strcmp(kind, "parallel")
                    ? "  run with: parallel -j N < jobs.txt  (or parallel --sshloginfile HOSTS)\n"
                    : "  submit with: sbatch sweep.sbatch\n");
    free(path);
    free(t.s);
    free(exe);
    free(qexe);
    free(qspec);
    free(qdir);
    return rc == 0 ? VKMMU_EXIT_OK : VKMMU_EXIT_FAILED;
}

/* ---- vkmmu sweep ---- */

static void sweep_usage(FILE *out)
{
    fputs("usage: vkmmu sweep SPEC [-j N] [-o DIR] [--emit parallel|slurm]\n"
          "Runs every cell of the sweep described by SPEC (docs/sweeps.md): one workload x one\n"
          "cost profile x one --vk-mem x one reflection cost scale per cell, all the spec's\n"
          "schemes x policies x dirty strategies in the cell's single replay/run.  Results go\n"
          "to DIR/cells/CELL.{json,csv}; complete cells are skipped, so running the same\n"
          "command again resumes an interrupted sweep.  Merge with `vkmmu merge DIR`.\n"
          "\n"
          "options:\n"
          "  -j N                 cells run at once (default: the number of CPUs)\n"
          "  -o DIR               results directory (default: SPEC's name without extension\n"
          "                       + -results, in the current directory)\n"
          "  --emit parallel      write DIR/jobs.txt, one command per cell, for GNU parallel\n"
          "  --emit slurm         write DIR/sweep.sbatch, a Slurm job array (one task per cell;\n"
          "                       -j N throttles it to N tasks at once)\n"
          "  --cell ID            run that one cell (what the emitted jobs run)\n"
          "  --max-cells N        start at most N cells, then stop (batches; tests)\n"
          "  --list               print the cell ids and exit\n"
          "  -h, --help           this text\n"
          "\n"
          "exit status: 0 every cell complete (or --max-cells reached), 1 a cell failed,\n"
          "2 bad usage or bad spec, 130 interrupted (resumable)\n",
          out);
}

/* Refuses a results directory whose files (DIR itself, cells.tsv, jobs.txt, sweep.sbatch)
 * would overwrite the spec, a workload or a costs file. */
static int sweep_check_paths(const struct sw_spec *sp, const char *dir)
{
    struct sim_paths paths;
    struct strv names = {0};
    sim_paths_init(&paths);
    sim_paths_add(&paths, "SPEC", sp->path, SIM_PATH_IN);
    for (size_t i = 0; i < sp->nw + sp->ncosts; i++) {
        bool w = i < sp->nw; /* a costs value is a file only when one exists */
        char *p = spec_rel(sp, w ? sp->w[i].argv.v[0] : sp->costs[i - sp->nw].value);
        if (w || access(p, F_OK) == 0)
            strv_push(&names, p);
        free(p);
    }
    for (size_t i = 0; i < names.n; i++)
        sim_paths_add(&paths, "an input of SPEC", names.v[i], SIM_PATH_IN);
    sim_paths_add(&paths, "-o", dir, SIM_PATH_OUT);
    char *out[3] = {xfmt("%s/cells.tsv", dir), xfmt("%s/jobs.txt", dir),
                    xfmt("%s/sweep.sbatch", dir)};
    for (size_t i = 0; i < 3; i++)
        sim_paths_add(&paths, "a file of -o", out[i], SIM_PATH_OUT_TMP);
    int rc = sim_paths_check(&paths, "sweep");
    sim_paths_fini(&paths);
    for (size_t i = 0; i < 3; i++)
        free(out[i]);
    strv_free(&names);
    return rc;
}

static int parse_count(const char *s, unsigned long max, unsigned long *out)
{
    uint64_t v;
    if (sim_parse_uint(s, 1, max, &v) < 0)
        return -1;
    *out = (unsigned long)v;
    return 0;
}

int cmd_sweep(int argc, char **argv)
{
    const char *spec_path = NULL, *dir_arg = NULL, *emit_kind = NULL, *one = NULL;
    unsigned long jobs = 0, max_cells = 0;
    bool list = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = NULL;
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            sweep_usage(stdout);
            return VKMMU_EXIT_OK;
        } else if (!strcmp(a, "--list")) {
            list = true;
            continue;
        }
        static const char *const valued[] = {"-j", "-o", "--emit", "--cell", "--max-cells", NULL};
        const char *name = NULL;
        for (size_t k = 0; valued[k]; k++) {
            size_t n = strlen(valued[k]);
            if (!strncmp(a, valued[k], n) && (a[n] == '\0' || (a[n] == '=' && a[1] == '-'))) {
                name = valued[k];
                v = a[n] == '=' ? a + n + 1 : NULL;
            } else if (valued[k][1] != '-' && !strncmp(a, valued[k], 2) && a[2]) {
                name = valued[k]; /* -j4, -oDIR */
                v = a + 2;
            }
            if (name)
                break;
        }
        if (name && !v) {
            if (i + 1 >= argc) {
                fprintf(stderr, "vkmmu sweep: %s: missing value\n", name);
                return VKMMU_EXIT_USAGE;
            }
            v = argv[++i];
        }
        if (!name) {
            if (a[0] == '-' && a[1]) {
                fprintf(stderr, "vkmmu sweep: unknown option '%s' (see vkmmu sweep --help)\n", a);
                return VKMMU_EXIT_USAGE;
            }
            if (spec_path) {
                fprintf(stderr, "vkmmu sweep: one SPEC only ('%s' and '%s')\n", spec_path, a);
                return VKMMU_EXIT_USAGE;
            }
            spec_path = a;
        } else if (!strcmp(name, "-j")) {
            if (parse_count(v, 1024, &jobs) < 0) {
                fprintf(stderr, "vkmmu sweep: -j: bad count '%s' (expected 1 to 1024)\n", v);
                return VKMMU_EXIT_USAGE;
            }
        } else if (!strcmp(name, "-o")) {
            dir_arg = v;
        } else if (!strcmp(name, "--emit")) {
            if (strcmp(v, "parallel") && strcmp(v, "slurm")) {
                fprintf(stderr, "vkmmu sweep: --emit: expected parallel or slurm, got '%s'\n", v);
                return VKMMU_EXIT_USAGE;
            }
            emit_kind = v;
        } else if (!strcmp(name, "--cell")) {
            one = v;
        } else if (parse_count(v, ULONG_MAX, &max_cells) < 0) {
            fprintf(stderr, "vkmmu sweep: --max-cells: bad count '%s' (expected 1 to %lu)\n", v,
                    ULONG_MAX);
            return VKMMU_EXIT_USAGE;
        }
    }
    if (!spec_path) {
        fprintf(stderr, "vkmmu sweep: missing SPEC (see vkmmu sweep --help)\n");
        return VKMMU_EXIT_USAGE;
    }
    if (emit_kind && one) {
        fprintf(stderr, "vkmmu sweep: --emit and --cell exclude each other\n");
        return VKMMU_EXIT_USAGE;
    }
    bool jobs_given = jobs != 0;
    if (!jobs) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        jobs = n > 0 ? (unsigned long)n : 1;
    }

    struct sw_spec sp;
    if (spec_parse(&sp, spec_path) < 0)
        return VKMMU_EXIT_USAGE;
    size_t ncells;
    struct sw_cell *cells = make_cells(&sp, &ncells);
    int status = VKMMU_EXIT_OK;
    char *dir = NULL;
    if (list) {
        for (size_t i = 0; i < ncells; i++)
            printf("%s\n", cells[i].id);
        goto out;
    }
    if (dir_arg) {
        dir = xstrdup(dir_arg);
    } else {
        const char *b = strrchr(spec_path, '/');
        char *stem = xstrdup(b ? b + 1 : spec_path), *dot = strrchr(stem, '.');
        if (dot && dot != stem)
            *dot = '\0';
        dir = xfmt("%s-results", stem);
        free(stem);
    }
    if ((status = sweep_check_paths(&sp, dir)) != VKMMU_EXIT_OK)
        goto out;
    if (make_dirs(dir) < 0) {
        status = VKMMU_EXIT_FAILED;
        goto out;
    }
    {
        /* Children run in the spec's directory and emitted jobs anywhere: DIR absolute. */
        char rp[PATH_MAX];
        if (!realpath(dir, rp)) {
            fprintf(stderr, "vkmmu sweep: %s: %s\n", dir, strerror(errno));
            status = VKMMU_EXIT_FAILED;
            goto out;
        }
        free(dir);
        dir = xstrdup(rp);
    }
    if (one) {
        const struct sw_cell *c = NULL;
        for (size_t i = 0; i < ncells && !c; i++)
            if (!strcmp(cells[i].id, one))
                c = &cells[i];
        if (!c) {
            fprintf(stderr, "vkmmu sweep: --cell %s: no such cell in %s (see --list)\n", one,
                    sp.path);
            status = VKMMU_EXIT_USAGE;
            goto out;
        }
        status = run_one(&sp, c, dir);
        goto out;
    }
    if (write_manifest(&sp, cells, ncells, dir) < 0) {
        status = VKMMU_EXIT_FAILED;
        goto out;
    }
    if (emit_kind)
        status = emit(&sp, cells, ncells, dir, emit_kind, (unsigned)jobs, jobs_given);
    else
        status = run_local(&sp, cells, ncells, dir, (unsigned)jobs, max_cells);
out:
    free(dir);
    free_cells(cells, ncells);
    spec_fini(&sp);
    return status;
}

/* ---- vkmmu merge ---- */

struct mg_cell {
    char *id, *rest; /* rest: "workload,costs,vk_mem,reflect_scale" */
};

static int mg_cmp(const void *a, const void *b)
{
    return strcmp(((const struct mg_cell *)a)->id, ((const struct mg_cell *)b)->id);
}

static void merge_usage(FILE *out)
{
    fputs("usage: vkmmu merge DIR -o TABLE.csv [--allow-missing]\n"
          "Merges the CSV of every cell of the sweep in DIR (its cells.tsv) into one CSV with\n"
          "the leading columns workload, costs, vk_mem (bytes, 0 = unlimited), reflect_scale,\n"
          "cell; rows sorted by cell id, each cell's rows in its own order.  The result is the\n"
          "same bytes however the sweep was run (resumed, -j, parallel, Slurm).\n"
          "\n"
          "options:\n"
          "  -o FILE              the merged CSV (written atomically; - for standard output)\n"
          "  --allow-missing      merge the complete cells when some are missing (default: fail)\n"
          "  -h, --help           this text\n"
          "\n"
          "exit status: 0 success, 1 cells missing or unreadable, 2 bad usage\n",
          out);
}

/* Refuses an -o that names cells.tsv or one of the cells' results (a merge into the sweep
 * directory's own files). */
static int merge_check_paths(const char *dir, const char *mpath, const struct mg_cell *mc,
                             size_t n, const char *out)
{
    struct sim_paths paths;
    sim_paths_init(&paths);
    sim_paths_add(&paths, "DIR/cells.tsv", mpath, SIM_PATH_IN);
    char **names = xrealloc(NULL, (2 * n + 1) * sizeof(*names));
    for (size_t i = 0; i < n; i++) {
        names[2 * i] = xfmt("%s/cells/%s.csv", dir, mc[i].id);
        names[2 * i + 1] = xfmt("%s/cells/%s.json", dir, mc[i].id);
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

int cmd_merge(int argc, char **argv)
{
    const char *dir = NULL, *out = NULL;
    bool allow_missing = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            merge_usage(stdout);
            return VKMMU_EXIT_OK;
        } else if (!strcmp(a, "--allow-missing")) {
            allow_missing = true;
        } else if (!strcmp(a, "-o") || !strcmp(a, "--output")) {
            if (i + 1 >= argc) {
                fprintf(stderr, "vkmmu merge: %s: missing file name\n", a);
                return VKMMU_EXIT_USAGE;
            }
            out = argv[++i];
        } else if (!strncmp(a, "-o", 2) && a[2]) {
            out = a + 2;
        } else if (!strncmp(a, "--output=", 9)) {
            out = a + 9;
        } else if (a[0] == '-' && a[1]) {
            fprintf(stderr, "vkmmu merge: unknown option '%s' (see vkmmu merge --help)\n", a);
            return VKMMU_EXIT_USAGE;
        } else if (dir) {
            fprintf(stderr, "vkmmu merge: one DIR only ('%s' and '%s')\n", dir, a);
            return VKMMU_EXIT_USAGE;
        } else {
            dir = a;
        }
    }
    if (!dir || !out || !*out) {
        fprintf(stderr, "vkmmu merge: expected DIR and -o FILE (see vkmmu merge --help)\n");
        return VKMMU_EXIT_USAGE;
    }
    char *mpath = xfmt("%s/cells.tsv", dir);
    char *man = slurp(mpath, NULL);
    if (!man) {
        fprintf(stderr, "vkmmu merge: %s: %s (not a sweep directory?)\n", mpath, strerror(errno));
        free(mpath);
        return VKMMU_EXIT_USAGE;
    }
    struct mg_cell *mc = NULL;
    size_t n = 0;
    unsigned lineno = 0;
    int status = VKMMU_EXIT_OK;
    for (char *save = NULL, *l = strtok_r(man, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
        lineno++;
        if (lineno == 1) {
            if (strcmp(l, "cell\tworkload\tcosts\tvk_mem\treflect_scale")) {
                fprintf(stderr, "vkmmu merge: %s:1: unexpected header\n", mpath);
                status = VKMMU_EXIT_USAGE;
                break;
            }
            continue;
        }
        char *tab = strchr(l, '\t');
        if (!tab) {
            fprintf(stderr, "vkmmu merge: %s:%u: expected 5 tab-separated fields\n", mpath,
                    lineno);
            status = VKMMU_EXIT_USAGE;
            break;
        }
        *tab = '\0';
        mc = xrealloc(mc, (n + 1) * sizeof(*mc));
        mc[n].id = xstrdup(l);
        mc[n].rest = xstrdup(tab + 1);
        for (char *p = mc[n].rest; *p; p++)
            if (*p == '\t')
                *p = ',';
        n++;
    }
    free(man);
    if (status == VKMMU_EXIT_OK)
        qsort(mc, n, sizeof(*mc), mg_cmp);
    if (status == VKMMU_EXIT_OK)
        status = merge_check_paths(dir, mpath, mc, n, out);

    size_t missing = 0, merged = 0;
    struct sbuf t = {0};
    char *header = NULL;
    for (size_t i = 0; i < n && status == VKMMU_EXIT_OK; i++) {
        char *cpath = xfmt("%s/cells/%s.csv", dir, mc[i].id);
        char *jpath = xfmt("%s/cells/%s.json", dir, mc[i].id);
        size_t clen;
        char *csv = file_exists(jpath) ? slurp(cpath, &clen) : NULL;
        free(jpath);
        if (!csv) {
            missing++;
            if (!allow_missing || missing <= 5)
                fprintf(stderr, "vkmmu merge: cell %s: missing (%s)\n", mc[i].id, cpath);
            free(cpath);
            continue;
        }
        char *nl = strchr(csv, '\n');
        if (!nl || csv[clen - 1] != '\n') {
            fprintf(stderr, "vkmmu merge: %s: not a vkmmu CSV (no header line)\n", cpath);
            status = VKMMU_EXIT_USAGE;
            free(csv);
            free(cpath);
            break;
        }
        *nl = '\0';
        if (!header) {
            header = xstrdup(csv);
            sb_add(&t, "workload,costs,vk_mem,reflect_scale,cell,%s\n", header);
        } else if (strcmp(header, csv)) {
            fprintf(stderr, "vkmmu merge: %s: its columns differ from the other cells' (results "
                            "of another vkmmu version?)\n", cpath);
            status = VKMMU_EXIT_USAGE;
            free(csv);
            free(cpath);
            break;
        }
        for (char *save = NULL, *row = strtok_r(nl + 1, "\n", &save); row;
             row = strtok_r(NULL, "\n", &save)) {
            sb_add(&t, "%s,%s,%s\n", mc[i].rest, mc[i].id, row);
        }
        merged++;
        free(csv);
        free(cpath);
    }
    if (status == VKMMU_EXIT_OK && missing && !allow_missing) {
        fprintf(stderr, "vkmmu merge: %zu of %zu cells missing; finish the sweep (run it again) "
                        "or pass --allow-missing\n", missing, n);
        status = VKMMU_EXIT_USAGE;
    }
    if (status == VKMMU_EXIT_OK && !header) {
        fprintf(stderr, "vkmmu merge: %s: no complete cells\n", dir);
        status = VKMMU_EXIT_USAGE;
    }
    if (status == VKMMU_EXIT_OK) {
        if (!strcmp(out, "-")) {
            fputs(t.s, stdout);
            if (fflush(stdout) != 0)
                status = VKMMU_EXIT_FAILED;
        } else if (write_atomic(out, t.s) < 0) {
            status = VKMMU_EXIT_FAILED;
        }
        if (status == VKMMU_EXIT_OK)
            fprintf(stderr, "vkmmu merge: %zu cells%s into %s\n", merged,
                    missing ? " (some missing: --allow-missing)" : "", out);
    }
    free(header);
    free(t.s);
    for (size_t i = 0; i < n; i++) {
        free(mc[i].id);
        free(mc[i].rest);
    }
    free(mc);
    free(mpath);
    return status;
}
