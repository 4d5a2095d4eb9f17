#!/usr/bin/env bash
# Per-check cost of lvsd's TCP_CHECK on this machine, without IPVS: the
# check_load example (lvsd's checker tasks, current-thread runtime) in one
# network namespace against tcp_sink on 10 addresses in another, for
# profiling (strace -c / perf record). Namespaces are unique and removed on
# exit. Needs root.
#   tests-vm-lvsd/bench-host.sh [CHECKERS [SECONDS [DELAY_LOOP_MS]]]
#   WRAP="strace -c -f" tests-vm-lvsd/bench-host.sh ...   # run check_load under a tool
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
cd "$repo"
[ "$(id -u)" = 0 ] || { echo "SKIPPED: needs root" >&2; exit 0; }
n=${1:-1000} secs=${2:-10} dl=${3:-1000}
cargo build --locked -q --release -p lvsd --example check_load --example tcp_sink
cl="lvperf-cl-$$" be="lvperf-be-$$"
cleanup() {
    [ -n "${sink:-}" ] && kill "$sink" 2>/dev/null
    ip netns del "$cl" 2>/dev/null || true
    ip netns del "$be" 2>/dev/null || true
}
trap cleanup EXIT
ip netns add "$cl"
ip netns add "$be"
ip link add vcl netns "$cl" type veth peer name vbe netns "$be"
ip -n "$cl" link set lo up
ip -n "$be" link set lo up
ip -n "$cl" addr add 10.2.0.254/24 dev vcl
targets=""
for i in 1 2 3 4 5 6 7 8 9 10; do
    ip -n "$be" addr add "10.2.0.$i/24" dev vbe
    targets="$targets${targets:+,}10.2.0.$i"
done
ip -n "$cl" link set vcl up
ip -n "$be" link set vbe up
ip netns exec "$be" "$repo/target/release/examples/tcp_sink" 0.0.0.0:80 &
sink=$!
sleep 0.5
# shellcheck disable=SC2086
ip netns exec "$cl" ${WRAP:-} "$repo/target/release/examples/check_load" "$n" "$secs" "$dl" "$targets"
