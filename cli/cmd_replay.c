/* cli/cmd_replay.c - `vkmmu replay [model options] TRACE`: streams a trace (any format
 * traces/ reads: text, .vkt, Lackey, ChampSim) through every configuration in one pass, then
 * reports.  A bad trace stops the replay before anything is reported (exit 2); a model error
 * stops it too (exit 1). */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

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
    cli_model_opts_usage(out);
    fputs("  -h, --help           this text\n"
          "\n"
          "exit status: 0 success, 1 failed run, 2 bad usage or bad input\n",
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
static int feed(struct vk_set *set, const struct trc_record *rec, bool *mapped,
                uint32_t file_id_shift)
{
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

int cmd_replay(int argc, char **argv)
{
    struct cli_model_opts o;
    char err[1024];
    const char *trace = NULL, *regions_path = NULL;
    enum trc_format fmt = TRC_FMT_AUTO;
    bool only_positional = false;

    if (cli_model_opts_init(&o, err, sizeof(err)) < 0) {
        fprintf(stderr, "vkmmu replay: %s\n", err);
        return CLI_EXIT_FAILED;
    }
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!only_positional) {
            if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
                replay_usage(stdout);
                return CLI_EXIT_OK;
            }
            int rc = cli_model_opt(&o, argc, argv, &i, err, sizeof(err));
            if (rc < 0) {
                fprintf(stderr, "vkmmu replay: %s\n", err);
                return CLI_EXIT_USAGE;
            }
            if (rc > 0)
                continue;
            rc = cli_trace_opt(argc, argv, &i, &fmt, &regions_path, err, sizeof(err));
            if (rc < 0) {
                fprintf(stderr, "vkmmu replay: %s\n", err);
                return CLI_EXIT_USAGE;
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
                return CLI_EXIT_USAGE;
            }
        }
        if (trace) {
            fprintf(stderr, "vkmmu replay: more than one TRACE ('%s', '%s')\n", trace, a);
            return CLI_EXIT_USAGE;
        }
        trace = a;
    }
    if (!trace) {
        fprintf(stderr, "vkmmu replay: missing TRACE (see vkmmu replay --help)\n");
        return CLI_EXIT_USAGE;
    }

    struct trc_reader *r;
    if (trc_open_as(&r, trace, fmt, err, sizeof(err)) < 0) {
        fprintf(stderr, "vkmmu: %s\n", err);
        return CLI_EXIT_USAGE;
    }
    /* The first record may set the architecture, which the models need from the start. */
    struct trc_record rec;
    int more = trc_next(r, &rec);
    if (more < 0) {
        fprintf(stderr, "vkmmu: %s\n", trc_error(r));
        trc_close(r);
        return CLI_EXIT_USAGE;
    }

    struct vk_set set;
    int native;
    bool *baseline_only;
    if (cli_build_set(&o, &set, trc_arch(r), &native, &baseline_only, err, sizeof(err)) < 0) {
        fprintf(stderr, "vkmmu replay: %s\n", err);
        trc_close(r);
        return CLI_EXIT_FAILED;
    }

    int status = CLI_EXIT_OK;
    bool mapped = false;
    uint32_t shift = 0;
    char where[600];
    if (regions_path) {
        struct trc_regions g;
        if (trc_regions_load(regions_path, trc_arch(r), &g, err, sizeof(err)) < 0) {
            fprintf(stderr, "vkmmu: %s\n", err);
            status = CLI_EXIT_USAGE;
            more = 0;
        } else {
            for (size_t k = 0; status == CLI_EXIT_OK && k < g.n; k++) {
                if (feed(&set, &g.rec[k], &mapped, 0) == VK_ERROR) {
                    snprintf(where, sizeof(where), "%s:%lu", regions_path, g.rec[k].line);
                    model_error(&set, where);
                    status = CLI_EXIT_FAILED;
                    more = 0;
                }
            }
            shift = g.max_file_id;
            mapped = true; /* even an empty regions file replaces the default region */
            trc_regions_free(&g);
        }
    }
    /* The first record, then batches (less overhead per record than trc_next). */
    if (more == 1 && feed(&set, &rec, &mapped, shift) == VK_ERROR) {
        model_error(&set, trc_where(r, &rec, where, sizeof(where)));
        status = CLI_EXIT_FAILED;
        more = 0;
    }
    static struct trc_record batch[256];
    while (more == 1) {
        size_t k = trc_next_batch(r, batch, sizeof(batch) / sizeof(batch[0]), &more);
        for (size_t j = 0; j < k; j++) {
            if (feed(&set, &batch[j], &mapped, shift) == VK_ERROR) {
                model_error(&set, trc_where(r, &batch[j], where, sizeof(where)));
                status = CLI_EXIT_FAILED;
                more = 0;
                break;
            }
        }
    }
    if (more < 0) {
        fprintf(stderr, "vkmmu: %s\n", trc_error(r));
        status = CLI_EXIT_USAGE;
    }
    if (status == CLI_EXIT_OK) {
        vk_set_finish(&set);
        if (cli_check_identities(&set) < 0)
            status = CLI_EXIT_FAILED;
    }
    if (status == CLI_EXIT_OK) {
        char extra[256];
        enum trc_format f = trc_format(r);
        if (f == TRC_FMT_TEXT)
            snprintf(extra, sizeof(extra), "\"records\": %" PRIu64 ",\n    \"lines\": %lu",
                     trc_records(r), trc_line(r));
        else
            snprintf(extra, sizeof(extra),
                     "\"format\": \"%s\",\n    \"records\": %" PRIu64 ",\n    "
                     "\"%s\": %" PRIu64, trc_format_name(f), trc_records(r),
                     f == TRC_FMT_LACKEY ? "lines" : "bytes",
                     f == TRC_FMT_LACKEY ? (uint64_t)trc_line(r) : trc_bytes(r));
        static const char *const kinds[] = {
            [TRC_FMT_TEXT] = "text-trace",         [TRC_FMT_VKT] = "vkt-trace",
            [TRC_FMT_LACKEY] = "lackey-trace",     [TRC_FMT_CHAMPSIM] = "champsim-trace",
            [TRC_FMT_CLOUDSUITE] = "cloudsuite-trace",
        };
        struct cli_report rep = {
            .argc = cli_argc,
            .argv = cli_argv,
            .costs = &o.costs,
            .workload_kind = kinds[f] ? kinds[f] : "trace",
            .workload_name = trace,
            .workload_extra_json = extra,
            .set = &set,
            .native_index = native,
            .baseline_only = baseline_only,
        };
        if (cli_report_all(&rep, &o) < 0)
            status = CLI_EXIT_FAILED;
    }
    free(baseline_only);
    vk_set_fini(&set);
    trc_close(r);
    return status;
}
