# tests/lib.sh - what the shell tests share.  ctest runs every tests/AREA/NAME.sh as
# `bash NAME.sh VKMMU_BIN BUILD_DIR`; the test sources this file right after its usage line:
#     source "$(dirname "$0")/../lib.sh"
# It turns on `set -u`, reads the two arguments and sets
#   vkmmu      VKMMU_BIN as an absolute path
#   build      BUILD_DIR as an absolute path
#   src        the source tree (the directory above tests/)
#   test_name  NAME, the script's name without .sh
#   tmp        a new directory under $build, removed when the test exits
#   failures   the number of failed checks so far
# and offers
#   fail MESSAGE...        prints "FAIL: MESSAGE" and counts one failure; the test goes on
#   fail_now MESSAGE...    prints "FAIL: MESSAGE" and exits 1 at once (a test that stops at its
#                          first failure, or cannot go on)
#   pass MESSAGE...        prints "ok   MESSAGE"
#   expect STATUS PATTERN COMMAND...
#                          runs COMMAND with its standard output in $tmp/stdout and its standard
#                          error in $tmp/stderr; unless it exits STATUS and its standard error
#                          matches PATTERN (grep -E), fails naming COMMAND, prints the standard
#                          error and returns 1; else returns 0
#   check NAME EXPECTED ACTUAL
#                          passes NAME when the two strings are equal, else fails NAME and
#                          prints both (their first 300 bytes)
#   same NAME FILE1 FILE2  passes NAME when the two files are byte for byte the same, else fails
#                          NAME and prints the first lines of their diff
#   build_emu_guests       builds the guests of tests/emu/guests/ into $build/tests-emu-guests and
#                          sets $guests to that directory; fails the test at once if they do not
#                          build
#   on_exit COMMAND        runs the shell COMMAND when the test exits, before $tmp is removed
#   finish                 prints "NAME: ok" or "NAME: N failure(s)" and exits 0 or 1
# A test that skips prints why and exits 0 itself (or 77 where its ctest entry says so).
set -u
vkmmu=${1:?usage: bash $0 VKMMU_BIN BUILD_DIR}
build=${2:?usage: bash $0 VKMMU_BIN BUILD_DIR}
vkmmu=$(cd "$(dirname "$vkmmu")" && pwd)/$(basename "$vkmmu")
build=$(cd "$build" && pwd) || exit 1
src=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
test_name=$(basename "$0" .sh)
failures=0

tmp=$(mktemp -d "$build/test-$test_name.XXXXXX") ||
    { echo "FAIL: cannot create a temporary directory under $build"; exit 1; }
exit_commands=()
on_exit() { exit_commands+=("$1"); }
run_exit_commands() {
    local command
    for command in "${exit_commands[@]}"; do eval "$command"; done
    rm -rf "$tmp"
}
trap run_exit_commands EXIT

fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
fail_now() { echo "FAIL: $*"; exit 1; }
pass() { echo "ok   $*"; }

expect() {
    local want=$1 pattern=$2 got
    shift 2
    "$@" > "$tmp/stdout" 2> "$tmp/stderr"
    got=$?
    if [ "$got" -ne "$want" ]; then
        fail "exit $got, want $want: $*"
    elif ! grep -Eq -- "$pattern" "$tmp/stderr"; then
        fail "stderr lacks /$pattern/: $*"
    else
        return 0
    fi
    cat "$tmp/stderr"
    return 1
}

check() {
    if [ "$2" = "$3" ]; then
        pass "$1"
    else
        fail "$1"
        echo "  expected: $(printf '%s' "$2" | head -c 300)"
        echo "  got:      $(printf '%s' "$3" | head -c 300)"
    fi
}

same() {
    if cmp -s "$2" "$3"; then
        pass "$1"
    else
        fail "$1: the files differ"
        diff "$2" "$3" | head -20 | sed 's/^/  | /'
    fi
}

# engine_counters JSON: every counter of every result, in order, without those only one engine
# has (access.*, tlb.*, speed, passes, the engine's name).
engine_counters() {
    grep -E '^ +"[a-z0-9_.]+": -?[0-9.e+-]+,?$' "$1" |
        grep -vE '"(access\.(read|write|fetch)|tlb\.[^"]*|insns_per_s|seconds)"' |
        grep -vE '"(passes|engine)"'
}

# engines_agree PAGING_JSON HOOKS_JSON: 0 when both runs' counters are the same (and there are
# counters); else says how they differ and returns 1.
engines_agree() {
    if ! diff <(engine_counters "$1") <(engine_counters "$2") >"$tmp/engines.diff"; then
        echo "  counters differ (paging < > hooks):"
        head -10 "$tmp/engines.diff" | sed 's/^/  /'
        return 1
    fi
    [ "$(engine_counters "$1" | wc -l)" -gt 10 ] || { echo "  no counters in the JSON"; return 1; }
}

# recording_replays DIR N OPTIONS -- PROGRAM ARGS...: runs PROGRAM (in DIR) with OPTIONS and
# --record, replays the recording with the same OPTIONS; 0 when both give N results and every
# result's counters are the same.
recording_replays() {
    local dir=$1 n=$2
    shift 2
    local opts=()
    while [ "$1" != "--" ]; do opts+=("$1"); shift; done
    shift
    (cd "$dir" && "$vkmmu" run "${opts[@]}" --record "$tmp/rr.vkt" --json "$tmp/rr-run.json" \
        -- "$@" >/dev/null 2>&1) &&
        "$vkmmu" replay "${opts[@]}" --json "$tmp/rr-replay.json" "$tmp/rr.vkt" >/dev/null 2>&1 &&
        python3 -c 'import json,sys
a = json.load(open(sys.argv[1]))["results"]; b = json.load(open(sys.argv[2]))["results"]
n = int(sys.argv[3])
sys.exit(0 if len(a) == len(b) == n and all(x["counters"] == y["counters"] for x, y in zip(a, b)) else 1)' \
            "$tmp/rr-run.json" "$tmp/rr-replay.json" "$n"
}

build_emu_guests() {
    guests=$build/tests-emu-guests
    bash "$src/tests/emu/guests/build.sh" "$guests" || fail_now "cannot build the test guests"
}

finish() {
    if [ "$failures" -eq 0 ]; then
        echo "$test_name: ok"
        exit 0
    fi
    echo "$test_name: $failures failure(s)"
    exit 1
}
