#!/usr/bin/env bash
# Bad traces, options and costs files: exit status 2, a message naming the file and line, and
# no result file written.
# Usage: bash bad_input.sh VKMMU_BIN BUILD_DIR
source "$(dirname "$0")/../lib.sh"

good="map 0x10000000 0x10010000 rw- anon
R 0x10000000 4"
# bad_trace NAME LINE PATTERN CONTENT: the trace CONTENT fails at LINE.
bad_trace() {
    local name=$1 line=$2 pattern=$3 content=$4
    printf '%s\n' "$content" > "$tmp/$name.vkt.txt"
    rm -f "$tmp/out.json" "$tmp/out.csv"
    expect 2 "^vkmmu: $tmp/$name.vkt.txt:$line: .*$pattern" \
        "$vkmmu" replay --json "$tmp/out.json" --csv "$tmp/out.csv" "$tmp/$name.vkt.txt"
    if [ -e "$tmp/out.json" ] || [ -e "$tmp/out.csv" ] || [ -e "$tmp/out.json.tmp" ]; then
        fail "a result file was written for the bad trace $name"
    fi
    if [ -s "$tmp/stdout" ]; then
        fail "a table was printed for the bad trace $name:"; cat "$tmp/stdout"
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
expect 2 "^vkmmu: <stdin>:2: unknown record" "$vkmmu" replay - < "$tmp/stdin.txt"
expect 2 "cannot open" "$vkmmu" replay "$tmp/does-not-exist.vkt.txt"

printf '%s\n' "$good" > "$tmp/good.vkt.txt"
expect 2 "unknown policy|policy" "$vkmmu" replay --policy nosuchpolicy "$tmp/good.vkt.txt"
expect 2 "nosuchpolicy" "$vkmmu" replay --policy none,nosuchpolicy "$tmp/good.vkt.txt"
expect 2 "unknown scheme 'vpt-9'" "$vkmmu" replay --scheme vpt-9 "$tmp/good.vkt.txt"
expect 2 "unknown dirty strategy 'dirtyish'" "$vkmmu" replay --dirty dirtyish "$tmp/good.vkt.txt"
expect 2 "empty name" "$vkmmu" replay --scheme vpt,,native "$tmp/good.vkt.txt"
expect 2 "bad size" "$vkmmu" replay --vk-mem 12Q "$tmp/good.vkt.txt"
expect 2 "warm or cold" "$vkmmu" replay --file-cache tepid "$tmp/good.vkt.txt"
expect 2 "real-prefault" "$vkmmu" replay --real-prefault -1 "$tmp/good.vkt.txt"
expect 2 "missing value" "$vkmmu" replay "$tmp/good.vkt.txt" --policy
expect 2 "unknown option '--frobnicate'" "$vkmmu" replay --frobnicate "$tmp/good.vkt.txt"
expect 2 "missing TRACE" "$vkmmu" replay
expect 2 "more than one TRACE" "$vkmmu" replay "$tmp/good.vkt.txt" "$tmp/good.vkt.txt"
expect 2 "unknown command 'frob'" "$vkmmu" frob
expect 2 "usage" "$vkmmu"

# A bad costs file names its line.
printf 'insn = 1\n# fine\nreflect = lots\n' > "$tmp/bad.costs"
expect 2 "$tmp/bad.costs:3" "$vkmmu" replay --costs "$tmp/bad.costs" "$tmp/good.vkt.txt"
printf 'insn = 1\nno_such_key = 5\n' > "$tmp/bad2.costs"
expect 2 "$tmp/bad2.costs:2" "$vkmmu" replay --costs "$tmp/bad2.costs" "$tmp/good.vkt.txt"
expect 2 "nosuchprofile" "$vkmmu" replay --costs nosuchprofile "$tmp/good.vkt.txt"

# Help and version succeed.
for args in "--help" "--version" "replay --help" "list --help"; do
    # shellcheck disable=SC2086
    if ! "$vkmmu" $args > "$tmp/stdout" 2>&1 || ! [ -s "$tmp/stdout" ]; then
        fail "vkmmu $args"
    fi
done
grep -q -- "--policy LIST" <("$vkmmu" replay --help) || fail "replay --help lacks --policy"

finish
