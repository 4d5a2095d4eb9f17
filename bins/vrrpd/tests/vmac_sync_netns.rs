//! `use_vmac` and `vrrp_sync_group` at runtime against keepalived 2.2.7 in
//! network namespaces: runs `tests-netns/vrrpd-vmac-sync.sh` (both scenarios,
//! both ways round) with this build's binary. Needs root, keepalived, ping and
//! arping; otherwise it prints SKIPPED. `VRRPD_VMAC_SYNC=0` skips it (loudly).
#![allow(clippy::unwrap_used)]

mod common;

#[test]
fn vmac_and_sync_groups_interoperate_with_keepalived() {
    let what = "vmac/sync-group netns test";
    if common::skip_netns_test(what, Some("VRRPD_VMAC_SYNC"), "namespaces, macvlan") {
        return;
    }
    let Some(stdout) = common::run_netns_script("vrrpd-vmac-sync.sh", &[], "vrrpd_vmac_sync")
    else {
        return;
    };
    // 2 x vmac (23 and 23 checks) + vmac6 (4) + 2 x sync (15 each).
    assert!(
        stdout.matches("\nok - ").count() >= 70,
        "too few checks ran:\n{stdout}"
    );
}
