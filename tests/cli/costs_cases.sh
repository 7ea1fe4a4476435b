#!/usr/bin/env bash
# Runs every case of errors_cases/costs.tsv (costs files, model options, counter overflow): the
# exit status, the message on standard error, a docs/errors.md row whose first cell holds the
# DOC fragment, and no result file (out.*) left behind.  Each case runs in an empty directory.
# Usage: bash costs_cases.sh VKMMU_BIN BUILD_DIR
source "$(dirname "$0")/../lib.sh"
export VKMMU=$vkmmu BUILD=$build SRC=$src
cases=$SRC/tests/cli/errors_cases/costs.tsv
n=0
# fail_case MESSAGE...: a failure of case $n, whose command is $cmd.
fail_case() { fail "case $n ($cmd): $*"; }

# The first cells of the tables of docs/errors.md, one per line.
firsts=$tmp/firsts
awk -F' \\| ' '/^\| / && !/^\| ---/ { sub(/^\| /, "", $1); print $1 }' "$SRC/docs/errors.md" > "$firsts"

while IFS=$'\t' read -r want doc expect cmd; do
    case $want in '#'* | '') continue ;; esac
    n=$((n + 1))
    grep -qF -- "$doc" "$firsts" || fail_case "no docs/errors.md row whose first cell holds '$doc'"
    d=$tmp/case$n
    mkdir "$d"
    (cd "$d" && bash -c "$cmd") > "$d.out" 2> "$d.err"
    rc=$?
    [ "$rc" = "$want" ] || fail_case "exit $rc, want $want; stderr: $(head -c 300 "$d.err")"
    grep -qE -- "$expect" "$d.err" || fail_case "stderr does not match '$expect': $(head -c 300 "$d.err")"
    left=$(cd "$d" && ls -d out.* out 2>/dev/null | grep -v '^out$')
    [ -z "$left" ] || fail_case "result files left: $left"
    [ -d "$d/out" ] && [ -n "$(ls "$d/out/cells" 2>/dev/null)" ] && fail_case "a sweep ran cells"
done < "$cases"
[ $n -ge 60 ] || fail "only $n cases read from $cases"
echo "$n cases"
finish
