#!/usr/bin/env bash
# Per-check cost of lvsd's TCP_CHECK on this machine, without IPVS: the
# check_load example (lvsd's checker tasks, current-thread runtime) in one
# network namespace against tcp_sink on 10 addresses in another, for
# profiling (strace -c / perf record). Namespaces are unique and removed on
# exit. Needs root.
#   tests-vm-lvsd/bench-host.sh [CHECKERS [SECONDS [DELAY_LOOP_MS]]]
#   tests-vm-lvsd/bench-host.sh --config SERVICES SECONDS [DELAY_LOOP_S]
#       the whole daemon with a stand-in IPVS on bench.sh's config (SERVICES x 10)
#   WRAP="strace -c -f" tests-vm-lvsd/bench-host.sh ...   # run check_load under a tool
#   ENGINE=1 tests-vm-lvsd/bench-host.sh CHECKERS ...     # the TCP_CHECK engine, not a task each
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
cd "$repo"
[ "$(id -u)" = 0 ] || { echo "SKIPPED: needs root" >&2; exit 0; }
mode=checks
if [ "${1:-}" = --config ]; then mode=config; shift; fi
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
# Connections tcp_sink accepted (Tcp PassiveOpens of the backend namespace):
# the checks that reached a backend, whatever the checker reports.
accepted() { ip netns exec "$be" awk '/^Tcp:/ { if (!h) { for (i = 1; i <= NF; i++) if ($i == "PassiveOpens") c = i; h = 1 } else print $c }' /proc/net/snmp; }
a0=$(accepted)
report() { a1=$(accepted); echo "accepted_connections=$((a1 - a0)) over ${secs}s (from start)"; }
if [ "$mode" = config ]; then
    conf="$(mktemp "${TMPDIR:-/tmp}/lvperf-bench.XXXXXX.conf")"
    trap 'cleanup; rm -f "$conf"' EXIT
    # The same file as bench-vm.sh (alpha, warmup 0, TCP_CHECK connect_timeout 3).
    awk -v n="$n" -v dl="${3:-10}" 'BEGIN {
        for (s = 1; s <= n; s++) {
            printf "virtual_server 10.100.%d.%d 80 {\n delay_loop %d\n warmup 0\n alpha\n lvs_sched wlc\n lvs_method NAT\n protocol TCP\n", int(s / 250), s % 250 + 1, dl
            for (r = 1; r <= 10; r++)
                printf " real_server 10.2.0.%d 80 {\n  TCP_CHECK {\n   connect_timeout 3\n  }\n }\n", r
            printf "}\n"
        }
    }' > "$conf"
    # shellcheck disable=SC2086
    ip netns exec "$cl" ${WRAP:-} "$repo/target/release/examples/check_load" --config "$conf" "$secs"
    report
else
    # shellcheck disable=SC2086
    ip netns exec "$cl" ${WRAP:-} "$repo/target/release/examples/check_load" "$n" "$secs" "$dl" "$targets"
    report
fi
