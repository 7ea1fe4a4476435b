/* sim/convert.c - sim_convert(): any trace traces/ reads, to the binary format
 * (docs/vkt-format.md).  Replaying OUT.vkt gives exactly the counts of replaying IN with the
 * same options.  The output is written to OUT.vkt.tmp and renamed when complete, so a failed
 * conversion leaves no partial OUT.vkt. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"

/* One conversion between its steps. */
struct convert {
    const struct sim_convert_args *args;
    struct trc_reader *reader;
    struct trc_regions regions;
    char *tmp;                /* OUT.tmp */
    struct trc_writer *writer;
    uint64_t accesses;
};

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

static int put_regions(struct convert *c)
{
    int status = VKMMU_EXIT_OK;
    for (size_t k = 0; k < c->regions.n && status == VKMMU_EXIT_OK; k++)
        status = put_region(c->writer, c->args->regions_path, &c->regions.rec[k]);
    return status;
}

/* Refuses an output that would overwrite an input. */
static int convert_check_paths(const struct sim_convert_args *a)
{
    struct sim_paths paths;
    sim_paths_init(&paths);
    sim_paths_add(&paths, "IN", a->in, SIM_PATH_IN);
    sim_paths_add(&paths, "--regions", a->regions_path, SIM_PATH_IN);
    sim_paths_add(&paths, "-o", a->out, SIM_PATH_OUT_TMP);
    int clash = sim_paths_check(&paths, "convert");
    sim_paths_fini(&paths);
    return clash;
}

/* Opens IN (its first record in *rec), the regions file and OUT.tmp: an exit status. */
static int convert_open(struct convert *c, struct trc_record *rec, int *more)
{
    const struct sim_convert_args *a = c->args;
    char err[SIM_ERR_MAX];
    struct trc_reader *r;
    if (sim_trace_begin(a->in, a->format, &r, rec, more) != VKMMU_EXIT_OK)
        return VKMMU_EXIT_USAGE;
    c->reader = r;
    if (a->regions_path &&
        trc_regions_load(a->regions_path, trc_arch(c->reader), &c->regions, err, sizeof(err)) < 0) {
        fprintf(stderr, "vkmmu: %s\n", err);
        return VKMMU_EXIT_USAGE;
    }
    size_t len = strlen(a->out) + 5;
    c->tmp = malloc(len);
    if (!c->tmp) {
        fprintf(stderr, "vkmmu: out of memory\n");
        return VKMMU_EXIT_FAILED;
    }
    snprintf(c->tmp, len, "%s.tmp", a->out);
    if (trc_writer_open(&c->writer, c->tmp, trc_arch(c->reader), err, sizeof(err)) < 0) {
        fprintf(stderr, "vkmmu: %s\n", err);
        c->writer = NULL;
        return VKMMU_EXIT_FAILED;
    }
    return VKMMU_EXIT_OK;
}

/* Writes one record of IN (file ids shifted above the regions file's): an exit status. */
static int convert_record(struct convert *c, struct trc_record *rec)
{
    char where[SIM_ERR_MAX];
    c->accesses += rec->type >= TRC_READ && rec->type <= TRC_KWRITE;
    if (trc_writer_put(c->writer, rec) == 0)
        return VKMMU_EXIT_OK;
    /* a record the format cannot carry is bad input; a write error is not */
    const char *why = trc_writer_error(c->writer);
    if (!*why)
        return VKMMU_EXIT_FAILED;
    fprintf(stderr, "vkmmu: %s: %s\n", trc_where(c->reader, rec, where, sizeof(where)), why);
    return VKMMU_EXIT_USAGE;
}

/* Copies IN to the writer, the regions right after an arch record (which stays first).
 * SIGINT/SIGTERM: 128 + signal (the partial OUT.tmp is removed, OUT left as it was).  An
 * exit status. */
static int convert_copy(struct convert *c, struct trc_record *rec, int more)
{
    int status = VKMMU_EXIT_OK;
    uint32_t shift = c->regions.max_file_id;
    bool regions_done = !c->args->regions_path;
    for (; more == 1 && status == VKMMU_EXIT_OK && !sim_stop_signal;
         more = trc_next(c->reader, rec)) {
        if (!regions_done && rec->type != TRC_ARCH) {
            status = put_regions(c);
            regions_done = true;
        }
        if (rec->type == TRC_MAP && rec->kind == TRC_FILE) {
            if (trc_file_id_check(c->reader, rec, shift) < 0) {
                more = -1; /* reported below */
                break;
            }
            rec->file_id += shift;
        }
        if (status == VKMMU_EXIT_OK)
            status = convert_record(c, rec);
    }
    if (status == VKMMU_EXIT_OK && sim_stop_signal) {
        fprintf(stderr, "vkmmu convert: %s after %llu records: %s not written\n",
                sim_stop_reason(), (unsigned long long)trc_writer_records(c->writer),
                c->args->out);
        status = 128 + sim_stop_signal;
    }
    if (status == VKMMU_EXIT_OK && !regions_done)
        status = put_regions(c);
    if (more < 0) {
        fprintf(stderr, "vkmmu: %s\n", trc_error(c->reader));
        status = VKMMU_EXIT_USAGE;
    }
    return status;
}

/* Closes OUT.tmp and renames it to OUT when all went well; then the summary line. */
static int convert_finish(struct convert *c, int status)
{
    const struct sim_convert_args *a = c->args;
    char err[SIM_ERR_MAX];
    uint64_t nrec = trc_writer_records(c->writer);
    /* Bad input abandons the output quietly (its message is out); a failed write (a full
     * disk) is reported by the close. */
    int closed = trc_writer_close(c->writer, status != VKMMU_EXIT_OK && status != VKMMU_EXIT_FAILED,
                                  err, sizeof(err));
    c->writer = NULL;
    if (closed < 0) {
        fprintf(stderr, "vkmmu: %s\n", err);
        status = VKMMU_EXIT_FAILED;
    }
    if (status == VKMMU_EXIT_OK && rename(c->tmp, a->out) < 0) {
        fprintf(stderr, "vkmmu: %s: cannot rename from %s: %m\n", a->out, c->tmp);
        remove(c->tmp);
        status = VKMMU_EXIT_FAILED;
    }
    if (status != VKMMU_EXIT_OK || a->quiet)
        return status;
    FILE *f = fopen(a->out, "rb");
    long bytes = -1;
    if (f && fseek(f, 0, SEEK_END) == 0)
        bytes = ftell(f);
    if (f)
        fclose(f);
    fprintf(stderr, "vkmmu convert: %s (%s) -> %s: %" PRIu64 " records, %" PRIu64
                    " accesses, %ld bytes, %.3f bytes/access\n",
            a->in, trc_format_name(trc_format(c->reader)), a->out, nrec, c->accesses, bytes,
            c->accesses ? (double)bytes / (double)c->accesses : 0.0);
    return status;
}

int sim_convert(const struct sim_convert_args *a)
{
    int status = convert_check_paths(a);
    if (status != VKMMU_EXIT_OK)
        return status;
    struct convert c = {.args = a};
    struct trc_record rec;
    int more;
    status = convert_open(&c, &rec, &more);
    if (status == VKMMU_EXIT_OK) {
        sim_stop_install();
        status = convert_copy(&c, &rec, more);
        status = convert_finish(&c, status);
    }
    free(c.tmp);
    trc_regions_free(&c.regions);
    if (c.reader)
        trc_close(c.reader);
    return status;
}
