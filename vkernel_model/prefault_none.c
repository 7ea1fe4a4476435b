/* vkernel_model/prefault_none.c - policy none: the faulting page only. */
#include "vk_internal.h"

static void none_run(struct vk_prefault *pf)
{
    (void)pf;
}

const struct vk_policy vk_policy_none = {
    .name = "none",
    .usage = "none",
    .desc = "the faulting page only (no prefault)",
    .run = none_run,
};
