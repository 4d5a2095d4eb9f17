//! vrrpd against keepalived 2.2.7 in network namespaces: runs
//! `tests-netns/vrrpd-interop.sh` (every scenario, both ways round)
//! with this build's binary. Needs root, keepalived, tcpdump and python3;
//! otherwise it prints SKIPPED. `VRRPD_INTEROP_SCENARIOS="election reload"`
//! runs a subset; `VRRPD_INTEROP=0` skips it (loudly), for runs that call the
//! script directly.
#![allow(clippy::unwrap_used)]

mod common;

#[test]
fn vrrpd_interoperates_with_keepalived() {
    let what = "vrrpd interop";
    if common::skip_netns_test(
        what,
        Some("VRRPD_INTEROP"),
        "network namespaces, raw sockets",
    ) {
        return;
    }
    let scenarios = std::env::var("VRRPD_INTEROP_SCENARIOS").unwrap_or_default();
    let args: Vec<&str> = scenarios.split_whitespace().collect();
    let Some(stdout) = common::run_netns_script("vrrpd-interop.sh", &args, "vrrpd_interop") else {
        return;
    };
    assert!(
        stdout.matches("\nok - ").count() >= 10,
        "too few checks ran:\n{stdout}"
    );
}
