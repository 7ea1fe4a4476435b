/* sim/include/results_schema.h - the member names of vkmmu's JSON result file, defined once for its
 * writer (sim/report.c), its reader (sim/results_read.c) and the demo's collection of result
 * files (tools/cmd_demo.c).  A result file is:
 *
 *   { "meta": { "tool": "vkmmu", "version", "git_commit", "command_line": [ARG...],
 *               "costs": { "profile", "clock_ghz", "values": { COST: number } },
 *               "timeline_unit", "timeline_interval" (with --interval), "baseline" },
 *     "workload": { "kind", "name", "arch", then the command's own members },
 *     "results": [ { "config", "scheme", "policy", "dirty", "options": { ... },
 *                    "counters": { COUNTER: integer }, "overhead": number or null,
 *                    "timeline": [ { "end", "counters": { ... } } ] (with --interval) } ] }
 *
 * COST and COUNTER are the names of mmu_cost_names and mmu_counter_names (mmu.h). */
#ifndef VKMMU_RESULTS_SCHEMA_H
#define VKMMU_RESULTS_SCHEMA_H

/* ---- top level ---- */
#define SIM_KEY_META "meta"
#define SIM_KEY_WORKLOAD "workload"
#define SIM_KEY_RESULTS "results"

/* ---- meta ---- */
#define SIM_KEY_TOOL "tool"
#define SIM_RESULTS_TOOL "vkmmu" /* the value of meta.tool that marks a result file */
#define SIM_KEY_VERSION "version"
#define SIM_KEY_GIT_COMMIT "git_commit"
#define SIM_KEY_COMMAND_LINE "command_line"
#define SIM_KEY_COSTS "costs"
#define SIM_KEY_COSTS_PROFILE "profile"
#define SIM_KEY_COSTS_CLOCK_GHZ "clock_ghz"
#define SIM_KEY_COSTS_VALUES "values"
#define SIM_KEY_TIMELINE_UNIT "timeline_unit"
#define SIM_KEY_TIMELINE_INTERVAL "timeline_interval"
#define SIM_KEY_BASELINE "baseline"
/* Names of the timeline unit that files of earlier versions used (read, never written):
 * meta.interval_unit and meta.interval.unit. */
#define SIM_KEY_OLD_INTERVAL_UNIT "interval_unit"
#define SIM_KEY_OLD_INTERVAL "interval"
#define SIM_KEY_OLD_INTERVAL_UNIT_MEMBER "unit"

/* ---- workload ---- */
#define SIM_KEY_WORKLOAD_KIND "kind"
#define SIM_KEY_WORKLOAD_NAME "name"
#define SIM_KEY_WORKLOAD_ARCH "arch"

/* ---- one result ---- */
#define SIM_KEY_CONFIG "config"
#define SIM_KEY_SCHEME "scheme"
#define SIM_KEY_POLICY "policy"
#define SIM_KEY_DIRTY "dirty"
#define SIM_KEY_OPTIONS "options"
#define SIM_KEY_COUNTERS "counters"
#define SIM_KEY_OVERHEAD "overhead"
#define SIM_KEY_TIMELINE "timeline"
#define SIM_KEY_TIMELINE_END "end" /* a timeline point: "end" and "counters" */

/* ---- a result's options (struct vk_options) ---- */
#define SIM_KEY_REAL_PREFAULT "real_prefault"
#define SIM_KEY_VK_MEM_PAGES "vk_mem_pages"
#define SIM_KEY_FILE_CACHE "file_cache"
#define SIM_KEY_ZERO_PAGE "zero_page"
#define SIM_KEY_INVAL_EVERY_ENTER "inval_every_enter"
#define SIM_KEY_TLB "tlb"
#define SIM_KEY_TLB_NAME "name"
#define SIM_KEY_TLB_ITLB "itlb" /* [entries, ways] */
#define SIM_KEY_TLB_DTLB "dtlb"
#define SIM_KEY_TLB_STLB "stlb"
#define SIM_KEY_TLB_STLB_HIT_CYCLES "stlb_hit_cycles"
#define SIM_KEY_TLB_WALK_REF_CYCLES "walk_ref_cycles"
#define SIM_KEY_TLB_PWC_ENTRIES "pwc_entries"

/* ---- the demo's results.json: { "tool", "version", "git_commit", "workloads": [FILE...] } ---- */
#define SIM_DEMO_TOOL "vkmmu demo"
#define SIM_KEY_DEMO_WORKLOADS "workloads"

#endif
