/* vkernel_model/prefault_dfly2010.c - policy dfly2010: DragonFly 2.6 vm_prefault with
 * vm.prefault_pages=8 and vm.fast_fault=1: offsets -1,+1,...,-4,+4; outside the region is
 * skipped; each direction stops at its first candidate that already has a valid entry;
 * page-table pages are allocated; resident pages get the 6 step 3 bits; never-touched anonymous
 * pages of writable regions are zero-filled first; other non-resident pages are skipped. */
#include "vk_internal.h"

static void dfly2010_run(struct vk_prefault *pf)
{
    bool stopped[2] = {false, false}; /* [0] backwards, [1] forwards */
    for (unsigned k = 0; k < 8; k++) {
        int64_t off = vk_prefault_sym_offset(k);
        int dir = off > 0;
        if (stopped[dir])
            continue;
        enum vk_candidate_result r = vk_prefault_try(pf, off, VK_ENTER_ZERO_FILL_WRITABLE);
        if (r == VK_CANDIDATE_ERROR)
            return;
        if (r == VK_CANDIDATE_VALID)
            stopped[dir] = true;
    }
}

const struct vk_policy vk_policy_dfly2010 = {
    .name = "dfly2010",
    .usage = "dfly2010",
    .desc = "DragonFly 2.6 vm_prefault (8 pages, fast_fault): each direction stops at a mapped page",
    .run = dfly2010_run,
};
