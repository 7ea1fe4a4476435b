/* tests/emu/test_elf.c - the ELF loader refuses what it cannot run with a message naming the
 * file and what was expected, and the start-up self-test finds the Unicorn fix-up offsets. */
#include <criterion/criterion.h>
#include <elf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "emu.h"

#define BUSYBOX "/bin/busybox"

static char err[1024];

/* Writes len bytes of data to a temporary file; returns its path (static buffer). */
static const char *temp_file(const void *data, size_t len)
{
    static char path[64];
    snprintf(path, sizeof path, "/tmp/vkmmu-test-elf-XXXXXX");
    int fd = mkstemp(path);
    cr_assert(fd >= 0);
    cr_assert(write(fd, data, len) == (ssize_t)len);
    close(fd);
    return path;
}

static uint8_t *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    cr_assert(f, "cannot open %s", path);
    fseek(f, 0, SEEK_END);
    *len = (size_t)ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *d = malloc(*len);
    cr_assert(fread(d, 1, *len, f) == *len);
    fclose(f);
    return d;
}

Test(elf, loads_static_i386_busybox)
{
    struct emu_elf e;
    cr_assert_eq(emu_elf_load(&e, BUSYBOX, err, sizeof err), EMU_OK, "%s", err);
    cr_assert_gt(e.nseg, 0);
    cr_assert_neq(e.phdr_vaddr, 0);
    cr_assert_eq(e.brk_base & 0xFFF, 0);
    bool entry_in_text = false;
    for (size_t i = 0; i < e.nseg; i++)
        if (e.entry >= e.seg[i].vaddr && e.entry < e.seg[i].vaddr + e.seg[i].memsz)
            entry_in_text = (e.seg[i].prot & VK_PROT_X) != 0;
    cr_assert(entry_in_text);
    emu_elf_fini(&e);
}

Test(elf, not_an_elf_is_refused_with_the_file_name)
{
    const char *p = temp_file("#!/bin/sh\necho hi\n", 18);
    cr_assert_eq(emu_elf_load(&(struct emu_elf){0}, p, err, sizeof err), EMU_EINPUT);
    cr_assert(strstr(err, p) && strstr(err, "not an ELF"), "%s", err);
    unlink(p);
}

Test(elf, missing_file_is_refused)
{
    cr_assert_eq(emu_elf_load(&(struct emu_elf){0}, "/nonexistent/prog", err, sizeof err),
                 EMU_EINPUT);
    cr_assert(strstr(err, "/nonexistent/prog: cannot open"), "%s", err);
}

Test(elf, truncated_file_is_refused_not_crashed)
{
    size_t len;
    uint8_t *d = read_all(BUSYBOX, &len);
    /* Every prefix length that matters: inside the header, inside the program headers, and
     * inside the first segment. */
    size_t cuts[] = {4, 20, 51, 60, 100, 200, 4096, len / 2};
    for (size_t i = 0; i < sizeof cuts / sizeof cuts[0]; i++) {
        const char *p = temp_file(d, cuts[i]);
        int rc = emu_elf_load(&(struct emu_elf){0}, p, err, sizeof err);
        cr_assert_eq(rc, EMU_EINPUT, "cut at %zu accepted", cuts[i]);
        cr_assert(strstr(err, p), "%s", err);
        unlink(p);
    }
    free(d);
}

Test(elf, x86_64_elf_is_refused)
{
    /* The test executable itself is a host (x86-64) ELF. */
    cr_assert_eq(emu_elf_load(&(struct emu_elf){0}, "/proc/self/exe", err, sizeof err),
                 EMU_EINPUT);
    cr_assert(strstr(err, "64-bit") && strstr(err, "i386"), "%s", err);
}

Test(elf, et_dyn_is_refused)
{
    size_t len;
    uint8_t *d = read_all(BUSYBOX, &len);
    ((Elf32_Ehdr *)d)->e_type = ET_DYN;
    const char *p = temp_file(d, len);
    cr_assert_eq(emu_elf_load(&(struct emu_elf){0}, p, err, sizeof err), EMU_EINPUT);
    cr_assert(strstr(err, "ET_DYN") && strstr(err, "static"), "%s", err);
    unlink(p);
    free(d);
}

Test(elf, pt_interp_is_refused_as_dynamic)
{
    size_t len;
    uint8_t *d = read_all(BUSYBOX, &len);
    Elf32_Ehdr *eh = (Elf32_Ehdr *)d;
    Elf32_Phdr *ph = (Elf32_Phdr *)(d + eh->e_phoff);
    /* Turn the first non-LOAD header into PT_INTERP. */
    unsigned i = 0;
    while (i < eh->e_phnum && ph[i].p_type == PT_LOAD)
        i++;
    cr_assert_lt(i, eh->e_phnum);
    ph[i].p_type = PT_INTERP;
    const char *p = temp_file(d, len);
    cr_assert_eq(emu_elf_load(&(struct emu_elf){0}, p, err, sizeof err), EMU_EINPUT);
    cr_assert(strstr(err, "dynamically linked"), "%s", err);
    unlink(p);
    free(d);
}

Test(elf, segment_beyond_the_file_is_refused)
{
    size_t len;
    uint8_t *d = read_all(BUSYBOX, &len);
    Elf32_Ehdr *eh = (Elf32_Ehdr *)d;
    Elf32_Phdr *ph = (Elf32_Phdr *)(d + eh->e_phoff);
    unsigned i = 0;
    while (i < eh->e_phnum && ph[i].p_type != PT_LOAD)
        i++;
    ph[i].p_filesz = (uint32_t)len * 2;
    ph[i].p_memsz = (uint32_t)len * 2;
    const char *p = temp_file(d, len);
    cr_assert_eq(emu_elf_load(&(struct emu_elf){0}, p, err, sizeof err), EMU_EINPUT);
    cr_assert(strstr(err, "truncated"), "%s", err);
    unlink(p);
    free(d);
}

Test(selftest, finds_the_old_exception_and_error_code_offsets)
{
    long old_off = -2, ec_off = -2;
    cr_assert_eq(emu_selftest(&old_off, &ec_off, err, sizeof err), 0, "%s", err);
    cr_assert_geq(ec_off, 0);
    /* Unicorn 2.0.1 needs the fix-up; a build that does not reports -1. */
    cr_assert(old_off >= 0 || old_off == -1);
}

Test(engine, counters_shared_by_both_engines_exclude_user_accesses)
{
    cr_assert_not(emu_engine_counter_shared(mmu_counter_find("access.read")));
    cr_assert_not(emu_engine_counter_shared(mmu_counter_find("access.fetch")));
    cr_assert(emu_engine_counter_shared(mmu_counter_find("fault.reflected")));
    cr_assert(emu_engine_counter_shared(mmu_counter_find("insns")));
    cr_assert(emu_engine_counter_shared(mmu_counter_find("access.kernel")));
}
