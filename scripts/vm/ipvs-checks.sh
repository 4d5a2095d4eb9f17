#!/bin/sh
# Runs INSIDE the IPVS test VM (see ipvs-kernel-test.sh): the ipvs-sys kernel
# check, then ipvsctl against ipvsadm on the same kernel, then (BENCH=1) the
# restore benchmark. Prints "N passed, M failed"; exit 0 iff nothing failed.
pass=0
failn=0
ok() { pass=$((pass + 1)); echo "ok   $1"; }
bad() { failn=$((failn + 1)); echo "FAIL $1"; }

ip link show dummy0 >/dev/null 2>&1 || ip link add dummy0 type dummy
ip addr add 10.3.0.1/24 dev dummy0
ip link set dummy0 up

echo "== ipvs-sys kernel check"
ipvs_kernel_check > /tmp/kc.out 2>&1
kc=$?
cat /tmp/kc.out
line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' /tmp/kc.out | tail -n1)
p=${line%% passed*}; f=${line#*passed, }; f=${f%% failed}
pass=$((pass + ${p:-0})); failn=$((failn + ${f:-1}))
[ "$kc" = 0 ] || [ "${f:-1}" != 0 ] || bad "ipvs_kernel_check exit code $kc"

# A table with every kind of entry, built by either tool.
cat > /tmp/cmds <<'CMDS'
-A -t 10.1.1.1:80 -s rr
-A -u [2001:db8::1]:53 -s wlc -p 300
-A --sctp-service 10.1.1.2:3868 -s sh -b sh-fallback,sh-port
-A -f 1 -s mh -b mh-port -p 60 -M 255.255.255.0
-A -f 2 -6 -s sed -p -M 64
-A -u 10.1.1.3:53 -o -s lc
-A -u 10.1.1.4:5060 -p 60 --pe sip -s rr
-A -t 10.1.1.5:0 -s dh -p 10
-A -t 200.1.1.1:443 -s fo
-A -t 9.9.9.9:http -s ovf
-E -t 10.1.1.1:80 -s wrr
-a -t 10.1.1.1:80 -r 10.2.0.1:8080 -m -w 5 -x 100 -y 10
-a -t 10.1.1.1:80 -r 10.2.0.2 -g
-a -t 10.1.1.1:80 -r 10.2.0.3 -i
-a -t 10.1.1.1:80 -r 10.2.0.4 -i --tun-type gue --tun-port 6080 --tun-remcsum
-a -t 10.1.1.1:80 -r 10.2.0.5 -i --tun-type gre --tun-csum
-a -t 10.1.1.1:80 -r 200.2.0.5 -m -w 65535
-a -t 10.1.1.1:80 -r [2001:db8::9] -i
-a -u [2001:db8::1]:53 -r [2001:db8::2]:53 -m -w 3
-a -u [2001:db8::1]:53 -r [2001:db8::3]:5353 -m -w 0
-a -f 1 -r 10.2.0.6 -g -w 2
-a --sctp-service 10.1.1.2:3868 -r 10.2.0.7 -m
-e -t 10.1.1.1:80 -r 10.2.0.1:8080 -m -w 0
-d -t 10.1.1.1:80 -r 10.2.0.2
CMDS

apply() { # TOOL: run every line of /tmp/cmds; record messages and exit codes
    while read -r l; do
        # shellcheck disable=SC2086
        "$1" $l; echo "rc=$?"
    done < /tmp/cmds 2>&1
}

echo "== same commands, same table"
ipvsadm -C; apply ipvsadm > /tmp/apply.adm; ipvsadm -S -n > /tmp/save.adm
ipvsadm -C; apply ipvsctl > /tmp/apply.ctl; ipvsadm -S -n > /tmp/save.ctl
if cmp -s /tmp/save.adm /tmp/save.ctl; then ok "ipvsctl commands build ipvsadm's table"; else bad "tables differ"; diff /tmp/save.adm /tmp/save.ctl; fi
if cmp -s /tmp/apply.adm /tmp/apply.ctl; then ok "same messages and exit codes while applying"; else bad "apply output differs"; diff /tmp/apply.adm /tmp/apply.ctl; fi

ipvsctl --set 900 120 300
ipvsadm --start-daemon master --mcast-interface dummy0 --syncid 5
ipvsctl --start-daemon backup --mcast-interface dummy0 --syncid 6 --sync-maxlen 1000 --mcast-group 224.0.0.90 --mcast-port 8850 --mcast-ttl 2

echo "== listings identical"
while read -r args; do
    # shellcheck disable=SC2086
    ipvsadm $args > /tmp/l.adm 2>&1; ra=$?
    # shellcheck disable=SC2086
    ipvsctl $args > /tmp/l.raw 2>&1; rc=$?; sed 's/ipvsctl/ipvsadm/g' /tmp/l.raw > /tmp/l.ctl
    if cmp -s /tmp/l.adm /tmp/l.ctl && [ $ra = $rc ]; then ok "ipvsctl $args"; else bad "ipvsctl $args (rc $ra vs $rc)"; diff /tmp/l.adm /tmp/l.ctl; fi
done <<'LISTS'
-Ln
-L -n
-l -n
-L
-Ln --stats
-Ln --rate
-Ln --stats --exact
-Ln --thresholds
-Ln --persistent-conn
-Ln --tun-info
-Ln --nosort
-S -n
-S
-Ln -t 10.1.1.1:80
-Ln -u [2001:db8::1]:53
-Ln -f 1
-Ln -t 10.9.9.9:80
-L --timeout
-L --daemon
-Ln --timeout --stats
-A -t 10.1.1.1:80
-D -t 10.9.9.9:80
-d -t 10.1.1.1:80 -r 10.9.9.9
-a -t 10.1.1.1:80 -r 10.2.0.1:8080 -m
-a -t 10.9.9.9:80 -r 10.2.0.1
-A -t 10.1.1.9:80 -s nosuch
-A -t 10.1.1.9
-A -t 10.1.1.9:80 -o
-a -t 10.1.1.1:80 -r 10.2.0.99 -g --tun-type gue
-a -t 10.1.1.1:80 -r 10.2.0.99 -i --tun-type gue
-e -t 10.1.1.1:80 -r 10.2.0.1:8080 -m -w 70000
-A -t 10.1.1.9:80 -p abc
-A -t 10.1.1.9:80 -b sh-port
-A -f 0
-A -6 -f 3
-L -t 10.1.1.1:80 -c --stats
-A -s rr
-D
-Z -t 10.9.9.9:80
-C -t 10.1.1.1:80
--set 1 2
--start-daemon master
--stop-daemon foo
--bogus
-Ln extra
LISTS

echo "== restore"
ipvsadm -S -n > /tmp/rs.in
ipvsadm -C; ipvsctl -R < /tmp/rs.in; echo "rc=$?" > /tmp/rs.rc
ipvsadm -S -n > /tmp/rs.out
if cmp -s /tmp/rs.in /tmp/rs.out && grep -q '^rc=0$' /tmp/rs.rc; then ok "ipvsctl -R restores ipvsadm -S"; else bad "restore"; diff /tmp/rs.in /tmp/rs.out; cat /tmp/rs.rc; fi
printf -- '-A -t 10.7.0.1:80\n-A -t 10.7.0.1:80\n-a -t 10.7.0.1:80 -r 10.8.0.1\n-D -t 10.7.0.9:80\n' > /tmp/rs.err
ipvsadm -R < /tmp/rs.err > /tmp/rse.adm 2>&1; echo "rc=$?" >> /tmp/rse.adm; ipvsadm -S -n > /tmp/rse.sadm
ipvsadm -D -t 10.7.0.1:80
ipvsctl -R < /tmp/rs.err > /tmp/rse.ctl 2>&1; echo "rc=$?" >> /tmp/rse.ctl; ipvsadm -S -n > /tmp/rse.sctl
if cmp -s /tmp/rse.adm /tmp/rse.ctl && cmp -s /tmp/rse.sadm /tmp/rse.sctl; then ok "restore with errors: same messages, exit code, table"; else bad "restore with errors"; diff /tmp/rse.adm /tmp/rse.ctl; diff /tmp/rse.sadm /tmp/rse.sctl; fi
ipvsadm --stop-daemon master; ipvsadm --stop-daemon backup

if [ "${BENCH:-0}" = 1 ]; then
    echo "== bench: restore 1000 services x 10 destinations"
    i=0
    : > /tmp/big
    while [ $i -lt 1000 ]; do
        a=$((i / 250)); b=$((i % 250))
        echo "-A -t 10.100.$a.$b:80 -s wrr" >> /tmp/big
        j=1
        while [ $j -le 10 ]; do
            echo "-a -t 10.100.$a.$b:80 -r 10.200.$a.$((b % 25 * 10 + j)):8080 -m -w $j" >> /tmp/big
            j=$((j + 1))
        done
        i=$((i + 1))
    done
    now() { cut -d' ' -f1 /proc/uptime; }
    for run in $(seq 1 "${BENCH_RUNS:-5}"); do
        for tool in ipvsadm ipvsctl; do
            ipvsadm -C
            t0=$(now); $tool -R < /tmp/big; rc=$?; t1=$(now)
            n=$(ipvsadm -S -n | wc -l)
            echo "bench run=$run tool=$tool seconds=$(echo "$t0 $t1" | awk '{printf "%.2f", $2 - $1}') rc=$rc lines=$n"
        done
    done | tee /tmp/bench
    ipvsadm -C
    # Per run: ipvsadm time / ipvsctl time (back to back); then the median.
    awk '/^bench/ { split($2, r, "="); split($3, t, "="); split($4, s, "="); v[r[2], t[2]] = s[2]; runs[r[2]] = 1 }
         END { n = 0; for (k in runs) { q[++n] = v[k, "ipvsadm"] / v[k, "ipvsctl"];
                   sa += v[k, "ipvsadm"]; sc += v[k, "ipvsctl"] }
               for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (q[j] < q[i]) { x = q[i]; q[i] = q[j]; q[j] = x }
               line = ""; for (i = 1; i <= n; i++) line = line sprintf(" %.1f", q[i])
               printf "bench mean ipvsadm=%.2fs ipvsctl=%.2fs; per-run ratios:%s; median ratio=%.1fx\n", sa / n, sc / n, line, q[int((n + 1) / 2)] }' /tmp/bench
    if grep -q 'lines=11000' /tmp/bench && ! grep 'tool=' /tmp/bench | grep -vq 'lines=11000'; then ok "bench tables complete"; else bad "bench tables incomplete"; fi
fi

echo "$pass passed, $failn failed"
[ "$failn" = 0 ]
