/* cli/cmd_convert.c - `vkmmu convert IN [--format F] [--regions FILE] -o OUT.vkt`: any trace
 * traces/ reads, to the binary format (docs/vkt-format.md).  Replaying OUT.vkt gives exactly
 * the counts of replaying IN with the same options.  The output is written to OUT.vkt.tmp and
 * renamed when complete, so a failed conversion leaves no partial OUT.vkt. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static void convert_usage(FILE *out)
{
    fputs("usage: vkmmu convert IN [--format F] [--regions FILE] -o OUT.vkt\n"
          "Converts a trace (IN, or - for standard input) to the binary .vkt format.\n"
          "\n"
          "options:\n"
          "  -o, --output FILE    the .vkt file to write (required)\n"
          "  --format F           IN's format: auto (default), text, vkt, lackey, champsim,\n"
          "                       cloudsuite (see vkmmu replay --help)\n"
          "  --regions FILE       regions written before IN's first record (see vkmmu replay\n"
          "                       --help); IN's own file ids are shifted above the file's\n"
          "  -q, --quiet          no summary line\n"
          "  -h, --help           this text\n"
          "\n"
          "exit status: 0 success, 1 failed (cannot write), 2 bad usage or bad input\n",
          out);
}

/* --opt VALUE or --opt=VALUE: the value, or NULL when argv[*i] is not opt. */
static const char *opt_value(int argc, char **argv, int *i, const char *opt, bool *missing)
{
    size_t n = strlen(opt);
    const char *a = argv[*i];
    *missing = false;
    if (strncmp(a, opt, n) != 0)
        return NULL;
    if (a[n] == '=')
        return a + n + 1;
    if (a[n] != '\0')
        return NULL;
    if (*i + 1 >= argc) {
        *missing = true;
        return NULL;
    }
    return argv[++*i];
}

int cli_trace_opt(int argc, char **argv, int *i, enum trc_format *fmt, const char **regions,
                  char *err, size_t errlen)
{
    bool missing;
    const char *v = opt_value(argc, argv, i, "--format", &missing);
    if (missing) {
        snprintf(err, errlen, "--format needs a value (auto, text, vkt, lackey, champsim or "
                              "cloudsuite)");
        return -1;
    }
    if (v) {
        if (trc_format_parse(v, fmt) < 0 || *fmt == TRC_FMT_REGIONS) {
            snprintf(err, errlen, "unknown format '%s' (expected auto, text, vkt, lackey, "
                                  "champsim or cloudsuite)", v);
            return -1;
        }
        return 1;
    }
    v = opt_value(argc, argv, i, "--regions", &missing);
    if (missing) {
        snprintf(err, errlen, "--regions needs a FILE");
        return -1;
    }
    if (v) {
        *regions = v;
        return 1;
    }
    return 0;
}

/* Writes a region of the regions file: an exit status.  A region the .vkt format cannot carry
 * (a /proc maps PATHNAME over 4096 bytes) is bad input, named by its line. */
static int put_region(struct trc_writer *w, const char *regions_path, const struct trc_record *rec)
{
    if (trc_writer_put(w, rec) == 0)
        return VKMMU_EXIT_OK;
    const char *why = trc_writer_error(w);
    if (!*why)
        return VKMMU_EXIT_FAILED; /* a write error: the close reports it */
    fprintf(stderr, "vkmmu: %s:%lu: %s\n", regions_path, rec->line, why);
    return VKMMU_EXIT_USAGE;
}

int cmd_convert(int argc, char **argv)
{
    const char *in = NULL, *out = NULL, *regions_path = NULL;
    enum trc_format fmt = TRC_FMT_AUTO;
    bool quiet = false, only_positional = false;
    char err[1024];

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!only_positional) {
            if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
                convert_usage(stdout);
                return VKMMU_EXIT_OK;
            }
            if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) {
                quiet = true;
                continue;
            }
            int rc = cli_trace_opt(argc, argv, &i, &fmt, &regions_path, err, sizeof(err));
            if (rc < 0) {
                fprintf(stderr, "vkmmu convert: %s\n", err);
                return VKMMU_EXIT_USAGE;
            }
            if (rc > 0)
                continue;
            bool missing;
            const char *v = opt_value(argc, argv, &i, "--output", &missing);
            if (!v && !missing && !strcmp(a, "-o")) {
                if (i + 1 >= argc)
                    missing = true;
                else
                    v = argv[++i];
            }
            if (missing) {
                fprintf(stderr, "vkmmu convert: -o needs a FILE\n");
                return VKMMU_EXIT_USAGE;
            }
            if (v) {
                out = v;
                continue;
            }
            if (!strcmp(a, "--")) {
                only_positional = true;
                continue;
            }
            if (a[0] == '-' && a[1]) {
                fprintf(stderr, "vkmmu convert: unknown option '%s' (see vkmmu convert "
                                "--help)\n", a);
                return VKMMU_EXIT_USAGE;
            }
        }
        if (in) {
            fprintf(stderr, "vkmmu convert: more than one IN ('%s', '%s')\n", in, a);
            return VKMMU_EXIT_USAGE;
        }
        in = a;
    }
    if (!in || !out) {
        fprintf(stderr, "vkmmu convert: missing %s (see vkmmu convert --help)\n",
                !in ? "IN" : "-o OUT.vkt");
        return VKMMU_EXIT_USAGE;
    }
    struct sim_paths paths;
    sim_paths_init(&paths);
    sim_paths_add(&paths, "IN", in, SIM_PATH_IN);
    sim_paths_add(&paths, "--regions", regions_path, SIM_PATH_IN);
    sim_paths_add(&paths, "-o", out, SIM_PATH_OUT_TMP);
    int clash = sim_paths_check(&paths, "convert");
    sim_paths_fini(&paths);
    if (clash != VKMMU_EXIT_OK)
        return clash;

    struct trc_reader *r;
    struct trc_record rec;
    int more;
    if (sim_trace_begin(in, fmt, &r, &rec, &more) != VKMMU_EXIT_OK)
        return VKMMU_EXIT_USAGE;
    struct trc_regions g = {0};
    if (regions_path && trc_regions_load(regions_path, trc_arch(r), &g, err, sizeof(err)) < 0) {
        fprintf(stderr, "vkmmu: %s\n", err);
        trc_close(r);
        return VKMMU_EXIT_USAGE;
    }
    size_t tl = strlen(out) + 5;
    char *tmp = malloc(tl);
    struct trc_writer *w = NULL;
    if (!tmp) {
        fprintf(stderr, "vkmmu: out of memory\n");
        trc_regions_free(&g);
        trc_close(r);
        return VKMMU_EXIT_FAILED;
    }
    snprintf(tmp, tl, "%s.tmp", out);
    if (trc_writer_open(&w, tmp, trc_arch(r), err, sizeof(err)) < 0) {
        fprintf(stderr, "vkmmu: %s\n", err);
        free(tmp);
        trc_regions_free(&g);
        trc_close(r);
        return VKMMU_EXIT_FAILED;
    }

    int status = VKMMU_EXIT_OK;
    uint64_t accesses = 0;
    /* SIGINT/SIGTERM: the partial OUT.tmp is removed and OUT left as it was (128 + signal). */
    sim_stop_install();
    /* An arch record stays first; the regions come right after it. */
    bool regions_done = !regions_path;
    for (; more == 1 && status == VKMMU_EXIT_OK && !sim_stop_signal; more = trc_next(r, &rec)) {
        if (!regions_done && rec.type != TRC_ARCH) {
            for (size_t k = 0; k < g.n && status == VKMMU_EXIT_OK; k++)
                status = put_region(w, regions_path, &g.rec[k]);
            regions_done = true;
        }
        if (rec.type == TRC_MAP && rec.kind == TRC_FILE) {
            if (trc_file_id_check(r, &rec, g.max_file_id) < 0) {
                more = -1; /* reported below */
                break;
            }
            rec.file_id += g.max_file_id;
        }
        accesses += rec.type >= TRC_READ && rec.type <= TRC_KWRITE;
        if (status == VKMMU_EXIT_OK && trc_writer_put(w, &rec) < 0) {
            /* a record the format cannot carry is bad input; a write error is not */
            const char *why = trc_writer_error(w);
            status = *why ? VKMMU_EXIT_USAGE : VKMMU_EXIT_FAILED;
            if (*why)
                fprintf(stderr, "vkmmu: %s: %s\n", trc_where(r, &rec, err, sizeof(err)), why);
        }
    }
    if (status == VKMMU_EXIT_OK && sim_stop_signal) {
        fprintf(stderr, "vkmmu convert: %s after %llu records: %s not written\n",
                sim_stop_reason(), (unsigned long long)trc_writer_records(w), out);
        status = 128 + sim_stop_signal;
    }
    if (status == VKMMU_EXIT_OK && !regions_done)
        for (size_t k = 0; k < g.n && status == VKMMU_EXIT_OK; k++)
            status = put_region(w, regions_path, &g.rec[k]);
    if (more < 0) {
        fprintf(stderr, "vkmmu: %s\n", trc_error(r));
        status = VKMMU_EXIT_USAGE;
    }
    uint64_t nrec = trc_writer_records(w);
    /* Bad input abandons the output quietly (its message is out); a failed write (a full
     * disk) is reported by the close. */
    if (trc_writer_close(w, status != VKMMU_EXIT_OK && status != VKMMU_EXIT_FAILED, err,
                         sizeof(err)) < 0) {
        fprintf(stderr, "vkmmu: %s\n", err);
        status = VKMMU_EXIT_FAILED;
    }
    if (status == VKMMU_EXIT_OK && rename(tmp, out) < 0) {
        fprintf(stderr, "vkmmu: %s: cannot rename from %s: %m\n", out, tmp);
        remove(tmp);
        status = VKMMU_EXIT_FAILED;
    }
    if (status == VKMMU_EXIT_OK && !quiet) {
        FILE *f = fopen(out, "rb");
        long bytes = -1;
        if (f && fseek(f, 0, SEEK_END) == 0)
            bytes = ftell(f);
        if (f)
            fclose(f);
        fprintf(stderr, "vkmmu convert: %s (%s) -> %s: %" PRIu64 " records, %" PRIu64
                        " accesses, %ld bytes, %.3f bytes/access\n",
                in, trc_format_name(trc_format(r)), out, nrec, accesses, bytes,
                accesses ? (double)bytes / (double)accesses : 0.0);
    }
    free(tmp);
    trc_regions_free(&g);
    trc_close(r);
    return status;
}
