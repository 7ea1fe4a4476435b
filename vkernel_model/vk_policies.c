/* vkernel_model/vk_policies.c - the registry of prefault policies (one file each,
 * prefault_*.c): it parses --policy and drives `vkmmu list`.  Adding a policy is its file
 * plus one line of VK_POLICY_LIST. */
#include <string.h>

#include "vk_internal.h"

/* Every policy, in the order `vkmmu list` shows them: X(name) names vk_policy_##name. */
#define VK_POLICY_LIST(X)                                                                        \
    X(none)                                                                                      \
    X(dfly)                                                                                      \
    X(dfly2010)                                                                                  \
    X(linux_fa)                                                                                  \
    X(window)                                                                                    \
    X(seq)                                                                                       \
    X(ptpage)                                                                                    \
    X(oracle)

#define VK_POLICY_DECLARE(name) extern const struct vk_policy vk_policy_##name;
VK_POLICY_LIST(VK_POLICY_DECLARE)
#undef VK_POLICY_DECLARE

const struct vk_policy *const vk_policies[] = {
#define VK_POLICY_ENTRY(name) &vk_policy_##name,
    VK_POLICY_LIST(VK_POLICY_ENTRY)
#undef VK_POLICY_ENTRY
        NULL,
};

int vk_policy_parse(const char *text, struct vk_policy_spec *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    const char *colon = strchr(text, ':');
    size_t nlen = colon ? (size_t)(colon - text) : strlen(text);
    for (int i = 0; vk_policies[i]; i++) {
        const struct vk_policy *p = vk_policies[i];
        if (strlen(p->name) != nlen || strncmp(p->name, text, nlen) != 0)
            continue;
        out->pol = p;
        if (!p->parse) {
            if (colon) {
                snprintf(err, errlen, "policy '%s' takes no arguments (usage: %s)", p->name,
                         p->usage);
                return -1;
            }
        } else if (p->parse(colon ? colon + 1 : NULL, out, err, errlen) < 0) {
            return -1;
        }
        if (!out->text[0])
            snprintf(out->text, sizeof out->text, "%s", p->name);
        return 0;
    }
    snprintf(err, errlen, "unknown policy '%s' (see 'vkmmu list')", text);
    return -1;
}

bool vk_policy_needs_first_pass(const struct vk_policy_spec *spec)
{
    return spec->pol && spec->pol->needs_first_pass;
}
