#!/usr/bin/env bash
# Print keepalived 2.2.7's configuration dump (`keepalived -n -l -D -d -C`, checker
# process only) and its SIGUSR1 data dump for tests-vm-lvsd/lvs-defaults.conf, run
# in the IPVS VM (the checker process stops before its dump without the kernel's
# IPVS). docs/keepalived.md §3.43 says which LVS defaults were read from it.
# Usage: tests-vm-lvsd/lvs-defaults.sh   (about 30 s; not part of the CI run)
set -euo pipefail
cd "$(dirname "$0")/.."
ka="$(command -v keepalived || true)"
[ -n "$ka" ] || { echo "SKIPPED: keepalived not installed"; exit 0; }
# shellcheck disable=SC2016
inner='mkdir -p /run /var/run /etc/keepalived; : > /tmp/defaults-track
keepalived -n -l -D -d -C -f /work/lvs-defaults.conf -p /run/ka.pid -c /run/ka-c.pid \
    -b /run/ka-b.pid >/tmp/ka.log 2>&1 &
pid=$!
i=0; while [ $i -lt 50 ] && ! grep -q "Real Server" /tmp/ka.log; do sleep 0.2; i=$((i + 1)); done
sleep 2
kill -USR1 $pid; sleep 2
kill -TERM $pid; i=0; while kill -0 $pid 2>/dev/null && [ $i -lt 50 ]; do sleep 0.2; i=$((i + 1)); done
kill -KILL $pid 2>/dev/null || true
echo "=== keepalived -d"; cat /tmp/ka.log
for f in /tmp/keepalived*.data; do [ -e "$f" ] && { echo "=== $f"; cat "$f"; }; done; true'
exec scripts/vm/run-in-vm.sh --timeout 120 \
    --file "tests-vm-lvsd/lvs-defaults.conf:/work/lvs-defaults.conf" \
    --file "$ka:/bin/keepalived" -- "$inner"
