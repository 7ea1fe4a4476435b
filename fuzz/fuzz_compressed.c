/* fuzz/fuzz_compressed.c - libFuzzer target: the on-the-fly decompression of trace files
 * (traces/byte_source.c: .xz through liblzma, .gz through zlib, multi-member streams, truncation
 * and corruption errors).  The first byte picks the file name (and so the decompressor and
 * the format detection), the rest is the file. */
#include "fuzz_common.h"
#include "trc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const names[] = {"t.txt.xz", "t.txt.gz", "t.champsim.xz", "t.champsim.gz"};
    const char *name = names[size ? data[0] & 3 : 0];
    if (size) {
        data++;
        size--;
    }
    const char *path = fuzz_write_file(name, data, size);
    struct trc_reader *r;
    char err[512] = "";
    if (trc_open(&r, path, err, sizeof err) < 0) {
        fuzz_check_msg("trc_open", err, sizeof err);
        return 0;
    }
    struct trc_record rec;
    int rc;
    uint64_t n = 0;
    while ((rc = trc_next(r, &rec)) == 1)
        if (++n > 1000000) /* a small input can expand a lot: enough is enough */
            break;
    if (rc < 0) {
        const char *e = trc_error(r);
        if (!e || !*e)
            abort();
    }
    (void)trc_bytes(r);
    trc_close(r);
    return 0;
}
