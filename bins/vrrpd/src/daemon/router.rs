//! The IO of the running instances: sockets, addresses, VMACs, GARP pacing,
//! scripts, FIFOs and status around the [`vrrp_core::Node`] that runs VRRP.

use std::collections::{BTreeMap, HashSet};
use std::net::IpAddr;
use std::sync::Arc;

use tokio::sync::mpsc;
use tracing::{debug, info, warn};
use vrrp_core::node::{
    Carry, InstanceId, InstanceSpec as NodeInstance, Node, NodeConfig, Output, RxError, Transmit,
};
use vrrp_core::packet::{DropReason, Family, RxMeta, VRRP_TTL};
use vrrp_core::time::Instant;
use vrrp_core::{Action, Event, Instance, State};
use vrrp_linux::{
    AddressSpec, AnnouncePacer, Announcement, Announcer, MacAddr, Outgoing, Rtnl, Scope, VrrpSocket,
};

use super::accept_mode::{self, AcceptFirewall};
use super::clock::Clock;
use super::error::ApplyError;
use super::extra_garp::{self, ExtraGarp, Link, Target};
use super::host::HostView;
use super::lvs_sync::{LvsSync, SyncSpec, SyncWorker};
use super::promote::PromoteSecondaries;
use super::route_watch::{self, Monitored};
use super::routes::{RouteSet, Statics};
use super::snmp::{TrapEvent, TrapInstance};
use super::status::{
    ConfigSnapshot, Detail, InstanceSnapshot, ScriptSnapshot, Snapshot, VmacSnapshot,
};

use super::vip_watch::{self, WatchedInstance, WatchedVip};
use super::vmac::{self, VmacLink};
use crate::spec::mapping::{InstanceSpec, Mapped, NotifySpec, ScriptSpec, TrackerSource, VipSpec};
use vrrp_linux::{RouteEntry, RuleEntry};

mod dynamic;
#[cfg(test)]
mod snapshot_tests;

/// A `vrrp_script`'s rise/fall state (kept across reloads by name).
#[derive(Debug, Clone, Copy)]
struct ScriptState {
    up: bool,
    /// Consecutive successes / failures against the current state.
    streak: u32,
    rise: u32,
    fall: u32,
}

/// A script result from a runner task: (script name, success).
pub type ScriptResult = (String, bool);

/// A packet read by a socket task.
#[derive(Debug)]
pub struct Inbound {
    /// Socket family.
    pub family: Family,
    /// Interface.
    pub ifindex: u32,
    /// IP source.
    pub src: IpAddr,
    /// IP destination.
    pub dst: IpAddr,
    /// TTL / hop limit.
    pub ttl: u8,
    /// VRRP bytes.
    pub payload: Vec<u8>,
    /// Kernel receive time, when the socket reported it.
    pub received: Option<std::time::SystemTime>,
}

/// IO facts about one instance (the node's data per instance).
#[derive(Debug)]
struct Slot {
    /// The mapped instance without its configuration: the node owns that
    /// (`Node::instance(id).config()`), a copy here would cost every
    /// instance its name, VIPs, peers and trackers twice.
    spec: InstanceSpec<()>,
    iface: String,
    ifindex: u32,
    mac: Option<MacAddr>,
    /// Addresses we added and must remove.
    installed: Vec<AddressSpec>,
    /// RTM_NEWADDR requests for the VIPs, serialised when the instance
    /// started, so that a takeover sends them right after its advert.
    prepared: Vec<vrrp_linux::PreparedAdd>,
    /// The `use_vmac` macvlan, while it exists (boxed: most instances have
    /// none, and it would cost each 88 bytes inline).
    vmac: Option<Box<VmacLink>>,
    /// State changes (from, to, count) for the metrics, in first-seen
    /// order; formatted as "FROM->TO" only when the status is read. A few
    /// entries per instance, where a map of strings cost ~400 bytes each.
    transitions: Vec<(State, State, u64)>,
    /// `virtual_routes` / `virtual_rules` and which of them are set.
    routes: RouteSet,
    /// The last advert rejected for a TTL, version or checksum error
    /// (keepalived `proto_err_reason`, vrrp.c `vrrp_check_packet`).
    last_protocol_error: Option<DropReason>,
}

impl Slot {
    /// Where a VIP goes: its `dev` when that names another interface (looked
    /// up with `ifindex_of`), else the VMAC when there is one and the VIP is of
    /// the instance's family `family` (keepalived.conf(5) use_vmac), else the
    /// interface. An ipvlan (`use_ipvlan`) never carries the VIPs: keepalived
    /// 2.2.7 puts them on the instance's interface (docs/keepalived.md §3.25).
    fn vip_ifindex(
        &self,
        v: &VipSpec,
        family: Family,
        ifindex_of: impl Fn(&str) -> Option<u32>,
    ) -> u32 {
        if let Some(d) = v.dev.as_deref().filter(|d| *d != self.iface) {
            return ifindex_of(d).unwrap_or(self.ifindex);
        }
        let same_family = matches!(
            (v.prefix.addr, family),
            (IpAddr::V4(_), Family::V4) | (IpAddr::V6(_), Family::V6)
        );
        match self.macvlan() {
            Some(m) if same_family => m.ifindex,
            _ => self.ifindex,
        }
    }

    /// The VMAC when it is a macvlan (`use_vmac`), not an ipvlan.
    fn macvlan(&self) -> Option<&VmacLink> {
        self.vmac
            .as_deref()
            .filter(|_| self.spec.vmac.as_ref().is_some_and(|s| s.ipvlan.is_none()))
    }

    /// Where a VIP lives, for its drop set entry (accept mode).
    fn vip_link(&self, v: &VipSpec, family: Family) -> accept_mode::VipLink {
        let ifindex = self.vip_ifindex(v, family, vrrp_linux::netns::if_index);
        let own = match &self.vmac {
            Some(m) => (m.ifindex == ifindex).then(|| m.name.clone()),
            None => (ifindex == self.ifindex).then(|| self.iface.clone()),
        };
        accept_mode::VipLink { ifindex, own }
    }

    /// Where adverts go out: the VMAC unless `vmac_xmit_base`, for both
    /// families (docs/keepalived.md §3.13). An IPv6 advert from the VMAC keeps
    /// its source address (the parent's link-local): the VMAC carries that
    /// address too ([`vmac::ipv6_vmac_address`]), as keepalived 2.2.7's does.
    fn xmit_ifindex(&self) -> u32 {
        match (&self.vmac, &self.spec.vmac) {
            (Some(v), Some(s)) if !s.xmit_base => v.ifindex,
            _ => self.ifindex,
        }
    }

    /// Where adverts are received: the VMAC unless `vmac_xmit_base`
    /// (keepalived.conf(5)). It must be: a peer's advert from its own VMAC
    /// carries our VMAC's source MAC, and the macvlan driver hands such a
    /// frame to our VMAC only, never to the parent.
    fn rx_ifindex(&self) -> u32 {
        match (&self.vmac, &self.spec.vmac) {
            (Some(v), Some(s)) if !s.xmit_base => v.ifindex,
            _ => self.ifindex,
        }
    }

    /// Interface and source MAC of gratuitous ARPs / NAs: those of the
    /// interface carrying the VIPs.
    fn announce_from(&self) -> (u32, Option<MacAddr>) {
        match self.macvlan() {
            Some(v) => (v.ifindex, Some(v.mac)),
            None => (self.ifindex, self.mac),
        }
    }
}

/// Node outputs in one flush after which the freed heap pages are given
/// back to the kernel ([`ha_daemon_kit::memory::release_free_memory`]): a burst of state
/// changes, not the everyday one or two.
const TRIM_AFTER_OUTPUTS: usize = 1_000;

/// The VRRP node and the shared IO handles.
pub struct Router {
    /// Every instance and sync group; the [`Slot`]s ride along.
    node: Node<Slot>,
    v4: Option<Arc<VrrpSocket>>,
    v6: Option<Arc<VrrpSocket>>,
    /// Multicast groups joined: (group, interface).
    joined: HashSet<(IpAddr, u32)>,
    rtnl: Rtnl,
    announcer: Option<Announcer>,
    /// GARPs/NAs waiting for their `vrrp_garp_interval` / `vrrp_gna_interval`
    /// slot (times are vrrp-core µs as durations).
    pacer: AnnouncePacer,
    /// The instant of the last timer or packet given to the node: a
    /// packet's arrival time is never taken as earlier.
    last_input: Instant,
    clock: Clock,
    scripts: std::collections::HashMap<String, ScriptState>,
    /// The settings of the running `vrrp_script`s, for the status.
    script_specs: Vec<ScriptSpec>,
    /// Last value of each `track_file` (keepalived `last_status`).
    file_values: std::collections::HashMap<String, i32>,
    /// Whether each `vrrp_track_process` has its quorum (keepalived
    /// `have_quorum`); missing: not reported yet.
    process_up: std::collections::HashMap<String, bool>,
    /// Whether each BFD session is Up (keepalived `bfd_up`; down until its
    /// first Up).
    bfd: super::bfd::BfdStates,
    /// The BFD sessions run for the configuration (their status is part of
    /// the snapshot).
    bfd_sessions: Option<super::bfd::BfdSessions>,
    /// Open notify FIFOs (`notify_fifo`, `vrrp_notify_fifo`).
    notify_fifos: Vec<keepalived_runtime::notify_fifo::NotifyFifo>,
    script_tasks: Vec<tokio::task::JoinHandle<()>>,
    /// Running notify scripts (awaited, briefly, at shutdown).
    notify_tasks: Vec<tokio::task::JoinHandle<()>>,
    /// Sync-group notify scripts by group name.
    group_notify: BTreeMap<String, NotifySpec>,
    /// `lvs_sync_daemon` following an instance.
    lvs_sync: Option<LvsSync>,
    /// The thread running the IPVS sync-daemon calls (made on first use).
    lvs_worker: Option<SyncWorker>,
    /// VMAC sysctls, with the shared ones counted per parent / host-wide.
    vmac_sysctls: vrrp_linux::VmacSysctls,
    /// The nftables drop rules of Accept_Mode = False.
    accept_fw: AcceptFirewall,
    /// `disable_local_igmp` in force: IPv4 VMACs get no IGMP rules.
    local_igmp_disabled: bool,
    /// E-mail alerts (`smtp_alert`).
    mail: super::mail::Mailer,
    /// Sync groups with `smtp_alert` on.
    group_smtp_alert: std::collections::BTreeSet<String>,
    /// `dynamic_interfaces`: the configuration to map again ([`dynamic`]).
    dynamic: Option<Arc<keepalived_conf::Config>>,
    /// `promote_secondaries` set on interfaces.
    promote: PromoteSecondaries,
    /// Other interfaces of the VIPs and `garp_extra_if` rounds.
    extra_garp: ExtraGarp,
    /// `static_ipaddress`, `static_routes`, `static_rules`.
    statics: Statics,
    /// Where new Masters and rejected adverts go for the SNMP
    /// notifications.
    trap_events: Option<tokio::sync::mpsc::Sender<TrapEvent>>,
    /// `enable_traps` with a MIB served: events are worth sending.
    traps_on: bool,
}

/// One line to every notify FIFO (non-blocking; dropped when full).
fn write_fifos(fifos: &mut [keepalived_runtime::notify_fifo::NotifyFifo], line: &str) {
    for f in fifos {
        f.write_line(line);
    }
}

/// Starts a notify script for `kind` ("instance" or "group") `name` without
/// waiting for it (keepalived does not wait); it joins `tasks`, which shutdown
/// lets finish briefly. Failures go to the log.
fn spawn_notify(
    tasks: &mut Vec<tokio::task::JoinHandle<()>>,
    kind: &'static str,
    name: String,
    cmd: crate::spec::mapping::ScriptCmd,
) {
    tasks.retain(|h| !h.is_finished());
    tasks.push(tokio::spawn(async move {
        let argv = &cmd.argv;
        let timeout = std::time::Duration::from_secs(30);
        match keepalived_runtime::run_script_as(argv, timeout, cmd.run_as).await {
            Ok(o) if o.success() => {}
            Ok(o) => {
                warn!(notify = kind, name = %name, script = ?argv, outcome = ?o, "notify script failed");
            }
            Err(e) => warn!(notify = kind, name = %name, script = ?argv, "notify script: {e}"),
        }
    }));
}

/// A gratuitous ARP (IPv4) or unsolicited NA (IPv6) for `addr` on interface
/// `ifindex` named `iface`; keepalived sets the NA's R flag when that
/// interface forwards IPv6.
fn announcement(ifindex: u32, mac: MacAddr, iface: &str, addr: IpAddr) -> Announcement {
    match addr {
        IpAddr::V4(vip) => Announcement::Garp { ifindex, mac, vip },
        IpAddr::V6(vip) => Announcement::Na {
            ifindex,
            mac,
            vip,
            router: std::fs::read_to_string(format!("/proc/sys/net/ipv6/conf/{iface}/forwarding"))
                .is_ok_and(|v| v.trim() == "1"),
        },
    }
}

fn address_spec(v: &VipSpec, ifindex: u32) -> AddressSpec {
    let mut a = AddressSpec::vip(ifindex, v.prefix.addr, v.prefix.len);
    a.label = v.label.clone();
    a.scope = Scope::from_u8(v.scope);
    a.broadcast = v.broadcast;
    a
}

impl Router {
    /// An empty router; add instances with [`Router::install`].
    pub fn new(
        rtnl: Rtnl,
        v4: Option<Arc<VrrpSocket>>,
        v6: Option<Arc<VrrpSocket>>,
        announcer: Option<Announcer>,
        clock: Clock,
    ) -> Self {
        Router {
            node: Node::default(),
            v4,
            v6,
            joined: HashSet::new(),
            rtnl,
            announcer,
            pacer: AnnouncePacer::default(),
            last_input: Instant::ZERO,
            clock,
            scripts: std::collections::HashMap::new(),
            script_specs: Vec::new(),
            file_values: std::collections::HashMap::new(),
            process_up: std::collections::HashMap::new(),
            bfd: super::bfd::BfdStates::default(),
            bfd_sessions: None,
            notify_fifos: Vec::new(),
            script_tasks: Vec::new(),
            notify_tasks: Vec::new(),
            group_notify: BTreeMap::new(),
            lvs_sync: None,
            lvs_worker: None,
            vmac_sysctls: vrrp_linux::VmacSysctls::default(),
            accept_fw: AcceptFirewall::default(),
            local_igmp_disabled: false,
            mail: super::mail::Mailer::default(),
            group_smtp_alert: std::collections::BTreeSet::new(),
            dynamic: None,
            promote: PromoteSecondaries::default(),
            extra_garp: ExtraGarp::default(),
            statics: Statics::default(),
            trap_events: None,
            traps_on: false,
        }
    }

    /// The name of an instance, running or retired (empty once gone).
    fn name(&self, id: InstanceId) -> String {
        self.node
            .instance(id)
            .map(|i| i.name().to_owned())
            .unwrap_or_default()
    }

    /// The address family of an instance, running or retired.
    fn family(&self, id: InstanceId) -> Option<Family> {
        self.node.instance(id).map(|i| i.config().family)
    }

    fn socket(&self, f: Family) -> Option<&Arc<VrrpSocket>> {
        match f {
            Family::V4 => self.v4.as_ref(),
            Family::V6 => self.v6.as_ref(),
        }
    }

    /// Builds a slot for `spec` (of the instance `name`) on `host`. Errors
    /// name what is missing.
    fn make_slot(name: &str, spec: InstanceSpec<()>, host: &HostView) -> Result<Slot, ApplyError> {
        let iface = match &spec.interface {
            Some(i) => i.clone(),
            None => spec
                .src_override
                .and_then(|a| host.interface_of(a))
                .map(|l| l.name.clone())
                .ok_or_else(|| ApplyError::NoSourceInterface {
                    instance: name.to_string(),
                })?,
        };
        let ifindex = match host.ifindex(&iface) {
            Some(i) => i,
            // dynamic_interfaces: in FAULT until it appears ([`dynamic`]).
            None if spec.dynamic => {
                info!(instance = %name, "interface `{iface}` does not exist yet; waiting for it in FAULT");
                0
            }
            None => {
                return Err(ApplyError::NoInterface {
                    instance: name.to_string(),
                    iface,
                });
            }
        };
        super::routes::check_interfaces(&spec.routes, &spec.rules, &|n| host.ifindex(n).is_some())
            .map_err(|source| ApplyError::Routes {
                instance: name.to_string(),
                source,
            })?;
        Ok(Slot {
            mac: host.mac(&iface),
            iface,
            ifindex,
            installed: Vec::new(),
            prepared: Vec::new(),
            vmac: None,
            // INIT->BACKUP, then BACKUP->MASTER or ->FAULT: room for two
            // now rather than at a takeover burst
            transitions: Vec::with_capacity(2),
            routes: RouteSet::new(&spec.routes, &spec.rules),
            last_protocol_error: None,
            spec,
        })
    }

    /// The node's configuration for `mapped` on `host`. An instance listed
    /// in several sync groups belongs to the first; groups left without
    /// members are dropped.
    fn node_config(mapped: &Mapped, host: &HostView) -> Result<NodeConfig<Slot>, ApplyError> {
        let mut instances = Vec::with_capacity(mapped.instances.len());
        for spec in &mapped.instances {
            let (config, rest) = spec.clone().split();
            let slot = Self::make_slot(&config.name, rest, host)?;
            let mut ni = NodeInstance::new(config, slot.ifindex, slot);
            ni.unicast_ttl = spec.unicast_ttl.unwrap_or(VRRP_TTL);
            instances.push(ni);
        }
        let first_group = |i: usize| mapped.sync_groups.iter().position(|(_, m)| m.contains(&i));
        let groups = mapped
            .sync_groups
            .iter()
            .enumerate()
            .map(|(g, (name, members))| {
                let own = members
                    .iter()
                    .copied()
                    .filter(|&i| i < instances.len() && first_group(i) == Some(g));
                (name.clone(), own.collect::<Vec<usize>>())
            })
            .filter(|(_, m)| !m.is_empty())
            .collect();
        Ok(NodeConfig::new(instances).with_sync_groups(groups))
    }

    /// `disable_local_igmp` is in force (set before [`Self::install`]; a
    /// reload cannot change it).
    pub fn set_local_igmp_disabled(&mut self, on: bool) {
        self.local_igmp_disabled = on;
    }

    /// Whether a VMAC of an instance of `family` gets the nftables rules
    /// (vrrp_vmac.c `netlink_link_add_vmac`: IPv6, or IPv4 without
    /// `disable_local_igmp`).
    fn vmac_rules(&self, family: Family) -> bool {
        family == Family::V6 || !self.local_igmp_disabled
    }

    /// First start: removes our VIPs left over by a previous run, then starts
    /// every instance.
    pub async fn install(&mut self, mapped: Mapped, host: &HostView) -> Result<(), ApplyError> {
        self.pacer
            .set_intervals(mapped.garp_interval, mapped.gna_interval);
        let config = Self::node_config(&mapped, host)?;
        super::routes::check_static_interfaces(&mapped.statics, &|n| host.ifindex(n).is_some())
            .map_err(ApplyError::Statics)?;
        self.node = Node::new(config)?;
        let all: Vec<InstanceId> = self.node.ids().collect();
        // The stale table goes before the VMACs add their rules.
        self.accept_fw.configure(
            &mapped.firewall,
            mapped.needs_firewall(self.local_igmp_disabled),
        );
        if let Err(e) = self.create_vmacs(&all).await {
            self.remove_vmacs().await;
            return Err(e);
        }
        self.remove_leftovers(host).await;
        self.group_notify = mapped.group_notify.clone();
        self.set_mail(&mapped);
        self.traps_on = mapped.snmp.as_ref().is_some_and(|s| s.traps);
        self.set_dynamic(&mapped);
        self.join_groups();
        self.want_promote_secondaries();
        self.configure_extra_garp(host);
        self.set_lvs_sync(mapped.lvs_sync.clone());
        // Static entries before any instance can become Master (keepalived start_vrrp).
        self.statics
            .start(&mapped.statics, &self.rtnl, &vrrp_linux::netns::if_index)
            .await;
        let now = self.clock.now();
        for id in all {
            self.start_instance(id, now, host).await;
        }
        Ok(())
    }

    /// Creates the VMACs of instances `ids` that want one; the node then
    /// receives and sends their adverts there.
    async fn create_vmacs(&mut self, ids: &[InstanceId]) -> Result<(), ApplyError> {
        for &id in ids {
            let (Some(slot), Some(inst)) = (self.node.data(id), self.node.instance(id)) else {
                continue;
            };
            let config = inst.config();
            let Some(spec) = slot.spec.vmac.clone() else {
                continue;
            };
            if slot.vmac.is_some() {
                continue;
            }
            let parent = vmac::Parent {
                index: slot.ifindex,
                name: &slot.iface,
                mac: slot.mac,
            };
            let made = vmac::create(
                &self.rtnl,
                &mut self.vmac_sysctls,
                &spec,
                parent,
                config.family,
                config.primary_address,
            )
            .await
            .map_err(|source| ApplyError::Vmac {
                instance: config.name.clone(),
                source,
            })?;
            let (name, families) = (
                config.name.clone(),
                accept_mode::vmac_families(&slot.spec, config.family),
            );
            // vrrp_vmac.c netlink_link_add_vmac: no rules at all for an IPv4
            // instance with disable_local_igmp.
            if self.vmac_rules(config.family) {
                self.accept_fw
                    .add_vmac(&name, &families, made.ifindex, parent.index);
            }
            if let Some(slot) = self.node.data_mut(id) {
                slot.vmac = Some(Box::new(made));
                let (rx, tx) = (slot.rx_ifindex(), slot.xmit_ifindex());
                self.node.set_paths(id, rx, tx);
            }
        }
        Ok(())
    }

    /// Removes every VMAC (last created first, so sysctls come back in order).
    async fn remove_vmacs(&mut self) {
        let ids: Vec<InstanceId> = self.node.ids().collect();
        for id in ids.into_iter().rev() {
            let (name, Some(family)) = (self.name(id), self.family(id)) else {
                continue;
            };
            if let Some(s) = self.node.data_mut(id)
                && let Some(v) = s.vmac.take()
            {
                let families = accept_mode::vmac_families(&s.spec, family);
                let index = v.ifindex;
                vmac::remove(&self.rtnl, &mut self.vmac_sysctls, *v).await;
                self.accept_fw.remove_vmac(&name, &families, index);
            }
        }
    }

    async fn start_instance(&mut self, id: InstanceId, now: Instant, host: &HostView) {
        let Some(slot) = self.node.data(id) else {
            return;
        };
        let up = host
            .links
            .get(&slot.iface)
            .is_some_and(|l| l.is_up() && l.is_running());
        // Trackers start from what is known now (before Startup, so that a
        // failed one never lets the instance through Master).
        let up_down = |k: usize, up: bool| {
            if up {
                Event::TrackerUp(k)
            } else {
                Event::TrackerDown(k)
            }
        };
        let mut events: Vec<Event> = slot
            .spec
            .trackers
            .iter()
            .enumerate()
            .map(|(k, t)| match t {
                TrackerSource::Interface(n) => up_down(
                    k,
                    host.links
                        .get(n)
                        .is_some_and(|l| l.is_up() && l.is_running()),
                ),
                TrackerSource::Script(n) => up_down(k, self.scripts.get(n).is_none_or(|st| st.up)),
                TrackerSource::File(n) => {
                    Event::TrackerValue(k, self.file_values.get(n).copied().unwrap_or(0))
                }
                TrackerSource::Process(n) => {
                    up_down(k, self.process_up.get(n).copied().unwrap_or(true))
                }
                // vrrp_track.c `initialise_track_bfd_state`: down until Up
                TrackerSource::Bfd(n) => up_down(k, self.bfd.is_up(n)),
            })
            .collect();
        // A configuration fault, like a failed tracker, is known before
        // Startup: the instance starts in FAULT (vrrp_scheduler.c vrrp_init_state).
        if slot.spec.config_fault || slot.spec.primary_missing {
            events.push(Event::FaultOn);
        }
        events.push(Event::Startup);
        if !up && !slot.spec.dont_track_primary {
            events.push(Event::InterfaceDown);
        }
        let prepared = self
            .wanted_addresses(id)
            .iter()
            .map(Rtnl::prepare_add)
            .collect();
        if let Some(slot) = self.node.data_mut(id) {
            slot.prepared = prepared;
            // room for the addresses now, beside the instance's other data,
            // not among the temporary allocations of a takeover burst
            slot.installed.reserve_exact(slot.prepared.len());
        }
        self.node.handle_events(now, id, events);
        self.flush().await;
    }

    /// keepalived removes VIPs of its instances found on the interface at
    /// start, before entering Backup.
    async fn remove_leftovers(&mut self, host: &HostView) {
        for id in self.node.ids() {
            let (Some(s), Some(inst)) = (self.node.data(id), self.node.instance(id)) else {
                continue;
            };
            let (name, family) = (inst.name(), inst.config().family);
            for v in s.spec.vips.iter().chain(&s.spec.excluded_vips) {
                let idx = s.vip_ifindex(v, family, |d| host.ifindex(d));
                if host
                    .addresses
                    .iter()
                    .any(|a| a.ifindex == idx && a.addr == v.prefix.addr)
                {
                    let spec = address_spec(v, idx);
                    match self.rtnl.del_address(&spec).await {
                        Ok(()) => info!(
                            instance = %name,
                            iface = %s.iface,
                            "removed leftover virtual address {}",
                            v.prefix
                        ),
                        Err(e) => warn!(instance = %name, "{e}"),
                    }
                }
            }
            // keepalived vrrp_restore_interfaces_startup: its virtual rules too
            s.routes.remove_leftover_rules(&self.rtnl).await;
        }
    }

    /// Joins each multicast instance's group on its receive interface
    /// (keepalived joins one per (interface, group) socket,
    /// `open_vrrp_read_socket`) and leaves those no instance uses any more.
    fn join_groups(&mut self) {
        let wanted: HashSet<(IpAddr, u32)> = self
            .node
            .ids()
            .filter_map(|id| {
                let c = self.node.instance(id)?.config();
                let (rx, _) = self.node.paths(id)?;
                // An interface that does not exist yet (dynamic_interfaces) has none.
                (c.unicast_peers.is_empty() && rx != 0).then_some((c.multicast_group(), rx))
            })
            .collect();
        let stale: Vec<(IpAddr, u32)> = self.joined.difference(&wanted).copied().collect();
        for (group, idx) in stale {
            self.joined.remove(&(group, idx));
            if let Some(sock) = self.socket(Family::of(group)) {
                // The interface may be gone (a removed VMAC): nothing to leave.
                if let Err(e) = sock.leave_multicast(group, idx) {
                    debug!(ifindex = idx, %group, "leaving the multicast group: {e}");
                }
            }
        }
        for (group, idx) in wanted {
            if self.joined.contains(&(group, idx)) {
                continue;
            }
            if let Some(sock) = self.socket(Family::of(group)) {
                match sock.join_multicast(group, idx) {
                    Ok(()) => {
                        self.joined.insert((group, idx));
                    }
                    Err(e) => warn!(ifindex = idx, %group, "joining the VRRP group: {e}"),
                }
            }
        }
    }

    /// Sets `promote_secondaries` on the interfaces of the instances that
    /// ask for it (keepalived vrrp.c `vrrp_complete_instance`).
    fn want_promote_secondaries(&mut self) {
        let ifaces: Vec<String> = self
            .node
            .ids()
            .filter_map(|id| self.node.data(id))
            .filter(|s| s.spec.promote_secondaries)
            .map(|s| s.iface.clone())
            .collect();
        self.promote.want_all(ifaces.iter().map(String::as_str));
    }

    /// Resolves the other interfaces of every instance's VIPs and its
    /// `garp_extra_if` round (docs/keepalived.md §3.30).
    fn configure_extra_garp(&mut self, host: &HostView) {
        let ids: Vec<InstanceId> = self.node.ids().collect();
        for &id in &ids {
            let Some(slot) = self.node.data(id) else {
                continue;
            };
            let links: std::collections::HashMap<String, Link> = slot
                .spec
                .vips
                .iter()
                .chain(&slot.spec.excluded_vips)
                .filter_map(|v| v.dev.clone())
                .filter(|d| *d != slot.iface)
                .filter_map(|d| {
                    let l = Link {
                        ifindex: host.ifindex(&d)?,
                        mac: host.mac(&d),
                        name: d.clone(),
                    };
                    Some((d, l))
                })
                .collect();
            let periodic = slot.spec.garp_extra_if.map(|every| {
                let t = extra_garp::targets(&slot.spec, &slot.iface, |n| links.get(n).cloned());
                (every, t)
            });
            self.extra_garp.set(id, links, periodic);
        }
        self.extra_garp.retain(|id| ids.contains(&id));
    }

    /// After an advert of a Master: a `garp_extra_if` round when due
    /// (keepalived `vrrp_state_master_tx`, `vrrp_send_vmac_update`).
    fn extra_garp_round(&mut self, t: &Transmit) {
        if t.copy != 0 || t.priority == 0 || self.announcer.is_none() {
            return;
        }
        let Some(targets) = self.extra_garp.due(t.instance, self.clock.now()) else {
            return;
        };
        let Some(slot) = self.node.data(t.instance) else {
            return;
        };
        let mut out = Vec::new();
        for target in targets {
            let (ifindex, mac, name, addr) = match target {
                Target::Other(l, a) => (l.ifindex, l.mac, l.name, a),
                Target::OwnVmac(a) => match &slot.vmac {
                    Some(v) => (v.ifindex, Some(v.mac), v.name.clone(), a),
                    None => continue,
                },
            };
            if let Some(mac) = mac {
                out.push(announcement(ifindex, mac, &name, addr));
            }
        }
        let now = std::time::Duration::from_micros(self.clock.now().as_micros());
        for a in out {
            if let Some(a) = self.pacer.offer(a, now)
                && let Some(Err(e)) = self.announcer.as_ref().map(|ann| ann.send(&a))
            {
                debug!("garp_extra_if: {e}");
            }
        }
    }

    /// The earliest timer of the node or the GARP pacer.
    pub fn next_deadline(&self) -> Option<Instant> {
        let pacer = self
            .pacer
            .next_deadline()
            .map(|d| Instant::from_micros(u64::try_from(d.as_micros()).unwrap_or(u64::MAX)));
        self.node.poll_timeout().into_iter().chain(pacer).min()
    }

    /// Sends the queued GARPs/NAs whose interval slot has come.
    fn send_due_announcements(&mut self) {
        let now = std::time::Duration::from_micros(self.clock.now().as_micros());
        while let Some(a) = self.pacer.pop_due(now) {
            if let Some(ann) = &self.announcer
                && let Err(e) = ann.send(&a)
            {
                debug!("announce: {e}");
            }
        }
    }

    /// Runs every expired timer.
    pub async fn on_timers(&mut self) {
        self.send_due_announcements();
        let now = self.clock.now();
        self.last_input = now;
        self.node.handle_timeout(now);
        self.flush().await;
    }

    /// Sends new Masters and rejected adverts to `tx` (the SNMP
    /// notifications).
    pub fn set_trap_events(&mut self, tx: tokio::sync::mpsc::Sender<TrapEvent>) {
        self.trap_events = Some(tx);
    }

    /// The facts of instance `id` a notification carries.
    fn trap_instance(&self, id: InstanceId) -> Option<TrapInstance> {
        let (slot, inst) = (self.node.data(id)?, self.node.instance(id)?);
        let cfg = inst.config();
        Some(TrapInstance {
            version: cfg.version,
            family: cfg.family,
            has_vips: !slot.spec.vips.is_empty(),
            base_ifindex: slot.ifindex,
            ifindex: slot.vmac.as_ref().map_or(slot.ifindex, |v| v.ifindex),
            vrid: cfg.vrid,
            address: cfg.primary_address,
        })
    }

    /// Hands `event` to the SNMP side when notifications are on (dropped
    /// when it lags).
    fn trap_event(&self, event: impl FnOnce() -> Option<TrapEvent>) {
        if let Some(tx) = self.trap_events.as_ref().filter(|_| self.traps_on)
            && let Some(ev) = event()
            && tx.try_send(ev).is_err()
        {
            debug!("SNMP notification dropped: the agent lags");
        }
    }

    /// Receive path: the node finds the instance, validates and handles.
    pub async fn on_packet(&mut self, p: Inbound) {
        let now = match p.received {
            Some(at) => self.clock.received_at(at, self.last_input),
            None => self.clock.now(),
        };
        let rx = RxMeta {
            src: p.src,
            dst: p.dst,
            ttl: p.ttl,
        };
        match self.node.handle_datagram(now, p.ifindex, &rx, &p.payload) {
            Ok(r) => {
                self.last_input = now;
                if let (Some(reason), Some(inst)) = (r.ignored, self.node.instance(r.instance)) {
                    debug!(instance = %inst.name(), vrid = inst.config().vrid, from = %p.src, ?reason, "advert dropped by the state machine");
                }
                self.flush().await;
            }
            Err(RxError::Rejected { instance, reason }) => {
                if super::snmp::vrrpv3::proto_error_reason(reason).is_some()
                    && let Some(slot) = self.node.data_mut(instance)
                {
                    slot.last_protocol_error = Some(reason);
                }
                self.trap_event(|| {
                    Some(TrapEvent::Rejected {
                        instance: self.trap_instance(instance)?,
                        from: p.src,
                        reason,
                    })
                });
                if let (Some(inst), Some(slot)) =
                    (self.node.instance(instance), self.node.data(instance))
                {
                    debug!(
                        instance = %inst.name(),
                        vrid = inst.config().vrid,
                        iface = %slot.iface,
                        from = %p.src,
                        reason = reason.as_str(),
                        "advert dropped"
                    );
                }
            }
            Err(e) => {
                debug!(ifindex = p.ifindex, family = ?p.family, from = %p.src, "dropped advert: {e}");
            }
        }
    }

    /// Performs what the node asks after an input: datagrams first (the
    /// advert before the VIPs, as keepalived's `vrrp_state_master_tx`),
    /// then actions and sync-group changes.
    async fn flush(&mut self) {
        while let Some(t) = self.node.poll_transmit() {
            self.send(&t).await;
            self.extra_garp_round(&t);
        }
        let mut outputs = 0usize;
        while let Some(out) = self.node.poll_action() {
            outputs += 1;
            match out {
                Output::Instance { id, action } => self.apply(id, action).await,
                Output::GroupStateChanged { group, from, to } => {
                    self.notify_group(group, from, to);
                }
                other => debug!(?other, "node output ignored"),
            }
        }
        if outputs >= TRIM_AFTER_OUTPUTS {
            // Hundreds of instances changed state at once (a start-up's
            // takeover, a link back): the requests, log lines and queues of
            // that burst are freed now, scattered between what the instances
            // keep. Giving those pages back takes about 15 % off the resident
            // size at thousands of instances (BENCHMARKING.md).
            ha_daemon_kit::memory::release_free_memory();
        }
    }

    async fn send(&self, t: &Transmit) {
        let Some(sock) = self.socket(Family::of(t.src)) else {
            return;
        };
        let out = Outgoing {
            ifindex: t.ifindex,
            src: t.src,
            dst: t.dst,
            ttl: t.hop_limit,
            payload: &t.payload,
        };
        if let Err(e) = sock.send(&out).await {
            let name = self.node.instance(t.instance).map_or("", Instance::name);
            let iface = self.node.data(t.instance).map_or("", |s| s.iface.as_str());
            warn!(instance = %name, iface = %iface, "sending advert: {e}");
        }
    }

    /// Runs the group's notify scripts when the group as a whole entered a
    /// new state (keepalived's vrrp_sync.c notifies once per group change).
    fn notify_group(&mut self, group: usize, from: Option<State>, to: State) {
        let Some(name) = self
            .node
            .sync_groups()
            .get(group)
            .map(|g| g.name().to_string())
        else {
            return;
        };
        info!(group = %name, from = from.map_or("INIT", State::as_str), to = to.as_str(), "sync group state change");
        let scripts = self.group_notify.get(&name).map_or(Vec::new(), |n| {
            crate::daemon::scripting::group_scripts(n, &name, to)
        });
        for cmd in scripts {
            spawn_notify(&mut self.notify_tasks, "group", name.clone(), cmd);
        }
        write_fifos(
            &mut self.notify_fifos,
            &keepalived_runtime::notify_fifo::group_line(&name, to.as_str()),
        );
        let mail = self.group_smtp_alert.contains(&name);
        self.mail.group(&name, mail, to);
    }

    /// The e-mail settings of a (re)loaded configuration.
    fn set_mail(&mut self, mapped: &Mapped) {
        self.mail.configure(mapped.mail.as_ref());
        self.group_smtp_alert = mapped.group_smtp_alert.clone();
    }

    async fn apply(&mut self, id: InstanceId, a: Action) {
        if let Action::StateChanged { from, to, .. } = &a {
            if *to == State::Master {
                // from the time of the input that made it Master, as
                // keepalived's timer starts from the loop's time_now
                self.extra_garp.became_master(id, self.last_input);
            } else if *from == State::Master {
                self.extra_garp.left_master(id);
            }
        }
        if let (Action::StateChanged { from, to, .. }, Some(s)) = (&a, self.node.data_mut(id)) {
            match s
                .transitions
                .iter_mut()
                .find(|(f, t, _)| f == from && t == to)
            {
                Some((_, _, n)) => *n += 1,
                None => {
                    // one entry more, not four: a handful per instance
                    s.transitions.reserve_exact(1);
                    s.transitions.push((*from, *to, 1));
                }
            }
        }
        let (Some(slot), Some(inst)) = (self.node.data(id), self.node.instance(id)) else {
            return;
        };
        let name = inst.name().to_string();
        let vrid = inst.config().vrid;
        match a {
            // The node turns adverts into datagrams: never seen here.
            Action::SendAdvert { .. } => {}
            Action::AddVips => self.add_vips(id).await,
            Action::RemoveVips => self.remove_vips(id).await,
            Action::Announce { rounds, reason } => {
                if self.announcer.is_none() {
                    return;
                }
                let (ifindex, ann_mac) = slot.announce_from();
                let Some(mac) = ann_mac else {
                    warn!(instance = %name, iface = %slot.iface, "no MAC address: no gratuitous ARP/NA");
                    return;
                };
                let now = std::time::Duration::from_micros(self.clock.now().as_micros());
                let (mut sent, mut queued) = (0u32, 0u32);
                // Each address on its own interface, VIPs then excluded VIPs
                // (keepalived vrrp_send_link_update / vrrp_send_update).
                let mut each: Vec<Announcement> = Vec::new();
                for v in slot.spec.vips.iter().chain(&slot.spec.excluded_vips) {
                    let other = v
                        .dev
                        .as_deref()
                        .filter(|d| *d != slot.iface)
                        .and_then(|d| self.extra_garp.link(id, d));
                    each.extend(match other {
                        Some(l) => l
                            .mac
                            .map(|m| announcement(l.ifindex, m, &l.name, v.prefix.addr)),
                        None => Some(announcement(ifindex, mac, &slot.iface, v.prefix.addr)),
                    });
                }
                for _ in 0..rounds {
                    for a in each.iter().cloned() {
                        // Sent now, or later from the main loop's timer, spaced
                        // by vrrp_garp_interval / vrrp_gna_interval.
                        match self.pacer.offer(a, now) {
                            Some(a) => match self.announcer.as_ref().map(|ann| ann.send(&a)) {
                                Some(Ok(())) => sent += 1,
                                Some(Err(e)) => debug!(instance = %name, "announce: {e}"),
                                None => {}
                            },
                            None => queued += 1,
                        }
                    }
                }
                debug!(instance = %name, vrid, iface = %slot.iface, ?reason, sent, queued, "gratuitous ARP/NA sent");
            }
            Action::StateChanged { from, to, reason } => {
                let n = slot.spec.notify.as_deref();
                // A reload's removal is reported as keepalived reports it.
                let removed = super::deleted::removed(&self.node, id);
                let notice = super::deleted::notice(n, slot.spec.notify_deleted, removed, from, to);
                if let Some((word, specific)) = notice {
                    let generic = n.and_then(|n| n.generic.clone()).map(|mut a| {
                        a.argv.extend([
                            "INSTANCE".to_string(),
                            name.clone(),
                            word.to_string(),
                            inst.effective_priority().to_string(),
                        ]);
                        a
                    });
                    for cmd in [specific, generic].into_iter().flatten() {
                        spawn_notify(&mut self.notify_tasks, "instance", name.clone(), cmd);
                    }
                    // keepalived writes the FIFO line after starting the scripts.
                    let line = keepalived_runtime::notify_fifo::instance_line(
                        &name,
                        word,
                        inst.effective_priority(),
                    );
                    write_fifos(&mut self.notify_fifos, &line);
                }
                self.mail.instance(&name, slot.spec.smtp_alert, to);
                if let Some(l) = &mut self.lvs_sync {
                    l.on_state(&name, from, to);
                }
                // vrrp_notify.c send_instance_notifies: the RFC notifications
                // for a new Master
                if to == State::Master {
                    let why = inst.counters().new_master_reason;
                    self.trap_event(|| {
                        Some(TrapEvent::NewMaster {
                            instance: self.trap_instance(id)?,
                            reason: why,
                        })
                    });
                }
                info!(
                    instance = %name,
                    vrid,
                    iface = %slot.iface,
                    from = from.as_str(),
                    to = to.as_str(),
                    reason = %reason,
                    "state change"
                );
            }
            Action::PriorityChanged { from, to } => {
                info!(instance = %name, vrid, from, to, "effective priority changed");
            }
            Action::MasterRxLowerPriority { from, priority } => {
                debug!(instance = %name, vrid, %from, priority, "master heard a lower priority");
            }
            other => debug!(instance = %name, vrid, ?other, "action not handled"),
        }
    }

    fn wanted_addresses(&self, id: InstanceId) -> Vec<AddressSpec> {
        let (Some(slot), Some(family)) = (self.node.data(id), self.family(id)) else {
            return Vec::new();
        };
        slot.spec
            .vips
            .iter()
            .chain(&slot.spec.excluded_vips)
            .map(|v| address_spec(v, slot.vip_ifindex(v, family, vrrp_linux::netns::if_index)))
            .collect()
    }

    /// Becoming (or, on reload, staying) Master: the drop rules of accept
    /// mode first, then the VIPs (keepalived `vrrp_state_become_master`).
    async fn add_vips(&mut self, id: InstanceId) {
        let (Some(slot), Some(inst)) = (self.node.data(id), self.node.instance(id)) else {
            return;
        };
        let (name, family) = (inst.name().to_owned(), inst.config().family);
        let reason = slot.spec.accept_reason;
        let drop = accept_mode::targets(&slot.spec, self.accept_fw.ifindex_only(), |v| {
            slot.vip_link(v, family)
        });
        let mut fw = std::mem::take(&mut self.accept_fw);
        fw.become_master(&name, reason, &drop, self.install_vips(id))
            .await;
        self.accept_fw = fw;
        // then virtual routes and rules, before the GARPs (docs/keepalived.md §3.31)
        self.set_routes(id, true).await;
    }

    /// Installs (`up`) or removes an instance's virtual routes and rules.
    async fn set_routes(&mut self, id: InstanceId, up: bool) {
        let name = self.name(id);
        let Some(slot) = self.node.data_mut(id) else {
            return;
        };
        if slot.routes.is_empty() {
            return;
        }
        let mut set = std::mem::take(&mut slot.routes);
        if up {
            set.install(&self.rtnl, &name, false, &vrrp_linux::netns::if_index)
                .await;
        } else {
            set.remove(&self.rtnl, &name, &vrrp_linux::netns::if_index)
                .await;
        }
        if let Some(slot) = self.node.data_mut(id) {
            slot.routes = set;
        }
    }

    /// Leaving Master (or stopping): the VIPs first, then the drop rules
    /// (keepalived `vrrp_restore_interface`).
    async fn remove_vips(&mut self, id: InstanceId) {
        if self.node.data(id).is_none() {
            return;
        }
        let name = self.name(id);
        // virtual rules and routes go first (docs/keepalived.md §3.31)
        self.set_routes(id, false).await;
        let mut fw = std::mem::take(&mut self.accept_fw);
        fw.leave_master(&name, self.uninstall_vips(id)).await;
        self.accept_fw = fw;
    }

    async fn install_vips(&mut self, id: InstanceId) {
        let wanted = self.wanted_addresses(id);
        let name = self.name(id);
        // the list's room, reserved at start, is reused: no allocation in
        // a takeover burst that would outlive it
        let mut installed = match self.node.data_mut(id) {
            Some(slot) => std::mem::take(&mut slot.installed),
            None => return,
        };
        let Some(slot) = self.node.data(id) else {
            return;
        };
        let stale: Vec<AddressSpec> = installed
            .iter()
            .filter(|a| !wanted.contains(a))
            .cloned()
            .collect();
        for a in &stale {
            if let Err(e) = self.rtnl.del_address(a).await
                && !e.is_not_found()
            {
                warn!(instance = %name, "{e}");
            }
        }
        // Exactly as many as wanted: kept per instance while Master.
        installed.clear();
        installed.reserve_exact(wanted.len());
        for a in wanted {
            // The request serialised at start when the address is still the
            // same (a VMAC or `dev` may have changed its ifindex since).
            let res = match slot.prepared.iter().find(|p| p.spec() == &a) {
                Some(p) => self.rtnl.add_prepared(p).await,
                None => self.rtnl.add_address(&a).await,
            };
            match res {
                Ok(()) => installed.push(a),
                Err(e) if e.is_already_exists() => installed.push(a),
                Err(e) => warn!(instance = %name, "{e}"),
            }
        }
        if let Some(slot) = self.node.data_mut(id) {
            debug!(instance = %name, n = installed.len(), "virtual addresses installed");
            slot.installed = installed;
        }
    }

    async fn uninstall_vips(&mut self, id: InstanceId) {
        let name = self.name(id);
        let Some(slot) = self.node.data_mut(id) else {
            return;
        };
        // Queued GARPs/NAs for these VIPs are no longer ours to send.
        let (ifindex, vips) = (slot.announce_from().0, &slot.spec.vips);
        self.pacer.forget(|a| {
            let (idx, addr) = match *a {
                Announcement::Garp { ifindex, vip, .. } => (ifindex, IpAddr::V4(vip)),
                Announcement::Na { ifindex, vip, .. } => (ifindex, IpAddr::V6(vip)),
            };
            idx == ifindex && vips.iter().any(|v| v.prefix.addr == addr)
        });
        let mut installed = std::mem::take(&mut slot.installed);
        for a in &installed {
            if let Err(e) = self.rtnl.del_address(a).await
                && !e.is_not_found()
            {
                warn!(instance = %name, "{e}");
            }
        }
        // the room stays for the next takeover
        installed.clear();
        if let Some(slot) = self.node.data_mut(id) {
            slot.installed = installed;
        }
    }

    /// SIGTERM: every Master sends priority 0 and removes its VIPs.
    pub async fn shutdown(&mut self) {
        let now = self.clock.now();
        self.node.handle_event_all(now, Event::Shutdown);
        self.flush().await;
        let ids: Vec<InstanceId> = self.node.ids().collect();
        for id in ids {
            // Anything still installed (Fault, Backup races) goes too.
            self.remove_vips(id).await;
        }
        // keepalived vrrp_terminate_phase2: then the static rules, routes, addresses.
        self.statics
            .stop(&self.rtnl, &vrrp_linux::netns::if_index)
            .await;
        // keepalived nft_cleanup: our tables go once every VIP is removed.
        self.accept_fw.shutdown();
        self.remove_vmacs().await;
        self.promote.reset();
        // keepalived notify_shutdown: every group then gets STOP on the FIFOs.
        let names: Vec<String> = self
            .node
            .sync_groups()
            .iter()
            .map(|g| g.name().to_string())
            .collect();
        for g in names {
            write_fifos(
                &mut self.notify_fifos,
                &keepalived_runtime::notify_fifo::group_line(&g, State::Stop.as_str()),
            );
        }
        let stops: Vec<(String, crate::spec::mapping::ScriptCmd)> = self
            .group_notify
            .iter()
            .flat_map(|(g, n)| {
                crate::daemon::scripting::group_scripts(n, g, State::Stop)
                    .into_iter()
                    .map(move |a| (g.clone(), a))
            })
            .collect();
        for (g, argv) in stops {
            spawn_notify(&mut self.notify_tasks, "group", g, argv);
        }
        for h in self.script_tasks.drain(..) {
            h.abort();
        }
        if let Some(l) = self.lvs_sync.take() {
            l.end();
        }
        if let Some(w) = &self.lvs_worker {
            // The stop must reach the kernel before we exit (bounded: a hung
            // netlink call does not keep us from exiting).
            if tokio::time::timeout(std::time::Duration::from_secs(5), w.flush())
                .await
                .is_err()
            {
                warn!("lvs_sync_daemon: IPVS calls still pending at exit");
            }
        }
        // Let notify_stop (and other running notify scripts) finish, briefly.
        let pending: Vec<_> = self.notify_tasks.drain(..).collect();
        let _ = tokio::time::timeout(std::time::Duration::from_secs(3), async {
            for h in pending {
                let _ = h.await;
            }
        })
        .await;
        self.mail.drain(std::time::Duration::from_secs(2)).await;
        // The FIFOs close; their scripts get SIGTERM, SIGKILL after a grace
        // period, and are reaped before we exit.
        let closing: Vec<_> = self
            .notify_fifos
            .drain(..)
            .map(|f| tokio::spawn(f.close()))
            .collect();
        for h in closing {
            let _ = h.await;
        }
    }

    /// (Re)starts the runners of `scripts`; rise/fall state is kept for
    /// scripts of the same name.
    pub fn spawn_scripts(&mut self, scripts: &[ScriptSpec], tx: &mpsc::Sender<ScriptResult>) {
        for h in self.script_tasks.drain(..) {
            h.abort();
        }
        let mut states = std::collections::HashMap::new();
        for sc in scripts {
            let mut st = self.scripts.get(&sc.name).copied().unwrap_or(ScriptState {
                up: !sc.init_fail,
                streak: 0,
                rise: sc.rise,
                fall: sc.fall,
            });
            st.rise = sc.rise;
            st.fall = sc.fall;
            states.insert(sc.name.clone(), st);
            let (sc, tx) = (sc.clone(), tx.clone());
            self.script_tasks.push(tokio::spawn(async move {
                let mut tick = tokio::time::interval(sc.interval);
                tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
                loop {
                    tick.tick().await;
                    let ok = match keepalived_runtime::run_script_as(&sc.argv, sc.timeout, sc.run_as).await {
                        Ok(o) => o.success(),
                        // Out of descriptors or memory: not the script's
                        // verdict; say so loudly and keep its state.
                        Err(e) if e.is_local_shortage() => {
                            tracing::error!(script = %sc.name, "{e}: state kept, is the daemon out of file descriptors?");
                            continue;
                        }
                        Err(e) => {
                            debug!(script = %sc.name, "{e}");
                            false
                        }
                    };
                    if tx.send((sc.name.clone(), ok)).await.is_err() {
                        return;
                    }
                }
            }));
        }
        self.scripts = states;
        self.script_specs = scripts.to_vec();
    }

    /// One script result: rise/fall, then the trackers that watch it.
    pub async fn on_script_result(&mut self, name: &str, ok: bool) {
        let Some(st) = self.scripts.get_mut(name) else {
            return;
        };
        if ok == st.up {
            st.streak = 0;
            return;
        }
        st.streak += 1;
        let needed = if ok { st.rise } else { st.fall };
        if st.streak < needed {
            return;
        }
        st.up = ok;
        st.streak = 0;
        info!(script = name, up = ok, "vrrp_script state changed");
        self.on_tracker(&TrackerSource::Script(name.to_string()), ok)
            .await;
    }

    /// Indices of an instance's trackers that watch `src`.
    fn tracker_indices(&self, id: InstanceId, src: &TrackerSource) -> Vec<usize> {
        self.node.data(id).map_or(Vec::new(), |s| {
            s.spec
                .trackers
                .iter()
                .enumerate()
                .filter(|(_, t)| *t == src)
                .map(|(k, _)| k)
                .collect()
        })
    }

    /// The notify FIFOs state changes are written to.
    pub fn set_notify_fifos(&mut self, fifos: Vec<keepalived_runtime::notify_fifo::NotifyFifo>) {
        self.notify_fifos = fifos;
    }

    /// A `track_file` holds a new value (before [`Router::install`]: the
    /// initial value): every instance tracking it gets
    /// `Event::TrackerValue` (keepalived `update_track_file_status`).
    pub async fn on_track_file(&mut self, name: &str, value: i32) {
        if self.file_values.insert(name.to_string(), value) == Some(value) {
            return;
        }
        info!(track_file = name, value, "track_file value changed");
        self.send_track_file(name, value).await;
    }

    /// Sends every known `track_file` value again (after a reload, which
    /// may have renumbered the trackers).
    pub async fn refresh_track_files(&mut self) {
        let values: Vec<(String, i32)> = self
            .file_values
            .iter()
            .map(|(n, v)| (n.clone(), *v))
            .collect();
        for (name, value) in values {
            self.send_track_file(&name, value).await;
        }
    }

    async fn send_track_file(&mut self, name: &str, value: i32) {
        let src = TrackerSource::File(name.to_string());
        self.feed_trackers(&src, |k| Event::TrackerValue(k, value))
            .await;
    }

    /// A `vrrp_track_process` gained or lost its quorum (before
    /// [`Router::install`]: its initial state); every instance tracking it
    /// gets `TrackerUp`/`TrackerDown` (vrrp_track.c
    /// `process_update_track_process_status`).
    pub async fn on_track_process(&mut self, name: &str, up: bool) {
        if self.process_up.insert(name.to_string(), up) == Some(up) {
            return;
        }
        self.on_tracker(&TrackerSource::Process(name.to_string()), up)
            .await;
    }

    /// Sends every known process quorum again (after a reload, which may
    /// have renumbered the trackers).
    pub async fn refresh_track_processes(&mut self) {
        let states: Vec<(String, bool)> = self
            .process_up
            .iter()
            .map(|(n, u)| (n.clone(), *u))
            .collect();
        for (name, up) in states {
            self.on_tracker(&TrackerSource::Process(name), up).await;
        }
    }

    /// A BFD session's report: a change of its state goes to every instance
    /// tracking it as `TrackerUp`/`TrackerDown` (vrrp_scheduler.c
    /// `vrrp_handle_bfd_event`; docs/keepalived.md §3.36).
    pub async fn on_bfd(&mut self, report: super::bfd::BfdReport) {
        let Some(up) = self.bfd.record(&report) else {
            return;
        };
        info!(
            bfd = report.name(),
            state = if up { "UP" } else { "DOWN" },
            "tracked BFD session changed"
        );
        self.send_bfd(report.name(), up).await;
    }

    /// Gives every instance tracking session `name` its tracker events.
    async fn send_bfd(&mut self, name: &str, up: bool) {
        let now = self.clock.now();
        let ids: Vec<InstanceId> = self.node.ids().collect();
        for id in ids {
            let evs = self.node.data(id).map_or(Vec::new(), |s| {
                super::bfd::tracker_events(&s.spec.trackers, name, up)
            });
            if evs.is_empty() {
                continue;
            }
            self.node.handle_events(now, id, evs);
            self.flush().await;
        }
    }

    /// After a reload: forgets sessions no longer configured and sends the
    /// Up ones again (a reload may have renumbered the trackers; a session
    /// keeps its state by name, vrrp.c `clear_diff_bfd`).
    pub async fn refresh_bfd(&mut self, specs: &[crate::spec::bfd::BfdSpec]) {
        self.bfd.retain(specs);
        for name in self.bfd.up_sessions() {
            self.send_bfd(&name, true).await;
        }
    }

    async fn on_tracker(&mut self, src: &TrackerSource, up: bool) {
        self.feed_trackers(src, |k| {
            if up {
                Event::TrackerUp(k)
            } else {
                Event::TrackerDown(k)
            }
        })
        .await;
    }

    /// Gives every instance's trackers that watch `src` the event `ev(k)`.
    async fn feed_trackers(&mut self, src: &TrackerSource, ev: impl Fn(usize) -> Event) {
        let now = self.clock.now();
        let ids: Vec<InstanceId> = self.node.ids().collect();
        for id in ids {
            let ks = self.tracker_indices(id, src);
            if ks.is_empty() {
                continue;
            }
            self.node.handle_events(now, id, ks.into_iter().map(&ev));
            self.flush().await;
        }
    }

    /// An interface changed state.
    pub async fn on_link(&mut self, ifindex: u32, name: &str, running: bool) {
        self.on_tracker(&TrackerSource::Interface(name.to_string()), running)
            .await;
        let now = self.clock.now();
        let ids: Vec<InstanceId> = self.node.ids().collect();
        for id in ids {
            // dont_track_primary: the own interface is not tracked
            // (keepalived VRRP_FLAG_DONT_TRACK_PRIMARY, vrrp_if.c).
            if self
                .node
                .data(id)
                .is_none_or(|s| s.ifindex != ifindex || s.spec.dont_track_primary)
            {
                continue;
            }
            let was_fault = self
                .node
                .instance(id)
                .is_some_and(|i| i.state() == State::Fault);
            let ev = if running && was_fault {
                Some(Event::InterfaceUp)
            } else if !running && !was_fault {
                Some(Event::InterfaceDown)
            } else {
                None
            };
            self.node.handle_events(now, id, ev);
            self.flush().await;
        }
    }

    /// An address was deleted (RTM_DELADDR): when it is a tracked VIP of a
    /// Master on that interface, the Master goes to Backup with priority 0
    /// and returns after Skew_Time (vip_watch.rs); a tracked static address
    /// is added again.
    pub async fn on_address_removed(&mut self, ifindex: u32, addr: IpAddr) {
        let watched: Vec<WatchedInstance<InstanceId>> = self
            .node
            .ids()
            .filter_map(|id| {
                let (slot, inst) = (self.node.data(id)?, self.node.instance(id)?);
                let vips = slot.spec.vips.iter().chain(&slot.spec.excluded_vips);
                let family = inst.config().family;
                Some(WatchedInstance {
                    id,
                    master: inst.state() == State::Master,
                    vips: vips
                        .map(|v| WatchedVip {
                            ifindex: slot.vip_ifindex(v, family, vrrp_linux::netns::if_index),
                            addr: v.prefix.addr,
                            no_track: v.no_track,
                        })
                        .collect(),
                })
            })
            .collect();
        if let Some(id) = vip_watch::owner_of_removed(&watched, ifindex, addr) {
            if let Some(inst) = self.node.instance(id) {
                info!(instance = %inst.name(), %addr, ifindex, "a virtual address was deleted: leaving Master");
            }
            let now = self.clock.now();
            self.node.vip_removed(now, id);
            self.flush().await;
        }
        // then a deleted static address comes back (keepalived
        // `netlink_if_address_filter`, after the VIPs)
        self.statics
            .address_deleted(ifindex, addr, &self.rtnl, &vrrp_linux::netns::if_index)
            .await;
    }

    /// Whether a kernel event with this `nlmsg_pid` was caused by the
    /// router's own netlink requests (keepalived_netlink.c
    /// `netlink_parse_info` skips those for deletions).
    pub fn caused(&self, sender: u32) -> bool {
        sender != 0 && self.rtnl.port_id() == Some(sender)
    }

    /// The families whose route and rule deletions keepalived would see:
    /// those of the instances' tracked virtual routes and rules.
    fn monitored(&self) -> Monitored {
        let mut m = Monitored::default();
        for id in self.node.ids() {
            if let Some(slot) = self.node.data(id) {
                slot.routes.add_monitored(&mut m);
            }
        }
        m
    }

    /// A route was deleted (RTM_DELROUTE, keepalived
    /// `netlink_route_filter`): the first instance with a matching virtual
    /// route no longer has it set, and when that route is tracked and the
    /// instance Master, the instance goes to Backup as for a deleted VIP;
    /// a route no instance has may be a static route, added again.
    pub async fn on_route_removed(&mut self, e: &RouteEntry) {
        if !route_watch::is_keepalived_route(e) {
            return;
        }
        let monitored = self.monitored();
        if !monitored.routes(e.ipv6) {
            return;
        }
        let ids: Vec<InstanceId> = self.node.ids().collect();
        for id in ids {
            let Some(slot) = self.node.data_mut(id) else {
                continue;
            };
            let Some(tracked) = slot
                .routes
                .virtual_route_deleted(e, &vrrp_linux::netns::if_index)
            else {
                continue;
            };
            if tracked {
                self.leave_for_deleted(id, "route").await;
            }
            return;
        }
        self.statics
            .route_deleted(e, monitored, &self.rtnl, &vrrp_linux::netns::if_index)
            .await;
    }

    /// A policy rule was deleted (RTM_DELRULE, keepalived
    /// `netlink_rule_filter`): as [`Router::on_route_removed`], for tracked
    /// rules only.
    pub async fn on_rule_removed(&mut self, e: &RuleEntry) {
        if !route_watch::is_keepalived_rule(e) {
            return;
        }
        let monitored = self.monitored();
        if !monitored.rules(e.ipv6) {
            return;
        }
        let ids: Vec<InstanceId> = self.node.ids().collect();
        for id in ids {
            let Some(slot) = self.node.data_mut(id) else {
                continue;
            };
            if slot.routes.rule_deleted(e) {
                self.leave_for_deleted(id, "rule").await;
                return;
            }
        }
        self.statics.rule_deleted(e, monitored, &self.rtnl).await;
    }

    /// A Master whose tracked route or rule was deleted goes to Backup
    /// with priority 0 and returns after Skew_Time (keepalived
    /// `set_vrrp_backup`); the Node ignores an instance that is not Master.
    async fn leave_for_deleted(&mut self, id: InstanceId, what: &str) {
        match self.node.instance(id) {
            Some(inst) if inst.state() == State::Master => {
                info!(instance = %inst.name(), "a virtual {what} was deleted: leaving Master");
            }
            _ => return,
        }
        let now = self.clock.now();
        self.node.vip_removed(now, id);
        self.flush().await;
    }

    /// SIGHUP: applies a new mapping. The node matches instances by
    /// (interface, family, VRID, unicast or not) as keepalived does;
    /// unchanged ones are left alone (no advert gap), changed ones with the
    /// same identity are reconfigured keeping their state, others restart;
    /// removed ones release. A changed VMAC (or, with an IPv6 VMAC, a
    /// changed source address, which the VMAC carries) means a restart.
    pub async fn reload(&mut self, mapped: Mapped, host: &HostView) -> Result<(), ApplyError> {
        self.pacer
            .set_intervals(mapped.garp_interval, mapped.gna_interval);
        let mut config = Self::node_config(&mapped, host)?;
        // An instance bound to its interface after start keeps its identity.
        self.keep_node_keys(&mut config, true);
        super::routes::check_static_interfaces(&mapped.statics, &|n| host.ifindex(n).is_some())
            .map_err(ApplyError::Statics)?;
        let now = self.clock.now();
        let r = self
            .node
            .reconfigure(now, config, |(old_cfg, old), (new_cfg, new)| {
                // The node compares the configurations itself.
                if old.spec == new.spec {
                    Carry::Keep
                } else if old.spec.primary_missing != new.spec.primary_missing {
                    // dynamic_interfaces: the source address appeared (or went).
                    Carry::Restart
                } else if old.spec.vmac == new.spec.vmac
                    && (old.spec.vmac.is_none()
                        || old_cfg.primary_address == new_cfg.primary_address)
                {
                    Carry::Reconfigure
                } else {
                    Carry::Restart
                }
            })?;
        for (name, e) in &r.refused {
            warn!(instance = %name, "cannot reconfigure ({e}); restarting");
        }
        // A reconfigured instance keeps its addresses, VMAC and history.
        let reconfigured = r.reconfigured.len();
        let mut masters = Vec::new();
        // keepalived clear_diff_static_rules/_routes/_addresses come first.
        self.statics
            .reload(&mapped.statics, &self.rtnl, &vrrp_linux::netns::if_index)
            .await;
        for (id, old) in r.reconfigured {
            // keepalived clear_diff_vrrp_vrules / _vroutes: unchanged entries stay.
            let name = self.name(id);
            let carried = match self.node.data(id) {
                Some(slot) => {
                    old.routes
                        .reload(
                            &slot.spec.routes,
                            &slot.spec.rules,
                            &self.rtnl,
                            &name,
                            &vrrp_linux::netns::if_index,
                        )
                        .await
                }
                None => old.routes,
            };
            if let Some(slot) = self.node.data_mut(id) {
                slot.routes = carried;
                slot.installed = old.installed;
                slot.vmac = old.vmac;
                slot.transitions = old.transitions;
                slot.last_protocol_error = old.last_protocol_error;
            }
            if self
                .node
                .instance(id)
                .is_some_and(|i| i.state() == State::Master)
            {
                masters.push(id);
            }
        }
        self.group_notify = mapped.group_notify.clone();
        self.set_mail(&mapped);
        self.traps_on = mapped.snmp.as_ref().is_some_and(|s| s.traps);
        self.set_dynamic(&mapped);
        self.accept_fw.configure(
            &mapped.firewall,
            mapped.needs_firewall(self.local_igmp_disabled),
        );
        // Retired instances release (priority 0, VIPs removed); reconfigured
        // ones report their changes.
        self.flush().await;
        for &id in &r.retired {
            self.remove_vips(id).await;
        }
        // Their configurations go with the instances: names and families first.
        let gone: BTreeMap<InstanceId, (String, Family)> = r
            .retired
            .iter()
            .filter_map(|&id| {
                let c = self.node.instance(id)?.config();
                Some((id, (c.name.clone(), c.family)))
            })
            .collect();
        for (id, s) in self.node.take_retired() {
            let Some((name, family)) = gone.get(&id) else {
                continue;
            };
            self.mail
                .deleted(name, s.spec.smtp_alert, s.spec.notify_deleted);
            if let Some(v) = s.vmac {
                self.joined.retain(|&(_, idx)| idx != v.ifindex);
                let index = v.ifindex;
                vmac::remove(&self.rtnl, &mut self.vmac_sysctls, *v).await;
                let families = accept_mode::vmac_families(&s.spec, *family);
                self.accept_fw.remove_vmac(name, &families, index);
            }
        }
        for id in masters {
            // VIP attributes may have changed: reconcile.
            self.add_vips(id).await;
        }
        self.join_groups();
        self.want_promote_secondaries();
        self.configure_extra_garp(host);
        self.set_lvs_sync(mapped.lvs_sync.clone());
        for &id in &r.fresh {
            // An instance whose VMAC cannot be made does not start.
            if let Err(e) = self.create_vmacs(&[id]).await {
                tracing::error!("{e}; the instance stays down");
                continue;
            }
            self.join_groups();
            self.start_instance(id, now, host).await;
        }
        info!(
            kept = r.kept.len(),
            reconfigured,
            restarted_or_new = r.fresh.len(),
            retired = r.retired.len(),
            "configuration reloaded"
        );
        Ok(())
    }

    fn set_lvs_sync(&mut self, spec: Option<SyncSpec>) {
        if self.lvs_sync.as_ref().map(LvsSync::spec) == spec.as_ref() {
            return;
        }
        if let Some(old) = self.lvs_sync.take() {
            old.end();
        }
        let Some(spec) = spec else { return };
        let current = self
            .node
            .instances()
            .iter()
            .find(|i| i.name() == spec.instance)
            .map_or(State::Initialize, Instance::state);
        if self.lvs_worker.is_none() {
            match SyncWorker::spawn(ipvs_sys::IpvsClient::new) {
                Ok(w) => self.lvs_worker = Some(w),
                Err(e) => {
                    warn!("lvs_sync_daemon: cannot start the IPVS thread: {e}");
                    return;
                }
            }
        }
        if let Some(w) = &self.lvs_worker {
            self.lvs_sync = Some(LvsSync::begin(spec, w.clone(), current));
        }
    }

    /// Every instance: the one source of `vrrpd status`, the SIGUSR1 dump
    /// and the metrics; each instance's configuration only with
    /// [`Detail::Full`].
    pub fn snapshot(&self, detail: Detail) -> Snapshot {
        let instances = self
            .node
            .ids()
            .filter_map(|id| Some((id, self.node.data(id)?, self.node.instance(id)?)))
            .map(|(id, s, inst)| {
                let st = inst.status();
                let counts = self.node.rx_drops(id);
                let drops: BTreeMap<&'static str, u64> = DropReason::ALL
                    .iter()
                    .filter_map(|r| {
                        let n = counts.and_then(|c| c.get(r.index())).copied().unwrap_or(0);
                        (n > 0).then_some((r.as_str(), n))
                    })
                    .collect();
                InstanceSnapshot {
                    name: st.name,
                    vrid: st.vrid,
                    version: st.version,
                    family: st.family,
                    interface: s.iface.clone(),
                    ifindex: s.ifindex,
                    mac: s.mac.map(|m| m.to_string()),
                    state: st.state.as_str(),
                    last_reason: st.last_reason.map(|r| r.to_string()),
                    base_priority: st.base_priority,
                    preempt: !inst.config().nopreempt,
                    accept: st.accept,
                    auth_type: super::status::auth_type(&inst.config().auth),
                    effective_priority: st.effective_priority,
                    advert_interval_ms: st.advert_interval.as_millis(),
                    master_adver_interval_ms: st.master_adver_interval.as_millis(),
                    master_address: st.master_address,
                    master_priority: st.master_priority,
                    source_address: inst.config().primary_address,
                    unicast_peers: inst.config().unicast_peers.clone(),
                    sync_group: self.node.sync_group_of(id).map(|g| g.name().to_string()),
                    vmac: s.vmac.as_ref().map(|v| VmacSnapshot {
                        name: v.name.clone(),
                        ifindex: v.ifindex,
                        mac: v.mac.to_string(),
                    }),
                    vips: s.spec.vips.iter().map(|v| v.prefix.to_string()).collect(),
                    installed_vips: s
                        .installed
                        .iter()
                        .map(|a| format!("{}/{}", a.addr, a.prefix_len))
                        .collect(),
                    counters: st.counters,
                    last_protocol_error: s.last_protocol_error,
                    drops,
                    transitions: s
                        .transitions
                        .iter()
                        .map(|(f, t, n)| (format!("{}->{}", f.as_str(), t.as_str()), *n))
                        .collect(),
                    bfd: inst
                        .config()
                        .trackers
                        .iter()
                        .zip(&st.trackers_up)
                        .filter(|(t, _)| t.kind == vrrp_core::TrackerKind::Bfd)
                        .map(|(t, &up)| super::status::BfdTrackSnapshot {
                            name: t.name.clone(),
                            state: if up { "UP" } else { "DOWN" },
                            weight: t.weight,
                            reverse: t.reverse,
                        })
                        .collect(),
                    config: (detail == Detail::Full).then(|| {
                        Box::new(ConfigSnapshot {
                            engine: inst.config().clone(),
                            vips: s.spec.vips.clone(),
                            excluded_vips: s.spec.excluded_vips.clone(),
                            unicast_ttl: s.spec.unicast_ttl,
                            notify: super::status::notify_map(s.spec.notify.as_deref()),
                            group_notify: super::status::notify_map(
                                self.node
                                    .sync_group_of(id)
                                    .and_then(|g| self.group_notify.get(g.name())),
                            ),
                            promote_secondaries: s.spec.promote_secondaries,
                            dont_track_primary: s.spec.dont_track_primary,
                            smtp_alert: s.spec.smtp_alert,
                            notify_deleted: s.spec.notify_deleted,
                        })
                    }),
                }
            })
            .collect();
        let firewall = super::firewall_status::collect(
            &self.accept_fw,
            self.node.ids().filter_map(|id| {
                let (s, inst) = (self.node.data(id)?, self.node.instance(id)?);
                Some((inst.name(), s.spec.accept_reason, inst.config().accept))
            }),
        );
        Snapshot {
            pid: std::process::id(),
            instances,
            firewall,
            unmatched_drops: self
                .node
                .unmatched_drops()
                .iter()
                .map(|(&(ifindex, family, reason), &n)| {
                    let f = match family {
                        Family::V4 => "ipv4",
                        Family::V6 => "ipv6",
                    };
                    (format!("{ifindex}/{f}/{}", reason.as_str()), n)
                })
                .collect(),
            scripts: self.script_specs.iter().map(ScriptSnapshot::from).collect(),
            bfd: self
                .bfd_sessions
                .as_ref()
                .map(|b| b.status())
                .unwrap_or_default(),
        }
    }

    /// Hands the running BFD sessions to the router, whose snapshot shows
    /// them.
    pub fn set_bfd_sessions(&mut self, s: super::bfd::BfdSessions) {
        self.bfd_sessions = Some(s);
    }

    /// The running BFD sessions, to reconfigure or retry them.
    pub fn bfd_sessions(&mut self) -> Option<&mut super::bfd::BfdSessions> {
        self.bfd_sessions.as_mut()
    }

    /// Whether some BFD session could not be started (retried every minute).
    pub fn bfd_needs_retry(&self) -> bool {
        self.bfd_sessions.as_ref().is_some_and(|b| b.needs_retry())
    }

    /// Takes the BFD sessions out, to stop them.
    pub fn take_bfd_sessions(&mut self) -> Option<super::bfd::BfdSessions> {
        self.bfd_sessions.take()
    }

    /// Every instance as JSON, with its configuration (status socket,
    /// SIGUSR1 dump).
    pub fn status_json(&self) -> String {
        serde_json::to_string(&self.snapshot(Detail::Full))
            .unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use keepalived_conf::values::IpPrefix;

    #[test]
    fn every_codec_reason_feeds_an_instance_counter() {
        // No codec reason falls into the catch-all: each has its own counter,
        // address-list mismatches included (keepalived's addr_list_err).
        for r in DropReason::ALL {
            let c: vrrp_core::DropReason = r.into();
            assert_ne!(c, vrrp_core::DropReason::Other, "{r:?}");
        }
        let mut counters = vrrp_core::Counters::default();
        counters.count_drop(DropReason::AddressListMismatch.into());
        counters.count_drop(DropReason::DestinationMismatch.into());
        assert_eq!(counters.address_list_errors, 1);
        assert_eq!(counters.destination_errors, 1);
    }

    #[test]
    fn vip_spec_becomes_an_rtnetlink_address() {
        let v = VipSpec {
            prefix: IpPrefix {
                addr: "10.1.2.3".parse().unwrap(),
                len: 24,
            },
            dev: None,
            label: Some("eth0:vip".into()),
            scope: 253,
            broadcast: Some("10.1.2.255".parse().unwrap()),
            no_track: false,
        };
        let a = address_spec(&v, 7);
        assert_eq!(a.ifindex, 7);
        assert_eq!(a.prefix_len, 24);
        assert_eq!(a.scope, Scope::Link);
        assert_eq!(a.label.as_deref(), Some("eth0:vip"));
        assert_eq!(a.broadcast, Some("10.1.2.255".parse().unwrap()));
        assert!(!a.no_dad);
        let v6 = VipSpec {
            prefix: IpPrefix {
                addr: "fd00::1".parse().unwrap(),
                len: 64,
            },
            dev: None,
            label: None,
            scope: 0,
            broadcast: None,
            no_track: false,
        };
        assert!(
            address_spec(&v6, 1).no_dad,
            "IPv6 VIPs skip DAD as keepalived's do"
        );
    }
}
