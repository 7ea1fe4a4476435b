/* guest/gos_elf.c - reads and validates a static i386 ET_EXEC (the ELF loader's host side).
 * Every field read from the file is bounds-checked: a bad or truncated file is an error
 * message naming the file and the offset, never a crash. */
#include <elf.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "guest_os.h"

static int elf_fail(char *err, size_t errlen, const char *path, const char *fmt, ...)
{
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    snprintf(err, errlen, "%s: %s", path, msg);
    return GOS_EINPUT;
}

static bool range_ok(size_t size, uint64_t off, uint64_t len)
{
    return off <= size && len <= size - off;
}

static int sym_cmp(const void *a, const void *b)
{
    const struct gos_symbol *x = a, *y = b;
    if (x->addr != y->addr)
        return x->addr < y->addr ? -1 : 1;
    /* Prefer sized symbols, then names, so the order is deterministic. */
    if (x->size != y->size)
        return x->size > y->size ? -1 : 1;
    return strcmp(x->name, y->name);
}

/* Reads .symtab (functions and objects with a non-zero address) when the file has one.  A
 * malformed section table only loses the symbols: the program itself is still valid. */
static void load_symbols(struct gos_elf *e, const Elf32_Ehdr *eh)
{
    if (eh->e_shoff == 0 || eh->e_shentsize != sizeof(Elf32_Shdr) || eh->e_shnum == 0)
        return;
    /* tables are read in place: a misaligned one is treated as malformed */
    if ((eh->e_shoff & 3) ||
        !range_ok(e->size, eh->e_shoff, (uint64_t)eh->e_shnum * sizeof(Elf32_Shdr)))
        return;
    const Elf32_Shdr *sh = (const Elf32_Shdr *)(e->data + eh->e_shoff);
    for (unsigned i = 0; i < eh->e_shnum; i++) {
        if (sh[i].sh_type != SHT_SYMTAB || sh[i].sh_entsize != sizeof(Elf32_Sym))
            continue;
        if (sh[i].sh_link >= eh->e_shnum)
            return;
        const Elf32_Shdr *str = &sh[sh[i].sh_link];
        if ((sh[i].sh_offset & 3) || !range_ok(e->size, sh[i].sh_offset, sh[i].sh_size) ||
            !range_ok(e->size, str->sh_offset, str->sh_size) || str->sh_size == 0)
            return;
        const char *strtab = (const char *)(e->data + str->sh_offset);
        if (strtab[str->sh_size - 1] != '\0')
            return;
        size_t n = sh[i].sh_size / sizeof(Elf32_Sym);
        const Elf32_Sym *s = (const Elf32_Sym *)(e->data + sh[i].sh_offset);
        e->symbols = calloc(n ? n : 1, sizeof *e->symbols);
        if (!e->symbols)
            return;
        for (size_t k = 0; k < n; k++) {
            unsigned type = ELF32_ST_TYPE(s[k].st_info);
            if ((type != STT_FUNC && type != STT_OBJECT && type != STT_NOTYPE) ||
                s[k].st_value == 0 || s[k].st_shndx == SHN_UNDEF || s[k].st_shndx >= SHN_LORESERVE ||
                s[k].st_name >= str->sh_size || strtab[s[k].st_name] == '\0')
                continue;
            /* Skip local labels such as ".L..." and the mapping symbols of some tools. */
            if (strtab[s[k].st_name] == '.' || strtab[s[k].st_name] == '$')
                continue;
            e->symbols[e->nsymbols++] = (struct gos_symbol){s[k].st_value, s[k].st_size,
                                                    strtab + s[k].st_name};
        }
        qsort(e->symbols, e->nsymbols, sizeof *e->symbols, sym_cmp);
        return;
    }
}

/* Reads the whole file into e->data.  GOS_OK, or GOS_EINPUT / GOS_EHOST with err filled. */
static int read_file(struct gos_elf *e, const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return elf_fail(err, errlen, path, "cannot open: %s", strerror(errno));
    if (fseek(f, 0, SEEK_END) != 0) {
        fclose(f);
        return elf_fail(err, errlen, path, "cannot seek: not a regular file");
    }
    long sz = ftell(f);
    if (sz < 0 || fseek(f, 0, SEEK_SET) != 0) {
        fclose(f);
        return elf_fail(err, errlen, path, "cannot seek: not a regular file");
    }
    e->size = (size_t)sz;
    e->data = malloc(e->size ? e->size : 1);
    if (!e->data) {
        fclose(f);
        snprintf(err, errlen, "%s: out of memory reading %zu bytes", path, e->size);
        return GOS_EHOST;
    }
    if (fread(e->data, 1, e->size, f) != e->size) {
        fclose(f);
        return elf_fail(err, errlen, path, "read error");
    }
    fclose(f);
    return GOS_OK;
}

/* The ELF header and the program header table: a static little-endian i386 ET_EXEC with an
 * aligned table inside the file.  GOS_OK or GOS_EINPUT with err filled. */
static int check_header(const struct gos_elf *e, const char *path, char *err, size_t errlen)
{
    const Elf32_Ehdr *eh = (const Elf32_Ehdr *)e->data;
    if (e->size < EI_NIDENT || memcmp(e->data, ELFMAG, SELFMAG) != 0)
        return elf_fail(err, errlen, path,
                        "not an ELF file (expected a static i386 ELF executable)");
    if (e->data[EI_CLASS] != ELFCLASS32 || e->data[EI_DATA] != ELFDATA2LSB)
        return elf_fail(err, errlen, path,
                        "ELF class %s, %s-endian (expected 32-bit little-endian i386)",
                        e->data[EI_CLASS] == ELFCLASS64 ? "64-bit" : "unknown",
                        e->data[EI_DATA] == ELFDATA2MSB ? "big" : "little");
    if (e->size < sizeof(Elf32_Ehdr))
        return elf_fail(err, errlen, path,
                        "truncated ELF header (%zu bytes, expected at least %zu)", e->size,
                        sizeof(Elf32_Ehdr));
    if (eh->e_machine != EM_386)
        return elf_fail(err, errlen, path, "machine %u (expected i386, EM_386 = 3)",
                        eh->e_machine);
    if (eh->e_phentsize != sizeof(Elf32_Phdr) || eh->e_phnum == 0 || (eh->e_phoff & 3) ||
        !range_ok(e->size, eh->e_phoff, (uint64_t)eh->e_phnum * sizeof(Elf32_Phdr)))
        return elf_fail(err, errlen, path,
                        "program headers at offset %u (%u x %u bytes) are not a 4-byte aligned "
                        "table inside the %zu-byte file",
                        eh->e_phoff, eh->e_phnum, eh->e_phentsize, e->size);
    const Elf32_Phdr *ph = (const Elf32_Phdr *)(e->data + eh->e_phoff);
    for (unsigned i = 0; i < eh->e_phnum; i++)
        if (ph[i].p_type == PT_INTERP || ph[i].p_type == PT_DYNAMIC)
            return elf_fail(err, errlen, path,
                            "dynamically linked (%s in program header %u); expected a static "
                            "i386 executable (gcc -m32 -static)",
                            ph[i].p_type == PT_INTERP ? "PT_INTERP" : "PT_DYNAMIC", i);
    if (eh->e_type == ET_DYN)
        return elf_fail(err, errlen, path,
                        "position-independent executable or shared object (ET_DYN); expected "
                        "a static i386 ET_EXEC (gcc -m32 -static -no-pie)");
    if (eh->e_type != ET_EXEC)
        return elf_fail(err, errlen, path, "ELF type %u (expected an executable, ET_EXEC)",
                        eh->e_type);
    return GOS_OK;
}

static unsigned segment_prot(uint32_t p_flags)
{
    unsigned prot = 0;
    if (p_flags & PF_R)
        prot |= VK_PROT_R;
    if (p_flags & PF_W)
        prot |= VK_PROT_W;
    if (p_flags & PF_X)
        prot |= VK_PROT_X;
    return prot;
}

/* Collects the PT_LOAD segments (each inside the file, filesz <= memsz, vaddr and offset
 * congruent, inside [0x1000, GOS_MMAP_TOP)), brk_base and AT_PHDR.  GOS_OK, or GOS_EINPUT /
 * GOS_EHOST with err filled. */
static int load_segments(struct gos_elf *e, const char *path, char *err, size_t errlen)
{
    const Elf32_Ehdr *eh = (const Elf32_Ehdr *)e->data;
    const Elf32_Phdr *ph = (const Elf32_Phdr *)(e->data + eh->e_phoff);
    e->segments = calloc(eh->e_phnum, sizeof *e->segments);
    if (!e->segments) {
        snprintf(err, errlen, "%s: out of memory", path);
        return GOS_EHOST;
    }
    for (unsigned i = 0; i < eh->e_phnum; i++) {
        uint32_t off = eh->e_phoff + i * (uint32_t)sizeof(Elf32_Phdr);
        if (ph[i].p_type == PT_PHDR)
            e->phdr_vaddr = ph[i].p_vaddr;
        if (ph[i].p_type != PT_LOAD || ph[i].p_memsz == 0)
            continue;
        const Elf32_Phdr *p = &ph[i];
        if (!range_ok(e->size, p->p_offset, p->p_filesz))
            return elf_fail(err, errlen, path,
                            "truncated: PT_LOAD at offset %u needs file bytes [%u, %llu), the "
                            "file has %zu",
                            off, p->p_offset, (unsigned long long)p->p_offset + p->p_filesz,
                            e->size);
        if (p->p_filesz > p->p_memsz || (p->p_vaddr & 0xFFFu) != (p->p_offset & 0xFFFu) ||
            p->p_vaddr < 0x1000u || (uint64_t)p->p_vaddr + p->p_memsz > GOS_MMAP_TOP)
            return elf_fail(err, errlen, path,
                            "PT_LOAD at offset %u: vaddr 0x%x, memsz 0x%x, filesz 0x%x "
                            "(expected filesz <= memsz, vaddr and offset congruent mod 4096, "
                            "and [0x1000, 0x%x) as the address range)",
                            off, p->p_vaddr, p->p_memsz, p->p_filesz, GOS_MMAP_TOP);
        e->segments[e->nsegments++] = (struct gos_segment){
            p->p_vaddr, p->p_filesz, p->p_memsz, p->p_offset, segment_prot(p->p_flags)};
        uint32_t end = (p->p_vaddr + p->p_memsz + 0xFFFu) & ~0xFFFu;
        if (end > e->brk_base)
            e->brk_base = end;
        /* AT_PHDR without PT_PHDR: the headers' address inside the segment that holds them. */
        if (!e->phdr_vaddr && eh->e_phoff >= p->p_offset &&
            eh->e_phoff - p->p_offset < p->p_filesz)
            e->phdr_vaddr = p->p_vaddr + (eh->e_phoff - p->p_offset);
    }
    if (e->nsegments == 0)
        return elf_fail(err, errlen, path, "no PT_LOAD segment (expected a loadable executable)");
    return GOS_OK;
}

static bool entry_in_executable_segment(const struct gos_elf *e)
{
    for (size_t i = 0; i < e->nsegments; i++) {
        const struct gos_segment *s = &e->segments[i];
        if (e->entry >= s->vaddr && e->entry - s->vaddr < s->memsz && (s->prot & VK_PROT_X))
            return true;
    }
    return false;
}

int gos_elf_load(struct gos_elf *e, const char *path, char *err, size_t errlen)
{
    memset(e, 0, sizeof *e);
    int rc = read_file(e, path, err, errlen);
    if (rc != GOS_OK) {
        gos_elf_fini(e);
        return rc;
    }
    e->path = strdup(path);
    rc = check_header(e, path, err, errlen);
    if (rc == GOS_OK) {
        const Elf32_Ehdr *eh = (const Elf32_Ehdr *)e->data;
        e->entry = eh->e_entry;
        e->phent = eh->e_phentsize;
        e->phnum = eh->e_phnum;
        rc = load_segments(e, path, err, errlen);
    }
    if (rc == GOS_OK && !entry_in_executable_segment(e))
        rc = elf_fail(err, errlen, path,
                      "entry point 0x%x is not inside an executable PT_LOAD segment", e->entry);
    if (rc != GOS_OK) {
        gos_elf_fini(e);
        return rc;
    }
    load_symbols(e, (const Elf32_Ehdr *)e->data);
    return GOS_OK;
}

void gos_elf_fini(struct gos_elf *e)
{
    free(e->path);
    free(e->data);
    free(e->segments);
    free(e->symbols);
    memset(e, 0, sizeof *e);
}

const char *gos_elf_symbolize(const struct gos_elf *e, uint32_t addr, char *buf, size_t len)
{
    buf[0] = '\0';
    if (!e || e->nsymbols == 0)
        return buf;
    /* The last symbol at or below addr. */
    size_t lo = 0, hi = e->nsymbols;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (e->symbols[mid].addr <= addr)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == 0)
        return buf;
    size_t k = lo - 1;
    /* Among symbols at the same address the sorted order puts the sized one first. */
    while (k > 0 && e->symbols[k - 1].addr == e->symbols[k].addr)
        k--;
    const struct gos_symbol *s = &e->symbols[k];
    uint32_t off = addr - s->addr;
    if (s->size != 0 && off >= s->size)
        return buf;
    if (off)
        snprintf(buf, len, "%s+0x%x", s->name, off);
    else
        snprintf(buf, len, "%s", s->name);
    return buf;
}
