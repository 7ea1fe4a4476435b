/* tests/traces/test_vkt.c - the binary format .vkt (docs/vkt-format.md): round trips of every
 * record type and opcode, bytes per access, truncated and corrupt files. */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "trc.h"

static char dir[] = "/tmp/vkmmu-test-vkt.XXXXXX";

static void setup(void)
{
    cr_assert_not_null(mkdtemp(dir));
}

static void teardown(void)
{
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    cr_assert_eq(system(cmd), 0);
}

TestSuite(vkt, .init = setup, .fini = teardown);

static const char *path_of(const char *name)
{
    static char p[256];
    snprintf(p, sizeof(p), "%s/%s", dir, name);
    return p;
}

/* The fields that belong to the record's type. */
static void expect_same(const struct trc_record *a, const struct trc_record *b, size_t i)
{
    cr_assert_eq(a->type, b->type, "record %zu: type %d, want %d", i, b->type, a->type);
    switch (a->type) {
    case TRC_ARCH:
        cr_assert_eq(a->arch, b->arch, "record %zu: arch", i);
        break;
    case TRC_MAP:
        cr_assert_eq(a->kind, b->kind, "record %zu: kind", i);
        cr_assert_eq(a->file_id, b->file_id, "record %zu: file_id", i);
        cr_assert_eq(a->file_pgoff, b->file_pgoff, "record %zu: file_pgoff", i);
        cr_assert_eq(!a->name, !b->name, "record %zu: name presence", i);
        if (a->name)
            cr_assert_str_eq(a->name, b->name, "record %zu: name", i);
        /* fall through */
    case TRC_PROTECT:
        cr_assert_eq(a->prot, b->prot, "record %zu: prot", i);
        /* fall through */
    case TRC_UNMAP:
        cr_assert_eq(a->addr, b->addr, "record %zu: start", i);
        cr_assert_eq(a->end, b->end, "record %zu: end", i);
        break;
    case TRC_MOVE:
        cr_assert_eq(a->addr, b->addr, "record %zu: OLD", i);
        cr_assert_eq(a->end, b->end, "record %zu: OLD + LEN", i);
        cr_assert_eq(a->dest, b->dest, "record %zu: NEW", i);
        break;
    case TRC_EXEC:
    case TRC_EXIT:
        break;
    case TRC_INSNS:
    case TRC_SYSCALL:
    case TRC_PID:
    case TRC_FORK:
    case TRC_VFORK:
        cr_assert_eq(a->count, b->count, "record %zu: count %llu, want %llu", i,
                     (unsigned long long)b->count, (unsigned long long)a->count);
        break;
    default:
        cr_assert_eq(a->addr, b->addr, "record %zu: addr 0x%llx, want 0x%llx", i,
                     (unsigned long long)b->addr, (unsigned long long)a->addr);
        cr_assert_eq(a->size, b->size, "record %zu: size", i);
        break;
    }
}

/* Writes recs[0..n) to name with the writer, reads them back, compares; returns the file's
 * size. */
static long round_trip(const char *name, enum mmu_arch arch, const struct trc_record *recs,
                       size_t n)
{
    char err[512];
    struct trc_writer *w;
    const char *p = path_of(name);
    cr_assert_eq(trc_writer_open(&w, p, arch, err, sizeof(err)), 0, "%s", err);
    for (size_t i = 0; i < n; i++)
        cr_assert_eq(trc_writer_put(w, &recs[i]), 0, "put %zu", i);
    cr_assert_eq(trc_writer_records(w), n);
    cr_assert_eq(trc_writer_close(w, false, err, sizeof(err)), 0, "%s", err);

    struct trc_reader *r;
    cr_assert_eq(trc_open(&r, p, err, sizeof(err)), 0, "%s", err);
    cr_assert_eq(trc_format(r), TRC_FMT_VKT);
    cr_assert_eq(trc_arch(r), arch);
    struct trc_record rec;
    for (size_t i = 0; i < n; i++) {
        int rc = trc_next(r, &rec);
        cr_assert_eq(rc, 1, "record %zu: trc_next %d: %s", i, rc, trc_error(r));
        expect_same(&recs[i], &rec, i);
    }
    cr_assert_eq(trc_next(r, &rec), 0, "end: %s", trc_error(r));
    cr_assert_eq(trc_next(r, &rec), 0, "EOF repeats");
    cr_assert_eq(trc_records(r), n);
    trc_close(r);

    /* The batch decoder gives the same records, whatever the batch size. */
    static const size_t batch_sizes[] = {1, 2, 3, 7, 256};
    struct trc_record batch[256];
    for (size_t bs = 0; bs < sizeof(batch_sizes) / sizeof(batch_sizes[0]); bs++) {
        cr_assert_eq(trc_open(&r, p, err, sizeof(err)), 0, "%s", err);
        size_t got = 0;
        int rc = 1;
        while (rc == 1) {
            size_t k = trc_next_batch(r, batch, batch_sizes[bs], &rc);
            cr_assert(k <= batch_sizes[bs]);
            cr_assert(rc != 1 || k == batch_sizes[bs] || batch[k - 1].type == TRC_MAP,
                      "a short batch must end at a map record or the end");
            for (size_t j = 0; j < k; j++, got++) {
                cr_assert_lt(got, n, "batch %zu: too many records", batch_sizes[bs]);
                expect_same(&recs[got], &batch[j], got);
            }
        }
        cr_assert_eq(rc, 0, "batch %zu: %s", batch_sizes[bs], trc_error(r));
        cr_assert_eq(got, n, "batch %zu: %zu records, want %zu", batch_sizes[bs], got, n);
        cr_assert_eq(trc_records(r), n);
        trc_close(r);
    }
    struct stat st;
    cr_assert_eq(stat(p, &st), 0);
    return (long)st.st_size;
}

static const char every_type[] = "arch i386\n"
                                 "map 0x10000000 0x10010000 rw- anon\n"
                                 "map 0x20000000 0x20001000 rw- anon [stack]\n"
                                 "map 0x08048000 0x08050000 r-x file /bin/busybox\n"
                                 "map 0x08050000 0x08052000 rw- file /bin/busybox\n"
                                 "map 0x30000000 0x30002000 r-- file\n"
                                 "unmap 0x10004000 0x10005000\n"
                                 "protect 4096 8192 r--\n"
                                 "protect 0x10000000 0x10001000 ---\n"
                                 "R 0x10000000 4\n"
                                 "W 0x10000001\n"
                                 "W 0x10000000 4\n"
                                 "X 0x08048000 16\n"
                                 "I 1\n"
                                 "X 0x08048010 3\n"
                                 "I 1\n"
                                 "X 0x08049000 1\n"
                                 "I 1\n"
                                 "R 0x10000008 3\n"
                                 "KR 0x10002000 100\n"
                                 "KW 0x10003000 0x1000\n"
                                 "I 0\n"
                                 "I 7\n"
                                 "I 1234\n"
                                 "I 1\n"
                                 "S 4\n"
                                 "S 4294967295\n"
                                 "R 0xFFFFFFFF\n"
                                 "W 0 8\n";

/* Reads a text trace into an array (names copied). */
static size_t read_text(const char *text, struct trc_record *out, size_t cap)
{
    char err[256];
    struct trc_reader *r;
    cr_assert_eq(trc_open_mem(&r, "t.vkt.txt", text, strlen(text), err, sizeof(err)), 0);
    size_t n = 0;
    int rc;
    while (n < cap && (rc = trc_next(r, &out[n])) == 1) {
        if (out[n].name)
            out[n].name = strdup(out[n].name);
        n++;
    }
    cr_assert_eq(trc_next(r, &out[n < cap ? n : 0]), 0, "%s", trc_error(r));
    trc_close(r);
    return n;
}

Test(vkt, every_record_type_round_trips_from_text)
{
    struct trc_record recs[64];
    size_t n = read_text(every_type, recs, 64);
    cr_assert_eq(n, 29);
    /* The text reader's file page rule reaches the binary file. */
    cr_assert_eq(recs[3].file_pgoff, 0x08048);
    round_trip("every.vkt", MMU_ARCH_I386, recs, n);
    for (size_t i = 0; i < n; i++)
        free((char *)recs[i].name);
}

Test(vkt, x86_64_wide_addresses_and_file_offsets_round_trip)
{
    struct trc_record recs[] = {
        {.type = TRC_MAP, .addr = 0x7ffff7dd0000, .end = 0x7ffff7df0000, .prot = 5,
         .kind = TRC_FILE, .file_id = 3, .file_pgoff = 0x1234567, .name = "/lib/ld.so"},
        {.type = TRC_READ, .addr = 0x7fffffffeff8, .size = 8},
        {.type = TRC_WRITE, .addr = 0x7fffffffeff8, .size = 8},
        {.type = TRC_FETCH, .addr = 0x7fffffffffff, .size = 1},
        {.type = TRC_READ, .addr = 0x800000000000 - TRC_MAX_ACCESS, .size = TRC_MAX_ACCESS},
        {.type = TRC_READ, .addr = 0, .size = 1},
        {.type = TRC_KWRITE, .addr = 0x400000, .size = 33},
        {.type = TRC_KREAD, .addr = 0x7fffff000000, .size = TRC_MAX_KACCESS},
    };
    round_trip("wide.vkt", MMU_ARCH_X86_64, recs, sizeof(recs) / sizeof(recs[0]));
}

/* A pseudo-random mix that reaches every opcode: short and long deltas in both directions,
 * every size class, fused `I 1, X`, writes at the previous read, I n of every short count. */
Test(vkt, random_mix_of_every_opcode_round_trips)
{
    enum { N = 200000 };
    struct trc_record *recs = calloc(N, sizeof(*recs));
    cr_assert_not_null(recs);
    uint64_t x = 0x9E3779B97F4A7C15ull, prev[3] = {0x1000000, 0x2000000, 0x400000};
    size_t n = 0;
    recs[n++] = (struct trc_record){.type = TRC_MAP, .addr = 0x1000, .end = 0x80000000,
                                    .prot = 7, .kind = TRC_ANON};
    while (n < N - 2) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        unsigned k = x % 16, c = (x >> 8) % 3;
        static const uint64_t sizes[] = {1, 2, 4, 8, 3, 16, 64, 4096};
        uint64_t size = sizes[(x >> 12) % 8];
        int64_t delta = (x >> 16) % 4 == 0 ? (int64_t)((x >> 20) % 0x100000) - 0x80000
                                           : (int64_t)((x >> 20) % 24) - 12;
        uint64_t a = (prev[c] + (uint64_t)delta) & 0x3fffffff;
        struct trc_record rec = {.type = c == 0 ? TRC_READ : c == 1 ? TRC_WRITE : TRC_FETCH,
                                 .addr = a, .size = size};
        if (k < 3) {
            rec = (struct trc_record){.type = TRC_INSNS, .count = k == 0 ? 1 : (x >> 24) % 20};
        } else if (k == 3 && n > 0 && recs[n - 1].type == TRC_READ) {
            rec = (struct trc_record){.type = TRC_WRITE, .addr = recs[n - 1].addr,
                                      .size = recs[n - 1].size};
        } else if (k == 4) {
            rec.type = (x >> 30) & 1 ? TRC_KREAD : TRC_KWRITE;
        } else if (k == 5) {
            rec = (struct trc_record){.type = TRC_SYSCALL, .count = (x >> 24) % 400};
        } else if (k == 6 && (x >> 40) % 64 == 0) {
            uint64_t s = ((x >> 24) % 0x1000) << 12;
            rec = (struct trc_record){.type = TRC_PROTECT, .addr = 0x1000 + s,
                                      .end = 0x3000 + s, .prot = (x >> 50) % 8};
        } else {
            prev[c] = a + size;
        }
        recs[n++] = rec;
    }
    round_trip("mix.vkt", MMU_ARCH_I386, recs, n);
    free(recs);
}

/* Program-like: sequential fetches of 1-8 byte instructions, each one `I 1`, some jumps,
 * reads streaming through an array and stack pushes/pops. */
static size_t gen_sequential(struct trc_record *recs, size_t cap, uint64_t *accesses)
{
    uint64_t x = 88172645463325252ull, ip = 0x400000, arr = 0x10000000, sp = 0x7ff000000000;
    size_t n = 0;
    *accesses = 0;
    while (n + 4 < cap) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        unsigned len = 1 + (x & 7), k = (x >> 20) % 10;
        if ((x >> 8) % 16 == 0)
            ip = 0x400000 + ((x >> 12) % 0x100000);
        recs[n++] = (struct trc_record){.type = TRC_FETCH, .addr = ip, .size = len};
        ip += len;
        if (k < 3) {
            recs[n++] = (struct trc_record){.type = TRC_READ, .addr = arr, .size = 8};
            arr += 8;
        } else if (k == 3) {
            sp -= 8;
            recs[n++] = (struct trc_record){.type = TRC_WRITE, .addr = sp, .size = 8};
        } else if (k == 4) {
            recs[n++] = (struct trc_record){.type = TRC_READ, .addr = sp, .size = 8};
            sp += 8;
        }
        recs[n++] = (struct trc_record){.type = TRC_INSNS, .count = 1};
    }
    for (size_t i = 0; i < n; i++)
        *accesses += recs[i].type != TRC_INSNS;
    return n;
}

Test(vkt, bytes_per_access_sequential_and_random)
{
    enum { N = 300000 };
    struct trc_record *recs = calloc(N, sizeof(*recs));
    cr_assert_not_null(recs);
    uint64_t acc;
    size_t n = gen_sequential(recs, N, &acc);
    long bytes = round_trip("seq.vkt", MMU_ARCH_X86_64, recs, n);
    double seq = (double)bytes / (double)acc;
    cr_log_info("sequential (program-like) trace: %zu records, %llu accesses, %ld bytes: "
                "%.3f bytes/access", n, (unsigned long long)acc, bytes, seq);
    fprintf(stderr, "vkt: sequential (program-like) trace: %.3f bytes/access\n", seq);
    cr_assert_leq(seq, 2.0, "sequential: %.3f bytes/access", seq);

    /* Uniformly random 8-byte reads and writes over 1 GiB, no instruction counts. */
    uint64_t x = 12345;
    for (size_t i = 0; i < N; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        recs[i] = (struct trc_record){.type = x & 1 ? TRC_WRITE : TRC_READ,
                                      .addr = 0x10000000 + ((x >> 8) % 0x40000000 & ~7ull),
                                      .size = 8};
    }
    bytes = round_trip("rnd.vkt", MMU_ARCH_X86_64, recs, N);
    double rnd = (double)bytes / N;
    fprintf(stderr, "vkt: random 8-byte accesses over 1 GiB: %.3f bytes/access\n", rnd);
    cr_assert_leq(rnd, 6.0, "random: %.3f bytes/access", rnd);
    free(recs);
}

/* ---- damaged files ---- */

static void write_bytes(const char *name, const void *data, size_t len)
{
    FILE *f = fopen(path_of(name), "wb");
    cr_assert_not_null(f);
    cr_assert_eq(fwrite(data, 1, len, f), len);
    fclose(f);
}

/* Reads name to its end; wants -1 with "byte OFFSET" and what in the message.  Records before
 * the damage are fine.  (For errors at open, want_open_fail.) */
static void expect_bad(const char *name, long offset, const char *what)
{
    char err[512];
    struct trc_reader *r;
    int rc;
    char want[64];
    snprintf(want, sizeof(want), ": byte %ld: ", offset);
    if (trc_open(&r, path_of(name), err, sizeof(err)) < 0) {
        cr_assert(strstr(err, want), "open error '%s' lacks '%s'", err, want);
        cr_assert(strstr(err, what), "open error '%s' lacks '%s'", err, what);
        return;
    }
    struct trc_record rec;
    while ((rc = trc_next(r, &rec)) == 1)
        ;
    cr_assert_eq(rc, -1, "%s: expected an error", name);
    cr_assert(strstr(trc_error(r), want), "'%s' lacks '%s'", trc_error(r), want);
    cr_assert(strstr(trc_error(r), what), "'%s' lacks '%s'", trc_error(r), what);
    cr_assert_eq(trc_next(r, &rec), -1, "an error must stick");
    trc_close(r);
}

static size_t load(const char *name, unsigned char *buf, size_t cap)
{
    FILE *f = fopen(path_of(name), "rb");
    cr_assert_not_null(f);
    size_t n = fread(buf, 1, cap, f);
    fclose(f);
    return n;
}

Test(vkt, truncated_files_name_the_byte_offset)
{
    struct trc_record recs[64];
    size_t n = read_text(every_type, recs, 64);
    round_trip("good.vkt", MMU_ARCH_I386, recs, n);
    unsigned char buf[4096];
    size_t len = load("good.vkt", buf, sizeof(buf));
    cr_assert_gt(len, 40);
    /* Every proper prefix is an error: inside the header, inside a record, or no end record. */
    for (size_t cut = 0; cut < len; cut++) {
        write_bytes("cut.vkt", buf, cut);
        char err[512];
        struct trc_reader *r;
        if (trc_open_as(&r, path_of("cut.vkt"), TRC_FMT_VKT, err, sizeof(err)) < 0) {
            cr_assert(cut < 16, "cut %zu: open failed: %s", cut, err);
            cr_assert(strstr(err, ": byte "), "cut %zu: '%s'", cut, err);
            continue;
        }
        struct trc_record rec;
        int rc;
        while ((rc = trc_next(r, &rec)) == 1)
            ;
        cr_assert_eq(rc, -1, "cut at %zu of %zu: no error", cut, len);
        cr_assert(strstr(trc_error(r), ": byte "), "cut %zu: '%s'", cut, trc_error(r));
        trc_close(r);
    }
    /* The header alone: the end record is missing at byte 16. */
    write_bytes("hdr.vkt", buf, 16);
    expect_bad("hdr.vkt", 16, "without an end record");
    for (size_t i = 0; i < n; i++)
        free((char *)recs[i].name);
}

/* Appends an end record for nrec records with the CRC-32 of buf[0..len); returns the new
 * length. */
static size_t end_record(unsigned char *buf, size_t len, uint64_t nrec)
{
    uint32_t crc = (uint32_t)crc32(0, buf, (uInt)len);
    buf[len++] = 0xff;
    for (int i = 0; i < 8; i++)
        buf[len++] = (unsigned char)(nrec >> (8 * i));
    for (int i = 0; i < 4; i++)
        buf[len++] = (unsigned char)(crc >> (8 * i));
    return len;
}

Test(vkt, corrupt_files_name_the_byte_offset)
{
    unsigned char buf[64] = "\x89VKT\r\n\x1a\n\x01";
    /* A good file of one record: R size 1 at delta 0. */
    buf[16] = 0x08;
    size_t len = end_record(buf, 17, 1);
    cr_assert_eq(len, 30);
    write_bytes("one.vkt", buf, len);
    char err[256];
    struct trc_reader *r;
    struct trc_record rec;
    cr_assert_eq(trc_open(&r, path_of("one.vkt"), err, sizeof(err)), 0, "%s", err);
    cr_assert_eq(trc_next(r, &rec), 1, "%s", trc_error(r));
    cr_assert_eq(rec.type, TRC_READ);
    cr_assert_eq(rec.addr, 0);
    cr_assert_eq(rec.offset, 16);
    cr_assert_eq(trc_next(r, &rec), 0, "%s", trc_error(r));
    trc_close(r);
    /* Bytes after the end record. */
    write_bytes("after.vkt", buf, len + 1);
    expect_bad("after.vkt", 30, "after the end record");
    /* A changed record that still decodes: the CRC-32 catches it. */
    buf[16] = 0x09;
    write_bytes("crc.vkt", buf, len);
    expect_bad("crc.vkt", 17, "CRC-32 mismatch");
    /* An end record whose count disagrees. */
    len = end_record(buf, 17, 5);
    write_bytes("count.vkt", buf, len);
    expect_bad("count.vkt", 17, "end record counts 5 records but 1");
    /* Every opcode is defined; what cannot occur is two slot swaps in a row. */
    buf[17] = 0xfc;
    buf[18] = 0xfd;
    buf[19] = 0x08;
    write_bytes("op.vkt", buf, 20);
    expect_bad("op.vkt", 18, "two slot swaps in a row");
    /* An address beyond i386: a long R with a huge delta. */
    unsigned char big[] = "\x89VKT\r\n\x1a\n\x01\0\0\0\0\0\0\0\xe8\x80\x80\x80\x80\x20";
    write_bytes("wide.vkt", big, 22);
    expect_bad("wide.vkt", 16, "does not fit arch i386");
    /* A bad version and a bad arch in the header. */
    len = end_record(buf, 17, 1);
    buf[8] = 2;
    write_bytes("ver.vkt", buf, len);
    expect_bad("ver.vkt", 8, "unsupported version 2");
    buf[8] = 1;
    buf[9] = 7;
    write_bytes("arch.vkt", buf, len);
    expect_bad("arch.vkt", 9, "unknown arch 7");
}

Test(vkt, writer_rejects_what_the_reader_would)
{
    char err[512];
    struct trc_writer *w;
    cr_assert_eq(trc_writer_open(&w, path_of("bad.vkt"), MMU_ARCH_I386, err, sizeof(err)), 0);
    cr_assert_eq(trc_writer_access(w, TRC_READ, 0x10000000, 4), 0);
    cr_assert_eq(trc_writer_access(w, TRC_READ, 0x100000000ull, 4), -1);
    cr_assert_eq(trc_writer_insns(w, 1), -1, "the first error sticks");
    cr_assert_eq(trc_writer_close(w, false, err, sizeof(err)), -1);
    cr_assert(strstr(err, "record 2: access 0x100000000+4 does not fit arch i386"), "%s", err);
    cr_assert_eq(access(path_of("bad.vkt"), F_OK), -1, "a failed file is removed");
}

/* A loop: the same block fetched again and again, each time followed by a read; the fetch
 * repeats take one byte each (opcode 0xfe), and everything reads back exactly. */
Test(vkt, repeated_fetch_of_a_loop_block_is_one_byte)
{
    enum { N = 2000 };
    static struct trc_record recs[2 * N];
    size_t n = 0;
    for (int i = 0; i < N; i++) {
        recs[n++] = (struct trc_record){.type = TRC_FETCH, .addr = 0x08049100, .size = 23};
        recs[n++] = (struct trc_record){.type = TRC_READ, .addr = 0x10000000 + 4u * (unsigned)i,
                                        .size = 4};
    }
    long bytes = round_trip("loop.vkt", MMU_ARCH_I386, recs, n);
    /* header 16 + end record 13; the first fetch is the long form 0xf2 + size varint (1) +
     * zigzag delta from 0 (5 bytes) = 7, the first read 0xea + zigzag delta (5) = 6; every
     * later fetch is 0xfe and every later read a one-byte short form */
    cr_assert_eq(bytes, 16 + 13 + 7 + 6 + 2 * (N - 1), "size %ld", bytes);
}

/* ---- process records (0xfa with a kind byte of 2 to 6) ---- */

static const char processes[] = "map 0x10000000 0x10001000 rw- anon\n"
                                "W 0x10000000 4\n"
                                "I 1\n"
                                "fork 2\n"
                                "pid 2\n"
                                "vfork 0xffffffff\n"
                                "pid 4294967295\n"
                                "exec\n"
                                "exit\n"
                                "pid 1\n"
                                "I 1\n"
                                "exit\n";

Test(vkt, process_records_round_trip_in_two_or_three_bytes)
{
    struct trc_record recs[32];
    size_t n = read_text(processes, recs, 32);
    cr_assert_eq(n, 12);
    cr_assert_eq(recs[3].type, TRC_FORK);
    cr_assert_eq(recs[3].count, 2);
    cr_assert_eq(recs[5].type, TRC_VFORK);
    cr_assert_eq(recs[5].count, 0xffffffffu);
    long size = round_trip("procs.vkt", MMU_ARCH_I386, recs, n);
    unsigned char buf[256];
    size_t len = load("procs.vkt", buf, sizeof(buf));
    cr_assert_eq((long)len, size);
    /* header 16, map 8, W 6 (0xee, 5-byte delta), then the I 1, held back to fuse with a
     * fetch and written before the fork: 1 */
    static const unsigned char want[] = {0xfa, 3, 2,    0xfa, 2, 2,    0xfa, 4, 0xff, 0xff,
                                         0xff, 0xff, 0x0f, 0xfa, 2, 0xff, 0xff, 0xff, 0xff, 0x0f,
                                         0xfa, 5,    0xfa, 6,    0xfa, 2, 1,    0xe0, 0xfa, 6};
    cr_assert_eq(buf[30], 0xe0, "the I 1 before the fork is written before it");
    cr_assert_eq(memcmp(buf + 31, want, sizeof(want)), 0, "process record bytes");
    cr_assert_eq(len, 31 + sizeof(want) + 13);
}

Test(vkt, damaged_process_records_name_the_byte_offset)
{
    unsigned char buf[64] = "\x89VKT\r\n\x1a\n\x01";
    static const struct {
        unsigned char rec[8];
        size_t len;
        const char *what;
    } cases[] = {
        {{0xfa, 8}, 2, "unknown arch or process kind 8"},
        {{0xfa, 0xff}, 2, "unknown arch or process kind 255"},
        {{0xfa, 2, 0}, 3, "process id 0 out of range"},
        {{0xfa, 3, 0x80, 0x80, 0x80, 0x80, 0x10}, 7, "process id 4294967296 out of range"},
        {{0xfa, 4}, 2, "the file ends inside a record (truncated?; expected the pid varint)"},
        {{0xfa, 2, 0x81}, 3, "the file ends inside a record"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        memcpy(buf + 16, cases[i].rec, cases[i].len);
        write_bytes("bad.vkt", buf, 16 + cases[i].len);
        expect_bad("bad.vkt", 16, cases[i].what);
    }
    /* A process record then the arch record: the arch record is not first. */
    memcpy(buf + 16, "\xfa\x05\xfa\x00", 4);
    write_bytes("late.vkt", buf, 20);
    expect_bad("late.vkt", 18, "arch record 0 not first");
}

Test(vkt, writer_rejects_a_pid_out_of_range)
{
    static const struct trc_record bad[] = {{.type = TRC_PID, .count = 0},
                                            {.type = TRC_FORK, .count = 1ull << 32}};
    for (size_t i = 0; i < 2; i++) {
        char err[512];
        struct trc_writer *w;
        cr_assert_eq(trc_writer_open(&w, path_of("pid.vkt"), MMU_ARCH_I386, err, sizeof(err)),
                     0);
        cr_assert_eq(trc_writer_put(w, &bad[i]), -1);
        cr_assert_eq(trc_writer_close(w, false, err, sizeof(err)), -1);
        cr_assert(strstr(err, "out of range (expected 1 to 4294967295)"), "%s", err);
    }
}

/* ---- move records (0xfa 07: start page, page count, destination page) ---- */

Test(vkt, move_records_round_trip)
{
    struct trc_record recs[8];
    size_t n = read_text("map 0x10000000 0x10004000 rw- anon\n"
                         "move 0x10000000 0x20000000 0x4000\n"
                         "move 0x20000000 0xbfffc000 0x4000\n",
                         recs, 8);
    cr_assert_eq(n, 3);
    round_trip("move.vkt", MMU_ARCH_I386, recs, n);
    unsigned char buf[128];
    size_t len = load("move.vkt", buf, sizeof(buf));
    /* header 16, map 8 (f7, 3-byte page, count, flags, id, offset), then the two moves */
    static const unsigned char want[] = {0xfa, 7, 0x80, 0x80, 0x04, 4, 0x80, 0x80, 0x08,
                                         0xfa, 7, 0x80, 0x80, 0x08, 4, 0xfc, 0xff, 0x2f};
    cr_assert_eq(memcmp(buf + 24, want, sizeof(want)), 0, "move record bytes");
    cr_assert_eq(len, 24 + sizeof(want) + 13);
    struct trc_record wide[2];
    n = read_text("arch x86_64\nmove 0x7ffffffe0000 0x1000 0x10000\n", wide, 2);
    cr_assert_eq(n, 2);
    round_trip("move64.vkt", MMU_ARCH_X86_64, wide, n);
}

Test(vkt, damaged_move_records_name_the_byte_offset)
{
    unsigned char buf[64] = "\x89VKT\r\n\x1a\n\x01";
    static const struct {
        unsigned char rec[10];
        size_t len;
        const char *what;
    } cases[] = {
        {{0xfa, 7, 0x80, 0x80, 0x04, 2, 0xff, 0xff, 0x2f}, 9,
         "move: destination of 2 pages at page 0xbffff does not fit arch i386"},
        {{0xfa, 7, 0x80, 0x80, 0x04, 4, 0x81, 0x80, 0x04}, 9,
         "move: source and destination overlap"},
        {{0xfa, 7, 0x80, 0x80, 0x04, 0}, 6, "range of 0 pages at page 0x10000"},
        {{0xfa, 7, 0x80, 0x80, 0x04, 2}, 6, "the file ends inside a record"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        memcpy(buf + 16, cases[i].rec, cases[i].len);
        write_bytes("bad.vkt", buf, 16 + cases[i].len);
        expect_bad("bad.vkt", 16, cases[i].what);
    }
}

Test(vkt, writer_rejects_a_bad_move)
{
    static const struct trc_record bad[] = {
        {.type = TRC_MOVE, .addr = 0x10000000, .end = 0x10004000, .dest = 0x10002000},
        {.type = TRC_MOVE, .addr = 0x10000000, .end = 0x10004000, .dest = 0xbfffe000},
        {.type = TRC_MOVE, .addr = 0x10000000, .end = 0x10004000, .dest = 0x20000010},
    };
    static const char *why[] = {"overlap", "does not fit arch i386", "not page-aligned"};
    for (size_t i = 0; i < 3; i++) {
        char err[512];
        struct trc_writer *w;
        cr_assert_eq(trc_writer_open(&w, path_of("mv.vkt"), MMU_ARCH_I386, err, sizeof(err)), 0);
        cr_assert_eq(trc_writer_put(w, &bad[i]), -1);
        cr_assert_eq(trc_writer_close(w, false, err, sizeof(err)), -1);
        cr_assert(strstr(err, why[i]), "%s", err);
    }
}
