#!/bin/sh
# Inside the IPVS VM (called by vm-checks.sh): keepalived 2.2.7 -C and lvsd on
# omega.conf, one after the other. For each: the lvs_notify_fifo lines and the
# notify/quorum script calls at start (sorted: the checkers' timing orders
# them) and at SIGTERM (FIFO lines in order; script calls sorted, lvsd runs
# them concurrently) must be the same, and so must the IPVS service lines at
# start (the persistence granularity services among them). Prints
# "omega: SKIPPED ..." without keepalived; exits non-zero on a difference.
set -u
conf=/work/omega.conf
cat > /tmp/rec.sh <<'EOS'
#!/bin/sh
echo "$*" >> /tmp/rec.log
EOS
chmod 755 /tmp/rec.sh
mkdir -p /run /var/run /etc/keepalived
run() { # NAME CMD...: leaves /tmp/NAME.{start,stop}.{fifo,rec}
    name=$1; shift
    rm -f /tmp/rec.log /tmp/omega.fifo /tmp/fifo.out
    mkfifo /tmp/omega.fifo
    cat /tmp/omega.fifo > /tmp/fifo.out &
    reader=$!
    "$@" > "/tmp/$name.log" 2>&1 &
    pid=$!
    # Settled: at least 6 s, then no new FIFO line or script call for 3 s
    # (at most 40 s: a loaded TCG guest can run the checkers late).
    sleep 6
    last=""; same=0; k=0
    while [ $same -lt 3 ] && [ $k -lt 34 ]; do
        now="$(wc -l < /tmp/fifo.out) $(cat /tmp/rec.log 2>/dev/null | wc -l)"
        if [ "$now" = "$last" ]; then same=$((same + 1)); else same=0; last=$now; fi
        sleep 1; k=$((k + 1))
    done
    # The services as the kernel holds them (persistence and its netmask).
    ipvsadm -Ln | grep -E '^(TCP|UDP|FWM) ' | sort > "/tmp/$name.start.ipvs"
    sort /tmp/fifo.out > "/tmp/$name.start.fifo"
    sort /tmp/rec.log > "/tmp/$name.start.rec"
    n_fifo=$(wc -l < /tmp/fifo.out)
    n_rec=$(wc -l < /tmp/rec.log)
    kill -TERM $pid
    wait $pid || { echo "FAIL: $name exited $?"; cat "/tmp/$name.log"; return 1; }
    sleep 1.5
    ipvsadm -Ln | grep -q 10.150.0 && { echo "FAIL: $name left entries"; return 1; }
    rm -f /tmp/omega.fifo
    kill $reader 2>/dev/null
    tail -n +$((n_fifo + 1)) /tmp/fifo.out > "/tmp/$name.stop.fifo"
    tail -n +$((n_rec + 1)) /tmp/rec.log | sort > "/tmp/$name.stop.rec"
}
if ! command -v keepalived >/dev/null; then
    echo "omega: SKIPPED: keepalived not in the VM"
    exit 0
fi
run keepalived keepalived -n -l -D -C -f $conf || exit 1
run lvsd lvsd -f $conf --socket /tmp/omega.sock || exit 1
rc=0
for part in start.ipvs start.fifo start.rec stop.fifo stop.rec; do
    if ! cmp -s "/tmp/keepalived.$part" "/tmp/lvsd.$part"; then
        echo "FAIL: $part differs (keepalived vs lvsd)"
        diff "/tmp/keepalived.$part" "/tmp/lvsd.$part"
        rc=1
    fi
done
[ -s /tmp/keepalived.stop.fifo ] || { echo "FAIL: keepalived wrote no shutdown line"; rc=1; }
for want in '10.150.0.8:80 rr persistent 360 mask 0.0.0.24' \
    '10.150.0.9:80 rr persistent 360 mask 255.255.0.255' \
    '10.150.0.10:80 rr$' '\[fd00:150::1\]:80 rr persistent 360 mask 64' \
    '\[fd00:150::2\]:80 rr$'; do
    grep -q "$want" /tmp/lvsd.start.ipvs || { echo "FAIL: no service line matching '$want'"; rc=1; }
done
echo "--- services (both):"; cat /tmp/lvsd.start.ipvs
echo "--- shutdown FIFO lines (both):"; cat /tmp/lvsd.stop.fifo
echo "--- shutdown scripts (both, sorted):"; cat /tmp/lvsd.stop.rec
[ $rc = 0 ] || { echo "--- lvsd log"; tail -n 40 /tmp/lvsd.log; }
exit $rc
