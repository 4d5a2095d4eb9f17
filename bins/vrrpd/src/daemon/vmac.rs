//! `use_vmac` at runtime (docs/keepalived.md §3.13, keepalived's vrrp_vmac.c and
//! vrrp_if_config.c): a macvlan with the virtual router MAC on the instance's
//! interface, created at start, removed at exit.
//!
//! * Mode private, as keepalived 2.2.7 creates it (VMACs on one parent do not
//!   talk to each other; frames from the wire reach every one of them).
//! * The link stays up for the whole life of the instance, as keepalived keeps
//!   it: a Backup does not answer ARP for the VIPs because they are only on the
//!   Master's VMAC and `arp_ignore=1` makes the kernel answer only for
//!   addresses of the receiving interface.
//! * IPv4: keepalived's sysctls ([`vrrp_linux::VmacSysctls::apply`]: the parent's
//!   and all.rp_filter are shared, restored when the last VMAC goes) and no IPv6 on
//!   the VMAC. IPv6: no kernel link-local (`addr_gen_mode` none); instead the
//!   instance's advert source, as keepalived 2.2.7 does it (vrrp_vmac.c, seen
//!   in network namespaces): `mcast_src_ip` when given, else the parent's
//!   link-local address (so an advert leaving the VMAC carries the virtual MAC
//!   and the parent's fe80:: source), else the EUI-64 link-local of the
//!   parent's MAC (RFC 4291 appendix A). It is added `nodad` (usable at once:
//!   the parent already owns it on this link) and deprecated (preferred
//!   lifetime 0), so the kernel names it as source only when asked to.
//! * A link of the same name left by an earlier run (a macvlan) is removed and
//!   created again; any other kind of link with that name is an error and is
//!   left alone.

use std::net::IpAddr;

use tracing::{info, warn};
use vrrp_core::packet::Family;
use vrrp_linux::vmac_sysctls::VmacHold;
use vrrp_linux::{
    AddressSpec, Interface, MacAddr, MacvlanMode, MacvlanSpec, NetlinkError, Rtnl, Scope,
    SysctlError, VmacSysctls, eui64_link_local,
};

use crate::spec::mapping::VmacSpec;

/// A VMAC this daemon created.
#[derive(Debug)]
pub struct VmacLink {
    /// Its name.
    pub name: String,
    /// Its ifindex.
    pub ifindex: u32,
    /// Its MAC.
    pub mac: MacAddr,
    /// The IPv6 link-local address the kernel had given it when it was
    /// made, read back from the kernel for an ipvlan that sends from it
    /// (an IPv6 instance whose `use_ipvlan` has no address; see
    /// `ipvlan::create`); `None` otherwise or when it had none yet.
    pub link_local: Option<std::net::Ipv6Addr>,
    /// The VRF device it is enslaved to (0: none): its parent's VRF when it
    /// was made, then wherever the parent moves (`router::vmac_vrf`).
    pub vrf: u32,
    /// Sysctl values to put back when it goes (shared ones when it is the
    /// last VMAC holding them).
    saved: VmacHold,
}

impl VmacLink {
    /// A VMAC that holds no sysctls (the in-memory host of the tests).
    #[cfg(test)]
    pub fn stand_in(name: String, ifindex: u32, mac: MacAddr) -> VmacLink {
        VmacLink {
            name,
            ifindex,
            mac,
            link_local: None,
            vrf: 0,
            saved: VmacHold::default(),
        }
    }
}

/// Why a VMAC could not be set up.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum VmacError {
    /// The name is taken by an interface that is not a macvlan (config or
    /// host at fault: we never delete foreign interfaces).
    #[error(
        "use_vmac: interface `{name}` already exists and is a {kind} link, not a macvlan; choose another name"
    )]
    NameClash {
        /// The name.
        name: String,
        /// What the existing link is.
        kind: String,
    },
    /// The name is taken by a macvlan that is not ours: another MAC or another
    /// parent (config or host at fault: we never delete foreign interfaces).
    #[error(
        "use_vmac: interface `{name}` already exists as a macvlan with MAC {mac} on ifindex {parent}, not this instance's VMAC; choose another name"
    )]
    ForeignMacvlan {
        /// The name.
        name: String,
        /// Its MAC.
        mac: String,
        /// Its parent's ifindex (0: unknown).
        parent: u32,
    },
    /// `use_ipvlan`: the name is taken by a link that is not an ipvlan on
    /// this instance's interface (never deleted).
    #[error(
        "use_ipvlan: interface `{name}` already exists as a {kind} link on ifindex {parent}, not this instance's ipvlan; choose another name"
    )]
    IpvlanNameClash {
        /// The name.
        name: String,
        /// What the existing link is.
        kind: String,
        /// Its parent's ifindex (0: none).
        parent: u32,
    },
    /// `use_ipvlan`: neither the new link nor its parent has a MAC (needed
    /// for gratuitous ARPs).
    #[error("use_ipvlan `{name}`: the link has no MAC address")]
    NoMac {
        /// The name.
        name: String,
    },
    /// An rtnetlink request failed.
    #[error("use_vmac `{name}`: {source}")]
    Netlink {
        /// The VMAC name.
        name: String,
        /// The kernel's answer.
        #[source]
        source: NetlinkError,
    },
    /// A sysctl could not be set.
    #[error("use_vmac `{name}`: {source}")]
    Sysctl {
        /// The VMAC name.
        name: String,
        /// What failed.
        #[source]
        source: SysctlError,
    },
}

impl VmacLink {
    /// A link with no sysctls held yet.
    pub(super) fn new(name: String, ifindex: u32, mac: MacAddr) -> VmacLink {
        VmacLink {
            name,
            ifindex,
            mac,
            link_local: None,
            vrf: 0,
            saved: VmacHold::default(),
        }
    }

    /// The sysctls to put back when it goes.
    pub(super) fn saved_mut(&mut self) -> &mut VmacHold {
        &mut self.saved
    }
}

fn nl(name: &str) -> impl FnOnce(NetlinkError) -> VmacError + '_ {
    move |source| VmacError::Netlink {
        name: name.to_string(),
        source,
    }
}

/// The parent interface of a VMAC.
#[derive(Debug, Clone, Copy)]
pub struct Parent<'a> {
    /// Its ifindex.
    pub index: u32,
    /// Its name.
    pub name: &'a str,
    /// Its MAC (for the EUI-64 fallback link-local).
    pub mac: Option<MacAddr>,
}

/// The address an IPv6 instance's VMAC carries (keepalived 2.2.7
/// vrrp_vmac.c): the instance's advert source (`mcast_src_ip`, else the
/// parent's link-local, both already in `source`), else the EUI-64 link-local
/// of the parent's MAC.
pub fn ipv6_vmac_address(source: IpAddr, parent_mac: Option<MacAddr>) -> Option<IpAddr> {
    match source {
        IpAddr::V6(a) if !a.is_unspecified() => Some(source),
        _ => parent_mac.map(|m| IpAddr::V6(eui64_link_local(m))),
    }
}

/// The VRF `parent` is enslaved to, if any: keepalived creates a VMAC or
/// an ipvlan in its parent's VRF (vrrp_vmac.c `netlink_link_add_vmac`,
/// `netlink_link_add_ipvlan`: IFLA_MASTER when the configured interface has
/// a VRF master). A master of another kind (a bridge, a bond) is not
/// followed, nor is a lookup that fails (logged).
pub async fn parent_vrf(rtnl: &Rtnl, parent_index: u32) -> Option<u32> {
    let lookup = async {
        let Some(master) = rtnl.link_by_index(parent_index).await?.master else {
            return Ok(None);
        };
        let m = rtnl.link_by_index(master).await?;
        Ok::<_, vrrp_linux::NetlinkError>((m.kind.as_deref() == Some("vrf")).then_some(master))
    };
    match lookup.await {
        Ok(v) => v,
        Err(e) => {
            warn!(parent = parent_index, "looking up the parent's VRF: {e}");
            None
        }
    }
}

/// Creates the VMAC of an instance on `parent` and brings it up. `source`
/// is the instance's advert source address (used for IPv6, see
/// [`ipv6_vmac_address`]).
pub async fn create(
    rtnl: &Rtnl,
    sysctls: &mut VmacSysctls,
    spec: &VmacSpec,
    parent: Parent<'_>,
    family: Family,
    source: IpAddr,
) -> Result<VmacLink, VmacError> {
    if let Some(opts) = &spec.ipvlan {
        return super::ipvlan::create(rtnl, sysctls, spec, opts, parent, family).await;
    }
    let (parent_index, parent_name) = (parent.index, parent.name);
    let name = spec.name.as_str();
    match rtnl.link_by_name(name).await {
        Ok(l) => {
            check_stale(&l, spec, parent_index)?;
            rtnl.del_link(l.index).await.map_err(nl(name))?;
            info!(iface = name, "removed a stale VMAC left by an earlier run");
        }
        Err(e) if e.is_not_found() => {}
        Err(e) => return Err(nl(name)(e)),
    }
    let vrf = parent_vrf(rtnl, parent_index).await.unwrap_or(0);
    let link = rtnl
        .add_macvlan(&MacvlanSpec {
            name: name.to_string(),
            parent_index,
            mac: spec.mac,
            mode: MacvlanMode::Private,
            master: (vrf != 0).then_some(vrf),
        })
        .await
        .map_err(nl(name))?;
    let mut vmac = VmacLink {
        name: name.to_string(),
        ifindex: link.index,
        mac: spec.mac,
        link_local: None,
        vrf,
        saved: VmacHold::default(),
    };
    let v6_addr = match family {
        Family::V6 => ipv6_vmac_address(source, parent.mac),
        Family::V4 => None,
    };
    if let Err(e) = configure(rtnl, sysctls, &mut vmac, parent_name, family, v6_addr).await {
        remove(rtnl, sysctls, vmac).await;
        return Err(e);
    }
    info!(iface = name, parent = parent_name, mac = %spec.mac, "VMAC created");
    Ok(vmac)
}

/// An existing link named like the VMAC is ours from an earlier run (and may be
/// deleted) only when it is a macvlan with the spec's MAC on the same parent;
/// anything else (another daemon's or a container's interface) is left alone.
fn check_stale(l: &Interface, spec: &VmacSpec, parent_index: u32) -> Result<(), VmacError> {
    if l.kind.as_deref() != Some("macvlan") {
        return Err(VmacError::NameClash {
            name: spec.name.clone(),
            kind: l.kind.clone().unwrap_or_else(|| "non-macvlan".into()),
        });
    }
    if l.mac != Some(spec.mac) || l.parent_index != Some(parent_index) {
        return Err(VmacError::ForeignMacvlan {
            name: spec.name.clone(),
            mac: l.mac.map_or_else(|| "none".into(), |m| m.to_string()),
            parent: l.parent_index.unwrap_or(0),
        });
    }
    Ok(())
}

async fn configure(
    rtnl: &Rtnl,
    sysctls: &mut VmacSysctls,
    vmac: &mut VmacLink,
    parent_name: &str,
    family: Family,
    v6_addr: Option<IpAddr>,
) -> Result<(), VmacError> {
    let name = vmac.name.clone();
    let sys = |source| VmacError::Sysctl {
        name: name.clone(),
        source,
    };
    let ipv6_present = std::path::Path::new("/proc/sys/net/ipv6").exists();
    match family {
        Family::V4 => {
            vmac.saved = sysctls.apply(&name, parent_name).map_err(sys)?;
            if ipv6_present {
                sysctls
                    .sysctl()
                    .disable_ipv6(vmac.saved.own_mut(), &name)
                    .map_err(sys)?;
            }
        }
        Family::V6 => {
            sysctls
                .sysctl()
                .suppress_auto_link_local(vmac.saved.own_mut(), &name)
                .map_err(sys)?;
        }
    }
    // Before the link goes up, as keepalived adds it: the first advert can
    // leave the VMAC as soon as it is up.
    if let Some(addr) = v6_addr {
        let mut a = AddressSpec::vip(vmac.ifindex, addr, 64);
        if matches!(addr, IpAddr::V6(v) if v.is_unicast_link_local()) {
            a.scope = Scope::Link;
        }
        match rtnl.add_deprecated_address(&a).await {
            Ok(()) => {}
            Err(e) if e.is_already_exists() => {}
            Err(e) => return Err(nl(&name)(e)),
        }
    }
    rtnl.set_link_up(vmac.ifindex, true)
        .await
        .map_err(nl(&name))?;
    Ok(())
}

/// Deletes the VMAC and restores the sysctls changed for it. Failures are
/// logged: at exit there is nobody to return them to.
pub async fn remove(rtnl: &Rtnl, sysctls: &mut VmacSysctls, vmac: VmacLink) {
    match rtnl.del_link(vmac.ifindex).await {
        Ok(()) => info!(iface = %vmac.name, "VMAC removed"),
        Err(e) if e.is_not_found() => {}
        Err(e) => warn!(iface = %vmac.name, "removing the VMAC: {e}"),
    }
    if let Err(e) = sysctls.release(vmac.saved) {
        warn!(iface = %vmac.name, "restoring sysctls: {e}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn link(kind: &str, mac: [u8; 6], parent: u32) -> Interface {
        Interface {
            index: 9,
            name: "vrrp.51".into(),
            mac: Some(MacAddr(mac)),
            flags: 0,
            mtu: 1500,
            kind: Some(kind.into()),
            parent_index: Some(parent),
            master: None,
            vrf_table: None,
        }
    }

    #[test]
    fn ipv6_vmac_address_is_the_advert_source_else_eui64_of_the_parent() {
        let parent = Some(MacAddr([0x52, 0x54, 0, 0x12, 0x34, 0x56]));
        let ll: IpAddr = "fe80::1".parse().unwrap();
        assert_eq!(ipv6_vmac_address(ll, parent), Some(ll));
        let global: IpAddr = "fd00::5".parse().unwrap();
        assert_eq!(ipv6_vmac_address(global, parent), Some(global));
        let none: IpAddr = "::".parse().unwrap();
        assert_eq!(
            ipv6_vmac_address(none, parent),
            Some("fe80::5054:ff:fe12:3456".parse().unwrap())
        );
        assert_eq!(ipv6_vmac_address(none, None), None);
    }

    #[test]
    fn only_our_own_macvlan_is_stale() {
        let spec = VmacSpec {
            name: "vrrp.51".into(),
            mac: MacAddr([0, 0, 0x5e, 0, 1, 51]),
            xmit_base: false,
            named: false,
            ipvlan: None,
        };
        let ours = [0, 0, 0x5e, 0, 1, 51];
        assert!(check_stale(&link("macvlan", ours, 2), &spec, 2).is_ok());
        let e = check_stale(&link("macvlan", [2, 0, 0, 0, 0, 51], 2), &spec, 2).unwrap_err();
        assert!(
            matches!(e, VmacError::ForeignMacvlan { parent: 2, .. }),
            "{e}"
        );
        assert!(e.to_string().contains("02:00:00:00:00:33"), "{e}");
        let e = check_stale(&link("macvlan", ours, 3), &spec, 2).unwrap_err();
        assert!(
            matches!(e, VmacError::ForeignMacvlan { parent: 3, .. }),
            "{e}"
        );
        let e = check_stale(&link("bridge", ours, 2), &spec, 2).unwrap_err();
        assert!(matches!(e, VmacError::NameClash { .. }), "{e}");
    }
}
