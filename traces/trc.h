/* traces/trc.h - trace readers.  Builds on mmu/ only (for enum mmu_arch); never includes vk.h.
 *
 * The text trace format (../shared/docs/trace-formats.md section 1) is read as a stream: one
 * record per call, in constant memory whatever the trace's length (the only thing that grows is
 * the table of distinct file NAMEs, and a line buffer up to TRC_MAX_LINE bytes). */
#ifndef VKMMU_TRC_H
#define VKMMU_TRC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mmu.h"

/* Protection bits of map/protect records.  Same values as VK_PROT_R/W/X (vk.h), so a consumer
 * may pass rec.prot to the model unchanged. */
#define TRC_PROT_R 1u
#define TRC_PROT_W 2u
#define TRC_PROT_X 4u

/* Longest line accepted, newline included; a longer line is an error. */
#define TRC_MAX_LINE (1u << 20)

enum trc_type {
    TRC_ARCH,    /* arch NAME: rec.arch (only ever the first record) */
    TRC_MAP,     /* map START END PROT KIND [NAME]: addr, end, prot, kind, file_id, name */
    TRC_UNMAP,   /* unmap START END: addr, end */
    TRC_PROTECT, /* protect START END PROT: addr, end, prot */
    TRC_READ,    /* R ADDR [SIZE]: addr, size (default 1) */
    TRC_WRITE,   /* W ADDR [SIZE] */
    TRC_FETCH,   /* X ADDR [SIZE] */
    TRC_KREAD,   /* KR ADDR SIZE: the kernel reads guest memory (model.md 6.6) */
    TRC_KWRITE,  /* KW ADDR SIZE: the kernel writes guest memory */
    TRC_INSNS,   /* I COUNT: count (may be 0) */
    TRC_SYSCALL, /* S NUMBER: count holds the system call number (< 2^32) */
};

enum trc_kind { TRC_ANON, TRC_FILE };

struct trc_record {
    enum trc_type type;
    uint64_t addr;         /* START of map/unmap/protect, ADDR of accesses */
    uint64_t end;          /* END of map/unmap/protect (exclusive, > addr) */
    uint64_t size;         /* accesses: SIZE >= 1, and addr + size fits the arch */
    uint64_t count;        /* I: COUNT; S: NUMBER */
    unsigned prot;         /* map/protect: TRC_PROT_* bits */
    enum trc_kind kind;    /* map */
    uint32_t file_id;      /* map file: >= 1; every distinct NAME keeps one id for the whole
                              trace, an unnamed file map gets a fresh id; 0 for anon */
    const char *name;      /* map NAME, or NULL; valid until the next trc_next() */
    enum mmu_arch arch;    /* arch: the architecture it selects */
    unsigned long line;    /* line number of the record (1-based) */
};

struct trc_reader;

/* Opens a text trace; path "-" reads standard input.  Returns 0, or -1 with
 * "PATH: reason" in err (cannot open, out of memory). */
int trc_open(struct trc_reader **r, const char *path, char *err, size_t errlen);
/* Reads a text trace from memory (len bytes, no terminator needed; not copied: data must stay
 * valid until trc_close).  name is used in messages.  Returns 0, or -1 (out of memory). */
int trc_open_mem(struct trc_reader **r, const char *name, const char *data, size_t len,
                 char *err, size_t errlen);
void trc_close(struct trc_reader *r);

/* Reads the next record.  Returns 1 with *rec filled, 0 at the end of the trace, -1 on an error:
 * trc_error() is then "NAME:LINE: what was expected" (or "NAME: read error: ..."), and every
 * later call returns -1 again. */
int trc_next(struct trc_reader *r, struct trc_record *rec);
const char *trc_error(const struct trc_reader *r);

/* The architecture in force: MMU_ARCH_I386 until an `arch` record says otherwise. */
enum mmu_arch trc_arch(const struct trc_reader *r);
/* The name used in messages ("<stdin>" for "-"), and the number of the last line read. */
const char *trc_name(const struct trc_reader *r);
unsigned long trc_line(const struct trc_reader *r);
/* Records returned so far. */
uint64_t trc_records(const struct trc_reader *r);

/* Address limits the reader enforces (first address that does not fit): accesses and
 * region ends.  i386: 2^32 and 0xC0000000; x86_64: 0x800000000000 for both. */
uint64_t trc_access_limit(enum mmu_arch a);
uint64_t trc_region_limit(enum mmu_arch a);

#endif
