/* ptrchase [KNODES] [LAPS]: pointer chasing.  Allocates KNODES*1024 nodes of 64 bytes in one
 * malloc'ed block (default 256: 16 MiB), links them in a random order (a fixed-seed Fisher-Yates
 * shuffle of a permutation array, itself a 1 MiB mapping freed after linking), then follows the
 * list LAPS times summing the payloads.  Linking and chasing touch pages in the same random
 * order, each step a dependent load: no address pattern for a prefault policy to find, and the
 * working set is the whole block.  Prints a checksum of the payloads in list order. */
#include "guest.h"

struct node {
    struct node *next;
    uint32_t val;
    uint32_t pad[14];   /* 64 bytes per node: 64 nodes share a page */
};

int main(int argc, char **argv)
{
    uint32_t knodes = (uint32_t)gst_arg(argc, argv, 1, "KNODES", 256, 1, 8192);
    uint32_t laps = (uint32_t)gst_arg(argc, argv, 2, "LAPS", 4, 1, 1000);
    uint32_t n = knodes * 1024u;
    struct node *nodes = gst_malloc(argv[0], (size_t)n * sizeof *nodes);
    uint32_t *perm = gst_malloc(argv[0], (size_t)n * sizeof *perm);
    uint32_t seed = 0x9e3779b9u;

    for (uint32_t i = 0; i < n; i++)
        perm[i] = i;
    for (uint32_t i = n - 1; i > 0; i--) {
        uint32_t j = gst_below(gst_xorshift32(&seed), i + 1);
        uint32_t t = perm[i];
        perm[i] = perm[j];
        perm[j] = t;
    }
    /* The list visits nodes in perm order and is circular; payload = position in the list. */
    for (uint32_t i = 0; i < n; i++) {
        struct node *nd = &nodes[perm[i]];
        nd->next = &nodes[perm[i + 1 < n ? i + 1 : 0]];
        nd->val = i * 2654435761u;
    }
    struct node *head = &nodes[perm[0]];
    free(perm);

    uint32_t sum = 0;
    for (uint32_t l = 0; l < laps; l++) {
        struct node *p = head;
        do {
            sum = ((sum << 7) | (sum >> 25)) + p->val;
            p = p->next;
        } while (p != head);
    }
    printf("ptrchase nodes=%u laps=%u sum=%08x\n", n, laps, sum);
    free(nodes);
    return 0;
}
