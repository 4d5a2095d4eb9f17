#!/usr/bin/env bash
# Scenario: two keepalived 2.2.7 in two namespaces joined by a veth.
# - the lower priority starts first, the higher one still ends up Master with the VIP;
# - SIGTERM of the Master: priority-0 advert, VIP removed there and taken over by
#   the Backup within Skew_Time (+ tolerance), far below Master_Down_Interval;
# - the wire (tcpdump) shows adverts with TTL 255 and the priority-0 advert.
# Prints "keepalived_pair: N passed, N failed"; exits 1 on any failure, 0 with a
# SKIPPED line when not root or keepalived/tcpdump are missing.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

tn_init kapair
tn_require_root
tn_require_tool ip keepalived tcpdump

r1=$(tn_ns r1)
r2=$(tn_ns r2)
tn_link "$r1" eth0 "$r2" eth0
tn_addr "$r1" eth0 10.77.0.1/24
tn_addr "$r2" eth0 10.77.0.2/24
tn_wait_ready "$r1" eth0
tn_wait_ready "$r2" eth0

VIP=10.77.0.100
tn_vrrp_conf "$TN_DIR/r1.conf" eth0 51 150 "$VIP/24"
tn_vrrp_conf "$TN_DIR/r2.conf" eth0 51 100 "$VIP/24"

tn_capture_start wire "$r2" eth0 ip proto 112

# Lower priority first: the higher priority must still win.
tn_keepalived_start r2 "$r2" "$TN_DIR/r2.conf"
sleep 0.5
tn_keepalived_start r1 "$r1" "$TN_DIR/r1.conf"

tn_check "VIP lands on r1 (priority 150)" tn_wait_addr "$r1" eth0 "$VIP" 10
sleep 1.5 # one more advert round: r2 must have settled as Backup
not_on() { ! tn_has_addr "$1" eth0 "$VIP"; }
tn_check "VIP not on r2 (priority 100)" not_on "$r2"
tn_check "VIP still on r1" tn_has_addr "$r1" eth0 "$VIP"

tn_monitor_start r2mon "$r2"
t0=$(tn_now)
kill -TERM "$(tn_keepalived_pid r1)"
tn_check "VIP moves to r2 after SIGTERM of r1" tn_wait_addr "$r2" eth0 "$VIP" 10
if t1=$(tn_monitor_first_add r2mon "$VIP"); then
    ms=$(tn_ms_between "$t0" "$t1")
    # Skew_Time for priority 100 at advert_int 1 s: (256-100)/256 s = 609 ms.
    # Master_Down_Interval would be 3609 ms: seeing far less proves the
    # priority-0 advert was sent and honoured.
    echo "# failover after SIGTERM: ${ms} ms (Skew_Time 609 ms, Master_Down_Interval 3609 ms)"
    tn_check "takeover within Skew_Time + 900 ms (${ms} ms)" test "$ms" -le 1509
else
    tn_notok "no address event for $VIP in r2's monitor"
fi
tn_check "r1's keepalived exits" tn_keepalived_wait_exit r1 5
tn_check "VIP removed from r1" tn_wait_no_addr "$r1" eth0 "$VIP" 2

sleep 0.2
tn_capture_stop wire
wire=$(tn_capture_text wire -v)
echo "$wire" >"$TN_DIR/wire.txt"
tn_check "adverts from r1 on the wire (vrid 51, prio 150)" grep -q "10.77.0.1 > 224.0.0.18: VRRPv2, Advertisement, vrid 51, prio 150" "$TN_DIR/wire.txt"
tn_check "adverts sent with TTL 255" grep -q "ttl 255" "$TN_DIR/wire.txt"
ttl_other() { ! grep "proto VRRP" "$TN_DIR/wire.txt" | grep -v "ttl 255" | grep -q .; }
tn_check "no advert with another TTL" ttl_other
tn_check "priority-0 advert from r1 on SIGTERM" grep -q "10.77.0.1 > 224.0.0.18: VRRPv2, Advertisement, vrid 51, prio 0" "$TN_DIR/wire.txt"
tn_check "r2 advertises after takeover" grep -q "10.77.0.2 > 224.0.0.18: VRRPv2, Advertisement, vrid 51, prio 100" "$TN_DIR/wire.txt"

tn_summary keepalived_pair
