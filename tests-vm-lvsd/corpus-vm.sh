#!/bin/sh
# Inside the IPVS VM (tests-vm-lvsd/corpus-compare.sh boots it): for every
# /work/corpus/NNN.conf run keepalived 2.2.7's checker process
# (`keepalived -n -l -D -C`) in one network namespace and lvsd in another, both
# on the same file, and compare their IPVS tables (`ipvsadm -Ln`) once settled.
# IPVS is per network namespace, so all files run at once.
#
# Every namespace has only `lo` and an `unreachable default` route: every
# health check fails at once (no timeouts), so the final table is a function of
# the configuration alone: services, schedulers, methods, weights, which real
# servers have checkers (removed) and which do not (kept), sorry servers, etc.
#
# Settling: a table is final when unchanged for longer than the largest
# delay_loop / delay_before_retry / connect_timeout of its file plus 3 s (so a
# check waiting for its next retry is not mistaken for a settled table), at
# most 240 s. Output per file: SAME/DIFF/UNSETTLED lines and /out/NNN.{ka,lvsd}.{ipvs,log,alive}.
export NO_COLOR=1
# busybox sh prefers its own applets: call iproute2 (for `ip netns`) by path.
ip() { /bin/ip "$@"; }
mkdir -p /out /etc/keepalived /run /var/run /run/netns
[ -d /sys/kernel ] || mount -t sysfs sysfs /sys 2>/dev/null

window_of() { # FILE -> seconds
    w=$(grep -hoE '^[[:space:]]*(delay_loop|delay_before_retry|connect_timeout|warmup)[[:space:]]+[0-9]+' "$1" |
        awk 'BEGIN{m=1} {if ($2+0>m) m=$2+0} END{print m}')
    echo $((w + 3))
}

probe() { # NAME WINDOW CMD...
    name=$1 win=$2; shift 2
    ns=c_$name
    ip netns add "$ns"
    ip -n "$ns" link set lo up
    ip -n "$ns" route add unreachable default
    ip netns exec "$ns" "$@" >/out/$name.log 2>&1 &
    pid=$!
    prev=""; same=0; i=0; settled=0
    while [ $i -lt 240 ]; do
        sleep 1; i=$((i + 1))
        cur=$(ip netns exec "$ns" ipvsadm -Ln 2>&1 | tail -n +4)
        if [ "$cur" = "$prev" ]; then same=$((same + 1)); else same=0; fi
        prev=$cur
        # At least 5 s from start: a daemon still parsing has an empty table.
        if [ $same -ge "$win" ] && [ $i -ge 5 ]; then settled=1; break; fi
    done
    echo "$cur" >/out/$name.ipvs
    echo "$i" >/out/$name.secs
    echo "$settled" >/out/$name.settled
    if kill -0 $pid 2>/dev/null; then echo 1 >/out/$name.alive; else echo 0 >/out/$name.alive; fi
    kill -TERM $pid 2>/dev/null; k=0
    while kill -0 $pid 2>/dev/null && [ $k -lt 100 ]; do sleep 0.1; k=$((k + 1)); done
    kill -KILL $pid 2>/dev/null
    ip netns del "$ns"
}

for f in /work/corpus/*.conf; do
    b=$(basename "$f" .conf)
    w=$(window_of "$f")
    probe "$b.ka" "$w" keepalived -n -l -D -C -f "$f" -p "/run/ka-$b.pid" -c "/run/ka-$b-c.pid" -r "/run/ka-$b-r.pid" -b "/run/ka-$b-b.pid" &
    probe "$b.lvsd" "$w" lvsd -f "$f" -p "/run/lvsd-$b.pid" &
done
wait

files=0 same=0 ka_runs=0 lvsd_runs=0
for f in /work/corpus/*.conf; do
    b=$(basename "$f" .conf)
    files=$((files + 1))
    [ "$(cat /out/$b.ka.alive)" = 1 ] && ka_runs=$((ka_runs + 1))
    [ "$(cat /out/$b.lvsd.alive)" = 1 ] && lvsd_runs=$((lvsd_runs + 1))
    if [ "$(cat /out/$b.ka.settled)$(cat /out/$b.lvsd.settled)" != 11 ]; then
        echo "UNSETTLED $b $(cat /out/$b.ka.secs)/$(cat /out/$b.lvsd.secs)"
    elif cmp -s /out/$b.ka.ipvs /out/$b.lvsd.ipvs; then
        same=$((same + 1))
        echo "SAME $b $(cat /out/$b.ka.secs)/$(cat /out/$b.lvsd.secs)"
    else
        echo "DIFF $b"
        diff /out/$b.ka.ipvs /out/$b.lvsd.ipvs | sed 's/^/    /'
    fi
done
echo "NUMBERS files=$files keepalived_checker_runs=$ka_runs lvsd_runs=$lvsd_runs identical=$same"
