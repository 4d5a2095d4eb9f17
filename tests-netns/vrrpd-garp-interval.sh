#!/usr/bin/env bash
# GARP / unsolicited NA spacing on becoming Master: `vrrp_garp_interval`
# and `vrrp_gna_interval` set a minimum gap between two GARPs (two NAs) on one
# interface; the burst of `garp_master_repeat` rounds is spread out, not sent
# back to back. Checked on the wire for keepalived 2.2.7 (the reference) and
# vrrpd with the same config, and for vrrpd without the intervals (the burst
# goes at once).
#
# usage: VRRPD=target/release/vrrpd tests-netns/vrrpd-garp-interval.sh
#
# Topology: r1 (the router, 10.79.0.1/16) -- veth -- r2 (capture). Config: two
# instances in state MASTER, one IPv4 with 2 VIPs, one IPv6 with 1 VIP,
# garp_master_repeat 5, garp_master_delay 0 (no second burst). Without the
# intervals that is 10 GARPs and 5 NAs at once; with them keepalived sends an
# address's packet at once or queues it once (its per-address pending flag), so
# 3 GARPs and 2 NAs, GARP_MS / GNA_MS apart at least.
# Prints "ok - ..." / "not ok - ..." and "vrrpd_garp_interval: N passed, N failed".
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"

tn_init garp
tn_require_root
tn_require_tool ip keepalived tcpdump
VRRPD=${VRRPD:-$HERE/../target/release/vrrpd}
[ -x "$VRRPD" ] || tn_skip "vrrpd binary not found at $VRRPD (set VRRPD=...)"
GARP_MS=50
GNA_MS=30
VIP_A=10.79.0.100
VIP_B=10.79.0.101
VIP6=fd00:79::100

check() { # DESCRIPTION CMD...
    local d=$1; shift
    if "$@"; then echo "ok - $d"; TN_PASS=$((TN_PASS + 1)); else echo "not ok - $d"; TN_FAIL=$((TN_FAIL + 1)); fi
}

conf() { # FILE WITH_INTERVALS(0|1)
    {
        printf 'global_defs {\n    router_id garp\n    vrrp_garp_master_delay 0\n    vrrp_garp_master_repeat 5\n'
        [ "$2" = 1 ] && printf '    vrrp_garp_interval 0.%03d\n    vrrp_gna_interval 0.%03d\n' "$GARP_MS" "$GNA_MS"
        printf '}\n'
        cat <<CONF
vrrp_instance V4 {
    state MASTER
    interface eth0
    virtual_router_id 51
    version 3
    priority 100
    advert_int 0.5
    virtual_ipaddress {
        $VIP_A/16 dev eth0
        $VIP_B/16 dev eth0
    }
}
vrrp_instance V6 {
    state MASTER
    interface eth0
    virtual_router_id 52
    version 3
    priority 100
    advert_int 0.5
    virtual_ipaddress {
        $VIP6/64 dev eth0
    }
}
CONF
    } >"$1"
}

R1=$(tn_ns r1)
R2=$(tn_ns r2)
tn_link "$R1" eth0 "$R2" eth0
tn_addr "$R1" eth0 10.79.0.1/16
tn_addr "$R2" eth0 10.79.0.2/16
tn_wait_ready "$R1" eth0
tn_wait_ready "$R2" eth0

# times NAME KIND(garp|na): capture timestamps (s) of our GARPs or NAs, one a line.
times() {
    case $2 in
        garp) tn_capture_text "$1" -tt arp | awk '/who-has 10\.79\.0\.10[01] .*tell 10\.79\.0\.10[01]/ { print $1 }' ;;
        na) tn_capture_text "$1" -tt icmp6 | awk '/neighbor advertisement, tgt is fd00:79::100/ { print $1 }' ;;
    esac
}
count() { wc -l | tr -d ' '; }
# min_gap_ms / span_ms: smallest gap between consecutive lines, and last - first (ms).
min_gap_ms() { awk 'NR > 1 { g = ($1 - p) * 1000; if (m == "" || g < m) m = g } { p = $1 } END { printf "%.3f\n", (m == "" ? 0 : m) }'; }
span_ms() { awk 'NR == 1 { f = $1 } { l = $1 } END { printf "%.3f\n", (NR ? (l - f) * 1000 : 0) }'; }
ge() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a >= b) }'; }
lt() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a < b) }'; }

run() { # IMPL(ka|vr) WITH_INTERVALS(0|1)
    local impl=$1 with=$2 name="$1-$2"
    conf "$TN_DIR/$name.conf" "$with"
    tn_capture_start "$name" "$R2" eth0 arp or icmp6
    case $impl in
        ka) tn_keepalived_start "$name" "$R1" "$TN_DIR/$name.conf" ;;
        vr) tn_bg "$name" "$R1" "$VRRPD" -D -f "$TN_DIR/$name.conf" -p "$TN_DIR/$name.pid" --socket "$TN_DIR/$name.sock" ;;
    esac
    tn_wait_addr "$R1" eth0 "$VIP_A" 10 || tn_log "$name: $VIP_A not added"
    tn_wait_addr "$R1" eth0 "$VIP6" 10 || tn_log "$name: $VIP6 not added"
    # 10 GARPs at 50 ms take 450 ms, 5 NAs at 30 ms 120 ms.
    sleep "${GARP_WAIT:-1.5}"
    tn_capture_stop "$name"
    local p t=0
    p=$(ip netns pids "$R1")
    [ -z "$p" ] || kill -TERM $p 2>/dev/null
    while [ -n "$(ip netns pids "$R1")" ] && [ $t -lt 100 ]; do sleep 0.05; t=$((t + 1)); done
    p=$(ip netns pids "$R1")
    [ -z "$p" ] || kill -KILL $p 2>/dev/null
    ip -n "$R1" addr flush dev eth0 scope global 2>/dev/null
    tn_addr "$R1" eth0 10.79.0.1/16
}

for impl in ka vr; do
    run "$impl" 1
    g=$(times "$impl-1" garp | count)
    n=$(times "$impl-1" na | count)
    gg=$(times "$impl-1" garp | min_gap_ms)
    ng=$(times "$impl-1" na | min_gap_ms)
    gs=$(times "$impl-1" garp | span_ms)
    tn_log "$impl with intervals: $g GARPs, min gap $gg ms, span $gs ms; $n NAs, min gap $ng ms"
    # keepalived queues an address at most once while it waits (its
    # garp_gna_pending flag): 5 rounds over VIP_A, VIP_B collapse to A at
    # once, then B and A one interval apart each; the one NA VIP to 2 NAs.
    check "$impl: 3 GARPs for 5 rounds x 2 VIPs with an interval ($g)" [ "$g" = 3 ]
    check "$impl: 2 NAs for 5 rounds x 1 VIP with an interval ($n)" [ "$n" = 2 ]
    # 0.5 ms allowance for capture timestamp jitter.
    check "$impl: GARPs at least vrrp_garp_interval $GARP_MS ms apart (min $gg ms)" ge "$gg" "$((GARP_MS - 1)).5"
    check "$impl: NAs at least vrrp_gna_interval $GNA_MS ms apart (min $ng ms)" ge "$ng" "$((GNA_MS - 1)).5"
    check "$impl: the GARPs are spread over >= 2 intervals (span $gs ms)" ge "$gs" "$((2 * GARP_MS - 1)).5"
done

run vr 0
g=$(times vr-0 garp | count)
gs=$(times vr-0 garp | span_ms)
n=$(times vr-0 na | count)
tn_log "vr without intervals: $g GARPs, span $gs ms; $n NAs"
check "vr without intervals: 10 GARPs ($g) and 5 NAs ($n)" test "$g" = 10 -a "$n" = 5
check "vr without intervals: all 10 GARPs go at once (span $gs ms < $GARP_MS ms)" lt "$gs" "$GARP_MS"

echo "vrrpd_garp_interval: $TN_PASS passed, $TN_FAIL failed"
[ "$TN_FAIL" = 0 ]
