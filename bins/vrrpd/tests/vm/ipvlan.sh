#!/bin/sh
# Runs inside the test VM (scripts/vm/run-in-vm.sh): the same keepalived.conf
# under keepalived 2.2.7 in namespace vw-k and under vrrpd in vw-o, each with
# a veth `eth0` (fixed MAC) to a peer namespace. Writes `ip -j -d link`,
# `ip -j addr` and the ipvlans' disable_ipv6 of both namespaces to /out while
# the instances are Master and again after SIGTERM. Bounded in time.
# Usage: NVIPS=N ipvlan.sh CONF IFACE... (N: how many VIPs 10.9.0.10x both sides
# must hold before the first snapshot; IFACE: the ipvlans to read sysctls of)
set -u
conf="$1"; shift
ip=/usr/local/bin/ip
for n in k o; do
    $ip netns add vw-$n && $ip netns add vw-$n-p || exit 1
    $ip -n vw-$n link add eth0 type veth peer name eth0 netns vw-$n-p || exit 1
    $ip -n vw-$n link set eth0 address 02:00:00:00:00:01
    $ip -n vw-$n-p link set eth0 address 02:00:00:00:00:02
    $ip -n vw-$n addr add 10.9.0.1/24 dev eth0
    $ip -n vw-$n-p addr add 10.9.0.2/24 dev eth0
    for s in vw-$n vw-$n-p; do
        $ip -n $s link set lo up
        $ip -n $s link set eth0 up
    done
done
$ip netns exec vw-k keepalived -n -l -D -P -f "$conf" -p /tmp/k.pid -r /tmp/k.vrrp.pid \
    > /out/keepalived.log 2>&1 &
kpid=$!
$ip netns exec vw-o vrrpd -f "$conf" --socket /tmp/o.sock --dump-file /tmp/o.json \
    > /out/vrrpd.log 2>&1 &
opid=$!
snapshot() { # TAG
    for n in k o; do
        $ip -j -d -n vw-$n link show > /out/$n.$1.link.json
        $ip -j -n vw-$n addr show > /out/$n.$1.addr.json
        for i in "$@"; do
            [ "$i" = "$1" ] && continue
            v=$($ip netns exec vw-$n cat /proc/sys/net/ipv6/conf/$i/disable_ipv6 2>/dev/null || echo none)
            echo "$i $v" >> /out/$n.$1.sysctl.txt
        done
    done
}
# Until every VIP (the .100s) is on both sides, at most 60 s (TCG is slow).
t=0
while [ $t -lt 120 ]; do
    nk=$($ip -n vw-k addr show | grep -c 'inet 10.9.0.10')
    no=$($ip -n vw-o addr show | grep -c 'inet 10.9.0.10')
    [ "$nk" -ge "$NVIPS" ] && [ "$no" -ge "$NVIPS" ] && break
    sleep 0.5; t=$((t + 1))
done
sleep 1
snapshot master "$@"
kill -TERM $kpid $opid
t=0
while [ $t -lt 60 ] && { kill -0 $kpid 2>/dev/null || kill -0 $opid 2>/dev/null; }; do
    sleep 0.5; t=$((t + 1))
done
snapshot stopped "$@"
for n in k o; do $ip netns del vw-$n; $ip netns del vw-$n-p; done
echo done
