#!/usr/bin/env bash
# vkmmu calibrate: writes a costs file that `replay --costs` loads, with `base = modern` first,
# every cost key of mmu.h present once with a positive value and a method comment, and the
# values echoed unchanged in the replay's JSON.  Bad usage is exit 2.
# Usage: bash calibrate.sh VKMMU_BIN BUILD_DIR
source "$(dirname "$0")/../lib.sh"

start=$(date +%s)
"$vkmmu" calibrate -o "$tmp/host.costs" --runs 3 > "$tmp/out" 2> "$tmp/err" || { fail "calibrate exit $?"; cat "$tmp/err"; }
secs=$(($(date +%s) - start))
# A hang guard only (speed is for bench/, never asserted by a test): 3 runs take 5-30 s.
[ $secs -le 300 ] || fail "calibrate --runs 3 took $secs s (hung?)"
[ -s "$tmp/out" ] && fail "calibrate printed on stdout"
grep -q "median" "$tmp/err" || fail "no spread table on stderr"
[ -e "$tmp/host.costs.tmp" ] && fail "temporary file left behind"

printf 'map 0x10000000 0x10010000 rw- anon\nR 0x10000000 4\nW 0x10000000 4\nR 0x10001000 4\n' > "$tmp/t.vkt.txt"
"$vkmmu" replay --costs "$tmp/host.costs" --scheme vpt-1.10,ept --json "$tmp/r.json" "$tmp/t.vkt.txt" > /dev/null 2> "$tmp/rerr" \
    || { fail "replay --costs host.costs exit $?"; cat "$tmp/rerr"; }

python3 - "$tmp/host.costs" "$tmp/r.json" "$src/mmu/include/mmu.h" <<'PY' ||
import json, re, sys
bad = []
hdr = open(sys.argv[3]).read()
block = hdr[hdr.index("#define MMU_COSTS(X)"):]
block = block[:block.index("\n\n")]
keys = re.findall(r'X\((\w+),', block)
if len(keys) < 10: bad.append("could not read the cost keys from mmu.h")
lines = open(sys.argv[1]).read().split("\n")
vals, order, comment_before = {}, [], {}
prev_comment = False
for l in lines:
    s = l.split("#", 1)[0].strip()
    if not s:
        prev_comment = l.strip().startswith("#") or (prev_comment and not l.strip())
        continue
    k, v = [x.strip() for x in s.split("=", 1)]
    order.append(k)
    if k in vals: bad.append("key %s twice" % k)
    vals[k] = v
    comment_before[k] = prev_comment
    prev_comment = False
if not order or order[0] != "base" or vals.get("base") != "modern": bad.append("first value is not base = modern: %r" % order[:1])
for k in keys + ["clock_ghz"]:
    if k not in vals: bad.append("missing key " + k); continue
    try: x = float(vals[k])
    except ValueError: bad.append("%s = %r is not a number" % (k, vals[k])); continue
    if not x > 0: bad.append("%s = %r is not positive" % (k, vals[k]))
    if not comment_before[k]: bad.append("%s has no method comment before it" % k)
extra = set(vals) - set(keys) - {"base", "clock_ghz"}
if extra: bad.append("unknown keys %r" % sorted(extra))
ghz = float(vals.get("clock_ghz", 0))
if not 0.2 < ghz < 10: bad.append("clock_ghz %r is implausible" % ghz)
# The replay loaded exactly these values.
c = json.load(open(sys.argv[2]))["meta"]["costs"]
if not c["profile"].endswith("host.costs"): bad.append("profile %r" % c["profile"])
if abs(c["clock_ghz"] - ghz) > 1e-9: bad.append("clock_ghz echoed %r" % c["clock_ghz"])
for k in keys:
    if k in vals and abs(c["values"][k] - float(vals[k])) > 1e-9: bad.append("%s echoed %r, file %r" % (k, c["values"][k], vals[k]))
for b in bad: print("FAIL:", b)
sys.exit(1 if bad else 0)
PY
    failures=$((failures + 1))

# The fallback when userfaultfd is refused: a signal round trip, said in the file.
"$vkmmu" calibrate -o "$tmp/sig.costs" --runs 1 --no-userfaultfd > /dev/null 2> "$tmp/sig.err" || fail "--no-userfaultfd exit $?"
grep -q "^# userfaultfd not permitted: SIGSEGV on a PROT_NONE page" "$tmp/sig.costs" || fail "--no-userfaultfd: reflect method not stated"
grep -q "^reflect = [1-9]" "$tmp/sig.costs" || fail "--no-userfaultfd: no positive reflect"
grep -q "signal round trip" "$tmp/sig.err" || fail "--no-userfaultfd: not said on stderr"

# Bad usage.
"$vkmmu" calibrate > /dev/null 2>&1; rc=$?
[ $rc -eq 2 ] || fail "no -o: exit $rc, want 2"
"$vkmmu" calibrate -o "$tmp/x.costs" --runs 0 > /dev/null 2>&1; rc=$?
[ $rc -eq 2 ] || fail "--runs 0: exit $rc, want 2"
"$vkmmu" calibrate -o "$tmp/no/such/dir/x.costs" --runs 1 > /dev/null 2>&1; rc=$?
[ $rc -eq 1 ] || fail "unwritable output: exit $rc, want 1"

echo "calibrate took $secs s"
finish
