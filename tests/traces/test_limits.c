/* tests/traces/test_limits.c - hostile or damaged input (issue 10): the bound on one access
 * record, the instruction total, varints past 64 bits, file ids past 2^32, .vkt detection of
 * empty, truncated and damaged files, the xz memory limit, and messages without control
 * characters.  Every case is an error with its line or byte offset, never a wrap. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "trc.h"
#include "trc_internal.h"

#define HDR "\x89VKT\r\n\x1a\n\x01\x00\x00\x00\x00\x00\x00\x00" /* i386 header */
#define HDR_LEN 16

/* Reads data (format f, name) to its end both record by record and in batches; the two give
 * the same status and message, which is returned (malloc'd, "" when no error). */
static char *read_all(const char *name, const char *data, size_t len, enum trc_format f)
{
    char err[512], *msg[2];
    for (int batch = 0; batch < 2; batch++) {
        struct trc_reader *r;
        if (trc_open_mem_as(&r, name, data, len, f, err, sizeof(err)) < 0) {
            msg[batch] = strdup(err);
            continue;
        }
        struct trc_record recs[5];
        int rc;
        if (batch)
            while (trc_next_batch(r, recs, 5, &rc), rc == 1)
                ;
        else
            while ((rc = trc_next(r, recs)) == 1)
                ;
        msg[batch] = strdup(rc < 0 ? trc_error(r) : "");
        trc_close(r);
    }
    cr_assert_str_eq(msg[0], msg[1], "trc_next and trc_next_batch differ");
    free(msg[1]);
    return msg[0];
}

static void expect(const char *name, const char *data, size_t len, enum trc_format f,
                   const char *want)
{
    char *m = read_all(name, data, len, f);
    if (*want)
        cr_assert(strstr(m, want), "message '%s' lacks '%s'", m, want);
    else
        cr_assert_str_empty(m, "unexpected error '%s'", m);
    free(m);
}

#define EXPECT_TEXT(s, want) expect("t.txt", s, strlen(s), TRC_FMT_TEXT, want)
#define EXPECT_BIN(name, lit, f, want) expect(name, lit, sizeof(lit) - 1, f, want)

Test(limits, text_user_access_of_16_KiB_is_the_largest)
{
    EXPECT_TEXT("R 0x10000000 16384\nW 0x10000000 0x4000\nX 0x10000000 16384\n", "");
    EXPECT_TEXT("R 0x10000000 4\nR 0x10000000 16385\n",
                "t.txt:2: R: SIZE 16385 exceeds the largest access, 16384 bytes (expected 1 "
                "to 16384; split a longer access into several records)");
    EXPECT_TEXT("W 0x1000 0xBFFFE000\n", "t.txt:1: W: SIZE 3221217280 exceeds the largest");
    EXPECT_TEXT("arch x86_64\nX 0 0x7fffffffffff\n", "t.txt:2: X: SIZE 140737488355327 exceeds");
}

Test(limits, text_kernel_access_of_16_MiB_is_the_largest)
{
    EXPECT_TEXT("KW 0x10000000 16777216\nKR 0x10000000 0x1000000\n", "");
    EXPECT_TEXT("KR 0x10000000 16777217\n",
                "t.txt:1: KR: SIZE 16777217 exceeds the largest kernel access, 16777216 bytes "
                "(expected 1 to 16777216;");
}

Test(limits, lackey_access_of_16_KiB_is_the_largest)
{
    const char ok[] = "==1== x\nI  04010ab7,3\n L 1ffefffd78,16384\n";
    const char bad[] = "==1== x\nI  04010ab7,3\n S 1ffefffd78,16385\n";
    EXPECT_BIN("l.txt", ok, TRC_FMT_LACKEY, "");
    EXPECT_BIN("l.txt", bad, TRC_FMT_LACKEY,
               "l.txt:3: SIZE 16385 exceeds the largest access, 16384 bytes (expected 1 to "
               "16384)");
}

Test(limits, vkt_long_access_sizes_are_bounded)
{
    /* F0 R, size varint 16385 (81 80 01), delta 0; F2 X; F4 KW of 16 MiB + 1 */
    EXPECT_BIN("v.vkt", HDR "\xf0\x81\x80\x01\x00", TRC_FMT_VKT,
               "v.vkt: byte 16: access SIZE 16385 exceeds the largest access, 16384 bytes "
               "(corrupt file?; expected 1 to 16384)");
    EXPECT_BIN("v.vkt", HDR "\x08\xf2\x81\x80\x01\x00", TRC_FMT_VKT,
               "v.vkt: byte 17: access SIZE 16385 exceeds");
    EXPECT_BIN("v.vkt", HDR "\xf4\x81\x80\x80\x08\x00", TRC_FMT_VKT,
               "v.vkt: byte 16: kernel access SIZE 16777217 exceeds the largest kernel access, "
               "16777216 bytes");
    /* the same inside a long run of one-byte records (the batch decoder's loop) */
    char buf[HDR_LEN + 200 + 5];
    memcpy(buf, HDR, HDR_LEN);
    memset(buf + HDR_LEN, 0x48, 200);
    memcpy(buf + HDR_LEN + 200, "\xf1\xff\xff\x03\x00", 5);
    expect("v.vkt", buf, sizeof(buf), TRC_FMT_VKT, "v.vkt: byte 216: access SIZE 65535 exceeds");
}

Test(limits, vkt_varint_past_64_bits_is_an_error)
{
    /* a 10th byte of 0x7f would shift bits past bit 63: they were dropped */
    EXPECT_BIN("v.vkt", HDR "\xf5\xff\xff\xff\xff\xff\xff\xff\xff\xff\x7f", TRC_FMT_VKT,
               "v.vkt: byte 16: varint COUNT does not fit in 64 bits (corrupt file?; its 10th "
               "byte is 0x7f, expected 0 or 1)");
    EXPECT_BIN("v.vkt", HDR "\xf5\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x00", TRC_FMT_VKT,
               "varint COUNT longer than 10 bytes");
    EXPECT_BIN("v.vkt", HDR "\xf5\xff\xff", TRC_FMT_VKT,
               "the file ends inside a record (truncated?; expected the COUNT varint)");
}

/* Found by fuzz_auto: 0xfc swaps in the other R slot (0 here), so 0xfb's write "at the previous
 * read" starts below 0; the batch decoder returned it as an access at 2^64 - 1. */
Test(limits, write_at_previous_read_after_a_slot_swap_is_checked_in_batches)
{
    char buf[HDR_LEN + 4 + 64];
    memcpy(buf, HDR "\x08\xfc\x80\xfb", HDR_LEN + 4);
    memset(buf + HDR_LEN + 4, 0x80, 64);
    expect("v.vkt", buf, sizeof(buf), TRC_FMT_VKT,
           "v.vkt: byte 19: access 0xffffffffffffffff+1 does not fit arch i386");
}

Test(limits, instruction_total_never_wraps)
{
    EXPECT_TEXT("I 9223372036854775807\n", "");
    EXPECT_TEXT("I 9223372036854775800\nI 7\nI 1\n",
                "t.txt:3: I: COUNT 1 brings the instruction total past 2^63-1");
    EXPECT_TEXT("I 18446744073709551615\n", "t.txt:1: I: COUNT 18446744073709551615 brings");
    /* F5 2^63-1 (ff x8, 7f), then E0 (I 1) */
    EXPECT_BIN("v.vkt", HDR "\xf5\xff\xff\xff\xff\xff\xff\xff\xff\x7f\xe0", TRC_FMT_VKT,
               "v.vkt: byte 26: instruction count 1 brings the total past 2^63-1");
    EXPECT_BIN("v.vkt", HDR "\xf5\xff\xff\xff\xff\xff\xff\xff\xff\x7f\xc0", TRC_FMT_VKT,
               "v.vkt: byte 26: instruction count 1 brings the total past 2^63-1");
}

Test(limits, vkt_header_damage_is_reported_with_the_byte)
{
    EXPECT_BIN("v.vkt", "", TRC_FMT_VKT,
               "v.vkt: byte 0: empty file (truncated?; expected the 16-byte .vkt header)");
    EXPECT_BIN("v.vkt", "\x89VK", TRC_FMT_VKT,
               "v.vkt: byte 3: the file ends inside the header (truncated?; expected 16 bytes)");
    EXPECT_BIN("v.vkt", "\x89VKT\r\n\x1a\n\x01", TRC_FMT_VKT, "v.vkt: byte 9: the file ends");
    EXPECT_BIN("v.vkt", "\x89VKT\n\x1a\n\x01\x00\x00\x00\x00\x00\x00\x00\x00", TRC_FMT_VKT,
               "v.vkt: byte 4: damaged magic number: byte 4 is 0x0a (expected 89 56 4b 54 0d "
               "0a 1a 0a; a copy in text mode changes these bytes)");
    EXPECT_BIN("v.vkt", "R 0x1000 4\n", TRC_FMT_VKT,
               "v.vkt: byte 0: not a .vkt file (expected the magic number");
}

/* Detection: every prefix of the magic number is a truncated .vkt, whatever the name; a name
 * ending in .vkt (also .vkt.xz, .vkt.gz) is a .vkt whatever the bytes; .vkt.txt is text. */
Test(limits, vkt_detected_by_name_or_magic_prefix)
{
    for (size_t n = 1; n < 8; n++) {
        char *m = read_all("trace", HDR, n, TRC_FMT_AUTO);
        char want[64];
        snprintf(want, sizeof(want), "trace: byte %zu: the file ends inside the header", n);
        cr_assert(strstr(m, want), "%zu bytes: '%s'", n, m);
        free(m);
    }
    EXPECT_BIN("trace", "\x89VKT\0\0\0\0", TRC_FMT_AUTO, "trace: byte 4: damaged magic number");
    EXPECT_BIN("a.vkt", "", TRC_FMT_AUTO, "a.vkt: byte 0: empty file");
    EXPECT_BIN("a.vkt.gz", "", TRC_FMT_AUTO, "a.vkt.gz: byte 0: empty file");
    EXPECT_BIN("a.vkt", "R 0x1000 4\n", TRC_FMT_AUTO, "a.vkt: byte 0: not a .vkt file");
    EXPECT_BIN("a.vkt.txt", "", TRC_FMT_AUTO, "");
    EXPECT_BIN("a.vkt.txt", "R 0x1000 4\n", TRC_FMT_AUTO, "");
    EXPECT_BIN("trace", "", TRC_FMT_AUTO, "");
    EXPECT_BIN("a.vkt", "", TRC_FMT_TEXT, ""); /* --format text wins */
}

Test(limits, file_ids_never_wrap)
{
    struct trc_reader *r;
    char err[256];
    const char *t = "map 0x1000 0x2000 r-- file\nmap 0x2000 0x3000 r-- file a\n";
    cr_assert_eq(trc_open_mem(&r, "t.txt", t, strlen(t), err, sizeof(err)), 0);
    r->file_names.last_id = UINT32_MAX - 1; /* as after 2^32-2 file maps */
    struct trc_record rec;
    cr_assert_eq(trc_next(r, &rec), 1);
    cr_assert_eq(rec.file_id, UINT32_MAX);
    cr_assert_eq(trc_next(r, &rec), -1);
    cr_assert(strstr(trc_error(r), "t.txt:2: map: more than 4294967295 distinct files"), "%s",
              trc_error(r));
    trc_close(r);
}

Test(limits, file_id_shift_of_a_regions_file_never_wraps)
{
    struct trc_reader *r;
    char err[256];
    const char *t = "map 0x1000 0x2000 r-- file\n";
    cr_assert_eq(trc_open_mem(&r, "t.txt", t, strlen(t), err, sizeof(err)), 0);
    struct trc_record rec;
    cr_assert_eq(trc_next(r, &rec), 1);
    cr_assert_eq(trc_file_id_check(r, &rec, UINT32_MAX - 1), 0);
    rec.file_id = 7;
    cr_assert_eq(trc_file_id_check(r, &rec, UINT32_MAX - 6), -1);
    cr_assert_str_eq(trc_error(r), "t.txt:1: map: file id 7 does not fit above the 4294967289 "
                                   "file ids of the regions file (expected ids up to 6)");
    trc_close(r);
}

Test(limits, writer_refuses_what_the_readers_refuse)
{
    char path[] = "/tmp/vkmmu-limits-XXXXXX", err[512];
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    close(fd);
    struct trc_writer *w;
    cr_assert_eq(trc_writer_open(&w, path, MMU_ARCH_I386, err, sizeof(err)), 0, "%s", err);
    cr_assert_eq(trc_writer_access(w, TRC_READ, 0x10000000, TRC_MAX_ACCESS), 0);
    cr_assert_eq(trc_writer_access(w, TRC_KWRITE, 0x10000000, TRC_MAX_KACCESS), 0);
    cr_assert_str_empty(trc_writer_error(w));
    cr_assert_eq(trc_writer_access(w, TRC_KREAD, 0x10000000, TRC_MAX_KACCESS + 1), -1);
    cr_assert_str_eq(trc_writer_error(w), "kernel access SIZE 16777217 exceeds the largest "
                                          "kernel access, 16777216 bytes (expected 1 to "
                                          "16777216)");
    cr_assert_eq(trc_writer_close(w, false, err, sizeof(err)), -1);
    cr_assert(strstr(err, ": record 3: kernel access SIZE 16777217"), "%s", err);
    cr_assert_neq(access(path, F_OK), 0, "a failed writer removes its file");
}

Test(limits, messages_carry_no_control_characters)
{
    char *m = read_all("t.txt", "\x1b[2J\x07 0\n", 9, TRC_FMT_TEXT);
    cr_assert(strstr(m, "t.txt:1: unknown record '?[2J?'"), "%s", m);
    free(m);
}

Test(limits, xz_stream_asking_for_gigabytes_is_refused)
{
    /* "R 0x10000000 4\n" compressed by xz, its LZMA2 dictionary patched to 4 GiB - 1 (block
     * header CRC-32 recomputed) */
    static const unsigned char xz[] =
        "\xfd\x37\x7a\x58\x5a\x00\x00\x01\x69\x22\xde\x36\x02\x00\x21\x01\x28\x00\x00\x00"
        "\xe6\xa0\x11\xb3\x01\x00\x0e\x52\x20\x30\x78\x31\x30\x30\x30\x30\x30\x30\x30\x20"
        "\x34\x0a\x00\x00\x23\x0f\xdd\xad\x00\x01\x23\x0f\xdb\xdf\x90\x0e\x90\x42\x99\x0d"
        "\x01\x00\x00\x00\x00\x01\x59\x5a";
    char dir[] = "/tmp/vkmmu-limits-XXXXXX", path[64], err[512];
    cr_assert_not_null(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/m.txt.xz", dir);
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f);
    cr_assert_eq(fwrite(xz, 1, sizeof(xz) - 1, f), sizeof(xz) - 1);
    fclose(f);
    struct trc_reader *r = NULL;
    int rc = trc_open(&r, path, err, sizeof(err));
    struct trc_record rec;
    if (rc == 0) {
        rc = trc_next(r, &rec);
        snprintf(err, sizeof(err), "%s", trc_error(r));
        trc_close(r);
    }
    unlink(path);
    rmdir(dir);
    cr_assert_eq(rc, -1);
    cr_assert(strstr(err, "m.txt.xz: byte 0: xz stream needs 4096 MiB of memory to decompress, "
                          "more than the 256 MiB vkmmu allows"), "%s", err);
}
