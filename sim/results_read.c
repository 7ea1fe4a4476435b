/* sim/results_read.c - vkmmu JSON and CSV result files read back into memory.  JSON is parsed
 * by json-c (sim_json_parse) and its tree walked by the names of results_schema.h; CSV is
 * split by hand (plain fields, one row per configuration).  Result files are read whole. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "results_json.h"
#include "results_read.h"
#include "results_schema.h"

static char *xstrdup(const char *s)
{
    return strdup(s ? s : "");
}

/* ---- file helpers ---- */

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

/* ---- where a value is in the text ----
 * json-c keeps no offsets of values, but an error about a value names its byte offset and
 * shows its text as written, and json-c reads an integer past 2^64 - 1 as 2^64 - 1, so a
 * counter of that value is checked against its text.  The text has been parsed by json-c
 * already: walking it needs no error checks (strings are skipped with their escapes,
 * brackets matched). */

/* One step of a path from the root: the member key, or (key NULL) the element index. */
struct json_step {
    const char *key;
    size_t index;
};
#define JSON_PATH_MAX 6 /* results, [i], timeline, [p], counters, COUNTER */

static size_t skip_space(const char *t, size_t i)
{
    while (t[i] && strchr(" \t\r\n", t[i]))
        i++;
    return i;
}

/* The offset just past the value at i. */
static size_t skip_value(const char *t, size_t i)
{
    int depth = 0;
    do {
        if (t[i] == '"') {
            for (i++; t[i] && t[i] != '"'; i++)
                if (t[i] == '\\' && t[i + 1])
                    i++;
            i += t[i] ? 1 : 0;
        } else if (t[i] == '{' || t[i] == '[') {
            depth++, i++;
        } else if (t[i] == '}' || t[i] == ']') {
            depth--, i++;
        } else if (depth == 0) {
            while (t[i] && !strchr(",]} \t\r\n", t[i]))
                i++;
        } else {
            i++;
        }
    } while (depth > 0 && t[i]);
    return i;
}

/* The offset of the value of member key of the object at i (the last of equal names, as
 * json-c keeps), or SIZE_MAX. */
static size_t member_at(const char *t, size_t i, const char *key)
{
    size_t found = SIZE_MAX, keylen = strlen(key);
    if (t[i] != '{')
        return SIZE_MAX;
    for (i = skip_space(t, i + 1); t[i] == '"';) {
        size_t name = i + 1, after = skip_value(t, i);
        bool match = after - name - 1 == keylen && !memcmp(t + name, key, keylen);
        i = skip_space(t, skip_space(t, after) + 1); /* past ':' */
        if (match)
            found = i;
        i = skip_space(t, skip_value(t, i));
        if (t[i] == ',')
            i = skip_space(t, i + 1);
    }
    return found;
}

static size_t element_at(const char *t, size_t i, size_t index)
{
    if (t[i] != '[')
        return SIZE_MAX;
    i = skip_space(t, i + 1);
    for (size_t k = 0; k < index && t[i] && t[i] != ']'; k++) {
        i = skip_space(t, skip_value(t, i));
        if (t[i] == ',')
            i = skip_space(t, i + 1);
    }
    return t[i] && t[i] != ']' ? i : SIZE_MAX;
}

static size_t value_offset(const char *text, const struct json_step *path, size_t n)
{
    size_t i = skip_space(text, 0);
    for (size_t k = 0; k < n && i != SIZE_MAX; k++)
        i = path[k].key ? member_at(text, i, path[k].key) : element_at(text, i, path[k].index);
    return i;
}

/* ---- JSON result files ---- */

struct json_reader {
    struct rr_file *f;
    const char *text; /* the file, for value_offset */
    char *err;
    size_t errlen;
};

/* Writes "FILE: byte N: MESSAGE" into err (without "byte N: " when the value at path cannot
 * be found) and returns -1. */
static int fail_at(const struct json_reader *jr, const struct json_step *path, size_t n,
                   const char *fmt, ...)
{
    char msg[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    size_t at = value_offset(jr->text, path, n);
    if (at == SIZE_MAX)
        snprintf(jr->err, jr->errlen, "%s: %s", jr->f->path, msg);
    else
        snprintf(jr->err, jr->errlen, "%s: byte %zu: %s", jr->f->path, at, msg);
    return -1;
}

static int out_of_memory(const struct json_reader *jr)
{
    snprintf(jr->err, jr->errlen, "%s: out of memory", jr->f->path);
    return -1;
}

static struct json_object *member(struct json_object *o, const char *key)
{
    struct json_object *v = NULL;
    if (json_object_is_type(o, json_type_object))
        json_object_object_get_ex(o, key, &v);
    return v;
}

static const char *member_string(struct json_object *o, const char *key)
{
    struct json_object *v = member(o, key);
    return json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

static bool is_number(struct json_object *v)
{
    return json_object_is_type(v, json_type_int) || json_object_is_type(v, json_type_double);
}

/* A counter value: a JSON integer from 0 to 2^64 - 1, read exactly.  -1 for anything else
 * (a sign, a fraction, an exponent, a value past 2^64 - 1): vkmmu writes plain integers, so
 * such a value is a damaged or edited file, never a number to round or wrap.  The message
 * shows the value as written (its first 64 characters and "..." when longer). */
static int read_counter(const struct json_reader *jr, struct json_object *v,
                        const struct json_step *path, size_t n, uint64_t *out)
{
    static const char max[] = "18446744073709551615";
    bool ok = json_object_is_type(v, json_type_int) && json_object_get_int64(v) >= 0;
    uint64_t x = ok ? json_object_get_uint64(v) : 0;
    size_t at = SIZE_MAX;
    if (!ok || x == UINT64_MAX) {
        at = value_offset(jr->text, path, n);
        ok = ok && (at == SIZE_MAX || (!strncmp(jr->text + at, max, sizeof max - 1) &&
                                       !isdigit((unsigned char)jr->text[at + sizeof max - 1])));
    }
    if (ok) {
        *out = x;
        return 0;
    }
    const char *shown = at == SIZE_MAX ? json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN)
                                       : jr->text + at;
    int len = at == SIZE_MAX ? (int)strlen(shown) : (int)(skip_value(jr->text, at) - at);
    return fail_at(jr, path, n, "counter value '%.*s%s' is not an integer from 0 to %s",
                   len > 64 ? 64 : len, shown, len > 64 ? "..." : "", max);
}

/* Fills c from a "counters" object at path[0..n): known names only, the others read as 0. */
static int read_counters(const struct json_reader *jr, struct json_object *o,
                         struct json_step *path, size_t n, uint64_t *c)
{
    memset(c, 0, sizeof(uint64_t) * MMU_NCOUNTERS);
    json_object_object_foreach(o, key, value)
    {
        int k = mmu_counter_find(key);
        path[n] = (struct json_step){key, 0};
        if (k >= 0 && read_counter(jr, value, path, n + 1, &c[k]) < 0)
            return -1;
    }
    return 0;
}

/* meta.command_line's strings joined by spaces. */
static char *command_line(struct json_object *argv)
{
    size_t n = json_object_is_type(argv, json_type_array) ? json_object_array_length(argv) : 0;
    size_t len = 1;
    for (size_t i = 0; i < n; i++)
        len += (size_t)json_object_get_string_len(json_object_array_get_idx(argv, i)) + 1;
    char *s = calloc(1, len), *end = s;
    for (size_t i = 0; s && i < n; i++) {
        struct json_object *arg = json_object_array_get_idx(argv, i);
        if (i)
            *end++ = ' ';
        if (json_object_is_type(arg, json_type_string))
            end = stpcpy(end, json_object_get_string(arg));
    }
    return s;
}

static int read_meta(const struct json_reader *jr, struct json_object *meta)
{
    struct rr_file *f = jr->f;
    struct json_object *costs = member(meta, SIM_KEY_COSTS);
    struct json_object *values = member(costs, SIM_KEY_COSTS_VALUES);
    f->version = xstrdup(member_string(meta, SIM_KEY_VERSION));
    f->git_commit = xstrdup(member_string(meta, SIM_KEY_GIT_COMMIT));
    f->command_line = command_line(member(meta, SIM_KEY_COMMAND_LINE));
    f->cost_profile = xstrdup(member_string(costs, SIM_KEY_COSTS_PROFILE));
    f->has_costs = json_object_is_type(values, json_type_object);
    for (size_t k = 0; f->has_costs && k < MMU_NCOSTS; k++) {
        struct json_object *v = member(values, mmu_cost_names[k]);
        f->has_costs = is_number(v);
        f->costs[k] = json_object_get_double(v);
    }
    struct json_object *clock = member(costs, SIM_KEY_COSTS_CLOCK_GHZ);
    f->clock_ghz = is_number(clock) ? json_object_get_double(clock) : 0;
    const char *unit = member_string(meta, SIM_KEY_TIMELINE_UNIT);
    if (!unit)
        unit = member_string(meta, SIM_KEY_OLD_INTERVAL_UNIT);
    if (!unit)
        unit = member_string(member(meta, SIM_KEY_OLD_INTERVAL), SIM_KEY_OLD_INTERVAL_UNIT_MEMBER);
    if (unit && !(f->timeline_unit = strdup(unit)))
        return out_of_memory(jr);
    return f->version && f->git_commit && f->command_line && f->cost_profile ? 0
                                                                              : out_of_memory(jr);
}

/* The result's "timeline" array (path: the result's, with room for 4 more steps). */
static int read_timeline(const struct json_reader *jr, struct json_object *timeline,
                         struct json_step *path, struct rr_result *r)
{
    size_t n = json_object_is_type(timeline, json_type_array) ? json_object_array_length(timeline)
                                                              : 0;
    if (!n)
        return 0;
    if (!(r->timeline = calloc(n, sizeof(*r->timeline))))
        return out_of_memory(jr);
    path[2] = (struct json_step){SIM_KEY_TIMELINE, 0};
    for (size_t p = 0; p < n; p++) {
        struct json_object *point = json_object_array_get_idx(timeline, p);
        struct json_object *end = member(point, SIM_KEY_TIMELINE_END);
        struct json_object *counters = member(point, SIM_KEY_COUNTERS);
        path[3] = (struct json_step){NULL, p};
        if (!is_number(end) || !json_object_is_type(counters, json_type_object))
            return fail_at(jr, path, 4,
                           "timeline point lacks a numeric \"" SIM_KEY_TIMELINE_END
                           "\" and \"" SIM_KEY_COUNTERS "\"");
        r->timeline[p].end = json_object_get_double(end);
        path[4] = (struct json_step){SIM_KEY_COUNTERS, 0};
        if (read_counters(jr, counters, path, 5, r->timeline[p].c) < 0)
            return -1;
    }
    r->ntimeline = n;
    return 0;
}

static int read_result(const struct json_reader *jr, struct json_object *e, size_t i)
{
    struct rr_file *f = jr->f;
    struct json_step path[JSON_PATH_MAX] = {{SIM_KEY_RESULTS, 0}, {NULL, i}};
    const char *scheme = member_string(e, SIM_KEY_SCHEME);
    const char *policy = member_string(e, SIM_KEY_POLICY);
    const char *dirty = member_string(e, SIM_KEY_DIRTY);
    struct json_object *counters = member(e, SIM_KEY_COUNTERS), *options;
    if (!scheme || !policy || !dirty || !json_object_is_type(counters, json_type_object))
        return fail_at(jr, path, 2, "result %zu lacks scheme, policy, dirty or counters", i);
    struct rr_result *r = &f->r[f->n++];
    r->workload = xstrdup(f->workload);
    r->scheme = xstrdup(scheme);
    r->policy = xstrdup(policy);
    r->dirty = xstrdup(dirty);
    /* For duplicate detection: the options as compact JSON text, "" when absent. */
    r->options = xstrdup(json_object_object_get_ex(e, SIM_KEY_OPTIONS, &options)
                             ? json_object_to_json_string_ext(options, JSON_C_TO_STRING_PLAIN)
                             : "");
    if (!r->workload || !r->scheme || !r->policy || !r->dirty || !r->options)
        return out_of_memory(jr);
    path[2] = (struct json_step){SIM_KEY_COUNTERS, 0};
    if (read_counters(jr, counters, path, 3, r->c) < 0)
        return -1;
    struct json_object *overhead = member(e, SIM_KEY_OVERHEAD);
    r->overhead = is_number(overhead) ? json_object_get_double(overhead) : NAN;
    return read_timeline(jr, member(e, SIM_KEY_TIMELINE), path, r);
}

static int read_json(const struct json_reader *jr, struct json_object *root)
{
    struct rr_file *f = jr->f;
    struct json_object *meta = member(root, SIM_KEY_META);
    struct json_object *results = member(root, SIM_KEY_RESULTS);
    const char *tool = member_string(meta, SIM_KEY_TOOL);
    if (!tool || strcmp(tool, SIM_RESULTS_TOOL) || !json_object_is_type(results, json_type_array)) {
        snprintf(jr->err, jr->errlen,
                 "%s: not a vkmmu result file (no " SIM_KEY_META "." SIM_KEY_TOOL
                 " \"" SIM_RESULTS_TOOL "\" and " SIM_KEY_RESULTS " array)",
                 f->path);
        return -1;
    }
    if (read_meta(jr, meta) < 0)
        return -1;
    const char *name = member_string(member(root, SIM_KEY_WORKLOAD), SIM_KEY_WORKLOAD_NAME);
    f->workload = rr_workload_label(name && *name ? name : f->path);
    size_t n = json_object_array_length(results);
    f->r = calloc(n ? n : 1, sizeof(*f->r));
    if (!f->r || !f->workload)
        return out_of_memory(jr);
    for (size_t i = 0; i < n; i++)
        if (read_result(jr, json_object_array_get_idx(results, i), i) < 0)
            return -1;
    return 0;
}

static int load_json(struct rr_file *f, const char *text, size_t len, char *err, size_t errlen)
{
    char why[160];
    struct json_object *root = sim_json_parse(text, len, why, sizeof why);
    if (!root) {
        snprintf(err, errlen, "%s: not valid JSON: %s", f->path, why);
        return -1;
    }
    struct json_reader jr = {f, text, err, errlen};
    int rc = read_json(&jr, root);
    json_object_put(root);
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

#define CSV_MAX_FIELDS 256

/* The header row: which column holds what (-1: none). */
struct csv_columns {
    size_t n;
    int scheme, policy, dirty, overhead, workload;
    int counter[CSV_MAX_FIELDS]; /* the mmu counter of each column, or -1 */
};

static int csv_header(struct csv_columns *cols, char **fields, size_t n, const char *path,
                      char *err, size_t errlen)
{
    *cols = (struct csv_columns){
        .n = n, .scheme = -1, .policy = -1, .dirty = -1, .overhead = -1, .workload = -1};
    for (size_t k = 0; k < n; k++) {
        int *role = !strcmp(fields[k], SIM_KEY_SCHEME)     ? &cols->scheme
                    : !strcmp(fields[k], SIM_KEY_POLICY)   ? &cols->policy
                    : !strcmp(fields[k], SIM_KEY_DIRTY)    ? &cols->dirty
                    : !strcmp(fields[k], SIM_KEY_OVERHEAD) ? &cols->overhead
                    : !strcmp(fields[k], "workload")       ? &cols->workload
                                                           : NULL;
        if (role)
            *role = (int)k;
        cols->counter[k] = mmu_counter_find(fields[k]);
    }
    if (cols->scheme < 0 || cols->policy < 0 || cols->dirty < 0) {
        snprintf(err, errlen, "%s:1: not a vkmmu result file (no scheme, policy and dirty columns)",
                 path);
        return -1;
    }
    return 0;
}

/* Fills r from a data row of cols->n fields. */
static int csv_row(struct rr_file *f, struct rr_result *r, const struct csv_columns *cols,
                   char **fields, size_t lineno, char *err, size_t errlen)
{
    const char *wl = cols->workload >= 0 && *fields[cols->workload] ? fields[cols->workload]
                                                                    : f->workload;
    r->workload = xstrdup(wl);
    r->scheme = xstrdup(fields[cols->scheme]);
    r->policy = xstrdup(fields[cols->policy]);
    r->dirty = xstrdup(fields[cols->dirty]);
    r->options = xstrdup("");
    if (!r->workload || !r->scheme || !r->policy || !r->dirty || !r->options) {
        snprintf(err, errlen, "%s: out of memory", f->path);
        return -1;
    }
    for (size_t k = 0; k < cols->n; k++) {
        if (cols->counter[k] < 0)
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
        r->c[cols->counter[k]] = v;
    }
    r->overhead = NAN;
    if (cols->overhead >= 0 && *fields[cols->overhead]) {
        char *end;
        double v = strtod(fields[cols->overhead], &end);
        if (end != fields[cols->overhead] && !*end)
            r->overhead = v;
    }
    return 0;
}

/* Room for one more result in f->r; -1 when out of memory. */
static int csv_grow(struct rr_file *f, size_t *cap)
{
    if (f->n < *cap)
        return 0;
    size_t ncap = *cap ? *cap * 2 : 16;
    struct rr_result *nr = realloc(f->r, ncap * sizeof(*nr));
    if (!nr)
        return -1;
    f->r = nr;
    *cap = ncap;
    return 0;
}

static int load_csv(struct rr_file *f, char *text, char *err, size_t errlen)
{
    char *fields[CSV_MAX_FIELDS];
    struct csv_columns cols = {0};
    size_t lineno = 0, cap = 0;
    f->workload = rr_workload_label(f->path);
    if (!f->workload) {
        snprintf(err, errlen, "%s: out of memory", f->path);
        return -1;
    }
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        lineno++;
        size_t len = strlen(line);
        if (len && line[len - 1] == '\r')
            line[--len] = 0;
        if (!len)
            continue;
        size_t n = csv_split(line, fields, CSV_MAX_FIELDS);
        if (n > CSV_MAX_FIELDS) {
            snprintf(err, errlen, "%s:%zu: more than %d columns", f->path, lineno,
                     CSV_MAX_FIELDS);
            return -1;
        }
        if (!cols.n) {
            if (csv_header(&cols, fields, n, f->path, err, errlen) < 0)
                return -1;
            continue;
        }
        if (n != cols.n) {
            snprintf(err, errlen, "%s:%zu: %zu fields, the header has %zu", f->path, lineno, n,
                     cols.n);
            return -1;
        }
        if (csv_grow(f, &cap) < 0) {
            snprintf(err, errlen, "%s: out of memory", f->path);
            return -1;
        }
        struct rr_result *r = &f->r[f->n++];
        memset(r, 0, sizeof(*r));
        if (csv_row(f, r, &cols, fields, lineno, err, errlen) < 0)
            return -1;
    }
    if (!cols.n) {
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
