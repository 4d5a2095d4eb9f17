#!/usr/bin/env bash
# use_vmac sysctls shared by several VMACs (docs/keepalived.md §3.13,
# vrrp_if_config.c reset_arp_config count), vrrpd alone in a namespace.
#
# usage: VRRPD=target/debug/vrrpd tests-netns/vrrpd-vmac-sysctls.sh
#
# r (eth0, veth to b) runs VI_51 and VI_52, both use_vmac on eth0, with
# all.rp_filter=2 before start. Checks: both VMACs up, eth0 arp_ignore=1
# arp_filter=1, all.rp_filter 0 with its old value copied onto eth0 and lo;
# SIGHUP dropping VI_51: vrrp.51 gone, eth0's and all's settings kept for
# vrrp.52; SIGHUP without any use_vmac: everything back to the values before
# start while vrrpd runs; SIGHUP with both again, then SIGTERM: no VMAC left and
# every sysctl as before start.
#
# Prints "ok - ..." / "not ok - ..." and "vrrpd_vmac_sysctls: N passed, N failed".
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"

tn_init vmacsys
tn_require_root
tn_require_tool ip
VRRPD=${VRRPD:-$HERE/../target/debug/vrrpd}
[ -x "$VRRPD" ] || tn_skip "vrrpd binary not found at $VRRPD (set VRRPD=...)"

r=$(tn_ns r); b=$(tn_ns b)
tn_link "$r" eth0 "$b" eth0
tn_addr "$r" eth0 10.77.0.1/24
ip netns exec "$r" sysctl -qw net.ipv4.conf.all.rp_filter=2 net.ipv4.conf.eth0.rp_filter=0 \
    net.ipv4.conf.lo.rp_filter=0 net.ipv4.conf.eth0.arp_ignore=0 net.ipv4.conf.eth0.arp_filter=0

sysctl_of() { ip netns exec "$r" cat "/proc/sys/net/ipv4/conf/$1/$2"; }
# state: eth0 arp_ignore arp_filter rp_filter, lo rp_filter, all rp_filter.
state() { echo "$(sysctl_of eth0 arp_ignore)$(sysctl_of eth0 arp_filter)$(sysctl_of eth0 rp_filter)$(sysctl_of lo rp_filter)$(sysctl_of all rp_filter)"; }
has_link() { ip -n "$r" link show "$1" >/dev/null 2>&1; }
no_link() { ! has_link "$1"; }
reloads() { grep -c "configuration reloaded" "$TN_DIR/r.log" 2>/dev/null; }
more_reloads() { [ "$(reloads)" -gt "$1" ]; }
wait_for() { tn_wait_for "$@"; }
eq() { [ "$1" = "$2" ]; }

instance() { # VRID USE_VMAC(yes|no)
    local use=""
    [ "$2" = no ] || use="use_vmac"
    cat <<CONF
vrrp_instance VI_$1 {
    state BACKUP
    interface eth0
    $use
    virtual_router_id $1
    priority 100
    advert_int 0.5
    virtual_ipaddress {
        10.77.0.$1
    }
}
CONF
}
conf() { # INSTANCES...: "51" / "52" with VMAC, "51n" without
    { echo "global_defs { router_id r }"
      local i
      for i in "$@"; do
          case $i in *n) instance "${i%n}" no ;; *) instance "$i" yes ;; esac
      done
    } >"$TN_DIR/r.conf"
}
# hup: SIGHUP and wait for the reload to finish.
hup() {
    local n; n=$(reloads)
    kill -HUP "$PID"
    wait_for 5 more_reloads "$n"
}

before=$(state)
tn_check "before start: eth0 00 0, lo 0, all.rp_filter 2 ($before)" eq "$before" 00002
conf 51 52
tn_bg r "$r" "$VRRPD" -D -f "$TN_DIR/r.conf" -p "$TN_DIR/r.pid" \
    --socket "$TN_DIR/r.sock" --dump-file "$TN_DIR/r.dump"
PID=$TN_LAST_PID
tn_check "vrrp.51 and vrrp.52 created" wait_for 5 eval 'has_link vrrp.51 && has_link vrrp.52'
tn_check "both Master with their VIPs" eval 'tn_wait_addr "$r" vrrp.51 10.77.0.51 5 && tn_wait_addr "$r" vrrp.52 10.77.0.52 5'
tn_check "running: eth0 arp_ignore=1 arp_filter=1 rp_filter=2, lo 2, all 0 ($(state))" eq "$(state)" 11220

conf 52
tn_check "SIGHUP dropping VI_51: reload done" hup
tn_check "... vrrp.51 removed" wait_for 5 no_link vrrp.51
tn_check "... vrrp.52 still there with its VIP" eval 'has_link vrrp.52 && tn_has_addr "$r" vrrp.52 10.77.0.52'
tn_check "... eth0's and all's settings kept for vrrp.52 ($(state))" eq "$(state)" 11220

conf 51n 52n
tn_check "SIGHUP without use_vmac: reload done" hup
tn_check "... no VMAC left" wait_for 5 eval 'no_link vrrp.51 && no_link vrrp.52'
tn_check "... every sysctl as before start ($(state))" eq "$(state)" "$before"

conf 51 52
tn_check "SIGHUP with both VMACs again: reload done" hup
tn_check "... both VMACs back with their VIPs" eval 'tn_wait_addr "$r" vrrp.51 10.77.0.51 5 && tn_wait_addr "$r" vrrp.52 10.77.0.52 5'
tn_check "... settings applied again ($(state))" eq "$(state)" 11220

kill -TERM "$PID"
tn_check "SIGTERM: vrrpd exits" wait_for 6 eval '! kill -0 $PID 2>/dev/null'
wait "$PID" 2>/dev/null
tn_check "... no VMAC left" eval 'no_link vrrp.51 && no_link vrrp.52'
tn_check "... every sysctl as before start ($(state))" eq "$(state)" "$before"

tn_summary vrrpd_vmac_sysctls
