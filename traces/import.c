/* traces/import.c - importers of other tools' traces (trace-formats.md sections 3 and 4):
 * Valgrind Lackey text and ChampSim input_instr / cloudsuite_instr records.  Both are x86-64
 * and carry no region records (the consumer maps the default region, model.md section 1).
 *
 * Records yielded:
 * - Lackey: `I  ADDR,SIZE` is an instruction: X ADDR SIZE, and `I 1` once its data accesses
 *   are over (before the next `I` line, or at the end); ` L` R, ` S` W, ` M` R then W of the
 *   same bytes.  `==PID==` / `--PID--` lines and blank lines are skipped.
 * - ChampSim: per record (one instruction): X ip with size 1 (the record has no instruction
 *   length; size 1 never invents a touch of the next page), then R of every non-zero source
 *   memory slot, W of every non-zero destination slot (size 1 each, in slot order), then
 *   `I 1`. */
#include "trc_internal.h"

#include <string.h>

/* The state of both importers: the records one input line or record expands to, q[qhead,
 * qlen), returned one per trc_next. */
struct import_state {
    struct trc_record q[12];
    unsigned qhead, qlen;
    bool insn_open;    /* Lackey: an instruction whose `I 1` is still to come */
    unsigned rec_size; /* ChampSim: 64 (input_instr) or 96 (cloudsuite_instr) */
};

static inline struct import_state *import_state(struct trc_reader *r)
{
    return trc_format_state(r);
}

/* Returns the first of the qlen records just queued. */
static int queue_out(struct trc_reader *r, struct trc_record *rec)
{
    struct import_state *st = import_state(r);
    *rec = st->q[0];
    st->qhead = 1;
    r->nrec++;
    return 1;
}

/* The next queued record, if any: 1, else 0. */
static inline int queued(struct trc_reader *r, struct trc_record *rec)
{
    struct import_state *st = import_state(r);
    if (st->qhead < st->qlen) {
        *rec = st->q[st->qhead++];
        r->nrec++;
        return 1;
    }
    return 0;
}

/* ---- Lackey ---- */

static bool is_tool_line(const char *ls, const char *le, char c)
{
    if (le - ls < 4 || ls[0] != c || ls[1] != c)
        return false;
    const char *p = ls + 2;
    while (p < le && *p >= '0' && *p <= '9')
        p++;
    return p > ls + 2 && le - p >= 2 && p[0] == c && p[1] == c;
}

/* `ADDR,SIZE` of [p, le): hexadecimal ADDR, decimal SIZE of 1 to TRC_MAX_ACCESS bytes that fit
 * the arch.  0, or -1 with the error set. */
static int lackey_operand(struct trc_reader *r, const char *p, const char *le, uint64_t *addr,
                          uint64_t *size)
{
    const char *q = p;
    *addr = *size = 0;
    for (; q < le && *q != ','; q++) {
        unsigned c = (unsigned char)*q, d;
        if (c - '0' < 10)
            d = c - '0';
        else if ((c | 0x20) - 'a' < 6)
            d = (c | 0x20) - 'a' + 10;
        else
            return trc_fail(r, "bad hexadecimal address '%.*s' (expected ADDR,SIZE with "
                               "ADDR in hexadecimal)", (int)(le - p > 40 ? 40 : le - p), p);
        if (*addr >> 60)
            return trc_fail(r, "address does not fit in 64 bits");
        *addr = *addr << 4 | d;
    }
    if (q == p || q == le)
        return trc_fail(r, "missing %s (expected ADDR,SIZE such as 04010ab7,3)",
                        q == p ? "ADDR" : "',SIZE'");
    const char *s = ++q;
    for (; q < le; q++) {
        unsigned d = (unsigned)(unsigned char)*q - '0';
        if (d >= 10 || *size > (UINT64_MAX - d) / 10)
            return trc_fail(r, "bad SIZE '%.*s' (expected a decimal number)",
                            (int)(le - s > 40 ? 40 : le - s), s);
        *size = *size * 10 + d;
    }
    if (q == s || *size == 0)
        return trc_fail(r, "SIZE is %s (expected at least 1 byte)", q == s ? "missing" : "0");
    if (*size > TRC_MAX_ACCESS)
        return trc_fail(r, "SIZE %llu exceeds the largest access, %u bytes (expected 1 to %u)",
                        (unsigned long long)*size, TRC_MAX_ACCESS, TRC_MAX_ACCESS);
    if (*addr >= r->lim_access || *size > r->lim_access - *addr)
        return trc_fail(r, "access 0x%llx+%llu does not fit arch x86_64 (expected addresses "
                           "below 0x%llx)", (unsigned long long)*addr,
                        (unsigned long long)*size, (unsigned long long)r->lim_access);
    return 0;
}

/* Queues the records of one Lackey access line [ls, le) and returns the first. */
static int lackey_line(struct trc_reader *r, const char *ls, const char *le,
                       struct trc_record *rec)
{
    struct import_state *st = import_state(r);
    enum trc_type type;
    bool modify = false;
    const char *p;
    if (le - ls >= 2 && ls[0] == 'I' && ls[1] == ' ') {
        type = TRC_FETCH;
        p = ls + 2;
    } else if (le - ls >= 3 && ls[0] == ' ' && ls[2] == ' ' &&
               (ls[1] == 'L' || ls[1] == 'S' || ls[1] == 'M')) {
        type = ls[1] == 'S' ? TRC_WRITE : TRC_READ;
        modify = ls[1] == 'M';
        p = ls + 3;
    } else {
        return trc_fail(r, "not a Lackey line '%.*s%s' (expected `I  ADDR,SIZE`, "
                           "` L ADDR,SIZE`, ` S ADDR,SIZE`, ` M ADDR,SIZE` or a ==PID== line)",
                        (int)(le - ls > 40 ? 40 : le - ls), ls, le - ls > 40 ? "..." : "");
    }
    while (p < le && *p == ' ')
        p++;
    uint64_t addr, size;
    if (lackey_operand(r, p, le, &addr, &size) < 0)
        return -1;
    unsigned long line = r->src.line;
    struct trc_record a = {.type = type, .addr = addr, .size = size, .line = line};
    unsigned n = 0;
    if (type == TRC_FETCH) {
        if (st->insn_open)
            st->q[n++] = (struct trc_record){.type = TRC_INSNS, .count = 1, .line = line};
        st->insn_open = true;
    }
    st->q[n++] = a;
    if (modify) {
        a.type = TRC_WRITE;
        st->q[n++] = a;
    }
    st->qlen = n;
    return queue_out(r, rec);
}

static int lackey_next(struct trc_reader *r, struct trc_record *rec)
{
    struct import_state *st = import_state(r);
    if (queued(r, rec))
        return 1;
    if (r->src.failed)
        return -1;
    for (;;) {
        char *ls, *le;
        int rc = trc_source_next_line(&r->src, &ls, &le);
        if (rc < 0)
            return -1;
        if (rc == 0) {
            if (!st->insn_open)
                return 0;
            st->insn_open = false;
            st->q[0] = (struct trc_record){.type = TRC_INSNS, .count = 1, .line = r->src.line};
            st->qlen = 1;
            return queue_out(r, rec);
        }
        while (le > ls && (le[-1] == '\r' || le[-1] == ' '))
            le--;
        if (le == ls || is_tool_line(ls, le, '=') || is_tool_line(ls, le, '-'))
            continue;
        return lackey_line(r, ls, le, rec);
    }
}

/* x86-64, whatever trc_set_arch said before. */
static int x86_64_open(struct trc_reader *r)
{
    trc_set_arch(r, MMU_ARCH_X86_64);
    return 0;
}

/* Valgrind's log starts with `==PID== ` lines. */
static bool lackey_detect(const char *b, size_t n, const char *name, size_t name_len)
{
    (void)name, (void)name_len;
    size_t i = 0;
    if (n > 2 && b[0] == '=' && b[1] == '=')
        for (i = 2; i < n && b[i] >= '0' && b[i] <= '9'; i++)
            ;
    return i > 2 && i + 1 < n && b[i] == '=' && b[i + 1] == '=';
}

const struct trc_format_ops trc_format_lackey = {
    .id = TRC_FMT_LACKEY,
    .name = "lackey",
    .state_size = sizeof(struct import_state),
    .detect = lackey_detect,
    .open = x86_64_open,
    .next = lackey_next,
};

/* ---- ChampSim ---- */

static inline uint64_t le64(const unsigned char *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    v = __builtin_bswap64(v);
#endif
    return v;
}

/* Queues the records of the ChampSim record p (at offset off) and returns the first. */
static int champsim_record(struct trc_reader *r, const unsigned char *p, uint64_t off,
                           struct trc_record *rec)
{
    struct import_state *st = import_state(r);
    size_t rs = st->rec_size;
    /* input_instr: dst mem 2 at 16, src mem 4 at 32; cloudsuite: dst 4 at 24, src 4 at 56. */
    unsigned ndst = rs == 64 ? 2 : 4, dst_at = rs == 64 ? 16 : 24, src_at = rs == 64 ? 32 : 56;
    unsigned n = 0;
    uint64_t ip = le64(p);
    if (ip >= r->lim_access)
        return trc_fail_at(r, off, "ip 0x%llx does not fit arch x86_64 (corrupt file?; "
                                   "expected below 0x%llx)", (unsigned long long)ip,
                           (unsigned long long)r->lim_access);
    st->q[n++] = (struct trc_record){.type = TRC_FETCH, .addr = ip, .size = 1, .offset = off};
    for (unsigned pass = 0; pass < 2; pass++) {
        unsigned at = pass == 0 ? src_at : dst_at, cnt = pass == 0 ? 4 : ndst;
        for (unsigned i = 0; i < cnt; i++) {
            uint64_t a = le64(p + at + 8 * i);
            if (a == 0)
                continue;
            if (a >= r->lim_access)
                return trc_fail_at(r, off + at + 8 * i,
                                   "%s memory address 0x%llx does not fit arch x86_64 (corrupt "
                                   "file? expected below 0x%llx)",
                                   pass == 0 ? "source" : "destination", (unsigned long long)a,
                                   (unsigned long long)r->lim_access);
            st->q[n++] = (struct trc_record){.type = pass == 0 ? TRC_READ : TRC_WRITE,
                                             .addr = a, .size = 1, .offset = off};
        }
    }
    st->q[n++] = (struct trc_record){.type = TRC_INSNS, .count = 1, .offset = off};
    st->qlen = n;
    r->src.beg += rs;
    return queue_out(r, rec);
}

static int champsim_next(struct trc_reader *r, struct trc_record *rec)
{
    struct trc_source *s = &r->src;
    if (queued(r, rec))
        return 1;
    if (s->failed)
        return -1;
    size_t rs = import_state(r)->rec_size;
    if (s->end - s->beg < rs && !s->eof && trc_source_ensure(s, rs) < 0)
        return -1;
    uint64_t off = trc_source_offset(s);
    if (s->beg == s->end)
        return 0;
    if (s->end - s->beg < rs)
        return trc_fail_at(r, off, "the input ends %zu bytes into a record (truncated?; the "
                                   "length %llu is not a multiple of the %zu-byte %s record)",
                           s->end - s->beg, (unsigned long long)(off + (s->end - s->beg)), rs,
                           rs == 64 ? "input_instr" : "cloudsuite_instr");
    return champsim_record(r, (const unsigned char *)s->buf + s->beg, off, rec);
}

static int input_instr_open(struct trc_reader *r)
{
    import_state(r)->rec_size = 64;
    return x86_64_open(r);
}

static int cloudsuite_instr_open(struct trc_reader *r)
{
    import_state(r)->rec_size = 96;
    return x86_64_open(r);
}

/* FILE.champsim (before any .xz or .gz). */
static bool champsim_detect(const char *b, size_t n, const char *name, size_t name_len)
{
    (void)b, (void)n;
    return trc_name_ends_with(name, name_len, ".champsim");
}

const struct trc_format_ops trc_format_champsim = {
    .id = TRC_FMT_CHAMPSIM,
    .name = "champsim",
    .binary = true,
    .state_size = sizeof(struct import_state),
    .detect = champsim_detect,
    .open = input_instr_open,
    .next = champsim_next,
};

const struct trc_format_ops trc_format_cloudsuite = {
    .id = TRC_FMT_CLOUDSUITE,
    .name = "cloudsuite",
    .binary = true,
    .state_size = sizeof(struct import_state),
    .open = cloudsuite_instr_open,
    .next = champsim_next,
};
