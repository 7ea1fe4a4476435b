/* A freestanding guest: writes "hi\n" and exits 42 through int 0x80 (no libc). */
static int sys3(int nr, int a, int b, int c)
{
    int r;
    __asm__ volatile("int $0x80" : "=a"(r) : "a"(nr), "b"(a), "c"(b), "d"(c) : "memory");
    return r;
}
void _start(void)
{
    static const char msg[] = "hi\n";
    sys3(4, 1, (int)msg, 3);
    sys3(1, 42, 0, 0);
    for (;;)
        ;
}
