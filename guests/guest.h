/* Helpers shared by the guests/ workloads: argument parsing, a fixed-seed PRNG and a checksum.
 * Header-only, so each workload is built by one compiler command (guests/CMakeLists.txt).
 * Determinism contract for every workload: the output depends only on the arguments and the
 * input file, never on addresses (ASLR), time, pid or the kernel's randomness. */
#ifndef GUEST_H
#define GUEST_H

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GST_PAGE 4096u

/* argv[i] as a decimal integer in [lo, hi], or def when argc <= i.  Bad input prints the
 * argument's position, name and range, then exits 2 (docs/style: 2 = bad input or usage). */
static inline long gst_arg(int argc, char **argv, int i, const char *name, long def, long lo,
                           long hi)
{
    if (i >= argc)
        return def;
    char *end;
    errno = 0;
    long v = strtol(argv[i], &end, 10);
    if (errno != 0 || end == argv[i] || *end != '\0' || v < lo || v > hi) {
        fprintf(stderr, "%s: argument %d (%s) must be an integer in [%ld, %ld], got '%s'\n",
                argv[0], i, name, lo, hi, argv[i]);
        exit(2);
    }
    return v;
}

/* Marsaglia's xorshift32 (13, 17, 5); the state must be non-zero. */
static inline uint32_t gst_xorshift32(uint32_t *s)
{
    uint32_t x = *s;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    *s = x;
    return x;
}

/* A uniform index in [0, n) from a 32-bit random value (multiply-high, no division). */
static inline uint32_t gst_below(uint32_t r, uint32_t n)
{
    return (uint32_t)(((uint64_t)r * n) >> 32);
}

/* Order-sensitive 32-bit checksum step; the shift makes high input bits reach the low ones. */
static inline uint32_t gst_mix(uint32_t h, uint32_t v)
{
    h = (h ^ v) * 0x9e3779b1u;
    return h ^ (h >> 16);
}

#define GST_FNV1A_INIT 0x811c9dc5u

/* 32-bit FNV-1a over bytes (used by fileread and filemmap so the host can check their result). */
static inline uint32_t gst_fnv1a(uint32_t h, const unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 0x01000193u;
    return h;
}

/* Allocation failure is a failed run (exit 1), named with what was asked for. */
static inline void *gst_malloc(const char *prog, size_t n)
{
    void *p = malloc(n);
    if (p == NULL) {
        fprintf(stderr, "%s: malloc(%zu) failed\n", prog, n);
        exit(1);
    }
    return p;
}

#endif
