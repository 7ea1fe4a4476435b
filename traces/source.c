/* traces/source.c - the reader object and its byte source: a file descriptor, memory, or an xz
 * (liblzma) or gzip (zlib) stream decompressed block by block; format detection; error
 * helpers; trc_next's dispatch to the format. */
#include "trc_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <lzma.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#define TRC_ZBLOCK (64u * 1024u) /* compressed bytes read at a time */

enum trc_comp { TRC_COMP_XZ, TRC_COMP_GZ };

struct trc_zsrc {
    enum trc_comp comp;
    unsigned char in[TRC_ZBLOCK];
    size_t in_len, in_pos;
    bool in_eof;
    uint64_t in_total;  /* compressed bytes read from the file */
    bool done;          /* the last stream ended */
    lzma_stream xz;
    z_stream gz;
};

static const char *const format_names[] = {"auto",     "text",       "vkt",    "lackey",
                                           "champsim", "cloudsuite", "regions"};

const char *trc_format_name(enum trc_format f)
{
    return (unsigned)f < sizeof(format_names) / sizeof(format_names[0]) ? format_names[f] : "?";
}

int trc_format_parse(const char *s, enum trc_format *f)
{
    for (unsigned i = 0; i < sizeof(format_names) / sizeof(format_names[0]); i++)
        if (!strcmp(s, format_names[i])) {
            *f = (enum trc_format)i;
            return 0;
        }
    return -1;
}

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

/* Control characters of the input quoted in a message become '?' (no terminal escapes). */
static void sanitize(char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f)
            *s = '?';
}

int trc_fail(struct trc_reader *r, const char *fmt, ...)
{
    int n = snprintf(r->err, sizeof(r->err), "%s:%lu: ", r->name, r->line);
    va_list ap;
    va_start(ap, fmt);
    if (n >= 0 && (size_t)n < sizeof(r->err))
        vsnprintf(r->err + n, sizeof(r->err) - (size_t)n, fmt, ap);
    va_end(ap);
    sanitize(r->err);
    r->failed = true;
    return -1;
}

int trc_fail_at(struct trc_reader *r, uint64_t offset, const char *fmt, ...)
{
    int n = snprintf(r->err, sizeof(r->err), "%s: byte %llu: ", r->name,
                     (unsigned long long)offset);
    va_list ap;
    va_start(ap, fmt);
    if (n >= 0 && (size_t)n < sizeof(r->err))
        vsnprintf(r->err + n, sizeof(r->err) - (size_t)n, fmt, ap);
    va_end(ap);
    sanitize(r->err);
    r->failed = true;
    return -1;
}

/* ---- decompression ---- */

static int z_read_in(struct trc_reader *r)
{
    struct trc_zsrc *z = r->z;
    for (;;) {
        ssize_t n = read(r->fd, z->in, sizeof(z->in));
        if (n >= 0) {
            z->in_len = (size_t)n;
            z->in_pos = 0;
            z->in_total += (uint64_t)n;
            if (n == 0)
                z->in_eof = true;
            return 0;
        }
        if (errno != EINTR) {
            snprintf(r->err, sizeof(r->err), "%s: read error: %s", r->name, strerror(errno));
            r->failed = true;
            return -1;
        }
    }
}

/* Decompresses into buf[end, cap).  The offsets in messages: the decompressed byte reached
 * and the compressed byte of the file. */
static int z_fill(struct trc_reader *r)
{
    struct trc_zsrc *z = r->z;
    const char *what = z->comp == TRC_COMP_XZ ? "xz" : "gzip";
    size_t room = r->cap - r->end;
    while (room > 0) {
        if (z->done) {
            r->eof = true;
            return 0;
        }
        if (z->in_pos == z->in_len && !z->in_eof && z_read_in(r) < 0)
            return -1;
        uint64_t out_off = r->base + r->end;
        size_t produced;
        if (z->comp == TRC_COMP_XZ) {
            z->xz.next_in = z->in + z->in_pos;
            z->xz.avail_in = z->in_len - z->in_pos;
            z->xz.next_out = (uint8_t *)r->buf + r->end;
            z->xz.avail_out = room;
            lzma_ret rc = lzma_code(&z->xz, z->in_eof ? LZMA_FINISH : LZMA_RUN);
            produced = room - z->xz.avail_out;
            z->in_pos = z->in_len - z->xz.avail_in;
            uint64_t in_off = z->in_total - (z->in_len - z->in_pos); /* consumed so far */
            if (rc == LZMA_STREAM_END) {
                z->done = true;
            } else if (rc == LZMA_BUF_ERROR && z->in_eof) {
                return trc_fail_at(r, out_off + produced,
                                   "%s stream ends early at compressed byte %llu (truncated "
                                   "file?; expected more compressed data)",
                                   what, (unsigned long long)z->in_total);
            } else if (rc == LZMA_MEMLIMIT_ERROR) {
                return trc_fail_at(r, out_off + produced,
                                   "%s stream needs %llu MiB of memory to decompress, more than "
                                   "the %llu MiB vkmmu allows (expected a stream made with xz "
                                   "-9 or less; recompress it)", what,
                                   (unsigned long long)(lzma_memusage(&z->xz) >> 20),
                                   (unsigned long long)(TRC_XZ_MEMLIMIT >> 20));
            } else if (rc != LZMA_OK) {
                const char *why = rc == LZMA_FORMAT_ERROR    ? "not in .xz format"
                                  : rc == LZMA_DATA_ERROR    ? "corrupt data"
                                  : rc == LZMA_OPTIONS_ERROR ? "unsupported options"
                                  : rc == LZMA_MEM_ERROR     ? "out of memory"
                                                             : "liblzma error";
                return trc_fail_at(r, out_off + produced,
                                   "%s data is corrupt near compressed byte %llu (%s, liblzma "
                                   "code %d; expected a valid .xz stream)",
                                   what, (unsigned long long)in_off, why, (int)rc);
            }
        } else {
            z->gz.next_in = z->in + z->in_pos;
            z->gz.avail_in = (uInt)(z->in_len - z->in_pos);
            z->gz.next_out = (Bytef *)r->buf + r->end;
            z->gz.avail_out = (uInt)room;
            int rc = inflate(&z->gz, Z_NO_FLUSH);
            produced = room - z->gz.avail_out;
            z->in_pos = z->in_len - z->gz.avail_in;
            uint64_t in_off = z->in_total - (z->in_len - z->in_pos); /* consumed so far */
            if (rc == Z_STREAM_END) {
                /* Concatenated gzip members (as `cat a.gz b.gz`) continue the stream. */
                if (z->in_pos == z->in_len && !z->in_eof && z_read_in(r) < 0)
                    return -1;
                if (z->in_pos == z->in_len)
                    z->done = true;
                else
                    inflateReset(&z->gz);
            } else if ((rc == Z_BUF_ERROR || rc == Z_OK) && produced == 0 && z->in_eof &&
                       z->in_pos == z->in_len) {
                return trc_fail_at(r, out_off, "%s stream ends early at compressed byte %llu "
                                               "(truncated file?; expected more compressed "
                                               "data)", what, (unsigned long long)z->in_total);
            } else if (rc != Z_OK && rc != Z_BUF_ERROR) {
                return trc_fail_at(r, out_off + produced,
                                   "%s data is corrupt near compressed byte %llu (%s; expected "
                                   "a valid gzip stream)", what, (unsigned long long)in_off,
                                   z->gz.msg ? z->gz.msg : "zlib error");
            }
        }
        r->end += produced;
        room -= produced;
        if (produced > 0)
            return 0; /* enough for the caller; it asks again when it needs more */
    }
    return 0;
}

static void z_free(struct trc_zsrc *z)
{
    if (!z)
        return;
    if (z->comp == TRC_COMP_XZ)
        lzma_end(&z->xz);
    else
        inflateEnd(&z->gz);
    free(z);
}

static struct trc_zsrc *z_new(enum trc_comp comp)
{
    struct trc_zsrc *z = calloc(1, sizeof(*z));
    if (!z)
        return NULL;
    z->comp = comp;
    if (comp == TRC_COMP_XZ) {
        lzma_stream init = LZMA_STREAM_INIT;
        z->xz = init;
        if (lzma_stream_decoder(&z->xz, TRC_XZ_MEMLIMIT, LZMA_CONCATENATED) != LZMA_OK) {
            free(z);
            return NULL;
        }
    } else if (inflateInit2(&z->gz, 15 + 16) != Z_OK) { /* 15 + 16: gzip wrapper only */
        free(z);
        return NULL;
    }
    return z;
}

/* ---- buffer ---- */

int trc_fill(struct trc_reader *r)
{
    size_t room = r->cap - r->end;
    if (r->z)
        return z_fill(r);
    if (r->fd < 0) {
        size_t n = r->mem_len - r->mem_pos;
        if (n > room)
            n = room;
        memcpy(r->buf + r->end, r->mem + r->mem_pos, n);
        r->mem_pos += n;
        r->end += n;
        if (r->mem_pos == r->mem_len)
            r->eof = true;
        return 0;
    }
    for (;;) {
        ssize_t n = read(r->fd, r->buf + r->end, room);
        if (n > 0) {
            r->end += (size_t)n;
            return 0;
        }
        if (n == 0) {
            r->eof = true;
            return 0;
        }
        if (errno != EINTR) {
            snprintf(r->err, sizeof(r->err), "%s: read error: %s", r->name, strerror(errno));
            r->failed = true;
            return -1;
        }
    }
}

static void slide(struct trc_reader *r)
{
    if (r->crc_on) {
        r->crc = trc_crc32(r->crc, r->buf + r->crc_done,
                                 (size_t)(r->beg - r->crc_done));
        r->crc_done = 0;
    }
    if (r->beg > 0) {
        memmove(r->buf, r->buf + r->beg, r->end - r->beg);
        r->end -= r->beg;
        r->base += r->beg;
        r->beg = 0;
    }
}

int trc_ensure(struct trc_reader *r, size_t n)
{
    if (r->end - r->beg >= n)
        return 0;
    slide(r);
    while (r->end < n && !r->eof)
        if (trc_fill(r) < 0)
            return -1;
    return 0;
}

int trc_next_line(struct trc_reader *r, char **ls, char **le)
{
    size_t scanned = r->beg;
    for (;;) {
        char *nl = memchr(r->buf + scanned, '\n', r->end - scanned);
        if (nl) {
            *ls = r->buf + r->beg;
            *le = nl;
            r->beg = (size_t)(nl - r->buf) + 1;
            r->line++;
            return 1;
        }
        if (r->eof) {
            if (r->beg == r->end)
                return 0;
            *ls = r->buf + r->beg; /* a last line without a newline */
            *le = r->buf + r->end;
            r->beg = r->end;
            r->line++;
            return 1;
        }
        /* Need more bytes: slide the partial line to the front, grow if it fills the buffer. */
        scanned = r->end - r->beg;
        slide(r);
        if (r->end == r->cap) {
            if (r->cap >= TRC_MAX_LINE) {
                r->line++;
                return trc_fail(r, "line longer than %u bytes", TRC_MAX_LINE);
            }
            char *nb = realloc(r->buf, r->cap * 2 + 1);
            if (!nb) {
                r->line++;
                return trc_fail(r, "out of memory");
            }
            r->buf = nb;
            r->cap *= 2;
        }
        if (trc_fill(r) < 0)
            return -1;
    }
}

/* ---- open, detect, close ---- */

static int reader_new(struct trc_reader **out, const char *name, char *err, size_t errlen)
{
    struct trc_reader *r = calloc(1, sizeof(*r));
    if (r) {
        r->name = strdup(name);
        r->buf = malloc(TRC_BLOCK + 1); /* + 1: see trc_internal.h */
        r->cap = TRC_BLOCK;
    }
    if (!r || !r->name || !r->buf) {
        if (r) {
            free(r->name);
            free(r->buf);
            free(r);
        }
        snprintf(err, errlen, "%s: out of memory", name);
        return -1;
    }
    r->fd = -1;
    r->arch = MMU_ARCH_I386;
    *out = r;
    return 0;
}

static bool ends_with(const char *s, size_t n, const char *suf)
{
    size_t k = strlen(suf);
    return n >= k && memcmp(s + n - k, suf, k) == 0;
}

/* TRC_FMT_AUTO: the format of the input's first n bytes b (all of it when n < 64) and name.
 * .vkt when the name says so (FILE.vkt, FILE.vkt.xz, FILE.vkt.gz) or the bytes start like its
 * magic number (all of them when fewer than 4, else the first 4): a damaged or truncated .vkt
 * is then reported as one, never read as an empty or odd text trace. */
static enum trc_format detect(const char *b, size_t n, const char *path)
{
    size_t pl = strlen(path);
    if (ends_with(path, pl, ".xz") || ends_with(path, pl, ".gz"))
        pl -= 3;
    size_t k = 0;
    while (k < n && k < 4 && b[k] == TRC_VKT_MAGIC[k])
        k++;
    if (ends_with(path, pl, ".vkt") || (n > 0 && k == (n < 4 ? n : 4)))
        return TRC_FMT_VKT;
    if (ends_with(path, pl, ".champsim"))
        return TRC_FMT_CHAMPSIM;
    /* Valgrind's log starts with `==PID== ` lines. */
    size_t i = 0;
    if (n > 2 && b[0] == '=' && b[1] == '=')
        for (i = 2; i < n && b[i] >= '0' && b[i] <= '9'; i++)
            ;
    return i > 2 && i + 1 < n && b[i] == '=' && b[i + 1] == '=' ? TRC_FMT_LACKEY : TRC_FMT_TEXT;
}

/* Detects the format, then sets it up.  0, or -1 with err filled; frees nothing. */
static int start(struct trc_reader *r, enum trc_format f, const char *path, char *err,
                 size_t errlen)
{
    if (f == TRC_FMT_AUTO) {
        if (trc_ensure(r, 64) < 0) {
            snprintf(err, errlen, "%s", r->err);
            return -1;
        }
        f = detect(r->buf + r->beg, r->end - r->beg, path);
    }
    r->fmt = f;
    int rc;
    switch (f) {
    case TRC_FMT_VKT:
        rc = trc_vkt_init(r);
        break;
    case TRC_FMT_LACKEY:
        rc = trc_lackey_init(r);
        break;
    case TRC_FMT_CHAMPSIM:
    case TRC_FMT_CLOUDSUITE:
        rc = trc_champsim_init(r);
        break;
    default:
        rc = trc_text_init(r);
        break;
    }
    if (rc < 0)
        snprintf(err, errlen, "%s", r->err);
    return rc;
}

int trc_open_as(struct trc_reader **out, const char *path, enum trc_format f, char *err,
                size_t errlen)
{
    bool is_stdin = strcmp(path, "-") == 0;
    int fd = is_stdin ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        return -1;
    }
    struct stat st;
    if (!is_stdin && fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
        snprintf(err, errlen, "%s: is a directory (expected a trace file)", path);
        close(fd);
        return -1;
    }
    struct trc_reader *r;
    if (reader_new(&r, is_stdin ? "<stdin>" : path, err, errlen) < 0) {
        if (!is_stdin)
            close(fd);
        return -1;
    }
    r->fd = fd;
    r->own_fd = !is_stdin;
    size_t pl = strlen(path);
    if (!is_stdin && (ends_with(path, pl, ".xz") || ends_with(path, pl, ".gz"))) {
        r->z = z_new(ends_with(path, pl, ".xz") ? TRC_COMP_XZ : TRC_COMP_GZ);
        if (!r->z) {
            snprintf(err, errlen, "%s: cannot start the decompressor (out of memory)", path);
            trc_close(r);
            return -1;
        }
    }
    if (start(r, f, path, err, errlen) < 0) {
        trc_close(r);
        return -1;
    }
    *out = r;
    return 0;
}

int trc_open(struct trc_reader **r, const char *path, char *err, size_t errlen)
{
    return trc_open_as(r, path, TRC_FMT_AUTO, err, errlen);
}

int trc_open_mem_as(struct trc_reader **out, const char *name, const char *data, size_t len,
                    enum trc_format f, char *err, size_t errlen)
{
    struct trc_reader *r;
    if (reader_new(&r, name, err, errlen) < 0)
        return -1;
    r->mem = data;
    r->mem_len = len;
    if (start(r, f, name, err, errlen) < 0) {
        trc_close(r);
        return -1;
    }
    *out = r;
    return 0;
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
    if (r->own_fd)
        close(r->fd);
    z_free(r->z);
    for (size_t i = 0; i < r->names_cap; i++)
        free(r->names[i].s);
    free(r->names);
    free(r->buf);
    free(r->name);
    free(r);
}

int trc_next(struct trc_reader *r, struct trc_record *rec)
{
    return r->next(r, rec);
}

size_t trc_next_batch(struct trc_reader *r, struct trc_record *recs, size_t n, int *rc)
{
    if (r->batch)
        return r->batch(r, recs, n, rc);
    size_t i = 0;
    while (i < n) {
        int k = r->next(r, &recs[i]);
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
const char *trc_error(const struct trc_reader *r) { return r->err; }
enum mmu_arch trc_arch(const struct trc_reader *r) { return r->arch; }
const char *trc_name(const struct trc_reader *r) { return r->name; }
unsigned long trc_line(const struct trc_reader *r) { return r->line; }
uint64_t trc_records(const struct trc_reader *r) { return r->nrec; }
enum trc_format trc_format(const struct trc_reader *r) { return r->fmt; }
uint64_t trc_bytes(const struct trc_reader *r) { return r->base + r->beg; }

const char *trc_where(const struct trc_reader *r, const struct trc_record *rec, char *buf,
                      size_t len)
{
    if (r->fmt == TRC_FMT_VKT || r->fmt == TRC_FMT_CHAMPSIM || r->fmt == TRC_FMT_CLOUDSUITE)
        snprintf(buf, len, "%s: byte %llu", r->name, (unsigned long long)rec->offset);
    else
        snprintf(buf, len, "%s:%lu", r->name, rec->line);
    return buf;
}
