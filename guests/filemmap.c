/* filemmap FILE [PASSES]: maps FILE read-only and private with one mmap(2) and hashes it front to
 * back PASSES times (default 1), printing its size and 32-bit FNV-1a (same as fileread's).  A
 * file-backed region read sequentially by user code: the case for file read-around prefault
 * (each fault can map the page-cache neighbours); later passes are all hits. */
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "guest.h"

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s FILE [PASSES]\n", argv[0]);
        return 2;
    }
    uint32_t passes = (uint32_t)gst_arg(argc, argv, 2, "PASSES", 1, 1, 1000);
    int fd = open(argv[1], O_RDONLY);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) {
        fprintf(stderr, "%s: %s: %s\n", argv[0], argv[1], strerror(errno));
        return 1;
    }
    size_t len = (size_t)st.st_size;
    uint32_t h = GST_FNV1A_INIT;
    if (len > 0) {
        const unsigned char *m = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0);
        if (m == MAP_FAILED) {
            fprintf(stderr, "%s: %s: mmap(%zu): %s\n", argv[0], argv[1], len, strerror(errno));
            return 1;
        }
        for (uint32_t p = 0; p < passes; p++) {
            uint32_t hp = gst_fnv1a(GST_FNV1A_INIT, m, len);
            if (p > 0 && hp != h) {
                fprintf(stderr, "%s: %s: pass %u read different bytes\n", argv[0], argv[1], p);
                return 1;
            }
            h = hp;
        }
        munmap((void *)m, len);
    }
    close(fd);
    printf("filemmap bytes=%zu fnv1a=%08x\n", len, h);
    return 0;
}
