//! `use_vmac` and `vrrp_sync_group` at runtime against keepalived 2.2.7 in
//! network namespaces: runs `tests-netns/vrrpd-vmac-sync.sh` (both scenarios,
//! both ways round) with this build's binary. Needs root, keepalived, ping and
//! arping; otherwise it prints SKIPPED. `VRRPD_VMAC_SYNC=0` skips it (loudly).

mod common;

#[test]
fn vmac_and_sync_groups_interoperate_with_keepalived() {
    // 2 x vmac (23 and 23 checks) + vmac6 (4) + 2 x sync (15 each).
    common::script_test(
        "vmac/sync-group netns test",
        Some("VRRPD_VMAC_SYNC"),
        "namespaces, macvlan",
        "vrrpd-vmac-sync.sh",
        &[],
        "vrrpd_vmac_sync",
        70,
    );
}
