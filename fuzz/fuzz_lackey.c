/* fuzz/fuzz_lackey.c - libFuzzer target: the lackey trace reader (trc_open_mem_as + trc_next and
 * trc_next_batch, compared). */
#define FUZZ_FORMAT TRC_FMT_LACKEY
#define FUZZ_ARCH MMU_ARCH_X86_64
#include "fuzz_trace.h"
