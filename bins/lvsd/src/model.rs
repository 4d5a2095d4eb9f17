//! The desired load-balancer configuration, after defaults and inheritance:
//! what [`crate::mapping`] produces from a keepalived.conf and what the
//! pool logic, the reconciler and the checkers consume.

use std::net::IpAddr;
use std::path::PathBuf;
use std::time::Duration;

use ipvs_sys::{Destination, Service, ServiceKey, SyncDaemon, Timeouts};
use serde::Serialize;

/// Where something was configured (`file:line`), for logs and status.
pub type Location = String;

/// Address and port of a real server (the key of an IPVS destination).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct RsKey {
    /// Address.
    pub addr: IpAddr,
    /// Port (0 for fwmark services with DR/TUN).
    pub port: u16,
}

impl std::fmt::Display for RsKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.addr {
            IpAddr::V4(a) => write!(f, "{a}:{}", self.port),
            IpAddr::V6(a) => write!(f, "[{a}]:{}", self.port),
        }
    }
}

/// Everything lvsd runs from one configuration.
#[derive(Debug, Clone, Default)]
pub struct Desired {
    /// The virtual servers that mapped without error, in file order.
    pub virtual_servers: Vec<VirtualServer>,
    /// `lvs_timeouts` (None: leave the kernel's).
    pub timeouts: Option<Timeouts>,
    /// Sync daemons to run (`lvs_sync_daemon` without `inst`: master and backup).
    pub sync_daemons: Vec<SyncDaemon>,
    /// `lvs_flush`: flush the whole table at start.
    pub flush_at_start: bool,
    /// `lvs_flush_on_stop`: flush the whole table at stop.
    pub flush_on_stop: bool,
    /// `rs_init_notifies`: up notifications for the real servers alive at start.
    pub rs_init_notifies: bool,
    /// SMTP alerts: where to send them (`smtp_server`, `notification_email`, ...); None
    /// when no server or no recipient is configured.
    pub smtp: Option<keepalived_runtime::smtp::SmtpConfig>,
    /// `router_id` (default: the host name), the `[...]` prefix of alert subjects.
    pub router_id: String,
    /// `notify_fifo` and `lvs_notify_fifo` (with their scripts).
    pub notify_fifos: Vec<FifoSpec>,
    /// `script_user` and `enable_script_security`.
    pub script_policy: crate::script_policy::ScriptPolicy,
    /// `enable_snmp_checker`: serve KEEPALIVED-MIB's check subtree.
    pub snmp: Option<SnmpSettings>,
    /// Every `virtual_server_group`, in order (virtualServerGroupTable).
    pub vs_groups: std::sync::Arc<Vec<keepalived_conf::VirtualServerGroup>>,
    /// `lvs_sync_daemon` as written (the MIB's sync daemon scalars).
    pub lvs_sync_daemon: Option<keepalived_conf::LvsSyncDaemon>,
    /// The BFD sessions lvsd runs: those its `BFD_CHECK`s name (docs/keepalived.md
    /// §3.38); empty when none, or when vrrpd runs the BFD sessions of this
    /// configuration.
    pub bfd_sessions: Vec<bfd_net::PeerSpec>,
}

/// A notify or quorum script line: `notify_up SCRIPT [USER [GROUP]]`
/// (keepalived.conf(5) 2.2.7; likewise notify_down, quorum_up, quorum_down).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Command {
    /// The command, split as keepalived does.
    pub argv: Vec<String>,
    /// Its own user (and group); None: the default script user.
    pub user: Option<(String, Option<String>)>,
}

/// One `virtual_server` block.
#[derive(Debug, Clone)]
pub struct VirtualServer {
    /// Display name, unique in a config: `TCP 10.0.0.1:80`, `FWM 5`, `group NAME`
    /// (with `#2` appended for a repeated key).
    pub id: String,
    /// Where its header is.
    pub location: Location,
    /// The IPVS services it programs (several for a `virtual_server_group`). Their
    /// scheduler, flags and persistence are the configured ones.
    pub services: Vec<Service>,
    /// Real servers, in file order.
    pub real_servers: Vec<RealServer>,
    /// `quorum` (default 1).
    pub quorum: u64,
    /// `hysteresis` (default 0).
    pub hysteresis: u64,
    /// `quorum_up` command.
    pub quorum_up: Option<Command>,
    /// `quorum_down` command.
    pub quorum_down: Option<Command>,
    /// `sorry_server`, as a template destination (port 0 = the service's port).
    pub sorry_server: Option<SorryServer>,
    /// `omega`: run the down notifiers at shutdown.
    pub omega: bool,
    /// `smtp_alert` (virtual server, else global `smtp_alert_checker`, else `smtp_alert`):
    /// e-mail on quorum changes.
    pub smtp_alert: bool,
    /// The name keepalived uses in alerts (`[10.0.0.1]:tcp:80`, `FWM 5`, `[GROUP]:80`).
    pub alert_name: String,
    /// The `virtual_server_group` it names (`virtual_server group NAME`).
    pub group: Option<String>,
    /// Its own `lvs_method` (default NAT), which its real servers inherit.
    pub method: ipvs_sys::ForwardMethod,
    /// `ha_suspend`: its checkers run only while this address (the virtual
    /// server's) is configured locally. None without `ha_suspend`, and for
    /// fwmark and group services (keepalived ignores it there).
    pub ha_suspend: Option<std::net::IpAddr>,
    /// The virtual server's own checker settings as written, with
    /// keepalived's defaults (check_data.c `alloc_vs`), for
    /// virtualServerTable.
    pub written: VsWritten,
    /// `virtualhost` as written in the block (virtualServerTable).
    pub virtualhost: Option<Box<str>>,
    /// `snmp_name` (virtualServerTable).
    pub snmp_name: Option<Box<str>>,
}

/// A `virtual_server`'s settings that KEEPALIVED-MIB's virtualServerTable
/// shows (check_snmp.c `check_snmp_virtualserver`), with keepalived's
/// defaults (check_data.c `alloc_vs`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VsWritten {
    /// `delay_loop` (default 60 s).
    pub delay_loop: std::time::Duration,
    /// `connect_timeout` (default 5 s).
    pub connect_timeout: std::time::Duration,
    /// `retry` (None: unset).
    pub retry: Option<u32>,
    /// `delay_before_retry` (None: unset).
    pub delay_before_retry: Option<std::time::Duration>,
    /// `warmup` (None: unset).
    pub warmup: Option<std::time::Duration>,
    /// `alpha`.
    pub alpha: bool,
    /// `inhibit_on_failure`.
    pub inhibit: bool,
    /// `weight` (default 1).
    pub weight: u32,
    /// `persistence_granularity` as keepalived holds it (check_parser.c
    /// `pgr_handler`): an IPv4 netmask's bytes in network order, an IPv6
    /// prefix length as a number; all ones when unset.
    pub granularity: u32,
    /// `lvs_method TUN` type, port and checksum flags (default IPIP, no
    /// port, no checksum).
    pub tunnel: (ipvs_sys::TunnelType, u16, ipvs_sys::TunnelFlags),
}

impl Default for VsWritten {
    fn default() -> VsWritten {
        VsWritten {
            delay_loop: std::time::Duration::from_secs(60),
            connect_timeout: std::time::Duration::from_secs(5),
            retry: None,
            delay_before_retry: None,
            warmup: None,
            alpha: false,
            inhibit: false,
            weight: 1,
            granularity: u32::MAX,
            tunnel: (
                ipvs_sys::TunnelType::Ipip,
                0,
                ipvs_sys::TunnelFlags::empty(),
            ),
        }
    }
}

/// `sorry_server` with its settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SorryServer {
    /// Address, port and forwarding method (weight 1).
    pub dest: Destination,
    /// True when no port was configured: use each service's port.
    pub port_from_service: bool,
    /// `sorry_server_inhibit`: keep it at weight 0 while idle.
    pub inhibit: bool,
}

/// One `real_server` block.
#[derive(Debug, Clone)]
pub struct RealServer {
    /// Address and configured port (the port used by NAT destinations).
    pub key: RsKey,
    /// Where it is configured.
    pub location: Location,
    /// Destination template: address, NAT port, forwarding method, configured
    /// weight, thresholds. [`dest_for`] adapts the port to each service.
    pub dest: DestTemplate,
    /// `inhibit_on_failure`: a failed server stays with weight 0.
    pub inhibit_on_failure: bool,
    /// `notify_up` command (boxed: most servers have none, and 10,000
    /// servers are held for the daemon's life).
    pub notify_up: Option<Box<Command>>,
    /// `notify_down` command.
    pub notify_down: Option<Box<Command>>,
    /// Health checkers; none means always alive.
    pub checkers: Vec<std::sync::Arc<CheckerSpec>>,
    /// `smtp_alert` (real server, else global `smtp_alert_checker`, else `smtp_alert`, else
    /// on): e-mail when it goes up/down.
    pub smtp_alert: bool,
    /// The real server's own `smtp_alert`, if written (KEEPALIVED-MIB shows
    /// true when it is not: keepalived keeps it unset there).
    pub smtp_alert_written: Option<bool>,
    /// The timer settings written in the `real_server` block itself (boxed
    /// and `None` when it writes none: the virtual server's apply).
    pub own_timers: Option<Box<RsTimers>>,
    /// `virtualhost` as written in the block itself (realServerTable).
    pub virtualhost: Option<Box<str>>,
    /// `snmp_name` (realServerTable).
    pub snmp_name: Option<Box<str>>,
}

/// A `real_server`'s own timer settings, each `None` when not written there
/// (check_data.c `validate_check_config` then takes the virtual server's).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RsTimers {
    /// `delay_loop`.
    pub delay_loop: Option<std::time::Duration>,
    /// `connect_timeout`.
    pub connect_timeout: Option<std::time::Duration>,
    /// `retry`.
    pub retry: Option<u32>,
    /// `delay_before_retry`.
    pub delay_before_retry: Option<std::time::Duration>,
    /// `warmup`.
    pub warmup: Option<std::time::Duration>,
    /// `alpha`.
    pub alpha: Option<bool>,
}

impl RsTimers {
    /// The settings keepalived holds for the real server: its own, else the
    /// virtual server's `vs` (check_data.c `validate_check_config`).
    pub fn resolve(own: Option<&RsTimers>, vs: &VsWritten) -> VsWritten {
        let o = own.copied().unwrap_or_default();
        VsWritten {
            delay_loop: o.delay_loop.unwrap_or(vs.delay_loop),
            connect_timeout: o.connect_timeout.unwrap_or(vs.connect_timeout),
            retry: o.retry.or(vs.retry),
            delay_before_retry: o.delay_before_retry.or(vs.delay_before_retry),
            warmup: o.warmup.or(vs.warmup),
            alpha: o.alpha.unwrap_or(vs.alpha),
            ..*vs
        }
    }
}

/// What a real server's destination is configured with: a [`Destination`]
/// without the counters and connection numbers only kernel replies carry
/// (48 bytes instead of 144; one per real server, held for the daemon's
/// life).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DestTemplate {
    /// Real server address.
    pub addr: IpAddr,
    /// Real server port.
    pub port: u16,
    /// Forwarding method.
    pub fwd: ipvs_sys::ForwardMethod,
    /// Configured weight.
    pub weight: i32,
    /// Upper connection threshold (0 = none).
    pub upper_threshold: u32,
    /// Lower connection threshold.
    pub lower_threshold: u32,
    /// Tunnel type (tunnelling only).
    pub tun_type: ipvs_sys::TunnelType,
    /// Tunnel port (GUE only).
    pub tun_port: u16,
    /// Tunnel checksum flags.
    pub tun_flags: ipvs_sys::TunnelFlags,
}

impl DestTemplate {
    /// The configured part of `d`.
    pub fn of(d: &Destination) -> Self {
        DestTemplate {
            addr: d.addr,
            port: d.port,
            fwd: d.fwd,
            weight: d.weight,
            upper_threshold: d.upper_threshold,
            lower_threshold: d.lower_threshold,
            tun_type: d.tun_type,
            tun_port: d.tun_port,
            tun_flags: d.tun_flags,
        }
    }

    /// The destination to program (no counters).
    pub fn destination(&self) -> Destination {
        let mut d = Destination::new(self.addr, self.port, self.fwd);
        d.weight = self.weight;
        d.upper_threshold = self.upper_threshold;
        d.lower_threshold = self.lower_threshold;
        d.tun_type = self.tun_type;
        d.tun_port = self.tun_port;
        d.tun_flags = self.tun_flags;
        d
    }
}

/// The destination of `rs` in `service`: NAT keeps the real server's port;
/// DR and TUN use the service's port (0 for fwmark services), as keepalived
/// does (`ipvs_nl_fill_dest_attr`).
pub fn dest_for(service: &ServiceKey, template: &Destination) -> Destination {
    let mut d = template.clone();
    if !matches!(d.fwd, ipvs_sys::ForwardMethod::Masq) {
        d.port = match service {
            ServiceKey::Inet { port, .. } => *port,
            ServiceKey::Fwmark { .. } => 0,
        };
    }
    d
}

/// Timing of a checker, after inheritance (checker → real server → virtual
/// server → per-type default).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct Timing {
    /// `connect_timeout` (connect and each read).
    pub connect_timeout: Duration,
    /// `retry`: failures tolerated before DOWN (DOWN needs `retry + 1`).
    pub retry: u32,
    /// `delay_before_retry`.
    pub delay_before_retry: Duration,
    /// `delay_loop`: interval between checks.
    pub delay_loop: Duration,
    /// `warmup`: the first check runs after a random delay up to this.
    pub warmup: Duration,
}

/// One health checker of a real server.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CheckerSpec {
    /// Where it is configured.
    pub location: Location,
    /// Timing.
    pub timing: Timing,
    /// `alpha`: start failed.
    pub alpha: bool,
    /// `log_all_failures`.
    pub log_all_failures: bool,
    /// Where to connect (`connect_ip`/`connect_port`, default the real server).
    pub target: RsKey,
    /// `bindto` / `bind_port`.
    pub bind: Option<(IpAddr, u16)>,
    /// `bind_if` (SO_BINDTODEVICE).
    pub bind_if: Option<String>,
    /// `fwmark` (SO_MARK).
    pub fwmark: Option<u32>,
    /// What to check.
    pub kind: CheckKind,
}

/// The type-specific part of a checker. The larger settings are boxed so
/// that the common TCP_CHECK costs no more than the smallest variant (one
/// spec per checker stays resident).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum CheckKind {
    /// `TCP_CHECK`: the connection completes.
    Tcp,
    /// `HTTP_GET` / `SSL_GET`.
    Http(Box<HttpSpec>),
    /// `MISC_CHECK`.
    Misc(Box<MiscSpec>),
    /// `SMTP_CHECK`.
    Smtp {
        /// `helo_name`.
        helo_name: String,
    },
    /// `DNS_CHECK`.
    Dns {
        /// Query type number (A 1, NS 2, CNAME 5, SOA 6, MX 15, TXT 16, AAAA 28).
        qtype: u16,
        /// Query name (empty = root).
        name: String,
    },
    /// `UDP_CHECK`.
    Udp(Box<UdpSpec>),
    /// `PING_CHECK`: ICMP echo.
    Ping,
    /// `FILE_CHECK`.
    File(Box<FileSpec>),
    /// `BFD_CHECK`: no task of its own; the named session's Up/Down events
    /// are its results (keepalived check_bfd.c `bfd_check_handle_event`).
    Bfd {
        /// The `bfd_instance` it follows.
        name: String,
    },
}

/// `HTTP_GET` / `SSL_GET` settings.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct HttpSpec {
    /// SSL_GET.
    pub tls: bool,
    /// `http_protocol`: "1.0", "1.0C" or "1.1".
    pub protocol: String,
    /// URLs, all checked in each round.
    pub urls: Vec<UrlSpec>,
    /// SNI name (`sni_name`, or the virtual host with `enable_sni`).
    pub sni: Option<String>,
}

/// One `url` block.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct UrlSpec {
    /// `path`.
    pub path: String,
    /// `digest`: lowercase MD5 hex of the body.
    pub digest: Option<String>,
    /// Accepted status ranges (default 200-299).
    pub status: Vec<(u16, u16)>,
    /// Host header (url → checker → real server → virtual server virtualhost).
    pub virtualhost: Option<String>,
}

/// `MISC_CHECK` settings.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct MiscSpec {
    /// The command.
    pub argv: Vec<String>,
    /// `misc_timeout` (default delay_loop).
    pub timeout: Duration,
    /// `misc_dynamic`: exit 2..255 sets the weight to exit-2.
    pub dynamic: bool,
    /// `user` (and group) to run as.
    pub user: Option<(String, Option<String>)>,
    /// `script_user` and `enable_script_security` of global_defs: who the
    /// script runs as without `user`, and whether insecure paths are refused.
    pub policy: crate::script_policy::ScriptPolicy,
}

/// `UDP_CHECK` settings.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct UdpSpec {
    /// Payload to send (None: a few random bytes).
    pub payload: Option<Vec<u8>>,
    /// `require_reply`: Some(pattern), where each element is a byte or `None`
    /// for an `x` wildcard nibble pair... kept as nibbles: (value, mask).
    pub require_reply: Option<Vec<(u8, u8)>>,
    /// `min_reply_length`.
    pub min_reply_length: usize,
    /// `max_reply_length`.
    pub max_reply_length: usize,
}

/// `FILE_CHECK` settings.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FileSpec {
    /// The tracked file.
    pub path: PathBuf,
    /// Weight multiplier (0: any non-zero value is a failure).
    pub weight: i64,
    /// `reverse`: the value is negated.
    pub reverse: bool,
}

/// The table a configuration describes when every real server is alive, in
/// `ipvsadm -Ln` style (for `lvsd -t`).
pub fn table_text(d: &Desired) -> String {
    use std::fmt::Write as _;
    let fwd = |f: ipvs_sys::ForwardMethod| match f {
        ipvs_sys::ForwardMethod::Masq => "Masq",
        ipvs_sys::ForwardMethod::Route => "Route",
        ipvs_sys::ForwardMethod::Tunnel => "Tunnel",
        ipvs_sys::ForwardMethod::Local => "Local",
        ipvs_sys::ForwardMethod::Other(_) => "?",
    };
    let mut out = String::new();
    for vs in &d.virtual_servers {
        let _ = writeln!(out, "# {} ({})", vs.id, vs.location);
        for s in &vs.services {
            let persist = if s.flags.contains(ipvs_sys::ServiceFlags::PERSISTENT) {
                format!(" persistent {}", s.timeout)
            } else {
                String::new()
            };
            let _ = writeln!(out, "{} {}{persist}", s.key, s.scheduler);
            for rs in &vs.real_servers {
                let dd = dest_for(&s.key, &rs.dest.destination());
                let k = RsKey {
                    addr: dd.addr,
                    port: dd.port,
                };
                let _ = writeln!(out, "  -> {k} {} {}", fwd(dd.fwd), dd.weight);
            }
        }
    }
    out
}

/// One configured FIFO.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FifoSpec {
    /// Its path.
    pub path: std::path::PathBuf,
    /// `USER [GROUP]` owning the FIFO when lvsd creates it.
    pub owner: Option<(String, Option<String>)>,
    /// The `*_fifo_script` argv (the FIFO path is appended when started).
    pub script: Option<Vec<String>>,
}

/// What lvsd serves over AgentX (`enable_snmp_checker`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnmpSettings {
    /// The master's address (`snmp_socket`, default net-snmp's).
    pub socket: agentx_subagent::address::AgentxAddress,
    /// `enable_traps`: send the checker notifications.
    pub traps: bool,
    /// `snmp_socket` as written when lvsd cannot use it (the default is
    /// used, and the daemon says so).
    pub unusable_socket: Option<String>,
    /// What KEEPALIVED-MIB's `global` scalars show: keepalived's checker
    /// process registers them whenever it serves SNMP (check_snmp.c
    /// `check_snmp_agent_init`).
    pub global: keepalived_runtime::snmp_global::GlobalScalars,
}

impl SnmpSettings {
    /// The settings of `global_defs`; `None` without `enable_snmp_checker`
    /// (keepalived check_daemon.c `start_check`: the agent starts only
    /// then).
    pub fn of(g: &keepalived_conf::GlobalDefs) -> Option<SnmpSettings> {
        g.enable_snmp_checker.as_ref()?;
        let written = g.snmp_socket.as_ref().map(|s| &s.value);
        let parsed = written.map(|w| agentx_subagent::address::AgentxAddress::parse(w));
        Some(SnmpSettings {
            socket: parsed.clone().flatten().unwrap_or_else(|| {
                agentx_subagent::address::AgentxAddress::Unix(
                    agentx_subagent::address::DEFAULT_SOCKET.into(),
                )
            }),
            traps: g.enable_traps.is_some(),
            unusable_socket: match parsed {
                Some(None) => written.cloned(),
                _ => None,
            },
            global: keepalived_runtime::snmp_global::GlobalScalars::of(g),
        })
    }
}
