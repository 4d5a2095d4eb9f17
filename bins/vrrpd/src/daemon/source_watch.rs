//! What the kernel's address events do to the advert source an instance
//! takes from its interface (keepalived_netlink.c `netlink_if_address_filter`,
//! docs/keepalived.md §3.24).
//!
//! Only instances whose source was not configured (`mcast_src_ip` /
//! `unicast_src_ip`) are concerned: keepalived 2.2.7 never downs one with a
//! configured source (its `track_src_ip` comparison never matches, §3.29).
//! - An RTM_DELADDR of an instance's source: when the link has another
//!   address keepalived keeps (not a VIP; for IPv6 a link-local one), the
//!   instance sends from the last of them and keeps its state; otherwise it is
//!   downed (vrrp_track.c `down_instance`: FAULT, a Master first sends
//!   priority 0) and its source is forgotten.
//! - An RTM_NEWADDR on the link of an instance downed so: the address becomes
//!   its source and the instance comes up again (vrrp_scheduler.c
//!   `try_up_instance`: BACKUP, Master_Down_Interval).

use std::net::IpAddr;

/// One instance whose source comes from a link's addresses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceUser<I> {
    /// The instance.
    pub id: I,
    /// The link whose addresses the source is taken from: the configured
    /// interface, or an IPv6 instance's ipvlan.
    pub link: u32,
    /// The source now (unspecified while it has none).
    pub source: IpAddr,
    /// Whether the instance was downed because its source went.
    pub lost: bool,
}

/// What an address event does to one instance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceChange<I> {
    /// The source went and nothing replaces it: FAULT, no source.
    Lost(I),
    /// The source went; the instance sends from this address now.
    Moved(I, IpAddr),
    /// A downed instance sends from this address and comes up.
    Regained(I, IpAddr),
}

/// `addr` was deleted from `link`; `others` are the addresses of that
/// family the link still has that keepalived would keep, in the kernel's
/// order (keepalived takes the last of its list, `list_last_entry`).
pub fn removed<I: Copy>(
    users: &[SourceUser<I>],
    link: u32,
    addr: IpAddr,
    others: &[IpAddr],
) -> Vec<SourceChange<I>> {
    users
        .iter()
        .filter(|u| u.link == link && u.source == addr && !u.lost)
        .map(|u| match others.last() {
            Some(&next) => SourceChange::Moved(u.id, next),
            None => SourceChange::Lost(u.id),
        })
        .collect()
}

/// `addr` (of the users' family, not a VIP; for IPv6 a link-local one) was
/// added to `link`: every instance downed for its source there takes it.
pub fn added<I: Copy>(users: &[SourceUser<I>], link: u32, addr: IpAddr) -> Vec<SourceChange<I>> {
    users
        .iter()
        .filter(|u| u.link == link && u.lost)
        .map(|u| SourceChange::Regained(u.id, addr))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse()
            .unwrap_or(IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED))
    }

    fn user(id: u8, link: u32, source: &str, lost: bool) -> SourceUser<u8> {
        SourceUser {
            id,
            link,
            source: ip(source),
            lost,
        }
    }

    #[test]
    fn the_only_address_going_downs_its_instances_on_that_link() {
        let users = [
            user(1, 2, "10.0.0.1", false),
            user(2, 2, "10.0.0.1", false),
            user(3, 3, "10.0.0.1", false),
            user(4, 2, "10.0.0.2", false),
        ];
        assert_eq!(
            removed(&users, 2, ip("10.0.0.1"), &[]),
            [SourceChange::Lost(1), SourceChange::Lost(2)]
        );
        assert!(removed(&users, 2, ip("10.0.0.9"), &[]).is_empty());
    }

    #[test]
    fn another_address_takes_over_the_last_one() {
        let users = [user(1, 2, "10.0.0.1", false)];
        assert_eq!(
            removed(&users, 2, ip("10.0.0.1"), &[ip("10.0.1.1"), ip("10.0.2.1")]),
            [SourceChange::Moved(1, ip("10.0.2.1"))]
        );
    }

    #[test]
    fn an_address_added_brings_back_only_the_downed_instances_of_its_link() {
        let users = [
            user(1, 2, "0.0.0.0", true),
            user(2, 2, "10.0.0.1", false),
            user(3, 3, "0.0.0.0", true),
        ];
        assert_eq!(
            added(&users, 2, ip("10.0.5.5")),
            [SourceChange::Regained(1, ip("10.0.5.5"))]
        );
        // a downed instance is not downed twice
        assert!(removed(&users, 2, ip("0.0.0.0"), &[]).is_empty());
    }
}
