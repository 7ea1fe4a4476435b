/* traces/formats.c - the table of input formats: what trc_open, --format and auto-detection
 * go through.  Each format defines its struct trc_format_ops in its own file; adding one is
 * that file and one line of TRC_FORMATS in trc.h (which also gives its enumerator). */
#include "trc_internal.h"

#include <string.h>

/* The formats of TRC_FORMATS (trc.h), in its order. */
#define DECLARE_FORMAT(id, name) extern const struct trc_format_ops trc_format_##name;
TRC_FORMATS(DECLARE_FORMAT)

#define FORMAT_ENTRY(id, name) &trc_format_##name,
static const struct trc_format_ops *const formats[] = {TRC_FORMATS(FORMAT_ENTRY)};
#define NFORMATS (sizeof(formats) / sizeof(formats[0]))

const struct trc_format_ops *trc_format_find(enum trc_format id)
{
    for (size_t i = 0; i < NFORMATS; i++)
        if (formats[i]->id == id)
            return formats[i];
    return NULL;
}

const char *trc_format_name(enum trc_format f)
{
    if (f == TRC_FMT_AUTO)
        return "auto";
    const struct trc_format_ops *ops = trc_format_find(f);
    return ops ? ops->name : "?";
}

int trc_format_parse(const char *s, enum trc_format *f)
{
    if (!strcmp(s, "auto")) {
        *f = TRC_FMT_AUTO;
        return 0;
    }
    for (size_t i = 0; i < NFORMATS; i++)
        if (!strcmp(s, formats[i]->name)) {
            *f = formats[i]->id;
            return 0;
        }
    return -1;
}

static bool ends_with(const char *s, size_t n, const char *suffix)
{
    size_t k = strlen(suffix);
    return n >= k && memcmp(s + n - k, suffix, k) == 0;
}

const struct trc_format_ops *trc_format_detect(const char *b, size_t n, const char *path)
{
    size_t name_len = strlen(path);
    if (ends_with(path, name_len, ".xz") || ends_with(path, name_len, ".gz"))
        name_len -= 3;
    for (size_t i = 0; i < NFORMATS; i++)
        if (formats[i]->detect && formats[i]->detect(b, n, path, name_len))
            return formats[i];
    return trc_format_find(TRC_FMT_TEXT);
}

bool trc_name_ends_with(const char *name, size_t name_len, const char *suffix)
{
    return ends_with(name, name_len, suffix);
}
