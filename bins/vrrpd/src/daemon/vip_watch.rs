//! Which instance a VIP deleted by someone else belongs to.
//!
//! keepalived watches RTM_DELADDR (keepalived_netlink.c
//! `netlink_if_address_filter`): when the address is a VIP of an instance in
//! MASTER on that interface (`address_is_ours`), the instance goes to BACKUP
//! with priority 0 and takes over again after Skew_Time (`set_vrrp_backup`),
//! which puts the VIPs back unless another router answers first. A VIP with
//! `no_track` stops the search: nothing happens. An added address never
//! causes a reaction (`ignore_address_if_ours_or_link_local`).
//! docs/keepalived.md §3.24.

use std::net::IpAddr;

/// One VIP of an instance as the watch sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct WatchedVip {
    /// The interface the VIP is put on (its `dev`, the VMAC, or the
    /// instance's interface).
    pub ifindex: u32,
    /// The address.
    pub addr: IpAddr,
    /// `no_track`: keepalived's `dont_track`.
    pub no_track: bool,
}

/// One instance as the watch sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct WatchedInstance<Id> {
    /// The instance.
    pub id: Id,
    /// Whether it is Master (only a Master has its VIPs configured).
    pub master: bool,
    /// Its `virtual_ipaddress` and `virtual_ipaddress_excluded` entries.
    pub vips: Vec<WatchedVip>,
}

/// The instance to send to Backup for an RTM_DELADDR of `addr` on
/// `ifindex`: the first Master with that VIP on that interface
/// (keepalived `address_is_ours`), unless the VIP is `no_track`.
pub(super) fn owner_of_removed<Id: Copy>(
    instances: &[WatchedInstance<Id>],
    ifindex: u32,
    addr: IpAddr,
) -> Option<Id> {
    for inst in instances.iter().filter(|i| i.master) {
        if let Some(v) = inst
            .vips
            .iter()
            .find(|v| v.ifindex == ifindex && v.addr == addr)
        {
            return (!v.no_track).then_some(inst.id);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vip(ifindex: u32, addr: &str, no_track: bool) -> WatchedVip {
        WatchedVip {
            ifindex,
            addr: addr.parse().unwrap(),
            no_track,
        }
    }

    fn insts() -> Vec<WatchedInstance<u8>> {
        vec![
            WatchedInstance {
                id: 1,
                master: false,
                vips: vec![vip(2, "10.0.0.10", false)],
            },
            WatchedInstance {
                id: 2,
                master: true,
                vips: vec![vip(2, "10.0.0.10", false), vip(2, "fd00::10", true)],
            },
            WatchedInstance {
                id: 3,
                master: true,
                vips: vec![vip(3, "10.0.0.20", false), vip(2, "fd00::10", false)],
            },
        ]
    }

    #[test]
    fn a_masters_vip_on_its_interface_is_found() {
        let i = insts();
        assert_eq!(
            owner_of_removed(&i, 2, "10.0.0.10".parse().unwrap()),
            Some(2)
        );
        assert_eq!(
            owner_of_removed(&i, 3, "10.0.0.20".parse().unwrap()),
            Some(3)
        );
    }

    #[test]
    fn other_interfaces_addresses_and_backups_are_not_ours() {
        let i = insts();
        assert_eq!(owner_of_removed(&i, 3, "10.0.0.10".parse().unwrap()), None);
        assert_eq!(owner_of_removed(&i, 2, "10.0.0.99".parse().unwrap()), None);
        let backups: Vec<_> = i.into_iter().filter(|i| !i.master).collect();
        assert_eq!(
            owner_of_removed(&backups, 2, "10.0.0.10".parse().unwrap()),
            None
        );
    }

    /// keepalived `address_is_ours` returns at the first match: a
    /// `no_track` VIP hides a later instance with the same address.
    #[test]
    fn no_track_stops_at_the_first_match() {
        let i = insts();
        assert_eq!(owner_of_removed(&i, 2, "fd00::10".parse().unwrap()), None);
    }
}
