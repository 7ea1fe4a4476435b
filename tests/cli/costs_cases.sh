#!/usr/bin/env bash
# Runs every case of errors_cases/costs.tsv (costs files, model options, counter overflow): the
# exit status, the message on standard error, a docs/errors.md row whose first cell holds the
# DOC fragment, and no result file (out.*) left behind.  Each case runs in an empty directory.
# Usage: bash costs_cases.sh VKMMU_BIN BUILD_DIR
set -u
export VKMMU=$(readlink -f "$1") BUILD=$(readlink -f "${2:-.}")
export SRC=$(cd "$(dirname "$0")/../.." && pwd)
cases=$SRC/tests/cli/errors_cases/costs.tsv
tmp=$(mktemp -d "${TMPDIR:-/tmp}/vkmmu-costs-cases.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
status=0 n=0
fail() { echo "FAIL: case $n ($cmd): $*"; status=1; }

# The first cells of the tables of docs/errors.md, one per line.
firsts=$tmp/firsts
awk -F' \\| ' '/^\| / && !/^\| ---/ { sub(/^\| /, "", $1); print $1 }' "$SRC/docs/errors.md" > "$firsts"

while IFS=$'\t' read -r want doc expect cmd; do
    case $want in '#'* | '') continue ;; esac
    n=$((n + 1))
    grep -qF -- "$doc" "$firsts" || fail "no docs/errors.md row whose first cell holds '$doc'"
    d=$tmp/case$n
    mkdir "$d"
    (cd "$d" && bash -c "$cmd") > "$d.out" 2> "$d.err"
    rc=$?
    [ "$rc" = "$want" ] || fail "exit $rc, want $want; stderr: $(head -c 300 "$d.err")"
    grep -qE -- "$expect" "$d.err" || fail "stderr does not match '$expect': $(head -c 300 "$d.err")"
    left=$(cd "$d" && ls -d out.* out 2>/dev/null | grep -v '^out$')
    [ -z "$left" ] || fail "result files left: $left"
    [ -d "$d/out" ] && [ -n "$(ls "$d/out/cells" 2>/dev/null)" ] && fail "a sweep ran cells"
done < "$cases"
[ $n -ge 60 ] || { echo "FAIL: only $n cases read from $cases"; status=1; }
echo "$n cases"
exit $status
