/* fileread FILE [CHUNK]: reads FILE front to back with read(2) into one CHUNK-byte malloc'ed
 * buffer (default 65536) and prints its size and 32-bit FNV-1a.  The kernel, not the program,
 * touches the buffer: every read() is a kernel write to the same few pages (model.md 6.6), so
 * faults come from kernel accesses and the user working set stays tiny.  Prints the same line
 * format as filemmap, so the two can be compared. */
#include <fcntl.h>
#include <unistd.h>

#include "guest.h"

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s FILE [CHUNK]\n", argv[0]);
        return 2;
    }
    uint32_t chunk = (uint32_t)gst_arg(argc, argv, 2, "CHUNK", 65536, 1, 64u << 20);
    unsigned char *buf = gst_malloc(argv[0], chunk);
    int fd = open(argv[1], O_RDONLY);
    if (fd < 0) {
        fprintf(stderr, "%s: %s: %s\n", argv[0], argv[1], strerror(errno));
        return 1;
    }
    uint32_t h = GST_FNV1A_INIT;
    unsigned long long total = 0;
    for (;;) {
        ssize_t got = read(fd, buf, chunk);
        if (got < 0) {
            fprintf(stderr, "%s: %s: read at offset %llu: %s\n", argv[0], argv[1], total,
                    strerror(errno));
            return 1;
        }
        if (got == 0)
            break;
        h = gst_fnv1a(h, buf, (size_t)got);
        total += (unsigned long long)got;
    }
    close(fd);
    free(buf);
    printf("fileread bytes=%llu fnv1a=%08x\n", total, h);
    return 0;
}
