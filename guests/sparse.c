/* sparse [MIB] [GAPKIB] [ROUNDS]: sparse touches.  Each round maps a fresh MIB-MiB anonymous
 * region (default 64 MiB), writes one word in one page per GAPKIB KiB (default 64: 1024 pages of
 * 16384), reads them back, and unmaps the region.  A large virtual region with a tiny resident
 * set: every prefaulted neighbour is wasted work and memory, and a policy that maps whole
 * regions up front would map 16 times too much.  Prints a checksum of the reads. */
#include <sys/mman.h>

#include "guest.h"

int main(int argc, char **argv)
{
    uint32_t mib = (uint32_t)gst_arg(argc, argv, 1, "MIB", 64, 1, 1024);
    uint32_t gapkib = (uint32_t)gst_arg(argc, argv, 2, "GAPKIB", 64, 4, 1024 * 1024);
    uint32_t rounds = (uint32_t)gst_arg(argc, argv, 3, "ROUNDS", 4, 1, 1000);
    size_t len = (size_t)mib << 20, gap = (size_t)gapkib << 10;
    uint32_t sum = 0, touched = 0;

    if (gap % GST_PAGE != 0) {
        fprintf(stderr, "%s: argument 2 (GAPKIB) must be a multiple of 4, got %u\n", argv[0],
                gapkib);
        return 2;
    }
    for (uint32_t r = 0; r < rounds; r++) {
        unsigned char *m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                                -1, 0);
        if (m == MAP_FAILED) {
            fprintf(stderr, "%s: mmap(%zu) failed: %s\n", argv[0], len, strerror(errno));
            return 1;
        }
        /* The word inside each touched page moves from round to round and page to page. */
        uint32_t k = 0;
        for (size_t off = 0; off < len; off += gap, k++)
            *(uint32_t *)(m + off + ((k + r * 7) % (GST_PAGE / 4)) * 4) = k * 0x01000193u + r;
        k = 0;
        for (size_t off = 0; off < len; off += gap, k++)
            sum = gst_mix(sum, *(uint32_t *)(m + off + ((k + r * 7) % (GST_PAGE / 4)) * 4));
        touched += k;
        munmap(m, len);
    }
    printf("sparse mib=%u gapkib=%u rounds=%u touched=%u sum=%08x\n", mib, gapkib, rounds,
           touched, sum);
    return 0;
}
