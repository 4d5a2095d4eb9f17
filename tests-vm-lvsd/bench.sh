#!/usr/bin/env bash
# Checker benchmark in the IPVS VM: 1,000 services x 10 real servers with
# TCP_CHECK against live backends, lvsd and then keepalived -C on the same
# config. Prints, for each: time from start until IPVS holds all 10,000
# entries (alpha: servers enter only after a passing check), then CPU seconds
# and RSS over the next 60 s. Needs root, qemu and keepalived. ~5 min.
#   [ALPHA=0|1] [PROFILE=1] tests-vm-lvsd/bench.sh [SERVICES [DELAY_LOOP]]
# PROFILE=1 adds strace -c of each daemon over 20 s after the CPU window.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
cd "$repo"
[ "$(id -u)" = 0 ] || { echo "SKIPPED: needs root" >&2; exit 0; }
command -v keepalived >/dev/null || { echo "SKIPPED: needs keepalived" >&2; exit 0; }
cargo build --locked -q --release -p lvsd --bin lvsd --example tcp_sink
extra=()
[ "${PROFILE:-0}" = 1 ] && extra=(--file "$(command -v strace):/bin/strace")
exec scripts/vm/run-in-vm.sh --timeout 1200 --mem 1024 \
    --env "SERVICES=${1:-1000}" --env "DELAY_LOOP=${2:-10}" --env "ALPHA=${ALPHA:-1}" \
    --env "PROFILE=${PROFILE:-0}" "${extra[@]}" \
    --file "$repo/target/release/lvsd:/bin/lvsd" \
    --file "$repo/target/release/examples/tcp_sink:/bin/tcp_sink" \
    --file "$(command -v keepalived):/bin/keepalived" \
    --file "$(command -v ip):/bin/ip" \
    --file "tests-vm-lvsd/bench-vm.sh:/work/bench-vm.sh" \
    -- sh /work/bench-vm.sh
