#!/bin/sh
# Runs inside the test VM (scripts/vm/run-in-vm.sh), once per case: the same
# keepalived.conf under keepalived 2.2.7 in namespace vw-k and under vrrpd in
# vw-o, each with a veth `eth0` (fixed MAC, 10.9.0.1/24, 2001:db8:9::1/64, no
# DAD) to a peer namespace. Writes `ip -j -d link`, `ip -j addr`,
# `ip -j -4|-6 route show table all`, `ip -j -4|-6 rule` and the listed
# links' disable_ipv6 of both namespaces to /out/CASE/ while the instances
# are Master and again after SIGTERM. Bounded in time.
# Usage: vrrp-case.sh CASE CONF PATTERN N [IFACE...]
#   PATTERN, N: both sides must show N lines of `ip addr` matching PATTERN
#   (grep -E) before the first snapshot; IFACE: links to read sysctls of.
#   SETUP (env, optional): a shell line run once per namespace after eth0
#   is up, with $ns the namespace's name and $ip iproute2's ip.
#   CAPTURE (env, optional): when set, the VRRP packets the peer namespaces
#   see on eth0 while the daemons run go to /out/CASE/k.pcap and o.pcap.
#   STEP1, STEP2 (env, optional): shell lines run (as SETUP) in both
#   namespaces one after the other while the daemons run; after each, once
#   every VIP is back, the snapshot `step1` / `step2` is taken.
set -u
case="$1"; conf="$2"; pattern="$3"; want="$4"; shift 4
ip=/usr/local/bin/ip
out=/out/$case
mkdir -p "$out"
for n in k o; do
    $ip netns add vw-$n && $ip netns add vw-$n-p || exit 1
    for s in vw-$n vw-$n-p; do
        $ip netns exec $s sh -c 'echo 0 > /proc/sys/net/ipv6/conf/default/accept_dad'
    done
    $ip -n vw-$n link add eth0 type veth peer name eth0 netns vw-$n-p || exit 1
    $ip -n vw-$n link set eth0 address 02:00:00:00:00:01
    $ip -n vw-$n-p link set eth0 address 02:00:00:00:00:02
    $ip -n vw-$n addr add 10.9.0.1/24 dev eth0
    $ip -n vw-$n-p addr add 10.9.0.2/24 dev eth0
    $ip -n vw-$n addr add 2001:db8:9::1/64 dev eth0
    $ip -n vw-$n-p addr add 2001:db8:9::2/64 dev eth0
    for s in vw-$n vw-$n-p; do
        $ip -n $s link set lo up
        $ip -n $s link set eth0 up
    done
    if [ -n "${SETUP:-}" ]; then
        ns=vw-$n
        eval "$SETUP" || { echo "$case: SETUP failed in $ns"; exit 1; }
    fi
done
cpids=""
if [ -n "${CAPTURE:-}" ]; then
    # tcpdump -Z looks its user up; the VM has no passwd file
    grep -q '^root:' /etc/passwd 2>/dev/null || echo 'root:x:0:0:root:/:/bin/sh' >> /etc/passwd
    for n in k o; do
        $ip netns exec vw-$n-p /usr/local/bin/tcpdump -Z root -U -n -i eth0 -w "$out/$n.pcap" ip6 proto 112 or ip proto 112 \
            > "$out/$n.tcpdump.log" 2>&1 &
        cpids="$cpids $!"
    done
    sleep 1
fi
$ip netns exec vw-k keepalived -n -l -D -P -f "$conf" -p /tmp/k.pid -r /tmp/k.vrrp.pid \
    > "$out/keepalived.log" 2>&1 &
kpid=$!
$ip netns exec vw-o vrrpd -f "$conf" --socket /tmp/o.sock --dump-file /tmp/o.json \
    > "$out/vrrpd.log" 2>&1 &
opid=$!
snapshot() { # TAG IFACE...
    tag="$1"; shift
    for n in k o; do
        $ip -j -d -n vw-$n link show > "$out/$n.$tag.link.json"
        $ip -j -n vw-$n addr show > "$out/$n.$tag.addr.json"
        for f in 4 6; do
            $ip -j -n vw-$n -$f route show table all > "$out/$n.$tag.route$f.json"
            $ip -j -n vw-$n -$f rule show > "$out/$n.$tag.rule$f.json"
        done
        : > "$out/$n.$tag.sysctl.txt"
        for i in "$@"; do
            v=$($ip netns exec vw-$n cat /proc/sys/net/ipv6/conf/$i/disable_ipv6 2>/dev/null || echo none)
            echo "$i $v" >> "$out/$n.$tag.sysctl.txt"
        done
    done
}
# Until every VIP is on both sides, at most 60 s (TCG is slow).
vips_up() {
    t=0
    while [ $t -lt 120 ]; do
        nk=$($ip -n vw-k addr show | grep -cE "$pattern")
        no=$($ip -n vw-o addr show | grep -cE "$pattern")
        [ "$nk" -ge "$want" ] && [ "$no" -ge "$want" ] && break
        sleep 0.5; t=$((t + 1))
    done
    sleep 1
}
vips_up
snapshot master "$@"
for step in 1 2; do
    eval "line=\${STEP$step:-}"
    [ -n "$line" ] || continue
    for n in k o; do
        ns=vw-$n
        eval "$line" || echo "$case: STEP$step failed in $ns"
    done
    # the links' moves and the FAULT/BACKUP/MASTER round they cause
    # (Master_Down_Interval 3.6 s)
    sleep 6
    vips_up
    snapshot step$step "$@"
done
if [ -n "$cpids" ]; then
    # two more adverts of each Master (advert_int 1) in the capture
    sleep 2
    kill -INT $cpids
fi
kill -TERM $kpid $opid
t=0
while [ $t -lt 60 ] && { kill -0 $kpid 2>/dev/null || kill -0 $opid 2>/dev/null; }; do
    sleep 0.5; t=$((t + 1))
done
snapshot stopped "$@"
for n in k o; do $ip netns del vw-$n; $ip netns del vw-$n-p; done
echo "$case done"
