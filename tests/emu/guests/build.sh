#!/bin/bash
# tests/emu/guests/build.sh OUTDIR - builds the small i386 test guests of tests/emu into OUTDIR
# (not part of the CMake build: tests/CMakeLists.txt runs tests/emu/*.sh, which call this).
#   exit42    freestanding (-nostdlib): writes "hi", exits 42 through int 0x80
#   crash     static glibc: segv | ro | ud | div | in | out | ins | outs ... | spin | ok (crash.c)
#   hello-dyn the same program linked dynamically (its interpreter and libc from the view)
#   initstate static glibc, entered before _start: prints the initial CPU state (initstate.c)
#   procs     static glibc with threads: processes, threads and signals (procs.c)
#   procs64   procs.c built for x86-64
#   x64       static x86-64: the ABI's edges (x64.c)
#   pollio    static glibc with threads: poll, select, epoll on pipes between processes and
#             threads (pollio.c); pollio64 the x86-64 build
#   fscalls   statfs, fstatfs, statvfs, creat, close_range (fscalls.c); fscalls64 for x86-64
#   mremap    static glibc: moving mremap, MREMAP_FIXED, MREMAP_DONTUNMAP (mremap.c); mremap64
#             the x86-64 build
set -eu
out=${1:?usage: build.sh OUTDIR}
src=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$out"
cc=${VKMMU_GUEST_CC:-gcc}
build() { # TARGET SOURCE FLAGS...: rebuilt when the source is newer
    local target=$1 source=$src/$2
    shift 2
    if [ ! -e "$out/$target" ] || [ "$source" -nt "$out/$target" ]; then
        # several tests build concurrently (ctest -j): a private temporary, renamed atomically
        "$cc" "$@" -o "$out/$target.tmp.$$" "$source"
        mv -f "$out/$target.tmp.$$" "$out/$target"
    fi
}
build exit42 exit42.c -m32 -static -nostdlib -ffreestanding -fno-pie -no-pie -O2
build crash crash.c -m32 -static -O2 -g
build hello-dyn crash.c -m32 -O2
build initstate initstate.c -m32 -static -O2 -msse2 -Wl,-e,initstate_entry
build procs procs.c -m32 -static -O2 -pthread
build procs64 procs.c -static -O2 -pthread
build x64 x64.c -static -O2
build mremap mremap.c -m32 -static -O2
build mremap64 mremap.c -static -O2
build pollio pollio.c -m32 -static -O2 -pthread
build pollio64 pollio.c -static -O2 -pthread
build fscalls fscalls.c -m32 -static -O2
build fscalls64 fscalls.c -static -O2
