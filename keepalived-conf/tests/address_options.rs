#![allow(clippy::unwrap_used)]
//! The flag words and `preferred_lft` of an address line are typed as
//! keepalived 2.2.7's `parse_ipaddress` reads them.

use keepalived_conf::{AddressFlagOptions, LoadOptions, PreferredLifetime, parse_str};

fn vips(lines: &str) -> keepalived_conf::Parsed {
    let text = format!(
        "vrrp_instance A {{\n interface eth0\n virtual_router_id 1\n virtual_ipaddress {{\n{lines} }}\n}}\n"
    );
    parse_str("t.conf", &text, &LoadOptions::default())
}

#[test]
fn flag_words_become_a_typed_set() {
    let p = vips(
        "  fd00::1/64 home -nodad mngtmpaddr\n  fd00::2/64 noprefixroute autojoin\n  fd00::3\n",
    );
    assert!(!p.has_errors(), "{:?}", p.diagnostics);
    let v = &p.config.vrrp_instances[0].virtual_ipaddress;
    assert_eq!(
        v[0].flags,
        AddressFlagOptions {
            home: true,
            dad: true,
            mngtmpaddr: true,
            ..Default::default()
        }
    );
    assert_eq!(
        v[1].flags,
        AddressFlagOptions {
            noprefixroute: true,
            autojoin: true,
            ..Default::default()
        }
    );
    assert!(v[2].flags.is_empty());
    assert!(v.iter().all(|x| x.options.is_empty()));
}

#[test]
fn preferred_lft_is_a_number_or_forever() {
    let p = vips(
        "  fd00::1 preferred_lft 0\n  fd00::2 preferred_lft forever\n  fd00::3 preferred_lft 4294967295\n  fd00::4 preferred_lft soon\n  fd00::5\n",
    );
    let v = &p.config.vrrp_instances[0].virtual_ipaddress;
    assert_eq!(v.len(), 5);
    assert_eq!(v[0].preferred_lft, Some(PreferredLifetime::Seconds(0)));
    assert_eq!(v[1].preferred_lft, Some(PreferredLifetime::Forever));
    assert_eq!(
        v[2].preferred_lft,
        Some(PreferredLifetime::Seconds(u32::MAX))
    );
    // keepalived: "preferred_lft soon is invalid"; the address stays
    assert_eq!(v[3].preferred_lft, None);
    assert!(
        p.diagnostics
            .iter()
            .any(|d| d.message.contains("preferred_lft soon is invalid")),
        "{:?}",
        p.diagnostics
    );
    assert_eq!(v[4].preferred_lft, None);
}

/// `nodad` without the dash is no keepalived word: kept as written, for the
/// daemon to report as ignored.
#[test]
fn nodad_without_dash_is_kept_as_other() {
    let p = vips("  fd00::1/64 nodad\n");
    let v = &p.config.vrrp_instances[0].virtual_ipaddress[0];
    assert!(v.flags.is_empty());
    assert_eq!(v.options, ["nodad"]);
}

/// parse_ipaddress reads `peer` without a prefix: `peer IP/LEN` is
/// "Invalid peer address" and the address stays, without a peer.
#[test]
fn a_peer_with_a_prefix_is_invalid() {
    let p = vips("  10.0.0.1 peer 10.0.0.2\n  10.0.0.3 peer 10.0.1.0/24\n");
    let v = &p.config.vrrp_instances[0].virtual_ipaddress;
    assert_eq!(v.len(), 2);
    assert_eq!(v[0].peer.map(|x| x.addr), Some("10.0.0.2".parse().unwrap()));
    assert_eq!(v[1].peer, None);
    assert!(
        p.diagnostics
            .iter()
            .any(|d| d.message.contains("Invalid peer address 10.0.1.0/24")),
        "{:?}",
        p.diagnostics
    );
}
