#!/usr/bin/env bash
# The include graph points one way (docs/architecture.md): every #include "X.h" of a source
# folder names a header of that folder or of a folder it may use.  Fails on every include
# that reaches upward or sideways, naming the file, the line and the rule.
# Usage: bash layering.sh VKMMU_BIN BUILD_DIR   (the arguments are only checked)
source "$(dirname "$0")/../lib.sh"

# folder: the folders it may include (besides itself)
declare -A may=(
    [mmu]=""
    [vkernel_model]="mmu"
    [traces]="mmu"
    [guest]="vkernel_model mmu"
    [emu]="guest vkernel_model mmu"
    [sim]="emu guest traces vkernel_model mmu"
    [tools]="sim traces vkernel_model mmu"
    [cli]="tools sim traces vkernel_model mmu"
)

# Which folder each project header lives in (FOLDER/X.h or FOLDER/include/X.h).
declare -A home=()
for d in "${!may[@]}"; do
    [[ -d $src/$d ]] || continue
    while IFS= read -r h; do
        name=$(basename "$h")
        if [[ -n ${home[$name]:-} && ${home[$name]} != "$d" ]]; then
            fail_now "header $name exists in both ${home[$name]}/ and $d/"
        fi
        home[$name]=$d
    done < <(find "$src/$d" -name '*.h')
done

checked=0
for d in "${!may[@]}"; do
    [[ -d $src/$d ]] || continue
    while IFS= read -r f; do
        while IFS=: read -r line inc; do
            h=$(sed -E 's/^#include "([^"]+)".*/\1/' <<<"$inc")
            h=$(basename "$h")
            owner=${home[$h]:-}
            [[ -z $owner || $owner == "$d" ]] && continue
            if [[ " ${may[$d]} " != *" $owner "* ]]; then
                fail "${f#"$src"/}:$line includes $h from $owner/; $d/ may use only: ${may[$d]:-nothing}"
            fi
            checked=$((checked + 1))
        done < <(grep -n '^#include "' "$f")
    done < <(find "$src/$d" -name '*.[ch]')
done
# A .c file is never included.
if grep -rn --include='*.[ch]' '^#include ".*\.c"' "$src"/{mmu,vkernel_model,traces,guest,emu,sim,tools,cli,tests,fuzz,bench} 2>/dev/null; then
    fail "a .c file is included (above): give it a header"
fi
echo "$checked cross-folder includes checked"
finish
