//! What the host looks like: interfaces and their addresses, read once per
//! (re)load through rtnetlink, and the primary addresses keepalived would
//! send from.

use std::collections::HashMap;
use std::net::IpAddr;

use netio::{AddressInfo, Interface, MacAddr, NetlinkError, Rtnl};
use vrrp_core::packet::Family;

use crate::mapping::AddressResolver;

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
}
