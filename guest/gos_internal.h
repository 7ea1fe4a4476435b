/* guest/gos_internal.h - private state of the guest OS (guest_os.h), shared by gos_calls.c
 * (the system call table and dispatch), gos_core.c (life cycle, copies, memory calls),
 * gos_fs.c (files, sandbox), gos_misc.c (clock, random, ids, signals, limits), gos_log.c
 * (record and replay) and gos_stack.c (the initial stack). */
#ifndef VKMMU_GOS_INTERNAL_H
#define VKMMU_GOS_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "guest_os.h"

#define GOS_NSYSCALLS 451

/* i386 system call numbers (asm/unistd_32.h) of the calls gos serves. */
enum gos_nr {
    GOS_NR_exit = 1,
    GOS_NR_read = 3,
    GOS_NR_write = 4,
    GOS_NR_open = 5,
    GOS_NR_close = 6,
    GOS_NR_unlink = 10,
    GOS_NR_chdir = 12,
    GOS_NR_time = 13,
    GOS_NR_lseek = 19,
    GOS_NR_getpid = 20,
    GOS_NR_access = 33,
    GOS_NR_rename = 38,
    GOS_NR_mkdir = 39,
    GOS_NR_rmdir = 40,
    GOS_NR_dup = 41,
    GOS_NR_pipe = 42,
    GOS_NR_brk = 45,
    GOS_NR_ioctl = 54,
    GOS_NR_fcntl = 55,
    GOS_NR_umask = 60,
    GOS_NR_dup2 = 63,
    GOS_NR_getppid = 64,
    GOS_NR_getpgrp = 65,
    GOS_NR_gettimeofday = 78,
    GOS_NR_readlink = 85,
    GOS_NR_mmap = 90,
    GOS_NR_munmap = 91,
    GOS_NR_ftruncate = 93,
    GOS_NR_fchmod = 94,
    GOS_NR_fchdir = 133,
    GOS_NR_sysinfo = 116,
    GOS_NR_uname = 122,
    GOS_NR_mprotect = 125,
    GOS_NR__llseek = 140,
    GOS_NR_writev = 146,
    GOS_NR_readv = 145,
    GOS_NR_sched_yield = 158,
    GOS_NR_nanosleep = 162,
    GOS_NR_mremap = 163,
    GOS_NR_prctl = 172,
    GOS_NR_rt_sigaction = 174,
    GOS_NR_rt_sigprocmask = 175,
    GOS_NR_pread64 = 180,
    GOS_NR_pwrite64 = 181,
    GOS_NR_getcwd = 183,
    GOS_NR_sigaltstack = 186,
    GOS_NR_sendfile64 = 239,
    GOS_NR_ugetrlimit = 191,
    GOS_NR_mmap2 = 192,
    GOS_NR_ftruncate64 = 194,
    GOS_NR_stat64 = 195,
    GOS_NR_lstat64 = 196,
    GOS_NR_fstat64 = 197,
    GOS_NR_getuid32 = 199,
    GOS_NR_getgid32 = 200,
    GOS_NR_geteuid32 = 201,
    GOS_NR_getegid32 = 202,
    GOS_NR_madvise = 219,
    GOS_NR_getdents64 = 220,
    GOS_NR_fcntl64 = 221,
    GOS_NR_gettid = 224,
    GOS_NR_set_thread_area = 243,
    GOS_NR_exit_group = 252,
    GOS_NR_set_tid_address = 258,
    GOS_NR_clock_gettime = 265,
    GOS_NR_clock_getres = 266,
    GOS_NR_clock_nanosleep = 267,
    GOS_NR_openat = 295,
    GOS_NR_mkdirat = 296,
    GOS_NR_fstatat64 = 300,
    GOS_NR_unlinkat = 301,
    GOS_NR_renameat = 302,
    GOS_NR_faccessat = 307,
    GOS_NR_set_robust_list = 311,
    GOS_NR_dup3 = 330,
    GOS_NR_pipe2 = 331,
    GOS_NR_prlimit64 = 340,
    GOS_NR_renameat2 = 353,
    GOS_NR_getrandom = 355,
    GOS_NR_statx = 383,
    GOS_NR_rseq = 386,
    GOS_NR_clock_gettime64 = 403,
    GOS_NR_clock_getres_time64 = 406,
    GOS_NR_clock_nanosleep_time64 = 407,
    GOS_NR_faccessat2 = 439,
    GOS_NR_sched_getaffinity = 242,
    GOS_NR_getrusage = 77,
    GOS_NR_fsync = 118,
    GOS_NR_fdatasync = 148,
    GOS_NR_poll = 168,
    GOS_NR_chmod = 15,
    GOS_NR_fchmodat = 306,
    GOS_NR_symlink = 83,
    GOS_NR_symlinkat = 304,
    GOS_NR_link = 9,
    GOS_NR_linkat = 303,
    GOS_NR_utimensat = 320,
    GOS_NR_utimensat_time64 = 412,
    GOS_NR_sync = 36,
    GOS_NR_getgroups32 = 205,
    GOS_NR_fchown32 = 207,
    GOS_NR_chown32 = 212,
    GOS_NR_lchown32 = 198,
    GOS_NR_fchownat = 298,
    /* user and group ids (gos_sys_ids): the 16-bit calls, then the 32-bit ones */
    GOS_NR_setuid = 23,
    GOS_NR_getuid = 24,
    GOS_NR_setgid = 46,
    GOS_NR_getgid = 47,
    GOS_NR_geteuid = 49,
    GOS_NR_getegid = 50,
    GOS_NR_setreuid = 70,
    GOS_NR_setregid = 71,
    GOS_NR_setfsuid = 138,
    GOS_NR_setfsgid = 139,
    GOS_NR_setresuid = 164,
    GOS_NR_getresuid = 165,
    GOS_NR_setresgid = 170,
    GOS_NR_getresgid = 171,
    GOS_NR_setreuid32 = 203,
    GOS_NR_setregid32 = 204,
    GOS_NR_setresuid32 = 208,
    GOS_NR_getresuid32 = 209,
    GOS_NR_setresgid32 = 210,
    GOS_NR_getresgid32 = 211,
    GOS_NR_setuid32 = 213,
    GOS_NR_setgid32 = 214,
    GOS_NR_setfsuid32 = 215,
    GOS_NR_setfsgid32 = 216,
};

#define GOS_PAGE 4096u
#define GOS_MMAP_MIN 0x10000u   /* vm.mmap_min_addr default: nothing is placed below */
#define GOS_PATH_MAX 4096
#define GOS_NFDS 1024           /* RLIMIT_NOFILE soft limit the guest sees */
#define GOS_PID 1000            /* the guest's pid and tid (virtual, fixed) */
#define GOS_UID 1000            /* the guest's user and group ids (also AT_UID, AT_GID, ...) */
#define GOS_GID 1000
#define GOS_IO_MAX (16u << 20)  /* largest single host read/write (a short count beyond) */

/* One region as gos made it (its shadow of the models' map, kept for placement, mprotect
 * checks and MADV_DONTNEED, and so that gos works with no model at all). */
struct gos_region {
    uint64_t start, end;
    unsigned prot;
    enum vk_region_kind kind;
    uint32_t file_id;
    uint64_t file_pgoff;
};

/* A host file that backs file mappings: one id per (dev, inode). */
struct gos_file {
    dev_t dev;
    ino_t ino;
    int host_fd; /* kept open to refill pages (MADV_DONTNEED) */
    /* gos_symbolize's, read on its first look: the file's symbols and segments at its
     * link-time addresses (NULL: not an ELF it can read) and its host file name. */
    bool looked;
    struct gos_elf *syms;
    char name[64];
};

/* Directory offsets the guest sees: a 64-bit process gets 64-bit hash offsets from ext4,
 * which an i386 program's readdir refuses (EOVERFLOW), as a 32-bit process never sees them.
 * gos hands out small cookies instead (index + 1 into offs) and maps them back on lseek. */
struct gos_dircook {
    struct mmu_hmap idx; /* host offset -> (void *)(index + 1) */
    uint64_t *offs;      /* index -> host offset */
    size_t n, cap;
};

struct gos_fd {
    int host;     /* host fd, -1 = free slot */
    bool cloexec;
    char *path;   /* guest path it was opened by (NULL for 0, 1, 2 and pipes) */
    struct gos_dircook *dc; /* set once getdents64 has been used on it */
    bool random;  /* /dev/random or /dev/urandom: reads come from the seeded generator */
    bool pipe;    /* a pipe the guest made: a read or write that is not ready blocks the
                     thread, not the host (gos_proc.c) */
    bool sys;     /* opened in the read-only system view (--sysroot) */
};

struct gos_sigaction {
    uint64_t handler, flags, restorer;
    uint64_t mask;
};

/* ---- processes and threads (gos_proc.c) ---- */
enum gos_wait {
    GOS_RUNNABLE,
    GOS_WAIT_CHILD, /* wait4: a child to change state (the call is restarted) */
    GOS_WAIT_IO,    /* a pipe end not ready (the call is restarted) */
    GOS_WAIT_FUTEX, /* futex_wait on wait_on (woken with its result written) */
    GOS_WAIT_VFORK, /* its vfork child to exec or exit */
    GOS_WAIT_SIGNAL, /* pause, rt_sigsuspend: a signal (woken with -EINTR written) */
    GOS_DEAD,
};
struct gos_thread {
    uint32_t tid;
    struct gos *proc;         /* its process */
    enum gos_wait wait;
    uint64_t wait_on;         /* GOS_WAIT_CHILD: the pid argument; GOS_WAIT_FUTEX: the address;
                                 GOS_WAIT_VFORK: the child's pid; GOS_WAIT_IO: the guest fd */
    uint64_t clear_child_tid; /* set_tid_address, CLONE_CHILD_CLEARTID */
    uint64_t set_child_tid;   /* CLONE_CHILD_SETTID: written when it first runs */
    bool restarting;          /* its current call blocked and runs again: counted once */
    uint64_t blocked_at;      /* w->progress when it blocked (GOS_WAIT_CHILD, GOS_WAIT_IO) */
    /* A poll, select or epoll_wait with a timeout that blocked (gos_poll.c): the virtual time
     * it gives up at, kept until the call completes.  When every thread waits, the clock
     * jumps to the earliest deadline (or alarm) and that thread's call runs again. */
    bool timed;
    uint64_t deadline_ns;
};
enum gos_proc_state { GOS_PROC_ALIVE, GOS_PROC_ZOMBIE, GOS_PROC_REAPED };

/* What the whole guest shares: the kernel's tables, clock, random source and log. */
#define GOS_MAX_DSO 32     /* shared-object names gos_dso.c tracks */
#define GOS_MAX_DSO_FDS 64 /* (process, descriptor) pairs it remembers */
struct gos_world {
    struct gos_file *files; /* file id i + 1 is files[i] */
    size_t nfiles, capfiles;
    uint64_t rng;      /* splitmix64 state */
    uint64_t clock_ns; /* virtual time since the start of the run */
    uint64_t epoch_ns; /* realtime at clock_ns = 0 */
    struct gos_log *recording; /* recording this run's calls, or NULL */
    struct gos_log *replaying; /* replaying a recorded run, or NULL */
    uint64_t replayed_calls;   /* calls replayed so far */
    unsigned *unknown_nrs;     /* unknown calls, in order of first use (gos_calls.c) */
    const char **unknown_names;
    size_t nunknown, unknown_cap;
    char notes[1024]; /* gos_note's lines for the run's report, each ending in '\n' */
    struct {          /* gos_dso.c: the shared objects the guest tried to open */
        char name[64], first_path[160], found_path[160]; /* found: the last open that worked */
        unsigned misses; /* opens that failed with ENOENT */
        bool found;      /* an open of that name succeeded */
        bool mapped;     /* an mmap from a descriptor such an open returned succeeded */
        uint32_t pid;    /* the process that looked for it last */
    } dso[GOS_MAX_DSO];
    size_t ndso;
    struct {
        uint32_t pid;
        int32_t fd;
        int dso; /* index into dso[], -1: the descriptor is not a shared object's */
    } dso_fds[GOS_MAX_DSO_FDS];
    size_t ndso_fds;
    /* processes and threads, in order of creation */
    struct gos **procs;
    size_t nprocs, procs_cap;
    struct gos_thread *threads;
    size_t nthreads, threads_cap;
    size_t cur;              /* index of the running thread */
    uint32_t next_space;     /* address-space ids handed out so far */
    unsigned max_procs;      /* --max-procs: processes alive at most */
    unsigned live_procs;
    struct gos_action action; /* what the engine does after GOS_SCHEDULE */
    uint64_t progress;       /* calls completed (a blocked call may succeed now) */
    uint64_t exec_count;     /* execs so far (each exec's AT_RANDOM stream) */
    char *exec_argv[256];    /* execve's argv, for the engine (GOS_ACT_EXEC) */
    int exec_argc;
    struct gos_elf exec_elf; /* execve's program, loaded and checked */
    char exec_host_path[64];
    char exec_fn[GOS_PATH_MAX]; /* the path execve was given (AT_EXECFN) */
};

/* One process. */
struct gos {
    struct gos_world *w;
    uint32_t pid, ppid;
    uint32_t space;          /* its address space's id (the models' vmspace id) */
    enum gos_proc_state state;
    int wstatus;             /* wait4's status once a zombie */
    uint32_t vfork_parent;   /* a vfork child sharing this parent's address space, until its
                                exec or exit; 0 otherwise */
    uint64_t sig_pending;    /* signals sent to it, not yet delivered (bit n-1: signal n) */
    uint64_t alarm_ns;       /* alarm(): the virtual time SIGALRM is due, 0 = none */
    uint64_t suspend_mask;   /* rt_sigsuspend: the mask to restore after the handler */
    bool suspended;
    struct gos_options opt;
    enum gos_abi abi;        /* the ABI of the program it runs */
    char *root, *exe_path;
    struct vk_set *models;
    struct gos_mem mem;
    char err[256];
    bool fatal; /* a call hit a GOS_ERROR condition: err says why */
    bool exiting; /* exit or exit_group was called, or a signal killed the guest */
    int exit_status;
    int exit_signal; /* the signal that killed the guest, 0 for exit/exit_group */

    /* layout */
    uint64_t brk_base, brk_cur, mmap_top;
    struct gos_region *regions; /* sorted by start, disjoint */
    size_t nregions, regions_cap;

    /* files */
    int root_fd;
    int sysroot_fd; /* the read-only system view's top (--sysroot), or -1 */
    int exe_fd;   /* the program it runs, open on the host (execve of /proc/self/exe), or -1 */
    char cwd[GOS_PATH_MAX]; /* guest path of the cwd, "" for the root */
    struct gos_fd fds[GOS_NFDS];
    unsigned umask;

    /* misc */
    uint64_t sigmask;
    struct gos_sigaction sigact[65];
    uint64_t altstack[3];   /* ss_sp, ss_flags, ss_size */
    uint64_t rlim[16][2];
    char comm[16];

    /* scratch buffer for copies */
    uint8_t *scratch;
    size_t scratch_len;
};

static inline bool gos_is64(const struct gos *g)
{
    return g->abi == GOS_ABI_X86_64;
}
static inline unsigned gos_ptr_size(const struct gos *g)
{
    return gos_is64(g) ? 8u : 4u;
}
/* The end of the process's user space (GOS_USER_LIMIT or GOS_USER_LIMIT64). */
static inline uint64_t gos_user_limit(const struct gos *g)
{
    return gos_is64(g) ? GOS_USER_LIMIT64 : GOS_USER_LIMIT;
}
static inline int64_t gos_long(const struct gos *g, uint64_t v)
{
    return gos_is64(g) ? (int64_t)v : (int64_t)(int32_t)(uint32_t)v;
}

/* ---- gos_proc.c: processes, threads, the scheduler ---- */
int gos_proc_init(struct gos *g);  /* the world and the first process and thread */
void gos_proc_fini(struct gos *g); /* every other process and the world */
/* The current thread blocks on guest fd gfd (a pipe not ready); its call runs again. */
void gos_block_io(struct gos *g, int32_t gfd);
/* The poll family's wait (gos_poll.c): the current thread blocks until another completes a
 * call, its call running again then; with timeout_ns > 0 it also gives up at the deadline
 * set the first time (on is what the deadlock report names).  gos_wait_timed_out: the
 * restarted call's deadline has passed (the call answers "nothing ready"). */
void gos_block_timed(struct gos *g, uint64_t on, int64_t timeout_ns);
bool gos_wait_timed_out(struct gos *g);
/* The replay of a call that blocked in the first pass: the same wait, with its deadline
 * (deadline_ns + 1, or 0 for none, as gos_log records it). */
void gos_block_replayed(struct gos *g, uint64_t on, uint64_t deadline_plus1);
/* What gos_log records of the current thread's deadline: deadline_ns + 1, or 0. */
uint64_t gos_block_deadline(const struct gos *g);
/* After a call that ended the process (g->exiting): GOS_EXIT for the first process, else
 * GOS_SCHEDULE (the process is a zombie now) or GOS_ERROR. */
enum gos_result gos_proc_exiting(struct gos *g, int *exit_status);
int64_t gos_sys_fork(struct gos *g, const struct gos_regs *r);
int64_t gos_sys_vfork(struct gos *g, const struct gos_regs *r);
int64_t gos_sys_clone(struct gos *g, const struct gos_regs *r);
int64_t gos_sys_execve(struct gos *g, const struct gos_regs *r);
int64_t gos_sys_exit(struct gos *g, const struct gos_regs *r);
int64_t gos_sys_exit_group(struct gos *g, const struct gos_regs *r);
int64_t gos_sys_wait4(struct gos *g, const struct gos_regs *r);
int64_t gos_sys_waitpid(struct gos *g, const struct gos_regs *r);
int64_t gos_sys_futex(struct gos *g, const struct gos_regs *r);
int64_t gos_sys_gettid(struct gos *g, const struct gos_regs *r);
int64_t gos_sys_sched_yield(struct gos *g, const struct gos_regs *r);
/* sched_yield and the sleeps give way to the other runnable threads (decided by the call's
 * number, so the same in every pass). */
bool gos_call_yields(const struct gos *g, unsigned nr);
/* gos_signal.c: signals (pending per process, delivered to its running thread). */
void gos_signal_send(struct gos *p, int sig);
int64_t gos_sys_kill(struct gos *g, const struct gos_regs *r);
int64_t gos_sys_tkill(struct gos *g, const struct gos_regs *r);
int64_t gos_sys_tgkill(struct gos *g, const struct gos_regs *r);
int64_t gos_sys_alarm(struct gos *g, const struct gos_regs *r);
int64_t gos_sys_pause(struct gos *g, const struct gos_regs *r);
int64_t gos_sys_rt_sigsuspend(struct gos *g, const struct gos_regs *r);
int64_t gos_sys_sigreturn(struct gos *g, const struct gos_regs *r);
int64_t gos_sys_rt_sigreturn(struct gos *g, const struct gos_regs *r);
/* The current thread sleeps until woken (futex, pause) with eax = result. */
void gos_block_until_woken(struct gos *g, int wait_kind, uint64_t on);
/* A thread of process p waiting for a signal (pause, rt_sigsuspend) runs again. */
void gos_wake_for_signal(struct gos *p);

/* gos_fs.c's part: a child's descriptors (host dups), closing them all (exit), the
 * close-on-exec ones (execve), and opening a program to execute through the sandbox. */
int gos_fs_fork(struct gos *c, const struct gos *parent);
void gos_fs_close_all(struct gos *g);
void gos_fs_exec(struct gos *g);
/* opens the program execve names; guest_path: its absolute path in the guest's view */
int gos_fs_open_exec(struct gos *g, const char *path, int *host_fd, char *guest_path,
                     size_t len);
void gos_fs_set_exe(struct gos *g, int host_fd); /* the program execve runs now */
/* gos_misc.c's part of execve: signal actions, the alternate stack, comm. */
void gos_misc_exec(struct gos *g, const char *path);

/* Signature of one call: returns the result or -errno (in the i386 sense). */
typedef int64_t (*gos_call_fn)(struct gos *g, const struct gos_regs *r);

/* ---- gos_calls.c: the system call table, indexed by number ---- */
struct gos_call {
    const char *name;  /* asm/unistd_32.h's name; NULL for a number no call has */
    gos_call_fn serve; /* NULL: unknown, answered -ENOSYS and reported */
    /* a call on the process and thread tables (gos_proc.c): it depends only on the guest, so
     * it runs in every pass of a multi-pass run instead of being recorded and replayed */
    bool process;
};
extern const struct gos_call gos_calls_i386[GOS_NSYSCALLS];
#define GOS_NSYSCALLS64 451
extern const struct gos_call gos_calls_x86_64[GOS_NSYSCALLS64];
/* The table entry of call nr in g's ABI, or NULL for a number outside the table. */
const struct gos_call *gos_call_of(const struct gos *g, unsigned nr);
/* The name of call nr in g's ABI ("?" when unknown). */
const char *gos_call_name(const struct gos *g, unsigned nr);
/* true for the 64-bit ABI (whose long, pointer and time_t are 64 bits). */
static inline bool gos_is64(const struct gos *g);
static inline uint64_t gos_user_limit(const struct gos *g);
/* An argument of C type long (off_t, ssize_t, time_t) as the ABI's width says: i386's are
 * 32-bit and sign-extend. */
static inline int64_t gos_long(const struct gos *g, uint64_t v);

/* ---- gos_core.c ---- */
/* The memory calls. */
int64_t gos_sys_brk(struct gos *g, const struct gos_regs *r);
int64_t gos_sys_old_mmap(struct gos *g, const struct gos_regs *r);
int64_t gos_sys_mmap2(struct gos *g, const struct gos_regs *r);
int64_t gos_sys_mmap(struct gos *g, const struct gos_regs *r);
int64_t gos_sys_munmap(struct gos *g, const struct gos_regs *r);
int64_t gos_sys_mprotect(struct gos *g, const struct gos_regs *r);
int64_t gos_sys_madvise(struct gos *g, const struct gos_regs *r);
int64_t gos_sys_mremap(struct gos *g, const struct gos_regs *r);
/* Calls glibc probes and handles the absence of (statx, rseq, faccessat2, and
 * set_thread_area, which is the engine's): -ENOSYS, without being reported as unknown. */
int64_t gos_sys_enosys(struct gos *g, const struct gos_regs *r);
void gos_fail(struct gos *g, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A line for the run's report about something the guest was told (an execve that failed
 * because its interpreter is missing, say); the same line is kept once, and lines that do
 * not fit in the 1 KiB are dropped. */
void gos_note(struct gos *g, const char *line);
/* gos_dso.c: an open or openat of the guest path at path_addr returned rc; the notes for the
 * shared objects never found (called when the report asks for the notes). */
void gos_dso_open_result(struct gos *g, uint64_t path_addr, int64_t rc);
void gos_dso_mmap_result(struct gos *g, int32_t fd, int64_t rc);
void gos_dso_notes(struct gos *g);
void gos_dso_fini(struct gos_world *w); /* frees what gos_symbolize read */
/* A vk_set_* status in gos's terms: VK_ERROR fails g (g->fatal) naming the model's error and
 * what was being done; the status is returned as it is. */
int gos_vk_status(struct gos *g, int st, const char *what);
/* Guest-memory copies for a system call: each reports the bytes as one kernel access first
 * (model.md 6.6).  0, or -EFAULT (the model refused, or the engine's memory did); a model
 * error also sets g->fatal. */
int gos_copy_in(struct gos *g, uint64_t addr, void *buf, size_t len);
int gos_copy_out(struct gos *g, uint64_t addr, const void *buf, size_t len);
/* Reads a NUL-terminated string of at most max - 1 bytes; reports strlen + 1 bytes.
 * 0, -EFAULT or -ENAMETOOLONG. */
int gos_copy_str(struct gos *g, uint64_t addr, char *out, size_t max);
/* A pointer-sized value (4 bytes on i386, 8 on x86-64) in and out of guest memory. */
static inline unsigned gos_ptr_size(const struct gos *g);
int gos_copy_in_ptr(struct gos *g, uint64_t addr, uint64_t *out);
int gos_copy_out_ptr(struct gos *g, uint64_t addr, uint64_t v);
/* Reports a kernel access without copying (for buffers copied piecewise): 0 or -EFAULT. */
int gos_kernel_access(struct gos *g, uint64_t addr, size_t len, bool write);
/* Scratch buffer of at least n bytes; NULL (and g->fatal) when out of memory. */
uint8_t *gos_scratch(struct gos *g, size_t n);
/* Writes n zero bytes of guest memory without reporting them (fresh pages). */
int gos_zero_guest(struct gos *g, uint64_t addr, size_t n);
/* Copies n bytes of host file fd at off into guest memory (unreported: the page cache) and
 * zeroes the rest of [addr, addr + len). */
int gos_fill_from_file(struct gos *g, int fd, uint64_t off, uint64_t addr, size_t len);

/* Region changes made by system calls: the models, gos's shadow, and the log when recording.
 * 0, or -1 with g->fatal. */
int gos_region_map(struct gos *g, const struct gos_region *r);
int gos_region_unmap(struct gos *g, uint64_t start, uint64_t end);
int gos_region_protect(struct gos *g, uint64_t start, uint64_t end, unsigned prot);
/* A moving mremap: the regions inside [old, old + len) and their pages and bytes move to
 * [new, new + len) (apart from it; whatever was there is unmapped). */
int gos_region_move(struct gos *g, uint64_t old, uint64_t new, uint64_t len);

/* ---- gos_log.c: events of a recorded call (only while g->recording is set) ---- */
void gos_log_call(struct gos *g, const struct gos_regs *r);
void gos_log_map(struct gos *g, const struct gos_region *r);
void gos_log_unmap(struct gos *g, uint64_t start, uint64_t end);
void gos_log_protect(struct gos *g, uint64_t start, uint64_t end, unsigned prot);
void gos_log_move(struct gos *g, uint64_t old, uint64_t new, uint64_t len);
void gos_log_kaccess(struct gos *g, uint64_t addr, size_t len, bool write);
void gos_log_write(struct gos *g, uint64_t addr, const void *buf, size_t len);
void gos_log_zero(struct gos *g, uint64_t addr, size_t len);
void gos_log_result(struct gos *g, int64_t ax);
/* Replays the next recorded call (g->replaying set); its eax.  g->fatal when the guest diverged. */
int64_t gos_log_replay_call(struct gos *g, const struct gos_regs *regs);

/* ---- gos_fs.c ---- */
int gos_fs_init(struct gos *g);
void gos_fs_fini(struct gos *g);
/* Host fd behind guest fd gfd, or -1. */
int gos_host_fd(const struct gos *g, int32_t gfd);
/* Installs host fd h (an epoll instance, a socket) at the lowest free guest fd: the guest fd,
 * or -EMFILE (h closed). */
int32_t gos_fd_install(struct gos *g, int h, bool cloexec);
void gos_fd_release(struct gos *g, int32_t gfd); /* closes a guest fd (valid or free) */
/* A read (write_op false) or write on a guest-made pipe or socket that is not ready and not
 * O_NONBLOCK: the thread blocks (its call runs again) and true is returned. */
bool gos_pipe_wait(struct gos *g, int32_t fd, int h, bool write_op);
/* The iovec array {base, len} x cnt read in (widened on i386): the total length, or -errno
 * (EINVAL for cnt outside [0, IOV_MAX] or a total past SSIZE_MAX). */
int64_t gos_read_iov(struct gos *g, uint64_t addr, int32_t cnt, uint64_t (*iov)[2]);
int64_t gos_sys_read(struct gos *g, const struct gos_regs *r);
int64_t gos_sys_write(struct gos *g, const struct gos_regs *r);
int64_t gos_sys_readv(struct gos *g, const struct gos_regs *r);
int64_t gos_sys_writev(struct gos *g, const struct gos_regs *r);
int64_t gos_sys_pread64(struct gos *g, const struct gos_regs *r);
int64_t gos_sys_pwrite64(struct gos *g, const struct gos_regs *r);
int64_t gos_sys_sendfile64(struct gos *g, const struct gos_regs *r);
int64_t gos_sys_open(struct gos *g, const struct gos_regs *r);
int64_t gos_sys_openat(struct gos *g, const struct gos_regs *r);
int64_t gos_sys_close(struct gos *g, const struct gos_regs *r);
int64_t gos_sys_lseek(struct gos *g, const struct gos_regs *r);
int64_t gos_sys_llseek(struct gos *g, const struct gos_regs *r);
int64_t gos_sys_fstat64(struct gos *g, const struct gos_regs *r);
int64_t gos_sys_stat64(struct gos *g, const struct gos_regs *r);
int64_t gos_sys_lstat64(struct gos *g, const struct gos_regs *r);
int64_t gos_sys_fstatat64(struct gos *g, const struct gos_regs *r);
int64_t gos_sys_getdents64(struct gos *g, const struct gos_regs *r);
int64_t gos_sys_readlink(struct gos *g, const struct gos_regs *r);
int64_t gos_sys_getcwd(struct gos *g, const struct gos_regs *r);
int64_t gos_sys_chdir(struct gos *g, const struct gos_regs *r);
int64_t gos_sys_fchdir(struct gos *g, const struct gos_regs *r);
int64_t gos_sys_access(struct gos *g, const struct gos_regs *r);
int64_t gos_sys_faccessat(struct gos *g, const struct gos_regs *r);
int64_t gos_sys_ioctl(struct gos *g, const struct gos_regs *r);
int64_t gos_sys_fcntl64(struct gos *g, const struct gos_regs *r);
int64_t gos_sys_dup(struct gos *g, const struct gos_regs *r);
int64_t gos_sys_dup2(struct gos *g, const struct gos_regs *r);
int64_t gos_sys_dup3(struct gos *g, const struct gos_regs *r);
int64_t gos_sys_pipe(struct gos *g, const struct gos_regs *r);
int64_t gos_sys_pipe2(struct gos *g, const struct gos_regs *r);
int64_t gos_sys_unlink(struct gos *g, const struct gos_regs *r);
int64_t gos_sys_unlinkat(struct gos *g, const struct gos_regs *r);
int64_t gos_sys_rmdir(struct gos *g, const struct gos_regs *r);
int64_t gos_sys_rename(struct gos *g, const struct gos_regs *r);
int64_t gos_sys_renameat(struct gos *g, const struct gos_regs *r);
int64_t gos_sys_renameat2(struct gos *g, const struct gos_regs *r);
int64_t gos_sys_mkdir(struct gos *g, const struct gos_regs *r);
int64_t gos_sys_mkdirat(struct gos *g, const struct gos_regs *r);
int64_t gos_sys_ftruncate(struct gos *g, const struct gos_regs *r);
int64_t gos_sys_ftruncate64(struct gos *g, const struct gos_regs *r);
int64_t gos_sys_fsync(struct gos *g, const struct gos_regs *r);
int64_t gos_sys_umask(struct gos *g, const struct gos_regs *r);
int64_t gos_sys_chmod(struct gos *g, const struct gos_regs *r);
int64_t gos_sys_fchmod(struct gos *g, const struct gos_regs *r);
int64_t gos_sys_fchmodat(struct gos *g, const struct gos_regs *r);
int64_t gos_sys_chown32(struct gos *g, const struct gos_regs *r);
int64_t gos_sys_lchown32(struct gos *g, const struct gos_regs *r);
int64_t gos_sys_fchown32(struct gos *g, const struct gos_regs *r);
int64_t gos_sys_fchownat(struct gos *g, const struct gos_regs *r);
int64_t gos_sys_symlink(struct gos *g, const struct gos_regs *r);
int64_t gos_sys_symlinkat(struct gos *g, const struct gos_regs *r);
int64_t gos_sys_link(struct gos *g, const struct gos_regs *r);
int64_t gos_sys_linkat(struct gos *g, const struct gos_regs *r);
int64_t gos_sys_utimensat(struct gos *g, const struct gos_regs *r);
int64_t gos_sys_utimensat_time64(struct gos *g, const struct gos_regs *r);
int64_t gos_sys_sync(struct gos *g, const struct gos_regs *r);
/* The file id of host_fd's file (registering it); 0 and g->fatal when out of memory. */
uint32_t gos_file_id_of(struct gos *g, int host_fd);

/* ---- gos_misc.c ---- */
void gos_misc_init(struct gos *g);
int64_t gos_sys_time(struct gos *g, const struct gos_regs *r);
int64_t gos_sys_fadvise64(struct gos *g, const struct gos_regs *r);
int64_t gos_sys_fadvise64_64(struct gos *g, const struct gos_regs *r);
int64_t gos_sys_gettimeofday(struct gos *g, const struct gos_regs *r);
int64_t gos_sys_clock_gettime(struct gos *g, const struct gos_regs *r);
int64_t gos_sys_clock_gettime64(struct gos *g, const struct gos_regs *r);
int64_t gos_sys_clock_getres(struct gos *g, const struct gos_regs *r);
int64_t gos_sys_clock_getres_time64(struct gos *g, const struct gos_regs *r);
int64_t gos_sys_nanosleep(struct gos *g, const struct gos_regs *r);
int64_t gos_sys_clock_nanosleep(struct gos *g, const struct gos_regs *r);
int64_t gos_sys_clock_nanosleep_time64(struct gos *g, const struct gos_regs *r);
int64_t gos_sys_getrandom(struct gos *g, const struct gos_regs *r);
int64_t gos_sys_uname(struct gos *g, const struct gos_regs *r);
int64_t gos_sys_getpid(struct gos *g, const struct gos_regs *r);
int64_t gos_sys_getppid(struct gos *g, const struct gos_regs *r);
int64_t gos_sys_getuid(struct gos *g, const struct gos_regs *r);
int64_t gos_sys_getgid(struct gos *g, const struct gos_regs *r);
int64_t gos_sys_set_tid_address(struct gos *g, const struct gos_regs *r);
int64_t gos_sys_set_robust_list(struct gos *g, const struct gos_regs *r);
int64_t gos_sys_ugetrlimit(struct gos *g, const struct gos_regs *r);
int64_t gos_sys_prlimit64(struct gos *g, const struct gos_regs *r);
int64_t gos_sys_rt_sigaction(struct gos *g, const struct gos_regs *r);
int64_t gos_sys_rt_sigprocmask(struct gos *g, const struct gos_regs *r);
int64_t gos_sys_sigaltstack(struct gos *g, const struct gos_regs *r);
int64_t gos_sys_prctl(struct gos *g, const struct gos_regs *r);
int64_t gos_sys_sysinfo(struct gos *g, const struct gos_regs *r);
int64_t gos_sys_sched_getaffinity(struct gos *g, const struct gos_regs *r);
int64_t gos_sys_getrusage(struct gos *g, const struct gos_regs *r);
int64_t gos_sys_close_range(struct gos *g, const struct gos_regs *r);
int64_t gos_sys_creat(struct gos *g, const struct gos_regs *r);
/* gos_procfs.c: opens the synthetic /proc file at guest path (/proc/self/maps, the process's
 * regions in Linux's format); the guest fd, -ENOENT for any other, -EACCES unless O_RDONLY. */
int gos_procfs_open(struct gos *g, const char *guest, uint32_t accmode, bool cloexec);
int64_t gos_sys_statfs(struct gos *g, const struct gos_regs *r);
int64_t gos_sys_fstatfs(struct gos *g, const struct gos_regs *r);
int64_t gos_sys_statfs64(struct gos *g, const struct gos_regs *r);
int64_t gos_sys_fstatfs64(struct gos *g, const struct gos_regs *r);
/* A wait with a signal mask (ppoll, pselect6, epoll_pwait): when a pending signal that mask
 * lets through would act (a handler, or a default action that is not to ignore), mask is
 * put in force until the handler returns, as rt_sigsuspend does, and true is returned: the
 * call answers EINTR (gos_signal.c). */
bool gos_signal_interrupts(struct gos *g, uint64_t mask);
/* Whether call nr is a ppoll, pselect6 or epoll_pwait(2) whose signal mask interrupts it now
 * (gos_signal_interrupts): asked before the call is served or replayed, from the process's
 * signal state and the guest's memory, so every pass answers the same (gos_poll.c). */
bool gos_poll_interrupted(struct gos *g, unsigned nr, const struct gos_regs *r);
/* gos_sock.c */
int64_t gos_sys_socketcall(struct gos *g, const struct gos_regs *r);
int64_t gos_sys_socketpair(struct gos *g, const struct gos_regs *r);
int64_t gos_sys_sendto(struct gos *g, const struct gos_regs *r);
int64_t gos_sys_recvfrom(struct gos *g, const struct gos_regs *r);
int64_t gos_sys_sendmsg(struct gos *g, const struct gos_regs *r);
int64_t gos_sys_recvmsg(struct gos *g, const struct gos_regs *r);
int64_t gos_sys_shutdown(struct gos *g, const struct gos_regs *r);
int64_t gos_sys_getsockopt(struct gos *g, const struct gos_regs *r);
int64_t gos_sys_setsockopt(struct gos *g, const struct gos_regs *r);
int64_t gos_sys_getsockname(struct gos *g, const struct gos_regs *r);
/* Whether call nr (of g's ABI) with these arguments sends with MSG_NOSIGNAL: its EPIPE raises
 * no SIGPIPE.  Asked from the arguments, so every pass of a run answers the same. */
bool gos_sock_nosignal(struct gos *g, unsigned nr, const struct gos_regs *r);
/* gos_poll.c */
int64_t gos_sys_poll(struct gos *g, const struct gos_regs *r);
int64_t gos_sys_ppoll(struct gos *g, const struct gos_regs *r);
int64_t gos_sys_ppoll_time64(struct gos *g, const struct gos_regs *r);
int64_t gos_sys_select(struct gos *g, const struct gos_regs *r);
int64_t gos_sys_pselect6(struct gos *g, const struct gos_regs *r);
int64_t gos_sys_pselect6_time64(struct gos *g, const struct gos_regs *r);
int64_t gos_sys_epoll_create(struct gos *g, const struct gos_regs *r);
int64_t gos_sys_epoll_create1(struct gos *g, const struct gos_regs *r);
int64_t gos_sys_epoll_ctl(struct gos *g, const struct gos_regs *r);
int64_t gos_sys_epoll_wait(struct gos *g, const struct gos_regs *r);
int64_t gos_sys_epoll_pwait(struct gos *g, const struct gos_regs *r);
int64_t gos_sys_epoll_pwait2(struct gos *g, const struct gos_regs *r);
int64_t gos_sys_getgroups32(struct gos *g, const struct gos_regs *r);
/* Every set*id, get*id and getres*id call, 16- and 32-bit, told apart by r->eax. */
int64_t gos_sys_ids(struct gos *g, const struct gos_regs *r);
/* A write hit a closed pipe: the guest dies of SIGPIPE unless it ignores or catches it
 * (handlers are never run: the write then fails with EPIPE).  Returns -EPIPE. */
int64_t gos_sigpipe(struct gos *g);
/* CLOCK_REALTIME in ns after one clock step (what a file time "now" becomes). */
int64_t gos_realtime_now(struct gos *g);

#endif
