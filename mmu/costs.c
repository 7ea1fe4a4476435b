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

static int parse_num(const char *s, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || *end || errno || !isfinite(v) || v < 0)
        return -1;
    *out = v;
    return 0;
}

int mmu_costs_load(struct mmu_costs *out, const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "%s: cannot open costs file: %s", path, strerror(errno));
        return -1;
    }
    *out = costs_modern;
    snprintf(out->name, sizeof out->name, "%s", path);
    char line[1024];
    unsigned lineno = 0;
    bool seen_key = false;
    int rc = 0;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        if (!strchr(line, '\n') && !feof(f)) {
            snprintf(err, errlen, "%s:%u: line too long (at most %zu characters)", path, lineno,
                     sizeof line - 2);
            rc = -1;
            break;
        }
        char *hash = strchr(line, '#');
        if (hash)
            *hash = 0;
        char *s = trim(line);
        if (!*s)
            continue;
        char *eq = strchr(s, '=');
        if (!eq) {
            snprintf(err, errlen, "%s:%u: expected 'key = value', found '%s'", path, lineno, s);
            rc = -1;
            break;
        }
        *eq = 0;
        char *key = trim(s), *val = trim(eq + 1);
        if (strcmp(key, "base") == 0) {
            const struct mmu_cost_profile *p = mmu_cost_profile_find(val);
            if (!p) {
                snprintf(err, errlen, "%s:%u: unknown base profile '%s' (expected modern or dfly2007)",
                         path, lineno, val);
                rc = -1;
                break;
            }
            if (seen_key) {
                snprintf(err, errlen, "%s:%u: 'base' must come before any cost value", path, lineno);
                rc = -1;
                break;
            }
            char name[sizeof out->name];
            memcpy(name, out->name, sizeof name);
            *out = *p->costs;
            memcpy(out->name, name, sizeof name);
            continue;
        }
        double v;
        if (parse_num(val, &v) < 0) {
            snprintf(err, errlen, "%s:%u: expected a non-negative number for '%s', found '%s'", path,
                     lineno, key, val);
            rc = -1;
            break;
        }
        seen_key = true;
        if (strcmp(key, "clock_ghz") == 0) {
            if (v <= 0) {
                snprintf(err, errlen, "%s:%u: clock_ghz must be positive", path, lineno);
                rc = -1;
                break;
            }
            out->clock_ghz = v;
            continue;
        }
        int i;
        for (i = 0; i < MMU_NCOSTS; i++)
            if (strcmp(key, mmu_cost_names[i]) == 0)
                break;
        if (i == MMU_NCOSTS) {
            snprintf(err, errlen, "%s:%u: unknown cost key '%s' (see 'vkmmu list')", path, lineno,
                     key);
            rc = -1;
            break;
        }
        out->v[i] = v;
    }
    if (rc == 0 && ferror(f)) {
        snprintf(err, errlen, "%s: read error: %s", path, strerror(errno));
        rc = -1;
    }
    fclose(f);
    return rc;
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
    fprintf(f, "# vkmmu costs file (cycles per event); profile %s\n", c->name);
    fprintf(f, "clock_ghz = %.6g\n", c->clock_ghz);
    for (int i = 0; i < MMU_NCOSTS; i++)
        fprintf(f, "%s = %.6g  # %s\n", mmu_cost_names[i], c->v[i], mmu_cost_descs[i]);
}

static uint64_t cyc(double x)
{
    return x <= 0 ? 0 : (uint64_t)llround(x);
}

void mmu_costs_apply(const struct mmu_costs *k, struct mmu_counters *c, enum mmu_cost_class cls,
                     uint64_t guest_syscalls)
{
    const double *v = k->v;
#define N(id) ((double)MMU_CTR(c, id))
    MMU_CTR(c, cycles_insn) = cyc(N(insns) * v[MMU_COST_insn]);
    /* cycles.tlb is accumulated by the TLB model itself (mmu_tlb_access) */
    /* Faults the kernel resolves, with the page work they caused (zero-fill, COW, reads,
     * evictions, page-table pages) and the walk's vpte reads.  Dirty traps are apart. */
    double page_work = N(page_zero_fill) * v[MMU_COST_zero_fill] + N(page_cow) * v[MMU_COST_cow] +
                       N(page_file_read) * v[MMU_COST_file_read] +
                       N(page_swap_in) * v[MMU_COST_swap_in] + N(page_evict) * v[MMU_COST_evict] +
                       N(vk_pt_alloc) * v[MMU_COST_pt_alloc];
    bool native_like = cls == MMU_CLASS_NATIVE;
    double faults = native_like        ? N(fault_native) * v[MMU_COST_fault_native]
                    : cls == MMU_CLASS_EPT ? N(fault_ept_violation) * v[MMU_COST_ept_violation]
                                       : (N(fault_resolved_real) - N(fault_dirty_trap)) *
                                             v[MMU_COST_fault_real];
    MMU_CTR(c, cycles_fault) = cyc(faults + N(walk_refs) * v[MMU_COST_walk_ref] + page_work);
    MMU_CTR(c, cycles_reflect) = cyc(N(fault_reflected) * v[MMU_COST_reflect]);
    MMU_CTR(c, cycles_dirty) = cyc(N(fault_dirty_trap) * v[MMU_COST_dirty_trap]);
    MMU_CTR(c, cycles_prefault) = cyc(N(prefault_issued) * v[MMU_COST_prefault]);
    MMU_CTR(c, cycles_inval) = cyc(N(vk_inval) * v[MMU_COST_inval]);
    MMU_CTR(c, cycles_syscall) =
        native_like ? cyc((double)guest_syscalls * v[MMU_COST_syscall_native])
                    : cyc(N(vk_syscall) * v[MMU_COST_syscall_vk]);
#undef N
    MMU_CTR(c, cycles_total) = MMU_CTR(c, cycles_insn) + MMU_CTR(c, cycles_tlb) +
                               MMU_CTR(c, cycles_fault) + MMU_CTR(c, cycles_reflect) +
                               MMU_CTR(c, cycles_dirty) + MMU_CTR(c, cycles_prefault) +
                               MMU_CTR(c, cycles_inval) + MMU_CTR(c, cycles_syscall);
}
