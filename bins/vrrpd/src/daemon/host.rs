//! What the host looks like: interfaces and their addresses, read once per
//! (re)load through rtnetlink, and the primary addresses keepalived would
//! send from.

use std::collections::HashMap;
use std::net::IpAddr;

use vrrp_core::packet::Family;
use vrrp_linux::{AddressInfo, Interface, MacAddr, NetlinkError, Rtnl};

use crate::spec::mapping::AddressResolver;

/// A snapshot of the host's interfaces and addresses.
#[derive(Debug, Clone, Default)]
pub struct HostView {
    /// Interfaces by name.
    pub links: HashMap<String, Interface>,
    /// Addresses, in the kernel's order (primary first).
    pub addresses: Vec<AddressInfo>,
}

impl HostView {
    /// Reads interfaces and addresses.
    pub async fn read(rtnl: &Rtnl) -> Result<HostView, NetlinkError> {
        let links = rtnl
            .links()
            .await?
            .into_iter()
            .map(|l| (l.name.clone(), l))
            .collect();
        let addresses = rtnl.addresses(None).await?;
        Ok(HostView { links, addresses })
    }

    /// ifindex of `name`.
    pub fn ifindex(&self, name: &str) -> Option<u32> {
        self.links.get(name).map(|l| l.index)
    }

    /// MAC of `name`.
    pub fn mac(&self, name: &str) -> Option<MacAddr> {
        self.links.get(name).and_then(|l| l.mac)
    }

    /// The interface owning `addr`, for instances without `interface`.
    pub fn interface_of(&self, addr: IpAddr) -> Option<&Interface> {
        let idx = self.addresses.iter().find(|a| a.addr == addr)?.ifindex;
        self.links.values().find(|l| l.index == idx)
    }
}

impl AddressResolver for HostView {
    /// keepalived: the first (primary, non-secondary) IPv4 address of the
    /// interface; for IPv6 its link-local address.
    fn primary(&self, interface: Option<&str>, family: Family) -> Option<IpAddr> {
        let idx = self.ifindex(interface?)?;
        let mine = self.addresses.iter().filter(|a| a.ifindex == idx);
        match family {
            Family::V4 => mine
                .filter(|a| a.addr.is_ipv4() && !a.is_secondary())
                .map(|a| a.addr)
                .next(),
            Family::V6 => mine
                .filter(|a| matches!(a.addr, IpAddr::V6(v) if v.is_unicast_link_local()))
                .map(|a| a.addr)
                .next(),
        }
    }

    fn has_interface(&self, name: &str) -> Option<bool> {
        Some(self.ifindex(name).is_some())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use vrrp_linux::Scope;

    fn addr(ifindex: u32, a: &str, flags: u32) -> AddressInfo {
        AddressInfo {
            ifindex,
            addr: a.parse().unwrap(),
            prefix_len: 24,
            label: None,
            scope: Scope::Global,
            broadcast: None,
            flags,
        }
    }

    #[test]
    fn primary_is_first_non_secondary_v4_and_link_local_v6() {
        let mut h = HostView::default();
        h.links.insert(
            "eth0".into(),
            Interface {
                index: 2,
                name: "eth0".into(),
                mac: None,
                flags: 0,
                mtu: 1500,
                kind: None,
                parent_index: None,
            },
        );
        h.addresses = vec![
            addr(1, "127.0.0.1", 0),
            addr(2, "10.0.0.9", 0x01), // secondary
            addr(2, "10.0.0.1", 0),
            addr(2, "fd00::1", 0),
            addr(2, "fe80::1", 0),
        ];
        assert_eq!(
            h.primary(Some("eth0"), Family::V4),
            Some("10.0.0.1".parse().unwrap())
        );
        assert_eq!(
            h.primary(Some("eth0"), Family::V6),
            Some("fe80::1".parse().unwrap())
        );
        assert_eq!(h.primary(Some("eth1"), Family::V4), None);
        assert_eq!(
            h.interface_of("10.0.0.1".parse().unwrap()).map(|l| l.index),
            Some(2)
        );
    }
}
