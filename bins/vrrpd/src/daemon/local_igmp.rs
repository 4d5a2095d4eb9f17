//! `disable_local_igmp` (global_defs): while the daemon runs, the kernel
//! sends no IGMP reports for link-local groups such as VRRP's 224.0.0.18
//! (`net.ipv4.igmp_link_local_mcast_reports` = 0 in the daemon's network
//! namespace), as keepalived does (vrrp_daemon.c `set_disable_local_igmp`
//! at start, not at a reload; `reset_disable_local_igmp` at exit). The
//! value is written only when it was 1, and 1 is written back at exit
//! only then. When the setting cannot be read or written it is logged and
//! the daemon runs as without `disable_local_igmp` (keepalived clears its
//! flag), so IPv4 VMACs get their IGMP rules again.
//!
//! A kernel without a writable sysctl is found while the configuration is
//! read ([`check_kernel`]), as keepalived's parser does: `-t`, the start and
//! every reload report it and run without the setting.

use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use keepalived_conf::Diagnostic;
use tracing::info;

use crate::spec::load::Loaded;

/// The sysctl keepalived sets.
pub const SYSCTL: &str = "/proc/sys/net/ipv4/igmp_link_local_mcast_reports";

/// The sysctl set to 0 while this lives; 1 is written back on drop when
/// it was 1 before.
#[derive(Debug)]
pub struct LocalIgmp {
    path: PathBuf,
    restore: bool,
}

impl LocalIgmp {
    /// Sets `path` (normally [`SYSCTL`]) to 0 if it is 1. `None` when it
    /// cannot be read or written (logged): `disable_local_igmp` is then
    /// off.
    pub fn disable(path: &Path) -> Option<Self> {
        let mut f = match std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open(path)
        {
            Ok(f) => f,
            Err(e) => {
                info!("Unable to open {}: {e}", path.display());
                return None;
            }
        };
        let mut byte = [0u8; 1];
        if let Err(e) = f.read_exact(&mut byte) {
            info!("Unable to read {}: {e}", path.display());
            return None;
        }
        let restore = byte[0] == b'1';
        if restore {
            let written = f.seek(SeekFrom::Start(0)).and_then(|_| f.write_all(b"0"));
            if let Err(e) = written {
                info!("Unable to write {}: {e}", path.display());
                return None;
            }
        }
        Some(Self {
            path: path.to_path_buf(),
            restore,
        })
    }
}

/// keepalived (main.c `reload_config`) refuses a whole reload that
/// changes `disable_local_igmp`, logging this text.
pub fn change_refused(running: bool, new: bool) -> Option<String> {
    (running != new)
        .then(|| "Cannot change disable_local_igmp at a reload - please restart vrrpd".to_string())
}

/// keepalived's text for a kernel without a writable `path`.
fn unsupported_text(path: &Path) -> String {
    format!("kernel does not support {}", path.display())
}

/// keepalived (global_parser.c `disable_local_igmp_handler`): when
/// `disable_local_igmp` is written and `path` (normally [`SYSCTL`]) cannot
/// be opened for writing, the setting is reported with keepalived's text
/// and turned off in `loaded`'s mapping. Nothing is written to `path`.
pub fn check_kernel(loaded: &mut Loaded, path: &Path) {
    let Some(written) = loaded.parsed.config.global_defs.disable_local_igmp.as_ref() else {
        return;
    };
    if !written.value || !loaded.mapped.disable_local_igmp {
        return;
    }
    // access(2) W_OK as keepalived: opening for writing writes nothing.
    if std::fs::OpenOptions::new().write(true).open(path).is_ok() {
        return;
    }
    loaded.mapped.disable_local_igmp = false;
    loaded.diagnostics.push(Diagnostic::warning(
        "vrrpd-local-igmp",
        written.span,
        unsupported_text(path),
    ));
    loaded.diagnostics.sort_by_key(|d| d.span);
}

impl Drop for LocalIgmp {
    /// At exit (`reset_disable_local_igmp`): 1 again when it was 1.
    fn drop(&mut self) {
        if !self.restore {
            return;
        }
        let written = std::fs::OpenOptions::new()
            .write(true)
            .open(&self.path)
            .and_then(|mut f| f.write_all(b"1"));
        if let Err(e) = written {
            info!("Unable to write {}: {e}", self.path.display());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(name: &str, text: &str) -> PathBuf {
        let p = std::env::temp_dir().join(format!("vrrpd-igmp-{}-{name}", std::process::id()));
        std::fs::write(&p, text).unwrap();
        p
    }

    #[test]
    fn one_becomes_zero_and_comes_back() {
        let p = file("one", "1\n");
        let g = LocalIgmp::disable(&p).unwrap();
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "0\n");
        drop(g);
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "1\n");
        let _ = std::fs::remove_file(&p);
    }

    #[test]
    fn zero_is_left_alone() {
        let p = file("zero", "0\n");
        let g = LocalIgmp::disable(&p).unwrap();
        std::fs::write(&p, "0\n").unwrap();
        drop(g);
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "0\n");
        let _ = std::fs::remove_file(&p);
    }

    #[test]
    fn a_reload_changing_it_is_refused() {
        assert!(change_refused(true, true).is_none());
        assert!(change_refused(false, false).is_none());
        let msg = change_refused(false, true).unwrap();
        assert!(msg.starts_with("Cannot change disable_local_igmp at a reload"));
        assert!(change_refused(true, false).is_some());
    }

    #[test]
    fn a_missing_sysctl_turns_it_off() {
        let p = std::env::temp_dir().join("vrrpd-igmp-no-such-dir/x");
        assert!(LocalIgmp::disable(&p).is_none());
    }

    fn loaded(text: &str) -> Loaded {
        let p = keepalived_conf::parse_str("t.conf", text, &Default::default());
        crate::spec::load::finish(p, &crate::spec::mapping::SimResolver { node: 1 })
    }

    const CONF: &str = "global_defs {\n disable_local_igmp\n}\nvrrp_instance A {\n \
                        interface eth0\n virtual_router_id 1\n virtual_ipaddress {\n \
                        192.0.2.1\n }\n}\n";

    /// global_parser.c disable_local_igmp_handler: a kernel without the
    /// sysctl is reported at the keyword's line and the setting is off.
    #[test]
    fn a_kernel_without_the_sysctl_is_reported_when_reading_the_config() {
        let missing = std::env::temp_dir().join("vrrpd-igmp-no-such-dir/x");
        let mut l = loaded(CONF);
        assert!(l.mapped.disable_local_igmp);
        check_kernel(&mut l, &missing);
        assert!(!l.mapped.disable_local_igmp);
        let d: Vec<(u32, &str)> = l
            .diagnostics
            .iter()
            .filter(|d| d.code == "vrrpd-local-igmp")
            .map(|d| (d.span.map_or(0, |s| s.line), d.message.as_str()))
            .collect();
        let text = format!("kernel does not support {}", missing.display());
        assert_eq!(d, [(2, text.as_str())]);
        assert!(!l.has_errors());

        // a writable sysctl, or no disable_local_igmp: nothing said
        let p = file("ok", "1\n");
        let mut l = loaded(CONF);
        check_kernel(&mut l, &p);
        assert!(l.mapped.disable_local_igmp);
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "1\n", "not written");
        let _ = std::fs::remove_file(&p);
        let mut l = loaded(&CONF.replace(" disable_local_igmp\n", ""));
        check_kernel(&mut l, &missing);
        assert!(l.diagnostics.iter().all(|d| d.code != "vrrpd-local-igmp"));
    }
}
