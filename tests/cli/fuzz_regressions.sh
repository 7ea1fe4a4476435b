#!/usr/bin/env bash
# Regression tests for what fuzzing found (fuzz/regressions/, docs/fuzzing.md): each input gives
# its defined outcome, and under the sanitizer build no sanitizer report.
set -euo pipefail
V=$1
S=$(cd "$(dirname "$0")/../.." && pwd)
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# ELF tables at offsets that are not 4-byte aligned: a misaligned program header table is a
# clear error (exit 2); a misaligned section or symbol table only loses the symbols.
set +e
"$V" run -- "$S/fuzz/regressions/elf/misaligned_phdr.elf" > /dev/null 2> "$T/e"; rc=$?
set -e
[ $rc -eq 2 ] || fail "misaligned_phdr: exit $rc, expected 2"
grep -q "not a 4-byte aligned table" "$T/e" || fail "misaligned_phdr: message: $(cat "$T/e")"
for f in misaligned_shdr misaligned_symtab; do
    set +e
    "$V" run -- "$S/fuzz/regressions/elf/$f.elf" > /dev/null 2> "$T/e"; rc=$?
    set -e
    [ $rc -eq 10 ] || fail "$f: exit $rc, expected the guest's 10: $(cat "$T/e")"
    grep -qi "sanitizer" "$T/e" && fail "$f: sanitizer report"
done

# sweep specs: an unterminated quote (leaked its words) and a value listed twice (printed
# freed memory).
printf 'map 0x10000 0x20000 rw- anon\nR 0x10000 4\n' > "$T/t.txt"
printf '[workloads]\ntrace = a "t.txt\n' > "$T/q.sweep"
set +e
"$V" sweep "$T/q.sweep" -o "$T/o1" 2> "$T/e"; rc=$?
set -e
[ $rc -eq 2 ] || fail "unterminated quote: exit $rc"
grep -q "q.sweep:2: unterminated quote" "$T/e" || fail "unterminated quote: $(cat "$T/e")"
printf '[workloads]\ntrace = a t.txt\n[axes]\nscheme = vpt, vpt\n' > "$T/d.sweep"
set +e
"$V" sweep "$T/d.sweep" -o "$T/o2" 2> "$T/e"; rc=$?
set -e
[ $rc -eq 2 ] || fail "listed twice: exit $rc"
grep -q "scheme 'vpt' listed twice" "$T/e" || fail "listed twice: $(cat "$T/e")"
echo "fuzz regressions: all checks passed"
