#!/usr/bin/env bash
# IPVS kernel tests: builds ipvsctl and the ipvs-sys kernel check (release),
# boots the test VM and runs scripts/vm/ipvs-checks.sh inside it.
#   scripts/vm/ipvs-kernel-test.sh            # tests (~1-2 min under TCG; 2m14s on a loaded host)
#   BENCH=1 scripts/vm/ipvs-kernel-test.sh    # plus the restore benchmark
# Skips (exit 0, "SKIPPED:" on stderr) when not root or qemu is missing.
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$repo"
if [ "$(id -u)" != 0 ]; then
    echo "SKIPPED: IPVS kernel tests need root (the VM's initramfs and KVM-less QEMU run fine as root only in CI)" >&2
    exit 0
fi
for tool in qemu-system-x86_64 ipvsadm busybox cpio depmod; do
    if ! command -v "$tool" >/dev/null; then
        echo "SKIPPED: IPVS kernel tests need $tool (packages qemu-system-x86, ipvsadm, busybox-static, cpio, kmod)" >&2
        exit 0
    fi
done
# Debug builds (shared with `cargo test`); release for the benchmark.
profile=debug
flag=()
if [ "${BENCH:-0}" = 1 ]; then profile=release; flag=(--release); fi
cargo build "${flag[@]}" --locked -q -p ipvsctl
cargo build "${flag[@]}" --locked -q -p ipvs-sys --example ipvs_kernel_check
bin="$repo/target/$profile"
exec scripts/vm/run-in-vm.sh --timeout "${VM_TIMEOUT:-900}" \
    --env "BENCH=${BENCH:-0}" --env "BENCH_RUNS=${BENCH_RUNS:-5}" \
    --file "$bin/ipvsctl:/bin/ipvsctl" \
    --file "$bin/examples/ipvs_kernel_check:/bin/ipvs_kernel_check" \
    --file "scripts/vm/ipvs-checks.sh:/work/ipvs-checks.sh" \
    -- sh /work/ipvs-checks.sh
