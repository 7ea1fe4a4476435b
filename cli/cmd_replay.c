/* cli/cmd_replay.c - `vkmmu replay [model options] TRACE`: streams a trace (any format
 * traces/ reads: text, .vkt, Lackey, ChampSim) through every configuration in one pass, then
 * reports.  A bad trace stops the replay before anything is reported (exit 2); a model error
 * stops it too (exit 1). */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "trc.h"

_Static_assert(TRC_PROT_R == VK_PROT_R && TRC_PROT_W == VK_PROT_W && TRC_PROT_X == VK_PROT_X,
               "trace protection bits are passed to the model unchanged");

static void replay_usage(FILE *out)
{
    fputs("usage: vkmmu replay [OPTIONS] TRACE\n"
          "Replays a trace (TRACE, or - for standard input) through every configuration in\n"
          "one pass and prints one row per configuration.\n"
          "\n"
          "options:\n"
          "  --format F           the trace's format: auto (default: .vkt by its magic number,\n"
          "                       *.champsim[.xz|.gz] ChampSim, a `==PID==` first line Lackey,\n"
          "                       else text), text, vkt, lackey, champsim, cloudsuite;\n"
          "                       FILE.xz and FILE.gz are decompressed on the fly\n"
          "  --regions FILE       regions applied before the trace's first record, instead of\n"
          "                       the default region: `map START END PROT KIND [NAME]` lines\n"
          "                       and /proc/PID/maps lines\n",
          out);
    sim_model_opts_usage(out);
    fputs("  -h, --help           this text\n"
          "\n"
          "A progress line is drawn on stderr when it is a terminal.  SIGINT (Ctrl-C) or\n"
          "SIGTERM stops the replay after the current records and writes the results so far,\n"
          "marked partial; a second Ctrl-C quits at once.\n"
          "\n"
          "exit status: 0 success, 1 failed run, 2 bad usage or bad input, 130 (SIGINT) or\n"
          "143 (SIGTERM) interrupted, partial results written\n",
          out);
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
    case TRC_INSNS:
        vk_set_insns(set, rec->count);
        return VK_OK;
    case TRC_SYSCALL:
        vk_set_syscall(set, (unsigned)rec->count);
        return VK_OK;
    default:
        break;
    }
    /* An access: a trace without a map before its first access uses the default region
     * (trace-formats.md section 1). */
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

/* Set by stream() when a SIGINT/SIGTERM stopped it before the end of the trace. */
static bool stream_stopped;

/* Streams the rest of a trace (rec: the first record, already read; more: trc_next's answer
 * for it) into set, after the regions file if any.  spool: when not NULL, every record is also
 * written to it.  Returns an exit status; the error is printed. */
static int stream(struct trc_reader *r, struct trc_record *rec, int more, struct vk_set *set,
                  const char *regions_path, struct sim_timeline *tl, struct trc_writer *spool,
                  struct sim_progress *pg)
{
    char err[SIM_ERR_MAX], where[SIM_VALUE_MAX + 64]; /* a path and a line or offset */
    bool mapped = false;
    uint32_t shift = 0;
    if (regions_path) {
        struct trc_regions g;
        if (trc_regions_load(regions_path, trc_arch(r), &g, err, sizeof(err)) < 0) {
            fprintf(stderr, "vkmmu: %s\n", err);
            return VKMMU_EXIT_USAGE;
        }
        for (size_t k = 0; k < g.n; k++) {
            if (feed(set, &g.rec[k], &mapped, 0) == VK_ERROR) {
                snprintf(where, sizeof(where), "%s:%lu", regions_path, g.rec[k].line);
                model_error(set, where);
                trc_regions_free(&g);
                return VKMMU_EXIT_FAILED;
            }
        }
        shift = g.max_file_id;
        mapped = true; /* even an empty regions file replaces the default region */
        trc_regions_free(&g);
    }
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
        for (size_t j = 0; j < k; j++) {
            const struct trc_record *x = &batch[j];
            if (x->type == TRC_MAP && trc_file_id_check(r, x, shift) < 0) {
                fprintf(stderr, "vkmmu: %s\n", trc_error(r));
                return VKMMU_EXIT_USAGE;
            }
            if (spool && trc_writer_put(spool, x) < 0)
                spool = NULL; /* the error sticks in the writer: trc_writer_close reports it */
            if (feed(set, x, &mapped, shift) == VK_ERROR) {
                model_error(set, trc_where(r, x, where, sizeof(where)));
                return VKMMU_EXIT_FAILED;
            }
            if (tl) {
                bool acc = x->type == TRC_READ || x->type == TRC_WRITE || x->type == TRC_FETCH;
                if (sim_timeline_tick(tl, set, x->type == TRC_INSNS ? x->count : 0, acc) < 0) {
                    fprintf(stderr, "vkmmu: out of memory for the timeline\n");
                    return VKMMU_EXIT_FAILED;
                }
            }
        }
        if (more != 1)
            break;
        nrec += k;
        if (sim_stop_signal) {
            stream_stopped = true; /* stopped between two records: reported partial */
            return VKMMU_EXIT_OK;
        }
        if (pg && pg->on && nrec >= pnext) {
            pnext = nrec + (1u << 16);
            vk_set_sync(set); /* the fast path's pending access counts */
            const struct mmu_counters *c = vk_counters(set->m[0]);
            sim_progress_replay(pg, nrec, MMU_CTR(c, access_read) + MMU_CTR(c, access_write) +
                                              MMU_CTR(c, access_fetch));
        }
        k = trc_next_batch(r, batch, sizeof(batch) / sizeof(batch[0]), &more);
    }
    if (more < 0) {
        fprintf(stderr, "vkmmu: %s\n", trc_error(r));
        return VKMMU_EXIT_USAGE;
    }
    return VKMMU_EXIT_OK;
}

/* ---- oracle:N: a first pass with policy none records the reflections ---- */
struct oracle_pass {
    struct vk_set set;     /* one none model per scheme x dirty of the oracle configurations */
    bool have_set;
    char *spool_path;      /* standard input spooled for the second pass, or NULL */
};

static bool oracle_wanted(const struct sim_model_opts *o)
{
    const char *p = o->policies;
    while ((p = strstr(p, "oracle")) != NULL) {
        if (p == o->policies || p[-1] == ',')
            return true;
        p++;
    }
    return false;
}

static int oracle_first_pass(struct sim_model_opts *o, const char *trace, enum trc_format fmt,
                             const char *regions_path, struct oracle_pass *op)
{
    char err[SIM_ERR_MAX];
    struct trc_reader *r;
    struct trc_record rec;
    int more;
    if (sim_trace_begin(trace, fmt, &r, &rec, &more) != VKMMU_EXIT_OK)
        return VKMMU_EXIT_USAGE;
    /* the same configurations with policy none, recording their reflections */
    struct sim_model_opts o1 = *o;
    o1.policies = "none";
    o1.vk.record_reflections = true;
    int native;
    bool *bl;
    if (sim_build_set(&o1, &op->set, trc_arch(r), &native, &bl, err, sizeof(err)) < 0) {
        fprintf(stderr, "vkmmu replay: %s\n", err);
        trc_close(r);
        return VKMMU_EXIT_FAILED;
    }
    free(bl);
    op->have_set = true;
    struct trc_writer *w = NULL;
    if (!strcmp(trace, "-")) {
        const char *dir = getenv("TMPDIR");
        size_t len = strlen(dir ? dir : "/tmp") + 32;
        op->spool_path = malloc(len);
        if (!op->spool_path) {
            trc_close(r);
            return VKMMU_EXIT_FAILED;
        }
        snprintf(op->spool_path, len, "%s/vkmmu-spool-%ld.vkt", dir ? dir : "/tmp",
                 (long)getpid());
        if (trc_writer_open(&w, op->spool_path, trc_arch(r), err, sizeof(err)) < 0) {
            fprintf(stderr, "vkmmu replay: cannot spool standard input for oracle: %s\n", err);
            free(op->spool_path);
            op->spool_path = NULL;
            trc_close(r);
            return VKMMU_EXIT_FAILED;
        }
    }
    struct sim_progress pg;
    sim_progress_start(&pg, "vkmmu replay (oracle: first pass)");
    sim_progress_file(&pg, trace);
    int st = stream(r, &rec, more, &op->set, regions_path, NULL, w, &pg);
    sim_progress_end(&pg);
    trc_close(r);
    if (w && trc_writer_close(w, st != VKMMU_EXIT_OK, err, sizeof(err)) < 0 && st == VKMMU_EXIT_OK) {
        fprintf(stderr, "vkmmu replay: cannot spool standard input for oracle: %s\n", err);
        st = VKMMU_EXIT_FAILED;
    }
    return st;
}

/* Gives every oracle model the reflections of its scheme and dirty strategy under none. */
static void oracle_attach(struct oracle_pass *op, struct vk_set *set)
{
    if (!op->have_set)
        return;
    for (size_t i = 0; i < set->n; i++) {
        const struct vk_config *c = vk_model_config(set->m[i]);
        if (strcmp(c->policy.pol->name, "oracle") != 0)
            continue;
        for (size_t j = 0; j < op->set.n; j++) {
            const struct vk_config *n = vk_model_config(op->set.m[j]);
            if (n->scheme == c->scheme && n->dirty == c->dirty)
                vk_model_set_oracle(set->m[i], vk_model_reflections(op->set.m[j]));
        }
    }
}

static void oracle_pass_free(struct oracle_pass *op)
{
    if (op->have_set)
        vk_set_fini(&op->set);
    if (op->spool_path) {
        unlink(op->spool_path);
        free(op->spool_path);
    }
    memset(op, 0, sizeof *op);
}

int cmd_replay(int argc, char **argv)
{
    struct sim_model_opts o;
    char err[SIM_ERR_MAX];
    const char *trace = NULL, *regions_path = NULL;
    enum trc_format fmt = TRC_FMT_AUTO;
    bool only_positional = false;

    if (sim_model_opts_init(&o, err, sizeof(err)) < 0) {
        fprintf(stderr, "vkmmu replay: %s\n", err);
        return VKMMU_EXIT_FAILED;
    }
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!only_positional) {
            if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
                replay_usage(stdout);
                return VKMMU_EXIT_OK;
            }
            int rc = sim_model_opt(&o, argc, argv, &i, err, sizeof(err));
            if (rc < 0) {
                fprintf(stderr, "vkmmu replay: %s\n", err);
                return VKMMU_EXIT_USAGE;
            }
            if (rc > 0)
                continue;
            rc = cli_trace_opt(argc, argv, &i, &fmt, &regions_path, err, sizeof(err));
            if (rc < 0) {
                fprintf(stderr, "vkmmu replay: %s\n", err);
                return VKMMU_EXIT_USAGE;
            }
            if (rc > 0)
                continue;
            if (!strcmp(a, "--")) {
                only_positional = true;
                continue;
            }
            if (a[0] == '-' && a[1]) {
                fprintf(stderr, "vkmmu replay: unknown option '%s' (see vkmmu replay --help)\n",
                        a);
                return VKMMU_EXIT_USAGE;
            }
        }
        if (trace) {
            fprintf(stderr, "vkmmu replay: more than one TRACE ('%s', '%s')\n", trace, a);
            return VKMMU_EXIT_USAGE;
        }
        trace = a;
    }
    if (!trace) {
        fprintf(stderr, "vkmmu replay: missing TRACE (see vkmmu replay --help)\n");
        return VKMMU_EXIT_USAGE;
    }
    struct sim_paths paths;
    sim_paths_init(&paths);
    sim_paths_add(&paths, "TRACE", trace, SIM_PATH_IN);
    sim_paths_add(&paths, "--regions", regions_path, SIM_PATH_IN);
    sim_paths_add_results(&paths, &o);
    int clash = sim_paths_check(&paths, "replay");
    sim_paths_fini(&paths);
    if (clash != VKMMU_EXIT_OK)
        return clash;

    sim_stop_install();
    /* oracle:N needs the reflections of policy none first (same scheme and dirty strategy):
     * a first pass records them.  Standard input is spooled to a temporary .vkt meanwhile. */
    struct oracle_pass op = {0};
    const char *input = trace;
    enum trc_format input_fmt = fmt;
    if (oracle_wanted(&o)) {
        int st = oracle_first_pass(&o, trace, fmt, regions_path, &op);
        if (st == VKMMU_EXIT_OK && stream_stopped) {
            fprintf(stderr, "vkmmu replay: %s during the oracle's first pass: no results\n",
                    sim_stop_reason());
            st = 128 + sim_stop_signal;
        }
        if (st != VKMMU_EXIT_OK) {
            oracle_pass_free(&op);
            return st;
        }
        if (op.spool_path) {
            input = op.spool_path;
            input_fmt = TRC_FMT_VKT;
        }
    }

    struct trc_reader *r;
    struct trc_record rec;
    int more;
    if (sim_trace_begin(input, input_fmt, &r, &rec, &more) != VKMMU_EXIT_OK) {
        oracle_pass_free(&op);
        return VKMMU_EXIT_USAGE;
    }

    struct vk_set set;
    int native;
    bool *baseline_only;
    if (sim_build_set(&o, &set, trc_arch(r), &native, &baseline_only, err, sizeof(err)) < 0) {
        fprintf(stderr, "vkmmu replay: %s\n", err);
        trc_close(r);
        oracle_pass_free(&op);
        return VKMMU_EXIT_FAILED;
    }
    oracle_attach(&op, &set);
    struct sim_timeline tl, *tlp = NULL;
    if (o.interval) {
        sim_timeline_init(&tl, o.interval, set.n);
        tlp = &tl;
    }

    struct sim_progress pg;
    sim_progress_start(&pg, "vkmmu replay");
    sim_progress_file(&pg, input);
    int status = stream(r, &rec, more, &set, regions_path, tlp, NULL, &pg);
    sim_progress_end(&pg);
    /* Interrupted: the models are finished on what they saw, so the identities hold for the
     * partial counts, and the results so far are reported, marked partial. */
    const char *partial = status == VKMMU_EXIT_OK && stream_stopped ? sim_stop_reason() : NULL;
    if (status == VKMMU_EXIT_OK) {
        vk_set_finish(&set);
        if (sim_check_overflow(&set, "vkmmu replay", &o.costs) < 0 ||
            sim_check_identities(&set) < 0)
            status = VKMMU_EXIT_FAILED;
        if (tlp && sim_timeline_finish(tlp, &set) < 0) {
            fprintf(stderr, "vkmmu replay: out of memory for the timeline\n");
            status = VKMMU_EXIT_FAILED;
        }
    }
    if (status == VKMMU_EXIT_OK) {
        char extra[384];
        enum trc_format f = trc_format(r);
        int n;
        if (f == TRC_FMT_TEXT)
            n = snprintf(extra, sizeof(extra), "\"records\": %" PRIu64 ",\n    \"lines\": %lu",
                         trc_records(r), trc_line(r));
        else
            n = snprintf(extra, sizeof(extra),
                     "\"format\": \"%s\",\n    \"records\": %" PRIu64 ",\n    "
                     "\"%s\": %" PRIu64, trc_format_name(f), trc_records(r),
                     f == TRC_FMT_LACKEY ? "lines" : "bytes",
                     f == TRC_FMT_LACKEY ? (uint64_t)trc_line(r) : trc_bytes(r));
        if (partial && n > 0 && (size_t)n < sizeof(extra))
            snprintf(extra + n, sizeof(extra) - (size_t)n,
                     ",\n    \"partial\": true,\n    \"partial_reason\": \"%s\"", partial);
        static const char *const kinds[] = {
            [TRC_FMT_TEXT] = "text-trace",         [TRC_FMT_VKT] = "vkt-trace",
            [TRC_FMT_LACKEY] = "lackey-trace",     [TRC_FMT_CHAMPSIM] = "champsim-trace",
            [TRC_FMT_CLOUDSUITE] = "cloudsuite-trace",
        };
        struct sim_report rep = {
            .argc = cli_argc,
            .argv = cli_argv,
            .costs = &o.costs,
            .workload_kind = kinds[f] ? kinds[f] : "trace",
            .workload_name = trace,
            .workload_extra_json = extra,
            .set = &set,
            .native_index = native,
            .baseline_only = baseline_only,
            .timeline = tlp,
        };
        if (sim_report_all(&rep, &o) < 0)
            status = VKMMU_EXIT_FAILED;
        if (partial) {
            printf("partial results: %s after %" PRIu64 " records\n", partial, trc_records(r));
            fflush(stdout);
            fprintf(stderr, "vkmmu replay: %s after %" PRIu64 " records: the results are "
                            "partial%s\n", partial, trc_records(r),
                    o.csv_path ? " (the CSV rows carry no mark)" : "");
            if (status == VKMMU_EXIT_OK)
                status = 128 + sim_stop_signal;
        }
    }
    if (tlp)
        sim_timeline_fini(tlp);
    oracle_pass_free(&op);
    free(baseline_only);
    vk_set_fini(&set);
    trc_close(r);
    return status;
}
