/* fuzz/fuzz_results.c - libFuzzer target: the result file reader used by `vkmmu plot`
 * (rr_file_load: JSON or CSV, detected by content). */
#include "fuzz_common.h"
#include "results_read.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* The first byte picks the file name (a label is derived from it), the rest is the file. */
    static const char *const names[] = {"r.json", "r.csv", "r.vkt.txt.json", "r"};
    const char *name = names[size ? data[0] & 3 : 0];
    if (size) {
        data++;
        size--;
    }
    const char *path = fuzz_write_file(name, data, size);
    struct rr_file f;
    char err[512] = "";
    if (rr_file_load(&f, path, err, sizeof err) < 0) {
        fuzz_check_msg("rr_file_load", err, sizeof err);
        return 0;
    }
    for (size_t i = 0; i < f.n; i++) {
        const struct rr_result *r = &f.r[i];
        if (!r->scheme || !r->policy || !r->dirty || !r->options) {
            fprintf(stderr, "result %zu has a NULL label\n", i);
            abort();
        }
        (void)strlen(r->scheme);
        for (size_t k = 0; k < r->ntimeline; k++)
            (void)r->timeline[k].c[0];
    }
    rr_file_fini(&f);
    char *l = rr_workload_label(path);
    free(l);
    return 0;
}
