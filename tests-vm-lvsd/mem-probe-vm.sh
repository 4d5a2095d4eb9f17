#!/bin/sh
# Inside the VM (see mem-probe.sh).
set -u
ip() { /bin/ip "$@"; }
N=${SERVICES:-1000}
DL=${DELAY_LOOP:-30}
WANT=$((N * 10))
ip netns add be
ip link add vbe type veth peer name eth0 netns be
ip addr add 10.2.0.254/24 dev vbe
ip link set vbe up
ip netns exec be ip link set lo up
ip netns exec be ip link set eth0 up
for i in 1 2 3 4 5 6 7 8 9 10; do ip netns exec be ip addr add 10.2.0.$i/24 dev eth0; done
ip netns exec be tcp_sink 0.0.0.0:80 &
awk -v n="$N" -v dl="$DL" 'BEGIN {
    for (s = 1; s <= n; s++) {
        printf "virtual_server 10.100.%d.%d 80 {\n delay_loop %d\n warmup 0\n alpha\n lvs_sched wlc\n lvs_method NAT\n protocol TCP\n", int(s / 250), s % 250 + 1, dl
        for (r = 1; r <= 10; r++)
            printf " real_server 10.2.0.%d 80 {\n  TCP_CHECK {\n   connect_timeout 3\n  }\n }\n", r
        printf "}\n"
    }
}' > /work/bench.conf
count() { ipvsadm -Ln | grep -c Masq; }
now() { awk '{print $1}' /proc/uptime; }
show() { # LABEL PID
    echo "=== $1: $(grep -E 'VmRSS|VmHWM|RssAnon|RssFile|Threads' /proc/$2/status | tr -s ' \t' ' ' | tr '\n' ';')"
}
echo "THP: $(cat /sys/kernel/mm/transparent_hugepage/enabled)"
[ -n "${THP:-}" ] && echo "$THP" > /sys/kernel/mm/transparent_hugepage/enabled && echo "THP set: $(cat /sys/kernel/mm/transparent_hugepage/enabled)"
t0=$(now)
# shellcheck disable=SC2086
env ${LVSD_ENV:-} lvsd -f /work/bench.conf --socket /tmp/lvsd.sock >/tmp/lvsd.log 2>&1 &
L=$!
sleep 5; show "after 5 s" $L
while [ "$(count)" -lt "$WANT" ]; do
    sleep 1
    awk -v a="$t0" -v b="$(now)" 'BEGIN{exit !(b - a > 300)}' && break
done
echo "entries=$(count)/$WANT after $(awk -v a="$t0" -v b="$(now)" 'BEGIN{printf "%.1f", b - a}') s"
show converged $L
sleep 20
show "converged+20 s" $L
cat /proc/$L/smaps_rollup
echo "--- mappings with Rss >= 256 kB (kB, name)"
awk '/^[0-9a-f]+-[0-9a-f]+ / { name = $6; range = $1 } /^Rss:/ { if ($2 >= 256) print $2, range, name }' /proc/$L/smaps
kill -TERM $L; wait $L
tail -3 /tmp/lvsd.log
