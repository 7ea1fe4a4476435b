/* fuzz/fuzz_common.h - helpers shared by the libFuzzer targets (fuzz/run.sh builds them with
 * clang -fsanitize=fuzzer,address,undefined; never part of the CMake build). */
#ifndef VKMMU_FUZZ_COMMON_H
#define VKMMU_FUZZ_COMMON_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A per-process scratch directory (under $TMPDIR or /tmp), created on first use.  Parsers that
 * only take a path get the input written to a file in it. */
static const char *fuzz_dir(void)
{
    static char dir[256];
    if (!dir[0]) {
        const char *t = getenv("TMPDIR");
        snprintf(dir, sizeof dir, "%s/vkmmu-fuzz.XXXXXX", t && *t ? t : "/tmp");
        if (!mkdtemp(dir)) {
            perror("mkdtemp");
            abort();
        }
    }
    return dir;
}

/* Writes data to DIR/name (truncating) and returns the path (static buffer). */
static const char *fuzz_write_file(const char *name, const uint8_t *data, size_t size)
{
    static char path[512];
    snprintf(path, sizeof path, "%s/%s", fuzz_dir(), name);
    FILE *f = fopen(path, "wb");
    if (!f) {
        perror(path);
        abort();
    }
    if (size && fwrite(data, 1, size, f) != size) {
        perror(path);
        abort();
    }
    fclose(f);
    return path;
}

/* An error message must be a non-empty, terminated string (the contract of every parser). */
static void fuzz_check_msg(const char *what, const char *err, size_t cap)
{
    if (memchr(err, '\0', cap) == NULL || err[0] == '\0') {
        fprintf(stderr, "%s: error without a message\n", what);
        abort();
    }
}

#endif
