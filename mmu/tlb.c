/* mmu/tlb.c - a cycle-approximate TLB: ITLB and DTLB, an optional shared second level (STLB)
 * and page-walk cache, set-associative with LRU.  A full flush is O(1): entries carry the
 * flush generation they were filled in. */
#include <stdlib.h>
#include <string.h>

#include "mmu.h"

/* Intel Core 2 (2006-2008, Core microarchitecture): ITLB 128 entries 4-way, DTLB1 256 entries
 * 4-way for 4 KiB pages, no shared L2 TLB (Intel 64 and IA-32 Architectures Optimization
 * Reference Manual, Core microarchitecture cache parameters).  A DTLB miss walks the page
 * tables; the walker's loads mostly hit the L2 cache (~14 cycles on Core 2). */
static const struct mmu_tlb_cfg tlb_core2 = {
    .name = "core2",
    .itlb = {128, 4},
    .dtlb = {256, 4},
    .stlb = {0, 0},
    .stlb_hit_cycles = 0,
    .walk_ref_cycles = 14,
    .pwc_entries = 0,
};
/* A 2020s core (AMD Zen 4 class): L1 ITLB 64 entries and L1 DTLB 72 entries, fully
 * associative; unified L2 TLB of 3072 entries, 12-way, about 7 extra cycles (AMD Software
 * Optimization Guide for Family 19h).  Page-walk references mostly hit L2/L3 (assumption:
 * 25 cycles); a 64-entry page-walk cache keeps upper-level entries. */
static const struct mmu_tlb_cfg tlb_modern = {
    .name = "modern",
    .itlb = {64, 64},
    .dtlb = {72, 72},
    .stlb = {3072, 12},
    .stlb_hit_cycles = 7,
    .walk_ref_cycles = 25,
    .pwc_entries = 64,
};
static const struct mmu_tlb_preset preset_core2 = {
    "core2", "Intel Core 2 (2007): ITLB 128x4, DTLB 256x4, no STLB", &tlb_core2};
static const struct mmu_tlb_preset preset_modern = {
    "modern", "2020s core: ITLB 64 and DTLB 72 fully associative, STLB 3072x12, PWC 64",
    &tlb_modern};
const struct mmu_tlb_preset *const mmu_tlb_presets[] = {&preset_core2, &preset_modern, NULL};

static int parse_uint(const char *s, size_t len, unsigned *out)
{
    if (!len || len > 9)
        return -1;
    unsigned v = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (unsigned)(s[i] - '0');
    }
    *out = v;
    return 0;
}

static int check_level(const char *name, const struct mmu_tlb_level_cfg *l, char *err,
                       size_t errlen)
{
    if (!l->entries)
        return 0;
    if (!l->ways || l->ways > l->entries || l->entries % l->ways || l->entries > (1u << 20)) {
        snprintf(err, errlen,
                 "TLB level %s: %u entries cannot be split into %u ways (entries must be a "
                 "multiple of ways, at most 1048576)",
                 name, l->entries, l->ways);
        return -1;
    }
    return 0;
}

/* The cycle field a non-level key names (stlb_hit, walk_ref, pwc), or NULL. */
static unsigned *cycle_field(struct mmu_tlb_cfg *out, const char *key, size_t klen)
{
    if (klen == 8 && !strncmp(key, "stlb_hit", 8))
        return &out->stlb_hit_cycles;
    if (klen == 8 && !strncmp(key, "walk_ref", 8))
        return &out->walk_ref_cycles;
    if (klen == 3 && !strncmp(key, "pwc", 3))
        return &out->pwc_entries;
    return NULL;
}

/* The level a key names (itlb, dtlb, stlb), or NULL. */
static struct mmu_tlb_level_cfg *level_field(struct mmu_tlb_cfg *out, const char *key,
                                             size_t klen)
{
    if (klen != 4)
        return NULL;
    if (!strncmp(key, "itlb", 4))
        return &out->itlb;
    if (!strncmp(key, "dtlb", 4))
        return &out->dtlb;
    if (!strncmp(key, "stlb", 4))
        return &out->stlb;
    return NULL;
}

/* Applies one KEY=VALUE item (len bytes at p) of a custom --tlb; 0 or -1 with err filled. */
static int parse_item(const char *p, size_t len, struct mmu_tlb_cfg *out, char *err,
                      size_t errlen)
{
    const char *eq = memchr(p, '=', len);
    if (!eq) {
        snprintf(err, errlen, "--tlb: expected a preset (core2, modern) or KEY=VALUE, found '%.*s'",
                 (int)len, p);
        return -1;
    }
    size_t klen = (size_t)(eq - p);
    const char *val = eq + 1;
    size_t vlen = len - klen - 1;
    struct mmu_tlb_level_cfg *lvl = level_field(out, p, klen);
    if (lvl) {
        const char *colon = memchr(val, ':', vlen);
        if (!colon || parse_uint(val, (size_t)(colon - val), &lvl->entries) < 0 ||
            parse_uint(colon + 1, vlen - (size_t)(colon - val) - 1, &lvl->ways) < 0) {
            snprintf(err, errlen, "--tlb: expected %.*s=ENTRIES:WAYS, found '%.*s'", (int)klen, p,
                     (int)len, p);
            return -1;
        }
        return 0;
    }
    unsigned *dst = cycle_field(out, p, klen);
    if (!dst) {
        snprintf(err, errlen,
                 "--tlb: unknown key '%.*s' (expected itlb, dtlb, stlb, stlb_hit, walk_ref, pwc)",
                 (int)klen, p);
        return -1;
    }
    if (parse_uint(val, vlen, dst) < 0) {
        snprintf(err, errlen, "--tlb: expected a number for %.*s, found '%.*s'", (int)klen, p,
                 (int)vlen, val);
        return -1;
    }
    return 0;
}

int mmu_tlb_parse(const char *spec, struct mmu_tlb_cfg *out, char *err, size_t errlen)
{
    for (int i = 0; mmu_tlb_presets[i]; i++) {
        if (strcmp(spec, mmu_tlb_presets[i]->name) == 0) {
            *out = *mmu_tlb_presets[i]->cfg;
            return 0;
        }
    }
    memset(out, 0, sizeof *out);
    snprintf(out->name, sizeof out->name, "custom");
    out->walk_ref_cycles = 25;
    for (const char *p = spec; *p;) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        if (parse_item(p, len, out, err, errlen) < 0)
            return -1;
        p += len;
        if (*p == ',')
            p++;
    }
    if (check_level("itlb", &out->itlb, err, errlen) < 0 ||
        check_level("dtlb", &out->dtlb, err, errlen) < 0 ||
        check_level("stlb", &out->stlb, err, errlen) < 0)
        return -1;
    if (out->pwc_entries > (1u << 16)) {
        snprintf(err, errlen, "--tlb: pwc is at most 65536 entries");
        return -1;
    }
    return 0;
}

static int level_init(struct mmu_tlb_level *l, unsigned entries, unsigned ways)
{
    memset(l, 0, sizeof *l);
    if (!entries)
        return 0;
    l->ways = ways;
    l->sets = entries / ways;
    l->tag = calloc(entries, sizeof *l->tag);
    l->stamp = calloc(entries, sizeof *l->stamp);
    l->gen = calloc(entries, sizeof *l->gen);
    return (l->tag && l->stamp && l->gen) ? 0 : -1;
}

static void level_fini(struct mmu_tlb_level *l)
{
    free(l->tag);
    free(l->stamp);
    free(l->gen);
    memset(l, 0, sizeof *l);
}

int mmu_tlb_init(struct mmu_tlb *t, const struct mmu_tlb_cfg *cfg, unsigned walk_refs,
                 unsigned walk_refs_pwc, unsigned pwc_shift)
{
    memset(t, 0, sizeof *t);
    t->cfg = *cfg;
    t->walk_refs = walk_refs;
    t->walk_refs_pwc = walk_refs_pwc;
    t->pwc_shift = pwc_shift;
    t->generation = 1;
    if (level_init(&t->itlb, cfg->itlb.entries, cfg->itlb.ways) < 0 ||
        level_init(&t->dtlb, cfg->dtlb.entries, cfg->dtlb.ways) < 0 ||
        level_init(&t->stlb, cfg->stlb.entries, cfg->stlb.ways) < 0 ||
        level_init(&t->pwc, cfg->pwc_entries, cfg->pwc_entries) < 0) {
        mmu_tlb_fini(t);
        return -1;
    }
    return 0;
}

void mmu_tlb_fini(struct mmu_tlb *t)
{
    level_fini(&t->itlb);
    level_fini(&t->dtlb);
    level_fini(&t->stlb);
    level_fini(&t->pwc);
}

/* Looks key up; on a miss, fills it (LRU victim).  Returns true on a hit. */
static bool level_lookup(struct mmu_tlb *t, struct mmu_tlb_level *l, uint64_t key)
{
    size_t base = (size_t)(key % l->sets) * l->ways;
    size_t victim = base;
    uint64_t oldest = UINT64_MAX;
    for (size_t i = base; i < base + l->ways; i++) {
        bool live = l->tag[i] && l->gen[i] == t->generation;
        if (live && l->tag[i] == key + 1) {
            l->stamp[i] = ++t->now;
            return true;
        }
        uint64_t age = live ? l->stamp[i] : 0;
        if (age < oldest) {
            oldest = age;
            victim = i;
        }
    }
    l->tag[victim] = key + 1;
    l->gen[victim] = t->generation;
    l->stamp[victim] = ++t->now;
    return false;
}

/* Latencies come from --tlb (up to 999999999 cycles each), so the sum can reach 2^64 on a long
 * run: it saturates at UINT64_MAX, which mmu_costs_apply reports as an overflow. */
static inline void tlb_cycles(struct mmu_counters *c, uint64_t add)
{
    if (__builtin_add_overflow(MMU_CTR(c, cycles_tlb), add, &MMU_CTR(c, cycles_tlb)))
        MMU_CTR(c, cycles_tlb) = UINT64_MAX;
}

void mmu_tlb_access(struct mmu_tlb *t, uint64_t vpn, bool fetch, struct mmu_counters *c)
{
    struct mmu_tlb_level *l1 = fetch ? &t->itlb : &t->dtlb;
    if (l1->sets) {
        if (level_lookup(t, l1, vpn)) {
            if (fetch)
                MMU_CTR(c, tlb_itlb_hit)++;
            else
                MMU_CTR(c, tlb_dtlb_hit)++;
            return;
        }
        if (fetch)
            MMU_CTR(c, tlb_itlb_miss)++;
        else
            MMU_CTR(c, tlb_dtlb_miss)++;
    }
    if (t->stlb.sets) {
        if (level_lookup(t, &t->stlb, vpn)) {
            MMU_CTR(c, tlb_stlb_hit)++;
            tlb_cycles(c, t->cfg.stlb_hit_cycles);
            return;
        }
        MMU_CTR(c, tlb_stlb_miss)++;
    }
    unsigned refs = t->walk_refs;
    if (t->pwc.sets && level_lookup(t, &t->pwc, vpn >> t->pwc_shift))
        refs = t->walk_refs_pwc;
    MMU_CTR(c, tlb_walk_refs) += refs;
    tlb_cycles(c, (uint64_t)refs * t->cfg.walk_ref_cycles);
}

static void level_drop(struct mmu_tlb_level *l, uint64_t key)
{
    if (!l->sets)
        return;
    size_t base = (size_t)(key % l->sets) * l->ways;
    for (size_t i = base; i < base + l->ways; i++)
        if (l->tag[i] == key + 1)
            l->tag[i] = 0;
}

void mmu_tlb_invalidate(struct mmu_tlb *t, uint64_t vpn)
{
    level_drop(&t->itlb, vpn);
    level_drop(&t->dtlb, vpn);
    level_drop(&t->stlb, vpn);
    level_drop(&t->pwc, vpn >> t->pwc_shift);
}

void mmu_tlb_flush(struct mmu_tlb *t, struct mmu_counters *c)
{
    t->generation++;
    MMU_CTR(c, tlb_flush)++;
}
