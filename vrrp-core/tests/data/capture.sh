#!/bin/sh
# Re-capture the golden VRRP advertisements in this directory from the real
# keepalived (Debian 12 package 2.2.7) running in a private network namespace.
#
# Needs root, keepalived, tcpdump, iproute2. Run from anywhere:
#     sudo sh vrrp-core/tests/data/capture.sh
#
# Topology (nothing outside the two namespaces is touched):
#     netns kacap-<pid>-a: va  10.99.0.1/24  fe80::a/64  (keepalived here)
#     netns kacap-<pid>-b: vb  10.99.0.2/24  fe80::b/64  (tcpdump here)
# keepalived runs the six instances of keepalived.conf (this directory) for
# 9 s; tcpdump on vb writes everything with IP protocol 112 to a temporary
# pcap; then one advertisement per virtual router (the first with a non-zero
# priority, selected by VRID) is written to its own pcap file here, plus the
# priority-0 advertisement keepalived sends for VRID 52 when it stops.
set -eu

DATA=$(cd "$(dirname "$0")" && pwd)
for tool in keepalived tcpdump ip; do
    command -v "$tool" >/dev/null || { echo "capture.sh: $tool not found" >&2; exit 1; }
done
[ "$(id -u)" = 0 ] || { echo "capture.sh: must run as root" >&2; exit 1; }

A="kacap-$$-a"
B="kacap-$$-b"
WORK=$(mktemp -d)
cleanup() {
    [ -f "$WORK/ka.pid" ] && kill "$(cat "$WORK/ka.pid")" 2>/dev/null || true
    [ -f "$WORK/td.pid" ] && kill "$(cat "$WORK/td.pid")" 2>/dev/null || true
    sleep 0.5
    ip netns del "$A" 2>/dev/null || true
    ip netns del "$B" 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

ip netns add "$A"
ip netns add "$B"
for ns in "$A" "$B"; do
    # Deterministic IPv6 link-local addresses: no automatic ones, no DAD.
    ip netns exec "$ns" sysctl -qw net.ipv6.conf.default.addr_gen_mode=1
    ip netns exec "$ns" sysctl -qw net.ipv6.conf.default.accept_dad=0
    ip netns exec "$ns" ip link set lo up
done
ip link add va netns "$A" address 02:00:0a:63:00:01 type veth \
    peer name vb netns "$B" address 02:00:0a:63:00:02
ip -n "$A" addr add 10.99.0.1/24 dev va
ip -n "$B" addr add 10.99.0.2/24 dev vb
ip -n "$A" -6 addr add fe80::a/64 dev va nodad
ip -n "$B" -6 addr add fe80::b/64 dev vb nodad
ip -n "$A" link set va up
ip -n "$B" link set vb up

ip netns exec "$B" tcpdump -Z root -i vb -U -n -w "$WORK/all.pcap" 'ip proto 112 or ip6 proto 112' \
    2>"$WORK/tcpdump.log" &
echo $! >"$WORK/td.pid"
sleep 1

ip netns exec "$A" keepalived -n -l -D -P -f "$DATA/keepalived.conf" \
    -p "$WORK/ka.pid.main" -r "$WORK/ka.vrrp.pid" >"$WORK/keepalived.log" 2>&1 &
echo $! >"$WORK/ka.pid"
sleep 9
kill -TERM "$(cat "$WORK/ka.pid")"
sleep 2
rm -f "$WORK/ka.pid"
kill -INT "$(cat "$WORK/td.pid")"
sleep 1
rm -f "$WORK/td.pid"

# pick FILTER OUT: the first packet of the capture matching FILTER.
# keepalived always sends a 20-byte IPv4 header, so the VRRP header starts at
# ip[20]; for IPv6 (no extension headers) it starts at ip6[40].
pick() {
    tcpdump -Z root -r "$WORK/all.pcap" -c 1 -w "$DATA/$2.pcap" "$1" 2>/dev/null
    tcpdump -r "$DATA/$2.pcap" -nn -vv -X 2>/dev/null >"$DATA/$2.txt"
    [ -s "$DATA/$2.txt" ] || { echo "capture.sh: nothing matched for $2" >&2; exit 1; }
    echo "captured $2: $(head -n 1 "$DATA/$2.txt")"
}
pick 'ip proto 112 and ip[21] = 51 and ip[22] != 0' v2_ipv4_pass
pick 'ip proto 112 and ip[21] = 52 and ip[22] != 0' v3_ipv4_1addr
pick 'ip proto 112 and ip[21] = 53 and ip[22] != 0' v3_ipv4_5addr
pick 'ip6 proto 112 and ip6[41] = 54 and ip6[42] != 0' v3_ipv6_2addr
pick 'ip proto 112 and ip[21] = 52 and ip[22] = 0' v3_ipv4_1addr_prio0
pick 'ip proto 112 and ip[21] = 55 and ip[22] != 0' v3_ipv4_unicast
pick 'ip proto 112 and ip[21] = 56 and ip[22] != 0' v3_ipv4_unicast_old_checksum
keepalived --version 2>&1 | head -n 1
