/* fuzz/fuzz_costs.c - libFuzzer target: a `key = value` costs file (mmu_costs_load).  A file
 * that loads, written back with mmu_costs_write, must load again. */
#include "fuzz_common.h"
#include "mmu.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fuzz_write_file("costs.txt", data, size);
    struct mmu_costs c;
    char err[MMU_COSTS_ERR_MAX] = "";
    if (mmu_costs_load(&c, path, err, sizeof err) < 0) {
        fuzz_check_msg("mmu_costs_load", err, sizeof err);
        return 0;
    }
    char back[512];
    snprintf(back, sizeof back, "%s/costs-back.txt", fuzz_dir());
    FILE *f = fopen(back, "w");
    if (!f)
        abort();
    mmu_costs_write(&c, f);
    fclose(f);
    struct mmu_costs c2;
    if (mmu_costs_load(&c2, back, err, sizeof err) < 0) {
        fprintf(stderr, "a loaded costs file does not load again once written: %s\n", err);
        abort();
    }
    return 0;
}
