//! `use_ipvlan` at runtime (docs/keepalived.md §3.25; keepalived vrrp_vmac.c
//! `netlink_link_add_ipvlan`, `netlink_link_del_vmac`): an L2 ipvlan on the
//! instance's interface, created up at start with the configured type,
//! IPv6 disabled on it for an IPv4 instance and enabled for an IPv6 one (the
//! kernel then gives it its own link-local address), then its own address
//! added; the
//! VIPs go on it and adverts are sent and received on it as with a VMAC
//! (the router treats it as the instance's [`VmacLink`]). Unlike a VMAC it
//! has its parent's MAC and keepalived changes no sysctl of the parent.
//! Removed at exit, its address with it.
//!
//! A link of the same name left by an earlier run (an ipvlan on the same
//! parent) is removed and created again; any other link with that name is
//! an error and is left alone.

use tracing::info;
use vrrp_core::packet::Family;
use vrrp_linux::{AddressSpec, Interface, IpvlanSpec, Rtnl, VmacSysctls};

use super::vmac::{Parent, VmacError, VmacLink, remove};
use crate::spec::ipvlan::IpvlanOpts;
use crate::spec::mapping::VmacSpec;

/// Creates the ipvlan of an instance on `parent` (see the module doc).
pub async fn create(
    rtnl: &Rtnl,
    sysctls: &mut VmacSysctls,
    spec: &VmacSpec,
    opts: &IpvlanOpts,
    parent: Parent<'_>,
    family: Family,
) -> Result<VmacLink, VmacError> {
    let name = spec.name.as_str();
    let nl = |source| VmacError::Netlink {
        name: name.to_string(),
        source,
    };
    match rtnl.link_by_name(name).await {
        Ok(l) => {
            check_stale(&l, name, parent.index)?;
            rtnl.del_link(l.index).await.map_err(nl)?;
            info!(
                iface = name,
                "removed a stale ipvlan left by an earlier run"
            );
        }
        Err(e) if e.is_not_found() => {}
        Err(e) => return Err(nl(e)),
    }
    let link = rtnl
        .add_ipvlan(&IpvlanSpec {
            name: name.to_string(),
            parent_index: parent.index,
            kind: opts.kind,
            master: super::vmac::parent_vrf(rtnl, parent.index).await,
        })
        .await
        .map_err(nl)?;
    let Some(mac) = link.mac.or(parent.mac) else {
        let made = VmacLink::new(name.to_string(), link.index, vrrp_linux::MacAddr([0; 6]));
        remove(rtnl, sysctls, made).await;
        return Err(VmacError::NoMac {
            name: name.to_string(),
        });
    };
    let mut made = VmacLink::new(name.to_string(), link.index, mac);
    if let Err(e) = configure(rtnl, sysctls, &mut made, opts, family).await {
        remove(rtnl, sysctls, made).await;
        return Err(e);
    }
    info!(
        iface = name,
        parent = parent.name,
        kind = opts.kind.as_str(),
        "ipvlan created"
    );
    Ok(made)
}

/// keepalived `link_set_ipv6(ifp, false)` for an IPv4 instance and
/// `link_set_ipv6(ifp, true)` for an IPv6 one, then the ipvlan's own address
/// (IPv6: without DAD and deprecated, as keepalived `netlink_ipaddress` adds
/// it).
async fn configure(
    rtnl: &Rtnl,
    sysctls: &mut VmacSysctls,
    link: &mut VmacLink,
    opts: &IpvlanOpts,
    family: Family,
) -> Result<(), VmacError> {
    let name = link.name.clone();
    if std::path::Path::new("/proc/sys/net/ipv6").exists() {
        let (sysctl, saved) = (sysctls.sysctl(), link.saved_mut().own_mut());
        match family {
            Family::V4 => sysctl.disable_ipv6(saved, &name),
            Family::V6 => sysctl.enable_ipv6(saved, &name),
        }
        .map_err(|source| VmacError::Sysctl {
            name: name.clone(),
            source,
        })?;
    }
    if let Some(a) = opts.address {
        let spec = AddressSpec::vip(link.ifindex, a.addr, a.len);
        // vrrp_ipaddress.c netlink_ipaddress: the ipvlan's address is built
        // without keepalived's "forever" preferred lifetime, so an IPv6 one
        // goes in deprecated (preferred lifetime 0).
        let added = if a.addr.is_ipv6() {
            rtnl.add_deprecated_address(&spec).await
        } else {
            rtnl.add_address(&spec).await
        };
        match added {
            Ok(()) => {}
            Err(e) if e.is_already_exists() => {}
            Err(source) => return Err(VmacError::Netlink { name, source }),
        }
    }
    Ok(())
}

/// An existing link named like the ipvlan is ours from an earlier run only
/// when it is an ipvlan on the same parent.
fn check_stale(l: &Interface, name: &str, parent_index: u32) -> Result<(), VmacError> {
    if l.kind.as_deref() == Some("ipvlan") && l.parent_index == Some(parent_index) {
        return Ok(());
    }
    Err(VmacError::IpvlanNameClash {
        name: name.to_string(),
        kind: l.kind.clone().unwrap_or_else(|| "unknown".into()),
        parent: l.parent_index.unwrap_or(0),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn link(kind: &str, parent: u32) -> Interface {
        Interface {
            index: 9,
            name: "vrrp.51".into(),
            mac: None,
            flags: 0,
            mtu: 1500,
            kind: Some(kind.into()),
            parent_index: Some(parent),
            master: None,
            vrf_table: None,
        }
    }

    #[test]
    fn only_an_ipvlan_on_the_same_parent_is_stale() {
        assert!(check_stale(&link("ipvlan", 2), "vrrp.51", 2).is_ok());
        for (k, p) in [("ipvlan", 3), ("macvlan", 2), ("veth", 2)] {
            let e = check_stale(&link(k, p), "vrrp.51", 2).unwrap_err();
            assert!(matches!(e, VmacError::IpvlanNameClash { .. }), "{e}");
            assert!(e.to_string().contains(k), "{e}");
        }
    }
}
