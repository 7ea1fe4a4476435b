/* traces/vkt.c - the binary trace format .vkt (docs/vkt-format.md): streaming reader and
 * writer.  The layout is documented there; the opcode table below must match it.
 *
 *   0x00-0x3f  R  size {1,2,4,8}[op>>4 & 3], address = previous R end + (op & 15) - 8
 *   0x40-0x7f  W  the same for writes
 *   0x80-0xbf  X  size (op>>2 & 15) + 1, address = previous X end + (op & 3)
 *   0xc0-0xcf  I 1, then X size 1, address = previous X end + (op & 15)
 *   0xd0-0xdf  I 1, then X size (op & 15) + 1 at the previous X end
 *   0xe0-0xe7  I (op & 7) + 1
 *   0xe8-0xeb  R size {1,2,4,8}[op & 3], zigzag varint delta from the previous R end
 *   0xec-0xef  W the same
 *   0xf0-0xf4  R, W, X, KR, KW: varint size, zigzag varint delta from the previous end of the
 *              class (R, W, X, kernel)
 *   0xf5 I varint   0xf6 S varint   0xf7 map   0xf8 unmap   0xf9 protect   0xfa arch
 *   0xfb       W at the address and size of the previous R
 *   0xfc, 0xfd swap the two address slots of R, W (not a record; an access follows)
 *   0xfe       X at the address and size of the previous X (a loop's block again)
 *   R/W long forms (0xe8-0xef, 0xf0, 0xf1) first move the class's previous end to its other
 *   slot, so two interleaved streams each keep a near address
 *   0xff       end: u64 record count, u32 CRC-32 of every byte before the 0xff; nothing may
 *              follow
 */
#include "trc_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

enum { CLS_R, CLS_W, CLS_X, CLS_K };

/* The longest record except a map's NAME: opcode + 5 varints + flags. */
#define VKT_FAST 64u


static inline uint64_t unzigzag(uint64_t v) { return (v >> 1) ^ (0 - (v & 1)); }
static inline uint64_t zigzag(uint64_t d) { return (d << 1) ^ (uint64_t)((int64_t)d >> 63); }

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

/* ======================================================================== reader ==== */

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
    if (r->eof && p + i == e)
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

/* The rare opcodes: kernel accesses, I varint, S, map, unmap, protect, arch, end. */
static int vkt_slow(struct trc_reader *r, struct trc_record *rec, unsigned op, uint64_t off)
{
    /* Room for the longest record; the buffer may slide, so pointers are taken after. */
    if (trc_ensure(r, 1 + VKT_FAST + TRC_VKT_MAX_NAME) < 0)
        return -1;
    const uint8_t *b = (const uint8_t *)r->buf, *p = b + r->beg + 1, *e = b + r->end;
    uint64_t v, d;
    memset(rec, 0, sizeof(*rec));
    rec->offset = off;
    if (op == 0xf3 || op == 0xf4) {
        rec->type = op == 0xf3 ? TRC_KREAD : TRC_KWRITE;
        if (!get_varint(&p, e, &rec->size))
            return bad_varint(r, p, e, off, "SIZE");
        if (rec->size == 0)
            return trc_fail_at(r, off, "access SIZE is 0 (corrupt file?; expected at least 1)");
        if (rec->size > TRC_MAX_KACCESS)
            return bad_size(r, off, rec->size, true);
        if (!get_varint(&p, e, &d))
            return bad_varint(r, p, e, off, "address delta");
        rec->addr = r->vkt_prev[CLS_K] + unzigzag(d);
        if (rec->addr >= r->lim_access || rec->size > r->lim_access - rec->addr)
            return bad_access(r, off, rec->addr, rec->size);
        r->vkt_prev[CLS_K] = rec->addr + rec->size;
        r->vkt_size[CLS_K] = rec->size;
    } else {
        switch (op) {
        case 0xf5:
            rec->type = TRC_INSNS;
            if (!get_varint(&p, e, &rec->count))
                return bad_varint(r, p, e, off, "COUNT");
            break;
        case 0xf6:
            rec->type = TRC_SYSCALL;
            if (!get_varint(&p, e, &rec->count))
                return bad_varint(r, p, e, off, "NUMBER");
            if (rec->count > UINT32_MAX)
                return trc_fail_at(r, off, "system call number %llu too large (corrupt file?)",
                                   (unsigned long long)rec->count);
            break;
        case 0xf7: {
            rec->type = TRC_MAP;
            if (get_range(r, &p, e, off, rec) < 0)
                return -1;
            if (p == e)
                return bad_varint(r, p, e, off, "flags");
            unsigned fl = *p++;
            if (fl & ~0x1fu)
                return trc_fail_at(r, off, "map flags 0x%02x (corrupt file?; expected bits "
                                           "0-4 only)", fl);
            rec->prot = fl & 7;
            rec->kind = fl & 8 ? TRC_FILE : TRC_ANON;
            if (!get_varint(&p, e, &v))
                return bad_varint(r, p, e, off, "file id");
            if (!get_varint(&p, e, &rec->file_pgoff))
                return bad_varint(r, p, e, off, "file page offset");
            if ((rec->kind == TRC_FILE) != (v != 0) || v > UINT32_MAX ||
                (rec->kind == TRC_ANON && rec->file_pgoff != 0))
                return trc_fail_at(r, off, "map: file id %llu / offset %llu do not suit kind %s "
                                           "(corrupt file?; expected id >= 1 for file, 0 and "
                                           "0 for anon)", (unsigned long long)v,
                                   (unsigned long long)rec->file_pgoff,
                                   rec->kind == TRC_FILE ? "file" : "anon");
            rec->file_id = (uint32_t)v;
            if (fl & 16) {
                if (!get_varint(&p, e, &v))
                    return bad_varint(r, p, e, off, "name length");
                if (v == 0 || v > TRC_VKT_MAX_NAME)
                    return trc_fail_at(r, off, "map: name length %llu (corrupt file?; expected "
                                               "1 to %u)", (unsigned long long)v,
                                       TRC_VKT_MAX_NAME);
                if ((uint64_t)(e - p) < v)
                    return trc_fail_at(r, off, "the file ends inside a map name (truncated?)");
                memcpy(r->vkt_name, p, v);
                r->vkt_name[v] = '\0';
                p += v;
                rec->name = r->vkt_name;
            }
            break;
        }
        case 0xf8:
            rec->type = TRC_UNMAP;
            if (get_range(r, &p, e, off, rec) < 0)
                return -1;
            break;
        case 0xf9:
            rec->type = TRC_PROTECT;
            if (get_range(r, &p, e, off, rec) < 0)
                return -1;
            if (p == e)
                return bad_varint(r, p, e, off, "PROT");
            rec->prot = *p++;
            if (rec->prot & ~7u)
                return trc_fail_at(r, off, "protect: PROT 0x%02x (corrupt file?; expected bits "
                                           "0-2 only)", rec->prot);
            break;
        case 0xfa:
            rec->type = TRC_ARCH;
            if (p == e)
                return bad_varint(r, p, e, off, "arch");
            if (r->nrec != 0 || *p != (r->arch == MMU_ARCH_X86_64 ? 1 : 0))
                return trc_fail_at(r, off, "arch record %u not first or not the header's arch "
                                           "%s (corrupt file?)", *p, trc_arch_str(r->arch));
            p++;
            rec->arch = r->arch;
            break;
        case 0xff: {
            if (e - p < 12)
                return trc_fail_at(r, off, "the file ends inside the end record (truncated?; "
                                           "expected an 8-byte record count and a 4-byte "
                                           "CRC-32)");
            uint64_t n = 0;
            uint32_t crc = 0;
            for (int i = 7; i >= 0; i--)
                n = n << 8 | p[i];
            for (int i = 11; i >= 8; i--)
                crc = crc << 8 | p[i];
            p += 12;
            uint32_t sum = trc_crc32(r->crc, b + r->crc_done,
                                           (size_t)(r->beg - r->crc_done));
            if (n != r->nrec)
                return trc_fail_at(r, off, "end record counts %llu records but %llu were read "
                                           "(corrupt file?)", (unsigned long long)n,
                                   (unsigned long long)r->nrec);
            if (crc != sum)
                return trc_fail_at(r, off, "CRC-32 mismatch: the end record says 0x%08x, the "
                                           "bytes before it sum to 0x%08x (corrupt file)",
                                   crc, sum);
            if (p != e)
                return trc_fail_at(r, off + 13, "bytes after the end record (expected the end "
                                                 "of the file)");
            r->beg = r->end;
            r->crc_on = false;
            r->vkt_ended = true;
            return 0;
        }
        default:
            return trc_fail_at(r, off, "unknown opcode 0x%02x (corrupt file?; expected a "
                                       "record opcode, see docs/vkt-format.md)", op);
        }
        rec->arch = r->arch;
    }
    r->beg = (size_t)(p - b);
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

/* Only the fields of the record's type are written (see trc_next); accesses, I and S are
 * almost every record and take the table-driven path with one branch for the common case. */
static inline __attribute__((always_inline)) int vkt_one(struct trc_reader *r,
                                                         struct trc_record *rec)
{
    if (r->vkt_pend) {
        /* The fetch of a fused `I 1, X` opcode. */
        r->vkt_pend = false;
        rec->type = TRC_FETCH;
        rec->addr = r->vkt_pend_addr;
        rec->size = r->vkt_size[CLS_X];
        rec->count = 0;
        rec->offset = r->vkt_pend_off;
        r->nrec++;
        return 1;
    }
    if (__builtin_expect(r->end - r->beg < VKT_FAST, 0) && !r->eof) {
        if (r->failed || trc_ensure(r, VKT_FAST) < 0)
            return -1;
    }
    uint64_t off = r->base + r->beg;
    if (__builtin_expect(r->beg == r->end, 0)) {
        if (r->failed)
            return -1;
        if (r->vkt_ended)
            return 0;
        return trc_fail_at(r, off, "the file ends without an end record (truncated?; expected "
                                   "a record or the end record 0xff)");
    }
    unsigned op = (uint8_t)r->buf[r->beg];
    if (__builtin_expect(op == 0xfc || op == 0xfd, 0)) {
        /* swap the two address slots of R or W (not a record), then the access it prepares */
        if (r->failed)
            return -1;
        if (r->beg + 1 >= r->end)
            return trc_fail_at(r, off, "the file ends after slot swap 0x%02x (truncated?; "
                                       "expected an access)", op);
        unsigned c = op - 0xfc;
        uint64_t t = r->vkt_prev[c];
        r->vkt_prev[c] = r->vkt_prev2[c];
        r->vkt_prev2[c] = t;
        r->beg++;
        off++;
        op = (uint8_t)r->buf[r->beg];
        if (op == 0xfc || op == 0xfd)
            return trc_fail_at(r, off, "two slot swaps in a row (corrupt file?)");
    }
    const struct vkt_op o = vkt_ops[op];
    if (__builtin_expect(o.act <= ACT_FUSED, 1)) {
        uint64_t addr = r->vkt_prev[o.cls] + (uint64_t)(int64_t)o.delta, size = o.size;
        if (__builtin_expect(addr >= r->lim_access || size > r->lim_access - addr, 0))
            return bad_access(r, off, addr, size);
        r->vkt_prev[o.cls] = addr + size;
        r->vkt_size[o.cls] = size;
        r->beg++;
        r->nrec++;
        rec->offset = off;
        if (o.act == ACT_ACCESS) {
            rec->type = cls_type[o.cls];
            rec->addr = addr;
            rec->size = size;
            rec->count = 0;
            return 1;
        }
        if (add_insns(r, off, 1) < 0)
            return -1;
        r->vkt_pend = true;
        r->vkt_pend_addr = addr;
        r->vkt_pend_off = off;
        rec->type = TRC_INSNS;
        rec->addr = rec->size = 0;
        rec->count = 1;
        return 1;
    }
    if (o.act == ACT_LONG) {
        const uint8_t *b = (const uint8_t *)r->buf, *p = b + r->beg + 1, *e = b + r->end;
        uint64_t addr, size = o.size, d;
        if (op == 0xfb || op == 0xfe) {
            unsigned src = op == 0xfb ? CLS_R : CLS_X;
            size = r->vkt_size[src];
            addr = r->vkt_prev[src] - size;
            if (size == 0)
                return trc_fail_at(r, off, "opcode 0x%02x (%s) before any %s (corrupt file?)",
                                   op, op == 0xfb ? "write at the previous read"
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
            addr = r->vkt_prev[o.cls] + unzigzag(d);
            if (o.cls <= CLS_W)
                r->vkt_prev2[o.cls] = r->vkt_prev[o.cls];
        }
        if (addr >= r->lim_access || size > r->lim_access - addr)
            return bad_access(r, off, addr, size);
        r->vkt_prev[o.cls] = addr + size;
        r->vkt_size[o.cls] = size;
        r->beg = (size_t)(p - b);
        r->nrec++;
        rec->type = cls_type[o.cls];
        rec->addr = addr;
        rec->size = size;
        rec->count = 0;
        rec->offset = off;
        return 1;
    }
    if (o.act == ACT_INSNS) {
        if (add_insns(r, off, o.count) < 0)
            return -1;
        r->beg++;
        r->nrec++;
        rec->type = TRC_INSNS;
        rec->addr = rec->size = 0;
        rec->count = o.count;
        rec->offset = off;
        return 1;
    }
    if (op == 0xf5) { /* I varint: frequent in recorded runs */
        const uint8_t *b = (const uint8_t *)r->buf, *p = b + r->beg + 1, *e = b + r->end;
        uint64_t n;
        if (!get_varint(&p, e, &n))
            return bad_varint(r, p, e, off, "COUNT");
        if (add_insns(r, off, n) < 0)
            return -1;
        r->beg = (size_t)(p - b);
        r->nrec++;
        rec->type = TRC_INSNS;
        rec->addr = rec->size = 0;
        rec->count = n;
        rec->offset = off;
        return 1;
    }
    if (r->failed)
        return -1;
    return vkt_slow(r, rec, op, off);
}

static int vkt_next(struct trc_reader *r, struct trc_record *rec)
{
    return vkt_one(r, rec);
}

/* The decoder of trc_next_batch: the common opcodes in one loop whose state (position,
 * previous ends and sizes) lives in locals, so that the stores of records cannot make the
 * compiler reload it; anything else (the rare opcodes, errors, the end of the buffer) goes
 * through vkt_one for one record. */
static size_t vkt_batch(struct trc_reader *r, struct trc_record *recs, size_t n, int *rc)
{
    size_t i = 0;
    while (i < n) {
        /* the loop adds at most 8 instructions per record unchecked: near the limit, vkt_one
         * checks each */
        if (!r->vkt_pend && r->end - r->beg >= VKT_FAST && n <= TRC_MAX_INSNS / 8 &&
            r->insns <= TRC_MAX_INSNS - 8 * n) {
            const uint8_t *b = (const uint8_t *)r->buf;
            size_t beg = r->beg, safe = r->end - VKT_FAST, start_i = i;
            /* Index 3 is a scratch class for I n (its "access" is discarded). */
            uint64_t prev[4] = {r->vkt_prev[0], r->vkt_prev[1], r->vkt_prev[2], 0};
            uint64_t size[4] = {r->vkt_size[0], r->vkt_size[1], r->vkt_size[2], 0};
            const uint64_t lim = r->lim_access, base = r->base;
            uint64_t insns = r->insns;
            while (i + 1 < n && beg <= safe) {
                unsigned op = b[beg];
                const struct vkt_op o = vkt_ops[op];
                struct trc_record *rec = &recs[i];
                if (o.act <= ACT_INSNS) {
                    /* Branch-free: an I record at rec[0] (overwritten by a plain access),
                     * the access at rec[o.f] (overwritten later after an I n). */
                    uint64_t addr = prev[o.cls] + (uint64_t)(int64_t)o.delta, sz = o.size;
                    if (addr >= lim || sz > lim - addr)
                        break;
                    prev[o.cls] = addr + sz;
                    size[o.cls] = sz;
                    uint64_t at = base + beg;
                    rec->type = TRC_INSNS;
                    rec->addr = rec->size = 0;
                    rec->count = o.count;
                    rec->offset = at;
                    insns += o.count;
                    struct trc_record *acc = rec + o.f;
                    acc->type = cls_type[o.cls];
                    acc->addr = addr;
                    acc->size = sz;
                    acc->count = 0;
                    acc->offset = at;
                    i += o.adv;
                    beg++;
                } else if (op == 0xfb || op == 0xfe) {
                    /* the previous read's bytes written, or the previous block fetched again */
                    unsigned src = op == 0xfb ? CLS_R : CLS_X;
                    uint64_t sz = size[src], addr = prev[src] - sz;
                    /* no previous access (size 0), or out of range after a slot swap (0xfc):
                     * vkt_one reports it; one branch for the three tests */
                    if ((addr >= lim) | (sz - 1 >= lim - addr))
                        break;
                    prev[o.cls] = addr + sz;
                    size[o.cls] = sz;
                    rec->type = cls_type[o.cls];
                    rec->addr = addr;
                    rec->size = sz;
                    rec->count = 0;
                    rec->offset = base + beg;
                    i++;
                    beg++;
                } else if (o.act == ACT_LONG) {
                    const uint8_t *p = b + beg + 1, *e = b + r->end;
                    uint64_t sz = o.size, d, addr;
                    if ((sz == 0 && (!get_varint(&p, e, &sz) || sz - 1 >= TRC_MAX_ACCESS)) ||
                        !get_varint(&p, e, &d))
                        break;
                    addr = prev[o.cls] + unzigzag(d);
                    if (addr >= lim || sz > lim - addr)
                        break;
                    if (o.cls <= CLS_W)
                        r->vkt_prev2[o.cls] = prev[o.cls];
                    prev[o.cls] = addr + sz;
                    size[o.cls] = sz;
                    rec->type = cls_type[o.cls];
                    rec->addr = addr;
                    rec->size = sz;
                    rec->count = 0;
                    rec->offset = base + beg;
                    i++;
                    beg = (size_t)(p - b);
                } else {
                    break;
                }
            }
            for (int k = 0; k < 3; k++) {
                r->vkt_prev[k] = prev[k];
                r->vkt_size[k] = size[k];
            }
            r->beg = beg;
            r->insns = insns;
            r->nrec += i - start_i;
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

int trc_vkt_init(struct trc_reader *r)
{
    r->next = vkt_next;
    r->batch = vkt_batch;
    if (trc_ensure(r, TRC_VKT_HEADER) < 0)
        return -1;
    r->crc_on = true;
    r->crc = 0u;
    r->crc_done = r->beg;
    const uint8_t *h = (const uint8_t *)r->buf + r->beg;
    if (check_magic(r, h, r->end - r->beg) < 0)
        return -1;
    if (h[8] != TRC_VKT_VERSION)
        return trc_fail_at(r, 8, "unsupported version %u (expected %u)", h[8], TRC_VKT_VERSION);
    if (h[9] > 1)
        return trc_fail_at(r, 9, "unknown arch %u (expected 0 for i386 or 1 for x86_64)", h[9]);
    for (int i = 10; i < TRC_VKT_HEADER; i++)
        if (h[i] != 0)
            return trc_fail_at(r, (uint64_t)i, "reserved header byte is 0x%02x (expected 0)",
                               h[i]);
    r->arch = h[9] ? MMU_ARCH_X86_64 : MMU_ARCH_I386;
    r->lim_access = trc_access_limit(r->arch);
    r->lim_region = trc_region_limit(r->arch);
    r->beg += TRC_VKT_HEADER;
    return 0;
}

/* ======================================================================== writer ==== */

#define W_BUF (256u * 1024u)

struct trc_writer {
    int fd;
    char *path;
    enum mmu_arch arch;
    uint64_t lim_access, lim_region;
    uint64_t prev[4], size[4];
    uint64_t prev2[2]; /* R and W: the other address slot (as the reader's vkt_prev2) */
    bool pend_i1;       /* an `I 1` not yet written: it may fuse with the next fetch */
    uint64_t nrec, flushed;
    uint32_t crc;       /* CRC-32 of the bytes flushed */
    bool failed;
    char err[512];
    size_t why;         /* err + why: a record check's message without "PATH: record N: " */
    size_t len;
    uint8_t buf[W_BUF];
};

__attribute__((format(printf, 2, 3))) static int wfail(struct trc_writer *w, const char *fmt,
                                                       ...)
{
    if (w->failed)
        return -1;
    int n = snprintf(w->err, sizeof(w->err), "%s: record %llu: ", w->path,
                     (unsigned long long)w->nrec + 1);
    w->why = n >= 0 && (size_t)n < sizeof(w->err) ? (size_t)n : 0;
    va_list ap;
    va_start(ap, fmt);
    if (n >= 0 && (size_t)n < sizeof(w->err))
        vsnprintf(w->err + n, sizeof(w->err) - (size_t)n, fmt, ap);
    va_end(ap);
    w->failed = true;
    return -1;
}

static int wflush(struct trc_writer *w)
{
    size_t done = 0;
    w->crc = trc_crc32(w->crc, w->buf, w->len);
    while (done < w->len) {
        ssize_t n = write(w->fd, w->buf + done, w->len - done);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (!w->failed)
                snprintf(w->err, sizeof(w->err), "%s: write error: %s", w->path,
                         strerror(errno));
            w->failed = true;
            w->len = 0;
            return -1;
        }
        done += (size_t)n;
    }
    w->flushed += w->len;
    w->len = 0;
    return 0;
}

/* Room for n more bytes in the buffer. */
static inline int wroom(struct trc_writer *w, size_t n)
{
    return w->len + n <= W_BUF ? 0 : wflush(w);
}

static inline void put_varint(struct trc_writer *w, uint64_t v)
{
    while (v >= 0x80) {
        w->buf[w->len++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    w->buf[w->len++] = (uint8_t)v;
}

static inline void flush_i1(struct trc_writer *w)
{
    if (w->pend_i1) {
        w->buf[w->len++] = 0xe0;
        w->pend_i1 = false;
    }
}

int trc_writer_open(struct trc_writer **out, const char *path, enum mmu_arch arch, char *err,
                    size_t errlen)
{
    struct trc_writer *w = calloc(1, sizeof(*w));
    if (!w || !(w->path = strdup(path))) {
        free(w);
        snprintf(err, errlen, "%s: out of memory", path);
        return -1;
    }
    w->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (w->fd < 0) {
        snprintf(err, errlen, "%s: cannot create: %s", path, strerror(errno));
        free(w->path);
        free(w);
        return -1;
    }
    w->arch = arch;
    w->lim_access = trc_access_limit(arch);
    w->lim_region = trc_region_limit(arch);
    memcpy(w->buf, TRC_VKT_MAGIC, TRC_VKT_MAGIC_LEN);
    memset(w->buf + TRC_VKT_MAGIC_LEN, 0, TRC_VKT_HEADER - TRC_VKT_MAGIC_LEN);
    w->buf[8] = TRC_VKT_VERSION;
    w->buf[9] = arch == MMU_ARCH_X86_64 ? 1 : 0;
    w->len = TRC_VKT_HEADER;
    w->crc = 0u;
    *out = w;
    return 0;
}

int trc_writer_access(struct trc_writer *w, enum trc_type type, uint64_t addr, uint64_t size)
{
    if (w->failed)
        return -1;
    if (size == 0)
        return wfail(w, "access SIZE is 0 (expected at least 1)");
    uint64_t max = type == TRC_KREAD || type == TRC_KWRITE ? TRC_MAX_KACCESS : TRC_MAX_ACCESS;
    if (size > max)
        return wfail(w, "%saccess SIZE %llu exceeds the largest %saccess, %llu bytes (expected 1 "
                        "to %llu)", max == TRC_MAX_KACCESS ? "kernel " : "",
                     (unsigned long long)size, max == TRC_MAX_KACCESS ? "kernel " : "",
                     (unsigned long long)max, (unsigned long long)max);
    if (addr >= w->lim_access || size > w->lim_access - addr)
        return wfail(w, "access 0x%llx+%llu does not fit arch %s", (unsigned long long)addr,
                     (unsigned long long)size, trc_arch_str(w->arch));
    if (wroom(w, 32) < 0)
        return -1;
    unsigned cls;
    switch (type) {
    case TRC_READ: cls = CLS_R; break;
    case TRC_WRITE: cls = CLS_W; break;
    case TRC_FETCH: cls = CLS_X; break;
    case TRC_KREAD:
    case TRC_KWRITE: cls = CLS_K; break;
    default: return wfail(w, "record type %d is not an access", (int)type);
    }
    uint64_t d = addr - w->prev[cls];
    int64_t sd = (int64_t)d;
    w->nrec++;
    if (cls == CLS_X) {
        if (w->pend_i1) {
            if (size == 1 && d <= 15) {
                w->buf[w->len++] = (uint8_t)(0xc0 + d);
                goto fused;
            }
            if (d == 0 && size <= 16) {
                w->buf[w->len++] = (uint8_t)(0xd0 + size - 1);
                goto fused;
            }
            flush_i1(w);
        }
        if (size <= 16 && d <= 3)
            w->buf[w->len++] = (uint8_t)(0x80 + (size - 1) * 4 + d);
        else if (size == w->size[CLS_X] && addr + size == w->prev[CLS_X])
            w->buf[w->len++] = 0xfe; /* the same block again: a loop */
        else {
            w->buf[w->len++] = 0xf2;
            put_varint(w, size);
            put_varint(w, zigzag(d));
        }
    fused:
        w->pend_i1 = false;
    } else {
        flush_i1(w);
        int sc = size == 1 ? 0 : size == 2 ? 1 : size == 4 ? 2 : size == 8 ? 3 : -1;
        if (cls == CLS_K) {
            w->buf[w->len++] = type == TRC_KREAD ? 0xf3 : 0xf4;
            put_varint(w, size);
            put_varint(w, zigzag(d));
        } else if (sc >= 0 && sd >= -8 && sd <= 7) {
            w->buf[w->len++] = (uint8_t)(cls * 64 + (unsigned)sc * 16 + (unsigned)(sd + 8));
        } else if (cls == CLS_W && size == w->size[CLS_R] && addr + size == w->prev[CLS_R]) {
            w->buf[w->len++] = 0xfb;
        } else if (sc >= 0 && (int64_t)(addr - w->prev2[cls]) >= -8 &&
                   (int64_t)(addr - w->prev2[cls]) <= 7) {
            /* near the other stream of this class: swap the slots, then the short form */
            int64_t sd2 = (int64_t)(addr - w->prev2[cls]);
            uint64_t t = w->prev[cls];
            w->prev[cls] = w->prev2[cls];
            w->prev2[cls] = t;
            w->buf[w->len++] = (uint8_t)(0xfc + cls);
            w->buf[w->len++] = (uint8_t)(cls * 64 + (unsigned)sc * 16 + (unsigned)(sd2 + 8));
        } else {
            /* a long form keeps the previous end in the other slot */
            w->prev2[cls] = w->prev[cls];
            if (sc >= 0) {
                w->buf[w->len++] = (uint8_t)(0xe8 + cls * 4 + (unsigned)sc);
                put_varint(w, zigzag(d));
            } else {
                w->buf[w->len++] = (uint8_t)(0xf0 + cls);
                put_varint(w, size);
                put_varint(w, zigzag(d));
            }
        }
    }
    w->prev[cls] = addr + size;
    w->size[cls] = size;
    return 0;
}

int trc_writer_insns(struct trc_writer *w, uint64_t n)
{
    if (w->failed)
        return -1;
    if (wroom(w, 16) < 0)
        return -1;
    flush_i1(w);
    w->nrec++;
    if (n == 1)
        w->pend_i1 = true;
    else if (n >= 2 && n <= 8)
        w->buf[w->len++] = (uint8_t)(0xe0 + n - 1);
    else {
        w->buf[w->len++] = 0xf5;
        put_varint(w, n);
    }
    return 0;
}

static int check_range(struct trc_writer *w, uint64_t start, uint64_t end)
{
    if ((start | end) & (MMU_PAGE_SIZE - 1))
        return wfail(w, "range 0x%llx-0x%llx is not page-aligned", (unsigned long long)start,
                     (unsigned long long)end);
    if (end <= start || end > w->lim_region)
        return wfail(w, "range 0x%llx-0x%llx is empty or does not fit arch %s",
                     (unsigned long long)start, (unsigned long long)end, trc_arch_str(w->arch));
    return 0;
}

static void put_range(struct trc_writer *w, uint64_t start, uint64_t end)
{
    put_varint(w, start >> MMU_PAGE_SHIFT);
    put_varint(w, (end - start) >> MMU_PAGE_SHIFT);
}

int trc_writer_map(struct trc_writer *w, uint64_t start, uint64_t end, unsigned prot,
                   enum trc_kind kind, uint32_t file_id, uint64_t file_pgoff, const char *name)
{
    if (w->failed)
        return -1;
    if (check_range(w, start, end) < 0)
        return -1;
    size_t nl = name ? strlen(name) : 0;
    if (nl > TRC_VKT_MAX_NAME)
        return wfail(w, "map NAME of %zu bytes is longer than a .vkt file carries (expected "
                        "at most %u bytes)", nl, TRC_VKT_MAX_NAME);
    if (prot & ~7u)
        return wfail(w, "bad PROT bits 0x%x", prot);
    if (kind == TRC_FILE ? file_id == 0 : (file_id != 0 || file_pgoff != 0))
        return wfail(w, "map: file id %u / offset %llu do not suit kind %s", file_id,
                     (unsigned long long)file_pgoff, kind == TRC_FILE ? "file" : "anon");
    if (wroom(w, VKT_FAST + nl) < 0)
        return -1;
    flush_i1(w);
    w->nrec++;
    w->buf[w->len++] = 0xf7;
    put_range(w, start, end);
    w->buf[w->len++] = (uint8_t)(prot | (kind == TRC_FILE ? 8u : 0u) | (nl ? 16u : 0u));
    put_varint(w, file_id);
    put_varint(w, file_pgoff);
    if (nl) {
        put_varint(w, nl);
        memcpy(w->buf + w->len, name, nl);
        w->len += nl;
    }
    return 0;
}

int trc_writer_put(struct trc_writer *w, const struct trc_record *rec)
{
    if (w->failed)
        return -1;
    switch (rec->type) {
    case TRC_READ:
    case TRC_WRITE:
    case TRC_FETCH:
    case TRC_KREAD:
    case TRC_KWRITE:
        return trc_writer_access(w, rec->type, rec->addr, rec->size);
    case TRC_INSNS:
        return trc_writer_insns(w, rec->count);
    case TRC_MAP:
        return trc_writer_map(w, rec->addr, rec->end, rec->prot, rec->kind, rec->file_id,
                              rec->file_pgoff, rec->name);
    default:
        break;
    }
    if (wroom(w, 32) < 0)
        return -1;
    switch (rec->type) {
    case TRC_UNMAP:
    case TRC_PROTECT:
        if (check_range(w, rec->addr, rec->end) < 0)
            return -1;
        if (rec->type == TRC_PROTECT && (rec->prot & ~7u))
            return wfail(w, "bad PROT bits 0x%x", rec->prot);
        flush_i1(w);
        w->buf[w->len++] = rec->type == TRC_UNMAP ? 0xf8 : 0xf9;
        put_range(w, rec->addr, rec->end);
        if (rec->type == TRC_PROTECT)
            w->buf[w->len++] = (uint8_t)rec->prot;
        break;
    case TRC_SYSCALL:
        if (rec->count > UINT32_MAX)
            return wfail(w, "system call number %llu too large", (unsigned long long)rec->count);
        flush_i1(w);
        w->buf[w->len++] = 0xf6;
        put_varint(w, rec->count);
        break;
    case TRC_ARCH:
        if (w->nrec != 0 || rec->arch != w->arch)
            return wfail(w, "an arch record must come first and name the file's arch %s",
                         trc_arch_str(w->arch));
        w->buf[w->len++] = 0xfa;
        w->buf[w->len++] = w->arch == MMU_ARCH_X86_64 ? 1 : 0;
        break;
    default:
        return wfail(w, "unknown record type %d", (int)rec->type);
    }
    w->nrec++;
    return 0;
}

uint64_t trc_writer_records(const struct trc_writer *w) { return w->nrec; }
const char *trc_writer_error(const struct trc_writer *w)
{
    return w->failed && w->why ? w->err + w->why : "";
}
uint64_t trc_writer_bytes(const struct trc_writer *w) { return w->flushed + w->len; }

int trc_writer_close(struct trc_writer *w, bool abandon, char *err, size_t errlen)
{
    int rc = 0;
    if (!abandon && !w->failed && wroom(w, 16) == 0) {
        flush_i1(w);
        uint32_t crc = trc_crc32(w->crc, w->buf, w->len);
        w->buf[w->len++] = 0xff;
        for (int i = 0; i < 8; i++)
            w->buf[w->len++] = (uint8_t)(w->nrec >> (8 * i));
        for (int i = 0; i < 4; i++)
            w->buf[w->len++] = (uint8_t)(crc >> (8 * i));
        wflush(w);
    }
    if (close(w->fd) < 0 && !w->failed && !abandon) {
        snprintf(w->err, sizeof(w->err), "%s: write error: %s", w->path, strerror(errno));
        w->failed = true;
    }
    if (w->failed && !abandon) {
        snprintf(err, errlen, "%s", w->err);
        rc = -1;
    }
    if (abandon || rc < 0)
        unlink(w->path);
    free(w->path);
    free(w);
    return rc;
}
