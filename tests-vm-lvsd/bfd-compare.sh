#!/bin/sh
# Inside the IPVS VM (called by vm-checks.sh): BFD_CHECK under keepalived
# 2.2.7 (`keepalived -C`, which still starts its BFD process) and then under
# lvsd, on bfd-check.conf, in namespace bfdx-lb; the BFD peer is
# bfd-net's `bfd_speaker` example in bfdx-peer (keepalived never sends
# AdminDown, this speaker does on SIGTERM). The `ipvsadm -Ln` table (services,
# real servers, forwarding, weights) must be the same under both daemons at
# each step: start (peer silent), Up, peer killed (SIGKILL: silent, links
# up), peer back, peer stopped with AdminDown (RFC 5882 §3.2: no failure).
# Prints "NUMBERS daemon=... detect_ms=..." (peer killed -> first real server
# gone, several runs) for BENCHMARKING.md. Exits non-zero on a difference.
set -u
ip() { /bin/ip "$@"; }
LB=bfdx-lb
PEER=bfdx-peer
CONF=/work/bfd-check.conf
RUNS=${BFD_RUNS:-1}
now() { awk '{print $1}' /proc/uptime; }
in_lb() { ip netns exec $LB "$@"; }
cleanup() {
    [ -n "${PEERPID:-}" ] && kill -9 "$PEERPID" 2>/dev/null
    [ -n "${DPID:-}" ] && kill -9 "$DPID" 2>/dev/null
    [ -n "${HTTPD:-}" ] && kill "$HTTPD" 2>/dev/null
    ip netns del $LB 2>/dev/null
    ip netns del $PEER 2>/dev/null
}
trap cleanup EXIT
if ! command -v keepalived >/dev/null || ! command -v bfd_speaker >/dev/null; then
    echo "bfd: SKIPPED: keepalived or bfd_speaker not in the VM"
    exit 0
fi
ip netns add $LB
ip netns add $PEER
ip link add veth0 netns $LB type veth peer name veth1 netns $PEER
ip -n $LB addr add 10.81.0.1/24 dev veth0
ip -n $PEER addr add 10.81.0.2/24 dev veth1
for ns in $LB $PEER; do ip -n $ns link set lo up; done
ip -n $LB link set veth0 up
ip -n $PEER link set veth1 up
mkdir -p /tmp/bfdx-www
echo ok > /tmp/bfdx-www/index.html
# Background jobs call /bin/ip itself, not the function, so that $! is the
# process (`ip netns exec` execs the command) and signals reach it.
/bin/ip netns exec $PEER httpd -f -p 10.81.0.2:81 -h /tmp/bfdx-www &
HTTPD=$!

# The table without counters: service lines and "-> ADDR:PORT FWD WEIGHT".
table() {
    in_lb ipvsadm -Ln | awk '/^(TCP|UDP)/ {print $1, $2, $3; next} / -> / && $2 != "RemoteAddress:Port" {print "  ->", $2, $3, $4}'
}
# settled FILE MAX: waits until the table is the same 3 polls in a row
# (0.5 s apart, at most MAX seconds), writes it to FILE. A poll takes a
# few hundred ms under TCG, so this is 1.5-3 s.
settled() {
    end=$(awk -v n="$(now)" -v t="$2" 'BEGIN{print n+t}')
    prev=""; same=0
    while :; do
        cur=$(table)
        if [ "$cur" = "$prev" ]; then same=$((same + 1)); else same=0; fi
        prev=$cur
        [ $same -ge 2 ] && break
        awk -v n="$(now)" -v e="$end" 'BEGIN{exit !(n>e)}' && break
        sleep 0.5
    done
    echo "$cur" > "$1"
}
peer_start() {
    /bin/ip netns exec $PEER bfd_speaker X 10.81.0.1 10.81.0.2 200 3 >> /tmp/bfdx-peer.log 2>&1 &
    PEERPID=$!
}
# up_wait MAX: until the BFD-only real server is in the table.
has_rs80() { table | grep -q ' 10.81.0.2:80 '; }
wait_cond() { # MAX CMD...
    t=$1; shift
    end=$(awk -v n="$(now)" -v t="$t" 'BEGIN{print n+t}')
    while :; do
        "$@" && return 0
        awk -v n="$(now)" -v e="$end" 'BEGIN{exit !(n>e)}' && return 1
        sleep 0.05
    done
}
not_rs80() { ! has_rs80; }
# run NAME CMD...: the steps under one daemon; tables in /tmp/bfdx.NAME.*
run() {
    name=$1; shift
    /bin/ip netns exec $LB "$@" > "/tmp/bfdx.$name.log" 2>&1 &
    DPID=$!
    # Start: no peer yet; the session is Down.
    sleep 2
    settled "/tmp/bfdx.$name.1-start" 6
    peer_start
    wait_cond 20 has_rs80 || echo "$name: the BFD-only server never came in"
    settled "/tmp/bfdx.$name.2-up" 10
    sleep 1
    times=""
    i=0
    while [ $i -lt "$RUNS" ]; do
        i=$((i + 1))
        t0=$(now)
        kill -9 $PEERPID; wait $PEERPID 2>/dev/null
        if wait_cond 10 not_rs80; then
            times="$times $(awk -v a="$t0" -v b="$(now)" 'BEGIN{printf "%d", (b-a)*1000}')"
        else
            times="$times timeout"
        fi
        [ $i = 1 ] && settled "/tmp/bfdx.$name.3-silent" 6
        peer_start
        wait_cond 20 has_rs80 || echo "$name: not back after run $i"
        [ $i = 1 ] && settled "/tmp/bfdx.$name.4-back" 10
        # Up is announced at the slow rate (1 s x 3); the 200 ms timers
        # follow a poll sequence later. Wait for them before the next kill,
        # so every run measures the configured detection time.
        sleep 1.5
    done
    # AdminDown: the peer stops gracefully; not a failure.
    kill -TERM $PEERPID; wait $PEERPID 2>/dev/null
    sleep 2
    settled "/tmp/bfdx.$name.5-admindown" 6
    echo "NUMBERS daemon=$name detect_ms=$(echo $times | tr ' ' ',') detection_time_ms=600"
    kill -TERM $DPID; wait $DPID 2>/dev/null
    DPID=""
    sleep 1
}
mkdir -p /run /var/run /etc/keepalived
T0=$(now)
run keepalived keepalived -n -l -D -C -f $CONF -p /tmp/bfdx-ka.pid \
    -c /tmp/bfdx-ka-check.pid -b /tmp/bfdx-ka-bfd.pid
run lvsd lvsd -f $CONF --socket /tmp/bfdx-lvsd.sock
echo "bfd-compare: both daemons in $(awk -v a="$T0" -v b="$(now)" 'BEGIN{printf "%d", b-a}') s"
rc=0
for step in 1-start 2-up 3-silent 4-back 5-admindown; do
    echo "--- $step (keepalived):"; cat "/tmp/bfdx.keepalived.$step"
    if ! cmp -s "/tmp/bfdx.keepalived.$step" "/tmp/bfdx.lvsd.$step"; then
        echo "FAIL: $step differs (keepalived vs lvsd):"
        diff "/tmp/bfdx.keepalived.$step" "/tmp/bfdx.lvsd.$step"
        rc=1
    fi
done
# The steps must show what they claim: both servers in after Up, the
# BFD-only one gone while the peer is silent, in again after AdminDown.
grep -q ' 10.81.0.2:81 ' /tmp/bfdx.keepalived.2-up || { echo "FAIL: alpha+TCP server not in after Up"; rc=1; }
grep -q ' 10.81.0.2:80 ' /tmp/bfdx.keepalived.3-silent && { echo "FAIL: BFD server kept while silent"; rc=1; }
grep -q ' 10.81.0.2:80 ' /tmp/bfdx.keepalived.5-admindown || { echo "FAIL: AdminDown removed the server"; rc=1; }
if [ $rc != 0 ]; then
    echo "--- keepalived log"; tail -n 30 /tmp/bfdx.keepalived.log
    echo "--- lvsd log"; tail -n 30 /tmp/bfdx.lvsd.log
    echo "--- peer log"; cat /tmp/bfdx-peer.log
fi
exit $rc
