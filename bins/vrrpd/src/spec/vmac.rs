//! `use_vmac [NAME] [MAC]` / `vmac_xmit_base` → [`VmacSpec`] (docs/keepalived.md
//! §3.13, keepalived.conf(5) "use_vmac").

use keepalived_conf::{Diagnostic, VrrpInstance};
use vrrp_core::packet::Family;
use vrrp_linux::{Family as IpFamily, MacAddr, vmac};

use std::collections::HashSet;

use crate::spec::mapping::{InstanceSpec, VmacSpec, ignored};

/// Linux interface names are at most 15 bytes (IFNAMSIZ - 1).
const IFNAMSIZ_MAX: usize = 15;

/// The VMAC of `vi`, if it asks for one. Errors go to `diags`.
///
/// In strict mode (`strict`) a MAC written out is cleared with keepalived's
/// message and the RFC 9568 §7.3 virtual MAC is used instead (vrrp.c
/// `vrrp_complete_instance`: "cannot specify MAC address with strict mode"),
/// and a written `vmac_xmit_base` is reset.
pub fn map_vmac(
    vi: &VrrpInstance,
    vrid: u8,
    family: Family,
    strict: bool,
    diags: &mut Vec<Diagnostic>,
) -> Option<VmacSpec> {
    let u = vi.use_vmac.as_ref()?;
    let span = u.span;
    let ip_family = match family {
        Family::V4 => IpFamily::V4,
        Family::V6 => IpFamily::V6,
    };
    let name = u
        .value
        .name
        .clone()
        .unwrap_or_else(|| vmac::vmac_default_name(ip_family, vrid));
    if name.is_empty() || name.len() > IFNAMSIZ_MAX || name.contains(['/', ' ']) {
        diags.push(Diagnostic::error(
            "vrrpd-vmac",
            span,
            format!("`{name}` is not a valid interface name for use_vmac (at most 15 bytes)"),
        ));
        return None;
    }
    let mac = match u.value.mac.as_deref() {
        None => vmac::vmac_address(ip_family, vrid),
        Some(m) => match override_mac(m, vrid) {
            Ok(_) if strict => {
                diags.push(Diagnostic::warning(
                    "vrrpd-strict",
                    span,
                    format!(
                        "({}): cannot specify MAC address with strict mode - clearing",
                        vi.name.value
                    ),
                ));
                vmac::vmac_address(ip_family, vrid)
            }
            Ok(mac) => mac,
            Err(why) => {
                diags.push(Diagnostic::error("vrrpd-vmac", span, why.to_string()));
                return None;
            }
        },
    };
    if !u.value.options.is_empty() {
        diags.push(ignored(
            span,
            &format!("use_vmac option(s) `{}`", u.value.options.join(" ")),
        ));
    }
    let mut xmit_base = vi.vmac_xmit_base.as_ref().is_some_and(|b| b.value);
    // vrrp.c vrrp_complete_instance (VMAC set-up): cleared in strict mode.
    if strict && xmit_base {
        diags.push(Diagnostic::warning(
            "vrrpd-strict",
            span,
            format!(
                "({}) xmit_base is incompatible with strict mode - resetting",
                vi.name.value
            ),
        ));
        xmit_base = false;
    }
    if !vi.unicast_peer.is_empty() && !xmit_base {
        diags.push(Diagnostic::warning(
            "vrrpd-vmac",
            span,
            "use_vmac with unicast peers needs vmac_xmit_base; set for this instance (as keepalived requires)",
        ));
        xmit_base = true;
    }
    Some(VmacSpec {
        name,
        mac,
        xmit_base,
        named: u.value.name.is_some(),
        ipvlan: None,
    })
}

/// VMAC names are unique among the instances, as keepalived 2.2.7 makes them
/// (docs/keepalived.md §3.13, [`vmac::vmac_default_name`]): a default name
/// (`vrrp.VRID`) already taken, by an earlier instance or a given name, becomes
/// `vrrp6.VRID` for an IPv6 instance when that is free, else `vrrpN.VRID`
/// (N = 1, 2, ...); two instances giving the same name is an error (at run
/// time the second would replace the first's VMAC).
pub fn unique_names(instances: &mut [InstanceSpec], diags: &mut Vec<Diagnostic>) {
    let mut taken = HashSet::new();
    for spec in instances.iter() {
        if let Some(v) = spec.vmac.as_ref().filter(|v| v.named)
            && !taken.insert(v.name.clone())
        {
            diags.push(Diagnostic::error(
                "vrrpd-vmac",
                spec.span,
                format!(
                    "instance `{}`: use_vmac interface `{}` is already used by another instance",
                    spec.config.name, v.name
                ),
            ));
        }
    }
    for spec in instances.iter_mut() {
        let vrid = spec.config.vrid;
        let v6 = spec.config.family == Family::V6;
        let Some(v) = spec.vmac.as_mut().filter(|v| !v.named) else {
            continue;
        };
        if taken.insert(v.name.clone()) {
            continue;
        }
        if v6 {
            v.name = vmac::vmac_ipv6_alt_name(vrid);
            if taken.insert(v.name.clone()) {
                continue;
            }
        }
        let mut n = 0u32;
        loop {
            n += 1;
            v.name = format!("vrrp{n}.{vrid}");
            if taken.insert(v.name.clone()) {
                break;
            }
        }
    }
}

/// A `use_vmac` MAC address keepalived refuses (the configuration's fault).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum OverrideMacError {
    /// Not 5 or 6 octets.
    #[error("use_vmac MAC address must have 5 or 6 octets")]
    Length,
    /// A multicast address.
    #[error("use_vmac MAC address {0} is a multicast address")]
    Multicast(MacAddr),
    /// In the virtual router MAC range.
    #[error(
        "use_vmac MAC address {0} is in the VRRP range 00:00:5e:00:01|02:xx; leave it out to get the virtual router MAC"
    )]
    VrrpRange(MacAddr),
}

/// keepalived's MAC override rules: 5 octets get the VRID appended; a
/// multicast MAC, or one claiming the RFC prefix 00:00:5e:00:01/02, is refused.
fn override_mac(m: &[u8], vrid: u8) -> Result<MacAddr, OverrideMacError> {
    let octets: [u8; 6] = match *m {
        [a, b, c, d, e] => [a, b, c, d, e, vrid],
        [a, b, c, d, e, f] => [a, b, c, d, e, f],
        _ => return Err(OverrideMacError::Length),
    };
    let mac = MacAddr(octets);
    if octets[0] & 1 == 1 {
        return Err(OverrideMacError::Multicast(mac));
    }
    if octets[..4] == [0x00, 0x00, 0x5e, 0x00] && matches!(octets[4], 1 | 2) {
        return Err(OverrideMacError::VrrpRange(mac));
    }
    Ok(mac)
}

/// The link of `vi`: its VMAC (`strict`: strict mode's corrections, see
/// [`map_vmac`]), or with `use_ipvlan` its ipvlan (which replaces the VMAC).
pub fn instance_link(
    vi: &VrrpInstance,
    vrid: u8,
    family: Family,
    strict: bool,
    use_ipvlan: Option<&crate::spec::ipvlan::UseIpvlan>,
    diags: &mut Vec<Diagnostic>,
) -> Option<VmacSpec> {
    let vmac = map_vmac(vi, vrid, family, strict, diags);
    match use_ipvlan {
        Some(u) => crate::spec::ipvlan::to_vmac(u, vrid, family, vi.use_vmac.is_some(), diags),
        None => vmac,
    }
}

/// `promote_secondaries`, which a VMAC sets by itself: written with one it
/// is ignored with a warning (vrrp.c `vrrp_complete_instance`).
pub fn promote_secondaries(vi: &VrrpInstance, has_vmac: bool, diags: &mut Vec<Diagnostic>) -> bool {
    match &vi.promote_secondaries {
        Some(p) if p.value && has_vmac => {
            diags.push(Diagnostic::warning(
                "vrrpd-promote-secondaries",
                p.span,
                format!(
                    "({}) promote_secondaries is automatically set for vmacs - ignoring \
                     (as keepalived does)",
                    vi.name.value
                ),
            ));
            false
        }
        Some(p) => p.value,
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn override_rules() {
        assert_eq!(
            override_mac(&[2, 0, 0, 0, 9], 7).unwrap().to_string(),
            "02:00:00:00:09:07"
        );
        assert_eq!(
            override_mac(&[2, 0, 0, 0, 9, 1], 7).unwrap().to_string(),
            "02:00:00:00:09:01"
        );
        assert!(override_mac(&[1, 0, 0, 0, 9, 1], 7).is_err());
        assert!(override_mac(&[0, 0, 0x5e, 0, 1, 1], 7).is_err());
        assert!(override_mac(&[0, 0, 0x5e, 0, 2], 7).is_err());
        assert!(override_mac(&[0, 0, 0x5e], 7).is_err());
    }
}
