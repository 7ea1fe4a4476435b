/* vkernel_model/prefault_dfly.c - policy dfly: DragonFly/FreeBSD pmap_prefault (PFBAK = PFFOR
 * = 4): offsets -1,+1,...,-4,+4; skips candidates outside the region, without a page-table
 * page, or with a non-zero entry; a non-resident page stops the whole scan.  Entries are
 * V|U|MANAGED (readable only in scheme vpt), never writable. */
#include "vk_internal.h"

static void dfly_run(struct vk_pf *pf)
{
    for (unsigned k = 0; k < 8; k++) {
        enum vk_pf_res r = vk_pf_try(pf, vk_pf_sym_offset(k), VK_PFF_DFLY);
        if (r == VK_PF_NOT_RESIDENT || r == VK_PF_ERROR)
            return;
    }
}

const struct vk_policy vk_policy_dfly = {
    .name = "dfly",
    .usage = "dfly",
    .desc = "DragonFly 1.10 pmap_prefault: +-4 pages, existing page tables, stop at non-resident",
    .run = dfly_run,
};
