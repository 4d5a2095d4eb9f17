//! GARP/NA spacing by `vrrp_garp_interval` / `vrrp_gna_interval`, on the wire
//! in network namespaces, vrrpd against keepalived 2.2.7 with the same config:
//! runs `tests-netns/vrrpd-garp-interval.sh` with this build's binary. Needs
//! root, keepalived and tcpdump; otherwise it prints SKIPPED.

mod common;

#[test]
fn garp_and_na_bursts_are_spaced_like_keepalived() {
    common::script_test(
        "GARP interval test",
        None,
        "network namespaces, raw sockets",
        "vrrpd-garp-interval.sh",
        &[],
        "vrrpd_garp_interval",
        12,
    );
}
