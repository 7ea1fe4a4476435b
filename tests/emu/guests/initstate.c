/* The CPU state a Linux i386 process starts with, as the process sees it, for
 * tests/emu/test_initstate.sh (which compares this output with the reference runner's).
 *
 * The program is linked with `-Wl,-e,initstate_entry`: the ELF entry point is the assembly
 * below, which runs before glibc's _start.  It saves the general registers, EFLAGS (pushf),
 * the six segment selectors, the x87 environment (fnstcw/fnstenv; fldenv puts the environment
 * back, because fnstenv masks every x87 exception as a side effect), MXCSR (stmxcsr) and
 * whether the XMM registers are all zero, then restores the registers it used and jumps to
 * glibc's _start as if the kernel had entered there.
 *
 * main then prints what was saved and three sums whose last digits depend on the x87
 * precision control and on SSE: the harmonic number H(10^6) in double (x87), in long double
 * (x87, 64-bit significand) and in double through SSE2 (MXCSR rounding).  ESP is not
 * printed (it depends on the environment's size); its alignment and *ESP == argc are. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

struct initstate {
    uint32_t eax, ebx, ecx, edx, esi, edi, ebp, esp; /* at +0 .. +28 */
    uint32_t eflags;                                 /* +32 */
    uint32_t cs, ds, es, fs, gs, ss;                 /* +36 .. +56 */
    uint32_t fcw;                                    /* +60: fnstcw, before fnstenv */
    uint32_t fenv[7];                                /* +64: fnstenv, 28 bytes */
    uint32_t mxcsr;                                  /* +92 */
    uint32_t xmm_nonzero;                            /* +96: OR of xmm0..xmm7 (by dword) */
    uint32_t xmm_save[4];                            /* +100: xmm0 while it is borrowed */
    uint32_t xmm_or[4];                              /* +116: xmm0 | ... | xmm7 */
};
struct initstate initstate_saved;
_Static_assert(offsetof(struct initstate, eflags) == 32 && offsetof(struct initstate, fcw) == 60 &&
                   offsetof(struct initstate, mxcsr) == 92 &&
                   offsetof(struct initstate, xmm_or) == 116,
               "the entry's offsets");

/* ECX, XMM0 and EFLAGS are the only state the entry changes; all are put back before the jump.
 * Segment reads into a 32-bit memory operand store 16 bits: the fields are zeroed first. */
__asm__(".text\n"
        ".globl initstate_entry\n"
        "initstate_entry:\n"
        "  pushfl\n"
        "  popl initstate_saved+32\n"
        "  movl %eax, initstate_saved+0\n"
        "  movl %ebx, initstate_saved+4\n"
        "  movl %ecx, initstate_saved+8\n"
        "  movl %edx, initstate_saved+12\n"
        "  movl %esi, initstate_saved+16\n"
        "  movl %edi, initstate_saved+20\n"
        "  movl %ebp, initstate_saved+24\n"
        "  movl %esp, initstate_saved+28\n"
        "  movw %cs, initstate_saved+36\n"
        "  movw %ds, initstate_saved+40\n"
        "  movw %es, initstate_saved+44\n"
        "  movw %fs, initstate_saved+48\n"
        "  movw %gs, initstate_saved+52\n"
        "  movw %ss, initstate_saved+56\n"
        "  fnstcw initstate_saved+60\n"
        "  fnstenv initstate_saved+64\n"
        "  fldenv initstate_saved+64\n"
        "  stmxcsr initstate_saved+92\n"
        /* xmm0 |= xmm1..xmm7, stored; then xmm0 itself is restored */
        "  movups %xmm0, initstate_saved+100\n"
        "  por %xmm1, %xmm0\n"
        "  por %xmm2, %xmm0\n"
        "  por %xmm3, %xmm0\n"
        "  por %xmm4, %xmm0\n"
        "  por %xmm5, %xmm0\n"
        "  por %xmm6, %xmm0\n"
        "  por %xmm7, %xmm0\n"
        "  movups %xmm0, initstate_saved+116\n"
        "  movups initstate_saved+100, %xmm0\n"
        "  movl initstate_saved+116, %ecx\n"
        "  orl initstate_saved+120, %ecx\n"
        "  orl initstate_saved+124, %ecx\n"
        "  orl initstate_saved+128, %ecx\n"
        "  movl %ecx, initstate_saved+96\n"
        "  movl initstate_saved+8, %ecx\n"
        "  pushl initstate_saved+32\n"
        "  popfl\n"
        "  jmp _start\n");

/* H(n) in double on the x87 (the default -m32 code): each partial sum stored as a double. */
static double harmonic_x87(int n)
{
    volatile double s = 0;
    for (int i = 1; i <= n; i++)
        s += 1.0 / i;
    return s;
}

static long double harmonic_long(int n)
{
    volatile long double s = 0;
    for (int i = 1; i <= n; i++)
        s += 1.0L / i;
    return s;
}

/* The same sum in SSE2 registers: rounded by MXCSR, not by the x87 control word. */
__attribute__((target("sse2,fpmath=sse"))) static double harmonic_sse(int n)
{
    volatile double s = 0;
    for (int i = 1; i <= n; i++)
        s += 1.0 / i;
    return s;
}

int main(int argc, char **argv)
{
    (void)argv;
    const struct initstate *st = &initstate_saved;
    printf("x87 control word 0x%04x (fnstcw), 0x%04x (fnstenv)\n", st->fcw & 0xFFFF,
           st->fenv[0] & 0xFFFF);
    printf("x87 status word 0x%04x, tag word 0x%04x\n", st->fenv[1] & 0xFFFF,
           st->fenv[2] & 0xFFFF);
    printf("mxcsr 0x%08x\n", st->mxcsr);
    printf("xmm0-7 %s\n", st->xmm_nonzero ? "not all zero" : "all zero");
    printf("eflags 0x%08x\n", st->eflags);
    printf("cs 0x%04x ds 0x%04x es 0x%04x ss 0x%04x fs 0x%04x gs 0x%04x\n", st->cs & 0xFFFF,
           st->ds & 0xFFFF, st->es & 0xFFFF, st->ss & 0xFFFF, st->fs & 0xFFFF, st->gs & 0xFFFF);
    printf("eax 0x%x ebx 0x%x ecx 0x%x edx 0x%x esi 0x%x edi 0x%x ebp 0x%x\n", st->eax, st->ebx,
           st->ecx, st->edx, st->esi, st->edi, st->ebp);
    uint32_t at_esp;
    memcpy(&at_esp, (const void *)(uintptr_t)st->esp, 4);
    printf("esp %% 16 = %u, *esp == argc: %s\n", st->esp % 16, (int)at_esp == argc ? "yes" : "no");
    printf("H(1e6) double x87 %.17g\n", harmonic_x87(1000000));
    printf("H(1e6) long double %.21Lg\n", harmonic_long(1000000));
    printf("H(1e6) double sse2 %.17g\n", harmonic_sse(1000000));
    printf("1/3 as float %.9g, as double %.17g\n", (double)(1.0f / 3.0f), 1.0 / 3.0);
    return 0;
}
