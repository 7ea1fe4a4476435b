/* traces/text.c - the formats text (the vkmmu text trace, trace-formats.md section 1) and
 * regions (a `--regions` file: text `map` lines and /proc/PID/maps lines): streaming readers
 * over the lines of the byte source.  Fields and numbers are parsed by hand (a trace of
 * millions of accesses must not pay sscanf per line). */
#include "trc_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define fail(...) (trc_fail(__VA_ARGS__), -1) /* -1 visible to the optimizer */
#define arch_str trc_arch_str

/* ---- fields ---- */

struct tok {
    const char *s;
    size_t n;
};

static inline bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r'; }

/* The next field of [*p, e) into t; false when there is none. */
static inline bool next_tok(const char **p, const char *e, struct tok *t)
{
    const char *q = *p;
    while (q < e && is_space(*q))
        q++;
    if (q == e) {
        *p = q;
        return false;
    }
    t->s = q;
    while (q < e && !is_space(*q))
        q++;
    t->n = (size_t)(q - t->s);
    *p = q;
    return true;
}

static inline bool tok_is(const struct tok *t, const char *lit, size_t n)
{
    return t->n == n && memcmp(t->s, lit, n) == 0;
}

/* Quoted field text for messages (at most 40 characters). */
#define TOKF "'%.*s%s'"
#define TOKA(t) (int)((t).n > 40 ? 40 : (t).n), (t).s, ((t).n > 40 ? "..." : "")

/* Decimal, or hexadecimal with 0x/0X; no sign, no suffix.  0, or -1 (bad) / -2 (overflow). */
static inline int parse_u64(const struct tok *t, uint64_t *out)
{
    const unsigned char *s = (const unsigned char *)t->s, *e = s + t->n;
    uint64_t v = 0;
    if (t->n > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        s += 2;
        for (; s < e; s++) {
            unsigned c = *s, d;
            if (c - '0' < 10)
                d = c - '0';
            else if ((c | 0x20) - 'a' < 6)
                d = (c | 0x20) - 'a' + 10;
            else
                return -1;
            if (v >> 60)
                return -2;
            v = v << 4 | d;
        }
    } else {
        if (t->n == 0)
            return -1;
        for (; s < e; s++) {
            unsigned d = (unsigned)*s - '0';
            if (d >= 10)
                return -1;
            if (v > (UINT64_MAX - d) / 10)
                return -2;
            v = v * 10 + d;
        }
    }
    *out = v;
    return 0;
}

/* Parser state for one line: the record's keyword and its usage, for messages. */
struct line_ctx {
    struct trc_reader *r;
    const char *p, *e;
    const char *kw;    /* "map" */
    const char *usage; /* "map START END PROT KIND [NAME]" */
};

static int missing(struct line_ctx *c, const char *field)
{
    return fail(c->r, "%s: missing %s (expected `%s`)", c->kw, field, c->usage);
}

/* The next field, which must exist. */
static int need_tok(struct line_ctx *c, const char *field, struct tok *t)
{
    return next_tok(&c->p, c->e, t) ? 0 : missing(c, field);
}

static int need_num(struct line_ctx *c, const char *field, uint64_t *v)
{
    struct tok t;
    if (need_tok(c, field, &t) < 0)
        return -1;
    int rc = parse_u64(&t, v);
    if (rc == -1)
        return fail(c->r, "%s: bad number " TOKF " for %s (expected decimal or 0x hexadecimal)",
                    c->kw, TOKA(t), field);
    if (rc == -2)
        return fail(c->r, "%s: number " TOKF " for %s does not fit in 64 bits", c->kw, TOKA(t),
                    field);
    return 0;
}

/* No field may follow the last one. */
static int need_end(struct line_ctx *c, const char *last)
{
    struct tok t;
    if (next_tok(&c->p, c->e, &t))
        return fail(c->r, "%s: unexpected " TOKF " after %s (expected `%s`)", c->kw, TOKA(t),
                    last, c->usage);
    return 0;
}

static int need_prot(struct line_ctx *c, unsigned *prot)
{
    struct tok t;
    if (need_tok(c, "PROT", &t) < 0)
        return -1;
    if (t.n == 3 && (t.s[0] == 'r' || t.s[0] == '-') && (t.s[1] == 'w' || t.s[1] == '-') &&
        (t.s[2] == 'x' || t.s[2] == '-')) {
        *prot = (t.s[0] == 'r' ? TRC_PROT_R : 0) | (t.s[1] == 'w' ? TRC_PROT_W : 0) |
                (t.s[2] == 'x' ? TRC_PROT_X : 0);
        return 0;
    }
    return fail(c->r, "%s: bad PROT " TOKF " (expected three characters from r-, w-, x-, "
                      "such as rw- or r-x)", c->kw, TOKA(t));
}

/* START END: page-aligned, START < END <= the arch's region limit. */
static int need_range(struct line_ctx *c, struct trc_record *rec)
{
    if (need_num(c, "START", &rec->addr) < 0 || need_num(c, "END", &rec->end) < 0)
        return -1;
    if (rec->addr & (MMU_PAGE_SIZE - 1))
        return fail(c->r, "%s: START 0x%llx is not page-aligned (expected a multiple of 0x%x)",
                    c->kw, (unsigned long long)rec->addr, MMU_PAGE_SIZE);
    if (rec->end & (MMU_PAGE_SIZE - 1))
        return fail(c->r, "%s: END 0x%llx is not page-aligned (expected a multiple of 0x%x)",
                    c->kw, (unsigned long long)rec->end, MMU_PAGE_SIZE);
    if (rec->end <= rec->addr)
        return fail(c->r, "%s: END 0x%llx is not above START 0x%llx (expected START < END)",
                    c->kw, (unsigned long long)rec->end, (unsigned long long)rec->addr);
    uint64_t lim = trc_region_limit(c->r->arch);
    if (rec->end > lim)
        return fail(c->r, "%s: END 0x%llx does not fit arch %s (expected at most 0x%llx)",
                    c->kw, (unsigned long long)rec->end, arch_str(c->r->arch),
                    (unsigned long long)lim);
    return 0;
}

/* move OLD NEW LEN: page-aligned, LEN >= 1 page, both ranges within the arch's region limit
 * and apart (a moving mremap never overlaps its source). */
static int parse_move(struct line_ctx *c, struct trc_record *rec)
{
    uint64_t len;
    c->kw = "move", c->usage = "move OLD NEW LEN", rec->type = TRC_MOVE;
    if (need_num(c, "OLD", &rec->addr) < 0 || need_num(c, "NEW", &rec->dest) < 0 ||
        need_num(c, "LEN", &len) < 0 || need_end(c, "LEN") < 0)
        return -1;
    const char *names[3] = {"OLD", "NEW", "LEN"};
    uint64_t v[3] = {rec->addr, rec->dest, len};
    for (int i = 0; i < 3; i++)
        if (v[i] & (MMU_PAGE_SIZE - 1))
            return fail(c->r, "move: %s 0x%llx is not page-aligned (expected a multiple of "
                              "0x%x)", names[i], (unsigned long long)v[i], MMU_PAGE_SIZE);
    if (len == 0)
        return fail(c->r, "move: LEN is 0 (expected at least one page)");
    uint64_t lim = trc_region_limit(c->r->arch);
    for (int i = 0; i < 2; i++)
        if (v[i] >= lim || len > lim - v[i])
            return fail(c->r, "move: %s 0x%llx + LEN 0x%llx does not fit arch %s (expected an "
                              "end of at most 0x%llx)", names[i], (unsigned long long)v[i],
                        (unsigned long long)len, arch_str(c->r->arch), (unsigned long long)lim);
    if (rec->addr < rec->dest + len && rec->dest < rec->addr + len)
        return fail(c->r, "move: [OLD, OLD + LEN) and [NEW, NEW + LEN) overlap (expected "
                          "apart ranges)");
    rec->end = rec->addr + len;
    return 0;
}

/* ADDR [SIZE] (size_required: KR/KW); the bytes [ADDR, ADDR+SIZE) must fit the arch. */
static int need_access(struct line_ctx *c, struct trc_record *rec, bool size_required)
{
    if (need_num(c, "ADDR", &rec->addr) < 0)
        return -1;
    rec->size = 1;
    bool have_size = size_required;
    if (!have_size) {
        struct tok t;
        const char *save = c->p;
        have_size = next_tok(&c->p, c->e, &t);
        c->p = save;
    }
    if (have_size) {
        if (need_num(c, "SIZE", &rec->size) < 0)
            return -1;
        if (rec->size == 0)
            return fail(c->r, "%s: SIZE is 0 (expected at least 1 byte)", c->kw);
    }
    bool kernel = rec->type == TRC_KREAD || rec->type == TRC_KWRITE;
    uint64_t max = kernel ? TRC_MAX_KACCESS : TRC_MAX_ACCESS;
    if (rec->size > max)
        return fail(c->r, "%s: SIZE %llu exceeds the largest %saccess, %llu bytes (expected 1 "
                          "to %llu; split a longer access into several records)", c->kw,
                    (unsigned long long)rec->size, kernel ? "kernel " : "",
                    (unsigned long long)max, (unsigned long long)max);
    uint64_t lim = trc_access_limit(c->r->arch);
    if (rec->addr >= lim || rec->size > lim - rec->addr)
        return fail(c->r, "%s: access 0x%llx+%llu does not fit arch %s (expected addresses "
                          "below 0x%llx)", c->kw, (unsigned long long)rec->addr,
                    (unsigned long long)rec->size, arch_str(c->r->arch),
                    (unsigned long long)lim);
    return need_end(c, have_size ? "SIZE" : "ADDR");
}

static uint64_t name_hash(const char *s, size_t n) /* FNV-1a */
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
    return h;
}

/* A fresh file id (ids are 32-bit: the 2^32-th file would wrap to 0, which means anon). */
static int next_file_id(struct trc_reader *r, uint32_t *id)
{
    if (r->file_names.last_id == UINT32_MAX)
        return fail(r, "map: more than %u distinct files (expected at most 2^32-1 file maps "
                       "without a NAME and distinct NAMEs)", UINT32_MAX);
    *id = ++r->file_names.last_id;
    return 0;
}

/* Doubles the table of file NAMEs (64 slots at first), rehashing every name. */
static int grow_file_names(struct trc_reader *r)
{
    struct trc_file_names *names = &r->file_names;
    size_t ncap = names->cap ? names->cap * 2 : 64;
    struct trc_file_name *slots = calloc(ncap, sizeof(*slots));
    if (!slots)
        return fail(r, "out of memory");
    for (size_t i = 0; i < names->cap; i++) {
        if (!names->slot[i].s)
            continue;
        const char *q = names->slot[i].s;
        size_t j = (size_t)name_hash(q, strlen(q)) & (ncap - 1);
        while (slots[j].s)
            j = (j + 1) & (ncap - 1);
        slots[j] = names->slot[i];
    }
    free(names->slot);
    names->slot = slots;
    names->cap = ncap;
    return 0;
}

/* The id of file NAME: the one it got at its first map, else the next free id. */
static int file_id_of(struct trc_reader *r, const struct tok *t, uint32_t *id)
{
    struct trc_file_names *names = &r->file_names;
    if (names->len * 2 >= names->cap && grow_file_names(r) < 0)
        return -1;
    size_t j = (size_t)name_hash(t->s, t->n) & (names->cap - 1);
    while (names->slot[j].s) {
        if (strlen(names->slot[j].s) == t->n && memcmp(names->slot[j].s, t->s, t->n) == 0) {
            *id = names->slot[j].id;
            return 0;
        }
        j = (j + 1) & (names->cap - 1);
    }
    if (next_file_id(r, id) < 0)
        return -1;
    char *s = strndup(t->s, t->n);
    if (!s)
        return fail(r, "out of memory");
    names->slot[j].s = s;
    names->slot[j].id = *id;
    names->len++;
    return 0;
}

static int parse_map(struct line_ctx *c, struct trc_record *rec)
{
    struct tok t;
    c->kw = "map";
    c->usage = "map START END PROT KIND [NAME]";
    rec->type = TRC_MAP;
    if (need_range(c, rec) < 0 || need_prot(c, &rec->prot) < 0 || need_tok(c, "KIND", &t) < 0)
        return -1;
    if (tok_is(&t, "anon", 4))
        rec->kind = TRC_ANON;
    else if (tok_is(&t, "file", 4))
        rec->kind = TRC_FILE;
    else
        return fail(c->r, "map: bad KIND " TOKF " (expected anon or file)", TOKA(t));
    if (next_tok(&c->p, c->e, &t)) {
        if (need_end(c, "NAME") < 0)
            return -1;
        /* NUL-terminated in place (the buffer keeps a spare byte past its end): the line is
         * not looked at again. */
        ((char *)t.s)[t.n] = '\0';
        rec->name = t.s;
        if (rec->kind == TRC_FILE && file_id_of(c->r, &t, &rec->file_id) < 0)
            return -1;
    } else if (rec->kind == TRC_FILE && next_file_id(c->r, &rec->file_id) < 0) {
        return -1;
    }
    if (rec->kind == TRC_FILE)
        rec->file_pgoff = rec->addr >> MMU_PAGE_SHIFT; /* see trc.h */
    return 0;
}

/* Hexadecimal digits without 0x (as /proc/PID/maps writes them); false if bad or too long. */
static bool parse_hex(const char *s, size_t n, uint64_t *out)
{
    uint64_t v = 0;
    if (n == 0 || n > 16)
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned c = (unsigned char)s[i], d;
        if (c - '0' < 10)
            d = c - '0';
        else if ((c | 0x20) - 'a' < 6)
            d = (c | 0x20) - 'a' + 10;
        else
            return false;
        v = v << 4 | d;
    }
    *out = v;
    return true;
}

/* The fields of a /proc/PID/maps line after START-END (range): PERMS into rec->prot, OFFSET,
 * INODE, and PATHNAME (the rest of the line, which may hold spaces; trimmed). */
static int procmaps_fields(struct line_ctx *c, struct trc_record *rec, const struct tok *range,
                           uint64_t *off, uint64_t *inode, struct tok *path)
{
    struct tok t;
    const char *dash = memchr(range->s, '-', range->n);
    if (!dash || !parse_hex(range->s, (size_t)(dash - range->s), &rec->addr) ||
        !parse_hex(dash + 1, range->n - (size_t)(dash + 1 - range->s), &rec->end))
        return fail(c->r, "%s: bad range " TOKF " (expected hexadecimal START-END)", c->kw,
                    TOKA(*range));
    if (need_tok(c, "PERMS", &t) < 0)
        return -1;
    if (t.n != 4 || (t.s[0] != 'r' && t.s[0] != '-') || (t.s[1] != 'w' && t.s[1] != '-') ||
        (t.s[2] != 'x' && t.s[2] != '-') || (t.s[3] != 'p' && t.s[3] != 's'))
        return fail(c->r, "%s: bad PERMS " TOKF " (expected four characters such as r-xp)",
                    c->kw, TOKA(t));
    rec->prot = (t.s[0] == 'r' ? TRC_PROT_R : 0) | (t.s[1] == 'w' ? TRC_PROT_W : 0) |
                (t.s[2] == 'x' ? TRC_PROT_X : 0);
    if (need_tok(c, "OFFSET", &t) < 0)
        return -1;
    if (!parse_hex(t.s, t.n, off))
        return fail(c->r, "%s: bad OFFSET " TOKF " (expected hexadecimal)", c->kw, TOKA(t));
    if (need_tok(c, "DEV", &t) < 0)
        return -1;
    if (need_tok(c, "INODE", &t) < 0)
        return -1;
    if (parse_u64(&t, inode) != 0)
        return fail(c->r, "%s: bad INODE " TOKF " (expected a decimal number)", c->kw, TOKA(t));
    const char *p = c->p, *e = c->e;
    while (p < e && is_space(*p))
        p++;
    while (e > p && is_space(e[-1]))
        e--;
    *path = (struct tok){p, (size_t)(e - p)};
    return 0;
}

/* A /proc/PID/maps line `START-END PERMS OFFSET DEV INODE [PATHNAME]` (first field in range):
 * a file region when INODE is not 0 (file page OFFSET >> 12, one id per PATHNAME), else anon.
 * Returns 0, 1 for a region in the upper half of the 64-bit space (kernel addresses: the
 * [vsyscall] page of an x86-64 process; skipped), or -1. */
static int parse_procmaps(struct line_ctx *c, struct trc_record *rec, const struct tok *range)
{
    c->kw = "/proc maps";
    c->usage = "START-END PERMS OFFSET DEV INODE [PATHNAME]";
    rec->type = TRC_MAP;
    uint64_t off, inode;
    struct tok path;
    if (procmaps_fields(c, rec, range, &off, &inode, &path) < 0)
        return -1;
    uint64_t lim = trc_region_limit(c->r->arch);
    if (rec->addr >= 0x800000000000ull)
        return 1;
    if ((rec->addr | rec->end) & (MMU_PAGE_SIZE - 1))
        return fail(c->r, "%s: range 0x%llx-0x%llx is not page-aligned", c->kw,
                    (unsigned long long)rec->addr, (unsigned long long)rec->end);
    if (rec->end <= rec->addr)
        return fail(c->r, "%s: END 0x%llx is not above START 0x%llx (expected START < END)",
                    c->kw, (unsigned long long)rec->end, (unsigned long long)rec->addr);
    if (rec->end > lim)
        return fail(c->r, "%s: END 0x%llx does not fit arch %s (expected at most 0x%llx)",
                    c->kw, (unsigned long long)rec->end, arch_str(c->r->arch),
                    (unsigned long long)lim);
    rec->kind = inode != 0 ? TRC_FILE : TRC_ANON;
    if (path.n > 0) {
        ((char *)path.s)[path.n] = '\0'; /* in place, as parse_map does */
        rec->name = path.s;
    }
    if (rec->kind == TRC_FILE) {
        if (path.n > 0) {
            if (file_id_of(c->r, &path, &rec->file_id) < 0)
                return -1;
        } else if (next_file_id(c->r, &rec->file_id) < 0) {
            return -1;
        }
        rec->file_pgoff = off >> MMU_PAGE_SHIFT;
    }
    return 0;
}

/* A regions file: `map` lines and /proc/PID/maps lines. */
static int regions_line(struct line_ctx *c, struct trc_record *rec, const struct tok *kw)
{
    if (tok_is(kw, "map", 3))
        return parse_map(c, rec);
    if (memchr(kw->s, '-', kw->n))
        return parse_procmaps(c, rec, kw);
    return fail(c->r, "unknown region line " TOKF " (expected `map START END PROT KIND [NAME]` "
                      "or a /proc/PID/maps line START-END PERMS OFFSET DEV INODE [PATHNAME])",
                TOKA(*kw));
}

/* I COUNT; the total of the COUNTs stays within TRC_MAX_INSNS (no counter wraps). */
static int parse_insns(struct line_ctx *c, struct trc_record *rec)
{
    c->kw = "I", c->usage = "I COUNT", rec->type = TRC_INSNS;
    if (need_num(c, "COUNT", &rec->count) < 0 || need_end(c, "COUNT") < 0)
        return -1;
    if (rec->count > TRC_MAX_INSNS - c->r->insns)
        return fail(c->r, "I: COUNT %llu brings the instruction total past 2^63-1 (expected "
                          "at most %llu instructions in all)", (unsigned long long)rec->count,
                    TRC_MAX_INSNS);
    c->r->insns += rec->count;
    return 0;
}

/* S NUMBER: a system call number below 2^32. */
static int parse_syscall(struct line_ctx *c, struct trc_record *rec)
{
    c->kw = "S", c->usage = "S NUMBER", rec->type = TRC_SYSCALL;
    if (need_num(c, "NUMBER", &rec->count) < 0 || need_end(c, "NUMBER") < 0)
        return -1;
    if (rec->count > UINT32_MAX)
        return fail(c->r, "S: system call NUMBER %llu too large (expected below 2^32)",
                    (unsigned long long)rec->count);
    return 0;
}

/* pid N, fork CHILD, vfork CHILD: a process id from 1 to 2^32 - 1 (model.md section 11; that
 * it names a process the trace made is the model's to check). */
static int parse_pid_record(struct line_ctx *c, struct trc_record *rec, enum trc_type type,
                            const char *kw, const char *usage, const char *field)
{
    c->kw = kw, c->usage = usage, rec->type = type;
    if (need_num(c, field, &rec->count) < 0 || need_end(c, field) < 0)
        return -1;
    if (rec->count == 0 || rec->count > UINT32_MAX)
        return fail(c->r, "%s: %s %llu out of range (expected a process id from 1 to %u)", kw,
                    field, (unsigned long long)rec->count, UINT32_MAX);
    return 0;
}

/* exec, exit: no field. */
static int parse_bare(struct line_ctx *c, struct trc_record *rec, enum trc_type type,
                      const char *kw)
{
    c->kw = kw, c->usage = kw, rec->type = type;
    struct tok t;
    if (next_tok(&c->p, c->e, &t))
        return fail(c->r, "%s: unexpected " TOKF " (expected `%s` alone)", kw, TOKA(t), kw);
    return 0;
}

/* arch NAME: only as the first record; it sets the reader's architecture. */
static int parse_arch(struct line_ctx *c, struct trc_record *rec)
{
    struct tok t;
    c->kw = "arch", c->usage = "arch i386|x86_64", rec->type = TRC_ARCH;
    if (c->r->nrec > 0)
        return fail(c->r, "arch: must come before any other record (and only once)");
    if (need_tok(c, "NAME", &t) < 0)
        return -1;
    if (!tok_is(&t, "i386", 4) && !tok_is(&t, "x86_64", 6))
        return fail(c->r, "arch: unknown architecture " TOKF " (expected i386 or x86_64)",
                    TOKA(t));
    c->r->arch = rec->arch = t.n == 4 ? MMU_ARCH_I386 : MMU_ARCH_X86_64;
    return need_end(c, "NAME");
}

/* An access record R, W, X (optional SIZE) or KR, KW (SIZE required). */
static int parse_access(struct line_ctx *c, struct trc_record *rec, enum trc_type type,
                        const char *kw, const char *usage)
{
    c->kw = kw, c->usage = usage, rec->type = type;
    return need_access(c, rec, type == TRC_KREAD || type == TRC_KWRITE);
}

/* The record of a text trace line whose first field is kw: 0, -1 (error set), or -2 for an
 * unknown keyword. */
static int text_record(struct line_ctx *c, struct trc_record *rec, const struct tok *kw)
{
    /* The access records first: they are almost every line of a real trace. */
    if (kw->n == 1) {
        switch (kw->s[0]) {
        case 'R': return parse_access(c, rec, TRC_READ, "R", "R ADDR [SIZE]");
        case 'W': return parse_access(c, rec, TRC_WRITE, "W", "W ADDR [SIZE]");
        case 'X': return parse_access(c, rec, TRC_FETCH, "X", "X ADDR [SIZE]");
        case 'I': return parse_insns(c, rec);
        case 'S': return parse_syscall(c, rec);
        }
        return -2;
    }
    if (tok_is(kw, "KR", 2))
        return parse_access(c, rec, TRC_KREAD, "KR", "KR ADDR SIZE");
    if (tok_is(kw, "KW", 2))
        return parse_access(c, rec, TRC_KWRITE, "KW", "KW ADDR SIZE");
    if (tok_is(kw, "map", 3))
        return parse_map(c, rec);
    if (tok_is(kw, "unmap", 5)) {
        c->kw = "unmap", c->usage = "unmap START END", rec->type = TRC_UNMAP;
        return need_range(c, rec) < 0 ? -1 : need_end(c, "END");
    }
    if (tok_is(kw, "protect", 7)) {
        c->kw = "protect", c->usage = "protect START END PROT", rec->type = TRC_PROTECT;
        return need_range(c, rec) < 0 || need_prot(c, &rec->prot) < 0 ? -1
                                                                       : need_end(c, "PROT");
    }
    if (tok_is(kw, "move", 4))
        return parse_move(c, rec);
    if (tok_is(kw, "arch", 4))
        return parse_arch(c, rec);
    if (tok_is(kw, "pid", 3))
        return parse_pid_record(c, rec, TRC_PID, "pid", "pid N", "N");
    if (tok_is(kw, "fork", 4))
        return parse_pid_record(c, rec, TRC_FORK, "fork", "fork CHILD", "CHILD");
    if (tok_is(kw, "vfork", 5))
        return parse_pid_record(c, rec, TRC_VFORK, "vfork", "vfork CHILD", "CHILD");
    if (tok_is(kw, "exec", 4))
        return parse_bare(c, rec, TRC_EXEC, "exec");
    if (tok_is(kw, "exit", 4))
        return parse_bare(c, rec, TRC_EXIT, "exit");
    return -2;
}

/* The next line that holds a record (comments after '#' and blank lines skipped): its first
 * field in *kw and the rest in *c, rec zeroed with its line.  1, 0 at the end, -1. */
static inline int next_record_line(struct trc_reader *r, struct line_ctx *c, struct tok *kw,
                                   struct trc_record *rec)
{
    for (;;) {
        char *ls, *le;
        int rc = trc_source_next_line(&r->src, &ls, &le);
        if (rc <= 0)
            return rc;
        char *hash = memchr(ls, '#', (size_t)(le - ls));
        if (hash)
            le = hash;
        *c = (struct line_ctx){.r = r, .p = ls, .e = le};
        if (!next_tok(&c->p, c->e, kw))
            continue; /* blank or comment */
        memset(rec, 0, sizeof(*rec));
        rec->line = r->src.line;
        rec->arch = r->arch;
        return 1;
    }
}

static int text_next(struct trc_reader *r, struct trc_record *rec)
{
    if (r->src.failed)
        return -1;
    struct line_ctx c;
    struct tok kw;
    int rc = next_record_line(r, &c, &kw, rec);
    if (rc <= 0)
        return rc;
    rc = text_record(&c, rec, &kw);
    if (rc == -2)
        return fail(r, "unknown record " TOKF " (expected arch, map, unmap, protect, move, R, "
                       "W, X, KR, KW, I, S, pid, fork, vfork, exec or exit)", TOKA(kw));
    if (rc < 0)
        return -1;
    r->nrec++;
    return 1;
}

/* Regions files yield map records only; a skipped region (parse_procmaps) reads on. */
static int regions_next(struct trc_reader *r, struct trc_record *rec)
{
    if (r->src.failed)
        return -1;
    for (;;) {
        struct line_ctx c;
        struct tok kw;
        int rc = next_record_line(r, &c, &kw, rec);
        if (rc <= 0)
            return rc;
        rc = regions_line(&c, rec, &kw);
        if (rc < 0)
            return -1;
        if (rc == 0) {
            r->nrec++;
            return 1;
        }
    }
}

/* Anything that is no other format is a text trace. */
static bool text_detect(const char *b, size_t n, const char *name, size_t name_len)
{
    (void)b, (void)n, (void)name, (void)name_len;
    return true;
}

const struct trc_format_ops trc_format_text = {
    .id = TRC_FMT_TEXT,
    .name = "text",
    .detect = text_detect,
    .next = text_next,
};

const struct trc_format_ops trc_format_regions = {
    .id = TRC_FMT_REGIONS,
    .name = "regions",
    .next = regions_next,
};
