/* guest/gos_stack.c - the initial stack of an i386 or x86-64 program, as Linux's create_elf_tables
 * (fs/binfmt_elf.c) builds it: from the top, AT_EXECFN's string, the argv and envp strings,
 * AT_RANDOM's 16 bytes; below them, 16-byte aligned, argc, argv[], NULL, envp[], NULL and the
 * aux vector.  Written through the guest memory gos was given (not reported to the models: the
 * kernel builds the stack before the program runs). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gos_internal.h"

#define GOS_MAX_ARGS 255
#define GOS_MAX_ARG_BYTES (1u << 20)

/* The environment every guest starts with (nothing of the host's leaks in). */
static const char *const guest_envp[] = {"PATH=/bin", "HOME=/", "LANG=C", NULL};

/* Where the strings and AT_RANDOM's bytes were put. */
struct stack_strings {
    uint64_t execfn_at, random_at;
    uint64_t argv_at[GOS_MAX_ARGS], envp_at[8];
    int envc;
    uint64_t sp; /* below the lowest of them, 16-byte aligned */
};

/* Copies str (with its NUL) below *sp and moves *sp down to it. */
static uint64_t push_string(struct gos *g, uint64_t *sp, const char *str)
{
    size_t n = strlen(str) + 1;
    *sp -= n;
    g->mem.write(g->mem.ctx, *sp, str, n);
    return *sp;
}

/* The strings and AT_RANDOM from the top of the stack down; 0, or -1 with err filled. */
static int push_strings(struct gos *g, int argc, char *const *argv, const char *execfn,
                        struct stack_strings *at, char *err, size_t errlen)
{
    if (argc > GOS_MAX_ARGS) {
        snprintf(err, errlen, "too many guest arguments (%d, at most %d)", argc, GOS_MAX_ARGS);
        return -1;
    }
    size_t total = strlen(execfn) + 1;
    for (int i = 0; i < argc; i++)
        total += strlen(argv[i]) + 1;
    if (total > GOS_MAX_ARG_BYTES) {
        snprintf(err, errlen, "guest arguments too long (%zu bytes, at most 1 MiB)", total);
        return -1;
    }
    uint64_t sp = (gos_is64(g) ? GOS_STACK_TOP64 : GOS_STACK_TOP) - 16;
    at->execfn_at = push_string(g, &sp, execfn);
    for (int i = argc; i-- > 0;)
        at->argv_at[i] = push_string(g, &sp, argv[i]);
    at->envc = 0;
    while (guest_envp[at->envc])
        at->envc++;
    for (int i = at->envc; i-- > 0;)
        at->envp_at[i] = push_string(g, &sp, guest_envp[i]);
    uint8_t random_bytes[16];
    if (g->w->exec_count == 0) {
        gos_random_bytes(g, random_bytes, sizeof random_bytes);
    } else {
        /* after an execve: a stream of its own per exec, the same in every pass of a
         * multi-pass run (whose getrandom calls are replayed, not drawn) */
        uint64_t saved = g->w->rng;
        g->w->rng = g->opt.seed ^ (0x6578656300000000ull + g->w->exec_count);
        gos_random_bytes(g, random_bytes, sizeof random_bytes);
        g->w->rng = saved;
    }
    sp = (sp - 16) & ~(uint64_t)15;
    at->random_at = sp;
    g->mem.write(g->mem.ctx, sp, random_bytes, sizeof random_bytes);
    at->sp = sp;
    return 0;
}

uint64_t gos_stack_build(struct gos *g, const struct gos_elf *e, int argc, char *const *argv,
                         const char *execfn, char *err, size_t errlen)
{
    struct stack_strings at;
    if (push_strings(g, argc, argv, execfn, &at, err, errlen) != 0)
        return 0;
    const uint64_t auxv[][2] = {
        {3, e->phdr_vaddr},   /* AT_PHDR */
        {4, e->phent},        /* AT_PHENT */
        {5, e->phnum},        /* AT_PHNUM */
        {6, GOS_PAGE},        /* AT_PAGESZ */
        {7, e->interp ? e->interp->bias : 0}, /* AT_BASE: the interpreter's load bias */
        {8, 0},               /* AT_FLAGS */
        {9, e->entry},        /* AT_ENTRY */
        {11, GOS_UID},        /* AT_UID */
        {12, GOS_UID},        /* AT_EUID */
        {13, GOS_GID},        /* AT_GID */
        {14, GOS_GID},        /* AT_EGID */
        {17, 100},            /* AT_CLKTCK */
        {23, 0},              /* AT_SECURE */
        {25, at.random_at},   /* AT_RANDOM */
        {31, at.execfn_at},   /* AT_EXECFN */
        {0, 0},               /* AT_NULL */
    };
    size_t nauxv = sizeof auxv / sizeof auxv[0];
    size_t words = 1 + (size_t)argc + 1 + (size_t)at.envc + 1 + 2 * nauxv;
    unsigned w = gos_ptr_size(g);
    uint64_t sp = (at.sp - words * w) & ~(uint64_t)15;
    uint64_t *vec = calloc(words, sizeof *vec);
    if (!vec) {
        snprintf(err, errlen, "out of memory building the stack");
        return 0;
    }
    size_t k = 0;
    vec[k++] = (uint64_t)argc;
    for (int i = 0; i < argc; i++)
        vec[k++] = at.argv_at[i];
    vec[k++] = 0;
    for (int i = 0; i < at.envc; i++)
        vec[k++] = at.envp_at[i];
    vec[k++] = 0;
    for (size_t i = 0; i < nauxv; i++) {
        vec[k++] = auxv[i][0];
        vec[k++] = auxv[i][1];
    }
    if (w == 4) /* i386: the words are 32-bit, packed in place */
        for (size_t i = 0; i < words; i++) {
            uint32_t v = (uint32_t)vec[i];
            memcpy((uint8_t *)vec + 4 * i, &v, 4);
        }
    int rc = g->mem.write(g->mem.ctx, sp, vec, words * w);
    free(vec);
    if (rc != 0)
        snprintf(err, errlen, "cannot write the initial stack at 0x%llx", (unsigned long long)sp);
    return rc == 0 ? sp : 0;
}
