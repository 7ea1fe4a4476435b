#!/usr/bin/env bash
# Compares scheme `linux` with the host kernel (issues 4, 13 and 14): for every guests/ workload, a
# set of busybox applets and (x86-64) dynamically linked programs, on each architecture, fault.native of
# `vkmmu run --engine hooks --scheme linux --policy none` against the minor faults getrusage
# reports for the same static binary run natively with THP off (scripts/minflt.c: the faults from
# the execve on, the median of VKMMU_LVH_RUNS runs, default 3).
# scripts/zeropage.c first probes whether the host kernel has the shared zero page (a read of an
# untouched anonymous page maps it; some hosts, e.g. PVM guests booted with pvm_no_zero_page=1,
# have none): without one, vkmmu runs with --zero-page off, and the line above the table and
# its model column say so.
# Usage: scripts/linux-vs-host.sh BUILD_DIR [--arch i386|x86_64|all]   (default all; prints a
#        Markdown table with one row per architecture and program)
# i386 rows: the build's guests/NAME and /bin/busybox (busybox-static:i386).  The host counts need
# the host kernel to execute i386 programs itself: where it cannot (no IA-32 emulation: ENOEXEC)
# the i386 rows are left out with a note on stderr; qemu-i386 is no substitute here (its own
# faults are not the guest's).
# x86_64 rows: guests/x86_64/NAME (run from guests/, as workloads.txt's relative paths expect) and
# the amd64 busybox-static that scripts/install-deps.sh unpacks (its --busybox-amd64-path; the
# environment variable VKMMU_BUSYBOX_AMD64 overrides it).  They need an x86-64 host.
# When vkmmu refuses or fails a program (no x86-64 engine yet, an unsupported system call, a
# different exit status than natively) its columns say n/a and stderr says why; the host number is
# still printed.  Exit status 0 with a table; 3 and no table when none of the requested
# architectures can be measured on this host; 2 for bad usage.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=ref-runner.sh
source "$here/ref-runner.sh"

B=build
arch=all
while [ $# -gt 0 ]; do
    case $1 in
    --arch)
        arch=${2:-}
        shift 2 || { echo "linux-vs-host: --arch needs a value" >&2; exit 2; }
        ;;
    --arch=*) arch=${1#--arch=}; shift ;;
    -*) echo "linux-vs-host: unknown option $1" >&2; exit 2 ;;
    *) B=$1; shift ;;
    esac
done
case $arch in
all) arches=(i386 x86_64) ;;
i386 | x86_64) arches=("$arch") ;;
*) echo "linux-vs-host: --arch must be i386, x86_64 or all (not '$arch')" >&2; exit 2 ;;
esac

# Which of the requested architectures this host can measure.
measure=()
for a in "${arches[@]}"; do
    case $a in
    i386)
        if ref_host_can_run_i386; then
            measure+=(i386)
        else
            echo "linux-vs-host: this host cannot execute i386 programs (ENOEXEC: a kernel without" \
                "IA-32 emulation, or a hypervisor without 32-bit user mode), so it cannot measure the" \
                "host kernel's own minor faults for them; run this on a host that can (no i386 rows)" >&2
        fi
        ;;
    x86_64)
        if [ "$(uname -m)" = x86_64 ]; then
            measure+=(x86_64)
        else
            echo "linux-vs-host: this host is $(uname -m), not x86_64: no x86_64 rows" >&2
        fi
        ;;
    esac
done
if [ ${#measure[@]} -eq 0 ]; then
    echo "linux-vs-host: no requested architecture can be measured here (no numbers printed)" >&2
    exit 3
fi

B=$(cd "$B" && pwd)
V=$B/cli/vkmmu
runs=${VKMMU_LVH_RUNS:-3}
limit=${VKMMU_LVH_TIMEOUT:-900}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
gcc -O2 -o "$T/minflt" "$here/minflt.c"
gcc -O2 -o "$T/zeropage" "$here/zeropage.c"
# zero_page: "on" or "off", the host kernel's shared zero page (scripts/zeropage.c).
read -r _ zero_page zp_read zp_write <<< "$("$T/zeropage" 64)" || true
case ${zero_page:-} in
on | off) ;;
*)
    echo "linux-vs-host: the zero-page probe failed; assuming the host has the zero page" >&2
    zero_page=on zp_read="?" zp_write="?"
    ;;
esac
if [ ! -x "$V" ]; then
    echo "linux-vs-host: no $V (build the cli): every vkmmu column is n/a" >&2
fi
head -c 2000000 "$B/guests/data.bin" > "$T/data.bin"
awk 'BEGIN { srand(7); for (i = 0; i < 20000; i++) printf "%08d line %d\n", int(rand() * 1e8), i }' > "$T/words.txt"

# Static programs run as they are; the dynamically linked rows (dynamic_rows) set these: the
# host runs them in the guest's environment (locale data is part of what a program maps) and
# vkmmu gives them the host's libraries (--root DIR --sysroot /).
host_env=()
run_args=()

# host_faults DIR PROGRAM ARGS...: prints "MINOR STATUS", the median minor-fault count of `runs`
# native runs under minflt (and the exit status of the last), or nothing if it cannot run.
host_faults() {
    local dir=$1 i out counts=() status=
    shift
    for ((i = 0; i < runs; i++)); do
        out=$(cd "$dir" && "${host_env[@]}" "$T/minflt" "$@" 2>/dev/null) || return 0
        counts+=("${out%% *}")
        status=${out##* }
    done
    echo "$(printf '%s\n' "${counts[@]}" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }') $status"
}

# vkmmu_faults DIR STATUS PROGRAM ARGS...: prints fault.native of the `linux` run, or nothing
# (with the reason on stderr) when vkmmu refuses or fails the program or exits otherwise than
# the native run (STATUS).
vkmmu_faults() {
    local dir=$1 want=$2 rc=0
    shift 2
    [ -x "$V" ] || return 0
    rm -f "$T/r.json"
    (cd "$dir" && timeout "$limit" "$V" run --engine hooks --scheme linux --policy none \
        --zero-page "$zero_page" "${run_args[@]}" --json "$T/r.json" -- "$@" > /dev/null \
        2> "$T/r.err") || rc=$?
    if [ "$rc" != "$want" ]; then
        echo "linux-vs-host: vkmmu on $*: exit status $rc (natively $want): $(head -c 300 "$T/r.err" | head -2 | tr '\n' ' ')" >&2
        return 0
    fi
    python3 -c 'import json,sys
try:
    print(json.load(open(sys.argv[1]))["results"][0]["counters"]["fault.native"])
except (OSError, ValueError, KeyError, IndexError) as e:
    print("linux-vs-host: vkmmu result unreadable: %r" % e, file=sys.stderr)' "$T/r.json"
}

# row ARCH NAME DIR PROGRAM ARGS...: one table row.
row() {
    local arch=$1 name=$2 dir=$3 host status model
    shift 3
    read -r host status <<< "$(host_faults "$dir" "$@")" || true
    if [ -z "${host:-}" ]; then
        echo "linux-vs-host: $arch $name: cannot run $1 natively" >&2
        echo "| $arch | $name | n/a | n/a | n/a | n/a |"
        return 0
    fi
    [ "$status" = 0 ] || echo "linux-vs-host: $arch $name: native exit status $status" >&2
    model=$(vkmmu_faults "$dir" "$status" "$@")
    if [ -z "$model" ]; then
        echo "| $arch | $name | $host | n/a | n/a | n/a |"
    else
        echo "| $arch | $name | $host | $model | $((model - host)) |" \
            "$(awk -v m="$model" -v h="$host" 'BEGIN { printf "%+.1f %%", h ? 100 * (m - h) / h : 0 }') |"
    fi
}

# busybox_rows ARCH BUSYBOX: the applet rows, run in $T (data.bin: 2 MB of guests/data.bin;
# words.txt: 20,000 lines).
busybox_rows() {
    local a=$1 bb=$2
    row "$a" "busybox true" "$T" "$bb" true
    row "$a" "busybox echo" "$T" "$bb" echo hello world
    row "$a" "busybox cat" "$T" "$bb" cat words.txt
    row "$a" "busybox md5sum" "$T" "$bb" md5sum data.bin
    row "$a" "busybox sha256sum" "$T" "$bb" sha256sum data.bin
    row "$a" "busybox sort" "$T" "$bb" sort words.txt
    row "$a" "busybox gzip -c" "$T" "$bb" gzip -c data.bin
    row "$a" "busybox wc" "$T" "$bb" wc words.txt
    row "$a" "busybox grep -c" "$T" "$bb" grep -c 99 words.txt
    row "$a" "busybox sed" "$T" "$bb" sed s/line/LINE/ words.txt
    # shellcheck disable=SC2016
    row "$a" "busybox awk" "$T" "$bb" awk '{ s += $1 } END { print s }' words.txt
    row "$a" "busybox cut" "$T" "$bb" cut -c1-8 words.txt
    row "$a" "busybox uniq" "$T" "$bb" uniq words.txt
    row "$a" "busybox tail" "$T" "$bb" tail -n 1000 words.txt
    row "$a" "busybox seq" "$T" "$bb" seq 100000
}

# dynamic_rows: dynamically linked x86-64 programs (issue 14), run in $T: the host's
# coreutils and grep, python3.11 -c, and guests/x86_64/sqlite (if built), in the guest's
# environment on the host and with --root $T --sysroot / under vkmmu.
dynamic_rows() {
    host_env=(env -i PATH=/bin HOME=/ LANG=C)
    run_args=(--root "$T" --sysroot /)
    row x86_64 "coreutils sort (dynamic)" "$T" /usr/bin/sort words.txt
    row x86_64 "coreutils sha256sum (dynamic)" "$T" /usr/bin/sha256sum data.bin
    row x86_64 "coreutils wc (dynamic)" "$T" /usr/bin/wc words.txt
    row x86_64 "grep -c (dynamic)" "$T" /usr/bin/grep -c 99 words.txt
    row x86_64 "python3.11 -c (dynamic)" "$T" /usr/bin/python3.11 -c \
        'import collections; c = collections.Counter(l[:2] for l in open("words.txt")); print(len(c))'
    if [ -x "$B/guests/x86_64/sqlite" ]; then
        cp "$B/guests/x86_64/sqlite" "$T/sqlite"
        row x86_64 "sqlite 5000 (dynamic)" "$T" ./sqlite 5000
    fi
    # Processes, pipes, poll and socket pairs: python's asyncio (an epoll loop woken through a
    # socketpair, a subprocess), and make -B -j2 building a two-file program with gcc (cc1,
    # as, collect2, ld: 16 processes), writable in a directory of its own.  The host's count
    # includes the children it waited for, as vkmmu's fault.native counts every process.
    cat > "$T/aio.py" <<'EOF'
import asyncio
async def worker(q, n):
    s = 0
    for _ in range(n):
        s += await q.get()
    return s
async def producer(q, n):
    for i in range(n):
        await q.put(i)
        if i % 100 == 0:
            await asyncio.sleep(0.001)
async def main():
    q = asyncio.Queue(maxsize=10)
    r = await asyncio.gather(worker(q, 1000), producer(q, 1000))
    proc = await asyncio.create_subprocess_exec("/usr/bin/sha256sum", "words.txt",
                                                stdout=asyncio.subprocess.PIPE)
    out, _ = await proc.communicate()
    print(r[0], out.decode().split()[0][:16])
asyncio.run(main())
EOF
    row x86_64 "python3.11 asyncio (dynamic)" "$T" /usr/bin/python3.11 aio.py
    mkdir -p "$T/mk"
    printf 'int f1(int x) { return x * 3; }\n' > "$T/mk/f1.c"
    printf '#include <stdio.h>\nint f1(int);\nint main(void) { printf("%%d\\n", f1(14)); return 0; }\n' > "$T/mk/main.c"
    printf 'prog: main.o f1.o\n\tgcc -o $@ main.o f1.o\n%%.o: %%.c\n\tgcc -c $<\n' > "$T/mk/Makefile"
    run_args=(--root "$T/mk" --sysroot / --writable)
    row x86_64 "make -B -j2: gcc, 2 files (dynamic)" "$T/mk" /usr/bin/make -B -j2
    host_env=()
    run_args=()
}

zp_word=present
[ "$zero_page" = on ] || zp_word=absent
echo "Host zero page: $zp_word (probe: $zp_read read faults, then $zp_write write faults, on" \
    "64 fresh anonymous pages); vkmmu runs with --zero-page $zero_page."
echo
echo "| arch | workload | host minor faults | vkmmu linux fault.native (--zero-page $zero_page)" \
    "| difference | difference % |"
echo "|---|---|---:|---:|---:|---:|"
for a in "${measure[@]}"; do
    if [ "$a" = i386 ]; then
        prefix=.
        bb=/bin/busybox
    else
        prefix=./x86_64
        bb=${VKMMU_BUSYBOX_AMD64:-$("$here/install-deps.sh" --busybox-amd64-path)}
    fi
    while read -r name args; do
        [ -z "$name" ] || [ "${name:0:1}" = "#" ] && continue
        # shellcheck disable=SC2086
        row "$a" "$name" "$B/guests" "$prefix/$name" $args
    done < "$B/guests/workloads.txt"
    # The static-pie (ET_DYN) build of seqscan, with workloads.txt's seqscan arguments.
    if [ "$a" = x86_64 ] && [ -x "$B/guests/x86_64/seqscan-pie" ]; then
        # shellcheck disable=SC2046
        row "$a" "seqscan-pie" "$B/guests" ./x86_64/seqscan-pie \
            $(awk '$1 == "seqscan" { $1 = ""; print; exit }' "$B/guests/workloads.txt")
    fi
    if [ -x "$bb" ]; then
        busybox_rows "$a" "$bb"
    else
        echo "linux-vs-host: no $a busybox at $bb (scripts/install-deps.sh as root): no busybox rows" >&2
    fi
    [ "$a" = x86_64 ] && dynamic_rows
done
