/* fuzz/fuzz_regions.c - libFuzzer target: a regions file (`--regions`), loaded whole with
 * trc_regions_load for both architectures.  Every record must be a valid TRC_MAP. */
#include "fuzz_common.h"
#include "trc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fuzz_write_file("regions.txt", data, size);
    static const enum mmu_arch arch[] = {MMU_ARCH_I386, MMU_ARCH_X86_64};
    for (size_t a = 0; a < 2; a++) {
        struct trc_regions g;
        char err[512] = "";
        if (trc_regions_load(path, arch[a], &g, err, sizeof err) < 0) {
            fuzz_check_msg("trc_regions_load", err, sizeof err);
            if (g.n || g.rec) {
                fprintf(stderr, "trc_regions_load failed but left records\n");
                abort();
            }
            continue;
        }
        uint32_t max_id = 0;
        for (size_t i = 0; i < g.n; i++) {
            const struct trc_record *r = &g.rec[i];
            if (r->type != TRC_MAP || r->end <= r->addr || (r->addr & 0xFFF) || (r->end & 0xFFF) ||
                r->end > trc_region_limit(arch[a]) || (r->prot & ~7u)) {
                fprintf(stderr, "bad region %zu: type %d [0x%llx, 0x%llx) prot %u\n", i, r->type,
                        (unsigned long long)r->addr, (unsigned long long)r->end, r->prot);
                abort();
            }
            if (r->name)
                (void)strlen(r->name); /* owned copies: must stay readable */
            if (r->file_id > max_id)
                max_id = r->file_id;
        }
        if (max_id != g.max_file_id) {
            fprintf(stderr, "max_file_id %u, largest file_id %u\n", g.max_file_id, max_id);
            abort();
        }
        trc_regions_free(&g);
    }
    return 0;
}
