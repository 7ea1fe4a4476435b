/* vkernel_model/vk_tables.c - the scheme and dirty-strategy tables (they parse the options,
 * drive `vkmmu list`, echo the configuration and give the model each one's behaviour), and
 * small parsers.  Adding a scheme is one entry here plus its functions (vk_fault.c); adding
 * a dirty strategy is one entry and its entry_m. */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "vk_internal.h"

/* ---- schemes (model.md section 5) ---- */

static const struct vk_scheme scheme_vpt110 = {
    .name = "vpt-1.10",
    .desc = "DragonFly 1.10 vpagetable: read faults map read-only, dirty-bit traps",
    .vkernel = true,
    .cost_class = MMU_CLASS_VPT,
    .real_fault = vk_vpt_fault,
    .kernel_page = vk_kernel_page_vkernel,
};
static const struct vk_scheme scheme_vpt = {
    .name = "vpt",
    .desc = "vpagetable with the 2017 fixes: read faults on W|M vptes map writable",
    .vkernel = true,
    .cost_class = MMU_CLASS_VPT,
    .real_fault = vk_vpt_fault,
    .kernel_page = vk_kernel_page_vkernel,
    .read_fault_maps_wm_writable = true, /* c50e690bc7 (2017) */
    .quick_entry_readable = true,
    .fork_protect_skips_clean = true, /* b443039b5d (2017) */
};
static const struct vk_scheme scheme_ept = {
    .name = "ept",
    .desc = "2013 VMX mode: hardware walks the vptes and an EPT; no dirty-bit traps",
    .vkernel = true,
    .cost_class = MMU_CLASS_EPT,
    .real_fault = vk_ept_fault,
    .kernel_page = vk_kernel_page_vkernel,
    .quick_entry_readable = true,
    .nested_paging = true,
    .tagged_tlb = true,
};
static const struct vk_scheme scheme_native = {
    .name = "native",
    .desc = "baseline: the same program on a real BSD kernel, no vkernel",
    .cost_class = MMU_CLASS_NATIVE,
    .real_fault = vk_native_fault,
    .kernel_page = vk_kernel_page_native,
};
static const struct vk_scheme scheme_linux = {
    .name = "linux",
    .desc = "the program on Linux: zero page on read, built-in 16-page fault-around",
    .cost_class = MMU_CLASS_NATIVE,
    .real_fault = vk_native_fault,
    .kernel_page = vk_kernel_page_native,
    .builtin_prefault = vk_fault_around,
    .zero_page_on_read = true,
    .fork_copies_ptes = true,
};

const struct vk_scheme *const vk_schemes[] = {&scheme_vpt110, &scheme_vpt,   &scheme_ept,
                                              &scheme_native, &scheme_linux, NULL};

const struct vk_scheme *vk_scheme_find(const char *name)
{
    for (int i = 0; vk_schemes[i]; i++)
        if (strcmp(vk_schemes[i]->name, name) == 0)
            return vk_schemes[i];
    return NULL;
}

/* ---- dirty-bit strategies (model.md section 8) ---- */

static uint64_t strict_entry_m(uint64_t bits, bool write_fault)
{
    (void)bits;
    (void)write_fault;
    return 0; /* M is set only by the real kernel's walk */
}

static uint64_t hint_entry_m(uint64_t bits, bool write_fault)
{
    (void)bits;
    return write_fault ? VPTE_M : 0;
}

static uint64_t eager_entry_m(uint64_t bits, bool write_fault)
{
    (void)write_fault;
    return (bits & VPTE_W) ? VPTE_M : 0;
}

static const struct vk_dirty dirty_strict = {
    .name = "strict",
    .desc = "read faults map read-only; the first write traps to set M",
    .entry_m = strict_entry_m,
};
static const struct vk_dirty dirty_hint = {
    .name = "hint",
    .desc = "the vkernel sets M in the vpte of a reflected write fault",
    .entry_m = hint_entry_m,
};
static const struct vk_dirty dirty_eager = {
    .name = "eager",
    .desc = "the vkernel sets M on every writable private page it enters",
    .entry_m = eager_entry_m,
};

const struct vk_dirty *const vk_dirties[] = {&dirty_strict, &dirty_hint, &dirty_eager, NULL};

const struct vk_dirty *vk_dirty_find(const char *name)
{
    for (int i = 0; vk_dirties[i]; i++)
        if (strcmp(vk_dirties[i]->name, name) == 0)
            return vk_dirties[i];
    return NULL;
}

const char *vk_config_name(const struct vk_config *c, char *buf, size_t len)
{
    snprintf(buf, len, "%s/%s/%s", c->scheme->name, c->policy.text, c->dirty->name);
    return buf;
}

int vk_parse_size(const char *s, uint64_t *out)
{
    if (!s || !isdigit((unsigned char)*s))
        return -1;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno == ERANGE)
        return -2;
    if (errno)
        return -1;
    uint64_t mul = 1;
    switch (toupper((unsigned char)*end)) {
    case 0:
        break;
    case 'K':
        mul = 1ull << 10;
        end++;
        break;
    case 'M':
        mul = 1ull << 20;
        end++;
        break;
    case 'G':
        mul = 1ull << 30;
        end++;
        break;
    case 'T':
        mul = 1ull << 40;
        end++;
        break;
    default:
        return -1;
    }
    if (*end == 'i' || *end == 'I')
        end++;
    if (*end == 'B' || *end == 'b')
        end++;
    if (*end)
        return -1;
    if (v && mul > UINT64_MAX / v)
        return -2;
    *out = v * mul;
    return 0;
}
