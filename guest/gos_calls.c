/* guest/gos_calls.c - the i386 system call table and the dispatch through it.  For each
 * number of asm/unistd_32.h (Linux 6.1 UAPI headers, Debian 12) the table gives the call's
 * name (for reports) and the function that serves it; a number with no function answers
 * -ENOSYS and is reported once as unknown (gos_unknown_calls).  Serving a new call is one
 * function and one table entry. */
#include <errno.h>
#include <stdlib.h>

#include "gos_internal.h"

const struct gos_call gos_calls_i386[GOS_NSYSCALLS] = {
    [0] = {"restart_syscall", NULL},
    [1] = {"exit", gos_sys_exit, true},
    [2] = {"fork", gos_sys_fork, true},
    [3] = {"read", gos_sys_read},
    [4] = {"write", gos_sys_write},
    [5] = {"open", gos_sys_open},
    [6] = {"close", gos_sys_close},
    [7] = {"waitpid", gos_sys_waitpid, true},
    [8] = {"creat", gos_sys_creat},
    [9] = {"link", gos_sys_link},
    [10] = {"unlink", gos_sys_unlink},
    [11] = {"execve", gos_sys_execve, true},
    [12] = {"chdir", gos_sys_chdir},
    [13] = {"time", gos_sys_time},
    [14] = {"mknod", NULL},
    [15] = {"chmod", gos_sys_chmod},
    [16] = {"lchown", NULL},
    [17] = {"break", NULL},
    [18] = {"oldstat", NULL},
    [19] = {"lseek", gos_sys_lseek},
    [20] = {"getpid", gos_sys_getpid, true},
    [21] = {"mount", NULL},
    [22] = {"umount", NULL},
    [23] = {"setuid", gos_sys_ids},
    [24] = {"getuid", gos_sys_ids},
    [25] = {"stime", NULL},
    [26] = {"ptrace", NULL},
    [27] = {"alarm", gos_sys_alarm, true},
    [28] = {"oldfstat", NULL},
    [29] = {"pause", gos_sys_pause, true},
    [30] = {"utime", NULL},
    [31] = {"stty", NULL},
    [32] = {"gtty", NULL},
    [33] = {"access", gos_sys_access},
    [34] = {"nice", NULL},
    [35] = {"ftime", NULL},
    [36] = {"sync", gos_sys_sync},
    [37] = {"kill", gos_sys_kill, true},
    [38] = {"rename", gos_sys_rename},
    [39] = {"mkdir", gos_sys_mkdir},
    [40] = {"rmdir", gos_sys_rmdir},
    [41] = {"dup", gos_sys_dup},
    [42] = {"pipe", gos_sys_pipe},
    [43] = {"times", NULL},
    [44] = {"prof", NULL},
    [45] = {"brk", gos_sys_brk},
    [46] = {"setgid", gos_sys_ids},
    [47] = {"getgid", gos_sys_ids},
    [48] = {"signal", NULL},
    [49] = {"geteuid", gos_sys_ids},
    [50] = {"getegid", gos_sys_ids},
    [51] = {"acct", NULL},
    [52] = {"umount2", NULL},
    [53] = {"lock", NULL},
    [54] = {"ioctl", gos_sys_ioctl},
    [55] = {"fcntl", gos_sys_fcntl64},
    [56] = {"mpx", NULL},
    [57] = {"setpgid", NULL},
    [58] = {"ulimit", NULL},
    [59] = {"oldolduname", NULL},
    [60] = {"umask", gos_sys_umask},
    [61] = {"chroot", NULL},
    [62] = {"ustat", NULL},
    [63] = {"dup2", gos_sys_dup2},
    [64] = {"getppid", gos_sys_getppid, true},
    [65] = {"getpgrp", gos_sys_getpid, true},
    [66] = {"setsid", NULL},
    [67] = {"sigaction", NULL},
    [68] = {"sgetmask", NULL},
    [69] = {"ssetmask", NULL},
    [70] = {"setreuid", gos_sys_ids},
    [71] = {"setregid", gos_sys_ids},
    [72] = {"sigsuspend", NULL},
    [73] = {"sigpending", NULL},
    [74] = {"sethostname", NULL},
    [75] = {"setrlimit", NULL},
    [76] = {"getrlimit", NULL},
    [77] = {"getrusage", gos_sys_getrusage},
    [78] = {"gettimeofday", gos_sys_gettimeofday},
    [79] = {"settimeofday", NULL},
    [80] = {"getgroups", NULL},
    [81] = {"setgroups", NULL},
    [82] = {"select", NULL},
    [83] = {"symlink", gos_sys_symlink},
    [84] = {"oldlstat", NULL},
    [85] = {"readlink", gos_sys_readlink},
    [86] = {"uselib", NULL},
    [87] = {"swapon", NULL},
    [88] = {"reboot", NULL},
    [89] = {"readdir", NULL},
    [90] = {"mmap", gos_sys_old_mmap},
    [91] = {"munmap", gos_sys_munmap},
    [92] = {"truncate", NULL},
    [93] = {"ftruncate", gos_sys_ftruncate},
    [94] = {"fchmod", gos_sys_fchmod},
    [95] = {"fchown", NULL},
    [96] = {"getpriority", NULL},
    [97] = {"setpriority", NULL},
    [98] = {"profil", NULL},
    [99] = {"statfs", gos_sys_statfs},
    [100] = {"fstatfs", gos_sys_fstatfs},
    [101] = {"ioperm", NULL},
    [102] = {"socketcall", gos_sys_socketcall},
    [103] = {"syslog", NULL},
    [104] = {"setitimer", NULL},
    [105] = {"getitimer", NULL},
    [106] = {"stat", NULL},
    [107] = {"lstat", NULL},
    [108] = {"fstat", NULL},
    [109] = {"olduname", NULL},
    [110] = {"iopl", NULL},
    [111] = {"vhangup", NULL},
    [112] = {"idle", NULL},
    [113] = {"vm86old", NULL},
    [114] = {"wait4", gos_sys_wait4, true},
    [115] = {"swapoff", NULL},
    [116] = {"sysinfo", gos_sys_sysinfo},
    [117] = {"ipc", NULL},
    [118] = {"fsync", gos_sys_fsync},
    [119] = {"sigreturn", gos_sys_sigreturn, true},
    [120] = {"clone", gos_sys_clone, true},
    [121] = {"setdomainname", NULL},
    [122] = {"uname", gos_sys_uname},
    [123] = {"modify_ldt", NULL},
    [124] = {"adjtimex", NULL},
    [125] = {"mprotect", gos_sys_mprotect},
    [126] = {"sigprocmask", NULL},
    [127] = {"create_module", NULL},
    [128] = {"init_module", NULL},
    [129] = {"delete_module", NULL},
    [130] = {"get_kernel_syms", NULL},
    [131] = {"quotactl", NULL},
    [132] = {"getpgid", NULL},
    [133] = {"fchdir", gos_sys_fchdir},
    [134] = {"bdflush", NULL},
    [135] = {"sysfs", NULL},
    [136] = {"personality", NULL},
    [137] = {"afs_syscall", NULL},
    [138] = {"setfsuid", gos_sys_ids},
    [139] = {"setfsgid", gos_sys_ids},
    [140] = {"_llseek", gos_sys_llseek},
    [141] = {"getdents", NULL},
    [142] = {"_newselect", gos_sys_select},
    [143] = {"flock", NULL},
    [144] = {"msync", NULL},
    [145] = {"readv", gos_sys_readv},
    [146] = {"writev", gos_sys_writev},
    [147] = {"getsid", NULL},
    [148] = {"fdatasync", gos_sys_fsync},
    [149] = {"_sysctl", NULL},
    [150] = {"mlock", NULL},
    [151] = {"munlock", NULL},
    [152] = {"mlockall", NULL},
    [153] = {"munlockall", NULL},
    [154] = {"sched_setparam", NULL},
    [155] = {"sched_getparam", NULL},
    [156] = {"sched_setscheduler", NULL},
    [157] = {"sched_getscheduler", NULL},
    [158] = {"sched_yield", gos_sys_sched_yield, true},
    [159] = {"sched_get_priority_max", NULL},
    [160] = {"sched_get_priority_min", NULL},
    [161] = {"sched_rr_get_interval", NULL},
    [162] = {"nanosleep", gos_sys_nanosleep},
    [163] = {"mremap", gos_sys_mremap},
    [164] = {"setresuid", gos_sys_ids},
    [165] = {"getresuid", gos_sys_ids},
    [166] = {"vm86", NULL},
    [167] = {"query_module", NULL},
    [168] = {"poll", gos_sys_poll},
    [169] = {"nfsservctl", NULL},
    [170] = {"setresgid", gos_sys_ids},
    [171] = {"getresgid", gos_sys_ids},
    [172] = {"prctl", gos_sys_prctl},
    [173] = {"rt_sigreturn", gos_sys_rt_sigreturn, true},
    [174] = {"rt_sigaction", gos_sys_rt_sigaction, true},
    [175] = {"rt_sigprocmask", gos_sys_rt_sigprocmask, true},
    [176] = {"rt_sigpending", NULL},
    [177] = {"rt_sigtimedwait", NULL},
    [178] = {"rt_sigqueueinfo", NULL},
    [179] = {"rt_sigsuspend", gos_sys_rt_sigsuspend, true},
    [180] = {"pread64", gos_sys_pread64},
    [181] = {"pwrite64", gos_sys_pwrite64},
    [182] = {"chown", NULL},
    [183] = {"getcwd", gos_sys_getcwd},
    [184] = {"capget", NULL},
    [185] = {"capset", NULL},
    [186] = {"sigaltstack", gos_sys_sigaltstack, true},
    [187] = {"sendfile", NULL},
    [188] = {"getpmsg", NULL},
    [189] = {"putpmsg", NULL},
    [190] = {"vfork", gos_sys_vfork, true},
    [191] = {"ugetrlimit", gos_sys_ugetrlimit},
    [192] = {"mmap2", gos_sys_mmap2},
    [193] = {"truncate64", NULL},
    [194] = {"ftruncate64", gos_sys_ftruncate64},
    [195] = {"stat64", gos_sys_stat64},
    [196] = {"lstat64", gos_sys_lstat64},
    [197] = {"fstat64", gos_sys_fstat64},
    [198] = {"lchown32", gos_sys_lchown32},
    [199] = {"getuid32", gos_sys_getuid},
    [200] = {"getgid32", gos_sys_getgid},
    [201] = {"geteuid32", gos_sys_getuid},
    [202] = {"getegid32", gos_sys_getgid},
    [203] = {"setreuid32", gos_sys_ids},
    [204] = {"setregid32", gos_sys_ids},
    [205] = {"getgroups32", gos_sys_getgroups32},
    [206] = {"setgroups32", NULL},
    [207] = {"fchown32", gos_sys_fchown32},
    [208] = {"setresuid32", gos_sys_ids},
    [209] = {"getresuid32", gos_sys_ids},
    [210] = {"setresgid32", gos_sys_ids},
    [211] = {"getresgid32", gos_sys_ids},
    [212] = {"chown32", gos_sys_chown32},
    [213] = {"setuid32", gos_sys_ids},
    [214] = {"setgid32", gos_sys_ids},
    [215] = {"setfsuid32", gos_sys_ids},
    [216] = {"setfsgid32", gos_sys_ids},
    [217] = {"pivot_root", NULL},
    [218] = {"mincore", NULL},
    [219] = {"madvise", gos_sys_madvise},
    [220] = {"getdents64", gos_sys_getdents64},
    [221] = {"fcntl64", gos_sys_fcntl64},
    [224] = {"gettid", gos_sys_gettid, true},
    [225] = {"readahead", NULL},
    [226] = {"setxattr", NULL},
    [227] = {"lsetxattr", NULL},
    [228] = {"fsetxattr", NULL},
    [229] = {"getxattr", NULL},
    [230] = {"lgetxattr", NULL},
    [231] = {"fgetxattr", NULL},
    [232] = {"listxattr", NULL},
    [233] = {"llistxattr", NULL},
    [234] = {"flistxattr", NULL},
    [235] = {"removexattr", NULL},
    [236] = {"lremovexattr", NULL},
    [237] = {"fremovexattr", NULL},
    [238] = {"tkill", gos_sys_tkill, true},
    [239] = {"sendfile64", gos_sys_sendfile64},
    [240] = {"futex", gos_sys_futex, true},
    [241] = {"sched_setaffinity", NULL},
    [242] = {"sched_getaffinity", gos_sys_sched_getaffinity},
    [243] = {"set_thread_area", gos_sys_enosys}, /* the engine's (it owns the GDT) */
    [244] = {"get_thread_area", NULL},
    [245] = {"io_setup", NULL},
    [246] = {"io_destroy", NULL},
    [247] = {"io_getevents", NULL},
    [248] = {"io_submit", NULL},
    [249] = {"io_cancel", NULL},
    [250] = {"fadvise64", gos_sys_fadvise64},
    [252] = {"exit_group", gos_sys_exit_group, true},
    [253] = {"lookup_dcookie", NULL},
    [254] = {"epoll_create", gos_sys_epoll_create},
    [255] = {"epoll_ctl", gos_sys_epoll_ctl},
    [256] = {"epoll_wait", gos_sys_epoll_wait},
    [257] = {"remap_file_pages", NULL},
    [258] = {"set_tid_address", gos_sys_set_tid_address, true},
    [259] = {"timer_create", NULL},
    [260] = {"timer_settime", NULL},
    [261] = {"timer_gettime", NULL},
    [262] = {"timer_getoverrun", NULL},
    [263] = {"timer_delete", NULL},
    [264] = {"clock_settime", NULL},
    [265] = {"clock_gettime", gos_sys_clock_gettime},
    [266] = {"clock_getres", gos_sys_clock_getres},
    [267] = {"clock_nanosleep", gos_sys_clock_nanosleep},
    [268] = {"statfs64", gos_sys_statfs64},
    [269] = {"fstatfs64", gos_sys_fstatfs64},
    [270] = {"tgkill", gos_sys_tgkill, true},
    [271] = {"utimes", NULL},
    [272] = {"fadvise64_64", gos_sys_fadvise64_64},
    [273] = {"vserver", NULL},
    [274] = {"mbind", NULL},
    [275] = {"get_mempolicy", NULL},
    [276] = {"set_mempolicy", NULL},
    [277] = {"mq_open", NULL},
    [278] = {"mq_unlink", NULL},
    [279] = {"mq_timedsend", NULL},
    [280] = {"mq_timedreceive", NULL},
    [281] = {"mq_notify", NULL},
    [282] = {"mq_getsetattr", NULL},
    [283] = {"kexec_load", NULL},
    [284] = {"waitid", NULL},
    [286] = {"add_key", NULL},
    [287] = {"request_key", NULL},
    [288] = {"keyctl", NULL},
    [289] = {"ioprio_set", NULL},
    [290] = {"ioprio_get", NULL},
    [291] = {"inotify_init", NULL},
    [292] = {"inotify_add_watch", NULL},
    [293] = {"inotify_rm_watch", NULL},
    [294] = {"migrate_pages", NULL},
    [295] = {"openat", gos_sys_openat},
    [296] = {"mkdirat", gos_sys_mkdirat},
    [297] = {"mknodat", NULL},
    [298] = {"fchownat", gos_sys_fchownat},
    [299] = {"futimesat", NULL},
    [300] = {"fstatat64", gos_sys_fstatat64},
    [301] = {"unlinkat", gos_sys_unlinkat},
    [302] = {"renameat", gos_sys_renameat},
    [303] = {"linkat", gos_sys_linkat},
    [304] = {"symlinkat", gos_sys_symlinkat},
    [305] = {"readlinkat", NULL},
    [306] = {"fchmodat", gos_sys_fchmodat},
    [307] = {"faccessat", gos_sys_faccessat},
    [308] = {"pselect6", gos_sys_pselect6},
    [309] = {"ppoll", gos_sys_ppoll},
    [310] = {"unshare", NULL},
    [311] = {"set_robust_list", gos_sys_set_robust_list},
    [312] = {"get_robust_list", NULL},
    [313] = {"splice", NULL},
    [314] = {"sync_file_range", NULL},
    [315] = {"tee", NULL},
    [316] = {"vmsplice", NULL},
    [317] = {"move_pages", NULL},
    [318] = {"getcpu", NULL},
    [319] = {"epoll_pwait", gos_sys_epoll_pwait},
    [320] = {"utimensat", gos_sys_utimensat},
    [321] = {"signalfd", NULL},
    [322] = {"timerfd_create", NULL},
    [323] = {"eventfd", NULL},
    [324] = {"fallocate", NULL},
    [325] = {"timerfd_settime", NULL},
    [326] = {"timerfd_gettime", NULL},
    [327] = {"signalfd4", NULL},
    [328] = {"eventfd2", NULL},
    [329] = {"epoll_create1", gos_sys_epoll_create1},
    [330] = {"dup3", gos_sys_dup3},
    [331] = {"pipe2", gos_sys_pipe2},
    [332] = {"inotify_init1", NULL},
    [333] = {"preadv", NULL},
    [334] = {"pwritev", NULL},
    [335] = {"rt_tgsigqueueinfo", NULL},
    [336] = {"perf_event_open", NULL},
    [337] = {"recvmmsg", NULL},
    [338] = {"fanotify_init", NULL},
    [339] = {"fanotify_mark", NULL},
    [340] = {"prlimit64", gos_sys_prlimit64},
    [341] = {"name_to_handle_at", NULL},
    [342] = {"open_by_handle_at", NULL},
    [343] = {"clock_adjtime", NULL},
    [344] = {"syncfs", NULL},
    [345] = {"sendmmsg", NULL},
    [346] = {"setns", NULL},
    [347] = {"process_vm_readv", NULL},
    [348] = {"process_vm_writev", NULL},
    [349] = {"kcmp", NULL},
    [350] = {"finit_module", NULL},
    [351] = {"sched_setattr", NULL},
    [352] = {"sched_getattr", NULL},
    [353] = {"renameat2", gos_sys_renameat2},
    [354] = {"seccomp", NULL},
    [355] = {"getrandom", gos_sys_getrandom},
    [356] = {"memfd_create", NULL},
    [357] = {"bpf", NULL},
    [358] = {"execveat", NULL},
    [359] = {"socket", NULL},
    [360] = {"socketpair", gos_sys_socketpair},
    [361] = {"bind", NULL},
    [362] = {"connect", NULL},
    [363] = {"listen", NULL},
    [364] = {"accept4", NULL},
    [365] = {"getsockopt", gos_sys_getsockopt},
    [366] = {"setsockopt", gos_sys_setsockopt},
    [367] = {"getsockname", gos_sys_getsockname},
    [368] = {"getpeername", gos_sys_getsockname},
    [369] = {"sendto", gos_sys_sendto},
    [370] = {"sendmsg", gos_sys_sendmsg},
    [371] = {"recvfrom", gos_sys_recvfrom},
    [372] = {"recvmsg", gos_sys_recvmsg},
    [373] = {"shutdown", gos_sys_shutdown},
    [374] = {"userfaultfd", NULL},
    [375] = {"membarrier", NULL},
    [376] = {"mlock2", NULL},
    [377] = {"copy_file_range", NULL},
    [378] = {"preadv2", NULL},
    [379] = {"pwritev2", NULL},
    [380] = {"pkey_mprotect", NULL},
    [381] = {"pkey_alloc", NULL},
    [382] = {"pkey_free", NULL},
    [383] = {"statx", gos_sys_enosys}, /* glibc falls back to fstatat64 */
    [384] = {"arch_prctl", NULL},
    [385] = {"io_pgetevents", NULL},
    [386] = {"rseq", gos_sys_enosys}, /* glibc runs without restartable sequences */
    [393] = {"semget", NULL},
    [394] = {"semctl", NULL},
    [395] = {"shmget", NULL},
    [396] = {"shmctl", NULL},
    [397] = {"shmat", NULL},
    [398] = {"shmdt", NULL},
    [399] = {"msgget", NULL},
    [400] = {"msgsnd", NULL},
    [401] = {"msgrcv", NULL},
    [402] = {"msgctl", NULL},
    [403] = {"clock_gettime64", gos_sys_clock_gettime64},
    [404] = {"clock_settime64", NULL},
    [405] = {"clock_adjtime64", NULL},
    [406] = {"clock_getres_time64", gos_sys_clock_getres_time64},
    [407] = {"clock_nanosleep_time64", gos_sys_clock_nanosleep_time64},
    [408] = {"timer_gettime64", NULL},
    [409] = {"timer_settime64", NULL},
    [410] = {"timerfd_gettime64", NULL},
    [411] = {"timerfd_settime64", NULL},
    [412] = {"utimensat_time64", gos_sys_utimensat_time64},
    [413] = {"pselect6_time64", gos_sys_pselect6_time64},
    [414] = {"ppoll_time64", gos_sys_ppoll_time64},
    [416] = {"io_pgetevents_time64", NULL},
    [417] = {"recvmmsg_time64", NULL},
    [418] = {"mq_timedsend_time64", NULL},
    [419] = {"mq_timedreceive_time64", NULL},
    [420] = {"semtimedop_time64", NULL},
    [421] = {"rt_sigtimedwait_time64", NULL},
    [422] = {"futex_time64", NULL},
    [423] = {"sched_rr_get_interval_time64", NULL},
    [424] = {"pidfd_send_signal", NULL},
    [425] = {"io_uring_setup", NULL},
    [426] = {"io_uring_enter", NULL},
    [427] = {"io_uring_register", NULL},
    [428] = {"open_tree", NULL},
    [429] = {"move_mount", NULL},
    [430] = {"fsopen", NULL},
    [431] = {"fsconfig", NULL},
    [432] = {"fsmount", NULL},
    [433] = {"fspick", NULL},
    [434] = {"pidfd_open", NULL},
    [435] = {"clone3", gos_sys_enosys}, /* glibc falls back to clone */
    [436] = {"close_range", gos_sys_close_range},
    [437] = {"openat2", NULL},
    [438] = {"pidfd_getfd", NULL},
    [439] = {"faccessat2", gos_sys_enosys}, /* glibc falls back to faccessat */
    [440] = {"process_madvise", NULL},
    [441] = {"epoll_pwait2", gos_sys_epoll_pwait2},
    [442] = {"mount_setattr", NULL},
    [443] = {"quotactl_fd", NULL},
    [444] = {"landlock_create_ruleset", NULL},
    [445] = {"landlock_add_rule", NULL},
    [446] = {"landlock_restrict_self", NULL},
    [447] = {"memfd_secret", NULL},
    [448] = {"process_mrelease", NULL},
    [449] = {"futex_waitv", NULL},
    [450] = {"set_mempolicy_home_node", NULL},
};

const char *gos_abi_name(enum gos_abi abi)
{
    return abi == GOS_ABI_X86_64 ? "x86_64" : "i386";
}

/* The table entry of nr in abi, or NULL. */
static const struct gos_call *call_of(enum gos_abi abi, unsigned nr)
{
    if (abi == GOS_ABI_X86_64)
        return nr < GOS_NSYSCALLS64 ? &gos_calls_x86_64[nr] : NULL;
    return nr < GOS_NSYSCALLS ? &gos_calls_i386[nr] : NULL;
}

const char *gos_syscall_name(enum gos_abi abi, unsigned nr)
{
    const struct gos_call *c = call_of(abi, nr);
    return c && c->name ? c->name : "?";
}

const struct gos_call *gos_call_of(const struct gos *g, unsigned nr)
{
    return call_of(g->abi, nr);
}

const char *gos_call_name(const struct gos *g, unsigned nr)
{
    return gos_syscall_name(g->abi, nr);
}

static void note_unknown(struct gos *g, unsigned nr)
{
    for (size_t i = 0; i < g->w->nunknown; i++)
        if (g->w->unknown_nrs[i] == nr)
            return;
    if (g->w->nunknown == g->w->unknown_cap) {
        size_t cap = g->w->unknown_cap ? g->w->unknown_cap * 2 : 8;
        unsigned *a = realloc(g->w->unknown_nrs, cap * sizeof *a);
        if (!a)
            return; /* the report loses an entry; the guest is unaffected */
        g->w->unknown_nrs = a;
        const char **b = realloc(g->w->unknown_names, cap * sizeof *b);
        if (!b)
            return;
        g->w->unknown_names = b;
        g->w->unknown_cap = cap;
    }
    g->w->unknown_nrs[g->w->nunknown] = nr;
    g->w->unknown_names[g->w->nunknown] = gos_call_name(g, nr);
    g->w->nunknown++;
}

/* A call of the process table runs in every pass and is neither recorded nor replayed; its
 * guest-memory copies count as usual. */
static int64_t serve_process_call(struct gos *g, gos_call_fn fn, const struct gos_regs *regs)
{
    struct gos_log *rec = g->w->recording;
    g->w->recording = NULL;
    int64_t ret = fn(g, regs);
    g->w->recording = rec;
    return ret;
}

static int64_t serve(struct gos *g, unsigned nr, const struct gos_regs *regs)
{
    const struct gos_call *c = gos_call_of(g, nr);
    gos_call_fn fn = c ? c->serve : NULL;
    if (!fn)
        note_unknown(g, nr);
    if (fn && c->process)
        return serve_process_call(g, fn, regs);
    int64_t ret;
    if (g->w->replaying) {
        ret = gos_log_replay_call(g, regs);
    } else {
        if (g->w->recording)
            gos_log_call(g, regs);
        ret = fn ? fn(g, regs) : -ENOSYS;
        if (g->w->recording && !g->fatal)
            gos_log_result(g, ret);
    }
    /* the shared objects ld.so looks for (gos_dso.c), in every pass */
    if (fn == gos_sys_open || fn == gos_sys_openat)
        gos_dso_open_result(g, regs->a[fn == gos_sys_openat], ret);
    if (fn == gos_sys_mmap || fn == gos_sys_mmap2)
        gos_dso_mmap_result(g, (int32_t)regs->a[4], ret);
    return ret;
}

enum gos_result gos_syscall(struct gos *g, struct gos_regs *regs, int *exit_status)
{
    unsigned nr = regs->ax > UINT32_MAX ? UINT32_MAX : (unsigned)regs->ax;
    struct gos_world *w = g->w;
    struct gos_thread *t = &w->threads[w->cur];
    if (!t->restarting)
        vk_set_syscall(g->models, nr); /* a call that blocked and runs again counts once */
    t->restarting = false;
    w->action.kind = GOS_ACT_NONE;
    /* a wait with a signal mask that lets a pending signal through: EINTR before anything */
    int64_t ret = gos_poll_interrupted(g, nr, regs) ? -EINTR : serve(g, nr, regs);
    if (g->fatal)
        return GOS_ERROR;
    if (g->exiting)
        return gos_proc_exiting(g, exit_status);
    const struct gos_call *c = gos_call_of(g, nr);
    if (ret == -EPIPE && c && !c->process && !gos_sock_nosignal(g, nr, regs))
        gos_signal_send(g, 13); /* SIGPIPE caught or blocked (in every pass: not logged) */
    if (w->action.kind != GOS_ACT_BLOCK_RESTART) { /* the call completed */
        w->threads[w->cur].timed = false;                /* its deadline, if it had one */
        w->progress++;
        regs->ax = (uint64_t)ret;
    }
    if (w->action.kind == GOS_ACT_NONE && gos_call_yields(g, nr))
        w->action.kind = GOS_ACT_YIELD; /* the others run first */
    return w->action.kind == GOS_ACT_NONE ? GOS_CONTINUE : GOS_SCHEDULE;
}

size_t gos_unknown_calls(const struct gos *g, const unsigned **nrs, const char *const **names)
{
    if (nrs)
        *nrs = g->w->unknown_nrs;
    if (names)
        *names = (const char *const *)g->w->unknown_names;
    return g->w->nunknown;
}

