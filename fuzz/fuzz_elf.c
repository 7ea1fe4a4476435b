/* fuzz/fuzz_elf.c - libFuzzer target: the ELF loader's host side (gos_elf_load, which reads
 * and validates the file without Unicorn; gos_elf_load_object, which reads a shared object
 * for its symbols) and gos_elf_symbolize.  A loaded image must keep the invariants emu_run
 * relies on. */
#include <inttypes.h>

#include "fuzz_common.h"
#include "guest_os.h"

/* Symbolizes around every symbol and at the edges; nothing to check but that it holds. */
static void symbolize_all(const struct gos_elf *e)
{
    char buf[128];
    gos_elf_symbolize(e, e->entry, buf, sizeof buf);
    for (size_t i = 0; i < e->nsymbols && i < 64; i++) {
        gos_elf_symbolize(e, e->symbols[i].addr, buf, sizeof buf);
        gos_elf_symbolize(e, e->symbols[i].addr + e->symbols[i].size, buf, sizeof buf);
        gos_elf_symbolize(e, e->symbols[i].addr - 1, buf, sizeof buf);
    }
    gos_elf_symbolize(e, 0, buf, sizeof buf);
    gos_elf_symbolize(e, 0xFFFFFFFFu, buf, sizeof buf);
    gos_elf_symbolize(e, UINT64_MAX, buf, sizeof buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fuzz_write_file("prog.elf", data, size);
    struct gos_elf e;
    char err[512] = "";
    int rc = gos_elf_load_object(&e, path, err, sizeof err);
    if (rc == GOS_OK) {
        if (e.nsegments == 0 || e.size != size)
            abort();
        symbolize_all(&e);
        gos_elf_fini(&e);
    } else {
        fuzz_check_msg("gos_elf_load_object", err, sizeof err);
        if (rc != GOS_EINPUT && rc != GOS_EHOST)
            abort();
    }
    rc = gos_elf_load(&e, path, err, sizeof err);
    if (rc != GOS_OK) {
        fuzz_check_msg("gos_elf_load", err, sizeof err);
        if (rc != GOS_EINPUT && rc != GOS_EHOST)
            abort();
        return 0;
    }
    if (e.nsegments == 0 || e.size != size)
        abort();
    uint64_t top = e.abi == GOS_ABI_X86_64 ? GOS_MMAP_TOP64 : GOS_MMAP_TOP;
    for (size_t i = 0; i < e.nsegments; i++) {
        const struct gos_segment *s = &e.segments[i];
        if (s->filesz > s->memsz || s->offset + s->filesz > e.size || s->memsz > top ||
            s->vaddr > top - s->memsz || s->vaddr < 0x1000) {
            fprintf(stderr,
                    "segment %zu: vaddr 0x%" PRIx64 " memsz 0x%" PRIx64 " filesz 0x%" PRIx64
                    " offset 0x%" PRIx64 "\n",
                    i, s->vaddr, s->memsz, s->filesz, s->offset);
            abort();
        }
        if (e.brk_base < s->vaddr + s->memsz || (e.brk_base & 0xFFF))
            abort();
    }
    symbolize_all(&e);
    gos_elf_fini(&e);
    return 0;
}
