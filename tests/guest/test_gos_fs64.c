/* tests/guest/test_gos_fs64.c - the guest's files under the x86-64 ABI: the 144-byte struct
 * stat field by field, 16-byte iovecs, 64-bit offsets in one register (lseek, pread64,
 * pwrite64, ftruncate) past 4 GiB, and getdents64 offsets that are the host's own. */
#include "test_gos_util.h"

#include <dirent.h>
#include <sys/syscall.h>

/* x86-64 numbers used here (asm/unistd_64.h). */
enum {
    N64_read = 0, N64_write = 1, N64_open = 2, N64_close = 3, N64_stat = 4, N64_fstat = 5,
    N64_lstat = 6, N64_lseek = 8, N64_pread64 = 17, N64_pwrite64 = 18, N64_readv = 19,
    N64_writev = 20, N64_ftruncate = 77, N64_getdents64 = 217, N64_openat = 257,
    N64_newfstatat = 262,
};
#define G64_O_DIRECTORY 0200000u /* asm-generic/fcntl.h (x86 uses the generic value) */
#define FIVE_GIB (5ull << 30)

static uint64_t get64(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

static uint32_t get32(const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

/* Starts an x86-64 guest over a new temporary root (writable). */
static void start64(struct tg *t)
{
    tg_start_abi(t, 1, true, NULL, NULL, GOS_ABI_X86_64);
}

/* Opens path in the guest (x86-64 open); the fd. */
static int64_t gopen64(struct tg *t, const char *path, uint64_t flags)
{
    tg_put_str(t, STR_ADDR, path);
    return SC64(t, N64_open, STR_ADDR, flags, 0644);
}

/* Checks the x86-64 struct stat at guest address a against the host's st, field by field at
 * the asm/stat.h x86-64 offsets. */
static void check_stat(struct tg *t, uint32_t a, const struct stat *st)
{
    const uint8_t *p = tg_ptr(t, a);
    cr_expect_eq(get64(p + 0), (uint64_t)st->st_dev, "st_dev");
    cr_expect_eq(get64(p + 8), (uint64_t)st->st_ino, "st_ino");
    cr_expect_eq(get64(p + 16), (uint64_t)st->st_nlink, "st_nlink");
    cr_expect_eq(get32(p + 24), (uint32_t)st->st_mode, "st_mode");
    cr_expect_eq(get32(p + 28), (uint32_t)st->st_uid, "st_uid");
    cr_expect_eq(get32(p + 32), (uint32_t)st->st_gid, "st_gid");
    cr_expect_eq(get32(p + 36), 0u, "__pad0");
    cr_expect_eq(get64(p + 40), (uint64_t)st->st_rdev, "st_rdev");
    cr_expect_eq(get64(p + 48), (uint64_t)st->st_size, "st_size");
    cr_expect_eq(get64(p + 56), (uint64_t)st->st_blksize, "st_blksize");
    cr_expect_eq(get64(p + 64), (uint64_t)st->st_blocks, "st_blocks");
    cr_expect_eq(get64(p + 72), (uint64_t)st->st_atim.tv_sec, "st_atime");
    cr_expect_eq(get64(p + 80), (uint64_t)st->st_atim.tv_nsec, "st_atime_nsec");
    cr_expect_eq(get64(p + 88), (uint64_t)st->st_mtim.tv_sec, "st_mtime");
    cr_expect_eq(get64(p + 96), (uint64_t)st->st_mtim.tv_nsec, "st_mtime_nsec");
    cr_expect_eq(get64(p + 104), (uint64_t)st->st_ctim.tv_sec, "st_ctime");
    cr_expect_eq(get64(p + 112), (uint64_t)st->st_ctim.tv_nsec, "st_ctime_nsec");
    for (int i = 0; i < 3; i++)
        cr_expect_eq(get64(p + 120 + 8 * i), 0u, "__unused[%d]", i);
}

Test(gos_fs64, fstat_fills_the_144_byte_struct_stat)
{
    struct tg t;
    start64(&t);
    tg_file(&t, "f.txt", "twelve bytes");
    char hp[512];
    snprintf(hp, sizeof hp, "%s/f.txt", t.root);
    struct stat st;
    cr_assert(stat(hp, &st) == 0);
    int64_t fd = gopen64(&t, "/f.txt", G_O_RDONLY);
    cr_assert_geq(fd, 0);
    memset(tg_ptr(&t, BUF_ADDR), 0xa5, 0x400);
    cr_assert_eq(SC64(&t, N64_fstat, (uint64_t)fd, BUF_ADDR + 0x100), 0);
    check_stat(&t, BUF_ADDR + 0x100, &st);
    cr_expect_eq(get64(tg_ptr(&t, BUF_ADDR + 0x100 + 48)), 12u);
    /* the 144 bytes and no more */
    cr_expect_eq(tg_ptr(&t, BUF_ADDR + 0x100)[144], 0xa5);
    cr_expect_eq(tg_ptr(&t, BUF_ADDR + 0x100)[-1], 0xa5);
    /* stat, lstat and newfstatat write the same bytes */
    tg_put_str(&t, STR_ADDR, "/f.txt");
    cr_assert_eq(SC64(&t, N64_stat, STR_ADDR, BUF_ADDR + 0x200), 0);
    cr_assert_eq(SC64(&t, N64_lstat, STR_ADDR, BUF_ADDR + 0x300), 0);
    cr_assert_eq(SC64(&t, N64_newfstatat, (uint64_t)(int64_t)-100, STR_ADDR, BUF_ADDR + 0x400, 0),
                 0);
    for (uint32_t a = 0x200; a <= 0x400; a += 0x100)
        cr_expect_eq(memcmp(tg_ptr(&t, BUF_ADDR + 0x100), tg_ptr(&t, BUF_ADDR + a), 144), 0,
                     "stat at +0x%x differs from fstat", a);
    /* a buffer out of the guest's memory is EFAULT */
    cr_expect_eq(SC64(&t, N64_fstat, (uint64_t)fd, NOWHERE), -EFAULT);
    cr_expect_eq(SC64(&t, N64_close, (uint64_t)fd), 0);
    tg_stop(&t);
}

Test(gos_fs64, writev_and_readv_take_16_byte_iovecs)
{
    struct tg t;
    start64(&t);
    int64_t fd = gopen64(&t, "/v.txt", G_O_RDWR | G_O_CREAT);
    cr_assert_geq(fd, 0);
    tg_put_str(&t, BUF_ADDR + 0x1000, "hello, ");
    tg_put_str(&t, BUF_ADDR + 0x2000, "world\n");
    uint64_t iov[2][2] = {{BUF_ADDR + 0x1000, 7}, {BUF_ADDR + 0x2000, 6}};
    memcpy(tg_ptr(&t, BUF_ADDR), iov, sizeof iov);
    cr_assert_eq(SC64(&t, N64_writev, (uint64_t)fd, BUF_ADDR, 2), 13);
    char hp[512], got[64] = {0};
    snprintf(hp, sizeof hp, "%s/v.txt", t.root);
    FILE *f = fopen(hp, "r");
    cr_assert(f);
    cr_assert_eq(fread(got, 1, sizeof got - 1, f), 13u);
    fclose(f);
    cr_expect_str_eq(got, "hello, world\n");
    /* readv back into two pieces of 4 and 9 bytes */
    cr_assert_eq(SC64(&t, N64_lseek, (uint64_t)fd, 0, SEEK_SET), 0);
    uint64_t riov[2][2] = {{BUF_ADDR + 0x3000, 4}, {BUF_ADDR + 0x3800, 9}};
    memcpy(tg_ptr(&t, BUF_ADDR + 0x100), riov, sizeof riov);
    cr_assert_eq(SC64(&t, N64_readv, (uint64_t)fd, BUF_ADDR + 0x100, 2), 13);
    cr_expect_eq(memcmp(tg_ptr(&t, BUF_ADDR + 0x3000), "hell", 4), 0);
    cr_expect_eq(memcmp(tg_ptr(&t, BUF_ADDR + 0x3800), "o, world\n", 9), 0);
    /* a length with bit 32 set is a 64-bit length, not a truncated one: past SSIZE_MAX in
     * total is EINVAL */
    uint64_t big[2][2] = {{BUF_ADDR + 0x1000, 1}, {BUF_ADDR + 0x2000, UINT64_MAX >> 1}};
    memcpy(tg_ptr(&t, BUF_ADDR + 0x200), big, sizeof big);
    cr_expect_eq(SC64(&t, N64_writev, (uint64_t)fd, BUF_ADDR + 0x200, 2), -EINVAL);
    cr_expect_eq(SC64(&t, N64_close, (uint64_t)fd), 0);
    tg_stop(&t);
}

Test(gos_fs64, offsets_past_4_gib_are_exact)
{
    struct tg t;
    start64(&t);
    int64_t fd = gopen64(&t, "/sparse", G_O_RDWR | G_O_CREAT);
    cr_assert_geq(fd, 0);
    cr_assert_eq(SC64(&t, N64_ftruncate, (uint64_t)fd, FIVE_GIB), 0);
    char hp[512];
    snprintf(hp, sizeof hp, "%s/sparse", t.root);
    struct stat st;
    cr_assert(stat(hp, &st) == 0);
    cr_expect_eq((uint64_t)st.st_size, FIVE_GIB);
    cr_assert_eq(SC64(&t, N64_fstat, (uint64_t)fd, BUF_ADDR), 0);
    cr_expect_eq(get64(tg_ptr(&t, BUF_ADDR + 48)), FIVE_GIB, "st_size past 4 GiB");
    /* lseek to 4 GiB + 0x1234 and to the end */
    uint64_t at = (4ull << 30) + 0x1234;
    cr_expect_eq(SC64(&t, N64_lseek, (uint64_t)fd, at, SEEK_SET), (int64_t)at);
    cr_expect_eq(SC64(&t, N64_lseek, (uint64_t)fd, 0, SEEK_END), (int64_t)FIVE_GIB);
    cr_expect_eq(SC64(&t, N64_lseek, (uint64_t)fd, (uint64_t)-16, SEEK_CUR),
                 (int64_t)FIVE_GIB - 16);
    /* a write there lands at that host offset */
    tg_put_str(&t, BUF_ADDR + 0x100, "ABCDEFGH");
    cr_assert_eq(SC64(&t, N64_write, (uint64_t)fd, BUF_ADDR + 0x100, 8), 8);
    int h = open(hp, O_RDONLY);
    cr_assert_geq(h, 0);
    char hb[8];
    cr_assert_eq(pread(h, hb, 8, (off_t)(FIVE_GIB - 16)), 8);
    cr_expect_eq(memcmp(hb, "ABCDEFGH", 8), 0);
    /* pwrite64 and pread64 with the offset in a[3] alone; a[4] (i386's high half) ignored */
    tg_put_str(&t, BUF_ADDR + 0x200, "xyz");
    cr_assert_eq(SC64(&t, N64_pwrite64, (uint64_t)fd, BUF_ADDR + 0x200, 3, at, 0x77), 3);
    cr_assert_eq(pread(h, hb, 3, (off_t)at), 3);
    cr_expect_eq(memcmp(hb, "xyz", 3), 0);
    memset(tg_ptr(&t, BUF_ADDR + 0x300), 0, 16);
    cr_assert_eq(SC64(&t, N64_pread64, (uint64_t)fd, BUF_ADDR + 0x300, 8, FIVE_GIB - 16, 0x77),
                 8);
    cr_expect_eq(memcmp(tg_ptr(&t, BUF_ADDR + 0x300), "ABCDEFGH", 8), 0);
    /* pread64 did not move the file position (still after the write) */
    cr_expect_eq(SC64(&t, N64_lseek, (uint64_t)fd, 0, SEEK_CUR), (int64_t)FIVE_GIB - 8);
    /* negative offsets are EINVAL */
    cr_expect_eq(SC64(&t, N64_pread64, (uint64_t)fd, BUF_ADDR + 0x300, 8, (uint64_t)-1), -EINVAL);
    cr_expect_eq(SC64(&t, N64_lseek, (uint64_t)fd, (uint64_t)-1, SEEK_SET), -EINVAL);
    cr_expect_eq(SC64(&t, N64_ftruncate, (uint64_t)fd, (uint64_t)-1), -EINVAL);
    close(h);
    cr_expect_eq(SC64(&t, N64_close, (uint64_t)fd), 0);
    tg_stop(&t);
}

/* One entry the host's getdents64 returns: its name and d_off. */
struct dent {
    char name[64];
    uint64_t off;
};

/* Parses linux_dirent64 records (d_ino u64, d_off s64, d_reclen u16, d_type u8, name) from
 * p[0..n) into out; the count. */
static size_t parse_dents(const uint8_t *p, size_t n, struct dent *out, size_t max)
{
    size_t k = 0;
    for (size_t at = 0; at < n && k < max;) {
        uint16_t reclen;
        memcpy(&reclen, p + at + 16, 2);
        cr_assert_gt(reclen, 19u);
        snprintf(out[k].name, sizeof out[k].name, "%s", (const char *)p + at + 19);
        out[k].off = get64(p + at + 8);
        k++;
        at += reclen;
    }
    return k;
}

Test(gos_fs64, getdents64_offsets_are_the_hosts)
{
    struct tg t;
    start64(&t);
    const char *names[] = {"alpha", "beta", "gamma", "delta", "epsilon"};
    for (size_t i = 0; i < 5; i++)
        tg_file(&t, names[i], "x");
    /* the host's view */
    int h = open(t.root, O_RDONLY | O_DIRECTORY);
    cr_assert_geq(h, 0);
    uint8_t hbuf[4096];
    long hn = syscall(SYS_getdents64, h, hbuf, sizeof hbuf);
    cr_assert_gt(hn, 0);
    close(h);
    struct dent hd[16], gd[16];
    size_t nh = parse_dents(hbuf, (size_t)hn, hd, 16);
    cr_assert_eq(nh, 7u); /* . .. and five files */
    /* the guest's */
    tg_put_str(&t, STR_ADDR, "/");
    int64_t fd = SC64(&t, N64_openat, (uint64_t)(int64_t)-100, STR_ADDR,
                      G_O_RDONLY | G64_O_DIRECTORY, 0);
    cr_assert_geq(fd, 0);
    int64_t gn = SC64(&t, N64_getdents64, (uint64_t)fd, BUF_ADDR, 0x1000);
    cr_assert_gt(gn, 0);
    size_t ng = parse_dents(tg_ptr(&t, BUF_ADDR), (size_t)gn, gd, 16);
    cr_assert_eq(ng, nh);
    for (size_t i = 0; i < ng; i++) {
        cr_expect_str_eq(gd[i].name, hd[i].name, "entry %zu", i);
        cr_expect_eq(gd[i].off, hd[i].off, "d_off of %s: guest 0x%llx host 0x%llx", gd[i].name,
                     (unsigned long long)gd[i].off, (unsigned long long)hd[i].off);
    }
    cr_expect_eq(SC64(&t, N64_getdents64, (uint64_t)fd, BUF_ADDR, 0x1000), 0);
    /* seeking to an entry's d_off (a host offset) resumes after it, and lseek answers it */
    cr_expect_eq(SC64(&t, N64_lseek, (uint64_t)fd, gd[2].off, SEEK_SET), (int64_t)gd[2].off);
    gn = SC64(&t, N64_getdents64, (uint64_t)fd, BUF_ADDR, 0x1000);
    cr_assert_gt(gn, 0);
    struct dent rest[16];
    size_t nr = parse_dents(tg_ptr(&t, BUF_ADDR), (size_t)gn, rest, 16);
    cr_assert_eq(nr, ng - 3);
    cr_expect_str_eq(rest[0].name, gd[3].name);
    cr_expect_eq(SC64(&t, N64_lseek, (uint64_t)fd, 0, SEEK_CUR), (int64_t)gd[ng - 1].off);
    cr_expect_eq(SC64(&t, N64_close, (uint64_t)fd), 0);
    tg_stop(&t);
}
