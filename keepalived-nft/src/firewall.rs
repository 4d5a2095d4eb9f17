//! [`Firewall`]: the drop set of Accept_Mode = False kept in step with the
//! VIPs of the instances that are Master and not the address owner, with
//! keepalived's life cycle of the tables:
//!
//! - a table of our name left by an earlier run (or made by someone else)
//!   is deleted before our first table is made ([`Firewall::remove_stale`],
//!   keepalived's `check_and_delete_tables`, which `nft_setup_ipv4` /
//!   `nft_setup_ipv6` call: not at start);
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

use crate::error::NftError;
use crate::netlink::Transport;
use crate::ruleset::{self, DropSet, Family, Request, Settings, Target};

/// The drop sets of both families and the tables that hold them.
#[derive(Debug)]
pub struct Firewall<T: Transport> {
    settings: Settings,
    transport: T,
    /// Tables created (`nft_setup_ipv4` / `nft_setup_ipv6` done), with what
    /// is in them.
    tables: BTreeMap<FamilyKey, Table>,
}

/// What one family's table holds (keepalived's `ipv4_vips_setup`,
/// `setup_ll_ifindex`, `ipv4_igmp_setup`... flags, and the elements).
#[derive(Debug, Clone, Default)]
struct Table {
    /// Chain `in`, set `vips` and their rules exist.
    vips: bool,
    /// Set `vips_link_local` and its rules exist.
    link_local_index: bool,
    /// Set `vips_link_local_name` and its rules exist.
    link_local_name: bool,
    /// The VMAC map, set and rules exist.
    vmac: bool,
    /// Addresses in the drop sets.
    dropped: BTreeSet<Target>,
    /// VMAC ifindex → parent ifindex in `vmac_map`.
    vmacs: BTreeMap<u32, u32>,
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

/// Adds to `batch` what `family`'s table lacks for `need` (the table and
/// chain `out` always; then the drop set, a link-local set or the VMAC
/// objects), marking it in `tables`.
fn ensure(
    settings: &Settings,
    tables: &mut BTreeMap<FamilyKey, Table>,
    batch: &mut Vec<Request>,
    family: Family,
    need: Need,
) {
    let t = tables.entry(family.into()).or_insert_with(|| {
        batch.extend(ruleset::setup_table(settings, family));
        Table::default()
    });
    match need {
        Need::Set(set) => {
            if !t.vips {
                batch.extend(ruleset::setup_vips(settings, family));
                t.vips = true;
            }
            let (done, by_name) = match set {
                DropSet::Vips => return,
                DropSet::LinkLocalIndex => (&mut t.link_local_index, false),
                DropSet::LinkLocalName => (&mut t.link_local_name, true),
            };
            if !*done {
                batch.extend(ruleset::setup_link_local(settings, by_name));
                *done = true;
            }
        }
        Need::Vmac => {
            if !t.vmac {
                batch.extend(ruleset::setup_vmac(settings, family));
                t.vmac = true;
            }
        }
    }
}

/// What a change needs in a table.
#[derive(Clone, Copy)]
enum Need {
    Set(DropSet),
    Vmac,
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

    /// New settings at a reload, kept by keepalived 2.2.7 for what it
    /// creates from then on: the chains and rules made already keep their
    /// priority and counters (a reload neither deletes nor rebuilds the
    /// table), a table made later (the other family, a link-local set, the
    /// VMAC rules) gets the new ones, and `nftables_ifindex` applies to the
    /// next elements. The table name is not changed: keepalived refuses a
    /// reload that changes it. Returns whether something changed.
    pub fn update_settings(&mut self, settings: &Settings) -> bool {
        let new = Settings {
            table: self.settings.table.clone(),
            ..settings.clone()
        };
        let changed = new != self.settings;
        self.settings = new;
        changed
    }

    /// The transport (the kernel socket, or a test's stand-in).
    pub fn transport(&self) -> &T {
        &self.transport
    }

    /// The addresses dropped now.
    pub fn dropped(&self) -> impl Iterator<Item = &Target> {
        self.tables.values().flat_map(|t| &t.dropped)
    }

    /// Whether a table of ours exists in some family.
    pub fn has_tables(&self) -> bool {
        !self.tables.is_empty()
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

    /// Drops traffic to and from `targets` (the VIPs of an instance becoming
    /// Master), in one batch, as `nft_update_addresses` does: walking the
    /// addresses in order, the objects a table lacks are created first,
    /// then the elements of each set. Addresses dropped already are
    /// skipped, so two instances sharing a VIP do not collide. Nothing
    /// changes when the kernel refuses the batch.
    pub fn add(&mut self, targets: &[Target]) -> Result<(), NftError> {
        let mut tables = self.tables.clone();
        let mut batch = Vec::new();
        let mut new: BTreeMap<(DropSet, FamilyKey), Vec<Target>> = BTreeMap::new();
        for t in targets {
            let family = t.family();
            if tables
                .get(&family.into())
                .is_some_and(|tb| tb.dropped.contains(t))
            {
                continue;
            }
            ensure(
                &self.settings,
                &mut tables,
                &mut batch,
                family,
                Need::Set(t.set()),
            );
            if let Some(tb) = tables.get_mut(&family.into()) {
                tb.dropped.insert(t.clone());
            }
            new.entry((t.set(), family.into()))
                .or_default()
                .push(t.clone());
        }
        if new.is_empty() {
            return Ok(());
        }
        for ((set, _), ts) in &new {
            batch.push(ruleset::add_targets(&self.settings, *set, ts));
        }
        self.transport.send_batch(&batch)?;
        self.tables = tables;
        Ok(())
    }

    /// Stops dropping `targets` (the VIPs of an instance leaving Master);
    /// the tables stay.
    pub fn remove(&mut self, targets: &[Target]) -> Result<(), NftError> {
        let mut gone: BTreeMap<(DropSet, FamilyKey), Vec<Target>> = BTreeMap::new();
        for t in targets {
            let key = FamilyKey::from(t.family());
            let present = self
                .tables
                .get(&key)
                .is_some_and(|tb| tb.dropped.contains(t));
            let list = gone.entry((t.set(), key)).or_default();
            if present && !list.contains(t) {
                list.push(t.clone());
            }
        }
        let batch: Vec<Request> = gone
            .iter()
            .filter(|(_, ts)| !ts.is_empty())
            .map(|((set, _), ts)| ruleset::delete_targets(&self.settings, *set, ts))
            .collect();
        if batch.is_empty() {
            return Ok(());
        }
        self.transport.send_batch(&batch)?;
        for ((_, key), ts) in gone {
            if let Some(tb) = self.tables.get_mut(&key) {
                for t in &ts {
                    tb.dropped.remove(t);
                }
            }
        }
        Ok(())
    }

    /// A VMAC `vmac` on `parent` was created for an instance of `family`:
    /// its IGMP (IPv4) or MLD (IPv6) reports leave from the parent, and for
    /// IPv6 its router solicitations are dropped (`nft_add_vmac`, called
    /// whatever the state and the accept mode). The table is created if
    /// needed, without the drop set.
    pub fn add_vmac(&mut self, family: Family, vmac: u32, parent: u32) -> Result<(), NftError> {
        let key = FamilyKey::from(family);
        let old = self
            .tables
            .get(&key)
            .and_then(|t| t.vmacs.get(&vmac).copied());
        if old == Some(parent) {
            return Ok(());
        }
        let mut tables = self.tables.clone();
        let mut batch = Vec::new();
        ensure(&self.settings, &mut tables, &mut batch, family, Need::Vmac);
        if let Some(old) = old {
            batch.extend(ruleset::vmac_elements(
                &self.settings,
                family,
                vmac,
                old,
                false,
            ));
        }
        batch.extend(ruleset::vmac_elements(
            &self.settings,
            family,
            vmac,
            parent,
            true,
        ));
        self.transport.send_batch(&batch)?;
        if let Some(t) = tables.get_mut(&key) {
            t.vmacs.insert(vmac, parent);
        }
        self.tables = tables;
        Ok(())
    }

    /// The VMAC `vmac` is going (`nft_remove_vmac`); the rules stay.
    pub fn remove_vmac(&mut self, family: Family, vmac: u32) -> Result<(), NftError> {
        let key = FamilyKey::from(family);
        let Some(parent) = self
            .tables
            .get(&key)
            .and_then(|t| t.vmacs.get(&vmac).copied())
        else {
            return Ok(());
        };
        self.transport.send_batch(&ruleset::vmac_elements(
            &self.settings,
            family,
            vmac,
            parent,
            false,
        ))?;
        if let Some(t) = self.tables.get_mut(&key) {
            t.vmacs.remove(&vmac);
        }
        Ok(())
    }

    /// Deletes every table created (at exit), in one batch as
    /// `nft_cleanup` does.
    pub fn shutdown(&mut self) -> Result<(), NftError> {
        let batch: Vec<Request> = std::mem::take(&mut self.tables)
            .into_keys()
            .map(|key| ruleset::delete_table(&self.settings, family_of(key)))
            .collect();
        if batch.is_empty() {
            return Ok(());
        }
        self.transport.send_batch(&batch)
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

    fn ips(s: &[&str]) -> Vec<Target> {
        s.iter()
            .map(|a| Target::Global(a.parse().unwrap()))
            .collect()
    }

    #[test]
    fn tables_follow_keepalived_life_cycle() {
        let mut fw = Firewall::new(Settings::default(), Log::default());
        fw.remove_stale().unwrap();
        fw.add(&ips(&["10.0.0.1", "fd00::1"])).unwrap();
        fw.add(&ips(&["10.0.0.1", "10.0.0.2"])).unwrap(); // shared VIP skipped
        fw.remove(&ips(&["10.0.0.1", "10.0.0.2", "fd00::1"]))
            .unwrap();
        fw.remove(&ips(&["10.0.0.1"])).unwrap(); // nothing left to remove
        assert_eq!(fw.dropped().count(), 0);
        fw.add(&ips(&["10.0.0.3"])).unwrap(); // the table is still there
        fw.shutdown().unwrap();
        let table = ["table ip", "chain", "chain", "set", "rule", "rule"];
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
        ];
        let first = [&table[..], &table6[..], &["add", "add"]].concat();
        assert_eq!(
            fw.transport().0,
            [
                vec!["table ip", "delete ip"],
                vec!["table ip6", "delete ip6"],
                first,
                vec!["add"],
                vec!["del", "del"],
                vec!["add"],
                vec!["delete ip", "delete ip6"],
            ]
        );
    }

    /// nft_update_ipv6_address: a link-local VIP goes into the set keyed by
    /// interface, created (with its two rules) with its first element.
    #[test]
    fn link_local_vips_get_their_set_with_the_first_one() {
        use crate::ruleset::LinkKey;
        let mut fw = Firewall::new(Settings::default(), Log::default());
        let ll = |i| Target::LinkLocal("fe80::33".parse().unwrap(), LinkKey::Index(i));
        fw.add(&[ll(2), Target::Global("fd00::33".parse().unwrap())])
            .unwrap();
        fw.add(&[ll(3)]).unwrap();
        fw.remove(&[ll(2), ll(3)]).unwrap();
        let log = &fw.transport().0;
        assert_eq!(log.len(), 3);
        assert_eq!(
            log[0][14..],
            ["set", "rule", "rule", "add", "add"],
            "vips_link_local and its rules after the ip6 drop rules, then vips, then vips_link_local elements"
        );
        assert_eq!(log[1], ["add"]);
        assert_eq!(log[2], ["del"]);
    }

    /// nft_add_vmac: the table with chain `out` only, the VMAC map and set
    /// and their rules, then the elements; the drop set comes later.
    #[test]
    fn a_vmac_needs_no_drop_set() {
        let mut fw = Firewall::new(Settings::default(), Log::default());
        fw.add_vmac(Family::Ipv6, 7, 2).unwrap();
        fw.add_vmac(Family::Ipv6, 7, 2).unwrap(); // nothing new
        fw.add(&ips(&["fd00::1"])).unwrap();
        fw.remove_vmac(Family::Ipv6, 7).unwrap();
        fw.add_vmac(Family::Ipv4, 8, 2).unwrap();
        let log = &fw.transport().0;
        assert_eq!(
            log[0],
            [
                "table ip6",
                "chain",
                "set",
                "set",
                "rule",
                "rule",
                "add",
                "add"
            ]
        );
        assert_eq!(
            log[1][..3],
            ["chain", "chain", "chain"],
            "in, in/out_link_local"
        );
        assert_eq!(log[2], ["del", "del"]);
        assert_eq!(log[3], ["table ip", "chain", "set", "rule", "add"]);
    }

    /// A reload's settings shape what is created afterwards; the table
    /// name stays.
    #[test]
    fn new_settings_shape_later_objects_only() {
        let mut fw = Firewall::new(Settings::default(), Log::default());
        fw.add(&ips(&["10.0.0.1"])).unwrap();
        let changed = fw.update_settings(
            &Settings::default()
                .with_table("other")
                .with_counters(true)
                .with_priority(-5),
        );
        assert!(changed);
        assert_eq!(fw.settings().table, "keepalived");
        assert!(fw.settings().counters && fw.settings().priority == -5);
        assert!(!fw.update_settings(&fw.settings().clone()));
        fw.add(&ips(&["10.0.0.2"])).unwrap();
        assert_eq!(fw.transport().0[1], ["add"], "no table rebuilt");
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
