//! The running instances and their IO: receive fan-out, actions, reload.

use std::collections::{BTreeMap, HashSet};
use std::net::IpAddr;
use std::sync::Arc;

use netio::{
    AddressSpec, AnnouncePacer, Announcement, Announcer, MacAddr, Outgoing, Rtnl, Scope, VrrpSocket,
};
use tokio::sync::mpsc;
use tracing::{debug, info, warn};
use vrrp_core::packet::{
    AddressList, Advertisement, Auth, ChecksumMode, DropReason, Expectations, Family, RxMeta,
    UnicastPeer, Version, validate,
};
use vrrp_core::time::Instant;
use vrrp_core::{Action, Event, Instance, State, SyncGroup};

use super::clock::Clock;
use super::host::HostView;
use super::lvs_sync::{IpvsKernel, LvsSync, SyncSpec, SyncWorker};
use super::status::{InstanceSnapshot, Snapshot, VmacSnapshot};
use super::vmac::{self, VmacLink};
use crate::mapping::{InstanceSpec, Mapped, NotifySpec, ScriptSpec, TrackerSource, VipSpec};

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

/// IO facts about one instance.
#[derive(Debug)]
struct Slot {
    spec: InstanceSpec,
    iface: String,
    ifindex: u32,
    mac: Option<MacAddr>,
    group: Option<String>,
    peers: Vec<UnicastPeer>,
    /// Addresses we added and must remove.
    installed: Vec<AddressSpec>,
    /// RTM_NEWADDR requests for the VIPs, serialised when the instance
    /// started, so that a takeover sends them right after its advert.
    prepared: Vec<netio::PreparedAdd>,
    /// Receive drops by reason (`DropReason::index`).
    drops: [u64; DropReason::ALL.len()],
    /// The `use_vmac` macvlan, while it exists.
    vmac: Option<VmacLink>,
    /// State changes "FROM->TO" → count (metrics).
    transitions: BTreeMap<String, u64>,
}

impl Slot {
    /// Where a VIP goes: its `dev` when that names another interface (looked
    /// up with `ifindex_of`), else the VMAC when there is one and the VIP is of
    /// the instance's family (keepalived.conf(5) use_vmac), else the interface.
    fn vip_ifindex(&self, v: &VipSpec, ifindex_of: impl Fn(&str) -> Option<u32>) -> u32 {
        if let Some(d) = v.dev.as_deref().filter(|d| *d != self.iface) {
            return ifindex_of(d).unwrap_or(self.ifindex);
        }
        let same_family = matches!(
            (v.prefix.addr, self.spec.config.family),
            (IpAddr::V4(_), Family::V4) | (IpAddr::V6(_), Family::V6)
        );
        match &self.vmac {
            Some(m) if same_family => m.ifindex,
            _ => self.ifindex,
        }
    }

    /// Where adverts go out: the VMAC unless `vmac_xmit_base`, for both
    /// families (keepalived notes §3.13). An IPv6 advert from the VMAC keeps
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

    /// Interface and source MAC of gratuitous ARPs / NAs.
    fn announce_from(&self) -> (u32, Option<MacAddr>) {
        match &self.vmac {
            Some(v) => (v.ifindex, Some(v.mac)),
            None => (self.ifindex, self.mac),
        }
    }
}

/// All instances and the shared IO handles.
pub struct Router {
    slots: Vec<Slot>,
    insts: Vec<Instance>,
    groups: Vec<SyncGroup>,
    v4: Option<Arc<VrrpSocket>>,
    v6: Option<Arc<VrrpSocket>>,
    joined: HashSet<(Family, u32)>,
    rtnl: Rtnl,
    announcer: Option<Announcer>,
    /// GARPs/NAs waiting for their `vrrp_garp_interval` / `vrrp_gna_interval`
    /// slot (times are vrrp-core µs as durations).
    pacer: AnnouncePacer,
    /// The instant of the last timer or packet given to the instances: a
    /// packet's arrival time is never taken as earlier.
    last_input: Instant,
    /// Drops before an instance was found: "ifindex/family/reason" → count.
    unmatched: BTreeMap<String, u64>,
    clock: Clock,
    scripts: std::collections::HashMap<String, ScriptState>,
    /// Last value of each `track_file` (keepalived `last_status`).
    file_values: std::collections::HashMap<String, i32>,
    /// Open notify FIFOs (`notify_fifo`, `vrrp_notify_fifo`).
    notify_fifos: Vec<netio::notify_fifo::NotifyFifo>,
    script_tasks: Vec<tokio::task::JoinHandle<()>>,
    /// Running notify scripts (awaited, briefly, at shutdown).
    /// The advert being decoded, reused for every packet: `parse_into`
    /// refills it instead of building (and zeroing) a fresh 4 KiB address
    /// list per packet as `Advertisement::parse` does.
    rx_advert: Box<Advertisement>,
    notify_tasks: Vec<tokio::task::JoinHandle<()>>,
    /// Sync-group notify scripts by group name.
    group_notify: BTreeMap<String, NotifySpec>,
    /// The last state each sync group was notified of.
    group_states: BTreeMap<String, State>,
    /// `lvs_sync_daemon` following an instance.
    lvs_sync: Option<LvsSync>,
    /// The thread running the IPVS sync-daemon calls (made on first use).
    lvs_worker: Option<SyncWorker>,
    /// VMAC sysctls, with the shared ones counted per parent / host-wide.
    vmac_sysctls: netio::VmacSysctls,
}

/// One line to every notify FIFO (non-blocking; dropped when full).
fn write_fifos(fifos: &mut [netio::notify_fifo::NotifyFifo], line: &str) {
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
    cmd: crate::mapping::ScriptCmd,
) {
    tasks.retain(|h| !h.is_finished());
    tasks.push(tokio::spawn(async move {
        let argv = &cmd.argv;
        let timeout = std::time::Duration::from_secs(30);
        match netio::run_script_as(argv, timeout, cmd.run_as).await {
            Ok(o) if o.success() => {}
            Ok(o) => {
                warn!(notify = kind, name = %name, script = ?argv, outcome = ?o, "notify script failed");
            }
            Err(e) => warn!(notify = kind, name = %name, script = ?argv, "notify script: {e}"),
        }
    }));
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
            slots: Vec::new(),
            insts: Vec::new(),
            groups: Vec::new(),
            v4,
            v6,
            joined: HashSet::new(),
            rtnl,
            announcer,
            pacer: AnnouncePacer::default(),
            last_input: Instant::ZERO,
            unmatched: BTreeMap::new(),
            clock,
            scripts: std::collections::HashMap::new(),
            file_values: std::collections::HashMap::new(),
            notify_fifos: Vec::new(),
            script_tasks: Vec::new(),
            notify_tasks: Vec::new(),
            group_notify: BTreeMap::new(),
            group_states: BTreeMap::new(),
            lvs_sync: None,
            lvs_worker: None,
            vmac_sysctls: netio::VmacSysctls::default(),
            rx_advert: Box::new(Advertisement {
                version: Version::V3,
                vrid: 0,
                priority: 0,
                max_advert_int_cs: 0,
                auth: Auth::None,
                addresses: AddressList::new(),
            }),
        }
    }

    fn socket(&self, f: Family) -> Option<&Arc<VrrpSocket>> {
        match f {
            Family::V4 => self.v4.as_ref(),
            Family::V6 => self.v6.as_ref(),
        }
    }

    /// Builds a slot for `spec` on `host`. Errors name what is missing.
    fn make_slot(
        spec: InstanceSpec,
        group: Option<String>,
        host: &HostView,
    ) -> Result<Slot, String> {
        let iface = match &spec.interface {
            Some(i) => i.clone(),
            None => spec
                .src_override
                .and_then(|a| host.interface_of(a))
                .map(|l| l.name.clone())
                .ok_or_else(|| {
                    format!(
                        "instance {}: no interface holds unicast_src_ip",
                        spec.config.name
                    )
                })?,
        };
        let ifindex = host
            .ifindex(&iface)
            .ok_or_else(|| format!("instance {}: no interface `{iface}`", spec.config.name))?;
        let peers = spec
            .config
            .unicast_peers
            .iter()
            .map(|a| UnicastPeer::new(*a))
            .collect();
        Ok(Slot {
            mac: host.mac(&iface),
            iface,
            ifindex,
            group,
            peers,
            installed: Vec::new(),
            prepared: Vec::new(),
            drops: [0; DropReason::ALL.len()],
            vmac: None,
            transitions: BTreeMap::new(),
            spec,
        })
    }

    fn group_of(mapped: &Mapped, i: usize) -> Option<String> {
        mapped
            .sync_groups
            .iter()
            .find(|(_, m)| m.contains(&i))
            .map(|(n, _)| n.clone())
    }

    /// First start: removes our VIPs left over by a previous run, then starts
    /// every instance.
    pub async fn install(&mut self, mapped: Mapped, host: &HostView) -> Result<(), String> {
        self.pacer
            .set_intervals(mapped.garp_interval, mapped.gna_interval);
        for (i, spec) in mapped.instances.iter().enumerate() {
            let slot = Self::make_slot(spec.clone(), Self::group_of(&mapped, i), host)?;
            let inst = Instance::new(spec.config.clone())
                .map_err(|e| format!("instance {}: {e}", spec.config.name))?;
            self.slots.push(slot);
            self.insts.push(inst);
        }
        let all: Vec<usize> = (0..self.slots.len()).collect();
        if let Err(e) = self.create_vmacs(&all).await {
            self.remove_vmacs().await;
            return Err(e);
        }
        self.remove_leftovers(host).await;
        self.rebuild_groups(&mapped)?;
        self.join_groups();
        self.set_lvs_sync(mapped.lvs_sync.clone());
        let now = self.clock.now();
        for i in 0..self.insts.len() {
            self.start_instance(i, now, host).await;
        }
        Ok(())
    }

    /// Creates the VMACs of slots `idx` that want one.
    async fn create_vmacs(&mut self, idx: &[usize]) -> Result<(), String> {
        for &i in idx {
            let Some(slot) = self.slots.get(i) else {
                continue;
            };
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
                slot.spec.config.family,
                slot.spec.config.primary_address,
            )
            .await
            .map_err(|e| format!("instance {}: {e}", slot.spec.config.name))?;
            if let Some(slot) = self.slots.get_mut(i) {
                slot.vmac = Some(made);
            }
        }
        Ok(())
    }

    /// Removes every VMAC (last created first, so sysctls come back in order).
    async fn remove_vmacs(&mut self) {
        for i in (0..self.slots.len()).rev() {
            if let Some(v) = self.slots.get_mut(i).and_then(|s| s.vmac.take()) {
                vmac::remove(&self.rtnl, &mut self.vmac_sysctls, v).await;
            }
        }
    }

    async fn start_instance(&mut self, i: usize, now: Instant, host: &HostView) {
        let up = self
            .slots
            .get(i)
            .and_then(|s| host.links.get(&s.iface))
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
        let tracker_events: Vec<Event> = self.slots.get(i).map_or(Vec::new(), |s| {
            s.spec
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
                    TrackerSource::Script(n) => {
                        up_down(k, self.scripts.get(n).is_none_or(|st| st.up))
                    }
                    TrackerSource::File(n) => {
                        Event::TrackerValue(k, self.file_values.get(n).copied().unwrap_or(0))
                    }
                })
                .collect()
        });
        let prepared = self
            .wanted_addresses(i)
            .iter()
            .map(Rtnl::prepare_add)
            .collect();
        if let Some(slot) = self.slots.get_mut(i) {
            slot.prepared = prepared;
        }
        if let Some(inst) = self.insts.get_mut(i) {
            for ev in tracker_events {
                inst.handle_event(now, ev);
            }
            inst.handle_event(now, Event::Startup);
            if !up {
                inst.handle_event(now, Event::InterfaceDown);
            }
        }
        self.after_input(i).await;
    }

    /// keepalived removes VIPs of its instances found on the interface at
    /// start, before entering Backup.
    async fn remove_leftovers(&mut self, host: &HostView) {
        for s in &self.slots {
            for v in s.spec.vips.iter().chain(&s.spec.excluded_vips) {
                let idx = s.vip_ifindex(v, |d| host.ifindex(d));
                if host
                    .addresses
                    .iter()
                    .any(|a| a.ifindex == idx && a.addr == v.prefix.addr)
                {
                    let spec = address_spec(v, idx);
                    match self.rtnl.del_address(&spec).await {
                        Ok(()) => info!(
                            instance = %s.spec.config.name,
                            iface = %s.iface,
                            "removed leftover virtual address {}",
                            v.prefix
                        ),
                        Err(e) => warn!(instance = %s.spec.config.name, "{e}"),
                    }
                }
            }
        }
    }

    fn rebuild_groups(&mut self, mapped: &Mapped) -> Result<(), String> {
        self.groups.clear();
        self.group_notify = mapped.group_notify.clone();
        self.group_states
            .retain(|n, _| mapped.sync_groups.iter().any(|(g, _)| g == n));
        for (name, _) in &mapped.sync_groups {
            let members: Vec<usize> = self
                .slots
                .iter()
                .enumerate()
                .filter(|(_, s)| s.group.as_deref() == Some(name))
                .map(|(i, _)| i)
                .collect();
            if members.is_empty() {
                continue;
            }
            let g = SyncGroup::new(name.clone(), members, &mut self.insts)
                .map_err(|e| format!("sync group {name}: {e}"))?;
            self.groups.push(g);
        }
        Ok(())
    }

    fn join_groups(&mut self) {
        let wanted: Vec<(Family, u32)> = self
            .slots
            .iter()
            .filter(|s| s.peers.is_empty())
            .map(|s| (s.spec.config.family, s.rx_ifindex()))
            .collect();
        for (f, idx) in wanted {
            if self.joined.contains(&(f, idx)) {
                continue;
            }
            if let Some(sock) = self.socket(f) {
                match sock.join_group(idx) {
                    Ok(()) => {
                        self.joined.insert((f, idx));
                    }
                    Err(e) => warn!(ifindex = idx, "joining the VRRP group: {e}"),
                }
            }
        }
    }

    /// The earliest timer of any instance.
    pub fn next_deadline(&self) -> Option<Instant> {
        let pacer = self
            .pacer
            .next_deadline()
            .map(|d| Instant::from_micros(u64::try_from(d.as_micros()).unwrap_or(u64::MAX)));
        self.insts
            .iter()
            .filter_map(Instance::poll_timeout)
            .chain(pacer)
            .min()
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
        for i in 0..self.insts.len() {
            let due = self
                .insts
                .get(i)
                .and_then(Instance::poll_timeout)
                .is_some_and(|t| t <= now);
            if due {
                if let Some(inst) = self.insts.get_mut(i) {
                    inst.handle_timeout(now);
                }
                self.after_input(i).await;
            }
        }
    }

    fn count_unmatched(&mut self, p: &Inbound, reason: &str) {
        let f = match p.family {
            Family::V4 => "ipv4",
            Family::V6 => "ipv6",
        };
        *self
            .unmatched
            .entry(format!("{}/{f}/{reason}", p.ifindex))
            .or_default() += 1;
        debug!(ifindex = p.ifindex, from = %p.src, reason, "dropped advert for no instance");
    }

    /// Receive path: find the instance by (ifindex, VRID, family), validate,
    /// feed it.
    pub async fn on_packet(&mut self, p: Inbound) {
        let Some(&vrid) = p.payload.get(1) else {
            self.count_unmatched(&p, DropReason::Truncated.as_str());
            return;
        };
        let mut candidates = self.slots.iter().enumerate().filter(|(_, s)| {
            s.rx_ifindex() == p.ifindex
                && s.spec.config.family == p.family
                && s.spec.config.vrid == vrid
        });
        let first = candidates.next();
        let chosen = match first {
            None => {
                self.count_unmatched(&p, DropReason::VridMismatch.as_str());
                return;
            }
            Some((i, s)) => {
                // Several instances share a VRID only in unicast mode with
                // distinct peers: pick the one that lists the sender.
                if s.peers.is_empty() || s.peers.iter().any(|x| x.address == p.src) {
                    i
                } else {
                    candidates
                        .find(|(_, s)| s.peers.iter().any(|x| x.address == p.src))
                        .map_or(i, |(j, _)| j)
                }
            }
        };
        let (Some(slot), Some(inst)) = (self.slots.get_mut(chosen), self.insts.get_mut(chosen))
        else {
            return;
        };
        let parsed = {
            let cfg = inst.config();
            let mut exp = Expectations::new(cfg.version, cfg.vrid, cfg.family);
            exp.auth = cfg.auth;
            exp.advert_int_cs = cfg.advert_interval_cs();
            exp.addresses = &cfg.vips;
            exp.checksum = ChecksumMode::Rfc;
            exp.accept_old_unicast_checksum = true;
            exp.unicast_peers = &slot.peers;
            // Deliberate: a unicast instance only listens to its peers
            // (keepalived needs `check_unicast_src` for that).
            exp.check_unicast_src = !slot.peers.is_empty();
            exp.owner_ignores_adverts = cfg.owner_ignore_adverts;
            exp.is_owner = cfg.is_owner();
            let rx = RxMeta {
                src: p.src,
                dst: p.dst,
                ttl: p.ttl,
            };
            validate(&rx, &p.payload, &exp).map(|v| self.rx_advert.parse_into(&v.packet))
        };
        match parsed {
            Ok(Ok(())) => {}
            Ok(Err(_)) | Err(DropReason::Truncated) => {
                Self::drop_counted(slot, inst, DropReason::Truncated, &p);
                return;
            }
            Err(r) => {
                Self::drop_counted(slot, inst, r, &p);
                return;
            }
        }
        let now = match p.received {
            Some(at) => self.clock.received_at(at, self.last_input),
            None => self.clock.now(),
        };
        self.last_input = now;
        if let Err(r) = inst.handle_advert(now, p.src, &self.rx_advert) {
            debug!(instance = %inst.name(), vrid, from = %p.src, reason = ?r, "advert dropped by the state machine");
        }
        self.after_input(chosen).await;
    }

    fn drop_counted(slot: &mut Slot, inst: &mut Instance, r: DropReason, p: &Inbound) {
        if let Some(c) = slot.drops.get_mut(r.index()) {
            *c += 1;
        }
        // Every codec reason feeds the instance's counters, including
        // destination and address-list mismatches (keepalived counts the
        // latter as addr_list_err, vrrp_stats; RFC 6527
        // vrrpv3StatisticsAddressListErrors).
        inst.note_rejected(r.into());
        debug!(
            instance = %inst.name(),
            vrid = inst.config().vrid,
            iface = %slot.iface,
            from = %p.src,
            reason = r.as_str(),
            "advert dropped"
        );
    }

    /// After input to instance `i`: sync group, then drain actions.
    async fn after_input(&mut self, i: usize) {
        let now = self.clock.now();
        self.last_input = now;
        let group = self
            .slots
            .get(i)
            .and_then(|s| s.group.clone())
            .and_then(|n| self.groups.iter().position(|g| g.name() == n));
        match group {
            Some(g) => {
                let members = match self.groups.get_mut(g) {
                    Some(grp) => {
                        grp.sync(now, &mut self.insts);
                        grp.members().to_vec()
                    }
                    None => Vec::new(),
                };
                self.drain(i).await;
                for m in members.into_iter().filter(|&m| m != i) {
                    self.drain(m).await;
                }
                self.notify_group(g);
            }
            None => self.drain(i).await,
        }
    }

    /// Runs the group's notify scripts when the group as a whole entered a
    /// new state (keepalived's vrrp_sync.c notifies once per group change).
    fn notify_group(&mut self, g: usize) {
        let Some(grp) = self.groups.get(g) else {
            return;
        };
        let state = grp.state(&self.insts);
        let name = grp.name().to_string();
        if !matches!(state, State::Master | State::Backup | State::Fault)
            || self.group_states.get(&name) == Some(&state)
        {
            return;
        }
        let from = self.group_states.insert(name.clone(), state);
        info!(group = %name, from = from.map_or("INIT", State::as_str), to = state.as_str(), "sync group state change");
        let scripts = self.group_notify.get(&name).map_or(Vec::new(), |n| {
            crate::sync_group::group_scripts(n, &name, state)
        });
        for cmd in scripts {
            spawn_notify(&mut self.notify_tasks, "group", name.clone(), cmd);
        }
        write_fifos(
            &mut self.notify_fifos,
            &netio::notify_fifo::group_line(&name, state.as_str()),
        );
    }

    async fn drain(&mut self, i: usize) {
        loop {
            let Some(a) = self.insts.get_mut(i).and_then(Instance::poll_action) else {
                return;
            };
            self.apply(i, a).await;
        }
    }

    async fn apply(&mut self, i: usize, a: Action) {
        if let (Action::StateChanged { from, to, .. }, Some(s)) = (&a, self.slots.get_mut(i)) {
            *s.transitions
                .entry(format!("{}->{}", from.as_str(), to.as_str()))
                .or_default() += 1;
        }
        let (Some(slot), Some(inst)) = (self.slots.get(i), self.insts.get(i)) else {
            return;
        };
        let name = inst.name().to_string();
        let vrid = inst.config().vrid;
        match a {
            Action::SendAdvert { priority } => self.send_advert(i, priority).await,
            Action::AddVips => self.add_vips(i).await,
            Action::RemoveVips => self.remove_vips(i).await,
            Action::Announce { rounds, reason } => {
                if self.announcer.is_none() {
                    return;
                }
                let (ifindex, ann_mac) = slot.announce_from();
                let Some(mac) = ann_mac else {
                    warn!(instance = %name, iface = %slot.iface, "no MAC address: no gratuitous ARP/NA");
                    return;
                };
                // keepalived sets the NA's R flag when the interface forwards IPv6.
                let router = slot.spec.config.family == Family::V6
                    && std::fs::read_to_string(format!(
                        "/proc/sys/net/ipv6/conf/{}/forwarding",
                        slot.iface
                    ))
                    .is_ok_and(|v| v.trim() == "1");
                let now = std::time::Duration::from_micros(self.clock.now().as_micros());
                let (mut sent, mut queued) = (0u32, 0u32);
                for _ in 0..rounds {
                    for v in &slot.spec.vips {
                        let a = match v.prefix.addr {
                            IpAddr::V4(vip) => Announcement::Garp { ifindex, mac, vip },
                            IpAddr::V6(vip) => Announcement::Na {
                                ifindex,
                                mac,
                                vip,
                                router,
                            },
                        };
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
                let n = &slot.spec.notify;
                let specific = n.for_state(to);
                let generic = n.generic.clone().map(|mut a| {
                    a.argv.extend([
                        "INSTANCE".to_string(),
                        name.clone(),
                        to.as_str().to_string(),
                        inst.effective_priority().to_string(),
                    ]);
                    a
                });
                for cmd in [specific, generic].into_iter().flatten() {
                    spawn_notify(&mut self.notify_tasks, "instance", name.clone(), cmd);
                }
                // keepalived writes the FIFO line after starting the scripts.
                let line = netio::notify_fifo::instance_line(
                    &name,
                    to.as_str(),
                    inst.effective_priority(),
                );
                write_fifos(&mut self.notify_fifos, &line);
                if let Some(l) = &mut self.lvs_sync {
                    l.on_state(&name, from, to);
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
        }
    }

    async fn send_advert(&self, i: usize, priority: u8) {
        let (Some(slot), Some(inst)) = (self.slots.get(i), self.insts.get(i)) else {
            return;
        };
        let cfg = inst.config();
        let Some(sock) = self.socket(cfg.family) else {
            return;
        };
        let adv = inst.advertisement(priority);
        let src = cfg.primary_address;
        let (dsts, ttl): (Vec<IpAddr>, u8) = if slot.peers.is_empty() {
            (vec![cfg.family.group()], 255)
        } else {
            (
                cfg.unicast_peers.clone(),
                slot.spec.unicast_ttl.unwrap_or(255),
            )
        };
        let mut buf = vec![0u8; adv.buffer_len()];
        for dst in dsts {
            if let Err(e) = adv.emit(&mut buf, src, dst, ChecksumMode::Rfc) {
                warn!(instance = %cfg.name, "cannot encode advert: {e}");
                return;
            }
            let out = Outgoing {
                ifindex: slot.xmit_ifindex(),
                src,
                dst,
                ttl,
                payload: &buf,
            };
            if let Err(e) = sock.send(&out).await {
                warn!(instance = %cfg.name, vrid = cfg.vrid, iface = %slot.iface, "sending advert: {e}");
            }
        }
    }

    fn wanted_addresses(&self, i: usize) -> Vec<AddressSpec> {
        let Some(slot) = self.slots.get(i) else {
            return Vec::new();
        };
        slot.spec
            .vips
            .iter()
            .chain(&slot.spec.excluded_vips)
            .map(|v| address_spec(v, slot.vip_ifindex(v, netio::netns::if_index)))
            .collect()
    }

    async fn add_vips(&mut self, i: usize) {
        let wanted = self.wanted_addresses(i);
        let Some(slot) = self.slots.get(i) else {
            return;
        };
        let stale: Vec<AddressSpec> = slot
            .installed
            .iter()
            .filter(|a| !wanted.contains(a))
            .cloned()
            .collect();
        let name = slot.spec.config.name.clone();
        for a in &stale {
            if let Err(e) = self.rtnl.del_address(a).await
                && !e.is_not_found()
            {
                warn!(instance = %name, "{e}");
            }
        }
        let mut installed = Vec::new();
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
        if let Some(slot) = self.slots.get_mut(i) {
            debug!(instance = %name, n = installed.len(), "virtual addresses installed");
            slot.installed = installed;
        }
    }

    async fn remove_vips(&mut self, i: usize) {
        let Some(slot) = self.slots.get_mut(i) else {
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
        let name = slot.spec.config.name.clone();
        let installed = std::mem::take(&mut slot.installed);
        for a in &installed {
            if let Err(e) = self.rtnl.del_address(a).await
                && !e.is_not_found()
            {
                warn!(instance = %name, "{e}");
            }
        }
    }

    /// SIGTERM: every Master sends priority 0 and removes its VIPs.
    pub async fn shutdown(&mut self) {
        let now = self.clock.now();
        for i in 0..self.insts.len() {
            if let Some(inst) = self.insts.get_mut(i) {
                inst.handle_event(now, Event::Shutdown);
            }
            self.drain(i).await;
            // Anything still installed (Fault, Backup races) goes too.
            self.remove_vips(i).await;
        }
        self.remove_vmacs().await;
        // keepalived notify_shutdown: every group then gets STOP on the FIFOs.
        let names: Vec<String> = self.groups.iter().map(|g| g.name().to_string()).collect();
        for g in names {
            write_fifos(
                &mut self.notify_fifos,
                &netio::notify_fifo::group_line(&g, State::Stop.as_str()),
            );
        }
        let stops: Vec<(String, crate::mapping::ScriptCmd)> = self
            .group_notify
            .iter()
            .flat_map(|(g, n)| {
                crate::sync_group::group_scripts(n, g, State::Stop)
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
                    let ok = match netio::run_script_as(&sc.argv, sc.timeout, sc.run_as).await {
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

    /// Indices of instance `i`'s trackers that watch `src`.
    fn tracker_indices(&self, i: usize, src: &TrackerSource) -> Vec<usize> {
        self.slots.get(i).map_or(Vec::new(), |s| {
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
    pub fn set_notify_fifos(&mut self, fifos: Vec<netio::notify_fifo::NotifyFifo>) {
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
        let now = self.clock.now();
        for i in 0..self.slots.len() {
            let ks = self.tracker_indices(i, &src);
            if ks.is_empty() {
                continue;
            }
            if let Some(inst) = self.insts.get_mut(i) {
                for k in ks {
                    inst.handle_event(now, Event::TrackerValue(k, value));
                }
            }
            self.after_input(i).await;
        }
    }

    async fn on_tracker(&mut self, src: &TrackerSource, up: bool) {
        let now = self.clock.now();
        for i in 0..self.slots.len() {
            let ks = self.tracker_indices(i, src);
            if ks.is_empty() {
                continue;
            }
            if let Some(inst) = self.insts.get_mut(i) {
                for k in ks {
                    inst.handle_event(
                        now,
                        if up {
                            Event::TrackerUp(k)
                        } else {
                            Event::TrackerDown(k)
                        },
                    );
                }
            }
            self.after_input(i).await;
        }
    }

    /// An interface changed state.
    pub async fn on_link(&mut self, ifindex: u32, name: &str, running: bool) {
        self.on_tracker(&TrackerSource::Interface(name.to_string()), running)
            .await;
        let now = self.clock.now();
        for i in 0..self.slots.len() {
            if self.slots.get(i).is_some_and(|s| s.ifindex == ifindex) {
                if let Some(inst) = self.insts.get_mut(i) {
                    let was_fault = inst.state() == State::Fault;
                    if running && was_fault {
                        inst.handle_event(now, Event::InterfaceUp);
                    } else if !running && !was_fault {
                        inst.handle_event(now, Event::InterfaceDown);
                    }
                }
                self.after_input(i).await;
            }
        }
    }

    /// SIGHUP: applies a new mapping. Instances are matched by (interface,
    /// family, VRID, unicast or not) as keepalived does; unchanged ones are
    /// left alone (no advert gap), changed ones with the same identity are
    /// reconfigured keeping their state, others restart; removed ones release.
    pub async fn reload(&mut self, mapped: Mapped, host: &HostView) -> Result<(), String> {
        self.pacer
            .set_intervals(mapped.garp_interval, mapped.gna_interval);
        let mut new_slots = Vec::new();
        for (i, spec) in mapped.instances.iter().enumerate() {
            new_slots.push(Self::make_slot(
                spec.clone(),
                Self::group_of(&mapped, i),
                host,
            )?);
        }
        let now = self.clock.now();
        let mut old_slots: Vec<Option<Slot>> = self.slots.drain(..).map(Some).collect();
        let mut old_insts: Vec<Option<Instance>> = self.insts.drain(..).map(Some).collect();
        let mut fresh = Vec::new();
        let mut kept = 0usize;
        let mut reconfigured = 0usize;
        for mut ns in new_slots {
            let key = |s: &Slot| {
                (
                    s.ifindex,
                    s.spec.config.family,
                    s.spec.config.vrid,
                    s.peers.is_empty(),
                )
            };
            let m = old_slots
                .iter()
                .position(|o| o.as_ref().is_some_and(|o| key(o) == key(&ns)));
            let matched = m.and_then(|j| {
                let os = old_slots.get_mut(j)?.take()?;
                let oi = old_insts.get_mut(j)?.take()?;
                Some((os, oi))
            });
            match matched {
                Some((os, oi)) if os.spec == ns.spec && os.group == ns.group => {
                    kept += 1;
                    self.slots.push(os);
                    self.insts.push(oi);
                }
                Some((os, mut oi))
                    if os.group == ns.group
                        && oi.config().version == ns.spec.config.version
                        && os.spec.vmac == ns.spec.vmac
                        // An IPv6 VMAC carries the advert source address.
                        && (os.spec.vmac.is_none()
                            || os.spec.config.primary_address
                                == ns.spec.config.primary_address) =>
                {
                    match oi.reconfigure(now, ns.spec.config.clone()) {
                        Ok(()) => {
                            reconfigured += 1;
                            ns.installed = os.installed;
                            ns.drops = os.drops;
                            ns.vmac = os.vmac;
                            let master = oi.state() == State::Master;
                            self.slots.push(ns);
                            self.insts.push(oi);
                            if master {
                                // VIP attributes may have changed: reconcile.
                                let i = self.insts.len() - 1;
                                self.add_vips(i).await;
                            }
                        }
                        Err(e) => {
                            warn!(instance = %ns.spec.config.name, "cannot reconfigure ({e}); restarting");
                            self.release(os, oi).await;
                            fresh.push(self.slots.len());
                            self.push_new(ns)?;
                        }
                    }
                }
                Some((os, oi)) => {
                    self.release(os, oi).await;
                    fresh.push(self.slots.len());
                    self.push_new(ns)?;
                }
                None => {
                    fresh.push(self.slots.len());
                    self.push_new(ns)?;
                }
            }
        }
        let mut removed = 0usize;
        for (os, oi) in old_slots.into_iter().zip(old_insts) {
            if let (Some(os), Some(oi)) = (os, oi) {
                removed += 1;
                self.release(os, oi).await;
            }
        }
        self.rebuild_groups(&mapped)?;
        self.join_groups();
        self.set_lvs_sync(mapped.lvs_sync.clone());
        for i in &fresh {
            // An instance whose VMAC cannot be made does not start.
            if let Err(e) = self.create_vmacs(&[*i]).await {
                tracing::error!("{e}; the instance stays down");
                continue;
            }
            self.join_groups();
            self.start_instance(*i, now, host).await;
        }
        info!(
            kept,
            reconfigured,
            restarted_or_new = fresh.len(),
            removed,
            "configuration reloaded"
        );
        Ok(())
    }

    /// Starts, keeps or replaces the `lvs_sync_daemon` (unchanged settings: kept running).
    fn set_lvs_sync(&mut self, spec: Option<SyncSpec>) {
        if self.lvs_sync.as_ref().map(LvsSync::spec) == spec.as_ref() {
            return;
        }
        if let Some(old) = self.lvs_sync.take() {
            old.end();
        }
        let Some(spec) = spec else { return };
        let current = self
            .insts
            .iter()
            .find(|i| i.name() == spec.instance)
            .map_or(State::Initialize, Instance::state);
        if self.lvs_worker.is_none() {
            match SyncWorker::spawn(IpvsKernel::open) {
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

    fn push_new(&mut self, s: Slot) -> Result<(), String> {
        let inst = Instance::new(s.spec.config.clone())
            .map_err(|e| format!("instance {}: {e}", s.spec.config.name))?;
        self.slots.push(s);
        self.insts.push(inst);
        Ok(())
    }

    /// Stops an instance that is no longer configured (priority 0 if Master,
    /// VIPs removed).
    async fn release(&mut self, s: Slot, mut inst: Instance) {
        let now = self.clock.now();
        inst.handle_event(now, Event::Shutdown);
        self.slots.push(s);
        self.insts.push(inst);
        let i = self.insts.len() - 1;
        self.drain(i).await;
        self.remove_vips(i).await;
        if let Some(s) = self.slots.pop()
            && let Some(v) = s.vmac
        {
            self.joined.remove(&(s.spec.config.family, v.ifindex));
            vmac::remove(&self.rtnl, &mut self.vmac_sysctls, v).await;
        }
        self.insts.pop();
    }

    /// Every instance: the one source of `vrrpd status`, the SIGUSR1 dump
    /// and the metrics.
    pub fn snapshot(&self) -> Snapshot {
        let instances = self
            .slots
            .iter()
            .zip(&self.insts)
            .map(|(s, inst)| {
                let st = inst.status();
                let drops: BTreeMap<&'static str, u64> = DropReason::ALL
                    .iter()
                    .filter_map(|r| {
                        let n = s.drops.get(r.index()).copied().unwrap_or(0);
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
                    state: st.state.as_str(),
                    last_reason: st.last_reason.map(|r| r.to_string()),
                    base_priority: st.base_priority,
                    effective_priority: st.effective_priority,
                    advert_interval_ms: st.advert_interval.as_millis(),
                    master_adver_interval_ms: st.master_adver_interval.as_millis(),
                    master_address: st.master_address,
                    master_priority: st.master_priority,
                    source_address: inst.config().primary_address,
                    unicast_peers: inst.config().unicast_peers.clone(),
                    sync_group: s.group.clone(),
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
                    drops,
                    transitions: s.transitions.clone(),
                }
            })
            .collect();
        Snapshot {
            pid: std::process::id(),
            instances,
            unmatched_drops: self.unmatched.clone(),
        }
    }

    /// Every instance as JSON (status socket, SIGUSR1 dump).
    pub fn status_json(&self) -> String {
        serde_json::to_string(&self.snapshot()).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
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
        };
        assert!(
            address_spec(&v6, 1).no_dad,
            "IPv6 VIPs skip DAD as keepalived's do"
        );
    }
}
