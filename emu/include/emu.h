/* emu/include/emu.h - runs a static i386 or x86-64 Linux program under Unicorn with the MMU
 * models in the loop.  The only folder that sees Unicorn and Capstone; this header exposes
 * neither.  The program's Linux side (ELF loading, the initial stack, system calls) is guest/'s
 * (guest_os.h).
 *
 * Engines (docs: ../shared/docs/unicorn-2.0.1.md):
 *   paging  the model's real PTEs are real i386 (or x86-64, four-level) PTEs; Unicorn's walker checks them and every
 *           #PF goes to vk_real_fault().  Exactly one configuration.
 *   hooks   every user page is present; every read and write reaches all models through a
 *           memory hook, fetches through the block hook (one fetch access per executed block).
 *   bare    no model, every user page present, only the system calls hooked (the bench
 *           baseline).
 * Counts that both paging and hooks produce are the same (see emu_engine_counter_shared()).
 *
 * Guest memory layout: guest_os.h's (image, stack, mmap below GOS_MMAP_TOP[64]).  i386:
 * everything from GOS_USER_LIMIT (0xC0000000) up is the engine's (page tables, GDT, the ring-0
 * stub) and unreachable from ring 3.  x86-64: the engine's range is in the kernel half and its
 * page tables at physical 0xFF00000000 (docs/emulation.md, "The x86-64 machine"). */
#ifndef VKMMU_EMU_H
#define VKMMU_EMU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "guest_os.h"
#include "vk.h"

/* ---- status codes of host errors (guest faults are data: struct emu_result) ---- */
enum emu_status {
    EMU_OK = 0,
    EMU_EINPUT = 2, /* bad program: not an ELF, truncated, dynamic, another machine (exit 2) */
    EMU_EHOST = 1,  /* the run could not go on: Unicorn error, self-test failed, model error */
};

/* ---- running a program (emu_run.c) ---- */
enum emu_engine { EMU_ENGINE_PAGING, EMU_ENGINE_HOOKS, EMU_ENGINE_BARE };
const char *emu_engine_name(enum emu_engine e);
/* "paging", "hooks", "bare" -> 0 and *out; -1 otherwise. */
int emu_engine_parse(const char *s, enum emu_engine *out);

struct emu_options {
    enum emu_engine engine;
    const char *program;     /* host path of the ELF */
    int argc;                /* guest argv (argv[0] is what the guest sees as its name) */
    char **argv;
    uint64_t max_insns;      /* 0 = no limit (not enforced by the bare engine) */
    unsigned top;            /* how many fault sites to keep (0 = none) */
    struct gos_options gos;  /* root, writable, seed, fds, exe_path */
    /* Multi-pass runs: the first pass records every system call's results into gos_log, later
     * passes (gos_replay) replay them, so files change once and input is read once. */
    struct gos_log *gos_log;
    bool gos_replay;
    /* Stopping from outside (both checked by a watchdog thread every 20 ms, which asks
     * Unicorn to stop; the run then ends like --max-insns, models finished):
     * timeout_s > 0: wall-clock limit in seconds from the start of the guest (EMU_END_TIMEOUT);
     * stop: when *stop becomes non-zero (a signal handler's flag) the run ends with
     * EMU_END_INTERRUPTED.  Neither cuts a system call short: a guest blocked in read()
     * stops once the call returns. */
    double timeout_s;
    const volatile int *stop;
    /* Called every 65536 translation blocks (hooks and paging engines) with the
     * instructions so far, for a progress line; NULL = none. */
    void (*progress)(void *ctx, uint64_t insns);
    void *progress_ctx;
};

enum emu_end {
    EMU_END_EXIT,      /* the guest called exit/exit_group */
    EMU_END_SIGNAL,    /* the guest died of a signal (segfault, invalid insn, divide error) */
    EMU_END_MAX_INSNS, /* --max-insns reached */
    EMU_END_TIMEOUT,   /* emu_options.timeout_s reached */
    EMU_END_INTERRUPTED, /* *emu_options.stop became non-zero */
    EMU_END_DEADLOCK,  /* every thread waits (emu_result.report says on what) */
};

/* One fault site of --top: the instruction and how many reflections and dirty-bit traps it
 * caused (in the first configuration). */
struct emu_site {
    uint64_t eip;
    uint64_t reflected, dirty_traps;
    char program[48]; /* the program (as the guest named it) whose instruction it is */
    char sym[96];
    char insn[96];
};

/* One guest process of the run (the first is the program started). */
struct emu_process {
    uint32_t pid, ppid;
    char program[96]; /* its program as the guest named it */
    bool exited;      /* it ended (a zombie or reaped) before the run did */
    int wait_status;  /* when exited: wait4's status word (code << 8, or the signal) */
};

struct emu_result {
    enum emu_end end;
    int exit_status;    /* the guest's status; 128+signal for EMU_END_SIGNAL; 1 for max-insns,
                           124 for a timeout, 128 + *stop when interrupted */
    int signal;         /* 11 SIGSEGV, 4 SIGILL, 8 SIGFPE, 5 SIGTRAP (EMU_END_SIGNAL) */
    uint64_t eip;       /* the faulting instruction (EMU_END_SIGNAL) */
    uint64_t fault_addr;/* the faulting address (SIGSEGV), else eip */
    char insn[96];      /* the instruction at eip, disassembled, or "(not readable)" */
    char sym[96];       /* symbol+offset of eip, or "" */
    char what[128];     /* "segmentation fault (write to 0x0: no region)", ... */
    char report[2048];  /* EMU_END_DEADLOCK: one line per thread, what it waits on */
    uint64_t insns;     /* guest instructions (0 for the bare engine) */
    uint64_t blocks;    /* executed translation blocks (hooks and paging) */
    uint64_t page_faults;  /* #PF taken by the paging engine */
    uint64_t syscalls;     /* int 0x80 calls */
    double seconds;        /* wall time inside the emulator */
    struct emu_site *sites; /* --top: sorted, most reflections + dirty traps first (free()) */
    size_t nsites;
    char unknown_calls[512];   /* "nr name, ..." of the system calls gos did not know */
    char notes[1024];          /* gos's notes for the report (lines), e.g. a missing interpreter */
    struct emu_process *procs; /* every process, in order of creation (free()) */
    size_t nprocs;
    long old_exception_offset; /* found by the self-test, -1 when no fix-up was needed */
    long error_code_offset;
};

/* Loads the program, runs the self-test, runs the guest to its end, calls vk_set_finish()
 * on models.  models may be empty only for EMU_ENGINE_BARE; EMU_ENGINE_PAGING needs exactly
 * one model.  Returns EMU_OK when the guest ran (exit, signal or max-insns: see *res),
 * EMU_EINPUT for a bad program or options, EMU_EHOST when the run could not go on; err says
 * why.  *res is filled in every case (free res->sites with emu_result_fini). */
int emu_run(const struct emu_options *o, struct vk_set *models, struct emu_result *res,
            char *err, size_t errlen);
void emu_result_fini(struct emu_result *res);

/* The layout of the program at path, from its ELF header: MMU_ARCH_I386 or MMU_ARCH_X86_64.
 * EMU_OK, or EMU_EINPUT / EMU_EHOST with err filled as emu_run would ("PATH: what is wrong"). */
int emu_program_arch(const char *path, enum mmu_arch *arch, char *err, size_t errlen);

/* Whether a counter is produced by both the paging and the hooks engine (the ones a test
 * compares): everything but access.* (only the hooks engine sees every access) and the
 * cycles that depend on them. */
bool emu_engine_counter_shared(int counter_id);

/* Runs only the start-up self-test (finds the old_exception and error_code offsets).
 * Returns 0, or -1 with err filled. */
int emu_selftest(long *old_exception_offset, long *error_code_offset, char *err,
                 size_t errlen);

#endif
