#!/usr/bin/env bash
# Hostile keepalived.conf inputs against `kaconf check`, `vrrpd -t` and
# `lvsd -t` (the daemons keep the whole model): expansion bombs of every preprocessor
# feature (~SEQ, ~SEQx, ~LST, nested generators, definitions, multi-line
# definitions, recursive definitions, @ID lines), deep nesting, huge lines,
# random bytes, NUL bytes, invalid UTF-8, include fan-out and cycles, and
# inputs just under the 6 MiB configuration byte budget, at each limit on
# sections and items, and over them.
# Every input must be answered (any exit status but a signal or timeout)
# in under 1 s of wall time with under 64 MiB peak RSS.
# Usage: [ONLY=GLOB] [INPUTS=DIR] benches/conf-hostile.sh [BIN_DIR]
#   BIN_DIR: default target/release (then kaconf, vrrpd and lvsd are built);
#   INPUTS: write the inputs there and keep them (default a temporary directory).
# Exit status 1 if any input is over a limit.
set -euo pipefail
cd "$(dirname "$0")/.."
bindir=${1:-target/release}
if [ $# -eq 0 ]; then
    cargo build --release --quiet -p kaconf -p vrrpd -p lvsd
fi
max_s=1.0
max_kib=$((64 * 1024))
if [ -n "${INPUTS:-}" ]; then
    d=$(realpath "$INPUTS")
    mkdir -p "$d"
    rm -rf "$d/inc" "$d/mib"
else
    d=$(mktemp -d)
    trap 'rm -rf "$d"' EXIT
fi

gen() { cat >"$d/$1.conf"; }
gen seq-bomb <<<'~SEQ(i,1,1,100000000) vrrp_script s${i} { script "/bin/true" }'
gen seqx-bomb <<<'~SEQx(i,0,1,100000000) vrrp_script s${i} { script "/bin/true" }'
gen seq-nested <<<'~SEQ(i,1000) ~SEQ(j,1000) ~SEQ(k,1000) vrrp_script s${i}_${j}_${k} { script "/bin/true" }'
gen seq-huge-range <<<'~SEQ(i,-9223372036854775807,1,9223372036854775807) global_defs { router_id ${i} }'
python3 - "$d/lst-bomb.conf" <<'PY'
import sys
vals = ",".join(str(i) for i in range(150))
open(sys.argv[1], "w").write(f"~LST(a,{vals}) ~LST(b,{vals}) ~LST(c,{vals}) vrrp_script s${{a}}_${{b}}_${{c}} {{ script /bin/true }}\n")
PY
{
    echo '$A0=x x x x x x x x x x'
    for i in $(seq 1 12); do echo "\$A$i=\${A$((i - 1))} \${A$((i - 1))} \${A$((i - 1))} \${A$((i - 1))} \${A$((i - 1))} \${A$((i - 1))} \${A$((i - 1))} \${A$((i - 1))}"; done
    echo 'global_defs { router_id ${A12} }'
} | gen def-laughs
{
    echo '$M0=vrrp_script s { \'
    echo 'script /bin/true \'
    echo '}'
    for i in $(seq 1 12); do
        echo "\$M$i=\${M$((i - 1))} \\"
        for _ in 1 2 3 4 5 6 7; do echo "\${M$((i - 1))} \\"; done
        echo "\${M$((i - 1))}"
    done
    echo '${M12}'
} | gen multiline-def-bomb
gen def-recursive <<'EOF2'
$A=${B} ${B}
$B=${A} ${A}
global_defs { router_id ${A} }
EOF2
gen def-params <<'EOF2'
$P(a,b)=${a} ${b} ${a} ${b} ${a} ${b} ${a} ${b}
$Q(a)=${P(${a},${a})} ${P(${a},${a})} ${P(${a},${a})}
~SEQ(i,10000000) global_defs { router_id ${Q(${Q(${i})})} }
EOF2
python3 - "$d/conditional-lines.conf" <<'PY'
import sys
with open(sys.argv[1], "w") as f:
    f.write("@host1 ~SEQ(i,100000000) @host1 vrrp_script s${i} { script /bin/true }\n" * 3)
PY
python3 - "$d/deep-nesting.conf" <<'PY'
import sys
open(sys.argv[1], "w").write("vrrp_instance a {\n" + "x {\n" * 200000 + "}\n" * 200000)
PY
python3 - "$d/deep-nesting-one-line.conf" <<'PY'
import sys
open(sys.argv[1], "w").write("vrrp_instance a " + "{ " * 500 + "\n" + ("{ " * 500 + "\n") * 2000)
PY
python3 - "$d/huge-line.conf" <<'PY'
import sys
open(sys.argv[1], "w").write("global_defs { router_id " + "a" * (16 << 20) + " }\n")
PY
python3 - "$d/huge-quoted-line.conf" <<'PY'
import sys
open(sys.argv[1], "w").write('vrrp_script s { script "' + "a" * (16 << 20) + '\n')
PY
python3 - "$d/many-short-lines.conf" <<'PY'
import sys
open(sys.argv[1], "w").write("{\n" * (4 << 20))
PY
head -c 1048576 /dev/urandom >"$d/random-1MiB.conf"
head -c 8388608 /dev/urandom >"$d/random-8MiB.conf"
head -c 8388608 /dev/zero >"$d/nul-8MiB.conf"
python3 - "$d/nul-lines.conf" <<'PY'
import sys
open(sys.argv[1], "wb").write(b"vrrp_instance a\x00 { state MASTER }\n" * 200000)
PY
python3 - "$d/invalid-utf8.conf" <<'PY'
import sys
open(sys.argv[1], "wb").write(b"vrrp_instance \xff\xfe\xc3 { state \x80MASTER }\n" * 200000)
PY
python3 - "$d/unterminated-quotes.conf" <<'PY'
import sys
open(sys.argv[1], "w").write('vrrp_instance "a { state "MASTER\n' * 200000)
PY
# Include fan-out: 100 files each including all 100 (and themselves).
mkdir "$d/inc"
for i in $(seq 1 100); do
    printf 'include %s/inc/*.conf\nvrrp_script s%s { script /bin/true }\n' "$d" "$i" >"$d/inc/$i.conf"
done
printf 'include %s/inc/*.conf\n' "$d" >"$d/include-fan-out.conf"
printf 'include %s/include-self.conf\ninclude %s/include-self.conf\n' "$d" "$d" >"$d/include-self.conf"
# Includes with generators: each of 1000 lines includes the fan-out.
printf '~SEQ(i,1000000) include %s/inc/*.conf\n' "$d" >"$d/include-seq.conf"

# Just under the byte budgets (6 MiB read, 2 MiB generated): the worst
# inputs still read whole.
gen seq-under-budget <<<'~SEQ(i,1,1,46000) vrrp_script s${i} { script "/bin/true" }'
python3 - "$d/invalid-utf8-under-budget.conf" <<'PY'
import sys
open(sys.argv[1], "wb").write(b"vrrp_instance \xff\xfe\xc3 { state \x80MASTER }\n" * 170000)
PY
python3 - "$d/unterminated-quotes-under-budget.conf" <<'PY'
import sys
open(sys.argv[1], "w").write('vrrp_instance "a { state "MASTER\n' * 190000)
PY
# Sections that are all kept in the model, just under the 6 MiB budget:
# named vrrp_instances, and virtual servers on distinct addresses.
python3 - "$d/instances-under-budget.conf" <<'PY'
import sys
with open(sys.argv[1], "w") as f:
    for i in range(150000):
        f.write(f"vrrp_instance v{i} {{ state BACKUP }}\n")
PY
python3 - "$d/virtual-servers-under-budget.conf" <<'PY'
import sys
with open(sys.argv[1], "w") as f:
    for i in range(180000):
        f.write(f"virtual_server 10.{i >> 16}.{(i >> 8) & 255}.{i & 255} 80 {{ }}\n")
PY
# At each limit on what a configuration holds (keepalived_conf::limits, the
# defaults): read whole, every section built. One past a limit is refused
# unbuilt (the two sections-under-budget inputs above hold 15 times the
# section limits, and the two below are over the item limits).
python3 - "$d" <<'PY'
import sys
d = sys.argv[1]
def ip(i, a=10):
    return f"{a}.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255}"
with open(f"{d}/instances-at-limit.conf", "w") as f:
    for i in range(10000):
        f.write(f"vrrp_instance v{i} {{\n interface e{i // 200}\n virtual_router_id {i % 200 + 1}\n"
                f" priority 100\n virtual_ipaddress {{\n  {ip(i)}/32\n }}\n}}\n")
with open(f"{d}/virtual-servers-at-limit.conf", "w") as f:
    for i in range(10000):
        f.write(f"virtual_server {ip(i)} 80 {{\n real_server {ip(i, 11)} 80 {{\n"
                f"  TCP_CHECK {{\n   connect_timeout 3\n  }}\n }}\n}}\n")
with open(f"{d}/real-servers-at-limit.conf", "w") as f:
    for i in range(500):
        f.write(f"virtual_server {ip(i)} 80 {{\n")
        for j in range(100):
            f.write(f" real_server {ip(i * 100 + j, 11)} 80 {{ }}\n")
        f.write("}\n")
with open(f"{d}/addresses-at-limit.conf", "w") as f:
    for i in range(1000):
        f.write(f"vrrp_instance v{i} {{\n interface e{i // 200}\n virtual_router_id {i % 200 + 1}\n virtual_ipaddress {{\n")
        for j in range(100):
            f.write(f"  {ip(i * 100 + j)}/32\n")
        f.write(" }\n}\n")
with open(f"{d}/routes-at-limit.conf", "w") as f:
    f.write("static_routes {\n")
    for i in range(20000):
        f.write(f" {ip(i)}/32 dev e\n")
    f.write("}\n")
with open(f"{d}/sections-at-limit.conf", "w") as f:
    for i in range(10000):
        f.write(f"vrrp_script s{i} {{\n script /bin/true\n}}\n")
# Over the item limits, just under the byte budget: one section of 440,000
# addresses (cut at 100,000 statements while it is read, then dropped),
# 190,000 real servers.
with open(f"{d}/section-statements-under-budget.conf", "w") as f:
    f.write("vrrp_instance v {\n interface e\n virtual_router_id 1\n virtual_ipaddress {\n")
    for i in range(440000):
        f.write(f"  {ip(i)}\n")
    f.write(" }\n}\n")
with open(f"{d}/real-servers-under-budget.conf", "w") as f:
    for i in range(1900):
        f.write(f"virtual_server {ip(i)} 80 {{\n")
        for j in range(100):
            f.write(f" real_server {ip(i * 100 + j, 11)} 80 {{ }}\n")
        f.write("}\n")
PY
# One small file including a 16 MiB one, and 1 MiB files included 100 times.
printf 'include %s/huge-line.conf\n' "$d" >"$d/include-huge.conf"
mkdir "$d/mib"
for i in $(seq 1 10); do
    python3 -c 'import sys; open(sys.argv[1], "w").write("# padding\n" * 104858)' "$d/mib/$i.conf"
done
for _ in $(seq 1 10); do printf 'include %s/mib/*.conf\n' "$d"; done >"$d/include-fan-out-bytes.conf"

fail=0
printf '%-28s %9s %9s %9s %s\n' input bytes wall_s maxrss_kib "tool: exit"
for f in "$d"/${ONLY:-*}.conf; do
    name=$(basename "$f" .conf)
    for tool in "kaconf check" "vrrpd -t -f" "lvsd -t -f"; do
        # shellcheck disable=SC2086
        set -- $tool
        bin=$bindir/$1
        shift
        /usr/bin/time -o "$d/stats" -f '%e %M %x' timeout 20 "$bin" "$@" "$f" >/dev/null 2>&1 || true
        read -r wall kib rc < <(tail -1 "$d/stats")
        verdict=ok
        if [ "$rc" -ge 124 ] || awk -v w="$wall" -v m="$max_s" 'BEGIN{exit !(w>m)}' || [ "$kib" -gt "$max_kib" ]; then
            verdict=OVER
            fail=1
        fi
        printf '%-28s %9s %9s %9s %s: %s %s\n' "$name" "$(stat -c %s "$f")" "$wall" "$kib" "${tool%% *}" "$rc" "$verdict"
    done
done
[ "$fail" -eq 0 ] || echo "over the limits of ${max_s} s or ${max_kib} KiB: see OVER above" >&2
exit $fail
