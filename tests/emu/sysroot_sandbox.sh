#!/bin/bash
# tests/emu/sysroot_sandbox.sh VKMMU_BIN BUILD_DIR - `vkmmu run --sysroot DIR` (issue 14): a
# path the root's view lacks is read from the sysroot's view, which is read-only, and nothing
# leaves either view.  busybox (/bin/busybox, i386 static) runs a script whose whole output
# (standard output and error) is compared with the output written below by hand:
#   reads       a sysroot-only file, a root-only file, a sysroot-only directory as cwd; a
#               directory in both views lists the root's entries only
#   escapes     `..` past the sysroot's top, a relative and an absolute symlink in the sysroot
#               pointing outside it, a symlink in the root naming a host path, /proc/self/root,
#               `cd ..` from a sysroot-only directory: the secret next to both trees is never read
#   read-only   writing, appending, creating, touching, chmod, rm, mv, ln -s, mkdir on sysroot
#               paths: EROFS, also with --writable; the file is unchanged
#   exec        a program present only in the sysroot runs
#   --writable  a new file in the root, and in a directory present in both views, is created in
#               the root
#   errors      --sysroot naming a file or nothing: exit 2, "not a directory"
# Usage: bash sysroot_sandbox.sh VKMMU_BIN BUILD_DIR
source "$(dirname "$0")/../lib.sh"

bb=/bin/busybox
if [ ! -x "$bb" ]; then
    echo "SKIP: $bb (busybox-static:i386) is not installed"
    exit 0
fi
cd "$tmp" || fail_now "cd $tmp"
mkdir -p root/etc root/both sys/etc sys/both sys/bin sys/usr/share/d sys/d
echo SECRET >secret
echo sysdata >sys/etc/data
echo rootdata >root/etc/data2
echo sysonly >sys/usr/share/d/f
touch root/both/r1 sys/both/s1
ln -s ../../secret sys/d/rel
ln -s "$tmp/secret" sys/d/abs
ln -s /etc/data sys/d/absin
ln -s ../../../../.. sys/d/up
ln -s "$tmp/secret" root/hostlink
cp "$bb" sys/bin/echo

script='cat /etc/data; cat /etc/data2; cat /usr/share/d/f; ls /both; ls /etc
cat /../../secret; cat /d/rel; cat /d/abs; cat /d/absin; readlink /d/abs; ls /d/up
cat /d/up/secret; cat /hostlink; cat /proc/self/root/secret
cd /usr/share/d && cat f && cd ../../../.. && pwd; cat ../secret
echo x > /etc/data; echo x >> /usr/share/d/f; echo x > /usr/share/d/new; touch /etc/data
chmod 600 /etc/data; rm /etc/data; mv /etc/data /etc/data3; ln -s a /usr/share/d/l
mkdir /usr/share/d/m; cat /etc/data; /bin/echo exec-ok'
expected="sysdata
rootdata
sysonly
r1
data2
cat: can't open '/../../secret': No such file or directory
cat: can't open '/d/rel': No such file or directory
cat: can't open '/d/abs': No such file or directory
sysdata
$tmp/secret
bin
both
d
etc
usr
cat: can't open '/d/up/secret': No such file or directory
cat: can't open '/hostlink': No such file or directory
cat: can't open '/proc/self/root/secret': No such file or directory
sysonly
/
cat: can't open '../secret': No such file or directory
sh: can't create /etc/data: Read-only file system
sh: can't create /usr/share/d/f: Read-only file system
sh: can't create /usr/share/d/new: Read-only file system
touch: /etc/data: Read-only file system
chmod: /etc/data: Read-only file system
rm: can't remove '/etc/data': Read-only file system
mv: can't rename '/etc/data': Read-only file system
ln: /usr/share/d/l: Read-only file system
mkdir: can't create directory '/usr/share/d/m': Read-only file system
sysdata
exec-ok"
for e in paging hooks; do
    for w in "" --writable; do
        "$vkmmu" run --engine $e $w --root root --sysroot sys --stdout out -- "$bb" sh -c \
            "{ $script; } 2>&1" 2>err
        check "sysroot $e $w: status" 0 "$?"
        check "sysroot $e $w: output" "$expected" "$(cat out)"
    done
done
check "sysroot files unchanged" "sysdata 644 sysonly" \
    "$(cat sys/etc/data) $(stat -c %a sys/etc/data) $(cat sys/usr/share/d/f)"
# sys and 7 directories under it, 4 files (data, s1, echo, f), 4 links
check "sysroot tree unchanged" "16" "$(find sys | wc -l)"

# --writable: new files go to the root, also under a directory both views have.
"$vkmmu" run --writable --root root --sysroot sys --stdout out -- "$bb" sh -c \
    'echo n > /new; echo b > /both/new; echo y >> /etc/data2; cat /new /both/new /etc/data2
     echo z > /etc/data' 2>err
check "writable: output" "n
b
rootdata
y" "$(cat out)"
grep -q "can't create /etc/data: Read-only file system" err ||
    fail "writable: a write to a sysroot file was not refused with EROFS"
check "writable: root files" "n b" "$(cat root/new) $(cat root/both/new)"
check "writable: nothing new in the sysroot" "" "$(ls sys/both/new 2>/dev/null)"

expect 2 "--sysroot $tmp/secret: not a directory" \
    "$vkmmu" run --root root --sysroot "$tmp/secret" -- "$bb" true && pass "--sysroot FILE"
expect 2 "--sysroot $tmp/none: not a directory" \
    "$vkmmu" run --root root --sysroot "$tmp/none" -- "$bb" true && pass "--sysroot missing"
finish
