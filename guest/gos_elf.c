/* guest/gos_elf.c - reads and validates an i386 or x86-64 executable, static or naming an
 * interpreter (PT_INTERP), and the interpreter itself (the ELF loader's host side).
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

/* ---- the two ELF classes, read into one shape ----------------------------------------- */

/* The fields of the ELF, section, program and symbol headers vkmmu uses, in 64 bits. */
struct ehdr {
    unsigned type, machine, phentsize, phnum, shentsize, shnum;
    uint64_t entry, phoff, shoff;
};
struct phdr {
    uint32_t type, flags;
    uint64_t offset, vaddr, filesz, memsz;
};
struct shdr {
    uint32_t type, link;
    uint64_t offset, size, entsize;
};
struct sym {
    uint32_t name;
    unsigned info, shndx;
    uint64_t value, size;
};

static bool is64(const struct gos_elf *e)
{
    return e->abi == GOS_ABI_X86_64;
}

/* Header i of the table at off whose entries are n32 (ELF32) or n64 (ELF64) bytes: the
 * caller checked the table lies inside the file.  memcpy: the file need not be aligned. */
static const uint8_t *entry_at(const struct gos_elf *e, uint64_t off, size_t i, size_t n32,
                               size_t n64)
{
    return e->data + off + i * (is64(e) ? n64 : n32);
}

static struct ehdr read_ehdr(const struct gos_elf *e)
{
    struct ehdr h;
    if (is64(e)) {
        Elf64_Ehdr x;
        memcpy(&x, e->data, sizeof x);
        h = (struct ehdr){x.e_type, x.e_machine, x.e_phentsize, x.e_phnum, x.e_shentsize,
                          x.e_shnum, x.e_entry, x.e_phoff, x.e_shoff};
    } else {
        Elf32_Ehdr x;
        memcpy(&x, e->data, sizeof x);
        h = (struct ehdr){x.e_type, x.e_machine, x.e_phentsize, x.e_phnum, x.e_shentsize,
                          x.e_shnum, x.e_entry, x.e_phoff, x.e_shoff};
    }
    return h;
}

static struct phdr read_phdr(const struct gos_elf *e, const struct ehdr *h, size_t i)
{
    const uint8_t *p = entry_at(e, h->phoff, i, sizeof(Elf32_Phdr), sizeof(Elf64_Phdr));
    if (is64(e)) {
        Elf64_Phdr x;
        memcpy(&x, p, sizeof x);
        return (struct phdr){x.p_type, x.p_flags, x.p_offset, x.p_vaddr, x.p_filesz, x.p_memsz};
    }
    Elf32_Phdr x;
    memcpy(&x, p, sizeof x);
    return (struct phdr){x.p_type, x.p_flags, x.p_offset, x.p_vaddr, x.p_filesz, x.p_memsz};
}

static struct shdr read_shdr(const struct gos_elf *e, const struct ehdr *h, size_t i)
{
    const uint8_t *p = entry_at(e, h->shoff, i, sizeof(Elf32_Shdr), sizeof(Elf64_Shdr));
    if (is64(e)) {
        Elf64_Shdr x;
        memcpy(&x, p, sizeof x);
        return (struct shdr){x.sh_type, x.sh_link, x.sh_offset, x.sh_size, x.sh_entsize};
    }
    Elf32_Shdr x;
    memcpy(&x, p, sizeof x);
    return (struct shdr){x.sh_type, x.sh_link, x.sh_offset, x.sh_size, x.sh_entsize};
}

static struct sym read_sym(const struct gos_elf *e, uint64_t off, size_t i)
{
    const uint8_t *p = entry_at(e, off, i, sizeof(Elf32_Sym), sizeof(Elf64_Sym));
    if (is64(e)) {
        Elf64_Sym x;
        memcpy(&x, p, sizeof x);
        return (struct sym){x.st_name, x.st_info, x.st_shndx, x.st_value, x.st_size};
    }
    Elf32_Sym x;
    memcpy(&x, p, sizeof x);
    return (struct sym){x.st_name, x.st_info, x.st_shndx, x.st_value, x.st_size};
}

/* Reads the symbol table of type want (SHT_SYMTAB, SHT_DYNSYM): functions and objects with a
 * non-zero address.  Whether the file has such a table (a malformed one counts, and loses
 * only the symbols: the program itself is still valid). */
static bool load_symtab(struct gos_elf *e, const struct ehdr *eh, uint32_t want)
{
    size_t shsz = is64(e) ? sizeof(Elf64_Shdr) : sizeof(Elf32_Shdr);
    size_t symsz = is64(e) ? sizeof(Elf64_Sym) : sizeof(Elf32_Sym);
    if (eh->shoff == 0 || eh->shentsize != shsz || eh->shnum == 0 ||
        !range_ok(e->size, eh->shoff, (uint64_t)eh->shnum * shsz))
        return true;
    for (unsigned i = 0; i < eh->shnum; i++) {
        struct shdr sh = read_shdr(e, eh, i);
        if (sh.type != want || sh.entsize != symsz)
            continue;
        if (sh.link >= eh->shnum)
            return true;
        struct shdr str = read_shdr(e, eh, sh.link);
        if (!range_ok(e->size, sh.offset, sh.size) || !range_ok(e->size, str.offset, str.size) ||
            str.size == 0)
            return true;
        const char *strtab = (const char *)(e->data + str.offset);
        if (strtab[str.size - 1] != '\0')
            return true;
        size_t n = sh.size / symsz;
        e->symbols = calloc(n ? n : 1, sizeof *e->symbols);
        if (!e->symbols)
            return true;
        for (size_t k = 0; k < n; k++) {
            struct sym s = read_sym(e, sh.offset, k);
            unsigned type = ELF32_ST_TYPE(s.info); /* the same bits in both classes */
            if ((type != STT_FUNC && type != STT_OBJECT && type != STT_NOTYPE) || s.value == 0 ||
                s.shndx == SHN_UNDEF || s.shndx >= SHN_LORESERVE || s.name >= str.size ||
                strtab[s.name] == '\0')
                continue;
            /* Skip local labels such as ".L..." and the mapping symbols of some tools. */
            if (strtab[s.name] == '.' || strtab[s.name] == '$')
                continue;
            e->symbols[e->nsymbols++] =
                (struct gos_symbol){s.value + e->bias, s.size, strtab + s.name};
        }
        qsort(e->symbols, e->nsymbols, sizeof *e->symbols, sym_cmp);
        return true;
    }
    return false;
}

/* .symtab when the file has one, else .dynsym: a stripped shared object (Debian's libraries)
 * still names what it exports.  An STT_GNU_IFUNC's value is its resolver, so it is left out,
 * and an address in a local function falls to no symbol rather than to a wrong one when the
 * symbol before it is sized. */
static void load_symbols(struct gos_elf *e, const struct ehdr *eh)
{
    if (!load_symtab(e, eh, SHT_SYMTAB))
        load_symtab(e, eh, SHT_DYNSYM);
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

/* PT_INTERP's path (program header i): inside the file, one NUL at its end, shorter than
 * PATH_MAX, absolute or relative as Linux takes it.  GOS_OK or GOS_EINPUT with err filled. */
static int read_interp(struct gos_elf *e, const struct phdr *ph, unsigned i, const char *path,
                       char *err, size_t errlen)
{
    if (e->interp_path)
        return elf_fail(err, errlen, path, "a second PT_INTERP (program header %u)", i);
    if (!range_ok(e->size, ph->offset, ph->filesz) || ph->filesz < 2 || ph->filesz > 4096)
        return elf_fail(err, errlen, path,
                        "PT_INTERP (program header %u) at offset %llu, %llu bytes: expected a "
                        "path of 2 to 4096 bytes inside the %zu-byte file",
                        i, (unsigned long long)ph->offset, (unsigned long long)ph->filesz,
                        e->size);
    const char *str = (const char *)e->data + ph->offset;
    if (str[ph->filesz - 1] != '\0' || strlen(str) != ph->filesz - 1)
        return elf_fail(err, errlen, path,
                        "PT_INTERP (program header %u) at offset %llu is not one NUL-terminated "
                        "path",
                        i, (unsigned long long)ph->offset);
    e->interp_path = strdup(str);
    if (!e->interp_path) {
        snprintf(err, errlen, "%s: out of memory", path);
        return GOS_EHOST;
    }
    return GOS_OK;
}

/* The class (e->abi from EI_CLASS and e_machine), the ELF header and the program header
 * table: a little-endian i386 or x86-64 executable (ET_EXEC, or ET_DYN: a PIE, static or not)
 * with its table inside the file, and PT_INTERP's path when it names an interpreter (an
 * interpreter's own PT_INTERP is ignored, as Linux ignores it).  GOS_OK, or GOS_EINPUT /
 * GOS_EHOST with err filled. */
static int check_header(struct gos_elf *e, const char *path, bool interp, char *err,
                        size_t errlen)
{
    if (e->size < EI_NIDENT || memcmp(e->data, ELFMAG, SELFMAG) != 0)
        return elf_fail(err, errlen, path,
                        "not an ELF file (expected an i386 or x86-64 ELF %s)",
                        interp ? "interpreter" : "executable");
    unsigned cls = e->data[EI_CLASS];
    if ((cls != ELFCLASS32 && cls != ELFCLASS64) || e->data[EI_DATA] != ELFDATA2LSB)
        return elf_fail(err, errlen, path,
                        "ELF class %u, %s-endian (expected little-endian: 32-bit i386 or "
                        "64-bit x86-64)",
                        cls, e->data[EI_DATA] == ELFDATA2MSB ? "big" : "little");
    e->abi = cls == ELFCLASS64 ? GOS_ABI_X86_64 : GOS_ABI_I386;
    size_t ehsz = is64(e) ? sizeof(Elf64_Ehdr) : sizeof(Elf32_Ehdr);
    if (e->size < ehsz)
        return elf_fail(err, errlen, path,
                        "truncated ELF header (%zu bytes, expected at least %zu)", e->size, ehsz);
    struct ehdr eh = read_ehdr(e);
    unsigned want = is64(e) ? EM_X86_64 : EM_386;
    if (eh.machine != want)
        return elf_fail(err, errlen, path, "machine %u in a %s ELF (expected %s, %s = %u)",
                        eh.machine, is64(e) ? "64-bit" : "32-bit",
                        is64(e) ? "x86-64" : "i386", is64(e) ? "EM_X86_64" : "EM_386", want);
    size_t phsz = is64(e) ? sizeof(Elf64_Phdr) : sizeof(Elf32_Phdr);
    if (eh.phentsize != phsz || eh.phnum == 0 ||
        !range_ok(e->size, eh.phoff, (uint64_t)eh.phnum * phsz))
        return elf_fail(err, errlen, path,
                        "program headers at offset %llu (%u x %u bytes) are not a table inside "
                        "the %zu-byte file",
                        (unsigned long long)eh.phoff, eh.phnum, eh.phentsize, e->size);
    if (eh.type != ET_EXEC && eh.type != ET_DYN)
        return elf_fail(err, errlen, path,
                        "ELF type %u (expected an executable: ET_EXEC, or ET_DYN for a PIE or a "
                        "shared object)",
                        eh.type);
    for (unsigned i = 0; i < eh.phnum && !interp; i++) {
        struct phdr ph = read_phdr(e, &eh, i);
        if (ph.type == PT_INTERP) {
            int rc = read_interp(e, &ph, i, path, err, errlen);
            if (rc != GOS_OK)
                return rc;
        }
    }
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
 * congruent, inside [0x1000, mmap top) once biased), brk_base and AT_PHDR.  GOS_OK, or
 * GOS_EINPUT / GOS_EHOST with err filled. */
static int load_segments(struct gos_elf *e, const struct ehdr *eh, uint64_t min_va,
                         const char *path, char *err, size_t errlen)
{
    uint64_t top = is64(e) ? GOS_MMAP_TOP64 : GOS_MMAP_TOP;
    size_t phsz = is64(e) ? sizeof(Elf64_Phdr) : sizeof(Elf32_Phdr);
    e->segments = calloc(eh->phnum, sizeof *e->segments);
    if (!e->segments) {
        snprintf(err, errlen, "%s: out of memory", path);
        return GOS_EHOST;
    }
    for (unsigned i = 0; i < eh->phnum; i++) {
        unsigned long long off = eh->phoff + (uint64_t)i * phsz;
        struct phdr p = read_phdr(e, eh, i);
        if (p.type == PT_PHDR)
            e->phdr_vaddr = p.vaddr + e->bias;
        if (p.type != PT_LOAD || p.memsz == 0)
            continue;
        if (!range_ok(e->size, p.offset, p.filesz))
            return elf_fail(err, errlen, path,
                            "truncated: PT_LOAD at offset %llu needs file bytes [%llu, %llu), "
                            "the file has %zu",
                            off, (unsigned long long)p.offset,
                            (unsigned long long)(p.offset + p.filesz), e->size);
        uint64_t va = p.vaddr + e->bias;
        if (p.filesz > p.memsz || (p.vaddr & 0xFFFu) != (p.offset & 0xFFFu) || va < min_va ||
            p.memsz > top || va > top - p.memsz)
            return elf_fail(err, errlen, path,
                            "PT_LOAD at offset %llu: vaddr 0x%llx, memsz 0x%llx, filesz 0x%llx "
                            "(expected filesz <= memsz, vaddr and offset congruent mod 4096, "
                            "and [0x%llx, 0x%llx) as the address range)",
                            off, (unsigned long long)va, (unsigned long long)p.memsz,
                            (unsigned long long)p.filesz, (unsigned long long)min_va,
                            (unsigned long long)top);
        e->segments[e->nsegments++] =
            (struct gos_segment){va, p.filesz, p.memsz, p.offset, segment_prot(p.flags)};
        uint64_t end = (va + p.memsz + 0xFFFu) & ~(uint64_t)0xFFFu;
        if (end > e->brk_base)
            e->brk_base = end;
        /* AT_PHDR without PT_PHDR: the headers' address inside the segment that holds them. */
        if (!e->phdr_vaddr && eh->phoff >= p.offset && eh->phoff - p.offset < p.filesz)
            e->phdr_vaddr = va + (eh->phoff - p.offset);
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

/* What elf_load reads: a program, its interpreter, or any shared object (for its symbols). */
enum elf_mode { ELF_PROGRAM, ELF_INTERP, ELF_OBJECT };

/* Reads and checks an executable (ELF_PROGRAM), an interpreter (ELF_INTERP: an ET_DYN one is
 * read at bias 0 and placed later by gos_elf_rebase) or a shared object (ELF_OBJECT: read at
 * bias 0, its entry not checked: a library has none). */
static int elf_load(struct gos_elf *e, const char *path, enum elf_mode mode, char *err,
                    size_t errlen)
{
    bool interp = mode != ELF_PROGRAM;
    memset(e, 0, sizeof *e);
    int rc = read_file(e, path, err, errlen);
    if (rc != GOS_OK) {
        gos_elf_fini(e);
        return rc;
    }
    e->path = strdup(path);
    rc = check_header(e, path, interp, err, errlen);
    struct ehdr eh = {0};
    uint64_t min_va = 0x1000;
    if (rc == GOS_OK) {
        eh = read_ehdr(e);
        /* A PIE is placed where Linux places one with ASLR off (ELF_ET_DYN_BASE); an ET_DYN
         * interpreter where gos's mmap puts it (gos_elf_rebase), so its vaddrs start at 0. */
        if (eh.type == ET_DYN && !interp)
            e->bias = is64(e) ? GOS_PIE_BASE64 : GOS_PIE_BASE;
        if (eh.type == ET_DYN && interp)
            min_va = 0;
        e->entry = eh.entry + e->bias;
        e->phent = (uint16_t)eh.phentsize;
        e->phnum = (uint16_t)eh.phnum;
        rc = load_segments(e, &eh, min_va, path, err, errlen);
    }
    if (rc == GOS_OK && mode != ELF_OBJECT && !entry_in_executable_segment(e))
        rc = elf_fail(err, errlen, path,
                      "entry point 0x%llx is not inside an executable PT_LOAD segment",
                      (unsigned long long)e->entry);
    if (rc != GOS_OK) {
        gos_elf_fini(e);
        return rc;
    }
    e->relocatable = interp && eh.type == ET_DYN;
    load_symbols(e, &eh);
    return GOS_OK;
}

int gos_elf_load(struct gos_elf *e, const char *path, char *err, size_t errlen)
{
    return elf_load(e, path, ELF_PROGRAM, err, errlen);
}

int gos_elf_load_interp(struct gos_elf *e, const char *path, char *err, size_t errlen)
{
    return elf_load(e, path, ELF_INTERP, err, errlen);
}

int gos_elf_load_object(struct gos_elf *e, const char *path, char *err, size_t errlen)
{
    return elf_load(e, path, ELF_OBJECT, err, errlen);
}

void gos_elf_span(const struct gos_elf *e, uint64_t *lo, uint64_t *hi)
{
    *lo = UINT64_MAX;
    *hi = 0;
    for (size_t i = 0; i < e->nsegments; i++) {
        const struct gos_segment *s = &e->segments[i];
        uint64_t start = s->vaddr & ~(uint64_t)0xFFF;
        uint64_t end = (s->vaddr + s->memsz + 0xFFF) & ~(uint64_t)0xFFF;
        if (start < *lo)
            *lo = start;
        if (end > *hi)
            *hi = end;
    }
    if (*lo > *hi)
        *lo = *hi = 0;
}

void gos_elf_rebase(struct gos_elf *e, uint64_t bias)
{
    uint64_t d = bias - e->bias;
    e->bias = bias;
    e->entry += d;
    if (e->phdr_vaddr)
        e->phdr_vaddr += d;
    e->brk_base += d;
    for (size_t i = 0; i < e->nsegments; i++)
        e->segments[i].vaddr += d;
    for (size_t i = 0; i < e->nsymbols; i++)
        e->symbols[i].addr += d;
}

uint64_t gos_elf_start(const struct gos_elf *e)
{
    return e->interp ? e->interp->entry : e->entry;
}

void gos_elf_fini(struct gos_elf *e)
{
    if (e->interp) {
        gos_elf_fini(e->interp);
        free(e->interp);
    }
    free(e->interp_path);
    free(e->path);
    free(e->data);
    free(e->segments);
    free(e->symbols);
    memset(e, 0, sizeof *e);
}

const char *gos_elf_symbolize(const struct gos_elf *e, uint64_t addr, char *buf, size_t len)
{
    buf[0] = '\0';
    if (!e)
        return buf;
    if (e->interp && e->interp->nsegments) { /* an address inside the interpreter's span */
        uint64_t lo, hi;
        gos_elf_span(e->interp, &lo, &hi);
        if (addr >= lo && addr < hi)
            return gos_elf_symbolize(e->interp, addr, buf, len);
    }
    /* Only addresses of the image itself: an unsized symbol such as _end would otherwise
     * name every address above it (a library's, the stack's). */
    uint64_t span_lo, span_hi;
    gos_elf_span(e, &span_lo, &span_hi);
    if (e->nsymbols == 0 || addr < span_lo || addr >= span_hi)
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
    uint64_t off = addr - s->addr;
    if (s->size != 0 && off >= s->size)
        return buf;
    if (off)
        snprintf(buf, len, "%s+0x%llx", s->name, (unsigned long long)off);
    else
        snprintf(buf, len, "%s", s->name);
    return buf;
}
