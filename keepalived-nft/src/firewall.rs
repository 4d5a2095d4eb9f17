//! [`Firewall`]: the drop set of Accept_Mode = False kept in step with the
//! VIPs of the instances that are Master and not the address owner, with
//! keepalived's life cycle of the tables:
//!
//! - at start a table of our name left by an earlier run is deleted
//!   ([`Firewall::remove_stale`], keepalived's `check_and_delete_tables`);
//! - a family's table is created with the first address of that family to
//!   drop, and stays (with an emptied set) when its addresses go: a Master
//!   demoted to Backup keeps the table (`vrrp_handle_accept_mode` with DEL
//!   only removes elements);
//! - at exit every table we created is deleted ([`Firewall::shutdown`],
//!   keepalived's `nft_cleanup`).
//!
//! The caller adds an instance's VIPs before installing them on becoming
//! Master and removes them after removing the VIPs (keepalived's order in
//! `vrrp_state_become_master` and `vrrp_restore_interface`).

use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;

use crate::error::NftError;
use crate::netlink::Transport;
use crate::ruleset::{self, Family, Settings};

/// The drop sets of both families and the tables that hold them.
#[derive(Debug)]
pub struct Firewall<T: Transport> {
    settings: Settings,
    transport: T,
    /// Tables created, with the addresses in their set.
    tables: BTreeMap<FamilyKey, BTreeSet<IpAddr>>,
}

/// `Family` ordered for the map.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct FamilyKey(u8);

impl From<Family> for FamilyKey {
    fn from(f: Family) -> Self {
        FamilyKey(f.nfproto())
    }
}

fn family_of(key: FamilyKey) -> Family {
    if key == FamilyKey::from(Family::Ipv4) {
        Family::Ipv4
    } else {
        Family::Ipv6
    }
}

impl<T: Transport> Firewall<T> {
    /// A firewall with no table yet.
    pub fn new(settings: Settings, transport: T) -> Self {
        Self {
            settings,
            transport,
            tables: BTreeMap::new(),
        }
    }

    /// The settings.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// The transport (the kernel socket, or a test's stand-in).
    pub fn transport(&self) -> &T {
        &self.transport
    }

    /// The addresses dropped now.
    pub fn dropped(&self) -> impl Iterator<Item = &IpAddr> {
        self.tables.values().flatten()
    }

    /// Deletes tables of our name in both families left by an earlier run.
    pub fn remove_stale(&mut self) -> Result<(), NftError> {
        for family in [Family::Ipv4, Family::Ipv6] {
            self.transport
                .send_batch(&ruleset::delete_stale_table(&self.settings, family))?;
            self.tables.remove(&family.into());
        }
        Ok(())
    }

    /// Drops traffic to and from `addrs` (the VIPs of an instance becoming
    /// Master). Addresses dropped already are skipped, so two instances
    /// sharing a VIP do not collide. One batch per family: the table is
    /// created in the same batch as the first elements.
    pub fn add(&mut self, addrs: &[IpAddr]) -> Result<(), NftError> {
        for a in addrs {
            if let IpAddr::V6(a) = a
                && a.is_unicast_link_local()
            {
                return Err(NftError::LinkLocalUnsupported(*a));
            }
        }
        for family in [Family::Ipv4, Family::Ipv6] {
            let key = FamilyKey::from(family);
            let present = self.tables.get(&key);
            let new: Vec<IpAddr> = addrs
                .iter()
                .filter(|a| Family::of(a) == family)
                .filter(|a| present.is_none_or(|p| !p.contains(a)))
                .copied()
                .collect::<BTreeSet<_>>()
                .into_iter()
                .collect();
            if new.is_empty() {
                continue;
            }
            let mut batch = Vec::new();
            if present.is_none() {
                batch.extend(ruleset::create_table(&self.settings, family));
            }
            batch.push(ruleset::add_addresses(&self.settings, family, &new));
            self.transport.send_batch(&batch)?;
            self.tables.entry(key).or_default().extend(new);
        }
        Ok(())
    }

    /// Stops dropping `addrs` (the VIPs of an instance leaving Master); the
    /// tables stay.
    pub fn remove(&mut self, addrs: &[IpAddr]) -> Result<(), NftError> {
        for (key, present) in self.tables.iter_mut() {
            let family = family_of(*key);
            let gone: Vec<IpAddr> = addrs
                .iter()
                .filter(|a| present.contains(a))
                .copied()
                .collect::<BTreeSet<_>>()
                .into_iter()
                .collect();
            if gone.is_empty() {
                continue;
            }
            self.transport.send_batch(&[ruleset::delete_addresses(
                &self.settings,
                family,
                &gone,
            )])?;
            for a in &gone {
                present.remove(a);
            }
        }
        Ok(())
    }

    /// Deletes every table created (at exit). Tables whose delete failed
    /// are forgotten too; the first error is returned.
    pub fn shutdown(&mut self) -> Result<(), NftError> {
        let mut first = None;
        for key in std::mem::take(&mut self.tables).into_keys() {
            let r = self
                .transport
                .send_batch(&[ruleset::delete_table(&self.settings, family_of(key))]);
            if let Err(e) = r {
                first.get_or_insert(e);
            }
        }
        first.map_or(Ok(()), Err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ruleset::Request;
    use netlink_packet_netfilter::nftables::NfTablesMessage;

    /// Records each batch as the kinds of its requests.
    #[derive(Default)]
    struct Log(Vec<Vec<&'static str>>);

    impl Transport for Log {
        fn send_batch(&mut self, requests: &[Request]) -> Result<(), NftError> {
            self.0.push(
                requests
                    .iter()
                    .map(|r| match (&r.message, r.family) {
                        (NfTablesMessage::NewTable(_), Family::Ipv4) => "table ip",
                        (NfTablesMessage::NewTable(_), Family::Ipv6) => "table ip6",
                        (NfTablesMessage::DeleteTable(_), Family::Ipv4) => "delete ip",
                        (NfTablesMessage::DeleteTable(_), Family::Ipv6) => "delete ip6",
                        (NfTablesMessage::NewChain(_), _) => "chain",
                        (NfTablesMessage::NewSet(_), _) => "set",
                        (NfTablesMessage::NewRule(_), _) => "rule",
                        (NfTablesMessage::NewSetElement(_), _) => "add",
                        (NfTablesMessage::DeleteSetElement(_), _) => "del",
                        _ => "other",
                    })
                    .collect(),
            );
            Ok(())
        }
    }

    fn ips(s: &[&str]) -> Vec<IpAddr> {
        s.iter().map(|a| a.parse().unwrap()).collect()
    }

    #[test]
    fn tables_follow_keepalived_life_cycle() {
        let mut fw = Firewall::new(Settings::default(), Log::default());
        fw.remove_stale().unwrap();
        assert!(matches!(
            fw.add(&ips(&["10.0.0.1", "fe80::1"])),
            Err(NftError::LinkLocalUnsupported(_))
        ));
        fw.add(&ips(&["10.0.0.1", "fd00::1"])).unwrap();
        fw.add(&ips(&["10.0.0.1", "10.0.0.2"])).unwrap(); // shared VIP skipped
        fw.remove(&ips(&["10.0.0.1", "10.0.0.2", "fd00::1"]))
            .unwrap();
        fw.remove(&ips(&["10.0.0.1"])).unwrap(); // nothing left to remove
        assert_eq!(fw.dropped().count(), 0);
        fw.add(&ips(&["10.0.0.3"])).unwrap(); // the table is still there
        fw.shutdown().unwrap();
        let table = ["table ip", "chain", "chain", "set", "rule", "rule", "add"];
        let table6 = [
            "table ip6",
            "chain",
            "chain",
            "chain",
            "chain",
            "set",
            "set",
            "add",
            "rule",
            "rule",
            "rule",
            "rule",
            "rule",
            "rule",
            "add",
        ];
        assert_eq!(
            fw.transport().0,
            [
                vec!["table ip", "delete ip"],
                vec!["table ip6", "delete ip6"],
                table.to_vec(),
                table6.to_vec(),
                vec!["add"],
                vec!["del"],
                vec!["del"],
                vec!["add"],
                vec!["delete ip"],
                vec!["delete ip6"],
            ]
        );
    }

    #[test]
    fn a_refused_batch_changes_no_state() {
        struct Refuse;
        impl Transport for Refuse {
            fn send_batch(&mut self, _: &[Request]) -> Result<(), NftError> {
                Err(NftError::Refused {
                    index: 0,
                    what: "add table",
                    errno: libc::EPERM,
                })
            }
        }
        let mut fw = Firewall::new(Settings::default(), Refuse);
        assert_eq!(
            fw.add(&ips(&["10.0.0.1"])).unwrap_err().errno(),
            Some(libc::EPERM)
        );
        assert_eq!(fw.dropped().count(), 0);
        assert!(
            fw.shutdown().is_ok(),
            "no table was created, none to delete"
        );
    }
}
