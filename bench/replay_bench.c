/* bench/replay_bench.c - replay throughput (issue 5): generates a program-like .vkt trace and
 * times decoding alone.  bench/run_replay_bench.sh times `vkmmu replay` on the same file with
 * one and with eight configurations.
 *   replay_bench gen FILE.vkt N_ACCESSES    write the trace
 *   replay_bench decode FILE.vkt            decode it, print records and accesses per second */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "trc.h"

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* A program-like mix: instruction fetches running through a 1 MiB text with occasional jumps,
 * a stack walked up and down, sequential scans of a 32 MiB heap array, and random accesses to a
 * 64 MiB heap (about 1 in 8 accesses), a write for every third data access. */
static int gen(const char *path, uint64_t n)
{
    char err[512];
    struct trc_writer *w;
    if (trc_writer_open(&w, path, MMU_ARCH_I386, err, sizeof err) < 0) {
        fprintf(stderr, "replay_bench: %s\n", err);
        return 1;
    }
    trc_writer_map(w, 0x08048000, 0x08148000, TRC_PROT_R | TRC_PROT_X, TRC_FILE, 1, 0x8048, "text");
    trc_writer_map(w, 0x10000000, 0x16000000, TRC_PROT_R | TRC_PROT_W, TRC_ANON, 0, 0, NULL);
    trc_writer_map(w, 0xBF000000, 0xBF800000, TRC_PROT_R | TRC_PROT_W, TRC_ANON, 0, 0, NULL);
    uint32_t x = 88172645u, pc = 0x08048000, sp = 0xBF7FF000, scan = 0x10000000;
    for (uint64_t i = 0; i < n; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        if (i % 3 == 0) {
            trc_writer_insns(w, 4);
            trc_writer_access(w, TRC_FETCH, pc, 16);
            pc += 16;
            if ((x & 31) == 0 || pc >= 0x08148000)
                pc = 0x08048000 + (x & 0xFFFF0);
            continue;
        }
        enum trc_type t = (x & 3) == 0 ? TRC_WRITE : TRC_READ;
        uint32_t a;
        if ((x & 7) == 1) {
            a = 0x12000000 + (x & 0x3FFFFFC); /* random */
        } else if ((x & 7) < 5) {
            a = scan; /* sequential */
            scan += 4;
            if (scan >= 0x12000000)
                scan = 0x10000000;
        } else {
            sp += (x & 64) ? 4 : (uint32_t)-4; /* stack */
            if (sp < 0xBF700000 || sp >= 0xBF7FFFF0)
                sp = 0xBF7FF000;
            a = sp;
        }
        trc_writer_access(w, t, a, 4);
    }
    if (trc_writer_close(w, false, err, sizeof err) < 0) {
        fprintf(stderr, "replay_bench: %s\n", err);
        return 1;
    }
    return 0;
}

static int decode(const char *path)
{
    char err[512];
    struct trc_reader *r;
    if (trc_open_as(&r, path, TRC_FMT_AUTO, err, sizeof err) < 0) {
        fprintf(stderr, "replay_bench: %s\n", err);
        return 1;
    }
    static struct trc_record batch[256];
    uint64_t records = 0, accesses = 0;
    int more = 1;
    double t0 = now();
    while (more == 1) {
        size_t k = trc_next_batch(r, batch, 256, &more);
        records += k;
        for (size_t j = 0; j < k; j++)
            accesses += batch[j].type >= TRC_READ && batch[j].type <= TRC_FETCH;
    }
    double t = now() - t0;
    if (more < 0) {
        fprintf(stderr, "replay_bench: %s\n", trc_error(r));
        trc_close(r);
        return 1;
    }
    trc_close(r);
    printf("decode only: %llu records, %llu accesses in %.3f s: %.1f M records/s, %.1f M "
           "accesses/s\n",
           (unsigned long long)records, (unsigned long long)accesses, t, records / t / 1e6,
           accesses / t / 1e6);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 4 && !strcmp(argv[1], "gen"))
        return gen(argv[2], strtoull(argv[3], NULL, 10));
    if (argc == 3 && !strcmp(argv[1], "decode"))
        return decode(argv[2]);
    fprintf(stderr, "usage: replay_bench gen FILE.vkt N | replay_bench decode FILE.vkt\n");
    return 2;
}
