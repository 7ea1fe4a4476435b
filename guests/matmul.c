/* matmul [N]: dense matrix multiply C = A * B of N x N doubles (default 160: 200 KiB per matrix,
 * each its own malloc'ed mapping; N = 256 takes about 140 M instructions).  A and B are filled
 * row by row, then C is computed in i-k-j order (rows of B and C streamed, A read along rows).
 * A small working set reused N times: few faults per instruction, all early, so prefault
 * policies can gain little here and must not cost much.  The entries are small integers, so
 * every product and sum is exact in double (and x87 extended) precision and the checksum does
 * not depend on the FPU's rounding.  Prints a checksum of C. */
#include "guest.h"

int main(int argc, char **argv)
{
    uint32_t n = (uint32_t)gst_arg(argc, argv, 1, "N", 160, 1, 2048);
    size_t cells = (size_t)n * n;
    double *a = gst_malloc(argv[0], cells * sizeof *a);
    double *b = gst_malloc(argv[0], cells * sizeof *b);
    double *c = gst_malloc(argv[0], cells * sizeof *c);

    for (uint32_t i = 0; i < n; i++) {
        for (uint32_t j = 0; j < n; j++) {
            a[(size_t)i * n + j] = (double)((int)((i * 7 + j * 3) % 17) - 8);
            b[(size_t)i * n + j] = (double)((int)((i * 5 + j * 11) % 13) - 6);
        }
    }
    for (uint32_t i = 0; i < n; i++) {
        double *ci = &c[(size_t)i * n];
        for (uint32_t j = 0; j < n; j++)
            ci[j] = 0.0;
        for (uint32_t k = 0; k < n; k++) {
            double aik = a[(size_t)i * n + k];
            const double *bk = &b[(size_t)k * n];
            for (uint32_t j = 0; j < n; j++)
                ci[j] += aik * bk[j];
        }
    }
    uint32_t sum = 0;
    for (size_t i = 0; i < cells; i++)
        sum = gst_mix(sum, (uint32_t)(int32_t)c[i]);
    printf("matmul n=%u c00=%d sum=%08x\n", n, (int)c[0], sum);
    free(a);
    free(b);
    free(c);
    return 0;
}
