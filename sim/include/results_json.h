/* sim/include/results_json.h - JSON through json-c for result files: parsing with a byte offset in
 * the error, numbers as their shortest exact text, and the result file's layout.
 *
 * The layout is json-c's two-space pretty printing (JSON_C_TO_STRING_PRETTY | _SPACED, '/'
 * not escaped) except for a few nodes that a serializer hook (json_object_set_serializer)
 * writes on one line: meta.command_line, each result's options and each timeline point.  The
 * writer (sim/report.c) and the demo (which re-writes parsed result files) both get it from
 * sim_results_layout, so the bytes agree. */
#ifndef VKMMU_RESULTS_JSON_H
#define VKMMU_RESULTS_JSON_H

#include <stddef.h>
#include <stdio.h>

#include <json-c/json.h>

/* The serialization flags of every result file. */
#define SIM_JSON_FLAGS                                                                          \
    (JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE)

/* Parses the JSON value of text[0..len) (text[len] must be 0).  Returns the tree (the caller
 * puts it), or NULL with "byte N: what is wrong" in err. */
struct json_object *sim_json_parse(const char *text, size_t len, char *err, size_t errlen);

/* A double as a json-c number written as sim_fmt_double's text; NULL (JSON null) when it is
 * not finite.  *failed is set when out of memory. */
struct json_object *sim_json_number(double v, int *failed);

/* Writes o and everything in it on one line: {"k": v, "k2": [1, 2]}. */
void sim_json_layout_inline(struct json_object *o);
/* Writes the object o with its members unindented, one per line: {\n"k": v,\n"k2": v2\n}. */
void sim_json_layout_flat(struct json_object *o);
/* The result file layout on a whole tree, parsed or built (see above).  Strings holding
 * DEL (0x7f) write it as \u007f, as vkmmu always has (json-c writes it raw). */
void sim_results_layout(struct json_object *root);
/* The layout of a timeline point: {"end": N, "counters": {...}} with the counters one per
 * line at the point's indentation (json-c serializer signature, for a lazily written
 * timeline: call it with the point's level). */
json_object_to_json_string_fn sim_json_write_point;

/* An array whose elements are the result files at paths[0..n) (JSON, each with
 * sim_results_layout), read only while the array is serialized, one at a time; each is
 * written as in its own file, unindented and followed by a newline.  paths must outlive the
 * array.  A file that cannot be read or parsed fails the serialization. */
struct json_object *sim_results_files_array(char *const *paths, size_t n);

/* Writes o serialized with SIM_JSON_FLAGS and a newline.  0, or -1 when out of memory or a
 * serializer failed (nothing written) or on a write error (see ferror). */
int sim_json_write(FILE *f, struct json_object *o);

#endif
