/* tests/guest/test_gos_util.h - a guest OS over a fake guest memory for the gos tests:
 * a malloc'ed 16 MiB buffer at GUEST_BASE, one model (vpt-1.10/none/strict, modern costs), a
 * data region [GUEST_BASE, GUEST_BASE + DATA_SIZE) rw- for strings and buffers, the heap from
 * BRK_BASE and mmap below MMAP_TOP. */
#ifndef VKMMU_TEST_GOS_UTIL_H
#define VKMMU_TEST_GOS_UTIL_H

#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "guest_os.h"

#define GUEST_BASE 0x08000000u
#define GUEST_SIZE (16u << 20)
#define DATA_SIZE 0x10000u
#define BRK_BASE (GUEST_BASE + 0x100000u)
#define MMAP_TOP (GUEST_BASE + GUEST_SIZE)
#define STR_ADDR (GUEST_BASE + 0x0000u)  /* first path string */
#define STR2_ADDR (GUEST_BASE + 0x1000u) /* second path string */
#define BUF_ADDR (GUEST_BASE + 0x4000u)  /* a buffer of 0x8000 bytes */
#define NOWHERE 0x40000000u              /* in no region */

struct tg {
    uint8_t *ram;
    struct vk_set set;
    struct gos *g;
    char root[256];
    int out_pipe[2]; /* guest stdout -> test */
    bool own_root;   /* tg_stop removes the root */
};

static int tg_read(void *ctx, uint64_t addr, void *buf, size_t len)
{
    struct tg *t = ctx;
    if (addr < GUEST_BASE || (uint64_t)addr + len > (uint64_t)GUEST_BASE + GUEST_SIZE)
        return -1;
    memcpy(buf, t->ram + (addr - GUEST_BASE), len);
    return 0;
}

static int tg_write(void *ctx, uint64_t addr, const void *buf, size_t len)
{
    struct tg *t = ctx;
    if (addr < GUEST_BASE || (uint64_t)addr + len > (uint64_t)GUEST_BASE + GUEST_SIZE)
        return -1;
    memcpy(t->ram + (addr - GUEST_BASE), buf, len);
    return 0;
}

/* Host pointer of guest address a. */
static inline uint8_t *tg_ptr(struct tg *t, uint32_t a)
{
    return t->ram + (a - GUEST_BASE);
}

static inline void tg_put_str(struct tg *t, uint32_t a, const char *s)
{
    strcpy((char *)tg_ptr(t, a), s);
}

/* Writes a file under the test root. */
static inline void tg_file(struct tg *t, const char *rel, const char *content)
{
    char p[512];
    snprintf(p, sizeof p, "%s/%s", t->root, rel);
    FILE *f = fopen(p, "w");
    cr_assert(f, "cannot create %s", p);
    fputs(content, f);
    fclose(f);
}

/* A guest of ABI abi over root (NULL: a new temporary directory, removed by tg_stop). */
static inline void tg_start_abi(struct tg *t, uint64_t seed, bool writable, const char *exe,
                                const char *root, enum gos_abi abi)
{
    memset(t, 0, sizeof *t);
    t->ram = calloc(1, GUEST_SIZE);
    cr_assert(t->ram);
    if (root) {
        snprintf(t->root, sizeof t->root, "%s", root);
    } else {
        strcpy(t->root, "/tmp/vkmmu-gos-XXXXXX");
        cr_assert(mkdtemp(t->root));
        t->own_root = true;
    }
    cr_assert(pipe(t->out_pipe) == 0);
    vk_set_init(&t->set, MMU_ARCH_I386);
    struct vk_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.scheme = vk_scheme_find("vpt-1.10");
    char err[128];
    cr_assert(vk_policy_parse("none", &cfg.policy, err, sizeof err) == 0);
    cfg.dirty = vk_dirty_find("strict");
    cr_assert(vk_set_add(&t->set, &cfg, mmu_cost_profile_find("modern")->costs) == 0);
    struct gos_options o = {.root = t->root,
                            .writable = writable,
                            .seed = seed,
                            .stdin_fd = t->out_pipe[0],
                            .stdout_fd = t->out_pipe[1],
                            .stderr_fd = t->out_pipe[1],
                            .exe_path = exe,
                            .abi = abi};
    struct gos_mem mem = {tg_read, tg_write, t, NULL};
    t->g = gos_new(&o, &t->set, &mem);
    cr_assert(t->g, "gos_new: %s", strerror(errno));
    gos_set_brk_base(t->g, BRK_BASE);
    gos_set_mmap_top(t->g, MMAP_TOP);
    cr_assert(gos_map(t->g, GUEST_BASE, GUEST_BASE + DATA_SIZE, VK_PROT_R | VK_PROT_W, VK_ANON,
                      0, 0) == VK_OK);
}

/* An i386 guest over root (NULL: a new temporary directory, removed by tg_stop). */
static inline void tg_start_in(struct tg *t, uint64_t seed, bool writable, const char *exe,
                               const char *root)
{
    tg_start_abi(t, seed, writable, exe, root, GOS_ABI_I386);
}

static inline void tg_start(struct tg *t, uint64_t seed, bool writable, const char *exe)
{
    tg_start_in(t, seed, writable, exe, NULL);
}

static inline void tg_stop(struct tg *t)
{
    gos_free(t->g);
    vk_set_fini(&t->set);
    free(t->ram);
    close(t->out_pipe[0]);
    close(t->out_pipe[1]);
    if (t->own_root) {
        char cmd[300];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", t->root);
        cr_assert(system(cmd) == 0);
    }
}

/* One system call; returns eax as a signed value. */
static inline int32_t tg_call(struct tg *t, uint32_t nr, uint32_t b, uint32_t c, uint32_t d,
                              uint32_t s, uint32_t di, uint32_t bp)
{
    struct gos_regs r = {nr, {b, c, d, s, di, bp}, 0};
    int st = -1;
    enum gos_result res = gos_syscall(t->g, &r, &st);
    cr_assert(res == GOS_CONTINUE, "syscall %u: result %d (%s)", nr, res, gos_error(t->g));
    return (int32_t)r.ax;
}
#define SC(t, nr, ...) tg_call_v(t, nr, (uint32_t[6]){__VA_ARGS__})
static inline int32_t tg_call_v(struct tg *t, uint32_t nr, const uint32_t *a)
{
    return tg_call(t, nr, a[0], a[1], a[2], a[3], a[4], a[5]);
}

/* One system call with 64-bit arguments (x86-64 guests); returns rax as a signed value. */
static inline int64_t tg_call64(struct tg *t, uint32_t nr, const uint64_t *a)
{
    struct gos_regs r = {nr, {a[0], a[1], a[2], a[3], a[4], a[5]}, 0};
    int st = -1;
    enum gos_result res = gos_syscall(t->g, &r, &st);
    cr_assert(res == GOS_CONTINUE, "syscall %u: result %d (%s)", nr, res, gos_error(t->g));
    return (int64_t)r.ax;
}
#define SC64(t, nr, ...) tg_call64(t, nr, (uint64_t[6]){__VA_ARGS__})

static inline uint64_t tg_ctr(struct tg *t, const char *name)
{
    int i = mmu_counter_find(name);
    cr_assert(i >= 0);
    return vk_counters(t->set.m[0])->c[i];
}

/* Regions of the model, for exact checks. */
static inline const struct vk_region *tg_regions(struct tg *t, size_t *n)
{
    return vk_regions(t->set.m[0], n);
}

/* i386 numbers used by the tests (asm/unistd_32.h). */
enum {
    NR_exit = 1, NR_fork = 2, NR_read = 3, NR_write = 4, NR_open = 5, NR_close = 6,
    NR_unlink = 10, NR_ptrace = 26, NR_chdir = 12, NR_time = 13, NR_lseek = 19, NR_getpid = 20,
    NR_access = 33, NR_rename = 38, NR_mkdir = 39, NR_dup = 41, NR_pipe = 42, NR_brk = 45,
    NR_ioctl = 54, NR_dup2 = 63, NR_readlink = 85, NR_mmap = 90, NR_munmap = 91,
    NR_uname = 122, NR_mprotect = 125, NR__llseek = 140, NR_writev = 146,
    NR_nanosleep = 162, NR_mremap = 163, NR_getcwd = 183, NR_ugetrlimit = 191,
    NR_mmap2 = 192, NR_stat64 = 195, NR_lstat64 = 196, NR_fstat64 = 197, NR_getuid32 = 199,
    NR_madvise = 219, NR_getdents64 = 220, NR_fcntl64 = 221, NR_set_thread_area = 243,
    NR_exit_group = 252, NR_set_tid_address = 258, NR_clock_gettime = 265, NR_openat = 295,
    NR_fstatat64 = 300, NR_prlimit64 = 340, NR_getrandom = 355, NR_statx = 383,
    NR_rseq = 386, NR_clock_gettime64 = 403,
};
#define G_O_RDONLY 0u
#define G_O_WRONLY 1u
#define G_O_RDWR 2u
#define G_O_CREAT 0100u
#define G_O_NOFOLLOW 0400000u
#define G_AT_FDCWD ((uint32_t)-100)
#define PROT_R 1u
#define PROT_W 2u
#define MAP_PRIVATE_ANON 0x22u
#define MAP_PRIVATE_ 0x02u
#define MAP_FIXED_ 0x10u

#endif
