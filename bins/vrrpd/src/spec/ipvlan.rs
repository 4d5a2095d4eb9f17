//! `use_ipvlan [NAME] [ADDRESS] [bridge|private|vepa]` → the instance's
//! [`VmacSpec`] with [`IpvlanOpts`] (docs/keepalived.md §3.25; keepalived
//! vrrp_parser.c `vrrp_ipvlan_handler`, vrrp.c `vrrp_complete_instance`).
//!
//! The words may come in any order: `bridge`, `private` or `vepa` is the
//! type (`bridge` when none), an address (`/32` when no length) is put on
//! the ipvlan and is the advert source unless `mcast_src_ip` /
//! `unicast_src_ip` says otherwise, anything else is the interface name
//! (`vrrp.VRID` when none, made unique as for `use_vmac`). A second type,
//! address or name is ignored with a warning, as keepalived does.

use std::net::IpAddr;

use keepalived_conf::values::{IpPrefix, parse_prefix};
use keepalived_conf::{Diagnostic, RawSetting, Span, VrrpInstance};
use vrrp_core::packet::Family;
use vrrp_linux::{Family as IpFamily, IpvlanType, vmac};

use crate::spec::mapping::VmacSpec;

/// Linux interface names are at most 15 bytes (IFNAMSIZ - 1).
const IFNAMSIZ_MAX: usize = 15;

/// What `use_ipvlan` adds to a [`VmacSpec`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IpvlanOpts {
    /// `bridge`, `private` or `vepa`.
    pub kind: IpvlanType,
    /// The address put on the ipvlan (keepalived's `ipvlan_addr`).
    pub address: Option<IpPrefix>,
}

/// `use_ipvlan` as written, before the instance's family is known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UseIpvlan {
    /// The name, when given.
    pub name: Option<String>,
    /// The type and address.
    pub opts: IpvlanOpts,
    /// Where it was written.
    pub span: Span,
}

fn warn(span: Span, msg: String) -> Diagnostic {
    Diagnostic::warning("vrrpd-ipvlan", span, msg)
}

/// The `use_ipvlan` setting of `vi`, parsed as keepalived's
/// `vrrp_ipvlan_handler` does.
pub fn parse(vi: &VrrpInstance, diags: &mut Vec<Diagnostic>) -> Option<UseIpvlan> {
    let raw: &RawSetting = vi.use_ipvlan.as_ref()?;
    let span = raw.span;
    let mut kind = None;
    let mut address: Option<IpPrefix> = None;
    let mut name: Option<String> = None;
    for w in &raw.args {
        let t = match w.as_str() {
            "bridge" => Some(IpvlanType::Bridge),
            "private" => Some(IpvlanType::Private),
            "vepa" => Some(IpvlanType::Vepa),
            _ => None,
        };
        if let Some(t) = t {
            if kind.is_some() {
                diags.push(warn(
                    span,
                    format!("ipvlan type already specified; `{w}` ignored"),
                ));
            } else {
                kind = Some(t);
            }
            continue;
        }
        if let Ok(p) = parse_prefix(w) {
            if address.is_some() {
                diags.push(warn(
                    span,
                    format!("ipvlan address already specified; `{w}` ignored"),
                ));
            } else {
                address = Some(p);
            }
            continue;
        }
        if name.is_some() {
            diags.push(warn(
                span,
                format!("ipvlan interface already specified; `{w}` ignored"),
            ));
        } else if w.is_empty() || w.len() > IFNAMSIZ_MAX || w.contains(['/', ' ']) {
            diags.push(warn(
                span,
                format!("ipvlan interface name `{w}` is not a valid interface name; ignored"),
            ));
        } else {
            name = Some(w.clone());
        }
    }
    Some(UseIpvlan {
        name,
        opts: IpvlanOpts {
            kind: kind.unwrap_or_default(),
            address,
        },
        span,
    })
}

/// The ipvlan of an instance of `family` as a [`VmacSpec`] (the VIPs go on
/// it and adverts are sent and received on it, as with a VMAC). `None`
/// with an error in `diags` where keepalived would put the instance in
/// FAULT or vrrpd cannot follow it.
pub fn to_vmac(
    u: &UseIpvlan,
    vrid: u8,
    family: Family,
    use_vmac: bool,
    diags: &mut Vec<Diagnostic>,
) -> Option<VmacSpec> {
    if use_vmac {
        diags.push(Diagnostic::error(
            "vrrpd-ipvlan",
            u.span,
            "use_vmac and use_ipvlan on one instance",
        ));
        return None;
    }
    let (v4, fam_word) = match family {
        Family::V4 => (true, "IPv4"),
        Family::V6 => (false, "IPv6"),
    };
    match u.opts.address {
        None if v4 => {
            diags.push(
                Diagnostic::error(
                    "vrrpd-ipvlan",
                    u.span,
                    "an IPv4 use_ipvlan needs an address (keepalived would keep the instance in FAULT)",
                )
                .with_hint("write the ipvlan's own address: `use_ipvlan [NAME] ADDRESS[/LEN]`"),
            );
            return None;
        }
        // IPv6 without an address: the source is the link-local address the
        // kernel gives the ipvlan ([`learns_source`]).
        None => {}
        Some(a) if a.addr.is_ipv4() != v4 => {
            diags.push(Diagnostic::error(
                "vrrpd-ipvlan",
                u.span,
                format!(
                    "ipvlan address {a} is not of the instance's family, {fam_word} (keepalived would keep the instance in FAULT)"
                ),
            ));
            return None;
        }
        Some(_) => {}
    }
    Some(VmacSpec {
        name: u
            .name
            .clone()
            .unwrap_or_else(|| vmac::vmac_default_name(IpFamily::V4, vrid)),
        // An ipvlan has its parent's MAC; this one is never used.
        mac: vmac::vmac_address(IpFamily::V4, vrid),
        xmit_base: false,
        named: u.name.is_some(),
        ipvlan: Some(u.opts.clone()),
    })
}

/// Whether an instance of `family` sends from the link-local address the
/// kernel gives its ipvlan: IPv6, `use_ipvlan` without an address and no
/// `mcast_src_ip` / `unicast_src_ip` (keepalived vrrp.c `set_vrrp_src_addr`
/// takes the ipvlan's `sin6_addr`, `vrrp_send_adv` again when it was not known
/// yet). Its source is the ipvlan's link-local address when the ipvlan
/// exists, else unspecified until the ipvlan is made.
pub fn learns_source(
    family: Family,
    src_override: Option<IpAddr>,
    vmac: Option<&VmacSpec>,
) -> bool {
    family == Family::V6
        && src_override.is_none()
        && vmac.is_some_and(|v| v.ipvlan.as_ref().is_some_and(|o| o.address.is_none()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(args: &str) -> (Option<UseIpvlan>, Vec<Diagnostic>) {
        let text = format!(
            "vrrp_instance VI {{\n interface eth0\n virtual_router_id 7\n use_ipvlan {args}\n virtual_ipaddress {{\n 10.0.0.9\n }}\n}}\n"
        );
        let p = keepalived_conf::parse_str("t.conf", &text, &Default::default());
        let vi = p.config.vrrp_instances.first().unwrap();
        let mut diags = Vec::new();
        (parse(vi, &mut diags), diags)
    }

    #[test]
    fn words_in_any_order_with_keepalived_defaults() {
        let (u, d) = parsed("private 10.0.0.2 ipv0");
        let u = u.unwrap();
        assert!(d.is_empty(), "{d:?}");
        assert_eq!(u.name.as_deref(), Some("ipv0"));
        assert_eq!(u.opts.kind, IpvlanType::Private);
        assert_eq!(u.opts.address.unwrap().to_string(), "10.0.0.2/32");
        let (u, _) = parsed("10.0.0.2/24");
        let u = u.unwrap();
        assert_eq!((u.name, u.opts.kind), (None, IpvlanType::Bridge));
        assert_eq!(u.opts.address.unwrap().len, 24);
    }

    #[test]
    fn second_words_are_ignored_with_a_warning() {
        let (u, d) = parsed("vepa bridge 10.0.0.2 10.0.0.3 a b");
        let u = u.unwrap();
        assert_eq!(u.opts.kind, IpvlanType::Vepa);
        assert_eq!(u.opts.address.unwrap().addr.to_string(), "10.0.0.2");
        assert_eq!(u.name.as_deref(), Some("a"));
        assert_eq!(d.len(), 3, "{d:?}");
        assert!(d.iter().all(|d| !d.is_error()));
    }

    /// Through the whole mapping: the ipvlan's address is the advert source
    /// unless `mcast_src_ip` is set, and the instance gets the link as its
    /// VMAC spec with the default name.
    #[test]
    fn the_mapping_takes_the_source_and_the_link() {
        use crate::spec::mapping::{SimResolver, map_config};
        let text = |extra: &str| {
            format!(
                "vrrp_instance VI {{\n interface eth0\n virtual_router_id 7\n use_ipvlan vepa 10.0.0.2/24\n {extra}\n virtual_ipaddress {{\n 10.0.0.9\n }}\n}}\n"
            )
        };
        for (extra, src) in [("", "10.0.0.2"), ("mcast_src_ip 10.0.0.5", "10.0.0.5")] {
            let p = keepalived_conf::parse_str("t.conf", &text(extra), &Default::default());
            assert!(!p.has_errors(), "{}", p.render_diagnostics());
            let (m, d) = map_config(&p.config, &SimResolver { node: 3 });
            assert!(d.is_empty(), "{d:?}");
            let i = &m.instances[0];
            assert_eq!(i.config.primary_address.to_string(), src);
            let v = i.vmac.as_ref().unwrap();
            assert_eq!(v.name, "vrrp.7");
            let o = v.ipvlan.as_ref().unwrap();
            assert_eq!(o.kind, IpvlanType::Vepa);
            assert_eq!(o.address.unwrap().to_string(), "10.0.0.2/24");
        }
    }

    /// An IPv6 ipvlan without an address: the source is the ipvlan's
    /// link-local address when the ipvlan exists (never the parent's),
    /// unspecified (not missing) before it is made, and `mcast_src_ip` when
    /// set.
    #[test]
    fn an_ipv6_ipvlan_without_an_address_sends_from_its_link_local() {
        use crate::spec::mapping::{AddressResolver, map_config};
        use std::net::IpAddr;
        struct Links(bool);
        impl AddressResolver for Links {
            fn primary(&self, i: Option<&str>, f: Family) -> Option<IpAddr> {
                match (i, f) {
                    (Some("eth0"), Family::V6) => "fe80::1".parse().ok(),
                    (Some("vrrp.7"), Family::V6) if self.0 => "fe80::ff:fe00:7".parse().ok(),
                    _ => None,
                }
            }
            fn has_interface(&self, name: &str) -> Option<bool> {
                Some(name == "eth0" || (self.0 && name == "vrrp.7"))
            }
        }
        let text = |extra: &str| {
            format!(
                "vrrp_instance VI {{\n interface eth0\n virtual_router_id 7\n use_ipvlan private\n {extra}\n virtual_ipaddress {{\n 2001:db8::9\n }}\n}}\n"
            )
        };
        for (extra, exists, src) in [
            ("", false, "::"),
            ("", true, "fe80::ff:fe00:7"),
            ("mcast_src_ip fe80::5", true, "fe80::5"),
        ] {
            let p = keepalived_conf::parse_str("t.conf", &text(extra), &Default::default());
            assert!(!p.has_errors(), "{}", p.render_diagnostics());
            let (m, d) = map_config(&p.config, &Links(exists));
            assert!(!d.iter().any(Diagnostic::is_error), "{d:?}");
            let i = &m.instances[0];
            assert_eq!(
                i.config.primary_address.to_string(),
                src,
                "{extra} {exists}"
            );
            assert!(!i.primary_missing);
            assert_eq!(
                learns_source(i.config.family, i.src_override, i.vmac.as_deref()),
                extra.is_empty()
            );
        }
    }

    #[test]
    fn an_address_of_the_instances_family_is_needed() {
        let (u, _) = parsed("ipv0");
        let u = u.unwrap();
        let mut d = Vec::new();
        assert!(to_vmac(&u, 7, Family::V4, false, &mut d).is_none());
        assert!(d[0].is_error() && d[0].message.contains("FAULT"), "{d:?}");
        let mut d = Vec::new();
        let v = to_vmac(&u, 7, Family::V6, false, &mut d).unwrap();
        assert!(d.is_empty(), "{d:?}");
        assert_eq!((v.name.as_str(), v.ipvlan.unwrap().address), ("ipv0", None));
        let (u6, _) = parsed("fe80::11/64 vepa");
        let mut d = Vec::new();
        let v = to_vmac(&u6.unwrap(), 7, Family::V6, false, &mut d).unwrap();
        assert!(d.is_empty(), "{d:?}");
        assert_eq!(v.name, "vrrp.7");
        let o = v.ipvlan.unwrap();
        assert_eq!(
            (o.kind, o.address.unwrap().to_string()),
            (IpvlanType::Vepa, "fe80::11/64".into())
        );
        let (u, _) = parsed("10.0.0.2");
        let u = u.unwrap();
        let mut d = Vec::new();
        assert!(to_vmac(&u, 7, Family::V6, false, &mut d).is_none());
        assert!(d[0].message.contains("IPv6"), "{d:?}");
        assert!(to_vmac(&u, 7, Family::V4, true, &mut d).is_none());
        assert_eq!(d.len(), 2);
        let v = to_vmac(&u, 7, Family::V4, false, &mut d).unwrap();
        assert_eq!(
            (v.name.as_str(), v.named, v.xmit_base),
            ("vrrp.7", false, false)
        );
        assert_eq!(v.ipvlan.unwrap().kind, IpvlanType::Bridge);
    }
}
