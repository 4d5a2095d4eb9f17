//! GARP/NA spacing by `vrrp_garp_interval` / `vrrp_gna_interval`, on the wire
//! in network namespaces, vrrpd against keepalived 2.2.7 with the same config:
//! runs `tests-netns/vrrpd-garp-interval.sh` with this build's binary. Needs
//! root, keepalived and tcpdump; otherwise it prints SKIPPED.
#![allow(clippy::unwrap_used)]

mod common;

#[test]
fn garp_and_na_bursts_are_spaced_like_keepalived() {
    let what = "GARP interval test";
    if common::skip_netns_test(what, None, "network namespaces, raw sockets") {
        return;
    }
    let Some(stdout) =
        common::run_netns_script("vrrpd-garp-interval.sh", &[], "vrrpd_garp_interval")
    else {
        return;
    };
    assert!(
        stdout.matches("\nok - ").count() + usize::from(stdout.starts_with("ok - ")) >= 12,
        "too few checks ran:\n{stdout}"
    );
}
