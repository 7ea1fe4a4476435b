/* guest/gos_log.c - recording a run's system calls and replaying them in a later pass.
 *
 * An engine that runs the same guest once per configuration (Unicorn paging) must give every
 * pass the same system-call results, or the passes stop being the same run: a --writable guest
 * would append to its files twice, a later pass would read what the first one wrote, and an
 * output sink of another kind would change what fstat and ioctl answer.  The first pass
 * records, per call, every event that is not pure computation: region changes and kernel
 * accesses reported to the models, bytes written into guest memory, and the result.  A later
 * pass replays them: it re-issues the model events to its own models (so each configuration
 * counts them), rewrites the same guest bytes and returns the same results, without touching
 * the host.  A guest whose calls differ from the log (number or arguments) is an error.
 *
 * The log lives in an unlinked temporary file: a guest may read gigabytes. */
#include "gos_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
    LOG_CALL = 'S',    /* struct gos_regs at entry */
    LOG_MAP = 'M',     /* struct log_map */
    LOG_UNMAP = 'U',   /* start, end */
    LOG_PROTECT = 'P', /* start, end, prot */
    LOG_MOVE = 'V',    /* old, new, len: a moving mremap (regions, pages and bytes) */
    LOG_KACCESS = 'K', /* addr, len, write */
    LOG_WRITE = 'W',   /* addr, len, then len bytes */
    LOG_ZERO = 'Z',    /* addr, len */
    LOG_RESULT = 'R',  /* eax, exiting, status, signal, blocked, deadline + 1 (or 0) */
};

struct log_map {
    uint64_t start, end;
    uint32_t prot, kind, file_id;
    uint64_t file_pgoff;
};

struct gos_log {
    FILE *f;
    bool failed;     /* a write to the log failed: replay refuses it */
    uint64_t ncalls; /* calls recorded */
};

struct gos_log *gos_log_new(void)
{
    struct gos_log *l = calloc(1, sizeof *l);
    if (!l)
        return NULL;
    l->f = tmpfile();
    if (!l->f) {
        free(l);
        return NULL;
    }
    return l;
}

void gos_log_free(struct gos_log *l)
{
    if (!l)
        return;
    fclose(l->f);
    free(l);
}

void gos_record(struct gos *g, struct gos_log *log)
{
    g->w->recording = log;
    g->w->replaying = NULL;
}

void gos_replay(struct gos *g, struct gos_log *log)
{
    g->w->replaying = log;
    g->w->recording = NULL;
    g->w->replayed_calls = 0;
    if (fflush(log->f) != 0 || fseek(log->f, 0, SEEK_SET) != 0)
        log->failed = true;
}

/* ---- recording ----------------------------------------------------------------------------- */

static void put(struct gos *g, int type, const void *hdr, size_t hlen, const void *data,
                size_t dlen)
{
    struct gos_log *l = g->w->recording;
    if (fputc(type, l->f) == EOF || fwrite(hdr, 1, hlen, l->f) != hlen ||
        (dlen && fwrite(data, 1, dlen, l->f) != dlen))
        l->failed = true;
}

void gos_log_call(struct gos *g, const struct gos_regs *r)
{
    put(g, LOG_CALL, r, sizeof *r, NULL, 0);
    g->w->recording->ncalls++;
}

void gos_log_map(struct gos *g, const struct gos_region *r)
{
    struct log_map m = {r->start, r->end, r->prot, (uint32_t)r->kind, r->file_id, r->file_pgoff};
    put(g, LOG_MAP, &m, sizeof m, NULL, 0);
}

void gos_log_unmap(struct gos *g, uint64_t start, uint64_t end)
{
    uint64_t a[2] = {start, end};
    put(g, LOG_UNMAP, a, sizeof a, NULL, 0);
}

void gos_log_protect(struct gos *g, uint64_t start, uint64_t end, unsigned prot)
{
    uint64_t a[3] = {start, end, prot};
    put(g, LOG_PROTECT, a, sizeof a, NULL, 0);
}

void gos_log_move(struct gos *g, uint64_t old, uint64_t new, uint64_t len)
{
    uint64_t a[3] = {old, new, len};
    put(g, LOG_MOVE, a, sizeof a, NULL, 0);
}

void gos_log_kaccess(struct gos *g, uint64_t addr, size_t len, bool write)
{
    uint64_t a[3] = {addr, len, write};
    put(g, LOG_KACCESS, a, sizeof a, NULL, 0);
}

void gos_log_write(struct gos *g, uint64_t addr, const void *buf, size_t len)
{
    uint64_t a[2] = {addr, len};
    put(g, LOG_WRITE, a, sizeof a, buf, len);
}

void gos_log_zero(struct gos *g, uint64_t addr, size_t len)
{
    uint64_t a[2] = {addr, len};
    put(g, LOG_ZERO, a, sizeof a, NULL, 0);
}

void gos_log_result(struct gos *g, int64_t ax)
{
    int64_t a[6] = {ax, g->exiting, g->exit_status, g->exit_signal,
                    g->w->action.kind == GOS_ACT_BLOCK_RESTART, (int64_t)gos_block_deadline(g)};
    put(g, LOG_RESULT, a, sizeof a, NULL, 0);
}

/* ---- replaying ----------------------------------------------------------------------------- */

static bool get(struct gos *g, void *buf, size_t len)
{
    if (fread(buf, 1, len, g->w->replaying->f) == len)
        return true;
    gos_fail(g, "replay: the log of the first pass ends inside call %llu",
             (unsigned long long)g->w->replayed_calls);
    return false;
}

/* "name(a0, ..., a5) sp=..." for a replay mismatch. */
static const char *regs_text(struct gos *g, const struct gos_regs *r, char *buf, size_t len)
{
    snprintf(buf, len, "%s(0x%llx, 0x%llx, 0x%llx, 0x%llx, 0x%llx, 0x%llx) sp=0x%llx",
             gos_call_name(g, r->ax), (unsigned long long)r->a[0], (unsigned long long)r->a[1],
             (unsigned long long)r->a[2], (unsigned long long)r->a[3],
             (unsigned long long)r->a[4], (unsigned long long)r->a[5],
             (unsigned long long)r->sp);
    return buf;
}

/* The next entry must be a call with the guest's registers: true, or false with g->fatal
 * (the log ends, the log is broken, or the guest diverged from the first pass). */
static bool replay_matching_call(struct gos *g, const struct gos_regs *regs)
{
    struct gos_log *l = g->w->replaying;
    if (l->failed) {
        gos_fail(g, "replay: the log of the first pass could not be written or read");
        return false;
    }
    g->w->replayed_calls++;
    struct gos_regs want;
    if (fgetc(l->f) != LOG_CALL) {
        gos_fail(g, "replay: call %llu (%s) is past the end of the first pass's calls",
                 (unsigned long long)g->w->replayed_calls, gos_call_name(g, regs->ax));
        return false;
    }
    if (!get(g, &want, sizeof want))
        return false;
    if (memcmp(&want, regs, sizeof want) != 0) {
        char now[160], then[160];
        gos_fail(g, "replay: call %llu differs from the first pass: %s where the first pass made %s",
                 (unsigned long long)g->w->replayed_calls, regs_text(g, regs, now, sizeof now),
                 regs_text(g, &want, then, sizeof then));
        return false;
    }
    return true;
}

/* Guest bytes the call wrote in the first pass, written again in 64 KiB pieces. */
static int replay_write(struct gos *g)
{
    uint64_t a[2];
    if (!get(g, a, sizeof a))
        return -1;
    for (uint64_t done = 0; done < a[1];) {
        size_t c = a[1] - done < 65536 ? (size_t)(a[1] - done) : 65536;
        uint8_t *s = gos_scratch(g, c);
        if (!s || !get(g, s, c))
            return -1;
        /* A failed write failed in the first pass too: its result says so. */
        (void)g->mem.write(g->mem.ctx, a[0] + done, s, c);
        done += c;
    }
    return 0;
}

/* Applies one recorded event of a call (anything but its result) to this pass's models and
 * memory: 0, or -1 with g->fatal. */
static int replay_event(struct gos *g, int type)
{
    uint64_t a[3];
    switch (type) {
    case LOG_MAP: {
        struct log_map m;
        if (!get(g, &m, sizeof m))
            return -1;
        struct gos_region r = {m.start, m.end, m.prot, (enum vk_region_kind)m.kind,
                               m.file_id, m.file_pgoff};
        return gos_region_map(g, &r) ? -1 : 0;
    }
    case LOG_UNMAP:
        return !get(g, a, 2 * sizeof a[0]) || gos_region_unmap(g, a[0], a[1]) ? -1 : 0;
    case LOG_PROTECT:
        return !get(g, a, sizeof a) || gos_region_protect(g, a[0], a[1], a[2]) ? -1 : 0;
    case LOG_MOVE:
        return !get(g, a, sizeof a) || gos_region_move(g, a[0], a[1], a[2]) ? -1 : 0;
    case LOG_KACCESS:
        if (!get(g, a, sizeof a))
            return -1;
        (void)gos_kernel_access(g, a[0], (size_t)a[1], a[2] != 0);
        return g->fatal ? -1 : 0;
    case LOG_WRITE:
        return replay_write(g);
    case LOG_ZERO:
        return !get(g, a, 2 * sizeof a[0]) || gos_zero_guest(g, a[0], (size_t)a[1]) ? -1 : 0;
    default:
        gos_fail(g, "replay: the log of the first pass is damaged at call %llu",
                 (unsigned long long)g->w->replayed_calls);
        return -1;
    }
}

/* Replays one call: the guest's registers must match the log's; the call's events go to this
 * pass's models and memory.  Returns the recorded eax (and the exit fields); g->fatal on a
 * mismatch or a broken log. */
int64_t gos_log_replay_call(struct gos *g, const struct gos_regs *regs)
{
    if (!replay_matching_call(g, regs))
        return -ENOSYS;
    for (;;) {
        int type = fgetc(g->w->replaying->f);
        if (type != LOG_RESULT) {
            if (replay_event(g, type) != 0)
                return -ENOSYS;
            continue;
        }
        int64_t a[6];
        if (!get(g, a, sizeof a))
            return -ENOSYS;
        g->exiting = a[1] != 0;
        g->exit_status = (int)a[2];
        g->exit_signal = (int)a[3];
        if (a[4]) /* the first pass's call blocked (a pipe, or the poll family with a deadline) */
            gos_block_replayed(g, regs->a[0], (uint64_t)a[5]);
        return a[0];
    }
}
