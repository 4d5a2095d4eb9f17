//! What the router keeps per instance beside the node's own state.

use std::net::IpAddr;

use vrrp_core::State;
use vrrp_core::packet::{DropReason, Family};
use vrrp_linux::{AddressSpec, MacAddr};

use crate::daemon::accept_mode;
use crate::daemon::routes::RouteSet;
use crate::daemon::vmac::VmacLink;
use crate::spec::mapping::{InstanceSpec, VipSpec};

/// IO facts about one instance (the node's data per instance).
#[derive(Debug)]
pub(super) struct Slot {
    /// The mapped instance without its configuration: the node owns that
    /// (`Node::instance(id).config()`), a copy here would cost every
    /// instance its name, VIPs, peers and trackers twice.
    pub(super) spec: InstanceSpec<()>,
    pub(super) iface: String,
    pub(super) ifindex: u32,
    pub(super) mac: Option<MacAddr>,
    /// Addresses we added and must remove.
    pub(super) installed: Vec<AddressSpec>,
    /// The `use_vmac` macvlan, while it exists (boxed: most instances have
    /// none, and it would cost each 88 bytes inline).
    pub(super) vmac: Option<Box<VmacLink>>,
    /// State changes (from, to, count) for the metrics, in first-seen
    /// order; formatted as "FROM->TO" only when the status is read. A few
    /// entries per instance, where a map of strings cost ~400 bytes each.
    pub(super) transitions: Vec<(State, State, u64)>,
    /// `virtual_routes` / `virtual_rules` and which of them are set.
    pub(super) routes: RouteSet,
    /// The last advert rejected for a TTL, version or checksum error
    /// (keepalived `proto_err_reason`, vrrp.c `vrrp_check_packet`).
    pub(super) last_protocol_error: Option<DropReason>,
    /// Whether the instance is down because the address it sent from was
    /// deleted (keepalived `down_instance` from `netlink_if_address_filter`;
    /// see `crate::daemon::source_watch`).
    pub(super) source_lost: bool,
}

impl Slot {
    /// Where a VIP goes: its `dev` when that names another interface (looked
    /// up with `ifindex_of`), else the VMAC when there is one and the VIP is of
    /// the instance's family `family` (keepalived.conf(5) use_vmac), else the
    /// interface. An ipvlan (`use_ipvlan`) never carries the VIPs: keepalived
    /// 2.2.7 puts them on the instance's interface (docs/keepalived.md §3.25).
    pub(super) fn vip_ifindex(
        &self,
        v: &VipSpec,
        family: Family,
        ifindex_of: impl Fn(&str) -> Option<u32>,
    ) -> u32 {
        if let Some(d) = v.dev.as_deref().filter(|d| *d != self.iface) {
            return ifindex_of(d).unwrap_or(self.ifindex);
        }
        let same_family = matches!(
            (v.prefix.addr, family),
            (IpAddr::V4(_), Family::V4) | (IpAddr::V6(_), Family::V6)
        );
        match self.macvlan() {
            Some(m) if same_family => m.ifindex,
            _ => self.ifindex,
        }
    }

    /// The VMAC when it is a macvlan (`use_vmac`), not an ipvlan.
    pub(super) fn macvlan(&self) -> Option<&VmacLink> {
        self.vmac
            .as_deref()
            .filter(|_| self.spec.vmac.as_ref().is_some_and(|s| s.ipvlan.is_none()))
    }

    /// Where a VIP lives, for its drop set entry (accept mode).
    pub(super) fn vip_link(
        &self,
        v: &VipSpec,
        family: Family,
        ifindex_of: impl Fn(&str) -> Option<u32>,
    ) -> accept_mode::VipLink {
        let ifindex = self.vip_ifindex(v, family, ifindex_of);
        let own = match &self.vmac {
            Some(m) => m.ifindex == ifindex,
            None => ifindex == self.ifindex,
        };
        // keepalived keys a no_track VIP on another interface by that
        // interface's name (vrrp_nftables.c nft_update_ipv6_address).
        let name = match &self.vmac {
            Some(m) if m.ifindex == ifindex => Some(m.name.clone()),
            _ if ifindex == self.ifindex => Some(self.iface.clone()),
            _ => v.dev.clone(),
        };
        accept_mode::VipLink { ifindex, name, own }
    }

    /// Where adverts go out: the VMAC unless `vmac_xmit_base`, for both
    /// families (docs/keepalived.md §3.13). An IPv6 advert from the VMAC keeps
    /// its source address (the parent's link-local): the VMAC carries that
    /// address too ([`crate::daemon::vmac::ipv6_vmac_address`]), as keepalived 2.2.7's does.
    pub(super) fn xmit_ifindex(&self) -> u32 {
        match (&self.vmac, &self.spec.vmac) {
            (Some(v), Some(s)) if !s.xmit_base => v.ifindex,
            _ => self.ifindex,
        }
    }

    /// Where adverts are received: the VMAC unless `vmac_xmit_base`
    /// (keepalived.conf(5)). It must be: a peer's advert from its own VMAC
    /// carries our VMAC's source MAC, and the macvlan driver hands such a
    /// frame to our VMAC only, never to the parent.
    pub(super) fn rx_ifindex(&self) -> u32 {
        match (&self.vmac, &self.spec.vmac) {
            (Some(v), Some(s)) if !s.xmit_base => v.ifindex,
            _ => self.ifindex,
        }
    }

    /// Interface and source MAC of gratuitous ARPs / NAs: those of the
    /// interface carrying the VIPs.
    pub(super) fn announce_from(&self) -> (u32, Option<MacAddr>) {
        match self.macvlan() {
            Some(v) => (v.ifindex, Some(v.mac)),
            None => (self.ifindex, self.mac),
        }
    }
}

pub(super) fn address_spec(v: &VipSpec, ifindex: u32) -> AddressSpec {
    v.address_spec(ifindex)
}

#[cfg(test)]
mod tests {
    use super::*;
    use keepalived_conf::values::IpPrefix;
    use vrrp_linux::Scope;

    #[test]
    fn vip_spec_becomes_an_rtnetlink_address() {
        let v = VipSpec {
            prefix: IpPrefix {
                addr: "10.1.2.3".parse().unwrap(),
                len: 24,
            },
            dev: None,
            label: Some("eth0:vip".into()),
            scope: 253,
            broadcast: Some("10.1.2.255".parse().unwrap()),
            no_track: false,
            flags: Default::default(),
            preferred_lft: None,
            peer: None,
        };
        let a = address_spec(&v, 7);
        assert_eq!(a.ifindex, 7);
        assert_eq!(a.prefix_len, 24);
        assert_eq!(a.scope, Scope::Link);
        assert_eq!(a.label.as_deref(), Some("eth0:vip"));
        assert_eq!(a.broadcast, Some("10.1.2.255".parse().unwrap()));
        assert!(!a.no_dad);
        let v6 = VipSpec {
            prefix: IpPrefix {
                addr: "fd00::1".parse().unwrap(),
                len: 64,
            },
            dev: None,
            label: None,
            scope: 0,
            broadcast: None,
            no_track: false,
            flags: Default::default(),
            preferred_lft: None,
            peer: None,
        };
        assert!(
            address_spec(&v6, 1).no_dad,
            "IPv6 VIPs skip DAD as keepalived's do"
        );
        // `-nodad` keeps DAD on; the other words become IFA_FLAGS bits
        let mut v6o = v6.clone();
        v6o.flags.dad = true;
        v6o.flags.noprefixroute = true;
        v6o.flags.home = true;
        v6o.preferred_lft = Some(0);
        let a6 = address_spec(&v6o, 1);
        assert!(!a6.no_dad);
        assert!(a6.no_prefix_route && a6.home && !a6.mc_autojoin);
        assert_eq!(a6.preferred_lft, Some(0));
    }

    /// What the router keeps per instance beside the node's state machine,
    /// inline (each instance's VIPs, name and interface come on top, on the
    /// heap): 384 bytes, of which the spec beside the state machine's
    /// configuration is 240.
    #[test]
    fn a_slot_is_small() {
        use std::mem::size_of;
        assert!(size_of::<Slot>() <= 384, "Slot {} B", size_of::<Slot>());
        assert!(
            size_of::<InstanceSpec<()>>() <= 240,
            "InstanceSpec {} B",
            size_of::<InstanceSpec<()>>()
        );
        assert!(size_of::<vrrp_core::Instance>() <= 560);
    }
}
