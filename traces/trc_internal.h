/* traces/trc_internal.h - what the trace formats of traces/ share: the reader object (a byte
 * source, the counts every format keeps, and the format's own state), the operations of one
 * format and the table of formats that trc_open dispatches on.  Private to traces/. */
#ifndef VKMMU_TRC_INTERNAL_H
#define VKMMU_TRC_INTERNAL_H

#include <stdalign.h>

#include "byte_source.h"
#include "trc.h"

/* CRC-32 as zlib computes it (traces/crc32.c); crc 0 to start. */
uint32_t trc_crc32(uint32_t crc, const void *data, size_t len);

const char *trc_arch_str(enum mmu_arch a);

struct trc_reader;

/* One input format: an entry of the table in formats.c, defined in the format's own file. */
struct trc_format_ops {
    enum trc_format id;
    const char *name;  /* what --format takes and trc_format_name gives */
    bool binary;       /* positions are byte offsets ("NAME: byte N"), else lines ("NAME:N") */
    size_t state_size; /* bytes of the format's own state (trc_format_state), zeroed at open */
    /* Auto-detection (TRC_FMT_AUTO): whether an input whose first n bytes are b (all of it
     * when n < 64) and whose name, without a .xz or .gz suffix, is name[0, name_len) is in
     * this format.  NULL: never detected.  The table is tried in order. */
    bool (*detect)(const char *b, size_t n, const char *name, size_t name_len);
    /* Sets up the format once the source is open (reads a header, say).  0, or -1 with the
     * source's error set. */
    int (*open)(struct trc_reader *r);
    int (*next)(struct trc_reader *r, struct trc_record *rec); /* as trc_next */
    /* Optional (NULL: next in a loop): as trc_next_batch. */
    size_t (*batch)(struct trc_reader *r, struct trc_record *recs, size_t n, int *rc);
    /* Optional: frees what open or next allocated in the format's state. */
    void (*close)(struct trc_reader *r);
};

/* The format with this id (not TRC_FMT_AUTO), or NULL. */
const struct trc_format_ops *trc_format_find(enum trc_format id);
/* The first format of the table whose detect accepts the input (text accepts anything). */
const struct trc_format_ops *trc_format_detect(const char *b, size_t n, const char *path);
/* Whether name[0, name_len) ends in suffix (for the detect functions). */
bool trc_name_ends_with(const char *name, size_t name_len, const char *suffix);

/* A distinct file NAME and its id (open addressing, FNV-1a). */
struct trc_file_name {
    char *s;
    uint32_t id;
};

/* The ids of file NAMEs, for the formats whose map records name files without numbering them
 * (text and regions; text.c). */
struct trc_file_names {
    struct trc_file_name *slot;
    size_t cap, len;
    uint32_t last_id; /* the last id given (ids start at 1) */
};

struct trc_reader {
    struct trc_source src;
    const struct trc_format_ops *format;
    uint64_t nrec;      /* records returned */
    uint64_t insns;     /* total of the I COUNTs returned (at most TRC_MAX_INSNS) */
    enum mmu_arch arch;
    uint64_t lim_access, lim_region; /* trc_access_limit / trc_region_limit of arch */
    struct trc_file_names file_names;
    /* The format's own state: format->state_size bytes. */
    alignas(max_align_t) unsigned char format_state[];
};

static inline void *trc_format_state(struct trc_reader *r)
{
    return r->format_state;
}

/* The reader's source's trc_source_fail / trc_source_fail_at. */
#define trc_fail(r, ...) trc_source_fail(&(r)->src, __VA_ARGS__)
#define trc_fail_at(r, offset, ...) trc_source_fail_at(&(r)->src, offset, __VA_ARGS__)

#endif
