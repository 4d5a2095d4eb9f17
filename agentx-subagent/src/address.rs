//! Where the AgentX master listens, in net-snmp's transport syntax (the
//! form of keepalived's `snmp_socket`): `unix:PATH`, a path,
//! `tcp:HOST:PORT`, `HOST:PORT` or a bare port.

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
    /// Parses net-snmp's transport syntax; `None` for a form a subagent cannot use
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn net_snmp_forms() {
        assert_eq!(
            AgentxAddress::parse("unix:/run/agentx"),
            Some(AgentxAddress::Unix("/run/agentx".into()))
        );
        assert_eq!(
            AgentxAddress::parse("tcp:127.0.0.1:705"),
            Some(AgentxAddress::Tcp("127.0.0.1:705".into()))
        );
        assert_eq!(
            AgentxAddress::parse("705"),
            Some(AgentxAddress::Tcp("localhost:705".into()))
        );
        assert_eq!(
            AgentxAddress::parse("/var/agentx/master"),
            Some(AgentxAddress::Unix("/var/agentx/master".into()))
        );
        assert_eq!(
            AgentxAddress::parse("localhost:705"),
            Some(AgentxAddress::Tcp("localhost:705".into()))
        );
        assert_eq!(AgentxAddress::parse("udp:161"), None);
        assert_eq!(AgentxAddress::parse("udp:"), None);
        assert_eq!(AgentxAddress::parse("unix:"), None);
        assert_eq!(
            AgentxAddress::Unix(DEFAULT_SOCKET.into()).to_string(),
            "unix:/var/agentx/master"
        );
    }
}
