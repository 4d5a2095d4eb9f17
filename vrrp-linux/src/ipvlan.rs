//! ipvlan links as keepalived 2.2.7 creates them for `use_ipvlan`
//! (vrrp_vmac.c `netlink_link_add_ipvlan`): kind `ipvlan` on the instance's
//! interface, mode L2 (the ipvlan receives the frames, multicast adverts
//! included), IFLA_IPVLAN_FLAGS `bridge` (0), `private` (1) or `vepa` (2),
//! created up in the same request.

use netlink_packet_core::{NLM_F_CREATE, NLM_F_EXCL};
use netlink_packet_route::RouteNetlinkMessage;
use netlink_packet_route::link::{
    InfoData, InfoIpVlan, InfoKind, IpVlanFlags, IpVlanMode, LinkAttribute, LinkFlags, LinkInfo,
    LinkMessage,
};

use crate::error::NetlinkError;
use crate::rtnl::{Interface, Rtnl};

/// The `use_ipvlan` type (IFLA_IPVLAN_FLAGS).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum IpvlanType {
    /// `bridge` (flags 0), keepalived's default.
    #[default]
    Bridge,
    /// `private` (IPVLAN_F_PRIVATE): no traffic between ipvlans of one parent.
    Private,
    /// `vepa` (IPVLAN_F_VEPA): traffic between ipvlans goes out to the switch.
    Vepa,
}

impl IpvlanType {
    /// The IFLA_IPVLAN_FLAGS value.
    pub fn flags(self) -> u16 {
        match self {
            IpvlanType::Bridge => 0,
            IpvlanType::Private => 1,
            IpvlanType::Vepa => 2,
        }
    }

    /// The word in keepalived.conf and in `ip -d link` (`bridge`, `private`,
    /// `vepa`).
    pub fn as_str(self) -> &'static str {
        match self {
            IpvlanType::Bridge => "bridge",
            IpvlanType::Private => "private",
            IpvlanType::Vepa => "vepa",
        }
    }
}

/// An ipvlan to create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IpvlanSpec {
    /// New interface name (`vrrp.51`).
    pub name: String,
    /// Parent interface.
    pub parent_index: u32,
    /// Its type.
    pub kind: IpvlanType,
    /// IFLA_MASTER: the VRF its parent is enslaved to, if any (keepalived
    /// enslaves the ipvlan to the same VRF).
    pub master: Option<u32>,
}

/// The RTM_NEWLINK of `spec`, attributes in keepalived's order: IFLA_LINK,
/// IFLA_IFNAME, IFLA_LINKINFO { kind ipvlan, data { mode L2, flags } }, then
/// IFLA_MASTER when the parent is in a VRF, with IFF_UP set and in the
/// change mask.
pub fn link_message(spec: &IpvlanSpec) -> LinkMessage {
    let mut m = LinkMessage::default();
    m.header.flags = LinkFlags::Up;
    m.header.change_mask = LinkFlags::Up;
    m.attributes.push(LinkAttribute::Link(spec.parent_index));
    m.attributes.push(LinkAttribute::IfName(spec.name.clone()));
    m.attributes.push(LinkAttribute::LinkInfo(vec![
        LinkInfo::Kind(InfoKind::IpVlan),
        LinkInfo::Data(InfoData::IpVlan(vec![
            InfoIpVlan::Mode(IpVlanMode::L2),
            InfoIpVlan::Flags(IpVlanFlags::from_bits_retain(spec.kind.flags())),
        ])),
    ]));
    if let Some(master) = spec.master {
        m.attributes.push(LinkAttribute::Controller(master));
    }
    m
}

impl Rtnl {
    /// Creates an ipvlan (RTM_NEWLINK, kind ipvlan, up) and returns it.
    pub async fn add_ipvlan(&self, spec: &IpvlanSpec) -> Result<Interface, NetlinkError> {
        self.conn
            .request(
                RouteNetlinkMessage::NewLink(link_message(spec)),
                NLM_F_CREATE | NLM_F_EXCL,
                &|| {
                    format!(
                        "create ipvlan {} ({}) on ifindex {}",
                        spec.name,
                        spec.kind.as_str(),
                        spec.parent_index
                    )
                },
            )
            .await?;
        self.link_by_name(&spec.name).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::netlink_conn::serialize_request;
    use netlink_packet_core::{NetlinkMessage, NetlinkPayload};

    #[test]
    fn flags_are_the_kernels() {
        assert_eq!(IpvlanType::default(), IpvlanType::Bridge);
        assert_eq!(
            [IpvlanType::Bridge, IpvlanType::Private, IpvlanType::Vepa].map(IpvlanType::flags),
            [0, 1, 2]
        );
    }

    /// The request round-trips through the kernel's wire format with the
    /// kind, L2 mode, flags, parent and IFF_UP keepalived sends.
    #[test]
    fn request_is_an_l2_ipvlan_created_up() {
        let spec = IpvlanSpec {
            name: "vrrp.7".into(),
            parent_index: 4,
            kind: IpvlanType::Private,
            master: Some(9),
        };
        let buf = serialize_request(
            RouteNetlinkMessage::NewLink(link_message(&spec)),
            NLM_F_CREATE | NLM_F_EXCL,
        );
        let m = NetlinkMessage::<RouteNetlinkMessage>::deserialize(&buf).unwrap();
        let NetlinkPayload::InnerMessage(RouteNetlinkMessage::NewLink(back)) = m.payload else {
            panic!("not RTM_NEWLINK: {:?}", m.payload);
        };
        assert_eq!(back.header.flags, LinkFlags::Up);
        assert_eq!(back.header.change_mask, LinkFlags::Up);
        let i = Interface::from_message(&back);
        assert_eq!(
            (i.name.as_str(), i.parent_index, i.kind.as_deref(), i.master),
            ("vrrp.7", Some(4), Some("ipvlan"), Some(9))
        );
        let data = back.attributes.iter().find_map(|a| match a {
            LinkAttribute::LinkInfo(infos) => infos.iter().find_map(|i| match i {
                LinkInfo::Data(InfoData::IpVlan(d)) => Some(d.clone()),
                _ => None,
            }),
            _ => None,
        });
        assert_eq!(
            data,
            Some(vec![
                InfoIpVlan::Mode(IpVlanMode::L2),
                InfoIpVlan::Flags(IpVlanFlags::Private)
            ])
        );
    }
}
