/* vkernel_model/prefault_ptpage.c - policy ptpage: every page of the region inside the range
 * covered by the faulting page's page-table page (4 MiB on i386, 2 MiB on x86-64); anonymous
 * pages zero-filled first; entered with the 6 step 3 bits, in ascending order. */
#include "vk_internal.h"

static void ptpage_run(struct vk_prefault *pf)
{
    uint64_t n = pf->m->vs->space.leaf_pages;
    uint64_t base = pf->vpn & ~(n - 1);
    uint64_t lo = base > pf->lo ? base : pf->lo, hi = base + n < pf->hi ? base + n : pf->hi;
    for (uint64_t v = lo; v < hi; v++) {
        if (v == pf->vpn)
            continue;
        if (vk_prefault_try(pf, (int64_t)(v - pf->vpn), VK_ENTER_ZERO_FILL) == VK_CANDIDATE_ERROR)
            return;
    }
}

const struct vk_policy vk_policy_ptpage = {
    .name = "ptpage",
    .usage = "ptpage",
    .desc = "every page of the region under the faulting page's page-table page; zero-fills",
    .run = ptpage_run,
};
