/* tests/guest/test_gos_fs.c - the guest's files: read/write through a temporary
 * root, the sandbox (`..`, absolute paths, symlinks, EROFS, /proc), stat layout, cwd, fds. */
#include "test_gos_util.h"

#include <signal.h>
#include <sys/stat.h>

static void mkdir_in(struct tg *t, const char *rel)
{
    char p[512];
    snprintf(p, sizeof p, "%s/%s", t->root, rel);
    cr_assert(mkdir(p, 0755) == 0);
}

static void symlink_in(struct tg *t, const char *target, const char *rel)
{
    char p[512];
    snprintf(p, sizeof p, "%s/%s", t->root, rel);
    cr_assert(symlink(target, p) == 0);
}

static int32_t open_path(struct tg *t, const char *path, uint32_t flags)
{
    tg_put_str(t, STR_ADDR, path);
    return SC(t, NR_open, STR_ADDR, flags, 0644);
}

/* Opens path and reads it into out (NUL-terminated); the read's result. */
static int32_t slurp(struct tg *t, const char *path, char *out, size_t max)
{
    int32_t fd = open_path(t, path, G_O_RDONLY);
    if (fd < 0)
        return fd;
    int32_t n = SC(t, NR_read, (uint32_t)fd, BUF_ADDR, (uint32_t)max - 1);
    cr_assert_eq(SC(t, NR_close, (uint32_t)fd), 0);
    if (n >= 0) {
        memcpy(out, tg_ptr(t, BUF_ADDR), (size_t)n);
        out[n] = 0;
    }
    return n;
}

Test(gos_fs, read_and_write_through_the_root)
{
    struct tg t;
    tg_start(&t, 1, false, NULL);
    tg_file(&t, "hello.txt", "hello world\n");
    int32_t fd = open_path(&t, "/hello.txt", G_O_RDONLY);
    cr_assert_eq(fd, 3);
    cr_assert_eq(SC(&t, NR_read, 3, BUF_ADDR, 100), 12);
    cr_expect_arr_eq(tg_ptr(&t, BUF_ADDR), "hello world\n", 12);
    cr_expect_eq(SC(&t, NR_read, 3, BUF_ADDR, 100), 0); /* end of file */
    /* _llseek back to 6 and read "world" */
    cr_assert_eq(SC(&t, NR__llseek, 3, 0, 6, BUF_ADDR + 0x100, 0 /* SEEK_SET */), 0);
    int64_t pos;
    memcpy(&pos, tg_ptr(&t, BUF_ADDR + 0x100), 8);
    cr_expect_eq(pos, 6);
    cr_assert_eq(SC(&t, NR_read, 3, BUF_ADDR, 5), 5);
    cr_expect_arr_eq(tg_ptr(&t, BUF_ADDR), "world", 5);
    cr_expect_eq(SC(&t, NR_close, 3), 0);
    cr_expect_eq(SC(&t, NR_close, 3), -EBADF);
    /* write to guest stdout = the test's pipe */
    memcpy(tg_ptr(&t, BUF_ADDR), "out!", 4);
    cr_assert_eq(SC(&t, NR_write, 1, BUF_ADDR, 4), 4);
    char got[8] = {0};
    cr_assert_eq(read(t.out_pipe[0], got, sizeof got), 4);
    cr_expect_str_eq(got, "out!");
    tg_stop(&t);
}

Test(gos_fs, writev_gathers_and_counts_one_access_per_buffer)
{
    struct tg t;
    tg_start(&t, 1, false, NULL);
    memcpy(tg_ptr(&t, BUF_ADDR), "abc", 3);
    memcpy(tg_ptr(&t, BUF_ADDR + 0x2000), "defg", 4);
    uint32_t iov[3][2] = {{BUF_ADDR, 3}, {BUF_ADDR + 0x2000, 4}, {BUF_ADDR, 0}};
    memcpy(tg_ptr(&t, BUF_ADDR + 0x100), iov, sizeof iov);
    uint64_t k0 = tg_ctr(&t, "access.kernel");
    cr_assert_eq(SC(&t, NR_writev, 1, BUF_ADDR + 0x100, 3), 7);
    cr_expect_eq(tg_ctr(&t, "access.kernel"), k0 + 3); /* the iovec array, two buffers */
    char got[8] = {0};
    cr_assert_eq(read(t.out_pipe[0], got, sizeof got), 7);
    cr_expect_str_eq(got, "abcdefg");
    tg_stop(&t);
}

Test(gos_fs, dotdot_cannot_leave_the_root)
{
    struct tg t;
    tg_start(&t, 1, false, NULL);
    mkdir_in(&t, "sub");
    tg_file(&t, "top.txt", "top\n");
    /* a file next to the root on the host, which the guest must not reach */
    char outside[512];
    snprintf(outside, sizeof outside, "%s-secret", t.root);
    FILE *f = fopen(outside, "w");
    cr_assert(f);
    fputs("secret\n", f);
    fclose(f);
    const char *base = strrchr(outside, '/') + 1;
    char rel[300], buf[64];
    snprintf(rel, sizeof rel, "../%s", base);
    cr_expect_eq(open_path(&t, rel, G_O_RDONLY), -ENOENT);
    snprintf(rel, sizeof rel, "/../../../%s", base);
    cr_expect_eq(open_path(&t, rel, G_O_RDONLY), -ENOENT);
    snprintf(rel, sizeof rel, "sub/../../%s", base);
    cr_expect_eq(open_path(&t, rel, G_O_RDONLY), -ENOENT);
    /* `..` at the root is the root */
    cr_expect_eq(slurp(&t, "../../top.txt", buf, sizeof buf), 4);
    cr_expect_str_eq(buf, "top\n");
    cr_expect_eq(slurp(&t, "/sub/../../top.txt", buf, sizeof buf), 4);
    unlink(outside);
    tg_stop(&t);
}

Test(gos_fs, absolute_paths_are_relative_to_the_root)
{
    struct tg t;
    tg_start(&t, 1, false, NULL);
    char buf[64];
    /* /etc/hostname exists on the host, not in the root */
    cr_expect_eq(open_path(&t, "/etc/hostname", G_O_RDONLY), -ENOENT);
    mkdir_in(&t, "etc");
    tg_file(&t, "etc/hostname", "guest\n");
    cr_expect_eq(slurp(&t, "/etc/hostname", buf, sizeof buf), 6);
    cr_expect_str_eq(buf, "guest\n");
    tg_stop(&t);
}

Test(gos_fs, symlinks_resolve_inside_the_root)
{
    struct tg t;
    tg_start(&t, 1, false, NULL);
    mkdir_in(&t, "d");
    symlink_in(&t, "/etc/passwd", "abs");
    symlink_in(&t, "../../../../../../etc/passwd", "d/rel");
    symlink_in(&t, "/", "rootlink");
    char buf[64];
    /* The host's /etc/passwd is never reached. */
    cr_expect_eq(open_path(&t, "abs", G_O_RDONLY), -ENOENT);
    cr_expect_eq(open_path(&t, "d/rel", G_O_RDONLY), -ENOENT);
    cr_expect_eq(open_path(&t, "rootlink/etc/passwd", G_O_RDONLY), -ENOENT);
    mkdir_in(&t, "etc");
    tg_file(&t, "etc/passwd", "inside\n");
    cr_expect_eq(slurp(&t, "abs", buf, sizeof buf), 7);
    cr_expect_str_eq(buf, "inside\n");
    cr_expect_eq(slurp(&t, "/d/rel", buf, sizeof buf), 7);
    cr_expect_str_eq(buf, "inside\n");
    cr_expect_eq(slurp(&t, "rootlink/rootlink/etc/passwd", buf, sizeof buf), 7);
    /* O_NOFOLLOW on a link is ELOOP; readlink gives the link's own text */
    cr_expect_eq(open_path(&t, "abs", G_O_RDONLY | G_O_NOFOLLOW), -ELOOP);
    tg_put_str(&t, STR_ADDR, "abs");
    cr_expect_eq(SC(&t, NR_readlink, STR_ADDR, BUF_ADDR, 64), 11);
    cr_expect_arr_eq(tg_ptr(&t, BUF_ADDR), "/etc/passwd", 11);
    /* a loop ends with ELOOP */
    symlink_in(&t, "loop", "loop");
    cr_expect_eq(open_path(&t, "loop", G_O_RDONLY), -ELOOP);
    tg_stop(&t);
}

Test(gos_fs, writes_are_refused_without_writable)
{
    struct tg t;
    tg_start(&t, 1, false, NULL);
    tg_file(&t, "f.txt", "x");
    cr_expect_eq(open_path(&t, "f.txt", G_O_WRONLY), -EROFS);
    cr_expect_eq(open_path(&t, "f.txt", G_O_RDWR), -EROFS);
    cr_expect_eq(open_path(&t, "new.txt", G_O_WRONLY | G_O_CREAT), -EROFS);
    tg_put_str(&t, STR_ADDR, "f.txt");
    tg_put_str(&t, STR2_ADDR, "g.txt");
    cr_expect_eq(SC(&t, NR_unlink, STR_ADDR), -EROFS);
    cr_expect_eq(SC(&t, NR_rename, STR_ADDR, STR2_ADDR), -EROFS);
    cr_expect_eq(SC(&t, NR_mkdir, STR2_ADDR, 0755), -EROFS);
    cr_expect_eq(SC(&t, NR_access, STR_ADDR, 2 /* W_OK */), -EROFS);
    cr_expect_eq(SC(&t, NR_access, STR_ADDR, 4 /* R_OK */), 0);
    cr_expect_eq(SC(&t, 15 /* chmod */, STR_ADDR, 0777), -EROFS);
    cr_expect_eq(SC(&t, 212 /* chown32 */, STR_ADDR, 1, 1), -EROFS);
    cr_expect_eq(SC(&t, 83 /* symlink */, STR_ADDR, STR2_ADDR), -EROFS);
    cr_expect_eq(SC(&t, 9 /* link */, STR_ADDR, STR2_ADDR), -EROFS);
    cr_expect_eq(SC(&t, 320 /* utimensat */, G_AT_FDCWD, STR_ADDR, 0, 0), -EROFS);
    struct stat st;
    char p[512];
    snprintf(p, sizeof p, "%s/f.txt", t.root);
    cr_expect_eq(stat(p, &st), 0); /* still there */
    snprintf(p, sizeof p, "%s/new.txt", t.root);
    cr_expect_eq(stat(p, &st), -1);
    tg_stop(&t);
}

Test(gos_fs, writable_root_allows_create_rename_unlink)
{
    struct tg t;
    tg_start(&t, 1, true, NULL);
    int32_t fd = open_path(&t, "new.txt", G_O_WRONLY | G_O_CREAT);
    cr_assert_eq(fd, 3);
    memcpy(tg_ptr(&t, BUF_ADDR), "data", 4);
    cr_expect_eq(SC(&t, NR_write, 3, BUF_ADDR, 4), 4);
    cr_expect_eq(SC(&t, NR_close, 3), 0);
    tg_put_str(&t, STR_ADDR, "new.txt");
    tg_put_str(&t, STR2_ADDR, "dir");
    cr_expect_eq(SC(&t, NR_mkdir, STR2_ADDR, 0755), 0);
    tg_put_str(&t, STR2_ADDR, "dir/moved.txt");
    cr_expect_eq(SC(&t, NR_rename, STR_ADDR, STR2_ADDR), 0);
    char buf[16];
    cr_expect_eq(slurp(&t, "/dir/moved.txt", buf, sizeof buf), 4);
    cr_expect_str_eq(buf, "data");
    cr_expect_eq(SC(&t, NR_unlink, STR2_ADDR), 0);
    cr_expect_eq(open_path(&t, "/dir/moved.txt", G_O_RDONLY), -ENOENT);
    tg_stop(&t);
}

Test(gos_fs, proc_self_exe_is_the_guest_path_and_other_proc_is_absent)
{
    struct tg t;
    /* an exe outside the root: the text given */
    tg_start(&t, 1, false, "/nonexistent/prog");
    tg_put_str(&t, STR_ADDR, "/proc/self/exe");
    cr_expect_eq(SC(&t, NR_readlink, STR_ADDR, BUF_ADDR, 100), 17);
    cr_expect_arr_eq(tg_ptr(&t, BUF_ADDR), "/nonexistent/prog", 17);
    cr_expect_eq(SC(&t, NR_readlink, STR_ADDR, BUF_ADDR, 5), 5); /* truncated, no NUL */
    tg_stop(&t);

    /* an exe inside the root: its path from the root */
    char exe[300];
    struct tg u;
    tg_start(&u, 1, false, NULL);
    mkdir_in(&u, "bin");
    tg_file(&u, "bin/prog", "\x7f" "ELF");
    snprintf(exe, sizeof exe, "%s/bin/prog", u.root);
    gos_free(u.g);
    struct gos_options o = {.root = u.root, .seed = 1, .stdin_fd = -1, .stdout_fd = -1,
                            .stderr_fd = -1, .exe_path = exe};
    struct gos_mem mem = {tg_read, tg_write, &u, NULL};
    u.g = gos_new(&o, &u.set, &mem);
    cr_assert(u.g);
    tg_put_str(&u, STR_ADDR, "/proc/self/exe");
    cr_expect_eq(SC(&u, NR_readlink, STR_ADDR, BUF_ADDR, 100), 9);
    cr_expect_arr_eq(tg_ptr(&u, BUF_ADDR), "/bin/prog", 9);
    tg_put_str(&u, STR_ADDR, "/proc/1000/exe");
    cr_expect_eq(SC(&u, NR_readlink, STR_ADDR, BUF_ADDR, 100), 9);
    cr_expect_eq(open_path(&u, "/proc/cpuinfo", G_O_RDONLY), -ENOENT);
    cr_expect_eq(open_path(&u, "/proc/self/exe", G_O_RDONLY), -ENOENT);
    tg_put_str(&u, STR_ADDR, "/proc/self/maps");
    cr_expect_eq(SC(&u, NR_readlink, STR_ADDR, BUF_ADDR, 100), -ENOENT);
    tg_stop(&u);
}

Test(gos_fs, stat64_has_the_i386_layout)
{
    struct tg t;
    tg_start(&t, 1, false, NULL);
    tg_file(&t, "f.txt", "12345");
    tg_put_str(&t, STR_ADDR, "/f.txt");
    memset(tg_ptr(&t, BUF_ADDR), 0xFF, 200);
    uint64_t k0 = tg_ctr(&t, "access.kernel");
    cr_assert_eq(SC(&t, NR_stat64, STR_ADDR, BUF_ADDR), 0);
    cr_expect_eq(tg_ctr(&t, "access.kernel"), k0 + 2); /* the path, the struct */
    char p[512];
    struct stat st;
    snprintf(p, sizeof p, "%s/f.txt", t.root);
    cr_assert_eq(stat(p, &st), 0);
    uint8_t *b = tg_ptr(&t, BUF_ADDR);
    uint32_t mode, ino32;
    int64_t size;
    uint64_t ino;
    memcpy(&mode, b + 16, 4);
    memcpy(&size, b + 44, 8);
    memcpy(&ino32, b + 12, 4);
    memcpy(&ino, b + 88, 8);
    cr_expect_eq(mode, st.st_mode);
    cr_expect_eq(size, 5);
    cr_expect_eq(ino, (uint64_t)st.st_ino);
    cr_expect_eq(ino32, (uint32_t)st.st_ino);
    cr_expect_eq(b[96], 0xFF); /* 96 bytes, no more */
    /* fstat64 and fstatat64 agree */
    int32_t fd = open_path(&t, "f.txt", G_O_RDONLY);
    cr_assert_eq(SC(&t, NR_fstat64, (uint32_t)fd, BUF_ADDR + 0x200), 0);
    cr_expect_arr_eq(b + 0x200, b, 96);
    tg_put_str(&t, STR_ADDR, "f.txt");
    cr_assert_eq(SC(&t, NR_fstatat64, G_AT_FDCWD, STR_ADDR, BUF_ADDR + 0x400, 0), 0);
    cr_expect_arr_eq(b + 0x400, b, 96);
    cr_expect_eq(SC(&t, NR_statx, G_AT_FDCWD, STR_ADDR, 0, 0x7ff, BUF_ADDR), -ENOSYS);
    tg_stop(&t);
}

Test(gos_fs, getcwd_and_chdir_stay_inside)
{
    struct tg t;
    tg_start(&t, 1, false, NULL);
    mkdir_in(&t, "a");
    mkdir_in(&t, "a/b");
    tg_file(&t, "a/b/f", "F");
    cr_assert_eq(SC(&t, NR_getcwd, BUF_ADDR, 100), 2);
    cr_expect_str_eq((char *)tg_ptr(&t, BUF_ADDR), "/");
    tg_put_str(&t, STR_ADDR, "a/b");
    cr_assert_eq(SC(&t, NR_chdir, STR_ADDR), 0);
    cr_assert_eq(SC(&t, NR_getcwd, BUF_ADDR, 100), 5);
    cr_expect_str_eq((char *)tg_ptr(&t, BUF_ADDR), "/a/b");
    cr_expect_eq(SC(&t, NR_getcwd, BUF_ADDR, 4), -ERANGE);
    char buf[8];
    cr_expect_eq(slurp(&t, "f", buf, sizeof buf), 1);
    tg_put_str(&t, STR_ADDR, "../../../..");
    cr_assert_eq(SC(&t, NR_chdir, STR_ADDR), 0);
    cr_assert_eq(SC(&t, NR_getcwd, BUF_ADDR, 100), 2);
    cr_expect_str_eq((char *)tg_ptr(&t, BUF_ADDR), "/");
    tg_put_str(&t, STR_ADDR, "a/b/f");
    cr_expect_eq(SC(&t, NR_chdir, STR_ADDR), -ENOTDIR);
    tg_stop(&t);
}

Test(gos_fs, getdents64_lists_the_directory)
{
    struct tg t;
    tg_start(&t, 1, false, NULL);
    tg_file(&t, "only.txt", "x");
    tg_put_str(&t, STR_ADDR, "/");
    int32_t fd = SC(&t, NR_openat, G_AT_FDCWD, STR_ADDR, 0200000 /* O_DIRECTORY */, 0);
    cr_assert_eq(fd, 3);
    int32_t n = SC(&t, NR_getdents64, 3, BUF_ADDR, 0x1000);
    cr_assert_gt(n, 0);
    /* walk the records: ".", "..", "only.txt" in some order */
    int seen = 0, count = 0;
    for (int32_t off = 0; off < n;) {
        uint8_t *d = tg_ptr(&t, BUF_ADDR + (uint32_t)off);
        uint16_t reclen;
        memcpy(&reclen, d + 16, 2);
        const char *name = (const char *)d + 19;
        if (strcmp(name, "only.txt") == 0)
            seen = 1;
        count++;
        off += reclen;
    }
    cr_expect_eq(seen, 1);
    cr_expect_eq(count, 3);
    cr_expect_eq(SC(&t, NR_getdents64, 3, BUF_ADDR, 0x1000), 0);
    tg_stop(&t);
}

/* An i386 readdir refuses a d_off beyond 32 bits (EOVERFLOW): offsets are small cookies,
 * 1, 2, 3..., and seeking to one resumes after that entry. */
Test(gos_fs, getdents64_offsets_are_small_cookies_that_seek)
{
    struct tg t;
    tg_start(&t, 1, false, NULL);
    tg_file(&t, "a", "x");
    tg_file(&t, "b", "x");
    tg_put_str(&t, STR_ADDR, "/");
    cr_assert_eq(SC(&t, NR_openat, G_AT_FDCWD, STR_ADDR, 0200000, 0), 3);
    int32_t n = SC(&t, NR_getdents64, 3, BUF_ADDR, 0x1000);
    cr_assert_gt(n, 0);
    uint64_t offs[8];
    int count = 0;
    for (int32_t off = 0; off < n && count < 8;) {
        uint8_t *d = tg_ptr(&t, BUF_ADDR + (uint32_t)off);
        uint16_t reclen;
        memcpy(&offs[count++], d + 8, 8);
        memcpy(&reclen, d + 16, 2);
        off += reclen;
    }
    cr_assert_eq(count, 4);
    cr_expect_eq(offs[0], 1);
    cr_expect_eq(offs[1], 2);
    cr_expect_eq(offs[2], 3);
    cr_expect_eq(offs[3], 4);
    /* seek to the first entry's cookie: the next read starts at the second */
    cr_assert_eq(SC(&t, NR__llseek, 3, 0, 1, BUF_ADDR + 0x2000, 0), 0);
    int64_t pos;
    memcpy(&pos, tg_ptr(&t, BUF_ADDR + 0x2000), 8);
    cr_expect_eq(pos, 1);
    n = SC(&t, NR_getdents64, 3, BUF_ADDR, 0x1000);
    int again = 0;
    for (int32_t off = 0; off < n; again++) {
        uint16_t reclen;
        memcpy(&reclen, tg_ptr(&t, BUF_ADDR + (uint32_t)off) + 16, 2);
        off += reclen;
    }
    cr_expect_eq(again, 3);
    cr_expect_eq(SC(&t, NR__llseek, 3, 0, 99, BUF_ADDR + 0x2000, 0), -EINVAL);
    tg_stop(&t);
}

Test(gos_fs, fds_dup_dup2_pipe_fcntl)
{
    struct tg t;
    tg_start(&t, 1, false, NULL);
    cr_assert_eq(SC(&t, NR_pipe, BUF_ADDR), 0);
    int32_t p[2];
    memcpy(p, tg_ptr(&t, BUF_ADDR), 8);
    cr_expect_eq(p[0], 3);
    cr_expect_eq(p[1], 4);
    cr_expect_eq(SC(&t, NR_dup, 4), 5);
    cr_expect_eq(SC(&t, NR_dup2, 5, 9), 9);
    memcpy(tg_ptr(&t, BUF_ADDR), "pipe", 4);
    cr_expect_eq(SC(&t, NR_write, 9, BUF_ADDR, 4), 4);
    cr_expect_eq(SC(&t, NR_read, 3, BUF_ADDR + 0x10, 10), 4);
    cr_expect_arr_eq(tg_ptr(&t, BUF_ADDR + 0x10), "pipe", 4);
    cr_expect_eq(SC(&t, NR_fcntl64, 9, 1 /* F_GETFD */), 0);
    cr_expect_eq(SC(&t, NR_fcntl64, 9, 2 /* F_SETFD */, 1), 0);
    cr_expect_eq(SC(&t, NR_fcntl64, 9, 1 /* F_GETFD */), 1);
    cr_expect_eq(SC(&t, NR_fcntl64, 3, 1030 /* F_DUPFD_CLOEXEC */, 20), 20);
    cr_expect_eq(SC(&t, NR_fcntl64, 4, 3 /* F_GETFL */) & 3, 1 /* O_WRONLY */);
    cr_expect_eq(SC(&t, NR_dup2, 50, 51), -EBADF);
    cr_expect_eq(SC(&t, NR_ioctl, 1, 0x5401 /* TCGETS */, BUF_ADDR), -ENOTTY);
    cr_expect_eq(SC(&t, NR_ioctl, 1, 0x5413 /* TIOCGWINSZ */, BUF_ADDR), -ENOTTY);
    cr_expect_eq(SC(&t, NR_ioctl, 60, 0x5401, BUF_ADDR), -EBADF);
    tg_stop(&t);
}

Test(gos_fs, bad_buffers_fail_with_efault)
{
    struct tg t;
    tg_start(&t, 1, false, NULL);
    tg_file(&t, "f.txt", "abc");
    int32_t fd = open_path(&t, "f.txt", G_O_RDONLY);
    cr_assert_eq(fd, 3);
    cr_expect_eq(SC(&t, NR_read, 3, NOWHERE, 3), -EFAULT);
    /* the bytes were not consumed */
    cr_expect_eq(SC(&t, NR_read, 3, BUF_ADDR, 3), 3);
    cr_expect_eq(SC(&t, NR_write, 1, NOWHERE, 3), -EFAULT);
    cr_expect_eq(SC(&t, NR_open, NOWHERE, 0), -EFAULT);
    cr_expect_eq(SC(&t, NR_stat64, NOWHERE, BUF_ADDR), -EFAULT);
    tg_put_str(&t, STR_ADDR, "f.txt");
    cr_expect_eq(SC(&t, NR_stat64, STR_ADDR, NOWHERE), -EFAULT);
    /* a buffer that runs off the end of its region */
    cr_expect_eq(SC(&t, NR_read, 3, GUEST_BASE + DATA_SIZE - 2, 3), 0); /* at EOF: nothing */
    cr_expect_eq(SC(&t, NR__llseek, 3, 0, 0, BUF_ADDR, 0), 0);
    cr_expect_eq(SC(&t, NR_read, 3, GUEST_BASE + DATA_SIZE - 2, 3), -EFAULT);
    /* read-only memory cannot be read into */
    int32_t ro = SC(&t, NR_mmap2, 0, 0x1000, PROT_R, MAP_PRIVATE_ANON, (uint32_t)-1, 0);
    cr_expect_eq(SC(&t, NR_read, 3, (uint32_t)ro, 3), -EFAULT);
    /* above user space, whatever the regions */
    cr_expect_eq(SC(&t, NR_read, 3, 0xC0000000u, 3), -EFAULT);
    tg_stop(&t);
}

Test(gos_fs, write_to_a_closed_pipe_kills_with_sigpipe_unless_ignored)
{
    signal(SIGPIPE, SIG_IGN); /* as vkmmu itself must, to see EPIPE */
    struct tg t;
    tg_start(&t, 1, false, NULL);
    cr_assert_eq(SC(&t, NR_pipe, BUF_ADDR), 0); /* fds 3, 4 */
    cr_assert_eq(SC(&t, NR_close, 3), 0);
    /* the guest ignores SIGPIPE: EPIPE */
    uint32_t act[5] = {1 /* SIG_IGN */, 0, 0, 0, 0};
    memcpy(tg_ptr(&t, BUF_ADDR + 0x100), act, 20);
    cr_assert_eq(SC(&t, 174 /* rt_sigaction */, 13, BUF_ADDR + 0x100, 0, 8), 0);
    cr_expect_eq(SC(&t, NR_write, 4, BUF_ADDR, 4), -EPIPE);
    /* default action: the guest dies of signal 13 */
    act[0] = 0;
    memcpy(tg_ptr(&t, BUF_ADDR + 0x100), act, 20);
    cr_assert_eq(SC(&t, 174, 13, BUF_ADDR + 0x100, 0, 8), 0);
    struct gos_regs r = {NR_write, {4, BUF_ADDR, 4, 0, 0, 0}, 0};
    int st = -1;
    cr_expect_eq(gos_syscall(t.g, &r, &st), GOS_EXIT);
    cr_expect_eq(st, 141);
    cr_expect_eq(gos_exit_signal(t.g), 13);
    tg_stop(&t);
}

Test(gos_fs, a_fifo_can_be_opened_for_writing_in_a_read_only_root)
{
    struct tg t;
    tg_start(&t, 1, false, NULL);
    char p[512];
    snprintf(p, sizeof p, "%s/fifo", t.root);
    cr_assert_eq(mkfifo(p, 0600), 0);
    cr_expect_eq(open_path(&t, "fifo", G_O_RDWR), 3);
    cr_expect_eq(open_path(&t, "fifo", G_O_RDWR | G_O_CREAT | 0200 /* O_EXCL */), -EROFS);
    tg_stop(&t);
}

Test(gos_fs, openat_is_relative_to_the_directory_fd)
{
    struct tg t;
    tg_start(&t, 1, false, NULL);
    mkdir_in(&t, "a");
    tg_file(&t, "a/f", "in a\n");
    tg_file(&t, "f", "at root\n");
    tg_put_str(&t, STR_ADDR, "/a");
    cr_assert_eq(SC(&t, NR_openat, G_AT_FDCWD, STR_ADDR, 0200000 /* O_DIRECTORY */, 0), 3);
    tg_put_str(&t, STR_ADDR, "f");
    cr_assert_eq(SC(&t, NR_openat, 3, STR_ADDR, G_O_RDONLY, 0), 4);
    /* readv scatters into two buffers */
    uint32_t iov[2][2] = {{BUF_ADDR, 2}, {BUF_ADDR + 0x1000, 10}};
    memcpy(tg_ptr(&t, BUF_ADDR + 0x2000), iov, sizeof iov);
    cr_assert_eq(SC(&t, 145 /* readv */, 4, BUF_ADDR + 0x2000, 2), 5);
    cr_expect_arr_eq(tg_ptr(&t, BUF_ADDR), "in", 2);
    cr_expect_arr_eq(tg_ptr(&t, BUF_ADDR + 0x1000), " a\n", 3);
    /* `..` from the directory fd, and the fd itself with AT_EMPTY_PATH */
    tg_put_str(&t, STR_ADDR, "../f");
    cr_assert_eq(SC(&t, NR_openat, 3, STR_ADDR, G_O_RDONLY, 0), 5);
    cr_expect_eq(SC(&t, NR_read, 5, BUF_ADDR, 64), 8);
    tg_put_str(&t, STR_ADDR, "");
    cr_assert_eq(SC(&t, NR_fstatat64, 3, STR_ADDR, BUF_ADDR, 0x1000 /* AT_EMPTY_PATH */), 0);
    uint32_t mode;
    memcpy(&mode, tg_ptr(&t, BUF_ADDR + 16), 4);
    cr_expect(S_ISDIR(mode));
    cr_expect_eq(SC(&t, NR_fstatat64, 3, STR_ADDR, BUF_ADDR, 0), -ENOENT);
    /* a file fd is not a directory */
    tg_put_str(&t, STR_ADDR, "x");
    cr_expect_eq(SC(&t, NR_openat, 4, STR_ADDR, G_O_RDONLY, 0), -ENOTDIR);
    cr_expect_eq(SC(&t, NR_openat, 40, STR_ADDR, G_O_RDONLY, 0), -EBADF);
    tg_stop(&t);
}

Test(gos_fs, utimensat_now_is_the_virtual_clock)
{
    struct tg t;
    tg_start(&t, 42, true, NULL);
    tg_file(&t, "f", "x");
    tg_put_str(&t, STR_ADDR, "f");
    cr_assert_eq(SC(&t, 320 /* utimensat */, G_AT_FDCWD, STR_ADDR, 0, 0), 0);
    char p[512];
    struct stat st;
    snprintf(p, sizeof p, "%s/f", t.root);
    cr_assert_eq(stat(p, &st), 0);
    /* seed 42: 1704085502.459587458 plus one 1 us clock step */
    cr_expect_eq(st.st_mtim.tv_sec, 1704085502);
    cr_expect_eq(st.st_mtim.tv_nsec, 459588458);
    cr_expect_eq(st.st_atim.tv_sec, 1704085502);
    tg_stop(&t);
}

/* A gos over t's root (writable) with the sysroot t->root "-sys", which holds etc/data, the
 * links d/rel -> ../../secret, d/abs -> /etc/data and d/up -> ../../..; "secret" sits next to
 * both trees. */
static void start_with_sysroot(struct tg *t, char *sys, size_t n)
{
    char p[600];
    tg_start(t, 1, true, NULL);
    snprintf(sys, n, "%s-sys", t->root);
    const char *dirs[] = {"", "/etc", "/d"};
    for (size_t i = 0; i < 3; i++) {
        snprintf(p, sizeof p, "%s%s", sys, dirs[i]);
        cr_assert(mkdir(p, 0755) == 0);
    }
    snprintf(p, sizeof p, "%s/etc/data", sys);
    FILE *f = fopen(p, "w");
    cr_assert(f && fputs("sysdata", f) >= 0 && fclose(f) == 0);
    snprintf(p, sizeof p, "%s-secret", t->root);
    f = fopen(p, "w");
    cr_assert(f && fputs("SECRET", f) >= 0 && fclose(f) == 0);
    const char *links[][2] = {{"../../secret", "rel"}, {"/etc/data", "abs"}, {"../../..", "up"}};
    for (size_t i = 0; i < 3; i++) {
        snprintf(p, sizeof p, "%s/d/%s", sys, links[i][1]);
        cr_assert(symlink(links[i][0], p) == 0);
    }
    gos_free(t->g);
    struct gos_options o = {.root = t->root, .sysroot = sys, .writable = true, .seed = 1,
                            .stdin_fd = -1, .stdout_fd = -1, .stderr_fd = -1};
    struct gos_mem mem = {tg_read, tg_write, t, NULL};
    t->g = gos_new(&o, &t->set, &mem);
    cr_assert(t->g);
}

Test(gos_fs, sysroot_is_read_only_and_cannot_be_left)
{
    struct tg t;
    char sys[300], buf[64], cmd[700];
    start_with_sysroot(&t, sys, sizeof sys);
    cr_expect_eq(slurp(&t, "/etc/data", buf, sizeof buf), 7);
    cr_expect_str_eq(buf, "sysdata");
    cr_expect_eq(slurp(&t, "/d/abs", buf, sizeof buf), 7); /* /etc/data in the sysroot */
    cr_expect_eq(slurp(&t, "/d/rel", buf, sizeof buf), -ENOENT);
    cr_expect_eq(slurp(&t, "/d/up/secret", buf, sizeof buf), -ENOENT);
    cr_expect_eq(slurp(&t, "/../secret", buf, sizeof buf), -ENOENT);
    /* every change to a sysroot path is EROFS, --writable or not */
    cr_expect_eq(open_path(&t, "/etc/data", G_O_WRONLY), -EROFS);
    cr_expect_eq(open_path(&t, "/etc/new", G_O_WRONLY | G_O_CREAT), -EROFS);
    tg_put_str(&t, STR_ADDR, "/etc/data");
    cr_expect_eq(SC(&t, NR_unlink, STR_ADDR), -EROFS);
    cr_expect_eq(SC(&t, NR_access, STR_ADDR, 2 /* W_OK */), -EROFS);
    cr_expect_eq(SC(&t, NR_access, STR_ADDR, 4 /* R_OK */), 0);
    tg_put_str(&t, STR_ADDR, "/etc/m");
    cr_expect_eq(SC(&t, NR_mkdir, STR_ADDR, 0755), -EROFS);
    tg_put_str(&t, STR_ADDR, "/etc/data");
    tg_put_str(&t, STR_ADDR + 0x100, "/moved");
    cr_expect_eq(SC(&t, NR_rename, STR_ADDR, STR_ADDR + 0x100), -EROFS);
    /* a file the root lacks and whose directory the root has is created in the root */
    int32_t fd = open_path(&t, "/new", G_O_WRONLY | G_O_CREAT);
    cr_expect_geq(fd, 0);
    cr_expect_eq(SC(&t, NR_close, (uint32_t)fd), 0);
    char p[600];
    struct stat st;
    snprintf(p, sizeof p, "%s/new", t.root);
    cr_expect_eq(stat(p, &st), 0);
    snprintf(p, sizeof p, "%s/etc/data", sys);
    cr_expect(stat(p, &st) == 0 && st.st_size == 7);
    snprintf(cmd, sizeof cmd, "rm -rf '%s' '%s-secret'", sys, t.root);
    tg_stop(&t);
    cr_assert(system(cmd) == 0);
}
