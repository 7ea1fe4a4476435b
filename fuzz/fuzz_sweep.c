/* fuzz/fuzz_sweep.c - libFuzzer target: the sweep spec parser (sweep_spec_parse,
 * tools/sweep_spec.c) and the cells made from what it accepts.  The spec is written to a
 * scratch directory that also holds a trace `t.txt`, a program `p` and a costs file
 * `c.costs`, so that seeds can name files that exist. */
#include <stdlib.h>

#include "sweep_spec.h"

#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static bool ready;
    if (!ready) {
        fuzz_write_file("t.txt", (const uint8_t *)"R 0x1000 4\n", 11);
        fuzz_write_file("p", (const uint8_t *)"\177ELF", 4);
        fuzz_write_file("c.costs", (const uint8_t *)"base = dfly2007\nreflect = 9000\n", 31);
        ready = true;
    }
    const char *path = fuzz_write_file("spec.sweep", data, size);
    struct sweep_spec sp;
    if (sweep_spec_parse(&sp, path) < 0)
        return 0;
    /* A parsed spec has at least one value on every axis, and its cells can be made. */
    if (!sp.nw || !sp.schemes.n || !sp.policies.n || !sp.dirties.n || !sp.ncosts || !sp.nmems ||
        !sp.nscales)
        abort();
    size_t ncells = 0;
    if (sp.nw * sp.ncosts * sp.nmems * sp.nscales < 4096) {
        struct sweep_cell *cells = sweep_cells_make(&sp, &ncells);
        sweep_cells_free(cells, ncells);
    }
    sweep_spec_fini(&sp);
    return 0;
}
