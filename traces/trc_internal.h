/* traces/trc_internal.h - what the readers of traces/ share: the reader object, its buffered
 * byte source (file descriptor, memory, xz or gzip stream) and the error helpers.  Private to
 * traces/. */
#ifndef VKMMU_TRC_INTERNAL_H
#define VKMMU_TRC_INTERNAL_H

#include "trc.h"

/* CRC-32 as zlib computes it (traces/crc32.c); crc 0 to start. */
uint32_t trc_crc32(uint32_t crc, const void *data, size_t len);

#define TRC_BLOCK (256u * 1024u) /* initial buffer, and the size of one read */

/* A distinct file NAME and its id (open addressing, FNV-1a): text and regions formats. */
struct trc_name {
    char *s;
    uint32_t id;
};

struct trc_zsrc; /* decompressor state (source.c) */

struct trc_reader {
    /* ---- byte source ---- */
    int fd;               /* -1 for a memory source */
    bool own_fd;
    const char *mem;      /* memory source */
    size_t mem_len, mem_pos;
    struct trc_zsrc *z;   /* non-NULL: the fd holds an xz or gzip stream */
    /* Unparsed bytes are buf[beg, end); buf[0] is byte `base` of the (decompressed) input.
     * The buffer has one spare byte past cap (the text parser NUL-terminates a name there). */
    char *buf;
    size_t cap, beg, end;
    uint64_t base;
    bool eof;             /* the source has no more bytes */
    /* .vkt: CRC-32 (zlib) of the bytes before buf[crc_done], kept up to date when the buffer
     * slides; crc_on enables it. */
    bool crc_on;
    uint32_t crc;
    size_t crc_done;

    /* ---- common ---- */
    enum trc_format fmt;
    int (*next)(struct trc_reader *r, struct trc_record *rec);
    /* Optional: up to n records (trc_next_batch); NULL = trc_next in a loop. */
    size_t (*batch)(struct trc_reader *r, struct trc_record *recs, size_t n, int *rc);
    char *name;           /* for messages */
    unsigned long line;
    uint64_t nrec;        /* records returned */
    uint64_t insns;       /* total of the I COUNTs returned (at most TRC_MAX_INSNS) */
    enum mmu_arch arch;
    bool failed;
    char err[512];

    /* ---- text and regions ---- */
    struct trc_name *names;
    size_t names_cap, names_len;
    uint32_t last_file_id;

    /* ---- records queued by an importer or a fused .vkt opcode: q[qhead, qlen) ---- */
    struct trc_record q[12];
    unsigned qhead, qlen;
    bool insn_open;       /* Lackey: an instruction whose `I 1` is still to come */

    /* ---- .vkt ---- */
    uint64_t vkt_prev[4]; /* end of the previous access per class: R, W, X, kernel */
    uint64_t vkt_size[4]; /* size of the previous access per class */
    uint64_t vkt_prev2[2]; /* R and W: the other address slot (0xfc/0xfd swap it in) */
    uint64_t lim_access, lim_region; /* trc_access_limit / trc_region_limit of arch */
    bool vkt_ended;
    bool vkt_pend;        /* the fetch of a fused `I 1, X` opcode is still to be returned */
    uint64_t vkt_pend_addr, vkt_pend_off;
    char vkt_name[TRC_VKT_MAX_NAME + 1];
    unsigned rec_size;    /* ChampSim: 64 or 96 */
};

/* "NAME:LINE: ..." (line-based) and puts the reader in the failed state; returns -1. */
__attribute__((format(printf, 2, 3))) int trc_fail(struct trc_reader *r, const char *fmt, ...);
/* "NAME: byte OFFSET: ..." and the failed state; returns -1. */
__attribute__((format(printf, 3, 4))) int trc_fail_at(struct trc_reader *r, uint64_t offset,
                                                      const char *fmt, ...);

/* Appends bytes from the source at buf[end] (up to cap); 0, or -1 with the error set.  Sets
 * eof when the source is exhausted. */
int trc_fill(struct trc_reader *r);
/* Makes at least n bytes (n <= cap) available at buf[beg] unless the source ends first;
 * slides the unparsed bytes to the front.  0, or -1 on a read error. */
int trc_ensure(struct trc_reader *r, size_t n);
/* The next line without its newline into [*ls, *le); 1, 0 at the end, -1 on an error. */
int trc_next_line(struct trc_reader *r, char **ls, char **le);

const char *trc_arch_str(enum mmu_arch a);

/* Per-format setup after the source is open and the format known: sets r->next and reads any
 * header.  0, or -1 with r->err set. */
int trc_text_init(struct trc_reader *r);
int trc_vkt_init(struct trc_reader *r);
int trc_lackey_init(struct trc_reader *r);
int trc_champsim_init(struct trc_reader *r);

/* .vkt header (docs/vkt-format.md). */
#define TRC_VKT_MAGIC "\x89VKT\r\n\x1a\n"
#define TRC_VKT_MAGIC_LEN 8
#define TRC_VKT_HEADER 16
#define TRC_VKT_VERSION 1

#endif
