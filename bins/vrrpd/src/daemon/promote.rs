//! `promote_secondaries`: the interface sysctl
//! `net.ipv4.conf.IF.promote_secondaries` set while vrrpd runs, so that
//! removing a VIP that is the primary address of its subnet promotes the
//! next one instead of deleting every address of that subnet
//! (docs/keepalived.md §3.28).
//!
//! As keepalived (vrrp_if_config.c `set_promote_secondaries` /
//! `reset_promote_secondaries`, vrrp.c `vrrp_complete_instance` and
//! `shutdown_vrrp_instances`): set when an instance wanting it starts on an
//! interface where it is 0; at exit put back to 0 on the interfaces vrrpd
//! changed, and only those. An interface where it was already 1 is left
//! alone, also at exit; a reload that drops the instance leaves it set.

use std::collections::BTreeSet;

use tracing::{info, warn};
use vrrp_linux::{Family as IpFamily, Sysctl, SysctlError};

const KEY: &str = "promote_secondaries";

/// The interfaces whose `promote_secondaries` vrrpd turned on.
#[derive(Debug, Default)]
pub struct PromoteSecondaries {
    sysctl: Sysctl,
    /// Interfaces vrrpd set to 1 (reset to 0 at exit).
    set: BTreeSet<String>,
}

impl PromoteSecondaries {
    /// Bookkeeping over another sysctl root (tests).
    #[cfg(test)]
    fn with_sysctl(sysctl: Sysctl) -> Self {
        PromoteSecondaries {
            sysctl,
            set: BTreeSet::new(),
        }
    }

    /// Sets `promote_secondaries` on `iface` unless it is on already.
    /// Returns whether vrrpd changed it.
    pub fn want(&mut self, iface: &str) -> Result<bool, SysctlError> {
        if self.set.contains(iface) {
            return Ok(false);
        }
        let path = self.sysctl.iface_path(IpFamily::V4, iface, KEY)?;
        if self.sysctl.read(&path)? == "1" {
            return Ok(false);
        }
        self.sysctl.write(&path, "1")?;
        self.set.insert(iface.to_string());
        Ok(true)
    }

    /// [`Self::want`] for each interface, with the outcome logged.
    pub fn want_all<'a>(&mut self, ifaces: impl IntoIterator<Item = &'a str>) {
        for iface in ifaces {
            match self.want(iface) {
                Ok(true) => info!(interface = iface, "promote_secondaries set"),
                Ok(false) => {}
                Err(e) => warn!(interface = iface, "setting promote_secondaries: {e}"),
            }
        }
    }

    /// At exit: back to 0 where vrrpd set it (keepalived writes 0, the
    /// value it found). An interface that is gone has nothing to reset.
    pub fn reset(&mut self) {
        for iface in std::mem::take(&mut self.set) {
            let r = self
                .sysctl
                .iface_path(IpFamily::V4, &iface, KEY)
                .and_then(|p| self.sysctl.write(&p, "0"));
            if let Err(e) = r {
                warn!(interface = %iface, "resetting promote_secondaries: {e}");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree(tag: &str, values: &[(&str, &str)]) -> std::path::PathBuf {
        let root = std::env::temp_dir().join(format!("vrrpd-promote-{}-{tag}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        for (iface, v) in values {
            let d = root.join("net/ipv4/conf").join(iface);
            std::fs::create_dir_all(&d).unwrap();
            std::fs::write(d.join(KEY), format!("{v}\n")).unwrap();
        }
        root
    }

    #[test]
    fn set_where_off_and_reset_only_there() {
        let root = tree("a", &[("eth0", "0"), ("eth1", "1")]);
        let rd = |i: &str| {
            std::fs::read_to_string(root.join("net/ipv4/conf").join(i).join(KEY))
                .unwrap()
                .trim()
                .to_string()
        };
        let mut p = PromoteSecondaries::with_sysctl(Sysctl::with_root(&root));
        assert!(p.want("eth0").unwrap());
        assert!(
            !p.want("eth0").unwrap(),
            "a second instance changes nothing"
        );
        assert!(!p.want("eth1").unwrap(), "already on");
        assert!(p.want("nosuch").is_err());
        assert!(p.want("../x").is_err());
        assert_eq!((rd("eth0"), rd("eth1")), ("1".into(), "1".into()));
        p.reset();
        assert_eq!((rd("eth0"), rd("eth1")), ("0".into(), "1".into()));
        p.reset();
        assert_eq!(rd("eth0"), "0");
        std::fs::remove_dir_all(root).unwrap();
    }
}
