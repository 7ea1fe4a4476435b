/* guest/gos_fs.c - the guest's files: a table of guest fds over host fds, and the
 * sandbox.  The guest sees only the tree under opts->root.  Every guest path is resolved here,
 * component by component from the root's directory fd: `..` stops at the root, symlinks are
 * read with readlinkat and expanded by gos (an absolute target restarts at the root), and each
 * step opens the next directory with O_PATH|O_NOFOLLOW, so the host never follows a link and
 * a link swapped in during a call fails (ELOOP/ENOTDIR) instead of leaving the root.
 * Writes are refused with EROFS unless opts->writable. */
#include "gos_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/vfs.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

/* i386 open flags (asm-generic/fcntl.h; x86 uses the generic values). */
#define G_O_ACCMODE 03u
#define G_O_RDONLY 00u
#define G_O_CREAT 0100u
#define G_O_EXCL 0200u
#define G_O_NOCTTY 0400u
#define G_O_TRUNC 01000u
#define G_O_APPEND 02000u
#define G_O_NONBLOCK 04000u
#define G_O_DSYNC 010000u
#define G_O_DIRECT 040000u
#define G_O_LARGEFILE 0100000u
#define G_O_DIRECTORY 0200000u
#define G_O_NOFOLLOW 0400000u
#define G_O_NOATIME 01000000u
#define G_O_CLOEXEC 02000000u
#define G_O_SYNC 04010000u
#define G_O_PATH 010000000u
#define G_O_TMPFILE 020000000u
#define G_AT_FDCWD (-100)
#define G_AT_SYMLINK_NOFOLLOW 0x100u
#define G_AT_REMOVEDIR 0x200u
#define G_AT_EMPTY_PATH 0x1000u
#define G_STAT64_SIZE 96u
#define G_MAX_LINKS 40 /* MAXSYMLINKS */
#define G_IOV_MAX 1024

/* ---- the fd table ------------------------------------------------------------------------ */

int gos_host_fd(const struct gos *g, int32_t gfd)
{
    if (gfd < 0 || gfd >= GOS_NFDS)
        return -1;
    return g->fds[gfd].host;
}

/* Installs host fd h at the lowest free guest fd >= min; the guest fd or -EMFILE (h closed). */
static int32_t fd_install(struct gos *g, int h, int32_t min, bool cloexec, const char *path)
{
    for (int32_t i = min < 0 ? 0 : min; i < GOS_NFDS; i++) {
        if (g->fds[i].host >= 0)
            continue;
        char *p = NULL;
        if (path && !(p = strdup(path))) {
            close(h);
            gos_fail(g, "out of memory (fd table)");
            return -ENOMEM;
        }
        g->fds[i] = (struct gos_fd){h, cloexec, p, NULL, false, false, false};
        return i;
    }
    close(h);
    return -EMFILE;
}

int32_t gos_fd_install(struct gos *g, int h, bool cloexec)
{
    return fd_install(g, h, 0, cloexec, NULL);
}

static void fd_release(struct gos *g, int32_t gfd);
void gos_fd_release(struct gos *g, int32_t gfd)
{
    fd_release(g, gfd);
}

static void dircook_free(struct gos_dircook *dc)
{
    if (!dc)
        return;
    mmu_hmap_fini(&dc->idx);
    free(dc->offs);
    free(dc);
}

/* The cookie for host directory offset off (registering it); 0 when out of memory. */
static uint64_t dircook_of(struct gos *g, struct gos_dircook *dc, uint64_t off)
{
    if (off == 0)
        return 0;
    uintptr_t i = (uintptr_t)mmu_hmap_get(&dc->idx, off);
    if (i)
        return i;
    if (dc->n == dc->cap) {
        size_t cap = dc->cap ? dc->cap * 2 : 64;
        uint64_t *p = realloc(dc->offs, cap * sizeof *p);
        if (!p) {
            gos_fail(g, "out of memory (directory offsets)");
            return 0;
        }
        dc->offs = p;
        dc->cap = cap;
    }
    dc->offs[dc->n++] = off;
    if (mmu_hmap_put(&dc->idx, off, (void *)(uintptr_t)dc->n) != 0) {
        gos_fail(g, "out of memory (directory offsets)");
        return 0;
    }
    return dc->n;
}

/* Host offset for a directory lseek to guest offset c: 0 and -1 when c is not a cookie. */
static int dircook_host(const struct gos_dircook *dc, int64_t c, int64_t *host)
{
    if (c == 0) {
        *host = 0;
        return 0;
    }
    if (c < 0 || (uint64_t)c > dc->n)
        return -1;
    *host = (int64_t)dc->offs[c - 1];
    return 0;
}

static void fd_release(struct gos *g, int32_t gfd)
{
    struct gos_fd *f = &g->fds[gfd];
    if (f->host >= 0)
        close(f->host);
    free(f->path);
    dircook_free(f->dc);
    *f = (struct gos_fd){-1, false, NULL, NULL, false, false, false};
}

/* A host-side duplicate that does not leak into children of the host process. */
static int host_dup(int h)
{
    return fcntl(h, F_DUPFD_CLOEXEC, 0);
}

/* The exe path as the guest sees it: inside the root, its path from the root; otherwise the
 * text given (the engine chose it). */
static int set_guest_exe(struct gos *g)
{
    char *re = realpath(g->exe_path, NULL), *rr = realpath(g->root, NULL);
    if (re && rr) {
        size_t n = strlen(rr);
        const char *rest = NULL;
        if (strcmp(rr, "/") == 0)
            rest = re;
        else if (strncmp(re, rr, n) == 0 && re[n] == '/')
            rest = re + n;
        if (rest) {
            char *p = strdup(rest);
            if (p) {
                free(g->exe_path);
                g->exe_path = p;
                g->opt.exe_path = p;
            }
        }
    }
    free(re);
    free(rr);
    return 0;
}

int gos_fs_init(struct gos *g)
{
    for (int i = 0; i < GOS_NFDS; i++)
        g->fds[i] = (struct gos_fd){-1, false, NULL, NULL, false, false, false};
    g->root_fd = open(g->root, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (g->root_fd < 0)
        return -1;
    g->sysroot_fd = -1;
    if (g->opt.sysroot &&
        (g->sysroot_fd = open(g->opt.sysroot, O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
        return -1;
    g->cwd[0] = 0;
    g->umask = 022;
    const int std[3] = {g->opt.stdin_fd, g->opt.stdout_fd, g->opt.stderr_fd};
    for (int i = 0; i < 3; i++) {
        if (std[i] < 0)
            continue;
        int h = host_dup(std[i]);
        if (h < 0)
            return -1;
        g->fds[i] = (struct gos_fd){h, false, NULL, NULL, false, false, false};
    }
    g->exe_fd = open(g->opt.program ? g->opt.program : g->exe_path, O_RDONLY | O_CLOEXEC);
    return set_guest_exe(g);
}

void gos_fs_fini(struct gos *g)
{
    for (int i = 0; i < GOS_NFDS; i++)
        if (g->fds[i].host >= 0 || g->fds[i].path)
            fd_release(g, i);
    if (g->root_fd >= 0)
        close(g->root_fd);
    g->root_fd = -1;
    if (g->sysroot_fd >= 0)
        close(g->sysroot_fd);
    g->sysroot_fd = -1;
    if (g->exe_fd >= 0)
        close(g->exe_fd);
    g->exe_fd = -1;
}

uint32_t gos_file_id_of(struct gos *g, int host_fd)
{
    struct stat st;
    if (fstat(host_fd, &st) != 0)
        return 0;
    for (size_t i = 0; i < g->w->nfiles; i++)
        if (g->w->files[i].dev == st.st_dev && g->w->files[i].ino == st.st_ino)
            return (uint32_t)i + 1;
    if (g->w->nfiles == g->w->capfiles) {
        size_t cap = g->w->capfiles ? g->w->capfiles * 2 : 16;
        struct gos_file *p = realloc(g->w->files, cap * sizeof *p);
        if (!p) {
            gos_fail(g, "out of memory (file table)");
            return 0;
        }
        g->w->files = p;
        g->w->capfiles = cap;
    }
    g->w->files[g->w->nfiles] = (struct gos_file){.dev = st.st_dev, .ino = st.st_ino, .host_fd = host_dup(host_fd)};
    return (uint32_t)++g->w->nfiles;
}

/* ---- path resolution ------------------------------------------------------------------- */

struct gos_path {
    int dirfd;               /* host O_PATH fd of the directory holding name (owned), or -1 */
    char name[NAME_MAX + 1]; /* last component; "." when the path names that directory */
    char guest[GOS_PATH_MAX]; /* resolved guest path; "" is the root */
    bool proc;               /* under /proc: guest holds the lexical path, dirfd = -1 */
    bool sys;                /* found in the read-only system view (--sysroot), not the root */
};

static void path_release(struct gos_path *p)
{
    if (p->dirfd >= 0)
        close(p->dirfd);
    p->dirfd = -1;
}

/* Opens the guest directory dir ("" = the top, else "/a/b" with no links, as resolve made it)
 * in the view whose top is host directory fd top (g->root_fd or g->sysroot_fd). */
static int open_guest_dir(int top, const char *dir)
{
    int fd = openat(top, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    const char *p = dir;
    while (*p) {
        while (*p == '/')
            p++;
        if (!*p)
            break;
        const char *e = strchr(p, '/');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        char comp[NAME_MAX + 1];
        if (n > NAME_MAX) {
            close(fd);
            return -ENAMETOOLONG;
        }
        memcpy(comp, p, n);
        comp[n] = 0;
        int nfd = openat(fd, comp, O_PATH | O_NOFOLLOW | O_DIRECTORY | O_CLOEXEC);
        int err = errno;
        close(fd);
        if (nfd < 0)
            return -err;
        fd = nfd;
        p += n;
    }
    return fd;
}

/* resolve's symlink step: reads the link comp in *curfd (the directory cur) and puts its
 * target in front of the rest of the path still to resolve (rest + *pos, *pos becomes 0); an
 * absolute target restarts from the guest's root (cur = "", *curfd reopened; -1 when that
 * fails).  0, or -errno: -ENOENT for an empty link, -ENAMETOOLONG when the new rest would
 * reach GOS_PATH_MAX.  rest holds 2 * GOS_PATH_MAX bytes. */
static int follow_symlink(int top, const char *comp, char *rest, size_t *pos, char *cur,
                          int *curfd)
{
    char target[GOS_PATH_MAX], joined[2 * GOS_PATH_MAX];
    ssize_t tl = readlinkat(*curfd, comp, target, sizeof target - 1);
    if (tl < 0)
        return -errno;
    if (tl == 0)
        return -ENOENT;
    target[tl] = 0;
    size_t rl = strlen(rest + *pos);
    if ((size_t)tl + rl >= GOS_PATH_MAX)
        return -ENAMETOOLONG;
    memcpy(joined, target, (size_t)tl);
    memcpy(joined + tl, rest + *pos, rl + 1);
    memcpy(rest, joined, (size_t)tl + rl + 1);
    *pos = 0;
    if (target[0] == '/') { /* absolute: from the top of the view being walked */
        cur[0] = 0;
        close(*curfd);
        *curfd = open_guest_dir(top, cur);
        if (*curfd < 0) {
            int rc = *curfd;
            *curfd = -1;
            return rc;
        }
    }
    return 0;
}

/* Resolves guest path `path` relative to guest dirfd gdirfd (G_AT_FDCWD = the cwd).
 * follow: whether a symlink as the last component is followed.  On success out->dirfd and
 * out->name name the object (which may not exist when only the last component is missing).
 * Kept as one function on purpose: it is the sandbox's security boundary, and every step of
 * the walk (`..` at the root, the synthetic /proc, symlinks, the last component, O_NOFOLLOW
 * opens one directory at a time) has to be read together to see that no path leaves the
 * root; only the symlink step (follow_symlink) is its own function. */
static int resolve_in(struct gos *g, int top, int32_t gdirfd, const char *path, bool follow,
                      struct gos_path *out)
{
    out->dirfd = -1;
    out->proc = false;
    out->sys = false;
    if (!*path)
        return -ENOENT;
    char cur[GOS_PATH_MAX];
    if (path[0] == '/') {
        cur[0] = 0;
    } else if (gdirfd == G_AT_FDCWD) {
        snprintf(cur, sizeof cur, "%s", g->cwd);
    } else {
        int h = gos_host_fd(g, gdirfd);
        if (h < 0)
            return -EBADF;
        struct stat st;
        if (!g->fds[gdirfd].path || fstat(h, &st) != 0 || !S_ISDIR(st.st_mode))
            return -ENOTDIR;
        snprintf(cur, sizeof cur, "%s", g->fds[gdirfd].path);
    }
    char rest[2 * GOS_PATH_MAX];
    if (strlen(path) >= GOS_PATH_MAX)
        return -ENAMETOOLONG;
    strcpy(rest, path);
    int curfd = open_guest_dir(top, cur);
    if (curfd < 0)
        return curfd;
    int nlinks = 0, rc = 0;
    size_t pos = 0;
    for (;;) {
        while (rest[pos] == '/')
            pos++;
        if (!rest[pos])
            break;
        size_t n = strcspn(rest + pos, "/");
        if (n > NAME_MAX) {
            rc = -ENAMETOOLONG;
            goto fail;
        }
        char comp[NAME_MAX + 1];
        memcpy(comp, rest + pos, n);
        comp[n] = 0;
        pos += n;
        size_t after = pos;
        while (rest[after] == '/')
            after++;
        bool last = rest[after] == 0, slash = rest[pos] == '/';
        if (strcmp(comp, ".") == 0)
            continue;
        if (strcmp(comp, "..") == 0) {
            char *s = strrchr(cur, '/');
            if (s) { /* at the root, `..` is the root */
                *s = 0;
                close(curfd);
                curfd = open_guest_dir(top, cur);
                if (curfd < 0)
                    return curfd;
            }
            continue;
        }
        if (!cur[0] && strcmp(comp, "proc") == 0) {
            /* The guest's /proc is synthetic: never the host's (root may be "/"). */
            close(curfd);
            out->proc = true;
            snprintf(out->guest, sizeof out->guest, "/proc%s", rest + pos);
            return 0;
        }
        struct stat st;
        if (fstatat(curfd, comp, &st, AT_SYMLINK_NOFOLLOW) != 0) {
            if (errno == ENOENT && last) {
                st.st_mode = 0; /* the last component may be created */
            } else {
                rc = -errno;
                goto fail;
            }
        }
        if (S_ISLNK(st.st_mode) && (!last || follow || slash)) {
            if (++nlinks > G_MAX_LINKS) {
                rc = -ELOOP;
                goto fail;
            }
            rc = follow_symlink(top, comp, rest, &pos, cur, &curfd);
            if (rc < 0)
                goto fail;
            continue;
        }
        if (last) {
            if (slash && st.st_mode && !S_ISDIR(st.st_mode)) {
                rc = -ENOTDIR;
                goto fail;
            }
            out->dirfd = curfd;
            snprintf(out->name, sizeof out->name, "%s", comp);
            if (strlen(cur) + 1 + n >= sizeof out->guest) {
                rc = -ENAMETOOLONG;
                goto fail;
            }
            size_t cl = strlen(cur);
            memcpy(out->guest, cur, cl);
            out->guest[cl] = '/';
            memcpy(out->guest + cl + 1, comp, n + 1);
            return 0;
        }
        if (!S_ISDIR(st.st_mode)) {
            rc = -ENOTDIR;
            goto fail;
        }
        int nfd = openat(curfd, comp, O_PATH | O_NOFOLLOW | O_DIRECTORY | O_CLOEXEC);
        if (nfd < 0) {
            rc = -errno;
            goto fail;
        }
        close(curfd);
        curfd = nfd;
        if (strlen(cur) + 1 + n >= sizeof cur) {
            rc = -ENAMETOOLONG;
            goto fail;
        }
        strcat(cur, "/");
        strcat(cur, comp);
    }
    /* The path named a directory reached fully ("/", "a/..", "."). */
    out->dirfd = curfd;
    strcpy(out->name, ".");
    snprintf(out->guest, sizeof out->guest, "%s", cur);
    return 0;
fail:
    if (curfd >= 0)
        close(curfd);
    return rc;
}

/* Whether the object a resolution names exists (its last component, or the directory). */
static bool path_exists(const struct gos_path *p)
{
    struct stat st;
    return p->dirfd >= 0 && fstatat(p->dirfd, p->name, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

/* Resolves a guest path in the guest's views: the root first; where the root has no such
 * object (a component missing, or only the last), the whole path again in the read-only
 * system view (--sysroot) when one is given.  The sysroot's answer is taken when it names an
 * object that exists, or when the root could not even reach the parent directory (so that a
 * create there is refused as on a read-only file system); else the root's answer stands. */
static int resolve(struct gos *g, int32_t gdirfd, const char *path, bool follow,
                   struct gos_path *out)
{
    int rc = resolve_in(g, g->root_fd, gdirfd, path, follow, out);
    if (g->sysroot_fd < 0 || (rc != 0 && rc != -ENOENT) || (rc == 0 && out->proc) ||
        (rc == 0 && path_exists(out)))
        return rc;
    struct gos_path alt;
    int rs = resolve_in(g, g->sysroot_fd, gdirfd, path, follow, &alt);
    if (rs == 0 && !alt.proc && (path_exists(&alt) || rc != 0)) {
        if (rc == 0)
            path_release(out);
        *out = alt;
        out->sys = true;
        return 0;
    }
    if (rs == 0)
        path_release(&alt);
    return rc;
}

/* Writes through p are refused (EROFS): no --writable, or p is in the system view. */
static bool read_only(const struct gos *g, const struct gos_path *p)
{
    return !g->opt.writable || p->sys;
}

/* Copies the path string at addr from the guest and resolves it. */
static int guest_path(struct gos *g, int32_t gdirfd, uint64_t addr, bool follow,
                      struct gos_path *out)
{
    char path[GOS_PATH_MAX];
    out->dirfd = -1;
    int rc = gos_copy_str(g, addr, path, sizeof path);
    if (rc)
        return rc;
    return resolve(g, gdirfd, path, follow, out);
}

/* ---- open, close, read, write ----------------------------------------------------------- */

/* Writing to an existing FIFO or to /dev/null, /dev/zero or /dev/full changes no file, so a
 * read-only root allows it (as a read-only mount does for device nodes); other devices stay
 * refused: the root may be "/". */
static bool write_ok_readonly(const struct gos_path *p, uint32_t flags)
{
    struct stat st;
    if ((flags & (G_O_CREAT | G_O_EXCL)) == (G_O_CREAT | G_O_EXCL) ||
        fstatat(p->dirfd, p->name, &st, AT_SYMLINK_NOFOLLOW) != 0)
        return false;
    if (S_ISFIFO(st.st_mode))
        return true;
    return S_ISCHR(st.st_mode) && major(st.st_rdev) == 1 &&
           (minor(st.st_rdev) == 3 || minor(st.st_rdev) == 5 || minor(st.st_rdev) == 7);
}

static int32_t do_open(struct gos *g, int32_t dirfd, uint64_t path_addr, uint32_t flags,
                       uint32_t mode)
{
    if ((flags & G_O_TMPFILE) == G_O_TMPFILE)
        return -EOPNOTSUPP;
    /* O_CREAT|O_EXCL never follows a final symlink (open(2)). */
    bool excl = (flags & (G_O_CREAT | G_O_EXCL)) == (G_O_CREAT | G_O_EXCL);
    bool follow = !(flags & G_O_NOFOLLOW) && !excl;
    struct gos_path p;
    int rc = guest_path(g, dirfd, path_addr, follow, &p);
    if (rc)
        return rc;
    if (p.proc) /* the synthetic /proc: /proc/self/maps (gos_procfs.c) */
        return gos_procfs_open(g, p.guest, flags & G_O_ACCMODE, flags & G_O_CLOEXEC);
    bool writes = (flags & G_O_ACCMODE) != G_O_RDONLY || (flags & (G_O_CREAT | G_O_TRUNC));
    if (writes && read_only(g, &p) && !(flags & G_O_PATH) && !write_ok_readonly(&p, flags)) {
        path_release(&p);
        return -EROFS;
    }
    int hflags = (int)(flags & G_O_ACCMODE);
    static const struct {
        uint32_t g;
        int h;
    } map[] = {
        {G_O_CREAT, O_CREAT},         {G_O_EXCL, O_EXCL},           {G_O_NOCTTY, O_NOCTTY},
        {G_O_TRUNC, O_TRUNC},         {G_O_APPEND, O_APPEND},       {G_O_NONBLOCK, O_NONBLOCK},
        {G_O_DIRECTORY, O_DIRECTORY}, {G_O_PATH, O_PATH},           {G_O_DSYNC, O_DSYNC},
        {G_O_SYNC, O_SYNC},
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if ((flags & map[i].g) == map[i].g)
            hflags |= map[i].h;
    /* The final component was resolved by gos: the host must not follow a link there. */
    hflags |= O_NOFOLLOW | O_CLOEXEC;
    int h = openat(p.dirfd, p.name, hflags, (mode_t)(mode & 07777 & ~g->umask));
    int err = errno;
    path_release(&p);
    if (h < 0)
        return -err;
    int32_t fd = fd_install(g, h, 0, flags & G_O_CLOEXEC, p.guest);
    struct stat st;
    if (fd >= 0 && fstat(h, &st) == 0 && S_ISCHR(st.st_mode) && major(st.st_rdev) == 1 &&
        (minor(st.st_rdev) == 8 || minor(st.st_rdev) == 9))
        g->fds[fd].random = true; /* the host's entropy would make runs differ */
    if (fd >= 0)
        g->fds[fd].sys = p.sys;
    return fd;
}

int64_t gos_sys_open(struct gos *g, const struct gos_regs *r)
{
    return do_open(g, G_AT_FDCWD, r->a[0], r->a[1], r->a[2]);
}

int64_t gos_sys_openat(struct gos *g, const struct gos_regs *r)
{
    return do_open(g, (int32_t)r->a[0], r->a[1], r->a[2], r->a[3]);
}

/* creat(path, mode): open with O_CREAT|O_WRONLY|O_TRUNC, as Linux defines it. */
int64_t gos_sys_creat(struct gos *g, const struct gos_regs *r)
{
    return do_open(g, G_AT_FDCWD, r->a[0], G_O_CREAT | 01u /* O_WRONLY */ | G_O_TRUNC, r->a[1]);
}

/* ---- statfs, fstatfs, statfs64, fstatfs64 ---- */

/* The host's statfs of what the guest names, with ST_RDONLY (1) where the guest cannot write
 * (no --writable, or the read-only system view): what it would find if it tried. */
static int put_statfs(struct gos *g, const struct statfs *s, bool ro, uint64_t addr, int layout)
{
    uint64_t flags = (uint64_t)s->f_flags | (ro ? 1u : 0u);
    int32_t fsid[2];
    memcpy(fsid, &s->f_fsid, sizeof fsid);
    uint64_t v[12] = {(uint64_t)s->f_type, (uint64_t)s->f_bsize, s->f_blocks, s->f_bfree,
                      s->f_bavail, s->f_files, s->f_ffree, 0, (uint64_t)s->f_namelen,
                      (uint64_t)s->f_frsize, flags, 0};
    uint8_t b[120];
    memset(b, 0, sizeof b);
    size_t at = 0;
    /* layout 64: x86-64 statfs, every field a long (120 bytes); 32: i386 statfs, 32-bit
     * fields (64 bytes, EOVERFLOW past them); 84: i386 statfs64, 32-bit type and size, 64-bit
     * counts, packed (84 bytes) */
    for (int i = 0; i < 11; i++) {
        bool wide = layout == 64 || (layout == 84 && i >= 2 && i <= 6);
        if (i == 7) { /* f_fsid: two ints */
            memcpy(b + at, fsid, 8);
            at += 8;
            continue;
        }
        if (wide) {
            memcpy(b + at, &v[i], 8);
            at += 8;
        } else {
            if (v[i] > UINT32_MAX && i >= 2 && i <= 6)
                return -EOVERFLOW;
            uint32_t x = (uint32_t)v[i];
            memcpy(b + at, &x, 4);
            at += 4;
        }
    }
    size_t total = layout == 64 ? 120 : layout == 84 ? 84 : 64; /* f_spare zero */
    return gos_copy_out(g, addr, b, total);
}

static int64_t do_statfs(struct gos *g, uint64_t path, uint64_t addr, int layout)
{
    struct gos_path p;
    int rc = guest_path(g, G_AT_FDCWD, path, true, &p);
    if (rc)
        return rc;
    if (p.proc)
        return -ENOENT;
    int h = openat(p.dirfd, p.name, O_PATH | O_CLOEXEC);
    int err = errno;
    bool ro = read_only(g, &p);
    path_release(&p);
    if (h < 0)
        return -err;
    struct statfs s;
    rc = fstatfs(h, &s) == 0 ? 0 : -errno;
    close(h);
    return rc ? rc : put_statfs(g, &s, ro, addr, layout);
}

static int64_t do_fstatfs(struct gos *g, int32_t fd, uint64_t addr, int layout)
{
    int h = gos_host_fd(g, fd);
    if (h < 0)
        return -EBADF;
    struct statfs s;
    if (fstatfs(h, &s) != 0)
        return -errno;
    return put_statfs(g, &s, !g->opt.writable || g->fds[fd].sys, addr, layout);
}

int64_t gos_sys_statfs(struct gos *g, const struct gos_regs *r)
{
    return do_statfs(g, r->a[0], r->a[1], gos_is64(g) ? 64 : 32);
}

int64_t gos_sys_fstatfs(struct gos *g, const struct gos_regs *r)
{
    return do_fstatfs(g, (int32_t)r->a[0], r->a[1], gos_is64(g) ? 64 : 32);
}

/* i386 statfs64(path, size, buf), fstatfs64(fd, size, buf): size must be the structure's. */
int64_t gos_sys_statfs64(struct gos *g, const struct gos_regs *r)
{
    return r->a[1] != 84 ? -EINVAL : do_statfs(g, r->a[0], r->a[2], 84);
}

int64_t gos_sys_fstatfs64(struct gos *g, const struct gos_regs *r)
{
    return r->a[1] != 84 ? -EINVAL : do_fstatfs(g, (int32_t)r->a[0], r->a[2], 84);
}

int64_t gos_sys_close(struct gos *g, const struct gos_regs *r)
{
    int32_t fd = (int32_t)r->a[0];
    if (gos_host_fd(g, fd) < 0)
        return -EBADF;
    fd_release(g, fd);
    return 0;
}

/* close_range(first, last, flags): CLOSE_RANGE_CLOEXEC (4) marks instead of closing;
 * CLOSE_RANGE_UNSHARE (2) changes nothing here (a process's table is its own). */
int64_t gos_sys_close_range(struct gos *g, const struct gos_regs *r)
{
    uint32_t first = (uint32_t)r->a[0], last = (uint32_t)r->a[1], flags = (uint32_t)r->a[2];
    if ((flags & ~6u) || first > last)
        return -EINVAL;
    for (uint64_t fd = first; fd <= last && fd < GOS_NFDS; fd++) {
        if (g->fds[fd].host < 0)
            continue;
        if (flags & 4u)
            g->fds[fd].cloexec = true;
        else
            fd_release(g, (int32_t)fd);
    }
    return 0;
}

/* A read or write on a pipe the guest made (pipe, pipe2) that is not ready, when the guest did
 * not ask for O_NONBLOCK itself: the thread blocks and the call runs again later (gos_proc.c),
 * before the call touches guest memory (so its kernel accesses count once).  Other
 * descriptors block the host as they always did.  true when the thread blocked. */
static bool pipe_wait(struct gos *g, int32_t fd, int h, bool write_op)
{
    if (!g->fds[fd].pipe)
        return false;
    int fl = fcntl(h, F_GETFL);
    if (fl < 0 || (fl & O_NONBLOCK))
        return false; /* the guest's own O_NONBLOCK: EAGAIN as usual */
    struct pollfd p = {h, write_op ? POLLOUT : POLLIN, 0};
    if (poll(&p, 1, 0) == 1 && p.revents)
        return false; /* ready, at end of file, or broken: the call answers */
    gos_block_io(g, fd);
    return true;
}

bool gos_pipe_wait(struct gos *g, int32_t fd, int h, bool write_op)
{
    return pipe_wait(g, fd, h, write_op);
}

/* write to a guest pipe never blocks the host: a write larger than the room left is short
 * (the guest's loop writes the rest once the reader has run). */
static ssize_t fd_write(struct gos *g, int32_t fd, int h, const void *buf, size_t n)
{
    if (!g->fds[fd].pipe)
        return write(h, buf, n);
    int fl = fcntl(h, F_GETFL);
    if (fl >= 0 && !(fl & O_NONBLOCK))
        (void)fcntl(h, F_SETFL, fl | O_NONBLOCK);
    ssize_t put = write(h, buf, n);
    int e = errno;
    if (fl >= 0 && !(fl & O_NONBLOCK))
        (void)fcntl(h, F_SETFL, fl);
    errno = e;
    return put;
}

/* Host read of at most count bytes into guest buf (at offset off when off >= 0); the kernel
 * write is reported for the bytes actually stored. */
static int64_t do_read(struct gos *g, int32_t fd, uint64_t buf, uint64_t count, int64_t off)
{
    int h = gos_host_fd(g, fd);
    if (h < 0)
        return -EBADF;
    if (count == 0)
        return 0;
    if (off < 0 && pipe_wait(g, fd, h, false))
        return 0;
    size_t n = count < GOS_IO_MAX ? count : GOS_IO_MAX;
    if ((uint64_t)buf + n > gos_user_limit(g))
        return -EFAULT;
    uint8_t *s = gos_scratch(g, n);
    if (!s)
        return -ENOMEM;
    ssize_t got;
    if (g->fds[fd].random) {
        gos_random_bytes(g, s, n);
        got = (ssize_t)n;
    } else {
        got = off >= 0 ? pread(h, s, n, (off_t)off) : read(h, s, n);
    }
    if (got < 0)
        return -errno;
    int rc = gos_copy_out(g, buf, s, (size_t)got);
    if (rc) {
        if (off < 0)
            (void)lseek(h, -(off_t)got, SEEK_CUR); /* not consumed, where seekable */
        return rc;
    }
    return (int64_t)got;
}

static int64_t do_write(struct gos *g, int32_t fd, uint64_t buf, uint64_t count, int64_t off)
{
    int h = gos_host_fd(g, fd);
    if (h < 0)
        return -EBADF;
    if (count == 0)
        return 0;
    if (off < 0 && pipe_wait(g, fd, h, true))
        return 0;
    size_t n = count < GOS_IO_MAX ? count : GOS_IO_MAX;
    uint8_t *s = gos_scratch(g, n);
    if (!s)
        return -ENOMEM;
    int rc = gos_copy_in(g, buf, s, n);
    if (rc)
        return rc;
    ssize_t put = off >= 0 ? pwrite(h, s, n, (off_t)off) : fd_write(g, fd, h, s, n);
    if (put < 0)
        return errno == EPIPE ? gos_sigpipe(g) : -errno;
    return (int64_t)put;
}

int64_t gos_sys_read(struct gos *g, const struct gos_regs *r)
{
    return do_read(g, (int32_t)r->a[0], r->a[1], r->a[2], -1);
}

int64_t gos_sys_write(struct gos *g, const struct gos_regs *r)
{
    return do_write(g, (int32_t)r->a[0], r->a[1], r->a[2], -1);
}

static int64_t off64(uint32_t lo, uint32_t hi)
{
    return (int64_t)(((uint64_t)hi << 32) | lo);
}

/* pread64/pwrite64's offset: i386 passes it in two registers (low, high), x86-64 in one. */
static int64_t pos_arg(const struct gos *g, const struct gos_regs *r)
{
    return gos_is64(g) ? (int64_t)r->a[3] : off64((uint32_t)r->a[3], (uint32_t)r->a[4]);
}

int64_t gos_sys_pread64(struct gos *g, const struct gos_regs *r)
{
    int64_t off = pos_arg(g, r);
    return off < 0 ? -EINVAL : do_read(g, (int32_t)r->a[0], r->a[1], r->a[2], off);
}

int64_t gos_sys_pwrite64(struct gos *g, const struct gos_regs *r)
{
    int64_t off = pos_arg(g, r);
    return off < 0 ? -EINVAL : do_write(g, (int32_t)r->a[0], r->a[1], r->a[2], off);
}

/* Reads the iovec array {base, len} x cnt (8-byte entries on i386, 16 on x86-64); the total
 * length or -errno (EINVAL past SSIZE_MAX, as rw_copy_check_uvector). */
static int64_t read_iov(struct gos *g, uint64_t addr, int32_t cnt, uint64_t (*iov)[2]);
int64_t gos_read_iov(struct gos *g, uint64_t addr, int32_t cnt, uint64_t (*iov)[2])
{
    if (cnt < 0 || cnt > G_IOV_MAX)
        return -EINVAL;
    return cnt ? read_iov(g, addr, cnt, iov) : 0;
}

static int64_t read_iov(struct gos *g, uint64_t addr, int32_t cnt, uint64_t (*iov)[2])
{
    unsigned w = gos_ptr_size(g);
    int rc = gos_copy_in(g, addr, iov, (size_t)cnt * 2 * w);
    if (rc)
        return rc;
    if (w == 4) /* widen in place, from the end */
        for (int32_t i = cnt; i-- > 0;) {
            uint32_t e[2];
            memcpy(e, (uint8_t *)iov + 8 * (size_t)i, 8);
            iov[i][0] = e[0];
            iov[i][1] = e[1];
        }
    int64_t total = 0, max = gos_is64(g) ? INT64_MAX : INT32_MAX;
    for (int32_t i = 0; i < cnt; i++) {
        if (iov[i][1] > (uint64_t)(max - total))
            return -EINVAL;
        total += (int64_t)iov[i][1];
    }
    return total;
}

/* What readv and writev share: the fd (EBX), the iovec array (ECX, EDX entries) read in, and a
 * scratch buffer of the total length (capped at GOS_IO_MAX).  Returns 1 to go on, or the
 * call's result (0 for no entries, -errno). */
static int64_t iov_begin(struct gos *g, const struct gos_regs *r, int *h, int32_t *cnt,
                         uint64_t (*iov)[2], size_t *cap, uint8_t **s)
{
    *h = gos_host_fd(g, (int32_t)r->a[0]);
    if (*h < 0)
        return -EBADF;
    *cnt = (int32_t)r->a[2];
    if (*cnt < 0 || *cnt > G_IOV_MAX)
        return -EINVAL;
    if (*cnt == 0)
        return 0;
    int64_t total = read_iov(g, r->a[1], *cnt, iov);
    if (total <= 0)
        return total;
    *cap = (uint64_t)total < GOS_IO_MAX ? (size_t)total : GOS_IO_MAX;
    *s = gos_scratch(g, *cap);
    return *s ? 1 : -ENOMEM;
}

int64_t gos_sys_writev(struct gos *g, const struct gos_regs *r)
{
    int h;
    int32_t cnt;
    uint64_t iov[G_IOV_MAX][2];
    size_t cap;
    uint8_t *s;
    int hp = gos_host_fd(g, (int32_t)r->a[0]);
    if (hp >= 0 && (int32_t)r->a[2] > 0 && pipe_wait(g, (int32_t)r->a[0], hp, true))
        return 0;
    int64_t rc0 = iov_begin(g, r, &h, &cnt, iov, &cap, &s);
    if (rc0 <= 0)
        return rc0;
    size_t have = 0;
    for (int32_t i = 0; i < cnt && have < cap; i++) {
        size_t len = iov[i][1] < cap - have ? iov[i][1] : cap - have;
        int rc = gos_copy_in(g, iov[i][0], s + have, len);
        if (rc) {
            if (have == 0)
                return rc;
            break; /* write what was gathered, as Linux does */
        }
        have += len;
    }
    ssize_t put = fd_write(g, (int32_t)r->a[0], h, s, have);
    if (put < 0)
        return errno == EPIPE ? gos_sigpipe(g) : -errno;
    return (int64_t)put;
}

int64_t gos_sys_readv(struct gos *g, const struct gos_regs *r)
{
    int h;
    int32_t cnt;
    uint64_t iov[G_IOV_MAX][2];
    size_t cap;
    uint8_t *s;
    int hp = gos_host_fd(g, (int32_t)r->a[0]);
    if (hp >= 0 && (int32_t)r->a[2] > 0 && pipe_wait(g, (int32_t)r->a[0], hp, false))
        return 0;
    int64_t rc0 = iov_begin(g, r, &h, &cnt, iov, &cap, &s);
    if (rc0 <= 0)
        return rc0;
    ssize_t got;
    if (g->fds[(int32_t)r->a[0]].random) {
        gos_random_bytes(g, s, cap);
        got = (ssize_t)cap;
    } else {
        got = read(h, s, cap);
    }
    if (got < 0)
        return -errno;
    size_t done = 0;
    for (int32_t i = 0; i < cnt && done < (size_t)got; i++) {
        size_t len = iov[i][1] < (size_t)got - done ? iov[i][1] : (size_t)got - done;
        int rc = gos_copy_out(g, iov[i][0], s + done, len);
        if (rc) {
            (void)lseek(h, -(off_t)((size_t)got - done), SEEK_CUR);
            return done ? (int64_t)done : rc;
        }
        done += len;
    }
    return (int64_t)done;
}

/* sendfile64(out, in, loff_t *offset, count): the copy stays on the host side; only the
 * offset is guest memory. */
/* The room left in a guest pipe's write end (its capacity less what it holds), or SIZE_MAX
 * for anything else or when the host does not say. */
static size_t pipe_room(const struct gos *g, int32_t fd, int h)
{
    int size = g->fds[fd].pipe ? fcntl(h, F_GETPIPE_SZ) : -1, held = 0;
    if (size < 0 || ioctl(h, FIONREAD, &held) != 0 || held < 0 || held > size)
        return SIZE_MAX;
    return (size_t)(size - held);
}

int64_t gos_sys_sendfile64(struct gos *g, const struct gos_regs *r)
{
    int out = gos_host_fd(g, (int32_t)r->a[0]), in = gos_host_fd(g, (int32_t)r->a[1]);
    if (out < 0 || in < 0)
        return -EBADF;
    if (r->a[3] && (pipe_wait(g, (int32_t)r->a[1], in, false) ||
                   pipe_wait(g, (int32_t)r->a[0], out, true)))
        return 0;
    int64_t off = -1;
    if (r->a[2]) {
        int rc = gos_copy_in(g, r->a[2], &off, 8);
        if (rc)
            return rc;
        if (off < 0)
            return -EINVAL;
    }
    size_t n = r->a[3] < GOS_IO_MAX ? r->a[3] : GOS_IO_MAX;
    size_t room = pipe_room(g, (int32_t)r->a[0], out);
    if (room < n)
        n = room; /* what is read is all written: a guest pipe never blocks the host */
    if (n == 0)
        return 0;
    uint8_t *s = gos_scratch(g, n);
    if (!s)
        return -ENOMEM;
    ssize_t got = off >= 0 ? pread(in, s, n, (off_t)off) : read(in, s, n);
    if (got < 0)
        return -errno;
    size_t put = 0;
    while (put < (size_t)got) {
        ssize_t w = fd_write(g, (int32_t)r->a[0], out, s + put, (size_t)got - put);
        if (w < 0) {
            if (put == 0) {
                int e = errno;
                if (off < 0)
                    (void)lseek(in, -(off_t)got, SEEK_CUR);
                return e == EPIPE ? gos_sigpipe(g) : -e;
            }
            break;
        }
        put += (size_t)w;
    }
    if (off < 0 && put < (size_t)got)
        (void)lseek(in, -(off_t)((size_t)got - put), SEEK_CUR);
    if (r->a[2]) {
        off += (int64_t)put;
        int rc = gos_copy_out(g, r->a[2], &off, 8);
        if (rc)
            return rc;
    }
    return (int64_t)put;
}

/* lseek on the host; on a directory read with getdents64, offsets are cookies both ways. */
static int64_t do_lseek(struct gos *g, int32_t fd, int64_t off, uint32_t whence)
{
    int h = gos_host_fd(g, fd);
    if (h < 0)
        return -EBADF;
    struct gos_dircook *dc = g->fds[fd].dc;
    if (dc) {
        if (whence == SEEK_SET) {
            int64_t host;
            if (dircook_host(dc, off, &host))
                return -EINVAL;
            off = host;
        } else if (!(whence == SEEK_CUR && off == 0)) {
            return -EINVAL;
        }
    }
    off_t o = lseek(h, (off_t)off, (int)whence);
    if (o < 0)
        return -errno;
    if (dc) {
        uint64_t c = dircook_of(g, dc, (uint64_t)o);
        return g->fatal ? -ENOMEM : (int64_t)c;
    }
    return o;
}

int64_t gos_sys_lseek(struct gos *g, const struct gos_regs *r)
{
    int64_t o = do_lseek(g, (int32_t)r->a[0], gos_long(g, r->a[1]), (uint32_t)r->a[2]);
    if (o < 0 || gos_is64(g))
        return o;
    return o > INT32_MAX ? -EOVERFLOW : o; /* i386's off_t is 32 bits */
}

/* _llseek(fd, offset_high, offset_low, loff_t *result, whence) */
int64_t gos_sys_llseek(struct gos *g, const struct gos_regs *r)
{
    int64_t res = do_lseek(g, (int32_t)r->a[0], off64((uint32_t)r->a[2], (uint32_t)r->a[1]),
                           (uint32_t)r->a[4]);
    if (res < 0)
        return res;
    return gos_copy_out(g, r->a[3], &res, 8);
}

/* ---- stat ------------------------------------------------------------------------------- */

static void put32(uint8_t *p, uint32_t v)
{
    memcpy(p, &v, 4);
}
static void put64(uint8_t *p, uint64_t v)
{
    memcpy(p, &v, 8);
}

/* struct stat64 of i386 (arch/x86/include/uapi/asm/stat.h): 96 bytes, 4-byte alignment. */
static void encode_stat64(const struct stat *st, uint8_t out[G_STAT64_SIZE])
{
    memset(out, 0, G_STAT64_SIZE);
    put64(out + 0, (uint64_t)st->st_dev);
    put32(out + 12, (uint32_t)st->st_ino); /* __st_ino */
    put32(out + 16, st->st_mode);
    put32(out + 20, (uint32_t)st->st_nlink);
    put32(out + 24, st->st_uid);
    put32(out + 28, st->st_gid);
    put64(out + 32, (uint64_t)st->st_rdev);
    put64(out + 44, (uint64_t)st->st_size);
    put32(out + 52, (uint32_t)st->st_blksize);
    put64(out + 56, (uint64_t)st->st_blocks);
    put32(out + 64, (uint32_t)st->st_atim.tv_sec);
    put32(out + 68, (uint32_t)st->st_atim.tv_nsec);
    put32(out + 72, (uint32_t)st->st_mtim.tv_sec);
    put32(out + 76, (uint32_t)st->st_mtim.tv_nsec);
    put32(out + 80, (uint32_t)st->st_ctim.tv_sec);
    put32(out + 84, (uint32_t)st->st_ctim.tv_nsec);
    put64(out + 88, (uint64_t)st->st_ino);
}

/* struct stat of x86-64 (arch/x86/include/uapi/asm/stat.h): 144 bytes. */
#define G_STAT_X86_64_SIZE 144
static void encode_stat_x86_64(const struct stat *st, uint8_t out[G_STAT_X86_64_SIZE])
{
    memset(out, 0, G_STAT_X86_64_SIZE);
    put64(out + 0, (uint64_t)st->st_dev);
    put64(out + 8, (uint64_t)st->st_ino);
    put64(out + 16, (uint64_t)st->st_nlink);
    put32(out + 24, st->st_mode);
    put32(out + 28, st->st_uid);
    put32(out + 32, st->st_gid);
    put64(out + 40, (uint64_t)st->st_rdev);
    put64(out + 48, (uint64_t)st->st_size);
    put64(out + 56, (uint64_t)st->st_blksize);
    put64(out + 64, (uint64_t)st->st_blocks);
    put64(out + 72, (uint64_t)st->st_atim.tv_sec);
    put64(out + 80, (uint64_t)st->st_atim.tv_nsec);
    put64(out + 88, (uint64_t)st->st_mtim.tv_sec);
    put64(out + 96, (uint64_t)st->st_mtim.tv_nsec);
    put64(out + 104, (uint64_t)st->st_ctim.tv_sec);
    put64(out + 112, (uint64_t)st->st_ctim.tv_nsec);
}

/* The stat structure of g's ABI (i386 stat64, x86-64 stat) to guest addr. */
static int32_t put_stat(struct gos *g, uint64_t addr, const struct stat *st)
{
    uint8_t b[G_STAT_X86_64_SIZE > G_STAT64_SIZE ? G_STAT_X86_64_SIZE : G_STAT64_SIZE];
    if (gos_is64(g)) {
        encode_stat_x86_64(st, b);
        return gos_copy_out(g, addr, b, G_STAT_X86_64_SIZE);
    }
    encode_stat64(st, b);
    return gos_copy_out(g, addr, b, G_STAT64_SIZE);
}

int64_t gos_sys_fstat64(struct gos *g, const struct gos_regs *r)
{
    int h = gos_host_fd(g, (int32_t)r->a[0]);
    if (h < 0)
        return -EBADF;
    struct stat st;
    if (fstat(h, &st) != 0)
        return -errno;
    return put_stat(g, r->a[1], &st);
}

static int32_t do_stat(struct gos *g, int32_t dirfd, uint64_t path, uint64_t buf, uint32_t flags)
{
    if (flags & ~(G_AT_SYMLINK_NOFOLLOW | G_AT_EMPTY_PATH | 0x800u /* AT_NO_AUTOMOUNT */))
        return -EINVAL;
    char s[GOS_PATH_MAX];
    int rc = gos_copy_str(g, path, s, sizeof s);
    if (rc)
        return rc;
    struct stat st;
    if (!s[0] && (flags & G_AT_EMPTY_PATH)) {
        if (dirfd == G_AT_FDCWD) {
            int fd = open_guest_dir(g->root_fd, g->cwd);
            if (fd == -ENOENT && g->sysroot_fd >= 0) /* a cwd in the system view */
                fd = open_guest_dir(g->sysroot_fd, g->cwd);
            if (fd < 0)
                return fd;
            rc = fstat(fd, &st) ? -errno : 0;
            close(fd);
        } else {
            int h = gos_host_fd(g, dirfd);
            if (h < 0)
                return -EBADF;
            rc = fstat(h, &st) ? -errno : 0;
        }
        return rc ? rc : put_stat(g, buf, &st);
    }
    struct gos_path p;
    rc = resolve(g, dirfd, s, !(flags & G_AT_SYMLINK_NOFOLLOW), &p);
    if (rc)
        return rc;
    if (p.proc)
        return -ENOENT;
    rc = fstatat(p.dirfd, p.name, &st, AT_SYMLINK_NOFOLLOW) ? -errno : 0;
    path_release(&p);
    return rc ? rc : put_stat(g, buf, &st);
}

int64_t gos_sys_stat64(struct gos *g, const struct gos_regs *r)
{
    return do_stat(g, G_AT_FDCWD, r->a[0], r->a[1], 0);
}

int64_t gos_sys_lstat64(struct gos *g, const struct gos_regs *r)
{
    return do_stat(g, G_AT_FDCWD, r->a[0], r->a[1], G_AT_SYMLINK_NOFOLLOW);
}

int64_t gos_sys_fstatat64(struct gos *g, const struct gos_regs *r)
{
    return do_stat(g, (int32_t)r->a[0], r->a[1], r->a[2], r->a[3]);
}

/* getdents64: struct linux_dirent64 has the same layout on i386 and x86-64; the host's records
 * are copied (one kernel write of the bytes returned), with d_off replaced by a cookie for an
 * i386 process. */
int64_t gos_sys_getdents64(struct gos *g, const struct gos_regs *r)
{
    int32_t fd = (int32_t)r->a[0];
    int h = gos_host_fd(g, fd);
    if (h < 0)
        return -EBADF;
    struct gos_fd *f = &g->fds[fd];
    if (!f->dc && !gos_is64(g)) { /* an x86-64 process takes the host's 64-bit offsets */
        f->dc = calloc(1, sizeof *f->dc);
        if (!f->dc) {
            gos_fail(g, "out of memory (directory offsets)");
            return -ENOMEM;
        }
        mmu_hmap_init(&f->dc->idx);
    }
    size_t n = r->a[2] < 65536 ? r->a[2] : 65536;
    uint8_t *s = gos_scratch(g, n ? n : 1);
    if (!s)
        return -ENOMEM;
    long got = syscall(SYS_getdents64, h, s, n);
    if (got < 0)
        return -errno;
    for (long off = 0; f->dc && off + 19 <= got;) {
        uint64_t d_off;
        uint16_t reclen;
        memcpy(&d_off, s + off + 8, 8);
        memcpy(&reclen, s + off + 16, 2);
        d_off = dircook_of(g, f->dc, d_off);
        if (g->fatal)
            return -ENOMEM;
        memcpy(s + off + 8, &d_off, 8);
        if (reclen == 0)
            break;
        off += reclen;
    }
    int rc = gos_copy_out(g, r->a[1], s, (size_t)got);
    return rc ? rc : (int64_t)got;
}

/* ---- names ------------------------------------------------------------------------------ */

/* /proc/self/exe and /proc/<pid>/exe are the /proc links (readlink); /proc/self/maps is a
 * file (gos_procfs.c). */
static bool proc_is_exe(const struct gos *g, const char *guest)
{
    char pid[32];
    snprintf(pid, sizeof pid, "/proc/%u/exe", g->pid);
    return strcmp(guest, "/proc/self/exe") == 0 || strcmp(guest, pid) == 0;
}

int64_t gos_sys_readlink(struct gos *g, const struct gos_regs *r)
{
    int32_t size = (int32_t)r->a[2];
    struct gos_path p;
    int rc = guest_path(g, G_AT_FDCWD, r->a[0], false, &p);
    if (rc)
        return rc;
    if (size <= 0) {
        path_release(&p);
        return -EINVAL;
    }
    char t[GOS_PATH_MAX];
    ssize_t n;
    if (p.proc) {
        if (!proc_is_exe(g, p.guest))
            return -ENOENT;
        n = (ssize_t)strlen(g->exe_path);
        memcpy(t, g->exe_path, (size_t)n);
    } else {
        n = readlinkat(p.dirfd, p.name, t, sizeof t);
        int err = errno;
        path_release(&p);
        if (n < 0)
            return -err;
    }
    if (n > size)
        n = size;
    rc = gos_copy_out(g, r->a[1], t, (size_t)n);
    return rc ? rc : (int32_t)n;
}

int64_t gos_sys_getcwd(struct gos *g, const struct gos_regs *r)
{
    const char *c = g->cwd[0] ? g->cwd : "/";
    size_t n = strlen(c) + 1;
    if (r->a[1] < n)
        return -ERANGE;
    int rc = gos_copy_out(g, r->a[0], c, n);
    return rc ? rc : (int32_t)n;
}

int64_t gos_sys_chdir(struct gos *g, const struct gos_regs *r)
{
    struct gos_path p;
    int rc = guest_path(g, G_AT_FDCWD, r->a[0], true, &p);
    if (rc)
        return rc;
    if (p.proc)
        return -ENOENT;
    struct stat st;
    rc = fstatat(p.dirfd, p.name, &st, AT_SYMLINK_NOFOLLOW) ? -errno : 0;
    path_release(&p);
    if (rc)
        return rc;
    if (!S_ISDIR(st.st_mode))
        return -ENOTDIR;
    snprintf(g->cwd, sizeof g->cwd, "%s", p.guest);
    return 0;
}

int64_t gos_sys_fchdir(struct gos *g, const struct gos_regs *r)
{
    int32_t fd = (int32_t)r->a[0];
    int h = gos_host_fd(g, fd);
    if (h < 0)
        return -EBADF;
    struct stat st;
    if (!g->fds[fd].path || fstat(h, &st) != 0 || !S_ISDIR(st.st_mode))
        return -ENOTDIR;
    snprintf(g->cwd, sizeof g->cwd, "%s", g->fds[fd].path);
    return 0;
}

static int32_t do_access(struct gos *g, int32_t dirfd, uint64_t path, uint32_t mode)
{
    if (mode & ~7u)
        return -EINVAL;
    struct gos_path p;
    int rc = guest_path(g, dirfd, path, true, &p);
    if (rc)
        return rc;
    if (p.proc)
        return -ENOENT;
    rc = faccessat(p.dirfd, p.name, (int)mode, AT_SYMLINK_NOFOLLOW) ? -errno : 0;
    path_release(&p);
    if (!rc && (mode & W_OK) && read_only(g, &p))
        rc = -EROFS;
    return rc;
}

int64_t gos_sys_access(struct gos *g, const struct gos_regs *r)
{
    return do_access(g, G_AT_FDCWD, r->a[0], r->a[1]);
}

int64_t gos_sys_faccessat(struct gos *g, const struct gos_regs *r)
{
    return do_access(g, (int32_t)r->a[0], r->a[1], r->a[2]);
}

/* The guest has no terminal: TCGETS, TIOCGWINSZ and every other terminal request answer
 * ENOTTY, so programs treat their output as a file (the same bytes whatever the host's stdout
 * is).  The generic requests every descriptor has are served: FIONBIO (O_NONBLOCK, which
 * Python sets on its sockets so), FIOCLEX and FIONCLEX, and FIONREAD on pipes and sockets
 * (what they hold, the host's answer). */
int64_t gos_sys_ioctl(struct gos *g, const struct gos_regs *r)
{
    int32_t fd = (int32_t)r->a[0];
    int h = gos_host_fd(g, fd);
    if (h < 0)
        return -EBADF;
    switch ((uint32_t)r->a[1]) {
    case 0x5421: { /* FIONBIO */
        int32_t on;
        int rc = gos_copy_in(g, r->a[2], &on, sizeof on);
        if (rc)
            return rc;
        int fl = fcntl(h, F_GETFL);
        if (fl < 0 || fcntl(h, F_SETFL, on ? fl | O_NONBLOCK : fl & ~O_NONBLOCK) != 0)
            return -errno;
        return 0;
    }
    case 0x5451: /* FIOCLEX */
    case 0x5450: /* FIONCLEX */
        g->fds[fd].cloexec = (uint32_t)r->a[1] == 0x5451;
        return 0;
    case 0x541B: { /* FIONREAD */
        int held = 0;
        if (!g->fds[fd].pipe)
            return -ENOTTY; /* files answer it on Linux too, but with their size left: not needed */
        if (ioctl(h, FIONREAD, &held) != 0)
            return -errno;
        int32_t v = held;
        return gos_copy_out(g, r->a[2], &v, sizeof v);
    }
    default:
        return -ENOTTY;
    }
}

int64_t gos_sys_fcntl64(struct gos *g, const struct gos_regs *r)
{
    int32_t fd = (int32_t)r->a[0];
    int h = gos_host_fd(g, fd);
    if (h < 0)
        return -EBADF;
    uint32_t arg = r->a[2];
    switch (r->a[1]) {
    case 0:    /* F_DUPFD */
    case 1030: /* F_DUPFD_CLOEXEC */ {
        if (arg >= GOS_NFDS)
            return -EINVAL;
        int d = host_dup(h);
        if (d < 0)
            return -errno;
        int32_t nfd = fd_install(g, d, (int32_t)arg, r->a[1] == 1030, g->fds[fd].path);
        if (nfd >= 0) {
            g->fds[nfd].random = g->fds[fd].random;
            g->fds[nfd].pipe = g->fds[fd].pipe;
            g->fds[nfd].sys = g->fds[fd].sys;
        }
        return nfd;
    }
    case 1: /* F_GETFD */
        return g->fds[fd].cloexec ? 1 : 0;
    case 2: /* F_SETFD */
        g->fds[fd].cloexec = arg & 1;
        return 0;
    case 3: { /* F_GETFL */
        int fl = fcntl(h, F_GETFL);
        return fl < 0 ? -errno : fl;
    }
    case 4: { /* F_SETFL: only O_APPEND and O_NONBLOCK change */
        int fl = fcntl(h, F_GETFL);
        if (fl < 0)
            return -errno;
        fl &= ~(O_APPEND | O_NONBLOCK);
        if (arg & G_O_APPEND)
            fl |= O_APPEND;
        if (arg & G_O_NONBLOCK)
            fl |= O_NONBLOCK;
        return fcntl(h, F_SETFL, fl) < 0 ? -errno : 0;
    }
    case 6: case 7: case 13: case 14: /* F_SETLK(W)(64): the guest is alone: always granted */
        return 0;
    default:
        return -EINVAL;
    }
}

int64_t gos_sys_dup(struct gos *g, const struct gos_regs *r)
{
    int32_t fd = (int32_t)r->a[0];
    int h = gos_host_fd(g, fd);
    if (h < 0)
        return -EBADF;
    int d = host_dup(h);
    if (d < 0)
        return -errno;
    int32_t nfd = fd_install(g, d, 0, false, g->fds[fd].path);
    if (nfd >= 0) {
        g->fds[nfd].random = g->fds[fd].random;
        g->fds[nfd].pipe = g->fds[fd].pipe;
        g->fds[nfd].sys = g->fds[fd].sys;
    }
    return nfd;
}

static int32_t do_dup3(struct gos *g, int32_t old, int32_t new, bool cloexec)
{
    int h = gos_host_fd(g, old);
    if (h < 0 || new < 0 || new >= GOS_NFDS)
        return -EBADF;
    int d = host_dup(h);
    if (d < 0)
        return -errno;
    char *p = NULL;
    if (g->fds[old].path && !(p = strdup(g->fds[old].path))) {
        close(d);
        gos_fail(g, "out of memory (fd table)");
        return -ENOMEM;
    }
    fd_release(g, new);
    g->fds[new] = (struct gos_fd){d, cloexec, p, NULL, g->fds[old].random, g->fds[old].pipe,
                                   g->fds[old].sys};
    return new;
}

int64_t gos_sys_dup2(struct gos *g, const struct gos_regs *r)
{
    int32_t old = (int32_t)r->a[0], new = (int32_t)r->a[1];
    if (old == new)
        return gos_host_fd(g, old) < 0 ? -EBADF : new;
    return do_dup3(g, old, new, false);
}

int64_t gos_sys_dup3(struct gos *g, const struct gos_regs *r)
{
    int32_t old = (int32_t)r->a[0], new = (int32_t)r->a[1];
    if (r->a[2] & ~G_O_CLOEXEC)
        return -EINVAL;
    if (old == new)
        return -EINVAL;
    return do_dup3(g, old, new, r->a[2] & G_O_CLOEXEC);
}

static int32_t do_pipe(struct gos *g, uint64_t addr, uint32_t flags)
{
    if (flags & ~(G_O_CLOEXEC | G_O_NONBLOCK | G_O_DIRECT))
        return -EINVAL;
    int p[2];
    if (pipe2(p, O_CLOEXEC | ((flags & G_O_NONBLOCK) ? O_NONBLOCK : 0)) != 0)
        return -errno;
    bool ce = flags & G_O_CLOEXEC;
    int32_t a = fd_install(g, p[0], 0, ce, NULL);
    if (a < 0) {
        close(p[1]);
        return a;
    }
    int32_t b = fd_install(g, p[1], 0, ce, NULL);
    if (b < 0) {
        fd_release(g, a);
        return b;
    }
    g->fds[a].pipe = g->fds[b].pipe = true;
    int32_t fds[2] = {a, b};
    int rc = gos_copy_out(g, addr, fds, sizeof fds);
    if (rc) {
        fd_release(g, a);
        fd_release(g, b);
    }
    return rc;
}

int64_t gos_sys_pipe(struct gos *g, const struct gos_regs *r)
{
    return do_pipe(g, r->a[0], 0);
}

int64_t gos_sys_pipe2(struct gos *g, const struct gos_regs *r)
{
    return do_pipe(g, r->a[0], r->a[1]);
}

/* ---- changes to the tree (EROFS unless writable) ----------------------------------------- */

static int32_t do_unlink(struct gos *g, int32_t dirfd, uint64_t path, uint32_t flags)
{
    if (flags & ~G_AT_REMOVEDIR)
        return -EINVAL;
    struct gos_path p;
    int rc = guest_path(g, dirfd, path, false, &p);
    if (rc)
        return rc;
    if (p.proc)
        return -ENOENT;
    if (read_only(g, &p))
        rc = -EROFS;
    else if (unlinkat(p.dirfd, p.name, (flags & G_AT_REMOVEDIR) ? AT_REMOVEDIR : 0) != 0)
        rc = -errno;
    path_release(&p);
    return rc;
}

int64_t gos_sys_unlink(struct gos *g, const struct gos_regs *r)
{
    return do_unlink(g, G_AT_FDCWD, r->a[0], 0);
}

int64_t gos_sys_unlinkat(struct gos *g, const struct gos_regs *r)
{
    return do_unlink(g, (int32_t)r->a[0], r->a[1], r->a[2]);
}

int64_t gos_sys_rmdir(struct gos *g, const struct gos_regs *r)
{
    return do_unlink(g, G_AT_FDCWD, r->a[0], G_AT_REMOVEDIR);
}

static int32_t do_rename(struct gos *g, int32_t od, uint64_t op, int32_t nd, uint64_t np,
                         uint32_t flags)
{
    struct gos_path a, b;
    int rc = guest_path(g, od, op, false, &a);
    if (rc)
        return rc;
    rc = guest_path(g, nd, np, false, &b);
    if (rc) {
        path_release(&a);
        return rc;
    }
    if (a.proc || b.proc)
        rc = -ENOENT;
    else if (read_only(g, &a) || read_only(g, &b))
        rc = -EROFS;
    else if (flags ? renameat2(a.dirfd, a.name, b.dirfd, b.name, flags) != 0
                   : renameat(a.dirfd, a.name, b.dirfd, b.name) != 0)
        rc = -errno;
    path_release(&a);
    path_release(&b);
    return rc;
}

int64_t gos_sys_rename(struct gos *g, const struct gos_regs *r)
{
    return do_rename(g, G_AT_FDCWD, r->a[0], G_AT_FDCWD, r->a[1], 0);
}

int64_t gos_sys_renameat(struct gos *g, const struct gos_regs *r)
{
    return do_rename(g, (int32_t)r->a[0], r->a[1], (int32_t)r->a[2], r->a[3], 0);
}

int64_t gos_sys_renameat2(struct gos *g, const struct gos_regs *r)
{
    return do_rename(g, (int32_t)r->a[0], r->a[1], (int32_t)r->a[2], r->a[3], r->a[4]);
}

static int32_t do_mkdir(struct gos *g, int32_t dirfd, uint64_t path, uint32_t mode)
{
    struct gos_path p;
    int rc = guest_path(g, dirfd, path, false, &p);
    if (rc)
        return rc;
    if (p.proc)
        return -EEXIST;
    if (read_only(g, &p))
        rc = -EROFS;
    else if (mkdirat(p.dirfd, p.name, (mode_t)(mode & 07777 & ~g->umask)) != 0)
        rc = -errno;
    path_release(&p);
    return rc;
}

int64_t gos_sys_mkdir(struct gos *g, const struct gos_regs *r)
{
    return do_mkdir(g, G_AT_FDCWD, r->a[0], r->a[1]);
}

int64_t gos_sys_mkdirat(struct gos *g, const struct gos_regs *r)
{
    return do_mkdir(g, (int32_t)r->a[0], r->a[1], r->a[2]);
}

static int32_t do_ftruncate(struct gos *g, int32_t fd, int64_t len)
{
    int h = gos_host_fd(g, fd);
    if (h < 0)
        return -EBADF;
    if (len < 0)
        return -EINVAL;
    return ftruncate(h, (off_t)len) ? -errno : 0;
}

int64_t gos_sys_ftruncate(struct gos *g, const struct gos_regs *r)
{
    return do_ftruncate(g, (int32_t)r->a[0], gos_long(g, r->a[1]));
}

int64_t gos_sys_ftruncate64(struct gos *g, const struct gos_regs *r)
{
    return do_ftruncate(g, (int32_t)r->a[0], off64((uint32_t)r->a[1], (uint32_t)r->a[2]));
}

int64_t gos_sys_fsync(struct gos *g, const struct gos_regs *r)
{
    int h = gos_host_fd(g, (int32_t)r->a[0]);
    if (h < 0)
        return -EBADF;
    return (fsync(h) != 0 && errno != EINVAL && errno != EROFS) ? -errno : 0;
}

int64_t gos_sys_umask(struct gos *g, const struct gos_regs *r)
{
    unsigned old = g->umask;
    g->umask = r->a[0] & 0777;
    return (int32_t)old;
}

/* ---- attributes and links (EROFS unless writable) ----------------------------------------- */

static int32_t do_chmod(struct gos *g, int32_t dirfd, uint64_t path, uint32_t mode)
{
    struct gos_path p;
    int rc = guest_path(g, dirfd, path, true, &p);
    if (rc)
        return rc;
    if (p.proc)
        return -ENOENT;
    if (read_only(g, &p))
        rc = -EROFS;
    /* NOFOLLOW: the link was resolved by gos; one swapped in is refused, not followed. */
    else if (fchmodat(p.dirfd, p.name, (mode_t)(mode & 07777), AT_SYMLINK_NOFOLLOW) != 0)
        rc = -errno;
    path_release(&p);
    return rc;
}

int64_t gos_sys_chmod(struct gos *g, const struct gos_regs *r)
{
    return do_chmod(g, G_AT_FDCWD, r->a[0], r->a[1]);
}

int64_t gos_sys_fchmodat(struct gos *g, const struct gos_regs *r)
{
    return do_chmod(g, (int32_t)r->a[0], r->a[1], r->a[2]);
}

int64_t gos_sys_fchmod(struct gos *g, const struct gos_regs *r)
{
    int h = gos_host_fd(g, (int32_t)r->a[0]);
    if (h < 0)
        return -EBADF;
    if (!g->opt.writable || g->fds[(int32_t)r->a[0]].sys)
        return -EROFS;
    return fchmod(h, (mode_t)(r->a[1] & 07777)) ? -errno : 0;
}

static int32_t do_chown(struct gos *g, int32_t dirfd, uint64_t path, uint32_t uid, uint32_t gid,
                        bool follow)
{
    struct gos_path p;
    int rc = guest_path(g, dirfd, path, follow, &p);
    if (rc)
        return rc;
    if (p.proc)
        return -ENOENT;
    if (read_only(g, &p))
        rc = -EROFS;
    else if (fchownat(p.dirfd, p.name, (uid_t)uid, (gid_t)gid, AT_SYMLINK_NOFOLLOW) != 0)
        rc = -errno;
    path_release(&p);
    return rc;
}

int64_t gos_sys_chown32(struct gos *g, const struct gos_regs *r)
{
    return do_chown(g, G_AT_FDCWD, r->a[0], r->a[1], r->a[2], true);
}

int64_t gos_sys_lchown32(struct gos *g, const struct gos_regs *r)
{
    return do_chown(g, G_AT_FDCWD, r->a[0], r->a[1], r->a[2], false);
}

int64_t gos_sys_fchownat(struct gos *g, const struct gos_regs *r)
{
    return do_chown(g, (int32_t)r->a[0], r->a[1], r->a[2], r->a[3],
                    !(r->a[4] & G_AT_SYMLINK_NOFOLLOW));
}

int64_t gos_sys_fchown32(struct gos *g, const struct gos_regs *r)
{
    int h = gos_host_fd(g, (int32_t)r->a[0]);
    if (h < 0)
        return -EBADF;
    if (!g->opt.writable || g->fds[(int32_t)r->a[0]].sys)
        return -EROFS;
    return fchown(h, (uid_t)r->a[1], (gid_t)r->a[2]) ? -errno : 0;
}

/* The link text is stored as given: gos resolves it inside the root whenever it is used. */
static int32_t do_symlink(struct gos *g, uint64_t target, int32_t dirfd, uint64_t path)
{
    char t[GOS_PATH_MAX];
    int rc = gos_copy_str(g, target, t, sizeof t);
    if (rc)
        return rc;
    struct gos_path p;
    rc = guest_path(g, dirfd, path, false, &p);
    if (rc)
        return rc;
    if (p.proc)
        return -EEXIST;
    if (read_only(g, &p))
        rc = -EROFS;
    else if (symlinkat(t, p.dirfd, p.name) != 0)
        rc = -errno;
    path_release(&p);
    return rc;
}

int64_t gos_sys_symlink(struct gos *g, const struct gos_regs *r)
{
    return do_symlink(g, r->a[0], G_AT_FDCWD, r->a[1]);
}

int64_t gos_sys_symlinkat(struct gos *g, const struct gos_regs *r)
{
    return do_symlink(g, r->a[0], (int32_t)r->a[1], r->a[2]);
}

static int32_t do_link(struct gos *g, int32_t od, uint64_t op, int32_t nd, uint64_t np,
                       uint32_t flags)
{
    if (flags & ~0x400u) /* AT_SYMLINK_FOLLOW */
        return -EINVAL;
    struct gos_path a, b;
    int rc = guest_path(g, od, op, flags & 0x400u, &a);
    if (rc)
        return rc;
    rc = guest_path(g, nd, np, false, &b);
    if (rc) {
        path_release(&a);
        return rc;
    }
    if (a.proc || b.proc)
        rc = -ENOENT;
    else if (read_only(g, &a) || read_only(g, &b))
        rc = -EROFS;
    else if (linkat(a.dirfd, a.name, b.dirfd, b.name, 0) != 0)
        rc = -errno;
    path_release(&a);
    path_release(&b);
    return rc;
}

int64_t gos_sys_link(struct gos *g, const struct gos_regs *r)
{
    return do_link(g, G_AT_FDCWD, r->a[0], G_AT_FDCWD, r->a[1], 0);
}

int64_t gos_sys_linkat(struct gos *g, const struct gos_regs *r)
{
    return do_link(g, (int32_t)r->a[0], r->a[1], (int32_t)r->a[2], r->a[3], r->a[4]);
}

/* utimensat(dirfd, path or NULL, times[2] or NULL, flags).  "Now" (NULL or UTIME_NOW) is the
 * virtual clock, so the tree the guest leaves behind is the same on every run. */
static int32_t do_utimensat(struct gos *g, const struct gos_regs *r, bool wide)
{
    const int64_t utime_now = 0x3fffffff, utime_omit = 0x3ffffffe;
    uint32_t flags = r->a[3];
    if (flags & ~G_AT_SYMLINK_NOFOLLOW)
        return -EINVAL;
    struct timespec ts[2];
    if (r->a[2]) {
        int64_t v[4];
        if (wide) {
            int rc = gos_copy_in(g, r->a[2], v, sizeof v);
            if (rc)
                return rc;
        } else {
            int32_t w[4];
            int rc = gos_copy_in(g, r->a[2], w, sizeof w);
            if (rc)
                return rc;
            for (int i = 0; i < 4; i++)
                v[i] = w[i];
        }
        for (int i = 0; i < 2; i++) {
            ts[i].tv_sec = (time_t)v[2 * i];
            ts[i].tv_nsec = (long)v[2 * i + 1];
            if (v[2 * i + 1] == utime_now) {
                int64_t now = gos_realtime_now(g);
                ts[i].tv_sec = (time_t)(now / 1000000000);
                ts[i].tv_nsec = (long)(now % 1000000000);
            } else if (v[2 * i + 1] != utime_omit &&
                       (v[2 * i + 1] < 0 || v[2 * i + 1] >= 1000000000)) {
                return -EINVAL;
            }
        }
    } else {
        int64_t now = gos_realtime_now(g);
        ts[0].tv_sec = ts[1].tv_sec = (time_t)(now / 1000000000);
        ts[0].tv_nsec = ts[1].tv_nsec = (long)(now % 1000000000);
    }
    int rc;
    if (!r->a[1]) { /* futimens(dirfd) */
        int h = gos_host_fd(g, (int32_t)r->a[0]);
        if (h < 0)
            return -EBADF;
        if (!g->opt.writable || g->fds[(int32_t)r->a[0]].sys)
            return -EROFS;
        return futimens(h, ts) ? -errno : 0;
    }
    struct gos_path p;
    rc = guest_path(g, (int32_t)r->a[0], r->a[1], !(flags & G_AT_SYMLINK_NOFOLLOW), &p);
    if (rc)
        return rc;
    if (p.proc)
        return -ENOENT;
    if (read_only(g, &p))
        rc = -EROFS;
    else if (utimensat(p.dirfd, p.name, ts, AT_SYMLINK_NOFOLLOW) != 0)
        rc = -errno;
    path_release(&p);
    return rc;
}

int64_t gos_sys_utimensat(struct gos *g, const struct gos_regs *r)
{
    return do_utimensat(g, r, false);
}

int64_t gos_sys_utimensat_time64(struct gos *g, const struct gos_regs *r)
{
    return do_utimensat(g, r, true);
}

int64_t gos_sys_sync(struct gos *g, const struct gos_regs *r)
{
    (void)g;
    (void)r;
    return 0;
}

/* ---- processes (gos_proc.c) ------------------------------------------------------------ */

int gos_fs_fork(struct gos *c, const struct gos *parent)
{
    c->root_fd = -1;
    for (int i = 0; i < GOS_NFDS; i++)
        c->fds[i] = (struct gos_fd){-1, false, NULL, NULL, false, false, false};
    c->exe_fd = -1;
    c->sysroot_fd = -1;
    c->root_fd = host_dup(parent->root_fd);
    if (c->root_fd < 0)
        return -1;
    if (parent->sysroot_fd >= 0 && (c->sysroot_fd = host_dup(parent->sysroot_fd)) < 0)
        return -1;
    if (parent->exe_fd >= 0 && (c->exe_fd = host_dup(parent->exe_fd)) < 0)
        return -1;
    for (int i = 0; i < GOS_NFDS; i++) {
        const struct gos_fd *f = &parent->fds[i];
        if (f->host < 0)
            continue;
        /* a host dup shares the open file description: offsets and flags, as fork's */
        int h = host_dup(f->host);
        char *p = f->path ? strdup(f->path) : NULL;
        if (h < 0 || (f->path && !p)) {
            if (h >= 0)
                close(h);
            free(p);
            return -1;
        }
        c->fds[i] = (struct gos_fd){h, f->cloexec, p, NULL, f->random, f->pipe, f->sys};
    }
    return 0;
}

void gos_fs_close_all(struct gos *g)
{
    for (int i = 0; i < GOS_NFDS; i++)
        if (g->fds[i].host >= 0 || g->fds[i].path)
            fd_release(g, i);
}

void gos_fs_exec(struct gos *g)
{
    for (int i = 0; i < GOS_NFDS; i++)
        if (g->fds[i].host >= 0 && g->fds[i].cloexec)
            fd_release(g, i);
}

int gos_fs_open_exec(struct gos *g, const char *path, int *host_fd, char *guest_path,
                     size_t len)
{
    struct gos_path p;
    p.dirfd = -1;
    int rc = resolve(g, G_AT_FDCWD, path, true, &p);
    if (rc)
        return rc;
    if (p.proc) {
        /* /proc/self/exe: the program this process runs (busybox runs its applets so) */
        bool self = proc_is_exe(g, p.guest) && g->exe_fd >= 0;
        path_release(&p);
        if (!self)
            return -EACCES;
        int d = host_dup(g->exe_fd);
        if (d < 0)
            return -errno;
        *host_fd = d;
        snprintf(guest_path, len, "%s", g->exe_path);
        return 0;
    }
    snprintf(guest_path, len, "%s", p.guest[0] ? p.guest : "/");
    int h = openat(p.dirfd, p.name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    int err = errno;
    path_release(&p);
    if (h < 0)
        return -err;
    struct stat st;
    if (fstat(h, &st) != 0 || !S_ISREG(st.st_mode) || !(st.st_mode & 0111)) {
        close(h);
        return -EACCES; /* execve: not a regular file, or no execute permission */
    }
    *host_fd = h;
    return 0;
}

void gos_fs_set_exe(struct gos *g, int host_fd)
{
    int d = host_dup(host_fd);
    if (g->exe_fd >= 0)
        close(g->exe_fd);
    g->exe_fd = d;
}
