#!/usr/bin/env bash
# Proof for deploy/, no container engine needed:
#  (a) the Kubernetes manifests validate against the bundled schemas
#      (kubernetes-validate --strict, offline) and keep the promised
#      security shape (hostNetwork, only NET_ADMIN+NET_RAW, not privileged,
#      no hostPath, liveness `vrrpd status`); a broken manifest is refused;
#  (b) the statically linked vrrpd (as deploy/Containerfile builds it) runs
#      ALONE in an empty chroot: --version and --from-env --print-config
#      with the values of the MySQL pair's ConfigMap;
#  (c) the systemd units verify; (d) their capability sets allow scripts
#      as another user, killing them and chowning FIFOs (deploy/check-caps.sh).
# Needs: pip package kubernetes-validate (brings PyYAML); root for chroot.
# Exit status non-zero on any failure; prints SKIPPED for parts that cannot run.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
fail() { echo "deploy/check.sh: FAIL: $*" >&2; exit 1; }
start=$(date +%s)

# ---- (a) manifests -------------------------------------------------------
if ! command -v kubernetes-validate >/dev/null; then
    fail "kubernetes-validate not installed (pip install kubernetes-validate)"
fi
# Offline: no network namespace access at all when unshare is available.
run_offline() {
    if [ "$(id -u)" = 0 ] && command -v unshare >/dev/null; then
        unshare -n -- "$@"
    else
        "$@"
    fi
}
run_offline kubernetes-validate --strict --quiet deploy/kubernetes/*.yaml \
    || fail "kubernetes-validate refused deploy/kubernetes"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# The validator must be able to fail: a typo'd field and a wrong type.
sed 's/hostNetwork: true/hostNetwrk: true/' deploy/kubernetes/vrrpd-master.yaml >"$tmp/bad1.yaml"
sed 's/replicas: 1/replicas: "one"/' deploy/kubernetes/vrrpd-master.yaml >"$tmp/bad2.yaml"
for b in "$tmp/bad1.yaml" "$tmp/bad2.yaml"; do
    if run_offline kubernetes-validate --strict --quiet "$b" >/dev/null 2>&1; then
        fail "kubernetes-validate accepted the broken $(basename "$b")"
    fi
done
python3 - deploy/kubernetes/*.yaml <<'PY' || fail "manifest shape"
import sys, yaml
seen = {}
for path in sys.argv[1:]:
    for doc in yaml.safe_load_all(open(path)):
        if doc:
            seen.setdefault(doc["kind"], []).append((path, doc))
assert len(seen.get("ConfigMap", [])) == 1, "one ConfigMap"
cm = seen["ConfigMap"][0][1]["data"]
for k in ["interface", "keepalived.vrid", "master", "mysql.vip", "slave"]:
    assert k in cm, f"ConfigMap key {k} (the keepalived deployment's keys)"
work = seen.get("Deployment", []) + seen.get("DaemonSet", [])
assert len(work) == 2, "two workloads"
prios = {}
for path, d in work:
    spec = d["spec"]["template"]["spec"]
    assert spec.get("hostNetwork") is True, f"{path}: hostNetwork"
    assert "volumes" not in spec or all("hostPath" not in v for v in spec["volumes"]), f"{path}: hostPath"
    assert spec.get("nodeSelector", {}).get("mysql") in ("master", "slave"), f"{path}: nodeSelector"
    (c,) = spec["containers"]
    sc = c["securityContext"]
    assert not sc.get("privileged", False), f"{path}: privileged"
    assert sorted(sc["capabilities"]["add"]) == ["NET_ADMIN", "NET_RAW"], f"{path}: capabilities"
    assert sc["capabilities"].get("drop") == ["ALL"], f"{path}: drop ALL"
    for m in c.get("volumeMounts", []):
        assert m["mountPath"] not in ("/dev", "/lib/modules"), f"{path}: {m['mountPath']} mounted"
    assert c["livenessProbe"]["exec"]["command"] == ["/vrrpd", "status"], f"{path}: liveness"
    assert "--from-env" in c["args"], f"{path}: --from-env"
    assert sc.get("seccompProfile", {}).get("type") == "RuntimeDefault", f"{path}: seccompProfile RuntimeDefault"
    env = {e["name"]: e for e in c["env"]}
    assert "secretKeyRef" in env["AUTH_PASS"]["valueFrom"], f"{path}: AUTH_PASS from a Secret"
    for k, key in [("VIP", "mysql.vip"), ("VRID", "keepalived.vrid"), ("INTERFACE", "interface")]:
        assert env[k]["valueFrom"]["configMapKeyRef"]["key"] == key, f"{path}: {k}"
    prios[spec["nodeSelector"]["mysql"]] = (env["PRIORITY"]["value"],
        env["REAL_IP"]["valueFrom"]["configMapKeyRef"]["key"])
assert prios == {"master": ("100", "master"), "slave": ("90", "slave")}, prios
assert "auth.pass" not in cm, "the VRRP password is in the ConfigMap (use the Secret)"
print("manifests: shape OK")
PY
# The builder image is pinned: an exact release or a digest, not a floating tag.
grep '^FROM ' deploy/Containerfile | grep -v '^FROM scratch' | while read -r _ image _; do
    case "$image" in
        *@sha256:*) ;;
        *:[0-9]*.[0-9]*.[0-9]*) ;;
        *) fail "deploy/Containerfile: builder image $image is not pinned" ;;
    esac
done
echo "manifests: kubernetes-validate OK ($(ls deploy/kubernetes/*.yaml | wc -l) files), broken ones refused"

# ---- (b) the image content: static vrrpd alone in an empty chroot ----------
if [ "$(id -u)" != 0 ]; then
    echo "SKIPPED: static vrrpd in an empty chroot (needs root for chroot)"
    exit 0
fi
target=x86_64-unknown-linux-gnu
if rustup target list --installed 2>/dev/null | grep -qx x86_64-unknown-linux-musl; then
    target=x86_64-unknown-linux-musl
fi
RUSTFLAGS="-C target-feature=+crt-static" \
    cargo build --release --quiet --target "$target" -p vrrpd
bin="target/$target/release/vrrpd"
# The empty chroot below proves it too (no ld.so there); `file` says why.
if command -v file >/dev/null; then
    file_out=$(file -L "$bin")
    case "$file_out" in
        *"statically linked"* | *"static-pie linked"*) ;;
        *) fail "$bin is not static: $file_out" ;;
    esac
fi
jail="$tmp/jail"
mkdir "$jail"
cp "$bin" "$jail/vrrpd"
[ "$(ls -A "$jail")" = vrrpd ] || fail "jail not empty"
ver=$(env -i /usr/sbin/chroot "$jail" /vrrpd --version) || fail "--version in chroot"
[ "$ver" = "vrrpd $(cargo pkgid -p vrrpd | sed 's/.*[#@]//')" ] || fail "--version printed '$ver'"
out=$(env -i VIP=192.168.143.32 VRID=32 INTERFACE=bond0 PRIORITY=100 \
    REAL_IP=192.168.143.65 NOPREEMPT=true AUTH_PASS=1111 CHECK_PORT=3306 \
    /usr/sbin/chroot "$jail" /vrrpd --from-env --print-config) || fail "--print-config in chroot"
expected='! Generated by vrrpd --from-env
global_defs {
    router_id vrrpd_192.168.143.65
    script_user root
}
vrrp_script chk_real_ip {
    script "/vrrpd check-tcp 192.168.143.65 3306"
    interval 2
    timeout 4
    fall 2
    rise 2
}
vrrp_instance VI_32 {
    state BACKUP
    interface bond0
    virtual_router_id 32
    priority 100
    advert_int 1
    nopreempt
    authentication {
        auth_type PASS
        auth_pass 1111
    }
    track_script {
        chk_real_ip weight 0
    }
    virtual_ipaddress {
        192.168.143.32
    }
}'
if [ "$out" != "$expected" ]; then
    diff <(echo "$expected") <(echo "$out") >&2 || true
    fail "--print-config in chroot differs"
fi
# A missing variable fails with one line naming it, also in the chroot.
if err=$(env -i VIP=192.168.143.32 /usr/sbin/chroot "$jail" /vrrpd --from-env --print-config 2>&1); then
    fail "missing VRID accepted"
fi
[ "$err" = "vrrpd: environment variable VRID is required but not set" ] || fail "error was '$err'"
# The generated config is accepted by vrrpd -t inside the chroot too
# (written where the pod's /run emptyDir is).
mkdir "$jail/run"
cfg_out=$(env -i VIP=192.168.143.32 VRID=32 INTERFACE=bond0 PRIORITY=90 \
    REAL_IP=192.168.143.60 NOPREEMPT=true CHECK_PORT=3306 \
    /usr/sbin/chroot "$jail" /vrrpd --from-env -t) || fail "-t of the generated config in chroot"
[ "$cfg_out" = "/run/vrrpd-from-env.conf: 1 vrrp_instance(s), 0 sync group(s): OK" ] \
    || fail "-t printed '$cfg_out'"
echo "chroot: static vrrpd ($target, $(du -h "$bin" | cut -f1)) runs alone: --version, --from-env --print-config, -t OK"
# ---- (c) systemd units: Type=notify, and systemd-analyze verify accepts them --
for u in deploy/vrrpd.service deploy/lvsd.service; do
    grep -qx 'Type=notify' "$u" || fail "$u is not Type=notify"
done
if ! command -v systemd-analyze >/dev/null || [ "$(id -u)" != 0 ] || ! command -v unshare >/dev/null; then
    echo "SKIPPED: systemd-analyze verify of the units (needs systemd-analyze, root, unshare)"
else
    # The units name /usr/local/sbin/{vrrpd,lvsd}: put stand-ins there in a
    # private mount namespace only (the host's /usr/local/sbin is untouched).
    sed 's/^Type=notify$/Type=notfy/' deploy/lvsd.service >"$tmp/lvsd.service"
    verify() {
        unshare -m -- sh -c 'mount -t tmpfs none /usr/local/sbin &&
            cp /bin/true /usr/local/sbin/vrrpd && cp /bin/true /usr/local/sbin/lvsd &&
            systemd-analyze verify "$@" 2>&1' verify "$@"
    }
    out=$(verify deploy/vrrpd.service deploy/lvsd.service) || fail "systemd-analyze verify: $out"
    [ -z "$out" ] || fail "systemd-analyze verify warned: $out"
    out=$(verify "$tmp/lvsd.service") || true
    echo "$out" | grep -q "notfy" || fail "a broken unit was not reported: $out"
    echo "units: systemd-analyze verify OK (vrrpd.service, lvsd.service: Type=notify), broken one reported"
fi
# ---- (d) what the units' capability sets allow, tried with setpriv ---------
deploy/check-caps.sh || fail "deploy/check-caps.sh"
echo "deploy/check.sh: OK in $(($(date +%s) - start)) s"
