/* sim/results_json.c - JSON through json-c for result files: parsing, exact numbers, and the
 * serializer hooks that give result files their layout (see results_json.h). */
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json_visit.h>

#include "results_json.h"
#include "results_schema.h"
#include "sim.h"

/* Result files nest 5 deep; the limit only stops a hostile file from exhausting the stack. */
#define SIM_JSON_MAX_DEPTH 64

struct json_object *sim_json_parse(const char *text, size_t len, char *err, size_t errlen)
{
    if (len >= INT_MAX) {
        snprintf(err, errlen, "byte 0: larger than %d bytes", INT_MAX - 1);
        return NULL;
    }
    struct json_tokener *tok = json_tokener_new_ex(SIM_JSON_MAX_DEPTH);
    if (!tok) {
        snprintf(err, errlen, "byte 0: out of memory");
        return NULL;
    }
    /* Strict: RFC 8259 only (no comments, single quotes or bare words); the text after the
     * value is checked here, to name its offset. */
    json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_ALLOW_TRAILING_CHARS);
    /* The terminating 0 ends a number at the end of the text. */
    struct json_object *o = json_tokener_parse_ex(tok, text, (int)len + 1);
    enum json_tokener_error e = json_tokener_get_error(tok);
    size_t end = json_tokener_get_parse_end(tok);
    json_tokener_free(tok);
    if (!o && e == json_tokener_success) /* the value null: not a result file either */
        return json_object_new_object();
    if (!o) {
        snprintf(err, errlen, "byte %zu: %s", end > len ? len : end, json_tokener_error_desc(e));
        return NULL;
    }
    while (end < len && strchr(" \t\r\n", text[end]))
        end++;
    if (end < len) {
        json_object_put(o);
        snprintf(err, errlen, "byte %zu: text after the value", end);
        return NULL;
    }
    return o;
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

struct json_object *sim_json_number(double v, int *failed)
{
    char text[40];
    if (!isfinite(v))
        return NULL;
    sim_fmt_double(text, sizeof text, v);
    struct json_object *o = json_object_new_double_s(v, text);
    if (!o)
        *failed = 1;
    return o;
}

/* ---- layouts ---- */

static int spaces(struct printbuf *pb, int n)
{
    return n > 0 ? printbuf_memset(pb, -1, ' ', n) : 0;
}

/* Appends o as json-c writes it at the top level, indented as if written at depth level:
 * the pretty printer's only newlines are its own (strings escape theirs), so each gets 2 *
 * level more spaces after it. */
static int append_at_level(struct printbuf *pb, struct json_object *o, int level, int flags)
{
    size_t len;
    const char *s = json_object_to_json_string_length(o, flags, &len);
    if (!s)
        return -1;
    for (const char *nl; level > 0 && (nl = memchr(s, '\n', len)) != NULL;) {
        size_t n = (size_t)(nl - s) + 1;
        if (printbuf_memappend(pb, s, (int)n) < 0 || spaces(pb, 2 * level) < 0)
            return -1;
        s += n;
        len -= n;
    }
    return printbuf_memappend(pb, s, (int)len) < 0 ? -1 : 0;
}

/* Appends "key": (the key escaped by json-c, as its own string value). */
static int append_key(struct printbuf *pb, const char *key, int flags)
{
    struct json_object *k = json_object_new_string(key);
    size_t len;
    const char *s = k ? json_object_to_json_string_length(k, flags, &len) : NULL;
    int rc = s && printbuf_memappend(pb, s, (int)len) >= 0 && printbuf_strappend(pb, ": ") >= 0
                 ? 0
                 : -1;
    json_object_put(k);
    return rc;
}

static int append_inline(struct printbuf *pb, struct json_object *o, int flags);

static int append_inline_members(struct printbuf *pb, struct json_object *o, int flags)
{
    bool first = true;
    json_object_object_foreach(o, key, value)
    {
        if ((!first && printbuf_strappend(pb, ", ") < 0) || append_key(pb, key, flags) < 0 ||
            append_inline(pb, value, flags) < 0)
            return -1;
        first = false;
    }
    return 0;
}

static int append_inline(struct printbuf *pb, struct json_object *o, int flags)
{
    if (json_object_is_type(o, json_type_object)) {
        return printbuf_strappend(pb, "{") < 0 || append_inline_members(pb, o, flags) < 0 ||
                       printbuf_strappend(pb, "}") < 0
                   ? -1
                   : 0;
    }
    if (json_object_is_type(o, json_type_array)) {
        if (printbuf_strappend(pb, "[") < 0)
            return -1;
        for (size_t i = 0; i < json_object_array_length(o); i++)
            if ((i && printbuf_strappend(pb, ", ") < 0) ||
                append_inline(pb, json_object_array_get_idx(o, i), flags) < 0)
                return -1;
        return printbuf_strappend(pb, "]") < 0 ? -1 : 0;
    }
    return append_at_level(pb, o, 0, flags);
}

static int write_inline(struct json_object *o, struct printbuf *pb, int level, int flags)
{
    (void)level;
    return append_inline(pb, o, flags);
}

void sim_json_layout_inline(struct json_object *o)
{
    json_object_set_serializer(o, write_inline, NULL, NULL);
}

static int write_flat(struct json_object *o, struct printbuf *pb, int level, int flags)
{
    (void)level;
    bool first = true;
    if (printbuf_strappend(pb, "{\n") < 0)
        return -1;
    json_object_object_foreach(o, key, value)
    {
        if ((!first && printbuf_strappend(pb, ",\n") < 0) || append_key(pb, key, flags) < 0 ||
            append_at_level(pb, value, 0, flags) < 0)
            return -1;
        first = false;
    }
    return printbuf_strappend(pb, "\n}") < 0 ? -1 : 0;
}

void sim_json_layout_flat(struct json_object *o)
{
    json_object_set_serializer(o, write_flat, NULL, NULL);
}

/* The point on one line but its object members (the counters) in block layout one level up:
 * the members at the point's own indentation, the closing brace at the timeline array's. */
int sim_json_write_point(struct json_object *o, struct printbuf *pb, int level, int flags)
{
    bool first = true;
    if (printbuf_strappend(pb, "{") < 0)
        return -1;
    json_object_object_foreach(o, key, value)
    {
        if ((!first && printbuf_strappend(pb, ", ") < 0) || append_key(pb, key, flags) < 0 ||
            append_at_level(pb, value, level - 1, flags) < 0)
            return -1;
        first = false;
    }
    return printbuf_strappend(pb, "}") < 0 ? -1 : 0;
}

/* A string holding DEL: json-c's escaping of each run between DELs, DEL as \u007f. */
static int write_string_with_delete(struct json_object *o, struct printbuf *pb, int level,
                                    int flags)
{
    (void)level;
    const char *s = json_object_get_string(o);
    size_t left = (size_t)json_object_get_string_len(o);
    if (printbuf_strappend(pb, "\"") < 0)
        return -1;
    while (left) {
        const char *del = memchr(s, 0x7f, left);
        size_t run = del ? (size_t)(del - s) : left;
        struct json_object *part = json_object_new_string_len(s, (int)run);
        size_t len;
        const char *text = part ? json_object_to_json_string_length(part, flags, &len) : NULL;
        int rc = text ? printbuf_memappend(pb, text + 1, (int)len - 2) : -1;
        json_object_put(part);
        if (rc < 0 || (del && printbuf_strappend(pb, "\\u007f") < 0))
            return -1;
        run += del ? 1 : 0;
        s += run;
        left -= run;
    }
    return printbuf_strappend(pb, "\"") < 0 ? -1 : 0;
}

static int escape_delete(json_object *o, int flags, json_object *parent, const char *key,
                         size_t *index, void *arg)
{
    (void)flags, (void)parent, (void)key, (void)index, (void)arg;
    if (json_object_is_type(o, json_type_string) &&
        memchr(json_object_get_string(o), 0x7f, (size_t)json_object_get_string_len(o)))
        json_object_set_serializer(o, write_string_with_delete, NULL, NULL);
    return JSON_C_VISIT_RETURN_CONTINUE;
}

static void layout_result(struct json_object *result)
{
    struct json_object *options, *timeline;
    if (json_object_object_get_ex(result, SIM_KEY_OPTIONS, &options) && options)
        sim_json_layout_inline(options);
    if (!json_object_object_get_ex(result, SIM_KEY_TIMELINE, &timeline) ||
        !json_object_is_type(timeline, json_type_array))
        return;
    size_t n = json_object_array_length(timeline);
    if (n == 0)
        sim_json_layout_inline(timeline); /* [] */
    for (size_t p = 0; p < n; p++) {
        struct json_object *point = json_object_array_get_idx(timeline, p);
        if (json_object_is_type(point, json_type_object))
            json_object_set_serializer(point, sim_json_write_point, NULL, NULL);
    }
}

void sim_results_layout(struct json_object *root)
{
    struct json_object *meta, *command_line, *results;
    json_c_visit(root, 0, escape_delete, NULL);
    if (json_object_object_get_ex(root, SIM_KEY_META, &meta) &&
        json_object_object_get_ex(meta, SIM_KEY_COMMAND_LINE, &command_line) && command_line)
        sim_json_layout_inline(command_line);
    if (!json_object_object_get_ex(root, SIM_KEY_RESULTS, &results) ||
        !json_object_is_type(results, json_type_array))
        return;
    size_t n = json_object_array_length(results);
    if (n == 0)
        sim_json_layout_inline(results); /* [] */
    for (size_t i = 0; i < n; i++)
        layout_result(json_object_array_get_idx(results, i));
}

/* ---- result files read while serialized ---- */

struct files_source {
    char *const *paths;
    size_t n;
};

static char *read_text(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *text = NULL;
    long size = -1;
    if (fseek(f, 0, SEEK_END) == 0 && (size = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0)
        text = malloc((size_t)size + 1);
    if (text && fread(text, 1, (size_t)size, f) != (size_t)size) {
        free(text);
        text = NULL;
    }
    fclose(f);
    if (text) {
        text[size] = 0;
        *len = (size_t)size;
    }
    return text;
}

/* Appends the result file at path, parsed and laid out, and a newline. */
static int append_file(struct printbuf *pb, const char *path, int flags)
{
    size_t len;
    char err[160];
    char *text = read_text(path, &len);
    struct json_object *o = text ? sim_json_parse(text, len, err, sizeof err) : NULL;
    free(text);
    if (!o)
        return -1;
    sim_results_layout(o);
    int rc = append_at_level(pb, o, 0, flags) < 0 || printbuf_strappend(pb, "\n") < 0 ? -1 : 0;
    json_object_put(o);
    return rc;
}

static int write_files(struct json_object *o, struct printbuf *pb, int level, int flags)
{
    (void)level;
    const struct files_source *src = json_object_get_userdata(o);
    if (printbuf_strappend(pb, "[\n") < 0)
        return -1;
    for (size_t i = 0; i < src->n; i++)
        if ((i && printbuf_strappend(pb, ",\n") < 0) || append_file(pb, src->paths[i], flags) < 0)
            return -1;
    return printbuf_strappend(pb, "]") < 0 ? -1 : 0;
}

static void free_userdata(struct json_object *o, void *userdata)
{
    (void)o;
    free(userdata);
}

struct json_object *sim_results_files_array(char *const *paths, size_t n)
{
    struct json_object *a = json_object_new_array();
    struct files_source *src = malloc(sizeof *src);
    if (!a || !src) {
        json_object_put(a);
        free(src);
        return NULL;
    }
    *src = (struct files_source){paths, n};
    json_object_set_serializer(a, write_files, src, free_userdata);
    return a;
}

int sim_json_write(FILE *f, struct json_object *o)
{
    size_t len;
    const char *s = json_object_to_json_string_length(o, SIM_JSON_FLAGS, &len);
    if (!s)
        return -1;
    if (fwrite(s, 1, len, f) != len || fputc('\n', f) == EOF)
        return -1;
    return 0;
}
