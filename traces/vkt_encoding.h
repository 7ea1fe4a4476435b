/* traces/vkt_encoding.h - the encoding of the binary trace format .vkt (docs/vkt-format.md)
 * shared by its reader (vkt.c) and writer (vkt_writer.c).  Private to traces/.
 *
 * Header: TRC_VKT_MAGIC, version, arch (0 i386, 1 x86_64), reserved zeros.  Then one opcode
 * per record:
 *   0x00-0x3f  R  size {1,2,4,8}[op>>4 & 3], address = previous R end + (op & 15) - 8
 *   0x40-0x7f  W  the same for writes
 *   0x80-0xbf  X  size (op>>2 & 15) + 1, address = previous X end + (op & 3)
 *   0xc0-0xcf  I 1, then X size 1, address = previous X end + (op & 15)
 *   0xd0-0xdf  I 1, then X size (op & 15) + 1 at the previous X end
 *   0xe0-0xe7  I (op & 7) + 1
 *   0xe8-0xeb  R size {1,2,4,8}[op & 3], zigzag varint delta from the previous R end
 *   0xec-0xef  W the same
 *   0xf0-0xf4  R, W, X, KR, KW: varint size, zigzag varint delta from the previous end of the
 *              class (R, W, X, kernel)
 *   0xf5 I varint   0xf6 S varint   0xf7 map   0xf8 unmap   0xf9 protect
 *   0xfa       a kind byte: 0, 1 arch (i386, x86_64); process records 2 pid, 3 fork, 4 vfork
 *              (then a varint pid, 1 to 2^32 - 1), 5 exec, 6 exit
 *   0xfb       W at the address and size of the previous R
 *   0xfc, 0xfd swap the two address slots of R, W (not a record; an access follows)
 *   0xfe       X at the address and size of the previous X (a loop's block again)
 *   R/W long forms (0xe8-0xef, 0xf0, 0xf1) first move the class's previous end to its other
 *   slot, so two interleaved streams each keep a near address
 *   0xff       end: u64 record count, u32 CRC-32 of every byte before the 0xff; nothing may
 *              follow
 * The reader's opcode table (vkt.c) must match this map and docs/vkt-format.md. */
#ifndef VKMMU_VKT_ENCODING_H
#define VKMMU_VKT_ENCODING_H

#include <stdint.h>

#define TRC_VKT_MAGIC "\x89VKT\r\n\x1a\n"
#define TRC_VKT_MAGIC_LEN 8
#define TRC_VKT_HEADER 16
#define TRC_VKT_VERSION 1

/* The access classes, each with its own previous end: R, W, X, and kernel (KR and KW). */
enum { CLS_R, CLS_W, CLS_X, CLS_K };

/* The longest record except a map's NAME: opcode + 5 varints + flags. */
#define VKT_FAST 64u

static inline uint64_t unzigzag(uint64_t v) { return (v >> 1) ^ (0 - (v & 1)); }
static inline uint64_t zigzag(uint64_t d) { return (d << 1) ^ (uint64_t)((int64_t)d >> 63); }

#endif
