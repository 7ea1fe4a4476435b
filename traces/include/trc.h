/* traces/include/trc.h - trace readers and the .vkt writer: the public header of traces/.
 * Builds on mmu/ only (for enum mmu_arch); never includes vk.h.
 *
 * Every input format (../shared/docs/trace-formats.md: vkmmu text, vkmmu binary .vkt, Valgrind
 * Lackey, ChampSim input_instr and cloudsuite_instr) is read as a stream of the same records:
 * one record per trc_next() call, in constant memory whatever the trace's length (the only
 * things that grow are the table of distinct file NAMEs of the text format, and a line buffer
 * up to TRC_MAX_LINE bytes).  A file whose name ends in .xz or .gz is decompressed on the fly
 * (liblzma, zlib), whatever its format. */
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

/* The largest access one record may describe; every reader refuses a larger one and the
 * .vkt writer too, so that the work of a replay stays proportional to the trace's length (the
 * models walk an access page by page).  User accesses (R, W, X): 16 KiB, at most 5 pages
 * touched.  x86 data accesses are at most 64 bytes (AVX-512), an XSAVE area about 11 KiB
 * (AMX), a Unicorn translation block (a fetch of `vkmmu run --record`) about one page at most,
 * and tracers split string instructions into their elements.  Kernel accesses (KR, KW: a
 * system call's copy of a whole buffer): 16 MiB, the most one system call of `vkmmu run`
 * copies (vkernel_model's GOS_IO_MAX: a read or write beyond is a short count, as Linux
 * caps one at MAX_RW_COUNT). */
#define TRC_MAX_ACCESS (16u << 10)
#define TRC_MAX_KACCESS (16u << 20)
/* The largest total of the I records' COUNTs (INT64_MAX: the instruction counters stay
 * readable as signed 64-bit integers by the consumers of --json and --csv). */
#define TRC_MAX_INSNS 0x7fffffffffffffffull
/* Memory the xz decoder may use (its dictionary): xz -9 needs 65 MiB; a stream that asks for
 * more is refused rather than allowed to take gigabytes. */
#define TRC_XZ_MEMLIMIT (256ull << 20)

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
    /* processes (model.md section 11); count holds the pid (1 to 2^32 - 1) */
    TRC_PID,     /* pid N: the records that follow are process N's */
    TRC_FORK,    /* fork CHILD: the current process forks process CHILD */
    TRC_VFORK,   /* vfork CHILD */
    TRC_EXEC,    /* exec: the current process execs (its map emptied; maps follow) */
    TRC_EXIT,    /* exit: the current process exits */
    TRC_MOVE,    /* move OLD NEW LEN: a moving mremap: addr OLD, end OLD + LEN, dest NEW */
};

enum trc_kind { TRC_ANON, TRC_FILE };

struct trc_record {
    enum trc_type type;
    uint64_t addr;         /* START of map/unmap/protect, ADDR of accesses */
    uint64_t end;          /* END of map/unmap/protect (exclusive, > addr); move: OLD + LEN */
    uint64_t dest;         /* move: NEW (page-aligned, [NEW, NEW + LEN) in the arch and
                              apart from [OLD, OLD + LEN)) */
    uint64_t size;         /* accesses: SIZE >= 1, and addr + size fits the arch */
    uint64_t count;        /* I: COUNT; S: NUMBER; pid, fork, vfork: the pid */
    unsigned prot;         /* map/protect: TRC_PROT_* bits */
    enum trc_kind kind;    /* map */
    uint32_t file_id;      /* map file: >= 1; every distinct NAME keeps one id for the whole
                              trace, an unnamed file map gets a fresh id; 0 for anon */
    uint64_t file_pgoff;   /* map file: the file page at START (0 for anon).  The text format
                              has no file offset and sets START >> 12: the file page is taken
                              to be the virtual page, so two maps of one NAME at different
                              addresses (an ELF's text and data) never alias each other's
                              pages, while a map of the same range again finds the same pages */
    const char *name;      /* map NAME, or NULL; valid until the next trc_next() */
    enum mmu_arch arch;    /* arch: the architecture it selects */
    unsigned long line;    /* line-based formats (text, Lackey): line number of the record
                              (1-based); 0 for the binary formats */
    uint64_t offset;       /* binary formats (.vkt, ChampSim): byte offset of the record in the
                              (decompressed) input; 0 for the line-based formats */
};

/* Input formats.  TRC_FMT_AUTO detects: .vkt by a name ending in .vkt (before any .xz/.gz) or by
 * leading bytes of its magic number (the first 4, or all of a shorter input: a truncated header
 * is reported as such); a name ending in .champsim (before any .xz/.gz) is ChampSim; a first
 * line `==PID==` is Lackey; anything else is text (an empty input too).
 * TRC_FMT_REGIONS is a regions file (`--regions`): text `map` lines and /proc/PID/maps lines,
 * auto-detected per line; it yields only TRC_MAP records. */
/* The formats, in the order auto-detection tries them (text accepts anything: it is last).
 * X(ENUM, name) gives TRC_FMT_ENUM and the format's operations trc_format_name, defined in its
 * own file (docs/architecture.md): adding a format is that file and one line here. */
#define TRC_FORMATS(X)                                                                         \
    X(VKT, vkt)               /* traces/vkt.c */                                               \
    X(CHAMPSIM, champsim)     /* traces/import.c: ChampSim input_instr, 64-byte records */     \
    X(CLOUDSUITE, cloudsuite) /* traces/import.c: cloudsuite_instr, 96-byte records */         \
    X(LACKEY, lackey)         /* traces/import.c: Valgrind Lackey */                           \
    X(REGIONS, regions)       /* traces/text.c: a regions file (never detected) */             \
    X(TEXT, text)             /* traces/text.c */

#define TRC_FORMAT_ENUMERATOR(id, name) TRC_FMT_##id,
enum trc_format { TRC_FMT_AUTO, TRC_FORMATS(TRC_FORMAT_ENUMERATOR) };
#undef TRC_FORMAT_ENUMERATOR
/* "auto", "text", "vkt", "lackey", "champsim", "cloudsuite", "regions" */
const char *trc_format_name(enum trc_format f);
/* Parses one of the names above; 0, or -1. */
int trc_format_parse(const char *s, enum trc_format *f);

struct trc_reader;

/* Opens a trace, detecting its format (TRC_FMT_AUTO); path "-" reads standard input.  Returns
 * 0, or -1 with "PATH: reason" in err (cannot open, a directory, out of memory, bad .vkt header,
 * ...). */
int trc_open(struct trc_reader **r, const char *path, char *err, size_t errlen);
/* The same in format f (TRC_FMT_AUTO detects). */
int trc_open_as(struct trc_reader **r, const char *path, enum trc_format f, char *err,
                size_t errlen);
/* Reads a text trace from memory (len bytes, no terminator needed; not copied: data must stay
 * valid until trc_close).  name is used in messages.  Returns 0, or -1 (out of memory). */
int trc_open_mem(struct trc_reader **r, const char *name, const char *data, size_t len,
                 char *err, size_t errlen);
/* The same in format f (TRC_FMT_AUTO detects from the bytes and name). */
int trc_open_mem_as(struct trc_reader **r, const char *name, const char *data, size_t len,
                    enum trc_format f, char *err, size_t errlen);
void trc_close(struct trc_reader *r);

/* Sets the architecture before the first record is read: for inputs whose architecture comes
 * from elsewhere (a regions file applies to the trace's architecture).  A trace's own `arch`
 * record or header still wins. */
void trc_set_arch(struct trc_reader *r, enum mmu_arch a);

/* Reads the next record.  Returns 1 with *rec filled, 0 at the end of the trace, -1 on an error:
 * trc_error() is then "NAME:LINE: what was expected" (line-based formats), "NAME: byte OFFSET:
 * what was expected" (binary formats), or "NAME: read error: ...", and every later call
 * returns -1 again.  Only the fields of the record's type are meaningful: the text reader
 * zeroes the others, the binary readers leave some of them as they were (a consumer must not
 * look at `name` of an access, say).  type, addr, size and count are always set, and line
 * (line-based formats) or offset (binary formats). */
int trc_next(struct trc_reader *r, struct trc_record *rec);
const char *trc_error(const struct trc_reader *r);
/* Up to n (>= 1) records into recs[0..k), k returned: the same records trc_next would give,
 * with less overhead per record (the .vkt decoder runs in one loop).  A batch ends early after
 * a map record (so that its name stays valid until the next call).  *rc is 1 when more
 * records may follow, else what trc_next returned after the k-th record: 0 (end) or -1
 * (error: trc_error). */
size_t trc_next_batch(struct trc_reader *r, struct trc_record *recs, size_t n, int *rc);
/* The format being read (never TRC_FMT_AUTO after a successful open). */
enum trc_format trc_format(const struct trc_reader *r);
/* Where rec came from, for messages: "NAME:LINE" or "NAME: byte OFFSET". */
const char *trc_where(const struct trc_reader *r, const struct trc_record *rec, char *buf,
                      size_t len);
/* Bytes consumed from the (decompressed) input so far. */
uint64_t trc_bytes(const struct trc_reader *r);

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

/* ---- regions files (`--regions FILE`) ---- */

/* The regions of a regions file (TRC_FMT_REGIONS), loaded whole: such a file is small. */
struct trc_regions {
    struct trc_record *rec; /* TRC_MAP records in file order; names are owned copies */
    size_t n;
    uint32_t max_file_id;   /* the largest file_id used (0 if none): a trace read with these
                               regions shifts its own file ids above it, so that the two
                               numberings never alias */
};
/* Whether a map record of r can take its file id shifted above the shift ids of a regions
 * file (rec->file_id + shift below 2^32).  0, or -1 with the error set as trc_next does
 * ("NAME:LINE: ..." or "NAME: byte OFFSET: ..."). */
int trc_file_id_check(struct trc_reader *r, const struct trc_record *rec, uint32_t shift);
/* Loads path for architecture arch.  0, or -1 with "PATH:LINE: what was expected" in err. */
int trc_regions_load(const char *path, enum mmu_arch arch, struct trc_regions *out, char *err,
                     size_t errlen);
void trc_regions_free(struct trc_regions *g);

/* ---- .vkt writer (docs/vkt-format.md) ---- */

/* Longest map NAME a .vkt file carries. */
#define TRC_VKT_MAX_NAME 4096u

struct trc_writer;
/* Creates (truncates) path and writes the header for arch.  0, or -1 with "PATH: reason". */
int trc_writer_open(struct trc_writer **w, const char *path, enum mmu_arch arch, char *err,
                    size_t errlen);
/* Writes one record (a TRC_ARCH record must come first if at all, and name arch).  The record
 * is validated as the reader would (page-aligned ranges, sizes >= 1, addresses within the
 * arch); 0, or -1: the first error sticks, later calls do nothing and return -1, and
 * trc_writer_close reports it. */
int trc_writer_put(struct trc_writer *w, const struct trc_record *rec);
/* The same for the events of a run (what a vk_tap sees); prot/kind as TRC_PROT_* / trc_kind. */
int trc_writer_map(struct trc_writer *w, uint64_t start, uint64_t end, unsigned prot,
                   enum trc_kind kind, uint32_t file_id, uint64_t file_pgoff, const char *name);
int trc_writer_access(struct trc_writer *w, enum trc_type type, uint64_t addr, uint64_t size);
int trc_writer_insns(struct trc_writer *w, uint64_t n);
/* The record check that failed, without the "PATH: record N: " prefix; "" when none did (or
 * when a write error came first): for a caller that names the input's record instead. */
const char *trc_writer_error(const struct trc_writer *w);
/* Records written so far, and bytes (header included) written or buffered. */
uint64_t trc_writer_records(const struct trc_writer *w);
uint64_t trc_writer_bytes(const struct trc_writer *w);
/* Writes the end record, flushes and closes; frees w.  0, or -1 with "PATH: reason" (the
 * first error of any earlier call, or a write error).  abandon: close without the end record
 * and remove the file (for a run that failed). */
int trc_writer_close(struct trc_writer *w, bool abandon, char *err, size_t errlen);

#endif
