/* tools/plot_internal.h - what the parts of `vkmmu plot` share: the loaded results, the options,
 * the gnuplot script being written, and the metadata embedders.  See docs/plotting.md. */
#ifndef VKMMU_PLOT_INTERNAL_H
#define VKMMU_PLOT_INTERNAL_H

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>

#include "results_read.h"

enum plot_fmt { PLOT_PDF, PLOT_SVG, PLOT_PNG };

/* One result, after duplicates are dropped. */
struct plot_row {
    const struct rr_result *r;
    const struct rr_file *f;
};

struct plot_ctx {
    /* options */
    const char *kind, *out, *data_dir, *metric, *scales;
    const char *want_scheme, *want_policy, *want_dirty, *want_workload; /* lists or NULL */
    double w_in, h_in; /* figure size in inches; h_in 0 = the kind's default */
    enum plot_fmt fmt;
    /* inputs */
    struct rr_file *files;
    size_t nfiles;
    struct plot_row *rows;
    size_t nrows;
    const char **wls; /* workload labels, in order of first appearance */
    size_t nwl;
    /* the scheme and dirty strategy of the single-configuration kinds */
    const char *scheme, *dirty;
    bool per_insn;    /* rates per 1000 instructions (else per 1000 accesses) */
    double h_default; /* the kind's figure height in inches (0 = 2.8) */
    /* output */
    char dir[PATH_MAX]; /* where the script and data files go */
    FILE *gp;           /* the gnuplot script being written (after the preamble) */
    char sel[512];      /* what was selected, for the metadata ("scheme vpt-1.10, ...") */
};

/* Okabe & Ito's colour-blind-safe palette (2008), black last. */
extern const char *const plot_palette[8];

/* True when s is in the comma-separated list (NULL list = everything). */
bool plot_in_list(const char *list, const char *s);
/* The row of (workload, scheme, policy, dirty), or NULL. */
const struct plot_row *plot_find(const struct plot_ctx *c, const char *wl, const char *scheme,
                                 const char *policy, const char *dirty);
/* The baseline's cycles.total of workload wl: the native/none/strict row, else derived from
 * any row's cycles.total and overhead; NaN when neither is available. */
double plot_native_total(const struct plot_ctx *c, const char *wl);
/* A row's events per 1000 instructions (or accesses, see per_insn) divisor (0 = none). */
double plot_per1000(const struct plot_ctx *c, const struct rr_result *r);
/* Label of the rate unit: "per 1000 instructions" or "per 1000 accesses". */
const char *plot_rate_unit(const struct plot_ctx *c);
/* Chooses c->scheme and c->dirty (the first vkernel scheme and first dirty strategy among the
 * rows, unless --scheme/--dirty say otherwise) and sets per_insn from the selected rows. */
void plot_choose_config(struct plot_ctx *c);
/* Policies of the chosen scheme/dirty, in order of first appearance (filtered by --policy);
 * *n receives the count; the array is malloc'd, its strings are the rows'. */
const char **plot_policies(const struct plot_ctx *c, size_t *n);
/* Opens DIR/name for writing; prints the error and returns NULL on failure. */
FILE *plot_data_open(const struct plot_ctx *c, const char *name);
/* Writes s as a gnuplot single-quoted string. */
void plot_gp_str(FILE *f, const char *s);
/* Replaces characters that break gnuplot data columns (blanks, quotes, #) by '_'. */
void plot_token(char *dst, size_t len, const char *s);
/* Prints "vkmmu plot: ..." on stderr; returns VKMMU_EXIT_USAGE. */
int plot_bad(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* ---- shared by the kinds (plot_kinds.c) ---- */

/* "vkmmu plot: FILE[ (and N more)]: nothing to plot: ..."; returns VKMMU_EXIT_USAGE. */
int plot_nothing(const struct plot_ctx *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* plot_nothing: no results of the selected scheme and dirty strategy. */
int plot_no_config(const struct plot_ctx *c);
/* Writes `array NAME[n] = ['a', 'b']`. */
void plot_gp_array(FILE *g, const char *name, const char *const *items, size_t n);
/* Writes `set xtics (...)` (axis "x" or "x2") with labels at positions. */
void plot_gp_tics(FILE *g, const char *axis, const char *const *labels, const double *pos,
                  size_t n, const char *extra);
/* "window:N" or "window:N:VARIANT": N and the variant ("" for the default); false otherwise. */
bool plot_parse_window(const char *policy, unsigned *n, const char **variant);
/* 100 a / b, NaN unless b > 0. */
double plot_percent(double a, double b);
/* Overhead (%) of a row against its workload's native total; the file's value otherwise. */
double plot_row_overhead(const struct plot_ctx *c, const struct rr_result *r);
/* The key below the plot, as every kind with several series sets it. */
extern const char plot_key_below[];

/* A value at a window size, sorted by window size (plot_window_point_compare). */
struct plot_window_point {
    unsigned n;
    double v;
};
int plot_window_point_compare(const void *a, const void *b);

/* The kinds: each writes its data files into c->dir and its commands to c->gp.  0, or an exit
 * status after printing the reason.  policies and timeline: plot_kinds.c; window and
 * sensitivity: plot_kind_window.c; overhead and accuracy: plot_kind_overhead.c; fork:
 * plot_kind_fork.c. */
int plot_kind_policies(struct plot_ctx *c);
int plot_kind_window(struct plot_ctx *c);
int plot_kind_overhead(struct plot_ctx *c);
int plot_kind_accuracy(struct plot_ctx *c);
int plot_kind_timeline(struct plot_ctx *c);
int plot_kind_sensitivity(struct plot_ctx *c);
int plot_kind_fork(struct plot_ctx *c);
/* arch: plot_kind_arch.c. */
int plot_kind_arch(struct plot_ctx *c);

/* Embeds text (and a short title) as metadata in the finished figure at path (format fmt):
 * SVG <metadata>, PNG tEXt/iTXt chunks, PDF Info dictionary by an incremental update.  0, or -1
 * after printing the reason. */
int plot_embed_metadata(const char *path, enum plot_fmt fmt, const char *title, const char *text,
                        double w_in, double h_in);

#endif
