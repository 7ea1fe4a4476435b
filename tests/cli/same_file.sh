#!/usr/bin/env bash
# Outputs that name an input or another output are refused (exit 2) before anything is written,
# whatever the spelling (./x, dir/../x, a hard link, a symlink, a symlinked directory, a
# trailing slash, the X.tmp the writer creates), while distinct outputs still work; and the
# numeric options of run take every value up to their real bound.
# Usage: bash same_file.sh VKMMU_BIN BUILD_DIR
source "$(dirname "$0")/../lib.sh"
cd "$tmp" || exit 1
cp "$src/examples/worked.vkt.txt" t.txt
cp t.txt orig.txt
: > err

# refused CMD...: exit 2, a "same file"/"temporary file" message, t.txt unchanged, and no new
# file in the directory.
refused() {
    local before after rc
    before=$(ls -A | sort)
    "$vkmmu" "$@" > /dev/null 2> err; rc=$?
    after=$(ls -A | sort)
    [ $rc -eq 2 ] || fail "$*: exit $rc, want 2"
    grep -Eq "are the same file|is the temporary file of" err || fail "$*: message: $(cat err)"
    cmp -s t.txt orig.txt || { fail "$*: the input changed"; cp orig.txt t.txt; }
    [ "$before" = "$after" ] || fail "$*: files appeared or vanished: $before / $after"
}

mkdir -p sub && ln -s sub subl && ln t.txt hard && ln -s t.txt soft && ln -s ../t.txt sub/up
refused replay t.txt --json t.txt
refused replay t.txt --csv ./t.txt
refused replay t.txt --json sub/../t.txt
refused replay t.txt --json hard
refused replay soft --csv t.txt
refused replay sub/up --json "$tmp/t.txt"
refused replay t.txt --json x.json --csv ./x.json
refused replay t.txt --json subl/x.json --csv sub/x.json
refused replay t.txt --json x.json/ --csv x.json
refused replay t.txt --interval 1 --csv r.csv --json r.timeline.csv
refused replay t.txt --regions t.txt --json t.txt
refused convert t.txt -o t.txt
refused convert t.txt -o ./hard
refused convert t.txt --regions t.txt -o t.txt
cp t.txt c.tmp && refused convert c.tmp -o c && rm c.tmp
cp t.txt j.tmp && refused replay j.tmp --json j && rm j.tmp
# A costs file is an input of replay and run.
printf 'base = modern\n' >c.costs && cp c.costs c.orig
refused replay --costs c.costs --json c.costs t.txt
refused replay --costs ./c.costs --csv c.costs t.txt
cmp -s c.costs c.orig || fail "--costs c.costs --json c.costs: the costs file changed"
rm -f c.costs c.orig

# The same outputs, distinct, still work.
"$vkmmu" replay t.txt --interval 1 --json x.json --csv x.csv > /dev/null 2>&1 ||
    fail "distinct outputs: exit $?"
[ -s x.json ] && [ -s x.csv ] && [ -s x.timeline.csv ] || fail "distinct outputs not written"
"$vkmmu" convert t.txt -o t.vkt 2> /dev/null || fail "convert to a new file: exit $?"
"$vkmmu" convert t.vkt -o t2.vkt 2> /dev/null || fail "convert .vkt to another: exit $?"
"$vkmmu" replay t.txt --json x.json > /dev/null 2>&1 || fail "overwriting an old output: exit $?"

# run: the program, --stdin, --stdout, --record, --json, --csv.
guests=$tmp/guests
if bash "$src/tests/emu/guests/build.sh" "$guests" > /dev/null 2>&1; then
    cp "$guests/exit42" prog && cp t.txt in
    for args in "--stdout prog" "--record prog" "--json prog" "--stdin in --stdout in" \
                "--csv o.csv --record o.csv" "--json o --stdout ./o"; do
        # shellcheck disable=SC2086
        "$vkmmu" run $args -- ./prog > /dev/null 2> err; rc=$?
        [ $rc -eq 2 ] && grep -q "are the same file" err || fail "run $args: exit $rc: $(cat err)"
        cmp -s prog "$guests/exit42" || fail "run $args: the program changed"
        cmp -s in t.txt || fail "run $args: --stdin changed"
        [ -e o ] || [ -e o.csv ] && fail "run $args: wrote an output"
    done
    "$vkmmu" run --top 999999999 --max-insns 18446744073709551615 --seed 18446744073709551615 \
        --stdin in --stdout out --record r.vkt -- ./prog > /dev/null 2> err; rc=$?
    [ $rc -eq 42 ] || fail "run with large --top/--max-insns/--seed: exit $rc: $(cat err)"
else
    fail "cannot build the test guests"
fi
finish
