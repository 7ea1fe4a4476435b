/* guest/gos_dso.c - which shared objects the guest looked for and never found.
 *
 * ld.so searches a library in several directories (the cache, the RPATH, the hwcaps
 * subdirectories, the defaults) and opens each candidate; when none opens it prints "cannot
 * open shared object file" and exits 127.  The guest sees exactly that, as on Linux; the
 * run's report adds a note naming each shared object (a file name ending in ".so" or with
 * ".so." in it) that every open of it failed with ENOENT and no open of the same name
 * succeeded, so a researcher sees what the view (--root, --sysroot) lacks. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "gos_internal.h"

/* Whether name (a final path component) names a shared object. */
static bool is_shared_object(const char *name)
{
    for (const char *p = strstr(name, ".so"); p; p = strstr(p + 1, ".so"))
        if (p[3] == '\0' || p[3] == '.')
            return true;
    return false;
}

/* The guest's path string, read as the engine sees memory: the call has read it already, so
 * this second look is no access of the guest's (the models are not told).  0, or -1. */
static int peek_str(struct gos *g, uint64_t addr, char *out, size_t max)
{
    for (size_t got = 0; got < max;) {
        uint64_t a = addr + got;
        size_t chunk = GOS_PAGE - (size_t)(a & (GOS_PAGE - 1));
        if (chunk > max - got)
            chunk = max - got;
        if (a >= gos_user_limit(g) || g->mem.read(g->mem.ctx, a, out + got, chunk) != 0)
            return -1;
        if (memchr(out + got, 0, chunk))
            return 0;
        got += chunk;
    }
    return -1;
}

void gos_dso_open_result(struct gos *g, uint64_t path_addr, int64_t rc)
{
    if (rc < 0 && rc != -ENOENT)
        return;
    char path[GOS_PATH_MAX];
    if (peek_str(g, path_addr, path, sizeof path) != 0)
        return;
    const char *slash = strrchr(path, '/');
    const char *name = slash ? slash + 1 : path;
    if (!is_shared_object(name) || strlen(name) >= sizeof g->w->dso[0].name)
        return;
    struct gos_world *w = g->w;
    size_t i = 0;
    while (i < w->ndso && strcmp(w->dso[i].name, name) != 0)
        i++;
    if (i == w->ndso) {
        if (w->ndso == GOS_MAX_DSO)
            return;
        w->ndso++;
        memset(&w->dso[i], 0, sizeof w->dso[i]);
        snprintf(w->dso[i].name, sizeof w->dso[i].name, "%s", name);
        snprintf(w->dso[i].first_path, sizeof w->dso[i].first_path, "%.159s", path);
    }
    if (rc >= 0)
        w->dso[i].found = true;
    else
        w->dso[i].misses++;
}

void gos_dso_notes(struct gos *g)
{
    const struct gos_world *w = g->w;
    for (size_t i = 0; i < w->ndso; i++) {
        if (w->dso[i].found)
            continue;
        char line[400];
        snprintf(line, sizeof line,
                 "the guest looked for the shared object %.63s in %u place%s (first %.159s) and "
                 "found it in no view the guest has (--root, --sysroot)",
                 w->dso[i].name, w->dso[i].misses, w->dso[i].misses == 1 ? "" : "s",
                 w->dso[i].first_path);
        gos_note(g, line);
    }
}
