//! A virtual address whose `dev IFNAME` names an interface that does not
//! exist (vrrp_ipaddress.c `parse_ipaddress`, vrrp_if.c `if_get_by_ifname`,
//! vrrp_daemon.c `start_vrrp`; docs/keepalived.md §3.23).
//!
//! Without `dynamic_interfaces` keepalived reports "WARNING - interface X for
//! ip address A doesn't exist" at the address's line, drops the address,
//! then stops its VRRP process ("Non-existent interface specified in
//! configuration"): here the configuration is refused with that text. With
//! `dynamic_interfaces` the interface is expected to appear and the instance
//! waits in FAULT until it does.

use keepalived_conf::{Diagnostic, VirtualIp};

use super::mapping::AddressResolver;

/// keepalived's text for a virtual address on a missing interface.
/// keepalived prints the address as written; a host prefix is left out
/// here, as it usually is in a configuration.
pub fn missing_text(dev: &str, v: &VirtualIp) -> String {
    let p = v.address.value;
    let full = if p.addr.is_ipv4() { 32 } else { 128 };
    let addr = if p.len == full {
        p.addr.to_string()
    } else {
        p.to_string()
    };
    format!("interface {dev} for ip address {addr} doesn't exist")
}

/// Checks the `dev` of each address of `vips`. Returns true when one names
/// an interface `resolver` knows to be missing and `dynamic` lets the
/// instance wait for it (the caller keeps the instance in FAULT); without
/// `dynamic`, pushes an error per such address.
pub fn check<'a>(
    vips: impl IntoIterator<Item = &'a VirtualIp>,
    resolver: &dyn AddressResolver,
    dynamic: bool,
    diags: &mut Vec<Diagnostic>,
) -> bool {
    let mut waiting = false;
    for v in vips {
        let Some(dev) = v.dev.as_deref() else {
            continue;
        };
        if resolver.has_interface(dev) != Some(false) {
            continue;
        }
        if dynamic {
            waiting = true;
        } else {
            diags.push(
                Diagnostic::error("vrrpd-no-interface", v.address.span, missing_text(dev, v))
                    .with_hint(
                        "keepalived's VRRP process stops: Non-existent interface specified \
                         in configuration (create the interface, or set dynamic_interfaces)",
                    ),
            );
        }
    }
    waiting
}

#[cfg(test)]
mod tests {
    use crate::spec::mapping::{AddressResolver, map_config};
    use keepalived_conf::{Diagnostic, LoadOptions, parse_str};
    use std::net::{IpAddr, Ipv4Addr};
    use vrrp_core::packet::Family;

    /// eth0 with 10.0.0.1, nothing else.
    struct Eth0;
    impl AddressResolver for Eth0 {
        fn primary(&self, i: Option<&str>, _: Family) -> Option<IpAddr> {
            (i == Some("eth0")).then_some(IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1)))
        }
        fn has_interface(&self, name: &str) -> Option<bool> {
            Some(name == "eth0")
        }
    }

    fn map(global: &str) -> (crate::spec::mapping::Mapped, Vec<Diagnostic>) {
        let text = format!(
            "global_defs {{\n{global}}}\nvrrp_instance A {{\n interface eth0\n virtual_router_id 1\n \
             virtual_ipaddress {{\n  192.0.2.1\n  192.0.2.2 dev eth9\n }}\n}}\n"
        );
        let p = parse_str("t.conf", &text, &LoadOptions::default());
        map_config(&p.config, &Eth0)
    }

    #[test]
    fn a_missing_vip_interface_refuses_the_configuration() {
        let (_, d) = map("");
        let e: Vec<_> = d.iter().filter(|d| d.is_error()).collect();
        assert_eq!(e.len(), 1, "{d:?}");
        assert_eq!(
            e[0].message,
            "interface eth9 for ip address 192.0.2.2 doesn't exist"
        );
    }

    #[test]
    fn with_dynamic_interfaces_the_instance_waits() {
        let (m, d) = map(" dynamic_interfaces\n");
        assert!(!d.iter().any(Diagnostic::is_error), "{d:?}");
        assert!(m.instances[0].primary_missing);
        assert_eq!(m.instances[0].vips[1].dev.as_deref(), Some("eth9"));
    }
}
