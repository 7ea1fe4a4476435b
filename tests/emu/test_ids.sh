#!/bin/bash
# tests/emu/test_ids.sh VKMMU_BIN BUILD_DIR - the guest is an unprivileged process whose user and
# group ids are all 1000 (issue 10): setuid, setgid, setreuid, setresuid, setresgid, setfsuid,
# setfsgid and getres[ug]id answer as Linux does for such a process (they were ENOSYS).  Checked
# on both engines against the answers written below and, where this host can give a process
# those ids (root with setpriv, or a user whose ids are 1000), against the reference runner
# (scripts/ref-runner.sh) run with them: qemu-i386 passes the calls to the host's kernel.
set -u
vkmmu=${1:?usage: test_ids.sh VKMMU_BIN BUILD_DIR}
build=${2:?usage: test_ids.sh VKMMU_BIN BUILD_DIR}
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../../scripts/ref-runner.sh
source "$here/../../scripts/ref-runner.sh"
g=$build/tests-emu-guests
bash "$here/guests/build.sh" "$g" || { echo "FAIL cannot build the test guests"; exit 1; }
work=$(mktemp -d "$build/test-emu-ids.XXXXXX")
trap 'rm -rf "$work"' EXIT
fails=0
same() { # NAME EXPECTED_FILE ACTUAL_FILE
    if cmp -s "$2" "$3"; then
        echo "ok   $1"
    else
        echo "FAIL $1"
        diff "$2" "$3" | sed 's/^/  | /' | head -20
        fails=$((fails + 1))
    fi
}
cat >"$work/linux.txt" <<'EOF'
setuid(1000)=0
setuid(0)=EPERM
setgid(1000)=0
setgid(0)=EPERM
setreuid(-1,1000)=0
setreuid(0,-1)=EPERM
setresuid(-1,-1,-1)=0
setresgid(1000,1000,0)=EPERM
setfsuid(0)=1000 setfsgid(-1)=1000
getresuid=0
getresgid=0
uids 1000 1000 1000 gids 1000 1000 1000
EOF
for e in paging hooks; do
    "$vkmmu" run --engine $e -- "$g/crash" ids >"$work/vk-$e.txt" 2>"$work/vk-$e.err" ||
        { echo "FAIL $e: crash ids exit $?"; fails=$((fails + 1)); }
    same "$e set*id answers = Linux's for ids 1000" "$work/linux.txt" "$work/vk-$e.txt"
done
run_as_1000=()
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null 2>&1; then
    run_as_1000=(setpriv --reuid=1000 --regid=1000 --clear-groups --)
elif [ "$(id -ru)" != 1000 ] || [ "$(id -rg)" != 1000 ]; then
    echo "skip the reference run: this host cannot give a process uid and gid 1000 here"
    run_as_1000=(none)
fi
if [ -z "$REF_MODE" ]; then
    echo "skip the reference run: $REF_WHY"
elif [ "${run_as_1000[0]:-}" != none ]; then
    # uid 1000 may not reach the build tree (a clone under /root): it runs copies in a
    # directory of its own under /tmp.
    pub=$(mktemp -d /tmp/vkmmu-ids.XXXXXX)
    cp "$g/crash" "$here/../../scripts/ref-runner.sh" "$pub/"
    chmod 755 "$pub" "$pub/crash" "$pub/ref-runner.sh"
    (cd "$pub" && "${run_as_1000[@]}" bash ./ref-runner.sh ./crash ids) \
        >"$work/ref.txt" 2>"$work/ref.err"
    rm -rf "$pub"
    same "reference runner ($REF_MODE) with ids 1000 = vkmmu's" "$work/ref.txt" "$work/vk-paging.txt"
fi
echo "$fails failure(s)"
[ $fails -eq 0 ]
