#!/usr/bin/env bash
# fuzz/run.sh - builds the libFuzzer targets (fuzz_*.c) with clang directly (never through the
# CMake build, which does not need libFuzzer) and runs each for a while.
#
#   fuzz/run.sh [SECONDS] [TARGET...]     default 60 s per target, every target
#   fuzz/run.sh 10 text costs             10 s each for fuzz_text and fuzz_costs
#
# Environment: FUZZ_OUT (work directory; default ${TMPDIR:-/tmp}/vkmmu-fuzz), FUZZ_JOBS (targets
# run at a time, default 1), CC (default clang), FUZZ_CFLAGS (extra compiler flags, e.g.
# -fno-sanitize=alignment to look past a known finding; objects are rebuilt when it changes),
# FUZZ_FLAGS (extra libFuzzer flags, e.g. -detect_leaks=0).  Before fuzzing, every file of
# fuzz/regressions/TARGET/ is replayed and must not crash.  The checked-in seeds
# (fuzz/corpus/TARGET/) are only read; new inputs go to FUZZ_OUT/corpus/TARGET, crashes to
# FUZZ_OUT/crashes/TARGET/.  Exit status: 0 when no target found anything, 1 otherwise, 2 when a
# target did not build (the others still run) or on bad usage.
set -u
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/.." && pwd)
secs=${1:-60}
[ $# -gt 0 ] && shift
case $secs in (*[!0-9]*|'') echo "usage: fuzz/run.sh [SECONDS] [TARGET...]" >&2; exit 2;; esac
out=${FUZZ_OUT:-${TMPDIR:-/tmp}/vkmmu-fuzz}
jobs=${FUZZ_JOBS:-1}
cc=${CC:-clang}
command -v "$cc" >/dev/null || { echo "fuzz/run.sh: $cc not found (apt-get install clang)" >&2; exit 2; }

all=(text vkt lackey champsim cloudsuite compressed regions auto costs elf results sweep)
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=("${all[@]}")

flags=(-g -O1 -std=c11 -D_GNU_SOURCE -Wall -Wextra -Wno-unused-function
       -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
       -DVKMMU_VERSION='"fuzz"' -DVKMMU_GIT_COMMIT='"fuzz"'
       -I"$src/mmu/include" -I"$src/traces/include" -I"$src/traces" -I"$src/vkernel_model/include" -I"$src/vkernel_model" -I"$src/guest/include" -I"$src/emu/include" -I"$src/sim/include" -I"$src/sim" -I"$src/tools/include" -I"$src/tools")

mmu=("$src"/mmu/*.c)
trc=("$src"/traces/*.c "${mmu[@]}")
vk=("$src"/vkernel_model/*.c)
guest=("$src"/guest/*.c)
emu=("$src"/emu/*.c)
# The sweep target: the spec parser and the cells (tools/sweep_*.c) over sim/.
sweep=("$src"/sim/*.c "$src"/tools/sweep_spec.c "$src"/tools/sweep_cells.c "$src"/tools/sweep_util.c)

# Sources and libraries of each target (besides fuzz/fuzz_TARGET.c).
sources() {
    case $1 in
    (text|vkt|lackey|champsim|cloudsuite|compressed|regions|auto) echo "${trc[@]}";;
    (costs) echo "${mmu[@]}";;
    (elf) echo "$src/guest/gos_elf.c";;
    (results) echo "$src/sim/results_read.c $src/sim/results_json.c ${mmu[@]}";;
    (sweep) echo "${sweep[@]} ${vk[@]} ${guest[@]} ${emu[@]} ${trc[@]}";;
    esac
}
libs() {
    case $1 in
    (text|vkt|lackey|champsim|cloudsuite|compressed|regions|auto) echo "-llzma -lz -lm";;
    (sweep) echo "$(pkg-config --libs unicorn capstone json-c) -llzma -lz -lm -lpthread";;
    (results) echo "$(pkg-config --libs json-c) -lm";;
    (*) echo "-lm";;
    esac
}

# shellcheck disable=SC2206
flags+=(${FUZZ_CFLAGS:-})
# Objects depend on the flags: a change of FUZZ_CFLAGS rebuilds them.
mkdir -p "$out/obj"
if [ "$(cat "$out/obj/flags" 2>/dev/null)" != "${flags[*]}" ]; then
    rm -f "$out"/obj/*.o
    echo "${flags[*]}" >"$out/obj/flags"
fi
# Compiles a source once into FUZZ_OUT/obj (instrumented for coverage; main.c's main renamed
# so that libFuzzer's main is the program's).
obj() {
    local s=$1 o
    o="$out/obj/$(echo "${s#"$src"/}" | tr / _).o"
    if [ ! -e "$o" ] || [ "$s" -nt "$o" ] || [ -n "$(find "$src" -name '*.h' -newer "$o" -print -quit)" ]; then
        local extra=()
        [ "$(basename "$s")" = main.c ] && extra=(-Dmain=vkmmu_cli_main)
        "$cc" "${flags[@]}" -fsanitize=fuzzer-no-link "${extra[@]}" -c "$s" -o "$o" || return 1
    fi
    echo "$o"
}

build() {
    local t=$1 objs=() s o
    for s in $(sources "$t"); do
        o=$(obj "$s") || return 1
        objs+=("$o")
    done
    # shellcheck disable=SC2046
    "$cc" "${flags[@]}" -fsanitize=fuzzer "$here/fuzz_$t.c" "${objs[@]}" $(libs "$t") \
        -o "$out/fuzz_$t"
}

for t in "${targets[@]}"; do
    [ -f "$here/fuzz_$t.c" ] || { echo "fuzz/run.sh: no target fuzz_$t.c" >&2; exit 2; }
done
echo "building ${#targets[@]} target(s) in $out ..."
built=() build_failed=0
for t in "${targets[@]}"; do
    if build "$t" >"$out/build_$t.log" 2>&1; then
        built+=("$t")
    else
        # One target's sources not compiling (work in progress elsewhere) does not stop the others.
        echo "fuzz/run.sh: building fuzz_$t failed (see $out/build_$t.log)" >&2
        printf '%-11s %10s %7s %7s %7s  %s\n' "$t" - - - - "BUILD FAILED ($out/build_$t.log)" \
            >"$out/$t.summary"
        build_failed=1
    fi
done

opts() {
    case $1 in
    (elf) echo "-max_len=65536";;
    (sweep) echo "-max_len=4096 -close_fd_mask=2";;   # spec errors go to stderr
    (vkt|champsim|cloudsuite) echo "-max_len=16384";;
    (*) echo "-max_len=8192";;
    esac
}

# Replays the regressions, then fuzzes; writes one summary line to FUZZ_OUT/TARGET.summary.
run_one() {
    local t=$1 log="$out/fuzz_$t.log" status=ok
    mkdir -p "$out/corpus/$t" "$out/crashes/$t"
    # The targets' scratch files (fuzz_common.h: $TMPDIR/vkmmu-fuzz.XXXXXX) stay in FUZZ_OUT.
    rm -rf "$out/scratch/$t"
    mkdir -p "$out/scratch/$t"
    if compgen -G "$here/regressions/$t/*" >/dev/null; then
        # shellcheck disable=SC2046
        if ! TMPDIR="$out/scratch/$t" "$out/fuzz_$t" $(opts "$t") -runs=1 "$here"/regressions/"$t"/* >"$out/fuzz_$t.regress.log" 2>&1; then
            status="REGRESSION (see $out/fuzz_$t.regress.log)"
        fi
    fi
    local seeds=()
    [ -d "$here/corpus/$t" ] && seeds=("$here/corpus/$t")
    # shellcheck disable=SC2046
    TMPDIR="$out/scratch/$t" "$out/fuzz_$t" $(opts "$t") ${FUZZ_FLAGS:-} -max_total_time="$secs" -print_final_stats=1 \
        -artifact_prefix="$out/crashes/$t/" -rss_limit_mb=1024 \
        "$out/corpus/$t" "${seeds[@]}" >"$log" 2>&1
    local rc=$?
    if [ $rc -ne 0 ]; then
        local found="FOUND (exit $rc; $(ls -t "$out/crashes/$t" | head -1); log $log)"
        if [ "$status" = ok ]; then status=$found; else status="$status; $found"; fi
    fi
    local execs cov ft corp
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
    ft=$(grep -o 'ft: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
    corp=$(grep -o 'corp: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
    printf '%-11s %10s %7s %7s %7s  %s\n' "$t" "${execs:-?}" "${cov:-?}" "${ft:-?}" "${corp:-?}" \
        "$status" >"$out/$t.summary"
}

echo "fuzzing each target for $secs s ($jobs at a time) ..."
running=0
for t in "${built[@]}"; do
    run_one "$t" &
    running=$((running + 1))
    if [ "$running" -ge "$jobs" ]; then
        wait -n
        running=$((running - 1))
    fi
done
wait

printf '%-11s %10s %7s %7s %7s  %s\n' target execs cov ft corpus result
fail=0
for t in "${targets[@]}"; do
    cat "$out/$t.summary"
    grep -q ' ok$' "$out/$t.summary" || fail=1
done
[ $build_failed -eq 1 ] && exit 2
exit $fail
