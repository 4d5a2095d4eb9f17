//! An instance's interface and unicast settings: `interface` (required, as
//! keepalived 2.2.7 requires it of unicast instances too), `unicast_peer`,
//! `unicast_fault_no_peer` and the source address's family.

use keepalived_conf::{Diagnostic, Span, VrrpInstance};
use vrrp_core::packet::Family;

/// The instance's `interface`; its absence is an error, unicast or not
/// (vrrp.c `chk_min_cfg` runs before `vrrp_complete_instance` marks an
/// instance unicast, so keepalived 2.2.7 refuses every instance without one;
/// keepalived-conf reports it first, this keeps vrrpd from running one).
pub fn interface(vi: &VrrpInstance, span: Span, diags: &mut Vec<Diagnostic>) -> Option<String> {
    let interface = vi.interface.as_ref().map(|i| i.value.clone());
    if interface.is_none() {
        diags.push(
            Diagnostic::error(
                "vrrpd-missing",
                span,
                format!("({}) Unknown interface!", vi.name.value),
            )
            .with_hint("add `interface IF`: keepalived 2.2.7 refuses an instance without one"),
        );
    }
    interface
}

/// False, with keepalived's error, when `iface` is a loopback device
/// (vrrp_parser.c `vrrp_int_handler`: "cannot use a loopback interface ...
/// for vrrp - ignoring"; the instance is then without an interface, which
/// keepalived 2.2.7 refuses).
pub fn not_loopback(
    vi: &VrrpInstance,
    iface: &str,
    resolver: &dyn crate::spec::mapping::AddressResolver,
    diags: &mut Vec<Diagnostic>,
) -> bool {
    if resolver.is_loopback(iface) != Some(true) {
        return true;
    }
    let span = vi.interface.as_ref().map_or(vi.name.span, |i| i.span);
    diags.push(
        Diagnostic::error(
            "vrrpd-loopback",
            span,
            format!(
                "({}) cannot use a loopback interface ({iface}) for vrrp - ignoring",
                vi.name.value
            ),
        )
        .with_hint(format!(
            "keepalived then refuses the instance: \"({}) Unknown interface!\"",
            vi.name.value
        )),
    );
    false
}

/// The instance's `vrf NAME` is never kept. keepalived 2.2.7 keeps it only for
/// a unicast instance without `interface` (vrrp.c `vrrp_complete_instance`
/// clears it otherwise, with this warning), and refuses every instance
/// without `interface` before that (`chk_min_cfg`), so the keyword cannot
/// take effect there (docs/keepalived.md §3.26); vrrpd does the same.
pub fn vrf_cleared(vi: &VrrpInstance, diags: &mut Vec<Diagnostic>) {
    let Some(s) = vi.other.iter().find(|s| s.keyword == "vrf") else {
        return;
    };
    diags.push(Diagnostic::warning(
        "vrrpd-vrf",
        s.span,
        format!(
            "({}) vrf can only be specified without interface - clearing (as keepalived 2.2.7 does)",
            vi.name.value
        ),
    ));
}

/// The TTL / hop-limit ranges of the peers given `min_ttl` or `max_ttl`
/// (keepalived's defaults 0 and 255 for the other bound); vrrp-core drops an
/// advert from such a peer whose TTL is outside it (vrrp.c
/// `vrrp_check_packet`: "TTL/HL %d not in range %d - %d").
pub fn ttl_ranges(vi: &VrrpInstance) -> Vec<vrrp_core::packet::UnicastPeer> {
    vi.unicast_peer
        .iter()
        .filter(|p| p.min_ttl.is_some() || p.max_ttl.is_some())
        .map(|p| vrrp_core::packet::UnicastPeer {
            address: p.address,
            min_ttl: p.min_ttl.unwrap_or(0),
            max_ttl: p.max_ttl.unwrap_or(255),
        })
        .collect()
}

/// Checks the unicast peers and the source address against `family`;
/// returns whether the instance is a configuration fault (FAULT for good).
///
/// vrrp.c `vrrp_complete_instance`: a unicast keyword without any peer is a
/// configuration fault with `unicast_fault_no_peer`; otherwise keepalived
/// 2.2.7 warns that this is deprecated and uses multicast.
pub fn check(vi: &VrrpInstance, family: Family, diags: &mut Vec<Diagnostic>) -> bool {
    let name = &vi.name.value;
    for p in &vi.unicast_peer {
        if Family::of(p.address) != family {
            diags.push(Diagnostic::error(
                "vrrpd-family",
                p.span,
                format!("unicast_peer {} is not of the instance's family", p.address),
            ));
        }
        // vrrp_data.c `alloc_vrrp_unicast_peer`
        let (min, max) = (p.min_ttl.unwrap_or(0), p.max_ttl.unwrap_or(255));
        if min > max {
            diags.push(Diagnostic::warning(
                "vrrpd-unicast-ttl",
                p.span,
                format!("({name}) min_ttl {min} > max_ttl {max} - all packets will be discarded"),
            ));
        }
    }
    let config_fault = vi.unicast_peer.is_empty()
        && match &vi.unicast_fault_no_peer {
            Some(f) if f.value => {
                diags.push(Diagnostic::warning(
                    "vrrpd-unicast-no-peer",
                    f.span,
                    format!(
                        "vrrp_instance `{name}` cannot use unicast without any peers: it stays in FAULT (as keepalived does)"
                    ),
                ));
                true
            }
            _ => {
                if let Some(s) = vi.unicast_src_ip.as_ref() {
                    diags.push(Diagnostic::warning(
                        "vrrpd-unicast-no-peer",
                        s.span,
                        format!(
                            "vrrp_instance `{name}`: a unicast keyword without any unicast peers; using multicast (keepalived 2.2.7 does too and calls this deprecated)"
                        ),
                    ).with_hint("add unicast_peer entries, or unicast_fault_no_peer to stay in FAULT without them"));
                }
                false
            }
        };
    if let Some(s) = vi.unicast_src_ip.as_ref().or(vi.mcast_src_ip.as_ref())
        && Family::of(s.value) != family
    {
        diags.push(Diagnostic::error(
            "vrrpd-family",
            s.span,
            format!("source address {} is not of the instance's family", s.value),
        ));
    }
    config_fault
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn instance(body: &str) -> VrrpInstance {
        let text = format!("vrrp_instance A {{\n virtual_router_id 1\n{body}}}\n");
        let c =
            keepalived_conf::parse_str("t.conf", &text, &keepalived_conf::LoadOptions::default())
                .config;
        c.vrrp_instances[0].clone()
    }

    #[test]
    fn vrf_is_cleared_with_keepalived_s_warning() {
        let vi = instance(
            " interface eth0\n vrf red\n unicast_src_ip 10.0.0.1\n unicast_peer {\n 10.0.0.2\n }\n",
        );
        let mut d = Vec::new();
        vrf_cleared(&vi, &mut d);
        assert_eq!(d.len(), 1, "{d:?}");
        assert!(
            d[0].message
                .contains("vrf can only be specified without interface - clearing"),
            "{d:?}"
        );
        let mut none = Vec::new();
        vrf_cleared(&instance(" interface eth0\n"), &mut none);
        assert!(none.is_empty(), "{none:?}");
    }

    #[test]
    fn a_loopback_interface_is_refused_with_keepalived_s_words() {
        struct Host;
        impl crate::spec::mapping::AddressResolver for Host {
            fn primary(&self, _: Option<&str>, _: Family) -> Option<std::net::IpAddr> {
                None
            }
            fn is_loopback(&self, name: &str) -> Option<bool> {
                Some(name == "lo")
            }
        }
        let mut d = Vec::new();
        assert!(not_loopback(
            &instance(" interface eth0\n"),
            "eth0",
            &Host,
            &mut d
        ));
        assert!(d.is_empty(), "{d:?}");
        assert!(!not_loopback(
            &instance(" interface lo\n"),
            "lo",
            &Host,
            &mut d
        ));
        assert_eq!(
            d[0].message,
            "(A) cannot use a loopback interface (lo) for vrrp - ignoring"
        );
        assert!(d[0].is_error());
    }
}
