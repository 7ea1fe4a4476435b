/* guest/gos_proc.c - processes and threads: the process table (one struct gos each), the
 * threads, fork, vfork, clone, execve, exit, exit_group, wait4, futex, the ids, and the
 * scheduler (guest_os.h).  Each process and address space is also told to the models
 * (vk_set_fork, vk_set_exec, vk_set_exit, vk_set_switch: model.md section 11).
 *
 * The scheduler is deterministic and needs nothing from the host: a thread runs until it
 * blocks or exits; then the next thread in order of creation after it that can run does.  A
 * thread blocked on a pipe or in wait4 runs its call again (EIP back on the `int 0x80`) once
 * any other call has completed since it blocked (w->progress), so that no host state decides
 * the order; when every thread waits and nothing completed, the guest is deadlocked. */
#include "gos_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* clone flags (linux/sched.h) */
#define G_CSIGNAL 0x000000ffu
#define G_CLONE_VM 0x00000100u
#define G_CLONE_FS 0x00000200u
#define G_CLONE_FILES 0x00000400u
#define G_CLONE_SIGHAND 0x00000800u
#define G_CLONE_VFORK 0x00004000u
#define G_CLONE_PARENT 0x00008000u
#define G_CLONE_THREAD 0x00010000u
#define G_CLONE_SYSVSEM 0x00040000u
#define G_CLONE_SETTLS 0x00080000u
#define G_CLONE_PARENT_SETTID 0x00100000u
#define G_CLONE_CHILD_CLEARTID 0x00200000u
#define G_CLONE_DETACHED 0x00400000u
#define G_CLONE_CHILD_SETTID 0x01000000u
/* what vkmmu serves: the flags of fork, vfork, posix_spawn and pthread_create */
#define G_CLONE_SERVED                                                                           \
    (G_CSIGNAL | G_CLONE_VM | G_CLONE_FS | G_CLONE_FILES | G_CLONE_SIGHAND | G_CLONE_VFORK |   \
     G_CLONE_THREAD | G_CLONE_SYSVSEM | G_CLONE_SETTLS | G_CLONE_PARENT_SETTID |                \
     G_CLONE_CHILD_CLEARTID | G_CLONE_DETACHED | G_CLONE_CHILD_SETTID)

#define G_WNOHANG 1u
#define G_FUTEX_WAIT 0u
#define G_FUTEX_WAKE 1u
#define G_FUTEX_WAIT_BITSET 9u
#define G_FUTEX_WAKE_BITSET 10u
#define G_FUTEX_CMD_MASK 0x7fu /* without FUTEX_PRIVATE_FLAG (128), FUTEX_CLOCK_REALTIME (256) */

#define GOS_MAX_EXEC_ARGS 256
#define GOS_MAX_EXEC_STRING 4096

/* The models number processes from 1 (model.md 11: the trace's pid 1 is the first). */
static uint32_t model_pid(uint32_t pid)
{
    return pid - GOS_PID_FIRST + 1;
}

static struct gos_thread *current_thread(struct gos *g)
{
    return &g->w->threads[g->w->cur];
}

static void free_strings(char **v, int n);
static int put_tid(struct gos *g, uint64_t addr, uint32_t tid);

/* ---- the tables ---- */

static struct gos_thread *thread_add(struct gos_world *w, uint32_t tid, struct gos *proc)
{
    if (w->nthreads == w->threads_cap) {
        size_t cap = w->threads_cap ? w->threads_cap * 2 : 8;
        struct gos_thread *n = realloc(w->threads, cap * sizeof *n);
        if (!n)
            return NULL;
        w->threads = n;
        w->threads_cap = cap;
    }
    struct gos_thread *t = &w->threads[w->nthreads++];
    memset(t, 0, sizeof *t);
    t->tid = tid;
    t->proc = proc;
    t->wait = GOS_RUNNABLE;
    return t;
}

static int proc_add(struct gos_world *w, struct gos *p)
{
    if (w->nprocs == w->procs_cap) {
        size_t cap = w->procs_cap ? w->procs_cap * 2 : 8;
        struct gos **n = realloc(w->procs, cap * sizeof *n);
        if (!n)
            return -1;
        w->procs = n;
        w->procs_cap = cap;
    }
    w->procs[w->nprocs++] = p;
    return 0;
}

int gos_proc_init(struct gos *g)
{
    struct gos_world *w = calloc(1, sizeof *w);
    if (!w)
        return -1;
    g->w = w;
    g->pid = GOS_PID_FIRST;
    g->ppid = GOS_PID_FIRST - 1;
    g->space = w->next_space++;
    w->max_procs = g->opt.max_procs ? g->opt.max_procs : GOS_MAX_PROCS_DEFAULT;
    w->live_procs = 1;
    if (proc_add(w, g) < 0 || !thread_add(w, g->pid, g))
        return -1;
    w->cur = 0;
    return 0;
}

/* Frees one process's own state (gos_free frees the world after the first process). */
static void proc_free(struct gos *p)
{
    gos_fs_fini(p);
    free(p->regions);
    free(p->scratch);
    free(p->root);
    free(p->exe_path);
    free(p);
}

void gos_proc_fini(struct gos *g)
{
    struct gos_world *w = g->w;
    if (!w)
        return;
    for (size_t i = 0; i < w->nprocs; i++)
        if (w->procs[i] != g)
            proc_free(w->procs[i]);
    free(w->procs);
    free(w->threads);
    free_strings(w->exec_argv, w->exec_argc);
    gos_elf_fini(&w->exec_elf);
    free(w);
    g->w = NULL;
}

/* ---- what the engine sees ---- */

const struct gos_action *gos_action(const struct gos *g)
{
    return &g->w->action;
}

bool gos_thread_gone(const struct gos *g, uint32_t tid)
{
    const struct gos_world *w = g->w;
    for (size_t i = 0; i < w->nthreads; i++)
        if (w->threads[i].tid == tid)
            return w->threads[i].wait == GOS_DEAD;
    return true;
}

void gos_set_memory(struct gos *proc, const struct gos_mem *mem)
{
    proc->mem = *mem;
}

size_t gos_processes(const struct gos *g, struct gos_process_info *out, size_t max)
{
    const struct gos_world *w = g->w;
    for (size_t i = 0; i < w->nprocs && i < max; i++) {
        const struct gos *p = w->procs[i];
        out[i] = (struct gos_process_info){p->pid, p->ppid, p->exe_path,
                                           p->state != GOS_PROC_ALIVE, p->wstatus};
    }
    return w->nprocs;
}

/* ---- the scheduler ---- */

static bool can_run(const struct gos_world *w, const struct gos_thread *t)
{
    switch (t->wait) {
    case GOS_RUNNABLE:
        return true;
    case GOS_WAIT_CHILD:
    case GOS_WAIT_IO:
        return t->blocked_at != w->progress; /* something completed since: try again */
    default:
        return false;
    }
}

static const char *wait_name(enum gos_wait wt)
{
    switch (wt) {
    case GOS_RUNNABLE: return "runnable";
    case GOS_WAIT_CHILD: return "wait4 for a child";
    case GOS_WAIT_IO: return "a pipe or socket (read, write, poll, select, epoll_wait)";
    case GOS_WAIT_FUTEX: return "futex";
    case GOS_WAIT_VFORK: return "its vfork child";
    case GOS_WAIT_SIGNAL: return "a signal";
    case GOS_DEAD: return "exited";
    }
    return "?";
}

/* One line per live thread: what it waits on. */
static void deadlock_report(const struct gos_world *w, char *out, size_t len)
{
    size_t off = 0;
    out[0] = '\0';
    for (size_t i = 0; i < w->nthreads && off < len; i++) {
        const struct gos_thread *t = &w->threads[i];
        if (t->wait == GOS_DEAD)
            continue;
        int n = snprintf(out + off, len - off, "%spid %u tid %u (%s): waits on %s 0x%llx",
                         off ? "\n" : "", t->proc->pid, t->tid, t->proc->exe_path,
                         wait_name(t->wait), (unsigned long long)t->wait_on);
        if (n < 0)
            break;
        off += (size_t)n;
    }
}

/* Every thread waits: the virtual clock jumps to the earliest alarm, whose SIGALRM may wake
 * one.  true when a process had an alarm. */
static bool alarm_wakes(struct gos_world *w)
{
    struct gos *first = NULL;
    for (size_t i = 0; i < w->nprocs; i++) {
        struct gos *p = w->procs[i];
        if (p->state == GOS_PROC_ALIVE && p->alarm_ns && (!first || p->alarm_ns < first->alarm_ns))
            first = p;
    }
    if (!first)
        return false;
    if (w->clock_ns < first->alarm_ns)
        w->clock_ns = first->alarm_ns;
    first->alarm_ns = 0;
    gos_signal_send(first, 14 /* SIGALRM */);
    w->progress++;
    return true;
}

/* Every thread waits: the earliest of the alarms and the poll family's deadlines comes (the
 * clock jumps there).  A deadline wakes its thread, whose call runs again and times out; an
 * alarm is alarm_wakes's.  true when something was due. */
static bool timer_wakes(struct gos_world *w)
{
    uint64_t alarm = 0;
    for (size_t i = 0; i < w->nprocs; i++) {
        const struct gos *p = w->procs[i];
        if (p->state == GOS_PROC_ALIVE && p->alarm_ns && (!alarm || p->alarm_ns < alarm))
            alarm = p->alarm_ns;
    }
    struct gos_thread *due = NULL;
    for (size_t i = 0; i < w->nthreads; i++) {
        struct gos_thread *t = &w->threads[i];
        if (t->wait == GOS_WAIT_IO && t->timed && (!due || t->deadline_ns < due->deadline_ns))
            due = t;
    }
    if (!due || (alarm && alarm <= due->deadline_ns))
        return alarm_wakes(w);
    if (w->clock_ns < due->deadline_ns)
        w->clock_ns = due->deadline_ns;
    due->wait = GOS_RUNNABLE;
    due->restarting = true; /* its call runs again: counted once */
    return true;
}

int gos_schedule(struct gos *g, struct gos_next *next, char *report, size_t len)
{
    struct gos_world *w = g->w;
    size_t n = w->nthreads, pick = SIZE_MAX;
    /* the running thread goes on when it can, unless it yields (it comes last then);
     * otherwise the next one after it */
    size_t first = w->action.kind == GOS_ACT_YIELD ? 1 : 0;
    w->action.kind = GOS_ACT_NONE;
    for (size_t k = first; k < first + n; k++) {
        size_t i = (w->cur + k) % n;
        if (can_run(w, &w->threads[i])) {
            pick = i;
            break;
        }
    }
    if (pick == SIZE_MAX && timer_wakes(w))
        return gos_schedule(g, next, report, len);
    if (pick == SIZE_MAX) {
        deadlock_report(w, report, len);
        return 0;
    }
    struct gos_thread *t = &w->threads[pick];
    struct gos *p = t->proc;
    if (t->wait != GOS_RUNNABLE) {
        t->wait = GOS_RUNNABLE;
        t->restarting = true; /* its call runs again: counted once */
    }
    if (p != w->threads[w->cur].proc || w->threads[w->cur].wait == GOS_DEAD)
        if (gos_vk_status(p, vk_set_switch(p->models, model_pid(p->pid)), "switch") == VK_ERROR)
            return -1;
    w->cur = pick;
    *next = (struct gos_next){p->pid, t->tid, p->space, p};
    return 1;
}

int gos_thread_begin(struct gos *proc)
{
    struct gos_thread *t = current_thread(proc);
    uint64_t at = t->set_child_tid;
    if (!at)
        return 0;
    t->set_child_tid = 0;
    /* like a process call, in every pass and not in the log */
    struct gos_log *rec = proc->w->recording;
    proc->w->recording = NULL;
    (void)put_tid(proc, at, t->tid); /* a bad address is the child's problem, as in Linux */
    proc->w->recording = rec;
    return proc->fatal ? -1 : 0;
}

/* The current thread sleeps: restart says whether its call runs again when it wakes. */
static void block(struct gos *g, enum gos_wait why, uint64_t on, bool restart)
{
    struct gos_thread *t = current_thread(g);
    t->wait = why;
    t->wait_on = on;
    t->blocked_at = g->w->progress;
    g->w->action.kind = restart ? GOS_ACT_BLOCK_RESTART : GOS_ACT_BLOCK;
}

void gos_block_until_woken(struct gos *g, int wait_kind, uint64_t on)
{
    block(g, (enum gos_wait)wait_kind, on, false);
}

void gos_wake_for_signal(struct gos *p)
{
    struct gos_world *w = p->w;
    for (size_t i = 0; i < w->nthreads; i++) {
        struct gos_thread *t = &w->threads[i];
        if (t->proc != p)
            continue;
        if (t->wait == GOS_WAIT_SIGNAL) {
            t->wait = GOS_RUNNABLE;
        } else if (t->wait == GOS_WAIT_CHILD || t->wait == GOS_WAIT_IO) {
            t->wait = GOS_RUNNABLE; /* its handler runs, then its call again */
            t->restarting = true;
        }
    }
}

void gos_block_io(struct gos *g, int32_t gfd)
{
    block(g, GOS_WAIT_IO, (uint32_t)gfd, true);
}

void gos_block_timed(struct gos *g, uint64_t on, int64_t timeout_ns)
{
    struct gos_thread *t = current_thread(g);
    if (timeout_ns > 0 && !t->timed) {
        t->timed = true;
        t->deadline_ns = g->w->clock_ns + (uint64_t)timeout_ns;
    }
    block(g, GOS_WAIT_IO, on, true);
}

bool gos_wait_timed_out(struct gos *g)
{
    const struct gos_thread *t = current_thread(g);
    return t->timed && g->w->clock_ns >= t->deadline_ns;
}

void gos_block_replayed(struct gos *g, uint64_t on, uint64_t deadline_plus1)
{
    struct gos_thread *t = current_thread(g);
    t->timed = deadline_plus1 != 0;
    t->deadline_ns = deadline_plus1 ? deadline_plus1 - 1 : 0;
    block(g, GOS_WAIT_IO, on, true);
}

uint64_t gos_block_deadline(const struct gos *g)
{
    const struct gos_thread *t = &g->w->threads[g->w->cur];
    return t->timed ? t->deadline_ns + 1 : 0;
}

/* ---- ids ---- */

int64_t gos_sys_getpid(struct gos *g, const struct gos_regs *r)
{
    (void)r;
    return (int32_t)g->pid;
}

int64_t gos_sys_getppid(struct gos *g, const struct gos_regs *r)
{
    (void)r;
    return (int32_t)g->ppid;
}

int64_t gos_sys_gettid(struct gos *g, const struct gos_regs *r)
{
    (void)r;
    return (int32_t)current_thread(g)->tid;
}

int64_t gos_sys_sched_yield(struct gos *g, const struct gos_regs *r)
{
    (void)g;
    (void)r;
    return 0;
}

bool gos_yield(struct gos *g)
{
    struct gos_world *w = g->w;
    for (size_t i = 0; i < w->nthreads; i++)
        if (i != w->cur && can_run(w, &w->threads[i])) {
            w->action = (struct gos_action){.kind = GOS_ACT_YIELD};
            return true;
        }
    return false;
}

bool gos_call_yields(const struct gos *g, unsigned nr)
{
    const struct gos_call *c = gos_call_of(g, nr);
    gos_call_fn fn = c ? c->serve : NULL;
    if (fn != gos_sys_sched_yield && fn != gos_sys_nanosleep && fn != gos_sys_clock_nanosleep &&
        fn != gos_sys_clock_nanosleep_time64)
        return false;
    const struct gos_world *w = g->w;
    for (size_t i = 0; i < w->nthreads; i++)
        if (i != w->cur && can_run(w, &w->threads[i]))
            return true;
    return false;
}

int64_t gos_sys_set_tid_address(struct gos *g, const struct gos_regs *r)
{
    struct gos_thread *t = current_thread(g);
    t->clear_child_tid = r->a[0];
    return (int32_t)t->tid;
}

/* ---- fork, vfork, clone ---- */

/* A new process with a copy of g's state: its file descriptors share their open file
 * descriptions (host dup), its layout and signal actions are g's. */
static struct gos *proc_copy(struct gos *g, uint32_t pid)
{
    struct gos *c = malloc(sizeof *c);
    if (!c)
        return NULL;
    memcpy(c, g, sizeof *c);
    c->pid = pid;
    c->ppid = g->pid;
    c->state = GOS_PROC_ALIVE;
    c->wstatus = 0;
    c->vfork_parent = 0;
    c->scratch = NULL;
    c->scratch_len = 0;
    c->root = strdup(g->root);
    c->exe_path = strdup(g->exe_path);
    c->regions = g->nregions ? malloc(g->nregions * sizeof *g->regions) : NULL;
    c->regions_cap = g->nregions;
    if (!c->root || !c->exe_path || (g->nregions && !c->regions)) {
        free(c->root);
        free(c->exe_path);
        free(c->regions);
        free(c);
        return NULL;
    }
    if (g->nregions)
        memcpy(c->regions, g->regions, g->nregions * sizeof *g->regions);
    if (gos_fs_fork(c, g) < 0) {
        gos_fs_fini(c);
        free(c->root);
        free(c->exe_path);
        free(c->regions);
        free(c);
        return NULL;
    }
    return c;
}

/* The tid a new thread gets: pids and tids come from one counter, as Linux's. */
static uint32_t next_id(struct gos_world *w)
{
    uint32_t id = GOS_PID_FIRST;
    for (size_t i = 0; i < w->nthreads; i++)
        if (w->threads[i].tid >= id)
            id = w->threads[i].tid + 1;
    return id;
}

/* Writes a tid to guest memory for CLONE_PARENT_SETTID / CLONE_CHILD_SETTID. */
static int put_tid(struct gos *g, uint64_t addr, uint32_t tid)
{
    return addr ? gos_copy_out(g, addr, &tid, 4) : 0;
}

/* tls: i386 a struct user_desc pointer, x86-64 the new FS base (CLONE_SETTLS). */
static int64_t do_clone(struct gos *g, uint32_t flags, uint64_t stack, uint64_t ptid,
                        uint64_t tls, uint64_t ctid)
{
    struct gos_world *w = g->w;
    if (flags & ~G_CLONE_SERVED)
        return -EINVAL;
    bool thread = flags & G_CLONE_THREAD, vm = flags & G_CLONE_VM, vfork = flags & G_CLONE_VFORK;
    if (thread && (!vm || !(flags & G_CLONE_SIGHAND)))
        return -EINVAL;
    if (vm && !thread && !vfork)
        return -EINVAL; /* a process sharing memory without vfork's wait: not modelled */
    uint32_t tls_desc[4] = {0, 0, 0, 0};
    if ((flags & G_CLONE_SETTLS) && !gos_is64(g) &&
        gos_copy_in(g, tls, tls_desc, sizeof tls_desc) != 0)
        return -EFAULT;
    if (!thread && w->live_procs >= w->max_procs)
        return -EAGAIN; /* RLIMIT_NPROC */
    uint32_t tid = next_id(w);
    struct gos *proc = g;
    if (!thread) {
        proc = proc_copy(g, tid);
        if (!proc || proc_add(w, proc) < 0) {
            if (proc)
                proc_free(proc);
            return -ENOMEM;
        }
        w->live_procs++;
        if (vfork)
            proc->vfork_parent = g->pid;
        else
            proc->space = w->next_space++;
        if (gos_vk_status(g, vk_set_fork(g->models, model_pid(tid), vfork), "fork") == VK_ERROR)
            return -ENOMEM;
    }
    size_t cur_index = w->cur;
    struct gos_thread *t = thread_add(w, tid, proc);
    if (!t)
        return -ENOMEM;
    if (flags & G_CLONE_CHILD_CLEARTID)
        t->clear_child_tid = ctid;
    /* CLONE_CHILD_SETTID is written by the child itself when it first runs (Linux's
     * schedule_tail): into its own copy of the memory (gos_thread_begin) */
    if (flags & G_CLONE_CHILD_SETTID)
        t->set_child_tid = ctid;
    if ((flags & G_CLONE_PARENT_SETTID) && put_tid(g, ptid, tid) != 0)
        return -EFAULT;
    w->cur = cur_index;
    struct gos_action *a = &w->action;
    *a = (struct gos_action){.kind = GOS_ACT_CLONE,
                             .child_tid = tid,
                             .child_pid = proc->pid,
                             .child_space = proc->space,
                             .new_space = !vm,
                             .settls = (flags & G_CLONE_SETTLS) != 0,
                             .stack = stack,
                             .tls_base = gos_is64(g) ? tls : 0};
    memcpy(a->tls, tls_desc, sizeof tls_desc);
    if (vfork) {
        struct gos_thread *parent = current_thread(g);
        parent->wait = GOS_WAIT_VFORK;
        parent->wait_on = tid;
        a->parent_sleeps = true;
    }
    return (int32_t)tid;
}

int64_t gos_sys_fork(struct gos *g, const struct gos_regs *r)
{
    (void)r;
    return do_clone(g, 17 /* SIGCHLD */, 0, 0, 0, 0);
}

int64_t gos_sys_vfork(struct gos *g, const struct gos_regs *r)
{
    (void)r;
    return do_clone(g, G_CLONE_VM | G_CLONE_VFORK | 17, 0, 0, 0, 0);
}

/* i386 clone(flags, stack, parent_tid, tls, child_tid); x86-64 clone(flags, stack,
 * parent_tid, child_tid, tls) */
int64_t gos_sys_clone(struct gos *g, const struct gos_regs *r)
{
    if (gos_is64(g))
        return do_clone(g, (uint32_t)r->a[0], r->a[1], r->a[2], r->a[4], r->a[3]);
    return do_clone(g, (uint32_t)r->a[0], r->a[1], r->a[2], r->a[3], r->a[4]);
}

/* ---- exit ---- */

/* The vfork parent waiting on p may run again (p execs or exits). */
static void vfork_release(struct gos *p)
{
    struct gos_world *w = p->w;
    for (size_t i = 0; i < w->nthreads; i++) {
        struct gos_thread *t = &w->threads[i];
        if (t->wait == GOS_WAIT_VFORK && t->wait_on == p->pid)
            t->wait = GOS_RUNNABLE;
    }
    p->vfork_parent = 0;
}

/* Wakes up to n threads of address space `space` waiting on futex addr; how many. */
static uint32_t futex_wake(struct gos_world *w, uint32_t space, uint64_t addr, uint32_t n)
{
    uint32_t woken = 0;
    for (size_t i = 0; i < w->nthreads && woken < n; i++) {
        struct gos_thread *t = &w->threads[i];
        if (t->wait == GOS_WAIT_FUTEX && t->wait_on == addr && t->proc->space == space) {
            t->wait = GOS_RUNNABLE;
            woken++;
        }
    }
    return woken;
}

/* The process ends (exit_group, the last thread's exit, a fatal signal): its threads die,
 * its files close, its children go to the first process, it becomes a zombie for wait4, and
 * the models remove its address space unless it was a vfork child. */
static int process_end(struct gos *p, int wstatus)
{
    struct gos_world *w = p->w;
    for (size_t i = 0; i < w->nthreads; i++)
        if (w->threads[i].proc == p)
            w->threads[i].wait = GOS_DEAD;
    for (size_t i = 0; i < w->nprocs; i++)
        if (w->procs[i]->ppid == p->pid)
            w->procs[i]->ppid = GOS_PID_FIRST;
    bool shared = p->vfork_parent != 0;
    if (shared)
        vfork_release(p);
    gos_fs_close_all(p);
    p->state = GOS_PROC_ZOMBIE;
    p->wstatus = wstatus;
    struct gos *parent = gos_process(p, p->ppid);
    if (parent)
        gos_signal_send(parent, 17 /* SIGCHLD */);
    w->progress++;
    bool unused = !shared;
    for (size_t i = 0; i < w->nprocs && unused; i++)
        if (w->procs[i]->state == GOS_PROC_ALIVE && w->procs[i]->space == p->space)
            unused = false;
    w->action = (struct gos_action){.kind = GOS_ACT_PROCESS_EXIT,
                                    .exit_pid = p->pid,
                                    .exit_space = p->space,
                                    .space_unused = unused};
    return gos_vk_status(p, vk_set_exit(p->models), "exit") == VK_ERROR ? -1 : 0;
}

/* Called by gos_syscall when a call ended the process (exit, exit_group, SIGPIPE): GOS_EXIT
 * when it is the first process (the run ends: the models keep what is alive), else
 * GOS_SCHEDULE after process_end. */
enum gos_result gos_proc_exiting(struct gos *g, int *exit_status)
{
    int wstatus = g->exit_signal ? g->exit_signal : (g->exit_status & 0xff) << 8;
    if (g->pid == GOS_PID_FIRST) {
        if (exit_status)
            *exit_status = g->exit_status;
        return GOS_EXIT;
    }
    g->exiting = false;
    if (process_end(g, wstatus) < 0)
        return GOS_ERROR;
    return GOS_SCHEDULE;
}

enum gos_result gos_process_killed(struct gos *proc, int sig)
{
    proc->exiting = true;
    proc->exit_signal = sig;
    proc->exit_status = 128 + sig;
    proc->w->action.kind = GOS_ACT_NONE;
    return gos_proc_exiting(proc, NULL);
}

const char *gos_program(const struct gos *proc)
{
    return proc->exe_path ? proc->exe_path : "?";
}

struct gos *gos_process(const struct gos *g, uint32_t pid)
{
    for (size_t i = 0; i < g->w->nprocs; i++)
        if (g->w->procs[i]->pid == pid)
            return g->w->procs[i];
    return NULL;
}

/* exit: this thread only; the process ends with its last thread (gos_proc_exiting). */
int64_t gos_sys_exit(struct gos *g, const struct gos_regs *r)
{
    struct gos_world *w = g->w;
    struct gos_thread *t = current_thread(g);
    unsigned others = 0;
    for (size_t i = 0; i < w->nthreads; i++)
        if (&w->threads[i] != t && w->threads[i].proc == g && w->threads[i].wait != GOS_DEAD)
            others++;
    if (others == 0)
        return gos_sys_exit_group(g, r);
    if (t->clear_child_tid) {
        uint32_t zero = 0;
        if (gos_copy_out(g, t->clear_child_tid, &zero, 4) == 0)
            futex_wake(w, g->space, t->clear_child_tid, 1);
    }
    t->wait = GOS_DEAD;
    w->progress++;
    w->action = (struct gos_action){.kind = GOS_ACT_THREAD_EXIT, .exit_pid = g->pid,
                                    .exit_space = g->space};
    return 0;
}

int64_t gos_sys_exit_group(struct gos *g, const struct gos_regs *r)
{
    g->exiting = true;
    g->exit_status = (int)(r->a[0] & 0xff);
    return 0;
}

/* ---- wait4, waitpid ---- */

static bool child_matches(const struct gos *g, const struct gos *c, int32_t pid)
{
    return c->ppid == g->pid && c->state != GOS_PROC_REAPED && (pid <= 0 || c->pid == (uint32_t)pid);
}

static int64_t do_wait(struct gos *g, int32_t pid, uint64_t status_addr, uint32_t options,
                       uint64_t rusage_addr)
{
    struct gos_world *w = g->w;
    if (options & ~(G_WNOHANG | 0x40000000u /* __WALL */ | 0x80000000u /* __WCLONE */))
        return -EINVAL;
    bool any = false;
    for (size_t i = 0; i < w->nprocs; i++) {
        struct gos *c = w->procs[i];
        if (!child_matches(g, c, pid))
            continue;
        any = true;
        if (c->state != GOS_PROC_ZOMBIE)
            continue;
        /* struct rusage (72 bytes on i386, 144 on x86-64): a virtual child's are zero */
        uint8_t ru[144] = {0};
        if ((status_addr && gos_copy_out(g, status_addr, &c->wstatus, 4) != 0) ||
            (rusage_addr && gos_copy_out(g, rusage_addr, ru, gos_is64(g) ? 144 : 72) != 0))
            return -EFAULT;
        c->state = GOS_PROC_REAPED;
        w->live_procs--;
        return (int32_t)c->pid;
    }
    if (!any)
        return -ECHILD;
    if (options & G_WNOHANG)
        return 0;
    block(g, GOS_WAIT_CHILD, (uint32_t)pid, true);
    return 0;
}

int64_t gos_sys_wait4(struct gos *g, const struct gos_regs *r)
{
    return do_wait(g, (int32_t)r->a[0], r->a[1], (uint32_t)r->a[2], r->a[3]);
}

int64_t gos_sys_waitpid(struct gos *g, const struct gos_regs *r)
{
    return do_wait(g, (int32_t)r->a[0], r->a[1], (uint32_t)r->a[2], 0);
}

/* ---- futex ---- */

int64_t gos_sys_futex(struct gos *g, const struct gos_regs *r)
{
    uint64_t addr = r->a[0];
    uint32_t op = r->a[1] & G_FUTEX_CMD_MASK, val = (uint32_t)r->a[2];
    if (addr & 3)
        return -EINVAL;
    switch (op) {
    case G_FUTEX_WAIT:
    case G_FUTEX_WAIT_BITSET: {
        uint32_t now;
        if (gos_copy_in(g, addr, &now, 4) != 0)
            return -EFAULT;
        if (now != val)
            return -EAGAIN;
        block(g, GOS_WAIT_FUTEX, addr, false); /* woken by futex_wake: returns 0 */
        return 0;
    }
    case G_FUTEX_WAKE:
    case G_FUTEX_WAKE_BITSET:
        return (int32_t)futex_wake(g->w, g->space, addr, val);
    default:
        return -ENOSYS;
    }
}

/* ---- execve ---- */

/* Copies a NULL-terminated array of strings from the guest (argv): count in *n, the strings in
 * out (strdup'ed).  0 or -errno. */
static int copy_strings(struct gos *g, uint64_t addr, char **out, int max, int *n)
{
    *n = 0;
    if (!addr)
        return 0;
    for (int i = 0;; i++) {
        uint64_t p;
        if (gos_copy_in_ptr(g, addr + gos_ptr_size(g) * (uint64_t)i, &p) != 0)
            return -EFAULT;
        if (!p)
            return 0;
        if (i >= max)
            return -E2BIG;
        char buf[GOS_MAX_EXEC_STRING];
        int rc = gos_copy_str(g, p, buf, sizeof buf);
        if (rc != 0)
            return rc == -ENAMETOOLONG ? -E2BIG : rc;
        out[i] = strdup(buf);
        if (!out[i])
            return -ENOMEM;
        *n = i + 1;
    }
}

static void free_strings(char **v, int n)
{
    for (int i = 0; i < n; i++)
        free(v[i]);
}

int gos_interp_open(struct gos *g, struct gos_elf *e, char *err, size_t errlen)
{
    if (!e->interp_path || e->interp)
        return 0;
    int hfd = -1;
    char resolved[GOS_PATH_MAX], host[64];
    int rc = gos_fs_open_exec(g, e->interp_path, &hfd, resolved, sizeof resolved);
    if (rc != 0) {
        snprintf(err, errlen,
                 "%s: its interpreter %s (PT_INTERP) is not in the guest's view: %s (Linux's "
                 "execve fails so; --sysroot / gives the host's)",
                 e->path, e->interp_path, strerror(-rc));
        return rc;
    }
    struct gos_elf *in = calloc(1, sizeof *in);
    if (!in) {
        close(hfd);
        snprintf(err, errlen, "out of memory");
        return -ENOMEM;
    }
    snprintf(host, sizeof host, "/proc/self/fd/%d", hfd);
    char why[256];
    int st = gos_elf_load_interp(in, host, why, sizeof why);
    uint32_t file_id = st == GOS_OK ? gos_file_id(g, hfd) : 0;
    close(hfd);
    if (st == GOS_OK && in->abi != e->abi) {
        snprintf(why, sizeof why, "an %s ELF for an %s program", gos_abi_name(in->abi),
                 gos_abi_name(e->abi));
        gos_elf_fini(in);
        st = GOS_EINPUT;
    }
    if (st != GOS_OK || file_id == 0) {
        free(in);
        /* binfmt_elf: an interpreter that is not a loadable ELF of the program's machine */
        const char *colon = strstr(why, ": ");
        snprintf(err, errlen, "%s: its interpreter %s (%s): %s (Linux's execve fails with "
                 "ELIBBAD)",
                 e->path, e->interp_path, resolved, colon ? colon + 2 : why);
        return st == GOS_EHOST || file_id == 0 ? -ENOMEM : -ELIBBAD;
    }
    e->interp = in;
    e->interp_file_id = file_id;
    return 0;
}

int64_t gos_sys_execve(struct gos *g, const struct gos_regs *r)
{
    struct gos_world *w = g->w;
    char path[GOS_PATH_MAX];
    int rc = gos_copy_str(g, r->a[0], path, sizeof path);
    if (rc != 0)
        return rc;
    free_strings(w->exec_argv, w->exec_argc);
    w->exec_argc = 0;
    rc = copy_strings(g, r->a[1], w->exec_argv, GOS_MAX_EXEC_ARGS, &w->exec_argc);
    if (rc != 0)
        return rc;
    /* the program, through the sandbox: ENOENT, EACCES, ENOEXEC as Linux answers */
    int hfd = -1;
    char resolved[GOS_PATH_MAX];
    rc = gos_fs_open_exec(g, path, &hfd, resolved, sizeof resolved);
    if (rc != 0)
        return rc;
    char err[640];
    gos_elf_fini(&w->exec_elf);
    snprintf(w->exec_host_path, sizeof w->exec_host_path, "/proc/self/fd/%d", hfd);
    int st = gos_elf_load(&w->exec_elf, w->exec_host_path, err, sizeof err);
    uint32_t file_id = gos_file_id(g, hfd);
    if (st == GOS_OK)
        gos_fs_set_exe(g, hfd);
    close(hfd);
    if (st != GOS_OK)
        return st == GOS_EHOST ? -ENOMEM : -ENOEXEC;
    rc = gos_interp_open(g, &w->exec_elf, err, sizeof err);
    if (rc != 0) {
        gos_note(g, err);
        return rc;
    }
    if (w->exec_elf.abi != g->abi) { /* Linux would run it; one run has one ABI here */
        gos_fail(g, "execve of %s: an %s program from an %s process (vkmmu runs one "
                    "architecture per run)",
                 path, gos_abi_name(w->exec_elf.abi), gos_abi_name(g->abi));
        return -ENOEXEC;
    }
    /* the point of no return: the old image goes */
    if (gos_vk_status(g, vk_set_exec(g->models), "exec") == VK_ERROR)
        return -ENOMEM;
    for (size_t i = 0; i < w->nthreads; i++)
        if (w->threads[i].proc == g && &w->threads[i] != current_thread(g))
            w->threads[i].wait = GOS_DEAD; /* de_thread: the other threads go */
    bool was_shared = g->vfork_parent != 0;
    if (was_shared) {
        vfork_release(g);
        g->space = w->next_space++;
    }
    g->nregions = 0;
    gos_fs_exec(g); /* close-on-exec descriptors */
    gos_misc_exec(g, path); /* signal actions, comm */
    free(g->exe_path);
    g->exe_path = strdup(resolved); /* what readlink("/proc/self/exe") answers from now on */
    snprintf(w->exec_fn, sizeof w->exec_fn, "%s", path);
    w->exec_count++;
    w->progress++;
    w->action = (struct gos_action){.kind = GOS_ACT_EXEC,
                                    .path = w->exec_host_path,
                                    .argc = w->exec_argc,
                                    .argv = w->exec_argv,
                                    .execfn = w->exec_fn,
                                    .new_space = was_shared,
                                    .child_space = g->space,
                                    .file_id = file_id};
    return g->exe_path ? 0 : -ENOMEM;
}

void gos_exec_take_image(struct gos *g, struct gos_elf *out)
{
    *out = g->w->exec_elf;
    memset(&g->w->exec_elf, 0, sizeof g->w->exec_elf);
}

size_t gos_layout(const struct gos *proc, uint64_t (*ranges)[2], size_t max)
{
    for (size_t i = 0; i < proc->nregions && i < max; i++) {
        ranges[i][0] = proc->regions[i].start;
        ranges[i][1] = proc->regions[i].end;
    }
    return proc->nregions;
}

bool gos_syscall_is_process(const struct gos *g, unsigned nr)
{
    const struct gos_call *c = gos_call_of(g, nr);
    return c && c->process;
}
