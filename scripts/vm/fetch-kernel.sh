#!/usr/bin/env bash
# Download and unpack the Debian cloud kernel used by the IPVS test VM.
# Prints the kernel tree directory (containing boot/ and lib/modules/) on stdout.
# Cached under $VM_CACHE (default: <repo>/.vm-cache); Debian packages only.
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
cache="${VM_CACHE:-$repo/.vm-cache}"
mkdir -p "$cache/debs"

# The kernel package currently behind the linux-image-cloud-amd64 metapackage,
# unless pinned with VM_KERNEL_PKG.
pkg="${VM_KERNEL_PKG:-}"
lookup() {
    apt-cache depends linux-image-cloud-amd64 2>/dev/null |
        sed -n 's/^ *Depends: \(linux-image-[0-9].*-cloud-amd64\)$/\1/p' | head -n1
}
if [ -z "$pkg" ]; then
    pkg="$(lookup)"
    if [ -z "$pkg" ] && ! ls -d "$cache"/kernel-*/ >/dev/null 2>&1; then
        # A fresh machine may have no package lists yet.
        apt-get update -qq >&2 || true
        pkg="$(lookup)"
    fi
fi
if [ -z "$pkg" ]; then
    # Offline or no package lists: fall back to whatever is already unpacked.
    existing="$(ls -d "$cache"/kernel-*/ 2>/dev/null | head -n1 || true)"
    if [ -n "$existing" ]; then
        echo "${existing%/}"
        exit 0
    fi
    echo "fetch-kernel: cannot find linux-image-*-cloud-amd64 (run apt-get update)" >&2
    exit 1
fi

tree="$cache/kernel-$pkg"
if [ ! -f "$tree/.done" ]; then
    deb="$(ls "$cache/debs/${pkg}_"*.deb 2>/dev/null | head -n1 || true)"
    if [ -z "$deb" ]; then
        (cd "$cache/debs" && apt-get download "$pkg" >&2 2>/dev/null) ||
            (cd "$cache/debs" && apt-get download "$pkg" >&2)
        deb="$(ls "$cache/debs/${pkg}_"*.deb | head -n1)"
    fi
    rm -rf "$tree"
    mkdir -p "$tree"
    dpkg -x "$deb" "$tree"
    kver="$(ls "$tree/lib/modules" | head -n1)"
    depmod -b "$tree" "$kver"
    touch "$tree/.done"
fi
echo "$tree"
