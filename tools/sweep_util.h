/* tools/sweep_util.h - what the parts of `vkmmu sweep` and `vkmmu merge` share besides the
 * spec: allocation that exits on out of memory, growable strings and text, and files
 * (existence, directories, atomic writes, whole reads, shell quoting). */
#ifndef VKMMU_SWEEP_UTIL_H
#define VKMMU_SWEEP_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* malloc, realloc, strdup and asprintf that print "vkmmu: out of memory" and exit with
 * VKMMU_EXIT_FAILED instead of returning NULL. */
void *sweep_malloc(size_t n);
void *sweep_realloc(void *p, size_t n);
char *sweep_strdup(const char *s);
char *sweep_format(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A growable text buffer; s is NULL until the first sweep_text_add, then NUL-terminated. */
struct sweep_text {
    char *s;
    size_t len, cap;
};
/* Appends printf-style. */
void sweep_text_add(struct sweep_text *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A growable NULL-terminated array of strings (argument vectors, lists); zero-initialized is
 * empty.  The strings are copies owned by the array. */
struct sweep_strings {
    char **v;
    size_t n, cap;
};
void sweep_strings_push(struct sweep_strings *a, const char *s);
void sweep_strings_free(struct sweep_strings *a);
bool sweep_strings_has(const struct sweep_strings *a, const char *s);
/* The strings joined with commas (the model options' list syntax); malloc'd. */
char *sweep_strings_join(const struct sweep_strings *a);

/* True when path is a regular file. */
bool sweep_file_exists(const char *path);
/* mkdir -p; -1 with errno set on failure. */
int sweep_make_directories(const char *path);
/* Writes text to path atomically (sim_atomic_open): concurrent writers of the same content
 * (parallel jobs writing a derived costs file) cannot see a half file.  0, or -1 after
 * printing the reason. */
int sweep_write_atomic(const char *path, const char *text);
/* Reads a whole file (NUL-terminated; *len its length when len is not NULL); NULL with errno
 * set on failure. */
char *sweep_read_file(const char *path, size_t *len);
/* s single-quoted for a shell; malloc'd. */
char *sweep_shell_quote(const char *s);

#endif
