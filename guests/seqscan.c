/* seqscan [MIB] [PASSES]: sequential scan.  Each pass writes a MIB-MiB malloc'ed buffer (default
 * 8 MiB, 1 pass) word by word from front to back, then reads it back in the same order.  The
 * buffer is larger than glibc's mmap threshold, so it is one anonymous mapping touched in address
 * order: the pattern sequential prefault (read-ahead style) policies are built for.  Prints a
 * checksum of the reads. */
#include "guest.h"

int main(int argc, char **argv)
{
    uint32_t mib = (uint32_t)gst_arg(argc, argv, 1, "MIB", 8, 1, 512);
    uint32_t passes = (uint32_t)gst_arg(argc, argv, 2, "PASSES", 1, 1, 64);
    size_t words = (size_t)mib << 18;
    uint32_t *buf = gst_malloc(argv[0], words * sizeof *buf);
    uint32_t sum = 0;

    for (uint32_t p = 0; p < passes; p++) {
        for (size_t i = 0; i < words; i++)
            buf[i] = (uint32_t)i * 2654435761u + p;
        for (size_t i = 0; i < words; i++)
            sum = ((sum << 5) | (sum >> 27)) ^ buf[i];
    }
    printf("seqscan mib=%u passes=%u sum=%08x\n", mib, passes, sum);
    free(buf);
    return 0;
}
