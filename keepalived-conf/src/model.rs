//! The typed configuration model (serde `Serialize`).
//!
//! Field names are keepalived's keywords. Every value is a [`Spanned`] with its position.
//! A field is `None` (or an empty list) when the keyword was not written: defaults are
//! the daemons' business and are documented on each field. Keywords that are recognised
//! but have no typed field are kept in the `other` list of their block as [`RawSetting`]s.

use crate::span::{Span, Spanned};
use crate::values::IpPrefix;
use serde::Serialize;
use std::net::IpAddr;
use std::time::Duration;

/// An optional value with its span.
pub type Opt<T> = Option<Spanned<T>>;

/// A rarely set optional setting kept out of line, so that a struct holding
/// many of them (a `vrrp_instance`) stays small when they are unset: 8 bytes
/// instead of the value's size. Serialises exactly as [`Opt`].
pub type BoxOpt<T> = Option<Box<Spanned<T>>>;

/// A whole configuration.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Config {
    /// Display names of the files read, indexed by `Span::file`.
    pub files: Vec<String>,
    /// `global_defs` (all `global_defs` blocks merged, as keepalived does).
    pub global_defs: GlobalDefs,
    /// `vrrp_instance NAME { ... }`, in file order.
    pub vrrp_instances: Vec<VrrpInstance>,
    /// `vrrp_sync_group NAME { ... }`.
    pub vrrp_sync_groups: Vec<VrrpSyncGroup>,
    /// `vrrp_script NAME { ... }`.
    pub vrrp_scripts: Vec<VrrpScript>,
    /// `track_file NAME { ... }` / `vrrp_track_file NAME { ... }`.
    pub track_files: Vec<TrackFile>,
    /// `vrrp_track_process NAME { ... }`.
    pub track_processes: Vec<TrackProcess>,
    /// `bfd_instance NAME { ... }`, the first block of each name, in file order.
    pub bfd_instances: Vec<BfdInstance>,
    /// `static_ipaddress { ... }` entries.
    pub static_ipaddress: Vec<VirtualIp>,
    /// `static_routes { ... }` entries.
    pub static_routes: Vec<Route>,
    /// `static_rules { ... }` entries.
    pub static_rules: Vec<Rule>,
    /// `virtual_server_group NAME { ... }`.
    pub virtual_server_groups: Vec<VirtualServerGroup>,
    /// `virtual_server ... { ... }`.
    pub virtual_servers: Vec<VirtualServer>,
    /// Recognised sections without a typed model (
    /// `garp_group`, `SSL`, `linkbeat_interfaces`, `track_group`, ...), kept whole.
    pub raw_blocks: Vec<RawBlock>,
    /// Recognised top-level keywords without a block and without a typed field
    /// (`net_namespace_ipvs`, `use_pid_dir`, ...).
    pub other: Vec<RawSetting>,
}

/// A keyword kept as written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RawSetting {
    /// The keyword.
    pub keyword: String,
    /// Its arguments.
    pub args: Vec<String>,
    /// Where the keyword was written.
    pub span: Span,
}

/// A block kept as written (with nested blocks).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RawBlock {
    /// Keyword and arguments of the header.
    pub header: RawSetting,
    /// Statements inside, in order.
    pub items: Vec<RawItem>,
}

/// A statement in a raw block.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RawItem {
    /// The statement.
    pub setting: RawSetting,
    /// Its block, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub block: Option<Box<RawBlock>>,
}

/// A script command (`notify_master "/bin/x arg" user group`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Script {
    /// Command line (quotes removed, arguments kept in one string as keepalived passes them).
    pub command: String,
    /// `user` to run as.
    pub user: Option<String>,
    /// `group` to run as.
    pub group: Option<String>,
}

/// `global_defs` (man5 "Global definitions").
#[derive(Debug, Clone, Default, Serialize)]
pub struct GlobalDefs {
    /// `router_id` (default: hostname).
    pub router_id: Opt<String>,
    /// `notification_email { addr ... }`.
    pub notification_email: Vec<Spanned<String>>,
    /// `notification_email_from` (default `keepalived@<hostname>`).
    pub notification_email_from: Opt<String>,
    /// `smtp_server IP|host [PORT]` (port default 25).
    pub smtp_server: Opt<SmtpServer>,
    /// `smtp_connect_timeout` (default 30 s).
    pub smtp_connect_timeout: Opt<Duration>,
    /// `smtp_helo_name`.
    pub smtp_helo_name: Opt<String>,
    /// `smtp_alert`.
    pub smtp_alert: Opt<bool>,
    /// `smtp_alert_vrrp`.
    pub smtp_alert_vrrp: Opt<bool>,
    /// `smtp_alert_checker`.
    pub smtp_alert_checker: Opt<bool>,
    /// `no_email_faults`: no VRRP mail on entering FAULT.
    pub no_email_faults: Opt<bool>,
    /// `enable_script_security`.
    pub enable_script_security: Opt<bool>,
    /// `script_user USER [GROUP]`.
    pub script_user: Opt<ScriptUser>,
    /// `vrrp_version` 2|3 (default 2).
    pub vrrp_version: Opt<u8>,
    /// `vrrp_iptables [IN_CHAIN [OUT_CHAIN]]`.
    pub vrrp_iptables: Opt<Vec<String>>,
    /// `vrrp_ipsets [names]`.
    pub vrrp_ipsets: Opt<Vec<String>>,
    /// `nftables [TABLE]`.
    pub nftables: Opt<Option<String>>,
    /// `nftables_priority N`: the hook priority of the Accept_Mode chains
    /// (keepalived's default -1).
    pub nftables_priority: Opt<i32>,
    /// `nftables_counters`: a counter in every Accept_Mode rule.
    pub nftables_counters: Opt<bool>,
    /// `nftables_ifindex`: link-local VIPs keyed by interface index, never
    /// by name, in the Accept_Mode drop set.
    pub nftables_ifindex: Opt<bool>,
    /// `disable_local_igmp`: `net.ipv4.igmp_link_local_mcast_reports` set
    /// to 0 while the VRRP side runs, and no IGMP rules for IPv4 VMACs.
    pub disable_local_igmp: Opt<bool>,
    /// `vrrp_strict`.
    pub vrrp_strict: Opt<bool>,
    /// `vrrp_check_unicast_src`.
    pub vrrp_check_unicast_src: Opt<bool>,
    /// `vrrp_skip_check_adv_addr`.
    pub vrrp_skip_check_adv_addr: Opt<bool>,
    /// `vrrp_garp_master_delay` seconds (default 5).
    pub vrrp_garp_master_delay: Opt<u32>,
    /// `vrrp_garp_master_repeat` (default 5).
    pub vrrp_garp_master_repeat: Opt<u32>,
    /// `vrrp_garp_master_refresh` seconds (default 0 = off).
    pub vrrp_garp_master_refresh: Opt<u32>,
    /// `vrrp_garp_master_refresh_repeat` (default 1).
    pub vrrp_garp_master_refresh_repeat: Opt<u32>,
    /// `vrrp_garp_extra_if [all] DELAY` (also `vrrp_vmac_garp_intvl`).
    pub vrrp_garp_extra_if: Opt<GarpExtraIf>,
    /// `vrrp_garp_lower_prio_delay` seconds.
    pub vrrp_garp_lower_prio_delay: Opt<u32>,
    /// `vrrp_garp_lower_prio_repeat`.
    pub vrrp_garp_lower_prio_repeat: Opt<u32>,
    /// `vrrp_garp_interval` (0.000001..4294.967295 s).
    pub vrrp_garp_interval: Opt<Duration>,
    /// `vrrp_gna_interval` (0.000001..4294.967295 s).
    pub vrrp_gna_interval: Opt<Duration>,
    /// `vrrp_min_garp`.
    pub vrrp_min_garp: Opt<bool>,
    /// `vrrp_lower_prio_no_advert`.
    pub vrrp_lower_prio_no_advert: Opt<bool>,
    /// `vrrp_higher_prio_send_advert`.
    pub vrrp_higher_prio_send_advert: Opt<bool>,
    /// `vrrp_notify_priority_changes`: the default of the instances'
    /// `notify_priority_changes`.
    pub vrrp_notify_priority_changes: Opt<bool>,
    /// `vrrp_down_timer_adverts` 1..100 (default 3).
    pub vrrp_down_timer_adverts: Opt<u32>,
    /// `vrrp_mcast_group4` (default 224.0.0.18).
    pub vrrp_mcast_group4: Opt<IpAddr>,
    /// `vrrp_mcast_group6` (default ff02::12).
    pub vrrp_mcast_group6: Opt<IpAddr>,
    /// `default_interface`.
    pub default_interface: Opt<String>,
    /// `vrrp_startup_delay`.
    pub vrrp_startup_delay: Opt<Duration>,
    /// `process_monitor_rcv_bufs BYTES`: receive buffer of the process events
    /// socket (`vrrp_track_process`); 0 is ignored, as keepalived does.
    pub process_monitor_rcv_bufs: Opt<u32>,
    /// `process_monitor_rcv_bufs_force [BOOL]`: set it with `SO_RCVBUFFORCE`.
    pub process_monitor_rcv_bufs_force: Opt<bool>,
    /// `max_auto_priority [-1..99]`.
    pub max_auto_priority: Opt<i32>,
    /// `lvs_timeouts [tcp S] [tcpfin S] [udp S]`.
    pub lvs_timeouts: Opt<LvsTimeouts>,
    /// `lvs_sync_daemon IF [VI] [id N] [maxlen N] [port N] [ttl N] [group IP]`.
    pub lvs_sync_daemon: Opt<LvsSyncDaemon>,
    /// `lvs_flush`.
    pub lvs_flush: Opt<bool>,
    /// `lvs_flush_on_stop [VS]`.
    pub lvs_flush_on_stop: Opt<bool>,
    /// `notify_fifo FIFO [user [group]]`.
    pub notify_fifo: Opt<Script>,
    /// `vrrp_notify_fifo`.
    pub vrrp_notify_fifo: Opt<Script>,
    /// `lvs_notify_fifo`.
    pub lvs_notify_fifo: Opt<Script>,
    /// `notify_fifo_script CMD [user [group]]`: reads `notify_fifo` (the FIFO path is
    /// appended when it starts). The last line wins.
    pub notify_fifo_script: Opt<Script>,
    /// `vrrp_notify_fifo_script CMD [user [group]]`: reads `vrrp_notify_fifo`.
    pub vrrp_notify_fifo_script: Opt<Script>,
    /// `lvs_notify_fifo_script CMD [user [group]]`: reads `lvs_notify_fifo`.
    pub lvs_notify_fifo_script: Opt<Script>,
    /// `rs_init_notifies [BOOL]`: run `notify_up` for the real servers found alive at
    /// start (keepalived 2.2.7 check_daemon.c).
    pub rs_init_notifies: Opt<bool>,
    /// `dynamic_interfaces [allow_if_changes]`.
    pub dynamic_interfaces: Opt<bool>,
    /// The `allow_if_changes` option of `dynamic_interfaces`: follow an
    /// interface deleted and created again (with another index).
    pub allow_if_changes: Opt<bool>,
    /// `enable_snmp_rfcv2` (or `enable_snmp_rfc`): serve VRRP-MIB (RFC 2787)
    /// over AgentX.
    pub enable_snmp_rfcv2: Opt<bool>,
    /// `enable_snmp_rfcv3` (or `enable_snmp_rfc`): serve VRRPv3-MIB
    /// (RFC 6527) over AgentX.
    pub enable_snmp_rfcv3: Opt<bool>,
    /// `enable_snmp_vrrp` (or the older `enable_snmp_keepalived`): serve
    /// the VRRP part of KEEPALIVED-MIB over AgentX.
    pub enable_snmp_vrrp: Opt<bool>,
    /// `enable_snmp_checker`: serve the checker part of KEEPALIVED-MIB
    /// over AgentX (and its global scalars, which the VRRP side then leaves
    /// to it when virtual servers are configured).
    pub enable_snmp_checker: Opt<bool>,
    /// `enable_traps`: send the SNMP notifications of the MIBs enabled
    /// (keepalived global_parser.c `trap_handler`; any word after it is
    /// ignored).
    pub enable_traps: Opt<bool>,
    /// `snmp_socket ADDR`: the AgentX master (net-snmp transport syntax;
    /// default `unix:/var/agentx/master`). The first one written counts.
    pub snmp_socket: Opt<String>,
    /// The top-level `net_namespace NAME`: the network namespace
    /// (`/run/netns/NAME`) the daemons enter before anything else. Written
    /// outside `global_defs`, kept here as keepalived keeps it with its global
    /// data; the first one with a name counts.
    pub net_namespace: Opt<String>,
    /// The top-level `instance NAME`: names the default pid (and here socket
    /// and dump) files. Written outside `global_defs`; the first one with a
    /// name counts.
    pub instance: Opt<String>,
    /// Other recognised `global_defs` keywords, as written.
    pub other: Vec<RawSetting>,
}

/// `smtp_server` value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SmtpServer {
    /// Address or host name.
    pub host: String,
    /// Port (default 25).
    pub port: Option<u16>,
}

/// `script_user` value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ScriptUser {
    /// User name.
    pub user: String,
    /// Group name.
    pub group: Option<String>,
}

/// `lvs_timeouts` value (seconds; 0..31 days each).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct LvsTimeouts {
    /// `tcp`.
    pub tcp: Option<u32>,
    /// `tcpfin`.
    pub tcpfin: Option<u32>,
    /// `udp`.
    pub udp: Option<u32>,
}

/// `lvs_sync_daemon` value.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct LvsSyncDaemon {
    /// Interface.
    pub interface: String,
    /// VRRP instance whose state drives master/backup.
    pub instance: Option<String>,
    /// `id` 0..255 (default: VRID of the instance).
    pub id: Option<u8>,
    /// `maxlen` 1..65507.
    pub maxlen: Option<u16>,
    /// `port`.
    pub port: Option<u16>,
    /// `ttl` 1..255.
    pub ttl: Option<u8>,
    /// `group` multicast address.
    pub group: Option<IpAddr>,
}

/// `state` of a VRRP instance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum VrrpState {
    /// `MASTER`
    Master,
    /// `BACKUP`
    Backup,
}

/// `auth_type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum AuthType {
    /// `PASS`: simple password (RFC 2338 §5.3.6.1).
    Pass,
    /// `AH`: IPSEC AH (RFC 2338 §5.3.6.2).
    Ah,
}

/// `authentication { auth_type ...; auth_pass ... }`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Authentication {
    /// `auth_type PASS|AH`.
    pub auth_type: Opt<AuthType>,
    /// `auth_pass` (keepalived uses the first 8 bytes).
    pub auth_pass: Opt<String>,
    /// Position of `authentication`.
    pub span: Span,
}

/// One entry of `virtual_ipaddress`, `virtual_ipaddress_excluded` or `static_ipaddress`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VirtualIp {
    /// Address and prefix (default /32 or /128).
    pub address: Spanned<IpPrefix>,
    /// `brd IP|+|-`.
    pub brd: Option<String>,
    /// `dev IF`.
    pub dev: Option<String>,
    /// `scope SCOPE`.
    pub scope: Option<String>,
    /// `label LABEL`.
    pub label: Option<String>,
    /// `peer IP` (a full-length prefix: keepalived refuses a peer with `/LEN`).
    pub peer: Option<IpPrefix>,
    /// `no_track`.
    pub no_track: bool,
    /// `use_vmac [NAME]`.
    pub use_vmac: Option<Option<String>>,
    /// Address flags (`home`, `-nodad`, `mngtmpaddr`, `noprefixroute`,
    /// `autojoin`): keepalived sends them as IFA_FLAGS when it adds the address.
    pub flags: AddressFlagOptions,
    /// `preferred_lft N|forever` (keepalived sends it as IFA_CACHEINFO on IPv6
    /// addresses only).
    pub preferred_lft: Option<PreferredLifetime>,
    /// Words keepalived itself ignores (`nodad` without the dash: keepalived
    /// logs "Unknown configuration entry" for it), as written.
    pub options: Vec<String>,
}

/// The IFA_F_* flag words of an address line, read as keepalived 2.2.7's
/// `parse_ipaddress` reads them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct AddressFlagOptions {
    /// `home`: IFA_F_HOMEADDRESS.
    pub home: bool,
    /// `-nodad`: keep duplicate address detection on an IPv6 address (without
    /// it keepalived sets IFA_F_NODAD on every IPv6 address it adds).
    pub dad: bool,
    /// `mngtmpaddr`: IFA_F_MANAGETEMPADDR.
    pub mngtmpaddr: bool,
    /// `noprefixroute`: IFA_F_NOPREFIXROUTE.
    pub noprefixroute: bool,
    /// `autojoin`: IFA_F_MCAUTOJOIN.
    pub autojoin: bool,
}

impl AddressFlagOptions {
    /// Whether no flag word was given.
    pub fn is_empty(&self) -> bool {
        *self == AddressFlagOptions::default()
    }
}

/// `preferred_lft` of an address line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum PreferredLifetime {
    /// `preferred_lft N` seconds (0: the address is deprecated at once).
    Seconds(u32),
    /// `preferred_lft forever`.
    Forever,
}

/// One entry of `virtual_routes` / `static_routes` (`ip route` syntax, read as
/// keepalived 2.2.7's `alloc_route` reads it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Route {
    /// Destination (`default`/`any`/`all` is the family's /0).
    pub to: Option<IpPrefix>,
    /// `src IP`: the preferred source (RTA_PREFSRC).
    pub src: Option<IpAddr>,
    /// `via [inet|inet6] IP` (or deprecated `gw`).
    pub via: Option<IpAddr>,
    /// `dev IF` / `oif IF`.
    pub dev: Option<String>,
    /// `table N|NAME` as written.
    pub table: Option<String>,
    /// `no_track`.
    pub no_track: bool,
    /// The words as written.
    pub words: Vec<String>,
    /// Position of the entry.
    pub span: Span,
    /// IPv6 route (from the addresses or `inet6`; IPv4 otherwise).
    pub ipv6: bool,
    /// The table number (`table`; `main`, 254, by default).
    pub table_id: u32,
    /// RTN_* type (`unicast`, `blackhole`, `unreachable`, `prohibit`, `throw`, ...)
    /// when one was written.
    pub route_type: Option<u8>,
    /// RT_SCOPE_* (`scope`).
    pub scope: Option<u8>,
    /// `metric` / `priority` / `preference`.
    pub metric: Option<u32>,
    /// RTPROT_* (`protocol`); keepalived's own (18) when tracked or unset.
    pub protocol: Option<u8>,
    /// `tos` / `dsfield`.
    pub tos: Option<u8>,
    /// `onlink`.
    pub onlink: bool,
    /// `from PREFIX` (IPv6 source routing).
    pub from: Option<IpPrefix>,
    /// RTAX_* metrics (`mtu`, `advmss`, `window`, ...): (RTAX number, value).
    pub metrics: Vec<(u16, u32)>,
    /// RTAX_LOCK bits (`mtu lock N`, ...).
    pub lock: u32,
    /// `pref low|medium|high|N` (IPv6 router preference).
    pub pref: Option<u8>,
    /// `add` (NLM_F_EXCL), `append` (NLM_F_APPEND) or the default `prepend`.
    pub mode: RouteMode,
    /// `nexthop ...` entries (and the deprecated `via A or B`).
    pub nexthops: Vec<Nexthop>,
    /// `congctl [lock] NAME` (RTAX_CC_ALGO; its lock bit is in `lock`).
    pub congctl: Option<String>,
    /// `realms [FROM/]TO` (RTA_FLOW: FROM in the high 16 bits).
    pub realms: Option<u32>,
    /// `expires N` (IPv6, seconds).
    pub expires: Option<u32>,
    /// `encap ip|ip6|mpls|ila ...` (a lightweight tunnel, RTA_ENCAP).
    pub encap: Option<Encap>,
    /// `ttl-propagate enabled|disabled` (RTA_TTL_PROPAGATE): true for
    /// `enabled`; any other value is reported and read as not enabled, as
    /// keepalived does.
    pub ttl_propagate: Option<bool>,
    /// `vrf NAME`: the route goes in the table of VRF device NAME, looked up
    /// when it is installed (keepalived `alloc_route` reads it when the
    /// configuration is read). `None` when a `table` comes after it (the
    /// later of the two wins).
    pub vrf: Option<String>,
    /// Options keepalived accepts that this model does not carry (`encap`
    /// other than a valid `ip`/`ip6`/`mpls`/`ila` one, route's or
    /// nexthop's, `track_group`, nexthop `realms`), as written, with their positions: a
    /// daemon that installs routes must warn about them.
    pub untyped: Vec<Spanned<String>>,
}

/// A route's lightweight tunnel (keepalived `parse_encap`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum Encap {
    /// `encap ip ...` / `encap ip6 ...`.
    Ip(RouteEncap),
    /// `encap mpls LABEL[/LABEL]` (keepalived `parse_mpls_address`): one or
    /// two labels (keepalived's MAX_MPLS_LABELS), each a C number below
    /// 2^20, outermost first. keepalived has no `ttl` here.
    Mpls(Vec<u32>),
    /// `encap ila LOCATOR` (keepalived `parse_encap_ila`, `get_addr64`):
    /// four hex groups `a:b:c:d`, held as the 64-bit number they spell
    /// (`a` the high 16 bits). keepalived has no `csum-mode`, `ident-type`
    /// or `hook-type`: the kernel's defaults apply.
    Ila(u64),
}

/// A route's `encap ip` / `encap ip6` (keepalived `parse_encap_ip`,
/// `parse_encap_ip6`): the tunnel key the route sets for a
/// metadata-based tunnel device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RouteEncap {
    /// `ip6` (LWTUNNEL_ENCAP_IP6), else `ip` (LWTUNNEL_ENCAP_IP).
    pub ipv6: bool,
    /// `id N`: the tunnel id.
    pub id: Option<u64>,
    /// `dst ADDR` (of the encapsulation's family).
    pub dst: Option<IpAddr>,
    /// `src ADDR` (of the encapsulation's family).
    pub src: Option<IpAddr>,
    /// `tos N` (`tc N` for `ip6`).
    pub tos: Option<u8>,
    /// `ttl N` (`hoplimit N` for `ip6`).
    pub ttl: Option<u8>,
    /// `flags N`.
    pub flags: Option<u16>,
}

/// How a route is added (keepalived `alloc_route`: `add`, `append`, `prepend`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub enum RouteMode {
    /// The kernel's default, and keepalived's: NLM_F_CREATE only.
    #[default]
    Prepend,
    /// NLM_F_CREATE | NLM_F_EXCL.
    Add,
    /// NLM_F_CREATE | NLM_F_APPEND.
    Append,
}

/// One `nexthop` of a multipath route.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Nexthop {
    /// `via IP`.
    pub via: Option<IpAddr>,
    /// `dev IF`.
    pub dev: Option<String>,
    /// `weight N` (1..256).
    pub weight: Option<u16>,
    /// `onlink`.
    pub onlink: bool,
    /// `encap ip|ip6|mpls|ila ...`: this hop's own lightweight tunnel
    /// (its RTA_ENCAP inside RTA_MULTIPATH).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub encap: Option<Encap>,
}

/// The action of a policy rule (keepalived `alloc_rule`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum RuleAction {
    /// `table N` / `lookup N` (FR_ACT_TO_TBL).
    Table(u32),
    /// `goto N` (FR_ACT_GOTO).
    Goto(u32),
    /// `nop` (FR_ACT_NOP).
    Nop,
    /// `blackhole` (FR_ACT_BLACKHOLE).
    Blackhole,
    /// `unreachable` (FR_ACT_UNREACHABLE).
    Unreachable,
    /// `prohibit` (FR_ACT_PROHIBIT).
    Prohibit,
    /// `l3mdev` (FR_ACT_TO_TBL with FRA_L3MDEV).
    L3mdev,
}

/// One entry of `virtual_rules` / `static_rules` (`ip rule` syntax, read as keepalived
/// 2.2.7's `alloc_rule` reads it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Rule {
    /// `from PREFIX`.
    pub from: Option<IpPrefix>,
    /// `to PREFIX`.
    pub to: Option<IpPrefix>,
    /// `table N|NAME` as written.
    pub table: Option<String>,
    /// `preference N` / `priority N` / `order N`; unset, keepalived numbers the rule
    /// itself (the consumer's job: see its documentation).
    pub preference: Option<u32>,
    /// `no_track`.
    pub no_track: bool,
    /// The words as written.
    pub words: Vec<String>,
    /// Position of the entry.
    pub span: Span,
    /// IPv6 rule (from the addresses or `inet6`; IPv4 otherwise).
    pub ipv6: bool,
    /// What the rule does.
    pub action: RuleAction,
    /// `not`.
    pub invert: bool,
    /// `tos` / `dsfield`.
    pub tos: u8,
    /// `fwmark N[/MASK]`.
    pub fwmark: Option<u32>,
    /// The `/MASK` of `fwmark`.
    pub fwmask: Option<u32>,
    /// `iif IF` / `dev IF`.
    pub iif: Option<String>,
    /// `oif IF`.
    pub oif: Option<String>,
    /// `uidrange A-B`.
    pub uidrange: Option<(u32, u32)>,
    /// `suppress_prefixlength N` / `sup_pl N`.
    pub suppress_prefixlength: Option<u32>,
    /// `protocol N`; keepalived's own (18) when tracked.
    pub protocol: Option<u8>,
    /// `realms [FROM/]TO`.
    pub realms: Option<u32>,
    /// `suppress_ifgroup N` / `sup_group N`.
    pub suppress_ifgroup: Option<u32>,
    /// `ipproto P` (number or name from `/etc/protocols`).
    pub ipproto: Option<u8>,
    /// `sport A-B`.
    pub sport: Option<(u16, u16)>,
    /// `dport A-B`.
    pub dport: Option<(u16, u16)>,
    /// `tunnel-id N` (FRA_TUN_ID; keepalived sends it only when not 0).
    pub tunnel_id: Option<u64>,
    /// Options keepalived accepts that this model does not carry
    /// (`track_group`), as written: a daemon that installs rules must warn about them.
    pub untyped: Vec<Spanned<String>>,
}

/// A reference to a tracked object with an optional weight (`track_script`, `track_interface`, ...).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TrackRef {
    /// Interface, script, file, process or BFD name.
    pub name: String,
    /// `weight N`.
    pub weight: Option<i32>,
    /// `reverse`.
    pub reverse: bool,
    /// Position of the entry.
    pub span: Span,
}

/// `unicast_peer` entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UnicastPeer {
    /// Peer address.
    pub address: IpAddr,
    /// `min_ttl`.
    pub min_ttl: Option<u8>,
    /// `max_ttl`.
    pub max_ttl: Option<u8>,
    /// Position of the entry.
    pub span: Span,
}

/// `garp_extra_if [all] DELAY` / `vrrp_garp_extra_if [all] DELAY` (and the
/// deprecated `vmac_garp_intvl` / `vrrp_vmac_garp_intvl`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct GarpExtraIf {
    /// Seconds between two rounds (0 in an instance: off, and the global
    /// setting is not inherited).
    pub delay: u32,
    /// `all`: every interface holding a VIP, not only keepalived's VMACs.
    pub all: bool,
}

/// `use_vmac [NAME] [MAC]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UseVmac {
    /// Interface name for the macvlan (default `vrrp.<VRID>`).
    pub name: Option<String>,
    /// MAC address (5 or 6 octets).
    pub mac: Option<Vec<u8>>,
    /// Other options as written.
    pub options: Vec<String>,
}

/// `vrrp_instance NAME { ... }` (man5 "VRRP instance(s)").
#[derive(Debug, Clone, Serialize)]
pub struct VrrpInstance {
    /// Instance name.
    pub name: Spanned<String>,
    /// `state MASTER|BACKUP` (default: MASTER iff priority 255).
    pub state: Opt<VrrpState>,
    /// `interface IF`.
    pub interface: Opt<String>,
    /// `virtual_router_id` 1..255 (required).
    pub virtual_router_id: Opt<u8>,
    /// `priority` 1..255 (default 100, or 255 with `state MASTER`).
    pub priority: Opt<u8>,
    /// `advert_int` seconds (default 1; v2 whole seconds 1..255, v3 0.01..40.95).
    pub advert_int: Opt<Duration>,
    /// `version 2|3` (default global `vrrp_version`).
    pub version: Opt<u8>,
    /// `nopreempt` (Some(true)) / `preempt` (Some(false)).
    pub nopreempt: Opt<bool>,
    /// `preempt_delay` 0..1000 s.
    pub preempt_delay: Opt<Duration>,
    /// `authentication { ... }` (VRRPv2 only).
    pub authentication: Option<Box<Authentication>>,
    /// `virtual_ipaddress { ... }`.
    pub virtual_ipaddress: Vec<VirtualIp>,
    /// `virtual_ipaddress_excluded { ... }`.
    pub virtual_ipaddress_excluded: Vec<VirtualIp>,
    /// `no_virtual_ipaddress`.
    pub no_virtual_ipaddress: Opt<bool>,
    /// `virtual_routes { ... }`.
    pub virtual_routes: Vec<Route>,
    /// `virtual_rules { ... }`.
    pub virtual_rules: Vec<Rule>,
    /// `track_interface { IF [weight N [reverse]] }`.
    pub track_interface: Vec<TrackRef>,
    /// `track_script { NAME [weight N [reverse]] }`.
    pub track_script: Vec<TrackRef>,
    /// `track_file { NAME [weight N [reverse]] }`.
    pub track_file: Vec<TrackRef>,
    /// `track_process { ... }`.
    pub track_process: Vec<TrackRef>,
    /// `track_bfd { ... }`.
    pub track_bfd: Vec<TrackRef>,
    /// `dont_track_primary`.
    pub dont_track_primary: Opt<bool>,
    /// `mcast_src_ip`.
    pub mcast_src_ip: Opt<IpAddr>,
    /// `unicast_src_ip`.
    pub unicast_src_ip: Opt<IpAddr>,
    /// `unicast_peer { ... }`.
    pub unicast_peer: Vec<UnicastPeer>,
    /// `unicast_ttl` 0..255.
    pub unicast_ttl: Opt<u8>,
    /// `mcast_dst_ip`.
    pub mcast_dst_ip: Opt<IpAddr>,
    /// `check_unicast_src`.
    pub check_unicast_src: Opt<bool>,
    /// `unicast_fault_no_peer`.
    pub unicast_fault_no_peer: Opt<bool>,
    /// `use_vmac`.
    pub use_vmac: BoxOpt<UseVmac>,
    /// `use_ipvlan [NAME] [ADDRESS] [bridge|private|vepa]`, its words as
    /// written (the first one; keepalived ignores a second).
    pub use_ipvlan: Option<Box<RawSetting>>,
    /// `vmac_xmit_base`.
    pub vmac_xmit_base: Opt<bool>,
    /// `promote_secondaries`: set the interface's `promote_secondaries`
    /// sysctl while running.
    pub promote_secondaries: Opt<bool>,
    /// `track_src_ip`: go to FAULT when the configured source address
    /// (`mcast_src_ip` / `unicast_src_ip`) leaves the interface.
    pub track_src_ip: Opt<bool>,
    /// `garp_extra_if [all] DELAY` (also `vmac_garp_intvl`).
    pub garp_extra_if: Opt<GarpExtraIf>,
    /// `accept` (Some(true)) / `no_accept` (Some(false)).
    pub accept: Opt<bool>,
    /// `garp_master_delay` seconds.
    pub garp_master_delay: Opt<u32>,
    /// `garp_master_repeat`.
    pub garp_master_repeat: Opt<u32>,
    /// `garp_master_refresh` seconds.
    pub garp_master_refresh: Opt<u32>,
    /// `garp_master_refresh_repeat`.
    pub garp_master_refresh_repeat: Opt<u32>,
    /// `garp_lower_prio_delay` seconds.
    pub garp_lower_prio_delay: Opt<u32>,
    /// `garp_lower_prio_repeat`.
    pub garp_lower_prio_repeat: Opt<u32>,
    /// `down_timer_adverts` 1..100.
    pub down_timer_adverts: Opt<u32>,
    /// `lower_prio_no_advert`.
    pub lower_prio_no_advert: Opt<bool>,
    /// `higher_prio_send_advert`.
    pub higher_prio_send_advert: Opt<bool>,
    /// `skip_check_adv_addr`.
    pub skip_check_adv_addr: Opt<bool>,
    /// `strict_mode`.
    pub strict_mode: Opt<bool>,
    /// `v3_checksum_as_v2`.
    pub v3_checksum_as_v2: Opt<bool>,
    /// `notify_master`.
    pub notify_master: BoxOpt<Script>,
    /// `notify_backup`.
    pub notify_backup: BoxOpt<Script>,
    /// `notify_fault`.
    pub notify_fault: BoxOpt<Script>,
    /// `notify_stop`.
    pub notify_stop: BoxOpt<Script>,
    /// `notify_deleted`.
    pub notify_deleted: BoxOpt<Script>,
    /// `notify_master_rx_lower_pri`.
    pub notify_master_rx_lower_pri: BoxOpt<Script>,
    /// `notify`.
    pub notify: BoxOpt<Script>,
    /// `notify_priority_changes`.
    pub notify_priority_changes: Opt<bool>,
    /// `smtp_alert`.
    pub smtp_alert: Opt<bool>,
    /// Other recognised keywords as written (`vrf`, `debug`, `auth_hmac`, ...).
    pub other: Vec<RawSetting>,
}

/// `vrrp_sync_group NAME { ... }`.
#[derive(Debug, Clone, Serialize)]
pub struct VrrpSyncGroup {
    /// Group name.
    pub name: Spanned<String>,
    /// `group { VI ... }`.
    pub group: Vec<Spanned<String>>,
    /// `track_interface { ... }`.
    pub track_interface: Vec<TrackRef>,
    /// `track_script { ... }`.
    pub track_script: Vec<TrackRef>,
    /// `track_file { ... }`.
    pub track_file: Vec<TrackRef>,
    /// `track_process { ... }`.
    pub track_process: Vec<TrackRef>,
    /// `track_bfd { ... }`.
    pub track_bfd: Vec<TrackRef>,
    /// `notify_master`.
    pub notify_master: Opt<Script>,
    /// `notify_backup`.
    pub notify_backup: Opt<Script>,
    /// `notify_fault`.
    pub notify_fault: Opt<Script>,
    /// `notify_stop`.
    pub notify_stop: Opt<Script>,
    /// `notify`.
    pub notify: Opt<Script>,
    /// `smtp_alert`.
    pub smtp_alert: Opt<bool>,
    /// `notify_priority_changes`.
    pub notify_priority_changes: Opt<bool>,
    /// `sync_group_tracking_weight`.
    pub sync_group_tracking_weight: Opt<bool>,
    /// Other recognised keywords as written.
    pub other: Vec<RawSetting>,
}

/// `vrrp_script NAME { ... }`.
#[derive(Debug, Clone, Serialize)]
pub struct VrrpScript {
    /// Script name.
    pub name: Spanned<String>,
    /// `script "cmd"` (required).
    pub script: Opt<Script>,
    /// `interval` seconds (default 1).
    pub interval: Opt<Duration>,
    /// `timeout` seconds (default = interval).
    pub timeout: Opt<Duration>,
    /// `weight -253..253` (default 0).
    pub weight: Opt<i32>,
    /// `weight N reverse`.
    pub reverse: bool,
    /// `rise` (default 1).
    pub rise: Opt<u32>,
    /// `fall` (default 1).
    pub fall: Opt<u32>,
    /// `user USER [GROUP]`.
    pub user: Opt<ScriptUser>,
    /// `init_fail`.
    pub init_fail: Opt<bool>,
    /// Other recognised keywords.
    pub other: Vec<RawSetting>,
}

/// `track_file NAME { ... }`.
#[derive(Debug, Clone, Serialize)]
pub struct TrackFile {
    /// Name.
    pub name: Spanned<String>,
    /// `file PATH` (required).
    pub file: Opt<String>,
    /// `weight -254..254` (default 1).
    pub weight: Opt<i32>,
    /// `weight N reverse`.
    pub reverse: bool,
    /// `init_file [VALUE] [overwrite]`.
    pub init_file: Opt<Vec<String>>,
    /// Other recognised keywords.
    pub other: Vec<RawSetting>,
}

/// `param_match exact|partial|initial` of a `vrrp_track_process`: how the
/// arguments after `process PATH` are compared with a process's own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ParamMatch {
    /// The process's arguments are exactly those given (the default once
    /// arguments are given; with none given: no arguments at all).
    Exact,
    /// The given arguments are the first arguments of the process, whole.
    Partial,
    /// As `Partial`, but the last given argument need only begin the
    /// process's argument in that position.
    Initial,
}

/// `bfd_instance NAME { ... }`: one BFD session (RFC 5880/5881) and the default
/// weight of the `track_bfd` entries naming it (keepalived 2.2.7 bfd_parser.c;
/// docs/keepalived.md §3.36). Values keepalived reports and ignores are left
/// unset; the `*_value` methods apply keepalived's defaults (include/bfd.h).
#[derive(Debug, Clone, Serialize)]
pub struct BfdInstance {
    /// The instance name (at most 31 bytes, as keepalived's `BFD_INAME_MAX`).
    pub name: Spanned<String>,
    /// `neighbor_ip` / `neighbour_ip`: the peer.
    pub neighbor_ip: Opt<IpAddr>,
    /// `source_ip`: the local address the session's packets are sent from.
    pub source_ip: Opt<IpAddr>,
    /// `min_rx` (milliseconds, up to 3 decimals; default 10 ms).
    pub min_rx: Opt<Duration>,
    /// `min_tx` (default 10 ms).
    pub min_tx: Opt<Duration>,
    /// `idle_tx`: the transmit interval while the session is not Up (default 1 s,
    /// at least 1 s).
    pub idle_tx: Opt<Duration>,
    /// `multiplier` 1..=255 (default 5).
    pub multiplier: Opt<u8>,
    /// `passive`: wait for the peer's first packet before sending (default off).
    pub passive: Opt<bool>,
    /// `ttl` / `hoplimit` 1..=255 (default 255 for an IPv4 neighbor, 64 for IPv6).
    pub ttl: Opt<u8>,
    /// `max_hops` −1..=255 (default 0): a packet is accepted when its received TTL
    /// plus `max_hops` reaches `ttl`.
    pub max_hops: Opt<i16>,
    /// `multihop [BOOL]` (keepalived 2.2.8): RFC 5883 multihop BFD on UDP port
    /// 4784 instead of 3784.
    pub multihop: bool,
    /// `weight W`: the default weight of a `track_bfd` entry naming this instance
    /// (−253..=253, default 0).
    pub weight: Opt<i32>,
    /// `weight W reverse`.
    pub reverse: bool,
    /// `vrrp`: send this session's events to the VRRP process (default off; with
    /// neither `vrrp` nor `checker` written, both processes get them).
    pub vrrp: Opt<bool>,
    /// `checker`: send this session's events to the checker process (default off).
    pub checker: Opt<bool>,
    /// False when keepalived's BFD process drops the session (no or malformed
    /// neighbor, source of the other family, a neighbor/source pair already used):
    /// the name stays known to `track_bfd` and `BFD_CHECK`, and is never Up.
    pub session: bool,
}

/// A switch of the model: written and on.
fn on(v: &Opt<bool>) -> bool {
    v.as_ref().is_some_and(|v| v.value)
}

impl BfdInstance {
    /// `min_rx`, default 10 ms (`BFD_MINRX_DEFAULT`).
    pub fn min_rx_value(&self) -> Duration {
        self.min_rx
            .as_ref()
            .map_or(Duration::from_millis(10), |v| v.value)
    }

    /// `min_tx`, default 10 ms (`BFD_MINTX_DEFAULT`).
    pub fn min_tx_value(&self) -> Duration {
        self.min_tx
            .as_ref()
            .map_or(Duration::from_millis(10), |v| v.value)
    }

    /// `idle_tx`, default 1 s (`BFD_IDLETX_DEFAULT`).
    pub fn idle_tx_value(&self) -> Duration {
        self.idle_tx
            .as_ref()
            .map_or(Duration::from_secs(1), |v| v.value)
    }

    /// `multiplier`, default 5 (`BFD_MULTIPLIER_DEFAULT`).
    pub fn multiplier_value(&self) -> u8 {
        self.multiplier.as_ref().map_or(5, |v| v.value)
    }

    /// `ttl`/`hoplimit`, by default 255 for an IPv4 neighbor and 64 for an IPv6
    /// one (bfd_parser.c `bfd_end_handler`: `BFD_CONTROL_TTL`,
    /// `BFD_CONTROL_HOPLIMIT`).
    pub fn ttl_value(&self) -> u8 {
        match (&self.ttl, &self.neighbor_ip) {
            (Some(t), _) => t.value,
            (None, Some(n)) if n.value.is_ipv6() => 64,
            _ => 255,
        }
    }

    /// `max_hops`, default 0, lowered to [`BfdInstance::ttl_value`] when above it
    /// (bfd_parser.c `bfd_end_handler`).
    pub fn max_hops_value(&self) -> i16 {
        let m = self.max_hops.as_ref().map_or(0, |v| v.value);
        m.min(i16::from(self.ttl_value()))
    }

    /// `weight`, default 0 (`BFD_WEIGHT_DEFAULT`).
    pub fn weight_value(&self) -> i32 {
        self.weight.as_ref().map_or(0, |v| v.value)
    }

    /// `passive`, default off.
    pub fn passive_value(&self) -> bool {
        self.passive.as_ref().is_some_and(|v| v.value)
    }

    /// True when the VRRP process gets this session's events: neither `vrrp` nor
    /// `checker` written (both get them), or `vrrp` written (bfd_parser.c
    /// `bfd_vrrp_handler`, `bfd_checker_handler`, `bfd_end_handler`).
    pub fn to_vrrp(&self) -> bool {
        on(&self.vrrp) || !on(&self.checker)
    }

    /// True when the checker process gets this session's events.
    pub fn to_checker(&self) -> bool {
        on(&self.checker) || !on(&self.vrrp)
    }
}

/// `vrrp_track_process NAME { ... }` (keepalived 2.2.7 vrrp_parser.c
/// `vrrp_tprocess_*_handler`). Values keepalived reports and ignores are
/// left unset here.
#[derive(Debug, Clone, Serialize)]
pub struct TrackProcess {
    /// Name.
    pub name: Spanned<String>,
    /// `process PATH [ARG ...]` (required): the command name or, with
    /// `full_command`/arguments, `argv[0]`, then the arguments to match.
    pub process: Opt<Vec<String>>,
    /// `param_match` (default: `exact` when `process` has arguments, else
    /// none); setting it also matches the full command line.
    pub param_match: Opt<ParamMatch>,
    /// `full_command`: match `/proc/PID/cmdline` instead of the 15-byte
    /// command name (also implied by arguments and by `param_match`).
    pub full_command: Opt<bool>,
    /// `weight -254..254` (default 0: losing quorum puts the instance in FAULT).
    pub weight: Opt<i32>,
    /// `weight N reverse`.
    pub reverse: bool,
    /// `quorum 1..65535` (default 1): fewest processes that are "up".
    /// `quorum_max 0` sets it to 0.
    pub quorum: Opt<u32>,
    /// `quorum_max 0..65535` (default unlimited): most processes that are "up".
    pub quorum_max: Opt<u32>,
    /// `terminate_delay` / `delay` (0.000001..3600 s): how long quorum may be
    /// lost by processes exiting before it counts.
    pub terminate_delay: Opt<Duration>,
    /// `fork_delay` / `delay`: how long quorum gained by a tracked process
    /// forking waits before it counts.
    pub fork_delay: Opt<Duration>,
}

impl TrackProcess {
    /// Whether the full command line is matched rather than the command name.
    pub fn uses_full_command(&self) -> bool {
        self.full_command.as_ref().is_some_and(|f| f.value)
            || self.param_match.is_some()
            || self.process.as_ref().is_some_and(|p| p.value.len() > 1)
    }

    /// The quorum in force (default 1).
    pub fn quorum_value(&self) -> u32 {
        self.quorum.as_ref().map_or(1, |q| q.value)
    }

    /// The `quorum_max` in force (default unlimited).
    pub fn quorum_max_value(&self) -> u32 {
        self.quorum_max.as_ref().map_or(u32::MAX, |q| q.value)
    }

    /// The effective `param_match`: as written, else `exact` when `process`
    /// has arguments, else none (keepalived `PARAM_MATCH_NONE`).
    pub fn effective_param_match(&self) -> Option<ParamMatch> {
        self.param_match.as_ref().map(|p| p.value).or_else(|| {
            self.process
                .as_ref()
                .filter(|p| p.value.len() > 1)
                .map(|_| ParamMatch::Exact)
        })
    }
}

/// `virtual_server_group NAME { ... }`.
#[derive(Debug, Clone, Serialize)]
pub struct VirtualServerGroup {
    /// Group name.
    pub name: Spanned<String>,
    /// Entries.
    pub entries: Vec<VsgEntry>,
}

/// One `virtual_server_group` entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VsgEntry {
    /// What it covers.
    pub kind: VsgEntryKind,
    /// Position.
    pub span: Span,
}

/// Address range or fwmark of a `virtual_server_group` entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum VsgEntryKind {
    /// `IP[-LAST] [PORT]` or `IP/len [PORT]`: addresses `first..=last`.
    Range {
        /// First address.
        first: IpAddr,
        /// Last address (equal to `first` for a single address).
        last: IpAddr,
        /// Port.
        port: Option<u16>,
    },
    /// `fwmark N [inet|inet6]`.
    Fwmark {
        /// Mark.
        mark: u32,
        /// `inet` / `inet6`.
        family: Option<String>,
    },
}

/// How a virtual server is addressed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum VirtualServerKey {
    /// `virtual_server IP [PORT]`.
    Address {
        /// Address.
        ip: IpAddr,
        /// Port (none: only valid for persistent services).
        port: Option<u16>,
    },
    /// `virtual_server fwmark N`.
    Fwmark(u32),
    /// `virtual_server group NAME`.
    Group(String),
}

/// `lvs_method` / `lb_kind`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum LvsMethod {
    /// Masquerading.
    Nat,
    /// Direct routing.
    Dr,
    /// Tunnelling.
    Tun,
}

/// Encapsulation of `lvs_method TUN type ...`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TunnelType {
    /// IP in IP (the kernel default).
    Ipip,
    /// Generic UDP Encapsulation; needs `port`.
    Gue,
    /// GRE.
    Gre,
}

/// Checksum option of `lvs_method TUN ...`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TunnelCsum {
    /// `nocsum` (default).
    Nocsum,
    /// `csum`.
    Csum,
    /// `remcsum` (GUE only).
    Remcsum,
}

/// Options after `lvs_method TUN`: `[type ipip|gue port N|gre] [nocsum|csum|remcsum]`
/// (keepalived check_parser.c forwarding_handler).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct TunnelOptions {
    /// `type` (default ipip).
    pub kind: TunnelType,
    /// `port` (GUE only, required there).
    pub port: Option<u16>,
    /// Checksum option (default nocsum).
    pub csum: TunnelCsum,
}

/// `protocol`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Protocol {
    /// TCP
    Tcp,
    /// UDP
    Udp,
    /// SCTP
    Sctp,
}

/// `sorry_server IP [PORT]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SorryServer {
    /// Address.
    pub ip: IpAddr,
    /// Port.
    pub port: Option<u16>,
}

/// `virtual_server ... { ... }` (man5 "Virtual server(s)").
#[derive(Debug, Clone, Serialize)]
pub struct VirtualServer {
    /// Address/port, fwmark or group.
    pub key: Spanned<VirtualServerKey>,
    /// `lvs_sched` / `lb_algo` (rr wrr lc wlc lblc sh mh dh fo ovf lblcr sed nq twos; default wlc).
    pub lvs_sched: Opt<String>,
    /// `lvs_method` / `lb_kind` (default NAT).
    pub lvs_method: Opt<LvsMethod>,
    /// Tunnel options written after `lvs_method TUN` (inherited by real servers).
    pub lvs_tunnel: Opt<TunnelOptions>,
    /// `protocol` (keepalived defaults to UDP with an error when unset).
    pub protocol: Opt<Protocol>,
    /// `persistence_timeout` seconds (no value: 360).
    pub persistence_timeout: Opt<u32>,
    /// `persistence_granularity`.
    pub persistence_granularity: Opt<String>,
    /// `persistence_engine`.
    pub persistence_engine: Opt<String>,
    /// `delay_loop` (default 60 s).
    pub delay_loop: Opt<Duration>,
    /// `connect_timeout` (default 5 s).
    pub connect_timeout: Opt<Duration>,
    /// `retry`.
    pub retry: Opt<u32>,
    /// `delay_before_retry`.
    pub delay_before_retry: Opt<Duration>,
    /// `warmup`.
    pub warmup: Opt<Duration>,
    /// `inhibit_on_failure`.
    pub inhibit_on_failure: Opt<bool>,
    /// `alpha`.
    pub alpha: Opt<bool>,
    /// `omega`.
    pub omega: Opt<bool>,
    /// `quorum` (default 1).
    pub quorum: Opt<u32>,
    /// `hysteresis` (default 0).
    pub hysteresis: Opt<u32>,
    /// `quorum_up`.
    pub quorum_up: Opt<Script>,
    /// `quorum_down`.
    pub quorum_down: Opt<Script>,
    /// `sorry_server`.
    pub sorry_server: Opt<SorryServer>,
    /// `sorry_server_inhibit`.
    pub sorry_server_inhibit: Opt<bool>,
    /// `sorry_server_lvs_method`.
    pub sorry_server_lvs_method: Opt<LvsMethod>,
    /// `virtualhost`.
    pub virtualhost: Opt<String>,
    /// `weight` default for real servers (default 1).
    pub weight: Opt<u32>,
    /// `ha_suspend`.
    pub ha_suspend: Opt<bool>,
    /// `smtp_alert`.
    pub smtp_alert: Opt<bool>,
    /// `real_server` blocks.
    pub real_servers: Vec<RealServer>,
    /// Scheduler flags: `ops`, `flag-1`..`flag-3` and their `sh-`/`mh-` names
    /// (check_parser.c lbflags_handler()), in order of appearance.
    pub scheduler_flags: Vec<Spanned<SchedulerFlag>>,
    /// `ip_family inet|inet6` (the family of a fwmark service).
    pub ip_family: Opt<IpFamily>,
    /// Other recognised keywords as written (`hashed`, `snmp_name`).
    pub other: Vec<RawSetting>,
}

/// `real_server IP [PORT] { ... }`.
#[derive(Debug, Clone, Serialize)]
pub struct RealServer {
    /// Address.
    pub ip: Spanned<IpAddr>,
    /// Port (default: the virtual server's).
    pub port: Option<u16>,
    /// `weight` 0..2147483647 (default the VS `weight`, 1).
    pub weight: Opt<u32>,
    /// `lvs_method`.
    pub lvs_method: Opt<LvsMethod>,
    /// Tunnel options written after `lvs_method TUN`.
    pub lvs_tunnel: Opt<TunnelOptions>,
    /// `inhibit_on_failure`.
    pub inhibit_on_failure: Opt<bool>,
    /// `notify_up`.
    pub notify_up: Opt<Script>,
    /// `notify_down`.
    pub notify_down: Opt<Script>,
    /// `uthreshold`.
    pub uthreshold: Opt<u32>,
    /// `lthreshold`.
    pub lthreshold: Opt<u32>,
    /// `smtp_alert` (default true for real servers).
    pub smtp_alert: Opt<bool>,
    /// `alpha`.
    pub alpha: Opt<bool>,
    /// `retry`.
    pub retry: Opt<u32>,
    /// `delay_before_retry`.
    pub delay_before_retry: Opt<Duration>,
    /// `warmup`.
    pub warmup: Opt<Duration>,
    /// `connect_timeout`.
    pub connect_timeout: Opt<Duration>,
    /// `delay_loop`.
    pub delay_loop: Opt<Duration>,
    /// `virtualhost`.
    pub virtualhost: Opt<String>,
    /// Health checkers.
    pub checkers: Vec<Checker>,
    /// Other recognised keywords.
    pub other: Vec<RawSetting>,
}

/// One health checker block.
#[derive(Debug, Clone, Serialize)]
pub struct Checker {
    /// Where the checker keyword is.
    pub span: Span,
    /// Connection options (not for MISC_CHECK / FILE_CHECK).
    pub connect: ConnectOptions,
    /// `retry` (default per checker type).
    pub retry: Opt<u32>,
    /// `delay_before_retry`.
    pub delay_before_retry: Opt<Duration>,
    /// `warmup`.
    pub warmup: Opt<Duration>,
    /// `delay_loop`.
    pub delay_loop: Opt<Duration>,
    /// `alpha`.
    pub alpha: Opt<bool>,
    /// `log_all_failures`.
    pub log_all_failures: Opt<bool>,
    /// The type-specific part.
    pub kind: CheckerKind,
    /// Other recognised keywords.
    pub other: Vec<RawSetting>,
}

/// Connection options shared by network checkers.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ConnectOptions {
    /// `connect_ip`.
    pub connect_ip: Opt<IpAddr>,
    /// `connect_port`.
    pub connect_port: Opt<u16>,
    /// `bindto`.
    pub bindto: Opt<IpAddr>,
    /// `bind_port`.
    pub bind_port: Opt<u16>,
    /// `bind_if`.
    pub bind_if: Opt<String>,
    /// `connect_timeout` (default RS → VS → 5 s).
    pub connect_timeout: Opt<Duration>,
    /// `fwmark`.
    pub fwmark: Opt<u32>,
}

/// Checker types (type-specific parts boxed to keep `Checker` small).
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "type")]
pub enum CheckerKind {
    /// `TCP_CHECK`.
    #[serde(rename = "TCP_CHECK")]
    Tcp,
    /// `HTTP_GET`.
    #[serde(rename = "HTTP_GET")]
    Http(Box<HttpCheck>),
    /// `SSL_GET`.
    #[serde(rename = "SSL_GET")]
    Ssl(Box<HttpCheck>),
    /// `MISC_CHECK`.
    #[serde(rename = "MISC_CHECK")]
    Misc(Box<MiscCheck>),
    /// `SMTP_CHECK`.
    #[serde(rename = "SMTP_CHECK")]
    Smtp(Box<SmtpCheck>),
    /// `DNS_CHECK`.
    #[serde(rename = "DNS_CHECK")]
    Dns(Box<DnsCheck>),
    /// `UDP_CHECK`.
    #[serde(rename = "UDP_CHECK")]
    Udp(Box<UdpCheck>),
    /// `PING_CHECK`.
    #[serde(rename = "PING_CHECK")]
    Ping,
    /// `FILE_CHECK`.
    #[serde(rename = "FILE_CHECK")]
    File(Box<FileCheck>),
    /// `BFD_CHECK`.
    #[serde(rename = "BFD_CHECK")]
    Bfd(Box<BfdCheck>),
}

/// `HTTP_GET` / `SSL_GET` specifics.
#[derive(Debug, Clone, Default, Serialize)]
pub struct HttpCheck {
    /// `url { ... }` blocks.
    pub urls: Vec<Url>,
    /// `http_protocol 1.0|1.0C|1.1`.
    pub http_protocol: Opt<String>,
    /// `virtualhost`.
    pub virtualhost: Opt<String>,
    /// `fast_recovery`.
    pub fast_recovery: Opt<bool>,
    /// `enable_sni` (SSL_GET).
    pub enable_sni: Opt<bool>,
    /// `sni_name`.
    pub sni_name: Opt<String>,
}

/// `url { ... }`.
#[derive(Debug, Clone, Serialize)]
pub struct Url {
    /// `path` (required).
    pub path: Opt<String>,
    /// `digest` (32 hex characters, MD5).
    pub digest: Opt<String>,
    /// `status_code` ranges (default 200-299).
    pub status_code: Vec<Spanned<(u16, u16)>>,
    /// `virtualhost`.
    pub virtualhost: Opt<String>,
    /// `regex`.
    pub regex: Opt<String>,
    /// Other recognised keywords (`regex_no_match`, `regex_options`, ...).
    pub other: Vec<RawSetting>,
    /// Position of `url`.
    pub span: Span,
}

/// `MISC_CHECK` specifics.
#[derive(Debug, Clone, Default, Serialize)]
pub struct MiscCheck {
    /// `misc_path "cmd args"` (required).
    pub misc_path: Opt<Script>,
    /// `misc_timeout` seconds.
    pub misc_timeout: Opt<u32>,
    /// `misc_dynamic`.
    pub misc_dynamic: Opt<bool>,
    /// `user USER [GROUP]`.
    pub user: Opt<ScriptUser>,
}

/// `SMTP_CHECK` specifics.
#[derive(Debug, Clone, Default, Serialize)]
pub struct SmtpCheck {
    /// `helo_name`.
    pub helo_name: Opt<String>,
    /// Deprecated `host { ... }` blocks, each with its connection options.
    pub hosts: Vec<ConnectOptions>,
}

/// `DNS_CHECK` specifics.
#[derive(Debug, Clone, Default, Serialize)]
pub struct DnsCheck {
    /// `type` A|NS|CNAME|SOA|MX|TXT|AAAA (default SOA).
    pub r#type: Opt<String>,
    /// `name` (default the root).
    pub name: Opt<String>,
}

/// `UDP_CHECK` specifics.
#[derive(Debug, Clone, Default, Serialize)]
pub struct UdpCheck {
    /// `payload HEX`.
    pub payload: Opt<String>,
    /// `require_reply [HEX]`.
    pub require_reply: Opt<Option<String>>,
    /// `min_reply_length`.
    pub min_reply_length: Opt<u32>,
    /// `max_reply_length`.
    pub max_reply_length: Opt<u32>,
}

/// `FILE_CHECK` specifics.
#[derive(Debug, Clone, Default, Serialize)]
pub struct FileCheck {
    /// `track_file NAME`.
    pub track_file: Opt<String>,
    /// `weight N`.
    pub weight: Opt<i32>,
    /// `reverse`.
    pub reverse: bool,
}

/// `BFD_CHECK` specifics.
#[derive(Debug, Clone, Default, Serialize)]
pub struct BfdCheck {
    /// `name BFDNAME`.
    pub name: Opt<String>,
}

/// A `virtual_server` scheduler flag (IPVS `IP_VS_SVC_F_*`).
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum SchedulerFlag {
    /// `ops`: one-packet scheduling.
    OnePacket,
    /// `flag-1`, `sh-fallback`, `mh-fallback`.
    Sched1,
    /// `flag-2`, `sh-port`, `mh-port`.
    Sched2,
    /// `flag-3`.
    Sched3,
}

/// `ip_family` of a virtual server.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum IpFamily {
    /// `inet`.
    Inet,
    /// `inet6`.
    Inet6,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The model of a large configuration is mostly its instances: the rarely
    /// set settings (notify scripts, `use_vmac`, `use_ipvlan`,
    /// `authentication`) are kept out of line so an instance stays small.
    #[test]
    fn an_instance_stays_small_inline() {
        let size = std::mem::size_of::<VrrpInstance>();
        println!("VrrpInstance: {size} B");
        assert!(size <= 936, "VrrpInstance is {size} B inline");
    }
}
