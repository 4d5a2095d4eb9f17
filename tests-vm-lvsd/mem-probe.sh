#!/usr/bin/env bash
# Where lvsd's memory goes in the IPVS VM on bench.sh's config (SERVICES x 10
# TCP_CHECK, alpha): starts lvsd alone, waits until IPVS holds every entry
# (or 300 s), then prints VmRSS/VmHWM, smaps_rollup and the largest mappings
# of /proc/PID/smaps. Needs root and qemu. ~3-5 min under TCG.
#   [THP=always|madvise|never] [LVSD_ENV="NAME=VALUE ..."] tests-vm-lvsd/mem-probe.sh [SERVICES [DELAY_LOOP]]
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
cd "$repo"
[ "$(id -u)" = 0 ] || { echo "SKIPPED: needs root" >&2; exit 0; }
cargo build --locked -q --release -p lvsd --bin lvsd --example tcp_sink
exec scripts/vm/run-in-vm.sh --timeout 900 --mem 1024 \
    --env "SERVICES=${1:-1000}" --env "DELAY_LOOP=${2:-30}" --env "LVSD_ENV=${LVSD_ENV:-}" --env "THP=${THP:-}" \
    --file "$repo/target/release/lvsd:/bin/lvsd" \
    --file "$repo/target/release/examples/tcp_sink:/bin/tcp_sink" \
    --file "$(command -v ip):/bin/ip" \
    --file "tests-vm-lvsd/mem-probe-vm.sh:/work/mem-probe-vm.sh" \
    -- sh /work/mem-probe-vm.sh
