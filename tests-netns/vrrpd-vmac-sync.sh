#!/usr/bin/env bash
# use_vmac and vrrp_sync_group at runtime, vrrpd against keepalived 2.2.7 in
# network namespaces. Every scenario runs both ways round: vrrpd as
# the higher-priority router r1 against keepalived as r2, then the reverse.
#
# usage: VRRPD=target/debug/vrrpd tests-netns/vrrpd-vmac-sync.sh [vmac|vmac6|sync]...
#
# vmac: r1, r2 and a client c on one bridge (10.78.0.0/24); VRID 51 with
#   use_vmac, VIP 10.78.0.100. Checks: the Master's vrrp.51 is a macvlan with
#   00:00:5e:00:01:33 holding the VIP; the client resolves the VIP to that MAC
#   and pings it; after SIGTERM of the Master the other router holds the VIP on
#   its own vrrp.51, the client's neighbour entry keeps the same MAC, the VIP
#   answers ping, and a fresh ARP again answers with the virtual MAC; a vrrpd
#   that stops leaves no vrrp.51 and its sysctls restored. vrrpd only: a stale
#   macvlan of the same name (our MAC and parent) is replaced, a non-macvlan or
#   a macvlan with another MAC of that name refused;
#   SIGHUP keeps the VMAC, removes it when use_vmac goes, makes it again.
# vmac6 (vrrpd alone): an IPv6 instance's VMAC is named vrrp.51 (keepalived
#   2.2.7's default), has 00:00:5e:00:02:33 and, as its only link-local, eth0's
#   (as keepalived adds it); removed at SIGTERM. vrrpd-vmac6.sh runs IPv6
#   use_vmac against keepalived.
# sync: r1 and r2 on two bridges (eth0 10.79.0.0/24, eth1 10.79.1.0/24);
#   VI_A (eth0, VRID 61) and VI_B (eth1, VRID 62) in sync group G with group
#   notify scripts appending their arguments to a file. r1's eth1 down: both
#   VIPs move to r2 together (VI_A follows VI_B into Fault); eth1 up: both come
#   back (preempt); the group scripts ran with keepalived's arguments; r1's
#   eth2, tracked by the group only, going down moves both too.
#
# Prints "ok - ..." / "not ok - ..." and "vrrpd_vmac_sync: N passed, N failed".
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"

tn_init vmacsync
tn_require_root
tn_require_tool ip keepalived ping arping
VRRPD=${VRRPD:-$HERE/../target/debug/vrrpd}
[ -x "$VRRPD" ] || tn_skip "vrrpd binary not found at $VRRPD (set VRRPD=...)"
VMAC=00:00:5e:00:01:33

# ---- helpers (tests-netns/lib.sh) -------------------------------------------------
router_up() { tn_router_up "$@"; eval "PID_$1=\$(tn_router_pid $1)"; }
router_down() { tn_router_down "$1"; eval "PID_$1="; }
teardown() { tn_teardown "$@"; }
link_index() { ip -n "$1" -o link show "$2" 2>/dev/null | cut -d: -f1; }
link_mac() { tn_link_mac "$@"; }
is_macvlan() { ip -n "$1" -d -o link show "$2" 2>/dev/null | grep -q 'macvlan mode'; }
no_link() { ! ip -n "$1" link show "$2" >/dev/null 2>&1; }
neigh_mac() { tn_neigh_mac "$@"; }
eq() { [ "$1" = "$2" ]; }
wait_for() { tn_wait_for "$@"; }
# arp_replies NS ADDR: the distinct MACs answering ARP for ADDR from NS's eth0.
arp_replies() { ip netns exec "$1" arping -c 2 -w 2 -i eth0 "$2" 2>/dev/null | sed -n 's/.* from \([0-9a-f:]*\) .*/\1/p' | sort -u | paste -sd,; }
# reloads LOG: how many reloads the vrrpd writing LOG has finished.
reloads() { grep -c "configuration reloaded" "$1" 2>/dev/null; }
# more_reloads LOG N: more than N finished.
more_reloads() { [ "$(reloads "$1")" -gt "$2" ]; }
pings() { ip netns exec "$1" ping -c 1 -W 1 "$2" >/dev/null 2>&1; }
sysctl_of() { ip netns exec "$1" cat "/proc/sys/net/ipv4/conf/$2/$3"; }
both_ways() {
    echo "# --- $1: vrrpd = r1 (priority 150), keepalived = r2 (100)"
    "$1" vr ka "${1#sc_}_v"
    echo "# --- $1: keepalived = r1 (priority 150), vrrpd = r2 (100)"
    "$1" ka vr "${1#sc_}_k"
}

# ---- use_vmac ---------------------------------------------------------------------
vmac_conf() { # FILE PRIO [USE_VMAC_ARGS | none]
    local use="use_vmac ${3:-}"
    [ "${3:-}" != none ] || use=""
    cat >"$1" <<CONF
global_defs {
    router_id r$2
    vrrp_garp_master_delay 1
}
vrrp_instance VI_51 {
    state BACKUP
    interface eth0
    $use
    virtual_router_id 51
    version 3
    priority $2
    advert_int 0.5
    virtual_ipaddress {
        10.78.0.100
    }
}
CONF
}

sc_vmac() {
    local hi=$1 lo=$2 run=$3 vip=10.78.0.100 br r1 r2 c vrns
    br=$(tn_ns "$run-br"); r1=$(tn_ns "$run-r1"); r2=$(tn_ns "$run-r2"); c=$(tn_ns "$run-c")
    tn_lan "$br" eth0 "$r1" "$r2" "$c"
    tn_addr "$r1" eth0 10.78.0.1/24; tn_addr "$r2" eth0 10.78.0.2/24; tn_addr "$c" eth0 10.78.0.9/24
    tn_wait_ready "$r1" eth0; tn_wait_ready "$r2" eth0; tn_wait_ready "$c" eth0
    if [ "$hi" = vr ]; then vrns=$r1; else vrns=$r2; fi
    # The routers know the client: their own ARP requests for it (sender
    # address = the VIP when replying from it, arp_announce 0) would otherwise
    # overwrite the client's entry for the VIP with eth0's MAC, with keepalived
    # as with vrrpd.
    ip -n "$r1" neigh replace 10.78.0.9 lladdr "$(link_mac "$c" eth0)" dev eth0 nud permanent
    ip -n "$r2" neigh replace 10.78.0.9 lladdr "$(link_mac "$c" eth0)" dev eth0 nud permanent
    # A stale macvlan of ours (our MAC, our parent), as a crashed run would leave it.
    ip -n "$vrns" link add vrrp.51 link eth0 address $VMAC type macvlan mode private
    vmac_conf "$TN_DIR/$run-hi.conf" 150
    vmac_conf "$TN_DIR/$run-lo.conf" 100
    # The Master first, then the Backup: the Backup must hear the Master's
    # adverts sent from the Master's VMAC (same source MAC as its own VMAC).
    router_up "${run}_hi" "$r1" "$TN_DIR/$run-hi.conf" "$hi"
    tn_check "[$run] r1 ($hi) Master: VIP on its vrrp.51" tn_wait_addr "$r1" vrrp.51 $vip 8
    router_up "${run}_lo" "$r2" "$TN_DIR/$run-lo.conf" "$lo"
    sleep 2.5
    tn_check "[$run] r2 ($lo) hears r1 through the VMACs: never Master" eval '! grep -qE "to=\"MASTER\"|Entering MASTER" "$TN_DIR/${run}_lo.log"'
    tn_check "[$run] r1's vrrp.51 is a macvlan with $VMAC" eval 'is_macvlan "$r1" vrrp.51 && eq "$(link_mac "$r1" vrrp.51)" $VMAC'
    tn_check "[$run] r2's vrrp.51 is a macvlan with $VMAC" wait_for 3 eval 'is_macvlan "$r2" vrrp.51 && eq "$(link_mac "$r2" vrrp.51)" $VMAC'
    tn_check "[$run] vrrpd replaced the stale vrrp.51" grep -q "removed a stale VMAC" "$TN_DIR/${run}_$([ "$hi" = vr ] && echo hi || echo lo).log"
    tn_check "[$run] VIP not on r2 ($lo, Backup)" wait_for 2 eval '! tn_has_addr "$r2" vrrp.51 $vip && ! tn_has_addr "$r2" eth0 $vip'
    tn_check "[$run] vrrpd set arp_ignore=1 arp_filter=1 on eth0" eval '[ "$(sysctl_of "$vrns" eth0 arp_ignore)$(sysctl_of "$vrns" eth0 arp_filter)" = 11 ]'
    tn_check "[$run] vrrpd set accept_local=1 arp_ignore=1 rp_filter=0 on vrrp.51" eval '[ "$(sysctl_of "$vrns" vrrp.51 accept_local)$(sysctl_of "$vrns" vrrp.51 arp_ignore)$(sysctl_of "$vrns" vrrp.51 rp_filter)" = 110 ]'
    tn_check "[$run] client pings the VIP" wait_for 3 pings "$c" $vip
    tn_check "[$run] arping the VIP: only the virtual MAC answers ($(arp_replies "$c" $vip))" eq "$(arp_replies "$c" $vip)" $VMAC
    tn_check "[$run] client resolved the VIP to the virtual MAC ($(neigh_mac "$c" eth0 $vip))" eq "$(neigh_mac "$c" eth0 $vip)" $VMAC
    # Failover: SIGTERM the Master.
    router_down "${run}_hi"
    tn_check "[$run] r2 ($lo) takes over: VIP on its vrrp.51" tn_wait_addr "$r2" vrrp.51 $vip 5
    tn_check "[$run] the VIP answers ping after failover" wait_for 3 pings "$c" $vip
    tn_check "[$run] client's entry still has the virtual MAC ($(neigh_mac "$c" eth0 $vip))" eq "$(neigh_mac "$c" eth0 $vip)" $VMAC
    tn_check "[$run] arping after failover: only the virtual MAC answers ($(arp_replies "$c" $vip))" eq "$(arp_replies "$c" $vip)" $VMAC
    ip -n "$c" neigh flush dev eth0
    tn_check "[$run] a fresh ARP from the client gets the virtual MAC from r2" eval 'pings "$c" $vip && eq "$(neigh_mac "$c" eth0 $vip)" $VMAC'
    if [ "$hi" = vr ]; then
        tn_check "[$run] vrrpd (r1) removed vrrp.51 at SIGTERM" no_link "$r1" vrrp.51
        tn_check "[$run] vrrpd (r1) restored eth0's arp_ignore/arp_filter" eval '[ "$(sysctl_of "$r1" eth0 arp_ignore)$(sysctl_of "$r1" eth0 arp_filter)" = 00 ]'
    else
        # Reload (SIGHUP), vrrpd Master: the same config keeps the VMAC as it
        # is; a config without use_vmac removes it and the VIP goes on eth0.
        local idx v="PID_${run}_lo"
        idx=$(link_index "$r2" vrrp.51)
        local log="$TN_DIR/${run}_lo.log" n
        n=$(reloads "$log")
        kill -HUP "${!v}"
        tn_check "[$run] SIGHUP, same config: reload done" wait_for 5 more_reloads "$log" "$n"
        tn_check "[$run] SIGHUP, same config: vrrp.51 kept (ifindex $idx) with the VIP" eval '[ "$(link_index "$r2" vrrp.51)" = "$idx" ] && tn_has_addr "$r2" vrrp.51 $vip'
        vmac_conf "$TN_DIR/$run-lo.conf" 100 none
        kill -HUP "${!v}"
        tn_check "[$run] SIGHUP without use_vmac: vrrp.51 removed" wait_for 5 no_link "$r2" vrrp.51
        tn_check "[$run] ... and the VIP is on eth0" tn_wait_addr "$r2" eth0 $vip 5
        vmac_conf "$TN_DIR/$run-lo.conf" 100
        kill -HUP "${!v}"
        tn_check "[$run] SIGHUP with use_vmac again: VIP back on a new vrrp.51" tn_wait_addr "$r2" vrrp.51 $vip 5
        router_down "${run}_lo"
        tn_check "[$run] vrrpd (r2) removed vrrp.51 at SIGTERM" no_link "$r2" vrrp.51
        tn_check "[$run] vrrpd (r2) restored eth0's arp_ignore/arp_filter" eval '[ "$(sysctl_of "$r2" eth0 arp_ignore)$(sysctl_of "$r2" eth0 arp_filter)" = 00 ]'
    fi
    router_down "${run}_lo"
    if [ "$hi" = vr ]; then
        # A name taken by something that is not a macvlan: refused, left alone.
        ip -n "$r1" link add vclash type bridge
        vmac_conf "$TN_DIR/$run-clash.conf" 150 vclash
        ip netns exec "$r1" "$VRRPD" -f "$TN_DIR/$run-clash.conf" -p "$TN_DIR/$run-clash.pid" \
            --socket "$TN_DIR/$run-clash.sock" --dump-file "$TN_DIR/$run-clash.dump" \
            >"$TN_DIR/$run-clash.log" 2>&1 &
        local p=$! rc
        wait_for 5 eval '! kill -0 $p 2>/dev/null'
        kill -KILL $p 2>/dev/null; wait $p; rc=$?
        tn_check "[$run] use_vmac on an existing bridge's name: vrrpd exits non-zero" eval '[ $rc -ne 0 ]'
        tn_check "[$run] ... saying why" grep -q "already exists and is a bridge link, not a macvlan" "$TN_DIR/$run-clash.log"
        tn_check "[$run] ... and leaves the bridge alone" eval 'ip -n "$r1" link show vclash >/dev/null'
        # A macvlan of that name with another MAC (another daemon's): refused too.
        ip -n "$r1" link del vclash
        ip -n "$r1" link add vclash link eth0 address 02:00:00:00:00:51 type macvlan mode private
        ip netns exec "$r1" "$VRRPD" -f "$TN_DIR/$run-clash.conf" -p "$TN_DIR/$run-clash.pid" \
            --socket "$TN_DIR/$run-clash.sock" --dump-file "$TN_DIR/$run-clash.dump" \
            >"$TN_DIR/$run-clash2.log" 2>&1 &
        p=$!
        wait_for 5 eval '! kill -0 $p 2>/dev/null'
        kill -KILL $p 2>/dev/null; wait $p; rc=$?
        tn_check "[$run] use_vmac on a foreign macvlan's name: vrrpd exits non-zero" eval '[ $rc -ne 0 ]'
        tn_check "[$run] ... saying why" grep -q "already exists as a macvlan with MAC 02:00:00:00:00:51" "$TN_DIR/$run-clash2.log"
        tn_check "[$run] ... and leaves it alone" eval '[ "$(link_mac "$r1" vclash)" = 02:00:00:00:00:51 ]'
    fi
    teardown "$r1" "$r2" "$c" "$br"
}

# ---- use_vmac, IPv6 (vrrpd alone) --------------------------------------------------
sc_vmac6() {
    local run=vmac6 r b
    echo "# --- sc_vmac6: vrrpd alone, IPv6 instance with use_vmac"
    r=$(tn_ns "$run-r"); b=$(tn_ns "$run-b")
    tn_link "$r" eth0 "$b" eth0
    tn_addr "$r" eth0 fd00:78::1/64
    tn_wait_ready "$r" eth0
    cat >"$TN_DIR/$run.conf" <<CONF
vrrp_instance V6 {
    interface eth0
    use_vmac
    virtual_router_id 51
    priority 150
    advert_int 0.5
    virtual_ipaddress {
        fd00:78::100/64
    }
}
CONF
    router_up "$run" "$r" "$TN_DIR/$run.conf" vr
    local ll
    ll=$(ip -n "$r" -6 -o addr show dev eth0 scope link | awk '{print $4}')
    tn_check "[$run] Master: VIP on vrrp.51" tn_wait_addr "$r" vrrp.51 fd00:78::100 6
    tn_check "[$run] vrrp.51 has 00:00:5e:00:02:33" eq "$(link_mac "$r" vrrp.51)" 00:00:5e:00:02:33
    tn_check "[$run] its only link-local is eth0's ($ll)" eq "$(ip -n "$r" -6 -o addr show dev vrrp.51 scope link | awk '{print $4}' | paste -sd,)" "$ll"
    router_down "$run"
    tn_check "[$run] vrrp.51 removed at SIGTERM" no_link "$r" vrrp.51
    teardown "$r" "$b"
}

# ---- sync group ---------------------------------------------------------------------
sync_conf() { # FILE PRIO NOTIFY_FILE [EXTRA_GROUP_LINES]
    local n="$TN_DIR/notify.sh $3"
    cat >"$1" <<CONF
global_defs {
    router_id r$2
    vrrp_garp_master_delay 1
}
vrrp_sync_group G {
    group {
        VI_A
        VI_B
    }
    notify_master "$n master"
    notify_backup "$n backup"
    notify_fault "$n fault"
    notify "$n"
${4:-}
}
vrrp_instance VI_A {
    state BACKUP
    interface eth0
    virtual_router_id 61
    version 3
    priority $2
    advert_int 0.5
    virtual_ipaddress {
        10.79.0.100/24
    }
}
vrrp_instance VI_B {
    state BACKUP
    interface eth1
    virtual_router_id 62
    version 3
    priority $2
    advert_int 0.5
    virtual_ipaddress {
        10.79.1.100/24
    }
}
CONF
}
# new_lines FILE FROM: lines after line FROM, joined with '|'.
new_lines() { tail -n "+$(( $2 + 1 ))" "$1" 2>/dev/null | paste -sd'|'; }
# got FILE FROM WANT: the new lines are WANT ('|'-separated) in any order
# (the specific and the generic script run concurrently, with keepalived as
# with vrrpd), and the GROUP lines in WANT's order.
got() {
    local new; new=$(new_lines "$1" "$2")
    [ "$(tr '|' '\n' <<<"$new" | sort | paste -sd'|')" = "$(tr '|' '\n' <<<"$3" | sort | paste -sd'|')" ] &&
        [ "$(tr '|' '\n' <<<"$new" | grep GROUP | paste -sd'|')" = "$(tr '|' '\n' <<<"$3" | grep GROUP | paste -sd'|')" ]
}
lines() { wc -l <"$1" 2>/dev/null || echo 0; }
has_both() { tn_has_addr "$1" eth0 10.79.0.100 && tn_has_addr "$1" eth1 10.79.1.100; }
has_none() { ! tn_has_addr "$1" eth0 10.79.0.100 && ! tn_has_addr "$1" eth1 10.79.1.100; }

sc_sync() {
    local hi=$1 lo=$2 run=$3 b0 b1 r1 r2 n1 n2 m1 m2
    b0=$(tn_ns "$run-b0"); b1=$(tn_ns "$run-b1"); r1=$(tn_ns "$run-r1"); r2=$(tn_ns "$run-r2")
    tn_lan "$b0" eth0 "$r1" "$r2"; tn_lan "$b1" eth1 "$r1" "$r2"
    tn_addr "$r1" eth0 10.79.0.1/24; tn_addr "$r2" eth0 10.79.0.2/24
    tn_addr "$r1" eth1 10.79.1.1/24; tn_addr "$r2" eth1 10.79.1.2/24
    tn_wait_ready "$r1" eth0; tn_wait_ready "$r2" eth0; tn_wait_ready "$r1" eth1; tn_wait_ready "$r2" eth1
    n1=$TN_DIR/$run-r1.notify; n2=$TN_DIR/$run-r2.notify
    # r1 also has eth2, tracked by the group (not by the instances).
    tn_link "$r1" eth2 "$b0" t2
    sync_conf "$TN_DIR/$run-hi.conf" 150 "$n1" "    track_interface {
        eth2
    }"
    sync_conf "$TN_DIR/$run-lo.conf" 100 "$n2"
    router_up "${run}_lo" "$r2" "$TN_DIR/$run-lo.conf" "$lo"
    router_up "${run}_hi" "$r1" "$TN_DIR/$run-hi.conf" "$hi"
    tn_check "[$run] r1 ($hi) holds both VIPs" wait_for 8 has_both "$r1"
    sleep 1
    tn_check "[$run] r2 ($lo) holds neither" has_none "$r2"
    # Notify scripts run detached (keepalived forks them): poll, a loaded CI
    # machine may take longer than a fixed sleep to run them.
    tn_check "[$run] r1's group scripts: master + GROUP G MASTER 0" wait_for 5 eval 'grep -qx master "$n1" && grep -qx "GROUP G MASTER 0" "$n1"'
    tn_check "[$run] r2's group scripts: backup + GROUP G BACKUP 0" wait_for 5 eval 'grep -qx backup "$n2" && grep -qx "GROUP G BACKUP 0" "$n2"'
    m1=$(lines "$n1"); m2=$(lines "$n2")
    # One link down on the Master: the whole group moves.
    ip -n "$r1" link set eth1 down
    tn_check "[$run] r1 eth1 down: r2 ($lo) takes both VIPs" wait_for 5 has_both "$r2"
    tn_check "[$run] r1 ($hi) released VI_A's VIP on the healthy eth0 too" wait_for 2 has_none "$r1"
    wait_for 5 got "$n1" "$m1" "fault|GROUP G FAULT 0" || true
    wait_for 5 got "$n2" "$m2" "master|GROUP G MASTER 0" || true
    tn_check "[$run] r1's group scripts ran for FAULT: $(new_lines "$n1" "$m1")" got "$n1" "$m1" "fault|GROUP G FAULT 0"
    tn_check "[$run] r2's group scripts ran for MASTER: $(new_lines "$n2" "$m2")" got "$n2" "$m2" "master|GROUP G MASTER 0"
    m1=$(lines "$n1"); m2=$(lines "$n2")
    # Link back: r1 preempts with both instances.
    ip -n "$r1" link set eth1 up
    tn_check "[$run] r1 eth1 up: r1 ($hi) takes both VIPs back" wait_for 8 has_both "$r1"
    tn_check "[$run] r2 ($lo) released both" wait_for 2 has_none "$r2"
    wait_for 5 got "$n1" "$m1" "backup|GROUP G BACKUP 0|master|GROUP G MASTER 0" || true
    wait_for 5 got "$n2" "$m2" "backup|GROUP G BACKUP 0" || true
    tn_check "[$run] r1's group scripts: BACKUP then MASTER: $(new_lines "$n1" "$m1")" got "$n1" "$m1" "backup|GROUP G BACKUP 0|master|GROUP G MASTER 0"
    tn_check "[$run] r2's group scripts: BACKUP: $(new_lines "$n2" "$m2")" got "$n2" "$m2" "backup|GROUP G BACKUP 0"
    # The group's track_interface: eth2 down puts every member in Fault.
    ip -n "$r1" link set eth2 down
    tn_check "[$run] group-tracked eth2 down on r1: r2 ($lo) takes both VIPs" wait_for 5 has_both "$r2"
    tn_check "[$run] ... r1 ($hi) holds neither" wait_for 2 has_none "$r1"
    ip -n "$r1" link set eth2 up
    tn_check "[$run] eth2 up: r1 ($hi) takes both back" wait_for 8 has_both "$r1"
    router_down "${run}_hi"; router_down "${run}_lo"
    teardown "$r1" "$r2" "$b0" "$b1"
}

printf '#!/bin/sh\nout=$1; shift\necho "$*" >>"$out"\n' >"$TN_DIR/notify.sh"
chmod 755 "$TN_DIR/notify.sh"
scenarios=${*:-vmac vmac6 sync}
for s in $scenarios; do
    case $s in
        vmac6) sc_vmac6 ;;
        *) both_ways "sc_$s" ;;
    esac
done
tn_summary vrrpd_vmac_sync
