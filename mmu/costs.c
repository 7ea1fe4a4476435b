/* mmu/costs.c - cost profiles (model.md section 10) and the costs file.
 * Sources: ../shared/docs/costs.md (measurements on a 2026 x86-64 KVM guest, AMD Zen 5,
 * TSC 2.596 GHz) and the literature it cites.  Each value says where it comes from. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mmu.h"

const char *const mmu_cost_names[MMU_NCOSTS] = {
#define MMU_X_NAME(id, desc) #id,
    MMU_COSTS(MMU_X_NAME)
#undef MMU_X_NAME
};

const char *const mmu_cost_descs[MMU_NCOSTS] = {
#define MMU_X_DESC(id, desc) desc,
    MMU_COSTS(MMU_X_DESC)
#undef MMU_X_DESC
};

/* modern: 2.596 GHz x86-64 KVM guest, 2026 (costs.md table 1). */
static const struct mmu_costs costs_modern = {
    .name = "modern",
    .clock_ghz = 2.596,
    .v = {
        /* Assumption: CPI 1; the model charges only memory-management events beyond it. */
        [MMU_COST_insn] = 1,
        /* null system call getppid: 111-120 ns = 290-310 cycles. */
        [MMU_COST_syscall_native] = 300,
        /* A vkernel guest syscall is a round trip between two contexts (real kernel ->
         * vkernel -> vmspace_ctl back): pipe ping-pong round trip, 2 context switches,
         * 4.0 us = 10.4 k cycles. */
        [MMU_COST_syscall_vk] = 10400,
        /* anonymous first-touch read (zero page mapped, no allocation): 0.60-0.63 us. */
        [MMU_COST_fault_native] = 1600,
        /* The real kernel resolving a vpagetable fault alone is a minor fault without
         * allocation (same 0.6 us); the walk's references are charged apart (walk_ref). */
        [MMU_COST_fault_real] = 1600,
        /* One vpte read through vm_fault_object + sf_buf: assumption of an L3/DRAM-mix load,
         * between an L3 hit (~50 cycles) and the measured 69-119 ns random 4 KiB-page chase. */
        [MMU_COST_walk_ref] = 100,
        /* userfaultfd fault reflection (UFFDIO_COPY), handler on the same CPU: 7.2-8.9 us,
         * about 19-23 k cycles; the low end, since the page work is charged apart. */
        [MMU_COST_reflect] = 19000,
        /* A dirty-bit trap is a write fault the real kernel resolves alone (walk sets M):
         * a minor fault without allocation, 0.6 us.  (A user-level write-protect trap,
         * SIGSEGV + mprotect + return, is 4.25-4.32 us = 11.1 k; DragonFly does not take one.) */
        [MMU_COST_dirty_trap] = 1600,
        /* anonymous first-touch write 1.20-1.80 us (3.1-4.7 k) minus the 1.6 k fault. */
        [MMU_COST_zero_fill] = 2300,
        /* private file page first write (COW) 1.64-2.28 us on ext4 (about 5.1 k) minus the
         * 1.6 k fault. */
        [MMU_COST_cow] = 3500,
        /* Assumption: a 4 KiB read from a local NVMe device, about 10 us. */
        [MMU_COST_file_read] = 26000,
        /* Assumption: swap-in from the same device as file_read. */
        [MMU_COST_swap_in] = 26000,
        /* Assumption: eviction queues a write-back; charged as a page copy-sized bookkeeping
         * step (1 us). */
        [MMU_COST_evict] = 2600,
        /* A page-table page is a zeroed page: same as zero_fill. */
        [MMU_COST_pt_alloc] = 2300,
        /* Linux fault-around sparse worst case, 0.12-0.19 us per extra page mapped
         * (Shutemov, linux-mm 2014-02-27): about 400 cycles. */
        [MMU_COST_prefault] = 400,
        /* madvise(MADV_INVAL): a system call plus a one-page pmap_remove; mprotect of one page
         * measured at 1.0 us is the closest analogue: 2.6 k cycles. */
        [MMU_COST_inval] = 2600,
        /* A VM exit and re-entry: 2,528 cycles per KVM_RUN round trip on AMD SVM (lkml,
         * December 2020), plus the host's minor fault on the vkernel's memory (1.6 k). */
        [MMU_COST_ept_violation] = 4100,
        /* vmspace_create, vmspace_mmap, vmspace_mcontrol and vmspace_destroy are real system
         * calls that change the real kernel's maps, as MADV_INVAL is: charged as one (mprotect
         * of one page, 1.0 us, shared/docs/costs.md). */
        [MMU_COST_vmspace] = 2600,
    },
};

/* dfly2007: DragonFly 1.8/1.10 era, nominal 2.0 GHz (Core 2 class). */
static const struct mmu_costs costs_dfly2007 = {
    .name = "dfly2007",
    .clock_ghz = 2.0,
    .v = {
        [MMU_COST_insn] = 1, /* assumption: CPI 1 */
        /* Assumption: a null system call on a 2007 BSD kernel, about 0.25 us. */
        [MMU_COST_syscall_native] = 500,
        /* Dillon, BSD Newsletter Feb 2007: system calls under a vkernel "cost around 3uS". */
        [MMU_COST_syscall_vk] = 6000,
        /* Assumption: a 2007 minor fault, about 1 us. */
        [MMU_COST_fault_native] = 2000,
        [MMU_COST_fault_real] = 2000, /* same as a native minor fault */
        /* Assumption: vm_fault_object + sf_buf map/unmap per level, about 0.1 us. */
        [MMU_COST_walk_ref] = 200,
        /* Dillon 2007: page faults cost "a bit less" than the 3 us system calls: 2.5 us,
         * beyond the two real faults charged apart. */
        [MMU_COST_reflect] = 5000,
        [MMU_COST_dirty_trap] = 2000, /* a real-kernel write fault: as fault_real */
        /* Assumption: zeroing 4 KiB at about 4 GB/s plus allocation, about 1 us. */
        [MMU_COST_zero_fill] = 2000,
        [MMU_COST_cow] = 3000,         /* assumption: copy 4 KiB + allocation, 1.5 us */
        [MMU_COST_file_read] = 16000000, /* assumption: 2007 disk seek + read, about 8 ms */
        [MMU_COST_swap_in] = 16000000, /* assumption: as file_read */
        [MMU_COST_evict] = 2000,       /* assumption: 1 us bookkeeping, write-back queued */
        [MMU_COST_pt_alloc] = 2000,    /* a zeroed page, as zero_fill */
        [MMU_COST_prefault] = 400,     /* assumption: one vpte write plus page lookup, 0.2 us */
        /* Each MADV_INVAL is a real system call (vmspace_mcontrol) with the map lock taken
         * exclusively (before 2017): assumption of 1.5 us.  Fork under a vkernel went from
         * about 2100 us to 650 us (commit 70fc528300) once these were cut. */
        [MMU_COST_inval] = 3000,
        /* Not applicable to 2007 hardware (EPT came in 2008); charged as a modern exit
         * (2.5 k) plus a 2007 minor fault (2 k) for what-if runs. */
        [MMU_COST_ept_violation] = 4500,
        /* The vmspace_* calls (10 per vmspace created, dragonfly-vkernel.md section 2) are
         * system calls that take the real kernel's map lock, as MADV_INVAL does: charged as
         * one (assumption, 1.5 us). */
        [MMU_COST_vmspace] = 3000,
    },
};

static const struct mmu_cost_profile prof_modern = {
    "modern", "2.6 GHz x86-64 KVM guest measured in 2026 (shared/docs/costs.md)", &costs_modern};
static const struct mmu_cost_profile prof_dfly2007 = {
    "dfly2007", "DragonFly 1.10 era, 2.0 GHz, from Dillon's 2007 vkernel figures", &costs_dfly2007};

const struct mmu_cost_profile *const mmu_cost_profiles[] = {&prof_modern, &prof_dfly2007, NULL};

const struct mmu_cost_profile *mmu_cost_profile_find(const char *name)
{
    for (int i = 0; mmu_cost_profiles[i]; i++)
        if (strcmp(mmu_cost_profiles[i]->name, name) == 0)
            return mmu_cost_profiles[i];
    return NULL;
}

static char *trim(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    char *e = s + strlen(s);
    while (e > s && isspace((unsigned char)e[-1]))
        *--e = 0;
    return s;
}

/* A costs value is plain decimal: digits with an optional fraction and exponent ("1600",
 * "2.5", ".5", "1.2e+06").  No sign (so no negative zero), no "inf"/"nan", no hexadecimal:
 * strtod alone would take all of those. */
bool mmu_plain_decimal(const char *s)
{
    size_t digits = 0;
    while (isdigit((unsigned char)*s))
        s++, digits++;
    if (*s == '.')
        for (s++; isdigit((unsigned char)*s); s++)
            digits++;
    if (!digits)
        return false;
    if (*s == 'e' || *s == 'E') {
        s++;
        if (*s == '+' || *s == '-')
            s++;
        if (!isdigit((unsigned char)*s))
            return false;
        while (isdigit((unsigned char)*s))
            s++;
    }
    return *s == 0;
}

/* 0, or -1 with "FILE:LINE: ..." in err.  lo <= value <= hi once parsed; range says so. */
static int parse_value(const char *key, const char *val, double lo, double hi,
                       const char *range, double *out, const char *where, char *err,
                       size_t errlen)
{
    if (!mmu_plain_decimal(val)) {
        snprintf(err, errlen, "%s: expected a non-negative decimal number for '%s', found '%s'",
                 where, key, val);
        return -1;
    }
    errno = 0;
    double v = strtod(val, NULL);
    if (errno == ERANGE && v < 1) {
        snprintf(err, errlen, "%s: '%s' = %s is too small to represent (write 0 instead)",
                 where, key, val);
        return -1;
    }
    if (errno == ERANGE || !isfinite(v) || v < lo || v > hi) {
        snprintf(err, errlen, "%s: '%s' = %s is out of range (expected %s)", where, key, val,
                 range);
        return -1;
    }
    *out = v;
    return 0;
}

/* Reads one line of a costs file into buf (without its LF or CR LF).  1: a line; 0: end of
 * file; -1: err holds what is wrong (a NUL or control byte, a lone CR, an over-long line,
 * a read error).  A missing final newline is fine. */
static int read_line(FILE *f, char *buf, size_t cap, const char *where, char *err,
                     size_t errlen)
{
    size_t n = 0;
    int ch;
    while ((ch = getc(f)) != EOF && ch != '\n') {
        size_t col = n + 1;
        if (ch == '\r') {
            int next = getc(f);
            if (next == '\n' || next == EOF)
                break;
            snprintf(err, errlen, "%s: carriage return at column %zu inside the line (a costs "
                     "file ends lines with LF or CR LF)", where, col);
            return -1;
        }
        if (ch == 0) {
            snprintf(err, errlen, "%s: NUL byte at column %zu (a costs file is text)", where,
                     col);
            return -1;
        }
        if ((ch < 0x20 && ch != '\t') || ch == 0x7f) {
            snprintf(err, errlen, "%s: control byte 0x%02x at column %zu (a costs file is "
                     "text)", where, (unsigned)ch, col);
            return -1;
        }
        if (n + 1 >= cap) {
            snprintf(err, errlen, "%s: line too long (at most %zu characters)", where, cap - 1);
            return -1;
        }
        buf[n++] = (char)ch;
    }
    buf[n] = 0;
    return ch == EOF && n == 0 && !ferror(f) ? 0 : ferror(f) ? -2 : 1;
}

/* Keys and values are ASCII; a byte above 0x7f outside a comment is most likely binary data
 * or a file in another encoding.  0, or -1 with err filled. */
static int check_ascii(const char *line, const char *where, char *err, size_t errlen)
{
    for (const unsigned char *p = (const unsigned char *)line; *p && *p != '#'; p++)
        if (*p > 0x7f) {
            snprintf(err, errlen, "%s: byte 0x%02x at column %zu is not ASCII (keys and values "
                     "are ASCII; a costs file is text)", where, *p,
                     (size_t)(p - (const unsigned char *)line) + 1);
            return -1;
        }
    return 0;
}

/* Applies one "key = value" line (comments stripped) to out.  0, or -1 with err filled. */
static int apply_line(struct mmu_costs *out, char *s, bool *seen_key, const char *where,
                      char *err, size_t errlen)
{
    char *eq = strchr(s, '=');
    if (!eq) {
        snprintf(err, errlen, "%s: expected 'key = value', found '%s'", where, s);
        return -1;
    }
    *eq = 0;
    char *key = trim(s), *val = trim(eq + 1);
    if (strcmp(key, "base") == 0) {
        const struct mmu_cost_profile *p = mmu_cost_profile_find(val);
        if (!p) {
            snprintf(err, errlen, "%s: unknown base profile '%s' (expected modern or dfly2007)",
                     where, val);
            return -1;
        }
        if (*seen_key) {
            snprintf(err, errlen, "%s: 'base' must come before any cost value", where);
            return -1;
        }
        out->clock_ghz = p->costs->clock_ghz;
        memcpy(out->v, p->costs->v, sizeof out->v);
        return 0;
    }
    bool clock = strcmp(key, "clock_ghz") == 0;
    int i = 0;
    while (!clock && i < MMU_NCOSTS && strcmp(key, mmu_cost_names[i]) != 0)
        i++;
    if (!clock && i == MMU_NCOSTS) {
        snprintf(err, errlen, "%s: unknown cost key '%s' (see 'vkmmu list')", where, key);
        return -1;
    }
    double v;
    if (parse_value(key, val, clock ? MMU_CLOCK_GHZ_MIN : 0,
                    clock ? MMU_CLOCK_GHZ_MAX : MMU_COST_MAX,
                    clock ? MMU_CLOCK_GHZ_RANGE : MMU_COST_RANGE, &v, where, err, errlen) < 0)
        return -1;
    *seen_key = true;
    if (clock)
        out->clock_ghz = v;
    else
        out->v[i] = v;
    return 0;
}

int mmu_costs_load(struct mmu_costs *out, const char *path, char *err, size_t errlen)
{
    size_t plen = strlen(path);
    if (plen > MMU_COSTS_NAME_MAX) {
        snprintf(err, errlen, "costs file name of %zu characters is too long (at most %d)",
                 plen, MMU_COSTS_NAME_MAX);
        return -1;
    }
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "%s: cannot open costs file: %s", path, strerror(errno));
        return -1;
    }
    *out = costs_modern;
    memcpy(out->name, path, plen + 1);
    char line[MMU_COSTS_LINE_MAX + 1], where[MMU_COSTS_NAME_MAX + 32];
    unsigned lineno = 0;
    bool seen_key = false;
    int rc;
    for (;;) {
        snprintf(where, sizeof where, "%s:%u", path, ++lineno);
        rc = read_line(f, line, sizeof line, where, err, errlen);
        if (rc <= 0)
            break;
        if (check_ascii(line, where, err, errlen) < 0) {
            rc = -1;
            break;
        }
        char *hash = strchr(line, '#');
        if (hash)
            *hash = 0;
        char *s = trim(line);
        if (*s && (rc = apply_line(out, s, &seen_key, where, err, errlen)) < 0)
            break;
    }
    if (rc == -2)
        snprintf(err, errlen, "%s: read error: %s", path, strerror(errno));
    fclose(f);
    return rc < 0 ? -1 : 0;
}

int mmu_costs_resolve(struct mmu_costs *out, const char *name_or_file, char *err, size_t errlen)
{
    const struct mmu_cost_profile *p = mmu_cost_profile_find(name_or_file);
    if (p) {
        *out = *p->costs;
        return 0;
    }
    return mmu_costs_load(out, name_or_file, err, errlen);
}

void mmu_costs_write(const struct mmu_costs *c, FILE *f)
{
    /* The name is a path and may hold any byte: a control byte would end the comment line. */
    fputs("# vkmmu costs file (cycles per event); profile ", f);
    for (const unsigned char *p = (const unsigned char *)c->name; *p; p++)
        fputc(*p < 0x20 || *p == 0x7f ? '?' : *p, f);
    fprintf(f, "\nclock_ghz = %.17g\n", c->clock_ghz);
    for (int i = 0; i < MMU_NCOSTS; i++)
        fprintf(f, "%s = %.17g  # %s\n", mmu_cost_names[i], c->v[i], mmu_cost_descs[i]);
}

/* One cost component: the sum of count x cost over its terms, rounded to the nearest cycle.
 * With whole-number costs (every built-in profile) it is computed exactly in 64-bit integers;
 * otherwise in doubles, which stay finite: counts are below 2^64 and costs at most
 * MMU_COST_MAX, so the sum is below 2^64 x 1e12 x 8.  false when it does not fit in 64 bits. */
struct cost_term {
    uint64_t n;
    double cost;
};

static bool component(const struct cost_term *t, size_t k, uint64_t *out)
{
    bool whole = true;
    for (size_t i = 0; i < k; i++)
        whole = whole && t[i].cost == floor(t[i].cost);
    if (whole) { /* costs are at most 1e12 < 2^53: exact as integers */
        uint64_t sum = 0, p;
        for (size_t i = 0; i < k; i++)
            if (__builtin_mul_overflow(t[i].n, (uint64_t)t[i].cost, &p) ||
                __builtin_add_overflow(sum, p, &sum))
                return false;
        *out = sum;
        return true;
    }
    double x = 0;
    for (size_t i = 0; i < k; i++)
        x += (double)t[i].n * t[i].cost;
    double r = round(x);
    if (!(r < 0x1p64))
        return false;
    *out = (uint64_t)r;
    return true;
}

#define TERMS(...) (const struct cost_term[]){__VA_ARGS__},                                     \
                   sizeof((const struct cost_term[]){__VA_ARGS__}) / sizeof(struct cost_term)
#define SET(id, ...)                                                                             \
    do {                                                                                         \
        if (!component(TERMS(__VA_ARGS__), &MMU_CTR(c, id)))                                     \
            return mmu_counter_names[MMU_C_##id];                                                \
    } while (0)

const char *mmu_costs_apply(const struct mmu_costs *k, struct mmu_counters *c,
                            enum mmu_cost_class cls, uint64_t guest_syscalls)
{
    const double *v = k->v;
#define T(ctr, cost) {MMU_CTR(c, ctr), v[MMU_COST_##cost]}
    SET(cycles_insn, T(insns, insn));
    /* cycles.tlb is accumulated by the TLB model itself (mmu_tlb_access), saturating */
    if (MMU_CTR(c, cycles_tlb) == UINT64_MAX)
        return mmu_counter_names[MMU_C_cycles_tlb];
    /* Faults the kernel resolves, with the page work they caused (zero-fill, COW, reads,
     * evictions, page-table pages) and the walk's vpte reads.  Dirty traps are apart. */
    struct cost_term fault = T(fault_native, fault_native);
    if (cls == MMU_CLASS_EPT)
        fault = (struct cost_term)T(fault_ept_violation, ept_violation);
    else if (cls == MMU_CLASS_VPT) /* dirty traps are resolved faults: counted apart */
        fault = (struct cost_term){MMU_CTR(c, fault_resolved_real) - MMU_CTR(c, fault_dirty_trap),
                                   v[MMU_COST_fault_real]};
    SET(cycles_fault, fault, T(walk_refs, walk_ref), T(page_zero_fill, zero_fill),
        T(page_cow, cow), T(page_file_read, file_read), T(page_swap_in, swap_in),
        T(page_evict, evict), T(vk_pt_alloc, pt_alloc));
    SET(cycles_reflect, T(fault_reflected, reflect));
    SET(cycles_dirty, T(fault_dirty_trap, dirty_trap));
    SET(cycles_prefault, T(prefault_issued, prefault));
    SET(cycles_inval, T(vk_inval, inval));
    SET(cycles_vmspace, T(vk_vmspace, vmspace));
    if (cls == MMU_CLASS_NATIVE)
        SET(cycles_syscall, {guest_syscalls, v[MMU_COST_syscall_native]});
    else
        SET(cycles_syscall, T(vk_syscall, syscall_vk));
#undef T
    static const enum mmu_counter_id parts[] = {
        MMU_C_cycles_insn,    MMU_C_cycles_tlb,   MMU_C_cycles_fault,    MMU_C_cycles_reflect,
        MMU_C_cycles_dirty,   MMU_C_cycles_prefault, MMU_C_cycles_inval, MMU_C_cycles_syscall,
        MMU_C_cycles_vmspace,
    };
    uint64_t total = 0;
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++)
        if (__builtin_add_overflow(total, c->c[parts[i]], &total))
            return mmu_counter_names[MMU_C_cycles_total];
    MMU_CTR(c, cycles_total) = total;
    return NULL;
}
#undef SET
#undef TERMS
