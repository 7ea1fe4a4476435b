/* traces/byte_source.c - the buffered byte source of the trace readers (byte_source.h): a file
 * descriptor, memory, or an xz (liblzma) or gzip (zlib) stream decompressed block by block;
 * lines; the error messages with the name and the line or byte offset. */
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

/* ---- messages ---- */

/* Control characters of the input quoted in a message become '?' (no terminal escapes). */
static void sanitize(char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f)
            *s = '?';
}

/* err = prefix (already written, n bytes) + the formatted message; the failed state. */
static int fail_with_prefix(struct trc_source *s, int n, const char *fmt, va_list ap)
{
    if (n >= 0 && (size_t)n < sizeof(s->err))
        vsnprintf(s->err + n, sizeof(s->err) - (size_t)n, fmt, ap);
    sanitize(s->err);
    s->failed = true;
    return -1;
}

int trc_source_fail(struct trc_source *s, const char *fmt, ...)
{
    int n = snprintf(s->err, sizeof(s->err), "%s:%lu: ", s->name, s->line);
    va_list ap;
    va_start(ap, fmt);
    fail_with_prefix(s, n, fmt, ap);
    va_end(ap);
    return -1;
}

int trc_source_fail_at(struct trc_source *s, uint64_t offset, const char *fmt, ...)
{
    int n = snprintf(s->err, sizeof(s->err), "%s: byte %llu: ", s->name,
                     (unsigned long long)offset);
    va_list ap;
    va_start(ap, fmt);
    fail_with_prefix(s, n, fmt, ap);
    va_end(ap);
    return -1;
}

static int read_error(struct trc_source *s)
{
    snprintf(s->err, sizeof(s->err), "%s: read error: %s", s->name, strerror(errno));
    s->failed = true;
    return -1;
}

/* ---- decompression ---- */

#define TRC_COMPRESSED_BLOCK (64u * 1024u) /* compressed bytes read at a time */

enum trc_compression { TRC_XZ, TRC_GZIP };

struct trc_decompressor {
    enum trc_compression kind;
    unsigned char in[TRC_COMPRESSED_BLOCK];
    size_t in_len, in_pos;
    bool in_eof;
    uint64_t in_total;  /* compressed bytes read from the file */
    bool done;          /* the last stream ended */
    lzma_stream xz;
    z_stream gz;
};

/* The next block of compressed bytes into z->in. */
static int read_compressed(struct trc_source *s)
{
    struct trc_decompressor *z = s->z;
    for (;;) {
        ssize_t n = read(s->fd, z->in, sizeof(z->in));
        if (n >= 0) {
            z->in_len = (size_t)n;
            z->in_pos = 0;
            z->in_total += (uint64_t)n;
            if (n == 0)
                z->in_eof = true;
            return 0;
        }
        if (errno != EINTR)
            return read_error(s);
    }
}

/* The compressed bytes consumed so far (for messages). */
static uint64_t compressed_consumed(const struct trc_decompressor *z)
{
    return z->in_total - (z->in_len - z->in_pos);
}

static int truncated_stream(struct trc_source *s, uint64_t out_off, const char *what)
{
    return trc_source_fail_at(s, out_off, "%s stream ends early at compressed byte %llu "
                                          "(truncated file?; expected more compressed data)",
                              what, (unsigned long long)s->z->in_total);
}

/* One lzma_code call into buf[end, end + room); *produced bytes.  out_off: the decompressed
 * offset of buf[end], for messages.  0, or -1 with the error set. */
static int xz_step(struct trc_source *s, size_t room, uint64_t out_off, size_t *produced)
{
    struct trc_decompressor *z = s->z;
    z->xz.next_in = z->in + z->in_pos;
    z->xz.avail_in = z->in_len - z->in_pos;
    z->xz.next_out = (uint8_t *)s->buf + s->end;
    z->xz.avail_out = room;
    lzma_ret rc = lzma_code(&z->xz, z->in_eof ? LZMA_FINISH : LZMA_RUN);
    *produced = room - z->xz.avail_out;
    z->in_pos = z->in_len - z->xz.avail_in;
    if (rc == LZMA_STREAM_END) {
        z->done = true;
    } else if (rc == LZMA_BUF_ERROR && z->in_eof) {
        return truncated_stream(s, out_off + *produced, "xz");
    } else if (rc == LZMA_MEMLIMIT_ERROR) {
        return trc_source_fail_at(s, out_off + *produced,
                                  "xz stream needs %llu MiB of memory to decompress, more than "
                                  "the %llu MiB vkmmu allows (expected a stream made with xz -9 "
                                  "or less; recompress it)",
                                  (unsigned long long)(lzma_memusage(&z->xz) >> 20),
                                  (unsigned long long)(TRC_XZ_MEMLIMIT >> 20));
    } else if (rc != LZMA_OK) {
        const char *why = rc == LZMA_FORMAT_ERROR    ? "not in .xz format"
                          : rc == LZMA_DATA_ERROR    ? "corrupt data"
                          : rc == LZMA_OPTIONS_ERROR ? "unsupported options"
                          : rc == LZMA_MEM_ERROR     ? "out of memory"
                                                     : "liblzma error";
        return trc_source_fail_at(s, out_off + *produced,
                                  "xz data is corrupt near compressed byte %llu (%s, liblzma "
                                  "code %d; expected a valid .xz stream)",
                                  (unsigned long long)compressed_consumed(z), why, (int)rc);
    }
    return 0;
}

/* One inflate call, as xz_step.  Concatenated gzip members (as `cat a.gz b.gz`) continue the
 * stream. */
static int gzip_step(struct trc_source *s, size_t room, uint64_t out_off, size_t *produced)
{
    struct trc_decompressor *z = s->z;
    z->gz.next_in = z->in + z->in_pos;
    z->gz.avail_in = (uInt)(z->in_len - z->in_pos);
    z->gz.next_out = (Bytef *)s->buf + s->end;
    z->gz.avail_out = (uInt)room;
    int rc = inflate(&z->gz, Z_NO_FLUSH);
    *produced = room - z->gz.avail_out;
    z->in_pos = z->in_len - z->gz.avail_in;
    uint64_t in_off = compressed_consumed(z);
    if (rc == Z_STREAM_END) {
        if (z->in_pos == z->in_len && !z->in_eof && read_compressed(s) < 0)
            return -1;
        if (z->in_pos == z->in_len)
            z->done = true;
        else
            inflateReset(&z->gz);
    } else if ((rc == Z_BUF_ERROR || rc == Z_OK) && *produced == 0 && z->in_eof &&
               z->in_pos == z->in_len) {
        return truncated_stream(s, out_off, "gzip");
    } else if (rc != Z_OK && rc != Z_BUF_ERROR) {
        return trc_source_fail_at(s, out_off + *produced,
                                  "gzip data is corrupt near compressed byte %llu (%s; expected "
                                  "a valid gzip stream)", (unsigned long long)in_off,
                                  z->gz.msg ? z->gz.msg : "zlib error");
    }
    return 0;
}

/* Decompresses into buf[end, cap) until some bytes come or the stream ends.  The offsets in
 * messages: the decompressed byte reached and the compressed byte of the file. */
static int fill_decompressed(struct trc_source *s)
{
    struct trc_decompressor *z = s->z;
    size_t room = s->cap - s->end;
    while (room > 0) {
        if (z->done) {
            s->eof = true;
            return 0;
        }
        if (z->in_pos == z->in_len && !z->in_eof && read_compressed(s) < 0)
            return -1;
        uint64_t out_off = s->base + s->end;
        size_t produced;
        int rc = z->kind == TRC_XZ ? xz_step(s, room, out_off, &produced)
                                   : gzip_step(s, room, out_off, &produced);
        if (rc < 0)
            return -1;
        s->end += produced;
        room -= produced;
        if (produced > 0)
            return 0; /* enough for the caller; it asks again when it needs more */
    }
    return 0;
}

static void decompressor_free(struct trc_decompressor *z)
{
    if (!z)
        return;
    if (z->kind == TRC_XZ)
        lzma_end(&z->xz);
    else
        inflateEnd(&z->gz);
    free(z);
}

static struct trc_decompressor *decompressor_new(enum trc_compression kind)
{
    struct trc_decompressor *z = calloc(1, sizeof(*z));
    if (!z)
        return NULL;
    z->kind = kind;
    if (kind == TRC_XZ) {
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

int trc_source_fill(struct trc_source *s)
{
    size_t room = s->cap - s->end;
    if (s->z)
        return fill_decompressed(s);
    if (s->fd < 0) {
        size_t n = s->mem_len - s->mem_pos;
        if (n > room)
            n = room;
        memcpy(s->buf + s->end, s->mem + s->mem_pos, n);
        s->mem_pos += n;
        s->end += n;
        if (s->mem_pos == s->mem_len)
            s->eof = true;
        return 0;
    }
    for (;;) {
        ssize_t n = read(s->fd, s->buf + s->end, room);
        if (n > 0) {
            s->end += (size_t)n;
            return 0;
        }
        if (n == 0) {
            s->eof = true;
            return 0;
        }
        if (errno != EINTR)
            return read_error(s);
    }
}

/* Moves the unparsed bytes to the front of the buffer (first adding the consumed ones to the
 * CRC when it is on). */
static void slide(struct trc_source *s)
{
    if (s->crc_on) {
        s->crc = trc_crc32(s->crc, s->buf + s->crc_done, (size_t)(s->beg - s->crc_done));
        s->crc_done = 0;
    }
    if (s->beg > 0) {
        memmove(s->buf, s->buf + s->beg, s->end - s->beg);
        s->end -= s->beg;
        s->base += s->beg;
        s->beg = 0;
    }
}

int trc_source_ensure(struct trc_source *s, size_t n)
{
    if (s->end - s->beg >= n)
        return 0;
    slide(s);
    while (s->end < n && !s->eof)
        if (trc_source_fill(s) < 0)
            return -1;
    return 0;
}

/* The buffer is full of one partial line: doubles it, up to TRC_MAX_LINE.  0, or -1 with the
 * error set for the line being read. */
static int grow_for_line(struct trc_source *s)
{
    if (s->cap >= TRC_MAX_LINE) {
        s->line++;
        return trc_source_fail(s, "line longer than %u bytes", TRC_MAX_LINE);
    }
    char *nb = realloc(s->buf, s->cap * 2 + 1);
    if (!nb) {
        s->line++;
        return trc_source_fail(s, "out of memory");
    }
    s->buf = nb;
    s->cap *= 2;
    return 0;
}

int trc_source_next_line(struct trc_source *s, char **ls, char **le)
{
    size_t scanned = s->beg;
    for (;;) {
        char *nl = memchr(s->buf + scanned, '\n', s->end - scanned);
        if (nl) {
            *ls = s->buf + s->beg;
            *le = nl;
            s->beg = (size_t)(nl - s->buf) + 1;
            s->line++;
            return 1;
        }
        if (s->eof) {
            if (s->beg == s->end)
                return 0;
            *ls = s->buf + s->beg; /* a last line without a newline */
            *le = s->buf + s->end;
            s->beg = s->end;
            s->line++;
            return 1;
        }
        /* Need more bytes: slide the partial line to the front, grow if it fills the buffer. */
        scanned = s->end - s->beg;
        slide(s);
        if (s->end == s->cap && grow_for_line(s) < 0)
            return -1;
        if (trc_source_fill(s) < 0)
            return -1;
    }
}

/* ---- open and close ---- */

/* The buffer and the name; fd -1 (a memory source until the caller says otherwise). */
static int source_init(struct trc_source *s, const char *name, char *err, size_t errlen)
{
    memset(s, 0, sizeof(*s));
    s->fd = -1;
    s->name = strdup(name);
    s->buf = malloc(TRC_SOURCE_BLOCK + 1); /* + 1: the spare byte (byte_source.h) */
    s->cap = TRC_SOURCE_BLOCK;
    if (!s->name || !s->buf) {
        free(s->name);
        free(s->buf);
        snprintf(err, errlen, "%s: out of memory", name);
        return -1;
    }
    return 0;
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && memcmp(s + n - k, suffix, k) == 0;
}

int trc_source_open_file(struct trc_source *s, const char *path, char *err, size_t errlen)
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
    if (source_init(s, is_stdin ? "<stdin>" : path, err, errlen) < 0) {
        if (!is_stdin)
            close(fd);
        return -1;
    }
    s->fd = fd;
    s->own_fd = !is_stdin;
    if (!is_stdin && (ends_with(path, ".xz") || ends_with(path, ".gz"))) {
        s->z = decompressor_new(ends_with(path, ".xz") ? TRC_XZ : TRC_GZIP);
        if (!s->z) {
            snprintf(err, errlen, "%s: cannot start the decompressor (out of memory)", path);
            trc_source_close(s);
            return -1;
        }
    }
    return 0;
}

int trc_source_open_memory(struct trc_source *s, const char *name, const char *data, size_t len,
                           char *err, size_t errlen)
{
    if (source_init(s, name, err, errlen) < 0)
        return -1;
    s->mem = data;
    s->mem_len = len;
    return 0;
}

void trc_source_close(struct trc_source *s)
{
    if (s->own_fd)
        close(s->fd);
    decompressor_free(s->z);
    free(s->buf);
    free(s->name);
    memset(s, 0, sizeof(*s));
    s->fd = -1;
}
