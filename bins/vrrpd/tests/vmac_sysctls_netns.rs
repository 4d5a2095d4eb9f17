//! `use_vmac` sysctls shared by two VMACs on one parent, in a network
//! namespace: runs `tests-netns/vrrpd-vmac-sysctls.sh` with this build's
//! binary (reload removing one VMAC keeps the parent's and all.rp_filter
//! settings; the last one going, by reload or SIGTERM, restores them). Needs
//! root; otherwise it prints SKIPPED.
#![allow(clippy::unwrap_used)]

mod common;

#[test]
fn shared_vmac_sysctls_stay_until_the_last_vmac_goes() {
    if common::skip_netns_test("vmac sysctl netns test", None, "namespaces, macvlan") {
        return;
    }
    let Some(stdout) = common::run_netns_script("vrrpd-vmac-sysctls.sh", &[], "vrrpd_vmac_sysctls")
    else {
        return;
    };
    assert!(
        stdout.matches("\nok - ").count() >= 16,
        "too few checks ran:\n{stdout}"
    );
}
