/* vkernel_model/vk_tables.c - the scheme and dirty-strategy tables (they parse the options,
 * drive `vkmmu list` and echo the configuration), and small parsers. */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "vk.h"

static const struct vk_scheme scheme_vpt110 = {
    "vpt-1.10", "DragonFly 1.10 vpagetable: read faults map read-only, dirty-bit traps",
    VK_SCHEME_VPT110, true};
static const struct vk_scheme scheme_vpt = {
    "vpt", "vpagetable with the 2017 fixes: read faults on W|M vptes map writable",
    VK_SCHEME_VPT, true};
static const struct vk_scheme scheme_ept = {
    "ept", "2013 VMX mode: hardware walks the vptes and an EPT; no dirty-bit traps",
    VK_SCHEME_EPT, true};
static const struct vk_scheme scheme_native = {
    "native", "baseline: the same program on a real BSD kernel, no vkernel", VK_SCHEME_NATIVE,
    false};
static const struct vk_scheme scheme_linux = {
    "linux", "the program on Linux: zero page on read, built-in 16-page fault-around",
    VK_SCHEME_LINUX, false};

const struct vk_scheme *const vk_schemes[] = {&scheme_vpt110, &scheme_vpt,   &scheme_ept,
                                              &scheme_native, &scheme_linux, NULL};

const struct vk_scheme *vk_scheme_find(const char *name)
{
    for (int i = 0; vk_schemes[i]; i++)
        if (strcmp(vk_schemes[i]->name, name) == 0)
            return vk_schemes[i];
    return NULL;
}

static const struct vk_dirty dirty_strict = {
    "strict", "read faults map read-only; the first write traps to set M", VK_DIRTY_STRICT};
static const struct vk_dirty dirty_hint = {
    "hint", "the vkernel sets M in the vpte of a reflected write fault", VK_DIRTY_HINT};
static const struct vk_dirty dirty_eager = {
    "eager", "the vkernel sets M on every writable private page it enters", VK_DIRTY_EAGER};

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
