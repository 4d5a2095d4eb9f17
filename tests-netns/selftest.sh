#!/usr/bin/env bash
# Self-test of lib.sh without keepalived: a 3-host LAN on a bridge namespace,
# reachability, address waits, timestamped address events, captures, freezing.
# Prints "tests_netns_selftest: N passed, N failed".
set -euo pipefail
. "$(dirname "$0")/lib.sh"

tn_init self
tn_require_root
tn_require_tool ip tcpdump ping

br=$(tn_ns br)
h1=$(tn_ns h1)
h2=$(tn_ns h2)
h3=$(tn_ns h3)
tn_lan "$br" eth0 "$h1" "$h2" "$h3"
i=0
for h in "$h1" "$h2" "$h3"; do
    i=$((i + 1))
    tn_addr "$h" eth0 "10.78.0.$i/24"
    tn_addr "$h" eth0 "fd00:78::$i/64"
done
for h in "$h1" "$h2" "$h3"; do tn_wait_ready "$h" eth0; done

tn_check "namespaces carry the unique prefix" test "$(ip netns list | grep -c "^$TN_PREFIX-")" = 4
tn_check "h1 reaches h3 over the bridge (IPv4)" eval 'tn_exec "$h1" ping -c1 -W2 -q 10.78.0.3 >/dev/null'
tn_check "h3 reaches h2 over the bridge (IPv6)" eval 'tn_exec "$h3" ping -c1 -W2 -q fd00:78::2 >/dev/null'
tn_check "host namespace has no 10.78/16 address" eval '! ip -o addr | grep -q "10\.78\."'

tn_capture_start arp "$h3" eth0 arp
tn_monitor_start h2mon "$h2"
t0=$(tn_now)
( sleep 0.3; ip -n "$h2" addr add 10.78.0.100/24 dev eth0 ) &
adder=$!
tn_check "tn_wait_addr sees a delayed address" tn_wait_addr "$h2" eth0 10.78.0.100 5
wait "$adder"
t1=$(tn_monitor_first_add h2mon 10.78.0.100)
ms=$(tn_ms_between "$t0" "$t1")
tn_check "address event timestamp is after the start and plausible (${ms} ms)" test "$ms" -ge 250 -a "$ms" -le 2000
tn_exec "$h1" ping -c1 -W2 -q 10.78.0.100 >/dev/null || true
tn_capture_stop arp
tn_check "capture in h3 saw h1 asking for 10.78.0.100" eval 'tn_capture_text arp | grep -q "Request who-has 10.78.0.100 tell 10.78.0.1"'
ip -n "$h2" addr del 10.78.0.100/24 dev eth0
tn_check "tn_wait_no_addr sees the removal" tn_wait_no_addr "$h2" eth0 10.78.0.100 2

tn_bg sleeper "$h3" sleep 60
sleeper=$TN_LAST_PID
tn_freeze_ns "$h3"
tn_check "freeze stops every process in the namespace" eval "grep -q '^State:.*T' /proc/$sleeper/status"
tn_thaw_ns "$h3"
tn_check "thaw resumes them" eval "! grep -q '^State:.*T' /proc/$sleeper/status"

tn_summary tests_netns_selftest
