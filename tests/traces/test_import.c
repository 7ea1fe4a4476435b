/* tests/traces/test_import.c - the Lackey and ChampSim importers, format detection and regions
 * files (trace-formats.md sections 3 and 4). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "trc.h"

static struct trc_reader *open_as(const char *name, const void *data, size_t len,
                                  enum trc_format f)
{
    struct trc_reader *r = NULL;
    char err[256];
    cr_assert_eq(trc_open_mem_as(&r, name, data, len, f, err, sizeof(err)), 0, "%s", err);
    return r;
}

static struct trc_record next_ok(struct trc_reader *r)
{
    struct trc_record rec;
    int rc = trc_next(r, &rec);
    cr_assert_eq(rc, 1, "trc_next: %d (%s)", rc, trc_error(r));
    return rec;
}

static void expect(struct trc_reader *r, enum trc_type t, uint64_t addr, uint64_t size_or_count)
{
    struct trc_record rec = next_ok(r);
    cr_assert_eq(rec.type, t, "type %d, want %d", rec.type, t);
    if (t == TRC_INSNS) {
        cr_assert_eq(rec.count, size_or_count);
    } else {
        cr_assert_eq(rec.addr, addr, "addr 0x%llx, want 0x%llx", (unsigned long long)rec.addr,
                     (unsigned long long)addr);
        cr_assert_eq(rec.size, size_or_count);
    }
}

static void expect_end(struct trc_reader *r)
{
    struct trc_record rec;
    cr_assert_eq(trc_next(r, &rec), 0, "%s", trc_error(r));
    trc_close(r);
}

static void expect_fail(struct trc_reader *r, const char *prefix, const char *what)
{
    struct trc_record rec;
    int rc;
    while ((rc = trc_next(r, &rec)) == 1)
        ;
    cr_assert_eq(rc, -1);
    cr_assert(strncmp(trc_error(r), prefix, strlen(prefix)) == 0, "'%s' lacks prefix '%s'",
              trc_error(r), prefix);
    cr_assert(strstr(trc_error(r), what), "'%s' lacks '%s'", trc_error(r), what);
    trc_close(r);
}

static const char lackey[] = "==1234== Lackey, an example Valgrind tool\n"
                             "==1234== Command: /bin/true\n"
                             "==1234== \n"
                             "I  0401ab70,3\n"
                             "I  0401ab73,5\n"
                             " S 1fff000708,8\n"
                             " L 7fffffffe000,16\n"
                             " M 04030000,4\n"
                             "I  0401ab78,1\n"
                             "\n"
                             "==1234== Exit code:       0\n";

Test(lackey, records_instructions_and_modify)
{
    struct trc_reader *r = open_as("lk", lackey, strlen(lackey), TRC_FMT_LACKEY);
    cr_assert_eq(trc_arch(r), MMU_ARCH_X86_64);
    expect(r, TRC_FETCH, 0x0401ab70, 3);
    expect(r, TRC_INSNS, 0, 1);
    expect(r, TRC_FETCH, 0x0401ab73, 5);
    expect(r, TRC_WRITE, 0x1fff000708, 8);
    struct trc_record rec = next_ok(r);
    cr_assert_eq(rec.type, TRC_READ);
    cr_assert_eq(rec.addr, 0x7fffffffe000);
    cr_assert_eq(rec.line, 7);
    expect(r, TRC_READ, 0x04030000, 4);
    expect(r, TRC_WRITE, 0x04030000, 4);
    expect(r, TRC_INSNS, 0, 1);
    expect(r, TRC_FETCH, 0x0401ab78, 1);
    expect(r, TRC_INSNS, 0, 1); /* the last instruction's count comes at the end */
    cr_assert_eq(trc_records(r), 10);
    expect_end(r);
}

Test(lackey, detected_by_its_first_line)
{
    struct trc_reader *r = open_as("lk", lackey, strlen(lackey), TRC_FMT_AUTO);
    cr_assert_eq(trc_format(r), TRC_FMT_LACKEY);
    trc_close(r);
}

Test(lackey, errors_name_the_line)
{
    const char *bad[][3] = {
        {"I  0401ab70,3\nhello world\n", "lk:2: ", "not a Lackey line 'hello world'"},
        {"I  0401ab70,3\n L 1000,0\n", "lk:2: ", "SIZE is 0"},
        {" L 10zz,4\n", "lk:1: ", "bad hexadecimal address"},
        {" L 1000\n", "lk:1: ", "missing ',SIZE'"},
        {" S 1000,4x\n", "lk:1: ", "bad SIZE"},
        {" L 800000000000,1\n", "lk:1: ", "does not fit arch x86_64"},
        {" L 7fffffffffff,2\n", "lk:1: ", "does not fit arch x86_64"},
        {"X 0401ab70,3\n", "lk:1: ", "not a Lackey line"},
        {" L ,3\n", "lk:1: ", "missing ADDR"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        expect_fail(open_as("lk", bad[i][0], strlen(bad[i][0]), TRC_FMT_LACKEY), bad[i][1],
                    bad[i][2]);
}

/* ---- ChampSim ---- */

static void put64(unsigned char *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

Test(champsim, input_instr_records)
{
    unsigned char buf[128] = {0};
    put64(buf, 0x401000);        /* ip */
    put64(buf + 16, 0x7ffe0000); /* destination_memory[0] */
    put64(buf + 32, 0x601000);   /* source_memory[0] */
    put64(buf + 56, 0x602000);   /* source_memory[3] */
    put64(buf + 64, 0x401004);   /* second record: no memory */
    struct trc_reader *r = open_as("t.champsim", buf, sizeof(buf), TRC_FMT_AUTO);
    cr_assert_eq(trc_format(r), TRC_FMT_CHAMPSIM);
    cr_assert_eq(trc_arch(r), MMU_ARCH_X86_64);
    expect(r, TRC_FETCH, 0x401000, 1);
    expect(r, TRC_READ, 0x601000, 1);
    expect(r, TRC_READ, 0x602000, 1);
    expect(r, TRC_WRITE, 0x7ffe0000, 1);
    expect(r, TRC_INSNS, 0, 1);
    struct trc_record rec = next_ok(r);
    cr_assert_eq(rec.type, TRC_FETCH);
    cr_assert_eq(rec.offset, 64);
    expect(r, TRC_INSNS, 0, 1);
    expect_end(r);
}

Test(champsim, cloudsuite_records)
{
    unsigned char buf[96] = {0};
    put64(buf, 0x401000);
    put64(buf + 24, 0x1000);      /* destination_memory[0] */
    put64(buf + 48, 0x2000);      /* destination_memory[3] */
    put64(buf + 56 + 8, 0x3000);  /* source_memory[1] */
    buf[88] = 1;                  /* asid: ignored */
    struct trc_reader *r = open_as("t", buf, sizeof(buf), TRC_FMT_CLOUDSUITE);
    expect(r, TRC_FETCH, 0x401000, 1);
    expect(r, TRC_READ, 0x3000, 1);
    expect(r, TRC_WRITE, 0x1000, 1);
    expect(r, TRC_WRITE, 0x2000, 1);
    expect(r, TRC_INSNS, 0, 1);
    expect_end(r);
}

Test(champsim, partial_record_and_wide_address_name_the_offset)
{
    unsigned char buf[100] = {0};
    put64(buf, 0x401000);
    expect_fail(open_as("t", buf, 100, TRC_FMT_CHAMPSIM), "t: byte 64: ",
                "ends 36 bytes into a record");
    unsigned char two[128] = {0};
    put64(two + 64 + 40, 0x900000000000ull);
    expect_fail(open_as("t", two, 128, TRC_FMT_CHAMPSIM), "t: byte 104: ",
                "source memory address 0x900000000000 does not fit");
}

/* ---- regions files ---- */

Test(regions, map_lines_and_proc_maps_lines)
{
    char path[] = "/tmp/vkmmu-regions.XXXXXX";
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    const char *text =
        "# a comment\n"
        "map 0x10000000 0x10010000 rw- anon\n"
        "55d0c5a00000-55d0c5a02000 r--p 00000000 08:01 1234   /usr/bin/cat\n"
        "55d0c5a02000-55d0c5a06000 r-xp 00002000 08:01 1234   /usr/bin/cat\n"
        "55d0c6000000-55d0c6021000 rw-p 00000000 00:00 0      [heap]\n"
        "7ffd1e0c0000-7ffd1e0e1000 rw-p 00000000 00:00 0\n"
        "7f0000000000-7f0000001000 r--s 00003000 08:01 99     /tmp/a file with spaces\n"
        "map 0x20000000 0x20001000 r-- file /usr/bin/cat\n"
        "ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0  [vsyscall]\n";
    cr_assert_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    struct trc_regions g;
    char err[256];
    cr_assert_eq(trc_regions_load(path, MMU_ARCH_X86_64, &g, err, sizeof(err)), 0, "%s", err);
    cr_assert_eq(g.n, 7, "the [vsyscall] page above user space is skipped");
    cr_assert_eq(g.rec[0].kind, TRC_ANON);
    cr_assert_eq(g.rec[1].addr, 0x55d0c5a00000);
    cr_assert_eq(g.rec[1].end, 0x55d0c5a02000);
    cr_assert_eq(g.rec[1].prot, TRC_PROT_R);
    cr_assert_eq(g.rec[1].kind, TRC_FILE);
    cr_assert_eq(g.rec[1].file_pgoff, 0);
    cr_assert_str_eq(g.rec[1].name, "/usr/bin/cat");
    cr_assert_eq(g.rec[2].prot, TRC_PROT_R | TRC_PROT_X);
    cr_assert_eq(g.rec[2].file_pgoff, 2);
    cr_assert_eq(g.rec[2].file_id, g.rec[1].file_id, "one id per path");
    cr_assert_eq(g.rec[3].kind, TRC_ANON);
    cr_assert_str_eq(g.rec[3].name, "[heap]");
    cr_assert_eq(g.rec[4].kind, TRC_ANON);
    cr_assert_null(g.rec[4].name);
    cr_assert_str_eq(g.rec[5].name, "/tmp/a file with spaces");
    cr_assert_eq(g.rec[5].file_pgoff, 3);
    cr_assert_eq(g.rec[6].file_id, g.rec[1].file_id, "map syntax shares the names");
    cr_assert_eq(g.rec[6].file_pgoff, 0x20000);
    cr_assert_eq(g.max_file_id, 2);
    trc_regions_free(&g);

    /* The same file for i386: the 64-bit ranges do not fit. */
    cr_assert_eq(trc_regions_load(path, MMU_ARCH_I386, &g, err, sizeof(err)), -1);
    cr_assert(strstr(err, ":3: /proc maps: END 0x55d0c5a02000 does not fit arch i386"), "%s",
              err);
    unlink(path);
}

Test(regions, other_records_are_errors)
{
    const char *text = "map 0x1000 0x2000 rw- anon\nR 0x1000 4\n";
    struct trc_reader *r = open_as("g", text, strlen(text), TRC_FMT_REGIONS);
    expect_fail(r, "g:2: ", "unknown region line 'R'");
    text = "1000-2000 rwzp 0 0:0 0\n";
    expect_fail(open_as("g", text, strlen(text), TRC_FMT_REGIONS), "g:1: ", "bad PERMS");
}
