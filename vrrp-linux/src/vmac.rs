//! Virtual MAC support (keepalived `use_vmac`, docs/keepalived.md §3.13): the RFC's virtual
//! router MAC (RFC 9568 §7.3) and the sysctls keepalived sets around a macvlan.

use std::path::{Path, PathBuf};

use crate::error::SysctlError;
use crate::mac::MacAddr;
use vrrp_core::packet::Family;

/// The virtual router MAC of RFC 9568 §7.3: 00-00-5E-00-01-{VRID} for IPv4,
/// 00-00-5E-00-02-{VRID} for IPv6.
pub fn vmac_address(family: Family, vrid: u8) -> MacAddr {
    let kind = match family {
        Family::V4 => 1,
        Family::V6 => 2,
    };
    MacAddr([0x00, 0x00, 0x5e, 0x00, kind, vrid])
}

/// The modified-EUI-64 link-local address of a MAC (RFC 4291 appendix A): what
/// keepalived puts on an IPv6 VMAC interface, e.g. fe80::200:5eff:fe00:233 for
/// 00:00:5e:00:02:33.
pub fn eui64_link_local(mac: MacAddr) -> std::net::Ipv6Addr {
    let m = mac.0;
    std::net::Ipv6Addr::from([
        0xfe,
        0x80,
        0,
        0,
        0,
        0,
        0,
        0,
        m[0] ^ 0x02,
        m[1],
        m[2],
        0xff,
        0xfe,
        m[3],
        m[4],
        m[5],
    ])
}

/// keepalived 2.2.7's default VMAC interface name: `vrrp.VRID` for both
/// families. When that name is taken (by an earlier instance or a given name)
/// an IPv6 instance tries [`vmac_ipv6_alt_name`] next, then both fall back to
/// `vrrpN.VRID` (N = 1, 2, ...). Seen in network namespaces: an IPv6-only
/// instance with VRID 51 gets `vrrp.51`; an IPv4 and an IPv6 instance with
/// VRID 51 get `vrrp.51` and `vrrp6.51` when the IPv4 one comes first,
/// `vrrp.51` and `vrrp1.51` when the IPv6 one does.
pub fn vmac_default_name(_family: Family, vrid: u8) -> String {
    format!("vrrp.{vrid}")
}

/// The name an IPv6 instance's VMAC tries when `vrrp.VRID` is taken:
/// `vrrp6.VRID` (see [`vmac_default_name`]).
pub fn vmac_ipv6_alt_name(vrid: u8) -> String {
    format!("vrrp6.{vrid}")
}

fn check_iface(name: &str) -> Result<(), SysctlError> {
    if name.len() < 16 {
        check_key(name)
    } else {
        Err(SysctlError::InvalidName(name.to_string()))
    }
}

/// A sysctl file name: one path component (keys may be longer than an
/// interface name, e.g. `promote_secondaries`).
fn check_key(name: &str) -> Result<(), SysctlError> {
    let ok = !name.is_empty()
        && name != "."
        && name != ".."
        && !name.contains('/')
        && !name.contains('\0');
    if ok {
        Ok(())
    } else {
        Err(SysctlError::InvalidName(name.to_string()))
    }
}

/// A sysctl root (`/proc/sys` normally; a directory in unit tests).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sysctl {
    root: PathBuf,
}

impl Default for Sysctl {
    fn default() -> Self {
        Sysctl {
            root: PathBuf::from("/proc/sys"),
        }
    }
}

impl Sysctl {
    /// Sysctls under another root (for tests).
    pub fn with_root(root: impl Into<PathBuf>) -> Sysctl {
        Sysctl { root: root.into() }
    }

    /// Path of `net/<ipv4|ipv6>/conf/<iface>/<key>`.
    pub fn iface_path(
        &self,
        family: Family,
        iface: &str,
        key: &str,
    ) -> Result<PathBuf, SysctlError> {
        check_iface(iface)?;
        check_key(key)?;
        let fam = match family {
            Family::V4 => "ipv4",
            Family::V6 => "ipv6",
        };
        Ok(self
            .root
            .join("net")
            .join(fam)
            .join("conf")
            .join(iface)
            .join(key))
    }

    /// Reads a value (trimmed).
    pub fn read(&self, path: &Path) -> Result<String, SysctlError> {
        std::fs::read_to_string(path)
            .map(|s| s.trim().to_string())
            .map_err(|source| SysctlError::Io {
                path: path.to_path_buf(),
                source,
            })
    }

    /// Writes a value and returns the previous one.
    pub fn write(&self, path: &Path, value: &str) -> Result<String, SysctlError> {
        let old = self.read(path)?;
        std::fs::write(path, format!("{value}\n")).map_err(|source| SysctlError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Ok(old)
    }

    /// Sets `net.<fam>.conf.<iface>.<key>` and records the old value in `saved`.
    pub fn set_iface(
        &self,
        saved: &mut SavedSysctls,
        family: Family,
        iface: &str,
        key: &str,
        value: &str,
    ) -> Result<(), SysctlError> {
        let path = self.iface_path(family, iface, key)?;
        let old = self.write(&path, value)?;
        if old != value {
            saved.entries.push((path, old));
        }
        Ok(())
    }

    /// An IPv4 instance's VMAC carries no IPv6 (keepalived disables it unless
    /// eVIPs need it): `net.ipv6.conf.<vmac>.disable_ipv6 = 1`.
    pub fn disable_ipv6(&self, saved: &mut SavedSysctls, vmac: &str) -> Result<(), SysctlError> {
        self.set_iface(saved, Family::V6, vmac, "disable_ipv6", "1")
    }

    /// An IPv6 instance's ipvlan carries IPv6 (keepalived `link_set_ipv6(ifp,
    /// true)`): `net.ipv6.conf.<link>.disable_ipv6 = 0`.
    pub fn enable_ipv6(&self, saved: &mut SavedSysctls, link: &str) -> Result<(), SysctlError> {
        self.set_iface(saved, Family::V6, link, "disable_ipv6", "0")
    }

    /// An IPv6 instance's VMAC must not get the kernel's automatic link-local
    /// address (keepalived adds the EUI-64 one of the VMAC instead, see
    /// [`eui64_link_local`]): `net.ipv6.conf.<vmac>.addr_gen_mode = 1` (none). Set
    /// it before bringing the link up.
    pub fn suppress_auto_link_local(
        &self,
        saved: &mut SavedSysctls,
        vmac: &str,
    ) -> Result<(), SysctlError> {
        self.set_iface(saved, Family::V6, vmac, "addr_gen_mode", "1")
    }

    /// keepalived's global rp_filter adjustment for VMACs (vrrp_if_config.c):
    /// when `all.rp_filter` is non-zero (it overrides a per-interface 0 by taking
    /// the maximum) it is set to 0 and its old value is copied onto every other
    /// interface (except `vmac`) whose own value is lower, so their behaviour is
    /// unchanged. Old values go into `saved`.
    pub fn adjust_all_rp_filter(
        &self,
        saved: &mut SavedSysctls,
        vmac: &str,
    ) -> Result<(), SysctlError> {
        let v4 = Family::V4;
        let all_rp = self.iface_path(v4, "all", "rp_filter")?;
        let all_value: u32 = self.read(&all_rp)?.parse().unwrap_or(0);
        if all_value == 0 {
            return Ok(());
        }
        let conf = self.root.join("net/ipv4/conf");
        let dir = std::fs::read_dir(&conf).map_err(|source| SysctlError::Io {
            path: conf.clone(),
            source,
        })?;
        for entry in dir.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name == "all" || name == vmac {
                continue;
            }
            let p = self.iface_path(v4, &name, "rp_filter")?;
            let cur: u32 = self.read(&p)?.parse().unwrap_or(0);
            if cur < all_value {
                self.set_iface(saved, v4, &name, "rp_filter", &all_value.to_string())?;
            }
        }
        self.set_iface(saved, v4, "all", "rp_filter", "0")
    }

    /// keepalived's settings on the VMAC itself (vrrp_if_config.c
    /// `vmac_sysctl`): `accept_local=1`, `arp_ignore=1`, `rp_filter=0`,
    /// `promote_secondaries=1`.
    pub fn set_vmac_own(&self, saved: &mut SavedSysctls, vmac: &str) -> Result<(), SysctlError> {
        let v4 = Family::V4;
        self.set_iface(saved, v4, vmac, "accept_local", "1")?;
        self.set_iface(saved, v4, vmac, "arp_ignore", "1")?;
        self.set_iface(saved, v4, vmac, "rp_filter", "0")?;
        self.set_iface(saved, v4, vmac, "promote_secondaries", "1")
    }

    /// keepalived's settings on a VMAC's parent, so that it does not answer ARP
    /// for the VMAC's addresses: `arp_ignore=1`, `arp_filter=1`. Shared by every
    /// VMAC on that parent (see [`crate::vmac_sysctls::VmacSysctls`]).
    pub fn set_vmac_parent(
        &self,
        saved: &mut SavedSysctls,
        parent: &str,
    ) -> Result<(), SysctlError> {
        let v4 = Family::V4;
        self.set_iface(saved, v4, parent, "arp_ignore", "1")?;
        self.set_iface(saved, v4, parent, "arp_filter", "1")
    }
}

/// Sysctl values to put back, in reverse order of change.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SavedSysctls {
    entries: Vec<(PathBuf, String)>,
}

impl SavedSysctls {
    /// The recorded (path, old value) pairs.
    pub fn entries(&self) -> &[(PathBuf, String)] {
        &self.entries
    }

    /// Restores every recorded value (files of interfaces that no longer exist are
    /// skipped); returns the first error after trying all.
    pub fn restore(self, sysctl: &Sysctl) -> Result<(), SysctlError> {
        let mut first = None;
        for (path, old) in self.entries.into_iter().rev() {
            if !path.exists() {
                continue;
            }
            if let Err(e) = sysctl.write(&path, &old) {
                first.get_or_insert(e);
            }
        }
        first.map_or(Ok(()), Err)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    #[test]
    fn vmac_addresses_follow_rfc() {
        assert_eq!(
            vmac_address(Family::V4, 51).to_string(),
            "00:00:5e:00:01:33"
        );
        assert_eq!(vmac_address(Family::V6, 1).to_string(), "00:00:5e:00:02:01");
        assert_eq!(vmac_default_name(Family::V4, 51), "vrrp.51");
        assert_eq!(vmac_default_name(Family::V6, 51), "vrrp.51");
        assert_eq!(vmac_ipv6_alt_name(51), "vrrp6.51");
        assert_eq!(
            eui64_link_local(vmac_address(Family::V6, 51)).to_string(),
            "fe80::200:5eff:fe00:233"
        );
    }

    #[test]
    fn bad_names_refused() {
        let s = Sysctl::default();
        assert!(s.iface_path(Family::V4, "../x", "a").is_err());
        assert!(s.iface_path(Family::V4, "..", "a").is_err());
        assert!(s.iface_path(Family::V4, "", "a").is_err());
        assert!(
            s.iface_path(Family::V4, "averyveryverylongname", "a")
                .is_err()
        );
        assert_eq!(
            s.iface_path(Family::V6, "eth0", "forwarding").unwrap(),
            PathBuf::from("/proc/sys/net/ipv6/conf/eth0/forwarding")
        );
    }

    /// A fake `/proc/sys` with ipv4 conf for all, eth0, eth1, vrrp.1, vrrp.2,
    /// lo (every value 0 but `all.rp_filter`), unique per `tag`.
    pub(crate) fn fake_tree(tag: &str, all_rp: &str) -> (PathBuf, Sysctl) {
        let root = std::env::temp_dir().join(format!(
            "vrrp-linux-sysctl-{}-{tag}-{all_rp}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&root);
        for iface in ["all", "eth0", "eth1", "vrrp.1", "vrrp.2", "lo"] {
            let d = root.join("net/ipv4/conf").join(iface);
            std::fs::create_dir_all(&d).unwrap();
            for k in [
                "accept_local",
                "arp_ignore",
                "rp_filter",
                "arp_filter",
                "promote_secondaries",
            ] {
                std::fs::write(d.join(k), "0\n").unwrap();
            }
        }
        std::fs::write(
            root.join("net/ipv4/conf/all/rp_filter"),
            format!("{all_rp}\n"),
        )
        .unwrap();
        let s = Sysctl::with_root(&root);
        (root, s)
    }

    #[test]
    fn apply_and_restore_vmac_sysctls() {
        let (root, s) = fake_tree("one", "2");
        let mut saved = SavedSysctls::default();
        s.adjust_all_rp_filter(&mut saved, "vrrp.1").unwrap();
        s.set_vmac_own(&mut saved, "vrrp.1").unwrap();
        s.set_vmac_parent(&mut saved, "eth0").unwrap();
        let rd = |p: &str| {
            std::fs::read_to_string(root.join("net/ipv4/conf").join(p))
                .unwrap()
                .trim()
                .to_string()
        };
        assert_eq!(rd("all/rp_filter"), "0");
        assert_eq!(rd("eth0/rp_filter"), "2");
        assert_eq!(rd("lo/rp_filter"), "2");
        assert_eq!(rd("vrrp.1/rp_filter"), "0");
        assert_eq!(rd("vrrp.1/arp_ignore"), "1");
        assert_eq!(rd("vrrp.1/accept_local"), "1");
        assert_eq!(rd("vrrp.1/promote_secondaries"), "1");
        assert_eq!(rd("eth0/arp_ignore"), "1");
        assert_eq!(rd("eth0/arp_filter"), "1");
        saved.restore(&s).unwrap();
        assert_eq!(rd("all/rp_filter"), "2");
        assert_eq!(rd("eth0/rp_filter"), "0");
        assert_eq!(rd("vrrp.1/arp_ignore"), "0");
        assert_eq!(rd("eth0/arp_filter"), "0");
        std::fs::remove_dir_all(root).unwrap();
    }

    #[test]
    fn all_rp_filter_zero_leaves_others_alone() {
        let (root, s) = fake_tree("one", "0");
        let mut saved = SavedSysctls::default();
        s.adjust_all_rp_filter(&mut saved, "vrrp.1").unwrap();
        assert!(saved.entries().is_empty(), "{saved:?}");
        std::fs::remove_dir_all(root).unwrap();
    }
}
