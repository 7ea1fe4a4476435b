/* fuzz/fuzz_elf.c - libFuzzer target: the ELF loader's host side (emu_elf_load, which reads
 * and validates the file without Unicorn) and emu_elf_symbolize.  A loaded image must keep the
 * invariants emu_run relies on. */
#include "fuzz_common.h"
#include "emu.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fuzz_write_file("prog.elf", data, size);
    struct emu_elf e;
    char err[512] = "";
    int rc = emu_elf_load(&e, path, err, sizeof err);
    if (rc != EMU_OK) {
        fuzz_check_msg("emu_elf_load", err, sizeof err);
        if (rc != EMU_EINPUT && rc != EMU_EHOST)
            abort();
        return 0;
    }
    if (e.nseg == 0 || e.size != size)
        abort();
    for (size_t i = 0; i < e.nseg; i++) {
        const struct emu_segment *s = &e.seg[i];
        if (s->filesz > s->memsz || (uint64_t)s->offset + s->filesz > e.size ||
            (uint64_t)s->vaddr + s->memsz > EMU_MMAP_TOP || s->vaddr < 0x1000) {
            fprintf(stderr, "segment %zu: vaddr 0x%x memsz 0x%x filesz 0x%x offset 0x%x\n", i,
                    s->vaddr, s->memsz, s->filesz, s->offset);
            abort();
        }
        if (e.brk_base < s->vaddr + s->memsz || (e.brk_base & 0xFFF))
            abort();
    }
    char buf[128];
    emu_elf_symbolize(&e, e.entry, buf, sizeof buf);
    for (size_t i = 0; i < e.nsym && i < 64; i++) {
        emu_elf_symbolize(&e, e.sym[i].addr, buf, sizeof buf);
        emu_elf_symbolize(&e, e.sym[i].addr + e.sym[i].size, buf, sizeof buf);
        emu_elf_symbolize(&e, e.sym[i].addr - 1, buf, sizeof buf);
    }
    emu_elf_symbolize(&e, 0, buf, sizeof buf);
    emu_elf_symbolize(&e, 0xFFFFFFFFu, buf, sizeof buf);
    emu_elf_fini(&e);
    return 0;
}
