/* vkernel_model/prefault_dfly.c - policy dfly: DragonFly/FreeBSD pmap_prefault (PFBAK = PFFOR
 * = 4): offsets -1,+1,...,-4,+4; skips candidates outside the region, without a page-table
 * page, or with a non-zero entry; a non-resident page stops the whole scan.  Entries are
 * V|U|MANAGED (readable where the scheme has quick_entry_readable: vpt, ept), never writable. */
#include "vk_internal.h"

static void dfly_run(struct vk_prefault *pf)
{
    for (unsigned k = 0; k < 8; k++) {
        enum vk_candidate_result r =
            vk_prefault_try(pf, vk_prefault_sym_offset(k), VK_ENTER_QUICK);
        if (r == VK_CANDIDATE_NOT_RESIDENT || r == VK_CANDIDATE_ERROR)
            return;
    }
}

const struct vk_policy vk_policy_dfly = {
    .name = "dfly",
    .usage = "dfly",
    .desc = "DragonFly 1.10 pmap_prefault: +-4 pages, existing page tables, stop at non-resident",
    .run = dfly_run,
};
