//! `vrrpd --from-env`: builds the keepalived.conf of a Kubernetes
//! deployment from environment variables (the pods took VIP, VRID, INTERFACE,
//! PRIORITY and REAL_IP from a ConfigMap), and `vrrpd check-tcp HOST PORT`,
//! the TCP probe its `vrrp_script` runs (a `FROM scratch` image has no shell).
//!
//! The text built here goes through the same keepalived-conf parser as a
//! file: it is written next to the control socket and the daemon loads that
//! path (so SIGHUP re-reads the same text).

use std::fmt::Write as _;
use std::net::{IpAddr, SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

/// Name of the generated `vrrp_script` (when CHECK_PORT is set).
pub const CHECK_SCRIPT: &str = "chk_real_ip";

/// A variable that is missing or unusable; the message names it.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum EnvError {
    /// A required variable is unset or empty.
    #[error("environment variable {0} is required but not set")]
    Missing(&'static str),
    /// A variable's value is invalid.
    #[error("environment variable {name}={value:?} is invalid: {reason}")]
    Invalid {
        /// Variable name.
        name: &'static str,
        /// Its value.
        value: String,
        /// What is wrong.
        reason: String,
    },
}

/// The deployment's settings, validated.
#[derive(Debug, Clone, PartialEq)]
pub struct EnvConfig {
    /// VIP: the virtual address (optionally ADDR/PREFIX).
    pub vip: IpAddr,
    /// Prefix length given with VIP.
    pub vip_prefix: Option<u8>,
    /// VRID 1..=255.
    pub vrid: u8,
    /// INTERFACE.
    pub interface: String,
    /// PRIORITY 1..=255.
    pub priority: u8,
    /// REAL_IP: this node's own address (the MySQL server to check).
    pub real_ip: IpAddr,
    /// ADVERT_INT in seconds, as written.
    pub advert_int: Option<String>,
    /// VRRP_VERSION 2 or 3.
    pub version: Option<u8>,
    /// AUTH_PASS (VRRPv2 only, at most 8 characters).
    pub auth_pass: Option<String>,
    /// UNICAST_PEERS.
    pub unicast_peers: Vec<IpAddr>,
    /// NOPREEMPT.
    pub nopreempt: bool,
    /// CHECK_PORT: TCP port of REAL_IP to track.
    pub check_port: Option<u16>,
}

fn invalid(name: &'static str, value: &str, reason: impl Into<String>) -> EnvError {
    EnvError::Invalid {
        name,
        value: value.to_string(),
        reason: reason.into(),
    }
}

fn required(get: &dyn Fn(&str) -> Option<String>, name: &'static str) -> Result<String, EnvError> {
    optional(get, name).ok_or(EnvError::Missing(name))
}

fn optional(get: &dyn Fn(&str) -> Option<String>, name: &str) -> Option<String> {
    get(name)
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
}

fn byte_1_255(name: &'static str, v: &str) -> Result<u8, EnvError> {
    match v.parse::<u16>() {
        Ok(n @ 1..=255) => Ok(u8::try_from(n).map_err(|e| invalid(name, v, e.to_string()))?),
        _ => Err(invalid(name, v, "must be an integer 1..255")),
    }
}

fn parse_bool(name: &'static str, v: &str) -> Result<bool, EnvError> {
    match v.to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Ok(true),
        "0" | "false" | "no" | "off" => Ok(false),
        _ => Err(invalid(name, v, "must be true/false/1/0")),
    }
}

impl EnvConfig {
    /// Reads the variables through `get` (the process environment in
    /// production, a map in tests).
    pub fn from_lookup(get: &dyn Fn(&str) -> Option<String>) -> Result<Self, EnvError> {
        let vip_s = required(get, "VIP")?;
        let (addr_s, prefix_s) = match vip_s.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (vip_s.as_str(), None),
        };
        let vip: IpAddr = addr_s
            .parse()
            .map_err(|_| invalid("VIP", &vip_s, "not an IPv4 or IPv6 address"))?;
        if vip.is_unspecified() || vip.is_multicast() || vip.is_loopback() {
            return Err(invalid("VIP", &vip_s, "not a usable unicast address"));
        }
        let max_prefix = if vip.is_ipv4() { 32 } else { 128 };
        let vip_prefix = match prefix_s {
            None => None,
            Some(p) => match p.parse::<u8>() {
                Ok(n) if n <= max_prefix => Some(n),
                _ => return Err(invalid("VIP", &vip_s, "bad prefix length")),
            },
        };
        let vrid_s = required(get, "VRID")?;
        let vrid = byte_1_255("VRID", &vrid_s)?;
        let interface = required(get, "INTERFACE")?;
        // Linux IFNAMSIZ is 16 including the NUL.
        if interface.len() > 15
            || interface.contains(['/', ':'])
            || interface.chars().any(char::is_whitespace)
            || interface == "."
            || interface == ".."
        {
            return Err(invalid(
                "INTERFACE",
                &interface,
                "not a Linux interface name (at most 15 characters, no '/', ':' or spaces)",
            ));
        }
        let prio_s = required(get, "PRIORITY")?;
        let priority = byte_1_255("PRIORITY", &prio_s)?;
        let real_s = required(get, "REAL_IP")?;
        let real_ip: IpAddr = real_s
            .parse()
            .map_err(|_| invalid("REAL_IP", &real_s, "not an IPv4 or IPv6 address"))?;

        let version = match optional(get, "VRRP_VERSION") {
            None => None,
            Some(v) => match v.as_str() {
                "2" => Some(2),
                "3" => Some(3),
                _ => return Err(invalid("VRRP_VERSION", &v, "must be 2 or 3")),
            },
        };
        if vip.is_ipv6() && version == Some(2) {
            return Err(invalid(
                "VRRP_VERSION",
                "2",
                "an IPv6 VIP needs VRRP version 3 (RFC 9568)",
            ));
        }
        let v3 = version == Some(3) || vip.is_ipv6();
        let advert_int = match optional(get, "ADVERT_INT") {
            None => None,
            Some(a) => {
                let secs: f64 = a
                    .parse()
                    .map_err(|_| invalid("ADVERT_INT", &a, "not a number of seconds"))?;
                // RFC 3768 5.3.7: 8-bit seconds; RFC 9568 5.2.7: 12-bit centiseconds.
                let ok = if v3 {
                    (0.01..=40.95).contains(&secs)
                } else {
                    secs.fract() == 0.0 && (1.0..=255.0).contains(&secs)
                };
                if !ok {
                    return Err(invalid(
                        "ADVERT_INT",
                        &a,
                        if v3 {
                            "VRRPv3 needs 0.01..40.95 seconds"
                        } else {
                            "VRRPv2 needs whole seconds 1..255"
                        },
                    ));
                }
                Some(a)
            }
        };
        let auth_pass = match optional(get, "AUTH_PASS") {
            None => None,
            Some(p) => {
                if v3 {
                    return Err(invalid(
                        "AUTH_PASS",
                        &p,
                        "VRRPv3 has no authentication (RFC 9568 removed it)",
                    ));
                }
                if p.len() > 8 || !p.chars().all(|c| c.is_ascii_graphic() && c != '"') {
                    return Err(invalid(
                        "AUTH_PASS",
                        &p,
                        "at most 8 printable ASCII characters (RFC 3768 5.3.10), no quotes",
                    ));
                }
                Some(p)
            }
        };
        let mut unicast_peers = Vec::new();
        if let Some(list) = optional(get, "UNICAST_PEERS") {
            for item in list.split([',', ' ', '\t', '\n']).filter(|s| !s.is_empty()) {
                let ip: IpAddr = item.parse().map_err(|_| {
                    invalid(
                        "UNICAST_PEERS",
                        &list,
                        format!("`{item}` is not an address"),
                    )
                })?;
                if ip.is_ipv4() != vip.is_ipv4() {
                    return Err(invalid(
                        "UNICAST_PEERS",
                        &list,
                        format!("`{item}` is not of the VIP's address family"),
                    ));
                }
                if ip != real_ip && !unicast_peers.contains(&ip) {
                    unicast_peers.push(ip);
                }
            }
            if unicast_peers.is_empty() {
                return Err(invalid(
                    "UNICAST_PEERS",
                    &list,
                    "names no peer other than REAL_IP",
                ));
            }
        }
        if !unicast_peers.is_empty() && real_ip.is_ipv4() != vip.is_ipv4() {
            return Err(invalid(
                "REAL_IP",
                &real_s,
                "must be of the VIP's address family (it is the unicast source)",
            ));
        }
        let nopreempt = match optional(get, "NOPREEMPT") {
            None => false,
            Some(v) => parse_bool("NOPREEMPT", &v)?,
        };
        let check_port = match optional(get, "CHECK_PORT") {
            None => None,
            Some(p) => match p.parse::<u16>() {
                Ok(n) if n > 0 => Some(n),
                _ => return Err(invalid("CHECK_PORT", &p, "must be a TCP port 1..65535")),
            },
        };
        Ok(EnvConfig {
            vip,
            vip_prefix,
            vrid,
            interface,
            priority,
            real_ip,
            advert_int,
            version,
            auth_pass,
            unicast_peers,
            nopreempt,
            check_port,
        })
    }

    /// Reads the process environment.
    pub fn from_process_env() -> Result<Self, EnvError> {
        Self::from_lookup(&|k| std::env::var(k).ok())
    }

    /// The keepalived.conf text; `exe` is the command the TCP check runs.
    pub fn render(&self, exe: &str) -> String {
        let mut s = String::new();
        // Writing to a String cannot fail; the results are ignored below.
        let _ = writeln!(s, "! Generated by vrrpd --from-env");
        let _ = writeln!(s, "global_defs {{");
        let _ = writeln!(s, "    router_id vrrpd_{}", self.real_ip);
        if let Some(v) = self.version.or(self.vip.is_ipv6().then_some(3)) {
            let _ = writeln!(s, "    vrrp_version {v}");
        }
        if self.check_port.is_some() {
            // The check runs vrrpd itself, owned by root in the image.
            let _ = writeln!(s, "    script_user root");
        }
        let _ = writeln!(s, "}}");
        if let Some(port) = self.check_port {
            let _ = writeln!(s, "vrrp_script {CHECK_SCRIPT} {{");
            let _ = writeln!(s, "    script \"{exe} check-tcp {} {port}\"", self.real_ip);
            let _ = writeln!(s, "    interval 2");
            let _ = writeln!(s, "    timeout 4");
            let _ = writeln!(s, "    fall 2");
            let _ = writeln!(s, "    rise 2");
            let _ = writeln!(s, "}}");
        }
        let _ = writeln!(s, "vrrp_instance VI_{} {{", self.vrid);
        let _ = writeln!(s, "    state BACKUP");
        let _ = writeln!(s, "    interface {}", self.interface);
        let _ = writeln!(s, "    virtual_router_id {}", self.vrid);
        let _ = writeln!(s, "    priority {}", self.priority);
        let _ = writeln!(
            s,
            "    advert_int {}",
            self.advert_int.as_deref().unwrap_or("1")
        );
        if self.nopreempt {
            let _ = writeln!(s, "    nopreempt");
        }
        if let Some(p) = &self.auth_pass {
            let _ = writeln!(s, "    authentication {{");
            let _ = writeln!(s, "        auth_type PASS");
            let _ = writeln!(s, "        auth_pass {p}");
            let _ = writeln!(s, "    }}");
        }
        if !self.unicast_peers.is_empty() {
            let _ = writeln!(s, "    unicast_src_ip {}", self.real_ip);
            let _ = writeln!(s, "    unicast_peer {{");
            for p in &self.unicast_peers {
                let _ = writeln!(s, "        {p}");
            }
            let _ = writeln!(s, "    }}");
        }
        if self.check_port.is_some() {
            // Weight 0: a failing check puts the instance in FAULT, which
            // releases the VIP whatever the priorities and nopreempt say.
            let _ = writeln!(s, "    track_script {{");
            let _ = writeln!(s, "        {CHECK_SCRIPT} weight 0");
            let _ = writeln!(s, "    }}");
        }
        let _ = writeln!(s, "    virtual_ipaddress {{");
        match self.vip_prefix {
            Some(p) => {
                let _ = writeln!(s, "        {}/{p}", self.vip);
            }
            None => {
                let _ = writeln!(s, "        {}", self.vip);
            }
        }
        let _ = writeln!(s, "    }}");
        let _ = writeln!(s, "}}");
        s
    }
}

/// The command the generated `vrrp_script` runs: this executable.
fn self_exe() -> String {
    std::env::current_exe()
        .ok()
        .and_then(|p| p.to_str().map(String::from))
        .filter(|p| !p.chars().any(char::is_whitespace))
        .unwrap_or_else(|| "/vrrpd".to_string())
}

/// Where the generated config is written: beside the control socket and
/// named after it (`/run/vrrpd.sock` → `/run/vrrpd-from-env.conf`), so two
/// daemons with sockets in one directory never overwrite each other's config.
pub fn generated_path(socket: &Path) -> PathBuf {
    let stem = socket
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("vrrpd");
    socket.with_file_name(format!("{stem}-from-env.conf"))
}

/// Removes AUTH_PASS from the environment once the configuration holds it,
/// so that no script the daemon runs inherits the password. Call before
/// any other thread exists (vrrpd's `main`, before the runtime starts).
pub fn forget_secrets() {
    // SAFETY: called from `main` before the tokio runtime or any other
    // thread is started, so nothing reads the environment concurrently.
    #[allow(unsafe_code)]
    unsafe {
        std::env::remove_var("AUTH_PASS");
    }
}

/// `--from-env`: builds the config; with `print` prints it and returns
/// `Err(SUCCESS)`, else writes it and returns the path for the daemon.
/// Errors print one line naming the variable and return `Err(FAILURE)`.
pub fn prepare(print: bool, socket: &Path) -> Result<PathBuf, ExitCode> {
    let cfg = match EnvConfig::from_process_env() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("vrrpd: {e}");
            return Err(ExitCode::FAILURE);
        }
    };
    let text = cfg.render(&self_exe());
    if print {
        if let Err(e) = ha_daemon_kit::stdout::print(&text) {
            eprintln!("vrrpd: writing the configuration: {e}");
            return Err(ExitCode::FAILURE);
        }
        return Err(ExitCode::SUCCESS);
    }
    let path = generated_path(socket);
    // The text holds AUTH_PASS: mode 0600, never through a planted symlink.
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty())
        && let Err(e) = std::fs::create_dir_all(dir)
    {
        eprintln!("vrrpd: cannot create {}: {e}", dir.display());
        return Err(ExitCode::FAILURE);
    }
    match keepalived_runtime::safe_file::write_private(&path, text.as_bytes()) {
        Ok(()) => Ok(path),
        Err(e) => {
            eprintln!("vrrpd: cannot write the generated configuration: {e}");
            Err(ExitCode::FAILURE)
        }
    }
}

/// `vrrpd check-tcp HOST PORT`: exit 0 when a TCP connection opens within
/// `timeout_secs`, 1 otherwise (keepalived's TCP_CHECK, as a script).
pub fn check_tcp(host: IpAddr, port: u16, timeout_secs: u64) -> ExitCode {
    let addr = SocketAddr::new(host, port);
    match TcpStream::connect_timeout(&addr, Duration::from_secs(timeout_secs.max(1))) {
        Ok(_) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("vrrpd check-tcp {addr}: {e}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn cfg(pairs: &[(&str, &str)]) -> Result<EnvConfig, EnvError> {
        let m: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
            .collect();
        EnvConfig::from_lookup(&move |k| m.get(k).cloned())
    }

    const SEED: &[(&str, &str)] = &[
        ("VIP", "192.168.143.32"),
        ("VRID", "32"),
        ("INTERFACE", "bond0"),
        ("PRIORITY", "100"),
        ("REAL_IP", "192.168.143.65"),
    ];

    fn with(extra: &[(&'static str, &'static str)]) -> Vec<(&'static str, &'static str)> {
        let mut v: Vec<_> = SEED
            .iter()
            .filter(|(k, _)| !extra.iter().any(|(e, _)| e == k))
            .copied()
            .collect();
        v.extend_from_slice(extra);
        v
    }

    #[test]
    fn each_required_variable_is_named_when_missing() {
        for name in ["VIP", "VRID", "INTERFACE", "PRIORITY", "REAL_IP"] {
            let v = with(&[]);
            let v: Vec<_> = v.into_iter().filter(|(k, _)| *k != name).collect();
            assert_eq!(cfg(&v), Err(EnvError::Missing(name)));
        }
    }

    #[test]
    fn ranges_and_formats_are_checked() {
        let bad: &[(&str, &str)] = &[
            ("VRID", "0"),
            ("VRID", "256"),
            ("PRIORITY", "0"),
            ("PRIORITY", "x"),
            ("VIP", "192.168.143.300"),
            ("VIP", "224.0.0.18"),
            ("VIP", "10.0.0.1/33"),
            ("INTERFACE", "a-very-long-interface-name"),
            ("REAL_IP", "host"),
            ("ADVERT_INT", "0.5"),
            ("VRRP_VERSION", "4"),
            ("NOPREEMPT", "maybe"),
            ("CHECK_PORT", "0"),
            ("AUTH_PASS", "123456789"),
            ("UNICAST_PEERS", "192.168.143.60,nope"),
            ("UNICAST_PEERS", "fd00::1"),
        ];
        for (k, v) in bad {
            match cfg(&with(&[(k, v)])) {
                Err(EnvError::Invalid { name, .. }) => assert_eq!(name, *k, "{k}={v}"),
                other => panic!("{k}={v}: {other:?}"),
            }
        }
        assert!(cfg(&with(&[("VRRP_VERSION", "3"), ("AUTH_PASS", "1111")])).is_err());
        assert!(cfg(&with(&[("VRRP_VERSION", "3"), ("ADVERT_INT", "0.5")])).is_ok());
    }

    #[test]
    fn seed_values_render_the_seed_instance() {
        let c = cfg(&with(&[("NOPREEMPT", "true"), ("AUTH_PASS", "1111")])).unwrap();
        let t = c.render("/vrrpd");
        assert!(t.contains("vrrp_instance VI_32 {\n    state BACKUP\n    interface bond0\n    virtual_router_id 32\n    priority 100\n    advert_int 1\n    nopreempt\n"), "{t}");
        assert!(t.contains("auth_pass 1111"), "{t}");
        assert!(t.contains("        192.168.143.32\n"), "{t}");
        assert!(!t.contains("track_script"), "{t}");
    }

    #[test]
    fn check_port_tracks_with_weight_zero() {
        let c = cfg(&with(&[("CHECK_PORT", "3306")])).unwrap();
        let t = c.render("/vrrpd");
        assert!(
            t.contains("script \"/vrrpd check-tcp 192.168.143.65 3306\""),
            "{t}"
        );
        assert!(t.contains("chk_real_ip weight 0"), "{t}");
    }

    #[test]
    fn unicast_peers_drop_self_and_accept_spaces_and_commas() {
        let c = cfg(&with(&[(
            "UNICAST_PEERS",
            "192.168.143.65, 192.168.143.60 192.168.143.61",
        )]))
        .unwrap();
        assert_eq!(c.unicast_peers.len(), 2);
        let t = c.render("/vrrpd");
        assert!(t.contains("unicast_src_ip 192.168.143.65"), "{t}");
    }

    #[test]
    fn ipv6_vip_selects_version_3() {
        let c = cfg(&with(&[("VIP", "fd00::32"), ("REAL_IP", "fd00::65")])).unwrap();
        assert!(c.render("/vrrpd").contains("vrrp_version 3"));
        assert!(cfg(&with(&[("VIP", "fd00::32"), ("VRRP_VERSION", "2")])).is_err());
    }

    #[test]
    fn check_tcp_sees_open_and_closed_ports() {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        assert_eq!(
            check_tcp("127.0.0.1".parse().unwrap(), port, 2),
            ExitCode::SUCCESS
        );
        drop(l);
        assert_eq!(
            check_tcp("127.0.0.1".parse().unwrap(), port, 2),
            ExitCode::FAILURE
        );
    }
}
