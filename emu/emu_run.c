/* emu/emu_run.c - one run of a static i386 program on one of the three engines: checks the
 * options, loads the ELF image (gos_elf_load) into the machine and the models' regions, has
 * gos build the initial stack, registers the hooks (emu_hooks.c), runs Unicorn under a
 * watchdog for --timeout and Ctrl-C, and gathers the result (--top sites, unknown calls). */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "emu_internal.h"

#define EMU_EXE_FILE_ID_FALLBACK 1u

const char *emu_engine_name(enum emu_engine e)
{
    switch (e) {
    case EMU_ENGINE_PAGING: return "paging";
    case EMU_ENGINE_HOOKS: return "hooks";
    case EMU_ENGINE_BARE: return "bare";
    }
    return "?";
}

int emu_engine_parse(const char *s, enum emu_engine *out)
{
    for (int e = EMU_ENGINE_PAGING; e <= EMU_ENGINE_BARE; e++)
        if (strcmp(s, emu_engine_name((enum emu_engine)e)) == 0) {
            *out = (enum emu_engine)e;
            return 0;
        }
    return -1;
}

bool emu_engine_counter_shared(int id)
{
    /* The paging engine never sees hits: access.read/write/fetch (and a TLB model's tlb.*,
     * which would count accesses) exist only in the hooks engine.  Everything the fault
     * path produces, instructions, system calls, kernel accesses and the cycles are the same
     * in both (the paging engine refuses the TLB model, so cycles.tlb is 0 in both). */
    if (id < 0 || id >= MMU_NCOUNTERS)
        return false;
    const char *n = mmu_counter_names[id];
    return strcmp(n, "access.read") != 0 && strcmp(n, "access.write") != 0 &&
           strcmp(n, "access.fetch") != 0 && strncmp(n, "tlb.", 4) != 0;
}

/* The watchdog: every 20 ms, looks at the clock and the stop flag; when either says stop, it
 * records why and asks Unicorn to stop (uc_emu_stop may be called from another thread), again
 * every 20 ms until the run has returned, so a request that lands between two blocks is not
 * lost. */
void emu_symbolize(struct emu_runner *r, struct gos *proc, uint64_t eip, char *buf, size_t len)
{
    if (!gos_elf_symbolize(&r->elf, eip, buf, len)[0] && proc)
        gos_symbolize(proc, eip, buf, len);
}

static double now_s(void);
struct watchdog {
    struct emu_runner *r;
    double deadline; /* 0 = none */
};
static void *watchdog_main(void *arg)
{
    struct watchdog *w = arg;
    struct emu_runner *r = w->r;
    const struct timespec tick = {0, 20 * 1000 * 1000};
    while (!atomic_load(&r->done)) {
        nanosleep(&tick, NULL);
        if (atomic_load(&r->done))
            break;
        int end = atomic_load(&r->async_end);
        if (!end && r->opt->stop && *r->opt->stop)
            end = EMU_END_INTERRUPTED;
        else if (!end && w->deadline > 0 && now_s() >= w->deadline)
            end = EMU_END_TIMEOUT;
        if (end) {
            int zero = 0;
            atomic_compare_exchange_strong(&r->async_end, &zero, end);
            uc_emu_stop(r->mc.uc);
        }
    }
    return NULL;
}

/* ---- loading --------------------------------------------------------------------------- */

static uint64_t page_up(uint64_t a)
{
    return (a + 0xFFFu) & ~0xFFFull;
}

static int map_checked(struct emu_runner *r, struct gos *proc, uint64_t start, uint64_t end,
                       unsigned prot, enum vk_region_kind kind, uint32_t file_id, uint64_t pgoff)
{
    if (start >= end)
        return 0;
    int st = gos_map(proc, start, end, prot, kind, file_id, pgoff);
    if (st == VK_ERROR) {
        snprintf(r->err, r->errlen, "model error mapping [0x%llx, 0x%llx): %s",
                 (unsigned long long)start, (unsigned long long)end,
                 r->first_model ? vk_error(r->first_model) : "?");
        return -1;
    }
    return 0;
}

/* One ELF image's segments: its bytes into the machine, its regions into gos and the
 * models (file id file_id for the file-backed part). */
static int load_segments(struct emu_runner *r, struct gos *proc, const struct gos_elf *e,
                         uint32_t file_id)
{
    for (size_t i = 0; i < e->nsegments; i++) {
        const struct gos_segment *s = &e->segments[i];
        if (emu_machine_back(&r->mc, s->vaddr & ~0xFFFull, page_up(s->vaddr + s->memsz) -
                                                                (s->vaddr & ~0xFFFull)) != 0) {
            snprintf(r->err, r->errlen, "engine: cannot back the segment at 0x%llx",
                     (unsigned long long)s->vaddr);
            return -1;
        }
        if (s->filesz &&
            EMU_UC(&r->mc, uc_mem_write(r->mc.uc, s->vaddr, e->data + s->offset, s->filesz)))
            return -1;
        uint64_t start = s->vaddr & ~0xFFFull;
        uint64_t file_end = s->filesz ? page_up((uint64_t)s->vaddr + s->filesz) : start;
        uint64_t end = page_up((uint64_t)s->vaddr + s->memsz);
        /* The file-backed part (its last page holds the start of the bss, zeroed as Linux's
         * padzero does), then anonymous zero-fill memory for the rest of the bss. */
        if (map_checked(r, proc, start, file_end, s->prot, VK_FILE, file_id,
                        (s->offset & ~0xFFFu) >> 12) ||
            map_checked(r, proc, file_end, end, s->prot, VK_ANON, 0, 0))
            return -1;
    }
    return 0;
}

int emu_load_image(struct emu_runner *r, struct gos *proc, uint32_t file_id)
{
    struct gos_elf *e = &r->elf;
    gos_set_mmap_top(proc, r->is64 ? GOS_MMAP_TOP64 : GOS_MMAP_TOP);
    if (load_segments(r, proc, e, file_id) != 0)
        return -1;
    /* The interpreter after the program, where mmap puts it (binfmt_elf's load_elf_interp). */
    if (e->interp) {
        if (gos_interp_place(proc, e) != 0) {
            snprintf(r->err, r->errlen, "%s: no room below the mmap top for its interpreter %s",
                     e->path, e->interp_path);
            return -1;
        }
        if (load_segments(r, proc, e->interp, e->interp_file_id) != 0)
            return -1;
    }
    uint64_t top = r->is64 ? GOS_STACK_TOP64 : GOS_STACK_TOP;
    if (emu_machine_back(&r->mc, top - GOS_STACK_SIZE, GOS_STACK_SIZE) != 0) {
        snprintf(r->err, r->errlen, "engine: cannot back the stack");
        return -1;
    }
    return map_checked(r, proc, top - GOS_STACK_SIZE, top, VK_PROT_R | VK_PROT_W, VK_ANON, 0,
                       0);
}

/* ---- the run ----------------------------------------------------------------------------- */

static int site_cmp(const void *a, const void *b)
{
    const struct emu_site *x = a, *y = b;
    uint64_t tx = x->reflected + x->dirty_traps, ty = y->reflected + y->dirty_traps;
    if (tx != ty)
        return tx > ty ? -1 : 1;
    return x->eip < y->eip ? -1 : x->eip > y->eip;
}

static void collect_sites(struct emu_runner *r)
{
    if (!r->opt->top || r->sites_len == 0)
        return;
    struct emu_site *all = calloc(r->sites_len, sizeof *all);
    if (!all)
        return;
    size_t n = 0;
    for (size_t i = 0; i < r->sites_cap; i++)
        if (r->sites[i].used)
        if (r->sites[i].used) {
            all[n] = (struct emu_site){.eip = r->sites[i].eip,
                                       .reflected = r->sites[i].reflected,
                                       .dirty_traps = r->sites[i].dirty_traps};
            memcpy(all[n++].program, r->sites[i].program, sizeof all[0].program);
        }
    qsort(all, n, sizeof *all, site_cmp);
    if (n > r->opt->top)
        n = r->opt->top;
    /* the running process's program (the run's last) can be decoded; another's cannot */
    char here[sizeof all[0].program];
    snprintf(here, sizeof here, "%s", gos_program(r->proc ? r->proc : r->gos));
    for (size_t i = 0; i < n; i++) {
        if (strcmp(all[i].program, here) != 0) {
            snprintf(all[i].insn, sizeof all[i].insn, "(in %s)", all[i].program);
            continue;
        }
        emu_symbolize(r, r->proc ? r->proc : r->gos, all[i].eip, all[i].sym, sizeof all[i].sym);
        emu_disasm(r->blocks.cs, r->mc.uc, all[i].eip, all[i].insn, sizeof all[i].insn);
    }
    r->res->sites = all;
    r->res->nsites = n;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Options the models cannot run with: EMU_OK, or EMU_EINPUT with err filled. */
static int check_options(const struct emu_options *o, const struct vk_set *models, char *err,
                         size_t errlen)
{
    if (o->argc < 1 || !o->argv || !o->argv[0]) {
        snprintf(err, errlen, "no guest argv[0]");
        return EMU_EINPUT;
    }
    if (o->engine == EMU_ENGINE_PAGING && models->n != 1) {
        snprintf(err, errlen,
                 "--engine paging runs exactly one configuration (%zu given); use --engine hooks",
                 models->n);
        return EMU_EINPUT;
    }
    if (o->engine == EMU_ENGINE_PAGING && vk_model_config(models->m[0])->opt.tlb_on) {
        snprintf(err, errlen, "the TLB model (--tlb) needs every access: use --engine hooks");
        return EMU_EINPUT;
    }
    if (o->engine != EMU_ENGINE_BARE && models->n == 0) {
        snprintf(err, errlen, "--engine %s needs at least one configuration",
                 emu_engine_name(o->engine));
        return EMU_EINPUT;
    }
    return EMU_OK;
}

/* The host side of the run: the self-test, the machine, the block cache, the real-PTE
 * observer (paging) and the guest OS.  EMU_OK, or EMU_EHOST / EMU_EINPUT with err filled;
 * close_engine undoes whatever was done. */
static int open_engine(struct emu_runner *r)
{
    const struct emu_options *o = r->opt;
    long old_off, ec_off;
    if (emu_selftest(&old_off, &ec_off, r->err, r->errlen) != 0)
        return EMU_EHOST;
    r->res->old_exception_offset = old_off;
    r->res->error_code_offset = ec_off;
    r->is64 = r->elf.abi == GOS_ABI_X86_64;
    if (emu_machine_open(&r->mc, r->is64, o->engine != EMU_ENGINE_PAGING, r->err, r->errlen) !=
        0)
        return EMU_EHOST;
    r->space = 0; /* the first process's address space (the models' vmspace 0) */
    r->mc.old_exc_off = old_off;
    r->mc.err_code_off = ec_off;
    if (emu_blocks_init(&r->blocks, r->is64) != 0) {
        snprintf(r->err, r->errlen, "cannot initialise Capstone");
        return EMU_EHOST;
    }
    if (o->engine == EMU_ENGINE_PAGING) {
        struct vk_real_pte_observer obs = emu_real_observer(r);
        vk_model_set_real_pte_observer(r->first_model, &obs);
    }
    struct gos_mem mem = emu_guest_memory(r);
    struct gos_options go = o->gos;
    go.program = o->program;
    go.abi = r->elf.abi;
    r->gos = gos_new(&go, r->set, &mem);
    if (!r->gos) {
        snprintf(r->err, r->errlen, "cannot start the guest OS (root %s): %s",
                 o->gos.root ? o->gos.root : ".", strerror(errno));
        return EMU_EINPUT;
    }
    return EMU_OK;
}

/* The program's file id in the models' page cache (its interpreter's comes after it). */
static uint32_t program_file_id(struct emu_runner *r)
{
    uint32_t file_id = 0;
    int fd = open(r->opt->program, O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        file_id = gos_file_id(r->gos, fd);
        close(fd);
    }
    return file_id ? file_id : EMU_EXE_FILE_ID_FALLBACK;
}

/* The guest as Linux's execve leaves it: the image and the stack region mapped, gos's log and
 * layout set, the initial stack written.  The initial ESP, or 0 with err filled. */
static uint64_t load_guest(struct emu_runner *r)
{
    const struct emu_options *o = r->opt;
    if (emu_load_image(r, r->gos, r->exe_file_id) != 0)
        return 0;
    if (o->gos_log) {
        if (o->gos_replay)
            gos_replay(r->gos, o->gos_log);
        else
            gos_record(r->gos, o->gos_log);
    }
    gos_set_brk_base(r->gos, r->elf.brk_base);
    const char *execfn = o->gos.exe_path ? o->gos.exe_path : o->argv[0];
    return gos_stack_build(r->gos, &r->elf, o->argc, o->argv, execfn, r->err, r->errlen);
}

/* uc_emu_start returned without a hook ending the run: the watchdog's request landed
 * between two blocks (bare), the guest executed an invalid instruction, or Unicorn failed. */
void emu_end_without_hook(struct emu_runner *r, int uc_status)
{
    int async_end = atomic_load(&r->async_end);
    if (!r->stopping && !r->mc.failed && async_end && uc_status == UC_ERR_OK)
        emu_async_stop(r, async_end, emu_pc(r));
    if (r->stopping || r->mc.failed)
        return;
    uint64_t eip = emu_pc(r);
    if (uc_status == UC_ERR_INSN_INVALID) {
        emu_guest_signal(r, SIGILL, eip, eip, false, "invalid instruction (#UD)");
        return;
    }
    if (uc_status != UC_ERR_OK)
        snprintf(r->err, r->errlen, "unicorn stopped the guest at eip 0x%llx: %s",
                 (unsigned long long)eip, uc_strerror((uc_err)uc_status));
    else
        snprintf(r->err, r->errlen, "unicorn returned at eip 0x%llx without an exit, a signal "
                 "or an error (unexpected)", (unsigned long long)eip);
    r->host_error = true;
}

/* Runs the guest from the entry point with esp to its end, with the watchdog when a timeout
 * or a stop flag asks for one.  0, or -1 when the run could not go on (err filled). */
static int run_guest(struct emu_runner *r, uint64_t esp)
{
    const struct emu_options *o = r->opt;
    double t0 = now_s();
    struct watchdog wd = {r, o->timeout_s > 0 ? t0 + o->timeout_s : 0};
    pthread_t wd_thread;
    bool wd_wanted = o->timeout_s > 0 || o->stop;
    bool wd_on = wd_wanted && pthread_create(&wd_thread, NULL, watchdog_main, &wd) == 0;
    if (wd_wanted && !wd_on) {
        snprintf(r->err, r->errlen, "cannot start the watchdog thread for --timeout and Ctrl-C");
        return -1;
    }
    int rc = emu_threads_start(r, gos_elf_start(&r->elf), esp);
    if (rc == 0)
        rc = emu_threads_run(r);
    atomic_store(&r->done, true);
    if (wd_on)
        pthread_join(wd_thread, NULL);
    r->res->seconds = now_s() - t0;
    r->res->insns = r->insns;
    return rc != 0 || r->host_error || r->mc.failed ? -1 : 0;
}

/* "nr name, ..." of the system calls gos did not know, into res->unknown_calls. */
static void report_unknown_calls(struct emu_runner *r)
{
    struct emu_result *res = r->res;
    const unsigned *nrs;
    const char *const *names;
    size_t nunknown = gos_unknown_calls(r->gos, &nrs, &names);
    for (size_t i = 0, off = 0; i < nunknown && off < sizeof res->unknown_calls; i++) {
        int w = snprintf(res->unknown_calls + off, sizeof res->unknown_calls - off, "%s%u %s",
                         i ? ", " : "", nrs[i], names[i]);
        if (w < 0)
            break;
        off += (size_t)w;
    }
}

/* The processes of the run, from gos's table, into res->procs. */
static void collect_processes(struct emu_runner *r)
{
    size_t n = gos_processes(r->gos, NULL, 0);
    struct gos_process_info *info = calloc(n ? n : 1, sizeof *info);
    struct emu_process *out = calloc(n ? n : 1, sizeof *out);
    if (!info || !out) {
        free(info);
        free(out);
        return;
    }
    gos_processes(r->gos, info, n);
    for (size_t i = 0; i < n; i++) {
        out[i] = (struct emu_process){.pid = info[i].pid, .ppid = info[i].ppid,
                                      .exited = info[i].exited,
                                      .wait_status = info[i].exit_status};
        snprintf(out[i].program, sizeof out[i].program, "%s",
                 info[i].program ? info[i].program : "?");
    }
    /* the first process's end is the run's (gos keeps it alive: nobody reaps it) */
    if (n && (r->res->end == EMU_END_EXIT || r->res->end == EMU_END_SIGNAL)) {
        out[0].exited = true;
        out[0].wait_status = r->res->end == EMU_END_EXIT ? (r->res->exit_status & 0xff) << 8
                                                         : r->res->signal;
    }
    free(info);
    r->res->procs = out;
    r->res->nprocs = n;
}

/* Frees what open_engine and gos_elf_load made; rc is the run's status (the note about
 * undecodable blocks is for runs that succeeded). */
static void close_engine(struct emu_runner *r, int rc)
{
    emu_procs_fini(r);
    gos_free(r->gos);
    if (r->blocks.undecoded && rc == EMU_OK)
        fprintf(stderr, "vkmmu: note: %llu blocks had instructions Capstone cannot decode "
                        "(each counted as one instruction)\n",
                (unsigned long long)r->blocks.undecoded);
    emu_blocks_fini(&r->blocks);
    emu_machine_close(&r->mc);
    gos_elf_fini(&r->elf);
    free(r->sites);
}

int emu_run(const struct emu_options *o, struct vk_set *models, struct emu_result *res,
            char *err, size_t errlen)
{
    memset(res, 0, sizeof *res);
    res->old_exception_offset = -1;
    res->error_code_offset = -1;
    err[0] = '\0';
    int rc = check_options(o, models, err, errlen);
    if (rc != EMU_OK)
        return rc;
    struct emu_runner *r = calloc(1, sizeof *r);
    if (!r) {
        snprintf(err, errlen, "out of memory");
        return EMU_EHOST;
    }
    r->opt = o;
    r->set = models;
    r->first_model = models->n ? models->m[0] : NULL;
    r->res = res;
    r->engine = o->engine;
    r->err = err;
    r->errlen = errlen;
    r->top = o->top > 0;
    r->slow_mem = r->top;
    int elf_status = gos_elf_load(&r->elf, o->program, err, errlen);
    if (elf_status != GOS_OK) {
        free(r);
        return elf_status == GOS_EINPUT ? EMU_EINPUT : EMU_EHOST;
    }
    enum mmu_arch want = r->elf.abi == GOS_ABI_X86_64 ? MMU_ARCH_X86_64 : MMU_ARCH_I386;
    if (models->n && models->arch != want) {
        snprintf(err, errlen, "%s: an %s program, but the models were made for %s",
                 o->program, mmu_arch_name(want), mmu_arch_name(models->arch));
        gos_elf_fini(&r->elf);
        free(r);
        return EMU_EINPUT;
    }
    rc = open_engine(r);
    if (rc == EMU_OK)
        r->exe_file_id = program_file_id(r);
    if (rc == EMU_OK && gos_interp_open(r->gos, &r->elf, err, errlen) != 0)
        rc = EMU_EINPUT; /* a dynamic program whose interpreter the guest cannot have */
    if (rc == EMU_OK) {
        rc = EMU_EHOST;
        uint64_t esp = load_guest(r);
        if (esp != 0 && emu_hooks_add(r, &r->mc) == 0 && run_guest(r, esp) == 0) {
            if (models->n) {
                emu_flush_insns(r);
                vk_set_finish(models);
            }
            collect_sites(r);
            report_unknown_calls(r);
            snprintf(res->notes, sizeof res->notes, "%s", gos_notes(r->gos));
            collect_processes(r);
            rc = EMU_OK;
        }
    }
    close_engine(r, rc);
    free(r);
    return rc;
}

int emu_program_arch(const char *path, enum mmu_arch *arch, char *err, size_t errlen)
{
    struct gos_elf e;
    int st = gos_elf_load(&e, path, err, errlen);
    if (st != GOS_OK)
        return st == GOS_EINPUT ? EMU_EINPUT : EMU_EHOST;
    *arch = e.abi == GOS_ABI_X86_64 ? MMU_ARCH_X86_64 : MMU_ARCH_I386;
    gos_elf_fini(&e);
    return EMU_OK;
}

void emu_result_fini(struct emu_result *res)
{
    free(res->sites);
    res->sites = NULL;
    res->nsites = 0;
    free(res->procs);
    res->procs = NULL;
    res->nprocs = 0;
}
