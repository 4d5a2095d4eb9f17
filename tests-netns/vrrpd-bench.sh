#!/usr/bin/env bash
# Measurements (a script, not a test; results in BENCHMARKING.md): failover time and resource use,
# vrrpd<->vrrpd against keepalived<->keepalived in the same harness.
#
# usage: VRRPD=target/release/vrrpd tests-netns/vrrpd-bench.sh failover [RUNS]
#        VRRPD=target/release/vrrpd tests-netns/vrrpd-bench.sh breakdown [RUNS]
#        VRRPD=target/release/vrrpd tests-netns/vrrpd-bench.sh trace
#        VRRPD=target/release/vrrpd tests-netns/vrrpd-bench.sh resources [SECS]
#
# failover: r1 (priority 100) Master, r2 (priority 90) Backup, VRRPv3, one VIP;
#   for advert_int 1 s and 0.1 s, RUNS times each (default 20), and for each
#   case of KINDS (default "hung hung-rand sigterm"), time from the event to
#   the kernel's RTM_NEWADDR of the VIP on r2 (`ip -ts monitor address`):
#   hung      every process of r1's namespace frozen (SIGSTOP) by
#             tests-netns/advert-trigger.py in r2 as soon as r2's kernel has
#             received one of r1's adverts, so the freeze lands at the same
#             phase for every run and both implementations. Two rows: "hung"
#             from the freeze, "hung@adv" from that advert's kernel receive
#             time (SO_TIMESTAMPNS) on r2, whose RFC bound is exactly
#             Master_Down_Interval. A run where r1 still sent an advert after
#             the trigger is not counted (logged).
#   hung-rand the freeze at a random phase of r1's advert cycle (the older
#             metric: Master_Down_Interval minus up to one interval).
#   sigterm   `kill -TERM` of r1's daemon (priority-0 advert), bound Skew_Time.
#   Prints median, max and run count per case and implementation, the RFC
#   bound (Master_Down_Interval(90) for hung, Skew_Time(90) for SIGTERM) and
#   the ratio vrrpd / keepalived.
# breakdown: SIGTERM takeover split in three from a capture on r2 and its
#   address monitor: SIGTERM -> the priority-0 advert on the wire (old Master),
#   that advert -> the new Master's first advert minus Skew_Time (the Backup's
#   timer), that advert -> RTM_NEWADDR of the VIP (the new Master's VIP add).
#   Medians per implementation, advert_int 1 s and 0.1 s.
# BENCH_RT=PRIO runs every daemon (keepalived and vrrpd alike) under
#   `chrt -f PRIO` (SCHED_FIFO) and the measuring shell and its tools at
#   PRIO-1, so that other load on the machine does not decide the comparison;
#   unset (the default) runs everything as the system would.
# resources: one router alone with 1 and with 200 instances (advert_int 1 s, so
#   all are Master and send), for SECS (default 60) seconds; CPU time
#   (utime+stime of the process tree in the namespace) and peak RSS (VmHWM).
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
tn_init vbench
tn_require_root
tn_require_tool ip keepalived python3
VRRPD=${VRRPD:-$HERE/../target/release/vrrpd}
[ -x "$VRRPD" ] || tn_skip "vrrpd binary not found at $VRRPD"
VIP=10.78.0.100

conf() { # FILE PRIO ADVERT [NINST]
    local f=$1 prio=$2 adv=$3 n=${4:-1} i
    printf 'global_defs {\n    router_id b%s\n    vrrp_garp_master_delay 0\n}\n' "$prio" >"$f"
    for i in $(seq 1 "$n"); do
        cat >>"$f" <<CONF
vrrp_instance VI_$i {
    state BACKUP
    interface eth0
    virtual_router_id $i
    version 3
    priority $prio
    advert_int $adv
    virtual_ipaddress {
        10.78.$((i / 250 + 1)).$((i % 250 + 1))/16 dev eth0
    }
}
CONF
    done
}

RT=()
if [ -n "${BENCH_RT:-}" ]; then
    tn_require_tool chrt
    RT=(chrt -f "$BENCH_RT")
    # The measuring side too (this shell, so `date`/`kill`, `ip monitor` and
    # tcpdump), one step below the daemons, so that load does not delay the
    # timestamps either.
    chrt -f -p "$((BENCH_RT > 1 ? BENCH_RT - 1 : 1))" $$ >/dev/null || tn_die "chrt on the bench shell"
    tn_log "every daemon runs under ${RT[*]}, the measuring shell one priority lower"
fi
start() { # NAME NS CONF IMPL
    case $4 in
        # tn_keepalived_start's command line, with the optional chrt prefix.
        ka) tn_bg "$1" "$2" "${RT[@]}" keepalived -n -l -D -G -P -f "$3" \
            -p "$TN_DIR/$1.pid" -r "$TN_DIR/$1.vrrp.pid" ;;
        vr) tn_bg "$1" "$2" "${RT[@]}" "$VRRPD" -f "$3" -p "$TN_DIR/$1.pid" --socket "$TN_DIR/$1.sock" ;;
    esac
}
stop_ns() { # NS: stop every process in NS and wait until they are gone
    local p t=0
    p=$(ip netns pids "$1"); [ -z "$p" ] && return 0
    kill -CONT $p 2>/dev/null; kill -TERM $p 2>/dev/null
    while [ -n "$(ip netns pids "$1")" ] && [ $t -lt 60 ]; do sleep 0.05; t=$((t + 1)); done
    p=$(ip netns pids "$1"); [ -z "$p" ] || kill -KILL $p 2>/dev/null
    ip -n "$1" addr flush dev eth0 scope global 2>/dev/null
}

stats() { # prints "median max" of the numbers on stdin (ms, 0.1 ms resolution)
    sort -n | awk '{a[NR]=$1} END { if (NR==0) { print "- -"; exit } m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; printf "%.1f %.1f\n", m, a[NR] }'
}
# ms_between T0 T1: milliseconds (3 decimals) from T0 to T1 (epoch seconds).
ms_between() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f\n", (b - a) * 1000 }'; }

# one_run KIND ADV IMPL I: one takeover; appends milliseconds to the case files
# (hung: "from the freeze" to hung-ADV-IMPL.ms and "from the last advert" to
# hung@adv-ADV-IMPL.ms; hung-rand and sigterm: from the freeze / SIGTERM).
one_run() {
    local kind=$1 adv=$2 impl=$3 i=$4 t0 t1 hpid monpid trig trigpid= vip_ip=10.78.1.2 pids ta tf n
    ip -n "$R1" addr add 10.78.0.1/16 dev eth0 2>/dev/null; ip -n "$R2" addr add 10.78.0.2/16 dev eth0 2>/dev/null
    start "h$i" "$R1" "$TN_DIR/hi.conf" "$impl"
    hpid=$TN_LAST_PID
    sleep 0.2
    start "l$i" "$R2" "$TN_DIR/lo.conf" "$impl"
    if ! tn_wait_addr "$R1" eth0 $vip_ip 10; then
        tn_log "$kind $adv $impl run $i: no Master"; stop_ns "$R1"; stop_ns "$R2"; return
    fi
    sleep "$(awk -v a="$adv" 'BEGIN { print 2 * a + 0.3 }')"
    tn_monitor_start "m$i" "$R2"
    monpid=$(tail -1 "$TN_DIR/.pids")
    case $kind in
        hung)
            # Phase-free: a listener in the Backup's namespace freezes every
            # process of the Master's namespace as soon as the kernel hands it
            # one of the Master's adverts (tests-netns/advert-trigger.py).
            trig="t-$kind-$adv-$impl-$i"
            pids=$(ip netns pids "$R1")
            # shellcheck disable=SC2086 # one argument per pid
            tn_bg "$trig" "$R2" python3 "$HERE/advert-trigger.py" 10.78.0.1 $pids
            trigpid=$TN_LAST_PID
            n=0
            until grep -q '^ready' "$TN_DIR/$trig.log" 2>/dev/null; do
                sleep 0.01; n=$((n + 1))
                [ $n -lt 500 ] || { tn_log "run $i: trigger did not start"; break; }
            done
            ;;
        hung-rand)
            # The old metric: the freeze lands at a random phase of the advert timer.
            sleep "0.$((RANDOM % 100))"; t0=$(tn_now); tn_freeze_ns "$R1" ;;
        sigterm)
            sleep "0.$((RANDOM % 100))"; t0=$(tn_now); kill -TERM "$hpid" ;;
    esac
    if tn_wait_addr "$R2" eth0 $vip_ip 10 && t1=$(tn_monitor_first_add "m$i" $vip_ip); then
        if [ "$kind" = hung ]; then
            sleep 0.05 # a late advert would show now
            ta=$(awk '$1 == "advert" { print $2 }' "$TN_DIR/$trig.log")
            tf=$(awk '$1 == "freeze" { print $2 }' "$TN_DIR/$trig.log")
            if [ -z "$ta" ] || [ -z "$tf" ]; then
                tn_log "hung $adv $impl run $i: no trigger advert"
            elif grep -q '^late' "$TN_DIR/$trig.log"; then
                tn_log "hung $adv $impl run $i: not counted, the Master sent again after the trigger"
            else
                ms_between "$tf" "$t1" >>"$TN_DIR/hung-$adv-$impl.ms"
                ms_between "$ta" "$t1" >>"$TN_DIR/hung@adv-$adv-$impl.ms"
                ms_between "$ta" "$tf" >>"$TN_DIR/trigger-$adv-$impl.ms"
            fi
        else
            ms_between "$t0" "$t1" >>"$TN_DIR/$kind-$adv-$impl.ms"
        fi
    else
        tn_log "$kind $adv $impl run $i: no takeover"
    fi
    stop_ns "$R1"; stop_ns "$R2"
    kill "$monpid" 2>/dev/null
    [ -n "$trigpid" ] && kill "$trigpid" 2>/dev/null
    return 0
}

# report CASE ADV BOUND: one line per implementation and the ratio line.
report() {
    local c=$1 adv=$2 bound=$3 impl med max n
    for impl in ka vr; do
        touch "$TN_DIR/$c-$adv-$impl.ms"
        n=$(wc -l <"$TN_DIR/$c-$adv-$impl.ms")
        read -r med max < <(stats <"$TN_DIR/$c-$adv-$impl.ms")
        printf '%-10s %-8s %-6s %8s %8s %8s %8s %4s\n' "$c" "$impl" "${adv}s" "$med" "$max" "$bound" \
            "$(awk -v m="$med" -v b="$bound" 'BEGIN { if (m == "-") print "-"; else printf "%+.1f\n", m - b }')" "$n"
        eval "MED_$impl=$med"
    done
    awk -v v="$MED_vr" -v k="$MED_ka" -v c="$c" -v d="$adv" 'BEGIN { if (k > 0) printf "# %s advert %ss: median vrrpd/keepalived = %.4f (vrrpd - keepalived = %+.1f ms)\n", c, d, v / k, v - k }'
}

# failover [RUNS]: KINDS (default "hung hung-rand sigterm") chooses the cases.
#   hung: frozen right after an advert seen by the Backup (phase-free); rows
#     "hung" (from the freeze) and "hung@adv" (from that advert's kernel
#     receive time on the Backup: Master_Down_Interval is then the exact bound).
#   hung-rand: frozen at a random phase of the advert cycle (the older
#     metric: Master_Down_Interval minus up to one interval).
#   sigterm: SIGTERM of the Master's daemon (priority 0), bound Skew_Time.
failover() {
    local runs=${1:-20} impl adv kind i bound mdi skew
    R1=$(tn_ns r1); R2=$(tn_ns r2)
    tn_link "$R1" eth0 "$R2" eth0
    tn_wait_ready "$R1" eth0; tn_wait_ready "$R2" eth0
    printf '%-10s %-8s %-6s %8s %8s %8s %8s %4s\n' case impl advert median_ms max_ms bound_ms over_ms runs
    for kind in ${KINDS:-hung hung-rand sigterm}; do
        for adv in 1 0.1; do
            mdi=$(awk -v a="$adv" 'BEGIN { printf "%.1f", (3 * a + (256 - 90) * a / 256) * 1000 }')
            skew=$(awk -v a="$adv" 'BEGIN { printf "%.1f", ((256 - 90) * a / 256) * 1000 }')
            for impl in ka vr; do
                conf "$TN_DIR/hi.conf" 100 "$adv"; conf "$TN_DIR/lo.conf" 90 "$adv"
                for i in $(seq 1 "$runs"); do
                    one_run "$kind" "$adv" "$impl" "$i"
                done
            done
            case $kind in
                hung)
                    report hung "$adv" "$mdi"
                    report hung@adv "$adv" "$mdi"
                    for impl in ka vr; do
                        touch "$TN_DIR/trigger-$adv-$impl.ms"
                        read -r med max < <(stats <"$TN_DIR/trigger-$adv-$impl.ms")
                        echo "# hung advert ${adv}s $impl: advert received -> freeze sent: median $med ms, max $max ms"
                    done
                    ;;
                hung-rand) report hung-rand "$adv" "$mdi" ;;
                sigterm) bound=$skew; report sigterm "$adv" "$bound" ;;
            esac
        done
    done
}

breakdown() {
    local runs=${1:-10} impl adv i t0 tp0 tnew tadd hpid monpid cap
    R1=$(tn_ns r1); R2=$(tn_ns r2)
    tn_link "$R1" eth0 "$R2" eth0
    tn_wait_ready "$R1" eth0; tn_wait_ready "$R2" eth0
    printf '%-8s %-6s %14s %18s %16s %9s\n' impl advert kill_to_p0_ms p0_to_adv_skew_ms adv_to_addr_ms total_ms
    for adv in 1 0.1; do
        for impl in ka vr; do
            conf "$TN_DIR/hi.conf" 100 "$adv"; conf "$TN_DIR/lo.conf" 90 "$adv"
            : >"$TN_DIR/bd-$adv-$impl"
            for i in $(seq 1 "$runs"); do
                ip -n "$R1" addr add 10.78.0.1/16 dev eth0 2>/dev/null; ip -n "$R2" addr add 10.78.0.2/16 dev eth0 2>/dev/null
                start "bh$i" "$R1" "$TN_DIR/hi.conf" "$impl"
                hpid=$TN_LAST_PID
                sleep 0.2
                start "bl$i" "$R2" "$TN_DIR/lo.conf" "$impl"
                tn_wait_addr "$R1" eth0 10.78.1.2 10 || { stop_ns "$R1"; stop_ns "$R2"; continue; }
                sleep "$(awk -v a="$adv" 'BEGIN { print 2 * a + 0.3 }')"
                tn_monitor_start "bm$i" "$R2"
                monpid=$(tail -1 "$TN_DIR/.pids")
                cap="bc-$adv-$impl-$i"
                tn_capture_start "$cap" "$R2" eth0 ip proto 112
                sleep "0.$((RANDOM % 100))"
                t0=$(tn_now)
                kill -TERM "$hpid"
                tn_wait_addr "$R2" eth0 10.78.1.2 10
                tn_capture_stop "$cap"
                tadd=$(tn_monitor_first_add "bm$i" 10.78.1.2)
                tp0=$(tn_capture_text "$cap" -tt | awk '/prio 0,/ { print $1; exit }')
                tnew=$(tn_capture_text "$cap" -tt | awk -v t="$tp0" '$3 == "10.78.0.2" && $1 > t { print $1; exit }')
                if [ -n "$tadd" ] && [ -n "$tp0" ] && [ -n "$tnew" ]; then
                    awk -v a="$t0" -v b="$tp0" -v c="$tnew" -v d="$tadd" -v adv="$adv" 'BEGIN {
                        sk = (256 - 90) * adv / 256
                        printf "%.3f %.3f %.3f %.3f\n", (b - a) * 1000, (c - b - sk) * 1000, (d - c) * 1000, (d - a) * 1000 }' >>"$TN_DIR/bd-$adv-$impl"
                fi
                stop_ns "$R1"; stop_ns "$R2"
                kill "$monpid" 2>/dev/null
            done
            local col meds=()
            for col in 1 2 3 4; do
                meds+=("$(awk -v c="$col" '{ print $c }' "$TN_DIR/bd-$adv-$impl" | sort -n |
                    awk '{ a[NR] = $1 } END { if (NR == 0) { print "-"; exit } printf "%.3f\n", (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }')")
            done
            printf '%-8s %-6s %14s %18s %16s %9s\n' "$impl" "${adv}s" "${meds[@]}"
        done
    done
}

# trace: one SIGTERM takeover per implementation (advert 1 s) with the Backup
# under `strace -f -ttt -T`; prints the Backup's system calls from its first
# advert (the takeover) to its RTM_NEWADDR request and the 8 that follow, so
# the work between the advert and the VIP add can be compared.
trace() {
    local impl i=0 hpid f
    tn_require_tool strace
    R1=$(tn_ns r1); R2=$(tn_ns r2)
    tn_link "$R1" eth0 "$R2" eth0
    tn_wait_ready "$R1" eth0; tn_wait_ready "$R2" eth0
    conf "$TN_DIR/hi.conf" 100 1; conf "$TN_DIR/lo.conf" 90 1
    for impl in ka vr; do
        i=$((i + 1))
        f="$TN_DIR/trace-$impl.strace"
        ip -n "$R1" addr add 10.78.0.1/16 dev eth0 2>/dev/null; ip -n "$R2" addr add 10.78.0.2/16 dev eth0 2>/dev/null
        start "th$i" "$R1" "$TN_DIR/hi.conf" "$impl"
        hpid=$TN_LAST_PID
        sleep 0.2
        local plain=("${RT[@]}")
        RT=(strace -f -ttt -T -s 64 -o "$f" "${plain[@]}")
        start "tl$i" "$R2" "$TN_DIR/lo.conf" "$impl"
        RT=("${plain[@]}")
        tn_wait_addr "$R1" eth0 10.78.1.2 10 || { tn_log "trace $impl: no Master"; stop_ns "$R1"; stop_ns "$R2"; continue; }
        sleep 2.3
        kill -TERM "$hpid"
        tn_wait_addr "$R2" eth0 10.78.1.2 10 || tn_log "trace $impl: no takeover"
        sleep 0.3
        stop_ns "$R1"; stop_ns "$R2"
        echo "== $impl: Backup's system calls from its first advert to its RTM_NEWADDR (+8)"
        awk '/sendmsg\(.*224\.0\.0\.18/ && !go { go = 1 }
             go { print; if (/RTM_NEWADDR/ && !after) after = 1; if (after && ++n > 8) exit }' "$f"
    done
}

resources() {
    local secs=${1:-60} impl n pids cpu rss
    R1=$(tn_ns solo); R2=$(tn_ns peer)
    tn_link "$R1" eth0 "$R2" eth0
    tn_addr "$R1" eth0 10.78.0.1/16
    tn_wait_ready "$R1" eth0
    printf '%-10s %-6s %10s %10s\n' impl inst cpu_ms peak_rss_kb
    for n in 1 200; do
        for impl in ka vr; do
            conf "$TN_DIR/res.conf" 100 1 "$n"
            start "res-$impl-$n" "$R1" "$TN_DIR/res.conf" "$impl"
            sleep "$secs"
            pids=$(ip netns pids "$R1")
            cpu=0; rss=0
            for p in $pids; do
                # utime + stime in clock ticks (fields 14, 15), children not included.
                local t
                t=$(awk '{print $14 + $15}' "/proc/$p/stat")
                cpu=$((cpu + t))
                rss=$((rss + $(awk '/VmHWM/ {print $2}' "/proc/$p/status")))
            done
            printf '%-10s %-6s %10s %10s\n' "$impl" "$n" "$((cpu * 1000 / $(getconf CLK_TCK)))" "$rss"
            stop_ns "$R1"
            ip -n "$R1" addr add 10.78.0.1/16 dev eth0
        done
    done
}

case ${1:-} in
    failover) failover "${2:-20}" ;;
    resources) resources "${2:-60}" ;;
    breakdown) breakdown "${2:-10}" ;;
    trace) trace ;;
    *) echo "usage: [BENCH_RT=PRIO] $0 failover [RUNS] | breakdown [RUNS] | trace | resources [SECS]" >&2; exit 2 ;;
esac
