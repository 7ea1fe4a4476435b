/* traces/reader.c - the reader object of trc.h: opens a byte source, picks the format (given,
 * or detected through the table of formats.c), and hands trc_next and trc_next_batch to that
 * format's operations. */
#include "trc_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

uint64_t trc_access_limit(enum mmu_arch a)
{
    return a == MMU_ARCH_X86_64 ? 0x800000000000ull : 0x100000000ull;
}

uint64_t trc_region_limit(enum mmu_arch a)
{
    return a == MMU_ARCH_X86_64 ? 0x800000000000ull : 0xC0000000ull;
}

const char *trc_arch_str(enum mmu_arch a)
{
    return a == MMU_ARCH_X86_64 ? "x86_64" : "i386";
}

/* The format of format id f, or of the source's first bytes and name for TRC_FMT_AUTO.  NULL
 * with err filled when the first bytes cannot be read. */
static const struct trc_format_ops *choose_format(struct trc_source *src, enum trc_format f,
                                                  const char *path, char *err, size_t errlen)
{
    if (f != TRC_FMT_AUTO) {
        const struct trc_format_ops *ops = trc_format_find(f);
        return ops ? ops : trc_format_find(TRC_FMT_TEXT);
    }
    if (trc_source_ensure(src, 64) < 0) {
        snprintf(err, errlen, "%s", src->err);
        return NULL;
    }
    return trc_format_detect(src->buf + src->beg, src->end - src->beg, path);
}

/* The reader over src (which it takes, closing it on failure) in format f: the format chosen,
 * its state allocated and opened.  0, or -1 with err filled. */
static int open_reader(struct trc_reader **out, struct trc_source *src, enum trc_format f,
                       const char *path, char *err, size_t errlen)
{
    const struct trc_format_ops *ops = choose_format(src, f, path, err, errlen);
    if (!ops) {
        trc_source_close(src);
        return -1;
    }
    struct trc_reader *r = calloc(1, sizeof(*r) + ops->state_size);
    if (!r) {
        snprintf(err, errlen, "%s: out of memory", src->name);
        trc_source_close(src);
        return -1;
    }
    r->src = *src;
    r->format = ops;
    trc_set_arch(r, MMU_ARCH_I386);
    if (ops->open && ops->open(r) < 0) {
        snprintf(err, errlen, "%s", r->src.err);
        trc_close(r);
        return -1;
    }
    *out = r;
    return 0;
}

int trc_open_as(struct trc_reader **out, const char *path, enum trc_format f, char *err,
                size_t errlen)
{
    struct trc_source src;
    if (trc_source_open_file(&src, path, err, errlen) < 0)
        return -1;
    return open_reader(out, &src, f, path, err, errlen);
}

int trc_open(struct trc_reader **r, const char *path, char *err, size_t errlen)
{
    return trc_open_as(r, path, TRC_FMT_AUTO, err, errlen);
}

int trc_open_mem_as(struct trc_reader **out, const char *name, const char *data, size_t len,
                    enum trc_format f, char *err, size_t errlen)
{
    struct trc_source src;
    if (trc_source_open_memory(&src, name, data, len, err, errlen) < 0)
        return -1;
    return open_reader(out, &src, f, name, err, errlen);
}

int trc_open_mem(struct trc_reader **r, const char *name, const char *data, size_t len,
                 char *err, size_t errlen)
{
    return trc_open_mem_as(r, name, data, len, TRC_FMT_TEXT, err, errlen);
}

void trc_close(struct trc_reader *r)
{
    if (!r)
        return;
    if (r->format->close)
        r->format->close(r);
    for (size_t i = 0; i < r->file_names.cap; i++)
        free(r->file_names.slot[i].s);
    free(r->file_names.slot);
    trc_source_close(&r->src);
    free(r);
}

int trc_next(struct trc_reader *r, struct trc_record *rec)
{
    return r->format->next(r, rec);
}

size_t trc_next_batch(struct trc_reader *r, struct trc_record *recs, size_t n, int *rc)
{
    if (r->format->batch)
        return r->format->batch(r, recs, n, rc);
    size_t i = 0;
    while (i < n) {
        int k = r->format->next(r, &recs[i]);
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

void trc_set_arch(struct trc_reader *r, enum mmu_arch a)
{
    r->arch = a;
    r->lim_access = trc_access_limit(a);
    r->lim_region = trc_region_limit(a);
}
const char *trc_error(const struct trc_reader *r) { return r->src.err; }
enum mmu_arch trc_arch(const struct trc_reader *r) { return r->arch; }
const char *trc_name(const struct trc_reader *r) { return r->src.name; }
unsigned long trc_line(const struct trc_reader *r) { return r->src.line; }
uint64_t trc_records(const struct trc_reader *r) { return r->nrec; }
enum trc_format trc_format(const struct trc_reader *r) { return r->format->id; }
uint64_t trc_bytes(const struct trc_reader *r) { return trc_source_offset(&r->src); }

const char *trc_where(const struct trc_reader *r, const struct trc_record *rec, char *buf,
                      size_t len)
{
    if (r->format->binary)
        snprintf(buf, len, "%s: byte %llu", r->src.name, (unsigned long long)rec->offset);
    else
        snprintf(buf, len, "%s:%lu", r->src.name, rec->line);
    return buf;
}
