#!/usr/bin/env bash
# Processes, threads and signals under `vkmmu run` (issue 12): fork, pipes between processes,
# pthreads, vfork/posix_spawn + execve, signal handlers, a child dying of SIGSEGV, --max-procs
# against a fork loop, a deadlock, and a busybox pipeline.  Every program prints what the
# reference runner's run prints (where the reference can run it: a host that cannot execute
# i386 programs cannot execve one either, so spawn has its expected output written here),
# with the same exit status; the paging and hooks engines count the same (access.* aside)
# for every scheme; three runs give byte-identical JSON; per-process counters add up to the
# totals.  The fork loop and the deadlock never run under the reference runner.
# Usage: bash test_processes.sh VKMMU_BIN BUILD_DIR
source "$(dirname "$0")/../lib.sh"
source "$src/scripts/ref-runner.sh"
bash "$src/tests/emu/guests/build.sh" "$tmp/g" >/dev/null 2>&1 ||
    { echo "SKIP: gcc -m32 -static cannot build the test guests (gcc-multilib missing?)"; exit 0; }
g=$tmp/g
cd "$g" || fail_now "cd $g"

# run NAME ENGINE ARGS... -> $tmp/NAME.{out,err,json}, status in $rc
run() {
    local name=$1 engine=$2
    shift 2
    "$vkmmu" run --engine "$engine" --root "$g" --json "$tmp/$name.json" "$@" \
        >"$tmp/$name.out" 2>"$tmp/$name.err"
    rc=$?
}

# Output and status against the reference runner, both engines; counts equal between them.
schemes=(vpt-1.10 vpt ept native linux)
check_program() { # NAME ARGS...
    local name=$1
    shift
    ref_run "./procs" "$@" >"$tmp/$name.ref" 2>/dev/null
    local ref_rc=$?
    run "$name-hooks" hooks --scheme "$(IFS=,; echo "${schemes[*]}")" --dirty strict,eager \
        -- ./procs "$@"
    [ "$rc" -eq "$ref_rc" ] || fail "$name (hooks): exit $rc, the reference's $ref_rc: $(tail -2 "$tmp/$name-hooks.err")"
    same "$name (hooks): output as the reference runner's" "$tmp/$name.ref" "$tmp/$name-hooks.out"
    for s in "${schemes[@]}"; do
        for d in strict eager; do
            run "$name-$s-$d" paging --scheme "$s" --dirty "$d" -- ./procs "$@"
            [ "$rc" -eq "$ref_rc" ] || fail "$name ($s/$d paging): exit $rc, want $ref_rc"
            cmp -s "$tmp/$name.ref" "$tmp/$name-$s-$d.out" ||
                fail "$name ($s/$d paging): output differs from the reference's"
        done
    done
    python3 - "$tmp" "$name" "${schemes[@]}" <<'PY' || fail "$name: counts differ between engines"
import json, sys
tmp, name, schemes = sys.argv[1], sys.argv[2], sys.argv[3:]
hooks = json.load(open(f"{tmp}/{name}-hooks.json"))
bad = []
for r in hooks["results"]:
    if r["policy"] != "none":
        continue
    p = json.load(open(f"{tmp}/{name}-{r['scheme']}-{r['dirty']}.json"))
    pc = next(x["counters"] for x in p["results"] if x["config"] == r["config"])
    for k, v in r["counters"].items():
        if not k.startswith(("access.", "cycles.", "tlb.")) and pc[k] != v:
            bad.append(f"{r['config']} {k}: hooks {v}, paging {pc[k]}")
    # the processes' counters add up to the totals
    procs = r.get("processes", [])
    if len(procs) > 1:
        for k in ("fault.real", "vk.inval", "vk.vmspace", "page.cow", "insns"):
            s = sum(x["counters"][k] for x in procs)
            if s != r["counters"][k]:
                bad.append(f"{r['config']} {k}: processes sum to {s}, total {r['counters'][k]}")
for line in bad[:8]:
    print("  |", line)
sys.exit(1 if bad else 0)
PY
}

check_program fork fork 3
check_program pipe pipe 5000
check_program threads threads 4
check_program signals signals
check_program segv segv-child

# The vkernel counts what model.md section 11 says for fork: one vmspace of 10 calls per
# child and 1 per exit (3 children), and copy-on-write copies in the children.
python3 - "$tmp/fork-hooks.json" <<'PY' || fail "fork: vk.vmspace or page.cow"
import json, sys
d = json.load(open(sys.argv[1]))
ok = True
for r in d["results"]:
    c = r["counters"]
    want = 3 * 10 + 3 if r["scheme"] in ("vpt-1.10", "vpt", "ept") else 0
    if c["vk.vmspace"] != want or c["page.cow"] == 0:
        print(f"  | {r['config']}: vk.vmspace {c['vk.vmspace']} (want {want}), page.cow {c['page.cow']}")
        ok = False
procs = d["workload"]["processes"]
# each child exits with (its sum of the inherited buffer) % 200 + k: 64 x (1 + ... + 64) % 200 = 120
if [p.get("exit_status") for p in procs[1:]] != [120, 121, 122]:
    print("  | exit statuses:", procs)
    ok = False
if len(procs) != 4 or any(p["ppid"] != procs[0]["pid"] for p in procs[1:]):
    print("  | processes:", procs)
    ok = False
sys.exit(0 if ok else 1)
PY

# spawn: vfork + execve and posix_spawn of the program itself (written out: the reference
# runner cannot execve an i386 program on a host that cannot run one).
printf 'vfork+exec exit 7\nposix_spawn exit 9\nposix_spawn missing ENOENT\n' >"$tmp/spawn.want"
for e in hooks paging; do
    run "spawn-$e" "$e" -- ./procs spawn
    [ "$rc" -eq 0 ] || fail "spawn ($e): exit $rc: $(tail -2 "$tmp/spawn-$e.err")"
    same "spawn ($e): vfork, execve, posix_spawn" "$tmp/spawn.want" "$tmp/spawn-$e.out"
done
grep -q '4 processes' "$tmp/spawn-hooks.err" || fail "spawn: no process summary line"

# --max-procs: a fork loop ends with the guest's EAGAIN, not the host's limits.
run forkbomb hooks --max-procs 8 -- ./procs forkbomb
[ "$rc" -eq 0 ] && grep -qx 'forks 7 then errno EAGAIN' "$tmp/forkbomb.out" &&
    pass "--max-procs 8: 7 forks, then EAGAIN" ||
    fail "--max-procs 8: exit $rc, output '$(cat "$tmp/forkbomb.out")'"
expect 2 "max-procs" "$vkmmu" run --max-procs 0 -- ./procs exit 0 &&
    pass "--max-procs 0 is refused"

# A deadlock ends the run with status 1 and says what each thread waits on.
run deadlock hooks -- ./procs deadlock
[ "$rc" -eq 1 ] && grep -q 'deadlocked' "$tmp/deadlock.err" &&
    grep -q 'pid 1000 tid 1000 (/procs): waits on a pipe' "$tmp/deadlock.err" &&
    pass "deadlock: exit 1 and the report" ||
    fail "deadlock: exit $rc: $(cat "$tmp/deadlock.err" | head -4)"

# Same inputs, same JSON: three runs of the threaded and the piped programs.
for t in 1 2 3; do
    run "det-$t" hooks --scheme vpt-1.10,linux -- ./procs threads 6
    grep -v '"command_line"' "$tmp/det-$t.json" >"$tmp/det-$t.j"
done
same "threads: three runs give the same JSON (1, 2)" "$tmp/det-1.j" "$tmp/det-2.j"
same "threads: three runs give the same JSON (1, 3)" "$tmp/det-1.j" "$tmp/det-3.j"

# busybox: a pipeline and a script of short commands (sh forks and execs the applets).
bb=/bin/busybox
if [ -x "$bb" ]; then
    printf 'b one\na two\nb three\nc four\nb one\n' >"$g/data.txt"
    script="cat $g/data.txt | grep b | sort | uniq -c; for i in 1 2 3; do echo \$i; done | wc -l; test -f $g/data.txt && echo yes; expr 6 \\* 7"
    (cd "$g" && ref_run "$bb" sh -c "$script") >"$tmp/bb.ref" 2>&1
    for e in hooks paging; do
        (cd "$g" && "$vkmmu" run --engine "$e" --root / -- "$bb" sh -c "$script") \
            >"$tmp/bb-$e.out" 2>"$tmp/bb-$e.err"
        rc=$?
        [ "$rc" -eq 0 ] || fail "busybox ($e): exit $rc: $(tail -2 "$tmp/bb-$e.err")"
        same "busybox pipeline ($e)" "$tmp/bb.ref" "$tmp/bb-$e.out"
    done
else
    echo "SKIP busybox: $bb (busybox-static:i386) is not installed"
fi
finish
