/* tools/plot_meta.c - embeds the configuration text in a finished figure, off the drawing:
 *   SVG: a <metadata> element after the root's opening tag (and width/height in inches);
 *   PNG: tEXt "Software" and iTXt "Description" chunks after IHDR (CRC-32 of ISO 3309, as the
 *        PNG specification section 5.5 defines it);
 *   PDF: an incremental update (ISO 32000-1 section 7.5.6) appending a new document
 *        information dictionary (/Title /Subject /Keywords /Creator, /Producer and
 *        /CreationDate kept from cairo's) and a cross-reference section whose trailer has
 *        /Prev pointing at cairo's.
 * Each rewrites the file in place (the caller's temporary name). */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "plot_internal.h"

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "vkmmu plot: %s: cannot read: %s\n", path, strerror(errno));
        return NULL;
    }
    char *buf = NULL;
    size_t cap = 0, n = 0;
    for (;;) {
        if (n == cap) {
            cap = cap ? cap * 2 : 1 << 16;
            char *nb = realloc(buf, cap + 1);
            if (!nb) {
                free(buf);
                fclose(f);
                fprintf(stderr, "vkmmu plot: %s: out of memory\n", path);
                return NULL;
            }
            buf = nb;
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0)
            break;
    }
    bool bad = ferror(f);
    fclose(f);
    if (bad) {
        fprintf(stderr, "vkmmu plot: %s: read error\n", path);
        free(buf);
        return NULL;
    }
    buf[n] = 0;
    *len = n;
    return buf;
}

static int write_parts(const char *path, const char *a, size_t alen, const char *b, size_t blen,
                       const char *c, size_t clen)
{
    FILE *f = fopen(path, "wb");
    if (!f) {
        fprintf(stderr, "vkmmu plot: %s: cannot write: %s\n", path, strerror(errno));
        return -1;
    }
    fwrite(a, 1, alen, f);
    fwrite(b, 1, blen, f);
    fwrite(c, 1, clen, f);
    if (fclose(f) != 0) {
        fprintf(stderr, "vkmmu plot: %s: write error: %s\n", path, strerror(errno));
        return -1;
    }
    return 0;
}

/* ---- SVG ---- */

static int embed_svg(const char *path, const char *title, const char *text, double w_in,
                     double h_in)
{
    size_t len;
    char *s = slurp(path, &len);
    if (!s)
        return -1;
    char *root = strstr(s, "<svg");
    char *gt = root ? strchr(root, '>') : NULL;
    if (!gt) {
        fprintf(stderr, "vkmmu plot: %s: gnuplot wrote no <svg> element\n", path);
        free(s);
        return -1;
    }
    /* The root tag with width/height in inches (the viewBox keeps 100 units per inch). */
    char *head = NULL, *meta = NULL;
    size_t headlen = 0, metalen = 0;
    FILE *h = open_memstream(&head, &headlen), *m = open_memstream(&meta, &metalen);
    if (!h || !m) {
        if (h)
            fclose(h);
        if (m)
            fclose(m);
        free(s);
        return -1;
    }
    for (const char *p = s; p <= gt; p++) {
        if (p > root && !strncmp(p, " width=\"", 8) && p < gt) {
            fprintf(h, " width=\"%.2fin\"", w_in);
            p = strchr(p + 8, '"');
            continue;
        }
        if (p > root && !strncmp(p, " height=\"", 9) && p < gt) {
            fprintf(h, " height=\"%.2fin\"", h_in);
            p = strchr(p + 9, '"');
            continue;
        }
        if (p > root && !strncmp(p, "\n width=\"", 9) && p < gt) {
            fprintf(h, "\n width=\"%.2fin\"", w_in);
            p = strchr(p + 9, '"');
            continue;
        }
        fputc(*p, h);
    }
    fputs("\n<metadata id=\"vkmmu-config\">\n", m);
    for (const char *p = title; *p; p++)
        fputc(*p == '<' || *p == '&' ? '_' : *p, m);
    fputc('\n', m);
    for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
        switch (*p) {
        case '<': fputs("&lt;", m); break;
        case '>': fputs("&gt;", m); break;
        case '&': fputs("&amp;", m); break;
        default:
            if (*p >= 0x20 || *p == '\n' || *p == '\t')
                fputc(*p, m);
        }
    }
    fputs("</metadata>", m);
    fclose(h);
    fclose(m);
    int rc = write_parts(path, head, headlen, meta, metalen, gt + 1, len - (size_t)(gt + 1 - s));
    free(head);
    free(meta);
    free(s);
    return rc;
}

/* ---- PNG ---- */

static uint32_t crc_table[256];

static void crc_init(void)
{
    for (uint32_t n = 0; n < 256; n++) {
        uint32_t c = n;
        for (int k = 0; k < 8; k++)
            c = c & 1 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        crc_table[n] = c;
    }
}

static uint32_t crc_update(uint32_t crc, const unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        crc = crc_table[(crc ^ p[i]) & 0xFF] ^ (crc >> 8);
    return crc;
}

static void put32(FILE *f, uint32_t v)
{
    unsigned char b[4] = {(unsigned char)(v >> 24), (unsigned char)(v >> 16),
                          (unsigned char)(v >> 8), (unsigned char)v};
    fwrite(b, 1, 4, f);
}

/* One chunk: length, type, data, CRC over type and data. */
static void png_chunk(FILE *f, const char *type, const unsigned char *data, size_t n)
{
    put32(f, (uint32_t)n);
    fwrite(type, 1, 4, f);
    fwrite(data, 1, n, f);
    uint32_t crc = crc_update(0xFFFFFFFFu, (const unsigned char *)type, 4);
    crc = crc_update(crc, data, n);
    put32(f, crc ^ 0xFFFFFFFFu);
}

static int embed_png(const char *path, const char *title, const char *text)
{
    static const unsigned char sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
    size_t len;
    char *s = slurp(path, &len);
    if (!s)
        return -1;
    const unsigned char *u = (const unsigned char *)s;
    /* The signature, then IHDR (13 bytes of data): chunks go right after it. */
    if (len < 33 || memcmp(u, sig, 8) || memcmp(u + 12, "IHDR", 4)) {
        fprintf(stderr, "vkmmu plot: %s: gnuplot wrote no PNG\n", path);
        free(s);
        return -1;
    }
    size_t ihdr_end = 8 + 12 + 13;
    char *mid = NULL;
    size_t midlen = 0;
    FILE *m = open_memstream(&mid, &midlen);
    if (!m) {
        free(s);
        return -1;
    }
    crc_init();
    /* tEXt: keyword, NUL, Latin-1 text (ASCII here). */
    char sw[160];
    int n = snprintf(sw, sizeof(sw), "Software%c%s; vkmmu %s (git %s)", 0, title, VKMMU_VERSION,
                     VKMMU_GIT_COMMIT);
    png_chunk(m, "tEXt", (const unsigned char *)sw, (size_t)n);
    /* iTXt: keyword, NUL, compression flag 0, method 0, empty language, NUL, empty
     * translated keyword, NUL, UTF-8 text. */
    size_t tl = strlen(text);
    unsigned char *it = malloc(tl + 32);
    if (!it) {
        fclose(m);
        free(mid);
        free(s);
        return -1;
    }
    size_t k = 0;
    memcpy(it, "Description", 11);
    k = 11;
    it[k++] = 0;
    it[k++] = 0;
    it[k++] = 0;
    it[k++] = 0;
    it[k++] = 0;
    memcpy(it + k, text, tl);
    k += tl;
    png_chunk(m, "iTXt", it, k);
    free(it);
    fclose(m);
    int rc = write_parts(path, s, ihdr_end, mid, midlen, s + ihdr_end, len - ihdr_end);
    free(mid);
    free(s);
    return rc;
}

/* ---- PDF ---- */

/* A PDF literal string: ASCII with ( ) \ escaped; line breaks as \n; other bytes as '?'. */
static void pdf_str(FILE *f, const char *s)
{
    fputc('(', f);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '(' || *p == ')' || *p == '\\')
            fprintf(f, "\\%c", *p);
        else if (*p == '\n')
            fputs("\\n", f);
        else if (*p < 0x20 || *p >= 0x7F)
            fputc('?', f);
        else
            fputc(*p, f);
    }
    fputc(')', f);
}

/* The last occurrence of needle in s[0, len). */
static const char *rfind(const char *s, size_t len, const char *needle)
{
    size_t n = strlen(needle);
    for (size_t i = len >= n ? len - n + 1 : 0; i-- > 0;)
        if (!memcmp(s + i, needle, n))
            return s + i;
    return NULL;
}

/* Copies a `/Key (...)` entry of the old Info dictionary (cairo's /Producer, /CreationDate). */
static void copy_entry(FILE *f, const char *s, size_t len, const char *key)
{
    const char *k = rfind(s, len, key);
    if (!k)
        return;
    const char *open = k + strlen(key);
    while (*open == ' ')
        open++;
    if (*open != '(')
        return;
    const char *close = open + 1;
    int depth = 1;
    for (; close < s + len && depth; close++) {
        if (*close == '\\')
            close++;
        else if (*close == '(')
            depth++;
        else if (*close == ')')
            depth--;
    }
    if (depth)
        return;
    fprintf(f, "   %s %.*s\n", key, (int)(close - open), open);
}

static int embed_pdf(const char *path, const char *title, const char *text)
{
    size_t len;
    char *s = slurp(path, &len);
    if (!s)
        return -1;
    const char *sx = rfind(s, len, "startxref");
    const char *tr = rfind(s, len, "trailer");
    const char *root = tr ? strstr(tr, "/Root") : NULL;
    const char *size = tr ? strstr(tr, "/Size") : NULL;
    if (len < 8 || memcmp(s, "%PDF-", 5) || !sx || !tr || !root || !size || root > sx ||
        size > sx) {
        /* A cairo that writes cross-reference streams (none does as of 1.18) would need a
         * stream update: keep the figure, say what is missing. */
        fprintf(stderr,
                "vkmmu plot: warning: %s: no classic PDF trailer; the figure is kept without "
                "the vkmmu metadata (plot.gp of --data holds it)\n",
                path);
        free(s);
        return 0;
    }
    long prev = strtol(sx + 9, NULL, 10);
    long objs = strtol(size + 5, NULL, 10);
    unsigned long rootnum = 0, rootgen = 0;
    if (sscanf(root + 5, " %lu %lu R", &rootnum, &rootgen) != 2 || prev <= 0 || objs <= 0) {
        fprintf(stderr, "vkmmu plot: %s: cannot read the PDF trailer\n", path);
        free(s);
        return -1;
    }
    char *up = NULL;
    size_t uplen = 0;
    FILE *u = open_memstream(&up, &uplen);
    if (!u) {
        free(s);
        return -1;
    }
    /* The update starts on a new line after cairo's %%EOF. */
    const char *lead = len && s[len - 1] == '\n' ? "" : "\n";
    fputs(lead, u);
    long obj_off = (long)len + (long)strlen(lead);
    fprintf(u, "%ld 0 obj\n<< /Title ", objs);
    pdf_str(u, title);
    fputs("\n   /Subject ", u);
    pdf_str(u, text);
    fputs("\n   /Keywords ", u);
    char kw[200];
    snprintf(kw, sizeof(kw), "vkmmu %s, git %s, %s", VKMMU_VERSION, VKMMU_GIT_COMMIT, title);
    pdf_str(u, kw);
    fputs("\n   /Creator ", u);
    snprintf(kw, sizeof(kw), "vkmmu %s (git %s) plot via gnuplot pdfcairo", VKMMU_VERSION,
             VKMMU_GIT_COMMIT);
    pdf_str(u, kw);
    fputc('\n', u);
    copy_entry(u, s, len, "/Producer");
    copy_entry(u, s, len, "/CreationDate");
    fputs(">>\nendobj\n", u);
    fflush(u);
    long xref_off = (long)len + (long)uplen;
    /* Each entry is exactly 20 bytes: 10-digit offset, 5-digit generation, type, " \n". */
    fprintf(u, "xref\n0 1\n0000000000 65535 f \n%ld 1\n%010ld 00000 n \n", objs, obj_off);
    fprintf(u, "trailer\n<< /Size %ld\n   /Root %lu %lu R\n   /Info %ld 0 R\n   /Prev %ld\n>>\n",
            objs + 1, rootnum, rootgen, objs, prev);
    fprintf(u, "startxref\n%ld\n%%%%EOF\n", xref_off);
    fclose(u);
    int rc = write_parts(path, s, len, up, uplen, "", 0);
    free(up);
    free(s);
    return rc;
}

int plot_embed_metadata(const char *path, enum plot_fmt fmt, const char *title, const char *text,
                        double w_in, double h_in)
{
    switch (fmt) {
    case PLOT_SVG: return embed_svg(path, title, text, w_in, h_in);
    case PLOT_PNG: return embed_png(path, title, text);
    case PLOT_PDF: return embed_pdf(path, title, text);
    }
    return -1;
}
