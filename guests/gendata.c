/* gendata OUT [BYTES]: writes BYTES (default 4 MiB) deterministic bytes to OUT, the input of the
 * fileread and filemmap guests.  A host program, run at build time.  Contents: xorshift32 from a
 * fixed seed; every fourth 4 KiB page is instead a run of text lines, so the file is neither all
 * noise nor all repetition (the same bytes on every machine and run). */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
    if (argc < 2 || argc > 3) {
        fprintf(stderr, "usage: %s OUT [BYTES]\n", argv[0]);
        return 2;
    }
    char *end;
    unsigned long long n = 4ull << 20;
    if (argc == 3) {
        errno = 0;
        n = strtoull(argv[2], &end, 10);
        if (errno != 0 || end == argv[2] || *end != '\0' || argv[2][0] == '-') {
            fprintf(stderr, "%s: argument 2 (BYTES) must be a non-negative integer, got '%s'\n",
                    argv[0], argv[2]);
            return 2;
        }
    }
    FILE *f = fopen(argv[1], "wb");
    if (f == NULL) {
        fprintf(stderr, "%s: %s: %s\n", argv[0], argv[1], strerror(errno));
        return 1;
    }
    uint32_t s = 0xdeadbeefu;
    unsigned char page[4096];
    for (unsigned long long off = 0, pg = 0; off < n; off += sizeof page, pg++) {
        if (pg % 4 == 3) {
            size_t k = 0;
            for (unsigned line = 0; k < sizeof page; line++) {
                char tmp[64];
                int len = snprintf(tmp, sizeof tmp, "page %llu line %u value %u\n", pg, line,
                                   (unsigned)((pg * 131 + line * 7) % 1000));
                for (int i = 0; i < len && k < sizeof page; i++)
                    page[k++] = (unsigned char)tmp[i];
            }
        } else {
            for (size_t i = 0; i < sizeof page; i += 4) {
                s ^= s << 13;
                s ^= s >> 17;
                s ^= s << 5;
                page[i] = (unsigned char)s; /* little-endian on every host */
                page[i + 1] = (unsigned char)(s >> 8);
                page[i + 2] = (unsigned char)(s >> 16);
                page[i + 3] = (unsigned char)(s >> 24);
            }
        }
        size_t want = n - off < sizeof page ? (size_t)(n - off) : sizeof page;
        if (fwrite(page, 1, want, f) != want) {
            fprintf(stderr, "%s: %s: write at offset %llu failed\n", argv[0], argv[1], off);
            fclose(f);
            return 1;
        }
    }
    if (fclose(f) != 0) {
        fprintf(stderr, "%s: %s: %s\n", argv[0], argv[1], strerror(errno));
        return 1;
    }
    return 0;
}
