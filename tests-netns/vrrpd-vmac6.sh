#!/usr/bin/env bash
# IPv6 use_vmac, vrrpd against keepalived 2.2.7 in network namespaces,
# with the wire (tcpdump on the bridge, decoded by tshark) as the oracle.
#
# usage: VRRPD=target/debug/vrrpd tests-netns/vrrpd-vmac6.sh [vmac6|xmit|bridgemode]...
#
# vmac6 (both ways round: vrrpd = r1 priority 150 / keepalived = r2 100, then
#   the reverse): r1, r2 and a client c on one bridge; the routers have only
#   their kernel link-local addresses, c has fd00:78::9/64; VRID 51, use_vmac,
#   VIP fd00:78::100/64. Checks: the Master's vrrp.51 (keepalived 2.2.7's
#   default name for IPv6 too) is a private-mode macvlan with
#   00:00:5e:00:02:33 carrying the VIP and, as its only link-local, a copy of
#   eth0's (nodad, deprecated: what keepalived adds); the Backup hears the
#   Master through its own VMAC (joined ff02::12 there) and stays Backup; every
#   advert on the wire has Ethernet source 00:00:5e:00:02:33 and IPv6 source
#   the sender's eth0 link-local (none leaves from eth0's MAC); the Master's
#   unsolicited NAs for the VIP come from the virtual MAC with Target-LL =
#   virtual MAC; the client's neighbour solicitation is answered with the
#   virtual MAC and ping6 works; after SIGTERM of the Master r2 holds the VIP
#   on its vrrp.51, sends the adverts (same MAC, its own link-local), the
#   client's entry keeps the virtual MAC, a fresh NS is again answered by the
#   virtual MAC (only r2 can: r1's VMAC is gone); vrrpd removes vrrp.51 at exit.
# xmit (both ways round, vmac_xmit_base on both): adverts leave eth0 (its MAC
#   and link-local), VIP still on vrrp.51 answering with the virtual MAC, the
#   Backup stays Backup, failover keeps the client's entry.
# bridgemode (why the VMAC is private, keepalived 2.2.7's choice, see
#   acassen/keepalived#1209): keepalived r1 Master, r2 (keepalived, then vrrpd)
#   Backup; r2's running vrrp.51 is switched to macvlan mode bridge (`ip link
#   set vrrp.51 type macvlan mode bridge`) and back. The kernel's macvlan
#   driver hands a multicast frame whose source MAC is one of its macvlans'
#   own only to that macvlan when it is private (or passthru); in bridge/VEPA
#   mode it skips that macvlan. The Master's adverts carry the same virtual
#   MAC, so r2's bridge-mode VMAC never receives them (its eth0 still does),
#   r2 becomes Master too (both hold the VIP); back in private mode r2 hears
#   r1 again and yields.
#
# Prints "ok - ..." / "not ok - ..." and "vrrpd_vmac6: N passed, N failed".
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"

tn_init vmac6
tn_require_root
tn_require_tool ip keepalived ping tcpdump tshark
VRRPD=${VRRPD:-$HERE/../target/debug/vrrpd}
[ -x "$VRRPD" ] || tn_skip "vrrpd binary not found at $VRRPD (set VRRPD=...)"
VMAC=00:00:5e:00:02:33
VIP=fd00:78::100

# ---- helpers --------------------------------------------------------------------
is_private_macvlan() { ip -n "$1" -d -o link show "$2" 2>/dev/null | grep -q 'macvlan mode private'; }
no_link() { ! ip -n "$1" link show "$2" >/dev/null 2>&1; }
# link_local NS IF: IF's link-local address(es), comma-separated.
link_local() { ip -n "$1" -6 -o addr show dev "$2" scope link 2>/dev/null | awk '{print $4}' | cut -d/ -f1 | paste -sd,; }
# ll_flags NS IF ADDR: the flags `ip` prints after ADDR's scope.
ll_line() { ip -n "$1" -6 -o addr show dev "$2" scope link 2>/dev/null | grep -F " $3/"; }
eq() { [ "$1" = "$2" ]; }
ping6_ok() { ip netns exec "$1" ping -6 -c 1 -W 1 "$2" >/dev/null 2>&1; }
joined_12() { ip -n "$1" -6 maddr show dev "$2" 2>/dev/null | grep -q 'ff02::12'; }
never_master() { ! grep -qE 'to="MASTER"|Entering MASTER' "$1"; }
# fields NAME FILTER FIELD...: tshark fields of the capture, one packet a line.
fields() {
    local name=$1 filter=$2; shift 2
    local args=() f
    for f in "$@"; do args+=(-e "$f"); done
    tshark -r "$TN_DIR/$name.pcap" -Y "$filter" -T fields -E separator=' ' "${args[@]}" 2>/dev/null
}
# distinct LINES: sorted distinct lines joined with ';'.
distinct() { sort -u | paste -sd';'; }
count() { wc -l | tr -d ' '; }

conf6() { # FILE PRIO [EXTRA]
    cat >"$1" <<CONF
global_defs {
    router_id r$2
    vrrp_garp_master_delay 1
}
vrrp_instance V6 {
    state BACKUP
    interface eth0
    use_vmac
${3:-}
    virtual_router_id 51
    priority $2
    advert_int 0.5
    virtual_ipaddress {
        $VIP/64
    }
}
CONF
}

both_ways() {
    echo "# --- $1: vrrpd = r1 (priority 150), keepalived = r2 (100)"
    "$1" vr ka "${1#sc_}_v"
    echo "# --- $1: keepalived = r1 (priority 150), vrrpd = r2 (100)"
    "$1" ka vr "${1#sc_}_k"
}

# topology RUN: sets br r1 r2 c and the routers' eth0 link-locals/MACs.
topology() {
    local run=$1
    br=$(tn_ns "$run-br"); r1=$(tn_ns "$run-r1"); r2=$(tn_ns "$run-r2"); c=$(tn_ns "$run-c")
    tn_lan "$br" eth0 "$r1" "$r2" "$c"
    tn_addr "$c" eth0 fd00:78::9/64
    tn_wait_ready "$r1" eth0; tn_wait_ready "$r2" eth0; tn_wait_ready "$c" eth0
    ll1=$(link_local "$r1" eth0); ll2=$(link_local "$r2" eth0)
    mac1=$(tn_link_mac "$r1" eth0); mac2=$(tn_link_mac "$r2" eth0)
}

# ---- IPv6 use_vmac, adverts from the VMAC ------------------------------------------
sc_vmac6() {
    local hi=$1 lo=$2 run=$3 br r1 r2 c ll1 ll2 mac1 mac2 adv na
    topology "$run"
    conf6 "$TN_DIR/$run-hi.conf" 150
    conf6 "$TN_DIR/$run-lo.conf" 100
    tn_capture_start "$run" "$br" br0 ip6
    tn_router_up "${run}_hi" "$r1" "$TN_DIR/$run-hi.conf" "$hi"
    tn_check "[$run] r1 ($hi) Master: VIP on its vrrp.51" tn_wait_addr "$r1" vrrp.51 $VIP 8
    tn_router_up "${run}_lo" "$r2" "$TN_DIR/$run-lo.conf" "$lo"
    tn_check "[$run] r2 ($lo) made vrrp.51 and joined ff02::12 on it" tn_wait_for 5 joined_12 "$r2" vrrp.51
    sleep 2.5
    tn_check "[$run] r2 ($lo) hears r1 through the VMACs: never Master" never_master "$TN_DIR/${run}_lo.log"
    tn_check "[$run] r1's vrrp.51 is a private macvlan with $VMAC" eval 'is_private_macvlan "$r1" vrrp.51 && eq "$(tn_link_mac "$r1" vrrp.51)" $VMAC'
    tn_check "[$run] r2's vrrp.51 is a private macvlan with $VMAC" eval 'is_private_macvlan "$r2" vrrp.51 && eq "$(tn_link_mac "$r2" vrrp.51)" $VMAC'
    tn_check "[$run] r1's vrrp.51: only link-local is eth0's ($(link_local "$r1" vrrp.51) = $ll1)" eq "$(link_local "$r1" vrrp.51)" "$ll1"
    tn_check "[$run] r2's vrrp.51: only link-local is eth0's ($(link_local "$r2" vrrp.51) = $ll2)" eq "$(link_local "$r2" vrrp.51)" "$ll2"
    tn_check "[$run] ... added nodad and deprecated on both (as keepalived does): $(ll_line "$r1" vrrp.51 "$ll1" | grep -o 'scope.*')" \
        eval 'll_line "$r1" vrrp.51 "$ll1" | grep -q "nodad.*deprecated" && ll_line "$r2" vrrp.51 "$ll2" | grep -q "nodad.*deprecated"'
    tn_check "[$run] VIP not on r2 ($lo, Backup)" eval '! tn_has_addr "$r2" vrrp.51 $VIP && ! tn_has_addr "$r2" eth0 $VIP'
    ip -n "$c" neigh flush dev eth0
    tn_check "[$run] client pings the VIP" tn_wait_for 3 ping6_ok "$c" $VIP
    tn_check "[$run] client resolved the VIP to the virtual MAC ($(tn_neigh_mac "$c" eth0 $VIP))" eq "$(tn_neigh_mac "$c" eth0 $VIP)" $VMAC
    # Failover: SIGTERM the Master.
    tn_router_down "${run}_hi"
    tn_check "[$run] r2 ($lo) takes over: VIP on its vrrp.51" tn_wait_addr "$r2" vrrp.51 $VIP 5
    tn_check "[$run] r1's vrrp.51 is gone" tn_wait_for 3 no_link "$r1" vrrp.51
    tn_check "[$run] the VIP answers ping6 after failover" tn_wait_for 3 ping6_ok "$c" $VIP
    tn_check "[$run] client's entry still has the virtual MAC ($(tn_neigh_mac "$c" eth0 $VIP))" eq "$(tn_neigh_mac "$c" eth0 $VIP)" $VMAC
    ip -n "$c" neigh flush dev eth0
    tn_check "[$run] a fresh NS from the client gets the virtual MAC from r2" eval 'ping6_ok "$c" $VIP && eq "$(tn_neigh_mac "$c" eth0 $VIP)" $VMAC'
    sleep 1.2 # a couple of r2's adverts on the wire
    tn_router_down "${run}_lo"
    tn_check "[$run] r2's vrrp.51 removed at its SIGTERM" tn_wait_for 3 no_link "$r2" vrrp.51
    tn_capture_stop "$run"
    # The wire.
    adv=$(fields "$run" 'vrrp.virt_rtr_id == 51 && vrrp.prio > 0' eth.src ipv6.src vrrp.prio)
    tn_check "[$run] r1's adverts (prio 150): $(grep -c ' 150$' <<<"$adv") seen, all from $VMAC / $ll1" \
        eval '[ "$(grep -c " 150$" <<<"$adv")" -ge 4 ] && eq "$(grep " 150$" <<<"$adv" | distinct)" "$VMAC $ll1 150"'
    tn_check "[$run] r2's adverts after failover (prio 100): $(grep -c ' 100$' <<<"$adv") seen, all from $VMAC / $ll2" \
        eval '[ "$(grep -c " 100$" <<<"$adv")" -ge 2 ] && eq "$(grep " 100$" <<<"$adv" | distinct)" "$VMAC $ll2 100"'
    tn_check "[$run] no advert from an eth0 MAC" eval '! grep -qE "^($mac1|$mac2) " <<<"$adv"'
    tn_check "[$run] priority-0 adverts at SIGTERM also from the VMAC: $(fields "$run" 'vrrp.virt_rtr_id == 51 && vrrp.prio == 0' eth.src ipv6.src | distinct)" \
        eq "$(fields "$run" 'vrrp.virt_rtr_id == 51 && vrrp.prio == 0' eth.src ipv6.src | distinct)" "$(printf '%s\n' "$VMAC $ll1" "$VMAC $ll2" | distinct)"
    na=$(fields "$run" "icmpv6.type == 136 && ipv6.dst == ff02::1 && icmpv6.nd.na.target_address == $VIP" eth.src ipv6.src icmpv6.opt.linkaddr)
    tn_check "[$run] unsolicited NAs for the VIP ($(count <<<"$na")): from $VMAC, source the VIP, Target-LL $VMAC" \
        eval '[ "$(count <<<"$na")" -ge 2 ] && eq "$(distinct <<<"$na")" "$VMAC $VIP $VMAC"'
    na=$(fields "$run" "icmpv6.type == 136 && ipv6.dst == fd00:78::9 && icmpv6.nd.na.target_address == $VIP" eth.src icmpv6.opt.linkaddr)
    tn_check "[$run] solicited NAs for the VIP ($(count <<<"$na"), before and after failover): all $VMAC, Target-LL $VMAC" \
        eval '[ "$(count <<<"$na")" -ge 2 ] && eq "$(distinct <<<"$na")" "$VMAC $VMAC"'
    tn_teardown "$r1" "$r2" "$c" "$br"
}

# ---- vmac_xmit_base: adverts from the parent -------------------------------------
sc_xmit() {
    local hi=$1 lo=$2 run=$3 br r1 r2 c ll1 ll2 mac1 mac2 adv
    topology "$run"
    conf6 "$TN_DIR/$run-hi.conf" 150 "    vmac_xmit_base"
    conf6 "$TN_DIR/$run-lo.conf" 100 "    vmac_xmit_base"
    tn_capture_start "$run" "$br" br0 ip6
    tn_router_up "${run}_hi" "$r1" "$TN_DIR/$run-hi.conf" "$hi"
    tn_check "[$run] r1 ($hi) Master: VIP on its vrrp.51" tn_wait_addr "$r1" vrrp.51 $VIP 8
    tn_router_up "${run}_lo" "$r2" "$TN_DIR/$run-lo.conf" "$lo"
    tn_check "[$run] r2 ($lo) made vrrp.51" tn_wait_for 5 eval 'eq "$(tn_link_mac "$r2" vrrp.51)" $VMAC'
    sleep 2.5
    tn_check "[$run] r2 ($lo) hears r1 on eth0: never Master" never_master "$TN_DIR/${run}_lo.log"
    ip -n "$c" neigh flush dev eth0
    tn_check "[$run] client pings the VIP, resolved to the virtual MAC" eval 'tn_wait_for 3 ping6_ok "$c" $VIP && eq "$(tn_neigh_mac "$c" eth0 $VIP)" $VMAC'
    tn_router_down "${run}_hi"
    tn_check "[$run] r2 ($lo) takes over: VIP on its vrrp.51" tn_wait_addr "$r2" vrrp.51 $VIP 5
    tn_check "[$run] the VIP answers ping6 after failover, same MAC" eval 'tn_wait_for 3 ping6_ok "$c" $VIP && eq "$(tn_neigh_mac "$c" eth0 $VIP)" $VMAC'
    sleep 1.2
    tn_router_down "${run}_lo"
    tn_capture_stop "$run"
    adv=$(fields "$run" 'vrrp.virt_rtr_id == 51 && vrrp.prio > 0' eth.src ipv6.src vrrp.prio)
    tn_check "[$run] r1's adverts: $(grep -c ' 150$' <<<"$adv") seen, all from eth0 ($mac1 / $ll1)" \
        eval '[ "$(grep -c " 150$" <<<"$adv")" -ge 4 ] && eq "$(grep " 150$" <<<"$adv" | distinct)" "$mac1 $ll1 150"'
    tn_check "[$run] r2's adverts: $(grep -c ' 100$' <<<"$adv") seen, all from eth0 ($mac2 / $ll2)" \
        eval '[ "$(grep -c " 100$" <<<"$adv")" -ge 2 ] && eq "$(grep " 100$" <<<"$adv" | distinct)" "$mac2 $ll2 100"'
    tn_teardown "$r1" "$r2" "$c" "$br"
}

# ---- macvlan mode bridge (why the VMAC is private) ------------------------------------
# vrps NAME NS IF SECS ADDR: VRRP adverts from ADDR seen on NS/IF in SECS seconds.
vrps() {
    local name=$1 ns=$2 ifname=$3 secs=$4 addr=$5
    tn_capture_start "$name" "$ns" "$ifname" ip6 and ip6 proto 112
    sleep "$secs"
    tn_capture_stop "$name"
    fields "$name" "vrrp.virt_rtr_id == 51 && ipv6.src == $addr" frame.number | count
}
master_v6() { tn_has_addr "$1" vrrp.51 $VIP; }
sc_bridgemode() {
    local lo=$1 run=bridgemode_$1 br r1 r2 c ll1 ll2 mac1 mac2 n
    echo "# --- sc_bridgemode: keepalived = r1 (Master, 150), $lo = r2 (Backup, 100); r2's vrrp.51 switched to mode bridge and back"
    topology "$run"
    conf6 "$TN_DIR/$run-hi.conf" 150
    conf6 "$TN_DIR/$run-lo.conf" 100
    tn_router_up "${run}_hi" "$r1" "$TN_DIR/$run-hi.conf" ka
    tn_wait_addr "$r1" vrrp.51 $VIP 8 || true
    tn_router_up "${run}_lo" "$r2" "$TN_DIR/$run-lo.conf" "$lo"
    tn_wait_for 5 joined_12 "$r2" vrrp.51 || true
    sleep 1
    n=$(vrps "${run}_p" "$r2" vrrp.51 2 "$ll1")
    tn_check "[$run] mode private: r2's vrrp.51 receives r1's adverts ($n in 2 s), r2 Backup" eval '[ "$n" -ge 3 ] && ! master_v6 "$r2"'
    ip -n "$r2" link set vrrp.51 type macvlan mode bridge
    tn_check "[$run] r2's vrrp.51 now in mode bridge" eval 'ip -n "$r2" -d -o link show vrrp.51 | grep -q "macvlan mode bridge"'
    n=$(vrps "${run}_b" "$r2" vrrp.51 3 "$ll1")
    tn_check "[$run] mode bridge: r2's vrrp.51 receives none of r1's adverts ($n in 3 s)" eq "$n" 0
    n=$(vrps "${run}_e" "$r2" eth0 1 "$ll1")
    tn_check "[$run] ... while r2's eth0 still gets them ($n in 1 s)" eval '[ "$n" -ge 1 ]'
    tn_check "[$run] ... so r2 ($lo) becomes Master too: both hold the VIP" eval 'master_v6 "$r2" && master_v6 "$r1"'
    ip -n "$r2" link set vrrp.51 type macvlan mode private
    tn_check "[$run] back to mode private: r2 hears r1 again and releases the VIP" tn_wait_for 4 eval '! master_v6 "$r2"'
    tn_check "[$run] ... r1 Master throughout" master_v6 "$r1"
    tn_router_down "${run}_hi"; tn_router_down "${run}_lo"
    tn_teardown "$r1" "$r2" "$c" "$br"
}

scenarios=${*:-vmac6 xmit bridgemode}
for s in $scenarios; do
    case $s in
        bridgemode) sc_bridgemode ka; sc_bridgemode vr ;;
        *) both_ways "sc_$s" ;;
    esac
done
tn_summary vrrpd_vmac6
