/* traces/vkt_writer.c - the writer of the binary trace format .vkt (docs/vkt-format.md,
 * vkt_encoding.h): each record in its shortest encoding, buffered, with the CRC-32 of the end
 * record. */
#include "trc_internal.h"
#include "vkt_encoding.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define W_BUF (256u * 1024u)

struct trc_writer {
    int fd;
    char *path;
    enum mmu_arch arch;
    uint64_t lim_access, lim_region;
    uint64_t prev[4], size[4];
    uint64_t prev2[2]; /* R and W: the other address slot (as the reader's) */
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

/* A fetch of size bytes at delta d from the previous fetch's end: fused with a pending `I 1`
 * when short enough, else a short form, the previous block again, or the long form. */
static void put_fetch(struct trc_writer *w, uint64_t addr, uint64_t size, uint64_t d)
{
    if (w->pend_i1) {
        w->pend_i1 = false;
        if (size == 1 && d <= 15) {
            w->buf[w->len++] = (uint8_t)(0xc0 + d);
            return;
        }
        if (d == 0 && size <= 16) {
            w->buf[w->len++] = (uint8_t)(0xd0 + size - 1);
            return;
        }
        w->buf[w->len++] = 0xe0; /* the `I 1` on its own */
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
}

/* A read or write (class cls): the short form near the previous end, the write of the
 * previous read's bytes, a slot swap then the short form near the other stream, or a long
 * form (which keeps the previous end in the other slot). */
static void put_data_access(struct trc_writer *w, unsigned cls, uint64_t addr, uint64_t size)
{
    uint64_t d = addr - w->prev[cls];
    int64_t sd = (int64_t)d, sd2 = (int64_t)(addr - w->prev2[cls]);
    int sc = size == 1 ? 0 : size == 2 ? 1 : size == 4 ? 2 : size == 8 ? 3 : -1;
    if (sc >= 0 && sd >= -8 && sd <= 7) {
        w->buf[w->len++] = (uint8_t)(cls * 64 + (unsigned)sc * 16 + (unsigned)(sd + 8));
    } else if (cls == CLS_W && size == w->size[CLS_R] && addr + size == w->prev[CLS_R]) {
        w->buf[w->len++] = 0xfb;
    } else if (sc >= 0 && sd2 >= -8 && sd2 <= 7) {
        uint64_t t = w->prev[cls];
        w->prev[cls] = w->prev2[cls];
        w->prev2[cls] = t;
        w->buf[w->len++] = (uint8_t)(0xfc + cls);
        w->buf[w->len++] = (uint8_t)(cls * 64 + (unsigned)sc * 16 + (unsigned)(sd2 + 8));
    } else {
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

/* The access class of an access record type; -1 for another type. */
static int access_class(enum trc_type type)
{
    switch (type) {
    case TRC_READ: return CLS_R;
    case TRC_WRITE: return CLS_W;
    case TRC_FETCH: return CLS_X;
    case TRC_KREAD:
    case TRC_KWRITE: return CLS_K;
    default: return -1;
    }
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
    int cls = access_class(type);
    if (cls < 0)
        return wfail(w, "record type %d is not an access", (int)type);
    w->nrec++;
    if (cls == CLS_X) {
        put_fetch(w, addr, size, addr - w->prev[CLS_X]);
    } else if (cls == CLS_K) {
        flush_i1(w);
        w->buf[w->len++] = type == TRC_KREAD ? 0xf3 : 0xf4;
        put_varint(w, size);
        put_varint(w, zigzag(addr - w->prev[CLS_K]));
    } else {
        flush_i1(w);
        put_data_access(w, (unsigned)cls, addr, size);
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

/* A process record: 0xfa, a kind byte (2 pid, 3 fork, 4 vfork, 5 exec, 6 exit) and, for the
 * first three, the pid as a varint.  The caller has made room. */
static int put_process(struct trc_writer *w, const struct trc_record *rec)
{
    unsigned kind = rec->type == TRC_PID     ? 2
                    : rec->type == TRC_FORK  ? 3
                    : rec->type == TRC_VFORK ? 4
                    : rec->type == TRC_EXEC  ? 5
                                             : 6;
    if (kind <= 4 && (rec->count == 0 || rec->count > UINT32_MAX))
        return wfail(w, "process id %llu out of range (expected 1 to %u)",
                     (unsigned long long)rec->count, UINT32_MAX);
    flush_i1(w);
    w->buf[w->len++] = 0xfa;
    w->buf[w->len++] = (uint8_t)kind;
    if (kind <= 4)
        put_varint(w, rec->count);
    return 0;
}

/* move: 0xfa 07, the source range, the destination's start page; checked as the reader
 * does.  The caller has made room. */
static int put_move(struct trc_writer *w, const struct trc_record *rec)
{
    if (check_range(w, rec->addr, rec->end) < 0)
        return -1;
    uint64_t len = rec->end - rec->addr, lim = trc_region_limit(w->arch);
    if ((rec->dest & (MMU_PAGE_SIZE - 1)) || rec->dest >= lim || len > lim - rec->dest)
        return wfail(w, "move: destination 0x%llx of 0x%llx bytes is not page-aligned or does "
                        "not fit arch %s", (unsigned long long)rec->dest,
                     (unsigned long long)len, trc_arch_str(w->arch));
    if (rec->addr < rec->dest + len && rec->dest < rec->end)
        return wfail(w, "move: source and destination overlap");
    flush_i1(w);
    w->buf[w->len++] = 0xfa;
    w->buf[w->len++] = 7;
    put_range(w, rec->addr, rec->end);
    put_varint(w, rec->dest >> MMU_PAGE_SHIFT);
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
    case TRC_PID:
    case TRC_FORK:
    case TRC_VFORK:
    case TRC_EXEC:
    case TRC_EXIT:
        if (put_process(w, rec) < 0)
            return -1;
        break;
    case TRC_MOVE:
        if (put_move(w, rec) < 0)
            return -1;
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
