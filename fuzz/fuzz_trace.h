/* fuzz/fuzz_trace.h - the body shared by the trace reader targets: the input is read twice, once
 * record by record (trc_next) and once in batches (trc_next_batch), and the two must give the
 * same records, the same final status and the same error.  Include after defining
 * FUZZ_FORMAT (an enum trc_format) and optionally FUZZ_ARCH. */
#include "fuzz_common.h"
#include "trc.h"

#ifndef FUZZ_ARCH
#define FUZZ_ARCH MMU_ARCH_I386
#endif
#ifndef FUZZ_NAME
#define FUZZ_NAME "fuzz" /* the input's name (TRC_FMT_AUTO looks at it) */
#endif

#define FUZZ_MAX_RECS 4096 /* records compared per input (the rest are read, not compared) */

struct fuzz_rec {
    struct trc_record r;
    char name[64]; /* map name, truncated, for the comparison */
};

static void fuzz_keep(struct fuzz_rec *d, const struct trc_record *r)
{
    memset(d, 0, sizeof *d);
    d->r.type = r->type;
    d->r.addr = r->addr;
    d->r.size = r->size;
    d->r.count = r->count;
    switch (r->type) {
    case TRC_MAP:
        d->r.kind = r->kind;
        d->r.file_id = r->file_id;
        d->r.file_pgoff = r->file_pgoff;
        if (r->name)
            snprintf(d->name, sizeof d->name, "%s", r->name);
        /* fall through */
    case TRC_PROTECT:
        d->r.prot = r->prot;
        /* fall through */
    case TRC_UNMAP:
        d->r.end = r->end;
        break;
    case TRC_MOVE:
        d->r.end = r->end;
        d->r.dest = r->dest;
        break;
    case TRC_ARCH:
        d->r.arch = r->arch;
        break;
    default:
        break;
    }
    /* Contracts of trc.h that every consumer relies on. */
    switch (r->type) {
    case TRC_MAP:
    case TRC_UNMAP:
    case TRC_PROTECT:
        if (!(r->end > r->addr) || (r->addr & 0xFFF) || (r->end & 0xFFF)) {
            fprintf(stderr, "bad range record [0x%llx, 0x%llx)\n", (unsigned long long)r->addr,
                    (unsigned long long)r->end);
            abort();
        }
        if (r->type != TRC_UNMAP && (r->prot & ~7u)) {
            fprintf(stderr, "bad prot %u\n", r->prot);
            abort();
        }
        break;
    case TRC_MOVE:
        if (!(r->end > r->addr) || ((r->addr | r->end | r->dest) & 0xFFF) ||
            r->dest + (r->end - r->addr) < r->dest ||
            (r->addr < r->dest + (r->end - r->addr) && r->dest < r->end)) {
            fprintf(stderr, "bad move record\n");
            abort();
        }
        break;
    case TRC_READ:
    case TRC_WRITE:
    case TRC_FETCH:
    case TRC_KREAD:
    case TRC_KWRITE:
        if (r->size < 1 || r->addr + r->size < r->addr ||
            r->size > (r->type >= TRC_KREAD ? TRC_MAX_KACCESS : TRC_MAX_ACCESS)) {
            fprintf(stderr, "bad access size %llu at 0x%llx\n", (unsigned long long)r->size,
                    (unsigned long long)r->addr);
            abort();
        }
        break;
    default:
        break;
    }
}

static struct fuzz_rec fuzz_a[FUZZ_MAX_RECS], fuzz_b[FUZZ_MAX_RECS];

/* Reads the whole input; returns the record count, *rc the final status, err the message. */
static size_t fuzz_read(const uint8_t *data, size_t size, bool batch, struct fuzz_rec *out,
                        int *rc, char *err, size_t errlen)
{
    struct trc_reader *r;
    char oerr[512] = "";
    err[0] = '\0';
    if (trc_open_mem_as(&r, FUZZ_NAME, (const char *)data, size, FUZZ_FORMAT, oerr,
                        sizeof oerr) < 0) {
        fuzz_check_msg("trc_open_mem_as", oerr, sizeof oerr);
        snprintf(err, errlen, "open: %s", oerr);
        *rc = -2;
        return 0;
    }
    trc_set_arch(r, FUZZ_ARCH);
    size_t n = 0;
    char where[128];
    if (!batch) {
        struct trc_record rec;
        while ((*rc = trc_next(r, &rec)) == 1) {
            if (n < FUZZ_MAX_RECS)
                fuzz_keep(&out[n], &rec);
            n++;
            trc_where(r, &rec, where, sizeof where);
        }
    } else {
        struct trc_record recs[7];
        for (;;) {
            size_t k = trc_next_batch(r, recs, 7, rc);
            for (size_t i = 0; i < k; i++, n++)
                if (n < FUZZ_MAX_RECS)
                    fuzz_keep(&out[n], &recs[i]);
            if (*rc != 1)
                break;
        }
    }
    if (*rc < 0) {
        const char *e = trc_error(r);
        if (!e || !*e) {
            fprintf(stderr, "trc_next: -1 without a message\n");
            abort();
        }
        snprintf(err, errlen, "%s", e);
        /* Every later call returns -1 again. */
        struct trc_record rec;
        if (trc_next(r, &rec) != -1) {
            fprintf(stderr, "trc_next after an error did not return -1\n");
            abort();
        }
    }
    (void)trc_bytes(r);
    (void)trc_arch(r);
    trc_close(r);
    return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int rca, rcb;
    char ea[1024], eb[1024];
    size_t na = fuzz_read(data, size, false, fuzz_a, &rca, ea, sizeof ea);
    size_t nb = fuzz_read(data, size, true, fuzz_b, &rcb, eb, sizeof eb);
    if (na != nb || rca != rcb || strcmp(ea, eb) != 0) {
        fprintf(stderr, "trc_next vs trc_next_batch: %zu/%zu records, rc %d/%d, err '%s'/'%s'\n",
                na, nb, rca, rcb, ea, eb);
        abort();
    }
    size_t m = na < FUZZ_MAX_RECS ? na : FUZZ_MAX_RECS;
    for (size_t i = 0; i < m; i++)
        if (memcmp(&fuzz_a[i], &fuzz_b[i], sizeof fuzz_a[i]) != 0) {
            fprintf(stderr, "trc_next vs trc_next_batch: record %zu differs (type %d/%d)\n", i,
                    fuzz_a[i].r.type, fuzz_b[i].r.type);
            abort();
        }
    return 0;
}
