#!/usr/bin/env bash
# Regenerates tests/data/ipvsadm/: runs each line of steps.txt as an ipvsadm
# command inside the IPVS test VM while tcpdump records all netlink traffic on
# an nlmon device, and stores NAME.pcap, NAME.out (stdout+stderr) and NAME.rc.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../../.." && pwd)"
out="$here/ipvsadm"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

cat > "$tmp/capture-in-vm.sh" <<'INNER'
set -u
echo 'root:x:0:0:root:/:/bin/sh' > /etc/passwd
echo 'root:x:0:' > /etc/group
ip link add nlmon0 type nlmon && ip link set nlmon0 up
ip link show dummy0 >/dev/null 2>&1 || ip link add dummy0 type dummy
ip addr add 10.3.0.1/24 dev dummy0 && ip link set dummy0 up
grep -v '^#' /work/steps.txt | while IFS='|' read -r name args; do
    [ -n "$name" ] || continue
    rm -f /tmp/td.err
    tcpdump -i nlmon0 -U -s 0 -Z root -w "/out/$name.pcap" 2>/tmp/td.err </dev/null &
    td=$!
    i=0
    while ! grep -q listening /tmp/td.err && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done
    sleep 0.5
    sh -c "ipvsadm $args" > "/out/$name.out" 2>&1 < /dev/null
    echo $? > "/out/$name.rc"
    sleep 0.5
    kill -INT $td; wait $td
    grep -q 'packets captured' /tmp/td.err || echo "capture: $name: tcpdump failed: $(cat /tmp/td.err)"
done
INNER

"$repo/scripts/vm/run-in-vm.sh" --file "$(command -v tcpdump)" \
    --file "$here/steps.txt:/work/steps.txt" --file "$here/restore.txt:/work/restore.txt" \
    --file "$tmp/capture-in-vm.sh:/work/capture-in-vm.sh" \
    --out "$tmp/out" -- sh /work/capture-in-vm.sh
rm -rf "$out"
mkdir -p "$out"
cp "$tmp/out"/* "$out/"
echo "capture: $(ls "$out" | wc -l) files in $out"
