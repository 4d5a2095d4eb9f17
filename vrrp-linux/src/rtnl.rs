//! rtnetlink operations: interfaces, addresses (VIPs), macvlan links.

use std::net::{IpAddr, Ipv4Addr};

use netlink_packet_core::{NLM_F_CREATE, NLM_F_DUMP, NLM_F_EXCL};
use netlink_packet_route::address::{
    AddressAttribute, AddressFlags, AddressHeaderFlags, AddressMessage, AddressScope, CacheInfo,
};
use netlink_packet_route::link::{
    InfoData, InfoKind, InfoMacVlan, InfoVrf, LinkAttribute, LinkFlags, LinkInfo, LinkMessage,
    MacVlanMode,
};
use netlink_packet_route::{AddressFamily, RouteNetlinkMessage};

use crate::error::NetlinkError;
use crate::mac::MacAddr;
use crate::netlink_conn::Conn;

/// Address scope (`ip addr add ... scope`), keepalived's default is `Global`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Scope {
    /// RT_SCOPE_UNIVERSE (0).
    #[default]
    Global,
    /// RT_SCOPE_SITE (200).
    Site,
    /// RT_SCOPE_LINK (253).
    Link,
    /// RT_SCOPE_HOST (254).
    Host,
    /// RT_SCOPE_NOWHERE (255).
    Nowhere,
    /// Any other value.
    Other(u8),
}

impl Scope {
    /// The kernel's number.
    pub fn as_u8(self) -> u8 {
        match self {
            Scope::Global => 0,
            Scope::Site => 200,
            Scope::Link => 253,
            Scope::Host => 254,
            Scope::Nowhere => 255,
            Scope::Other(v) => v,
        }
    }

    /// From the kernel's number.
    pub fn from_u8(v: u8) -> Scope {
        match v {
            0 => Scope::Global,
            200 => Scope::Site,
            253 => Scope::Link,
            254 => Scope::Host,
            255 => Scope::Nowhere,
            v => Scope::Other(v),
        }
    }
}

/// An interface as the kernel reports it (RTM_NEWLINK).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Interface {
    /// ifindex.
    pub index: u32,
    /// Name.
    pub name: String,
    /// Hardware address, when it is a 6-byte Ethernet one.
    pub mac: Option<MacAddr>,
    /// `IFF_*` flags.
    pub flags: u32,
    /// MTU.
    pub mtu: u32,
    /// Link kind (`veth`, `macvlan`, `bridge`, ...), when the kernel says.
    pub kind: Option<String>,
    /// IFLA_LINK: the parent's ifindex (macvlan, veth peer).
    pub parent_index: Option<u32>,
    /// IFLA_MASTER: the ifindex of the device it is enslaved to (a bridge,
    /// bond or VRF).
    pub master: Option<u32>,
    /// IFLA_VRF_TABLE of a `vrf` link: the routing table it stands for.
    pub vrf_table: Option<u32>,
}

impl Interface {
    /// IFF_UP: administratively up.
    pub fn is_up(&self) -> bool {
        self.flags & libc::IFF_UP as u32 != 0
    }
    /// IFF_RUNNING: operationally up.
    pub fn is_running(&self) -> bool {
        self.flags & libc::IFF_RUNNING as u32 != 0
    }
    /// IFF_LOOPBACK: a loopback device.
    pub fn is_loopback(&self) -> bool {
        self.flags & libc::IFF_LOOPBACK as u32 != 0
    }
    /// IFF_LOWER_UP: carrier present.
    pub fn is_lower_up(&self) -> bool {
        self.flags & (1 << 16) != 0
    }

    pub(crate) fn from_message(m: &LinkMessage) -> Interface {
        let mut i = Interface {
            index: m.header.index,
            name: String::new(),
            mac: None,
            flags: m.header.flags.bits(),
            mtu: 0,
            kind: None,
            parent_index: None,
            master: None,
            vrf_table: None,
        };
        for a in &m.attributes {
            match a {
                LinkAttribute::IfName(n) => i.name.clone_from(n),
                LinkAttribute::Address(b) => i.mac = MacAddr::from_slice(b),
                LinkAttribute::Mtu(v) => i.mtu = *v,
                LinkAttribute::Link(p) => i.parent_index = Some(*p),
                LinkAttribute::Controller(p) => i.master = Some(*p),
                LinkAttribute::LinkInfo(infos) => {
                    for info in infos {
                        match info {
                            LinkInfo::Kind(k) => i.kind = Some(k.to_string()),
                            LinkInfo::Data(InfoData::Vrf(v)) => {
                                i.vrf_table = v.iter().find_map(|a| match a {
                                    InfoVrf::TableId(t) => Some(*t),
                                    _ => None,
                                });
                            }
                            _ => {}
                        }
                    }
                }
                _ => {}
            }
        }
        i
    }
}

/// An address to add or remove (`ip addr add ADDR/PREFIX dev IF [brd B] [scope S]
/// [label L]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddressSpec {
    /// Interface.
    pub ifindex: u32,
    /// The address.
    pub addr: IpAddr,
    /// Prefix length (keepalived's default for a VIP without one: 32 / 128).
    pub prefix_len: u8,
    /// IPv4 label (`eth0:1`); ignored for IPv6.
    pub label: Option<String>,
    /// Scope.
    pub scope: Scope,
    /// IPv4 broadcast address; ignored for IPv6.
    pub broadcast: Option<Ipv4Addr>,
    /// IFA_F_NODAD: skip duplicate address detection (keepalived sets it on IPv6
    /// VIPs so they are usable at once).
    pub no_dad: bool,
    /// IFA_F_NOPREFIXROUTE: do not add the prefix route.
    pub no_prefix_route: bool,
    /// IFA_F_HOMEADDRESS (Mobile IPv6 home address; `ip addr add ... home`).
    pub home: bool,
    /// IFA_F_MANAGETEMPADDR: the kernel makes temporary addresses from this
    /// prefix (`mngtmpaddr`).
    pub manage_temp_addr: bool,
    /// IFA_F_MCAUTOJOIN: join the multicast group of a multicast address
    /// (`autojoin`).
    pub mc_autojoin: bool,
    /// Preferred lifetime in seconds sent as IFA_CACHEINFO (valid forever) on
    /// an IPv6 address; `None` sends none (preferred forever). Ignored for
    /// IPv4, as keepalived's `netlink_ipaddress` ignores it.
    pub preferred_lft: Option<u32>,
    /// The peer of a point-to-point address (`ip addr add A peer P`): sent
    /// as IFA_ADDRESS, IFA_LOCAL being [`AddressSpec::addr`].
    pub peer: Option<IpAddr>,
}

impl AddressSpec {
    /// A VIP as keepalived adds it: scope global, no label/broadcast, NODAD for
    /// IPv6.
    pub fn vip(ifindex: u32, addr: IpAddr, prefix_len: u8) -> AddressSpec {
        AddressSpec {
            ifindex,
            addr,
            prefix_len,
            label: None,
            scope: Scope::Global,
            broadcast: None,
            no_dad: addr.is_ipv6(),
            no_prefix_route: false,
            home: false,
            manage_temp_addr: false,
            mc_autojoin: false,
            preferred_lft: None,
            peer: None,
        }
    }

    fn describe(&self, verb: &str) -> String {
        format!(
            "{verb} address {}/{} on ifindex {}",
            self.addr, self.prefix_len, self.ifindex
        )
    }

    fn to_message(&self, with_options: bool) -> AddressMessage {
        let mut m = AddressMessage::default();
        m.header.family = if self.addr.is_ipv4() {
            AddressFamily::Inet
        } else {
            AddressFamily::Inet6
        };
        m.header.prefix_len = self.prefix_len;
        m.header.index = self.ifindex;
        m.header.scope = AddressScope::from(self.scope.as_u8());
        m.attributes.push(AddressAttribute::Local(self.addr));
        m.attributes
            .push(AddressAttribute::Address(self.peer.unwrap_or(self.addr)));
        if with_options {
            let mut flags = AddressFlags::empty();
            if self.no_dad {
                flags |= AddressFlags::Nodad;
                m.header.flags |= AddressHeaderFlags::Nodad;
            }
            if self.no_prefix_route {
                flags |= AddressFlags::Noprefixroute;
            }
            if self.home {
                flags |= AddressFlags::Homeaddress;
                m.header.flags |= AddressHeaderFlags::Homeaddress;
            }
            if self.manage_temp_addr {
                flags |= AddressFlags::Managetempaddr;
            }
            if self.mc_autojoin {
                flags |= AddressFlags::Mcautojoin;
            }
            if !flags.is_empty() {
                m.attributes.push(AddressAttribute::Flags(flags));
            }
            if let (Some(p), true) = (self.preferred_lft, self.addr.is_ipv6()) {
                let mut ci = CacheInfo::default();
                ci.ifa_preferred = p;
                ci.ifa_valid = u32::MAX;
                m.attributes.push(AddressAttribute::CacheInfo(ci));
            }
            if self.addr.is_ipv4() {
                if let Some(l) = &self.label {
                    m.attributes.push(AddressAttribute::Label(l.clone()));
                }
                if let Some(b) = self.broadcast {
                    m.attributes.push(AddressAttribute::Broadcast(b));
                }
            }
        }
        m
    }
}

/// An address as the kernel reports it (RTM_NEWADDR).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddressInfo {
    /// Interface.
    pub ifindex: u32,
    /// The local address.
    pub addr: IpAddr,
    /// Prefix length.
    pub prefix_len: u8,
    /// IPv4 label.
    pub label: Option<String>,
    /// Scope.
    pub scope: Scope,
    /// IPv4 broadcast.
    pub broadcast: Option<Ipv4Addr>,
    /// IFA_F_* flags (IFA_FLAGS when present, else the header's byte).
    pub flags: u32,
}

impl AddressInfo {
    /// IFA_F_TENTATIVE: IPv6 DAD still running.
    pub fn is_tentative(&self) -> bool {
        self.flags & 0x40 != 0
    }
    /// IFA_F_SECONDARY.
    pub fn is_secondary(&self) -> bool {
        self.flags & 0x01 != 0
    }

    pub(crate) fn from_message(m: &AddressMessage) -> Option<AddressInfo> {
        let mut local = None;
        let mut address = None;
        let mut label = None;
        let mut broadcast = None;
        let mut flags = u32::from(m.header.flags.bits());
        for a in &m.attributes {
            match a {
                AddressAttribute::Local(ip) => local = Some(*ip),
                AddressAttribute::Address(ip) => address = Some(*ip),
                AddressAttribute::Label(l) => label = Some(l.clone()),
                AddressAttribute::Broadcast(b) => broadcast = Some(*b),
                AddressAttribute::Flags(f) => flags = f.bits(),
                _ => {}
            }
        }
        Some(AddressInfo {
            ifindex: m.header.index,
            addr: local.or(address)?,
            prefix_len: m.header.prefix_len,
            label,
            scope: Scope::from_u8(u8::from(m.header.scope)),
            broadcast,
            flags,
        })
    }
}

/// macvlan mode (keepalived uses `Private`; `Bridge` lets VMACs on one parent talk).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MacvlanMode {
    /// MACVLAN_MODE_PRIVATE.
    Private,
    /// MACVLAN_MODE_VEPA.
    Vepa,
    /// MACVLAN_MODE_BRIDGE.
    Bridge,
    /// MACVLAN_MODE_PASSTHRU.
    Passthrough,
}

/// A macvlan to create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MacvlanSpec {
    /// New interface name (`vrrp.51`).
    pub name: String,
    /// Parent interface.
    pub parent_index: u32,
    /// Its MAC (see [`crate::vmac::vmac_address`]).
    pub mac: MacAddr,
    /// Mode.
    pub mode: MacvlanMode,
    /// IFLA_MASTER: the VRF to enslave it to (its parent's), if any.
    pub master: Option<u32>,
}

/// A handle for rtnetlink requests. Cheap to share behind an `Arc`; requests are
/// serialised internally.
#[derive(Debug)]
pub struct Rtnl {
    pub(crate) conn: Conn,
}

impl Rtnl {
    /// Opens a NETLINK_ROUTE socket in the calling thread's network namespace. Must
    /// be called inside a tokio runtime.
    pub fn open() -> Result<Rtnl, NetlinkError> {
        Ok(Rtnl {
            conn: Conn::open()?,
        })
    }

    /// The request connection (for the route and rule requests in [`crate::route`]).
    /// The port id of this connection: a kernel event caused by one of its
    /// requests carries it as [`crate::NetEvent::sender`].
    pub fn port_id(&self) -> Option<u32> {
        self.conn.port_id()
    }

    pub(crate) fn conn(&self) -> &Conn {
        &self.conn
    }

    /// All interfaces.
    pub async fn links(&self) -> Result<Vec<Interface>, NetlinkError> {
        let replies = self
            .conn
            .request(
                RouteNetlinkMessage::GetLink(LinkMessage::default()),
                NLM_F_DUMP,
                &|| "dump links".into(),
            )
            .await?;
        Ok(replies
            .iter()
            .filter_map(|r| match r {
                RouteNetlinkMessage::NewLink(m) => Some(Interface::from_message(m)),
                _ => None,
            })
            .collect())
    }

    /// One interface by name.
    pub async fn link_by_name(&self, name: &str) -> Result<Interface, NetlinkError> {
        let mut m = LinkMessage::default();
        m.attributes.push(LinkAttribute::IfName(name.to_string()));
        self.get_link(m, name.to_string()).await
    }

    /// One interface by index.
    pub async fn link_by_index(&self, index: u32) -> Result<Interface, NetlinkError> {
        let mut m = LinkMessage::default();
        m.header.index = index;
        self.get_link(m, format!("ifindex {index}")).await
    }

    async fn get_link(&self, m: LinkMessage, what: String) -> Result<Interface, NetlinkError> {
        let res = self
            .conn
            .request(RouteNetlinkMessage::GetLink(m), 0, &|| {
                format!("get link {what}")
            })
            .await;
        match res {
            Ok(replies) => replies
                .iter()
                .find_map(|r| match r {
                    RouteNetlinkMessage::NewLink(m) => Some(Interface::from_message(m)),
                    _ => None,
                })
                .ok_or(NetlinkError::NoSuchInterface(what)),
            Err(e) if e.is_not_found() => Err(NetlinkError::NoSuchInterface(what)),
            Err(e) => Err(e),
        }
    }

    /// Addresses, of one interface or (`None`) of all.
    pub async fn addresses(&self, ifindex: Option<u32>) -> Result<Vec<AddressInfo>, NetlinkError> {
        let replies = self
            .conn
            .request(
                RouteNetlinkMessage::GetAddress(AddressMessage::default()),
                NLM_F_DUMP,
                &|| "dump addresses".into(),
            )
            .await?;
        Ok(replies
            .iter()
            .filter_map(|r| match r {
                RouteNetlinkMessage::NewAddress(m) => AddressInfo::from_message(m),
                _ => None,
            })
            .filter(|a| ifindex.is_none_or(|i| a.ifindex == i))
            .collect())
    }

    /// Adds an address (NLM_F_CREATE | NLM_F_EXCL: an existing one is an error
    /// with [`NetlinkError::is_already_exists`]).
    pub async fn add_address(&self, spec: &AddressSpec) -> Result<(), NetlinkError> {
        self.conn
            .request(
                RouteNetlinkMessage::NewAddress(spec.to_message(true)),
                NLM_F_CREATE | NLM_F_EXCL,
                &|| spec.describe("add"),
            )
            .await
            .map(drop)
    }

    /// Adds an address that is valid but not preferred (IFA_CACHEINFO with
    /// preferred lifetime 0, valid forever; `ip` shows it `deprecated`): it
    /// can be named as a source (a VRRP advert's link-local on an IPv6 VMAC,
    /// as keepalived 2.2.7 adds it) but the kernel does not pick it for other
    /// traffic. Already there: an error with [`NetlinkError::is_already_exists`].
    pub async fn add_deprecated_address(&self, spec: &AddressSpec) -> Result<(), NetlinkError> {
        let mut spec = spec.clone();
        spec.preferred_lft = Some(0);
        let m = spec.to_message(true);
        self.conn
            .request(
                RouteNetlinkMessage::NewAddress(m),
                NLM_F_CREATE | NLM_F_EXCL,
                &|| spec.describe("add (deprecated)"),
            )
            .await
            .map(drop)
    }

    /// Removes an address (an absent one is an error with
    /// [`NetlinkError::is_not_found`]).
    pub async fn del_address(&self, spec: &AddressSpec) -> Result<(), NetlinkError> {
        self.conn
            .request(
                RouteNetlinkMessage::DelAddress(spec.to_message(false)),
                0,
                &|| spec.describe("delete"),
            )
            .await
            .map(drop)
    }

    /// Sets an interface administratively up or down.
    pub async fn set_link_up(&self, index: u32, up: bool) -> Result<(), NetlinkError> {
        let mut m = LinkMessage::default();
        m.header.index = index;
        m.header.flags = if up {
            LinkFlags::Up
        } else {
            LinkFlags::empty()
        };
        m.header.change_mask = LinkFlags::Up;
        self.conn
            .request(RouteNetlinkMessage::SetLink(m), 0, &|| {
                format!("set ifindex {index} up={up}")
            })
            .await
            .map(drop)
    }

    /// Enslaves an interface to `master` (IFLA_MASTER), or releases it from
    /// its master when `master` is 0.
    pub async fn set_link_master(&self, index: u32, master: u32) -> Result<(), NetlinkError> {
        let mut m = LinkMessage::default();
        m.header.index = index;
        m.attributes.push(LinkAttribute::Controller(master));
        self.conn
            .request(RouteNetlinkMessage::SetLink(m), 0, &|| {
                format!("set ifindex {index} master {master}")
            })
            .await
            .map(drop)
    }

    /// Creates a macvlan (RTM_NEWLINK, kind macvlan) and returns it; it is left
    /// down, see [`set_link_up`](Self::set_link_up).
    pub async fn add_macvlan(&self, spec: &MacvlanSpec) -> Result<Interface, NetlinkError> {
        let mode = match spec.mode {
            MacvlanMode::Private => MacVlanMode::Private,
            MacvlanMode::Vepa => MacVlanMode::Vepa,
            MacvlanMode::Bridge => MacVlanMode::Bridge,
            MacvlanMode::Passthrough => MacVlanMode::Passthrough,
        };
        let mut m = LinkMessage::default();
        m.attributes.push(LinkAttribute::IfName(spec.name.clone()));
        m.attributes.push(LinkAttribute::Link(spec.parent_index));
        m.attributes
            .push(LinkAttribute::Address(spec.mac.0.to_vec()));
        m.attributes.push(LinkAttribute::LinkInfo(vec![
            LinkInfo::Kind(InfoKind::MacVlan),
            LinkInfo::Data(InfoData::MacVlan(vec![InfoMacVlan::Mode(mode)])),
        ]));
        if let Some(master) = spec.master {
            m.attributes.push(LinkAttribute::Controller(master));
        }
        self.conn
            .request(
                RouteNetlinkMessage::NewLink(m),
                NLM_F_CREATE | NLM_F_EXCL,
                &|| {
                    format!(
                        "create macvlan {} on ifindex {}",
                        spec.name, spec.parent_index
                    )
                },
            )
            .await?;
        self.link_by_name(&spec.name).await
    }

    /// Deletes an interface.
    pub async fn del_link(&self, index: u32) -> Result<(), NetlinkError> {
        let mut m = LinkMessage::default();
        m.header.index = index;
        self.conn
            .request(RouteNetlinkMessage::DelLink(m), 0, &|| {
                format!("delete ifindex {index}")
            })
            .await
            .map(drop)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::netlink_conn::serialize_request;

    #[test]
    fn scope_numbers_round_trip() {
        for s in [
            Scope::Global,
            Scope::Site,
            Scope::Link,
            Scope::Host,
            Scope::Nowhere,
            Scope::Other(7),
        ] {
            assert_eq!(Scope::from_u8(s.as_u8()), s);
        }
    }

    #[test]
    fn an_address_add_request_asks_create_excl_and_ack_and_decodes_back() {
        let spec = AddressSpec::vip(7, "10.78.1.2".parse().unwrap(), 16);
        let request = serialize_request(
            RouteNetlinkMessage::NewAddress(spec.to_message(true)),
            NLM_F_CREATE | NLM_F_EXCL,
        );
        let m = netlink_packet_core::NetlinkMessage::<RouteNetlinkMessage>::deserialize(&request)
            .unwrap();
        let flags = m.header.flags;
        assert_eq!(
            flags & (NLM_F_CREATE | NLM_F_EXCL | netlink_packet_core::NLM_F_ACK),
            NLM_F_CREATE | NLM_F_EXCL | netlink_packet_core::NLM_F_ACK
        );
        match m.payload {
            netlink_packet_core::NetlinkPayload::InnerMessage(RouteNetlinkMessage::NewAddress(
                a,
            )) => {
                let info = AddressInfo::from_message(&a).unwrap();
                assert_eq!(
                    (info.ifindex, info.addr, info.prefix_len),
                    (7, spec.addr, 16)
                );
            }
            other => panic!("not RTM_NEWADDR: {other:?}"),
        }
    }

    #[test]
    fn vip_message_carries_flags_label_and_broadcast() {
        let mut spec = AddressSpec::vip(3, "10.1.2.3".parse().unwrap(), 24);
        spec.label = Some("veth0:vip".into());
        spec.broadcast = Some(Ipv4Addr::new(10, 1, 2, 255));
        spec.scope = Scope::Link;
        let m = spec.to_message(true);
        assert_eq!(m.header.index, 3);
        assert_eq!(m.header.prefix_len, 24);
        assert_eq!(u8::from(m.header.scope), 253);
        assert!(
            m.attributes
                .contains(&AddressAttribute::Label("veth0:vip".into()))
        );
        assert!(
            m.attributes
                .contains(&AddressAttribute::Broadcast(Ipv4Addr::new(10, 1, 2, 255)))
        );
        let back = AddressInfo::from_message(&m).unwrap();
        assert_eq!(back.addr, spec.addr);
        assert_eq!(back.scope, Scope::Link);

        let v6 = AddressSpec::vip(3, "fd00::5".parse().unwrap(), 64);
        assert!(v6.no_dad);
        let m6 = v6.to_message(true);
        assert!(
            m6.attributes.iter().any(
                |a| matches!(a, AddressAttribute::Flags(f) if f.contains(AddressFlags::Nodad))
            )
        );
        // labels are IPv4-only
        assert!(
            !m6.attributes
                .iter()
                .any(|a| matches!(a, AddressAttribute::Label(_)))
        );
    }

    #[test]
    fn flag_options_and_preferred_lifetime_reach_the_message() {
        let mut v6 = AddressSpec::vip(3, "fd00::5".parse().unwrap(), 64);
        v6.home = true;
        v6.manage_temp_addr = true;
        v6.mc_autojoin = true;
        v6.no_prefix_route = true;
        v6.preferred_lft = Some(30);
        let m = v6.to_message(true);
        let flags = m
            .attributes
            .iter()
            .find_map(|a| match a {
                AddressAttribute::Flags(f) => Some(*f),
                _ => None,
            })
            .unwrap();
        assert_eq!(
            flags,
            AddressFlags::Nodad
                | AddressFlags::Homeaddress
                | AddressFlags::Managetempaddr
                | AddressFlags::Mcautojoin
                | AddressFlags::Noprefixroute
        );
        let ci = m
            .attributes
            .iter()
            .find_map(|a| match a {
                AddressAttribute::CacheInfo(c) => Some(*c),
                _ => None,
            })
            .unwrap();
        assert_eq!((ci.ifa_preferred, ci.ifa_valid), (30, u32::MAX));

        // a peer is IFA_ADDRESS, the address IFA_LOCAL, on adding and removing
        let mut p = AddressSpec::vip(3, "10.1.2.3".parse().unwrap(), 32);
        p.peer = Some("10.1.2.4".parse().unwrap());
        for m in [p.to_message(true), p.to_message(false)] {
            assert!(
                m.attributes
                    .contains(&AddressAttribute::Address("10.1.2.4".parse().unwrap()))
            );
            assert!(
                m.attributes
                    .contains(&AddressAttribute::Local("10.1.2.3".parse().unwrap()))
            );
        }

        // IPv4: no lifetime (keepalived sends IFA_CACHEINFO for IPv6 only)
        let mut v4 = AddressSpec::vip(3, "10.1.2.3".parse().unwrap(), 24);
        v4.preferred_lft = Some(30);
        assert!(
            !v4.to_message(true)
                .attributes
                .iter()
                .any(|a| matches!(a, AddressAttribute::CacheInfo(_)))
        );
    }
}
