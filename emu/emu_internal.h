/* emu/emu_internal.h - the Unicorn machine behind emu.h: memory layout, i386 page tables,
 * GDT, the ring-0 entry stub, the TLB flush, the old_exception fix-up, the Capstone per-block
 * cache, and the state of one run shared by emu_run.c and emu_hooks.c.  Facts about Unicorn
 * 2.0.1: ../shared/docs/unicorn-2.0.1.md. */
#ifndef VKMMU_EMU_INTERNAL_H
#define VKMMU_EMU_INTERNAL_H

#include <capstone/capstone.h>
#include <stdatomic.h>
#include <unicorn/unicorn.h>

#include "emu.h"

/* Reports a failed uc_* call with the call's text, file and line (style.md: wrap every call). */
#define EMU_UC(mc, call)                                                                         \
    emu_uc_check((mc), (call), #call, __FILE__, __LINE__)

/* ---- the engine's reserved range above the user limit (host memory, uc_mem_map_ptr) ---- */
#define EMU_KBASE 0xC0000000u
#define EMU_KSIZE (8u << 20)
#define EMU_PD_ADDR (EMU_KBASE + 0x0000u)    /* page directory */
#define EMU_GDT_ADDR (EMU_KBASE + 0x1000u)   /* GDT: 15 entries, TLS at 12..14 */
#define EMU_STUB_ADDR (EMU_KBASE + 0x2000u)  /* CPL0 code: the ring-3 entry stub */
#define EMU_KSTACK_TOP (EMU_KBASE + 0x4000u) /* CPL0 stack page below it */
#define EMU_KPT_ADDR (EMU_KBASE + 0x4000u)   /* page table of PDE 768 (the pages above) */
#define EMU_UPT_ADDR (EMU_KBASE + 0x400000u) /* 768 user page tables: PTE of vpn at +4*vpn */
#define EMU_KPAGES 5u                        /* pages mapped by the kernel page table */
#define EMU_FLUSH_PAGE 0xFFFFF000u           /* toggled with uc_mem_protect to flush the TLB */
#define EMU_USER_VPNS (GOS_USER_LIMIT >> 12)
#define EMU_GDT_ENTRIES 15u
#define EMU_TLS_FIRST 12u
#define EMU_TLS_LAST 14u

/* ---- the x86-64 machine's ranges (emu_machine64.c; tests/emu/test_unicorn64.c) ----
 * The engine's range is in the kernel half (PML4 slot 511); the page tables live in a pool
 * Unicorn sees at a physical address below 2^40 (frame bits above the emulated CPU's 40-bit
 * physical width are reserved bits); guest memory is mapped in 1 GiB chunks where the guest
 * uses it. */
#define EMU64_KBASE 0xFFFFFF8000000000ull
#define EMU64_KSIZE 0x4000ull
#define EMU64_GDT_ADDR (EMU64_KBASE + 0x0000u)
#define EMU64_STUB_ADDR (EMU64_KBASE + 0x1000u)
#define EMU64_KSTACK_TOP (EMU64_KBASE + 0x4000u)
#define EMU64_UNTIL (EMU64_KBASE + 0x0FF0u) /* never executed: uc_emu_start's `until` */
#define EMU64_FLUSH_PAGE (EMU64_KBASE + 0x100000u)
#define EMU64_PT_PHYS 0xFF00000000ull
#define EMU64_PT_PAGES 65536u /* 256 MiB of tables at most, reserved, touched as used */
#define EMU64_CHUNK (1ull << 30)
#define EMU64_MAX_CHUNKS 64u
#define EMU64_USER_LIMIT GOS_USER_LIMIT64
#define EMU64_SEL_UCODE 0x33u
#define EMU64_PG_PS 0x080u
#define EMU64_FRAME 0x000FFFFFFFFFF000ull

/* i386 page-table entry bits (Intel SDM vol. 3A, 4.3, table 4-6). */
#define EMU_PG_P 0x001u
#define EMU_PG_W 0x002u
#define EMU_PG_U 0x004u
#define EMU_PG_A 0x020u
#define EMU_PG_D 0x040u

/* Selectors (GDT index << 3 | RPL).  The user ones are an x86-64 Linux kernel's for a 32-bit
 * process (__USER32_CS = GDT 4, __USER_DS = GDT 5), as its TLS entries 12..14 are. */
#define EMU_SEL_KCODE 0x08u
#define EMU_SEL_KDATA 0x10u
#define EMU_SEL_UCODE 0x23u
#define EMU_SEL_UDATA 0x2Bu
#define EMU_GDT_UCODE 4u
#define EMU_GDT_UDATA 5u

/* ---- Capstone per-block cache (emu_blocks.c) ---- */
struct emu_block {
    uint64_t addr, size;
    uint32_t ninsns;
    uint32_t off;       /* first instruction offset in emu_blocks.offs */
    uint64_t rep_addr;  /* the block ends with a rep-prefixed string instruction here, or 0 */
    uint64_t io_addr;   /* the block's first in/out/ins/outs is here (#GP at CPL 3), or 0 */
};
#define EMU_BLOCKS_DM 8192u /* direct-mapped front cache of the table (by address) */
struct emu_blocks {
    const struct emu_block *dm[EMU_BLOCKS_DM]; /* cleared when the table grows */
    struct emu_block *tab; /* open addressing, key (addr, size); size 0 = empty */
    size_t cap, len;
    uint16_t *offs;        /* instruction start offsets within each block */
    size_t noffs, offs_cap;
    uint64_t undecoded;    /* blocks Capstone could not decode to their end */
    csh cs;
    uint8_t *buf;
    size_t buf_cap;
};
int emu_blocks_init(struct emu_blocks *b, bool is64); /* Capstone in 64- or 32-bit mode */
void emu_blocks_fini(struct emu_blocks *b);
/* The block at (addr, size), decoded on first use; NULL when out of memory.  The pointer is
 * valid until the next call. */
const struct emu_block *emu_blocks_get_slow(struct emu_blocks *b, uc_engine *uc, uint64_t addr,
                                            uint32_t size);
static inline const struct emu_block *emu_blocks_get(struct emu_blocks *b, uc_engine *uc,
                                                     uint64_t addr, uint32_t size)
{
    const struct emu_block *e = b->dm[(addr ^ (addr >> 13)) & (EMU_BLOCKS_DM - 1)];
    if (e && e->addr == addr && e->size == size)
        return e;
    return emu_blocks_get_slow(b, uc, addr, size);
}
/* Instructions of b that start at or after eip (the part a fault at eip did not execute). */
uint32_t emu_blocks_tail(const struct emu_blocks *b, const struct emu_block *blk, uint64_t eip);
/* Disassembles the instruction at eip into out ("mov dword ptr [eax], 1"); returns its length
 * or 0 when it cannot be decoded ("(bad)"). */
unsigned emu_disasm(csh cs, uc_engine *uc, uint64_t eip, char *out, size_t len);

/* ---- the machine (emu_machine.c) ---- */
struct emu_machine {
    uc_engine *uc;
    uint8_t *kmem;       /* host memory of [EMU_KBASE, EMU_KBASE + EMU_KSIZE) */
    uint32_t *pd;        /* into kmem */
    uint32_t *upt;       /* the 768 user page tables, indexed by vpn */
    uint64_t *gdt;
    uc_context *ctx;     /* for the old_exception fix-up */
    size_t ctx_size;
    long old_exc_off;    /* byte offset in the context blob; -1 = no fix-up needed */
    long err_code_off;   /* byte offset of env->error_code in the context blob */
    /* x86-64 (emu_machine64.c) */
    bool is64;
    bool all_present;       /* hooks, bare: every page of a backed chunk present */
    uint8_t *ptmem;         /* the page-table pool */
    size_t pt_used;         /* its pages in use */
    uint64_t *pml4;
    uint64_t chunks[EMU64_MAX_CHUNKS]; /* backed 1 GiB chunks (addr / EMU64_CHUNK) */
    size_t nchunks;
    uint64_t last_chunk;
    bool flush_pending;
    uint64_t flushes;
    char *err;           /* first host error */
    size_t errlen;
    bool failed;
};
/* emu_cpuid.c: the CPUID the guest sees (Unicorn's, with leaf 1's FPU and MMX bits, which
 * Unicorn 2.0.1 leaves out).  The hook is added by emu_machine_open. */
int emu_cpuid_answer(bool is64, uint32_t leaf, uint32_t sub, uint64_t cr4, uint32_t out[4]);
int emu_cpuid_hook_add(struct emu_machine *mc);
/* Opens Unicorn, maps memory, writes the page directory, GDT and stub.  all_present: every
 * user PTE present, writable and user (hooks, bare) except page 0; otherwise every user PTE
 * starts empty (paging: the model's observer fills them).  0 or -1 with err filled. */
int emu_machine_open(struct emu_machine *mc, bool is64, bool all_present, char *err,
                     size_t errlen);
void emu_machine_close(struct emu_machine *mc);
/* emu_machine64.c: the x86-64 half of emu_machine_open (mc's err set, uc not yet open). */
int emu_machine_open64(struct emu_machine *mc, bool all_present);
void emu_machine_close64(struct emu_machine *mc);
/* Enters ring 3 at rip with rsp and the FS base (x86-64). */
int emu_machine_start64(struct emu_machine *mc, uint64_t rip, uint64_t rsp, uint64_t fs_base);
/* x86-64: makes [addr, addr + len) guest memory Unicorn has (1 GiB chunks, with present PTEs
 * for hooks and bare).  i386: nothing to do.  0, or -1 for a range outside user space, the
 * page-table pool's, or when Unicorn refuses. */
int emu_machine_back(struct emu_machine *mc, uint64_t addr, uint64_t len);
/* x86-64: the PTE of vpn (the tables above it made when create); NULL when absent. */
uint64_t *emu_pte64(struct emu_machine *mc, uint64_t vpn, bool create);
/* Sets the registers for the ring-0 stub that enters ring 3 at eip with esp; run with
 * emu_machine_start. */
int emu_machine_start(struct emu_machine *mc, uint64_t eip, uint64_t esp, uint64_t timeout_us);
/* The old_exception fix-up (unicorn-2.0.1.md section 3): call first in every exception
 * hook.  Returns env->error_code as saved in the context (0 when its offset is unknown). */
uint32_t emu_machine_fixup(struct emu_machine *mc);
/* Drops Unicorn's softmmu TLB if a downgrade is pending (section 4). */
void emu_machine_flush(struct emu_machine *mc);
void emu_machine_flush_now(struct emu_machine *mc);
/* Records a failed uc call (first one wins); returns true when err != UC_ERR_OK. */
bool emu_uc_check(struct emu_machine *mc, uc_err e, const char *call, const char *file, int line);
/* Writes GDT entry idx as a DPL3 data/code segment per Linux's fill_ldt (user_desc fields). */
void emu_machine_set_tls(struct emu_machine *mc, unsigned idx, uint32_t base, uint32_t limit,
                         uint32_t flags);

/* ---- address spaces and threads (emu_procs.c) ----
 * One machine per address space (a process, or a vfork parent and child); the active one is
 * the runner's mc, blocks and elf, the others are parked in their emu_space.  Threads keep
 * their registers in a Unicorn context and their TLS descriptors (GDT 12..14). */
struct emu_space {
    bool open;
    struct emu_machine mc;    /* parked while another space is active */
    struct emu_blocks blocks;
    struct gos_elf elf;       /* its program (symbols for reports) */
};
#define EMU_SIGNAL_DEPTH 8
/* The time slice: a thread that has run this many instructions since it was switched in
 * gives way to the others at its next system call (about a millisecond of a 2007 CPU).
 * Switching only at system calls keeps both engines on one schedule: their instruction
 * counts are equal, their translation blocks are not. */
#define EMU_QUANTUM_INSNS 1000000u
struct emu_thread {
    uint32_t tid, pid, space;
    uc_context *ctx;
    bool fresh;               /* starts at entry with esp (a new program), not from ctx */
    uint64_t entry, esp;
    uint64_t tls[EMU_TLS_LAST - EMU_TLS_FIRST + 1];
    /* the registers (FPU and SSE among them) at each signal delivery not yet returned from,
     * innermost last: sigreturn gives them back (a handler that longjmps out leaves its
     * entry, dropped when the stack is full) */
    uc_context *sig_saved[EMU_SIGNAL_DEPTH];
    unsigned nsig_saved;
};
#define EMU_NO_SPACE UINT32_MAX

/* ---- one run (emu_run.c sets it up and runs it; emu_hooks.c serves its events) ---- */

/* Reflections and dirty-bit traps caused by one instruction (--top). */
struct emu_site_count {
    uint64_t eip;
    bool used;
    uint64_t reflected, dirty_traps;
    char program[48]; /* the program that ran it (a site is an eip in one program) */
};

struct emu_runner {
    struct emu_machine mc;    /* the active address space's machine */
    struct emu_blocks blocks; /* ... its block cache */
    struct gos_elf elf;       /* ... its program */
    uint32_t space;           /* its id, or EMU_NO_SPACE */
    struct emu_space *spaces; /* by id (the models' vmspace ids); the active one parked here
                                 only while inactive */
    uint32_t nspaces;
    struct emu_thread *threads;
    size_t nthreads, threads_cap, cur_thread;
    bool sched_pending;       /* a system call asked gos_schedule for the next thread */
    uint64_t slice_start;     /* r->insns when the running thread was switched in */
    const struct emu_options *opt;
    struct vk_set *set;
    bool is64;                /* an x86-64 program (every machine of the run is 64-bit) */
    struct vk_model *first_model; /* the first configuration (paging: the only one); NULL for
                                   * bare */
    struct gos *gos;  /* the first process (gos's tables) */
    struct gos *proc; /* the running thread's process */
    struct emu_result *res;
    enum emu_engine engine;
    uint64_t insns;
    uint64_t insns_reported; /* already given to the models (emu_flush_insns) */
    const struct emu_block *last_block;
    uint32_t last_counted;  /* instructions the last block hook added */
    uint64_t rep_next_iteration; /* a block made of the rep instruction here is its next
                                  * iteration */
    bool stopping;     /* the run has ended (guest exit, signal, limit, host error) */
    uint32_t exe_file_id; /* the first program's file id (emu_run's program_file_id) */
    bool top;          /* --top: attribute reflections and dirty traps to instructions */
    bool slow_mem;     /* hooks: memory accesses take hook_mem_slow (--top, or a block with an
                        * I/O instruction, whose own access must not reach the models) */
    bool host_error;
    /* Set by the watchdog thread (timeout_s, stop): the emu_end to end with, or 0. */
    atomic_int async_end;
    atomic_bool done; /* uc_emu_start has returned: the watchdog may go */
    char *err;
    size_t errlen;
    /* fault-loop guard: the last faults' (ECX, ESI, EDI, page) at fault_loop_eip */
    uint64_t fault_loop_eip;
    /* the last #PF (paging): a read-modify-write's restarted read is its write (page_fault) */
    uint64_t last_fault_eip, last_fault_vpn;
    bool last_fault_write;
    uint64_t fault_loop_state[4];
    unsigned fault_loop_count, fault_loop_next;
    /* --top: open addressing by eip */
    struct emu_site_count *sites;
    size_t sites_cap, sites_len;
};

/* ---- the hooks (emu_hooks.c) ---- */
/* Registers every hook the engine needs on machine mc (int 0x80 and exceptions, in/out,
 * sysenter, syscall; the block hook for paging and hooks; the memory hook for hooks).  0, or
 * -1 (mc->failed). */
int emu_hooks_add(struct emu_runner *r, struct emu_machine *mc);

/* ---- emu_procs.c ---- */
/* Opens the machine of address space id (parked; not active), with its hooks: 0 or -1. */
int emu_space_open(struct emu_runner *r, uint32_t id);
/* Makes space id the active one (r->mc, r->blocks, r->elf). */
void emu_space_activate(struct emu_runner *r, uint32_t id);
/* The machine of space id: the active one's or a parked one, opened on first use (a fork's
 * child, whose real PTEs the model may write before the engine copies its memory); NULL on
 * error. */
struct emu_machine *emu_space_machine(struct emu_runner *r, uint32_t id);
/* The first thread, starting the program at entry with esp. 0 or -1. */
int emu_threads_start(struct emu_runner *r, uint64_t entry, uint64_t esp);
/* Runs threads until the run ends: 0, or -1 when it could not go on (err filled). */
int emu_threads_run(struct emu_runner *r);
/* Before the running thread goes back to user code: delivers a pending signal (gos writes
 * the frame; the registers point at the handler) or ends the process it kills. */
void emu_deliver_signal(struct emu_runner *r, bool in_syscall_hook);
/* Frees every space and thread but the active machine (close_engine frees that). */
void emu_procs_fini(struct emu_runner *r);
/* Loads the program image (r->elf) into the active space for process proc: the segments'
 * bytes and regions, the stack region.  0, or -1 with err filled (emu_run.c). */
int emu_load_image(struct emu_runner *r, struct gos *proc, uint32_t file_id);
/* eip's name for reports: by the program's (and its interpreter's) symbols, else by the file
 * process proc (NULL: none) has mapped there (a shared library: gos_symbolize). */
void emu_symbolize(struct emu_runner *r, struct gos *proc, uint64_t eip, char *buf, size_t len);
/* uc_emu_start returned without a hook ending the run or asking for the next thread: the
 * watchdog's request landed between two blocks, an invalid instruction, or Unicorn failed. */
void emu_end_without_hook(struct emu_runner *r, int uc_status);
/* The encoding of a TLS descriptor (struct user_desc fields) as a GDT entry. */
uint64_t emu_tls_descriptor(uint32_t base, uint32_t limit, uint32_t flags);
/* Guest memory for gos: identity-mapped, the engine's range refused; the paging engine sets
 * A and D as a kernel copy through the page tables would. */
struct gos_mem emu_guest_memory(struct emu_runner *r);
/* The observer that writes the model's real PTEs into the x86 page tables (paging). */
struct vk_real_pte_observer emu_real_observer(struct emu_runner *r);
/* The guest dies of sig at eip; addr is the faulting address (SIGSEGV) or eip. */
void emu_guest_signal(struct emu_runner *r, int sig, uint64_t eip, uint64_t addr, bool fetch,
                      const char *what);
/* Ends the run for the watchdog's reason (EMU_END_TIMEOUT or EMU_END_INTERRUPTED) at eip. */
void emu_async_stop(struct emu_runner *r, int end, uint64_t eip);
/* Gives the models the instructions counted since the last call. */
void emu_flush_insns(struct emu_runner *r);
/* A 32-bit register (0 and mc.failed when Unicorn refuses). */
uint32_t emu_reg32(struct emu_runner *r, int reg);
/* The program counter: RIP (x86-64) or EIP. */
uint64_t emu_pc(struct emu_runner *r);
/* The end of the running program's user space. */
static inline uint64_t emu_user_limit(const struct emu_runner *r)
{
    return r->mc.is64 ? EMU64_USER_LIMIT : GOS_USER_LIMIT;
}

#endif
