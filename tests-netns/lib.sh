#!/usr/bin/env bash
# tests-netns/lib.sh: a bash library for VRRP interop tests in network namespaces.
#
# Source it from a scenario script (see README.md beside this file):
#     . "$(dirname "$0")/lib.sh"
#     tn_init pair              # unique prefix, work dir, cleanup trap
#     tn_require_root; tn_require_tool keepalived
#     r1=$(tn_ns r1); r2=$(tn_ns r2)
#     tn_link "$r1" eth0 "$r2" eth0
#
# Every namespace, process and capture it starts is recorded and removed on EXIT
# (also on failure or Ctrl-C). Addresses: 10.0.0.0/8 and fd00::/8, inside the
# namespaces only. Nothing here touches the host namespace's interfaces.

# ---- state ------------------------------------------------------------------
# Namespaces and background pids are recorded in files under $TN_DIR (not bash
# arrays) so that helpers called inside $(...) subshells register them too.
TN_PASS=0
TN_FAIL=0

tn_log()  { printf '[%s] %s\n' "$(date +%H:%M:%S.%3N)" "$*" >&2; }
tn_die()  { tn_log "FATAL: $*"; exit 1; }

# tn_init TAG: unique prefix "tn-TAG-PID", work dir $TN_DIR, trap cleanup.
# TN_KEEP=1 keeps the work dir (logs, captures) after exit; TN_NS_PREFIX
# replaces the leading "tn" (a machine where each user's namespaces carry
# their own prefix).
tn_init() {
    local tag=${1:?tag}
    TN_PREFIX="${TN_NS_PREFIX:-tn}-${tag}-$$"
    TN_DIR=$(mktemp -d "/tmp/${TN_PREFIX}.XXXXXX")
    : >"$TN_DIR/.namespaces"
    : >"$TN_DIR/.pids"
    trap tn_cleanup EXIT
    trap 'exit 130' INT TERM
    tn_log "prefix $TN_PREFIX, work dir $TN_DIR"
}

# tn_skip REASON: print a loud SKIPPED line and exit 0.
tn_skip() { echo "SKIPPED: ${TN_PREFIX:-tests-netns}: $*"; exit 0; }
tn_require_root() { [ "$(id -u)" = 0 ] || tn_skip "needs root"; }
tn_require_tool() { local t; for t in "$@"; do command -v "$t" >/dev/null 2>&1 || tn_skip "$t not installed"; done; }

tn_cleanup() {
    local rc=$? pid ns
    [ -n "${TN_DIR:-}" ] && [ -d "$TN_DIR" ] || exit "$rc"
    local pids namespaces
    pids=$(cat "$TN_DIR/.pids")
    namespaces=$(cat "$TN_DIR/.namespaces")
    for ns in $namespaces; do tn_thaw_ns "$ns" 2>/dev/null || true; done
    for pid in $pids; do
        kill -TERM "$pid" 2>/dev/null || true
    done
    # Give daemons a moment to exit cleanly, then make sure.
    for pid in $pids; do
        for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$pid" 2>/dev/null || true
    done
    for ns in $namespaces; do
        # Anything still running inside (a frozen or forgotten child) goes too.
        local inside
        inside=$(ip netns pids "$ns" 2>/dev/null || true)
        if [ -n "$inside" ]; then
            kill -CONT $inside 2>/dev/null || true
            kill -KILL $inside 2>/dev/null || true
        fi
        ip netns del "$ns" 2>/dev/null || true
    done
    if [ -n "${TN_DIR:-}" ] && [ -d "$TN_DIR" ]; then
        if [ "${TN_KEEP:-0}" = 1 ] || [ "$rc" != 0 ]; then
            tn_log "work dir kept: $TN_DIR"
        else
            rm -rf "$TN_DIR"
        fi
    fi
    exit "$rc"
}

# ---- topology -----------------------------------------------------------------
# tn_ns NAME: create namespace $TN_PREFIX-NAME (lo up, no IPv6 DAD), print its name.
tn_ns() {
    local ns="${TN_PREFIX:?call tn_init first}-${1:?name}"
    ip netns add "$ns" || tn_die "ip netns add $ns"
    echo "$ns" >>"$TN_DIR/.namespaces"
    ip -n "$ns" link set lo up
    ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
    echo "$ns"
}

# tn_link NS1 IF1 NS2 IF2: a veth pair between two namespaces, both ends up.
tn_link() {
    local n1=$1 i1=$2 n2=$3 i2=$4
    ip -n "$n1" link add "$i1" type veth peer name "$i2" netns "$n2" || tn_die "veth $n1/$i1-$n2/$i2"
    ip -n "$n1" link set "$i1" up
    ip -n "$n2" link set "$i2" up
}

# tn_lan BRIDGE_NS IF HOST_NS...: one Ethernet segment for 3+ hosts: a bridge br0
# in BRIDGE_NS (made with tn_ns) and interface IF in every host namespace plugged
# into it.
tn_lan() {
    local br=$1 ifname=$2; shift 2
    ip -n "$br" link add br0 type bridge || tn_die "bridge in $br"
    ip -n "$br" link set br0 type bridge mcast_snooping 0
    ip -n "$br" link set br0 up
    local i=0 host
    for host in "$@"; do
        i=$((i + 1))
        ip -n "$br" link add "p$i" type veth peer name "$ifname" netns "$host" || tn_die "veth p$i"
        ip -n "$br" link set "p$i" master br0
        ip -n "$br" link set "p$i" up
        ip -n "$host" link set "$ifname" up
    done
}

# tn_addr NS IF ADDR/PREFIX: add an address (nodad for IPv6).
tn_addr() {
    case $3 in
        *:*) ip -n "$1" addr add "$3" dev "$2" nodad ;;
        *) ip -n "$1" addr add "$3" dev "$2" ;;
    esac || tn_die "addr $3 on $1/$2"
}

# tn_wait_ready NS IF [SECS]: wait until IF is operationally up with a usable
# IPv6 link-local address (the kernel drops IPv6 multicast until then).
tn_wait_ready() {
    local ns=$1 ifname=$2 limit=${3:-5} t=0
    while [ "$t" -lt $((limit * 20)) ]; do
        if ip -n "$ns" link show "$ifname" | grep -q 'state UP' &&
            ip -n "$ns" -6 addr show dev "$ifname" scope link | grep -q 'inet6 fe80' &&
            ! ip -n "$ns" -6 addr show dev "$ifname" scope link | grep -q tentative; then
            return 0
        fi
        sleep 0.05; t=$((t + 1))
    done
    tn_die "$ns/$ifname not ready after ${limit}s"
}

# tn_wait_for SECS CMD...: poll CMD every 50 ms until it succeeds (status 0)
# or SECS pass (status 1).
tn_wait_for() {
    local limit=$1 t=0; shift
    while ! "$@"; do
        sleep 0.05; t=$((t + 1))
        [ $t -lt $((limit * 20)) ] || return 1
    done
}

# tn_exec NS CMD...: run a command in a namespace.
tn_exec() { local ns=$1; shift; ip netns exec "$ns" "$@"; }

# tn_bg NAME NS CMD...: start CMD in NS in the background, output to
# $TN_DIR/NAME.log; records the pid for cleanup and sets TN_LAST_PID (call it
# directly, not in $(...), so that `wait` can reap it).
tn_bg() {
    local name=$1 ns=$2; shift 2
    ip netns exec "$ns" "$@" >"$TN_DIR/$name.log" 2>&1 &
    TN_LAST_PID=$!
    echo "$TN_LAST_PID" >>"$TN_DIR/.pids"
}

# ---- addresses ------------------------------------------------------------------
# tn_has_addr NS IF ADDR: true when ADDR (no prefix) is on IF.
tn_has_addr() {
    ip -n "$1" -o addr show dev "$2" 2>/dev/null | awk '{print $4}' | cut -d/ -f1 | grep -qxF "$3"
}

# tn_wait_addr NS IF ADDR [SECS]: wait until ADDR is on IF (polls every 10 ms).
tn_wait_addr() {
    local ns=$1 ifname=$2 addr=$3 limit=${4:-10} end
    end=$(( $(date +%s%3N) + limit * 1000 ))
    while [ "$(date +%s%3N)" -lt "$end" ]; do
        tn_has_addr "$ns" "$ifname" "$addr" && return 0
        sleep 0.01
    done
    return 1
}

# tn_wait_no_addr NS IF ADDR [SECS]: wait until ADDR is gone from IF.
tn_wait_no_addr() {
    local ns=$1 ifname=$2 addr=$3 limit=${4:-10} end
    end=$(( $(date +%s%3N) + limit * 1000 ))
    while [ "$(date +%s%3N)" -lt "$end" ]; do
        tn_has_addr "$ns" "$ifname" "$addr" || return 0
        sleep 0.01
    done
    return 1
}

# tn_monitor_start NAME NS: record kernel address events of NS with timestamps
# (`ip -ts monitor address`) into $TN_DIR/NAME.mon.
tn_monitor_start() {
    local name=$1 ns=$2
    ip -n "$ns" -ts monitor address >"$TN_DIR/$name.mon" 2>&1 &
    echo "$!" >>"$TN_DIR/.pids"
    sleep 0.2 # let it subscribe
}

# tn_monitor_first_add NAME ADDR: epoch seconds (with fraction) of the first
# "address added" event for ADDR in monitor NAME, or nothing. The monitor
# writes the event a little after the kernel made it (it has to be scheduled:
# under load that took longer than the caller's own check of the address), so
# this waits up to 3 s for the line to appear.
tn_monitor_first_add() {
    local line ts i
    for i in $(seq 60); do
        line=$(grep -v '^\[[^]]*\] Deleted' "$TN_DIR/$1.mon" | grep -F " $2/" | head -1)
        [ -z "$line" ] || break
        sleep 0.05
    done
    [ -n "$line" ] || return 1
    ts=${line#[}; ts=${ts%%]*}
    date -d "$ts" +%s.%N
}

# tn_now: epoch seconds with nanoseconds.
tn_now() { date +%s.%N; }

# tn_ms_between T0 T1: milliseconds from T0 to T1 (epoch seconds with fraction).
tn_ms_between() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%d\n", (b - a) * 1000 + 0.5 }'; }

# ---- captures ---------------------------------------------------------------------
# tn_capture_start NAME NS IF [FILTER...]: tcpdump into $TN_DIR/NAME.pcap; returns
# once tcpdump listens.
tn_capture_start() {
    local name=$1 ns=$2 ifname=$3; shift 3
    ip netns exec "$ns" tcpdump -i "$ifname" -nn -U --immediate-mode -w "$TN_DIR/$name.pcap" "$@" 2>"$TN_DIR/$name.tcpdump.err" &
    local pid=$!
    echo "$pid" >>"$TN_DIR/.pids"
    eval "TN_CAPTURE_PID_${name//[^A-Za-z0-9_]/_}=$pid"
    local t=0
    until grep -q 'listening on' "$TN_DIR/$name.tcpdump.err" 2>/dev/null; do
        sleep 0.05; t=$((t + 1))
        [ "$t" -lt 100 ] || tn_die "tcpdump $name did not start: $(cat "$TN_DIR/$name.tcpdump.err")"
    done
}

# tn_capture_stop NAME: stop the capture and flush the file.
tn_capture_stop() {
    local var="TN_CAPTURE_PID_${1//[^A-Za-z0-9_]/_}"
    local pid=${!var:-}
    [ -n "$pid" ] || return 0
    sleep 0.1 # packets still in flight on the veth
    kill -INT "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}

# tn_capture_text NAME [tcpdump read options...]: the capture decoded as text.
tn_capture_text() { local name=$1; shift; tcpdump -r "$TN_DIR/$name.pcap" -nn "$@" 2>/dev/null; }

# ---- keepalived -----------------------------------------------------------------------
# tn_keepalived_start NAME NS CONF: run keepalived 2.2.7 (VRRP only, foreground,
# console log) in NS with pid files in $TN_DIR; log in $TN_DIR/NAME.log.
# Sets TN_KA_PID_<NAME> to the parent's pid.
tn_keepalived_start() {
    local name=$1 ns=$2 conf=$3 pid
    tn_bg "$name" "$ns" keepalived -n -l -D -G -P -f "$conf" \
        -p "$TN_DIR/$name.pid" -r "$TN_DIR/$name.vrrp.pid"
    pid=$TN_LAST_PID
    eval "TN_KA_PID_${name//[^A-Za-z0-9_]/_}=$pid"
    tn_log "keepalived $name started in $ns (pid $pid)"
}

# tn_keepalived_pid NAME: the parent process's pid.
tn_keepalived_pid() { local var="TN_KA_PID_${1//[^A-Za-z0-9_]/_}"; echo "${!var:-}"; }

# tn_keepalived_vrrp_pid NAME: the VRRP child's pid (from its pid file).
tn_keepalived_vrrp_pid() { cat "$TN_DIR/$1.vrrp.pid" 2>/dev/null; }

# tn_keepalived_wait_exit NAME [SECS]: wait for the parent to exit.
tn_keepalived_wait_exit() {
    local pid t=0
    pid=$(tn_keepalived_pid "$1")
    while kill -0 "$pid" 2>/dev/null; do
        sleep 0.05; t=$((t + 1))
        [ "$t" -lt $(( ${2:-10} * 20 )) ] || return 1
    done
    wait "$pid" 2>/dev/null || true
}

# tn_freeze_ns NS / tn_thaw_ns NS: SIGSTOP / SIGCONT every process in NS (a hung
# master).
tn_freeze_ns() { local p; p=$(ip netns pids "$1"); [ -z "$p" ] || kill -STOP $p; }
tn_thaw_ns() { local p; p=$(ip netns pids "$1"); [ -z "$p" ] || kill -CONT $p; }

# tn_vrrp_conf FILE IFACE VRID PRIORITY VIP/PREFIX [EXTRA_LINES]: write a minimal
# keepalived.conf with one vrrp_instance.
tn_vrrp_conf() {
    local file=$1 ifname=$2 vrid=$3 prio=$4 vip=$5 extra=${6:-}
    cat >"$file" <<CONF
global_defs {
    router_id ${TN_PREFIX}-${vrid}-${prio}
}
vrrp_instance VI_${vrid} {
    state BACKUP
    interface ${ifname}
    virtual_router_id ${vrid}
    priority ${prio}
    advert_int 1
${extra}
    virtual_ipaddress {
        ${vip} dev ${ifname}
    }
}
CONF
}

# ---- one router: keepalived or vrrpd ------------------------------------------------
# tn_router_up NAME NS CONF IMPL: start keepalived (IMPL ka) or $VRRPD (IMPL vr,
# debug log, pid/socket/dump files in $TN_DIR) in NS with CONF; log in
# $TN_DIR/NAME.log; the pid is kept for tn_router_down.
tn_router_up() {
    local name=$1 ns=$2 conf=$3 impl=$4
    case $impl in
        ka) tn_keepalived_start "$name" "$ns" "$conf"; eval "TN_ROUTER_PID_$name=\$(tn_keepalived_pid $name)" ;;
        vr)
            tn_bg "$name" "$ns" "${VRRPD:?set VRRPD}" -D -f "$conf" -p "$TN_DIR/$name.pid" \
                --socket "$TN_DIR/$name.sock" --dump-file "$TN_DIR/$name.dump"
            eval "TN_ROUTER_PID_$name=$TN_LAST_PID"
            ;;
    esac
}
# tn_router_pid NAME: its pid (empty once down).
tn_router_pid() { local v="TN_ROUTER_PID_$1"; echo "${!v:-}"; }
# tn_router_down NAME: SIGTERM, wait up to 6 s, then SIGKILL; reaps it.
tn_router_down() {
    local t=0 p
    p=$(tn_router_pid "$1")
    [ -n "$p" ] || return 0
    kill -TERM "$p" 2>/dev/null || true
    while kill -0 "$p" 2>/dev/null && [ "$(ps -o stat= -p "$p" 2>/dev/null | cut -c1)" != Z ] && [ $t -lt 120 ]; do
        sleep 0.05; t=$((t + 1))
    done
    kill -KILL "$p" 2>/dev/null || true
    wait "$p" 2>/dev/null || true
    eval "TN_ROUTER_PID_$1="
}
# tn_teardown NS...: kill what runs in the namespaces and delete them (one
# scenario of several in a script; the EXIT trap does the rest).
tn_teardown() {
    local ns p
    for ns in "$@"; do
        p=$(ip netns pids "$ns" 2>/dev/null || true)
        [ -z "$p" ] || kill -CONT $p 2>/dev/null || true # frozen (SIGSTOP) routers too
        [ -z "$p" ] || kill -TERM $p 2>/dev/null || true
    done
    sleep 0.3
    for ns in "$@"; do
        p=$(ip netns pids "$ns" 2>/dev/null || true)
        [ -z "$p" ] || kill -KILL $p 2>/dev/null || true
        ip netns del "$ns" 2>/dev/null || true
    done
    wait 2>/dev/null || true
    local keep=""
    for p in $(cat "$TN_DIR/.pids"); do kill -0 "$p" 2>/dev/null && keep="$keep $p"; done
    printf '%s\n' $keep >"$TN_DIR/.pids"
}
# tn_link_mac NS IF: the MAC of IF (empty if there is no IF).
tn_link_mac() { ip -n "$1" -o link show "$2" 2>/dev/null | sed -n 's/.*link\/ether \([0-9a-f:]*\).*/\1/p'; }
# tn_neigh_mac NS IF ADDR: the MAC of IF's neighbour entry for ADDR.
tn_neigh_mac() { ip -n "$1" neigh show "$3" dev "$2" | awk '{for(i=1;i<NF;i++) if($i=="lladdr") print $(i+1)}'; }

# ---- assertions ------------------------------------------------------------------
tn_ok()   { TN_PASS=$((TN_PASS + 1)); echo "ok - $*"; }
tn_notok() { TN_FAIL=$((TN_FAIL + 1)); echo "not ok - $*"; }
# tn_check DESCRIPTION CMD...: run CMD, count pass/fail.
tn_check() { local d=$1; shift; if "$@"; then tn_ok "$d"; else tn_notok "$d"; fi; }
# tn_summary NAME: the closing "NAME: N passed, N failed" line; exit status 1 on failure.
tn_summary() {
    echo "${1:-tests-netns}: $TN_PASS passed, $TN_FAIL failed"
    [ "$TN_FAIL" = 0 ]
}
