/* emu/emu_blocks.c - instruction counts per translation block, decoded once with Capstone and
 * cached by (address, size) (unicorn-2.0.1.md section 5: UC_HOOK_BLOCK plus a per-block
 * count is as fast as no hook; UC_HOOK_CODE costs a third of the speed). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emu_internal.h"

int emu_blocks_init(struct emu_blocks *b, bool is64)
{
    memset(b, 0, sizeof *b);
    if (cs_open(CS_ARCH_X86, is64 ? CS_MODE_64 : CS_MODE_32, &b->cs) != CS_ERR_OK)
        return -1;
    b->cap = 4096;
    b->tab = calloc(b->cap, sizeof *b->tab);
    b->offs_cap = 65536;
    b->offs = malloc(b->offs_cap * sizeof *b->offs);
    if (!b->tab || !b->offs) {
        emu_blocks_fini(b);
        return -1;
    }
    return 0;
}

void emu_blocks_fini(struct emu_blocks *b)
{
    if (b->cs)
        cs_close(&b->cs);
    free(b->tab);
    free(b->offs);
    free(b->buf);
    memset(b, 0, sizeof *b);
}

static size_t slot_of(const struct emu_blocks *b, uint64_t addr, uint32_t size)
{
    uint64_t k = (addr ^ ((uint64_t)size << 48)) * 0x9E3779B97F4A7C15ull;
    return (size_t)(k >> 40) & (b->cap - 1);
}

static int grow(struct emu_blocks *b)
{
    size_t ncap = b->cap * 2;
    struct emu_block *nt = calloc(ncap, sizeof *nt);
    if (!nt)
        return -1;
    struct emu_block *old = b->tab;
    size_t ocap = b->cap;
    b->tab = nt;
    b->cap = ncap;
    for (size_t i = 0; i < ocap; i++) {
        if (old[i].size == 0)
            continue;
        size_t s = slot_of(b, old[i].addr, old[i].size);
        while (b->tab[s].size != 0)
            s = (s + 1) & (b->cap - 1);
        b->tab[s] = old[i];
    }
    free(old);
    return 0;
}

/* "rep movsd", "repe cmpsb", "repne scasb", ...: Unicorn runs each iteration as a new entry
 * into a block holding only that instruction. */
static bool is_rep_string(const char *mn)
{
    static const char *const ops[] = {"movs", "stos", "lods", "cmps", "scas", "ins", "outs"};
    if (strncmp(mn, "rep", 3) != 0)
        return false;
    const char *op = strchr(mn, ' ');
    if (!op)
        return false;
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++)
        if (strncmp(op + 1, ops[i], strlen(ops[i])) == 0)
            return true;
    return false;
}

/* in, out, ins*, outs*: at CPL 3 with IOPL 0 and no I/O bitmap (Linux's user mode), each
 * raises #GP (SDM vol. 1, 19.5.1), which Unicorn 2.0.1 does not check. */
static bool is_io(unsigned id)
{
    switch (id) {
    case X86_INS_IN:
    case X86_INS_OUT:
    case X86_INS_INSB:
    case X86_INS_INSW:
    case X86_INS_INSD:
    case X86_INS_OUTSB:
    case X86_INS_OUTSW:
    case X86_INS_OUTSD: return true;
    default: return false;
    }
}

static int decode(struct emu_blocks *b, uc_engine *uc, struct emu_block *blk)
{
    blk->rep_addr = 0;
    blk->io_addr = 0;
    if (blk->size > b->buf_cap) {
        uint8_t *nb = realloc(b->buf, blk->size);
        if (!nb)
            return -1;
        b->buf = nb;
        b->buf_cap = blk->size;
    }
    blk->off = (uint32_t)b->noffs;
    blk->ninsns = 0;
    if (uc_mem_read(uc, blk->addr, b->buf, blk->size) != UC_ERR_OK)
        return 0;
    cs_insn *insn = cs_malloc(b->cs);
    if (!insn)
        return -1;
    const uint8_t *code = b->buf;
    size_t left = blk->size;
    uint64_t addr = blk->addr;
    while (left > 0) {
        uint32_t off = (uint32_t)(addr - blk->addr);
        if (b->noffs == b->offs_cap) {
            uint16_t *no = realloc(b->offs, b->offs_cap * 2 * sizeof *no);
            if (!no) {
                cs_free(insn, 1);
                return -1;
            }
            b->offs = no;
            b->offs_cap *= 2;
        }
        b->offs[b->noffs++] = (uint16_t)off;
        blk->ninsns++;
        if (!cs_disasm_iter(b->cs, &code, &left, &addr, insn)) {
            /* Capstone does not know this instruction: the rest of the block counts as one,
             * the same in every engine (reported as blocks_undecoded). */
            b->undecoded++;
            break;
        }
        blk->rep_addr = is_rep_string(insn->mnemonic) ? (uint32_t)insn->address : 0;
        if (blk->io_addr == 0 && is_io(insn->id))
            blk->io_addr = (uint32_t)insn->address;
    }
    cs_free(insn, 1);
    return 0;
}

const struct emu_block *emu_blocks_get_slow(struct emu_blocks *b, uc_engine *uc, uint64_t addr,
                                            uint32_t size)
{
    size_t s = slot_of(b, addr, size);
    const struct emu_block **dm = &b->dm[(addr ^ (addr >> 13)) & (EMU_BLOCKS_DM - 1)];
    for (;;) {
        struct emu_block *e = &b->tab[s];
        if (e->size == size && e->addr == addr)
            return *dm = e;
        if (e->size == 0)
            break;
        s = (s + 1) & (b->cap - 1);
    }
    if (size == 0) {
        static const struct emu_block empty = {0, 0, 0, 0, 0, 0};
        return &empty;
    }
    if ((b->len + 1) * 2 > b->cap) {
        if (grow(b) != 0)
            return NULL;
        memset(b->dm, 0, sizeof b->dm);
        dm = &b->dm[(addr ^ (addr >> 13)) & (EMU_BLOCKS_DM - 1)];
        s = slot_of(b, addr, size);
        while (b->tab[s].size != 0)
            s = (s + 1) & (b->cap - 1);
    }
    struct emu_block *e = &b->tab[s];
    e->addr = addr;
    e->size = size;
    if (decode(b, uc, e) != 0) {
        e->size = 0;
        return NULL;
    }
    b->len++;
    return *dm = e;
}

uint32_t emu_blocks_tail(const struct emu_blocks *b, const struct emu_block *blk, uint64_t eip)
{
    if (!blk || eip < blk->addr || eip - blk->addr >= blk->size)
        return 0;
    uint32_t off = (uint32_t)(eip - blk->addr), n = 0;
    for (uint32_t i = blk->ninsns; i-- > 0;) {
        if (b->offs[blk->off + i] < off)
            break;
        n++;
    }
    return n;
}

unsigned emu_disasm(csh cs, uc_engine *uc, uint64_t eip, char *out, size_t len)
{
    uint8_t code[16];
    cs_insn *insn = NULL;
    snprintf(out, len, "(bad)");
    if (uc_mem_read(uc, eip, code, sizeof code) != UC_ERR_OK) {
        snprintf(out, len, "(not readable)");
        return 0;
    }
    size_t n = cs_disasm(cs, code, sizeof code, eip, 1, &insn);
    if (n == 0)
        return 0;
    if (insn[0].op_str[0])
        snprintf(out, len, "%s %s", insn[0].mnemonic, insn[0].op_str);
    else
        snprintf(out, len, "%s", insn[0].mnemonic);
    unsigned sz = insn[0].size;
    cs_free(insn, n);
    return sz;
}
