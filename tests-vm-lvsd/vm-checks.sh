#!/bin/sh
# lvsd end-to-end checks; runs inside the IPVS VM (see run.sh). Backends are
# busybox httpd in network namespaces behind veth pairs; lvsd and IPVS run in
# the VM's root namespace; a client namespace reaches the VIPs through NAT.
set -u
export NO_COLOR=1
# busybox sh prefers its own applets: call iproute2 (for `ip netns`) by path.
ip() { /bin/ip "$@"; }
LOG=/tmp/lvsd.log
fail() {
    echo "FAIL: $*"
    echo "--- ipvsadm -Ln"; ipvsadm -Ln
    echo "--- notify log"; cat /tmp/notify.log 2>/dev/null
    echo "--- lvsd log (last 60 lines)"; tail -n 60 $LOG 2>/dev/null
    exit 1
}
ok() { echo "ok: $*"; }
now() { awk '{print $1}' /proc/uptime; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN{printf "%.2f", b-a}'; }
le() { awk -v a="$1" -v b="$2" 'BEGIN{exit !(a<=b)}'; }
# "addr:port weight" lines of one service, sorted.
dests() {
    ipvsadm -Ln | awk -v s="$1" '/^(TCP|UDP|SCTP|FWM)/ {cur=$2} / -> / && cur==s {print $2, $4}' | sort | tr '\n' ';'
}
# wait_for SECONDS CMD...: polls CMD every 0.1 s.
wait_for() {
    t=$1; shift
    end=$(awk -v n="$(now)" -v t="$t" 'BEGIN{print n+t}')
    while :; do
        "$@" && return 0
        awk -v n="$(now)" -v e="$end" 'BEGIN{exit !(n>e)}' && return 1
        sleep 0.1
    done
}
dests_are() { [ "$(dests "$1")" = "$2" ]; }
notified() { grep -qx "$1" /tmp/notify.log 2>/dev/null; }
# notified_n N LINE: LINE was logged exactly N times.
notified_n() { [ "$(grep -cx "$2" /tmp/notify.log 2>/dev/null)" = "$1" ]; }

mkns() { # NAME ADDR GW
    ip netns add "$1" || fail "netns $1"
    ip link add "v$1" type veth peer name eth0 netns "$1"
    ip addr add "$3/24" dev "v$1"
    ip link set "v$1" up
    ip netns exec "$1" ip addr add "$2/24" dev eth0
    ip netns exec "$1" ip link set eth0 up
    ip netns exec "$1" ip link set lo up
    ip netns exec "$1" ip route add default via "$3"
}
start_httpd() { # NS ADDR:PORT TEXT
    mkdir -p "/www/$1"
    echo "$3" > "/www/$1/index.html"
    /bin/ip netns exec "$1" httpd -f -p "$2" -h "/www/$1" &
    echo $! > "/tmp/$1.pid"
}
stop_httpd() { kill "$(cat /tmp/$1.pid)"; wait "$(cat /tmp/$1.pid)" 2>/dev/null; }
# GET /index.html from the client namespace (busybox nc: its wget crashes
# under `ip netns exec` here); prints the body's line.
get() { printf 'GET /index.html HTTP/1.0\r\n\r\n' | ip netns exec cl nc -w 3 "$1" "${2:-80}" 2>/dev/null | tail -n 1; }

echo 1 > /proc/sys/net/ipv4/ip_forward
for n in 1 2 3 4; do mkns "be$n" "10.1.$n.2" "10.1.$n.1"; done
mkns cl 10.9.0.2 10.9.0.1
ip addr add 10.100.0.1/32 dev lo
ip addr add 10.100.0.2/32 dev lo
for n in 1 2 3; do start_httpd "be$n" "10.1.$n.2:80" "be$n"; done
start_httpd be4 10.1.4.2:80 sorry
sleep 0.5
[ "$(get 10.1.1.2)" = be1 ] || fail "backend be1 not reachable directly"

# A service lvsd does not own: it must survive start and stop.
ipvsadm -A -u 10.200.0.1:53 -s rr || fail "foreign service"

# --- start
lvsd -f /work/web.conf --socket /tmp/lvsd.sock --metrics-listen 127.0.0.1:9101 >$LOG 2>&1 &
LVSD=$!
want="10.1.1.2:80 1;10.1.2.2:80 2;10.1.3.2:80 3;"
wait_for 10 dests_are 10.100.0.1:80 "$want" || fail "initial table: $(dests 10.100.0.1:80)"
wait_for 10 dests_are 10.100.0.2:8080 "10.1.1.2:80 5;" || fail "second service"
ok "ipvsadm shows exactly the healthy backends with their weights"
grep -q "/work/web.conf:68:27: error: invalid value for .virtual_server.: number .99999. outside range" $LOG ||
    fail "no diagnostic for the bad service"
ipvsadm -Ln | grep -q 10.100.0.3 && fail "the bad service was programmed"
ok "bad service reported with file:line and skipped"
ipvsadm -Ln | grep -q "UDP  10.200.0.1:53" || fail "foreign service touched at start"
# keepalived 2.2.7 runs quorum_up when a virtual server starts with its quorum up.
wait_for 5 notified_n 1 "quorum_up web" || fail "quorum_up not run once at start"
ok "quorum_up ran at start (quorum up)"

# --- traffic is balanced over the healthy backends (rr)
: > /tmp/seen
for i in 1 2 3 4 5 6 7 8 9; do get 10.100.0.1 >> /tmp/seen; done
for n in 1 2 3; do
    c=$(grep -c "^be$n$" /tmp/seen)
    [ "$c" = 3 ] || fail "be$n answered $c of 9 requests: $(tr '\n' ' ' < /tmp/seen)"
done
ok "NAT traffic balanced: 3 requests each to be1, be2, be3"

# --- a stopped backend leaves within delay_loop + connect_timeout x (retry+1) = 3 s
t0=$(now)
stop_httpd be2
wait_for 10 dests_are 10.100.0.1:80 "10.1.1.2:80 1;10.1.3.2:80 3;" || fail "be2 not removed: $(dests 10.100.0.1:80)"
dt=$(elapsed "$t0")
le "$dt" 3.5 || fail "be2 removed after $dt s (bound 3 s + 0.5 s polling)"
ok "stopped be2 removed after $dt s"
wait_for 5 notified "down be2" || fail "notify_down be2 not run"
ok "notify_down ran with its arguments"
: > /tmp/seen
for i in 1 2 3 4 5 6; do get 10.100.0.1 >> /tmp/seen; done
grep -q be2 /tmp/seen && fail "the stopped backend got new connections"
[ "$(wc -l < /tmp/seen)" = 6 ] || fail "requests failed while be2 was down"
ok "no new connections to the stopped backend"

t0=$(now)
start_httpd be2 10.1.2.2:80 be2
wait_for 10 dests_are 10.100.0.1:80 "$want" || fail "be2 not back: $(dests 10.100.0.1:80)"
ok "restarted be2 back after $(elapsed "$t0") s"
wait_for 5 notified "up be2" || fail "notify_up be2 not run"

# --- inhibit_on_failure: be3 stays with weight 0
stop_httpd be3
wait_for 10 dests_are 10.100.0.1:80 "10.1.1.2:80 1;10.1.2.2:80 2;10.1.3.2:80 0;" || fail "be3 not inhibited: $(dests 10.100.0.1:80)"
ok "inhibit_on_failure: be3 at weight 0"

# --- quorum loss: weight 1 < quorum 2 -> sorry server, quorum_down
stop_httpd be2
wait_for 10 dests_are 10.100.0.1:80 "10.1.3.2:80 0;10.1.4.2:80 1;" || fail "no sorry server: $(dests 10.100.0.1:80)"
wait_for 5 notified "quorum_down web" || fail "quorum_down not run"
[ "$(get 10.100.0.1)" = sorry ] || fail "client not served by the sorry server"
ok "quorum lost: sorry server in, quorum_down ran, client served by it"
start_httpd be2 10.1.2.2:80 be2
start_httpd be3 10.1.3.2:80 be3
wait_for 10 dests_are 10.100.0.1:80 "$want" || fail "quorum not regained: $(dests 10.100.0.1:80)"
wait_for 5 notified_n 2 "quorum_up web" || fail "quorum_up not run again"
ok "quorum regained: real servers back, sorry server out, quorum_up ran"

# --- status and metrics
lvsd status --socket /tmp/lvsd.sock > /tmp/status.json || fail "lvsd status"
[ "$(grep -c '"alive": true' /tmp/status.json)" = 4 ] || fail "status: $(cat /tmp/status.json)"
grep -q '"type": "HTTP_GET"' /tmp/status.json || fail "status lacks checker types"
wget -q -O - http://127.0.0.1:9101/metrics | grep -q 'lvsd_real_server_up{vs="TCP 10.100.0.1:80",rs="10.1.2.2:80"} 1' ||
    fail "metrics"
ok "lvsd status JSON and Prometheus metrics"

# --- reload with one service changed: the other keeps its entries and counters
for i in 1 2 3; do [ "$(get 10.100.0.2 8080)" = be1 ] || fail "service 8080 traffic"; done
stats() { ipvsadm -Ln --stats | awk -v s="$1" '$2==s {print $3}'; }
# The kernel folds per-CPU counters into the totals every 2 s (estimator).
wait_for 8 sh -c "[ \$(ipvsadm -Ln --stats | awk '\$2==\"10.100.0.2:8080\" {print \$3}') -ge 3 ]" ||
    fail "no counters on 8080 ($(stats 10.100.0.2:8080))"
sleep 2.5
c8080=$(stats 10.100.0.2:8080)
c80=$(stats 10.100.0.1:80)
before=$(grep -c "ipvs: " $LOG)
sed -i 's/lvs_sched rr/lvs_sched wlc/' /work/web.conf
kill -HUP $LVSD
wait_for 10 sh -c 'ipvsadm -Ln | grep -q "TCP  10.100.0.1:80 wlc"' || fail "reload did not change the scheduler"
sleep 2.5
changes=$(grep "ipvs: " $LOG | tail -n +$((before + 1)) | sed 's/.*ipvs: //')
[ "$changes" = "edit service TCP 10.100.0.1:80 wlc" ] || fail "reload sent more than the one change: $changes"
[ "$(stats 10.100.0.2:8080)" = "$c8080" ] || fail "8080 counters changed by the reload"
[ "$(stats 10.100.0.1:80)" = "$c80" ] || fail "80 counters reset by the reload"
dests_are 10.100.0.1:80 "$want" || fail "entries changed by the reload"
grep -q "checkers_kept=4" $LOG || fail "checkers were not kept over the reload"
ok "reload: only SET_SERVICE for the changed service; counters ($c80, $c8080) and checkers kept"

# --- SIGTERM: exit 0, our services gone, the foreign one kept
kill -TERM $LVSD
wait $LVSD
rc=$?
[ "$rc" = 0 ] || fail "lvsd exited $rc"
ipvsadm -Ln | grep -q "10.100.0" && fail "services left after SIGTERM"
ipvsadm -Ln | grep -q "UDP  10.200.0.1:53" || fail "foreign service removed"
ok "SIGTERM: exit 0, our services removed, the foreign service kept"

# --- tenant-vip.conf (bins/lvsd/tests/data/tenant-vip-tcp-check.conf) with TCP_CHECK enabled
mkns pg 10.244.0.6 10.244.0.1
start_httpd pg 10.244.0.6:5432 pg
orig_timeouts=$(ipvsadm -L --timeout)
lvsd -f /work/tenant-vip.conf --socket /tmp/t.sock >$LOG 2>&1 &
LVSD=$!
wait_for 10 dests_are 192.168.143.33:5432 "10.244.0.6:5432 1;" || fail "tenant-vip table: $(dests 192.168.143.33:5432)"
ipvsadm -Ln | grep -q "TCP  192.168.143.33:5432 wlc persistent 7200" || fail "tenant-vip service settings"
ipvsadm -L --timeout | grep -q "7200 120 300" || fail "lvs_timeouts not applied: $(ipvsadm -L --timeout)"
lvsd status --socket /tmp/t.sock | grep -q '"type": "TCP_CHECK"' || fail "tenant-vip checker"
kill -TERM $LVSD; wait $LVSD || fail "tenant-vip lvsd exit"
[ "$(ipvsadm -L --timeout)" = "$orig_timeouts" ] || fail "timeouts not restored"
ok "tenant-vip.conf: wlc persistent 7200 NAT service, TCP_CHECK, lvs_timeouts set and restored"

# --- the repaired MySQL master config: notify_down /etc/keepalived/mysql.sh
mkns my 192.168.143.65 192.168.143.1
start_httpd my 192.168.143.65:3306 mysql
lvsd -f /work/mysql-master.conf --socket /tmp/m.sock >$LOG 2>&1 &
LVSD=$!
wait_for 10 dests_are 192.168.143.32:3306 "192.168.143.65:3306 3;" || fail "mysql table: $(dests 192.168.143.32:3306)"
t0=$(now)
stop_httpd my
# delay_loop 2 + connect_timeout 3 x (retry 1 + 1) + delay_before_retry 1 = 9 s
wait_for 12 sh -c '! ipvsadm -Ln | grep -q 192.168.143.65' || fail "mysql backend not removed"
dt=$(elapsed "$t0")
wait_for 5 notified "mysql.sh " || fail "mysql.sh (notify_down) did not run"
kill -TERM $LVSD; wait $LVSD || fail "mysql lvsd exit"
ok "repaired mysql-master.conf: backend removed after $dt s, notify_down mysql.sh ran"
# --- lvs_method TUN options, read back with ipvsadm --tun-info
lvsd -f /work/sync-tun.conf --socket /tmp/s.sock >$LOG 2>&1 &
LVSD=$!
tun() { ipvsadm -Ln --tun-info | awk -v d="$1" '$2==d {print $3, $4}'; }
wait_for 10 sh -c 'ipvsadm -Ln | grep -q 10.1.2.2:80' || fail "TUN service not installed"
[ "$(tun 10.1.1.2:80)" = "Tunnel gue:6080:+c" ] || fail "gue options: $(tun 10.1.1.2:80)"
[ "$(tun 10.1.2.2:80)" = "Tunnel gre:+c" ] || fail "gre options: $(tun 10.1.2.2:80)"
grep -q "lvs_sync_daemon follows vrrp_instance .VI_SYNC." $LOG || fail "lvsd did not leave lvs_sync_daemon to vrrpd"
ipvsadm -L --daemon | grep -q . && fail "lvsd started a sync daemon for an instance-bound lvs_sync_daemon"
kill -TERM $LVSD; wait $LVSD || fail "TUN lvsd exit"
ok "lvs_method TUN type gue port 6080 csum / type gre csum reach IPVS (ipvsadm --tun-info)"

# --- vrrpd switches the sync daemon: backup at start, master on MASTER, none after exit
mkns vr 10.50.0.2 10.50.0.1
syncd() { ip netns exec vr ipvsadm -L --daemon; }
# /bin/ip, not the ip() function: $! must be vrrpd itself, not a subshell.
/bin/ip netns exec vr vrrpd -f /work/sync-tun.conf --socket /tmp/vrrpd.sock --dump-file /tmp/vrrpd.json >/tmp/vrrpd.log 2>&1 &
VRRPD=$!
wait_for 15 sh -c '/bin/ip netns exec vr ipvsadm -L --daemon | grep -q "^backup sync daemon (mcast=eth0, syncid=9"' ||
    { cat /tmp/vrrpd.log; fail "vrrpd: no backup sync daemon at start: $(syncd)"; }
wait_for 15 sh -c '/bin/ip netns exec vr ipvsadm -L --daemon | grep -q "^master sync daemon (mcast=eth0, syncid=9"' ||
    { cat /tmp/vrrpd.log; fail "vrrpd: no master sync daemon after MASTER: $(syncd)"; }
syncd | grep -q "^backup" && fail "backup sync daemon still running on MASTER: $(syncd)"
kill -TERM $VRRPD; wait $VRRPD
[ -z "$(syncd)" ] || fail "sync daemon left after vrrpd exit: $(syncd)"
ok "vrrpd lvs_sync_daemon: backup at start, master after MASTER, stopped at exit"

# --- ha_suspend and the LVS notify FIFO
mkns be5 10.1.5.2 10.1.5.1
start_httpd be5 10.1.5.2:80 be5
cat > /tmp/fifo-reader.sh <<'EOS'
#!/bin/sh
exec cat "$1" >> /tmp/fifo.log
EOS
chmod +x /tmp/fifo-reader.sh
cat > /tmp/ha-suspend.conf <<'EOS'
global_defs {
    lvs_notify_fifo /tmp/lvs.fifo
    lvs_notify_fifo_script /tmp/fifo-reader.sh
    rs_init_notifies
}
virtual_server 10.100.0.5 80 {
    ha_suspend
    delay_loop 1
    lvs_sched rr
    lvs_method NAT
    protocol TCP
    real_server 10.1.5.2 80 {
        TCP_CHECK {
            connect_timeout 1
            retry 0
        }
    }
}
EOS
# TCP connections the backend namespace accepted (/proc/net/snmp is per netns).
accepts() { /bin/ip netns exec be5 awk '/^Tcp:/ {n++; if (n == 2) print $7}' /proc/net/snmp; }
lvsd -f /tmp/ha-suspend.conf --socket /tmp/h.sock >$LOG 2>&1 &
LVSD=$!
# As keepalived: the (non-alpha) real server is programmed at start, VIP or not.
wait_for 10 dests_are 10.100.0.5:80 "10.1.5.2:80 1;" || fail "ha_suspend table: $(dests 10.100.0.5:80)"
a0=$(accepts)
sleep 3
[ "$(accepts)" = "$a0" ] || fail "checks ran with the VIP absent: $a0 -> $(accepts) accepts"
dests_are 10.100.0.5:80 "10.1.5.2:80 1;" || fail "suspended entry changed: $(dests 10.100.0.5:80)"
ip addr add 10.100.0.5/32 dev lo
wait_for 3 sh -c "[ \$(/bin/ip netns exec be5 awk '/^Tcp:/ {n++; if (n == 2) print \$7}' /proc/net/snmp) -gt $a0 ]" ||
    fail "checks did not resume when the VIP appeared"
ip addr del 10.100.0.5/32 dev lo
sleep 1.5
a1=$(accepts)
sleep 3
[ "$(accepts)" = "$a1" ] || fail "checks ran after the VIP left: $a1 -> $(accepts) accepts"
ok "ha_suspend: no check connection while the VIP is absent (entry kept), checks resume when it appears"
ip addr add 10.100.0.5/32 dev lo
stop_httpd be5
wait_for 5 sh -c '! ipvsadm -Ln | grep -q 10.1.5.2' || fail "be5 not removed"
want='RS [10.1.5.2]:tcp:80 [10.100.0.5]:tcp:80 UP
VS [10.100.0.5]:tcp:80 UP
RS [10.1.5.2]:tcp:80 [10.100.0.5]:tcp:80 DOWN
VS [10.100.0.5]:tcp:80 DOWN'
wait_for 3 sh -c "[ \"\$(cat /tmp/fifo.log)\" = '$want' ]" || fail "fifo lines: $(cat /tmp/fifo.log)"
kill -TERM $LVSD; wait $LVSD || fail "ha_suspend lvsd exit"
[ -e /tmp/lvs.fifo ] && fail "lvs_notify_fifo left behind"
ok "lvs_notify_fifo: the fifo script read keepalived's RS/VS lines"

# --- BFD_CHECK, lvsd vs keepalived 2.2.7 (start, Up, silent peer, back, AdminDown)
sh /work/bfd-compare.sh > /tmp/bfd.out 2>&1 || { cat /tmp/bfd.out; fail "BFD_CHECK: lvsd differs from keepalived"; }
if grep -q SKIPPED /tmp/bfd.out; then
    cat /tmp/bfd.out
else
    grep -E "NUMBERS|bfd-compare:" /tmp/bfd.out
    ok "BFD_CHECK: the IPVS table at start, Up, silent peer, back and peer AdminDown as keepalived's"
fi
# --- notifications at start and SIGTERM (omega), lvsd vs keepalived 2.2.7 -C
sh /work/omega-compare.sh > /tmp/omega.out 2>&1 || { cat /tmp/omega.out; fail "omega: lvsd differs from keepalived"; }
if grep -q SKIPPED /tmp/omega.out; then
    cat /tmp/omega.out
else
    sed -n '/^--- services/,/^--- shutdown FIFO/p' /tmp/omega.out | grep -v '^--- shutdown FIFO'
    ok "FIFO lines and notify/quorum scripts at start and at SIGTERM (omega, sorry server, inhibit, no omega) and the IPVS services (persistence granularity forms) as keepalived's"
fi
# --- KEEPALIVED-MIB check subtree, lvsd vs keepalived 2.2.7 -C, each with its snmpd
sh /work/snmp-compare.sh > /tmp/snmp.out 2>&1 || { cat /tmp/snmp.out; fail "snmp: lvsd differs from keepalived"; }
cat /tmp/snmp.out
grep -q SKIPPED /tmp/snmp.out || ok "check subtree walk, snmpset of a weight and realServerStateChange as keepalived's"
echo "ALL LVSD VM CHECKS PASSED"
