//! The SNMP settings of `global_defs` (keepalived global_parser.c
//! `snmp_socket_handler`, `snmp_rfc_handler`, `snmp_rfcv2_handler`,
//! `snmp_rfcv3_handler`): which MIBs vrrpd serves through the AgentX master
//! and where that master listens.
//!
//! * `enable_snmp_rfcv3` serves VRRPv3-MIB (RFC 6527), `enable_snmp_rfcv2`
//!   VRRP-MIB (RFC 2787), `enable_snmp_rfc` both. KEEPALIVED-MIB
//!   (`enable_snmp_vrrp`) is not served and stays warned.
//! * `enable_traps` sends those MIBs' notifications (keepalived
//!   global_parser.c `trap_handler`).
//! * `snmp_socket` takes net-snmp's transport syntax: `unix:PATH`, a path,
//!   `tcp:HOST:PORT` or `HOST:PORT`; the first one written counts, as in
//!   keepalived. The default is net-snmp's `/var/agentx/master`.

use keepalived_conf::GlobalDefs;

/// net-snmp's default AgentX master socket.
pub const DEFAULT_SOCKET: &str = "/var/agentx/master";

/// Where the AgentX master listens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AgentxAddress {
    /// A unix stream socket.
    Unix(std::path::PathBuf),
    /// A TCP `host:port`.
    Tcp(String),
}

impl AgentxAddress {
    /// Parses net-snmp's transport syntax; `None` for a form vrrpd cannot use
    /// (`udp:`, `ipx:`, ...: AgentX runs over streams).
    pub fn parse(s: &str) -> Option<AgentxAddress> {
        if let Some(p) = s.strip_prefix("unix:") {
            return (!p.is_empty()).then(|| AgentxAddress::Unix(p.into()));
        }
        if s.starts_with('/') {
            return Some(AgentxAddress::Unix(s.into()));
        }
        // net-snmp's datagram and other non-stream transports
        let scheme = s.split(':').next().unwrap_or("").to_ascii_lowercase();
        let not_stream = [
            "udp", "udp6", "udpv6", "udpipv6", "ipx", "aal5pvc", "dtlsudp", "callback",
        ];
        if not_stream.contains(&scheme.as_str()) {
            return None;
        }
        let hp = ["tcp:", "tcp6:", "tcpv6:"]
            .iter()
            .find_map(|p| s.strip_prefix(p))
            .unwrap_or(s);
        if hp.contains(':') && !hp.starts_with(':') {
            return Some(AgentxAddress::Tcp(hp.to_string()));
        }
        // net-snmp reads a bare port as localhost:PORT
        if !hp.is_empty() && hp.bytes().all(|b| b.is_ascii_digit()) {
            return Some(AgentxAddress::Tcp(format!("localhost:{hp}")));
        }
        None
    }
}

impl std::fmt::Display for AgentxAddress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AgentxAddress::Unix(p) => write!(f, "unix:{}", p.display()),
            AgentxAddress::Tcp(hp) => write!(f, "tcp:{hp}"),
        }
    }
}

/// What vrrpd serves over AgentX.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnmpSpec {
    /// The master's address.
    pub socket: AgentxAddress,
    /// Serve VRRP-MIB (`enable_snmp_rfcv2` or `enable_snmp_rfc`).
    pub rfcv2: bool,
    /// Serve VRRPv3-MIB (`enable_snmp_rfcv3` or `enable_snmp_rfc`).
    pub rfcv3: bool,
    /// Send the notifications of the MIBs served (`enable_traps`).
    pub traps: bool,
    /// `snmp_socket` was written in a form vrrpd cannot use (the default is
    /// used instead, and the runtime says so).
    pub unusable_socket: Option<String>,
}

/// The SNMP settings, or `None` when no MIB vrrpd serves is enabled.
pub fn snmp_spec(g: &GlobalDefs) -> Option<SnmpSpec> {
    let rfcv2 = g.enable_snmp_rfcv2.is_some();
    let rfcv3 = g.enable_snmp_rfcv3.is_some();
    if !rfcv2 && !rfcv3 {
        return None;
    }
    let written = g.snmp_socket.as_ref().map(|s| &s.value);
    let parsed = written.map(|w| AgentxAddress::parse(w));
    let default = || AgentxAddress::Unix(DEFAULT_SOCKET.into());
    Some(SnmpSpec {
        socket: parsed.clone().flatten().unwrap_or_else(default),
        rfcv2,
        rfcv3,
        traps: g.enable_traps.is_some(),
        unusable_socket: match parsed {
            Some(None) => written.cloned(),
            _ => None,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn globals(text: &str) -> GlobalDefs {
        let parsed =
            keepalived_conf::parse_str("t.conf", text, &keepalived_conf::LoadOptions::default());
        parsed.config.global_defs
    }

    #[test]
    fn transport_forms() {
        assert_eq!(
            AgentxAddress::parse("unix:/run/agentx"),
            Some(AgentxAddress::Unix("/run/agentx".into()))
        );
        assert_eq!(
            AgentxAddress::parse("/var/agentx/master"),
            Some(AgentxAddress::Unix("/var/agentx/master".into()))
        );
        assert_eq!(
            AgentxAddress::parse("tcp:127.0.0.1:705"),
            Some(AgentxAddress::Tcp("127.0.0.1:705".into()))
        );
        assert_eq!(
            AgentxAddress::parse("localhost:705"),
            Some(AgentxAddress::Tcp("localhost:705".into()))
        );
        assert_eq!(
            AgentxAddress::parse("705"),
            Some(AgentxAddress::Tcp("localhost:705".into()))
        );
        assert_eq!(AgentxAddress::parse("udp:"), None);
        assert_eq!(AgentxAddress::parse("unix:"), None);
    }

    #[test]
    fn enabled_by_rfc_rfcv2_or_rfcv3_only() {
        assert_eq!(
            snmp_spec(&globals("global_defs {\n enable_snmp_vrrp\n}\n")),
            None
        );
        assert_eq!(
            snmp_spec(&globals("global_defs {\n router_id a\n}\n")),
            None
        );
        let s = snmp_spec(&globals("global_defs {\n enable_snmp_rfcv3\n}\n")).unwrap();
        assert_eq!(s.socket, AgentxAddress::Unix(DEFAULT_SOCKET.into()));
        let s = snmp_spec(&globals(
            "global_defs {\n enable_snmp_rfc\n snmp_socket unix:/tmp/x\n snmp_socket /tmp/y\n}\n",
        ))
        .unwrap();
        assert!(s.rfcv2 && s.rfcv3);
        assert_eq!(s.socket, AgentxAddress::Unix("/tmp/x".into()));
        let s = snmp_spec(&globals("global_defs {\n enable_snmp_rfcv2\n}\n")).unwrap();
        assert!(s.rfcv2 && !s.rfcv3 && !s.traps);
        let s = snmp_spec(&globals(
            "global_defs {\n enable_snmp_rfcv3\n enable_traps\n}\n",
        ))
        .unwrap();
        assert!(s.traps);
        let s = snmp_spec(&globals(
            "global_defs {\n enable_snmp_rfcv3\n snmp_socket udp:1.2.3.4:1\n}\n",
        ))
        .unwrap();
        assert_eq!(s.socket, AgentxAddress::Unix(DEFAULT_SOCKET.into()));
        assert_eq!(s.unusable_socket.as_deref(), Some("udp:1.2.3.4:1"));
    }
}
