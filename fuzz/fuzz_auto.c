/* fuzz/fuzz_auto.c - libFuzzer target: format detection (TRC_FMT_AUTO) of an input whose name
 * says nothing, then the reader it picks: the prefixes of the .vkt magic number (a truncated
 * header), Lackey's `==PID==` first line, text for anything else.  The same checks as the other
 * trace targets (fuzz_trace.h). */
#define FUZZ_FORMAT TRC_FMT_AUTO
#define FUZZ_ARCH MMU_ARCH_I386
#include "fuzz_trace.h"
