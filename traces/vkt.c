/* traces/vkt.c - the format vkt: the streaming reader of the binary trace format .vkt
 * (docs/vkt-format.md; the opcode map is in vkt_encoding.h, the writer in vkt_writer.c).
 * trc_next decodes one record (vkt_one); trc_next_batch decodes the common one-byte opcodes
 * in a loop whose state lives in locals (vkt_batch). */
#include "trc_internal.h"
#include "vkt_encoding.h"

#include <string.h>

/* The decoder's state between records. */
struct vkt_state {
    uint64_t prev[4];     /* end of the previous access per class: R, W, X, kernel */
    uint64_t size[4];     /* size of the previous access per class */
    uint64_t prev2[2];    /* R and W: the other address slot (0xfc/0xfd swap it in) */
    bool ended;           /* the end record was read */
    bool pend;            /* the fetch of a fused `I 1, X` opcode is still to be returned */
    uint64_t pend_addr, pend_off;
    char name[TRC_VKT_MAX_NAME + 1]; /* the NAME of the last map record */
};

static inline struct vkt_state *vkt_state(struct trc_reader *r)
{
    return trc_format_state(r);
}

/* The decoding of one record is inlined into both decoders. */
#define VKT_INLINE static inline __attribute__((always_inline))

/* A varint at *pp (below e).  false when it runs past e or past 10 bytes, or when its value
 * does not fit in 64 bits (a 10th byte above 1); *pp is then left at its start. */
static inline bool get_varint(const uint8_t **pp, const uint8_t *e, uint64_t *v)
{
    const uint8_t *p = *pp;
    uint64_t x = 0;
    for (unsigned sh = 0; p < e && sh < 64; sh += 7) {
        uint8_t c = *p++;
        x |= (uint64_t)(c & 0x7f) << sh;
        if (!(c & 0x80)) {
            if (__builtin_expect(sh == 63 && c > 1, 0))
                return false;
            *pp = p;
            *v = x;
            return true;
        }
    }
    return false;
}

/* Why get_varint failed on the varint at p. */
static int bad_varint(struct trc_reader *r, const uint8_t *p, const uint8_t *e, uint64_t off,
                      const char *field)
{
    size_t i = 0;
    while (i < 10 && p + i < e && (p[i] & 0x80))
        i++;
    if (i == 9 && p + 9 < e)
        return trc_fail_at(r, off, "varint %s does not fit in 64 bits (corrupt file?; its 10th "
                                   "byte is 0x%02x, expected 0 or 1)", field, p[9]);
    if (r->src.eof && p + i == e)
        return trc_fail_at(r, off, "the file ends inside a record (truncated?; expected the "
                                   "%s varint)", field);
    return trc_fail_at(r, off, "varint %s longer than 10 bytes (corrupt file?)", field);
}

static int bad_size(struct trc_reader *r, uint64_t off, uint64_t size, bool kernel)
{
    uint64_t max = kernel ? TRC_MAX_KACCESS : TRC_MAX_ACCESS;
    return trc_fail_at(r, off, "%saccess SIZE %llu exceeds the largest %saccess, %llu bytes "
                               "(corrupt file?; expected 1 to %llu)", kernel ? "kernel " : "",
                       (unsigned long long)size, kernel ? "kernel " : "",
                       (unsigned long long)max, (unsigned long long)max);
}

/* Adds an I COUNT to the total: 0, or -1 when it passes TRC_MAX_INSNS. */
static int add_insns(struct trc_reader *r, uint64_t off, uint64_t n)
{
    if (r->insns > TRC_MAX_INSNS || n > TRC_MAX_INSNS - r->insns)
        return trc_fail_at(r, off, "instruction count %llu brings the total past 2^63-1 "
                                   "(corrupt file?; expected at most %llu instructions in all)",
                           (unsigned long long)n, TRC_MAX_INSNS);
    r->insns += n;
    return 0;
}

static int bad_access(struct trc_reader *r, uint64_t off, uint64_t addr, uint64_t size)
{
    return trc_fail_at(r, off, "access 0x%llx+%llu does not fit arch %s (corrupt file?; "
                               "expected addresses below 0x%llx)",
                       (unsigned long long)addr, (unsigned long long)size,
                       trc_arch_str(r->arch), (unsigned long long)r->lim_access);
}

/* START-page and page-count varints of map/unmap/protect into rec->addr/end. */
static int get_range(struct trc_reader *r, const uint8_t **p, const uint8_t *e, uint64_t off,
                     struct trc_record *rec)
{
    uint64_t pg, n;
    if (!get_varint(p, e, &pg))
        return bad_varint(r, *p, e, off, "START page");
    if (!get_varint(p, e, &n))
        return bad_varint(r, *p, e, off, "page count");
    uint64_t lim = r->lim_region >> MMU_PAGE_SHIFT;
    if (n == 0 || pg >= lim || n > lim - pg)
        return trc_fail_at(r, off, "range of %llu pages at page 0x%llx does not fit arch %s "
                                   "(corrupt file?; expected 1 or more pages below 0x%llx)",
                           (unsigned long long)n, (unsigned long long)pg,
                           trc_arch_str(r->arch), (unsigned long long)r->lim_region);
    rec->addr = pg << MMU_PAGE_SHIFT;
    rec->end = (pg + n) << MMU_PAGE_SHIFT;
    return 0;
}

/* ---- the rare opcodes ---- */

/* KR, KW (0xf3, 0xf4): varint SIZE, zigzag varint delta from the previous kernel end. */
static int kernel_access(struct trc_reader *r, struct trc_record *rec, unsigned op,
                         const uint8_t **p, const uint8_t *e, uint64_t off)
{
    struct vkt_state *st = vkt_state(r);
    uint64_t d;
    rec->type = op == 0xf3 ? TRC_KREAD : TRC_KWRITE;
    if (!get_varint(p, e, &rec->size))
        return bad_varint(r, *p, e, off, "SIZE");
    if (rec->size == 0)
        return trc_fail_at(r, off, "access SIZE is 0 (corrupt file?; expected at least 1)");
    if (rec->size > TRC_MAX_KACCESS)
        return bad_size(r, off, rec->size, true);
    if (!get_varint(p, e, &d))
        return bad_varint(r, *p, e, off, "address delta");
    rec->addr = st->prev[CLS_K] + unzigzag(d);
    if (rec->addr >= r->lim_access || rec->size > r->lim_access - rec->addr)
        return bad_access(r, off, rec->addr, rec->size);
    st->prev[CLS_K] = rec->addr + rec->size;
    st->size[CLS_K] = rec->size;
    return 0;
}

/* The optional NAME of a map (flag 16): varint length, then the bytes, into the state. */
static int map_name(struct trc_reader *r, struct trc_record *rec, const uint8_t **p,
                    const uint8_t *e, uint64_t off)
{
    struct vkt_state *st = vkt_state(r);
    uint64_t n;
    if (!get_varint(p, e, &n))
        return bad_varint(r, *p, e, off, "name length");
    if (n == 0 || n > TRC_VKT_MAX_NAME)
        return trc_fail_at(r, off, "map: name length %llu (corrupt file?; expected 1 to %u)",
                           (unsigned long long)n, TRC_VKT_MAX_NAME);
    if ((uint64_t)(e - *p) < n)
        return trc_fail_at(r, off, "the file ends inside a map name (truncated?)");
    memcpy(st->name, *p, n);
    st->name[n] = '\0';
    *p += n;
    rec->name = st->name;
    return 0;
}

/* map (0xf7): range, flags (PROT, file, named), file id, file page offset, [NAME]. */
static int map_record(struct trc_reader *r, struct trc_record *rec, const uint8_t **p,
                      const uint8_t *e, uint64_t off)
{
    uint64_t id;
    rec->type = TRC_MAP;
    if (get_range(r, p, e, off, rec) < 0)
        return -1;
    if (*p == e)
        return bad_varint(r, *p, e, off, "flags");
    unsigned fl = *(*p)++;
    if (fl & ~0x1fu)
        return trc_fail_at(r, off, "map flags 0x%02x (corrupt file?; expected bits 0-4 only)",
                           fl);
    rec->prot = fl & 7;
    rec->kind = fl & 8 ? TRC_FILE : TRC_ANON;
    if (!get_varint(p, e, &id))
        return bad_varint(r, *p, e, off, "file id");
    if (!get_varint(p, e, &rec->file_pgoff))
        return bad_varint(r, *p, e, off, "file page offset");
    if ((rec->kind == TRC_FILE) != (id != 0) || id > UINT32_MAX ||
        (rec->kind == TRC_ANON && rec->file_pgoff != 0))
        return trc_fail_at(r, off, "map: file id %llu / offset %llu do not suit kind %s "
                                   "(corrupt file?; expected id >= 1 for file, 0 and 0 for "
                                   "anon)", (unsigned long long)id,
                           (unsigned long long)rec->file_pgoff,
                           rec->kind == TRC_FILE ? "file" : "anon");
    rec->file_id = (uint32_t)id;
    return fl & 16 ? map_name(r, rec, p, e, off) : 0;
}

/* protect (0xf9): range, PROT byte. */
static int protect_record(struct trc_reader *r, struct trc_record *rec, const uint8_t **p,
                          const uint8_t *e, uint64_t off)
{
    rec->type = TRC_PROTECT;
    if (get_range(r, p, e, off, rec) < 0)
        return -1;
    if (*p == e)
        return bad_varint(r, *p, e, off, "PROT");
    rec->prot = *(*p)++;
    if (rec->prot & ~7u)
        return trc_fail_at(r, off, "protect: PROT 0x%02x (corrupt file?; expected bits 0-2 "
                                   "only)", rec->prot);
    return 0;
}

/* arch (0xfa): only first, and only the header's arch. */
/* move (0xfa kind 7): the source range, then the destination's varint start page, which must
 * fit the arch with the range's length and lie apart from it. */
static int move_record(struct trc_reader *r, struct trc_record *rec, const uint8_t **p,
                       const uint8_t *e, uint64_t off)
{
    uint64_t pg;
    rec->type = TRC_MOVE;
    if (get_range(r, p, e, off, rec) < 0)
        return -1;
    if (!get_varint(p, e, &pg))
        return bad_varint(r, *p, e, off, "NEW page");
    uint64_t lim = r->lim_region >> MMU_PAGE_SHIFT, n = (rec->end - rec->addr) >> MMU_PAGE_SHIFT;
    if (pg >= lim || n > lim - pg)
        return trc_fail_at(r, off, "move: destination of %llu pages at page 0x%llx does not fit "
                                   "arch %s (corrupt file?; expected an end at most 0x%llx)",
                           (unsigned long long)n, (unsigned long long)pg,
                           trc_arch_str(r->arch), (unsigned long long)r->lim_region);
    rec->dest = pg << MMU_PAGE_SHIFT;
    if (rec->addr < rec->dest + (rec->end - rec->addr) && rec->dest < rec->end)
        return trc_fail_at(r, off, "move: source and destination overlap (corrupt file?; "
                                   "expected apart ranges)");
    return 0;
}

/* A process record (0xfa with a kind byte of 2 to 6, docs/vkt-format.md): 2 pid, 3 fork,
 * 4 vfork (each with a varint pid from 1 to 2^32 - 1), 5 exec, 6 exit; kind 7 is move. */
static int process_record(struct trc_reader *r, struct trc_record *rec, const uint8_t **p,
                          const uint8_t *e, uint64_t off)
{
    static const enum trc_type kinds[] = {TRC_PID, TRC_FORK, TRC_VFORK, TRC_EXEC, TRC_EXIT};
    unsigned kind = **p;
    if (kind < 2 || kind > 7)
        return trc_fail_at(r, off, "unknown arch or process kind %u (corrupt file?; expected "
                                   "0 or 1 arch, 2 pid, 3 fork, 4 vfork, 5 exec, 6 exit, "
                                   "7 move)", kind);
    (*p)++;
    if (kind == 7)
        return move_record(r, rec, p, e, off);
    rec->type = kinds[kind - 2];
    if (kind >= 5)
        return 0;
    if (!get_varint(p, e, &rec->count))
        return bad_varint(r, *p, e, off, "pid");
    if (rec->count == 0 || rec->count > UINT32_MAX)
        return trc_fail_at(r, off, "process id %llu out of range (corrupt file?; expected 1 to "
                                   "%u)", (unsigned long long)rec->count, UINT32_MAX);
    return 0;
}

/* 0xfa: the arch record (kind byte 0 or 1), or a process record (2 to 6). */
static int arch_record(struct trc_reader *r, struct trc_record *rec, const uint8_t **p,
                       const uint8_t *e, uint64_t off)
{
    rec->type = TRC_ARCH;
    if (*p == e)
        return bad_varint(r, *p, e, off, "arch");
    if (**p > 1)
        return process_record(r, rec, p, e, off);
    if (r->nrec != 0 || **p != (r->arch == MMU_ARCH_X86_64 ? 1 : 0))
        return trc_fail_at(r, off, "arch record %u not first or not the header's arch %s "
                                   "(corrupt file?)", **p, trc_arch_str(r->arch));
    (*p)++;
    return 0;
}

/* The end record (0xff) at b[beg], operands from p: the record count and the CRC-32 must
 * match what was read, and nothing may follow.  0 (the end of the trace), or -1. */
static int end_record(struct trc_reader *r, const uint8_t *b, const uint8_t *p,
                      const uint8_t *e, uint64_t off)
{
    struct trc_source *s = &r->src;
    if (e - p < 12)
        return trc_fail_at(r, off, "the file ends inside the end record (truncated?; expected "
                                   "an 8-byte record count and a 4-byte CRC-32)");
    uint64_t n = 0;
    uint32_t crc = 0;
    for (int i = 7; i >= 0; i--)
        n = n << 8 | p[i];
    for (int i = 11; i >= 8; i--)
        crc = crc << 8 | p[i];
    p += 12;
    uint32_t sum = trc_crc32(s->crc, b + s->crc_done, (size_t)(s->beg - s->crc_done));
    if (n != r->nrec)
        return trc_fail_at(r, off, "end record counts %llu records but %llu were read (corrupt "
                                   "file?)", (unsigned long long)n,
                           (unsigned long long)r->nrec);
    if (crc != sum)
        return trc_fail_at(r, off, "CRC-32 mismatch: the end record says 0x%08x, the bytes "
                                   "before it sum to 0x%08x (corrupt file)", crc, sum);
    if (p != e)
        return trc_fail_at(r, off + 13, "bytes after the end record (expected the end of the "
                                         "file)");
    s->beg = s->end;
    s->crc_on = false;
    vkt_state(r)->ended = true;
    return 0;
}

/* The rare opcodes: kernel accesses, S, map, unmap, protect, arch, end. */
static int vkt_slow(struct trc_reader *r, struct trc_record *rec, unsigned op, uint64_t off)
{
    /* Room for the longest record; the buffer may slide, so pointers are taken after. */
    if (trc_source_ensure(&r->src, 1 + VKT_FAST + TRC_VKT_MAX_NAME) < 0)
        return -1;
    const uint8_t *b = (const uint8_t *)r->src.buf, *p = b + r->src.beg + 1, *e = b + r->src.end;
    int rc;
    memset(rec, 0, sizeof(*rec));
    rec->offset = off;
    switch (op) {
    case 0xf3:
    case 0xf4:
        rc = kernel_access(r, rec, op, &p, e, off);
        break;
    case 0xf5:
        rec->type = TRC_INSNS;
        rc = get_varint(&p, e, &rec->count) ? 0 : bad_varint(r, p, e, off, "COUNT");
        break;
    case 0xf6:
        rec->type = TRC_SYSCALL;
        rc = get_varint(&p, e, &rec->count) ? 0 : bad_varint(r, p, e, off, "NUMBER");
        if (rc == 0 && rec->count > UINT32_MAX)
            rc = trc_fail_at(r, off, "system call number %llu too large (corrupt file?)",
                             (unsigned long long)rec->count);
        break;
    case 0xf7:
        rc = map_record(r, rec, &p, e, off);
        break;
    case 0xf8:
        rec->type = TRC_UNMAP;
        rc = get_range(r, &p, e, off, rec);
        break;
    case 0xf9:
        rc = protect_record(r, rec, &p, e, off);
        break;
    case 0xfa:
        rc = arch_record(r, rec, &p, e, off);
        break;
    case 0xff:
        return end_record(r, b, p, e, off);
    default:
        return trc_fail_at(r, off, "unknown opcode 0x%02x (corrupt file?; expected a record "
                                   "opcode, see docs/vkt-format.md)", op);
    }
    if (rc < 0)
        return -1;
    if (op != 0xf3 && op != 0xf4)
        rec->arch = r->arch;
    r->src.beg = (size_t)(p - b);
    r->nrec++;
    return 1;
}

/* Decoding of every opcode: what to do, the access class, the size (the count for I n) and
 * the address delta from the class's previous end (generated from the table at the top). */
/* ACT_LONG: R/W/X with operands (size 0 in the table: a size varint; 0xfb: the previous R). */
enum { ACT_ACCESS, ACT_FUSED, ACT_INSNS, ACT_LONG, ACT_SLOW };
struct vkt_op {
    uint8_t act, cls, size; /* I n: cls 3 (no class), size 0 */
    int8_t delta;
    /* For the branch-free batch decoder (ACT_ACCESS, ACT_FUSED, ACT_INSNS): an I record with
     * `count` is written at recs[i], the access at recs[i + f]; i advances by adv. */
    uint8_t f, adv, count;
};
static const struct vkt_op vkt_ops[256] = {
    {0, 0, 1, -8, 0, 1, 0}, {0, 0, 1, -7, 0, 1, 0}, {0, 0, 1, -6, 0, 1, 0}, {0, 0, 1, -5, 0, 1, 0},
    {0, 0, 1, -4, 0, 1, 0}, {0, 0, 1, -3, 0, 1, 0}, {0, 0, 1, -2, 0, 1, 0}, {0, 0, 1, -1, 0, 1, 0},
    {0, 0, 1, 0, 0, 1, 0}, {0, 0, 1, 1, 0, 1, 0}, {0, 0, 1, 2, 0, 1, 0}, {0, 0, 1, 3, 0, 1, 0},
    {0, 0, 1, 4, 0, 1, 0}, {0, 0, 1, 5, 0, 1, 0}, {0, 0, 1, 6, 0, 1, 0}, {0, 0, 1, 7, 0, 1, 0},
    {0, 0, 2, -8, 0, 1, 0}, {0, 0, 2, -7, 0, 1, 0}, {0, 0, 2, -6, 0, 1, 0}, {0, 0, 2, -5, 0, 1, 0},
    {0, 0, 2, -4, 0, 1, 0}, {0, 0, 2, -3, 0, 1, 0}, {0, 0, 2, -2, 0, 1, 0}, {0, 0, 2, -1, 0, 1, 0},
    {0, 0, 2, 0, 0, 1, 0}, {0, 0, 2, 1, 0, 1, 0}, {0, 0, 2, 2, 0, 1, 0}, {0, 0, 2, 3, 0, 1, 0},
    {0, 0, 2, 4, 0, 1, 0}, {0, 0, 2, 5, 0, 1, 0}, {0, 0, 2, 6, 0, 1, 0}, {0, 0, 2, 7, 0, 1, 0},
    {0, 0, 4, -8, 0, 1, 0}, {0, 0, 4, -7, 0, 1, 0}, {0, 0, 4, -6, 0, 1, 0}, {0, 0, 4, -5, 0, 1, 0},
    {0, 0, 4, -4, 0, 1, 0}, {0, 0, 4, -3, 0, 1, 0}, {0, 0, 4, -2, 0, 1, 0}, {0, 0, 4, -1, 0, 1, 0},
    {0, 0, 4, 0, 0, 1, 0}, {0, 0, 4, 1, 0, 1, 0}, {0, 0, 4, 2, 0, 1, 0}, {0, 0, 4, 3, 0, 1, 0},
    {0, 0, 4, 4, 0, 1, 0}, {0, 0, 4, 5, 0, 1, 0}, {0, 0, 4, 6, 0, 1, 0}, {0, 0, 4, 7, 0, 1, 0},
    {0, 0, 8, -8, 0, 1, 0}, {0, 0, 8, -7, 0, 1, 0}, {0, 0, 8, -6, 0, 1, 0}, {0, 0, 8, -5, 0, 1, 0},
    {0, 0, 8, -4, 0, 1, 0}, {0, 0, 8, -3, 0, 1, 0}, {0, 0, 8, -2, 0, 1, 0}, {0, 0, 8, -1, 0, 1, 0},
    {0, 0, 8, 0, 0, 1, 0}, {0, 0, 8, 1, 0, 1, 0}, {0, 0, 8, 2, 0, 1, 0}, {0, 0, 8, 3, 0, 1, 0},
    {0, 0, 8, 4, 0, 1, 0}, {0, 0, 8, 5, 0, 1, 0}, {0, 0, 8, 6, 0, 1, 0}, {0, 0, 8, 7, 0, 1, 0},
    {0, 1, 1, -8, 0, 1, 0}, {0, 1, 1, -7, 0, 1, 0}, {0, 1, 1, -6, 0, 1, 0}, {0, 1, 1, -5, 0, 1, 0},
    {0, 1, 1, -4, 0, 1, 0}, {0, 1, 1, -3, 0, 1, 0}, {0, 1, 1, -2, 0, 1, 0}, {0, 1, 1, -1, 0, 1, 0},
    {0, 1, 1, 0, 0, 1, 0}, {0, 1, 1, 1, 0, 1, 0}, {0, 1, 1, 2, 0, 1, 0}, {0, 1, 1, 3, 0, 1, 0},
    {0, 1, 1, 4, 0, 1, 0}, {0, 1, 1, 5, 0, 1, 0}, {0, 1, 1, 6, 0, 1, 0}, {0, 1, 1, 7, 0, 1, 0},
    {0, 1, 2, -8, 0, 1, 0}, {0, 1, 2, -7, 0, 1, 0}, {0, 1, 2, -6, 0, 1, 0}, {0, 1, 2, -5, 0, 1, 0},
    {0, 1, 2, -4, 0, 1, 0}, {0, 1, 2, -3, 0, 1, 0}, {0, 1, 2, -2, 0, 1, 0}, {0, 1, 2, -1, 0, 1, 0},
    {0, 1, 2, 0, 0, 1, 0}, {0, 1, 2, 1, 0, 1, 0}, {0, 1, 2, 2, 0, 1, 0}, {0, 1, 2, 3, 0, 1, 0},
    {0, 1, 2, 4, 0, 1, 0}, {0, 1, 2, 5, 0, 1, 0}, {0, 1, 2, 6, 0, 1, 0}, {0, 1, 2, 7, 0, 1, 0},
    {0, 1, 4, -8, 0, 1, 0}, {0, 1, 4, -7, 0, 1, 0}, {0, 1, 4, -6, 0, 1, 0}, {0, 1, 4, -5, 0, 1, 0},
    {0, 1, 4, -4, 0, 1, 0}, {0, 1, 4, -3, 0, 1, 0}, {0, 1, 4, -2, 0, 1, 0}, {0, 1, 4, -1, 0, 1, 0},
    {0, 1, 4, 0, 0, 1, 0}, {0, 1, 4, 1, 0, 1, 0}, {0, 1, 4, 2, 0, 1, 0}, {0, 1, 4, 3, 0, 1, 0},
    {0, 1, 4, 4, 0, 1, 0}, {0, 1, 4, 5, 0, 1, 0}, {0, 1, 4, 6, 0, 1, 0}, {0, 1, 4, 7, 0, 1, 0},
    {0, 1, 8, -8, 0, 1, 0}, {0, 1, 8, -7, 0, 1, 0}, {0, 1, 8, -6, 0, 1, 0}, {0, 1, 8, -5, 0, 1, 0},
    {0, 1, 8, -4, 0, 1, 0}, {0, 1, 8, -3, 0, 1, 0}, {0, 1, 8, -2, 0, 1, 0}, {0, 1, 8, -1, 0, 1, 0},
    {0, 1, 8, 0, 0, 1, 0}, {0, 1, 8, 1, 0, 1, 0}, {0, 1, 8, 2, 0, 1, 0}, {0, 1, 8, 3, 0, 1, 0},
    {0, 1, 8, 4, 0, 1, 0}, {0, 1, 8, 5, 0, 1, 0}, {0, 1, 8, 6, 0, 1, 0}, {0, 1, 8, 7, 0, 1, 0},
    {0, 2, 1, 0, 0, 1, 0}, {0, 2, 1, 1, 0, 1, 0}, {0, 2, 1, 2, 0, 1, 0}, {0, 2, 1, 3, 0, 1, 0},
    {0, 2, 2, 0, 0, 1, 0}, {0, 2, 2, 1, 0, 1, 0}, {0, 2, 2, 2, 0, 1, 0}, {0, 2, 2, 3, 0, 1, 0},
    {0, 2, 3, 0, 0, 1, 0}, {0, 2, 3, 1, 0, 1, 0}, {0, 2, 3, 2, 0, 1, 0}, {0, 2, 3, 3, 0, 1, 0},
    {0, 2, 4, 0, 0, 1, 0}, {0, 2, 4, 1, 0, 1, 0}, {0, 2, 4, 2, 0, 1, 0}, {0, 2, 4, 3, 0, 1, 0},
    {0, 2, 5, 0, 0, 1, 0}, {0, 2, 5, 1, 0, 1, 0}, {0, 2, 5, 2, 0, 1, 0}, {0, 2, 5, 3, 0, 1, 0},
    {0, 2, 6, 0, 0, 1, 0}, {0, 2, 6, 1, 0, 1, 0}, {0, 2, 6, 2, 0, 1, 0}, {0, 2, 6, 3, 0, 1, 0},
    {0, 2, 7, 0, 0, 1, 0}, {0, 2, 7, 1, 0, 1, 0}, {0, 2, 7, 2, 0, 1, 0}, {0, 2, 7, 3, 0, 1, 0},
    {0, 2, 8, 0, 0, 1, 0}, {0, 2, 8, 1, 0, 1, 0}, {0, 2, 8, 2, 0, 1, 0}, {0, 2, 8, 3, 0, 1, 0},
    {0, 2, 9, 0, 0, 1, 0}, {0, 2, 9, 1, 0, 1, 0}, {0, 2, 9, 2, 0, 1, 0}, {0, 2, 9, 3, 0, 1, 0},
    {0, 2, 10, 0, 0, 1, 0}, {0, 2, 10, 1, 0, 1, 0}, {0, 2, 10, 2, 0, 1, 0}, {0, 2, 10, 3, 0, 1, 0},
    {0, 2, 11, 0, 0, 1, 0}, {0, 2, 11, 1, 0, 1, 0}, {0, 2, 11, 2, 0, 1, 0}, {0, 2, 11, 3, 0, 1, 0},
    {0, 2, 12, 0, 0, 1, 0}, {0, 2, 12, 1, 0, 1, 0}, {0, 2, 12, 2, 0, 1, 0}, {0, 2, 12, 3, 0, 1, 0},
    {0, 2, 13, 0, 0, 1, 0}, {0, 2, 13, 1, 0, 1, 0}, {0, 2, 13, 2, 0, 1, 0}, {0, 2, 13, 3, 0, 1, 0},
    {0, 2, 14, 0, 0, 1, 0}, {0, 2, 14, 1, 0, 1, 0}, {0, 2, 14, 2, 0, 1, 0}, {0, 2, 14, 3, 0, 1, 0},
    {0, 2, 15, 0, 0, 1, 0}, {0, 2, 15, 1, 0, 1, 0}, {0, 2, 15, 2, 0, 1, 0}, {0, 2, 15, 3, 0, 1, 0},
    {0, 2, 16, 0, 0, 1, 0}, {0, 2, 16, 1, 0, 1, 0}, {0, 2, 16, 2, 0, 1, 0}, {0, 2, 16, 3, 0, 1, 0},
    {1, 2, 1, 0, 1, 2, 1}, {1, 2, 1, 1, 1, 2, 1}, {1, 2, 1, 2, 1, 2, 1}, {1, 2, 1, 3, 1, 2, 1},
    {1, 2, 1, 4, 1, 2, 1}, {1, 2, 1, 5, 1, 2, 1}, {1, 2, 1, 6, 1, 2, 1}, {1, 2, 1, 7, 1, 2, 1},
    {1, 2, 1, 8, 1, 2, 1}, {1, 2, 1, 9, 1, 2, 1}, {1, 2, 1, 10, 1, 2, 1}, {1, 2, 1, 11, 1, 2, 1},
    {1, 2, 1, 12, 1, 2, 1}, {1, 2, 1, 13, 1, 2, 1}, {1, 2, 1, 14, 1, 2, 1}, {1, 2, 1, 15, 1, 2, 1},
    {1, 2, 1, 0, 1, 2, 1}, {1, 2, 2, 0, 1, 2, 1}, {1, 2, 3, 0, 1, 2, 1}, {1, 2, 4, 0, 1, 2, 1},
    {1, 2, 5, 0, 1, 2, 1}, {1, 2, 6, 0, 1, 2, 1}, {1, 2, 7, 0, 1, 2, 1}, {1, 2, 8, 0, 1, 2, 1},
    {1, 2, 9, 0, 1, 2, 1}, {1, 2, 10, 0, 1, 2, 1}, {1, 2, 11, 0, 1, 2, 1}, {1, 2, 12, 0, 1, 2, 1},
    {1, 2, 13, 0, 1, 2, 1}, {1, 2, 14, 0, 1, 2, 1}, {1, 2, 15, 0, 1, 2, 1}, {1, 2, 16, 0, 1, 2, 1},
    {2, 3, 0, 0, 1, 1, 1}, {2, 3, 0, 0, 1, 1, 2}, {2, 3, 0, 0, 1, 1, 3}, {2, 3, 0, 0, 1, 1, 4},
    {2, 3, 0, 0, 1, 1, 5}, {2, 3, 0, 0, 1, 1, 6}, {2, 3, 0, 0, 1, 1, 7}, {2, 3, 0, 0, 1, 1, 8},
    {3, 0, 1, 0, 0, 1, 0}, {3, 0, 2, 0, 0, 1, 0}, {3, 0, 4, 0, 0, 1, 0}, {3, 0, 8, 0, 0, 1, 0},
    {3, 1, 1, 0, 0, 1, 0}, {3, 1, 2, 0, 0, 1, 0}, {3, 1, 4, 0, 0, 1, 0}, {3, 1, 8, 0, 0, 1, 0},
    {3, 0, 0, 0, 0, 1, 0}, {3, 1, 0, 0, 0, 1, 0}, {3, 2, 0, 0, 0, 1, 0}, {4, 0, 0, 0, 0, 1, 0},
    {4, 0, 0, 0, 0, 1, 0}, {4, 0, 0, 0, 0, 1, 0}, {4, 0, 0, 0, 0, 1, 0}, {4, 0, 0, 0, 0, 1, 0},
    {4, 0, 0, 0, 0, 1, 0}, {4, 0, 0, 0, 0, 1, 0}, {4, 0, 0, 0, 0, 1, 0}, {3, 1, 0, 0, 0, 1, 0},
    {4, 0, 0, 0, 0, 1, 0}, {4, 0, 0, 0, 0, 1, 0}, {3, 2, 0, 0, 0, 1, 0}, {4, 0, 0, 0, 0, 1, 0},
};

static const enum trc_type cls_type[4] = {TRC_READ, TRC_WRITE, TRC_FETCH, TRC_INSNS};

/* ---- one record (trc_next, and the batch decoder's fallback) ---- */

/* Only the fields of the record's type are written (see trc_next). */

/* The fetch of a fused `I 1, X` opcode whose I was returned last. */
VKT_INLINE int pending_fetch(struct trc_reader *r, struct trc_record *rec)
{
    struct vkt_state *st = vkt_state(r);
    st->pend = false;
    rec->type = TRC_FETCH;
    rec->addr = st->pend_addr;
    rec->size = st->size[CLS_X];
    rec->count = 0;
    rec->offset = st->pend_off;
    r->nrec++;
    return 1;
}

/* 0xfc, 0xfd at *off: swaps the two address slots of R or W (not a record) and moves to the
 * access it prepares (*op, *off).  0, or -1. */
VKT_INLINE int swap_slots(struct trc_reader *r, unsigned *op, uint64_t *off)
{
    struct vkt_state *st = vkt_state(r);
    struct trc_source *s = &r->src;
    if (s->failed)
        return -1;
    if (s->beg + 1 >= s->end)
        return trc_fail_at(r, *off, "the file ends after slot swap 0x%02x (truncated?; "
                                    "expected an access)", *op);
    unsigned c = *op - 0xfc;
    uint64_t t = st->prev[c];
    st->prev[c] = st->prev2[c];
    st->prev2[c] = t;
    s->beg++;
    ++*off;
    *op = (uint8_t)s->buf[s->beg];
    if (*op == 0xfc || *op == 0xfd)
        return trc_fail_at(r, *off, "two slot swaps in a row (corrupt file?)");
    return 0;
}

/* Fill rec as an I record, or an access of class cls (the caller counts it). */
VKT_INLINE int put_insns(struct trc_record *rec, uint64_t n, uint64_t off)
{
    rec->type = TRC_INSNS;
    rec->addr = rec->size = 0;
    rec->count = n;
    rec->offset = off;
    return 1;
}

VKT_INLINE int put_access(struct trc_record *rec, unsigned cls, uint64_t addr, uint64_t size,
                          uint64_t off)
{
    rec->type = cls_type[cls];
    rec->addr = addr;
    rec->size = size;
    rec->count = 0;
    rec->offset = off;
    return 1;
}

/* A one-byte access (ACT_ACCESS), or the I 1 of a fused `I 1, X` (ACT_FUSED) whose fetch
 * pending_fetch returns next. */
VKT_INLINE int short_access(struct trc_reader *r, struct trc_record *rec, struct vkt_op o,
                            uint64_t off)
{
    struct vkt_state *st = vkt_state(r);
    uint64_t addr = st->prev[o.cls] + (uint64_t)(int64_t)o.delta, size = o.size;
    if (__builtin_expect(addr >= r->lim_access || size > r->lim_access - addr, 0))
        return bad_access(r, off, addr, size);
    st->prev[o.cls] = addr + size;
    st->size[o.cls] = size;
    r->src.beg++;
    r->nrec++;
    rec->offset = off;
    if (o.act == ACT_ACCESS)
        return put_access(rec, o.cls, addr, size, off);
    if (add_insns(r, off, 1) < 0)
        return -1;
    st->pend = true;
    st->pend_addr = addr;
    st->pend_off = off;
    return put_insns(rec, 1, off);
}

/* An access with operands (ACT_LONG): a size varint (size 0 in the table) and a delta
 * varint; or 0xfb, 0xfe: at the address and size of the previous R or X. */
VKT_INLINE int long_access(struct trc_reader *r, struct trc_record *rec, unsigned op,
                           struct vkt_op o, uint64_t off)
{
    struct vkt_state *st = vkt_state(r);
    const uint8_t *b = (const uint8_t *)r->src.buf, *p = b + r->src.beg + 1, *e = b + r->src.end;
    uint64_t addr, size = o.size, d;
    if (op == 0xfb || op == 0xfe) {
        unsigned src = op == 0xfb ? CLS_R : CLS_X;
        size = st->size[src];
        addr = st->prev[src] - size;
        if (size == 0)
            return trc_fail_at(r, off, "opcode 0x%02x (%s) before any %s (corrupt file?)", op,
                               op == 0xfb ? "write at the previous read"
                                          : "fetch of the previous block",
                               op == 0xfb ? "read" : "fetch");
    } else {
        if (size == 0) {
            if (!get_varint(&p, e, &size))
                return bad_varint(r, p, e, off, "SIZE");
            if (size == 0)
                return trc_fail_at(r, off, "access SIZE is 0 (corrupt file?; expected at "
                                           "least 1)");
            if (size > TRC_MAX_ACCESS)
                return bad_size(r, off, size, false);
        }
        if (!get_varint(&p, e, &d))
            return bad_varint(r, p, e, off, "address delta");
        addr = st->prev[o.cls] + unzigzag(d);
        if (o.cls <= CLS_W)
            st->prev2[o.cls] = st->prev[o.cls];
    }
    if (addr >= r->lim_access || size > r->lim_access - addr)
        return bad_access(r, off, addr, size);
    st->prev[o.cls] = addr + size;
    st->size[o.cls] = size;
    r->src.beg = (size_t)(p - b);
    r->nrec++;
    return put_access(rec, o.cls, addr, size, off);
}

/* I varint (0xf5): frequent in recorded runs. */
VKT_INLINE int insns_varint(struct trc_reader *r, struct trc_record *rec, uint64_t off)
{
    const uint8_t *b = (const uint8_t *)r->src.buf, *p = b + r->src.beg + 1, *e = b + r->src.end;
    uint64_t n;
    if (!get_varint(&p, e, &n))
        return bad_varint(r, p, e, off, "COUNT");
    if (add_insns(r, off, n) < 0)
        return -1;
    r->src.beg = (size_t)(p - b);
    r->nrec++;
    return put_insns(rec, n, off);
}

/* The next record: 1, 0 at the end record, -1.  Accesses, I and S are almost every record
 * and take the table-driven path with one branch for the common case. */
VKT_INLINE int vkt_one(struct trc_reader *r, struct trc_record *rec)
{
    struct trc_source *s = &r->src;
    if (vkt_state(r)->pend)
        return pending_fetch(r, rec);
    if (__builtin_expect(s->end - s->beg < VKT_FAST, 0) && !s->eof) {
        if (s->failed || trc_source_ensure(s, VKT_FAST) < 0)
            return -1;
    }
    uint64_t off = trc_source_offset(s);
    if (__builtin_expect(s->beg == s->end, 0)) {
        if (s->failed)
            return -1;
        if (vkt_state(r)->ended)
            return 0;
        return trc_fail_at(r, off, "the file ends without an end record (truncated?; expected "
                                   "a record or the end record 0xff)");
    }
    unsigned op = (uint8_t)s->buf[s->beg];
    if (__builtin_expect(op == 0xfc || op == 0xfd, 0) && swap_slots(r, &op, &off) < 0)
        return -1;
    const struct vkt_op o = vkt_ops[op];
    if (__builtin_expect(o.act <= ACT_FUSED, 1))
        return short_access(r, rec, o, off);
    if (o.act == ACT_LONG)
        return long_access(r, rec, op, o, off);
    if (o.act == ACT_INSNS) {
        if (add_insns(r, off, o.count) < 0)
            return -1;
        s->beg++;
        r->nrec++;
        return put_insns(rec, o.count, off);
    }
    if (op == 0xf5)
        return insns_varint(r, rec, off);
    if (s->failed)
        return -1;
    return vkt_slow(r, rec, op, off);
}

static int vkt_next(struct trc_reader *r, struct trc_record *rec)
{
    return vkt_one(r, rec);
}

/* ---- many records (trc_next_batch) ---- */

/* The batch decoder's state, in locals of batch_run so that the stores of records cannot make
 * the compiler reload it. */
struct vkt_cursor {
    const uint8_t *b;     /* the buffer */
    size_t beg;           /* the next opcode */
    uint64_t prev[4];     /* as vkt_state; index 3 is a scratch class for I n (its "access"
                             is discarded) */
    uint64_t size[4];
    uint64_t lim, base;   /* the access limit; the input offset of b[0] */
    uint64_t insns;
};

/* A one-byte opcode (ACT_ACCESS, ACT_FUSED, ACT_INSNS), branch-free: an I record at rec[0]
 * (overwritten by a plain access), the access at rec[o.f] (overwritten later after an I n).
 * The number of records written, or 0 when vkt_one must decode it (out of range). */
VKT_INLINE size_t batch_one_byte(struct vkt_cursor *c, struct vkt_op o, struct trc_record *rec)
{
    uint64_t addr = c->prev[o.cls] + (uint64_t)(int64_t)o.delta, sz = o.size;
    if (addr >= c->lim || sz > c->lim - addr)
        return 0;
    c->prev[o.cls] = addr + sz;
    c->size[o.cls] = sz;
    uint64_t at = c->base + c->beg;
    rec->type = TRC_INSNS;
    rec->addr = rec->size = 0;
    rec->count = o.count;
    rec->offset = at;
    c->insns += o.count;
    struct trc_record *acc = rec + o.f;
    acc->type = cls_type[o.cls];
    acc->addr = addr;
    acc->size = sz;
    acc->count = 0;
    acc->offset = at;
    c->beg++;
    return o.adv;
}

/* 0xfb, 0xfe: the previous read's bytes written, or the previous block fetched again.  1, or
 * 0 when vkt_one must decode it. */
VKT_INLINE size_t batch_repeat(struct vkt_cursor *c, unsigned op, struct vkt_op o,
                               struct trc_record *rec)
{
    unsigned src = op == 0xfb ? CLS_R : CLS_X;
    uint64_t sz = c->size[src], addr = c->prev[src] - sz;
    /* no previous access (size 0), or out of range after a slot swap (0xfc): vkt_one reports
     * it; one branch for the three tests */
    if ((addr >= c->lim) | (sz - 1 >= c->lim - addr))
        return 0;
    c->prev[o.cls] = addr + sz;
    c->size[o.cls] = sz;
    rec->type = cls_type[o.cls];
    rec->addr = addr;
    rec->size = sz;
    rec->count = 0;
    rec->offset = c->base + c->beg;
    c->beg++;
    return 1;
}

/* ACT_LONG with operands (e: the end of the bytes).  1, or 0 when vkt_one must decode it. */
VKT_INLINE size_t batch_long(struct trc_reader *r, struct vkt_cursor *c, struct vkt_op o,
                             const uint8_t *e, struct trc_record *rec)
{
    const uint8_t *p = c->b + c->beg + 1;
    uint64_t sz = o.size, d, addr;
    if ((sz == 0 && (!get_varint(&p, e, &sz) || sz - 1 >= TRC_MAX_ACCESS)) ||
        !get_varint(&p, e, &d))
        return 0;
    addr = c->prev[o.cls] + unzigzag(d);
    if (addr >= c->lim || sz > c->lim - addr)
        return 0;
    if (o.cls <= CLS_W)
        vkt_state(r)->prev2[o.cls] = c->prev[o.cls];
    c->prev[o.cls] = addr + sz;
    c->size[o.cls] = sz;
    rec->type = cls_type[o.cls];
    rec->addr = addr;
    rec->size = sz;
    rec->count = 0;
    rec->offset = c->base + c->beg;
    c->beg = (size_t)(p - c->b);
    return 1;
}

/* Decodes common opcodes into recs[i, n) while at least VKT_FAST bytes remain; stops at
 * anything else (a rare opcode, an error to report, the end of the buffer) for vkt_one.
 * Returns the new i. */
static size_t batch_run(struct trc_reader *r, struct trc_record *recs, size_t i, size_t n)
{
    struct vkt_state *st = vkt_state(r);
    struct trc_source *s = &r->src;
    struct vkt_cursor c = {
        .b = (const uint8_t *)s->buf, .beg = s->beg,
        .prev = {st->prev[0], st->prev[1], st->prev[2], 0},
        .size = {st->size[0], st->size[1], st->size[2], 0},
        .lim = r->lim_access, .base = s->base, .insns = r->insns,
    };
    const uint8_t *e = c.b + s->end;
    size_t safe = s->end - VKT_FAST, start_i = i;
    while (i + 1 < n && c.beg <= safe) {
        unsigned op = c.b[c.beg];
        const struct vkt_op o = vkt_ops[op];
        size_t k;
        if (o.act <= ACT_INSNS)
            k = batch_one_byte(&c, o, &recs[i]);
        else if (op == 0xfb || op == 0xfe)
            k = batch_repeat(&c, op, o, &recs[i]);
        else if (o.act == ACT_LONG)
            k = batch_long(r, &c, o, e, &recs[i]);
        else
            k = 0;
        if (k == 0)
            break;
        i += k;
    }
    for (int k = 0; k < 3; k++) {
        st->prev[k] = c.prev[k];
        st->size[k] = c.size[k];
    }
    s->beg = c.beg;
    r->insns = c.insns;
    r->nrec += i - start_i;
    return i;
}

/* The decoder of trc_next_batch: runs of common opcodes through batch_run, anything else
 * through vkt_one for one record. */
static size_t vkt_batch(struct trc_reader *r, struct trc_record *recs, size_t n, int *rc)
{
    size_t i = 0;
    while (i < n) {
        /* a run adds at most 8 instructions per record unchecked: near the limit, vkt_one
         * checks each */
        if (!vkt_state(r)->pend && r->src.end - r->src.beg >= VKT_FAST &&
            n <= TRC_MAX_INSNS / 8 && r->insns <= TRC_MAX_INSNS - 8 * n) {
            i = batch_run(r, recs, i, n);
            if (i == n)
                break;
        }
        int k = vkt_one(r, &recs[i]);
        if (k != 1) {
            *rc = k;
            return i;
        }
        if (recs[i++].type == TRC_MAP)
            break; /* its name lives in the reader until the next call */
    }
    *rc = 1;
    return i;
}

/* ---- header ---- */

/* The header's magic number and length (n bytes available from h). */
static int check_magic(struct trc_reader *r, const uint8_t *h, size_t n)
{
    size_t k = 0, m = n < TRC_VKT_MAGIC_LEN ? n : TRC_VKT_MAGIC_LEN;
    while (k < m && h[k] == (uint8_t)TRC_VKT_MAGIC[k])
        k++;
    if (k == 0 && n > 0)
        return trc_fail_at(r, 0, "not a .vkt file (expected the magic number 89 56 4b 54 0d "
                                 "0a 1a 0a; another format? give --format)");
    if (k < m)
        return trc_fail_at(r, k, "damaged magic number: byte %zu is 0x%02x (expected 89 56 4b "
                                 "54 0d 0a 1a 0a; a copy in text mode changes these bytes)",
                           k, h[k]);
    if (n == 0)
        return trc_fail_at(r, 0, "empty file (truncated?; expected the %u-byte .vkt header)",
                           TRC_VKT_HEADER);
    if (n < TRC_VKT_HEADER)
        return trc_fail_at(r, n, "the file ends inside the header (truncated?; expected %u "
                                 "bytes)", TRC_VKT_HEADER);
    return 0;
}

/* Reads the header: magic, version, arch, reserved zeros; starts the CRC. */
static int vkt_open(struct trc_reader *r)
{
    struct trc_source *s = &r->src;
    if (trc_source_ensure(s, TRC_VKT_HEADER) < 0)
        return -1;
    s->crc_on = true;
    s->crc = 0u;
    s->crc_done = s->beg;
    const uint8_t *h = (const uint8_t *)s->buf + s->beg;
    if (check_magic(r, h, s->end - s->beg) < 0)
        return -1;
    if (h[8] != TRC_VKT_VERSION)
        return trc_fail_at(r, 8, "unsupported version %u (expected %u)", h[8], TRC_VKT_VERSION);
    if (h[9] > 1)
        return trc_fail_at(r, 9, "unknown arch %u (expected 0 for i386 or 1 for x86_64)", h[9]);
    for (int i = 10; i < TRC_VKT_HEADER; i++)
        if (h[i] != 0)
            return trc_fail_at(r, (uint64_t)i, "reserved header byte is 0x%02x (expected 0)",
                               h[i]);
    trc_set_arch(r, h[9] ? MMU_ARCH_X86_64 : MMU_ARCH_I386);
    s->beg += TRC_VKT_HEADER;
    return 0;
}

/* A name that says .vkt (FILE.vkt, FILE.vkt.xz, FILE.vkt.gz), or bytes that start like the
 * magic number (all of them when fewer than 4, else the first 4): a damaged or truncated .vkt
 * is then reported as one, never read as an empty or odd text trace. */
static bool vkt_detect(const char *b, size_t n, const char *name, size_t name_len)
{
    size_t k = 0;
    while (k < n && k < 4 && b[k] == TRC_VKT_MAGIC[k])
        k++;
    return trc_name_ends_with(name, name_len, ".vkt") || (n > 0 && k == (n < 4 ? n : 4));
}

const struct trc_format_ops trc_format_vkt = {
    .id = TRC_FMT_VKT,
    .name = "vkt",
    .binary = true,
    .state_size = sizeof(struct vkt_state),
    .detect = vkt_detect,
    .open = vkt_open,
    .next = vkt_next,
    .batch = vkt_batch,
};
