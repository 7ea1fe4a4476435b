/* tests/traces/test_text.c - the text trace reader (trace-formats.md section 1). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "trc.h"

static struct trc_reader *open_str(const char *text)
{
    struct trc_reader *r = NULL;
    char err[256];
    cr_assert_eq(trc_open_mem(&r, "t.vkt.txt", text, strlen(text), err, sizeof(err)), 0, "%s",
                 err);
    return r;
}

static struct trc_record next_ok(struct trc_reader *r)
{
    struct trc_record rec;
    int rc = trc_next(r, &rec);
    cr_assert_eq(rc, 1, "trc_next: %d (%s)", rc, trc_error(r));
    return rec;
}

/* The trace fails at `line` with a message holding `what`; records before it are fine. */
static void expect_error(const char *text, unsigned long line, const char *what)
{
    struct trc_reader *r = open_str(text);
    struct trc_record rec;
    int rc;
    while ((rc = trc_next(r, &rec)) == 1)
        ;
    cr_assert_eq(rc, -1, "expected an error for:\n%s", text);
    char prefix[64];
    snprintf(prefix, sizeof(prefix), "t.vkt.txt:%lu: ", line);
    cr_assert(strncmp(trc_error(r), prefix, strlen(prefix)) == 0,
              "message '%s' does not start with '%s'", trc_error(r), prefix);
    cr_assert(strstr(trc_error(r), what), "message '%s' lacks '%s'", trc_error(r), what);
    cr_assert_eq(trc_next(r, &rec), -1, "an error must stick");
    trc_close(r);
}

/* One straight sequence, kept whole: the records of one trace in order, each with its
 * fields, so that the line numbers and the final count check the whole reading. */
Test(text, every_record_type_with_exact_fields)
{
    struct trc_reader *r = open_str("# a comment\n"
                                    "\n"
                                    "arch i386\n"
                                    "map 0x10000000 0x10010000 rw- anon\n"
                                    "map 0x08048000 0x08050000 r-x file /bin/busybox\n"
                                    "unmap 0x10004000 0x10005000\n"
                                    "protect 4096 8192 r--\n"
                                    "R 0x10000000 4\n"
                                    "W 0x10000001\n"
                                    "X 0x08048000 16\n"
                                    "KR 0x10002000 100\n"
                                    "KW 0x10003000 0x1000\n"
                                    "I 1234\n"
                                    "S 4\n");
    struct trc_record rec = next_ok(r);
    cr_assert_eq(rec.type, TRC_ARCH);
    cr_assert_eq(rec.arch, MMU_ARCH_I386);
    cr_assert_eq(rec.line, 3);

    rec = next_ok(r);
    cr_assert_eq(rec.type, TRC_MAP);
    cr_assert_eq(rec.addr, 0x10000000);
    cr_assert_eq(rec.end, 0x10010000);
    cr_assert_eq(rec.prot, TRC_PROT_R | TRC_PROT_W);
    cr_assert_eq(rec.kind, TRC_ANON);
    cr_assert_eq(rec.file_id, 0);
    cr_assert_null(rec.name);
    cr_assert_eq(rec.line, 4);

    rec = next_ok(r);
    cr_assert_eq(rec.type, TRC_MAP);
    cr_assert_eq(rec.addr, 0x08048000);
    cr_assert_eq(rec.end, 0x08050000);
    cr_assert_eq(rec.prot, TRC_PROT_R | TRC_PROT_X);
    cr_assert_eq(rec.kind, TRC_FILE);
    cr_assert_eq(rec.file_id, 1);
    cr_assert_str_eq(rec.name, "/bin/busybox");

    rec = next_ok(r);
    cr_assert_eq(rec.type, TRC_UNMAP);
    cr_assert_eq(rec.addr, 0x10004000);
    cr_assert_eq(rec.end, 0x10005000);

    rec = next_ok(r);
    cr_assert_eq(rec.type, TRC_PROTECT);
    cr_assert_eq(rec.addr, 4096);
    cr_assert_eq(rec.end, 8192);
    cr_assert_eq(rec.prot, TRC_PROT_R);

    rec = next_ok(r);
    cr_assert_eq(rec.type, TRC_READ);
    cr_assert_eq(rec.addr, 0x10000000);
    cr_assert_eq(rec.size, 4);

    rec = next_ok(r);
    cr_assert_eq(rec.type, TRC_WRITE);
    cr_assert_eq(rec.addr, 0x10000001);
    cr_assert_eq(rec.size, 1, "SIZE defaults to 1");

    rec = next_ok(r);
    cr_assert_eq(rec.type, TRC_FETCH);
    cr_assert_eq(rec.size, 16);

    rec = next_ok(r);
    cr_assert_eq(rec.type, TRC_KREAD);
    cr_assert_eq(rec.addr, 0x10002000);
    cr_assert_eq(rec.size, 100);

    rec = next_ok(r);
    cr_assert_eq(rec.type, TRC_KWRITE);
    cr_assert_eq(rec.size, 0x1000);

    rec = next_ok(r);
    cr_assert_eq(rec.type, TRC_INSNS);
    cr_assert_eq(rec.count, 1234);

    rec = next_ok(r);
    cr_assert_eq(rec.type, TRC_SYSCALL);
    cr_assert_eq(rec.count, 4);
    cr_assert_eq(rec.line, 14);

    cr_assert_eq(trc_next(r, &rec), 0);
    cr_assert_eq(trc_next(r, &rec), 0, "EOF repeats");
    cr_assert_eq(trc_records(r), 12);
    trc_close(r);
}

Test(text, tabs_comments_crlf_and_last_line_without_newline)
{
    struct trc_reader *r = open_str("\t R\t0xABCdef \t 8 # trailing comment\r\n"
                                    "   # only a comment\n"
                                    "W 0X10 2\r\n"
                                    "I 0");
    struct trc_record rec = next_ok(r);
    cr_assert_eq(rec.type, TRC_READ);
    cr_assert_eq(rec.addr, 0xABCDEF);
    cr_assert_eq(rec.size, 8);
    rec = next_ok(r);
    cr_assert_eq(rec.type, TRC_WRITE);
    cr_assert_eq(rec.addr, 0x10);
    cr_assert_eq(rec.line, 3);
    rec = next_ok(r);
    cr_assert_eq(rec.type, TRC_INSNS);
    cr_assert_eq(rec.count, 0);
    cr_assert_eq(rec.line, 4);
    cr_assert_eq(trc_next(r, &rec), 0);
    trc_close(r);
}

Test(text, empty_trace_is_eof_and_default_arch_is_i386)
{
    struct trc_reader *r = open_str("");
    struct trc_record rec;
    cr_assert_eq(trc_next(r, &rec), 0);
    cr_assert_eq(trc_arch(r), MMU_ARCH_I386);
    trc_close(r);
}

Test(text, file_names_keep_their_id_and_unnamed_files_get_fresh_ids)
{
    struct trc_reader *r = open_str("map 0x1000 0x2000 r-- file a\n"
                                    "map 0x2000 0x3000 r-- file b\n"
                                    "map 0x3000 0x4000 r-- file\n"
                                    "map 0x4000 0x5000 rw- file a\n"
                                    "map 0x5000 0x6000 r-- file\n"
                                    "map 0x6000 0x7000 rw- anon [heap]\n"
                                    "map 0x7000 0x8000 rw- file b\n");
    uint32_t want[] = {1, 2, 3, 1, 4, 0, 2};
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        struct trc_record rec = next_ok(r);
        cr_assert_eq(rec.file_id, want[i], "map %zu: id %u, want %u", i, rec.file_id, want[i]);
    }
    trc_close(r);
}

Test(text, many_distinct_names_grow_the_table)
{
    size_t n = 1000;
    char *text = malloc(n * 64);
    size_t len = 0;
    for (size_t i = 0; i < n; i++)
        len += (size_t)sprintf(text + len, "map 0x%zx 0x%zx r-- file f%zu\n", (i + 1) << 12,
                               (i + 2) << 12, i % 500);
    struct trc_reader *r = NULL;
    char err[256];
    cr_assert_eq(trc_open_mem(&r, "t", text, len, err, sizeof(err)), 0);
    for (size_t i = 0; i < n; i++) {
        struct trc_record rec = next_ok(r);
        cr_assert_eq(rec.file_id, (uint32_t)(i % 500) + 1);
    }
    trc_close(r);
    free(text);
}

Test(text, x86_64_accepts_wide_addresses)
{
    struct trc_reader *r = open_str("arch x86_64\n"
                                    "map 0x7fff00000000 0x800000000000 rw- anon\n"
                                    "R 0x7fffffffeff8 8\n");
    struct trc_record rec = next_ok(r);
    cr_assert_eq(rec.arch, MMU_ARCH_X86_64);
    cr_assert_eq(trc_arch(r), MMU_ARCH_X86_64);
    rec = next_ok(r);
    cr_assert_eq(rec.end, 0x800000000000ull);
    rec = next_ok(r);
    cr_assert_eq(rec.addr, 0x7fffffffeff8ull);
    trc_close(r);
}

Test(text, i386_accepts_the_last_byte_below_4g)
{
    struct trc_reader *r = open_str("R 0xFFFFFFFF\nmap 0xBFFFF000 0xC0000000 rw- anon\n");
    cr_assert_eq(next_ok(r).addr, 0xFFFFFFFFull);
    cr_assert_eq(next_ok(r).end, 0xC0000000ull);
    trc_close(r);
}

/* Records whose lines straddle the read buffer's boundaries come out intact. */
Test(text, long_trace_streams_across_buffer_boundaries)
{
    size_t n = 200000;
    char *text = malloc(n * 40);
    size_t len = 0;
    for (size_t i = 0; i < n; i++)
        len += (size_t)sprintf(text + len, i % 7 ? "R 0x%zx %zu\n" : "W %zu %zu # c\n",
                               (i * 4099) & 0xFFFFFFF, i % 13 + 1);
    struct trc_reader *r = NULL;
    char err[256];
    cr_assert_eq(trc_open_mem(&r, "t", text, len, err, sizeof(err)), 0);
    for (size_t i = 0; i < n; i++) {
        struct trc_record rec = next_ok(r);
        cr_assert_eq(rec.type, i % 7 ? TRC_READ : TRC_WRITE);
        cr_assert_eq(rec.addr, (i * 4099) & 0xFFFFFFF, "record %zu", i);
        cr_assert_eq(rec.size, i % 13 + 1);
        cr_assert_eq(rec.line, i + 1);
    }
    struct trc_record rec;
    cr_assert_eq(trc_next(r, &rec), 0);
    trc_close(r);
    free(text);
}

Test(text, reads_a_file_in_small_and_large_pieces)
{
    char path[] = "/tmp/vkmmu-test-trace-XXXXXX";
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    FILE *f = fdopen(fd, "w");
    fprintf(f, "map 0x10000000 0x10010000 rw- anon\n");
    /* A comment longer than the initial buffer forces it to grow. */
    fputc('#', f);
    for (int i = 0; i < 300000; i++)
        fputc('x', f);
    fputc('\n', f);
    for (int i = 0; i < 100000; i++)
        fprintf(f, "R 0x%x 4\n", 0x10000000 + (i % 16) * 4096);
    fclose(f);

    struct trc_reader *r = NULL;
    char err[256];
    cr_assert_eq(trc_open(&r, path, err, sizeof(err)), 0, "%s", err);
    cr_assert_str_eq(trc_name(r), path);
    struct trc_record rec;
    int rc;
    uint64_t reads = 0;
    while ((rc = trc_next(r, &rec)) == 1)
        reads += rec.type == TRC_READ;
    cr_assert_eq(rc, 0, "%s", trc_error(r));
    cr_assert_eq(reads, 100000);
    cr_assert_eq(trc_line(r), 100002);
    trc_close(r);
    unlink(path);
}

Test(text, open_failure_names_the_path)
{
    struct trc_reader *r = NULL;
    char err[256];
    cr_assert_eq(trc_open(&r, "/nonexistent/trace.txt", err, sizeof(err)), -1);
    cr_assert(strstr(err, "/nonexistent/trace.txt:"), "%s", err);
}

Test(text, line_too_long_is_an_error)
{
    size_t len = TRC_MAX_LINE + 10;
    char *text = malloc(len);
    memset(text, '#', len);
    struct trc_reader *r = NULL;
    char err[256];
    cr_assert_eq(trc_open_mem(&r, "t.vkt.txt", text, len, err, sizeof(err)), 0);
    struct trc_record rec;
    cr_assert_eq(trc_next(r, &rec), -1);
    cr_assert(strstr(trc_error(r), "t.vkt.txt:1: line longer"), "%s", trc_error(r));
    trc_close(r);
    free(text);
}

/* ---- bad input: -1, and a message naming the file, the line and what was expected ---- */

Test(text_errors, unknown_record)
{
    expect_error("R 0x1000\nQ 0x1000\n", 2, "unknown record 'Q'");
    expect_error("read 0x1000\n", 1, "expected arch, map");
    expect_error("r 0x1000\n", 1, "unknown record 'r'");
}

Test(text_errors, bad_number)
{
    expect_error("R 0x10zz\n", 1, "bad number '0x10zz' for ADDR");
    expect_error("R 12a\n", 1, "bad number '12a'");
    expect_error("R 0x\n", 1, "bad number '0x'");
    expect_error("R -5\n", 1, "bad number '-5'");
    expect_error("R 0x1000 four\n", 1, "bad number 'four' for SIZE");
    expect_error("I 1e6\n", 1, "bad number '1e6' for COUNT");
    expect_error("map 0x1000 0x2000x rw- anon\n", 1, "for END");
    expect_error("I 18446744073709551616\n", 1, "does not fit in 64 bits");
    expect_error("I 0x10000000000000000\n", 1, "does not fit in 64 bits");
}

Test(text_errors, end_not_above_start)
{
    expect_error("map 0x2000 0x1000 rw- anon\n", 1, "END 0x1000 is not above START 0x2000");
    expect_error("unmap 0x2000 0x2000\n", 1, "is not above START");
    expect_error("protect 0x3000 0x2000 r--\n", 1, "is not above START");
}

Test(text_errors, unaligned_region)
{
    expect_error("map 0x1001 0x2000 rw- anon\n", 1, "START 0x1001 is not page-aligned");
    expect_error("map 0x1000 0x2fff rw- anon\n", 1, "END 0x2fff is not page-aligned");
    expect_error("unmap 0x1000 0x1800\n", 1, "not page-aligned");
    expect_error("protect 0x800 0x1000 r--\n", 1, "not page-aligned");
}

Test(text_errors, address_too_wide_for_the_arch)
{
    expect_error("R 0x100000000\n", 1, "does not fit arch i386");
    expect_error("R 0xFFFFFFFE 4\n", 1, "does not fit arch i386");
    expect_error("KW 0xFFFFF000 0x2000\n", 1, "does not fit arch i386");
    expect_error("map 0xB0000000 0xC0001000 rw- anon\n", 1, "END 0xc0001000 does not fit arch i386");
    expect_error("arch x86_64\nR 0x800000000000\n", 2, "does not fit arch x86_64");
    expect_error("arch x86_64\nmap 0x1000 0x800000001000 rw- anon\n", 2, "does not fit arch x86_64");
    expect_error("R 0xFFFFFFFFFFFFFFFF 2\n", 1, "does not fit");
}

Test(text_errors, size_zero)
{
    expect_error("R 0x1000 0\n", 1, "SIZE is 0");
    expect_error("KR 0x1000 0\n", 1, "SIZE is 0");
}

Test(text_errors, arch_after_records)
{
    expect_error("R 0x1000\narch x86_64\n", 2, "arch: must come before any other record");
    expect_error("arch i386\narch i386\n", 2, "before any other record");
    expect_error("arch arm64\n", 1, "unknown architecture 'arm64' (expected i386 or x86_64)");
}

Test(text_errors, missing_field)
{
    expect_error("map 0x1000 0x2000 rw-\n", 1, "map: missing KIND");
    expect_error("map 0x1000\n", 1, "missing END (expected `map START END PROT KIND [NAME]`)");
    expect_error("R\n", 1, "R: missing ADDR");
    expect_error("KR 0x1000\n", 1, "KR: missing SIZE");
    expect_error("I\n", 1, "I: missing COUNT");
    expect_error("S # comment\n", 1, "S: missing NUMBER");
    expect_error("protect 0x1000 0x2000\n", 1, "protect: missing PROT");
    expect_error("arch\n", 1, "arch: missing NAME");
}

Test(text_errors, trailing_junk)
{
    expect_error("R 0x1000 4 5\n", 1, "unexpected '5' after SIZE");
    expect_error("unmap 0x1000 0x2000 rw-\n", 1, "unexpected 'rw-' after END");
    expect_error("map 0x1000 0x2000 rw- file a b\n", 1, "unexpected 'b' after NAME");
    expect_error("S 4 5\n", 1, "unexpected '5' after NUMBER");
}

Test(text_errors, bad_prot_and_kind)
{
    expect_error("map 0x1000 0x2000 wr- anon\n", 1, "bad PROT 'wr-'");
    expect_error("map 0x1000 0x2000 rw anon\n", 1, "bad PROT 'rw'");
    expect_error("map 0x1000 0x2000 rw- shared\n", 1, "bad KIND 'shared' (expected anon or file)");
    expect_error("S 0x100000000\n", 1, "too large");
}

/* ---- process records (trace-formats.md section 1) ---- */

Test(text, process_records_with_exact_fields)
{
    struct trc_reader *r = open_str("pid 1\n"
                                    "fork 2\n"
                                    "vfork\t0x10 # comment\n"
                                    "pid 4294967295\n"
                                    "exec\n"
                                    "exit\r\n");
    static const struct {
        enum trc_type type;
        uint64_t count;
    } want[] = {{TRC_PID, 1},          {TRC_FORK, 2}, {TRC_VFORK, 16},
                {TRC_PID, 4294967295u}, {TRC_EXEC, 0}, {TRC_EXIT, 0}};
    for (unsigned i = 0; i < 6; i++) {
        struct trc_record rec = next_ok(r);
        cr_assert_eq(rec.type, want[i].type, "line %u", i + 1);
        cr_assert_eq(rec.count, want[i].count, "line %u", i + 1);
        cr_assert_eq(rec.line, i + 1);
    }
    struct trc_record rec;
    cr_assert_eq(trc_next(r, &rec), 0);
    cr_assert_eq(trc_records(r), 6);
    trc_close(r);
}

Test(text_errors, process_records)
{
    expect_error("pid 1\npid\n", 2, "pid: missing N (expected `pid N`)");
    expect_error("fork\n", 1, "fork: missing CHILD (expected `fork CHILD`)");
    expect_error("vfork 0\n", 1,
                 "vfork: CHILD 0 out of range (expected a process id from 1 to 4294967295)");
    expect_error("I 1\nI 2\npid 0x100000000\n", 3, "pid: N 4294967296 out of range");
    expect_error("fork -2\n", 1, "fork: bad number '-2' for CHILD");
    expect_error("fork 99999999999999999999\n", 1, "does not fit in 64 bits");
    expect_error("pid 2 3\n", 1, "pid: unexpected '3' after N (expected `pid N`)");
    expect_error("exec /bin/sh\n", 1, "exec: unexpected '/bin/sh' (expected `exec` alone)");
    expect_error("exit 0\n", 1, "exit: unexpected '0' (expected `exit` alone)");
    expect_error("Pid 2\n", 1, "unknown record 'Pid'");
    expect_error("exits\n", 1, "unknown record 'exits'");
}

/* ---- move OLD NEW LEN (a vkmmu extension: docs/vkt-format.md) ---- */

Test(text, move_record_with_exact_fields)
{
    struct trc_reader *r = open_str("move 0x10000000 0x20000000 0x3000\n"
                                    "move\t268435456 4096 4096 # comment\n");
    struct trc_record rec = next_ok(r);
    cr_assert_eq(rec.type, TRC_MOVE);
    cr_assert_eq(rec.addr, 0x10000000);
    cr_assert_eq(rec.end, 0x10003000);
    cr_assert_eq(rec.dest, 0x20000000);
    rec = next_ok(r);
    cr_assert_eq(rec.addr, 0x10000000);
    cr_assert_eq(rec.end, 0x10001000);
    cr_assert_eq(rec.dest, 0x1000);
    cr_assert_eq(rec.line, 2);
    cr_assert_eq(trc_next(r, &rec), 0);
    trc_close(r);
}

Test(text_errors, move_records)
{
    expect_error("move 0x1000 0x2000\n", 1, "move: missing LEN (expected `move OLD NEW LEN`)");
    expect_error("move 0x1000 0x2000 0x1000 0\n", 1,
                 "move: unexpected '0' after LEN (expected `move OLD NEW LEN`)");
    expect_error("move 0x1010 0x20000 0x1000\n", 1,
                 "move: OLD 0x1010 is not page-aligned (expected a multiple of 0x1000)");
    expect_error("move 0x1000 0x20000 0x1001\n", 1, "move: LEN 0x1001 is not page-aligned");
    expect_error("move 0x1000 0x20000 0\n", 1, "move: LEN is 0 (expected at least one page)");
    expect_error("move 0xbfffe000 0x1000 0x3000\n", 1,
                 "move: OLD 0xbfffe000 + LEN 0x3000 does not fit arch i386 (expected an end of "
                 "at most 0xc0000000)");
    expect_error("move 0x1000 0xffffffffffff0000 0x20000\n", 1, "move: NEW 0xffffffffffff0000");
    expect_error("R 0x1000\nmove 0x4000 0x1000 0x4000\n", 2,
                 "move: [OLD, OLD + LEN) and [NEW, NEW + LEN) overlap (expected apart ranges)");
    expect_error("move 0x2000 0x1000 0x2000\n", 1, "overlap");
    expect_error("Move 0x2000 0x1000 0x2000\n", 1, "unknown record 'Move'");
}
