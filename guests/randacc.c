/* randacc [MIB] [KACCESSES]: uniform random access.  Maps a MIB-MiB anonymous region (zero-filled
 * on demand) and performs KACCESSES*1000 read-modify-writes of 32-bit words at indices drawn from a
 * fixed-seed xorshift32.  Pages are first touched in random order, so neighbours of a faulting
 * page are no more likely to be used soon than any other page: prefaulting neighbours mostly
 * maps pages early rather than saving faults.  Prints a checksum of the values read. */
#include <sys/mman.h>

#include "guest.h"

int main(int argc, char **argv)
{
    uint32_t mib = (uint32_t)gst_arg(argc, argv, 1, "MIB", 16, 1, 1024);
    uint32_t kacc = (uint32_t)gst_arg(argc, argv, 2, "KACCESSES", 1000, 1, 1000000);
    uint32_t words = mib << 18;
    size_t len = (size_t)words * 4;
    uint32_t *a = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (a == MAP_FAILED) {
        fprintf(stderr, "%s: mmap(%zu) failed: %s\n", argv[0], len, strerror(errno));
        return 1;
    }

    uint32_t seed = 0x2545f491u, sum = 0;
    uint32_t n = kacc * 1000u;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t r = gst_xorshift32(&seed);
        uint32_t idx = gst_below(r, words);
        uint32_t old = a[idx];
        a[idx] = old * 5u + r;
        sum = gst_mix(sum, old);
    }
    printf("randacc mib=%u accesses=%u sum=%08x\n", mib, n, sum);
    munmap(a, len);
    return 0;
}
