/* guest/include/guest_os.h - the Linux i386 and x86-64 guest ABIs: system calls, ELF loading,
 * the initial stack.  The public header of guest/ (vkmmu_guest), which never sees Unicorn.
 *
 * gos ("guest OS") serves the system calls of a static i386 (`int 0x80`) or x86-64 (`syscall`)
 * program on behalf of the vkernel, one implementation per call for both ABIs (a table per ABI
 * gives the numbers: gos_calls.c, gos_calls64.c): it keeps the guest's address-space layout (brk, mmap), its file descriptors, a
 * sandboxed view of one directory tree, and a virtual clock and random source.  Every region
 * change goes to every model (vk_set_map/unmap/protect), every call counts vk.syscall, and
 * every guest buffer a call reads or writes is reported as a kernel access before the copy
 * (model.md 6.6).  gos never knows which engine runs the guest: it sees guest memory only
 * through struct gos_mem.
 *
 * Guest memory layout (Linux's, no randomisation): the ELF image where its PT_LOADs say (a
 * static-pie at GOS_PIE_BASE[64]); the stack region [GOS_STACK_TOP - GOS_STACK_SIZE,
 * GOS_STACK_TOP); mmap grows down from GOS_MMAP_TOP (a guard gap below the stack); user space
 * ends at GOS_USER_LIMIT; the x86-64 values are the ...64 ones. */
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
/* x86-64 (Linux's TASK_SIZE_MAX with 4-level paging, no randomisation): the stack ends at the
 * last user page; mmap grows down from Linux's mmap_base, TASK_SIZE less the gap
 * (mm/util.c mmap_base: the stack rlimit plus the guard gap, at least MIN_GAP = 128 MiB), so
 * ld.so lands where Linux puts it (0x7ffff7fca000 for Debian 12's, setarch -R). */
#define GOS_USER_LIMIT64 0x7ffffffff000ull
#define GOS_STACK_TOP64 0x7ffffffff000ull
#define GOS_MMAP_TOP64 (GOS_STACK_TOP64 - (128ull << 20))

/* Status codes of the host-side set-up (ELF loading, the initial stack); the values are the
 * exit statuses of docs/errors.md. */
enum gos_status {
    GOS_OK = 0,
    GOS_EHOST = 1,  /* the host failed (out of memory) */
    GOS_EINPUT = 2, /* bad program: not an ELF, truncated, dynamic, another machine */
};

/* Guest memory as the engine provides it (identity-mapped in Unicorn).  Both return 0, or -1
 * when the range is not backed by the engine's memory.  gos uses them for the copies only;
 * what the guest may touch is decided by the models' regions. */
struct gos_mem {
    int (*read)(void *ctx, uint64_t addr, void *buf, size_t len);
    int (*write)(void *ctx, uint64_t addr, const void *buf, size_t len);
    void *ctx;
    /* Optional: copies len bytes from guest address from to to (apart ranges) as the host's
     * memory, not as a kernel copy (no accessed or dirty bit set): a moving mremap's pages.
     * NULL: gos copies through read and write. */
    int (*move)(void *ctx, uint64_t from, uint64_t to, size_t len);
};

/* The two Linux ABIs a guest program may use (chosen by its ELF header). */
enum gos_abi {
    GOS_ABI_I386,   /* int 0x80, asm/unistd_32.h, 32-bit structures */
    GOS_ABI_X86_64, /* syscall, asm/unistd_64.h, 64-bit structures */
};
const char *gos_abi_name(enum gos_abi abi); /* "i386", "x86_64" */

struct gos_options {
    enum gos_abi abi;      /* the program's ABI (every process of a run has the same) */
    const char *root;      /* --root DIR: the only tree the guest sees (NULL = ".") */
    const char *sysroot;   /* --sysroot DIR: a read-only system view under the root, for
                              paths the root does not have (NULL = none; gos_fs.c) */
    bool writable;         /* --writable: allow creating, writing, renaming, removing */
    uint64_t seed;         /* --seed: virtual clock and getrandom */
    int stdin_fd, stdout_fd, stderr_fd; /* host fds for guest 0, 1, 2 (dup'ed; -1 = closed) */
    const char *exe_path;  /* what readlink("/proc/self/exe") answers (NULL = "/exe") */
    const char *program;   /* the program's host path (execve of /proc/self/exe runs it
                              again), or NULL: exe_path is tried */
    /* --guest-mem: cap on the total size of the guest's regions (image, stack, brk, mmap),
     * as RLIMIT_AS (soft and hard) reports it; 0 = unlimited.  A brk past it leaves the break
     * where it is (Linux's brk; glibc's sbrk then fails with ENOMEM), an mmap or an mremap
     * growth past it fails with -ENOMEM, as Linux's may_expand_vm does.  The guest may lower
     * its RLIMIT_AS further with prlimit64; the soft limit in force is the one checked. */
    uint64_t mem_limit;
    /* --max-procs: processes alive at most; a fork beyond answers EAGAIN (RLIMIT_NPROC).
     * 0 = the default, GOS_MAX_PROCS_DEFAULT. */
    unsigned max_procs;
};
#define GOS_MAX_PROCS_DEFAULT 64u

struct gos;
struct gos_elf;

/* Creates the guest OS; NULL when out of memory or when the root cannot be opened (errno
 * set).  models and mem must outlive it; gos copies the options' strings. */
struct gos *gos_new(const struct gos_options *o, struct vk_set *models, const struct gos_mem *mem);
void gos_free(struct gos *g);

/* The engine tells gos what the ELF loader mapped, so that brk and mmap know the layout. */
void gos_set_brk_base(struct gos *g, uint64_t brk_start); /* page-rounded end of the image */
void gos_set_mmap_top(struct gos *g, uint64_t top);       /* below the stack; mmap grows down */

/* Optional: maps a region for the engine (ELF segments, stack) through gos, so that gos's
 * own layout knows it even with no models; same arguments and result as vk_set_map.  gos
 * also consults the first model's regions, so engines that call vk_set_map directly work. */
int gos_map(struct gos *g, uint64_t start, uint64_t end, unsigned prot,
            enum vk_region_kind kind, uint32_t file_id, uint64_t file_pgoff);
/* The file id gos uses for the host file open on host_fd (same (dev, inode), same id), so
 * that the engine's ELF mapping and a later mmap of the same file share the page cache.
 * 0 when fstat fails. */
uint32_t gos_file_id(struct gos *g, int host_fd);

/* One system call's registers, the same for both ABIs: the engine fills them from the
 * thread's registers and writes ax back as the result. */
struct gos_regs {
    uint64_t ax;   /* in: the call number (EAX, RAX); out: the result or -errno */
    uint64_t a[6]; /* the arguments: i386 EBX ECX EDX ESI EDI EBP (zero-extended);
                      x86-64 RDI RSI RDX R10 R8 R9 */
    uint64_t sp;   /* the user stack at the call (rt_sigreturn finds its frame there) */
};
/* A thread's user registers, as a signal frame holds them (struct sigcontext): EAX... on
 * i386 (the high halves zero), RAX... and R8-R15 on x86-64. */
struct gos_cpu {
    uint64_t ax, bx, cx, dx, si, di, bp, sp, ip, flags;
    uint64_t r8, r9, r10, r11, r12, r13, r14, r15; /* x86-64 only */
    uint16_t cs, ss, ds, es, fs, gs;
};
/* GOS_SCHEDULE: the thread that made the call cannot simply go on; gos_action() says what the
 * engine must do first, then gos_schedule() which thread runs next. */
enum gos_result { GOS_CONTINUE, GOS_EXIT, GOS_ERROR, GOS_SCHEDULE };

/* ---- processes and threads (gos_proc.c) ----
 * gos is the guest's kernel: it keeps every process (its own struct gos: file descriptors,
 * layout, signal actions, cwd) and every thread, and decides which thread runs.  The engine
 * keeps what only it can: one machine per address space and each thread's registers.
 * Scheduling is deterministic: a thread runs until it blocks or exits; then the next runnable
 * thread in order of creation after it runs (docs/processes.md).  Pids start at GOS_PID_FIRST;
 * a thread's tid is its pid for a process's first thread. */
#define GOS_PID_FIRST 1000u
enum gos_action_kind {
    GOS_ACT_NONE,
    GOS_ACT_BLOCK_RESTART, /* the thread sleeps; it runs its call again when woken (the
                              engine moves EIP back to the `int 0x80` or `syscall`) */
    GOS_ACT_BLOCK,         /* the thread sleeps; its call's result is in regs->eax */
    GOS_ACT_YIELD,         /* the thread stays runnable, after the others (sched_yield, a
                              sleep); its call's result is in regs->eax */
    GOS_ACT_CLONE,         /* a new thread (and process, and address space) is made */
    GOS_ACT_EXEC,          /* the process runs a new program */
    GOS_ACT_THREAD_EXIT,   /* the thread is gone */
    GOS_ACT_PROCESS_EXIT,  /* the process is gone (every thread of it) */
    GOS_ACT_SIGRETURN,     /* the thread returns from a signal handler: its registers are
                              cpu (the FPU's are the engine's, saved at the delivery) */
};
struct gos_action {
    enum gos_action_kind kind;
    /* GOS_ACT_CLONE: the child thread, its process, its address space (new_space: a copy of
     * the parent's, made by the engine) and what it starts with: the parent's registers with
     * EAX = 0, ESP = stack when not 0, and the TLS descriptor tls[4] (a struct user_desc)
     * when settls.  The parent continues with regs->eax = child_tid, or sleeps (vfork). */
    uint32_t child_tid, child_pid, child_space;
    bool new_space, settls, parent_sleeps;
    uint64_t stack;
    uint32_t tls[4];   /* i386 */
    uint64_t tls_base; /* x86-64: the child's FS base when settls */
    /* GOS_ACT_EXEC: the host path of the program (validated: a static ELF of the process's
     * architecture), argv, the name the guest gave (AT_EXECFN) and the address space it runs
     * in (a new one after vfork: new_space).  Valid until the next call of gos. */
    const char *path;
    int argc;
    char **argv;
    const char *execfn;
    uint32_t file_id; /* the program file's id (gos_file_id) */
    /* GOS_ACT_THREAD_EXIT, GOS_ACT_PROCESS_EXIT: the threads that are gone, the process and
     * whether its address space is now unused (the engine may free it) */
    uint32_t exit_pid, exit_space;
    bool space_unused;
    struct gos_cpu cpu; /* GOS_ACT_SIGRETURN */
};
/* The action of the last GOS_SCHEDULE. */
const struct gos_action *gos_action(const struct gos *g);
/* The thread the engine runs next (pid, tid, the process's gos and address space), chosen
 * as the header says.  1 when there is one; 0 when none can run (a deadlock: every thread
 * waits; report says on what, one line per thread); -1 on error (gos_error). */
struct gos_next {
    uint32_t pid, tid, space;
    struct gos *proc;
};
int gos_schedule(struct gos *g, struct gos_next *next, char *report, size_t len);
/* The program a process runs, as the guest names it (/proc/self/exe's answer). */
const char *gos_program(const struct gos *proc);
/* The process with pid (alive or not), or NULL. */
struct gos *gos_process(const struct gos *g, uint32_t pid);
/* The running thread's process dies of signal sig (a fault the engine found): GOS_EXIT when
 * it is the first process (the run ends), else GOS_SCHEDULE (gos_action: its end). */
enum gos_result gos_process_killed(struct gos *proc, int sig);
/* Called by the engine when the thread gos_schedule chose is loaded in its machine (its
 * memory is gos_mem's now): finishes what the thread's creation left to it (a clone child's
 * CLONE_CHILD_SETTID).  0, or -1 on a model error (gos_error). */
int gos_thread_begin(struct gos *proc);
/* Signals (gos_signal.c).  Before the running thread goes back to user code (after a call
 * that continues, and when it is switched in), the engine asks for a signal to deliver: with
 * a handler, gos writes the frame on the thread's stack (a kernel access, model.md 11.6) and
 * *cpu becomes the handler's entry (*delivered set; the engine keeps its FPU state until the
 * handler's sigreturn); an uncaught fatal one ends the process as gos_process_killed does
 * (GOS_EXIT or GOS_SCHEDULE); otherwise GOS_CONTINUE. */
enum gos_result gos_signal_deliver(struct gos *proc, struct gos_cpu *cpu, bool *delivered);
/* true when gos_signal_deliver has something to do (a cheap test for every call). */
bool gos_signal_ready(const struct gos *proc);
/* The running thread has had its time (the engine's quantum of instructions, counted the
 * same in every engine and pass): when another thread can run, it yields after its call
 * (gos_action: GOS_ACT_YIELD) and true is returned. */
bool gos_yield(struct gos *proc);
/* true when thread tid is gone (the engine drops its registers). */
bool gos_thread_gone(const struct gos *g, uint32_t tid);
/* Sets the engine's guest memory of a process (after fork: the child's machine). */
void gos_set_memory(struct gos *proc, const struct gos_mem *mem);
/* The processes, in order of creation: pid, parent, program, state and exit status. */
struct gos_process_info {
    uint32_t pid, ppid;
    const char *program;
    bool exited;
    int exit_status; /* wait4's status word (exit code << 8, or the signal) */
};
size_t gos_processes(const struct gos *g, struct gos_process_info *out, size_t max);
/* The ranges [start, end) of a process's regions (a fork's child copies their bytes), sorted;
 * how many there are (only max are written). */
size_t gos_layout(const struct gos *proc, uint64_t (*ranges)[2], size_t max);
/* true for the calls that create, end or switch threads and processes (fork, vfork, clone,
 * execve, exit, exit_group, wait4, waitpid, futex): the engine hands the models its
 * instruction count before them, so that each process is charged its own. */
bool gos_syscall_is_process(const struct gos *g, unsigned nr);
/* GOS_ACT_EXEC: hands the engine the program execve loaded (gos forgets it). */
void gos_exec_take_image(struct gos *g, struct gos_elf *out);

/* One system call (`int 0x80` or `syscall`): reads the call number from regs->ax and the
 * arguments from regs->a[] (struct gos_regs), serves it from g's ABI table and writes the
 * result (or -errno) to regs->ax.  GOS_EXIT sets *exit_status (exit, exit_group).  GOS_ERROR:
 * the run cannot go on (a model error, host out of memory, the engine's memory refused a copy
 * gos had to make); gos_error() says why.  set_thread_area (i386) and arch_prctl (x86-64) are
 * the engine's (it owns the GDT and the FS base); passed here they answer -ENOSYS. */
enum gos_result gos_syscall(struct gos *g, struct gos_regs *regs, int *exit_status);

/* After GOS_EXIT: the signal that killed the guest (SIGPIPE on a write to a closed pipe, when
 * the guest neither ignores, blocks nor catches it; *exit_status is then 128 + N), or 0 for
 * exit/exit_group.  The host process must ignore SIGPIPE itself for gos to see EPIPE. */
int gos_exit_signal(const struct gos *g);

/* The notes for the run's report ("" when none), each line ending in a newline: gos_note's,
 * then one per shared object the guest looked for and never found (gos_dso.c). */
const char *gos_notes(struct gos *g);
/* Names addr in process g's address space by the file mapped there: "symbol+0x12 (libc.so.6)",
 * or "libc.so.6+0x9a3b0" (the link-time address, as addr2line takes it) when no symbol of
 * the file covers it; "" when addr is in no file mapping.  The file's symbols come from its
 * .symtab, else its .dynsym (gos_dso.c).  buf is returned. */
const char *gos_symbolize(struct gos *g, uint64_t addr, char *buf, size_t len);
/* Loads e's interpreter (PT_INTERP) through g's view of the files, before e replaces the
 * process's image: 0 when e has none or it is loaded (e->interp, e->interp_file_id), else
 * -ENOENT / -EACCES (not in the view), -ELIBBAD (not an ELF interpreter of e's machine) or
 * -ENOMEM, with what was missing in err. */
int gos_interp_open(struct gos *g, struct gos_elf *e, char *err, size_t errlen);
/* Places e's relocatable interpreter where gos's mmap would (top-down below the mmap top,
 * the program's segments already mapped): 0, or -1 when no room. */
int gos_interp_place(struct gos *g, struct gos_elf *e);

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

/* The name of system call nr of the ABI ("?" when unknown). */
const char *gos_syscall_name(enum gos_abi abi, unsigned nr);

/* ---- the ELF image (gos_elf.c) ---- */
struct gos_segment {
    uint64_t vaddr, filesz, memsz, offset;
    unsigned prot; /* VK_PROT_* from p_flags */
};
struct gos_symbol {
    uint64_t addr, size;
    const char *name; /* into the image's string table copy */
};
struct gos_elf {
    char *path;
    uint8_t *data; /* the whole file */
    enum gos_abi abi; /* from EI_CLASS: ELFCLASS32 i386, ELFCLASS64 x86-64 */
    uint64_t bias;    /* added to every address of a static-pie (ET_DYN); 0 for ET_EXEC */
    size_t size;
    uint64_t entry;
    uint64_t phdr_vaddr; /* where the program headers are in guest memory (AT_PHDR), 0 if not */
    uint16_t phent, phnum; /* AT_PHENT, AT_PHNUM */
    struct gos_segment *segments; /* the PT_LOADs with a non-zero memsz, in file order */
    size_t nsegments;
    uint64_t brk_base; /* page-rounded end of the highest segment */
    struct gos_symbol *symbols; /* sorted by address; from .symtab, else from .dynsym */
    size_t nsymbols;
    bool relocatable;  /* an ET_DYN interpreter, read at bias 0: gos_elf_rebase places it */
    char *interp_path; /* PT_INTERP's path as the program names it; NULL when static */
    struct gos_elf *interp;  /* the interpreter once gos_interp_open loaded it (owned) */
    uint32_t interp_file_id; /* its file id (the models' page cache) */
};
/* Where a static-pie (ET_DYN) is loaded: Linux's ELF_ET_DYN_BASE with no randomisation. */
#define GOS_PIE_BASE 0x56555000u
#define GOS_PIE_BASE64 0x555555554000ull
/* Reads and validates an i386 or x86-64 executable (ET_EXEC, or ET_DYN placed at
 * GOS_PIE_BASE[64]) whose segments lie in [0x1000, the ABI's mmap top); a PT_INTERP's path is
 * kept in interp_path (the interpreter is loaded by gos_interp_open).  On error returns
 * GOS_EINPUT (or GOS_EHOST when out of memory) with "PATH: what is wrong (expected ...)" in
 * err, and e is empty. */
int gos_elf_load(struct gos_elf *e, const char *path, char *err, size_t errlen);
/* The same for an interpreter (ld.so): an ET_DYN one is read at bias 0 (relocatable). */
int gos_elf_load_interp(struct gos_elf *e, const char *path, char *err, size_t errlen);
/* The same for any shared object, for its segments and symbols only (no entry needed): read
 * at bias 0, so its addresses are the link-time ones. */
int gos_elf_load_object(struct gos_elf *e, const char *path, char *err, size_t errlen);
/* [lo, hi): the page-rounded addresses its segments span at its current bias. */
void gos_elf_span(const struct gos_elf *e, uint64_t *lo, uint64_t *hi);
/* Moves a relocatable image to bias (entry, segments, AT_PHDR, symbols follow). */
void gos_elf_rebase(struct gos_elf *e, uint64_t bias);
/* Where the program starts: its interpreter's entry when it has one, else its own. */
uint64_t gos_elf_start(const struct gos_elf *e);
void gos_elf_fini(struct gos_elf *e);
/* "name+0x12" for addr, or "" when no symbol covers it or addr is outside the image's span
 * (buf is returned). */
const char *gos_elf_symbolize(const struct gos_elf *e, uint64_t addr, char *buf, size_t len);

/* ---- the initial stack (gos_stack.c) ---- */
/* Writes the initial stack below GOS_STACK_TOP through g's guest memory as Linux's
 * create_elf_tables does: argc, argv, envp, the aux vector (the image's program headers and
 * entry, the guest's ids, AT_RANDOM's 16 bytes from gos_random_bytes, AT_EXECFN = execfn) and
 * the strings above them.  The stack region must be mapped.  Returns the initial ESP, or 0
 * with err filled (too many or too long arguments, out of memory). */
uint64_t gos_stack_build(struct gos *g, const struct gos_elf *e, int argc, char *const *argv,
                         const char *execfn, char *err, size_t errlen);

#endif
