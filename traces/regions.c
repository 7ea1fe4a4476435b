/* traces/regions.c - loading a regions file (`--regions`) whole. */
#include "trc_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void trc_regions_free(struct trc_regions *g)
{
    for (size_t i = 0; i < g->n; i++)
        free((char *)g->rec[i].name);
    free(g->rec);
    memset(g, 0, sizeof(*g));
}

int trc_regions_load(const char *path, enum mmu_arch arch, struct trc_regions *out, char *err,
                     size_t errlen)
{
    struct trc_reader *r;
    memset(out, 0, sizeof(*out));
    if (trc_open_as(&r, path, TRC_FMT_REGIONS, err, errlen) < 0)
        return -1;
    trc_set_arch(r, arch);
    size_t cap = 0;
    struct trc_record rec;
    int rc;
    while ((rc = trc_next(r, &rec)) == 1) {
        if (out->n == cap) {
            size_t ncap = cap ? cap * 2 : 16;
            struct trc_record *nr = realloc(out->rec, ncap * sizeof(*nr));
            if (!nr) {
                snprintf(err, errlen, "%s: out of memory", path);
                goto fail;
            }
            out->rec = nr;
            cap = ncap;
        }
        if (rec.name && !(rec.name = strdup(rec.name))) {
            snprintf(err, errlen, "%s: out of memory", path);
            goto fail;
        }
        if (rec.file_id > out->max_file_id)
            out->max_file_id = rec.file_id;
        out->rec[out->n++] = rec;
    }
    if (rc < 0) {
        snprintf(err, errlen, "%s", trc_error(r));
        goto fail;
    }
    trc_close(r);
    return 0;
fail:
    trc_close(r);
    trc_regions_free(out);
    return -1;
}

int trc_file_id_check(struct trc_reader *r, const struct trc_record *rec, uint32_t shift)
{
    if (rec->kind != TRC_FILE || rec->file_id <= UINT32_MAX - shift)
        return 0;
#define TRC_ID_MSG "map: file id %u does not fit above the %u file ids of the regions file " \
                   "(expected ids up to %u)", rec->file_id, shift, UINT32_MAX - shift
    if (!rec->line)
        return trc_fail_at(r, rec->offset, TRC_ID_MSG);
    r->src.line = rec->line; /* a batch may have read further; the reader stops here */
    return trc_fail(r, TRC_ID_MSG);
#undef TRC_ID_MSG
}
