#!/usr/bin/env bash
# Bad traces, options and costs files: exit status 2, a message naming the file and line, and
# no result file written.
# Usage: bash bad_input.sh VKMMU_BIN BUILD_DIR
set -u
bin=$1
tmp=$(mktemp -d "${2:-/tmp}/vkmmu-bad.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
status=0

# expect STATUS PATTERN CMD...: runs CMD, wants exit STATUS and PATTERN (grep -E) on stderr.
expect() {
    local want=$1 pattern=$2
    shift 2
    "$@" > "$tmp/stdout" 2> "$tmp/stderr"
    local got=$?
    if [ $got -ne "$want" ]; then
        echo "FAIL: exit $got, want $want: $*"; cat "$tmp/stderr"; status=1
    elif ! grep -Eq -- "$pattern" "$tmp/stderr"; then
        echo "FAIL: stderr lacks /$pattern/: $*"; cat "$tmp/stderr"; status=1
    fi
}

good="map 0x10000000 0x10010000 rw- anon
R 0x10000000 4"
# bad_trace NAME LINE PATTERN CONTENT: the trace CONTENT fails at LINE.
bad_trace() {
    local name=$1 line=$2 pattern=$3 content=$4
    printf '%s\n' "$content" > "$tmp/$name.vkt.txt"
    rm -f "$tmp/out.json" "$tmp/out.csv"
    expect 2 "^vkmmu: $tmp/$name.vkt.txt:$line: .*$pattern" \
        "$bin" replay --json "$tmp/out.json" --csv "$tmp/out.csv" "$tmp/$name.vkt.txt"
    if [ -e "$tmp/out.json" ] || [ -e "$tmp/out.csv" ] || [ -e "$tmp/out.json.tmp" ]; then
        echo "FAIL: a result file was written for the bad trace $name"; status=1
    fi
    if [ -s "$tmp/stdout" ]; then
        echo "FAIL: a table was printed for the bad trace $name:"; cat "$tmp/stdout"; status=1
    fi
}

bad_trace unknown_record 3 "unknown record 'Q'" "$good
Q 0x10000000"
bad_trace bad_number 3 "bad number '0x1000000g'" "$good
R 0x1000000g 4"
bad_trace end_before_start 1 "END 0x1000 is not above START 0x2000" "map 0x2000 0x1000 rw- anon"
bad_trace unaligned 1 "START 0x10000010 is not page-aligned" "map 0x10000010 0x10010000 rw- anon"
bad_trace too_wide 3 "does not fit arch i386" "$good
R 0x100000000 4"
bad_trace too_wide_region 1 "does not fit arch i386" "map 0xB0000000 0xD0000000 rw- anon"
bad_trace size_zero 3 "SIZE is 0" "$good
W 0x10000000 0"
bad_trace arch_late 3 "arch: must come before any other record" "$good
arch x86_64"
bad_trace missing_field 1 "missing KIND" "map 0x10000000 0x10010000 rw-"
bad_trace trailing_junk 2 "unexpected 'x'" "$good x"
# An error late in a trace: everything before it was fine, still nothing is reported.
bad_trace late_error 5 "unknown record" "$good
W 0x10000000 4
R 0x10001000 4
oops"

# Standard input is named in the message.
printf 'R 0x1000\nbogus\n' > "$tmp/stdin.txt"
expect 2 "^vkmmu: <stdin>:2: unknown record" "$bin" replay - < "$tmp/stdin.txt"
expect 2 "cannot open" "$bin" replay "$tmp/does-not-exist.vkt.txt"

printf '%s\n' "$good" > "$tmp/good.vkt.txt"
expect 2 "unknown policy|policy" "$bin" replay --policy nosuchpolicy "$tmp/good.vkt.txt"
expect 2 "nosuchpolicy" "$bin" replay --policy none,nosuchpolicy "$tmp/good.vkt.txt"
expect 2 "unknown scheme 'vpt-9'" "$bin" replay --scheme vpt-9 "$tmp/good.vkt.txt"
expect 2 "unknown dirty strategy 'dirtyish'" "$bin" replay --dirty dirtyish "$tmp/good.vkt.txt"
expect 2 "empty name" "$bin" replay --scheme vpt,,native "$tmp/good.vkt.txt"
expect 2 "bad size" "$bin" replay --vk-mem 12Q "$tmp/good.vkt.txt"
expect 2 "warm or cold" "$bin" replay --file-cache tepid "$tmp/good.vkt.txt"
expect 2 "real-prefault" "$bin" replay --real-prefault -1 "$tmp/good.vkt.txt"
expect 2 "missing value" "$bin" replay "$tmp/good.vkt.txt" --policy
expect 2 "unknown option '--frobnicate'" "$bin" replay --frobnicate "$tmp/good.vkt.txt"
expect 2 "missing TRACE" "$bin" replay
expect 2 "more than one TRACE" "$bin" replay "$tmp/good.vkt.txt" "$tmp/good.vkt.txt"
expect 2 "unknown command 'frob'" "$bin" frob
expect 2 "usage" "$bin"

# A bad costs file names its line.
printf 'insn = 1\n# fine\nreflect = lots\n' > "$tmp/bad.costs"
expect 2 "$tmp/bad.costs:3" "$bin" replay --costs "$tmp/bad.costs" "$tmp/good.vkt.txt"
printf 'insn = 1\nno_such_key = 5\n' > "$tmp/bad2.costs"
expect 2 "$tmp/bad2.costs:2" "$bin" replay --costs "$tmp/bad2.costs" "$tmp/good.vkt.txt"
expect 2 "nosuchprofile" "$bin" replay --costs nosuchprofile "$tmp/good.vkt.txt"

# Help and version succeed.
for args in "--help" "--version" "replay --help" "list --help"; do
    # shellcheck disable=SC2086
    if ! "$bin" $args > "$tmp/stdout" 2>&1 || ! [ -s "$tmp/stdout" ]; then
        echo "FAIL: vkmmu $args"; status=1
    fi
done
grep -q -- "--policy LIST" <("$bin" replay --help) || { echo "FAIL: replay --help lacks --policy"; status=1; }

[ $status -eq 0 ] && echo "bad_input: ok"
exit $status
