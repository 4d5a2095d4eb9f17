//! IPv6 `use_vmac` against keepalived 2.2.7 in network namespaces: runs
//! `tests-netns/vrrpd-vmac6.sh` (adverts from the VMAC, vmac_xmit_base, both
//! ways round; why the VMAC is a private macvlan) with this build's binary,
//! tcpdump + tshark as the oracle. Needs root, keepalived, ping, tcpdump and
//! tshark; otherwise it prints SKIPPED. `VRRPD_VMAC6=0` skips it (loudly).
#![allow(clippy::unwrap_used)]

mod common;

#[test]
fn ipv6_vmac_interoperates_with_keepalived() {
    let what = "IPv6 vmac netns test";
    if common::skip_netns_test(what, Some("VRRPD_VMAC6"), "namespaces, macvlan") {
        return;
    }
    let Some(stdout) = common::run_netns_script("vrrpd-vmac6.sh", &[], "vrrpd_vmac6") else {
        return;
    };
    // 2 x vmac6 (23 each) + 2 x xmit (8 each) + 2 x bridgemode (7 each).
    assert!(
        stdout.matches("\nok - ").count() >= 76,
        "too few checks ran:\n{stdout}"
    );
}
