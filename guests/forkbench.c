/* forkbench [N] [K] [W]: the cost of fork, exit and wait (issue 12).  The parent allocates and
 * writes a buffer of K pages, then forks N children one after another; each child reads all K
 * pages of the inherited buffer (copy-on-write: shared with the parent), writes W of them
 * (each write copies the page, or takes it over) and exits with a status made from what it
 * read; the parent waits for each and checks the status, then writes its own buffer again (the
 * pages the children shared come back to it).  Prints the children, pages and a checksum of
 * what the parent and the children read: deterministic, whatever the pids. */
#include <sys/wait.h>
#include <unistd.h>

#include "guest.h"

int main(int argc, char **argv)
{
    long n = gst_arg(argc, argv, 1, "N children", 8, 1, 4096);
    long k = gst_arg(argc, argv, 2, "K pages", 64, 1, 65536);
    long w = gst_arg(argc, argv, 3, "W pages written by each child", k / 4, 0, 65536);
    if (w > k) {
        fprintf(stderr, "%s: W (%ld) must not exceed K (%ld)\n", argv[0], w, k);
        return 2;
    }
    unsigned char *buf = malloc((size_t)k * GST_PAGE);
    if (!buf) {
        perror("malloc");
        return 1;
    }
    for (long p = 0; p < k; p++)
        buf[p * GST_PAGE] = (unsigned char)(p * 7 + 1);
    uint32_t sum = 0;
    for (long c = 0; c < n; c++) {
        pid_t pid = fork();
        if (pid < 0) {
            perror("fork");
            return 1;
        }
        if (pid == 0) {
            uint32_t h = (uint32_t)c;
            for (long p = 0; p < k; p++)
                h = gst_mix(h, buf[p * GST_PAGE]);
            for (long p = 0; p < w; p++)
                buf[p * GST_PAGE] = (unsigned char)(c + p);
            _exit((int)(h % 251));
        }
        int st = 0;
        if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st)) {
            fprintf(stderr, "%s: child %ld did not exit normally\n", argv[0], c);
            return 1;
        }
        uint32_t want = (uint32_t)c;
        for (long p = 0; p < k; p++)
            want = gst_mix(want, buf[p * GST_PAGE]);
        if ((uint32_t)WEXITSTATUS(st) != want % 251) {
            fprintf(stderr, "%s: child %ld read other data than its parent's (status %d, "
                            "want %u)\n", argv[0], c, WEXITSTATUS(st), want % 251);
            return 1;
        }
        sum = gst_mix(sum, (uint32_t)WEXITSTATUS(st));
    }
    for (long p = 0; p < k; p++)
        buf[p * GST_PAGE] ^= 0x5a;
    for (long p = 0; p < k; p++)
        sum = gst_mix(sum, buf[p * GST_PAGE]);
    printf("forkbench: %ld children, %ld pages, %ld written per child, checksum %08x\n", n, k,
           w, sum);
    return 0;
}
