/* fuzz/fuzz_vkt.c - libFuzzer target: the vkt trace reader (trc_open_mem_as + trc_next and
 * trc_next_batch, compared). */
#define FUZZ_FORMAT TRC_FMT_VKT
#define FUZZ_ARCH MMU_ARCH_I386
#include "fuzz_trace.h"
