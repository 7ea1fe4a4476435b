/* guest/include/guest_os.h - the Linux i386 guest ABI: system calls, ELF loading, the initial
 * stack.  The public header of guest/ (vkmmu_guest), which never sees Unicorn.
 *
 * gos ("guest OS") serves the `int 0x80` calls of a static i386 program on behalf of the
 * vkernel: it keeps the guest's address-space layout (brk, mmap), its file descriptors, a
 * sandboxed view of one directory tree, and a virtual clock and random source.  Every region
 * change goes to every model (vk_set_map/unmap/protect), every call counts vk.syscall, and
 * every guest buffer a call reads or writes is reported as a kernel access before the copy
 * (model.md 6.6).  gos never knows which engine runs the guest: it sees guest memory only
 * through struct gos_mem.
 *
 * Guest memory layout (Linux i386, no randomisation): the ELF image where its PT_LOADs say; the
 * stack region [GOS_STACK_TOP - GOS_STACK_SIZE, GOS_STACK_TOP); mmap grows down from
 * GOS_MMAP_TOP (a guard gap below the stack); user space ends at GOS_USER_LIMIT. */
#ifndef VKMMU_GUEST_OS_H
#define VKMMU_GUEST_OS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vk.h"

#define GOS_USER_LIMIT 0xC0000000u
#define GOS_STACK_TOP 0xC0000000u
#define GOS_STACK_SIZE (8u << 20)
#define GOS_MMAP_TOP (GOS_STACK_TOP - GOS_STACK_SIZE - (1u << 20)) /* 1 MiB guard gap */

/* Status codes of the host-side set-up (ELF loading, the initial stack); the values are the
 * exit statuses of docs/errors.md. */
enum gos_status {
    GOS_OK = 0,
    GOS_EHOST = 1,  /* the host failed (out of memory) */
    GOS_EINPUT = 2, /* bad program: not an ELF, truncated, dynamic, not i386 */
};

/* Guest memory as the engine provides it (identity-mapped in Unicorn).  Both return 0, or -1
 * when the range is not backed by the engine's memory.  gos uses them for the copies only;
 * what the guest may touch is decided by the models' regions. */
struct gos_mem {
    int (*read)(void *ctx, uint32_t addr, void *buf, size_t len);
    int (*write)(void *ctx, uint32_t addr, const void *buf, size_t len);
    void *ctx;
};

struct gos_options {
    const char *root;      /* --root DIR: the only tree the guest sees (NULL = ".") */
    bool writable;         /* --writable: allow creating, writing, renaming, removing */
    uint64_t seed;         /* --seed: virtual clock and getrandom */
    int stdin_fd, stdout_fd, stderr_fd; /* host fds for guest 0, 1, 2 (dup'ed; -1 = closed) */
    const char *exe_path;  /* what readlink("/proc/self/exe") answers (NULL = "/exe") */
    /* --guest-mem: cap on the total size of the guest's regions (image, stack, brk, mmap),
     * as RLIMIT_AS (soft and hard) reports it; 0 = unlimited.  A brk past it leaves the break
     * where it is (Linux's brk; glibc's sbrk then fails with ENOMEM), an mmap or an mremap
     * growth past it fails with -ENOMEM, as Linux's may_expand_vm does.  The guest may lower
     * its RLIMIT_AS further with prlimit64; the soft limit in force is the one checked. */
    uint64_t mem_limit;
};

struct gos;

/* Creates the guest OS; NULL when out of memory or when the root cannot be opened (errno
 * set).  models and mem must outlive it; gos copies the options' strings. */
struct gos *gos_new(const struct gos_options *o, struct vk_set *models, const struct gos_mem *mem);
void gos_free(struct gos *g);

/* The engine tells gos what the ELF loader mapped, so that brk and mmap know the layout. */
void gos_set_brk_base(struct gos *g, uint32_t brk_start); /* page-rounded end of the image */
void gos_set_mmap_top(struct gos *g, uint32_t top);       /* below the stack; mmap grows down */

/* Optional: maps a region for the engine (ELF segments, stack) through gos, so that gos's
 * own layout knows it even with no models; same arguments and result as vk_set_map.  gos
 * also consults the first model's regions, so engines that call vk_set_map directly work. */
int gos_map(struct gos *g, uint32_t start, uint32_t end, unsigned prot,
            enum vk_region_kind kind, uint32_t file_id, uint64_t file_pgoff);
/* The file id gos uses for the host file open on host_fd (same (dev, inode), same id), so
 * that the engine's ELF mapping and a later mmap of the same file share the page cache.
 * 0 when fstat fails. */
uint32_t gos_file_id(struct gos *g, int host_fd);

struct gos_regs {
    uint32_t eax, ebx, ecx, edx, esi, edi, ebp;
};
enum gos_result { GOS_CONTINUE, GOS_EXIT, GOS_ERROR };

/* One `int 0x80`: reads the call number from regs->eax and the arguments from ebx, ecx, edx,
 * esi, edi, ebp; writes the result (or -errno) to regs->eax.  GOS_EXIT sets *exit_status
 * (exit, exit_group).  GOS_ERROR: the run cannot go on (a model error, host out of memory,
 * the engine's memory refused a copy gos had to make); gos_error() says why.
 * set_thread_area is the engine's (it owns the GDT); passed here it answers -ENOSYS. */
enum gos_result gos_syscall(struct gos *g, struct gos_regs *regs, int *exit_status);

/* After GOS_EXIT: the signal that killed the guest (SIGPIPE on a write to a closed pipe, when
 * the guest neither ignores, blocks nor catches it; *exit_status is then 128 + N), or 0 for
 * exit/exit_group.  The host process must ignore SIGPIPE itself for gos to see EPIPE. */
int gos_exit_signal(const struct gos *g);

/* Unknown calls seen so far (each number once, in order of first use), for the report. */
size_t gos_unknown_calls(const struct gos *g, const unsigned **nrs, const char *const **names);
/* The reason for the last GOS_ERROR ("" when none). */
const char *gos_error(const struct gos *g);

/* Record and replay, for engines that run the same guest once per configuration.  The first
 * pass records every call's host-dependent effects (results, guest bytes written, region
 * changes, kernel accesses); later passes replay them to their own models and memory without
 * touching the host, so a --writable guest changes its files once and every pass sees the same
 * results.  A replayed guest whose calls differ from the log ends in GOS_ERROR.  Call
 * gos_record/gos_replay before the guest's first system call; the log outlives the passes. */
struct gos_log;
struct gos_log *gos_log_new(void); /* NULL when no temporary file can be made (errno set) */
void gos_log_free(struct gos_log *log);
void gos_record(struct gos *g, struct gos_log *log);
void gos_replay(struct gos *g, struct gos_log *log); /* rewinds the log */

/* Fills buf from the seeded generator that also serves getrandom (the engine uses it for
 * AT_RANDOM).  Same seed and same call sequence, same bytes. */
void gos_random_bytes(struct gos *g, void *buf, size_t n);

/* The name of i386 system call nr ("?" when unknown). */
const char *gos_syscall_name(unsigned nr);

/* ---- the ELF image (gos_elf.c) ---- */
struct gos_segment {
    uint32_t vaddr, filesz, memsz, offset;
    unsigned prot; /* VK_PROT_* from p_flags */
};
struct gos_symbol {
    uint32_t addr, size;
    const char *name; /* into the image's string table copy */
};
struct gos_elf {
    char *path;
    uint8_t *data; /* the whole file */
    size_t size;
    uint32_t entry;
    uint32_t phdr_vaddr; /* where the program headers are in guest memory (AT_PHDR), 0 if not */
    uint16_t phent, phnum; /* AT_PHENT, AT_PHNUM */
    struct gos_segment *segments; /* the PT_LOADs with a non-zero memsz, in file order */
    size_t nsegments;
    uint32_t brk_base; /* page-rounded end of the highest segment */
    struct gos_symbol *symbols; /* sorted by address; from .symtab when present */
    size_t nsymbols;
};
/* Reads and validates a static i386 ET_EXEC whose segments lie in [0x1000, GOS_MMAP_TOP).  On
 * error returns GOS_EINPUT (or GOS_EHOST when out of memory) with "PATH: what is wrong
 * (expected ...)" in err, and e is empty. */
int gos_elf_load(struct gos_elf *e, const char *path, char *err, size_t errlen);
void gos_elf_fini(struct gos_elf *e);
/* "name+0x12" for addr, or "" when no symbol covers it (buf is returned). */
const char *gos_elf_symbolize(const struct gos_elf *e, uint32_t addr, char *buf, size_t len);

/* ---- the initial stack (gos_stack.c) ---- */
/* Writes the initial stack below GOS_STACK_TOP through g's guest memory as Linux's
 * create_elf_tables does: argc, argv, envp, the aux vector (the image's program headers and
 * entry, the guest's ids, AT_RANDOM's 16 bytes from gos_random_bytes, AT_EXECFN = execfn) and
 * the strings above them.  The stack region must be mapped.  Returns the initial ESP, or 0
 * with err filled (too many or too long arguments, out of memory). */
uint32_t gos_stack_build(struct gos *g, const struct gos_elf *e, int argc, char *const *argv,
                         const char *execfn, char *err, size_t errlen);

#endif
