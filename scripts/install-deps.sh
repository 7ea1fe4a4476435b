#!/usr/bin/env bash
# Installs the Debian 12 packages vkmmu needs. Idempotent: does nothing when all are present.
# Usage: scripts/install-deps.sh [--all]   (--all adds the optional tools: gnuplot, parallel, valgrind)
set -u
need_i386=1
pkgs=(cmake make gcc pkg-config libunicorn-dev libcapstone-dev libcriterion-dev
      liblzma-dev zlib1g-dev libjson-c-dev gcc-multilib clang libclang-rt-14-dev python3 qemu-user)
i386_pkgs=(busybox-static:i386)
if [ "${1:-}" = "--all" ]; then
    pkgs+=(gnuplot-nox parallel valgrind slurm-wlm munge)
fi

missing=()
for p in "${pkgs[@]}" "${i386_pkgs[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
    echo "install-deps: missing packages: ${missing[*]}; run this script as root" >&2
    exit 2
fi
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
        exit 0
    fi
    echo "install-deps: apt-get install failed (attempt $attempt), retrying" >&2
    sleep 5
    apt-get update -qq >/dev/null 2>&1
done
echo "install-deps: could not install: ${missing[*]}" >&2
exit 1
