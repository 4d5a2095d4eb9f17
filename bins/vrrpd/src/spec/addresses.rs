//! An instance's addresses: `virtual_ipaddress`, `virtual_ipaddress_excluded`,
//! the advert source (`unicast_src_ip` / `mcast_src_ip`, else an ipvlan's
//! own address) and the address family they make the instance.

use std::net::IpAddr;

use keepalived_conf::{Diagnostic, Span, VrrpInstance};
use vrrp_core::packet::{Family, Version};

use crate::spec::ipvlan::UseIpvlan;
use crate::spec::mapping::{VipSpec, map_vip};

/// The addresses of one instance.
#[derive(Debug)]
pub struct Addresses {
    /// `virtual_ipaddress`, the ones that mapped.
    pub vips: Vec<VipSpec>,
    /// `virtual_ipaddress_excluded`, the ones that mapped.
    pub excluded_vips: Vec<VipSpec>,
    /// `use_ipvlan`, when asked for.
    pub use_ipvlan: Option<UseIpvlan>,
    /// The configured advert source, if any.
    pub src_override: Option<IpAddr>,
    /// The instance's family: the first VIP's, else the source's, else the
    /// first unicast peer's, else IPv4 (keepalived).
    pub family: Family,
    /// Neither a VIP nor `no_virtual_ipaddress`.
    pub no_vips: bool,
}

/// Maps the addresses of `vi`; a VIP of the other family is an error.
pub fn map_addresses(vi: &VrrpInstance, diags: &mut Vec<Diagnostic>) -> Addresses {
    let mut vips = Vec::new();
    for v in &vi.virtual_ipaddress {
        if let Some(s) = map_vip(v, diags) {
            vips.push(s);
        }
    }
    let mut excluded_vips = Vec::new();
    for v in &vi.virtual_ipaddress_excluded {
        if let Some(s) = map_vip(v, diags) {
            excluded_vips.push(s);
        }
    }
    // keepalived `vrrp_ipvlan_handler`: the ipvlan's address is the advert
    // source unless one is configured.
    let use_ipvlan = crate::spec::ipvlan::parse(vi, diags);
    let src_override = vi
        .unicast_src_ip
        .as_ref()
        .or(vi.mcast_src_ip.as_ref())
        .map(|s| s.value)
        .or(use_ipvlan
            .as_ref()
            .and_then(|u| u.opts.address)
            .map(|a| a.addr));
    let family = vips
        .first()
        .map(|v| Family::of(v.prefix.addr))
        .or(src_override.map(Family::of))
        .or(vi.unicast_peer.first().map(|p| Family::of(p.address)))
        .unwrap_or(Family::V4);
    for (v, raw) in vips.iter().zip(&vi.virtual_ipaddress) {
        if Family::of(v.prefix.addr) != family {
            diags.push(
                Diagnostic::error(
                    "vrrpd-family",
                    raw.address.span,
                    format!(
                        "virtual address {} is not of the instance's family (the first one is {})",
                        v.prefix.addr,
                        vips.first().map_or(String::new(), |f| f.prefix.addr.to_string())
                    ),
                )
                .with_hint("put addresses of the other family in virtual_ipaddress_excluded or a second instance"),
            );
        }
    }
    let no_vips = vips.is_empty() && vi.no_virtual_ipaddress.as_ref().is_none_or(|b| !b.value);
    Addresses {
        vips,
        excluded_vips,
        use_ipvlan,
        src_override,
        family,
        no_vips,
    }
}

/// An instance without virtual addresses: an error for VRRPv3, IPv6 and
/// strict mode, else a warning (vrrp.c `vrrp_complete_instance`: "No VIP
/// specified; at least one is required" stops keepalived only for those).
pub fn report_no_vips(
    eff: &keepalived_conf::effective::EffectiveInstance<'_>,
    span: Span,
    version: Version,
    diags: &mut Vec<Diagnostic>,
) {
    let (vi, strict) = (eff.instance, eff.strict);
    let message = format!("vrrp_instance `{}` has no virtual_ipaddress", vi.name.value);
    diags.push(if version == Version::V3 || strict {
        Diagnostic::error("vrrpd-no-vips", span, message)
            .with_hint("keepalived refuses a VRRPv3, IPv6 or strict-mode instance without one")
    } else {
        Diagnostic::warning("vrrpd-no-vips", span, message)
    });
}
