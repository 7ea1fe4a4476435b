/* churn [KSTEPS] [SLOTS]: malloc/free churn of mixed sizes.  SLOTS live blocks; each of
 * KSTEPS*1000 steps picks a slot at random, checks and frees the block it holds, and allocates a
 * new one: 80% small (16 B - 1 KiB), 17% medium (1 - 64 KiB), 3% large (128 KiB - 1 MiB).
 * Small and medium blocks come from the brk heap, which grows and is trimmed (brk down) as the
 * top of the heap is freed; a large block is its own mmap/munmap pair unless a coalesced free
 * heap chunk can hold it (defaults: 601 large blocks, 579 mmaps, 39 brk up, 19 brk down).
 * Every block has its first 64 bytes and one byte per page written, as a real user would
 * initialise it, so a region's pages are touched soon after it is created and then dropped:
 * prefaulting helps only if it is cheaper than the faults it saves on short-lived regions.
 * Prints a checksum of what was read. */
#include <malloc.h>

#include "guest.h"

/* glibc raises its mmap threshold (up to 512 KiB on i386) after freeing an mmapped block, which
 * would move later large blocks onto the heap; setting it explicitly pins it (mallopt(3)). */
#define MMAP_THRESHOLD (128 * 1024)
#define HEAD_BYTES 64

struct slot {
    unsigned char *p;
    uint32_t size, tag;
};

static void fill(struct slot *s)
{
    size_t head = s->size < HEAD_BYTES ? s->size : HEAD_BYTES;
    for (size_t i = 0; i < head; i++)
        s->p[i] = (unsigned char)(s->tag + i);
    for (size_t off = GST_PAGE; off < s->size; off += GST_PAGE)
        s->p[off] = (unsigned char)(s->tag ^ (off >> 12));
}

static uint32_t check(const struct slot *s, uint32_t sum)
{
    size_t head = s->size < HEAD_BYTES ? s->size : HEAD_BYTES;
    uint32_t h = s->size;
    for (size_t i = 0; i < head; i++)
        h = h * 31u + s->p[i];
    for (size_t off = GST_PAGE; off < s->size; off += GST_PAGE)
        h = h * 31u + s->p[off];
    return gst_mix(sum, h);
}

int main(int argc, char **argv)
{
    uint32_t ksteps = (uint32_t)gst_arg(argc, argv, 1, "KSTEPS", 20, 1, 100000);
    uint32_t nslots = (uint32_t)gst_arg(argc, argv, 2, "SLOTS", 512, 1, 1u << 20);
    struct slot *slots = calloc(nslots, sizeof *slots);
    uint32_t seed = 0x6d2b79f5u, sum = 0, nsteps = ksteps * 1000u;
    uint32_t nlarge = 0;

    if (slots == NULL || mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD) != 1) {
        fprintf(stderr, "%s: set-up failed\n", argv[0]);
        return 1;
    }
    for (uint32_t step = 0; step < nsteps; step++) {
        struct slot *s = &slots[gst_below(gst_xorshift32(&seed), nslots)];
        if (s->p != NULL) {
            sum = check(s, sum);
            free(s->p);
        }
        uint32_t cls = gst_below(gst_xorshift32(&seed), 100);
        uint32_t r = gst_xorshift32(&seed);
        if (cls < 80) {
            s->size = 16 + gst_below(r, 1024 - 16 + 1);
        } else if (cls < 97) {
            s->size = 1024 + gst_below(r, 64 * 1024 - 1024 + 1);
        } else {
            s->size = MMAP_THRESHOLD + gst_below(r, 1024 * 1024 - MMAP_THRESHOLD + 1);
            nlarge++;
        }
        s->tag = gst_xorshift32(&seed);
        s->p = gst_malloc(argv[0], s->size);
        fill(s);
    }
    for (uint32_t i = 0; i < nslots; i++) {
        if (slots[i].p != NULL) {
            sum = check(&slots[i], sum);
            free(slots[i].p);
        }
    }
    free(slots);
    printf("churn steps=%u slots=%u large=%u sum=%08x\n", nsteps, nslots, nlarge, sum);
    return 0;
}
