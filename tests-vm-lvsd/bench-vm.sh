#!/bin/sh
# Inside the VM (see bench.sh).
set -u
ip() { /bin/ip "$@"; }
N=${SERVICES:-1000}
DL=${DELAY_LOOP:-10}
# ALPHA=1: servers start failed and enter after their first passing check
# (measures checking); ALPHA=0: keepalived's default, all enter at start
# (measures programming the table).
ALPHA=${ALPHA:-1}
if [ "$ALPHA" = 1 ]; then A="alpha"; else A=""; fi
WANT=$((N * 10))
ip netns add be
ip link add vbe type veth peer name eth0 netns be
ip addr add 10.2.0.254/24 dev vbe
ip link set vbe up
ip netns exec be ip link set lo up
ip netns exec be ip link set eth0 up
for i in 1 2 3 4 5 6 7 8 9 10; do ip netns exec be ip addr add 10.2.0.$i/24 dev eth0; done
/bin/ip netns exec be tcp_sink 0.0.0.0:80 &
mkdir -p /etc/keepalived /var/run /run
awk -v n="$N" -v dl="$DL" -v a="$A" 'BEGIN {
    for (s = 1; s <= n; s++) {
        printf "virtual_server 10.100.%d.%d 80 {\n delay_loop %d\n warmup 0\n %s\n lvs_sched wlc\n lvs_method NAT\n protocol TCP\n", int(s / 250), s % 250 + 1, dl, a
        for (r = 1; r <= 10; r++)
            printf " real_server 10.2.0.%d 80 {\n  TCP_CHECK {\n   connect_timeout 3\n  }\n }\n", r
        printf "}\n"
    }
}' > /work/bench.conf
count() { ipvsadm -Ln | grep -c Masq; }
now() { awk '{print $1}' /proc/uptime; }
cpu() { # utime+stime in seconds of the given pids
    for p in "$@"; do awk '{print $14 + $15}' /proc/$p/stat; done | awk '{s += $1} END {printf "%.2f", s / 100}'
}
# Tcp counters of /proc/net/snmp: passive opens in the backend namespace =
# connections tcp_sink accepted = checks that reached a backend; active opens
# and failed attempts on the checker side.
snmp() { awk -v f="$1" '/^Tcp:/ { if (!h) { for (i = 1; i <= NF; i++) if ($i == f) c = i; h = 1 } else print $c }' "${2:-/proc/net/snmp}"; }
# (/proc/net is the reading process's namespace.)
accepted() { /bin/ip netns exec be awk '/^Tcp:/ { if (!h) { for (i = 1; i <= NF; i++) if ($i == "PassiveOpens") c = i; h = 1 } else print $c }' /proc/net/snmp; }
rss() { for p in "$@"; do awk '/VmRSS/ {print $2}' /proc/$p/status; done | awk '{s += $1} END {printf "%.1f", s / 1024}'; }
measure() { # NAME PIDS...
    name=$1; shift
    t0=$START conv=""
    while [ "$(count)" -lt "$WANT" ]; do
        sleep 0.2
        # A daemon that does not converge in 300 s is measured all the same
        # (its checks per 60 s show whether it keeps up with delay_loop).
        awk -v a="$t0" -v b="$(now)" 'BEGIN{exit !(b - a > 300)}' && { conv="none($(count)/$WANT)"; break; }
    done
    [ -n "$conv" ] || conv=$(awk -v a="$t0" -v b="$(now)" 'BEGIN{printf "%.2f", b - a}')
    c0=$(cpu "$@") a0=$(accepted) o0=$(snmp ActiveOpens) f0=$(snmp AttemptFails)
    sleep 60
    c1=$(cpu "$@") a1=$(accepted) o1=$(snmp ActiveOpens) f1=$(snmp AttemptFails)
    checks=$((a1 - a0))
    # A daemon keeping up with delay_loop does WANT * 60 / DL checks per 60 s.
    echo "RESULT $name: alpha=$ALPHA services=$N real_servers=$WANT delay_loop=${DL}s converged_s=$conv cpu_s_per_60s=$(awk -v a="$c0" -v b="$c1" 'BEGIN{printf "%.2f", b - a}') rss_mib=$(rss "$@") checks_per_60s=$checks expected_per_60s=$((WANT * 60 / DL)) connects=$((o1 - o0)) failed_connects=$((f1 - f0)) cpu_us_per_check=$(awk -v a="$c0" -v b="$c1" -v n="$checks" 'BEGIN{printf "%.1f", n ? (b - a) * 1e6 / n : 0}')"
    [ "$PROFILE" = 1 ] && profile "$name" "$@"
}
# PROFILE=1: syscalls of every given process over 20 s of steady checking
# (WANT * 20 / DL checks), from strace -c.
PROFILE=${PROFILE:-0}
profile() {
    name=$1; shift
    tracers=""
    for p in "$@"; do strace -c -f -p "$p" -o "/tmp/strace.$p" & tracers="$tracers $!"; done
    sleep 20
    for t in $tracers; do kill -INT "$t"; done
    for t in $tracers; do wait "$t"; done
    echo "PROFILE $name: syscalls over 20 s = about $((WANT * 20 / DL)) checks"
    for p in "$@"; do echo "--- pid $p"; cat "/tmp/strace.$p"; done
}
START=$(now)
lvsd -f /work/bench.conf --socket /tmp/lvsd.sock >/tmp/lvsd.log 2>&1 &
L=$!
measure lvsd $L
t=$(now); kill -TERM $L; wait $L; rc=$?
echo "RESULT lvsd stop: exit=$rc left=$(count) took_s=$(awk -v a="$t" -v b="$(now)" 'BEGIN{printf "%.2f", b - a}')"
START=$(now)
keepalived -C -n -f /work/bench.conf -p /run/keepalived.pid -c /run/checkers.pid >/tmp/ka.log 2>&1 &
KW=$!
i=0
while [ ! -s /run/checkers.pid ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
KP=$(cat /run/keepalived.pid)
KC=$(cat /run/checkers.pid)
measure "keepalived -C" $KP $KC
t=$(now); kill -TERM $KP; wait $KW
echo "RESULT keepalived stop: left=$(count) took_s=$(awk -v a="$t" -v b="$(now)" 'BEGIN{printf "%.2f", b - a}')"
tail -3 /tmp/ka.log
