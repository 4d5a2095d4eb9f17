#!/usr/bin/env bash
# What the units' capability sets allow, tried for real: for each of
# deploy/vrrpd.service and deploy/lvsd.service, root with only the unit's
# CapabilityBoundingSet (and its NoNewPrivileges) must be able to
#  - run a script as another user (setgid/setgroups/setuid: script_user,
#    per-script `user`, MISC_CHECK `user`), also under no_new_privs;
#  - kill a timed-out script running as another user (CAP_KILL);
#  - give a notify FIFO to its configured owner (CAP_CHOWN);
# and must not be able to do what the unit leaves out (CAP_SYS_ADMIN: mount).
# setpriv reproduces the unit's sets as systemd applies them to a root
# service: bounding set = the unit's list, which is what root keeps over exec.
# Needs root and setpriv (util-linux); prints SKIPPED otherwise.
# Usage: deploy/check-caps.sh [UNIT...]   (default: both units)
set -euo pipefail
cd "$(dirname "$0")/.."
fail() { echo "deploy/check-caps.sh: FAIL: $*" >&2; exit 1; }
if [ "$(id -u)" != 0 ] || ! command -v setpriv >/dev/null; then
    echo "SKIPPED: deploy/check-caps.sh needs root and setpriv"
    exit 0
fi
nobody=$(id -u nobody)
nogroup=$(id -g nobody)
tmp=$(mktemp -d)
victim=
cleanup() {
    [ -n "$victim" ] && kill -9 "$victim" 2>/dev/null || true
    rm -rf "$tmp"
}
trap cleanup EXIT
units=("$@")
[ ${#units[@]} -gt 0 ] || units=(deploy/vrrpd.service deploy/lvsd.service)
for unit in "${units[@]}"; do
    caps=$(sed -n 's/^CapabilityBoundingSet=//p' "$unit")
    [ -n "$caps" ] || fail "$unit has no CapabilityBoundingSet"
    set_list=$(for c in $caps; do printf ',+%s' "${c#CAP_}" | tr 'A-Z' 'a-z'; done)
    nnp=()
    grep -qx 'NoNewPrivileges=yes' "$unit" && nnp=(--no-new-privs)
    # Root with the unit's sets, as systemd starts the daemon.
    as_unit() {
        setpriv --bounding-set=-all"$set_list" --inh-caps=-all "${nnp[@]}" -- "$@"
    }
    name=$(basename "$unit")
    # A script as another user: the daemon sets gid, groups and uid before exec.
    out=$(as_unit setpriv --reuid="$nobody" --regid="$nogroup" --clear-groups id -u 2>&1) \
        || fail "$name: cannot run a script as nobody: $out"
    [ "$out" = "$nobody" ] || fail "$name: the script ran as uid $out"
    # Killing a script of another user at its timeout.
    setpriv --reuid="$nobody" --regid="$nogroup" --clear-groups sleep 60 &
    victim=$!
    sleep 0.2
    as_unit kill -KILL "$victim" 2>"$tmp/kill" || fail "$name: cannot kill a script running as nobody: $(cat "$tmp/kill")"
    wait "$victim" 2>/dev/null || true
    victim=
    # The notify FIFO's owner.
    mkfifo "$tmp/fifo"
    as_unit chown "$nobody:$nogroup" "$tmp/fifo" 2>"$tmp/chown" || fail "$name: cannot chown a FIFO: $(cat "$tmp/chown")"
    rm -f "$tmp/fifo"
    # What the unit does not grant is refused (the check can fail).
    if as_unit unshare -m true 2>/dev/null; then
        fail "$name: CAP_SYS_ADMIN was not dropped"
    fi
    echo "$name: script as another user${nnp:+ (no_new_privs)}, kill it, chown a FIFO: OK; CAP_SYS_ADMIN refused"
done
