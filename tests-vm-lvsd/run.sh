#!/usr/bin/env bash
# lvsd end-to-end tests in the IPVS VM: builds lvsd, boots the VM of
# scripts/vm/run-in-vm.sh with iproute2's `ip` (for namespaces) and runs
# tests-vm-lvsd/vm-checks.sh inside. About 2-3 minutes under TCG.
#   tests-vm-lvsd/run.sh
# Skips (exit 0, "SKIPPED:" on stderr) when not root or a tool is missing.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
cd "$repo"
if [ "$(id -u)" != 0 ]; then
    echo "SKIPPED: lvsd VM tests need root" >&2
    exit 0
fi
for tool in qemu-system-x86_64 ipvsadm busybox cpio depmod ip; do
    if ! command -v "$tool" >/dev/null; then
        echo "SKIPPED: lvsd VM tests need $tool (packages qemu-system-x86, ipvsadm, busybox-static, cpio, kmod, iproute2)" >&2
        exit 0
    fi
done
cargo build --locked -q -p lvsd -p vrrpd
# The BFD peer of bfd-compare.sh.
cargo build --locked -q -p bfd-net --example bfd_speaker
here=tests-vm-lvsd
# vrrpd (for lvs_sync_daemon) without debug info keeps the initramfs small.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
strip -o "$tmp/vrrpd" "$repo/target/debug/vrrpd"
strip -o "$tmp/bfd_speaker" "$repo/target/debug/examples/bfd_speaker"
# keepalived (CI installs it) for omega-compare.sh; without it that part skips.
ka=()
if command -v keepalived >/dev/null; then
    ka=(--file "$(command -v keepalived):/bin/keepalived")
else
    echo "SKIPPED: omega-compare.sh (lvsd vs keepalived at start/stop) needs keepalived" >&2
fi
# net-snmp (CI installs snmpd, snmp, snmptrapd) for snmp-compare.sh: the
# check subtree of keepalived and lvsd side by side; without it that part skips.
snmp=()
if command -v snmpd >/dev/null && command -v snmptrapd >/dev/null && command -v snmpwalk >/dev/null; then
    for t in snmpd snmptrapd snmpwalk snmpget snmpset; do
        snmp+=(--file "$(command -v $t):/bin/$t")
    done
else
    echo "SKIPPED: snmp-compare.sh (KEEPALIVED-MIB check subtree) needs snmpd, snmptrapd and snmp" >&2
fi
scripts/vm/run-in-vm.sh --timeout "${VM_TIMEOUT:-600}" --mem 768 \
    --file "$repo/target/debug/lvsd:/bin/lvsd" \
    --file "$tmp/vrrpd:/bin/vrrpd" \
    --file "$here/sync-tun.conf:/work/sync-tun.conf" \
    --file "$(command -v ip):/bin/ip" \
    --file "$here/vm-checks.sh:/work/vm-checks.sh" \
    --file "$here/web.conf:/work/web.conf" \
    --file "$here/notify.sh:/work/notify.sh" \
    --file "$here/omega.conf:/work/omega.conf" \
    --file "$here/omega-compare.sh:/work/omega-compare.sh" \
    --file "$tmp/bfd_speaker:/bin/bfd_speaker" \
    --file "$here/bfd-compare.sh:/work/bfd-compare.sh" \
    --file "$here/bfd-check.conf:/work/bfd-check.conf" \
    --env "BFD_RUNS=${BFD_RUNS:-1}" \
    "${ka[@]}" \
    "${snmp[@]}" \
    --file "$here/snmp.conf:/work/snmp.conf" \
    --file "$here/snmp-compare.sh:/work/snmp-compare.sh" \
    --file "$here/mysql.sh:/etc/keepalived/mysql.sh" \
    --file "bins/lvsd/tests/data/tenant-vip-tcp-check.conf:/work/tenant-vip.conf" \
    --file "examples/mysql-master.conf:/work/mysql-master.conf" \
    -- sh /work/vm-checks.sh
