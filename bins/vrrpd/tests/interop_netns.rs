//! vrrpd against keepalived 2.2.7 in network namespaces: runs
//! `tests-netns/vrrpd-interop.sh` (every scenario, both ways round)
//! with this build's binary. Needs root, keepalived, tcpdump and python3;
//! otherwise it prints SKIPPED. `VRRPD_INTEROP_SCENARIOS="election reload"`
//! runs a subset; `VRRPD_INTEROP=0` skips it (loudly), for runs that call the
//! script directly.

mod common;

#[test]
fn vrrpd_interoperates_with_keepalived() {
    let scenarios = std::env::var("VRRPD_INTEROP_SCENARIOS").unwrap_or_default();
    let args: Vec<&str> = scenarios.split_whitespace().collect();
    common::script_test(
        "vrrpd interop",
        Some("VRRPD_INTEROP"),
        "network namespaces, raw sockets",
        "vrrpd-interop.sh",
        &args,
        "vrrpd_interop",
        10,
    );
}
