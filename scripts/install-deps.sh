#!/usr/bin/env bash
# Installs the Debian 12 packages vkmmu needs, and unpacks the amd64 busybox-static (below).
# Idempotent: does nothing when all are present.
# Usage: scripts/install-deps.sh [--all]   (--all adds the optional tools: gnuplot, parallel, valgrind)
#        scripts/install-deps.sh --busybox-amd64-path   (prints BUSYBOX_AMD64 and exits; no checks)
set -u

# The amd64 busybox-static (issue 13: x86-64 guests).  The i386 package is installed as
# /bin/busybox, and Debian's busybox-static cannot be installed for two architectures at once
# (both own /bin/busybox), so the amd64 package is downloaded with `apt-get download` and unpacked
# with `dpkg-deb -x` under BUSYBOX_AMD64_DIR, outside dpkg's database, without touching the i386
# one.  This is the one place that names the path: scripts and tests ask
# `scripts/install-deps.sh --busybox-amd64-path`.  BUSYBOX_AMD64_DIR/VERSION holds the package
# version unpacked; the same version as the installed i386 package is preferred.
BUSYBOX_AMD64_DIR=/opt/vkmmu/busybox-amd64
BUSYBOX_AMD64=$BUSYBOX_AMD64_DIR/bin/busybox
if [ "${1:-}" = "--busybox-amd64-path" ]; then
    echo "$BUSYBOX_AMD64"
    exit 0
fi

# busybox_amd64_ok: 0 if the amd64 busybox is unpacked and runs.
busybox_amd64_ok() {
    [ -x "$BUSYBOX_AMD64" ] && [ -s "$BUSYBOX_AMD64_DIR/VERSION" ] && "$BUSYBOX_AMD64" true 2>/dev/null
}

# busybox_amd64_fetch: downloads busybox-static:amd64 (the i386 package's version if the archive
# has it, else the candidate) and unpacks it into BUSYBOX_AMD64_DIR, replacing what was there only
# once the new copy runs.  Returns 0 on success, 1 with a message on stderr.
busybox_amd64_fetch() {
    local tmp want deb f version staging
    tmp=$(mktemp -d) || return 1
    # apt-get download writes into the current directory as the _apt user where it can.
    chmod 755 "$tmp"
    want=$(dpkg-query -W -f='${Version}' busybox-static:i386 2>/dev/null || true)
    (cd "$tmp" && { { [ -n "$want" ] && apt-get download -qq "busybox-static:amd64=$want"; } ||
                    apt-get download -qq busybox-static:amd64; }) >"$tmp/log" 2>&1
    deb=
    for f in "$tmp"/busybox-static_*_amd64.deb; do
        [ -f "$f" ] && deb=$f
    done
    if [ -z "$deb" ]; then
        echo "install-deps: apt-get download busybox-static:amd64 failed: $(tail -2 "$tmp/log")" >&2
        rm -rf "$tmp"
        return 1
    fi
    version=$(dpkg-deb -f "$deb" Version)
    mkdir -p "$(dirname "$BUSYBOX_AMD64_DIR")"
    staging=$BUSYBOX_AMD64_DIR.new
    rm -rf "$staging"
    if ! dpkg-deb -x "$deb" "$staging" || ! "$staging/bin/busybox" true; then
        echo "install-deps: $deb does not unpack to a busybox that runs here" >&2
        rm -rf "$tmp" "$staging"
        return 1
    fi
    echo "$version" >"$staging/VERSION"
    rm -rf "$BUSYBOX_AMD64_DIR"
    mv "$staging" "$BUSYBOX_AMD64_DIR"
    rm -rf "$tmp"
    echo "install-deps: busybox-static:amd64 $version unpacked into $BUSYBOX_AMD64_DIR" >&2
}

need_i386=1
pkgs=(cmake make gcc pkg-config libunicorn-dev libcapstone-dev libcriterion-dev
      liblzma-dev zlib1g-dev libjson-c-dev gcc-multilib clang libclang-rt-14-dev python3 qemu-user
      libsqlite3-dev coreutils grep)
# busybox for the i386 workloads; libsqlite3 for the dynamically linked i386 workload
# guests/sqlite (issue 14; it brings libc6:i386, ld-linux.so.2's libc for i386 programs).
i386_pkgs=(busybox-static:i386 libsqlite3-0:i386)
if [ "${1:-}" = "--all" ]; then
    pkgs+=(gnuplot-nox parallel valgrind slurm-wlm munge)
fi

missing=()
for p in "${pkgs[@]}" "${i386_pkgs[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
need_busybox=0
busybox_amd64_ok || need_busybox=1
[ ${#missing[@]} -eq 0 ] && [ $need_busybox -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
    [ ${#missing[@]} -gt 0 ] && echo "install-deps: missing packages: ${missing[*]}" >&2
    [ $need_busybox -eq 1 ] && echo "install-deps: missing: $BUSYBOX_AMD64 (busybox-static:amd64)" >&2
    echo "install-deps: run this script as root" >&2
    exit 2
fi
# install_busybox_then_exit: the last step whichever way the package installation went.
install_busybox_then_exit() {
    local rc=$1 attempt
    if [ $need_busybox -eq 1 ]; then
        for attempt in 1 2 3; do
            busybox_amd64_fetch && break
            [ $attempt -eq 3 ] && exit 1
            echo "install-deps: busybox-static:amd64 (attempt $attempt) failed, retrying" >&2
            sleep 5
            apt-get update -qq >/dev/null 2>&1
        done
    fi
    exit "$rc"
}
[ ${#missing[@]} -eq 0 ] && install_busybox_then_exit 0
export DEBIAN_FRONTEND=noninteractive
if [ $need_i386 -eq 1 ] && ! dpkg --print-foreign-architectures | grep -qx i386; then
    dpkg --add-architecture i386
fi
# apt-get update may fail on one index during a mirror sync while the packages we need are still
# installable: retry, and judge by whether the install succeeds.
for attempt in 1 2 3; do
    apt-get update -qq >/dev/null 2>&1 && break
    echo "install-deps: apt-get update failed (attempt $attempt), retrying" >&2
    sleep 5
done
for attempt in 1 2 3; do
    if apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; then
        install_busybox_then_exit 0
    fi
    echo "install-deps: apt-get install failed (attempt $attempt), retrying" >&2
    sleep 5
    apt-get update -qq >/dev/null 2>&1
done
echo "install-deps: could not install: ${missing[*]}" >&2
exit 1
