/* sim/numbers.c - the integers of command-line options.  Only plain decimal digits are taken:
 * strtoull alone would accept "+5", " 5", "0x10" and wrap "-1" round to 2^64-1. */
#include <ctype.h>
#include <stdint.h>

#include "sim.h"

int sim_parse_uint(const char *s, uint64_t lo, uint64_t hi, uint64_t *out)
{
    if (!s || !*s)
        return -1;
    uint64_t v = 0;
    for (; *s; s++) {
        if (!isdigit((unsigned char)*s))
            return -1;
        unsigned d = (unsigned)(*s - '0');
        if (v > (UINT64_MAX - d) / 10)
            return -1; /* does not fit in 64 bits: above any hi */
        v = v * 10 + d;
    }
    if (v < lo || v > hi)
        return -1;
    *out = v;
    return 0;
}
