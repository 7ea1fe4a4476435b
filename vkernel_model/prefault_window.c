/* vkernel_model/prefault_window.c - policy window:N[:fwd|sym|aligned]: N candidates besides the
 * faulting page: the next N pages (fwd), N in the order -1,+1,-2,+2,... (sym), or the other
 * pages of the aligned block of N pages holding the fault (aligned); clipped to the region;
 * anonymous pages zero-filled first; entered with the 6 step 3 bits. */
#include <stdlib.h>
#include <string.h>

#include "vk_internal.h"

#define WINDOW_MAX 65536u

static int window_parse(const char *args, struct vk_policy_spec *out, char *err, size_t errlen)
{
    if (!args || !*args) {
        snprintf(err, errlen, "policy window needs a size: window:N[:fwd|sym|aligned]");
        return -1;
    }
    char *end;
    unsigned long n = strtoul(args, &end, 10);
    if (end == args || n == 0 || n > WINDOW_MAX || (*end && *end != ':')) {
        snprintf(err, errlen, "policy window: expected a size N from 1 to %u in '%s'", WINDOW_MAX,
                 args);
        return -1;
    }
    out->n = (unsigned)n;
    out->mode = VK_WIN_FWD;
    if (*end == ':') {
        const char *mode = end + 1;
        if (strcmp(mode, "fwd") == 0)
            out->mode = VK_WIN_FWD;
        else if (strcmp(mode, "sym") == 0)
            out->mode = VK_WIN_SYM;
        else if (strcmp(mode, "aligned") == 0)
            out->mode = VK_WIN_ALIGNED;
        else {
            snprintf(err, errlen, "policy window: expected fwd, sym or aligned, found '%s'", mode);
            return -1;
        }
    }
    static const char *const names[] = {"fwd", "sym", "aligned"};
    if (out->mode == VK_WIN_FWD)
        snprintf(out->text, sizeof out->text, "window:%u", out->n);
    else
        snprintf(out->text, sizeof out->text, "window:%u:%s", out->n, names[out->mode]);
    return 0;
}

static void window_run(struct vk_prefault *pf)
{
    unsigned n = pf->spec->n;
    if (pf->spec->mode == VK_WIN_ALIGNED) {
        uint64_t base = pf->vpn - pf->vpn % n;
        for (uint64_t v = base; v < base + n; v++) {
            if (v == pf->vpn)
                continue;
            int64_t off = (int64_t)(v - pf->vpn);
            if (vk_prefault_try(pf, off, VK_ENTER_ZERO_FILL) == VK_CANDIDATE_ERROR)
                return;
        }
        return;
    }
    for (unsigned k = 0; k < n; k++) {
        int64_t off = pf->spec->mode == VK_WIN_SYM ? vk_prefault_sym_offset(k) : (int64_t)k + 1;
        if (vk_prefault_try(pf, off, VK_ENTER_ZERO_FILL) == VK_CANDIDATE_ERROR)
            return;
    }
}

const struct vk_policy vk_policy_window = {
    .name = "window",
    .usage = "window:N[:fwd|sym|aligned]",
    .desc = "N pages besides the fault: forward, alternating, or its aligned block; zero-fills",
    .parse = window_parse,
    .run = window_run,
};
