#!/usr/bin/env bash
# vrrpd against keepalived 2.2.7 in network namespaces.
#
# usage: VRRPD=target/release/vrrpd tests-netns/vrrpd-interop.sh [SCENARIO...]
#   SCENARIO: election hung sigterm preempt auth ipv6 unicast reload malformed
#   track trackfile fifo scriptuser splitbrain (default: all; track = track_script /
#   track_interface, trackfile = track_file, fifo = vrrp_notify_fifo lines,
#   scriptuser = script_user + enable_script_security;
#   splitbrain = a split brain healing, also run vrrpd against vrrpd). Every scenario runs both ways round: vrrpd as the
#   higher-priority router (r1, 10.77.0.1) against keepalived as r2 (10.77.0.2),
#   then keepalived as r1 and vrrpd as r2.
#
# Topology per run: a bridge namespace joining r1, r2 and a client c (10.77.0.9)
# on one segment; VIP 10.77.0.100/24 (fd00:77::100/64 for IPv6). VRRPv3 with
# advert_int 0.5 s unless a scenario says otherwise, so
#   Master_Down_Interval(prio 100) = 3 x 0.5 + (256-100)/256 x 0.5 = 1.805 s,
#   Skew_Time(prio 100) = 0.305 s.
# Timing checks allow TOL_MS (default 600 ms) for process start, polling and
# the address monitor.
#
# Prints "ok - ..." / "not ok - ..." lines and "vrrpd_interop: N passed, N failed";
# exits 1 on any failure, 0 with a SKIPPED line when not root or a tool is missing.
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"

tn_init vrrpd
tn_require_root
tn_require_tool ip keepalived tcpdump python3
VRRPD=${VRRPD:-$HERE/../target/release/vrrpd}
[ -x "$VRRPD" ] || tn_skip "vrrpd binary not found at $VRRPD (set VRRPD=...)"
TOL_MS=${TOL_MS:-600}
VIP=10.77.0.100
VIP6=fd00:77::100

# ---- routers: one interface over keepalived and vrrpd ----------------------------------
# rt_start NAME NS CONF IMPL(ka|vr)
rt_start() {
    local name=$1 ns=$2 conf=$3 impl=$4
    eval "RT_IMPL_$name=$impl"
    case $impl in
        ka) tn_keepalived_start "$name" "$ns" "$conf" ;;
        vr)
            tn_bg "$name" "$ns" "$VRRPD" -D -f "$conf" -p "$TN_DIR/$name.pid" \
                --socket "$TN_DIR/$name.sock" --dump-file "$TN_DIR/$name.dump"
            eval "RT_PID_$name=$TN_LAST_PID"
            tn_log "vrrpd $name started in $ns (pid $TN_LAST_PID)"
            ;;
    esac
}
rt_impl() { local v="RT_IMPL_$1"; echo "${!v:-}"; }
rt_pid() {
    case $(rt_impl "$1") in
        ka) tn_keepalived_pid "$1" ;;
        vr) local v="RT_PID_$1"; echo "${!v:-}" ;;
    esac
}
rt_signal() { local p; p=$(rt_pid "$1"); [ -z "$p" ] || kill "-$2" "$p" 2>/dev/null || true; }
# rt_stop NAME: SIGTERM and wait (5 s) for the exit; the exit status is left
# in RT_RC (call directly, not in $(...), so that `wait` can reap it).
rt_stop() {
    local p t=0
    RT_RC=""
    p=$(rt_pid "$1")
    [ -n "$p" ] || return 0
    kill -TERM "$p" 2>/dev/null || true
    while kill -0 "$p" 2>/dev/null && [ $t -lt 100 ]; do
        # A zombie (exited, not reaped yet) still answers kill -0.
        [ "$(ps -o stat= -p "$p" 2>/dev/null | cut -c1)" = Z ] && break
        sleep 0.05; t=$((t + 1))
    done
    kill -KILL "$p" 2>/dev/null || true
    wait "$p" 2>/dev/null; RT_RC=$?
}
# vr_status NAME: the daemon's JSON (vrrpd only).
vr_status() { ip netns exec "$2" "$VRRPD" status --socket "$TN_DIR/$1.sock" 2>/dev/null; }
# json_get JSON PYEXPR: evaluate PYEXPR with j = parsed JSON.
json_get() { python3 -c 'import json,sys; j=json.loads(sys.argv[1]); print(eval(sys.argv[2]))' "$1" "$2" 2>/dev/null; }

# mkconf FILE PRIO [EXTRA_INSTANCE_LINES] [VERSION] [ADVERT] [VIP/PREFIX] [ROUTER_ID] [EXTRA_TOP]
mkconf() {
    local file=$1 prio=$2 extra=${3:-} version=${4:-3} advert=${5:-0.5} vip=${6:-$VIP/24} rid=${7:-r$2} top=${8:-}
    cat >"$file" <<CONF
global_defs {
    router_id $rid
    vrrp_garp_master_delay 1
}
$top
vrrp_instance VI_51 {
    state BACKUP
    interface eth0
    virtual_router_id 51
    version $version
    priority $prio
    advert_int $advert
$extra
    virtual_ipaddress {
        $vip dev eth0
    }
}
CONF
}

# ---- per-run topology ---------------------------------------------------------------
# net_up RUN [nomcast]: namespaces $RUN-{br,r1,r2,c}; sets BR R1 R2 C.
net_up() {
    BR=$(tn_ns "$1-br"); R1=$(tn_ns "$1-r1"); R2=$(tn_ns "$1-r2"); C=$(tn_ns "$1-c")
    tn_lan "$BR" eth0 "$R1" "$R2" "$C"
    if [ "${2:-}" = nomcast ]; then
        local p
        for p in p1 p2 p3; do ip -n "$BR" link set "$p" type bridge_slave mcast_flood off; done
    fi
    tn_addr "$R1" eth0 10.77.0.1/24; tn_addr "$R2" eth0 10.77.0.2/24; tn_addr "$C" eth0 10.77.0.9/24
    tn_addr "$R1" eth0 fd00:77::1/64; tn_addr "$R2" eth0 fd00:77::2/64; tn_addr "$C" eth0 fd00:77::9/64
    ip -n "$C" route add 224.0.0.0/4 dev eth0
    tn_wait_ready "$R1" eth0; tn_wait_ready "$R2" eth0; tn_wait_ready "$C" eth0
}
# net_down: stop everything in this run's namespaces and delete them.
net_down() { tn_teardown "$R1" "$R2" "$C" "$BR"; }

has() { tn_has_addr "$1" eth0 "$2"; }
hasnt() { ! tn_has_addr "$1" eth0 "$2"; }
# ms_since T0: milliseconds from T0 (tn_now) to now.
ms_since() { tn_ms_between "$1" "$(tn_now)"; }
# wait_vip NS ADDR SECS: wait for ADDR, print the ms it took from T0 (global).
took_ms() { tn_ms_between "$T0" "$(tn_now)"; }
le() { [ "$1" -le "$2" ]; }
ge() { [ "$1" -ge "$2" ]; }
# mac_of NS: MAC of eth0.
mac_of() { ip -n "$1" -o link show eth0 | sed -n 's/.*link\/ether \([0-9a-f:]*\).*/\1/p'; }
# client_mac_for ADDR: the client's neighbour entry for ADDR.
client_mac_for() { ip -n "$C" neigh show "$1" dev eth0 | awk '{for(i=1;i<NF;i++) if($i=="lladdr") print $(i+1)}'; }
no_state_change_after() { # LOGFILE MARKER_LINE_COUNT
    ! tail -n "+$(( $2 + 1 ))" "$1" | grep -qE 'state change|Entering (MASTER|BACKUP)'
}

# Both ways round: $1 = scenario function, called as FN HI_IMPL LO_IMPL TAG.
both_ways() {
    local fn=$1
    echo "# --- $fn: vrrpd = r1 (higher priority), keepalived = r2"
    "$fn" vr ka "${fn#sc_}_v"
    echo "# --- $fn: keepalived = r1 (higher priority), vrrpd = r2"
    "$fn" ka vr "${fn#sc_}_k"
}

# ---- 1. election --------------------------------------------------------------------
sc_election() {
    local hi=$1 lo=$2 run=$3
    net_up "$run"
    printf '#!/bin/sh\nout=$1; shift\necho "$*" >>"$out"\n' >"$TN_DIR/notify.sh"
    chmod 755 "$TN_DIR/notify.sh"
    mkconf "$TN_DIR/$run-hi.conf" 150 "    notify \"$TN_DIR/notify.sh $TN_DIR/$run-r1.notify\""
    mkconf "$TN_DIR/$run-lo.conf" 100 "    notify \"$TN_DIR/notify.sh $TN_DIR/$run-r2.notify\""
    mkconf "$TN_DIR/$run-eq.conf" 100 "" 3 0.5 "$VIP/24" eq
    # a) lower priority first, then the higher: the higher wins.
    rt_start "${run}_lo" "$R2" "$TN_DIR/$run-lo.conf" "$lo"
    sleep 1
    rt_start "${run}_hi" "$R1" "$TN_DIR/$run-hi.conf" "$hi"
    tn_check "[$run] priority 150 ($hi) wins over 100 ($lo) started first" tn_wait_addr "$R1" eth0 $VIP 6
    sleep 1.2
    tn_check "[$run] VIP only on r1" hasnt "$R2" $VIP
    tn_check "[$run] notify script of r1 ($hi) ran for MASTER" grep -qx "INSTANCE VI_51 MASTER 150" "$TN_DIR/$run-r1.notify"
    tn_check "[$run] notify script of r2 ($lo) ran for BACKUP" grep -qx "INSTANCE VI_51 BACKUP 100" "$TN_DIR/$run-r2.notify"
    rt_stop "${run}_hi"; rt_stop "${run}_lo"
    tn_wait_no_addr "$R1" eth0 $VIP 3; tn_wait_no_addr "$R2" eth0 $VIP 3
    # b) equal priority started together: the higher address (r2) wins. To
    #    make "together" exact, multicast between the routers is cut (bridge
    #    ports mcast_flood off) until both are Master, then restored: the two
    #    Masters hear each other and the lower address yields.
    ip -n "$BR" link set p1 type bridge_slave mcast_flood off
    ip -n "$BR" link set p2 type bridge_slave mcast_flood off
    rt_start "${run}_e1" "$R1" "$TN_DIR/$run-eq.conf" "$hi"
    rt_start "${run}_e2" "$R2" "$TN_DIR/$run-eq.conf" "$lo"
    tn_wait_addr "$R1" eth0 $VIP 6; tn_wait_addr "$R2" eth0 $VIP 6
    tn_check "[$run] equal priority, cut: both Master" has "$R1" $VIP
    ip -n "$BR" link set p1 type bridge_slave mcast_flood on
    ip -n "$BR" link set p2 type bridge_slave mcast_flood on
    tn_check "[$run] equal priority together: r1 ($hi, lower address) yields" tn_wait_no_addr "$R1" eth0 $VIP 4
    sleep 1
    tn_check "[$run] equal priority together: higher address r2 ($lo) stays Master" has "$R2" $VIP
    rt_stop "${run}_e1"; rt_stop "${run}_e2"
    tn_wait_no_addr "$R1" eth0 $VIP 3; tn_wait_no_addr "$R2" eth0 $VIP 3
    # c) equal priority started apart: the first stays Master even with the
    #    lower address.
    rt_start "${run}_f1" "$R1" "$TN_DIR/$run-eq.conf" "$hi"
    tn_check "[$run] equal priority apart: r1 ($hi) Master alone" tn_wait_addr "$R1" eth0 $VIP 6
    rt_start "${run}_f2" "$R2" "$TN_DIR/$run-eq.conf" "$lo"
    sleep 3
    tn_check "[$run] equal priority apart: r1 ($hi) stays Master" has "$R1" $VIP
    tn_check "[$run] equal priority apart: r2 ($lo) stays Backup" hasnt "$R2" $VIP
    net_down
}

# ---- 2. hung master (SIGSTOP) and SIGKILL ----------------------------------------------------
sc_hung() {
    local hi=$1 lo=$2 run=$3 ms mac2
    net_up "$run"
    mkconf "$TN_DIR/$run-hi.conf" 150
    mkconf "$TN_DIR/$run-lo.conf" 100
    rt_start "${run}_hi" "$R1" "$TN_DIR/$run-hi.conf" "$hi"
    rt_start "${run}_lo" "$R2" "$TN_DIR/$run-lo.conf" "$lo"
    tn_wait_addr "$R1" eth0 $VIP 6 || true
    sleep 1
    ip netns exec "$C" ping -c1 -W1 $VIP >/dev/null 2>&1 || true
    tn_check "[$run] client reaches the VIP at r1's MAC" test "$(client_mac_for $VIP)" = "$(mac_of "$R1")"
    tn_monitor_start "$run-mon" "$R2"
    T0=$(tn_now)
    tn_freeze_ns "$R1"
    if tn_wait_addr "$R2" eth0 $VIP 6; then
        ms=$(tn_ms_between "$T0" "$(tn_monitor_first_add "$run-mon" $VIP || tn_now)")
        echo "# [$run] hung master: takeover after ${ms} ms (Master_Down_Interval 1805 ms)"
        tn_check "[$run] r2 ($lo) takes over a frozen r1 within Master_Down_Interval + ${TOL_MS} ms (${ms} ms)" le "$ms" $((1805 + TOL_MS))
    else
        tn_notok "[$run] r2 ($lo) never took over the frozen r1"
    fi
    sleep 0.5
    mac2=$(mac_of "$R2")
    tn_check "[$run] gratuitous ARP moved the client's entry for the VIP to r2's MAC" test "$(client_mac_for $VIP)" = "$mac2"
    tn_check "[$run] VIP answers pings via r2" ip netns exec "$C" ping -c1 -W1 $VIP
    tn_thaw_ns "$R1"
    tn_check "[$run] thawed r1 ($hi, priority 150) takes the VIP back" tn_wait_addr "$R1" eth0 $VIP 6
    tn_check "[$run] ... and r2 ($lo) releases it" tn_wait_no_addr "$R2" eth0 $VIP 4
    sleep 1
    tn_monitor_start "$run-mon2" "$R2"
    T0=$(tn_now)
    rt_signal "${run}_hi" KILL
    if tn_wait_addr "$R2" eth0 $VIP 6; then
        ms=$(tn_ms_between "$T0" "$(tn_monitor_first_add "$run-mon2" $VIP || tn_now)")
        echo "# [$run] SIGKILL of r1 ($hi): takeover after ${ms} ms"
        tn_check "[$run] r2 ($lo) takes over after SIGKILL of r1 within Master_Down_Interval + ${TOL_MS} ms (${ms} ms)" le "$ms" $((1805 + TOL_MS))
    else
        tn_notok "[$run] r2 ($lo) never took over after SIGKILL of r1"
    fi
    net_down
}

# ---- 3. SIGTERM → priority 0 → takeover within Skew_Time --------------------------------
sc_sigterm() {
    local hi=$1 lo=$2 run=$3 ms rc
    net_up "$run"
    printf '#!/bin/sh\nout=$1; shift\necho "$*" >>"$out"\n' >"$TN_DIR/notify.sh"
    chmod 755 "$TN_DIR/notify.sh"
    mkconf "$TN_DIR/$run-hi.conf" 150 "    notify_stop \"$TN_DIR/notify.sh $TN_DIR/$run-r1.stop stopped\""
    mkconf "$TN_DIR/$run-lo.conf" 100
    rt_start "${run}_hi" "$R1" "$TN_DIR/$run-hi.conf" "$hi"
    rt_start "${run}_lo" "$R2" "$TN_DIR/$run-lo.conf" "$lo"
    tn_wait_addr "$R1" eth0 $VIP 6 || true
    sleep 1
    tn_capture_start "$run-wire" "$R2" eth0 ip proto 112
    tn_monitor_start "$run-mon" "$R2"
    T0=$(tn_now)
    rt_stop "${run}_hi"; rc=$RT_RC
    if tn_wait_addr "$R2" eth0 $VIP 4; then
        ms=$(tn_ms_between "$T0" "$(tn_monitor_first_add "$run-mon" $VIP || tn_now)")
        echo "# [$run] SIGTERM of r1 ($hi): takeover after ${ms} ms (Skew_Time 305 ms, Master_Down_Interval 1805 ms)"
        tn_check "[$run] r2 ($lo) takes over within Skew_Time + ${TOL_MS} ms (${ms} ms)" le "$ms" $((305 + TOL_MS))
    else
        tn_notok "[$run] r2 ($lo) never took over after SIGTERM"
    fi
    tn_check "[$run] r1 ($hi) exits 0 on SIGTERM (rc $rc)" test "$rc" = 0
    tn_check "[$run] r1 removed the VIP" hasnt "$R1" $VIP
    tn_check "[$run] r1's notify_stop ran before it exited" grep -qx "stopped" "$TN_DIR/$run-r1.stop"
    sleep 0.3
    tn_capture_stop "$run-wire"
    tn_capture_text "$run-wire" -v >"$TN_DIR/$run-wire.txt"
    tn_check "[$run] priority-0 advert from r1 on the wire" grep -q "10.77.0.1 > 224.0.0.18: VRRPv3, Advertisement, vrid 51, prio 0" "$TN_DIR/$run-wire.txt"
    local bad
    bad=$(grep "proto VRRP" "$TN_DIR/$run-wire.txt" | grep -vc "ttl 255" || true)
    tn_check "[$run] every advert has TTL 255" test "$bad" = 0
    net_down
}

# ---- 4. nopreempt and preempt_delay -------------------------------------------------------
sc_preempt() {
    local hi=$1 lo=$2 run=$3 ms
    net_up "$run"
    mkconf "$TN_DIR/$run-hi-np.conf" 150 "    nopreempt"
    mkconf "$TN_DIR/$run-hi-pd.conf" 150 "    preempt_delay 3"
    mkconf "$TN_DIR/$run-lo.conf" 100
    rt_start "${run}_lo" "$R2" "$TN_DIR/$run-lo.conf" "$lo"
    tn_wait_addr "$R2" eth0 $VIP 6 || true
    # A VIP left on r1 by a previous run is removed at start (r1 is Backup).
    ip -n "$R1" addr add $VIP/24 dev eth0
    rt_start "${run}_np" "$R1" "$TN_DIR/$run-hi-np.conf" "$hi"
    tn_check "[$run] leftover VIP removed from r1 ($hi) at start" tn_wait_no_addr "$R1" eth0 $VIP 3
    sleep 3
    tn_check "[$run] nopreempt: returning r1 ($hi, 150) stays Backup" hasnt "$R1" $VIP
    tn_check "[$run] nopreempt: r2 ($lo, 100) stays Master" has "$R2" $VIP
    rt_stop "${run}_np"
    T0=$(tn_now)
    rt_start "${run}_pd" "$R1" "$TN_DIR/$run-hi-pd.conf" "$hi"
    sleep 2.5
    tn_check "[$run] preempt_delay 3: r1 ($hi) has not taken over after 2.5 s" hasnt "$R1" $VIP
    if tn_wait_addr "$R1" eth0 $VIP 6; then
        ms=$(took_ms)
        echo "# [$run] preempt_delay 3 s: r1 took over ${ms} ms after its start"
        tn_check "[$run] preempt_delay: takeover after 3 s and within 3 s + Master_Down_Interval + ${TOL_MS} ms (${ms} ms)" \
            test "$ms" -ge 3000 -a "$ms" -le $((3000 + 1707 + TOL_MS))
    else
        tn_notok "[$run] preempt_delay: r1 never took over"
    fi
    tn_check "[$run] preempt_delay: r2 ($lo) released the VIP" tn_wait_no_addr "$R2" eth0 $VIP 3
    net_down
}

# ---- 5. VRRPv2 PASS authentication ------------------------------------------------------
sc_auth() {
    local hi=$1 lo=$2 run=$3 who st n
    net_up "$run"
    local auth_ok="    authentication {
        auth_type PASS
        auth_pass s3cret
    }"
    local auth_bad="    authentication {
        auth_type PASS
        auth_pass wrong
    }"
    mkconf "$TN_DIR/$run-hi.conf" 150 "$auth_ok" 2 1
    mkconf "$TN_DIR/$run-lo.conf" 100 "$auth_ok" 2 1
    mkconf "$TN_DIR/$run-lo-bad.conf" 100 "$auth_bad" 2 1
    rt_start "${run}_hi" "$R1" "$TN_DIR/$run-hi.conf" "$hi"
    rt_start "${run}_lo" "$R2" "$TN_DIR/$run-lo.conf" "$lo"
    tn_check "[$run] matching PASS: r1 ($hi) Master" tn_wait_addr "$R1" eth0 $VIP 8
    sleep 2
    tn_check "[$run] matching PASS: r2 ($lo) Backup" hasnt "$R2" $VIP
    rt_stop "${run}_lo"
    tn_capture_start "$run-wire" "$C" eth0 proto 112
    rt_start "${run}_bad" "$R2" "$TN_DIR/$run-lo-bad.conf" "$lo"
    # The wrong password is never accepted: r2 never hears a valid Master and
    # takes over after its Master_Down_Interval (3.61 s); r1 ignores r2 too.
    tn_check "[$run] wrong PASS: r2 ($lo) is never elected Backup (becomes Master)" tn_wait_addr "$R2" eth0 $VIP 8
    local t_r2_master
    t_r2_master=$(date +%s.%N)
    sleep 2.5
    tn_check "[$run] wrong PASS: r1 ($hi) stays Master" has "$R1" $VIP
    # How many adverts the peer sent is not fixed: keepalived as Master, hearing the
    # other Master's wrong-password adverts, restarts its own advert timer on each
    # one, so it may send only its first advert while the other keeps sending on
    # time. So compare vrrpd's counter with the peer's adverts on the wire (captured
    # before the status is read, so the counter can only be higher).
    local peer_ip
    # Counted from when vrrpd surely listens: all along as r1; as r2, once it is Master.
    local since=0
    if [ "$hi" = vr ]; then who="${run}_hi"; ns=$R1; peer_ip=10.77.0.2; else who="${run}_bad"; ns=$R2; peer_ip=10.77.0.1; since=$t_r2_master; fi
    tn_capture_stop "$run-wire"
    local sent total
    sent=$(tn_capture_text "$run-wire" -tt | awk -v since="$since" -v pat="IP $peer_ip > 224.0.0.18: VRRPv2, Advertisement" \
        'index($0, pat) && $1 + 0 > since + 0 { n++ } END { print n + 0 }')
    total=$(tn_capture_text "$run-wire" | grep -c "IP $peer_ip > 224.0.0.18: VRRPv2, Advertisement" || true)
    st=$(vr_status "$who" "$ns")
    tn_check "[$run] the peer's adverts reached the wire ($total)" test "${total:-0}" -ge 1
    n=$(json_get "$st" 'j["instances"][0]["drops"].get("auth_failure", 0)')
    local need=$(( ${sent:-0} > 1 ? ${sent:-0} : 1 ))
    tn_check "[$run] vrrpd counted every wrong-password advert (auth_failure=$n, on the wire $sent)" test "${n:-0}" -ge "$need"
    n=$(json_get "$st" 'j["instances"][0]["counters"]["auth_failures"]')
    tn_check "[$run] ... and the MIB counter auth_failures=$n" test "${n:-0}" -ge "$need"
    net_down
}

# ---- 6. VRRPv3 over IPv6 -----------------------------------------------------------------------
sc_ipv6() {
    local hi=$1 lo=$2 run=$3 ms
    net_up "$run"
    mkconf "$TN_DIR/$run-hi.conf" 150 "" 3 0.5 "$VIP6/64"
    mkconf "$TN_DIR/$run-lo.conf" 100 "" 3 0.5 "$VIP6/64"
    tn_capture_start "$run-wire" "$C" eth0 ip6 proto 112 or icmp6
    rt_start "${run}_hi" "$R1" "$TN_DIR/$run-hi.conf" "$hi"
    rt_start "${run}_lo" "$R2" "$TN_DIR/$run-lo.conf" "$lo"
    tn_check "[$run] IPv6: r1 ($hi) Master" tn_wait_addr "$R1" eth0 $VIP6 6
    sleep 1.5
    tn_check "[$run] IPv6: r2 ($lo) Backup" hasnt "$R2" $VIP6
    tn_monitor_start "$run-mon" "$R2"
    T0=$(tn_now)
    rt_stop "${run}_hi"
    if tn_wait_addr "$R2" eth0 $VIP6 4; then
        ms=$(tn_ms_between "$T0" "$(tn_monitor_first_add "$run-mon" $VIP6 || tn_now)")
        tn_check "[$run] IPv6: SIGTERM takeover within Skew_Time + ${TOL_MS} ms (${ms} ms)" le "$ms" $((305 + TOL_MS))
    else
        tn_notok "[$run] IPv6: r2 never took over"
    fi
    sleep 0.5
    tn_capture_stop "$run-wire"
    tn_capture_text "$run-wire" -v >"$TN_DIR/$run-wire.txt"
    local ll1 ll2
    ll1=$(ip -n "$R1" -6 -o addr show dev eth0 scope link | awk '{print $4}' | cut -d/ -f1)
    ll2=$(ip -n "$R2" -6 -o addr show dev eth0 scope link | awk '{print $4}' | cut -d/ -f1)
    tn_check "[$run] IPv6: r1's adverts from its link-local $ll1 to ff02::12" grep -q "$ll1 > ff02::12: VRRPv3, Advertisement, vrid 51, prio 150" "$TN_DIR/$run-wire.txt"
    tn_check "[$run] IPv6: r2's adverts from its link-local $ll2" grep -q "$ll2 > ff02::12: VRRPv3, Advertisement, vrid 51, prio 100" "$TN_DIR/$run-wire.txt"
    tn_check "[$run] IPv6: hop limit 255 on adverts" grep -q "hlim 255.*VRRP\|VRRPv3.*hlim 255\|hlim 255, next-header VRRP" "$TN_DIR/$run-wire.txt"
    tn_check "[$run] IPv6: unsolicited NA for $VIP6 after takeover" grep -q "neighbor advertisement, length [0-9]*, tgt is $VIP6" "$TN_DIR/$run-wire.txt"
    net_down
}

# ---- 7. unicast peers, multicast blocked --------------------------------------------------
sc_unicast() {
    local hi=$1 lo=$2 run=$3 ms
    net_up "$run" nomcast
    mkconf "$TN_DIR/$run-hi.conf" 150 "    unicast_src_ip 10.77.0.1
    unicast_peer {
        10.77.0.2
    }"
    mkconf "$TN_DIR/$run-lo.conf" 100 "    unicast_src_ip 10.77.0.2
    unicast_peer {
        10.77.0.1
    }"
    tn_capture_start "$run-wire" "$R2" eth0 ip proto 112
    rt_start "${run}_lo" "$R2" "$TN_DIR/$run-lo.conf" "$lo"
    sleep 0.5
    rt_start "${run}_hi" "$R1" "$TN_DIR/$run-hi.conf" "$hi"
    tn_check "[$run] unicast: r1 ($hi) Master" tn_wait_addr "$R1" eth0 $VIP 6
    sleep 1.5
    tn_check "[$run] unicast: r2 ($lo) Backup" hasnt "$R2" $VIP
    tn_monitor_start "$run-mon" "$R2"
    T0=$(tn_now)
    rt_stop "${run}_hi"
    if tn_wait_addr "$R2" eth0 $VIP 4; then
        ms=$(tn_ms_between "$T0" "$(tn_monitor_first_add "$run-mon" $VIP || tn_now)")
        tn_check "[$run] unicast: SIGTERM takeover within Skew_Time + ${TOL_MS} ms (${ms} ms)" le "$ms" $((305 + TOL_MS))
    else
        tn_notok "[$run] unicast: r2 never took over"
    fi
    sleep 0.3
    tn_capture_stop "$run-wire"
    tn_capture_text "$run-wire" -v >"$TN_DIR/$run-wire.txt"
    tn_check "[$run] unicast: r1 -> r2 adverts" grep -q "10.77.0.1 > 10.77.0.2: VRRPv3, Advertisement, vrid 51, prio 150" "$TN_DIR/$run-wire.txt"
    tn_check "[$run] unicast: r2 -> r1 adverts after takeover" grep -q "10.77.0.2 > 10.77.0.1: VRRPv3, Advertisement, vrid 51, prio 100" "$TN_DIR/$run-wire.txt"
    net_down
}

# ---- 8. SIGHUP reload with an unrelated change ---------------------------------------------------
sc_reload() {
    local hi=$1 lo=$2 run=$3 vr vrns conf gap lines src
    net_up "$run"
    mkconf "$TN_DIR/$run-hi.conf" 150
    mkconf "$TN_DIR/$run-lo.conf" 100
    rt_start "${run}_hi" "$R1" "$TN_DIR/$run-hi.conf" "$hi"
    rt_start "${run}_lo" "$R2" "$TN_DIR/$run-lo.conf" "$lo"
    tn_wait_addr "$R1" eth0 $VIP 6 || true
    sleep 1.5
    if [ "$hi" = vr ]; then vr="${run}_hi"; vrns=$R1; conf="$TN_DIR/$run-hi.conf"; src=10.77.0.1
    else vr="${run}_lo"; vrns=$R2; conf="$TN_DIR/$run-lo.conf"; src=10.77.0.1; fi
    tn_capture_start "$run-wire" "$C" eth0 ip proto 112
    tn_monitor_start "$run-mon1" "$R1"
    tn_monitor_start "$run-mon2" "$R2"
    lines=$(wc -l <"$TN_DIR/$vr.log")
    # Unrelated change: another router_id and a vrrp_script nobody tracks.
    sed -i "s/^    router_id .*/    router_id reloaded-$run/" "$conf"
    printf 'vrrp_script unused_check {\n    script "/bin/true"\n    interval 2\n}\n' >>"$conf"
    sleep 0.7
    rt_signal "$vr" HUP
    sleep 3
    tn_check "[$run] vrrpd logged the reload" grep -q "configuration reloaded" "$TN_DIR/$vr.log"
    tn_check "[$run] no state change after SIGHUP" no_state_change_after "$TN_DIR/$vr.log" "$lines"
    tn_check "[$run] VIP still on r1 only" has "$R1" $VIP
    tn_check "[$run] ... not on r2" hasnt "$R2" $VIP
    flap() { ! grep -qF "$VIP/" "$TN_DIR/$run-mon1.mon" "$TN_DIR/$run-mon2.mon"; }
    tn_check "[$run] no VIP address event on either router during the reload" flap
    # A changed instance (priority) keeps its state: reconfigured, not restarted.
    lines=$(wc -l <"$TN_DIR/$vr.log")
    if [ "$hi" = vr ]; then sed -i "s/priority 150/priority 140/" "$conf"; else sed -i "s/priority 100/priority 90/" "$conf"; fi
    rt_signal "$vr" HUP
    sleep 2
    tn_check "[$run] changed priority: instance reconfigured in place" grep -q "configuration reloaded kept=0 reconfigured=1" "$TN_DIR/$vr.log"
    tn_check "[$run] changed priority: no state change" no_state_change_after "$TN_DIR/$vr.log" "$lines"
    tn_check "[$run] changed priority: VIP still on r1 only" has "$R1" $VIP
    tn_check "[$run] no VIP address event during the second reload" flap
    rt_signal "$vr" USR1
    sleep 0.5
    local dumped
    dumped=$(json_get "$(cat "$TN_DIR/$vr.dump" 2>/dev/null)" 'j["instances"][0]["effective_priority"]')
    tn_check "[$run] SIGUSR1 dump shows the new priority ($dumped)" test "$dumped" = "$([ "$hi" = vr ] && echo 140 || echo 90)"
    # A broken file is refused: the running configuration stays.
    lines=$(wc -l <"$TN_DIR/$vr.log")
    cp "$conf" "$conf.good"
    printf 'vrrp_instance broken {\n    virtual_router_id 999\n}\n' >>"$conf"
    rt_signal "$vr" HUP
    sleep 1.5
    tn_check "[$run] broken config: reload refused" grep -q "reload refused, keeping the running configuration" "$TN_DIR/$vr.log"
    tn_check "[$run] broken config: no state change" no_state_change_after "$TN_DIR/$vr.log" "$lines"
    tn_check "[$run] broken config: vrrpd still running" kill -0 "$(rt_pid "$vr")"
    tn_check "[$run] broken config: VIP still on r1 only" has "$R1" $VIP
    tn_capture_stop "$run-wire"
    gap=$(tn_capture_text "$run-wire" -tt | awk -v s="$src" '$0 ~ s" > 224.0.0.18" { t=$1; if (p) { d=t-p; if (d>m) m=d } p=t } END { printf "%d\n", m*1000 }')
    echo "# [$run] largest gap between r1's adverts around the three reloads: ${gap} ms (advert_int 500 ms)"
    tn_check "[$run] no advert gap longer than one interval + 150 ms (${gap} ms)" le "${gap:-99999}" 650
    net_down
}

# ---- 9. malformed and hostile packets at vrrpd ---------------------------------------------
sc_malformed() {
    local hi=$1 lo=$2 run=$3 vr vrns conf st before after k n ok
    net_up "$run"
    mkconf "$TN_DIR/$run-hi.conf" 150
    mkconf "$TN_DIR/$run-lo.conf" 100
    if [ "$hi" = vr ]; then vr="${run}_hi"; vrns=$R1; conf="$TN_DIR/$run-hi.conf"; local me=10.77.0.1
    else vr="${run}_lo"; vrns=$R2; conf="$TN_DIR/$run-lo.conf"; local me=10.77.0.2; fi
    # vrrpd also runs a unicast instance (VRID 52) whose only peer is silent.
    cat >>"$conf" <<CONF
vrrp_instance VI_52 {
    state BACKUP
    interface eth0
    virtual_router_id 52
    version 3
    priority 100
    advert_int 0.5
    unicast_src_ip $me
    unicast_peer {
        10.77.0.66
    }
    virtual_ipaddress {
        10.77.0.102/24 dev eth0
    }
}
CONF
    rt_start "${run}_hi" "$R1" "$TN_DIR/$run-hi.conf" "$hi"
    rt_start "${run}_lo" "$R2" "$TN_DIR/$run-lo.conf" "$lo"
    tn_wait_addr "$R1" eth0 $VIP 6 || true
    sleep 1.5
    before=$(json_get "$(vr_status "$vr" "$vrns")" 'j["instances"][0]["state"]')
    local send="$HERE/vrrp-send.py"
    for k in ttl checksum short vrid version count type; do
        ip netns exec "$C" python3 "$send" 10.77.0.9 224.0.0.18 "$k" 3 || tn_notok "[$run] sending $k"
    done
    ip netns exec "$C" python3 "$send" 10.77.0.9 "$me" unicast-unknown 3 || tn_notok "[$run] sending unicast-unknown"
    sleep 0.5
    st=$(vr_status "$vr" "$vrns")
    echo "$st" >"$TN_DIR/$run-status.json"
    tn_check "[$run] vrrpd alive after hostile packets" kill -0 "$(rt_pid "$vr")"
    after=$(json_get "$st" 'j["instances"][0]["state"]')
    tn_check "[$run] VI_51 state unchanged ($before -> $after)" test -n "$before" -a "$before" = "$after"
    for k in bad_ttl:bad_ttl bad_checksum:bad_checksum truncated:short version_mismatch:version bad_type:type; do
        n=$(json_get "$st" "j['instances'][0]['drops'].get('${k%%:*}', 0)")
        tn_check "[$run] ${k#*:} packets dropped and counted as ${k%%:*} ($n)" test "${n:-0}" -ge 3
    done
    # count=3 with one address: the message is shorter than announced.
    n=$(json_get "$st" "j['instances'][0]['drops'].get('truncated', 0)")
    tn_check "[$run] short + address-count-mismatch packets counted as truncated ($n)" test "${n:-0}" -ge 6
    n=$(json_get "$st" "sum(v for k, v in j['unmatched_drops'].items() if k.endswith('/ipv4/vrid_mismatch'))")
    tn_check "[$run] unknown VRID counted per interface ($n)" test "${n:-0}" -ge 3
    n=$(json_get "$st" "j['instances'][1]['drops'].get('unknown_unicast_source', 0)")
    tn_check "[$run] unicast advert from an unknown source dropped and counted ($n)" test "${n:-0}" -ge 3
    tn_check "[$run] VIP placement unchanged (r1)" has "$R1" $VIP
    tn_check "[$run] VIP placement unchanged (not r2)" hasnt "$R2" $VIP
    net_down
}

# ---- (extra) tracking: track_script weight and track_interface fault -----------------------
sc_track() {
    local hi=$1 lo=$2 run=$3 vr vrns st n
    net_up "$run"
    # r1 also has eth1, a veth whose peer stays in r1, to take down.
    ip -n "$R1" link add eth1 type veth peer name eth1p
    ip -n "$R1" link set eth1 up; ip -n "$R1" link set eth1p up
    touch "$TN_DIR/$run-r1.ok" "$TN_DIR/$run-r2.ok"
    local top1="vrrp_script chk {
    script \"/usr/bin/test -e $TN_DIR/$run-r1.ok\"
    interval 1
    weight -60
}"
    local top2="vrrp_script chk {
    script \"/usr/bin/test -e $TN_DIR/$run-r2.ok\"
    interval 1
    weight -60
}"
    local trk="    track_script {
        chk
    }
    track_interface {
        eth1
    }"
    local trk2="    track_script {
        chk
    }"
    mkconf "$TN_DIR/$run-hi.conf" 150 "$trk" 3 0.5 "$VIP/24" r1 "$top1"
    mkconf "$TN_DIR/$run-lo.conf" 100 "$trk2" 3 0.5 "$VIP/24" r2 "$top2"
    rt_start "${run}_hi" "$R1" "$TN_DIR/$run-hi.conf" "$hi"
    rt_start "${run}_lo" "$R2" "$TN_DIR/$run-lo.conf" "$lo"
    tn_check "[$run] scripts passing: r1 ($hi, 150) Master" tn_wait_addr "$R1" eth0 $VIP 8
    sleep 1.5
    tn_check "[$run] scripts passing: r2 ($lo) Backup" hasnt "$R2" $VIP
    rm -f "$TN_DIR/$run-r1.ok"
    tn_check "[$run] r1's script fails (150-60 = 90 < 100): r2 ($lo) takes over" tn_wait_addr "$R2" eth0 $VIP 6
    tn_check "[$run] ... and r1 ($hi) releases" tn_wait_no_addr "$R1" eth0 $VIP 3
    if [ "$hi" = vr ]; then
        n=$(json_get "$(vr_status "${run}_hi" "$R1")" 'j["instances"][0]["effective_priority"]')
        tn_check "[$run] vrrpd reports effective priority 90 ($n)" test "$n" = 90
    fi
    touch "$TN_DIR/$run-r1.ok"
    tn_check "[$run] r1's script passes again: r1 ($hi) preempts back" tn_wait_addr "$R1" eth0 $VIP 8
    sleep 1
    ip -n "$R1" link set eth1 down
    tn_check "[$run] track_interface eth1 down: r2 ($lo) takes over from faulted r1" tn_wait_addr "$R2" eth0 $VIP 6
    tn_check "[$run] ... r1 ($hi) in FAULT releases the VIP" tn_wait_no_addr "$R1" eth0 $VIP 3
    if [ "$hi" = vr ]; then
        st=$(json_get "$(vr_status "${run}_hi" "$R1")" 'j["instances"][0]["state"]')
        tn_check "[$run] vrrpd reports FAULT ($st)" test "$st" = FAULT
    fi
    ip -n "$R1" link set eth1 up
    tn_check "[$run] eth1 up again: r1 ($hi) takes the VIP back" tn_wait_addr "$R1" eth0 $VIP 8
    net_down
}

# ---- track_file / notify_fifo / script users (keepalived track_file.c, notify.c) ----
# add_global FILE LINES: insert LINES at the top of FILE's global_defs block.
add_global() {
    python3 - "$1" "$2" <<'PY'
import sys
p, extra = sys.argv[1], sys.argv[2]
s = open(p).read()
open(p, "w").write(s.replace("global_defs {\n", "global_defs {\n" + extra + "\n", 1))
PY
}
# wait_for SECS CMD...: poll CMD every 0.1 s until it succeeds or SECS pass.
wait_for() {
    local t=$(( $1 * 10 )); shift
    while [ $t -gt 0 ]; do "$@" && return 0; sleep 0.1; t=$((t - 1)); done
    "$@"
}
# log_has NAME REGEX: the router's log matches REGEX.
log_has() { grep -qE "$2" "$TN_DIR/$1.log"; }

sc_trackfile() {
    local hi=$1 lo=$2 run=$3 st n
    net_up "$run"
    local f1=$TN_DIR/$run-r1.tf f2=$TN_DIR/$run-r2.tf
    local top1="track_file tf {
    file $f1
    weight -10
    init_file 0 overwrite
}"
    local top2="track_file tf {
    file $f2
    init_file
}"
    local trk="    track_file {
        tf
    }"
    mkconf "$TN_DIR/$run-hi.conf" 150 "$trk" 3 0.5 "$VIP/24" r1 "$top1"
    mkconf "$TN_DIR/$run-lo.conf" 100 "$trk" 3 0.5 "$VIP/24" r2 "$top2"
    echo 7 >"$f1"   # init_file 0 overwrite: reset to 0 at start
    rt_start "${run}_hi" "$R1" "$TN_DIR/$run-hi.conf" "$hi"
    rt_start "${run}_lo" "$R2" "$TN_DIR/$run-lo.conf" "$lo"
    tn_check "[$run] init_file overwrite wrote 0 to r1's file" wait_for 3 grep -qx 0 "$f1"
    tn_check "[$run] init_file created r2's missing file with 0" wait_for 3 grep -qx 0 "$f2"
    tn_check "[$run] files at 0: r1 ($hi, 150) Master" tn_wait_addr "$R1" eth0 $VIP 8
    sleep 1
    tn_check "[$run] files at 0: r2 ($lo) Backup" hasnt "$R2" $VIP
    echo 6 >"$f1"
    tn_check "[$run] r1's file = 6 (150 + 6 x -10 = 90 < 100): r2 ($lo) takes over" tn_wait_addr "$R2" eth0 $VIP 6
    tn_check "[$run] ... and r1 ($hi) releases" tn_wait_no_addr "$R1" eth0 $VIP 3
    if [ "$hi" = vr ]; then
        n=$(json_get "$(vr_status "${run}_hi" "$R1")" 'j["instances"][0]["effective_priority"]')
        tn_check "[$run] vrrpd reports effective priority 90 ($n)" test "$n" = 90
    fi
    rm -f "$f1"
    tn_check "[$run] r1's file removed (value 0): r1 ($hi) preempts back" tn_wait_addr "$R1" eth0 $VIP 8
    sleep 1
    echo 26 >"$f1"
    tn_check "[$run] r1's file = 26 (26 x -10 <= -254: FAULT): r2 ($lo) takes over" tn_wait_addr "$R2" eth0 $VIP 6
    tn_check "[$run] ... r1 ($hi) in FAULT releases the VIP" tn_wait_no_addr "$R1" eth0 $VIP 3
    if [ "$hi" = vr ]; then
        st=$(json_get "$(vr_status "${run}_hi" "$R1")" 'j["instances"][0]["state"]')
        tn_check "[$run] vrrpd reports FAULT ($st)" test "$st" = FAULT
    fi
    echo 0x0 >"$TN_DIR/$run-r1.tmp"; mv "$TN_DIR/$run-r1.tmp" "$f1"
    tn_check "[$run] file moved in with 0x0: r1 ($hi) takes the VIP back" tn_wait_addr "$R1" eth0 $VIP 8
    echo -8 >"$f2"
    sleep 1
    tn_check "[$run] r2's file = -8 (weight 1: 100 - 8 = 92): r1 ($hi) stays Master" has "$R1" $VIP
    echo 60 >"$f2"
    tn_check "[$run] r2's file = 60 (100 + 60 = 160 > 150): r2 ($lo) preempts" tn_wait_addr "$R2" eth0 $VIP 6
    if [ "$lo" = vr ]; then
        n=$(json_get "$(vr_status "${run}_lo" "$R2")" 'j["instances"][0]["effective_priority"]')
        tn_check "[$run] vrrpd reports effective priority 160 ($n)" test "$n" = 160
    fi
    net_down
}

# The reader script of both FIFOs: copies every line to FIFO.out.
fifo_reader() {
    local f=$TN_DIR/fifo-reader.sh
    [ -x "$f" ] || { printf '#!/bin/sh\nexec cat "$1" >>"$1.out"\n' >"$f"; chmod 755 "$f"; }
    echo "$f"
}

# lines_are FILE 'L1|L2|': FILE holds exactly these lines, within 3 s (else
# print what it holds).
same_lines() { [ "$(tr '\n' '|' <"$1" 2>/dev/null)" = "$2" ]; }
lines_are() {
    wait_for 3 same_lines "$1" "$2" && return 0
    echo "#   got: $(tr '\n' '|' <"$1" 2>/dev/null)"
    return 1
}

sc_fifo() {
    local hi=$1 lo=$2 run=$3 reader role want
    net_up "$run"
    reader=$(fifo_reader)
    # r1: global notify_fifo on a FIFO made here and read by a plain cat
    # (sees everything the daemon writes, also at exit); r2: vrrp_notify_fifo
    # created by the daemon and read by its vrrp_notify_fifo_script.
    mkfifo "$TN_DIR/$run-hi.fifo"
    cat "$TN_DIR/$run-hi.fifo" >"$TN_DIR/$run-hi.fifo.out" &
    echo $! >>"$TN_DIR/.pids"
    mkconf "$TN_DIR/$run-hi.conf" 150 "" 3 0.5 "$VIP/24" r1
    mkconf "$TN_DIR/$run-lo.conf" 100 "" 3 0.5 "$VIP/24" r2
    add_global "$TN_DIR/$run-hi.conf" "    notify_fifo $TN_DIR/$run-hi.fifo"
    add_global "$TN_DIR/$run-lo.conf" "    vrrp_notify_fifo $TN_DIR/$run-lo.fifo
    vrrp_notify_fifo_script $reader"
    rt_start "${run}_hi" "$R1" "$TN_DIR/$run-hi.conf" "$hi"
    rt_start "${run}_lo" "$R2" "$TN_DIR/$run-lo.conf" "$lo"
    tn_check "[$run] r1 ($hi) Master" tn_wait_addr "$R1" eth0 $VIP 8
    tn_check "[$run] r2 ($lo) created its FIFO" wait_for 5 test -p "$TN_DIR/$run-lo.fifo"
    sleep 1
    rt_stop "${run}_hi"
    tn_check "[$run] r1 ($hi) stopped: r2 ($lo) takes over" tn_wait_addr "$R2" eth0 $VIP 6
    sleep 0.5
    want='INSTANCE "VI_51" BACKUP 100|INSTANCE "VI_51" MASTER 100|'
    tn_check "[$run] r2's ($lo) fifo script read: $want" lines_are "$TN_DIR/$run-lo.fifo.out" "$want"
    rt_stop "${run}_lo"
    sleep 0.5
    want='INSTANCE "VI_51" BACKUP 150|INSTANCE "VI_51" MASTER 150|INSTANCE "VI_51" STOP 150|'
    tn_check "[$run] r1's ($hi) FIFO lines: $want" lines_are "$TN_DIR/$run-hi.fifo.out" "$want"
    if [ "$lo" = vr ]; then
        tn_check "[$run] vrrpd removed the FIFO it created" test ! -e "$TN_DIR/$run-lo.fifo"
        tn_check "[$run] vrrpd's fifo script ended with it" wait_for 3 eval '! pgrep -f "cat $TN_DIR/$run-lo.fifo" >/dev/null'
    fi
    cp "$TN_DIR/$run-hi.fifo.out" "$TN_DIR/fifo-hi-$hi.lines"
    grep -v ' STOP ' "$TN_DIR/$run-lo.fifo.out" >"$TN_DIR/fifo-lo-$lo.lines"
    if [ -e "$TN_DIR/fifo-hi-vr.lines" ] && [ -e "$TN_DIR/fifo-hi-ka.lines" ]; then
        for role in hi lo; do
            tn_check "[fifo] $role role: vrrpd's FIFO lines = keepalived's, byte for byte" \
                cmp -s "$TN_DIR/fifo-$role-vr.lines" "$TN_DIR/fifo-$role-ka.lines"
        done
    fi
    net_down
}

sc_scriptuser() {
    local hi=$1 lo=$2 run=$3 st impl name
    net_up "$run"
    # Scripts need a path nobody can traverse; the refused one sits in a
    # world-writable (not sticky) directory.
    chmod 755 "$TN_DIR"
    mkdir -p "$TN_DIR/bin" "$TN_DIR/out" "$TN_DIR/ww"
    chmod 755 "$TN_DIR/bin"; chmod 1777 "$TN_DIR/out"; chmod 777 "$TN_DIR/ww"
    printf '#!/bin/sh\nid -u >"$1"\nexit 0\n' >"$TN_DIR/bin/whoami.sh"
    printf '#!/bin/sh\nexit 1\n' >"$TN_DIR/ww/bad.sh"
    chmod 755 "$TN_DIR/bin/whoami.sh" "$TN_DIR/ww/bad.sh"
    for name in hi lo; do
        local top="vrrp_script chk_user {
    script \"$TN_DIR/bin/whoami.sh $TN_DIR/out/$run-$name.uid\"
    interval 1
}
vrrp_script chk_bad {
    script \"$TN_DIR/ww/bad.sh\"
    interval 1
    weight -100
    user root
}"
        local trk="    track_script {
        chk_user
        chk_bad
    }
    notify_master \"$TN_DIR/bin/whoami.sh $TN_DIR/out/$run-$name.notify\""
        local prio=150; [ $name = lo ] && prio=100
        mkconf "$TN_DIR/$run-$name.conf" $prio "$trk" 3 0.5 "$VIP/24" "r-$name" "$top"
        add_global "$TN_DIR/$run-$name.conf" "    enable_script_security
    script_user nobody"
    done
    rt_start "${run}_hi" "$R1" "$TN_DIR/$run-hi.conf" "$hi"
    rt_start "${run}_lo" "$R2" "$TN_DIR/$run-lo.conf" "$lo"
    tn_check "[$run] insecure chk_bad refused: r1 ($hi, 150 not 50) Master" tn_wait_addr "$R1" eth0 $VIP 8
    sleep 2
    tn_check "[$run] ... and stays Master (chk_bad never counts)" has "$R1" $VIP
    tn_check "[$run] r2 ($lo) Backup" hasnt "$R2" $VIP
    for name in hi lo; do
        impl=$hi; [ $name = lo ] && impl=$lo
        tn_check "[$run] $impl ($name) ran vrrp_script chk_user as nobody (uid 65534)" \
            wait_for 3 grep -qx 65534 "$TN_DIR/out/$run-$name.uid"
        tn_check "[$run] $impl ($name) logged disabling chk_bad" \
            log_has "${run}_$name" "Disabling track script chk_bad due to insecure"
    done
    tn_check "[$run] $hi (hi) ran notify_master as nobody" wait_for 3 grep -qx 65534 "$TN_DIR/out/$run-hi.notify"
    if [ "$hi" = vr ]; then
        st=$(json_get "$(vr_status "${run}_hi" "$R1")" 'j["instances"][0]["effective_priority"]')
        tn_check "[$run] vrrpd tracks only chk_user: effective priority 150 ($st)" test "$st" = 150
    fi
    net_down
}

# ---- 11. Split brain: both Master while cut, one Master within one interval after the heal ----
# The cut: the bridge stops flooding multicast to r1's and r2's ports
# (mcast_flood off), so neither hears the other's adverts while links stay up
# and the client c still hears both. r2 becomes Master too and its GARPs point
# the client's neighbour entry at r2. The heal reaches r1 one advert interval
# before r2: r1 is then sure to hear r2's lower-priority adverts and must
# re-announce (an advert at once and GARP again: keepalived's
# garp_lower_prio_*); then r2 hears r1 and must yield within one interval.
# (With both sides healed at the same instant, whether r1 hears r2 before r2
# yields is a race, in keepalived too.)
sc_splitbrain() {
    local hi=$1 lo=$2 run=$3 m1 m2 t0 ms garps n
    net_up "$run"
    mkconf "$TN_DIR/$run-hi.conf" 150
    mkconf "$TN_DIR/$run-lo.conf" 100
    rt_start "${run}_hi" "$R1" "$TN_DIR/$run-hi.conf" "$hi"
    rt_start "${run}_lo" "$R2" "$TN_DIR/$run-lo.conf" "$lo"
    tn_check "[$run] r1 ($hi) Master" tn_wait_addr "$R1" eth0 $VIP 8
    m1=$(mac_of "$R1"); m2=$(mac_of "$R2")
    # The client learns the VIP's MAC (r1's).
    ip netns exec "$C" ping -c1 -W1 $VIP >/dev/null 2>&1 || true
    tn_check "[$run] client's neighbour entry for the VIP is r1's MAC" test "$(client_mac_for $VIP)" = "$m1"
    # Cut.
    ip -n "$BR" link set p1 type bridge_slave mcast_flood off
    ip -n "$BR" link set p2 type bridge_slave mcast_flood off
    tn_check "[$run] cut: r2 ($lo) becomes Master too" tn_wait_addr "$R2" eth0 $VIP 6
    tn_check "[$run] cut: r1 ($hi) is still Master (split brain)" has "$R1" $VIP
    # r2's GARPs (the second burst follows after vrrp_garp_master_delay 1 s).
    n=0; while [ "$(client_mac_for $VIP)" != "$m2" ] && [ $n -lt 30 ]; do sleep 0.1; n=$((n + 1)); done
    tn_check "[$run] cut: r2's GARP moved the client's entry to r2's MAC" test "$(client_mac_for $VIP)" = "$m2"
    sleep 1.2   # let r2's delayed GARP burst pass before capturing
    tn_capture_start "$run-arp" "$C" eth0 arp
    # Heal: r1's side first, r2's one advert interval (+0.2 s) later.
    ip -n "$BR" link set p1 type bridge_slave mcast_flood on
    sleep 0.7
    t0=$(tn_now)
    ip -n "$BR" link set p2 type bridge_slave mcast_flood on
    n=0; while has "$R2" $VIP && [ $n -lt 300 ]; do sleep 0.01; n=$((n + 1)); done
    ms=$(ms_since "$t0")
    tn_check "[$run] healed: r2 ($lo) yields within one advert interval (${ms} ms <= 500 + $TOL_MS)" \
        eval "hasnt $R2 $VIP && le $ms $((500 + TOL_MS))"
    tn_check "[$run] healed: r1 ($hi) is the one Master" has "$R1" $VIP
    sleep 1.5
    tn_check "[$run] healed: still one Master 1.5 s later" eval "has $R1 $VIP && hasnt $R2 $VIP"
    tn_capture_stop "$run-arp"
    tn_capture_text "$run-arp" -e >"$TN_DIR/$run-arp.txt"
    garps=$(grep -c "^[0-9:.]* $m1 > ff:ff:ff:ff:ff:ff.*ARP.*$VIP" "$TN_DIR/$run-arp.txt")
    tn_check "[$run] r1 ($hi) re-announced: $garps GARP(s) for $VIP from r1's MAC after the heal" ge "${garps:-0}" 1
    tn_check "[$run] the client's neighbour entry points to r1's MAC again" test "$(client_mac_for $VIP)" = "$m1"
    net_down
}

ALL="election hung sigterm preempt auth ipv6 unicast reload malformed track trackfile fifo scriptuser splitbrain"
for s in ${*:-$ALL}; do
    case " $ALL " in *" $s "*) ;; *) tn_die "unknown scenario $s (known: $ALL)" ;; esac
    both_ways "sc_$s"
    if [ "$s" = splitbrain ]; then
        echo "# --- sc_splitbrain: vrrpd = r1 and r2"
        sc_splitbrain vr vr splitbrain_vv
    fi
done
tn_summary vrrpd_interop
