/* tools/sweep_util.c - allocation, strings, text and files for sweep and merge
 * (sweep_util.h). */
#include "sweep_util.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "sim.h"

static void out_of_memory(void)
{
    fputs("vkmmu: out of memory\n", stderr);
    exit(VKMMU_EXIT_FAILED);
}

void *sweep_malloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        out_of_memory();
    return p;
}

void *sweep_realloc(void *p, size_t n)
{
    p = realloc(p, n ? n : 1);
    if (!p)
        out_of_memory();
    return p;
}

char *sweep_strdup(const char *s)
{
    size_t n = strlen(s) + 1;
    return memcpy(sweep_malloc(n), s, n);
}

char *sweep_format(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = NULL;
    int n = vasprintf(&s, fmt, ap);
    va_end(ap);
    if (n < 0)
        out_of_memory();
    return s;
}

void sweep_text_add(struct sweep_text *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if (b->len + (size_t)n + 1 > b->cap) {
        b->cap = (b->len + (size_t)n + 1) * 2;
        b->s = sweep_realloc(b->s, b->cap);
    }
    va_start(ap, fmt);
    vsnprintf(b->s + b->len, b->cap - b->len, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

void sweep_strings_push(struct sweep_strings *a, const char *s)
{
    if (a->n + 2 > a->cap) {
        a->cap = a->cap ? a->cap * 2 : 16;
        a->v = sweep_realloc(a->v, a->cap * sizeof(*a->v));
    }
    a->v[a->n++] = sweep_strdup(s);
    a->v[a->n] = NULL;
}

void sweep_strings_free(struct sweep_strings *a)
{
    for (size_t i = 0; i < a->n; i++)
        free(a->v[i]);
    free(a->v);
    memset(a, 0, sizeof(*a));
}

bool sweep_strings_has(const struct sweep_strings *a, const char *s)
{
    for (size_t i = 0; i < a->n; i++)
        if (!strcmp(a->v[i], s))
            return true;
    return false;
}

char *sweep_strings_join(const struct sweep_strings *a)
{
    size_t len = 1;
    for (size_t i = 0; i < a->n; i++)
        len += strlen(a->v[i]) + 1;
    char *s = sweep_malloc(len), *p = s;
    *p = '\0';
    for (size_t i = 0; i < a->n; i++)
        p += sprintf(p, "%s%s", i ? "," : "", a->v[i]);
    return s;
}

bool sweep_file_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

int sweep_make_directories(const char *path)
{
    char *p = sweep_strdup(path);
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

int sweep_write_atomic(const char *path, const char *text)
{
    char *tmp;
    FILE *f = sim_atomic_open(path, &tmp);
    if (!f)
        return -1;
    fputs(text, f);
    return sim_atomic_close(f, tmp, path);
}

char *sweep_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    size_t cap = 65536, n = 0;
    char *b = sweep_malloc(cap);
    size_t got;
    while ((got = fread(b + n, 1, cap - n - 1, f)) > 0) {
        n += got;
        if (cap - n < 2) {
            cap *= 2;
            b = sweep_realloc(b, cap);
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

char *sweep_shell_quote(const char *s)
{
    size_t n = 3;
    for (const char *p = s; *p; p++)
        n += *p == '\'' ? 4 : 1;
    char *q = sweep_malloc(n), *o = q;
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
