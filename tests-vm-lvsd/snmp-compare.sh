#!/bin/sh
# Inside the IPVS VM (called by vm-checks.sh): KEEPALIVED-MIB's check subtree
# served by keepalived 2.2.7 -C and then by lvsd, each through its own snmpd
# (AgentX master) on snmp.conf. Backends: busybox httpd on local addresses
# (10.77.0.2 and .4 listen, .3 does not). For each daemon:
#  * the walk of .1.3.6.1.4.1.9586.100.5.3 once .3 is down and .2/.4 up;
#  * snmpset realServerWeight of 10.77.0.4 (row 2.3) to 7, then the weights
#    of `ipvsadm -Ln` for the service;
#  * the notifications snmptrapd receives (sysUpTime dropped) once .4's
#    backend stops.
# The walk of the global scalars (.1.3.6.1.4.1.9586.100.5.1, registered by
# the checker of both) must be the same, version (.1.0) aside.
# Every variable lvsd serves must be served by keepalived with the same
# value, at least 525 of them (528 in the VM), the 251 IPVS counter and rate
# variables among them (0: no traffic reaches the services), and the 10
# script columns and sync daemon scalars; the ipvsadm weights, the
# notifications and the sync daemons (`ipvsadm -L --daemon`: a master and a
# backup while it runs, none after it stops) must be the same. The variables keepalived serves and lvsd does not are listed
# (by column). 10.77.0.4's notify_up names a script that does not exist:
# both daemons must drop it at load, logging keepalived's line, and
# neither serve its realServerNotifyUp (row 2.3). Prints "snmp: SKIPPED
# ..." without keepalived or net-snmp.
set -u
for t in keepalived snmpd snmpwalk snmpset snmptrapd; do
    command -v $t >/dev/null || { echo "snmp: SKIPPED: $t not in the VM"; exit 0; }
done
ip() { /bin/ip "$@"; }
conf=/work/snmp.conf
export MIBS= MIBDIRS=/tmp SNMP_PERSISTENT_DIR=/tmp/snmp-persist
mkdir -p /tmp/snmp-persist /run /var/run /etc/keepalived /www/snmp
echo ok > /www/snmp/index.html
now() { awk '{print $1}' /proc/uptime; }
wait_for() { # SECONDS CMD...
    t=$1; shift
    end=$(awk -v n="$(now)" -v t="$t" 'BEGIN{print n+t}')
    while :; do
        "$@" && return 0
        awk -v n="$(now)" -v e="$end" 'BEGIN{exit !(n>e)}' && return 1
        sleep 0.2
    done
}
ip link add snmp0 type dummy
# the sync daemon joins its multicast group on snmp0
ip link set snmp0 multicast on
ip link set snmp0 up
# the quorum and notify scripts: one by its path, one through a link of
# another name (the MIB shows the link's name in the target's directory)
printf '#!/bin/sh\necho "$*" >> /tmp/snmp-notify.log\n' > /tmp/snmp-rec.sh
chmod 755 /tmp/snmp-rec.sh
ln -sf /tmp/snmp-rec.sh /tmp/snmp-link.sh
for a in 10.77.0.2 10.77.0.3 10.77.0.4; do ip addr add $a/32 dev snmp0; done
cat > /tmp/snmpd.conf <<'EOC'
master agentx
agentXSocket /tmp/agentx.sock
agentaddress udp:127.0.0.1:1161
rwcommunity private 127.0.0.1
trap2sink 127.0.0.1:1162 public
EOC
echo "disableAuthorization yes" > /tmp/snmptrapd.conf
W=".1.3.6.1.4.1.9586.100.5.3"
G=".1.3.6.1.4.1.9586.100.5.1"
snmp() { cmd=$1; shift; $cmd -v2c -c private -On -t 2 -r 1 127.0.0.1:1161 "$@"; }
get() { snmp snmpget "$W.$1" 2>/dev/null | sed 's/^[^=]*= //'; }
rs_states() { # status of rows 2.1 2.2 2.3
    [ "$(get 4.1.6.2.1)" = "INTEGER: 1" ] && [ "$(get 4.1.6.2.2)" = "INTEGER: 2" ] \
        && [ "$(get 4.1.6.2.3)" = "INTEGER: 1" ]
}
weight7() { ipvsadm -Ln | grep -q "10.77.0.4:8080 *Masq *7 "; }
# lvs_sync_daemon without an instance: a master and a backup daemon
sync_daemons() { [ "$(ipvsadm -L --daemon | grep -c 'sync daemon (mcast=snmp0, syncid=5,')" = 2 ]; }
no_sync_daemon() { [ -z "$(ipvsadm -L --daemon)" ]; }
# realServerAddress 10.77.0.4 with realServerStatus false(2) in one notification
trapped_down() { tail -n +$((n0 + 1)) /tmp/traps.log | grep "0A 4D 00 04" 2>/dev/null | grep -q "$W.4.1.6 = INTEGER: 2"; }
run() { # NAME CMD...
    name=$1; shift
    rm -f /tmp/traps.log /tmp/agentx.sock
    httpd -f -p 10.77.0.2:8080 -h /www/snmp & h2=$!
    httpd -f -p 10.77.0.4:8080 -h /www/snmp & h4=$!
    # one notification a line, its VarBinds tab-separated ("OID = TYPE: value")
    snmptrapd -f -Lo -n -On -C -c /tmp/snmptrapd.conf -F "TRAP %v\n" \
        udp:127.0.0.1:1162 > /tmp/traps.log 2>/dev/null & trapd=$!
    snmpd -f -C -c /tmp/snmpd.conf -Lf /tmp/snmpd.log -p /tmp/snmpd.pid & snmpd=$!
    wait_for 10 test -S /tmp/agentx.sock || { echo "FAIL: snmpd did not start"; cat /tmp/snmpd.log; return 1; }
    "$@" > "/tmp/$name.snmp.log" 2>&1 &
    pid=$!
    rc=0
    if ! wait_for 30 rs_states; then
        echo "FAIL: $name: real server states never settled over SNMP"; rc=1
    fi
    if ! wait_for 10 sync_daemons; then
        echo "FAIL: $name: no master and backup sync daemon"; ipvsadm -L --daemon; rc=1
    fi
    ipvsadm -L --daemon | sort > "/tmp/$name.daemon"
    snmp snmpwalk "$W" 2> "/tmp/$name.walk.err" | grep '^\.1\.3\.6' > "/tmp/$name.walk"
    snmp snmpwalk "$G" 2>> "/tmp/$name.walk.err" | grep '^\.1\.3\.6' | grep -v "^$G\.1\.0 " > "/tmp/$name.gwalk"
    snmp snmpset "$W.4.1.7.2.3" i 7 > "/tmp/$name.set" 2>&1 || { echo "FAIL: $name: snmpset"; cat "/tmp/$name.set"; rc=1; }
    wait_for 10 weight7 || { echo "FAIL: $name: the IPVS weight did not follow the set"; rc=1; }
    ipvsadm -Ln | awk '/^TCP  10.78.0.2:80/ {s=1; next} /^(TCP|UDP|FWM)/ {s=0} s && / -> / {print $2, $4}' | sort > "/tmp/$name.ipvs"
    # keepalived drops notifications raised before its session opens: only
    # those after this point are compared
    n0=$(wc -l < /tmp/traps.log)
    kill $h4; wait $h4 2>/dev/null
    wait_for 20 trapped_down || { echo "FAIL: $name: no realServerStateChange for 10.77.0.4"; rc=1; }
    sleep 1
    # before the stop (its notifications are not compared): one
    # notification a line, sysUpTime.0 (times differ) left out, sorted
    tail -n +$((n0 + 1)) /tmp/traps.log | sed 's/^TRAP //' | awk -F'\t' '{ o = ""
        for (i = 1; i <= NF; i++) if ($i !~ /^\.1\.3\.6\.1\.2\.1\.1\.3\.0 /) o = o (o == "" ? "" : " | ") $i
        print o }' | sort > "/tmp/$name.traps"
    kill -TERM $pid; wait $pid
    kill $h2 $snmpd $trapd; wait $h2 $snmpd $trapd 2>/dev/null
    wait_for 5 no_sync_daemon || { echo "FAIL: $name: the sync daemons outlive it"; ipvsadm -L --daemon; rc=1; }
    ipvsadm -C
    return $rc
}
run keepalived keepalived -n -l -D -C -f $conf || { tail -n 30 /tmp/keepalived.snmp.log; exit 1; }
run lvsd lvsd -f $conf --socket /tmp/snmp-lvsd.sock || { tail -n 30 /tmp/lvsd.snmp.log; exit 1; }
rc=0
# every variable lvsd serves, with keepalived's value
awk -F' = ' 'NR==FNR {ka[$1]=$2; next}
    !($1 in ka) { print "only lvsd: " $0; bad++; next }
    ka[$1] != $2 { print "differs: " $1 ": keepalived " ka[$1] ", lvsd " $2; bad++; next }
    { same++ }
    END { print "NUMBERS snmp same=" same+0 " differ=" bad+0; exit bad > 0 || same < 525 }' \
    /tmp/keepalived.walk /tmp/lvsd.walk || rc=1
# the IPVS counter and rate columns (VS .27-.36 and .38-.50, RS .14-.39):
# no traffic reaches the services, so 0 on both sides; lvsd must serve all
# of them, 23 per virtual server and 26 per real or sorry server (3 and 7
# here)
nstats=$(awk -F' = ' '{ split($1, o, ".")
        if ((o[12] == 3 && ((o[14] >= 27 && o[14] <= 36) || (o[14] >= 38 && o[14] <= 50))) \
            || (o[12] == 4 && o[14] >= 14 && o[14] <= 39)) n++ }
    END { print n+0 }' /tmp/lvsd.walk)
echo "NUMBERS snmp counters=$nstats (lvsd)"
[ "$nstats" = 251 ] || { echo "FAIL: lvsd serves $nstats counter and rate variables, not 251"; rc=1; }
# the script columns (VS .24/.25 of 10.78.0.2, RS .11/.12 of 10.77.0.2 in
# it) and the sync daemon scalars .6.4-.6.9: lvsd must serve all 10
nnew=$(awk -F' = ' '{ split($1, o, ".")
        if ((o[12] == 3 && (o[14] == 24 || o[14] == 25)) \
            || (o[12] == 4 && (o[14] == 11 || o[14] == 12)) \
            || (o[12] == 6 && o[13] >= 4 && o[13] <= 9)) n++ }
    END { print n+0 }' /tmp/lvsd.walk)
echo "NUMBERS snmp scripts+syncd=$nnew (lvsd)"
[ "$nnew" = 10 ] || { echo "FAIL: lvsd serves $nnew script and sync daemon variables, not 10"; rc=1; }
# the notify_up that does not exist: dropped at load by both
missing="Script /tmp/snmp-missing.sh cannot be accessed - No such file or directory"
ndropped=0
for d in keepalived lvsd; do
    if grep -q "^$W\.4\.1\.11\.2\.3 " "/tmp/$d.walk"; then
        echo "FAIL: $d serves the notify_up of 10.77.0.4 (a script that does not exist)"; rc=1
    fi
    if grep -qF "$missing" "/tmp/$d.snmp.log"; then
        ndropped=$((ndropped + 1))
    else
        echo "FAIL: $d did not log: $missing"; rc=1
    fi
done
echo "NUMBERS snmp dropped-script-logged=$ndropped (of 2)"
echo "--- columns keepalived serves and lvsd does not:"
awk -F' = ' 'NR==FNR {l[$1]=1; next} !($1 in l) {print $1}' /tmp/lvsd.walk /tmp/keepalived.walk \
    | awk -F. '{ if ($12 <= 4) { o=""; for (i=2;i<=14;i++) o=o "." $i; print o } else print }' | sort -u | tr '\n' ' '
echo
echo "NUMBERS snmp global=$(wc -l < /tmp/keepalived.gwalk) (keepalived, version aside) $(wc -l < /tmp/lvsd.gwalk) (lvsd)"
[ -s /tmp/keepalived.gwalk ] || { echo "FAIL: keepalived serves no global scalar"; rc=1; }
for part in gwalk ipvs traps daemon; do
    if ! cmp -s "/tmp/keepalived.$part" "/tmp/lvsd.$part"; then
        echo "FAIL: $part differs (keepalived vs lvsd)"
        diff "/tmp/keepalived.$part" "/tmp/lvsd.$part"
        rc=1
    fi
done
echo "--- global scalars (both, version aside):"; cat /tmp/lvsd.gwalk
echo "--- weights after snmpset (both):"; cat /tmp/lvsd.ipvs
echo "--- sync daemons (both):"; cat /tmp/lvsd.daemon
echo "--- script and sync daemon variables (lvsd):"
grep -E "^$W\.(3\.1\.2[45]|4\.1\.1[12]|6\.[4-9])\." /tmp/lvsd.walk
echo "--- notifications after the backend stop (both):"; cat /tmp/lvsd.traps
[ -s /tmp/lvsd.traps ] || { echo "FAIL: no notification"; rc=1; }
[ $rc = 0 ] || { echo "--- lvsd log"; tail -n 40 /tmp/lvsd.snmp.log; }
exit $rc
