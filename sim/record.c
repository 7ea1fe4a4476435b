/* sim/record.c - a vk_tap that records every event of a run as a .vkt trace, so that
 * `vkmmu replay FILE.vkt` feeds the models exactly the same events. */
#include "sim.h"

_Static_assert(TRC_PROT_R == VK_PROT_R && TRC_PROT_W == VK_PROT_W && TRC_PROT_X == VK_PROT_X,
               "model protection bits are recorded unchanged");

static void rec_map(void *ctx, uint64_t start, uint64_t end, unsigned prot,
                    enum vk_region_kind kind, uint32_t file_id, uint64_t file_pgoff)
{
    trc_writer_map(ctx, start, end, prot, kind == VK_FILE ? TRC_FILE : TRC_ANON,
                   kind == VK_FILE ? file_id : 0, kind == VK_FILE ? file_pgoff : 0, NULL);
}

static void rec_range(void *ctx, enum trc_type type, uint64_t start, uint64_t end,
                      unsigned prot)
{
    struct trc_record r = {.type = type, .addr = start, .end = end, .prot = prot};
    trc_writer_put(ctx, &r);
}

static void rec_unmap(void *ctx, uint64_t start, uint64_t end)
{
    rec_range(ctx, TRC_UNMAP, start, end, 0);
}

static void rec_protect(void *ctx, uint64_t start, uint64_t end, unsigned prot)
{
    rec_range(ctx, TRC_PROTECT, start, end, prot);
}

static void rec_move(void *ctx, uint64_t old, uint64_t new, uint64_t len)
{
    struct trc_record r = {.type = TRC_MOVE, .addr = old, .end = old + len, .dest = new};
    trc_writer_put(ctx, &r);
}

static void rec_access(void *ctx, uint64_t addr, uint64_t size, enum mmu_kind kind)
{
    static const enum trc_type types[3] = {[MMU_READ] = TRC_READ, [MMU_WRITE] = TRC_WRITE,
                                           [MMU_FETCH] = TRC_FETCH};
    trc_writer_access(ctx, types[kind], addr, size);
}

static void rec_kernel_access(void *ctx, uint64_t addr, uint64_t size, bool write)
{
    trc_writer_access(ctx, write ? TRC_KWRITE : TRC_KREAD, addr, size);
}

static void rec_insns(void *ctx, uint64_t n)
{
    trc_writer_insns(ctx, n);
}

static void rec_syscall(void *ctx, unsigned nr)
{
    struct trc_record r = {.type = TRC_SYSCALL, .count = nr};
    trc_writer_put(ctx, &r);
}

/* The process events (model.md section 11): pid, fork, vfork, exec and exit records. */
static void rec_process(void *ctx, enum trc_type type, uint32_t pid)
{
    struct trc_record r = {.type = type, .count = pid};
    trc_writer_put(ctx, &r);
}

static void rec_fork(void *ctx, uint32_t child, bool vfork)
{
    rec_process(ctx, vfork ? TRC_VFORK : TRC_FORK, child);
}

static void rec_switch_to(void *ctx, uint32_t pid) { rec_process(ctx, TRC_PID, pid); }
static void rec_exec(void *ctx) { rec_process(ctx, TRC_EXEC, 0); }
static void rec_exit(void *ctx) { rec_process(ctx, TRC_EXIT, 0); }

struct vk_tap sim_record_tap(struct trc_writer *w)
{
    return (struct vk_tap){
        .map = rec_map,
        .unmap = rec_unmap,
        .protect = rec_protect,
        .move = rec_move,
        .access = rec_access,
        .kernel_access = rec_kernel_access,
        .insns = rec_insns,
        .syscall = rec_syscall,
        .fork = rec_fork,
        .switch_to = rec_switch_to,
        .exec = rec_exec,
        .exit = rec_exit,
        .ctx = w,
    };
}

int sim_trace_begin(const char *path, enum trc_format fmt, struct trc_reader **r,
                    struct trc_record *rec, int *more)
{
    char err[SIM_ERR_MAX];
    if (trc_open_as(r, path, fmt, err, sizeof(err)) < 0) {
        fprintf(stderr, "vkmmu: %s\n", err);
        return VKMMU_EXIT_USAGE;
    }
    *more = trc_next(*r, rec);
    if (*more < 0) {
        fprintf(stderr, "vkmmu: %s\n", trc_error(*r));
        trc_close(*r);
        return VKMMU_EXIT_USAGE;
    }
    return VKMMU_EXIT_OK;
}
