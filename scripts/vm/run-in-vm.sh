#!/usr/bin/env bash
# Boot a throw-away QEMU (KVM if usable, else TCG) VM on the Debian cloud kernel with a busybox
# initramfs, run one shell command inside it and return its output and exit code.
# See scripts/vm/README.md.
set -euo pipefail

usage() {
    cat >&2 <<'USAGE'
usage: run-in-vm.sh [options] -- COMMAND [ARG...]
  --modules "M1 M2"   kernel modules to load at boot (added to the default set;
                      repeatable; "none" clears the default set)
  --file SRC[:DEST]   copy SRC into the VM (repeatable). DEST defaults to
                      /bin/NAME for executables, /work/NAME otherwise. Shared
                      libraries named by ldd are copied too.
  --env NAME=VALUE    export a variable to COMMAND (repeatable)
  --out DIR           copy the VM's /out directory to DIR after COMMAND
  --mem MB            guest memory (default 512)
  --timeout SECONDS   kill the VM after this long (default 300)
  --keep              keep the staging directory (printed on stderr)
Inside the VM: busybox applets, ipvsadm, the given files; cwd /work; COMMAND runs
with sh -c after the modules are loaded and lo is up. Exit code = COMMAND's.
USAGE
    exit 2
}

repo="$(cd "$(dirname "$0")/../.." && pwd)"
here="$repo/scripts/vm"
default_modules="ip_vs ip_vs_rr ip_vs_wrr ip_vs_lc ip_vs_wlc ip_vs_fo ip_vs_ovf ip_vs_lblc ip_vs_lblcr ip_vs_dh ip_vs_sh ip_vs_mh ip_vs_sed ip_vs_nq ip_vs_pe_sip nlmon dummy veth macvlan"
modules="$default_modules"
files=()
envs=()
outdir=""
mem=512
vm_timeout=300
keep=0

while [ $# -gt 0 ]; do
    case "$1" in
        --modules) [ "$2" = none ] && modules="" || modules="$modules ${2//,/ }"; shift 2 ;;
        --file) files+=("$2"); shift 2 ;;
        --env) envs+=("$2"); shift 2 ;;
        --out) outdir="$2"; shift 2 ;;
        --mem) mem="$2"; shift 2 ;;
        --timeout) vm_timeout="$2"; shift 2 ;;
        --keep) keep=1; shift ;;
        --) shift; break ;;
        -h|--help) usage ;;
        *) echo "run-in-vm: unknown option $1" >&2; usage ;;
    esac
done
[ $# -gt 0 ] || usage

for tool in qemu-system-x86_64 cpio gzip depmod modprobe busybox; do
    command -v "$tool" >/dev/null || { echo "run-in-vm: $tool not found" >&2; exit 127; }
done

tree="$("$here/fetch-kernel.sh")"
kver="$(ls "$tree/lib/modules" | head -n1)"
vmlinuz="$tree/boot/vmlinuz-$kver"

stage="$(mktemp -d "${TMPDIR:-/tmp}/vm-stage.XXXXXX")"
cleanup() { if [ "$keep" = 1 ]; then echo "run-in-vm: staging kept in $stage" >&2; else rm -rf "$stage"; fi; }
trap cleanup EXIT

root="$stage/root"
mkdir -p "$root"/{bin,sbin,etc,proc,sys,dev,tmp,run,work,out,lib64,"lib/modules/$kver"}

# busybox and its applets
cp /bin/busybox "$root/bin/busybox"
for applet in $(/bin/busybox --list); do
    [ -e "$root/bin/$applet" ] || ln -s busybox "$root/bin/$applet"
done

# copy an ELF (or any file) plus the shared libraries ldd names
copy_with_libs() {
    local src="$1" dest="$2"
    mkdir -p "$root$(dirname "$dest")"
    rm -f "$root$dest"
    cp -L "$src" "$root$dest"
    if file -L "$src" 2>/dev/null | grep -q 'dynamically linked'; then
        ldd "$src" | grep -o '/[^ )]*' | while read -r lib; do
            [ -e "$root$lib" ] && continue
            mkdir -p "$root$(dirname "$lib")"
            cp -L "$lib" "$root$lib"
        done
    fi
}

copy_with_libs "$(command -v ipvsadm)" /sbin/ipvsadm
for spec in "${files[@]}"; do
    src="${spec%%:*}"
    if [ "$src" != "$spec" ]; then dest="${spec#*:}"
    elif [ -x "$src" ] && [ ! -d "$src" ]; then dest="/bin/$(basename "$src")"
    else dest="/work/$(basename "$src")"; fi
    if [ -d "$src" ]; then
        mkdir -p "$root$(dirname "$dest")"; cp -a "$src" "$root$dest"
    else
        copy_with_libs "$src" "$dest"
    fi
done

# kernel modules: the closure of the requested ones, with their own modules.dep
for m in $modules; do
    modprobe -d "$tree" -S "$kver" --show-depends "$m" | awk '$1 == "insmod" {print $2}'
done | sort -u | while read -r ko; do
    rel="${ko#"$tree"}"
    mkdir -p "$root$(dirname "$rel")"
    cp "$ko" "$root$rel"
done
cp "$tree/lib/modules/$kver"/modules.{order,builtin,builtin.modinfo} "$root/lib/modules/$kver/" 2>/dev/null || true
depmod -b "$root" "$kver"
echo "$modules" > "$root/etc/vm-modules"

{
    echo "#!/bin/sh"
    for e in "${envs[@]}"; do printf 'export %q\n' "$e"; done
    printf '%q ' "$@"; echo
} > "$root/etc/vm-command"
# The command is a single sh -c string when one argument is given.
if [ $# -eq 1 ]; then
    { echo "#!/bin/sh"; for e in "${envs[@]}"; do printf 'export %q\n' "$e"; done; echo "$1"; } > "$root/etc/vm-command"
fi

cat > "$root/init" <<'INIT'
#!/bin/sh
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mount -t tmpfs tmp /tmp
for m in $(cat /etc/vm-modules); do modprobe "$m" || echo "vm: modprobe $m failed"; done
ip link set lo up
cd /work
echo "===VM-BEGIN==="
sh /etc/vm-command </dev/null 2>&1
rc=$?
echo "===VM-END rc=$rc==="
if [ -n "$(ls -A /out)" ]; then
    echo "===VM-OUT-BEGIN==="
    tar -C /out -cf - . | gzip | base64
    echo "===VM-OUT-END==="
fi
poweroff -f
INIT
chmod +x "$root/init"

(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) > "$stage/initrd.gz"

# Accelerator: KVM when it can boot this kernel, else TCG (VM_ACCEL=kvm|tcg
# forces one). /dev/kvm opening is not enough: under nested virtualisation
# `-cpu host` can abort on the IA32_ARCH_CAPABILITIES MSR ("failed to set MSR
# 0x10a"; hence the fallback CPU without it), and a paravirtual /dev/kvm such
# as kvm_pvm runs a stock kernel so slowly that it never gets past the
# decompressor. So the probe boots the kernel with a one-line initramfs under
# KVM (15 s limit) and caches the verdict per host kernel, qemu and guest
# kernel in $VM_CACHE (default <repo>/.vm-cache).
kvm_boots() { # CPU -> 0 when the guest kernel reaches /init under KVM
    local cpu="$1" p="$stage/probe" rc=0
    mkdir -p "$p/bin"
    cp /bin/busybox "$p/bin/busybox"
    printf '#!/bin/busybox sh\n/bin/busybox echo KVM-PROBE-OK\n/bin/busybox poweroff -f\n' > "$p/init"
    chmod +x "$p/init"
    (cd "$p" && find . | cpio -o -H newc --quiet | gzip -1) > "$stage/probe.gz"
    timeout -k 2 15 qemu-system-x86_64 -accel kvm -cpu "$cpu" -m 128 -display none \
        -monitor none -serial stdio -no-reboot -nodefaults -kernel "$vmlinuz" \
        -initrd "$stage/probe.gz" -append "console=ttyS0 quiet panic=-1" </dev/null 2>/dev/null |
        grep -q KVM-PROBE-OK || rc=1
    return "$rc"
}
pick_kvm_cpu() { # prints the -cpu value that boots under KVM, or nothing
    [ -r /dev/kvm ] && [ -w /dev/kvm ] || return 0
    local cache="${VM_CACHE:-$repo/.vm-cache}" key verdict c
    key="$(uname -r)-qemu$(qemu-system-x86_64 --version | awk 'NR == 1 {print $4}')-$kver"
    verdict="$cache/kvm-probe-$key"
    if [ -f "$verdict" ]; then cat "$verdict"; return 0; fi
    for c in host host,-arch-capabilities; do
        if kvm_boots "$c"; then echo "$c" > "$verdict.tmp"; break; fi
    done
    touch "$verdict.tmp"
    mkdir -p "$cache" && mv "$verdict.tmp" "$verdict" 2>/dev/null || true
    cat "$verdict" 2>/dev/null || true
}
accel="${VM_ACCEL:-}"
cpu=""
case "$accel" in
    ""|kvm) cpu="$(pick_kvm_cpu)"
        if [ -n "$cpu" ]; then accel=kvm
        elif [ "$accel" = kvm ]; then echo "run-in-vm: VM_ACCEL=kvm but KVM cannot boot the VM here" >&2; exit 2
        else accel=tcg; fi ;;
    tcg) ;;
    *) echo "run-in-vm: VM_ACCEL must be kvm or tcg, not $accel" >&2; exit 2 ;;
esac
if [ "$accel" = kvm ]; then accel_args=(-accel kvm -cpu "$cpu"); else accel_args=(-accel tcg -cpu max); fi
echo "run-in-vm: accelerator $accel${cpu:+ (-cpu $cpu)}" >&2

log="$stage/console.log"
set +e
timeout --foreground -k 5 "$vm_timeout" qemu-system-x86_64 "${accel_args[@]}" -m "$mem" \
    -display none -monitor none -serial stdio -no-reboot \
    -kernel "$vmlinuz" -initrd "$stage/initrd.gz" \
    -append "console=ttyS0 quiet loglevel=3 panic=-1" </dev/null 2>&1 |
    sed -u 's/\r$//' | tee "$log" | awk '
        /^===VM-END rc=/ { inside = 0; next }
        /^===VM-BEGIN===$/ { inside = 1; next }
        inside { print; fflush() }'
qemu_rc=${PIPESTATUS[0]}
set -e

rc="$(sed -n 's/^===VM-END rc=\([0-9]*\)===$/\1/p' "$log" | tail -n1)"
if [ -z "$rc" ]; then
    echo "run-in-vm: the VM did not finish the command (qemu rc $qemu_rc); console log:" >&2
    tail -n 40 "$log" >&2
    exit 125
fi
if [ -n "$outdir" ] && grep -q '^===VM-OUT-BEGIN===$' "$log"; then
    mkdir -p "$outdir"
    sed -n '/^===VM-OUT-BEGIN===$/,/^===VM-OUT-END===$/p' "$log" | sed '1d;$d' |
        base64 -d | tar -xzf - -C "$outdir"
fi
exit "$rc"
