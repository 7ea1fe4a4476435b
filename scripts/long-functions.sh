#!/usr/bin/env bash
# Lists the functions longer than N lines (default 80) in the project's C sources, longest
# first: "LINES FILE:LINE NAME".  A function's body runs from a '{' in column 0 to the next '}'
# in column 0 (the project's formatting); its name is the identifier before the '(' of the
# signature above.  Functions that are long on purpose carry a comment saying why.
#   scripts/long-functions.sh [N] [FOLDER...]
set -euo pipefail
cd "$(dirname "$0")/.."
max=${1:-80}
shift || true
folders=("$@")
[[ ${#folders[@]} -eq 0 ]] && folders=(mmu vkernel_model traces guest emu sim tools cli)
existing=()
for f in "${folders[@]}"; do [[ -d $f ]] && existing+=("$f"); done
find "${existing[@]}" -name '*.c' -print0 | sort -z | xargs -0 awk -v max="$max" '
    FNR == 1 { sig = "" }
    /^[A-Za-z_].*\(/ && !/;[ \t]*$/ { sig = $0; sigline = FNR }
    /^\{/ { start = FNR; name = sig; sub(/\(.*/, "", name); n = split(name, w, /[ *]+/); name = w[n]; at = sigline }
    /^\}/ && start { len = FNR - start + 1; if (len > max) printf "%d %s:%d %s\n", len, FILENAME, at, name; start = 0 }
' | sort -rn
