//! Who still needs the sysctls that VMACs share (docs/keepalived.md §3.13,
//! keepalived's vrrp_if_config.c `reset_arp_config` count).
//!
//! A VMAC's own sysctls live and die with it. Two settings are shared:
//! * the parent's `arp_ignore=1` / `arp_filter=1`: one hold per VMAC on that
//!   parent; the old values come back when the last VMAC on it goes;
//! * the `all.rp_filter` adjustment ([`Sysctl::adjust_all_rp_filter`]): one hold
//!   per IPv4 VMAC on the host; undone when the last one goes.
//!
//! [`Holds`] is the pure bookkeeping (counts and saved values, no I/O);
//! [`VmacSysctls`] applies and restores through a [`Sysctl`] root.

use std::collections::HashMap;

use crate::error::SysctlError;
use crate::vmac::{SavedSysctls, Sysctl};

/// A setting shared by several VMACs.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Shared {
    /// The `all.rp_filter` adjustment (host-wide).
    AllRpFilter,
    /// `arp_ignore` / `arp_filter` on this parent interface.
    Parent(String),
}

/// Reference counts of shared settings with the values to put back (pure data).
#[derive(Debug, Default)]
pub struct Holds {
    held: HashMap<Shared, (usize, SavedSysctls)>,
}

impl Holds {
    /// Takes a hold on `key`; true when it is the first one (the caller then
    /// applies the setting and hands the old values to [`Holds::set_saved`]).
    pub fn acquire(&mut self, key: Shared) -> bool {
        let e = self.held.entry(key).or_default();
        e.0 += 1;
        e.0 == 1
    }

    /// Records what to restore when the last hold on `key` goes.
    pub fn set_saved(&mut self, key: &Shared, saved: SavedSysctls) {
        if let Some(e) = self.held.get_mut(key) {
            e.1 = saved;
        }
    }

    /// Drops one hold on `key`; returns the values to restore when it was the
    /// last one. Releasing a key nobody holds does nothing.
    pub fn release(&mut self, key: &Shared) -> Option<SavedSysctls> {
        let e = self.held.get_mut(key)?;
        e.0 = e.0.saturating_sub(1);
        if e.0 > 0 {
            return None;
        }
        self.held.remove(key).map(|(_, saved)| saved)
    }

    /// How many holds `key` has.
    pub fn count(&self, key: &Shared) -> usize {
        self.held.get(key).map_or(0, |e| e.0)
    }

    /// True when nothing is held.
    pub fn is_empty(&self) -> bool {
        self.held.is_empty()
    }
}

/// What one VMAC holds: its own old values and the shared settings it keeps.
#[derive(Debug, Default)]
pub struct VmacHold {
    own: SavedSysctls,
    shared: Vec<Shared>,
}

impl VmacHold {
    /// The VMAC's own saved values (for settings outside [`VmacSysctls::apply`],
    /// e.g. [`Sysctl::disable_ipv6`]).
    pub fn own_mut(&mut self) -> &mut SavedSysctls {
        &mut self.own
    }

    /// The shared settings this VMAC holds.
    pub fn shared(&self) -> &[Shared] {
        &self.shared
    }
}

/// The daemon's VMAC sysctls: applies keepalived's settings per VMAC and puts
/// shared ones back only when their last VMAC goes.
#[derive(Debug, Default)]
pub struct VmacSysctls {
    sysctl: Sysctl,
    holds: Holds,
}

impl VmacSysctls {
    /// Sysctls under `sysctl`'s root.
    pub fn new(sysctl: Sysctl) -> VmacSysctls {
        VmacSysctls {
            sysctl,
            holds: Holds::default(),
        }
    }

    /// The sysctl root.
    pub fn sysctl(&self) -> &Sysctl {
        &self.sysctl
    }

    /// The bookkeeping (for status and tests).
    pub fn holds(&self) -> &Holds {
        &self.holds
    }

    /// Applies keepalived's IPv4 VMAC settings for `vmac` on `parent`: the
    /// `all.rp_filter` adjustment and the parent's ARP settings when no other
    /// VMAC holds them yet, the VMAC's own always. On error everything done here
    /// is undone and no hold is kept.
    pub fn apply(&mut self, vmac: &str, parent: &str) -> Result<VmacHold, SysctlError> {
        let mut hold = VmacHold::default();
        let res = self.apply_into(&mut hold, vmac, parent);
        match res {
            Ok(()) => Ok(hold),
            Err(e) => {
                // Best effort: the error to report is the first one.
                let _ = self.release(hold);
                Err(e)
            }
        }
    }

    fn apply_into(
        &mut self,
        hold: &mut VmacHold,
        vmac: &str,
        parent: &str,
    ) -> Result<(), SysctlError> {
        let sysctl = self.sysctl.clone();
        self.take(hold, Shared::AllRpFilter, |saved| {
            sysctl.adjust_all_rp_filter(saved, vmac)
        })?;
        sysctl.set_vmac_own(&mut hold.own, vmac)?;
        self.take(hold, Shared::Parent(parent.to_string()), |saved| {
            sysctl.set_vmac_parent(saved, parent)
        })
    }

    /// Takes a hold on `key` for `hold`, applying the setting when first.
    fn take(
        &mut self,
        hold: &mut VmacHold,
        key: Shared,
        apply: impl FnOnce(&mut SavedSysctls) -> Result<(), SysctlError>,
    ) -> Result<(), SysctlError> {
        let first = self.holds.acquire(key.clone());
        hold.shared.push(key.clone());
        if first {
            let mut saved = SavedSysctls::default();
            let res = apply(&mut saved);
            // Recorded also on error, so the release puts back what was done.
            self.holds.set_saved(&key, saved);
            res?;
        }
        Ok(())
    }

    /// Puts back the VMAC's own values, then every shared setting it was the
    /// last holder of (in reverse order of taking). Returns the first error
    /// after trying all.
    pub fn release(&mut self, hold: VmacHold) -> Result<(), SysctlError> {
        let mut first = hold.own.restore(&self.sysctl).err();
        for key in hold.shared.iter().rev() {
            if let Some(saved) = self.holds.release(key)
                && let Err(e) = saved.restore(&self.sysctl)
            {
                first.get_or_insert(e);
            }
        }
        first.map_or(Ok(()), Err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vmac::tests::fake_tree;

    #[test]
    fn holds_count_per_key() {
        let mut h = Holds::default();
        let eth0 = Shared::Parent("eth0".into());
        let eth1 = Shared::Parent("eth1".into());
        assert!(h.acquire(eth0.clone()));
        assert!(!h.acquire(eth0.clone()));
        assert!(h.acquire(eth1.clone()));
        assert!(h.acquire(Shared::AllRpFilter));
        assert_eq!(h.count(&eth0), 2);
        assert_eq!(h.release(&eth0), None, "one VMAC still on eth0");
        assert_eq!(h.count(&eth0), 1);
        assert!(h.release(&eth0).is_some(), "last VMAC on eth0");
        assert_eq!(h.release(&eth0), None, "nothing held any more");
        assert_eq!(h.count(&eth1), 1);
        assert!(h.release(&eth1).is_some());
        assert!(h.release(&Shared::AllRpFilter).is_some());
        assert!(h.is_empty());
    }

    #[test]
    fn saved_values_come_back_with_the_last_release() {
        let mut h = Holds::default();
        let key = Shared::Parent("eth0".into());
        assert!(h.acquire(key.clone()));
        let (root, s) = fake_tree("holds", "0");
        let mut saved = SavedSysctls::default();
        s.set_vmac_parent(&mut saved, "eth0").unwrap();
        h.set_saved(&key, saved.clone());
        assert!(!h.acquire(key.clone()));
        // A second holder's set_saved never happens (not first): the first
        // values stay.
        assert_eq!(h.release(&key), None);
        assert_eq!(h.release(&key), Some(saved));
        std::fs::remove_dir_all(root).unwrap();
    }

    fn rd(root: &std::path::Path, p: &str) -> String {
        std::fs::read_to_string(root.join("net/ipv4/conf").join(p))
            .unwrap()
            .trim()
            .to_string()
    }

    #[test]
    fn two_vmacs_on_one_parent_keep_its_settings_until_the_last_goes() {
        let (root, s) = fake_tree("two", "2");
        let mut v = VmacSysctls::new(s);
        let a = v.apply("vrrp.1", "eth0").unwrap();
        let b = v.apply("vrrp.2", "eth0").unwrap();
        assert_eq!(v.holds().count(&Shared::Parent("eth0".into())), 2);
        assert_eq!(v.holds().count(&Shared::AllRpFilter), 2);
        assert_eq!(rd(&root, "vrrp.2/arp_ignore"), "1");
        // The first VMAC goes: the parent and all.rp_filter stay as set.
        v.release(a).unwrap();
        assert_eq!(rd(&root, "eth0/arp_ignore"), "1");
        assert_eq!(rd(&root, "eth0/arp_filter"), "1");
        assert_eq!(rd(&root, "all/rp_filter"), "0");
        assert_eq!(rd(&root, "lo/rp_filter"), "2");
        assert_eq!(rd(&root, "vrrp.1/arp_ignore"), "0", "own values restored");
        assert_eq!(rd(&root, "vrrp.2/arp_ignore"), "1");
        // The last one goes: everything is as before.
        v.release(b).unwrap();
        assert!(v.holds().is_empty());
        for (p, want) in [
            ("eth0/arp_ignore", "0"),
            ("eth0/arp_filter", "0"),
            ("eth0/rp_filter", "0"),
            ("lo/rp_filter", "0"),
            ("all/rp_filter", "2"),
            ("vrrp.2/arp_ignore", "0"),
        ] {
            assert_eq!(rd(&root, p), want, "{p}");
        }
        std::fs::remove_dir_all(root).unwrap();
    }

    #[test]
    fn parents_are_counted_apart_and_rp_filter_globally() {
        let (root, s) = fake_tree("parents", "1");
        let mut v = VmacSysctls::new(s);
        let a = v.apply("vrrp.1", "eth0").unwrap();
        let b = v.apply("vrrp.2", "eth1").unwrap();
        v.release(a).unwrap();
        assert_eq!(rd(&root, "eth0/arp_filter"), "0", "eth0 has no VMAC left");
        assert_eq!(rd(&root, "eth1/arp_filter"), "1");
        assert_eq!(rd(&root, "all/rp_filter"), "0", "vrrp.2 still needs it");
        v.release(b).unwrap();
        assert_eq!(rd(&root, "all/rp_filter"), "1");
        assert_eq!(rd(&root, "eth1/arp_filter"), "0");
        std::fs::remove_dir_all(root).unwrap();
    }

    #[test]
    fn failed_apply_keeps_no_hold() {
        let (root, s) = fake_tree("fail", "2");
        let mut v = VmacSysctls::new(s);
        let a = v.apply("vrrp.1", "eth0").unwrap();
        // No such interface: the VMAC's own sysctls cannot be set.
        let e = v.apply("vrrp.9", "eth0").unwrap_err();
        assert!(matches!(e, SysctlError::Io { .. }), "{e}");
        assert_eq!(v.holds().count(&Shared::AllRpFilter), 1);
        assert_eq!(v.holds().count(&Shared::Parent("eth0".into())), 1);
        // A failing first apply on a new parent is undone too.
        let e = v.apply("vrrp.2", "nosuch").unwrap_err();
        assert!(matches!(e, SysctlError::Io { .. }), "{e}");
        assert_eq!(v.holds().count(&Shared::Parent("nosuch".into())), 0);
        assert_eq!(rd(&root, "vrrp.2/arp_ignore"), "0", "own values undone");
        v.release(a).unwrap();
        assert!(v.holds().is_empty());
        assert_eq!(rd(&root, "all/rp_filter"), "2");
        std::fs::remove_dir_all(root).unwrap();
    }
}
