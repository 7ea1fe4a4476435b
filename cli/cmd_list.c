/* cli/cmd_list.c - `vkmmu list`: the schemes, policies, dirty strategies and cost profiles,
 * generated from the same registries that parse the options (style.md: policies are tables). */
#include <string.h>

#include "cli.h"

/* Updates *w to the width of name, for aligned descriptions. */
static void widen(int *w, const char *name)
{
    if ((int)strlen(name) > *w)
        *w = (int)strlen(name);
}

enum { OPT_HELP = 1 };

/* Its only option; the help text lists none. */
static const struct opt list_table[] = {
    {"help", 'h', NULL, "this text", OPT_HELP},
    OPT_END,
};
static const struct opt *const list_options[] = {list_table, NULL};

static int list_option(void *ctx, const struct opt *o, const char *value)
{
    (void)ctx, (void)o, (void)value;
    puts("usage: vkmmu list\n"
         "Lists the schemes, prefault policies, dirty-bit strategies and cost profiles\n"
         "accepted by --scheme, --policy, --dirty and --costs.");
    return OPT_EXIT_OK;
}

int cmd_list(int argc, char **argv)
{
    int first;
    int st = opt_parse("list", list_options, OPT_OPERANDS_MIXED, argc, argv, list_option, NULL,
                       &first);
    if (st)
        return st == OPT_EXIT_OK ? VKMMU_EXIT_OK : st;
    if (first < argc) {
        fprintf(stderr, "vkmmu list: unexpected argument '%s'\n", argv[first]);
        return VKMMU_EXIT_USAGE;
    }
    int w;

    puts("schemes (--scheme):");
    w = 0;
    for (size_t i = 0; vk_schemes[i]; i++)
        widen(&w, vk_schemes[i]->name);
    for (size_t i = 0; vk_schemes[i]; i++)
        printf("  %-*s  %s\n", w, vk_schemes[i]->name, vk_schemes[i]->desc);

    puts("\nprefault policies (--policy):");
    w = 0;
    for (size_t i = 0; vk_policies[i]; i++)
        widen(&w, vk_policies[i]->usage);
    for (size_t i = 0; vk_policies[i]; i++)
        printf("  %-*s  %s\n", w, vk_policies[i]->usage, vk_policies[i]->desc);

    puts("\ndirty-bit strategies (--dirty):");
    w = 0;
    for (size_t i = 0; vk_dirties[i]; i++)
        widen(&w, vk_dirties[i]->name);
    for (size_t i = 0; vk_dirties[i]; i++)
        printf("  %-*s  %s\n", w, vk_dirties[i]->name, vk_dirties[i]->desc);

    puts("\nTLB presets (--tlb NAME):");
    w = 0;
    for (size_t i = 0; mmu_tlb_presets[i]; i++)
        widen(&w, mmu_tlb_presets[i]->name);
    for (size_t i = 0; mmu_tlb_presets[i]; i++)
        printf("  %-*s  %s\n", w, mmu_tlb_presets[i]->name, mmu_tlb_presets[i]->desc);

    puts("\ncost profiles (--costs NAME):");
    w = 0;
    for (size_t i = 0; mmu_cost_profiles[i]; i++)
        widen(&w, mmu_cost_profiles[i]->name);
    for (size_t i = 0; mmu_cost_profiles[i]; i++)
        printf("  %-*s  %s (clock %g GHz)\n", w, mmu_cost_profiles[i]->name,
               mmu_cost_profiles[i]->desc, mmu_cost_profiles[i]->costs->clock_ghz);

    /* The keys of a costs file, with each profile's value in cycles. */
    puts("\ncost keys (--costs FILE: `key = value` lines; also `base = PROFILE`, `clock_ghz`):");
    int kw = 3;
    for (size_t k = 0; k < MMU_NCOSTS; k++)
        widen(&kw, mmu_cost_names[k]);
    printf("  %-*s", kw, "key");
    for (size_t i = 0; mmu_cost_profiles[i]; i++)
        printf("  %10s", mmu_cost_profiles[i]->name);
    puts("  meaning");
    for (size_t k = 0; k < MMU_NCOSTS; k++) {
        printf("  %-*s", kw, mmu_cost_names[k]);
        for (size_t i = 0; mmu_cost_profiles[i]; i++)
            printf("  %10.10g", mmu_cost_profiles[i]->costs->v[k]);
        printf("  %s\n", mmu_cost_descs[k]);
    }
    fflush(stdout);
    return ferror(stdout) ? VKMMU_EXIT_FAILED : VKMMU_EXIT_OK;
}
