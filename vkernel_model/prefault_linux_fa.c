/* vkernel_model/prefault_linux_fa.c - policy linux-fa: Linux fault-around, an aligned 16-page
 * window (fault_around_bytes = 64 KiB) on read faults in file regions, resident pages mapped
 * read-only. */
#include "vk_internal.h"

const struct vk_policy vk_policy_linux_fa = {
    .name = "linux-fa",
    .usage = "linux-fa",
    .desc = "Linux fault-around: aligned 16-page window, read faults on file regions, read-only",
    .run = vk_fault_around,
};
