/* vkernel_model/prefault_oracle.c - policy oracle:N (replay only): at each reflection, prefaults
 * the pages that the next N reflections of policy none would touch (same scheme and dirty
 * strategy, recorded in a first pass over the trace), each in its own region, with the 6 step 3
 * bits, anonymous pages zero-filled first.  "Next" is aligned on the user access record: the
 * none reflections of later access records.  It bounds what any prefault can save.  In native
 * schemes the faults of native/none play the part of the reflections. */
#include <stdlib.h>

#include "vk_internal.h"

#define ORACLE_MAX 65536u

struct oracle_state {
    size_t next; /* first none reflection not yet behind the current access */
};

static int oracle_parse(const char *args, struct vk_policy_spec *out, char *err, size_t errlen)
{
    char *end;
    unsigned long n = args ? strtoul(args, &end, 10) : 0;
    if (!args || end == args || *end || n == 0 || n > ORACLE_MAX) {
        snprintf(err, errlen, "policy oracle: expected oracle:N with N from 1 to %u", ORACLE_MAX);
        return -1;
    }
    out->n = (unsigned)n;
    snprintf(out->text, sizeof out->text, "oracle:%u", out->n);
    return 0;
}

static void oracle_run(struct vk_prefault *pf)
{
    struct vk_model *m = pf->m;
    struct oracle_state *st = pf->state;
    const struct vk_reflections *none = m->cfg.opt.oracle;
    if (!none) {
        vk_fail(m, "policy oracle:N needs the reflections of policy none (replay only)");
        return;
    }
    uint64_t now = *m->seqp;
    while (st->next < none->n && none->v[st->next].seq <= now)
        st->next++;
    for (size_t k = st->next; k < none->n && k < st->next + pf->spec->n; k++)
        if (none->v[k].vpn != pf->vpn &&
            vk_prefault_try_page(m, none->v[k].vpn, VK_ENTER_ZERO_FILL) == VK_CANDIDATE_ERROR)
            return;
}

const struct vk_policy vk_policy_oracle = {
    .name = "oracle",
    .usage = "oracle:N",
    .desc = "replay only: the pages of the next N reflections of none (a bound on prefault)",
    .parse = oracle_parse,
    .run = oracle_run,
    .state_size = sizeof(struct oracle_state),
    .needs_first_pass = true,
};
