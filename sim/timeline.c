/* sim/timeline.c - counters over the run (--interval N), for phase plots. */
#include <stdlib.h>
#include <string.h>

#include "sim.h"

static void series_init(struct sim_tl_series *s, uint64_t interval)
{
    memset(s, 0, sizeof *s);
    s->interval = interval;
    s->next = interval;
}

static void series_fini(struct sim_tl_series *s)
{
    free(s->ends);
    free(s->c);
    memset(s, 0, sizeof *s);
}

int sim_timeline_init(struct sim_timeline *t, uint64_t interval, size_t nmodels)
{
    memset(t, 0, sizeof *t);
    t->nmodels = nmodels;
    series_init(&t->by_insn, interval);
    series_init(&t->by_access, interval);
    return 0;
}

void sim_timeline_fini(struct sim_timeline *t)
{
    series_fini(&t->by_insn);
    series_fini(&t->by_access);
}

/* Halves the series: keeps the points at multiples of the doubled interval. */
static void series_thin(struct sim_tl_series *s, size_t nmodels)
{
    size_t k = 0;
    /* No wrap: SIM_TIMELINE_MAX distinct multiples of the interval lie below 2^64, so the
     * interval is at most 2^64 / 4096 here. */
    s->interval *= 2;
    for (size_t i = 0; i < s->n; i++) {
        if (s->ends[i] % s->interval)
            continue;
        s->ends[k] = s->ends[i];
        memmove(&s->c[k * nmodels], &s->c[i * nmodels], nmodels * sizeof *s->c);
        k++;
    }
    s->n = k;
}

static int series_add(struct sim_tl_series *s, uint64_t end, struct vk_set *set)
{
    if (s->n == s->cap) {
        size_t ncap = s->cap ? s->cap * 2 : 64;
        uint64_t *e = realloc(s->ends, ncap * sizeof *e);
        if (!e)
            return -1;
        s->ends = e;
        struct mmu_counters *c = realloc(s->c, ncap * set->n * sizeof *c);
        if (!c)
            return -1;
        s->c = c;
        s->cap = ncap;
    }
    s->ends[s->n] = end;
    for (size_t i = 0; i < set->n; i++)
        vk_snapshot(set->m[i], &s->c[s->n * set->n + i]);
    s->n++;
    return 0;
}

/* Takes the point due in one series: one per event, labelled with the last boundary crossed
 * (an event that crosses several boundaries, such as a large `I` record, gives one point). */
static int series_due(struct sim_tl_series *s, uint64_t now, struct vk_set *set)
{
    uint64_t end = now / s->interval * s->interval;
    if (now < s->next || (s->n && s->ends[s->n - 1] == end)) /* the latter: next saturated */
        return 0;
    if (series_add(s, end, set) < 0)
        return -1;
    if (s->n >= SIM_TIMELINE_MAX)
        series_thin(s, set->n);
    /* The boundary after the last one: past 2^64 - 1 no further point can fall due. */
    if (__builtin_mul_overflow(now / s->interval + 1, s->interval, &s->next))
        s->next = UINT64_MAX;
    return 0;
}

int sim_timeline_slow(struct sim_timeline *t, struct vk_set *set)
{
    vk_set_sync(set); /* the fast path's pending access counts */
    if (series_due(&t->by_insn, t->insns, set) < 0 ||
        series_due(&t->by_access, t->accesses, set) < 0)
        return -1;
    return 0;
}

int sim_timeline_finish(struct sim_timeline *t, struct vk_set *set)
{
    t->use_insns = t->insns > 0;
    struct sim_tl_series *s = t->use_insns ? &t->by_insn : &t->by_access;
    uint64_t end = t->use_insns ? t->insns : t->accesses;
    if (!s->n || s->ends[s->n - 1] != end)
        return series_add(s, end, set);
    /* the last boundary was the end: refresh it with the finished counters */
    for (size_t i = 0; i < set->n; i++)
        vk_snapshot(set->m[i], &s->c[(s->n - 1) * set->n + i]);
    return 0;
}

const struct sim_tl_series *sim_timeline_series(const struct sim_timeline *t, const char **unit)
{
    *unit = t->use_insns ? "instructions" : "accesses";
    return t->use_insns ? &t->by_insn : &t->by_access;
}
