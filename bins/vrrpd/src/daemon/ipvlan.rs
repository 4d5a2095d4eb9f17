//! `use_ipvlan` at runtime (docs/keepalived.md §3.25; keepalived vrrp_vmac.c
//! `netlink_link_add_ipvlan`, `netlink_link_del_vmac`): an L2 ipvlan on the
//! instance's interface, created up at start with the configured type,
//! IPv6 disabled on it for an IPv4 instance and enabled for an IPv6 one (the
//! kernel then gives it its own link-local address), then its own address
//! added. An IPv6 instance without an address of its own sends from the
//! link-local address the kernel gives the ipvlan, read back here when it
//! is made ([`VmacLink::link_local`]) or learned from the kernel's address
//! event later (docs/keepalived.md §3.45). Adverts are sent and received
//! on it as with a VMAC (the router treats it as the instance's
//! [`VmacLink`]); the VIPs stay on the parent, where keepalived 2.2.7
//! leaves them (§3.25). Unlike a VMAC it
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
    let vrf = super::vmac::parent_vrf(rtnl, parent.index)
        .await
        .unwrap_or(0);
    let link = rtnl
        .add_ipvlan(&IpvlanSpec {
            name: name.to_string(),
            parent_index: parent.index,
            kind: opts.kind,
            master: (vrf != 0).then_some(vrf),
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
    made.vrf = vrf;
    if let Err(e) = configure(rtnl, sysctls, &mut made, opts, family).await {
        remove(rtnl, sysctls, made).await;
        return Err(e);
    }
    if family == Family::V6 && opts.address.is_none() {
        made.link_local = kernel_link_local(rtnl, made.ifindex).await;
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

/// The link-local address the kernel gave the ipvlan `ifindex`, read
/// once right after it was made up with IPv6 on: the kernel adds it while
/// bringing a link with carrier up (or enabling IPv6 on it), before the
/// request returns. `None` when it has none yet (a parent without carrier):
/// the address then arrives as a kernel address event (the router's
/// `on_address_added`). keepalived learns it from its address events
/// (keepalived_netlink.c `netlink_if_address_filter`: the first link-local
/// address of a link becomes its `sin6_addr`), which `vrrp_send_adv` takes as
/// the source of an IPv6 ipvlan instance without one.
async fn kernel_link_local(rtnl: &Rtnl, ifindex: u32) -> Option<std::net::Ipv6Addr> {
    match rtnl.addresses(Some(ifindex)).await {
        Ok(addrs) => first_link_local(&addrs),
        Err(e) => {
            tracing::warn!(ifindex, "reading the ipvlan's addresses: {e}");
            None
        }
    }
}

/// The first IPv6 link-local address among `addrs`.
fn first_link_local(addrs: &[vrrp_linux::AddressInfo]) -> Option<std::net::Ipv6Addr> {
    addrs.iter().find_map(|a| match a.addr {
        std::net::IpAddr::V6(v) if v.is_unicast_link_local() => Some(v),
        _ => None,
    })
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
    fn the_first_link_local_address_is_the_source() {
        let a = |s: &str| vrrp_linux::AddressInfo {
            ifindex: 9,
            addr: s.parse().unwrap(),
            prefix_len: 64,
            label: None,
            scope: vrrp_linux::Scope::Global,
            broadcast: None,
            flags: 0,
        };
        assert_eq!(first_link_local(&[a("10.0.0.1"), a("2001:db8::1")]), None);
        let got = first_link_local(&[a("2001:db8::1"), a("fe80::200:0:100:1"), a("fe80::2")]);
        assert_eq!(got, Some("fe80::200:0:100:1".parse().unwrap()));
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
