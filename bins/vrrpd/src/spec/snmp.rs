//! The SNMP settings of `global_defs` (keepalived global_parser.c
//! `snmp_socket_handler`, `snmp_rfc_handler`, `snmp_rfcv2_handler`,
//! `snmp_rfcv3_handler`): which MIBs vrrpd serves through the AgentX master
//! and where that master listens.
//!
//! * `enable_snmp_rfcv3` serves VRRPv3-MIB (RFC 6527), `enable_snmp_rfcv2`
//!   VRRP-MIB (RFC 2787), `enable_snmp_rfc` both. `enable_snmp_vrrp` (or
//!   `enable_snmp_keepalived`) serves KEEPALIVED-MIB's global scalars, as
//!   keepalived's VRRP process does when no checker process serves them
//!   (vrrp_snmp.c `vrrp_handles_global_oid`), and the sync group,
//!   instance, address and tracked interface and script tables of its vrrp
//!   subtree; the rest of that subtree is not
//!   served yet and the keyword stays warned for that.
//! * `enable_traps` sends those MIBs' notifications (keepalived
//!   global_parser.c `trap_handler`).
//! * `snmp_socket` takes net-snmp's transport syntax: `unix:PATH`, a path,
//!   `tcp:HOST:PORT` or `HOST:PORT`; the first one written counts, as in
//!   keepalived. The default is net-snmp's `/var/agentx/master`.

use keepalived_conf::{Config, GlobalDefs};

/// net-snmp's default AgentX master socket.
pub const DEFAULT_SOCKET: &str = agentx_subagent::address::DEFAULT_SOCKET;

pub use agentx_subagent::address::AgentxAddress;

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
    /// Serve KEEPALIVED-MIB's vrrp subtree (`enable_snmp_vrrp`), with
    /// these settings.
    pub keepalived: Option<GlobalScalars>,
    /// Serve its global scalars too: with `enable_snmp_vrrp`, unless the
    /// checker side serves them ([`checker_serves_global`]).
    pub global: bool,
    /// `snmp_socket` was written in a form vrrpd cannot use (the default is
    /// used instead, and the runtime says so).
    pub unusable_socket: Option<String>,
}

/// The SNMP settings, or `None` when no MIB vrrpd serves is enabled.
pub fn snmp_spec(g: &GlobalDefs) -> Option<SnmpSpec> {
    let rfcv2 = g.enable_snmp_rfcv2.is_some();
    let rfcv3 = g.enable_snmp_rfcv3.is_some();
    let keepalived = g.enable_snmp_vrrp.is_some().then(|| global_scalars(g));
    if !rfcv2 && !rfcv3 && keepalived.is_none() {
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
        global: keepalived.is_some(),
        keepalived,
        unusable_socket: match parsed {
            Some(None) => written.cloned(),
            _ => None,
        },
    })
}

/// Whether the checker side (lvsd, keepalived's checker process) registers
/// KEEPALIVED-MIB's `global` subtree: it runs when any `virtual_server` is
/// written and serves SNMP with `enable_snmp_checker`; the VRRP side then
/// leaves `global` to it (vrrp_snmp.c `vrrp_handles_global_oid`), so that
/// exactly one of the two registers it.
pub fn checker_serves_global(cfg: &Config) -> bool {
    cfg.global_defs.enable_snmp_checker.is_some() && !cfg.virtual_servers.is_empty()
}

/// The `global_defs` settings KEEPALIVED-MIB's global scalars show
/// (core/snmp.c `snmp_scalar`), as written; the daemon fills in the host's
/// defaults.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct GlobalScalars {
    /// The global scalars' settings (`keepalived.global`).
    pub scalars: keepalived_runtime::snmp_global::GlobalScalars,
    /// The sync groups, in config order (vrrpSyncGroupTable).
    pub sync_groups: Vec<SyncGroupSpec>,
    /// The instances' settings vrrpInstanceTable shows, in config order.
    pub instances: Vec<InstanceRowSpec>,
    /// Each `vrrp_script`'s own `weight` and `reverse` (vrrpScriptTable).
    pub script_weights: Vec<TrackRowSpec>,
    /// The `track_file`s, in config order (vrrpFileTable).
    pub files: Vec<FileRowSpec>,
    /// The `static_ipaddress` entries (vrrpAddressTable rows of instance 0).
    pub static_addresses: Vec<AddressRowSpec>,
    /// Each `vrrp_track_process`'s own weight and reverse.
    pub processes: Vec<TrackRowSpec>,
    /// Each `bfd_instance`'s own weight and reverse.
    pub bfds: Vec<TrackRowSpec>,
    /// The `vrrp_track_process` blocks, in config order
    /// (vrrpProcessTable).
    pub process_rows: Vec<ProcessRowSpec>,
    /// `static_routes` (vrrpRouteTable rows of instance 0).
    pub static_routes: Vec<keepalived_conf::Route>,
    /// `static_rules` (vrrpRuleTable rows of instance 0).
    pub static_rules: Vec<keepalived_conf::Rule>,
}

/// One `vrrp_track_process` as vrrpProcessTable shows it (vrrp_snmp.c
/// `vrrp_snmp_process`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ProcessRowSpec {
    /// Its name.
    pub name: String,
    /// The first word of `process`.
    pub path: String,
    /// The other words of `process`, joined by spaces.
    pub params: String,
    /// none(0), exact(1), initial(2), partial(3): `param_match`, else
    /// exact with arguments.
    pub param_match: i32,
    /// `weight` (default 0).
    pub weight: i32,
    /// `weight N reverse`.
    pub reverse: bool,
    /// `quorum` (default 1; `quorum_max 0` makes it 0).
    pub quorum: u32,
    /// `quorum_max` (default unlimited: all ones).
    pub quorum_max: u32,
    /// `fork_delay` in microseconds.
    pub fork_delay_us: u32,
    /// `terminate_delay` in microseconds.
    pub terminate_delay_us: u32,
    /// The command line is matched (`full_command`, arguments or
    /// `param_match`).
    pub full_command: bool,
}

fn process_row(p: &keepalived_conf::TrackProcess) -> ProcessRowSpec {
    use keepalived_conf::ParamMatch;
    let words = p
        .process
        .as_ref()
        .map(|w| w.value.clone())
        .unwrap_or_default();
    let has_args = words.len() > 1;
    let matching = p.param_match.as_ref().map(|m| m.value);
    let param_match = match matching {
        Some(ParamMatch::Exact) => 1,
        Some(ParamMatch::Initial) => 2,
        Some(ParamMatch::Partial) => 3,
        Some(_) => 1,
        None if has_args => 1,
        None => 0,
    };
    let quorum_max = p.quorum_max.as_ref().map_or(u32::MAX, |q| q.value);
    let us = |d: &Option<keepalived_conf::Spanned<std::time::Duration>>| {
        d.as_ref().map_or(0, |d| {
            u32::try_from(d.value.as_micros()).unwrap_or(u32::MAX)
        })
    };
    ProcessRowSpec {
        name: p.name.value.clone(),
        path: words.first().cloned().unwrap_or_default(),
        params: words.get(1..).unwrap_or_default().join(" "),
        param_match,
        weight: p.weight.as_ref().map_or(0, |w| w.value),
        reverse: p.reverse,
        quorum: if quorum_max == 0 {
            0
        } else {
            p.quorum.as_ref().map_or(1, |q| q.value)
        },
        quorum_max,
        fork_delay_us: us(&p.fork_delay),
        terminate_delay_us: us(&p.terminate_delay),
        full_command: has_args
            || matching.is_some()
            || p.full_command.as_ref().is_some_and(|f| f.value),
    }
}

/// One `track_file` as vrrpFileTable shows it (vrrp_snmp.c
/// `vrrp_snmp_file`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FileRowSpec {
    /// Its name.
    pub name: String,
    /// `file PATH`.
    pub path: String,
    /// `weight` (default 1).
    pub weight: i32,
    /// `weight N reverse`.
    pub reverse: bool,
}

/// One `vrrp_instance`'s settings as vrrpInstanceTable shows them
/// (vrrp_snmp.c `vrrp_snmp_instance`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct InstanceRowSpec {
    /// The instance's name.
    pub name: String,
    /// `state MASTER` was written.
    pub initial_master: bool,
    /// `track_interface` lists an interface.
    pub tracks_interfaces: bool,
    /// `preempt_delay` in seconds.
    pub preempt_delay: u64,
    /// `garp_master_delay`, else `vrrp_garp_master_delay`, else 5 seconds (0
    /// with `vrrp_min_garp`), from the effective view.
    pub garp_delay: u32,
    /// `smtp_alert`, else `smtp_alert_vrrp`, else `smtp_alert`, else false.
    pub smtp_alert: bool,
    /// Some notify script is set.
    pub notify_exec: bool,
    /// `promote_secondaries`.
    pub promote_secondaries: bool,
    /// `notify_master`, `notify_backup`, `notify_fault`, `notify_stop`,
    /// `notify`, `notify_master_rx_lower_pri`, `notify_deleted`.
    pub scripts: [Option<String>; 7],
    /// `virtual_ipaddress` then `virtual_ipaddress_excluded`
    /// (vrrpAddressTable).
    pub addresses: Vec<AddressRowSpec>,
    /// What the instance tracks.
    pub tracked: TrackedSpec,
    /// `virtual_routes` (vrrpRouteTable).
    pub routes: Vec<keepalived_conf::Route>,
    /// `virtual_rules` (vrrpRuleTable).
    pub rules: Vec<keepalived_conf::Rule>,
}

/// What an instance or a sync group tracks: the rows of its
/// vrrpTracked*Table (instances) or vrrpSyncGroupTracked*Table (groups).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TrackedSpec {
    /// `track_interface` entries (vrrpTrackedInterfaceTable).
    pub interfaces: Vec<TrackRowSpec>,
    /// `track_script` entries naming a `vrrp_script`
    /// (vrrpTrackedScriptTable).
    pub scripts: Vec<TrackRowSpec>,
    /// The `track_file` entries naming a `track_file`, by name
    /// (vrrpTrackedFileTable).
    pub files: Vec<String>,
    /// The `track_process` entries naming a `vrrp_track_process`
    /// (vrrpTrackedProcessTable).
    pub processes: Vec<String>,
    /// The `track_bfd` entries naming a `bfd_instance`
    /// (vrrpTrackedBfdTable).
    pub bfds: Vec<String>,
}

/// The `track_*` blocks of an instance or a sync group.
#[derive(Clone, Copy)]
struct TrackBlocks<'a> {
    interface: &'a [keepalived_conf::TrackRef],
    script: &'a [keepalived_conf::TrackRef],
    file: &'a [keepalived_conf::TrackRef],
    process: &'a [keepalived_conf::TrackRef],
    bfd: &'a [keepalived_conf::TrackRef],
}

impl TrackedSpec {
    /// The rows of `blocks`: only the entries naming something `cfg`
    /// defines; with `ignored` (see [`weights_ignored`]) what vrrp.c
    /// `vrrp_complete_instance` leaves when the weights are ignored.
    fn of(cfg: &Config, blocks: TrackBlocks<'_>, ignored: Option<bool>) -> TrackedSpec {
        let [mut interfaces, mut scripts] = track_rows(cfg, blocks.interface, blocks.script);
        let mut files: Vec<&keepalived_conf::TrackRef> = blocks
            .file
            .iter()
            .filter(|t| cfg.track_files.iter().any(|f| f.name.value == t.name))
            .collect();
        let mut bfds = bfd_names(cfg, blocks.bfd);
        if let Some(owner) = ignored {
            drop_weights(cfg, owner, &mut interfaces, &mut scripts, &mut files);
            // weighted tracked BFDs are dropped too (the entry's weight,
            // else the bfd_instance's)
            bfds.retain(|b| {
                let entry = blocks.bfd.iter().find(|t| &t.name == b);
                let own = cfg
                    .bfd_instances
                    .iter()
                    .find(|i| &i.name.value == b)
                    .and_then(|i| i.weight.as_ref().map(|w| w.value));
                entry.and_then(|t| t.weight).or(own).unwrap_or(0) == 0
            });
        }
        TrackedSpec {
            interfaces,
            scripts,
            files: files.iter().map(|t| t.name.clone()).collect(),
            processes: process_names(cfg, blocks.process),
            bfds,
        }
    }
}

/// One tracked interface or script of an instance (vrrp_snmp.c
/// `vrrp_snmp_trackedinterface`, `vrrp_snmp_trackedscript`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrackRowSpec {
    /// The interface's or the script's name.
    pub name: String,
    /// The weight: the entry's, else (scripts) the script's, else 0.
    pub weight: i32,
    /// `reverse`: the entry's with its own weight, else the script's.
    pub reverse: bool,
}

/// Whether `vi`'s tracking weights are ignored (vrrp.c
/// `vrrp_complete_instance`): `Some(true)` for an address owner (priority
/// 255), `Some(false)` for a member of a sync group (of two or more existing
/// instances) without `sync_group_tracking_weight`.
fn weights_ignored(cfg: &Config, vi: &keepalived_conf::VrrpInstance) -> Option<bool> {
    if vi.priority.as_ref().is_some_and(|p| p.value == 255) {
        return Some(true);
    }
    let exists = |m: &keepalived_conf::Spanned<String>| {
        cfg.vrrp_instances.iter().any(|i| i.name.value == m.value)
    };
    let group = cfg.vrrp_sync_groups.iter().find(|g| {
        g.group.iter().filter(|m| exists(m)).count() >= 2
            && g.group.iter().any(|m| m.value == vi.name.value)
    })?;
    let weighted = group
        .sync_group_tracking_weight
        .as_ref()
        .is_some_and(|s| s.value);
    (!weighted).then_some(false)
}

/// What vrrp.c `vrrp_complete_instance` leaves of an instance's tracking
/// when its weights are ignored: weighted interfaces get weight 0 (an
/// address owner stops tracking them), weighted scripts are dropped, and
/// files with a weight other than 0 or the default 1 are dropped.
fn drop_weights(
    cfg: &Config,
    owner: bool,
    ifaces: &mut Vec<TrackRowSpec>,
    scripts: &mut Vec<TrackRowSpec>,
    files: &mut Vec<&keepalived_conf::TrackRef>,
) {
    if owner {
        ifaces.retain(|r| r.weight == 0);
    }
    for r in ifaces.iter_mut() {
        r.weight = 0;
    }
    scripts.retain(|r| r.weight == 0);
    files.retain(|t| {
        let own = cfg
            .track_files
            .iter()
            .find(|f| f.name.value == t.name)
            .and_then(|f| f.weight.as_ref().map(|w| w.value));
        matches!(t.weight.or(own).unwrap_or(1), 0 | 1)
    });
}

/// The rows of a `track_interface` and a `track_script` block.
fn track_rows(
    cfg: &Config,
    track_interface: &[keepalived_conf::TrackRef],
    track_script: &[keepalived_conf::TrackRef],
) -> [Vec<TrackRowSpec>; 2] {
    let ifaces = track_interface
        .iter()
        .map(|t| TrackRowSpec {
            name: t.name.clone(),
            weight: t.weight.unwrap_or(0),
            reverse: t.reverse,
        })
        .collect();
    let scripts = track_script
        .iter()
        .filter_map(|t| {
            let sc = cfg.vrrp_scripts.iter().find(|s| s.name.value == t.name)?;
            Some(match t.weight {
                Some(w) => TrackRowSpec {
                    name: t.name.clone(),
                    weight: w,
                    reverse: t.reverse,
                },
                None => TrackRowSpec {
                    name: t.name.clone(),
                    weight: sc.weight.as_ref().map_or(0, |w| w.value),
                    reverse: sc.reverse,
                },
            })
        })
        .collect();
    [ifaces, scripts]
}

/// One VIP or excluded VIP as vrrpAddressTable shows it (vrrp_snmp.c
/// `vrrp_snmp_address`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddressRowSpec {
    /// The address.
    pub addr: std::net::IpAddr,
    /// Its prefix length.
    pub len: u8,
    /// `brd` (IPv4).
    pub brd: Option<std::net::Ipv4Addr>,
    /// `dev`, when not the instance's interface.
    pub dev: Option<String>,
    /// InetScopeType of `scope` (core/snmp.c `snmp_scope`): global 14,
    /// host 1, link 2, site 5, nowhere 0.
    pub scope: i32,
    /// `label`.
    pub label: Option<String>,
    /// `peer`.
    pub peer: Option<std::net::IpAddr>,
    /// In `virtual_ipaddress` (advertised), not the excluded list.
    pub advertised: bool,
}

fn scope_number(scope: Option<&str>) -> i32 {
    match scope {
        Some("host") | Some("254") => 1,
        Some("link") | Some("253") => 2,
        Some("site") | Some("200") => 5,
        Some("nowhere") | Some("255") => 0,
        _ => 14,
    }
}

fn address_rows(vi: &keepalived_conf::VrrpInstance) -> Vec<AddressRowSpec> {
    vi.virtual_ipaddress
        .iter()
        .map(|v| address_row(v, true))
        .chain(
            vi.virtual_ipaddress_excluded
                .iter()
                .map(|v| address_row(v, false)),
        )
        .collect()
}

/// The names of the `track_process` entries that name a
/// `vrrp_track_process`.
fn process_names(cfg: &Config, refs: &[keepalived_conf::TrackRef]) -> Vec<String> {
    refs.iter()
        .filter(|t| cfg.track_processes.iter().any(|p| p.name.value == t.name))
        .map(|t| t.name.clone())
        .collect()
}

/// The names of the `track_bfd` entries that name a `bfd_instance`.
fn bfd_names(cfg: &Config, refs: &[keepalived_conf::TrackRef]) -> Vec<String> {
    refs.iter()
        .filter(|t| cfg.bfd_instances.iter().any(|b| b.name.value == t.name))
        .map(|t| t.name.clone())
        .collect()
}

/// One address entry's row.
fn address_row(v: &keepalived_conf::VirtualIp, advertised: bool) -> AddressRowSpec {
    AddressRowSpec {
        addr: v.address.value.addr,
        len: v.address.value.len,
        brd: v.brd.as_deref().and_then(|b| b.parse().ok()),
        dev: v.dev.clone(),
        scope: scope_number(v.scope.as_deref()),
        label: v.label.clone(),
        peer: v.peer.as_ref().map(|p| p.addr),
        advertised,
    }
}

/// One `vrrp_sync_group` as vrrpSyncGroupTable shows it (vrrp_snmp.c
/// `vrrp_snmp_syncgroup`, `vrrp_snmp_syncgroupmember`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SyncGroupSpec {
    /// The group's name.
    pub name: String,
    /// Its instances, in the order written.
    pub members: Vec<String>,
    /// `smtp_alert`, else `smtp_alert_vrrp`, else `smtp_alert`, else false.
    pub smtp_alert: bool,
    /// Some notify script is set.
    pub notify_exec: bool,
    /// `sync_group_tracking_weight`.
    pub tracking_weight: bool,
    /// `notify_master`, `notify_backup`, `notify_fault`, `notify_stop`,
    /// `notify` command lines.
    pub scripts: [Option<String>; 5],
    /// What the group tracks.
    pub tracked: TrackedSpec,
}

/// The SNMP settings of a whole config: [`snmp_spec`] of its `global_defs`
/// and, with `enable_snmp_vrrp`, its sync groups (only the instances that
/// exist; groups left with fewer than two are dropped, as keepalived drops
/// them: vrrp_parser.c/vrrp_data.c checks of sync groups).
pub fn snmp_spec_of(cfg: &Config) -> Option<SnmpSpec> {
    let mut spec = snmp_spec(&cfg.global_defs)?;
    spec.global &= !checker_serves_global(cfg);
    if let Some(k) = &mut spec.keepalived {
        let g = &cfg.global_defs;
        let cmd = |s: Option<&keepalived_conf::Spanned<keepalived_conf::Script>>| {
            s.map(|s| s.value.command.clone())
        };
        for vi in &cfg.vrrp_instances {
            let blocks = TrackBlocks {
                interface: &vi.track_interface,
                script: &vi.track_script,
                file: &vi.track_file,
                process: &vi.track_process,
                bfd: &vi.track_bfd,
            };
            let tracked = TrackedSpec::of(cfg, blocks, weights_ignored(cfg, vi));
            let scripts = [
                cmd(vi.notify_master.as_deref()),
                cmd(vi.notify_backup.as_deref()),
                cmd(vi.notify_fault.as_deref()),
                cmd(vi.notify_stop.as_deref()),
                cmd(vi.notify.as_deref()),
                cmd(vi.notify_master_rx_lower_pri.as_deref()),
                cmd(vi.notify_deleted.as_deref()),
            ];
            k.instances.push(InstanceRowSpec {
                name: vi.name.value.clone(),
                initial_master: vi
                    .state
                    .as_ref()
                    .is_some_and(|s| matches!(s.value, keepalived_conf::VrrpState::Master)),
                tracks_interfaces: !vi.track_interface.is_empty(),
                preempt_delay: vi.preempt_delay.as_ref().map_or(0, |d| d.value.as_secs()),
                garp_delay: keepalived_conf::effective::instance(vi, g)
                    .garp
                    .master_delay,
                smtp_alert: keepalived_conf::effective::smtp_alert_vrrp(&vi.smtp_alert, g),
                notify_exec: scripts.iter().any(Option::is_some),
                promote_secondaries: vi.promote_secondaries.as_ref().is_some_and(|s| s.value),
                scripts,
                addresses: address_rows(vi),
                tracked,
                routes: vi.virtual_routes.clone(),
                rules: vi.virtual_rules.clone(),
            });
        }
        k.script_weights = cfg
            .vrrp_scripts
            .iter()
            .map(|sc| TrackRowSpec {
                name: sc.name.value.clone(),
                weight: sc.weight.as_ref().map_or(0, |w| w.value),
                reverse: sc.reverse,
            })
            .collect();
        // track_file.c `init_track_files`: a file nothing tracks is dropped
        let tracked = |name: &str| {
            let by = |refs: &[keepalived_conf::TrackRef]| refs.iter().any(|t| t.name == name);
            cfg.vrrp_instances.iter().any(|i| by(&i.track_file))
                || cfg.vrrp_sync_groups.iter().any(|g| by(&g.track_file))
        };
        k.processes = cfg
            .track_processes
            .iter()
            .map(|p| TrackRowSpec {
                name: p.name.value.clone(),
                weight: p.weight.as_ref().map_or(0, |w| w.value),
                reverse: p.reverse,
            })
            .collect();
        k.bfds = cfg
            .bfd_instances
            .iter()
            .map(|b| TrackRowSpec {
                name: b.name.value.clone(),
                weight: b.weight.as_ref().map_or(0, |w| w.value),
                reverse: b.reverse,
            })
            .collect();
        k.process_rows = cfg.track_processes.iter().map(process_row).collect();
        k.static_routes = cfg.static_routes.clone();
        k.static_rules = cfg.static_rules.clone();
        k.static_addresses = cfg
            .static_ipaddress
            .iter()
            .map(|v| address_row(v, false))
            .collect();
        k.files = cfg
            .track_files
            .iter()
            .filter(|f| tracked(&f.name.value))
            .map(|f| FileRowSpec {
                name: f.name.value.clone(),
                path: f.file.as_ref().map(|p| p.value.clone()).unwrap_or_default(),
                weight: f.weight.as_ref().map_or(1, |w| w.value),
                reverse: f.reverse,
            })
            .collect();
        for sg in &cfg.vrrp_sync_groups {
            let members: Vec<String> = sg
                .group
                .iter()
                .filter(|m| cfg.vrrp_instances.iter().any(|i| i.name.value == m.value))
                .map(|m| m.value.clone())
                .collect();
            if members.len() < 2 {
                continue;
            }
            let scripts = [
                cmd(sg.notify_master.as_ref()),
                cmd(sg.notify_backup.as_ref()),
                cmd(sg.notify_fault.as_ref()),
                cmd(sg.notify_stop.as_ref()),
                cmd(sg.notify.as_ref()),
            ];
            let blocks = TrackBlocks {
                interface: &sg.track_interface,
                script: &sg.track_script,
                file: &sg.track_file,
                process: &sg.track_process,
                bfd: &sg.track_bfd,
            };
            k.sync_groups.push(SyncGroupSpec {
                name: sg.name.value.clone(),
                members,
                smtp_alert: keepalived_conf::effective::smtp_alert_vrrp(&sg.smtp_alert, g),
                notify_exec: scripts.iter().any(Option::is_some),
                tracking_weight: sg
                    .sync_group_tracking_weight
                    .as_ref()
                    .is_some_and(|s| s.value),
                scripts,
                tracked: TrackedSpec::of(cfg, blocks, None),
            });
        }
    }
    Some(spec)
}

fn global_scalars(g: &GlobalDefs) -> GlobalScalars {
    GlobalScalars {
        scalars: keepalived_runtime::snmp_global::GlobalScalars::of(g),
        sync_groups: Vec::new(),
        instances: Vec::new(),
        script_weights: Vec::new(),
        files: Vec::new(),
        static_addresses: Vec::new(),
        processes: Vec::new(),
        bfds: Vec::new(),
        process_rows: Vec::new(),
        static_routes: Vec::new(),
        static_rules: Vec::new(),
    }
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
    fn enabled_by_rfc_rfcv2_rfcv3_or_vrrp() {
        let s = snmp_spec(&globals(
            "global_defs {\n enable_snmp_keepalived\n router_id r\n smtp_server 10.0.0.9\n \
             smtp_alert_vrrp false\n notification_email {\n a@b\n c@d\n }\n}\n",
        ))
        .unwrap();
        assert!(!s.rfcv2 && !s.rfcv3);
        let k = s.keepalived.unwrap();
        assert_eq!(k.scalars.router_id.as_deref(), Some("r"));
        assert_eq!(k.scalars.smtp_server, Some(("10.0.0.9".into(), 25)));
        assert_eq!(k.scalars.smtp_alert, [None, Some(false), None]);
        assert_eq!(k.scalars.emails, ["a@b", "c@d"]);
        assert_eq!(
            [
                None,
                Some("host"),
                Some("link"),
                Some("site"),
                Some("nowhere")
            ]
            .map(scope_number),
            [14, 1, 2, 5, 0]
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

    /// keepalived's `vrrp_handles_global_oid`: `global` is served by one
    /// side only, the checker's when it serves SNMP.
    #[test]
    fn global_goes_to_the_checker_when_it_serves_snmp() {
        let global = |globals: &str, vs: &str| {
            let text = format!("global_defs {{\n enable_snmp_vrrp\n{globals}}}\n{vs}");
            let parsed = keepalived_conf::parse_str(
                "t.conf",
                &text,
                &keepalived_conf::LoadOptions::default(),
            );
            snmp_spec_of(&parsed.config).map(|s| s.global)
        };
        let vs = "virtual_server 10.0.0.1 80 {\n protocol TCP\n}\n";
        assert_eq!(global("", ""), Some(true));
        assert_eq!(global("", vs), Some(true));
        assert_eq!(global(" enable_snmp_checker\n", ""), Some(true));
        assert_eq!(global(" enable_snmp_checker\n", vs), Some(false));
    }
}
