#!/usr/bin/env bash
# lvsd against keepalived 2.2.7 on the real-world corpus, in the IPVS VM: every
# corpus file with a virtual_server runs under keepalived's checker process and
# under lvsd (tests-vm-lvsd/corpus-vm.sh, inside the VM) and their settled
# `ipvsadm -Ln` tables are compared. Fails unless the set of files that differ
# is exactly the lvsd deviation table of docs/conformance.md.
#   tests-vm-lvsd/corpus-compare.sh [OUTDIR]
# ONLY="019 103" compares only those files (their three-digit prefixes) against
# their rows of the deviation table: a short boot for one deviation.
# The corpus (../shared/realworld from the repository root) is copied only into
# the VM's initramfs. Skips (exit 0, "SKIPPED:" on stderr) when not root, a tool
# is missing or the corpus is absent. About 10 minutes under TCG.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
cd "$repo"
corpus="$repo/../shared/realworld"
if [ ! -d "$corpus" ]; then
    echo "SKIPPED: corpus not found ($corpus)" >&2
    exit 0
fi
if [ "$(id -u)" != 0 ]; then
    echo "SKIPPED: lvsd corpus comparison needs root" >&2
    exit 0
fi
for tool in qemu-system-x86_64 ipvsadm busybox cpio depmod ip keepalived strip; do
    if ! command -v "$tool" >/dev/null; then
        echo "SKIPPED: lvsd corpus comparison needs $tool" >&2
        exit 0
    fi
done
cargo build --locked -q -p lvsd
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
out="${1:-$tmp/out}"
mkdir -p "$out"
strip -o "$tmp/lvsd" "$repo/target/debug/lvsd"
args=()
for f in "$corpus"/*.conf; do
    grep -q virtual_server "$f" || continue
    b=$(basename "$f")
    if [ -n "${ONLY:-}" ] && ! grep -qw "${b:0:3}" <<<"$ONLY"; then
        continue
    fi
    args+=(--file "$f:/work/corpus/${b:0:3}.conf")
done
if [ ${#args[@]} = 0 ]; then
    echo "SKIPPED: corpus not found (no file with a virtual_server in $corpus)" >&2
    exit 0
fi
scripts/vm/run-in-vm.sh --timeout "${VM_TIMEOUT:-900}" --mem 1024 --out "$out" \
    --file "tests-vm-lvsd/corpus-vm.sh:/work/corpus-vm.sh" \
    --file "$tmp/lvsd:/bin/lvsd" \
    --file "$(command -v keepalived):/bin/keepalived" \
    --file "$(command -v ip):/bin/ip" \
    "${args[@]}" \
    -- sh /work/corpus-vm.sh | tee "$tmp/vm.txt"

# The documented deviations: first column of the rows between the markers.
expected=$(sed -n '/<!-- lvsd corpus deviations: begin -->/,/<!-- lvsd corpus deviations: end -->/p' \
    docs/conformance.md | grep -oE '^\| *[0-9]{3} ' | tr -dc '0-9\n' | sort -u)
if [ -n "${ONLY:-}" ]; then
    expected=$(grep -xF -f <(tr ' ' '\n' <<<"$ONLY" | grep .) <<<"$expected" || true)
fi
found=$( (grep -E '^(DIFF|UNSETTLED) ' "$tmp/vm.txt" || true) | awk '{print $2}' | sort -u)
numbers=$(grep '^NUMBERS ' "$tmp/vm.txt" || true)
if [ -z "$numbers" ]; then
    echo "FAIL: the VM gave no result (see above)"
    exit 1
fi
echo "$numbers documented_deviations=$(echo "$expected" | grep -c . || true)"
if grep -q '^UNSETTLED ' "$tmp/vm.txt"; then
    echo "FAIL: a table did not settle within the time bound (UNSETTLED above)"
    exit 1
fi
if [ "$expected" != "$found" ]; then
    echo "FAIL: files differing from keepalived are not the deviations of docs/conformance.md"
    echo "  differ but not listed: $(comm -13 <(echo "$expected") <(echo "$found") | tr '\n' ' ')"
    echo "  listed but identical: $(comm -23 <(echo "$expected") <(echo "$found") | tr '\n' ' ')"
    exit 1
fi
echo "PASS: lvsd corpus comparison: only the documented deviations differ"
