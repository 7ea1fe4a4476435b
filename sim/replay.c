/* sim/replay.c - sim_replay(): streams a trace (any format traces/ reads: text, .vkt, Lackey,
 * ChampSim, CloudSuite) through every configuration in one pass, then reports.  A bad trace
 * stops the replay before anything is reported (exit 2); a model error stops it too (exit 1).
 * A policy that needs a first pass (oracle:N) gets one: the same configurations with policy
 * none record their reflections, standard input spooled to a temporary .vkt meanwhile. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sim.h"

_Static_assert(TRC_PROT_R == VK_PROT_R && TRC_PROT_W == VK_PROT_W && TRC_PROT_X == VK_PROT_X,
               "trace protection bits are passed to the model unchanged");

int sim_replay_args_init(struct sim_replay_args *a, char *err, size_t errlen)
{
    memset(a, 0, sizeof *a);
    a->format = TRC_FMT_AUTO;
    return sim_model_opts_init(&a->model, err, errlen);
}

/* Prints the first model's error after a VK_ERROR status. */
static void model_error(const struct vk_set *set, const char *where)
{
    for (size_t i = 0; i < set->n; i++) {
        const char *e = vk_error(set->m[i]);
        if (e && *e) {
            char name[160];
            fprintf(stderr, "vkmmu: %s: model %s: %s\n", where,
                    vk_config_name(vk_model_config(set->m[i]), name, sizeof(name)), e);
            return;
        }
    }
    fprintf(stderr, "vkmmu: %s: model error\n", where);
}

/* An access record before any map: the default region comes first (trace-formats.md
 * section 1), then the access. */
static int feed_access(struct vk_set *set, const struct trc_record *rec, bool *mapped)
{
    if (!*mapped) {
        *mapped = true;
        int st = vk_set_map(set, mmu_arch_default_start(set->arch),
                            mmu_arch_default_end(set->arch), VK_PROT_R | VK_PROT_W, VK_ANON, 0,
                            0);
        if (st == VK_ERROR)
            return st;
    }
    switch (rec->type) {
    case TRC_READ:
        return vk_set_access(set, rec->addr, rec->size, MMU_READ);
    case TRC_WRITE:
        return vk_set_access(set, rec->addr, rec->size, MMU_WRITE);
    case TRC_FETCH:
        return vk_set_access(set, rec->addr, rec->size, MMU_FETCH);
    case TRC_KREAD:
        return vk_set_kernel_access(set, rec->addr, rec->size, false);
    case TRC_KWRITE:
        return vk_set_kernel_access(set, rec->addr, rec->size, true);
    default:
        return VK_OK;
    }
}

/* Feeds one record to the set; returns the worst model status.  file_id_shift: added to the
 * trace's file ids when a regions file numbers its own files (trc_regions). */
static inline int feed(struct vk_set *set, const struct trc_record *rec, bool *mapped,
                       uint32_t file_id_shift)
{
    /* the common case first: a user access once the regions are there */
    _Static_assert(TRC_WRITE == TRC_READ + MMU_WRITE && TRC_FETCH == TRC_READ + MMU_FETCH,
                   "access records map onto enum mmu_kind");
    if (rec->type >= TRC_READ && rec->type <= TRC_FETCH && *mapped)
        return vk_set_access(set, rec->addr, rec->size, (enum mmu_kind)(rec->type - TRC_READ));
    switch (rec->type) {
    case TRC_ARCH:
        return VK_OK;
    case TRC_MAP:
        *mapped = true;
        return vk_set_map(set, rec->addr, rec->end, rec->prot,
                          rec->kind == TRC_FILE ? VK_FILE : VK_ANON,
                          rec->kind == TRC_FILE ? rec->file_id + file_id_shift : 0,
                          rec->file_pgoff);
    case TRC_UNMAP:
        return vk_set_unmap(set, rec->addr, rec->end);
    case TRC_PROTECT:
        return vk_set_protect(set, rec->addr, rec->end, rec->prot);
    case TRC_MOVE:
        return vk_set_move(set, rec->addr, rec->dest, rec->end - rec->addr);
    case TRC_INSNS:
        vk_set_insns(set, rec->count);
        return VK_OK;
    case TRC_SYSCALL:
        vk_set_syscall(set, (unsigned)rec->count);
        return VK_OK;
    case TRC_PID:
        return vk_set_switch(set, (uint32_t)rec->count);
    case TRC_FORK:
    case TRC_VFORK:
        return vk_set_fork(set, (uint32_t)rec->count, rec->type == TRC_VFORK);
    case TRC_EXEC:
        return vk_set_exec(set);
    case TRC_EXIT:
        return vk_set_exit(set);
    default:
        return feed_access(set, rec, mapped);
    }
}

/* One stream of a trace into a set of models. */
struct stream {
    struct trc_reader *reader;
    struct vk_set *set;
    const char *regions_path;  /* applied before the trace's first record, or NULL */
    struct sim_timeline *timeline; /* or NULL */
    struct trc_writer *spool;  /* every record is also written here, or NULL */
    struct sim_progress *progress;
    bool mapped;               /* a region is there: no default region needed */
    uint32_t file_id_shift;    /* the regions file's highest file id */
    bool stopped;              /* a SIGINT/SIGTERM stopped it before the end of the trace */
};

/* Applies the regions file, if any: an exit status, the error printed. */
static int stream_regions(struct stream *s)
{
    if (!s->regions_path)
        return VKMMU_EXIT_OK;
    char err[SIM_ERR_MAX], where[SIM_VALUE_MAX + 64];
    struct trc_regions g;
    if (trc_regions_load(s->regions_path, trc_arch(s->reader), &g, err, sizeof(err)) < 0) {
        fprintf(stderr, "vkmmu: %s\n", err);
        return VKMMU_EXIT_USAGE;
    }
    for (size_t k = 0; k < g.n; k++) {
        if (feed(s->set, &g.rec[k], &s->mapped, 0) == VK_ERROR) {
            snprintf(where, sizeof(where), "%s:%lu", s->regions_path, g.rec[k].line);
            model_error(s->set, where);
            trc_regions_free(&g);
            return VKMMU_EXIT_FAILED;
        }
    }
    s->file_id_shift = g.max_file_id;
    s->mapped = true; /* even an empty regions file replaces the default region */
    trc_regions_free(&g);
    return VKMMU_EXIT_OK;
}

/* Feeds one record of the trace (and spools it, and ticks the timeline): an exit status, the
 * error printed. */
static int stream_record(struct stream *s, const struct trc_record *x)
{
    char where[SIM_VALUE_MAX + 64]; /* a path and a line or offset */
    if (x->type == TRC_MAP && trc_file_id_check(s->reader, x, s->file_id_shift) < 0) {
        fprintf(stderr, "vkmmu: %s\n", trc_error(s->reader));
        return VKMMU_EXIT_USAGE;
    }
    if (s->spool && trc_writer_put(s->spool, x) < 0)
        s->spool = NULL; /* the error sticks in the writer: trc_writer_close reports it */
    if (feed(s->set, x, &s->mapped, s->file_id_shift) == VK_ERROR) {
        model_error(s->set, trc_where(s->reader, x, where, sizeof(where)));
        /* a process record that cannot be is the trace's error, as any bad record is */
        return s->set->n && vk_error_is_input(s->set->m[0]) ? VKMMU_EXIT_USAGE
                                                            : VKMMU_EXIT_FAILED;
    }
    if (s->timeline) {
        bool access = x->type == TRC_READ || x->type == TRC_WRITE || x->type == TRC_FETCH;
        if (sim_timeline_tick(s->timeline, s->set, x->type == TRC_INSNS ? x->count : 0,
                              access) < 0) {
            fprintf(stderr, "vkmmu: out of memory for the timeline\n");
            return VKMMU_EXIT_FAILED;
        }
    }
    return VKMMU_EXIT_OK;
}

static void stream_progress(struct stream *s, uint64_t records)
{
    vk_set_sync(s->set); /* the fast path's pending access counts */
    const struct mmu_counters *c = vk_counters(s->set->m[0]);
    sim_progress_replay(s->progress, records,
                        MMU_CTR(c, access_read) + MMU_CTR(c, access_write) +
                            MMU_CTR(c, access_fetch));
}

/* Streams the rest of the trace (rec: the first record, already read; more: trc_next's
 * answer for it) into the set, after the regions file if any.  Returns an exit status; the
 * error is printed. */
static int stream_run(struct stream *s, const struct trc_record *rec, int more)
{
    int st = stream_regions(s);
    if (st != VKMMU_EXIT_OK)
        return st;
    static struct trc_record batch[256];
    size_t k = 0;
    /* Progress and the stop flag cost one test per batch; the clock is read every 64K
     * records. */
    uint64_t nrec = 0, pnext = 1u << 16;
    if (more == 1) {
        batch[0] = *rec;
        k = 1;
    }
    while (k) {
        for (size_t j = 0; j < k; j++)
            if ((st = stream_record(s, &batch[j])) != VKMMU_EXIT_OK)
                return st;
        if (more != 1)
            break;
        nrec += k;
        if (sim_stop_signal) {
            s->stopped = true; /* stopped between two records: reported partial */
            return VKMMU_EXIT_OK;
        }
        if (s->progress && s->progress->on && nrec >= pnext) {
            pnext = nrec + (1u << 16);
            stream_progress(s, nrec);
        }
        k = trc_next_batch(s->reader, batch, sizeof(batch) / sizeof(batch[0]), &more);
    }
    if (more < 0) {
        fprintf(stderr, "vkmmu: %s\n", trc_error(s->reader));
        return VKMMU_EXIT_USAGE;
    }
    return VKMMU_EXIT_OK;
}

/* ---- the first pass of a policy that needs one (oracle:N) ---- */

struct first_pass {
    struct vk_set set;     /* one none model per scheme x dirty of the configurations */
    bool have_set;
    char *spool_path;      /* standard input spooled for the second pass, or NULL */
};

/* Opens the temporary .vkt that keeps standard input for the second pass: an exit status. */
static int first_pass_spool(struct first_pass *fp, enum mmu_arch arch, struct trc_writer **w)
{
    char err[SIM_ERR_MAX];
    const char *dir = getenv("TMPDIR");
    size_t len = strlen(dir ? dir : "/tmp") + 32;
    fp->spool_path = malloc(len);
    if (!fp->spool_path)
        return VKMMU_EXIT_FAILED;
    snprintf(fp->spool_path, len, "%s/vkmmu-spool-%ld.vkt", dir ? dir : "/tmp", (long)getpid());
    if (trc_writer_open(w, fp->spool_path, arch, err, sizeof(err)) < 0) {
        fprintf(stderr, "vkmmu replay: cannot spool standard input for oracle: %s\n", err);
        free(fp->spool_path);
        fp->spool_path = NULL;
        return VKMMU_EXIT_FAILED;
    }
    return VKMMU_EXIT_OK;
}

/* The configurations of o with policy none, recording their reflections, fed the whole trace.
 * An exit status, the error printed; *stopped when a signal cut it short. */
static int first_pass_run(const struct sim_replay_args *a, struct first_pass *fp, bool *stopped)
{
    char err[SIM_ERR_MAX];
    struct trc_reader *r;
    struct trc_record rec;
    int more, native;
    bool *baseline_only;
    if (sim_trace_begin(a->trace, a->format, &r, &rec, &more) != VKMMU_EXIT_OK)
        return VKMMU_EXIT_USAGE;
    struct sim_model_opts none = a->model;
    none.policies = "none";
    none.vk.record_reflections = true;
    if (sim_build_set(&none, &fp->set, trc_arch(r), &native, &baseline_only, err,
                      sizeof(err)) < 0) {
        fprintf(stderr, "vkmmu replay: %s\n", err);
        trc_close(r);
        return VKMMU_EXIT_FAILED;
    }
    free(baseline_only);
    fp->have_set = true;
    struct trc_writer *w = NULL;
    if (!strcmp(a->trace, "-") && first_pass_spool(fp, trc_arch(r), &w) != VKMMU_EXIT_OK) {
        trc_close(r);
        return VKMMU_EXIT_FAILED;
    }
    struct sim_progress pg;
    sim_progress_start(&pg, "vkmmu replay (oracle: first pass)");
    sim_progress_file(&pg, a->trace);
    struct stream s = {.reader = r, .set = &fp->set, .regions_path = a->regions_path,
                       .spool = w, .progress = &pg};
    int st = stream_run(&s, &rec, more);
    *stopped = s.stopped;
    sim_progress_end(&pg);
    trc_close(r);
    if (w && trc_writer_close(w, st != VKMMU_EXIT_OK, err, sizeof(err)) < 0 &&
        st == VKMMU_EXIT_OK) {
        fprintf(stderr, "vkmmu replay: cannot spool standard input for oracle: %s\n", err);
        st = VKMMU_EXIT_FAILED;
    }
    return st;
}

/* Gives every model whose policy needs the first pass the reflections of its scheme and dirty
 * strategy under none. */
static void first_pass_attach(const struct first_pass *fp, struct vk_set *set)
{
    if (!fp->have_set)
        return;
    for (size_t i = 0; i < set->n; i++) {
        const struct vk_config *c = vk_model_config(set->m[i]);
        if (!vk_policy_needs_first_pass(&c->policy))
            continue;
        for (size_t j = 0; j < fp->set.n; j++) {
            const struct vk_config *n = vk_model_config(fp->set.m[j]);
            if (n->scheme == c->scheme && n->dirty == c->dirty)
                vk_model_set_oracle(set->m[i], vk_model_reflections(fp->set.m[j]));
        }
    }
}

static void first_pass_fini(struct first_pass *fp)
{
    if (fp->have_set)
        vk_set_fini(&fp->set);
    if (fp->spool_path) {
        unlink(fp->spool_path);
        free(fp->spool_path);
    }
    memset(fp, 0, sizeof *fp);
}

/* Runs the first pass when the configurations need it: an exit status (128 + signal when
 * interrupted: no results). */
static int first_pass(const struct sim_replay_args *a, struct first_pass *fp)
{
    if (!sim_needs_first_pass(&a->model))
        return VKMMU_EXIT_OK;
    bool stopped = false;
    int st = first_pass_run(a, fp, &stopped);
    if (st == VKMMU_EXIT_OK && stopped) {
        fprintf(stderr, "vkmmu replay: %s during the oracle's first pass: no results\n",
                sim_stop_reason());
        st = 128 + sim_stop_signal;
    }
    return st;
}

/* ---- the replay and its report ---- */

/* Everything one replay holds between its steps. */
struct replay {
    const struct sim_replay_args *args;
    struct sim_model_opts model; /* a copy: sim_build_set takes it writable */
    struct first_pass first;
    struct trc_reader *reader;
    struct vk_set set;
    bool have_set;
    int native;
    bool *baseline_only;
    struct sim_timeline timeline;
    bool timeline_on;
    const char *partial; /* why the results are partial, or NULL */
};

/* Refuses outputs that would overwrite the trace, the regions file or each other. */
static int replay_check_paths(const struct sim_replay_args *a)
{
    struct sim_paths paths;
    sim_paths_init(&paths);
    sim_paths_add(&paths, "TRACE", a->trace, SIM_PATH_IN);
    sim_paths_add(&paths, "--regions", a->regions_path, SIM_PATH_IN);
    sim_paths_add_results(&paths, &a->model);
    int clash = sim_paths_check(&paths, "replay");
    sim_paths_fini(&paths);
    return clash;
}

/* Opens the input (the spool of the first pass, if any), builds the configurations and the
 * timeline: an exit status, the error printed. */
static int replay_open(struct replay *rp, struct trc_record *rec, int *more)
{
    char err[SIM_ERR_MAX];
    const char *input = rp->first.spool_path ? rp->first.spool_path : rp->args->trace;
    enum trc_format format = rp->first.spool_path ? TRC_FMT_VKT : rp->args->format;
    struct trc_reader *r;
    if (sim_trace_begin(input, format, &r, rec, more) != VKMMU_EXIT_OK)
        return VKMMU_EXIT_USAGE;
    rp->reader = r;
    if (sim_build_set(&rp->model, &rp->set, trc_arch(rp->reader), &rp->native,
                      &rp->baseline_only, err, sizeof(err)) < 0) {
        fprintf(stderr, "vkmmu replay: %s\n", err);
        return VKMMU_EXIT_FAILED;
    }
    rp->have_set = true;
    first_pass_attach(&rp->first, &rp->set);
    if (rp->model.interval) {
        sim_timeline_init(&rp->timeline, rp->model.interval, rp->set.n);
        rp->timeline_on = true;
    }
    return VKMMU_EXIT_OK;
}

/* Streams the trace and finishes the models: an exit status.  Interrupted, the models are
 * finished on what they saw, so the identities hold for the partial counts, and the results
 * so far are reported, marked partial. */
static int replay_stream(struct replay *rp, const struct trc_record *rec, int more)
{
    const char *input = rp->first.spool_path ? rp->first.spool_path : rp->args->trace;
    struct sim_progress pg;
    sim_progress_start(&pg, "vkmmu replay");
    sim_progress_file(&pg, input);
    struct stream s = {.reader = rp->reader, .set = &rp->set,
                       .regions_path = rp->args->regions_path,
                       .timeline = rp->timeline_on ? &rp->timeline : NULL, .progress = &pg};
    int status = stream_run(&s, rec, more);
    sim_progress_end(&pg);
    if (status != VKMMU_EXIT_OK)
        return status;
    rp->partial = s.stopped ? sim_stop_reason() : NULL;
    vk_set_finish(&rp->set);
    if (sim_check_overflow(&rp->set, "vkmmu replay", &rp->model.costs) < 0 ||
        sim_check_identities(&rp->set) < 0)
        status = VKMMU_EXIT_FAILED;
    if (rp->timeline_on && sim_timeline_finish(&rp->timeline, &rp->set) < 0) {
        fprintf(stderr, "vkmmu replay: out of memory for the timeline\n");
        status = VKMMU_EXIT_FAILED;
    }
    return status;
}

/* The "workload" members a trace adds: its format, records, lines or bytes, and the partial
 * mark.  0, or -1 when out of memory. */
static int replay_workload_members(const struct replay *rp, struct sim_report *rep)
{
    struct trc_reader *r = rp->reader;
    enum trc_format f = trc_format(r);
    int rc = 0;
    if (f == TRC_FMT_TEXT) {
        rc |= sim_report_extra_u64(rep, "records", trc_records(r));
        rc |= sim_report_extra_u64(rep, "lines", trc_line(r));
    } else {
        rc |= sim_report_extra_string(rep, "format", trc_format_name(f));
        rc |= sim_report_extra_u64(rep, "records", trc_records(r));
        if (f == TRC_FMT_LACKEY)
            rc |= sim_report_extra_u64(rep, "lines", trc_line(r));
        else
            rc |= sim_report_extra_u64(rep, "bytes", trc_bytes(r));
    }
    if (rp->partial) {
        rc |= sim_report_extra_bool(rep, "partial", true);
        rc |= sim_report_extra_string(rep, "partial_reason", rp->partial);
    }
    return rc;
}

/* The table on stdout, --json and --csv; then the partial mark.  An exit status. */
static int replay_report(struct replay *rp)
{
    char kind[32]; /* "text-trace", "vkt-trace", ... */
    snprintf(kind, sizeof kind, "%s-trace", trc_format_name(trc_format(rp->reader)));
    struct sim_report rep = {
        .argc = rp->args->argc,
        .argv = rp->args->argv,
        .costs = &rp->model.costs,
        .workload_kind = kind,
        .workload_name = rp->args->trace,
        .set = &rp->set,
        .native_index = rp->native,
        .baseline_only = rp->baseline_only,
        .timeline = rp->timeline_on ? &rp->timeline : NULL,
    };
    int status = VKMMU_EXIT_OK;
    if (replay_workload_members(rp, &rep) < 0) {
        fprintf(stderr, "vkmmu replay: out of memory for the results\n");
        status = VKMMU_EXIT_FAILED;
    } else if (sim_report_all(&rep, &rp->model) < 0) {
        status = VKMMU_EXIT_FAILED;
    }
    sim_report_fini(&rep);
    if (rp->partial) {
        uint64_t records = trc_records(rp->reader);
        printf("partial results: %s after %" PRIu64 " records\n", rp->partial, records);
        fflush(stdout);
        fprintf(stderr, "vkmmu replay: %s after %" PRIu64 " records: the results are "
                        "partial%s\n", rp->partial, records,
                rp->model.csv_path ? " (the CSV rows carry no mark)" : "");
        if (status == VKMMU_EXIT_OK)
            status = 128 + sim_stop_signal;
    }
    return status;
}

static void replay_fini(struct replay *rp)
{
    if (rp->timeline_on)
        sim_timeline_fini(&rp->timeline);
    first_pass_fini(&rp->first);
    free(rp->baseline_only);
    if (rp->have_set)
        vk_set_fini(&rp->set);
    if (rp->reader)
        trc_close(rp->reader);
}

int sim_replay(const struct sim_replay_args *a)
{
    int status = replay_check_paths(a);
    if (status != VKMMU_EXIT_OK)
        return status;
    sim_stop_install();
    struct replay rp = {.args = a, .model = a->model};
    struct trc_record rec;
    int more;
    status = first_pass(a, &rp.first);
    if (status == VKMMU_EXIT_OK)
        status = replay_open(&rp, &rec, &more);
    if (status == VKMMU_EXIT_OK)
        status = replay_stream(&rp, &rec, more);
    if (status == VKMMU_EXIT_OK)
        status = replay_report(&rp);
    replay_fini(&rp);
    return status;
}
