#!/usr/bin/env bash
# Regression tests for what fuzzing found (fuzz/regressions/, docs/fuzzing.md): each input gives
# its defined outcome, and under the sanitizer build no sanitizer report.
# Usage: bash fuzz_regressions.sh VKMMU_BIN BUILD_DIR
source "$(dirname "$0")/../lib.sh"
set -eo pipefail

# ELF tables at offsets that are not 4-byte aligned are read byte by byte (no crash): the
# program header case still has no loadable segment (a clear error, exit 2); a misaligned
# section or symbol table keeps the program running.
set +e
"$vkmmu" run -- "$src/fuzz/regressions/elf/misaligned_phdr.elf" > /dev/null 2> "$tmp/e"; rc=$?
set -e
[ $rc -eq 2 ] || fail_now "misaligned_phdr: exit $rc, expected 2"
grep -q "no PT_LOAD segment" "$tmp/e" || fail_now "misaligned_phdr: message: $(cat "$tmp/e")"
for f in misaligned_shdr misaligned_symtab; do
    set +e
    "$vkmmu" run -- "$src/fuzz/regressions/elf/$f.elf" > /dev/null 2> "$tmp/e"; rc=$?
    set -e
    [ $rc -eq 10 ] || fail_now "$f: exit $rc, expected the guest's 10: $(cat "$tmp/e")"
    grep -qi "sanitizer" "$tmp/e" && fail_now "$f: sanitizer report"
done

# sweep specs: an unterminated quote (leaked its words) and a value listed twice (printed
# freed memory).
printf 'map 0x10000 0x20000 rw- anon\nR 0x10000 4\n' > "$tmp/t.txt"
printf '[workloads]\ntrace = a "t.txt\n' > "$tmp/q.sweep"
set +e
"$vkmmu" sweep "$tmp/q.sweep" -o "$tmp/o1" 2> "$tmp/e"; rc=$?
set -e
[ $rc -eq 2 ] || fail_now "unterminated quote: exit $rc"
grep -q "q.sweep:2: unterminated quote" "$tmp/e" || fail_now "unterminated quote: $(cat "$tmp/e")"
printf '[workloads]\ntrace = a t.txt\n[axes]\nscheme = vpt, vpt\n' > "$tmp/d.sweep"
set +e
"$vkmmu" sweep "$tmp/d.sweep" -o "$tmp/o2" 2> "$tmp/e"; rc=$?
set -e
[ $rc -eq 2 ] || fail_now "listed twice: exit $rc"
grep -q "scheme 'vpt' listed twice" "$tmp/e" || fail_now "listed twice: $(cat "$tmp/e")"
finish
