//! IPv6 `use_vmac` against keepalived 2.2.7 in network namespaces: runs
//! `tests-netns/vrrpd-vmac6.sh` (adverts from the VMAC, vmac_xmit_base, both
//! ways round; why the VMAC is a private macvlan) with this build's binary,
//! tcpdump + tshark as the oracle. Needs root, keepalived, ping, tcpdump and
//! tshark; otherwise it prints SKIPPED. `VRRPD_VMAC6=0` skips it (loudly).

mod common;

#[test]
fn ipv6_vmac_interoperates_with_keepalived() {
    // 2 x vmac6 (23 each) + 2 x xmit (8 each) + 2 x bridgemode (7 each).
    common::script_test(
        "IPv6 vmac netns test",
        Some("VRRPD_VMAC6"),
        "namespaces, macvlan",
        "vrrpd-vmac6.sh",
        &[],
        "vrrpd_vmac6",
        76,
    );
}
