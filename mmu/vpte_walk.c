/* mmu/vpte_walk.c - the real kernel's walk of the vkernel's page table.
 * DragonFly 1.10 sys/vm/vm_fault.c vm_fault_vpagetable(): from the root, each level must be
 * valid and allow the access (R for reads and fetches, W for writes); an entry that passes gets
 * A (read) or A|M (write) before the walk descends; PS ends the walk; a failure touches nothing. */
#include "mmu.h"

static bool level_ok(uint64_t v, bool write)
{
    if (!(v & VPTE_V))
        return false;
    return write ? (v & VPTE_W) != 0 : (v & VPTE_R) != 0;
}

struct mmu_walk mmu_vpte_walk(struct mmu_space *s, uint64_t vpn, bool write)
{
    struct mmu_walk w = {0};
    uint64_t set = write ? (VPTE_A | VPTE_M) : VPTE_A;
    if (!level_ok(s->root, write)) { /* the root is held by the map entry: no reference */
        w.fail_level = s->levels + 1;
        return w;
    }
    struct mmu_leaf *leaf = mmu_space_leaf(s, vpn, false);
    for (unsigned level = s->levels; level >= 1; level--) {
        uint64_t *e = NULL, v;
        w.refs++;
        if (level > 2) {
            v = mmu_space_upper_get(s, level, vpn);
        } else if (!leaf) {
            v = 0;
        } else if (level == 2) {
            e = &leaf->pde;
            v = *e;
        } else {
            e = &leaf->pg[vpn & (s->leaf_pages - 1)].vpte;
            v = *e;
        }
        if (!level_ok(v, write)) {
            w.fail_level = level;
            return w;
        }
        v |= set;
        if (e)
            *e = v;
        else
            mmu_space_upper_set(s, level, vpn, v);
        if ((v & VPTE_PS) || level == 1) {
            w.ok = true;
            w.vpte = v;
            return w;
        }
    }
    return w;
}
