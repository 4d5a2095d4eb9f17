//! keepalived.conf `vrrp_instance` / `vrrp_sync_group` → vrrp-core configs.
//!
//! One mapping for the daemon and for `vrrpd simulate`: the only difference is
//! how the primary (source) address of an instance is found, which the caller
//! supplies as an [`AddressResolver`]. Defaults follow keepalived 2.2.7
//! (`alloc_vrrp`, `vrrp_complete_instance`; docs/keepalived.md §2.2, §3.4).
//!
//! Unsupported settings that would change what happens on the wire or on the
//! host are errors (with the file:line of the keyword); settings vrrpd merely
//! does not act on (the address word `nodad` without its dash, ...) are
//! warnings.

use std::net::{IpAddr, Ipv4Addr};

use crate::spec::accept::AcceptReason;

use keepalived_conf::effective::EffectiveInstance;
use keepalived_conf::{
    Config, Diagnostic, GlobalDefs, PreferredLifetime, Span, VirtualIp, VrrpInstance,
    values::IpPrefix,
};
use vrrp_core::{
    InitialState, InstanceConfig, TrackerConfig, TrackerKind,
    packet::{Auth, Family, Version},
    time::Duration,
};

/// One virtual address as keepalived installs it (`ip addr add`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct VipSpec {
    /// Address and prefix (/32 or /128 by default).
    pub prefix: IpPrefix,
    /// `dev IF` (default: the instance's interface).
    pub dev: Option<String>,
    /// `label L` (IPv4 only).
    pub label: Option<String>,
    /// `scope S` as the kernel number (0 global, 200 site, 253 link, 254 host).
    pub scope: u8,
    /// `brd` address (IPv4 only; `+` computed from the prefix, `-` none).
    pub broadcast: Option<Ipv4Addr>,
    /// `no_track`: its deletion by someone else leaves a Master alone
    /// (docs/keepalived.md §3.24).
    pub no_track: bool,
    /// `home`, `-nodad`, `mngtmpaddr`, `noprefixroute`, `autojoin`: sent as
    /// IFA_FLAGS (keepalived `netlink_ipaddress`).
    pub flags: keepalived_conf::AddressFlagOptions,
    /// Preferred lifetime sent as IFA_CACHEINFO (IPv6 only; `None`: forever).
    /// keepalived's `parse_ipaddress` default: 0 (deprecated) for an IPv6 /128
    /// without `preferred_lft`, forever otherwise.
    pub preferred_lft: Option<u32>,
    /// `peer IP[/LEN]`: the other end of a point-to-point address (IFA_ADDRESS).
    pub peer: Option<IpAddr>,
}

impl VipSpec {
    /// The address request keepalived's `netlink_ipaddress` sends for it on
    /// `ifindex`.
    pub fn address_spec(&self, ifindex: u32) -> vrrp_linux::AddressSpec {
        let mut a = vrrp_linux::AddressSpec::vip(ifindex, self.prefix.addr, self.prefix.len);
        a.label = self.label.clone();
        a.scope = vrrp_linux::Scope::from_u8(self.scope);
        a.broadcast = self.broadcast;
        // IPv6: IFA_F_NODAD unless `-nodad`; IPv4: never.
        a.no_dad = self.prefix.addr.is_ipv6() && !self.flags.dad;
        a.no_prefix_route = self.flags.noprefixroute;
        a.home = self.flags.home;
        a.manage_temp_addr = self.flags.mngtmpaddr;
        a.mc_autojoin = self.flags.autojoin;
        a.preferred_lft = self.preferred_lft;
        a.peer = self.peer;
        a
    }
}

/// keepalived `parse_ipaddress`: the preferred lifetime of an address (IPv6
/// only; an IPv6 /128 without `preferred_lft` is deprecated at once).
fn preferred_lifetime(v: &VirtualIp) -> Option<u32> {
    if !v.address.value.addr.is_ipv6() {
        return None;
    }
    match v.preferred_lft {
        Some(PreferredLifetime::Forever) => None,
        Some(PreferredLifetime::Seconds(n)) if n == u32::MAX => None,
        Some(PreferredLifetime::Seconds(n)) => Some(n),
        None if v.address.value.len == 128 => Some(0),
        None => None,
    }
}

/// `use_vmac [NAME] [MAC]` / `vmac_xmit_base` (docs/keepalived.md §3.13).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VmacSpec {
    /// The macvlan's name (`vrrp.VRID` unless given).
    pub name: String,
    /// Its MAC: 00:00:5e:00:01:VRID (IPv4) / 00:00:5e:00:02:VRID (IPv6)
    /// unless overridden.
    pub mac: vrrp_linux::MacAddr,
    /// `vmac_xmit_base`: adverts go out on the parent interface.
    pub xmit_base: bool,
    /// The name was given in `use_vmac NAME` (else it is keepalived's
    /// default, made unique among the instances).
    pub named: bool,
    /// `use_ipvlan`: the link is an L2 ipvlan with the parent's MAC instead
    /// of a macvlan with `mac` (docs/keepalived.md §3.25).
    pub ipvlan: Option<crate::spec::ipvlan::IpvlanOpts>,
}

/// What one entry of `InstanceConfig::trackers` watches.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum TrackerSource {
    /// `track_interface`: up while the interface is up and running.
    Interface(String),
    /// `track_script`: the `vrrp_script` of that name.
    Script(String),
    /// `track_file`: the `track_file` of that name (a value tracker).
    File(String),
    /// `track_process`: the `vrrp_track_process` of that name (up while
    /// its quorum holds).
    Process(String),
    /// `track_bfd`: the `bfd_instance` of that name (up while its session
    /// is Up).
    Bfd(String),
}

/// A script command line split into argv (keepalived's quoting rules,
/// [`keepalived_conf::command::split_config_command`]) and the user it runs as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScriptCmd {
    /// Command and arguments.
    pub argv: Vec<String>,
    /// `USER [GROUP]` written after the command (None: the default script
    /// user, `script_user` / keepalived_script / vrrpd's own).
    pub user: Option<(String, Option<String>)>,
    /// Who it runs as: set by the daemon's script checks before it runs
    /// (None: as vrrpd).
    pub run_as: Option<keepalived_runtime::RunAs>,
}

impl From<Vec<String>> for ScriptCmd {
    /// A command run as the default script user.
    fn from(argv: Vec<String>) -> Self {
        ScriptCmd {
            argv,
            user: None,
            run_as: None,
        }
    }
}

/// Notify scripts of an instance (docs/keepalived.md §3.18).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NotifySpec {
    /// `notify_master`.
    pub master: Option<ScriptCmd>,
    /// `notify_backup`.
    pub backup: Option<ScriptCmd>,
    /// `notify_fault`.
    pub fault: Option<ScriptCmd>,
    /// `notify_stop`.
    pub stop: Option<ScriptCmd>,
    /// `notify`: called with `INSTANCE NAME STATE PRIORITY` appended.
    pub generic: Option<ScriptCmd>,
    /// `notify_deleted SCRIPT`: run when a reload removes the instance
    /// (docs/keepalived.md §3.18).
    pub deleted: Option<ScriptCmd>,
    /// `notify_master_rx_lower_pri`: run, without arguments, each time the
    /// Master hears a lower priority (vrrp_notify.c `send_event_notify`).
    pub master_rx_lower_pri: Option<ScriptCmd>,
}

/// A notify FIFO (`notify_fifo` / `vrrp_notify_fifo` in global_defs).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FifoSpec {
    /// Path of the FIFO.
    pub path: std::path::PathBuf,
    /// `USER [GROUP]` owning the FIFO when vrrpd creates it.
    pub owner: Option<(String, Option<String>)>,
    /// `notify_fifo_script` / `vrrp_notify_fifo_script`: started once with
    /// the FIFO path appended; it reads the lines.
    pub script: Option<ScriptCmd>,
}

/// A `track_file` tracked by at least one instance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrackFileSpec {
    /// `track_file NAME`.
    pub name: String,
    /// `file PATH`.
    pub path: std::path::PathBuf,
    /// `init_file [VALUE] [overwrite]`: (value, overwrite).
    pub init: Option<(i32, bool)>,
}

impl NotifySpec {
    /// The specific script for entering `to` (`notify_master`, ...).
    pub fn for_state(&self, to: vrrp_core::State) -> Option<ScriptCmd> {
        use vrrp_core::State;
        match to {
            State::Master => self.master.clone(),
            State::Backup => self.backup.clone(),
            State::Fault => self.fault.clone(),
            State::Stop => self.stop.clone(),
            // Initialize, and states a later vrrp-core may add: no script.
            _ => None,
        }
    }

    /// No script at all.
    pub fn is_empty(&self) -> bool {
        self.master.is_none()
            && self.backup.is_none()
            && self.fault.is_none()
            && self.stop.is_none()
            && self.generic.is_none()
            && self.deleted.is_none()
            && self.master_rx_lower_pri.is_none()
    }
}

/// A `vrrp_script` the daemon runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScriptSpec {
    /// Script name.
    pub name: String,
    /// Command and arguments (split on white space).
    pub argv: Vec<String>,
    /// `interval` (default 1 s).
    pub interval: std::time::Duration,
    /// `timeout` (default: the interval).
    pub timeout: std::time::Duration,
    /// `rise` (default 1).
    pub rise: u32,
    /// `fall` (default 1).
    pub fall: u32,
    /// `init_fail`: start failed instead of up.
    pub init_fail: bool,
    /// `user USER [GROUP]` of the vrrp_script.
    pub user: Option<(String, Option<String>)>,
    /// Who it runs as (set by the daemon's script checks).
    pub run_as: Option<keepalived_runtime::RunAs>,
}

/// One mapped instance: the state-machine config plus what the IO layer needs.
///
/// `C` is where the configuration is: the mapping gives an
/// [`InstanceConfig`]; the daemon hands that to its `vrrp_core::Node`, which
/// owns it from then on, and keeps the rest as `InstanceSpec<()>`
/// ([`InstanceSpec::split`]) rather than a second copy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstanceSpec<C = InstanceConfig> {
    /// The vrrp-core configuration (validated by vrrp-core when used).
    pub config: C,
    /// `interface` (required: keepalived 2.2.7 refuses an instance without
    /// one, unicast or not).
    pub interface: String,
    /// Addresses advertised and installed, in config order.
    pub vips: Vec<VipSpec>,
    /// `virtual_ipaddress_excluded`: installed, not advertised.
    pub excluded_vips: Vec<VipSpec>,
    /// `mcast_src_ip` / `unicast_src_ip` when given.
    pub src_override: Option<IpAddr>,
    /// `unicast_ttl` (IPv4 default 255).
    pub unicast_ttl: Option<u8>,
    /// What each `config.trackers` entry watches, in the same order.
    pub trackers: Vec<TrackerSource>,
    /// Notify scripts run on state changes; `None` when the instance has
    /// none (most have none, and a node may run thousands of instances).
    pub notify: Option<Box<NotifySpec>>,
    /// `use_vmac`: the instance's VIPs live on a macvlan with the virtual MAC
    /// (boxed: most instances have none, and inline it would cost each 48
    /// bytes more).
    pub vmac: Option<Box<VmacSpec>>,
    /// The addresses to drop with nftables while Master (Accept_Mode =
    /// False, RFC 9568 §6.1): empty for the address owner and with accept
    /// mode on.
    pub drop_vips: Vec<IpAddr>,
    /// Why the accept mode is on or off.
    pub accept_reason: crate::spec::accept::AcceptReason,
    /// `smtp_alert` with keepalived's defaults ([`crate::spec::mail::alert_enabled`]):
    /// mail on this instance's state changes.
    pub smtp_alert: bool,
    /// `dont_track_primary`: the instance's own interface going down does not
    /// put it in FAULT (keepalived `VRRP_FLAG_DONT_TRACK_PRIMARY`).
    pub dont_track_primary: bool,
    /// A configuration fault keeps the instance in FAULT for as long as it runs
    /// (keepalived `num_config_faults`): `unicast_fault_no_peer` without peers.
    pub config_fault: bool,
    /// `dynamic_interfaces`: a missing interface (or source address) leaves the
    /// instance in FAULT until it appears, instead of refusing the configuration.
    pub dynamic: bool,
    /// No source address was found on an existing interface (or, with
    /// `dynamic`, on one still missing), or with `dynamic` a virtual address's
    /// `dev` does not exist: the instance waits in FAULT; without a
    /// source address `config.primary_address` is unspecified meanwhile
    /// (keepalived: "entering FAULT state (no IPv4 address for interface)",
    /// "(interface X down)").
    pub primary_missing: bool,
    /// `notify_deleted` is written (script or not): an instance removed by a
    /// reload is notified as DELETED instead of FAULT (scripts, FIFOs and
    /// e-mail; see `daemon::deleted`).
    pub notify_deleted: bool,
    /// `notify_priority_changes` in force (the instance's, else its sync
    /// group's, else `vrrp_notify_priority_changes`): each change of the
    /// effective priority is written to the notify FIFOs.
    pub notify_priority_changes: bool,
    /// `promote_secondaries`: the interface's `promote_secondaries` sysctl
    /// is set while vrrpd runs (never with a VMAC, which has it anyway).
    pub promote_secondaries: bool,
    /// `garp_extra_if` / `vrrp_garp_extra_if`: the interval of the extra
    /// rounds of gratuitous ARPs, when they apply (docs/keepalived.md §3.30).
    pub garp_extra_if: Option<std::time::Duration>,
    /// Where `vrrp_instance NAME` is written.
    pub span: Span,
    /// `virtual_routes`: installed while Master.
    pub routes: Vec<crate::spec::routes::RouteConf>,
    /// `virtual_rules`: installed while Master.
    pub rules: Vec<crate::spec::routes::RuleConf>,
}

impl InstanceSpec {
    /// The state machine's configuration, and everything else.
    pub fn split(self) -> (InstanceConfig, InstanceSpec<()>) {
        let InstanceSpec {
            config,
            interface,
            vips,
            excluded_vips,
            src_override,
            unicast_ttl,
            trackers,
            notify,
            vmac,
            drop_vips,
            smtp_alert,
            dont_track_primary,
            config_fault,
            dynamic,
            primary_missing,
            notify_deleted,
            notify_priority_changes,
            promote_secondaries,
            garp_extra_if,
            span,
            routes,
            rules,
            accept_reason,
        } = self;
        let rest = InstanceSpec {
            config: (),
            interface,
            vips,
            excluded_vips,
            src_override,
            unicast_ttl,
            trackers,
            notify,
            vmac,
            drop_vips,
            smtp_alert,
            dont_track_primary,
            config_fault,
            dynamic,
            primary_missing,
            notify_deleted,
            notify_priority_changes,
            promote_secondaries,
            garp_extra_if,
            span,
            routes,
            rules,
            accept_reason,
        };
        (config, rest)
    }
}

impl<C> InstanceSpec<C> {
    /// Equal apart from the configurations (written out field by field, so
    /// that a new field cannot be forgotten here).
    pub fn same_apart_from_config<D>(&self, b: &InstanceSpec<D>) -> bool {
        let InstanceSpec {
            config: _,
            interface,
            vips,
            excluded_vips,
            src_override,
            unicast_ttl,
            trackers,
            notify,
            vmac,
            drop_vips,
            smtp_alert,
            dont_track_primary,
            config_fault,
            dynamic,
            primary_missing,
            notify_deleted,
            notify_priority_changes,
            promote_secondaries,
            garp_extra_if,
            span,
            routes,
            rules,
            accept_reason,
        } = self;
        interface == &b.interface
            && vips == &b.vips
            && excluded_vips == &b.excluded_vips
            && src_override == &b.src_override
            && unicast_ttl == &b.unicast_ttl
            && trackers == &b.trackers
            && notify == &b.notify
            && vmac == &b.vmac
            && drop_vips == &b.drop_vips
            && smtp_alert == &b.smtp_alert
            && dont_track_primary == &b.dont_track_primary
            && config_fault == &b.config_fault
            && dynamic == &b.dynamic
            && primary_missing == &b.primary_missing
            && notify_deleted == &b.notify_deleted
            && notify_priority_changes == &b.notify_priority_changes
            && promote_secondaries == &b.promote_secondaries
            && garp_extra_if == &b.garp_extra_if
            && span == &b.span
            && routes == &b.routes
            && rules == &b.rules
            && accept_reason == &b.accept_reason
    }
}

/// Every instance and sync group of one config.
#[derive(Debug, Clone, Default)]
pub struct Mapped {
    /// Instances in file order.
    pub instances: Vec<InstanceSpec>,
    /// Sync groups: name and member indices into `instances`.
    pub sync_groups: Vec<(String, Vec<usize>)>,
    /// Notify scripts of the sync groups, by group name (groups without any
    /// are absent).
    pub group_notify: std::collections::BTreeMap<String, NotifySpec>,
    /// `vrrp_script`s tracked by at least one instance.
    pub scripts: Vec<ScriptSpec>,
    /// global `vrrp_startup_delay`: wait this long before starting instances.
    pub startup_delay: Option<std::time::Duration>,
    /// `track_file`s tracked by at least one instance.
    pub track_files: Vec<TrackFileSpec>,
    /// `vrrp_track_process`es tracked by at least one instance.
    pub track_processes: Vec<crate::spec::track_process::ProcessSpec>,
    /// The BFD sessions whose events the VRRP side follows.
    pub bfd_sessions: Vec<crate::spec::bfd::BfdSpec>,
    /// global `process_monitor_rcv_bufs` / `_force`: the process events
    /// socket's receive buffer (bytes, force).
    pub process_rcvbuf: Option<(u32, bool)>,
    /// top-level `net_namespace NAME` (the first one): entered at start only.
    pub net_namespace: Option<String>,
    /// `notify_fifo` then `vrrp_notify_fifo`.
    pub notify_fifos: Vec<FifoSpec>,
    /// `enable_script_security`.
    pub script_security: bool,
    /// `script_user USER [GROUP]`.
    pub script_user: Option<(String, Option<String>)>,
    /// global `lvs_sync_daemon ... VRRP_INSTANCE`: the IPVS sync daemon that follows it.
    pub lvs_sync: Option<crate::spec::lvs_sync::SyncSpec>,
    /// global `vrrp_garp_interval`: minimum gap between two gratuitous ARPs
    /// on one interface (zero: none).
    pub garp_interval: std::time::Duration,
    /// global `vrrp_gna_interval`: the same for unsolicited NAs.
    pub gna_interval: std::time::Duration,
    /// global `nftables`, `nftables_priority`, `nftables_counters`: where the
    /// accept-mode drop rules go.
    pub firewall: keepalived_nft::Settings,
    /// The table name as written (`nftables [TABLE]`; `vrrp_iptables` or
    /// `vrrp_ipsets` mean `keepalived`), `None` without them: a reload may
    /// not change it (keepalived main.c `reload_config`).
    pub firewall_table_written: Option<String>,
    /// The e-mail settings when mail can be sent (`smtp_server` and recipients).
    pub mail: Option<crate::spec::mail::MailSpec>,
    /// The MIBs served over AgentX, when one is enabled.
    pub snmp: Option<crate::spec::snmp::SnmpSpec>,
    /// Sync groups whose `smtp_alert` (or its global default) is on.
    pub group_smtp_alert: std::collections::BTreeSet<String>,
    /// With `dynamic_interfaces`, or when an instance waits for its source
    /// address: the configuration, mapped again when an interface or address
    /// appears.
    pub dynamic: Option<std::sync::Arc<Config>>,
    /// `static_ipaddress`, `static_routes`, `static_rules`: installed at start
    /// whatever the instances' states, removed at exit.
    pub statics: crate::spec::routes::StaticSpec,
    /// `disable_local_igmp`: no IGMP reports for link-local groups while
    /// the daemon runs, and no IGMP rules for IPv4 VMACs (vrrp_vmac.c
    /// `netlink_link_add_vmac`).
    pub disable_local_igmp: bool,
    /// `auth_type AH`: the key made from `auth_pass`, by instance name, for
    /// the instances whose `config.auth` is [`Auth::Ah`] (kept here rather
    /// than in every [`InstanceSpec`], which most instances would pay for).
    pub ah_keys: std::collections::BTreeMap<String, vrrp_core::packet::ah::AhKey>,
}

impl Mapped {
    /// Whether an instance drops traffic to its VIPs while Master or has a
    /// VMAC (the daemon then opens the nftables socket; keepalived picks
    /// nftables for `use_vmac` or no_accept, vrrp.c `vrrp_complete_instance`).
    /// An IPv4 VMAC needs nothing when `disable_local_igmp` is in force
    /// (`local_igmp_disabled`: written, and the sysctl could be set).
    pub fn needs_firewall(&self, local_igmp_disabled: bool) -> bool {
        self.instances.iter().any(|i| {
            !i.drop_vips.is_empty()
                || (i.vmac.is_some() && (i.config.family == Family::V6 || !local_igmp_disabled))
        })
    }
}

/// Finds the primary address of an instance: keepalived uses `mcast_src_ip`
/// / `unicast_src_ip` when set, else the interface's primary IPv4 address or
/// its IPv6 link-local address.
pub trait AddressResolver {
    /// The primary address of `interface` for `family`, if it has one.
    fn primary(&self, interface: Option<&str>, family: Family) -> Option<IpAddr>;

    /// Whether an interface of that name exists; `None` when the resolver
    /// does not know the host's interfaces (the simulator, `-t`).
    fn has_interface(&self, _name: &str) -> Option<bool> {
        None
    }

    /// Whether the interface of that name is a loopback device; `None` when
    /// not known.
    fn is_loopback(&self, _name: &str) -> Option<bool> {
        None
    }
}

/// Maps every `vrrp_instance` and `vrrp_sync_group` of `cfg`. Returns the
/// mapping and diagnostics (errors mean the mapping must not be used).
pub fn map_config(cfg: &Config, resolver: &dyn AddressResolver) -> (Mapped, Vec<Diagnostic>) {
    let mut diags = Vec::new();
    let mut out = Mapped {
        startup_delay: cfg.global_defs.vrrp_startup_delay.as_ref().map(|d| d.value),
        garp_interval: cfg
            .global_defs
            .vrrp_garp_interval
            .as_ref()
            .map_or(std::time::Duration::ZERO, |d| d.value),
        gna_interval: cfg
            .global_defs
            .vrrp_gna_interval
            .as_ref()
            .map_or(std::time::Duration::ZERO, |d| d.value),
        firewall: firewall_settings(&cfg.global_defs, &mut diags),
        firewall_table_written: written_table(&cfg.global_defs),
        disable_local_igmp: cfg
            .global_defs
            .disable_local_igmp
            .as_ref()
            .is_some_and(|b| b.value),
        mail: crate::spec::mail::mail_spec(&cfg.global_defs),
        snmp: crate::spec::snmp::snmp_spec_of(cfg),
        dynamic: dynamic_interfaces(&cfg.global_defs).then(|| std::sync::Arc::new(cfg.clone())),
        ..Mapped::default()
    };
    for vi in &cfg.vrrp_instances {
        if let Some(spec) = map_instance(vi, cfg, resolver, &mut diags) {
            if spec.config.auth == Auth::Ah
                && let Some(key) = crate::spec::protocol::ah_key(vi)
            {
                out.ah_keys.insert(spec.config.name.to_string(), key);
            }
            out.instances.push(spec);
        }
    }
    // An instance waiting for its source address is mapped again when an
    // address appears, with or without dynamic_interfaces.
    if out.dynamic.is_none() && out.instances.iter().any(|i| i.primary_missing) {
        out.dynamic = Some(std::sync::Arc::new(cfg.clone()));
    }
    out.lvs_sync = crate::spec::lvs_sync::resolve(cfg, &out.instances, &mut diags);
    // Duplicate (interface, family, vrid) in multicast mode cannot both run.
    for (i, a) in out.instances.iter().enumerate() {
        for b in &out.instances[..i] {
            if a.config.vrid == b.config.vrid
                && a.config.family == b.config.family
                && a.interface == b.interface
                && a.config.unicast_peers.is_empty()
                && b.config.unicast_peers.is_empty()
                // keepalived: different multicast groups do not conflict
                // (vrrp.c `check_vrid_conflicts`)
                && a.config.multicast_group() == b.config.multicast_group()
            {
                diags.push(
                    Diagnostic::error(
                        "vrrpd-duplicate-vrid",
                        a.span,
                        format!(
                            "instance `{}` uses virtual_router_id {} on the same interface as `{}`",
                            a.config.name, a.config.vrid, b.config.name
                        ),
                    )
                    .with_hint("each VRID may be used once per interface and address family"),
                );
            }
        }
    }
    crate::spec::vmac::unique_names(&mut out.instances, &mut diags);
    for sg in &cfg.vrrp_sync_groups {
        let mut members = Vec::new();
        for m in &sg.group {
            match out.instances.iter().position(|s| s.config.name == m.value) {
                Some(i) if !members.contains(&i) => members.push(i),
                Some(_) => diags.push(Diagnostic::warning(
                    "vrrpd-sync-group",
                    m.span,
                    format!(
                        "`{}` listed twice in sync group `{}`",
                        m.value, sg.name.value
                    ),
                )),
                // keepalived drops the name ("no matching virtual router found in
                // group declaration", vrrp_parser.c / vrrp_sync.c) and runs on.
                None => diags.push(
                    Diagnostic::warning(
                        "vrrpd-sync-group",
                        m.span,
                        format!(
                            "sync group `{}` names unknown vrrp_instance `{}`; the name is ignored",
                            sg.name.value, m.value
                        ),
                    )
                    .with_hint("keepalived ignores it too; remove it or define the instance"),
                ),
            }
        }
        crate::spec::sync_group::apply_group_tracking(
            sg,
            cfg,
            &members,
            &mut out.instances,
            &mut diags,
        );
        crate::spec::sync_group::initial_states(sg, &members, &mut out.instances, &mut diags);
        if crate::spec::mail::alert_enabled(&sg.smtp_alert, cfg) {
            out.group_smtp_alert.insert(sg.name.value.clone());
        }
        if let Some(n) = crate::spec::sync_group::group_notify(sg, &mut diags) {
            out.group_notify.insert(sg.name.value.clone(), n);
        }
        if members.is_empty() {
            diags.push(Diagnostic::warning(
                "vrrpd-sync-group",
                sg.name.span,
                format!(
                    "sync group `{}` has no usable members; ignored",
                    sg.name.value
                ),
            ));
        } else {
            out.sync_groups.push((sg.name.value.clone(), members));
        }
    }
    // After the sync groups: their track_script entries count as uses. A
    // weighted entry of an address owner does not: the engine drops it, and
    // keepalived then removes the unused script (vrrp.c `vrrp_complete_init`,
    // "script ... is not used") instead of running it.
    for sc in &cfg.vrrp_scripts {
        let src = TrackerSource::Script(sc.name.value.clone());
        let used = out.instances.iter().any(|i| {
            i.trackers
                .iter()
                .zip(&i.config.trackers)
                .any(|(s, t)| *s == src && (i.config.priority != 255 || t.weight == 0))
        });
        if !used {
            continue;
        }
        let Some(cmd) = &sc.script else { continue };
        let interval = sc
            .interval
            .as_ref()
            .map_or(std::time::Duration::from_secs(1), |v| v.value);
        if cmd.value.user.is_some() {
            diags.push(
                Diagnostic::warning(
                    "vrrpd-script-words",
                    cmd.span,
                    format!(
                        "vrrp_script `{}`: words after the command are ignored (as keepalived does)",
                        sc.name.value
                    ),
                )
                .with_hint("quote the command with its arguments; set the user with `user`"),
            );
        }
        let Some(cmd) = script_cmd(Some(cmd), &mut diags) else {
            continue;
        };
        out.scripts.push(ScriptSpec {
            name: sc.name.value.clone(),
            argv: cmd.argv,
            interval,
            timeout: sc.timeout.as_ref().map_or(interval, |v| v.value),
            rise: sc.rise.as_ref().map_or(1, |v| v.value.max(1)),
            fall: sc.fall.as_ref().map_or(1, |v| v.value.max(1)),
            init_fail: sc.init_fail.as_ref().is_some_and(|v| v.value),
            // Only the block's `user`: keepalived reads nothing after a
            // vrrp_script's command (vrrp_parser.c `vrrp_vscript_script_handler`).
            user: sc
                .user
                .as_ref()
                .map(|u| (u.value.user.clone(), u.value.group.clone())),
            run_as: None,
        });
    }
    map_globals(cfg, &mut out, &mut diags);
    let used: Vec<&str> = out
        .instances
        .iter()
        .flat_map(|i| &i.trackers)
        .filter_map(|t| match t {
            TrackerSource::Process(n) => Some(n.as_str()),
            _ => None,
        })
        .collect();
    out.track_processes = crate::spec::track_process::process_specs(cfg, &used);
    out.bfd_sessions = crate::spec::bfd::bfd_specs(cfg);
    out.process_rcvbuf = crate::spec::track_process::rcvbuf(&cfg.global_defs);
    out.net_namespace = cfg
        .global_defs
        .net_namespace
        .as_ref()
        .map(|n| n.value.clone());
    out.statics = crate::spec::routes::map_statics(cfg, &mut diags);
    crate::spec::routes::number_rules(
        out.statics
            .rules
            .iter_mut()
            .chain(out.instances.iter_mut().flat_map(|i| i.rules.iter_mut())),
    );
    (out, diags)
}

/// Whether a definition at `def` was read before a use at `used`, as
/// keepalived reads the configuration top to bottom. Only within one file:
/// across included files the spans do not tell the reading order, and the
/// definition is taken as known.
fn defined_before(def: Span, used: Span) -> bool {
    def.file != used.file || def < used
}

/// The tracker of a `track_script` entry (instance or sync group), or None
/// (with a warning) when it names no usable `vrrp_script`.
pub(crate) fn script_tracker(
    cfg: &Config,
    t: &keepalived_conf::TrackRef,
    diags: &mut Vec<Diagnostic>,
) -> Option<TrackerConfig> {
    // keepalived looks the name up while it parses (vrrp_track.c
    // `alloc_track_script`): a vrrp_script further down is not found.
    let Some(sc) = cfg
        .vrrp_scripts
        .iter()
        .find(|s| s.name.value == t.name && defined_before(s.name.span, t.span))
    else {
        diags.push(Diagnostic::warning(
            "vrrpd-track-script",
            t.span,
            format!(
                "track_script `{}` names no vrrp_script defined above it; ignored (as keepalived does)",
                t.name
            ),
        ));
        return None;
    };
    // Without `script`, keepalived-conf already reported it.
    sc.script.as_ref()?;
    let (weight, reverse) = match t.weight {
        Some(w) => (w, t.reverse),
        None => (sc.weight.as_ref().map_or(0, |w| w.value), sc.reverse),
    };
    Some(TrackerConfig {
        kind: TrackerKind::Script,
        name: t.name.clone(),
        weight,
        reverse,
        initially_up: !sc.init_fail.as_ref().is_some_and(|v| v.value),
    })
}

/// Splits a configured script with keepalived's rules; an unsplittable line
/// is ignored with a warning (keepalived: "Unable to parse script").
pub(crate) fn script_cmd(
    s: Option<&keepalived_conf::Spanned<keepalived_conf::Script>>,
    diags: &mut Vec<Diagnostic>,
) -> Option<ScriptCmd> {
    let s = s?;
    match keepalived_conf::command::split_config_command(&s.value.command) {
        Ok(argv) => Some(ScriptCmd {
            argv,
            user: s.value.user.clone().map(|u| (u, s.value.group.clone())),
            run_as: None,
        }),
        Err(e) => {
            diags.push(Diagnostic::warning(
                "vrrpd-script",
                s.span,
                format!("unable to parse script: {e}; ignored (as keepalived does)"),
            ));
            None
        }
    }
}

/// Global script settings, notify FIFOs and the track files in use.
fn map_globals(cfg: &Config, out: &mut Mapped, diags: &mut Vec<Diagnostic>) {
    let g = &cfg.global_defs;
    out.script_security = g.enable_script_security.as_ref().is_some_and(|v| v.value);
    out.script_user = g
        .script_user
        .as_ref()
        .map(|u| (u.value.user.clone(), u.value.group.clone()));
    for (f, fifo_script) in keepalived_conf::effective::vrrp_notify_fifos(g) {
        let script = script_cmd(fifo_script.as_ref(), diags);
        // `notify_fifo PATH [USER [GROUP]]`: words, not a command line.
        let mut words = f.value.command.split_whitespace().map(String::from);
        let path = words.next().unwrap_or_default();
        let user = f.value.user.clone().or_else(|| words.next());
        let group = f.value.group.clone().or_else(|| words.next());
        out.notify_fifos.push(FifoSpec {
            path: path.into(),
            owner: user.map(|u| (u, group)),
            script,
        });
    }
    for tf in &cfg.track_files {
        let used = out.instances.iter().any(|i| {
            i.trackers
                .contains(&TrackerSource::File(tf.name.value.clone()))
        });
        let Some(path) = tf.file.as_ref().filter(|_| used) else {
            continue;
        };
        // init_file [VALUE] [overwrite] (track_file.c `track_file_init_handler`).
        let init = tf.init_file.as_ref().map(|words| {
            let mut value = 0;
            let mut overwrite = false;
            for w in &words.value {
                if w == "overwrite" {
                    overwrite = true;
                } else if let Ok(v) = w.parse::<i32>() {
                    value = v;
                } else {
                    diags.push(Diagnostic::warning(
                        "vrrpd-track-file",
                        words.span,
                        format!("unknown track file init option `{w}`"),
                    ));
                }
            }
            (value, overwrite)
        });
        out.track_files.push(TrackFileSpec {
            name: tf.name.value.clone(),
            path: path.value.clone().into(),
            init,
        });
    }
}

/// The value tracker of a `track_file` entry (instance or sync group), or
/// None (with a warning) when it names no `track_file` block. The entry's
/// `weight W [reverse]` overrides the block's (default 1).
pub(crate) fn file_tracker(
    cfg: &Config,
    t: &keepalived_conf::TrackRef,
    diags: &mut Vec<Diagnostic>,
) -> Option<TrackerConfig> {
    // As for scripts (track_file.c `alloc_track_file`).
    let Some(tf) = cfg
        .track_files
        .iter()
        .find(|f| f.name.value == t.name && defined_before(f.name.span, t.span))
    else {
        diags.push(Diagnostic::warning(
            "vrrpd-track-file",
            t.span,
            format!(
                "track_file `{}` names no track_file block defined above it; ignored (as keepalived does)",
                t.name
            ),
        ));
        return None;
    };
    let (weight, reverse) = match t.weight {
        Some(w) => (w, t.reverse),
        None => (tf.weight.as_ref().map_or(1, |w| w.value), tf.reverse),
    };
    Some(TrackerConfig {
        kind: TrackerKind::File,
        name: t.name.clone(),
        weight,
        reverse,
        initially_up: true,
    })
}

pub(crate) fn unsupported(span: Span, what: &str) -> Diagnostic {
    Diagnostic::error(
        "vrrpd-unsupported",
        span,
        format!("{what} is not supported by vrrpd"),
    )
    .with_hint("remove it, or run this instance with keepalived")
}

/// A setting keepalived acts on and vrrpd does not: a warning naming what keepalived
/// would have done. Used where running without it is not unsafe (see [`unsupported`]).
pub(crate) fn not_acted_on(span: Span, what: &str, keepalived_would: &str) -> Diagnostic {
    Diagnostic::warning(
        "vrrpd-not-acted-on",
        span,
        format!("{what} is not acted on by vrrpd: keepalived would {keepalived_would}"),
    )
    .with_hint("run this instance with keepalived if you rely on it")
}

pub(crate) fn ignored(span: Span, what: &str) -> Diagnostic {
    Diagnostic::warning(
        "vrrpd-ignored",
        span,
        format!("{what} is accepted but not acted on by vrrpd"),
    )
}

fn std_to_core(d: std::time::Duration) -> Duration {
    Duration::from_micros(u64::try_from(d.as_micros()).unwrap_or(u64::MAX))
}

/// Scope names as `ip addr` and keepalived accept them.
fn parse_scope(s: &str) -> Option<u8> {
    match s {
        "global" | "universe" => Some(0),
        "site" => Some(200),
        "link" => Some(253),
        "host" => Some(254),
        "nowhere" => Some(255),
        n => n.parse().ok(),
    }
}

fn broadcast_of(p: &IpPrefix) -> Option<Ipv4Addr> {
    match p.addr {
        IpAddr::V4(a) if p.len < 31 => {
            let mask = u32::MAX.checked_shr(u32::from(p.len)).unwrap_or(0);
            Some(Ipv4Addr::from(u32::from(a) | mask))
        }
        _ => None,
    }
}

pub(crate) fn map_vip(
    v: &keepalived_conf::VirtualIp,
    diags: &mut Vec<Diagnostic>,
) -> Option<VipSpec> {
    let span = v.address.span;
    let mut prefix = v.address.value;
    // parse_ipaddress: with `peer` the prefix is the peer's, a broadcast
    // beside it is dropped and `brd +` is computed from the peer.
    let peer = match v.peer {
        Some(p) if p.addr.is_ipv4() != prefix.addr.is_ipv4() => {
            diags.push(Diagnostic::warning(
                "vrrpd-invalid-value",
                span,
                format!(
                    "Peer address {} does not match address family; ignored (as keepalived does)",
                    p.addr
                ),
            ));
            None
        }
        Some(p) => {
            if prefix.len != if prefix.addr.is_ipv4() { 32 } else { 128 } {
                diags.push(Diagnostic::warning(
                    "vrrpd-invalid-value",
                    span,
                    "Cannot specify address prefix when specifying peer address - ignoring"
                        .to_string(),
                ));
            }
            prefix.len = p.len;
            Some(p)
        }
        None => None,
    };
    let scope = match &v.scope {
        None => 0,
        Some(s) => match parse_scope(s) {
            Some(x) => x,
            None => {
                diags.push(
                    Diagnostic::error(
                        "vrrpd-invalid-value",
                        span,
                        format!("unknown scope `{s}` for {prefix}"),
                    )
                    .with_hint("use global, site, link, host or a number"),
                );
                return None;
            }
        },
    };
    let broadcast = match v.brd.as_deref() {
        None | Some("-") => None,
        Some("+") => broadcast_of(&peer.map_or(prefix, |p| IpPrefix {
            addr: p.addr,
            len: prefix.len,
        })),
        Some(_) if peer.is_some() => {
            diags.push(Diagnostic::warning(
                "vrrpd-invalid-value",
                span,
                "Cannot specify broadcast and peer addresses - ignoring broadcast address"
                    .to_string(),
            ));
            None
        }
        Some(b) => match (b.parse::<Ipv4Addr>(), prefix.addr) {
            (Ok(x), IpAddr::V4(_)) => Some(x),
            _ => {
                diags.push(Diagnostic::error(
                    "vrrpd-invalid-value",
                    span,
                    format!("invalid broadcast `{b}` for {prefix}"),
                ));
                return None;
            }
        },
    };
    if v.use_vmac.is_some() {
        diags.push(unsupported(span, "`use_vmac` on a virtual address"));
    }
    if !v.options.is_empty() {
        diags.push(ignored(
            span,
            &format!("virtual address option(s) `{}`", v.options.join(" ")),
        ));
    }
    Some(VipSpec {
        prefix,
        dev: v.dev.clone(),
        label: v.label.clone(),
        scope,
        broadcast,
        no_track: v.no_track,
        flags: v.flags,
        preferred_lft: preferred_lifetime(v),
        peer: peer.map(|p| p.addr),
    })
}

/// Maps one instance; pushes diagnostics; `None` after an error that leaves
/// no usable instance.
pub fn map_instance(
    vi: &VrrpInstance,
    cfg: &Config,
    resolver: &dyn AddressResolver,
    diags: &mut Vec<Diagnostic>,
) -> Option<InstanceSpec> {
    let g: &GlobalDefs = &cfg.global_defs;
    // keepalived's defaults and global_defs fallbacks, applied by keepalived-conf
    let eff = keepalived_conf::effective::instance(vi, g);
    let errors_before = diags.iter().filter(|d| d.is_error()).count();
    let name = vi.name.value.clone();
    let span = vi.name.span;
    let Some(vrid) = vi.virtual_router_id.as_ref() else {
        diags.push(
            Diagnostic::error(
                "vrrpd-missing",
                span,
                format!("vrrp_instance `{name}` has no virtual_router_id"),
            )
            .with_hint("add `virtual_router_id N` (1..255), the same on every router of the group"),
        );
        return None;
    };

    // Virtual addresses; the family is the first VIP's (keepalived).
    let crate::spec::addresses::Addresses {
        vips,
        excluded_vips,
        use_ipvlan,
        src_override,
        family,
        no_vips,
    } = crate::spec::addresses::map_addresses(vi, diags);
    let version = crate::spec::protocol::version(&eff, family, diags);
    if no_vips {
        crate::spec::addresses::report_no_vips(&eff, span, version, diags);
    }
    // Priority and state (docs/keepalived.md §3.4).
    let (state, priority) = crate::spec::protocol::state_and_priority(&eff, diags);
    let advert_interval = crate::spec::timers::advert_interval(vi, version, diags);
    let auth = crate::spec::protocol::authentication(vi, version, diags);
    let interface = crate::spec::unicast::interface(vi, span, diags)
        .filter(|i| crate::spec::unicast::not_loopback(vi, i, resolver, diags));
    let config_fault = crate::spec::unicast::check(vi, family, diags);
    crate::spec::unicast::vrf_cleared(vi, diags);
    let (trackers, sources) = crate::spec::tracking::trackers(vi, cfg, interface.as_deref(), diags);
    let vmac = crate::spec::vmac::instance_link(
        vi,
        vrid.value,
        family,
        eff.strict,
        use_ipvlan.as_ref(),
        diags,
    );
    let routes = vi
        .virtual_routes
        .iter()
        .filter_map(|r| crate::spec::routes::map_route(r, diags))
        .collect();
    let rules = vi
        .virtual_rules
        .iter()
        .map(|r| crate::spec::routes::map_rule(r, diags))
        .collect();
    let mcast_group = crate::spec::mcast::group(vi, g, family, &name, diags);
    let promote_secondaries = crate::spec::vmac::promote_secondaries(vi, vmac.is_some(), diags);
    let notify = crate::spec::notify::notify(vi, diags);
    let garp = crate::spec::timers::garp(&eff);

    let (accept, accept_reason) = effective_accept(&eff, &name, version, span, diags);
    let drop_vips = if accept || priority == 255 {
        Vec::new()
    } else {
        drop_addresses(&vips, &excluded_vips)
    };

    // Primary address: override, else the resolver (interface address);
    // with dynamic_interfaces, none yet (vrrp.c set_vrrp_src_addr reports no
    // error then; the instance waits in FAULT).
    let dynamic = dynamic_interfaces(g);
    let found = if crate::spec::ipvlan::learns_source(family, src_override, vmac.as_ref()) {
        // The ipvlan's own link-local address, once the kernel has given it
        // one; until then none, without waiting in FAULT (keepalived sends
        // nothing meanwhile, vrrp.c `vrrp_send_adv`).
        let ll = vmac
            .as_ref()
            .and_then(|v| resolver.primary(Some(&v.name), family));
        Some(ll.unwrap_or(IpAddr::V6(std::net::Ipv6Addr::UNSPECIFIED)))
    } else {
        src_override.or_else(|| resolver.primary(interface.as_deref(), family))
    };
    // A virtual address on an interface that does not exist: refused, or
    // with dynamic_interfaces the instance waits in FAULT as for an address.
    // The instance is still counted (the error refuses the whole file).
    let mut dev_errors = Vec::new();
    let vip_dev_missing = crate::spec::vip_dev::check(
        vi.virtual_ipaddress
            .iter()
            .chain(&vi.virtual_ipaddress_excluded),
        resolver,
        dynamic,
        &mut dev_errors,
    );
    // Without dynamic_interfaces too when the interface exists but has no
    // such address (an IPv6 instance on an interface without a link-local
    // address): keepalived's set_vrrp_src_addr leaves the source unset and
    // the instance waits in FAULT ("no IPv6 address for interface").
    let primary_missing = found.is_none()
        && interface
            .as_deref()
            .is_some_and(|i| dynamic || resolver.has_interface(i) == Some(true));
    let primary = match found {
        Some(a) => a,
        None if primary_missing => match family {
            Family::V4 => IpAddr::V4(Ipv4Addr::UNSPECIFIED),
            Family::V6 => IpAddr::V6(std::net::Ipv6Addr::UNSPECIFIED),
        },
        None => {
            diags.push(
                Diagnostic::error(
                    "vrrpd-no-address",
                    vi.interface.as_ref().map_or(span, |i| i.span),
                    format!(
                        "no {} address to send from on interface `{}`",
                        match family {
                            Family::V4 => "IPv4",
                            Family::V6 => "IPv6 link-local",
                        },
                        interface.as_deref().unwrap_or("?")
                    ),
                )
                .with_hint("configure one on the interface, or set mcast_src_ip / unicast_src_ip"),
            );
            return None;
        }
    };

    let mut config = InstanceConfig::new(name.clone(), vrid.value, version, primary);
    config.family = family;
    config.priority = priority;
    config.advert_interval = advert_interval;
    config.vips = vips.iter().map(|v| v.prefix.addr).collect();
    config.initial_state = state;
    config.nopreempt = vi.nopreempt.as_ref().is_some_and(|b| b.value);
    config.preempt_delay = vi
        .preempt_delay
        .as_ref()
        .map_or(Duration::ZERO, |d| std_to_core(d.value));
    config.accept = accept;
    config.unicast_peers = vi.unicast_peer.iter().map(|p| p.address).collect();
    config.unicast_peer_ttl = crate::spec::unicast::ttl_ranges(vi);
    config.garp = garp;
    config.auth = auth;
    config.down_timer_adverts = eff.down_timer_adverts;
    config.trackers = trackers;
    config.lower_prio_no_advert = eff.lower_prio_no_advert;
    config.higher_prio_send_advert = eff.higher_prio_send_advert;
    config.mcast_group = mcast_group;
    crate::spec::strict::apply(vi, g, span, &mut config, diags);
    // After strict mode, which clears the authentication.
    if config.auth == Auth::Ah
        && config.initial_state == Some(InitialState::Master)
        && priority != 255
    {
        // vrrp.c vrrp_complete_instance: an AH instance first learns the
        // sequence number from the Master's adverts (keepalived-conf warns
        // "ah-initial-master").
        config.initial_state = Some(InitialState::Backup);
    }

    // keepalived's silent corrections, made loud (docs/keepalived.md §3.4).
    if state == Some(InitialState::Master)
        && let Some(n) = &vi.nopreempt
        && n.value
    {
        diags.push(Diagnostic::warning(
            "vrrpd-nopreempt",
            n.span,
            "nopreempt is ignored with `state MASTER` (as keepalived does); use `state BACKUP`",
        ));
    }
    if let Err(e) = config.clone().validated() {
        diags.push(Diagnostic::error(
            "vrrpd-invalid-value",
            span,
            format!("vrrp_instance `{name}`: {e}"),
        ));
    }
    if diags.iter().filter(|d| d.is_error()).count() > errors_before {
        diags.extend(dev_errors);
        return None;
    }
    diags.extend(dev_errors);
    let garp_extra_if = garp_extra_if(&eff, &vips, &excluded_vips, interface.as_deref());
    Some(InstanceSpec {
        config,
        // missing: reported above, and the instance is not kept
        interface: interface?,
        vips,
        excluded_vips,
        src_override,
        unicast_ttl: vi.unicast_ttl.as_ref().map(|t| t.value),
        trackers: sources,
        notify,
        vmac: vmac.map(Box::new),
        drop_vips,
        accept_reason,
        smtp_alert: crate::spec::mail::alert_enabled(&vi.smtp_alert, cfg),
        dont_track_primary: vi.dont_track_primary.as_ref().is_some_and(|b| b.value),
        config_fault,
        dynamic,
        primary_missing: primary_missing || vip_dev_missing,
        notify_deleted: vi.notify_deleted.is_some(),
        notify_priority_changes: keepalived_conf::effective::notify_priority_changes(
            vi,
            &cfg.vrrp_sync_groups,
            g,
        ),
        promote_secondaries,
        garp_extra_if,
        span,
        routes,
        rules,
    })
}

/// `dynamic_interfaces` is on.
fn dynamic_interfaces(g: &GlobalDefs) -> bool {
    g.dynamic_interfaces.as_ref().is_some_and(|b| b.value)
}

/// The `garp_extra_if` interval in force (vrrp.c `vrrp_complete_instance`):
/// the instance's setting, else the global one; none when it is 0, or when
/// no VIP or excluded VIP is on another interface, or when they all are on
/// interfaces that are not keepalived's VMACs and `all` is not given. vrrpd
/// makes no VMAC for single addresses, so that last case means: `all` or
/// nothing.
fn garp_extra_if(
    eff: &EffectiveInstance<'_>,
    vips: &[VipSpec],
    excluded: &[VipSpec],
    interface: Option<&str>,
) -> Option<std::time::Duration> {
    let e = eff.garp_extra_if?;
    let extra_if = vips
        .iter()
        .chain(excluded)
        .any(|v| v.dev.is_some() && v.dev.as_deref() != interface);
    (e.delay > 0 && e.all && extra_if).then(|| std::time::Duration::from_secs(u64::from(e.delay)))
}

/// The accept mode keepalived computes (vrrp.c `vrrp_complete_instance`):
/// unset, the address owner (priority 255) accepts and the others accept
/// unless in strict mode; `accept` with strict mode on VRRPv2 is reset, with
/// keepalived's warning (RFC 3768 has no Accept_Mode: a VRRPv2 backup
/// router taking over must not accept packets to the VIPs).
fn effective_accept(
    eff: &EffectiveInstance<'_>,
    name: &str,
    version: Version,
    span: Span,
    diags: &mut Vec<Diagnostic>,
) -> (bool, AcceptReason) {
    let (vi, strict, priority) = (eff.instance, eff.strict, eff.priority);
    let reason = match (priority, &vi.accept, strict) {
        (255, _, _) => AcceptReason::Owner,
        (_, Some(a), _) if !a.value => AcceptReason::NoAccept,
        (_, Some(_), true) if version == Version::V2 => {
            diags.push(Diagnostic::warning(
                "vrrpd-accept-mode",
                vi.accept.as_ref().map_or(span, |a| a.span),
                format!(
                    "({name}) warning - accept mode for VRRP version 2 does not comply with \
                     RFC3768 - resetting"
                ),
            ));
            AcceptReason::StrictV2
        }
        (_, Some(_), _) => AcceptReason::Accept,
        (_, None, true) => AcceptReason::Strict,
        (_, None, false) => AcceptReason::Default,
    };
    // An owner with `no_accept` written keeps it in its configuration (and
    // drops nothing, see `drop_vips`).
    let accept = match (reason, &vi.accept) {
        (AcceptReason::Owner, Some(a)) => a.value,
        _ => reason.accepts(),
    };
    (accept, reason)
}

/// The addresses a non-owner Master with accept mode off drops: its VIPs and
/// excluded VIPs (keepalived's `nft_update_addresses` walks `vip` then
/// `evip`), without duplicates. Link-local IPv6 ones are dropped per
/// interface, which the daemon adds when it installs them.
fn drop_addresses(vips: &[VipSpec], excluded: &[VipSpec]) -> Vec<IpAddr> {
    let mut out: Vec<IpAddr> = Vec::new();
    for v in vips.iter().chain(excluded) {
        if !out.contains(&v.prefix.addr) {
            out.push(v.prefix.addr);
        }
    }
    out
}

/// The table name `global_defs` writes (see [`Mapped::firewall_table_written`]).
fn written_table(g: &GlobalDefs) -> Option<String> {
    match (&g.nftables, &g.vrrp_iptables, &g.vrrp_ipsets) {
        (Some(n), _, _) => Some(
            n.value
                .clone()
                .unwrap_or_else(|| keepalived_nft::ruleset::DEFAULT_TABLE.to_string()),
        ),
        (None, Some(_), _) | (None, _, Some(_)) => {
            Some(keepalived_nft::ruleset::DEFAULT_TABLE.to_string())
        }
        (None, None, None) => None,
    }
}

/// The nftables settings of `global_defs` (`nftables [TABLE]`,
/// `nftables_priority`, `nftables_counters`; keepalived's
/// `global_parser.c`). Without `nftables` keepalived picks table
/// `keepalived` when an instance needs a firewall, as vrrpd does.
fn firewall_settings(g: &GlobalDefs, diags: &mut Vec<Diagnostic>) -> keepalived_nft::Settings {
    let mut s = keepalived_nft::Settings::default();
    if let Some(Some(t)) = g.nftables.as_ref().map(|t| &t.value) {
        s = s.with_table(t.clone());
    }
    if let Some(p) = &g.nftables_priority {
        // vrrp_nftables_handler sets the priority to -1: a `nftables` written
        // after `nftables_priority` (in the same file) undoes it.
        match &g.nftables {
            Some(n)
                if n.span.file == p.span.file
                    && (n.span.line, n.span.col) > (p.span.line, p.span.col) =>
            {
                diags.push(Diagnostic::warning(
                    "vrrpd-nftables-priority",
                    p.span,
                    "`nftables` after `nftables_priority` resets the priority to -1 \
                     (as keepalived does); write `nftables_priority` after it",
                ));
            }
            _ => s = s.with_priority(p.value),
        }
    }
    s.with_counters(g.nftables_counters.as_ref().is_some_and(|c| c.value))
        .with_ifindex(g.nftables_ifindex.as_ref().is_some_and(|c| c.value))
}

/// The simulator's addresses: node N (1-based) is 10.0.0.N on IPv4 and
/// fe80::N on IPv6 unless the instance sets `mcast_src_ip` / `unicast_src_ip`.
#[derive(Debug, Clone, Copy)]
pub struct SimResolver {
    /// 1-based node number.
    pub node: u16,
}

impl AddressResolver for SimResolver {
    fn primary(&self, _interface: Option<&str>, family: Family) -> Option<IpAddr> {
        let [hi, lo] = self.node.to_be_bytes();
        Some(match family {
            Family::V4 => IpAddr::V4(Ipv4Addr::new(10, 0, hi, lo)),
            Family::V6 => IpAddr::V6(std::net::Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, self.node)),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use keepalived_conf::{LoadOptions, parse_str};
    use vrrp_core::{GarpConfig, packet::Auth};

    fn map(text: &str) -> (Mapped, Vec<String>) {
        let p = parse_str("t.conf", text, &LoadOptions::default());
        assert!(!p.has_errors(), "{}", p.render_diagnostics());
        let (m, d) = map_config(&p.config, &SimResolver { node: 3 });
        let d = d.iter().map(|x| x.short(&p.sources)).collect::<Vec<_>>();
        (m, d)
    }

    /// An instance that writes no GARP setting gets vrrp-core's defaults, which
    /// are keepalived's (the effective view of keepalived-conf applies them).
    #[test]
    fn unwritten_garp_settings_are_vrrp_cores_defaults() {
        let (m, _) = map(
            "vrrp_instance A {\n interface eth0\n virtual_router_id 1\n \
             virtual_ipaddress {\n 10.0.0.1\n }\n}\n",
        );
        assert_eq!(m.instances[0].config.garp, GarpConfig::default());
    }

    #[test]
    fn keepalived_defaults() {
        let (m, d) = map(
            "vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 51\n virtual_ipaddress {\n  192.0.2.1/24\n }\n}\n",
        );
        assert!(d.is_empty(), "{d:?}");
        let c = &m.instances[0].config;
        assert_eq!(c.vrid, 51);
        assert_eq!(c.version, Version::V2);
        assert_eq!(c.family, Family::V4);
        assert_eq!(c.priority, 100);
        assert_eq!(c.advert_interval, Duration::from_secs(1));
        assert_eq!(c.primary_address, "10.0.0.3".parse::<IpAddr>().unwrap());
        assert_eq!(c.vips, vec!["192.0.2.1".parse::<IpAddr>().unwrap()]);
        assert_eq!(c.garp, GarpConfig::default());
        assert!(c.accept && !c.nopreempt);
        assert_eq!(m.instances[0].vips[0].prefix.len, 24);
        assert_eq!(m.instances[0].interface, "eth0");
    }

    #[test]
    fn state_master_without_priority_is_owner() {
        let (m, _) = map(
            "vrrp_instance A {\n state MASTER\n interface eth0\n virtual_router_id 1\n virtual_ipaddress {\n 192.0.2.1\n }\n}\n",
        );
        assert_eq!(m.instances[0].config.priority, 255);
    }

    #[test]
    fn v3_ipv6_and_rounding() {
        let (m, d) = map(
            "vrrp_instance A {\n interface eth0\n virtual_router_id 1\n version 3\n advert_int 0.123\n virtual_ipaddress {\n fd00::1/64\n }\n}\n",
        );
        assert!(d.is_empty(), "{d:?}");
        let c = &m.instances[0].config;
        assert_eq!(c.family, Family::V6);
        assert_eq!(c.version, Version::V3);
        assert_eq!(c.advert_interval, Duration::from_centis(12));
        assert_eq!(c.primary_address, "fe80::3".parse::<IpAddr>().unwrap());
    }

    #[test]
    fn ipv6_forces_v3_by_default() {
        let (m, _) = map(
            "vrrp_instance A {\n interface eth0\n virtual_router_id 1\n virtual_ipaddress {\n fd00::1\n }\n}\n",
        );
        assert_eq!(m.instances[0].config.version, Version::V3);
    }

    #[test]
    fn v2_rounds_advert_int_with_warning() {
        let (m, d) = map(
            "vrrp_instance A {\n interface eth0\n virtual_router_id 1\n advert_int 1.6\n virtual_ipaddress {\n 192.0.2.1\n }\n}\n",
        );
        assert_eq!(
            m.instances[0].config.advert_interval,
            Duration::from_secs(2)
        );
        assert_eq!(d.len(), 1);
        assert!(d[0].starts_with("t.conf:4:"), "{d:?}");
    }

    /// parse_ipaddress: flag words and lifetimes are kept for the address
    /// request; an IPv6 /128 without `preferred_lft` is deprecated; `nodad`
    /// (no dash) is no keepalived word and is reported as ignored.
    #[test]
    fn address_words_reach_the_vip_spec() {
        let (m, d) = map(
            "vrrp_instance A {\n interface eth0\n virtual_router_id 1\n virtual_ipaddress {\n fd00::1/64 -nodad noprefixroute nodad\n fd00::2\n fd00::3 preferred_lft forever\n fd00::4/64 preferred_lft 7 home\n }\n}\n",
        );
        assert_eq!(d.len(), 1, "{d:?}");
        assert!(d[0].contains("`nodad`"), "{d:?}");
        let v = &m.instances[0].vips;
        assert!(v[0].flags.dad && v[0].flags.noprefixroute && !v[0].flags.home);
        assert_eq!(v[0].preferred_lft, None);
        assert_eq!(v[1].preferred_lft, Some(0));
        assert_eq!(v[2].preferred_lft, None);
        assert_eq!(v[3].preferred_lft, Some(7));
        assert!(v[3].flags.home);
        let a = v[0].address_spec(4);
        assert!(!a.no_dad && a.no_prefix_route);
        assert!(v[1].address_spec(4).no_dad);
    }

    /// vrrp_data.c `alloc_vrrp_unicast_peer`: `min_ttl`/`max_ttl` default
    /// to 0/255 and reach the instance config; min > max is warned about.
    #[test]
    fn unicast_peer_ttl_ranges_are_kept() {
        let (m, d) = map(
            "vrrp_instance A {\n interface eth0\n virtual_router_id 1\n unicast_src_ip 10.1.1.1\n unicast_peer {\n  10.1.1.2 max_ttl 64\n  10.1.1.3\n  10.1.1.4 min_ttl 9 max_ttl 8\n }\n virtual_ipaddress {\n 192.0.2.1\n }\n}\n",
        );
        assert_eq!(d.len(), 1, "{d:?}");
        assert!(
            d[0].contains("(A) min_ttl 9 > max_ttl 8 - all packets will be discarded"),
            "{d:?}"
        );
        let got: Vec<(IpAddr, u8, u8)> = m.instances[0]
            .config
            .unicast_peer_ttl
            .iter()
            .map(|p| (p.address, p.min_ttl, p.max_ttl))
            .collect();
        assert_eq!(
            got,
            [
                ("10.1.1.2".parse().unwrap(), 0, 64),
                ("10.1.1.4".parse().unwrap(), 9, 8)
            ]
        );
    }

    /// parse_ipaddress: `peer` makes a point-to-point address whose prefix
    /// is the peer's; a prefix on the address and a broadcast beside it are
    /// ignored with keepalived's texts.
    #[test]
    fn peer_addresses_take_the_peers_prefix() {
        let (m, d) = map(
            "vrrp_instance A {\n interface eth0\n virtual_router_id 1\n virtual_ipaddress {\n 10.0.0.1/24 peer 10.0.0.2 brd 10.0.0.255\n 10.0.0.3 peer 10.0.0.4\n }\n}\n",
        );
        assert_eq!(d.len(), 2, "{d:?}");
        assert!(d[0].contains("Cannot specify address prefix when specifying peer address"));
        assert!(d[1].contains("Cannot specify broadcast and peer addresses"));
        let v = &m.instances[0].vips;
        assert_eq!((v[0].prefix.len, v[0].broadcast), (32, None));
        assert_eq!(v[0].peer, Some("10.0.0.2".parse().unwrap()));
        assert_eq!(v[1].address_spec(2).peer, Some("10.0.0.4".parse().unwrap()));
    }

    #[test]
    fn auth_pass_and_src_and_peers() {
        let (m, d) = map(
            "vrrp_instance A {\n interface eth0\n virtual_router_id 1\n unicast_src_ip 10.1.1.1\n unicast_peer {\n  10.1.1.2\n }\n authentication {\n  auth_type PASS\n  auth_pass secret123\n }\n virtual_ipaddress {\n 192.0.2.1 dev eth1 label eth1:vip scope link brd +\n }\n}\n",
        );
        assert!(d.is_empty(), "{d:?}");
        let s = &m.instances[0];
        assert_eq!(s.config.auth, Auth::pass(b"secret12"));
        assert_eq!(
            s.config.primary_address,
            "10.1.1.1".parse::<IpAddr>().unwrap()
        );
        assert_eq!(
            s.config.unicast_peers,
            vec!["10.1.1.2".parse::<IpAddr>().unwrap()]
        );
        assert_eq!(s.vips[0].dev.as_deref(), Some("eth1"));
        assert_eq!(s.vips[0].label.as_deref(), Some("eth1:vip"));
        assert_eq!(s.vips[0].scope, 253);
        assert_eq!(s.vips[0].broadcast, None, "/32 has no broadcast");
    }

    #[test]
    fn broadcast_plus_computes() {
        let p = IpPrefix {
            addr: "10.1.2.3".parse().unwrap(),
            len: 24,
        };
        assert_eq!(broadcast_of(&p), Some(Ipv4Addr::new(10, 1, 2, 255)));
    }

    /// `auth_type AH` (RFC 2338 §5.3.6.3): type 2 in the advert and the key
    /// from `auth_pass`; `state MASTER` below 255 starts as BACKUP (vrrp.c
    /// vrrp_complete_instance); no `auth_pass` is an error as for PASS;
    /// strict mode and VRRPv3 run without it.
    #[test]
    fn ah_is_mapped_with_its_key() {
        let map = |extra: &str, auth: &str| {
            let text = format!(
                "vrrp_instance A {{\n interface eth0\n virtual_router_id 1\n{extra}\n                  authentication {{\n{auth} }}\n virtual_ipaddress {{\n 192.0.2.1\n }}\n}}\n"
            );
            let p = parse_str("t.conf", &text, &LoadOptions::default());
            map_config(&p.config, &SimResolver { node: 1 })
        };
        let ah = "  auth_type AH\n  auth_pass secret123\n";
        let (m, d) = map("", ah);
        assert!(!d.iter().any(|x| x.is_error()), "{d:?}");
        let s = &m.instances[0];
        assert_eq!(s.config.auth, Auth::Ah);
        assert_eq!(
            m.ah_keys.get("A"),
            Some(&vrrp_core::packet::ah::AhKey::from_pass(b"secret12"))
        );
        let (m, _) = map(" state MASTER\n priority 100", ah);
        assert_eq!(
            m.instances[0].config.initial_state,
            Some(InitialState::Backup)
        );
        let (m, _) = map(" state MASTER\n priority 255", ah);
        assert_eq!(
            m.instances[0].config.initial_state,
            Some(InitialState::Master)
        );
        let (m, d) = map("", "  auth_type AH\n");
        assert!(m.instances.is_empty());
        let e: Vec<_> = d.iter().filter(|x| x.is_error()).collect();
        assert_eq!(e.len(), 1, "{d:?}");
        assert!(e[0].message.contains("AH without auth_pass"));
        for extra in [" strict_mode", " version 3"] {
            let (m, _) = map(extra, ah);
            assert_eq!(m.instances[0].config.auth, Auth::None, "{extra}");
            assert!(m.ah_keys.is_empty(), "{extra}");
        }
    }

    /// track_bfd is mapped to a tracker that starts down, its session is
    /// run (no "not acted on" warning for it or the session settings, nor
    /// for `max_hops -1`, which checks no TTL as in keepalived).
    #[test]
    fn track_bfd_is_mapped_and_its_session_run() {
        let p = parse_str(
            "t.conf",
            "bfd_instance tf {\n neighbor_ip 192.0.2.9\n max_hops -1\n}\nvrrp_instance A {\n interface eth0\n \
             virtual_router_id 1\n track_bfd {\n  tf weight -5\n }\n virtual_ipaddress {\n \
             192.0.2.1\n }\n no_accept\n}\n",
            &LoadOptions::default(),
        );
        let l = crate::spec::load::finish(p, &SimResolver { node: 1 });
        assert!(!l.has_errors(), "{}", l.render());
        let m = &l.mapped;
        assert_eq!(m.instances.len(), 1);
        assert_eq!(m.instances[0].trackers, [TrackerSource::Bfd("tf".into())]);
        let t = &m.instances[0].config.trackers[0];
        assert_eq!(
            (t.kind, t.weight, t.initially_up),
            (TrackerKind::Bfd, -5, false)
        );
        assert_eq!(m.bfd_sessions.len(), 1);
        let at = |line: u32| {
            l.diagnostics
                .iter()
                .filter(|d| d.span.map(|s| s.line) == Some(line))
                .map(|d| d.message.as_str())
                .collect::<Vec<_>>()
        };
        assert!(at(8).is_empty() && at(9).is_empty(), "{}", l.render());
        assert!(at(2).is_empty() && at(3).is_empty(), "{}", l.render());
        assert_eq!(m.bfd_sessions[0].max_hops, 255);
        assert_eq!(
            m.instances[0].drop_vips,
            ["192.0.2.1".parse::<IpAddr>().unwrap()]
        );
    }

    /// One instance with `extra` inside and `global` in global_defs: (accept,
    /// addresses dropped while Master, warnings).
    fn accept_of(global: &str, extra: &str) -> (bool, Vec<IpAddr>, Vec<String>) {
        let (m, d) = map(&format!(
            "global_defs {{\n{global}\n}}\nvrrp_instance A {{\n interface eth0\n \
             virtual_router_id 1\n{extra}\n virtual_ipaddress {{\n 192.0.2.1\n 192.0.2.1/32 dev eth1\n }}\n \
             virtual_ipaddress_excluded {{\n 192.0.2.9\n }}\n}}\n"
        ));
        let i = &m.instances[0];
        (i.config.accept, i.drop_vips.clone(), d)
    }

    /// vrrp.c vrrp_complete_instance: unset accept = owner ? true : !strict.
    #[test]
    fn accept_mode_defaults_as_keepalived() {
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        let (accept, drop, _) = accept_of("", "");
        assert!(accept && drop.is_empty(), "accept by default");
        let (accept, drop, _) = accept_of("", " no_accept");
        assert!(!accept);
        assert_eq!(
            drop,
            [ip("192.0.2.1"), ip("192.0.2.9")],
            "VIPs then excluded, once each"
        );
        let (accept, drop, d) = accept_of("vrrp_strict", " version 3");
        assert!(!accept && drop.len() == 2, "strict: no accept by default");
        assert!(!d.iter().any(|w| w.contains("not acted on")), "{d:?}");
        let (accept, drop, _) = accept_of("", " strict_mode\n version 3\n accept");
        assert!(
            accept && drop.is_empty(),
            "accept kept with strict on VRRPv3"
        );
        let (accept, drop, d) = accept_of("vrrp_strict", " accept");
        assert!(
            !accept && drop.len() == 2,
            "accept reset with strict on VRRPv2"
        );
        assert!(
            d.iter().any(|w| w.contains(
                "(A) warning - accept mode for VRRP version 2 does not comply with RFC3768 - resetting"
            )),
            "{d:?}"
        );
    }

    /// The reason `vrrpd status` gives for each case.
    #[test]
    fn accept_reasons() {
        let reason = |global: &str, extra: &str| {
            let (m, _) = map(&format!(
                "global_defs {{\n{global}\n}}\nvrrp_instance A {{\n interface eth0\n \
                 virtual_router_id 1\n{extra}\n virtual_ipaddress {{\n 192.0.2.1\n }}\n}}\n"
            ));
            m.instances[0].accept_reason
        };
        assert_eq!(reason("", ""), AcceptReason::Default);
        assert_eq!(reason("", " accept"), AcceptReason::Accept);
        assert_eq!(reason("", " no_accept"), AcceptReason::NoAccept);
        assert_eq!(reason("vrrp_strict", " version 3"), AcceptReason::Strict);
        assert_eq!(reason("vrrp_strict", " accept"), AcceptReason::StrictV2);
        assert_eq!(reason("", " priority 255\n no_accept"), AcceptReason::Owner);
    }

    /// The address owner accepts (vrrp_handle_accept_mode returns at once
    /// for priority 255), even with no_accept or strict mode.
    #[test]
    fn the_owner_never_drops() {
        for (g, extra) in [
            ("vrrp_strict", " priority 255"),
            ("", " priority 255\n no_accept"),
            ("", " state MASTER\n no_accept"),
        ] {
            let (_, drop, _) = accept_of(g, extra);
            assert!(drop.is_empty(), "{g} {extra}");
        }
    }

    #[test]
    fn link_local_vips_are_dropped_without_a_warning() {
        let (m, d) = map("global_defs {\n nftables_ifindex\n}\n\
             vrrp_instance A {\n interface eth0\n virtual_router_id 1\n no_accept\n \
             virtual_ipaddress {\n fe80::33\n fd00::33\n }\n}\n");
        assert_eq!(
            m.instances[0].drop_vips,
            [
                "fe80::33".parse::<IpAddr>().unwrap(),
                "fd00::33".parse().unwrap()
            ]
        );
        assert!(m.firewall.ifindex, "nftables_ifindex");
        assert!(!d.iter().any(|w| w.contains("fe80::33")), "{d:?}");
        assert!(!d.iter().any(|w| w.contains("nftables_ifindex")), "{d:?}");
    }

    #[test]
    fn a_vmac_needs_the_firewall_without_a_warning() {
        let (_, drop, d) = accept_of("", " use_vmac\n no_accept");
        assert_eq!(drop.len(), 2);
        assert!(!d.iter().any(|w| w.contains("VMAC")), "{d:?}");
        let (m, _) = map(
            "vrrp_instance A {\n interface eth0\n virtual_router_id 1\n use_vmac\n \
             virtual_ipaddress {\n 192.0.2.1\n }\n}\n",
        );
        assert!(
            m.needs_firewall(false),
            "use_vmac with accept: the IGMP rule"
        );
        assert!(
            !m.needs_firewall(true),
            "disable_local_igmp: no rules for an IPv4 VMAC"
        );
        let (m, d) = map("global_defs {\n disable_local_igmp\n}\n\
             vrrp_instance A {\n interface eth0\n virtual_router_id 1\n use_vmac\n \
             virtual_ipaddress {\n fd00::1\n }\n}\n");
        assert!(m.disable_local_igmp);
        assert!(m.needs_firewall(true), "an IPv6 VMAC keeps its MLD rules");
        assert!(!d.iter().any(|w| w.contains("disable_local_igmp")), "{d:?}");
    }

    /// keepalived main.c reload_config compares the written table names.
    #[test]
    fn the_written_table_name_is_kept_for_reloads() {
        let written = |g: &str| {
            let (m, _) = map(&format!(
                "global_defs {{\n {g}\n}}\nvrrp_instance A {{\n interface eth0\n \
                 virtual_router_id 1\n no_accept\n virtual_ipaddress {{\n 192.0.2.1\n }}\n}}\n"
            ));
            m.firewall_table_written
        };
        assert_eq!(written(""), None);
        assert_eq!(written("nftables"), Some("keepalived".to_string()));
        assert_eq!(written("nftables t1"), Some("t1".to_string()));
        assert_eq!(written("vrrp_iptables X"), Some("keepalived".to_string()));
    }

    #[test]
    fn promote_secondaries_is_read_and_refused_with_a_vmac() {
        let inst = |extra: &str| {
            format!(
                "vrrp_instance A {{\n interface eth0\n virtual_router_id 1\n{extra}\
                 virtual_ipaddress {{\n 192.0.2.1\n }}\n}}\n"
            )
        };
        let (m, d) = map(&inst(" promote_secondaries\n"));
        assert!(d.is_empty(), "{d:?}");
        assert!(m.instances[0].promote_secondaries);
        let (m, _) = map(&inst(""));
        assert!(!m.instances[0].promote_secondaries);
        let (m, d) = map(&inst(" use_vmac\n promote_secondaries\n"));
        assert!(!m.instances[0].promote_secondaries);
        assert!(
            d.iter().any(|w| w.contains("automatically set for vmacs")),
            "{d:?}"
        );
    }

    #[test]
    fn track_src_ip_is_read_and_explained() {
        let (m, d) = map(
            "vrrp_instance A {\n interface eth0\n virtual_router_id 1\n mcast_src_ip 10.0.0.7\n \
             track_src_ip\n virtual_ipaddress {\n 192.0.2.1\n }\n}\n",
        );
        assert!(m.instances[0].trackers.is_empty());
        assert_eq!(d.len(), 1, "{d:?}");
        assert!(d[0].contains("track_src_ip changes nothing"), "{d:?}");
    }

    #[test]
    fn garp_extra_if_applies_with_all_and_another_interface() {
        let conf = |global: &str, inst: &str, dev: &str| {
            format!(
                "global_defs {{\n{global}}}\nvrrp_instance A {{\n interface eth0\n \
                 virtual_router_id 1\n{inst} virtual_ipaddress {{\n 10.0.0.1\n 10.0.1.1{dev}\n }}\n}}\n"
            )
        };
        let got = |g: &str, i: &str, d: &str| map(&conf(g, i, d)).0.instances[0].garp_extra_if;
        let secs = |s| Some(std::time::Duration::from_secs(s));
        assert_eq!(got("", " garp_extra_if all 3\n", " dev eth1"), secs(3));
        assert_eq!(got(" vrrp_garp_extra_if all 4\n", "", " dev eth1"), secs(4));
        // The instance's setting wins, 0 included.
        assert_eq!(
            got(
                " vrrp_garp_extra_if all 4\n",
                " garp_extra_if all 0\n",
                " dev eth1"
            ),
            None
        );
        // Without `all` only VMACs of single addresses would count: none here.
        assert_eq!(got("", " garp_extra_if 3\n", " dev eth1"), None);
        // No VIP on another interface.
        assert_eq!(got("", " garp_extra_if all 3\n", ""), None);
        assert_eq!(got("", " garp_extra_if all 3\n", " dev eth0"), None);
        // The deprecated names are the same keywords.
        assert_eq!(got("", " vmac_garp_intvl all 5\n", " dev eth1"), secs(5));
    }

    #[test]
    fn nftables_globals_become_settings() {
        let (m, _) = map("vrrp_instance A {\n interface eth0\n virtual_router_id 1\n}\n");
        assert_eq!(m.firewall, keepalived_nft::Settings::default());
        assert!(!m.needs_firewall(false));
        let (m, _) = map(
            "global_defs {\n nftables vrrp_fw\n nftables_priority -5\n nftables_counters\n}\n\
             vrrp_instance A {\n interface eth0\n virtual_router_id 1\n no_accept\n \
             virtual_ipaddress {\n 192.0.2.1\n }\n}\n",
        );
        assert_eq!(
            m.firewall,
            keepalived_nft::Settings::default()
                .with_table("vrrp_fw")
                .with_priority(-5)
                .with_counters(true)
        );
        assert!(m.needs_firewall(false));
        let (m, d) = map("global_defs {\n nftables_priority -5\n nftables\n}\n");
        assert_eq!(m.firewall.priority, -1, "reset by a later `nftables`");
        assert!(d.iter().any(|w| w.contains("resets the priority")), "{d:?}");
        let (m, _) = map("global_defs {\n nftables_priority 7\n}\n");
        assert_eq!(m.firewall.priority, 7, "without `nftables`");
    }

    #[test]
    fn trackers_map_with_keepalived_weights() {
        let (m, d) = map(
            "vrrp_script chk {\n script \"/bin/check --fast\"\n interval 2\n weight -20\n fall 3\n}\nvrrp_instance A {\n interface eth0\n virtual_router_id 1\n track_interface {\n  eth1\n  eth2 weight 10\n }\n track_script {\n  chk\n  nosuch\n }\n virtual_ipaddress {\n 192.0.2.1\n }\n}\n",
        );
        assert_eq!(d.len(), 1, "{d:?}");
        assert!(d[0].contains("names no vrrp_script"), "{d:?}");
        let s = &m.instances[0];
        assert_eq!(
            s.trackers,
            vec![
                TrackerSource::Interface("eth1".into()),
                TrackerSource::Interface("eth2".into()),
                TrackerSource::Script("chk".into())
            ]
        );
        let w: Vec<i32> = s.config.trackers.iter().map(|t| t.weight).collect();
        assert_eq!(w, vec![0, 10, -20]);
        assert_eq!(m.scripts.len(), 1);
        assert_eq!(m.scripts[0].argv, vec!["/bin/check", "--fast"]);
        assert_eq!(m.scripts[0].interval, std::time::Duration::from_secs(2));
        assert_eq!(m.scripts[0].timeout, std::time::Duration::from_secs(2));
        assert_eq!((m.scripts[0].rise, m.scripts[0].fall), (1, 3));
    }

    #[test]
    fn notify_scripts_become_argv() {
        let (m, d) = map(
            "vrrp_instance A {\n interface eth0\n virtual_router_id 1\n notify_master \"/bin/up.sh a b\"\n notify /bin/any\n virtual_ipaddress {\n 192.0.2.1\n }\n}\n",
        );
        assert!(d.is_empty(), "{d:?}");
        let n = m.instances[0].notify.as_deref().unwrap();
        assert_eq!(
            n.master.as_ref().map(|c| c.argv.clone()),
            Some(vec!["/bin/up.sh".into(), "a".into(), "b".into()])
        );
        assert_eq!(
            n.generic.as_ref().map(|c| c.argv.clone()),
            Some(vec!["/bin/any".to_string()])
        );
        assert_eq!(n.backup, None);
    }

    #[test]
    fn a_script_only_an_owner_tracks_with_a_weight_is_not_run() {
        let conf = |w: i32| {
            format!(
                "vrrp_script chk {{\n script /bin/true\n weight {w}\n}}\n\
                 vrrp_instance A {{\n interface eth0\n virtual_router_id 1\n priority 255\n \
                 track_script {{\n  chk\n }}\n virtual_ipaddress {{\n 192.0.2.1\n }}\n}}\n"
            )
        };
        assert!(map(&conf(2)).0.scripts.is_empty());
        assert_eq!(map(&conf(0)).0.scripts.len(), 1, "weight 0 stays");
    }

    #[test]
    fn vrrp_script_ignores_words_after_its_command() {
        let (m, d) = map(concat!(
            "vrrp_script chk {\n script /bin/true -0 haproxy\n}\n",
            "vrrp_instance A {\n interface eth0\n virtual_router_id 1\n track_script {\n  chk\n }\n",
            " virtual_ipaddress {\n 192.0.2.1\n }\n}\n",
        ));
        assert_eq!(m.scripts[0].argv, ["/bin/true"]);
        assert_eq!(m.scripts[0].user, None);
        assert!(
            d.iter()
                .any(|w| w.contains("words after the command are ignored")),
            "{d:?}"
        );
    }

    #[test]
    fn script_lines_split_with_keepalived_quoting_and_users() {
        let (m, d) = map(concat!(
            "global_defs {\n enable_script_security\n script_user nobody nogroup\n",
            " vrrp_notify_fifo /run/v.fifo root\n vrrp_notify_fifo_script \"/bin/rd -x\" nobody\n}\n",
            "vrrp_script chk {\n script \"/bin/check 'a b' c\\\\ d\"\n user daemon\n}\n",
            "vrrp_instance A {\n interface eth0\n virtual_router_id 1\n track_script {\n  chk\n }\n",
            " notify_master \"/bin/up.sh 'x y'\" root\n",
            " virtual_ipaddress {\n 192.0.2.1\n }\n}\n",
        ));
        assert!(d.is_empty(), "{d:?}");
        assert!(m.script_security);
        assert_eq!(
            m.script_user,
            Some(("nobody".into(), Some("nogroup".into())))
        );
        assert_eq!(m.scripts[0].argv, ["/bin/check", "a b", "c d"]);
        assert_eq!(m.scripts[0].user, Some(("daemon".into(), None)));
        let up = m.instances[0]
            .notify
            .as_ref()
            .unwrap()
            .master
            .clone()
            .unwrap();
        assert_eq!(up.argv, ["/bin/up.sh", "x y"]);
        assert_eq!(up.user, Some(("root".into(), None)));
        assert_eq!(m.notify_fifos.len(), 1);
        let f = &m.notify_fifos[0];
        assert_eq!(f.path, std::path::PathBuf::from("/run/v.fifo"));
        assert_eq!(f.owner, Some(("root".into(), None)));
        let sc = f.script.clone().unwrap();
        assert_eq!(
            (sc.argv, sc.user),
            (
                vec!["/bin/rd".to_string(), "-x".to_string()],
                Some(("nobody".to_string(), None))
            )
        );
    }

    #[test]
    fn sync_group_track_file_goes_to_members_with_weight_zero() {
        let (m, d) = map(concat!(
            "track_file tf {\n file /run/tf\n weight -5\n}\n",
            "vrrp_sync_group G {\n group {\n  A\n }\n track_file {\n  tf\n }\n}\n",
            "vrrp_instance A {\n interface eth0\n virtual_router_id 1\n virtual_ipaddress {\n 192.0.2.1\n }\n}\n",
        ));
        assert!(
            d.iter().all(|x| x.contains("ignored in sync group")),
            "{d:?}"
        );
        let a = &m.instances[0];
        assert_eq!(a.trackers, [TrackerSource::File("tf".into())]);
        assert_eq!(a.config.trackers[0].weight, 0);
        assert_eq!(m.track_files.len(), 1);
    }

    #[test]
    fn track_files_are_value_trackers() {
        let (m, d) = map(concat!(
            "track_file tf {\n file /run/tf\n weight -10\n init_file 5 overwrite\n}\n",
            "track_file unused {\n file /run/unused\n}\n",
            "track_file plain {\n file /run/plain\n}\n",
            "vrrp_instance A {\n interface eth0\n virtual_router_id 1\n",
            " track_file {\n  tf\n  plain weight 0 reverse\n  nosuch\n }\n",
            " virtual_ipaddress {\n 192.0.2.1\n }\n}\n",
            "vrrp_instance B {\n interface eth0\n virtual_router_id 2\n",
            " track_file {\n  tf weight 3 reverse\n }\n",
            " virtual_ipaddress {\n 192.0.2.2\n }\n}\n",
        ));
        assert_eq!(d.len(), 1, "{d:?}");
        assert!(d[0].contains("names no track_file"), "{d:?}");
        let a = &m.instances[0];
        assert_eq!(
            a.trackers,
            [
                TrackerSource::File("tf".into()),
                TrackerSource::File("plain".into())
            ]
        );
        let w: Vec<_> = a
            .config
            .trackers
            .iter()
            .map(|t| (t.weight, t.reverse))
            .collect();
        assert_eq!(w, [(-10, false), (0, true)]);
        let b = &m.instances[1].config.trackers[0];
        assert_eq!((b.weight, b.reverse), (3, true));
        let files: Vec<_> = m
            .track_files
            .iter()
            .map(|f| (f.name.as_str(), f.init))
            .collect();
        assert_eq!(files, [("tf", Some((5, true))), ("plain", None)]);
    }

    #[test]
    fn mixed_family_vips_is_error() {
        let p = parse_str(
            "t.conf",
            "vrrp_instance A {\n interface eth0\n virtual_router_id 1\n virtual_ipaddress {\n 192.0.2.1\n fd00::1\n }\n}\n",
            &LoadOptions::default(),
        );
        let (m, d) = map_config(&p.config, &SimResolver { node: 1 });
        assert!(m.instances.is_empty());
        assert!(
            d.iter()
                .any(|x| x.is_error() && x.span.map(|s| s.line) == Some(6))
        );
    }

    #[test]
    fn lower_priority_garp_follows_the_global_settings() {
        let inst = "vrrp_instance A {\n interface eth0\n virtual_router_id 1\n garp_master_delay 10\n \
                    garp_master_repeat 3\n virtual_ipaddress {\n 192.0.2.1\n }\n}\n";
        let (m, _) = map(inst);
        let g = m.instances[0].config.garp;
        assert_eq!(
            (g.master_delay, g.master_repeat),
            (Duration::from_secs(10), 3)
        );
        assert_eq!(
            (g.lower_prio_delay, g.lower_prio_repeat),
            (Duration::from_secs(5), 5),
            "keepalived's defaults, not the instance's master settings"
        );
        let (m, _) = map(&format!(
            "global_defs {{\n vrrp_garp_master_delay 2\n vrrp_garp_master_repeat 4\n}}\n{inst}"
        ));
        let g = m.instances[0].config.garp;
        assert_eq!(
            (g.lower_prio_delay, g.lower_prio_repeat),
            (Duration::from_secs(2), 4)
        );
    }

    #[test]
    fn tracking_the_own_interface_is_ignored() {
        let (m, d) = map(
            "vrrp_instance A {\n interface eth0\n virtual_router_id 1\n track_interface {\n  eth0 weight 5\n  eth1\n }\n \
             virtual_ipaddress {\n 192.0.2.1\n }\n}\n",
        );
        assert_eq!(
            m.instances[0].trackers,
            vec![TrackerSource::Interface("eth1".into())]
        );
        assert!(d.iter().any(|w| w.contains("since own interface")), "{d:?}");
    }

    #[test]
    fn scripts_and_files_defined_below_their_use_are_not_found() {
        let (m, d) = map(
            "vrrp_instance A {\n interface eth0\n virtual_router_id 1\n track_script {\n  chk\n }\n \
             track_file {\n  tf\n }\n virtual_ipaddress {\n 192.0.2.1\n }\n}\n\
             vrrp_script chk {\n script /bin/true\n}\ntrack_file tf {\n file /run/tf\n}\n",
        );
        assert!(
            m.instances[0].trackers.is_empty(),
            "{:?}",
            m.instances[0].trackers
        );
        assert!(
            d.iter().any(|w| w.contains("no vrrp_script defined above")),
            "{d:?}"
        );
        assert!(
            d.iter()
                .any(|w| w.contains("no track_file block defined above")),
            "{d:?}"
        );
    }

    #[test]
    fn sync_group_members_start_together() {
        let two = |sa: &str, pa: &str, sb: &str, pb: &str| {
            let (m, _) = map(&format!(
                "vrrp_sync_group G {{\n group {{\n  A\n  B\n }}\n}}\n\
                 vrrp_instance A {{\n {sa}\n {pa}\n interface eth0\n virtual_router_id 1\n virtual_ipaddress {{\n 192.0.2.1\n }}\n}}\n\
                 vrrp_instance B {{\n {sb}\n {pb}\n interface eth1\n virtual_router_id 2\n virtual_ipaddress {{\n 192.0.2.2\n }}\n}}\n"
            ));
            (
                m.instances[0].config.initial_state,
                m.instances[1].config.initial_state,
            )
        };
        let (master, backup) = (Some(InitialState::Master), Some(InitialState::Backup));
        // Not address owners: Master is cleared.
        assert_eq!(
            two(
                "state MASTER",
                "priority 100",
                "state MASTER",
                "priority 100"
            ),
            (backup, backup)
        );
        // `state MASTER` without a priority is the owner (255): kept.
        assert_eq!(
            two("state MASTER", "", "state MASTER", ""),
            (master, master)
        );
        // Owners both: kept.
        assert_eq!(
            two("state MASTER", "priority 255", "", "priority 255"),
            (master, None)
        );
        // Every member a Backup: nothing to change.
        assert_eq!(two("state BACKUP", "", "", ""), (backup, None));
    }

    #[test]
    fn sync_groups_resolve_names() {
        let (m, d) = map(
            "vrrp_sync_group G {\n group {\n  B\n  A\n }\n}\nvrrp_instance A {\n interface eth0\n virtual_router_id 1\n virtual_ipaddress {\n 192.0.2.1\n }\n}\nvrrp_instance B {\n interface eth1\n virtual_router_id 2\n virtual_ipaddress {\n 192.0.2.2\n }\n}\n",
        );
        assert!(d.is_empty(), "{d:?}");
        assert_eq!(m.sync_groups, vec![("G".to_string(), vec![1, 0])]);
    }

    #[test]
    fn sync_group_tracking_applies_to_members_with_weight_zero() {
        let (m, d) = map(
            "vrrp_script chk {\n script /bin/true\n weight -20\n}\nvrrp_sync_group G {\n group {\n  A\n  B\n }\n track_interface {\n  eth9 weight 10\n }\n track_script {\n  chk\n }\n notify_master \"/bin/gm x\"\n notify /bin/gn\n}\nvrrp_instance A {\n interface eth0\n virtual_router_id 1\n track_interface {\n  eth5 weight 5\n }\n virtual_ipaddress {\n 192.0.2.1\n }\n}\nvrrp_instance B {\n interface eth1\n virtual_router_id 2\n virtual_ipaddress {\n 192.0.2.2\n }\n}\n",
        );
        for i in &m.instances {
            assert!(
                i.trackers
                    .contains(&TrackerSource::Interface("eth9".into()))
                    && i.trackers.contains(&TrackerSource::Script("chk".into())),
                "{:?}",
                i.trackers
            );
            assert!(i.config.trackers.iter().all(|t| t.weight == 0));
            assert_eq!(i.trackers.len(), i.config.trackers.len());
        }
        assert_eq!(m.instances[0].trackers.len(), 3);
        assert_eq!(m.scripts.len(), 1, "the group's script is run");
        assert_eq!(
            d.iter()
                .filter(|x| x.contains("ignored in sync group"))
                .count(),
            5,
            "{d:?}"
        );
        let n = &m.group_notify["G"];
        assert_eq!(
            n.master,
            Some(vec!["/bin/gm".to_string(), "x".into()].into())
        );
        assert_eq!(n.generic, Some(vec!["/bin/gn".to_string()].into()));
    }

    #[test]
    fn sync_group_tracking_weight_keeps_weights() {
        let (m, d) = map(
            "vrrp_sync_group G {\n group {\n  A\n }\n track_interface {\n  eth9 weight 10\n }\n sync_group_tracking_weight\n smtp_alert\n}\nvrrp_instance A {\n interface eth0\n virtual_router_id 1\n virtual_ipaddress {\n 192.0.2.1\n }\n}\n",
        );
        assert!(d.is_empty(), "{d:?}");
        assert_eq!(m.instances[0].config.trackers[0].weight, 10);
        assert!(
            m.group_smtp_alert.contains("G"),
            "smtp_alert of a group is acted on"
        );
    }

    #[test]
    fn smtp_alert_defaults_and_mail_settings() {
        let (m, d) = map(
            "global_defs {\n notification_email {\n  ops@example.com\n }\n smtp_server 192.0.2.25\n \
             smtp_alert_vrrp\n}\nvrrp_sync_group G {\n group {\n  A\n }\n smtp_alert false\n}\n\
             vrrp_instance A {\n interface eth0\n virtual_router_id 1\n virtual_ipaddress {\n 192.0.2.1\n }\n}\n\
             vrrp_instance B {\n interface eth0\n virtual_router_id 2\n smtp_alert off\n virtual_ipaddress {\n 192.0.2.2\n }\n}\n",
        );
        assert!(d.is_empty(), "{d:?}");
        assert!(m.instances[0].smtp_alert);
        assert!(!m.instances[1].smtp_alert);
        assert!(m.group_smtp_alert.is_empty());
        let mail = m.mail.unwrap();
        assert_eq!((mail.server.as_str(), mail.port), ("192.0.2.25", 25));
        assert_eq!(mail.to, ["ops@example.com"]);
    }

    #[test]
    fn dont_track_primary_is_mapped() {
        let (m, d) = map(
            "vrrp_instance A {\n interface eth0\n virtual_router_id 1\n dont_track_primary\n virtual_ipaddress {\n 192.0.2.1\n }\n}\n",
        );
        assert!(d.is_empty(), "{d:?}");
        assert!(m.instances[0].dont_track_primary);
        assert!(!m.instances[0].config_fault);
    }

    /// vrrp.c vrrp_complete_instance: with unicast_fault_no_peer and no peer
    /// the instance is held in FAULT; a unicast keyword without it and
    /// without peers falls back to multicast with a warning.
    #[test]
    fn unicast_without_peers_is_a_fault_or_multicast() {
        let (m, d) = map(
            "vrrp_instance A {\n interface eth0\n virtual_router_id 1\n unicast_fault_no_peer\n virtual_ipaddress {\n 192.0.2.1\n }\n}\n",
        );
        assert!(m.instances[0].config_fault);
        assert_eq!(d.len(), 1, "{d:?}");
        assert!(d[0].contains("stays in FAULT"), "{d:?}");
        let (m, d) = map(
            "vrrp_instance A {\n interface eth0\n virtual_router_id 1\n unicast_fault_no_peer\n \
             unicast_peer {\n  10.1.1.2\n }\n virtual_ipaddress {\n 192.0.2.1\n }\n}\n",
        );
        assert!(!m.instances[0].config_fault);
        assert!(d.is_empty(), "{d:?}");
        let (m, d) = map(
            "vrrp_instance A {\n interface eth0\n virtual_router_id 1\n unicast_src_ip 10.1.1.1\n virtual_ipaddress {\n 192.0.2.1\n }\n}\n",
        );
        assert!(!m.instances[0].config_fault);
        assert!(m.instances[0].config.unicast_peers.is_empty());
        assert_eq!(d.len(), 1, "{d:?}");
        assert!(d[0].contains("using multicast"), "{d:?}");
    }

    /// Without an address on the interface the instance is refused, unless
    /// dynamic_interfaces: then it waits, its source address unspecified.
    #[test]
    fn dynamic_interfaces_wait_for_a_missing_address() {
        struct Nothing;
        impl AddressResolver for Nothing {
            fn primary(&self, _: Option<&str>, _: Family) -> Option<IpAddr> {
                None
            }
        }
        let inst = "vrrp_instance A {\n interface eth9\n virtual_router_id 1\n virtual_ipaddress {\n 192.0.2.1\n }\n}\n";
        let p = parse_str("t.conf", inst, &LoadOptions::default());
        let (m, d) = map_config(&p.config, &Nothing);
        assert!(d.iter().any(Diagnostic::is_error), "{d:?}");
        assert!(m.instances.is_empty() && m.dynamic.is_none());
        let text = format!("global_defs {{\n dynamic_interfaces allow_if_changes\n}}\n{inst}");
        let p = parse_str("t.conf", &text, &LoadOptions::default());
        assert!(!p.has_errors(), "{}", p.render_diagnostics());
        let (m, d) = map_config(&p.config, &Nothing);
        assert!(d.is_empty(), "{d:?}");
        let i = &m.instances[0];
        assert!(i.dynamic && i.primary_missing);
        assert!(i.config.primary_address.is_unspecified());
        assert!(m.dynamic.is_some());
        assert!(p.config.global_defs.allow_if_changes.is_some());
        let (m, _) = map_config(&p.config, &SimResolver { node: 3 });
        assert!(!m.instances[0].primary_missing, "found when it exists");
    }

    /// keepalived `set_vrrp_src_addr`: an existing interface without a
    /// link-local address leaves an IPv6 instance waiting in FAULT, without
    /// `dynamic_interfaces` too; an unknown interface is still refused.
    #[test]
    fn an_interface_without_link_local_leaves_an_ipv6_instance_waiting() {
        struct Eth0V4;
        impl AddressResolver for Eth0V4 {
            fn primary(&self, _: Option<&str>, f: Family) -> Option<IpAddr> {
                (f == Family::V4).then_some(IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1)))
            }
            fn has_interface(&self, name: &str) -> Option<bool> {
                Some(name == "eth0")
            }
        }
        let conf = |i: &str| {
            format!(
                "vrrp_instance A {{\n interface {i}\n virtual_router_id 1\n \
                 virtual_ipaddress {{\n fd00::1\n }}\n}}\n\
                 vrrp_instance B {{\n interface {i}\n virtual_router_id 2\n \
                 virtual_ipaddress {{\n 192.0.2.1\n }}\n}}\n"
            )
        };
        let p = parse_str("t.conf", &conf("eth0"), &LoadOptions::default());
        let (m, d) = map_config(&p.config, &Eth0V4);
        assert!(!d.iter().any(Diagnostic::is_error), "{d:?}");
        assert!(m.instances[0].primary_missing && !m.instances[0].dynamic);
        assert!(!m.instances[1].primary_missing);
        assert!(m.dynamic.is_some(), "mapped again when an address appears");
        let p = parse_str("t.conf", &conf("eth9"), &LoadOptions::default());
        let (_, d) = map_config(&p.config, &Eth0V4);
        assert!(d.iter().any(Diagnostic::is_error), "{d:?}");
    }

    #[test]
    fn use_vmac_maps_name_mac_and_xmit_base() {
        let (m, d) = map(
            "vrrp_instance A {\n interface eth0\n virtual_router_id 51\n use_vmac\n virtual_ipaddress {\n 192.0.2.1\n }\n}\nvrrp_instance B {\n interface eth0\n virtual_router_id 52\n use_vmac vm52 02:11:22:33:44\n vmac_xmit_base\n virtual_ipaddress {\n 192.0.2.2\n }\n}\nvrrp_instance C {\n interface eth0\n virtual_router_id 53\n use_vmac\n virtual_ipaddress {\n fd00::1\n }\n}\n",
        );
        assert!(d.is_empty(), "{d:?}");
        let v = |i: usize| m.instances[i].vmac.clone().unwrap();
        assert_eq!(v(0).name, "vrrp.51");
        assert_eq!(v(0).mac.to_string(), "00:00:5e:00:01:33");
        assert!(!v(0).xmit_base);
        assert_eq!(v(1).name, "vm52");
        assert_eq!(v(1).mac.to_string(), "02:11:22:33:44:34");
        assert!(v(1).xmit_base);
        assert_eq!(v(2).mac.to_string(), "00:00:5e:00:02:35");
        assert_eq!(v(2).name, "vrrp.53");
    }

    #[test]
    fn default_vmac_names_are_unique_and_given_ones_must_be() {
        // The usual IPv4 + IPv6 pair with one VRID, both with use_vmac:
        // keepalived 2.2.7 names the IPv6 one vrrp6.51 (one VMAC each).
        let pair = "vrrp_instance A {\n interface eth0\n virtual_router_id 51\n use_vmac\n virtual_ipaddress {\n 192.0.2.1\n }\n}\nvrrp_instance B {\n interface eth0\n virtual_router_id 51\n use_vmac\n virtual_ipaddress {\n fd00::1\n }\n}\n";
        let names = |m: &Mapped| -> Vec<String> {
            m.instances
                .iter()
                .map(|i| i.vmac.clone().unwrap().name)
                .collect()
        };
        let (m, d) = map(pair);
        assert!(d.is_empty(), "{d:?}");
        assert_eq!(names(&m), ["vrrp.51", "vrrp6.51"]);
        // A given name taken by a default one: the default moves on.
        let given = pair.replacen(
            "use_vmac\n virtual_ipaddress {\n fd00",
            "use_vmac vrrp.51\n virtual_ipaddress {\n fd00",
            1,
        );
        let (m, d) = map(&given);
        assert!(d.is_empty(), "{d:?}");
        assert_eq!(names(&m), ["vrrp1.51", "vrrp.51"]);
        // An IPv6 instance first: it gets vrrp.51, the IPv4 one vrrp1.51.
        let (a, b) = pair.split_at(pair.find("vrrp_instance B").unwrap());
        let (m, d) = map(&format!("{b}{a}"));
        assert!(d.is_empty(), "{d:?}");
        assert_eq!(names(&m), ["vrrp.51", "vrrp1.51"]);
        // An IPv6 default whose vrrp.VRID is taken, vrrp6.VRID too: vrrp1.VRID.
        let three = format!(
            "{pair}vrrp_instance C {{\n interface eth1\n virtual_router_id 51\n use_vmac vrrp6.51\n virtual_ipaddress {{\n 192.0.2.9\n }}\n}}\n"
        );
        let (m, d) = map(&three);
        assert!(d.is_empty(), "{d:?}");
        assert_eq!(names(&m), ["vrrp.51", "vrrp1.51", "vrrp6.51"]);
        // Two instances naming the same VMAC: refused.
        let (_, d) = map(&pair.replace("use_vmac\n", "use_vmac vm\n"));
        assert!(
            d.iter().any(|x| x.contains("`vm` is already used")),
            "{d:?}"
        );
    }

    #[test]
    fn use_vmac_refuses_multicast_mac() {
        let p = parse_str(
            "t.conf",
            "vrrp_instance A {\n interface eth0\n virtual_router_id 51\n use_vmac vx 01:00:00:00:00:01\n virtual_ipaddress {\n 192.0.2.1\n }\n}\n",
            &LoadOptions::default(),
        );
        let (m, d) = map_config(&p.config, &SimResolver { node: 3 });
        assert!(m.instances.is_empty());
        assert!(
            d.iter()
                .any(|x| x.is_error() && x.message.contains("multicast"))
        );
    }

    #[test]
    fn duplicate_vrid_same_interface_is_error() {
        let p = parse_str(
            "t.conf",
            "vrrp_instance A {\n interface eth0\n virtual_router_id 1\n virtual_ipaddress {\n 192.0.2.1\n }\n}\nvrrp_instance B {\n interface eth0\n virtual_router_id 1\n virtual_ipaddress {\n 192.0.2.2\n }\n}\n",
            &LoadOptions::default(),
        );
        let (_, d) = map_config(&p.config, &SimResolver { node: 1 });
        assert!(d.iter().any(|x| x.code == "vrrpd-duplicate-vrid"));
    }
}
