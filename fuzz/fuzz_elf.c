/* fuzz/fuzz_elf.c - libFuzzer target: the ELF loader's host side (gos_elf_load, which reads
 * and validates the file without Unicorn) and gos_elf_symbolize.  A loaded image must keep the
 * invariants emu_run relies on. */
#include "fuzz_common.h"
#include "guest_os.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fuzz_write_file("prog.elf", data, size);
    struct gos_elf e;
    char err[512] = "";
    int rc = gos_elf_load(&e, path, err, sizeof err);
    if (rc != GOS_OK) {
        fuzz_check_msg("gos_elf_load", err, sizeof err);
        if (rc != GOS_EINPUT && rc != GOS_EHOST)
            abort();
        return 0;
    }
    if (e.nsegments == 0 || e.size != size)
        abort();
    for (size_t i = 0; i < e.nsegments; i++) {
        const struct gos_segment *s = &e.segments[i];
        if (s->filesz > s->memsz || (uint64_t)s->offset + s->filesz > e.size ||
            (uint64_t)s->vaddr + s->memsz > GOS_MMAP_TOP || s->vaddr < 0x1000) {
            fprintf(stderr, "segment %zu: vaddr 0x%x memsz 0x%x filesz 0x%x offset 0x%x\n", i,
                    s->vaddr, s->memsz, s->filesz, s->offset);
            abort();
        }
        if (e.brk_base < s->vaddr + s->memsz || (e.brk_base & 0xFFF))
            abort();
    }
    char buf[128];
    gos_elf_symbolize(&e, e.entry, buf, sizeof buf);
    for (size_t i = 0; i < e.nsymbols && i < 64; i++) {
        gos_elf_symbolize(&e, e.symbols[i].addr, buf, sizeof buf);
        gos_elf_symbolize(&e, e.symbols[i].addr + e.symbols[i].size, buf, sizeof buf);
        gos_elf_symbolize(&e, e.symbols[i].addr - 1, buf, sizeof buf);
    }
    gos_elf_symbolize(&e, 0, buf, sizeof buf);
    gos_elf_symbolize(&e, 0xFFFFFFFFu, buf, sizeof buf);
    gos_elf_fini(&e);
    return 0;
}
