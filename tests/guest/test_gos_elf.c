/* tests/guest/test_gos_elf.c - the ELF loader reads a static i386 executable and refuses what
 * it cannot run with a message naming the file and what was expected. */
#include <criterion/criterion.h>
#include <elf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "guest_os.h"

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
    struct gos_elf e;
    cr_assert_eq(gos_elf_load(&e, BUSYBOX, err, sizeof err), GOS_OK, "%s", err);
    cr_assert_gt(e.nsegments, 0);
    cr_assert_neq(e.phdr_vaddr, 0);
    cr_assert_eq(e.brk_base & 0xFFF, 0);
    bool entry_in_text = false;
    for (size_t i = 0; i < e.nsegments; i++)
        if (e.entry >= e.segments[i].vaddr && e.entry < e.segments[i].vaddr + e.segments[i].memsz)
            entry_in_text = (e.segments[i].prot & VK_PROT_X) != 0;
    cr_assert(entry_in_text);
    gos_elf_fini(&e);
}

Test(elf, not_an_elf_is_refused_with_the_file_name)
{
    const char *p = temp_file("#!/bin/sh\necho hi\n", 18);
    cr_assert_eq(gos_elf_load(&(struct gos_elf){0}, p, err, sizeof err), GOS_EINPUT);
    cr_assert(strstr(err, p) && strstr(err, "not an ELF"), "%s", err);
    unlink(p);
}

Test(elf, missing_file_is_refused)
{
    cr_assert_eq(gos_elf_load(&(struct gos_elf){0}, "/nonexistent/prog", err, sizeof err),
                 GOS_EINPUT);
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
        int rc = gos_elf_load(&(struct gos_elf){0}, p, err, sizeof err);
        cr_assert_eq(rc, GOS_EINPUT, "cut at %zu accepted", cuts[i]);
        cr_assert(strstr(err, p), "%s", err);
        unlink(p);
    }
    free(d);
}

Test(elf, x86_64_dynamic_elf_is_refused_and_machine_checked)
{
    /* The test executable itself is a dynamically linked host (x86-64) ELF. */
    cr_assert_eq(gos_elf_load(&(struct gos_elf){0}, "/proc/self/exe", err, sizeof err),
                 GOS_EINPUT);
    cr_assert(strstr(err, "PT_INTERP"), "%s", err);
    /* A 64-bit ELF for another machine (aarch64, 183) names both. */
    size_t len;
    uint8_t *d = read_all("/proc/self/exe", &len);
    ((Elf64_Ehdr *)d)->e_machine = 183;
    const char *p = temp_file(d, len);
    cr_assert_eq(gos_elf_load(&(struct gos_elf){0}, p, err, sizeof err), GOS_EINPUT);
    cr_assert(strstr(err, "machine 183 in a 64-bit ELF") && strstr(err, "x86-64"), "%s", err);
    unlink(p);
    free(d);
}

Test(elf, et_dyn_static_pie_is_loaded_at_the_pie_base)
{
    size_t len;
    uint8_t *d = read_all(BUSYBOX, &len);
    uint32_t entry = ((Elf32_Ehdr *)d)->e_entry;
    ((Elf32_Ehdr *)d)->e_type = ET_DYN;
    const char *p = temp_file(d, len);
    struct gos_elf e;
    cr_assert_eq(gos_elf_load(&e, p, err, sizeof err), GOS_OK, "%s", err);
    cr_expect_eq(e.abi, GOS_ABI_I386);
    cr_expect_eq(e.bias, GOS_PIE_BASE);
    cr_expect_eq(e.entry, (uint64_t)entry + GOS_PIE_BASE);
    cr_expect_geq(e.segments[0].vaddr, GOS_PIE_BASE);
    gos_elf_fini(&e);
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
    cr_assert_eq(gos_elf_load(&(struct gos_elf){0}, p, err, sizeof err), GOS_EINPUT);
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
    cr_assert_eq(gos_elf_load(&(struct gos_elf){0}, p, err, sizeof err), GOS_EINPUT);
    cr_assert(strstr(err, "truncated"), "%s", err);
    unlink(p);
    free(d);
}
