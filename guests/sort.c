/* sort [KINTS]: a large qsort.  Fills a malloc'ed array of KINTS*1024 32-bit integers (default
 * 64: 256 KiB) from a fixed-seed xorshift32 and sorts it with qsort(3).  glibc's qsort is a merge
 * sort through a temporary array of the same size, malloc'ed (a second mapping) when memory
 * allows: repeated sequential passes over two buffers that alternate, after a sequential fill.
 * (glibc 2.36 chooses between that and an in-place quicksort from sysinfo(2)'s total RAM, so the
 * emulated kernel must answer sysinfo for the memory pattern to match the native run.)
 * Prints a checksum of the sorted array; exits 1 if it is not sorted. */
#include "guest.h"

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    uint32_t kints = (uint32_t)gst_arg(argc, argv, 1, "KINTS", 64, 1, 65536);
    uint32_t n = kints * 1024u;
    uint32_t *a = gst_malloc(argv[0], (size_t)n * sizeof *a);
    uint32_t seed = 0x1234567u, sum = 0;

    for (uint32_t i = 0; i < n; i++)
        a[i] = gst_xorshift32(&seed);
    qsort(a, n, sizeof *a, cmp_u32);
    for (uint32_t i = 0; i < n; i++) {
        if (i > 0 && a[i - 1] > a[i]) {
            fprintf(stderr, "%s: not sorted at index %u\n", argv[0], i);
            return 1;
        }
        sum = gst_mix(sum, a[i]);
    }
    printf("sort n=%u min=%08x max=%08x sum=%08x\n", n, a[0], a[n - 1], sum);
    free(a);
    return 0;
}
