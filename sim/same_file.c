/* sim/same_file.c - refusing a command line whose output would overwrite one of its inputs or
 * another of its outputs (`replay T --json T`, `--json X --csv X`, `convert X -o X`).
 *
 * Two paths name the same file when both exist and have the same device and inode (hard
 * links, symlinks, `./x` and `x` all agree), or when neither exists and they normalise to the
 * same name: the directory part resolved with realpath(3), then the last component.  A
 * dangling symlink is followed one level, since a direct write through it creates the target.
 * An output written through a temporary (PATH.tmp, or PATH.tmp.PID for sim_atomic_open) also
 * clashes with an input of that temporary name: creating the temporary would truncate it. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sim.h"

struct sim_path {
    const char *role;  /* "--json", "TRACE", ... */
    char *path;        /* as given (or the derived temporary name) */
    enum sim_path_kind kind;
    bool is_tmp;       /* the temporary of an output: compared with the inputs only */
    size_t owner;      /* for a temporary, the index of its output */
    bool exists;
    mode_t mode;
    dev_t dev;
    ino_t ino;
    char *norm;        /* for a path that does not exist: realpath(dir) "/" base */
};

void sim_paths_init(struct sim_paths *p)
{
    p->v = NULL;
    p->n = p->cap = 0;
    p->oom = false;
}

void sim_paths_fini(struct sim_paths *p)
{
    for (size_t k = 0; k < p->n; k++) {
        free(p->v[k].path);
        free(p->v[k].norm);
    }
    free(p->v);
    sim_paths_init(p);
}

/* realpath of the directory part of path, "/" and the last component (trailing slashes
 * dropped); the directory as given when it cannot be resolved (the write fails there anyway). */
static char *normalise(const char *path)
{
    size_t len = strlen(path);
    while (len > 1 && path[len - 1] == '/')
        len--;
    char *copy = strndup(path, len);
    if (!copy)
        return NULL;
    char *slash = strrchr(copy, '/');
    const char *base = slash ? slash + 1 : copy;
    const char *dir = ".";
    if (slash) {
        *slash = '\0';
        dir = copy[0] ? copy : "/";
    }
    char resolved[PATH_MAX];
    const char *d = realpath(dir, resolved) ? resolved : dir;
    char *out = NULL;
    if (asprintf(&out, "%s/%s", strcmp(d, "/") ? d : "", base) < 0)
        out = NULL;
    free(copy);
    return out;
}

/* The name a dangling symlink at path points to (relative targets taken from the link's
 * directory), or a copy of path when it is not one. */
static char *follow_dangling(const char *path)
{
    struct stat st;
    char target[PATH_MAX];
    ssize_t n;
    if (lstat(path, &st) != 0 || !S_ISLNK(st.st_mode) ||
        (n = readlink(path, target, sizeof target - 1)) <= 0)
        return strdup(path);
    target[n] = '\0';
    const char *slash = strrchr(path, '/');
    char *out = NULL;
    if (target[0] == '/' || !slash)
        return strdup(target);
    if (asprintf(&out, "%.*s/%s", (int)(slash - path), path, target) < 0)
        return NULL;
    return out;
}

static void push(struct sim_paths *p, const char *role, char *path, enum sim_path_kind kind,
                 bool is_tmp, size_t owner)
{
    if (!path || p->oom) {
        free(path);
        p->oom = true;
        return;
    }
    if (p->n == p->cap) {
        size_t cap = p->cap ? 2 * p->cap : 8;
        struct sim_path *v = realloc(p->v, cap * sizeof *v);
        if (!v) {
            free(path);
            p->oom = true;
            return;
        }
        p->v = v;
        p->cap = cap;
    }
    struct sim_path *e = &p->v[p->n];
    *e = (struct sim_path){
        .role = role, .path = path, .kind = kind, .is_tmp = is_tmp, .owner = owner};
    struct stat st;
    if (stat(path, &st) == 0) {
        e->exists = true;
        e->mode = st.st_mode;
        e->dev = st.st_dev;
        e->ino = st.st_ino;
    } else {
        char *target = follow_dangling(path);
        e->norm = target ? normalise(target) : NULL;
        free(target);
        if (!e->norm) {
            free(path);
            p->oom = true;
            return;
        }
    }
    p->n++;
}

void sim_paths_add(struct sim_paths *p, const char *role, const char *path,
                   enum sim_path_kind kind)
{
    if (!path || !strcmp(path, "-"))
        return; /* standard input or output */
    size_t owner = p->n;
    push(p, role, strdup(path), kind, false, owner);
    if (kind == SIM_PATH_OUT_TMP) {
        char *t = NULL, *tp = NULL;
        push(p, role, asprintf(&t, "%s.tmp", path) < 0 ? NULL : t, kind, true, owner);
        push(p, role, asprintf(&tp, "%s.tmp.%ld", path, (long)getpid()) < 0 ? NULL : tp, kind,
             true, owner);
    }
}

static bool same(const struct sim_path *a, const struct sim_path *b)
{
    if (a->exists != b->exists)
        return false;
    if (a->exists)
        return a->dev == b->dev && a->ino == b->ino;
    return !strcmp(a->norm, b->norm);
}

/* rename(2) over a device or FIFO replaces the node itself (as root, `-o /dev/null` would
 * leave a regular file there); a directory makes the rename fail, reported then. */
static int check_replaceable(const struct sim_path *e, const char *cmd)
{
    if (e->kind != SIM_PATH_OUT_TMP || e->is_tmp || !e->exists || S_ISREG(e->mode) ||
        S_ISDIR(e->mode))
        return VKMMU_EXIT_OK;
    fprintf(stderr, "vkmmu %s: %s '%s' is not a regular file (a device, FIFO or socket): the "
                    "result is written to a temporary file renamed over it, which would "
                    "replace it (choose a regular file)\n", cmd, e->role, e->path);
    return VKMMU_EXIT_USAGE;
}

int sim_paths_check(const struct sim_paths *p, const char *cmd)
{
    if (p->oom) {
        fprintf(stderr, "vkmmu %s: out of memory\n", cmd);
        return VKMMU_EXIT_FAILED;
    }
    for (size_t j = 0; j < p->n; j++)
        if (check_replaceable(&p->v[j], cmd) != VKMMU_EXIT_OK)
            return VKMMU_EXIT_USAGE;
    for (size_t j = 0; j < p->n; j++) {
        const struct sim_path *b = &p->v[j];
        if (b->kind == SIM_PATH_IN)
            continue; /* the later path of a clashing pair is always an output */
        for (size_t i = 0; i < p->n; i++) {
            const struct sim_path *a = &p->v[i];
            bool a_out = a->kind != SIM_PATH_IN;
            if (i == j || (a_out && (i > j || a->is_tmp || b->is_tmp)) || !same(a, b))
                continue;
            if (b->is_tmp)
                fprintf(stderr, "vkmmu %s: %s '%s' is the temporary file of %s '%s': writing "
                                "it would overwrite the input (choose another output path)\n",
                        cmd, a->role, a->path, b->role, p->v[b->owner].path);
            else
                fprintf(stderr, "vkmmu %s: %s '%s' and %s '%s' are the same file: an output "
                                "may not overwrite an input or another output\n",
                        cmd, a->role, a->path, b->role, b->path);
            return VKMMU_EXIT_USAGE;
        }
    }
    return VKMMU_EXIT_OK;
}

void sim_paths_add_results(struct sim_paths *p, const struct sim_model_opts *o)
{
    /* A costs file is an input too (a profile name that names no file is not). */
    struct stat st;
    if (o->costs_arg && stat(o->costs_arg, &st) == 0)
        sim_paths_add(p, "--costs", o->costs_arg, SIM_PATH_IN);
    sim_paths_add(p, "--json", o->json_path, SIM_PATH_OUT_TMP);
    sim_paths_add(p, "--csv", o->csv_path, SIM_PATH_OUT_TMP);
    if (!o->csv_path || !o->interval)
        return;
    /* X.csv -> X.timeline.csv, as sim_report_all names it */
    size_t len = strlen(o->csv_path);
    int stem = (int)(len >= 4 && !strcmp(o->csv_path + len - 4, ".csv") ? len - 4 : len);
    char *tl = NULL;
    if (asprintf(&tl, "%.*s.timeline.csv", stem, o->csv_path) < 0) {
        p->oom = true;
        return;
    }
    sim_paths_add(p, "the timeline of --csv", tl, SIM_PATH_OUT_TMP);
    free(tl);
}
