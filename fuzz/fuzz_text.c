/* fuzz/fuzz_text.c - libFuzzer target: the text trace reader (trc_open_mem_as + trc_next and
 * trc_next_batch, compared). */
#define FUZZ_FORMAT TRC_FMT_TEXT
#define FUZZ_ARCH MMU_ARCH_I386
#include "fuzz_trace.h"
