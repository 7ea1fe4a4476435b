/* tests/guest/test_gos_elf.c - the ELF loader reads a static i386 executable and refuses what
 * it cannot run with a message naming the file and what was expected. */
#include <criterion/criterion.h>
#include <dlfcn.h>
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

Test(elf, x86_64_dynamic_elf_names_its_interpreter_and_machine_checked)
{
    /* The test executable itself is a dynamically linked host (x86-64) PIE: loaded at the
     * PIE base, its interpreter's path kept for gos_interp_open. */
    struct gos_elf e;
    cr_assert_eq(gos_elf_load(&e, "/proc/self/exe", err, sizeof err), GOS_OK, "%s", err);
    cr_expect_eq(e.abi, GOS_ABI_X86_64);
    cr_expect_str_eq(e.interp_path, "/lib64/ld-linux-x86-64.so.2");
    cr_expect_eq(e.bias, GOS_PIE_BASE64);
    cr_expect_null(e.interp);
    gos_elf_fini(&e);
    /* The interpreter itself: read at bias 0, placed by gos_elf_rebase. */
    cr_assert_eq(gos_elf_load_interp(&e, "/lib64/ld-linux-x86-64.so.2", err, sizeof err), GOS_OK,
                 "%s", err);
    cr_expect(e.relocatable);
    cr_expect_null(e.interp_path);
    uint64_t lo, hi, entry = e.entry;
    gos_elf_span(&e, &lo, &hi);
    cr_expect_eq(lo, 0);
    cr_expect_gt(hi, 0x10000);
    gos_elf_rebase(&e, 0x7ffff7fc3000ull);
    cr_expect_eq(e.entry, entry + 0x7ffff7fc3000ull);
    cr_expect_eq(e.segments[0].vaddr, 0x7ffff7fc3000ull);
    cr_expect_eq(gos_elf_start(&e), e.entry);
    gos_elf_fini(&e);
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

/* Turns the first non-LOAD program header of busybox into a PT_INTERP at [off, off + len)
 * and loads it: the status, with err filled. */
static int load_with_interp(uint32_t off, uint32_t len, const char *bytes)
{
    size_t size;
    uint8_t *d = read_all(BUSYBOX, &size);
    Elf32_Ehdr *eh = (Elf32_Ehdr *)d;
    Elf32_Phdr *ph = (Elf32_Phdr *)(d + eh->e_phoff);
    unsigned i = 0;
    while (i < eh->e_phnum && ph[i].p_type == PT_LOAD)
        i++;
    cr_assert_lt(i, eh->e_phnum);
    ph[i].p_type = PT_INTERP;
    ph[i].p_offset = off;
    ph[i].p_filesz = len;
    if (bytes)
        memcpy(d + off, bytes, len);
    const char *p = temp_file(d, size);
    struct gos_elf e;
    int rc = gos_elf_load(&e, p, err, sizeof err);
    if (rc == GOS_OK) {
        cr_expect_str_eq(e.interp_path, bytes);
        gos_elf_fini(&e);
    }
    unlink(p);
    free(d);
    return rc;
}

Test(elf, pt_interp_path_is_read_with_bounds_checks)
{
    /* A good path at offset 0x200 (inside the file; the bytes there do not matter). */
    cr_assert_eq(load_with_interp(0x200, 19, "/lib/ld-linux.so.2"), GOS_OK, "%s", err);
    /* Not NUL-terminated, a NUL inside, empty, past the end of the file. */
    cr_assert_eq(load_with_interp(0x200, 4, "/lib"), GOS_EINPUT);
    cr_assert(strstr(err, "is not one NUL-terminated path"), "%s", err);
    cr_assert_eq(load_with_interp(0x200, 6, "/a\0b\0"), GOS_EINPUT);
    cr_assert(strstr(err, "is not one NUL-terminated path"), "%s", err);
    cr_assert_eq(load_with_interp(0x200, 1, ""), GOS_EINPUT);
    cr_assert(strstr(err, "expected a path of 2 to 4096 bytes"), "%s", err);
    cr_assert_eq(load_with_interp(0x7ffffff0, 32, NULL), GOS_EINPUT);
    cr_assert(strstr(err, "inside the"), "%s", err);
}

Test(elf, symbols_name_only_addresses_inside_the_image)
{
    /* The test executable has an unsized _end at the end of its bss: an address above the
     * image (a library's, the stack's) is no "_end+0x..." but nothing. */
    struct gos_elf e;
    cr_assert_eq(gos_elf_load(&e, "/proc/self/exe", err, sizeof err), GOS_OK, "%s", err);
    bool has_end = false;
    for (size_t i = 0; i < e.nsymbols; i++)
        has_end |= strcmp(e.symbols[i].name, "_end") == 0 && e.symbols[i].size == 0;
    cr_assert(has_end, "the test executable has no unsized _end");
    uint64_t lo, hi;
    gos_elf_span(&e, &lo, &hi);
    char buf[96];
    cr_expect_str_neq(gos_elf_symbolize(&e, e.entry, buf, sizeof buf), "");
    cr_expect_str_eq(gos_elf_symbolize(&e, hi, buf, sizeof buf), "");
    cr_expect_str_eq(gos_elf_symbolize(&e, hi + 0x100000, buf, sizeof buf), "");
    cr_expect_str_eq(gos_elf_symbolize(&e, lo - 1, buf, sizeof buf), "");
    gos_elf_fini(&e);
}

Test(elf, shared_object_symbols_come_from_dynsym)
{
    /* Debian's libc has no .symtab: its .dynsym names fputs.  The test process uses the same
     * libc: dladdr gives where it is loaded, so fputs's link-time address is independent of
     * the loader under test.  libc's own fputs, from its handle: under AddressSanitizer the
     * program's fputs is the sanitizer's interceptor. */
    Dl_info info;
    void *libc = dlopen("libc.so.6", RTLD_LAZY | RTLD_NOLOAD);
    cr_assert(libc, "libc.so.6 is not loaded");
    void *fn = dlsym(libc, "fputs");
    cr_assert(fn && dladdr(fn, &info) && info.dli_fname, "dladdr(fputs)");
    cr_assert(strstr(info.dli_fname, "libc.so.6"), "fputs is in %s", info.dli_fname);
    uint64_t link = (uint64_t)((uintptr_t)fn - (uintptr_t)info.dli_fbase);
    struct gos_elf e;
    cr_assert_eq(gos_elf_load_object(&e, info.dli_fname, err, sizeof err), GOS_OK, "%s", err);
    cr_expect(e.relocatable);
    cr_expect_gt(e.nsymbols, 1000);
    char buf[96];
    gos_elf_symbolize(&e, link + 4, buf, sizeof buf);
    cr_expect(strcmp(buf, "fputs+0x4") == 0 || strcmp(buf, "_IO_fputs+0x4") == 0, "%s", buf);
    gos_elf_fini(&e);
    dlclose(libc);
    /* A library with no entry point (libm's e_entry is 0) is read too; as a program or an
     * interpreter it is refused. */
    cr_assert_eq(gos_elf_load_object(&e, "/lib/x86_64-linux-gnu/libm.so.6", err, sizeof err),
                 GOS_OK, "%s", err);
    cr_expect_gt(e.nsymbols, 100);
    gos_elf_fini(&e);
    cr_expect_eq(gos_elf_load_interp(&e, "/lib/x86_64-linux-gnu/libm.so.6", err, sizeof err),
                 GOS_EINPUT);
    cr_expect(strstr(err, "entry point 0x0 is not inside an executable"), "%s", err);
}
