#!/bin/bash
# tests/emu/test_ids.sh VKMMU_BIN BUILD_DIR - the guest is an unprivileged process whose user and
# group ids are all 1000 (issue 10): setuid, setgid, setreuid, setresuid, setresgid, setfsuid,
# setfsgid and getres[ug]id answer as Linux does for such a process (they were ENOSYS).  Checked
# on both engines against the answers written below and, where this host can give a process
# those ids (root with setpriv, or a user whose ids are 1000), against the reference runner
# (scripts/ref-runner.sh) run with them: qemu-i386 passes the calls to the host's kernel.
# Usage: bash test_ids.sh VKMMU_BIN BUILD_DIR
source "$(dirname "$0")/../lib.sh"
# shellcheck source=../../scripts/ref-runner.sh
source "$src/scripts/ref-runner.sh"
build_emu_guests
cat >"$tmp/linux.txt" <<'EOF'
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
    "$vkmmu" run --engine $e -- "$guests/crash" ids >"$tmp/vk-$e.txt" 2>"$tmp/vk-$e.err" ||
        fail "$e: crash ids exit $?"
    same "$e set*id answers = Linux's for ids 1000" "$tmp/linux.txt" "$tmp/vk-$e.txt"
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
    cp "$guests/crash" "$src/scripts/ref-runner.sh" "$pub/"
    chmod 755 "$pub" "$pub/crash" "$pub/ref-runner.sh"
    (cd "$pub" && "${run_as_1000[@]}" bash ./ref-runner.sh ./crash ids) \
        >"$tmp/ref.txt" 2>"$tmp/ref.err"
    rm -rf "$pub"
    same "reference runner ($REF_MODE) with ids 1000 = vkmmu's" "$tmp/ref.txt" "$tmp/vk-paging.txt"
fi
finish
