#!/usr/bin/env bash
# The scale envelope (a measurement script, not a test; results in BENCHMARKING.md):
# one router namespace with up to 16 veth links (250 VRIDs each) to a peer
# namespace that only listens, keepalived 2.2.7 and vrrpd run one after the
# other with the same generated config. Every instance is alone on its link,
# so every instance becomes Master and sends.
#
# usage: VRRPD=target/release/vrrpd tests-netns/vrrpd-scale.sh memory [SIZES]
#        VRRPD=target/release/vrrpd tests-netns/vrrpd-scale.sh cpu [N] [SECS]
#        VRRPD=target/release/vrrpd tests-netns/vrrpd-scale.sh all
#
# memory: for each size (default "1 200 1000 4000"; advert_int 1 s): the time
#   from the start of the daemon until every VIP is on its interface (start-up
#   to all-Master: Master_Down_Interval is about 3.6 s of it for both), peak
#   and current RSS 5 s later (VmHWM / VmRSS summed over the processes of the
#   namespace: keepalived runs as two), then SIGTERM: the time until every
#   process has exited and the number of instances whose priority-0 advert
#   the peer captured.
# cpu: N instances (default 1000) with advert_int 0.01 s: CPU time
#   (utime + stime of the namespace's processes) over SECS (default 20)
#   seconds once all are Master, then three captures of 3 s on the first link
#   (250 instances): quiet, with a SIGHUP reload of the same config 1 s in, and
#   with a status request 1 s in (vrrpd: `vrrpd status`; keepalived: SIGUSR1,
#   its data dump). For each: adverts captured against the expected count and
#   the largest gap between two adverts of one VRID (the target is under
#   1.5 x advert_int), the packets tcpdump reports "dropped by kernel" (a
#   dropped packet also shows as a gap: the capture runs with
#   --immediate-mode and a 64 MiB buffer to keep them at zero) and the
#   1-minute load average at the end of the capture.
# floor: what sending alone costs at N instances x 10 ms (default 1000) for
#   SECS (default 20): vrrp-linux/examples/advert_floor (build it with `cargo build
#   --release -p vrrp-linux --example advert_floor`; FLOOR overrides the path)
#   sends the same adverts with no state machine, once with one sendto per
#   advert on a plain raw socket, once through vrrp-linux's VrrpSocket as vrrpd
#   does. The CPU rows compare with `cpu`'s.
# all: memory with the default sizes, then cpu, then floor.
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
tn_init vscale
tn_require_root
tn_require_tool ip keepalived tcpdump tshark awk
VRRPD=${VRRPD:-$HERE/../target/release/vrrpd}
[ -x "$VRRPD" ] || tn_skip "vrrpd binary not found at $VRRPD"

R=$(tn_ns rtr)
P=$(tn_ns peer)
LINKS=0
# links N: at least N veth links eth0..eth(N-1) between the two namespaces.
links() {
    local k
    while [ "$LINKS" -lt "$1" ]; do
        k=$LINKS
        tn_link "$R" "eth$k" "$P" "eth$k"
        tn_addr "$R" "eth$k" "10.90.$k.1/24"
        tn_addr "$P" "eth$k" "10.90.$k.2/24"
        LINKS=$((LINKS + 1))
    done
}

# conf FILE N ADVERT: N instances, 250 per link, each with one /32 VIP.
conf() {
    local f=$1 n=$2 adv=$3 i k v
    printf 'global_defs {\n    router_id scale\n    vrrp_garp_master_delay 0\n    vrrp_garp_master_refresh 0\n}\n' >"$f"
    for ((i = 0; i < n; i++)); do
        k=$((i / 250)); v=$((i % 250 + 1))
        printf 'vrrp_instance VI_%d {\n    state BACKUP\n    interface eth%d\n    virtual_router_id %d\n    version 3\n    priority 100\n    advert_int %s\n    virtual_ipaddress {\n        10.%d.0.%d/32\n    }\n}\n' \
            "$i" "$k" "$v" "$adv" "$((100 + k))" "$v" >>"$f"
    done
}

# SCALE_IMPLS="vr" (or "ka") runs one daemon only (default "ka vr").
# SCALE_RT=N runs both daemons under SCHED_FIFO priority N (`chrt -f N`), to
# tell the daemons' own delays from the machine's scheduling on a loaded host.
RT=()
[ -n "${SCALE_RT:-}" ] && RT=(chrt -f "$SCALE_RT")
start() { # IMPL CONF
    case $1 in
        ka) tn_bg "ka-$$-$RANDOM" "$R" "${RT[@]}" keepalived -n -l -D -G -P -f "$2" \
            -p "$TN_DIR/ka.pid" -r "$TN_DIR/ka.vrrp.pid" ;;
        vr) tn_bg "vr-$$-$RANDOM" "$R" "${RT[@]}" "$VRRPD" -f "$2" -p "$TN_DIR/vr.pid" --socket "$TN_DIR/vr.sock" ;;
    esac
}

vips() { ip -n "$R" -o -4 addr show 2>/dev/null | awk '$4 ~ /^10\.1[0-9][0-9]\.0\./' | wc -l; }

# wait_vips N SECS: until N VIPs are installed; prints the seconds taken or "-".
wait_vips() {
    local n=$1 limit=$2 t0 now
    t0=$(date +%s%N)
    while :; do
        [ "$(vips)" -ge "$n" ] && { awk -v a="$t0" -v b="$(date +%s%N)" 'BEGIN { printf "%.2f\n", (b - a) / 1e9 }'; return 0; }
        now=$(date +%s%N)
        [ $(((now - t0) / 1000000000)) -ge "$limit" ] && { echo -; return 1; }
        sleep 0.05
    done
}

# ns_sum FIELD: sum of a /proc/PID/status field (kB) over the namespace's processes.
ns_sum() {
    local p s=0 v
    for p in $(ip netns pids "$R"); do
        v=$(awk -v f="$1:" '$1 == f {print $2}' "/proc/$p/status" 2>/dev/null)
        s=$((s + ${v:-0}))
    done
    echo "$s"
}
# ns_cpu: utime + stime (ms) of the namespace's processes.
ns_cpu() {
    local p s=0 t
    for p in $(ip netns pids "$R"); do
        t=$(awk '{print $14 + $15}' "/proc/$p/stat" 2>/dev/null)
        s=$((s + ${t:-0}))
    done
    echo $((s * 1000 / $(getconf CLK_TCK)))
}

# stop_all: SIGTERM to the daemon, wait (at most 30 s) until the namespace
# has no process; prints the seconds taken.
stop_all() {
    local t0 n=0 p
    t0=$(date +%s%N)
    case $IMPL in
        ka) kill -TERM "$(cat "$TN_DIR/ka.pid")" 2>/dev/null ;;
        vr) kill -TERM "$(cat "$TN_DIR/vr.pid")" 2>/dev/null ;;
    esac
    while [ -n "$(ip netns pids "$R")" ] && [ $n -lt 600 ]; do sleep 0.05; n=$((n + 1)); done
    awk -v a="$t0" -v b="$(date +%s%N)" 'BEGIN { printf "%.2f\n", (b - a) / 1e9 }'
    p=$(ip netns pids "$R"); [ -z "$p" ] || kill -KILL $p 2>/dev/null
    sleep 0.2
    ip -n "$R" -o -4 addr show | awk '$4 ~ /^10\.1[0-9][0-9]\.0\./ {print $2, $4}' |
        while read -r dev a; do ip -n "$R" addr del "$a" dev "$dev"; done
}

memory() {
    local sizes=${1:-1 200 1000 4000} n up hwm rss down zero cap
    printf '%-10s %6s %12s %12s %12s %10s %10s\n' impl inst startup_s peak_rss_kb rss_kb stop_s prio0_seen
    for n in $sizes; do
        links $(((n + 249) / 250))
        conf "$TN_DIR/mem.conf" "$n" 1
        for IMPL in ${SCALE_IMPLS:-ka vr}; do
            start "$IMPL" "$TN_DIR/mem.conf"
            up=$(wait_vips "$n" 60)
            sleep 5
            hwm=$(ns_sum VmHWM); rss=$(ns_sum VmRSS)
            cap="$TN_DIR/stop-$IMPL-$n.pcap"
            ip netns exec "$P" timeout 40 tcpdump -i any --immediate-mode -s 96 -U -w "$cap" 'ip proto 112' 2>/dev/null &
            local dump=$!
            sleep 1
            down=$(stop_all)
            sleep 1
            kill -INT "$dump" 2>/dev/null; wait "$dump" 2>/dev/null
            zero=$(tshark -r "$cap" -Y 'vrrp.prio == 0' -T fields -e ip.dst -e vrrp.virt_rtr_id -e sll.ifindex 2>/dev/null | sort -u | wc -l)
            printf '%-10s %6s %12s %12s %12s %10s %10s\n' "$IMPL" "$n" "$up" "$hwm" "$rss" "$down" "$zero"
        done
    done
}

# gaps PCAP: "captured/expected max_gap_ms" for the VRIDs of one link at
# 100 adverts/s; expected from each VRID's first to last captured advert.
gaps() {
    tshark -r "$1" -Y vrrp -T fields -e vrrp.virt_rtr_id -e frame.time_epoch 2>/dev/null |
        awk '{ if ($1 in last) { g = ($2 - last[$1]) * 1000; if (g > m) m = g } else first[$1] = $2
               last[$1] = $2; c++ }
             END { for (v in first) e += int((last[v] - first[v]) * 100 + 0.5) + 1
                   printf "%d/%d %.1f\n", c, e, m }'
}

cpu() {
    local n=${1:-1000} secs=${2:-20} c0 c1 cap what
    links $(((n + 249) / 250))
    conf "$TN_DIR/cpu.conf" "$n" 0.01
    printf '%-10s %6s %10s %8s %-8s %16s %10s %8s %6s\n' impl inst cpu_ms core_% capture adverts max_gap_ms cap_drop load
    for IMPL in ${SCALE_IMPLS:-ka vr}; do
        start "$IMPL" "$TN_DIR/cpu.conf"
        if [ "$(wait_vips "$n" 60)" = - ]; then tn_log "$IMPL: not all Master"; fi
        sleep 1
        c0=$(ns_cpu); sleep "$secs"; c1=$(ns_cpu)
        for what in quiet reload status; do
            cap="$TN_DIR/cpu-$IMPL-$what.pcap"
            ip netns exec "$P" timeout 10 tcpdump -i eth0 --immediate-mode -B 65536 -s 64 -U -w "$cap" 'ip proto 112' 2>"$cap.err" &
            local dump=$!
            sleep 0.5
            (
                sleep 1
                case $what-$IMPL in
                    reload-ka) kill -HUP "$(cat "$TN_DIR/ka.pid")" ;;
                    reload-vr) kill -HUP "$(cat "$TN_DIR/vr.pid")" ;;
                    status-ka) kill -USR1 "$(cat "$TN_DIR/ka.pid")" ;;
                    status-vr) "$VRRPD" status --socket "$TN_DIR/vr.sock" >/dev/null ;;
                esac
            ) &
            local poke=$!
            sleep 3
            kill -INT "$dump" 2>/dev/null; wait "$dump" 2>/dev/null
            wait "$poke" 2>/dev/null
            printf '%-10s %6s %10s %8s %-8s %16s %10s %8s %6s\n' "$IMPL" "$n" "$((c1 - c0))" \
                "$(awk -v c=$((c1 - c0)) -v s="$secs" 'BEGIN { printf "%.1f", c / (s * 10) }')" "$what" $(gaps "$cap") \
                "$(awk '/dropped by kernel/ { print $1 }' "$cap.err")" "$(cut -d' ' -f1 /proc/loadavg)"
        done
        stop_all >/dev/null
    done
}

floor() {
    local n=${1:-1000} secs=${2:-20} how
    local bin=${FLOOR:-$HERE/../target/release/examples/advert_floor}
    [ -x "$bin" ] || tn_skip "advert_floor not found at $bin"
    links $(((n + 249) / 250))
    for how in raw socket; do
        ip netns exec "$R" "$bin" "$how" "$n" "$secs"
    done
}

case ${1:-} in
    memory) memory "${2:-1 200 1000 4000}" ;;
    cpu) cpu "${2:-1000}" "${3:-20}" ;;
    floor) floor "${2:-1000}" "${3:-20}" ;;
    all) memory; cpu; floor ;;
    *) echo "usage: $0 memory [SIZES] | cpu [N] [SECS] | floor [N] [SECS] | all" >&2; exit 2 ;;
esac
