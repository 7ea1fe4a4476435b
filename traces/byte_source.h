/* traces/byte_source.h - the bytes every trace reader parses: a buffered source over a file
 * descriptor (a file or standard input), memory, or an xz or gzip stream decompressed block by
 * block, with the reader's name, its line count and its one error message.  A format reads
 * buf[beg, end) in place and advances beg; the source refills, slides and grows the buffer.
 * Private to traces/. */
#ifndef VKMMU_BYTE_SOURCE_H
#define VKMMU_BYTE_SOURCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TRC_SOURCE_BLOCK (256u * 1024u) /* initial buffer, and the size of one read */

struct trc_decompressor; /* liblzma or zlib state (byte_source.c) */

struct trc_source {
    int fd;                      /* -1 for a memory source */
    bool own_fd;                 /* close fd at the end (not standard input) */
    const char *mem;             /* memory source: mem[mem_pos, mem_len) still to come */
    size_t mem_len, mem_pos;
    struct trc_decompressor *z;  /* non-NULL: fd holds an xz or gzip stream */
    /* Unparsed bytes are buf[beg, end); buf[0] is byte `base` of the (decompressed) input.
     * The buffer has one spare byte past cap (a parser may NUL-terminate a name there). */
    char *buf;
    size_t cap, beg, end;
    uint64_t base;
    bool eof;                    /* no more bytes will come */
    /* Optional CRC-32 (zlib's) of the bytes before buf[crc_done], kept up to date when the
     * buffer slides; crc_on enables it (.vkt's end record checks it). */
    bool crc_on;
    uint32_t crc;
    size_t crc_done;
    /* Messages: "NAME:LINE: ...", "NAME: byte OFFSET: ..." or "NAME: read error: ...". */
    char *name;                  /* "<stdin>" for "-" */
    unsigned long line;          /* lines returned by trc_source_next_line */
    bool failed;                 /* err holds the first error; every later read fails */
    char err[512];
};

/* Opens path ("-": standard input), decompressing a name ending in .xz or .gz.  0, or -1 with
 * "PATH: reason" in err (cannot open, a directory, out of memory). */
int trc_source_open_file(struct trc_source *s, const char *path, char *err, size_t errlen);
/* A source over data[0, len) (not copied: it must outlive the source).  0, or -1 (out of
 * memory) with "NAME: out of memory" in err. */
int trc_source_open_memory(struct trc_source *s, const char *name, const char *data, size_t len,
                           char *err, size_t errlen);
void trc_source_close(struct trc_source *s);

/* Appends bytes at buf[end] (up to cap); sets eof when the source is exhausted.  0, or -1
 * with the error set. */
int trc_source_fill(struct trc_source *s);
/* Makes at least n bytes (n <= cap) available at buf[beg] unless the input ends first;
 * slides the unparsed bytes to the front.  0, or -1 on a read error. */
int trc_source_ensure(struct trc_source *s, size_t n);
/* The next line without its newline into [*ls, *le) and line + 1; a line longer than
 * TRC_MAX_LINE is an error.  1, 0 at the end, -1 on an error. */
int trc_source_next_line(struct trc_source *s, char **ls, char **le);

/* "NAME:LINE: ..." (line-based formats), and the failed state; returns -1. */
__attribute__((format(printf, 2, 3))) int trc_source_fail(struct trc_source *s,
                                                          const char *fmt, ...);
/* "NAME: byte OFFSET: ..." (binary formats), and the failed state; returns -1. */
__attribute__((format(printf, 3, 4))) int trc_source_fail_at(struct trc_source *s,
                                                             uint64_t offset, const char *fmt,
                                                             ...);

/* The (decompressed) input offset of buf[beg]: bytes consumed so far. */
static inline uint64_t trc_source_offset(const struct trc_source *s)
{
    return s->base + s->beg;
}

#endif
