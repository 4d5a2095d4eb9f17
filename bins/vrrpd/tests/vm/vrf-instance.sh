#!/bin/sh
# Runs inside the test VM (scripts/vm/run-in-vm.sh): the instance keyword
# `vrf`, which keepalived 2.2.7 cannot run (docs/keepalived.md §3.26), so
# vrrpd against itself. Namespaces vw-a and vw-b, each with VRF `blue`
# (table 10) holding eth0, a veth between them (10.9.2.1/24, 10.9.2.2/24):
# nothing outside the VRF can reach the peer. vw-a runs /work/vrf-a.conf
# (priority 150), vw-b /work/vrf-b.conf (100), both unicast instances with
# `vrf blue` and no `interface`. Writes to /out/vrf-instance/: the state
# dumps (SIGUSR1) of both while a is Master (a.json, b.json) and of b after
# a stopped (b.after.json); `ip -j addr`, `ip -j route show vrf blue` and
# `ip -j -4 route show table all` of both while a is Master
# (a.addr.json, a.vrf.json, a.routes.json, b.*); the adverts b saw (b.pcap).
# Bounded in time.
set -u
ip=/usr/local/bin/ip
out=/out/vrf-instance
mkdir -p "$out"
$ip netns add vw-a && $ip netns add vw-b || exit 1
$ip -n vw-a link add eth0 type veth peer name eth0 netns vw-b || exit 1
for n in a b; do
    $ip -n vw-$n link set lo up
    $ip -n vw-$n link add blue type vrf table 10
    $ip -n vw-$n link set blue up
    $ip -n vw-$n link set eth0 master blue
done
$ip -n vw-a link set eth0 address 02:00:00:00:02:01
$ip -n vw-b link set eth0 address 02:00:00:00:02:02
$ip -n vw-a addr add 10.9.2.1/24 dev eth0
$ip -n vw-b addr add 10.9.2.2/24 dev eth0
$ip -n vw-a link set eth0 up
$ip -n vw-b link set eth0 up
# tcpdump -Z looks its user up; the VM has no passwd file
grep -q '^root:' /etc/passwd 2>/dev/null || echo 'root:x:0:0:root:/:/bin/sh' >> /etc/passwd
$ip netns exec vw-b /usr/local/bin/tcpdump -Z root -U -n -i eth0 -w "$out/b.pcap" ip proto 112 \
    > "$out/tcpdump.log" 2>&1 &
cpid=$!
sleep 1
$ip netns exec vw-a vrrpd -f /work/vrf-a.conf --socket /tmp/a.sock --dump-file /tmp/a.json \
    > "$out/a.log" 2>&1 &
apid=$!
$ip netns exec vw-b vrrpd -f /work/vrf-b.conf --socket /tmp/b.sock --dump-file /tmp/b.json \
    > "$out/b.log" 2>&1 &
bpid=$!
has_vip() { $ip -n "vw-$1" addr show dev eth0 | grep -q 'inet 10\.9\.2\.100/'; }
# a takes the VIP after Master_Down_Interval (3.4 s): at most 60 s
t=0
while [ $t -lt 120 ] && ! has_vip a; do sleep 0.5; t=$((t + 1)); done
# b hears a's adverts for a few intervals and stays Backup
sleep 4
dump() { # NS PID FILE
    rm -f "/tmp/$1.json"
    kill -USR1 "$2"
    t=0
    while [ $t -lt 20 ] && [ ! -s "/tmp/$1.json" ]; do sleep 0.5; t=$((t + 1)); done
    sleep 0.5
    cp "/tmp/$1.json" "$out/$3"
}
dump a $apid a.json
dump b $bpid b.json
for n in a b; do
    $ip -j -n vw-$n addr show > "$out/$n.addr.json"
    $ip -j -n vw-$n route show vrf blue > "$out/$n.vrf.json"
    $ip -j -n vw-$n -4 route show table all > "$out/$n.routes.json"
done
# a leaves (priority 0): b takes over
kill -TERM $apid
t=0
while [ $t -lt 60 ] && kill -0 $apid 2>/dev/null; do sleep 0.5; t=$((t + 1)); done
t=0
while [ $t -lt 60 ] && ! has_vip b; do sleep 0.5; t=$((t + 1)); done
sleep 1
dump b $bpid b.after.json
kill -INT $cpid
kill -TERM $bpid
t=0
while [ $t -lt 60 ] && kill -0 $bpid 2>/dev/null; do sleep 0.5; t=$((t + 1)); done
$ip netns del vw-a; $ip netns del vw-b
echo "vrf-instance done"
