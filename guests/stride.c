/* stride [MIB] [STRIDE...]: strided scans.  For each stride S (in pages; default 1 3 -3 7 16) it
 * maps a fresh MIB-MiB anonymous region, writes one 4-byte word every |S| pages (upwards for S > 0,
 * downwards from the top for S < 0), reads the same words back, and unmaps the region.  Only one
 * page in |S| is ever used, so a policy that prefaults neighbours wastes work unless it detects the
 * stride; the negative stride tests policies that only look forward (the stack grows down).
 * Prints a checksum of the reads. */
#include <sys/mman.h>

#include "guest.h"

#define MAX_STRIDES 16

static uint32_t scan(uint32_t *region, size_t pages, long stride, uint32_t sum)
{
    size_t step = (size_t)(stride < 0 ? -stride : stride);
    size_t n = (pages + step - 1) / step;
    /* Touch k lands in page k*step (or its mirror from the top); the word inside the page moves
     * so touches do not all hit the same offset. */
    for (size_t k = 0; k < n; k++) {
        size_t page = stride > 0 ? k * step : pages - 1 - k * step;
        size_t w = page * (GST_PAGE / 4) + (k * 17) % (GST_PAGE / 4);
        region[w] = (uint32_t)k * 0x01000193u + (uint32_t)step;
    }
    for (size_t k = 0; k < n; k++) {
        size_t page = stride > 0 ? k * step : pages - 1 - k * step;
        size_t w = page * (GST_PAGE / 4) + (k * 17) % (GST_PAGE / 4);
        sum = gst_mix(sum, region[w]);
    }
    return sum;
}

int main(int argc, char **argv)
{
    static const long defaults[] = {1, 3, -3, 7, 16};
    long strides[MAX_STRIDES];
    size_t nstrides = 0;
    uint32_t mib = (uint32_t)gst_arg(argc, argv, 1, "MIB", 16, 1, 1024);
    size_t pages = (size_t)mib << 8;

    if (argc > 2 + MAX_STRIDES) {
        fprintf(stderr, "%s: at most %d strides\n", argv[0], MAX_STRIDES);
        return 2;
    }
    for (int i = 2; i < argc; i++) {
        strides[nstrides] = gst_arg(argc, argv, i, "STRIDE", 0, -(long)pages, (long)pages);
        if (strides[nstrides] == 0) {
            fprintf(stderr, "%s: argument %d (STRIDE) must not be 0\n", argv[0], i);
            return 2;
        }
        nstrides++;
    }
    if (nstrides == 0) {
        nstrides = sizeof defaults / sizeof defaults[0];
        memcpy(strides, defaults, sizeof defaults);
    }

    uint32_t sum = 0;
    printf("stride mib=%u strides=", mib);
    for (size_t i = 0; i < nstrides; i++) {
        size_t len = pages * GST_PAGE;
        void *region = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (region == MAP_FAILED) {
            fprintf(stderr, "%s: mmap(%zu) failed: %s\n", argv[0], len, strerror(errno));
            return 1;
        }
        sum = scan(region, pages, strides[i], sum);
        munmap(region, len);
        printf("%s%ld", i ? "," : "", strides[i]);
    }
    printf(" sum=%08x\n", sum);
    return 0;
}
