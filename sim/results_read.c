/* sim/results_read.c - vkmmu JSON and CSV result files read back into memory.  The JSON reader
 * is a small complete parser (RFC 8259 values into a tree); result files are small (tens of
 * kilobytes), so the whole file is read at once. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "results_read.h"

/* ---- a JSON tree ---- */

enum jtype { J_NULL, J_BOOL, J_NUM, J_STR, J_ARR, J_OBJ };
struct jval {
    enum jtype t;
    bool b;
    double num;
    const char *numtext; /* the number as written (for exact u64 counters) */
    size_t numlen;
    char *str;          /* J_STR */
    struct jval *items; /* J_ARR / J_OBJ values */
    char **keys;        /* J_OBJ */
    size_t n;
    size_t start, end; /* byte offsets of the value's text */
};

struct jparser {
    const char *s;
    size_t len, pos;
    char err[160];
    int depth;
};

static void jfree(struct jval *v)
{
    free(v->str);
    for (size_t i = 0; i < v->n; i++) {
        jfree(&v->items[i]);
        if (v->keys)
            free(v->keys[i]);
    }
    free(v->items);
    free(v->keys);
    memset(v, 0, sizeof(*v));
}

static int jfail(struct jparser *p, const char *fmt, ...)
{
    if (!p->err[0]) {
        char msg[120];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        snprintf(p->err, sizeof(p->err), "byte %zu: %s", p->pos, msg);
    }
    return -1;
}

static void jws(struct jparser *p)
{
    while (p->pos < p->len && strchr(" \t\r\n", p->s[p->pos]))
        p->pos++;
}

static int jvalue(struct jparser *p, struct jval *v);

static void utf8_put(char *out, size_t *k, unsigned cp)
{
    if (cp < 0x80) {
        out[(*k)++] = (char)cp;
    } else if (cp < 0x800) {
        out[(*k)++] = (char)(0xC0 | (cp >> 6));
        out[(*k)++] = (char)(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        out[(*k)++] = (char)(0xE0 | (cp >> 12));
        out[(*k)++] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[(*k)++] = (char)(0x80 | (cp & 0x3F));
    } else {
        out[(*k)++] = (char)(0xF0 | (cp >> 18));
        out[(*k)++] = (char)(0x80 | ((cp >> 12) & 0x3F));
        out[(*k)++] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[(*k)++] = (char)(0x80 | (cp & 0x3F));
    }
}

static int jhex4(struct jparser *p, unsigned *cp)
{
    if (p->pos + 4 > p->len)
        return jfail(p, "truncated \\u escape");
    *cp = 0;
    for (int i = 0; i < 4; i++) {
        char c = p->s[p->pos++];
        unsigned d = (c >= '0' && c <= '9')   ? (unsigned)(c - '0')
                     : (c >= 'a' && c <= 'f') ? (unsigned)(c - 'a' + 10)
                     : (c >= 'A' && c <= 'F') ? (unsigned)(c - 'A' + 10)
                                              : 16;
        if (d == 16)
            return jfail(p, "bad \\u escape");
        *cp = *cp * 16 + d;
    }
    return 0;
}

/* At the opening quote; *out receives a malloc'd UTF-8 string. */
static int jstring(struct jparser *p, char **out)
{
    p->pos++;
    size_t start = p->pos;
    while (p->pos < p->len && p->s[p->pos] != '"') {
        if (p->s[p->pos] == '\\')
            p->pos++;
        p->pos++;
    }
    if (p->pos >= p->len)
        return jfail(p, "unterminated string");
    /* Escapes never lengthen the text (\uXXXX is 6 bytes for at most 4). */
    char *s = malloc(p->pos - start + 1);
    if (!s)
        return jfail(p, "out of memory");
    size_t k = 0, end = p->pos;
    p->pos = start;
    while (p->pos < end) {
        unsigned char c = (unsigned char)p->s[p->pos++];
        if (c < 0x20) {
            free(s);
            return jfail(p, "control character in a string");
        }
        if (c != '\\') {
            s[k++] = (char)c;
            continue;
        }
        char e = p->s[p->pos++];
        switch (e) {
        case '"': s[k++] = '"'; break;
        case '\\': s[k++] = '\\'; break;
        case '/': s[k++] = '/'; break;
        case 'b': s[k++] = '\b'; break;
        case 'f': s[k++] = '\f'; break;
        case 'n': s[k++] = '\n'; break;
        case 'r': s[k++] = '\r'; break;
        case 't': s[k++] = '\t'; break;
        case 'u': {
            unsigned cp;
            if (jhex4(p, &cp) < 0) {
                free(s);
                return -1;
            }
            if (cp >= 0xD800 && cp < 0xDC00 && p->pos + 6 <= end && p->s[p->pos] == '\\' &&
                p->s[p->pos + 1] == 'u') {
                unsigned lo;
                p->pos += 2;
                if (jhex4(p, &lo) < 0) {
                    free(s);
                    return -1;
                }
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            }
            utf8_put(s, &k, cp);
            break;
        }
        default:
            free(s);
            p->pos--;
            return jfail(p, "bad escape '\\%c'", e);
        }
    }
    s[k] = 0;
    p->pos = end + 1;
    *out = s;
    return 0;
}

/* Parses `{...}` or `[...]`. */
static int jcontainer(struct jparser *p, struct jval *v, bool obj)
{
    char close = obj ? '}' : ']';
    size_t cap = 0;
    v->t = obj ? J_OBJ : J_ARR;
    p->pos++;
    if (++p->depth > 64)
        return jfail(p, "nesting too deep");
    jws(p);
    if (p->pos < p->len && p->s[p->pos] == close) {
        p->pos++;
        p->depth--;
        return 0;
    }
    for (;;) {
        if (v->n == cap) {
            cap = cap ? cap * 2 : 8;
            struct jval *ni = realloc(v->items, cap * sizeof(*ni));
            if (!ni)
                return jfail(p, "out of memory");
            v->items = ni;
            if (obj) {
                char **nk = realloc(v->keys, cap * sizeof(*nk));
                if (!nk)
                    return jfail(p, "out of memory");
                v->keys = nk;
            }
        }
        char *key = NULL;
        jws(p);
        if (obj) {
            if (p->pos >= p->len || p->s[p->pos] != '"')
                return jfail(p, "expected a member name");
            if (jstring(p, &key) < 0)
                return -1;
            jws(p);
            if (p->pos >= p->len || p->s[p->pos] != ':') {
                free(key);
                return jfail(p, "expected ':'");
            }
            p->pos++;
        }
        memset(&v->items[v->n], 0, sizeof(v->items[0]));
        if (obj)
            v->keys[v->n] = key;
        v->n++;
        if (jvalue(p, &v->items[v->n - 1]) < 0)
            return -1;
        jws(p);
        if (p->pos < p->len && p->s[p->pos] == ',') {
            p->pos++;
            continue;
        }
        if (p->pos < p->len && p->s[p->pos] == close) {
            p->pos++;
            p->depth--;
            return 0;
        }
        return jfail(p, "expected ',' or '%c'", close);
    }
}

static int jvalue(struct jparser *p, struct jval *v)
{
    jws(p);
    v->start = p->pos;
    if (p->pos >= p->len)
        return jfail(p, "unexpected end of file");
    char c = p->s[p->pos];
    int rc = 0;
    if (c == '{' || c == '[') {
        rc = jcontainer(p, v, c == '{');
    } else if (c == '"') {
        v->t = J_STR;
        rc = jstring(p, &v->str);
    } else if (!strncmp(p->s + p->pos, "null", 4)) {
        v->t = J_NULL;
        p->pos += 4;
    } else if (!strncmp(p->s + p->pos, "true", 4)) {
        v->t = J_BOOL;
        v->b = true;
        p->pos += 4;
    } else if (!strncmp(p->s + p->pos, "false", 5)) {
        v->t = J_BOOL;
        p->pos += 5;
    } else if (c == '-' || (c >= '0' && c <= '9')) {
        char *end;
        /* The text is not NUL-terminated at the number: strtod stops at the first non-number
         * character, and the buffer is NUL-terminated at its end. */
        v->num = strtod(p->s + p->pos, &end);
        if (end == p->s + p->pos)
            return jfail(p, "bad number");
        v->t = J_NUM;
        v->numtext = p->s + p->pos;
        v->numlen = (size_t)(end - (p->s + p->pos));
        p->pos = (size_t)(end - p->s);
    } else {
        return jfail(p, "unexpected character '%c'", c);
    }
    v->end = p->pos;
    return rc;
}

static const struct jval *jget(const struct jval *o, const char *key)
{
    if (!o || o->t != J_OBJ)
        return NULL;
    for (size_t i = 0; i < o->n; i++)
        if (!strcmp(o->keys[i], key))
            return &o->items[i];
    return NULL;
}

static const char *jstr(const struct jval *v)
{
    return v && v->t == J_STR ? v->str : NULL;
}

/* A counter value: a JSON integer from 0 to 2^64 - 1, read exactly.  -1 for anything else
 * (a sign, a fraction, an exponent, a value past 2^64 - 1): vkmmu writes plain integers, so
 * such a value is a damaged or edited file, never a number to round or wrap. */
static int jnum_u64(const struct jval *v, uint64_t *out)
{
    if (!v || v->t != J_NUM || !v->numlen)
        return -1;
    uint64_t x = 0;
    for (size_t i = 0; i < v->numlen; i++) {
        char c = v->numtext[i];
        if (c < '0' || c > '9' || __builtin_mul_overflow(x, 10, &x) ||
            __builtin_add_overflow(x, (uint64_t)(c - '0'), &x))
            return -1;
    }
    *out = x;
    return 0;
}

/* ---- file helpers ---- */

static char *xstrdup(const char *s)
{
    return strdup(s ? s : "");
}

char *rr_workload_label(const char *path)
{
    const char *b = strrchr(path, '/');
    b = b ? b + 1 : path;
    char *s = xstrdup(b);
    if (!s)
        return NULL;
    static const char *const sufs[] = {".xz", ".gz", ".json", ".csv", ".txt", ".vkt", ".champsim"};
    /* Strip repeatedly: "ls.vkt.txt" -> "ls"; a name that would become empty is kept. */
    for (bool again = true; again;) {
        again = false;
        for (size_t i = 0; i < sizeof(sufs) / sizeof(sufs[0]); i++) {
            size_t n = strlen(s), m = strlen(sufs[i]);
            if (n > m && !strcmp(s + n - m, sufs[i])) {
                s[n - m] = 0;
                again = true;
            }
        }
    }
    return s;
}

static char *read_all(const char *path, size_t *len, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        return NULL;
    }
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap + 1);
    while (buf) {
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (n < cap)
            break;
        cap *= 2;
        char *nb = realloc(buf, cap + 1);
        if (!nb) {
            free(buf);
            buf = NULL;
        }
        buf = nb;
    }
    if (!buf) {
        fclose(f);
        snprintf(err, errlen, "%s: out of memory", path);
        return NULL;
    }
    if (ferror(f)) {
        snprintf(err, errlen, "%s: read error: %s", path, strerror(errno));
        fclose(f);
        free(buf);
        return NULL;
    }
    fclose(f);
    buf[n] = 0;
    *len = n;
    return buf;
}

static void result_fini(struct rr_result *r)
{
    free(r->workload);
    free(r->scheme);
    free(r->policy);
    free(r->dirty);
    free(r->options);
    free(r->timeline);
}

void rr_file_fini(struct rr_file *f)
{
    for (size_t i = 0; i < f->n; i++)
        result_fini(&f->r[i]);
    free(f->r);
    free(f->path);
    free(f->workload);
    free(f->version);
    free(f->git_commit);
    free(f->command_line);
    free(f->cost_profile);
    free(f->timeline_unit);
    memset(f, 0, sizeof(*f));
}

/* Fills c from a "counters" object.  NULL, or the value that is not a counter. */
static const struct jval *counters_from(const struct jval *o, uint64_t *c)
{
    memset(c, 0, sizeof(uint64_t) * MMU_NCOUNTERS);
    for (size_t i = 0; o && o->t == J_OBJ && i < o->n; i++) {
        int k = mmu_counter_find(o->keys[i]);
        if (k >= 0 && jnum_u64(&o->items[i], &c[k]) < 0)
            return &o->items[i];
    }
    return NULL;
}

/* Writes "FILE: byte N: counter value 'X' is not an integer from 0 to 2^64 - 1" into err
 * (a value over 64 characters is shown as its first 64 and "..."). */
static void bad_counter(const struct rr_file *f, const char *text, const struct jval *v,
                        char *err, size_t errlen)
{
    int n = (int)(v->end - v->start);
    snprintf(err, errlen,
             "%s: byte %zu: counter value '%.*s%s' is not an integer from 0 to "
             "18446744073709551615",
             f->path, v->start, n > 64 ? 64 : n, text + v->start, n > 64 ? "..." : "");
}

/* ---- JSON result files ---- */

static int load_json(struct rr_file *f, const char *text, size_t len, char *err, size_t errlen)
{
    struct jparser p = {.s = text, .len = len};
    struct jval root = {0};
    int rc = -1;
    if (jvalue(&p, &root) < 0) {
        snprintf(err, errlen, "%s: not valid JSON: %s", f->path, p.err);
        goto out;
    }
    jws(&p);
    if (p.pos != len) {
        snprintf(err, errlen, "%s: not valid JSON: byte %zu: text after the value", f->path, p.pos);
        goto out;
    }
    const struct jval *meta = jget(&root, "meta"), *results = jget(&root, "results");
    const char *tool = jstr(jget(meta, "tool"));
    if (!tool || strcmp(tool, "vkmmu") || !results || results->t != J_ARR) {
        snprintf(err, errlen,
                 "%s: not a vkmmu result file (no meta.tool \"vkmmu\" and results array)", f->path);
        goto out;
    }
    f->version = xstrdup(jstr(jget(meta, "version")));
    f->git_commit = xstrdup(jstr(jget(meta, "git_commit")));
    const struct jval *cl = jget(meta, "command_line");
    size_t cllen = 1;
    for (size_t i = 0; cl && cl->t == J_ARR && i < cl->n; i++)
        cllen += (jstr(&cl->items[i]) ? strlen(cl->items[i].str) : 0) + 1;
    f->command_line = calloc(1, cllen);
    for (size_t i = 0; f->command_line && cl && cl->t == J_ARR && i < cl->n; i++) {
        if (i)
            strcat(f->command_line, " ");
        if (jstr(&cl->items[i]))
            strcat(f->command_line, cl->items[i].str);
    }
    const struct jval *costs = jget(meta, "costs");
    f->cost_profile = xstrdup(jstr(jget(costs, "profile")));
    const struct jval *vals = jget(costs, "values");
    if (vals && vals->t == J_OBJ) {
        f->has_costs = true;
        for (size_t k = 0; k < MMU_NCOSTS; k++) {
            const struct jval *x = jget(vals, mmu_cost_names[k]);
            if (!x || x->t != J_NUM)
                f->has_costs = false;
            else
                f->costs[k] = x->num;
        }
    }
    const char *unit = jstr(jget(meta, "timeline_unit"));
    if (!unit)
        unit = jstr(jget(meta, "interval_unit"));
    if (!unit)
        unit = jstr(jget(jget(meta, "interval"), "unit"));
    if (unit)
        f->timeline_unit = xstrdup(unit);
    const char *wname = jstr(jget(jget(&root, "workload"), "name"));
    f->workload = rr_workload_label(wname && *wname ? wname : f->path);

    f->r = calloc(results->n ? results->n : 1, sizeof(*f->r));
    if (!f->r || !f->version || !f->git_commit || !f->command_line || !f->cost_profile ||
        !f->workload) {
        snprintf(err, errlen, "%s: out of memory", f->path);
        goto out;
    }
    for (size_t i = 0; i < results->n; i++) {
        const struct jval *e = &results->items[i];
        struct rr_result *r = &f->r[f->n];
        const char *sch = jstr(jget(e, "scheme")), *pol = jstr(jget(e, "policy")),
                   *dir = jstr(jget(e, "dirty"));
        const struct jval *ctrs = jget(e, "counters");
        if (!sch || !pol || !dir || !ctrs || ctrs->t != J_OBJ) {
            snprintf(err, errlen,
                     "%s: byte %zu: result %zu lacks scheme, policy, dirty or counters", f->path,
                     e->start, i);
            goto out;
        }
        f->n++;
        r->workload = xstrdup(f->workload);
        r->scheme = xstrdup(sch);
        r->policy = xstrdup(pol);
        r->dirty = xstrdup(dir);
        const struct jval *opt = jget(e, "options");
        r->options = opt ? strndup(text + opt->start, opt->end - opt->start) : xstrdup("");
        const struct jval *bad = counters_from(ctrs, r->c);
        if (bad) {
            bad_counter(f, text, bad, err, errlen);
            goto out;
        }
        const struct jval *ov = jget(e, "overhead");
        r->overhead = ov && ov->t == J_NUM ? ov->num : NAN;
        const struct jval *tl = jget(e, "timeline");
        if (tl && tl->t == J_ARR && tl->n) {
            r->timeline = calloc(tl->n, sizeof(*r->timeline));
            if (!r->timeline) {
                snprintf(err, errlen, "%s: out of memory", f->path);
                goto out;
            }
            for (size_t k = 0; k < tl->n; k++) {
                const struct jval *pt = &tl->items[k], *end = jget(pt, "end");
                const struct jval *pc = jget(pt, "counters");
                if (!end || end->t != J_NUM || !pc || pc->t != J_OBJ) {
                    snprintf(
                        err, errlen,
                        "%s: byte %zu: timeline point lacks a numeric \"end\" and \"counters\"",
                        f->path, pt->start);
                    goto out;
                }
                r->timeline[k].end = end->num;
                if ((bad = counters_from(pc, r->timeline[k].c)) != NULL) {
                    bad_counter(f, text, bad, err, errlen);
                    goto out;
                }
            }
            r->ntimeline = tl->n;
        }
        if (!r->workload || !r->scheme || !r->policy || !r->dirty || !r->options) {
            snprintf(err, errlen, "%s: out of memory", f->path);
            goto out;
        }
    }
    rc = 0;
out:
    jfree(&root);
    return rc;
}

/* ---- CSV result files ---- */

/* Splits line (modified in place) at commas; plain fields only (vkmmu never quotes). */
static size_t csv_split(char *line, char **fields, size_t max)
{
    size_t n = 0;
    char *s = line;
    for (;;) {
        if (n < max)
            fields[n] = s;
        n++;
        char *c = strchr(s, ',');
        if (!c)
            break;
        *c = 0;
        s = c + 1;
    }
    return n;
}

static int load_csv(struct rr_file *f, char *text, char *err, size_t errlen)
{
    enum { MAXF = 256 };
    char *fields[MAXF];
    int col_scheme = -1, col_policy = -1, col_dirty = -1, col_overhead = -1, col_wl = -1;
    int ctr_of[MAXF];
    size_t ncols = 0, lineno = 0, cap = 0;
    f->workload = rr_workload_label(f->path);
    if (!f->workload) {
        snprintf(err, errlen, "%s: out of memory", f->path);
        return -1;
    }
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        lineno++;
        size_t L = strlen(line);
        if (L && line[L - 1] == '\r')
            line[--L] = 0;
        if (!L)
            continue;
        size_t n = csv_split(line, fields, MAXF);
        if (n > MAXF) {
            snprintf(err, errlen, "%s:%zu: more than %d columns", f->path, lineno, MAXF);
            return -1;
        }
        if (!ncols) {
            ncols = n;
            for (size_t k = 0; k < n; k++) {
                ctr_of[k] = mmu_counter_find(fields[k]);
                if (!strcmp(fields[k], "scheme"))
                    col_scheme = (int)k;
                else if (!strcmp(fields[k], "policy"))
                    col_policy = (int)k;
                else if (!strcmp(fields[k], "dirty"))
                    col_dirty = (int)k;
                else if (!strcmp(fields[k], "overhead"))
                    col_overhead = (int)k;
                else if (!strcmp(fields[k], "workload"))
                    col_wl = (int)k;
            }
            if (col_scheme < 0 || col_policy < 0 || col_dirty < 0) {
                snprintf(err, errlen,
                         "%s:1: not a vkmmu result file (no scheme, policy and dirty columns)",
                         f->path);
                return -1;
            }
            continue;
        }
        if (n != ncols) {
            snprintf(err, errlen, "%s:%zu: %zu fields, the header has %zu", f->path, lineno, n,
                     ncols);
            return -1;
        }
        if (f->n == cap) {
            cap = cap ? cap * 2 : 16;
            struct rr_result *nr = realloc(f->r, cap * sizeof(*nr));
            if (!nr) {
                snprintf(err, errlen, "%s: out of memory", f->path);
                return -1;
            }
            f->r = nr;
        }
        struct rr_result *r = &f->r[f->n++];
        memset(r, 0, sizeof(*r));
        r->workload = xstrdup(col_wl >= 0 && *fields[col_wl] ? fields[col_wl] : f->workload);
        r->scheme = xstrdup(fields[col_scheme]);
        r->policy = xstrdup(fields[col_policy]);
        r->dirty = xstrdup(fields[col_dirty]);
        r->options = xstrdup("");
        if (!r->workload || !r->scheme || !r->policy || !r->dirty || !r->options) {
            snprintf(err, errlen, "%s: out of memory", f->path);
            return -1;
        }
        for (size_t k = 0; k < n; k++) {
            if (ctr_of[k] < 0)
                continue;
            char *end;
            errno = 0;
            unsigned long long v = strtoull(fields[k], &end, 10);
            /* strtoull takes a sign and wraps "-1" round to 2^64 - 1: digits only */
            if (!isdigit((unsigned char)fields[k][0]) || *end || errno) {
                snprintf(err, errlen, "%s:%zu: column %zu: expected an integer counter, got '%s'",
                         f->path, lineno, k + 1, fields[k]);
                return -1;
            }
            r->c[ctr_of[k]] = v;
        }
        r->overhead = NAN;
        if (col_overhead >= 0 && *fields[col_overhead]) {
            char *end;
            double v = strtod(fields[col_overhead], &end);
            if (end != fields[col_overhead] && !*end)
                r->overhead = v;
        }
    }
    if (!ncols) {
        snprintf(err, errlen, "%s: empty file: not a vkmmu result file", f->path);
        return -1;
    }
    return 0;
}

int rr_file_load(struct rr_file *out, const char *path, char *err, size_t errlen)
{
    memset(out, 0, sizeof(*out));
    size_t len;
    char *text = read_all(path, &len, err, errlen);
    if (!text)
        return -1;
    out->path = xstrdup(path);
    int rc;
    size_t i = 0;
    while (i < len && strchr(" \t\r\n", text[i]))
        i++;
    if (!out->path) {
        snprintf(err, errlen, "%s: out of memory", path);
        rc = -1;
    } else if (memchr(text, 0, len)) {
        snprintf(err, errlen, "%s: binary data: not a vkmmu result file (JSON or CSV)", path);
        rc = -1;
    } else if (i < len && text[i] == '{') {
        out->is_json = true;
        rc = load_json(out, text, len, err, errlen);
    } else if (i == len) {
        snprintf(err, errlen, "%s: empty file: not a vkmmu result file", path);
        rc = -1;
    } else {
        rc = load_csv(out, text, err, errlen);
    }
    free(text);
    if (rc < 0)
        rr_file_fini(out);
    return rc;
}
