//! One snapshot of the running instances, rendered two ways from the same
//! data: the JSON of `vrrpd status` / the SIGUSR1 dump, and the Prometheus
//! exposition of `--metrics-listen` (see [`render_metrics`]).

use std::collections::BTreeMap;
use std::net::IpAddr;

use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family as MetricFamily;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;
use serde::Serialize;
use vrrp_core::packet::{DropReason, Family, Version};
use vrrp_core::{Counters, State};

/// What a control request asks for.
#[derive(Debug)]
pub enum Query {
    /// `vrrpd status`: the JSON document.
    Json(ha_daemon_kit::control::Reply),
    /// A Prometheus scrape.
    Metrics(ha_daemon_kit::control::Reply),
}

/// How much of each instance a [`Snapshot`] carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Detail {
    /// State, priorities, counters and identity, without the effective
    /// configuration: what the metrics, the SNMP MIBs and systemd's
    /// `STATUS=` line read. Cloning every instance's configuration for them
    /// would cost a scrape of thousands of instances their VIPs, peers,
    /// trackers and notify scripts once more.
    Light,
    /// Also each instance's effective configuration
    /// ([`InstanceSnapshot::config`]): `vrrpd status` and the SIGUSR1 dump.
    Full,
}

/// The whole daemon.
#[derive(Debug, Serialize)]
pub struct Snapshot {
    /// Process id.
    pub pid: u32,
    /// Every instance in config order.
    pub instances: Vec<InstanceSnapshot>,
    /// Drops before an instance was found: "ifindex/family/reason" → count.
    pub unmatched_drops: BTreeMap<String, u64>,
    /// Every BFD session reported to the VRRP side, in name order.
    pub bfd: Vec<BfdSessionSnapshot>,
    /// Accept mode and the nftables drop rules.
    pub firewall: super::firewall_status::FirewallStatus,
    /// The `vrrp_script`s being run, with their settings.
    pub scripts: Vec<ScriptSnapshot>,
    /// Each `track_file`'s last value read, by name.
    pub track_files: BTreeMap<String, i32>,
    /// Each tracked `vrrp_track_process`'s process count and whether it has
    /// its quorum, by name (filled in by the main loop's process tracker).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub processes: BTreeMap<String, (u32, bool)>,
    /// Where each `static_routes` / `static_rules` entry the kernel took is
    /// written (see [`InstanceSnapshot::routes_set`]).
    #[serde(skip)]
    pub static_routes_set: Vec<keepalived_conf::Span>,
    /// Where each `static_routes` / `static_rules` entry held is written
    /// (see [`InstanceSnapshot::routes_held`]).
    #[serde(skip)]
    pub static_routes_held: Vec<keepalived_conf::Span>,
}

#[cfg(test)]
impl Snapshot {
    /// A daemon holding `instances` and nothing else (pid 1): the base of the
    /// MIB tests, so a new status field is added here once.
    pub(crate) fn of(instances: Vec<InstanceSnapshot>) -> Snapshot {
        Snapshot {
            pid: 1,
            instances,
            unmatched_drops: BTreeMap::new(),
            firewall: Default::default(),
            scripts: Vec::new(),
            track_files: BTreeMap::new(),
            processes: BTreeMap::new(),
            bfd: Vec::new(),
            static_routes_set: Vec::new(),
            static_routes_held: Vec::new(),
        }
    }
}

/// One `vrrp_script` as run.
#[derive(Debug, Serialize)]
pub struct ScriptSnapshot {
    /// Name.
    pub name: String,
    /// The command (argv\[0\] resolved as checked).
    pub argv: Vec<String>,
    /// `interval`.
    pub interval_ms: u64,
    /// `timeout`.
    pub timeout_ms: u64,
    /// `rise`.
    pub rise: u32,
    /// `fall`.
    pub fall: u32,
    /// `init_fail`.
    pub init_fail: bool,
    /// Its state after rise/fall: up (true) or down; None when unknown.
    pub up: Option<bool>,
}

impl ScriptSnapshot {
    /// The snapshots of `specs`, each with its state as `state` gives it by
    /// name.
    pub fn all(
        specs: &[crate::spec::mapping::ScriptSpec],
        state: impl Fn(&str) -> Option<bool>,
    ) -> Vec<ScriptSnapshot> {
        specs
            .iter()
            .map(|s| ScriptSnapshot {
                up: state(&s.name),
                ..ScriptSnapshot::from(s)
            })
            .collect()
    }
}

impl From<&crate::spec::mapping::ScriptSpec> for ScriptSnapshot {
    fn from(s: &crate::spec::mapping::ScriptSpec) -> Self {
        let ms = |d: std::time::Duration| u64::try_from(d.as_millis()).unwrap_or(u64::MAX);
        ScriptSnapshot {
            name: s.name.clone(),
            argv: s.argv.clone(),
            interval_ms: ms(s.interval),
            timeout_ms: ms(s.timeout),
            rise: s.rise,
            fall: s.fall,
            init_fail: s.init_fail,
            up: None,
        }
    }
}

/// One BFD session (`bfd_instance`) as the transport runs it: the state and
/// timers keepalived's SIGUSR1 dump shows for its BFD process (bfd_data.c
/// `dump_bfd`), with counters.
#[derive(Debug, Serialize)]
pub struct BfdSessionSnapshot {
    /// The `bfd_instance` name.
    pub name: String,
    /// `neighbor_ip`.
    pub neighbor: IpAddr,
    /// `source_ip`.
    pub source: Option<IpAddr>,
    /// Whether the transport runs it (false: see `error`).
    pub running: bool,
    /// Why it does not run.
    pub error: Option<String>,
    /// The UDP source port of its packets (0 while not running).
    pub source_port: u16,
    /// `multihop`: RFC 5883 on UDP port 4784 instead of 3784.
    pub multihop: bool,
    /// bfd.SessionState: `AdminDown`, `Down`, `Init` or `Up`.
    pub local_state: &'static str,
    /// bfd.RemoteSessionState.
    pub remote_state: &'static str,
    /// bfd.LocalDiag, as a name.
    pub local_diagnostic: String,
    /// bfd.LocalDiscr.
    pub local_discriminator: u32,
    /// bfd.RemoteDiscr.
    pub remote_discriminator: u32,
    /// Configured `min_rx`, ms.
    pub min_rx_ms: u64,
    /// Configured `min_tx`, ms.
    pub min_tx_ms: u64,
    /// Configured `idle_tx`, ms.
    pub idle_tx_ms: u64,
    /// Configured `multiplier`.
    pub multiplier: u8,
    /// The transmit interval in use (before jitter), µs.
    pub tx_interval_us: Option<u64>,
    /// The Detection Time in use, µs.
    pub detection_time_us: Option<u64>,
    /// A poll sequence is under way (timers being changed).
    pub poll_active: bool,
    /// Control packets accepted.
    pub packets_in: u64,
    /// Control packets sent.
    pub packets_out: u64,
    /// Sends the kernel refused.
    pub send_errors: u64,
    /// Received packets discarded for this session, by reason (non-zero
    /// ones).
    pub discards: BTreeMap<&'static str, u64>,
    /// Up events reported.
    pub up_events: u64,
    /// Down events reported.
    pub down_events: u64,
    /// Seconds since the last state change.
    pub since_state_change_s: Option<f64>,
}

/// bfd-core state names as keepalived prints them (bfd.h `BFD_STATE_STR`).
pub fn bfd_state_name(s: bfd_net::State) -> &'static str {
    match s {
        bfd_net::State::AdminDown => "AdminDown",
        bfd_net::State::Down => "Down",
        bfd_net::State::Init => "Init",
        bfd_net::State::Up => "Up",
    }
}

/// The discard counters by name, the non-zero ones.
pub fn discard_fields(d: &bfd_net::Discards) -> BTreeMap<&'static str, u64> {
    [
        ("ttl", d.ttl),
        ("truncated", d.truncated),
        ("oversized", d.oversized),
        ("version", d.version),
        ("length", d.length),
        ("authentication", d.authentication),
        ("invalid", d.invalid),
        ("unknown_session", d.unknown_session),
        ("peer_mismatch", d.peer_mismatch),
        ("admin_down", d.admin_down),
        ("other", d.other),
    ]
    .into_iter()
    .filter(|(_, n)| *n > 0)
    .collect()
}

/// Every discard reason name (the metrics carry them all, zero or not).
pub const BFD_DISCARD_REASONS: [&str; 11] = [
    "ttl",
    "truncated",
    "oversized",
    "version",
    "length",
    "authentication",
    "invalid",
    "unknown_session",
    "peer_mismatch",
    "admin_down",
    "other",
];

impl BfdSessionSnapshot {
    /// From the configured `spec`, the transport's status `st` when it runs
    /// the session, and the `error` when it does not.
    pub fn new(
        spec: &crate::spec::bfd::BfdSpec,
        st: Option<&bfd_net::SessionStatus>,
        error: Option<String>,
    ) -> BfdSessionSnapshot {
        let ms = |d: std::time::Duration| u64::try_from(d.as_millis()).unwrap_or(u64::MAX);
        let us = |d: std::time::Duration| u64::try_from(d.as_micros()).unwrap_or(u64::MAX);
        BfdSessionSnapshot {
            name: spec.name.clone(),
            neighbor: spec.neighbor,
            source: spec.source,
            running: st.is_some() && error.is_none(),
            error,
            source_port: st.map_or(0, |s| s.source_port),
            multihop: spec.multihop,
            local_state: st.map_or("AdminDown", |s| bfd_state_name(s.local_state)),
            remote_state: st.map_or("Down", |s| bfd_state_name(s.remote_state)),
            local_diagnostic: st
                .map_or_else(|| "None".into(), |s| format!("{:?}", s.local_diagnostic)),
            local_discriminator: st.map_or(0, |s| s.local_discriminator),
            remote_discriminator: st.map_or(0, |s| s.remote_discriminator),
            min_rx_ms: ms(spec.min_rx),
            min_tx_ms: ms(spec.min_tx),
            idle_tx_ms: ms(spec.idle_tx),
            multiplier: spec.multiplier,
            tx_interval_us: st.and_then(|s| s.tx_interval).map(us),
            detection_time_us: st.and_then(|s| s.detection_time).map(us),
            poll_active: st.is_some_and(|s| s.poll_active),
            packets_in: st.map_or(0, |s| s.packets_in),
            packets_out: st.map_or(0, |s| s.packets_out),
            send_errors: st.map_or(0, |s| s.send_errors),
            discards: st.map(|s| discard_fields(&s.discards)).unwrap_or_default(),
            up_events: st.map_or(0, |s| s.up_events),
            down_events: st.map_or(0, |s| s.down_events),
            since_state_change_s: st
                .and_then(|s| s.last_state_change)
                .map(|t| t.elapsed().as_secs_f64()),
        }
    }
}

/// One `vrrp_instance`.
#[derive(Debug, Serialize)]
pub struct InstanceSnapshot {
    /// Name.
    pub name: String,
    /// VRID.
    pub vrid: u8,
    /// VRRP version.
    pub version: Version,
    /// Address family.
    pub family: Family,
    /// Interface name.
    pub interface: String,
    /// Interface index.
    pub ifindex: u32,
    /// The interface's hardware address when it was read.
    pub mac: Option<String>,
    /// State (keepalived's upper-case name).
    pub state: &'static str,
    /// Why the last state change happened.
    pub last_reason: Option<String>,
    /// Configured priority.
    pub base_priority: u8,
    /// Preemption on (no `nopreempt`).
    pub preempt: bool,
    /// Accept mode (`accept`).
    pub accept: bool,
    /// VRRPv2 authentication type (RFC 3768 §5.3.6: 0 none, 1 simple
    /// text password, 2 IP Authentication Header).
    pub auth_type: u8,
    /// Priority after trackers.
    pub effective_priority: u8,
    /// Our advert interval.
    pub advert_interval_ms: u64,
    /// Master_Adver_Interval in use.
    pub master_adver_interval_ms: u64,
    /// The Master's address (ours in Master).
    pub master_address: Option<IpAddr>,
    /// The Master's priority.
    pub master_priority: u8,
    /// Source address of our adverts.
    pub source_address: IpAddr,
    /// Unicast peers (empty: multicast).
    pub unicast_peers: Vec<IpAddr>,
    /// vrrp_sync_group.
    pub sync_group: Option<String>,
    /// The `use_vmac` macvlan, while it exists.
    pub vmac: Option<VmacSnapshot>,
    /// Configured VIPs.
    pub vips: Vec<String>,
    /// VIPs we added to the interface.
    pub installed_vips: Vec<String>,
    /// Where each `virtual_routes` / `virtual_rules` entry the kernel took
    /// (and that is still in) is written: keepalived's `set` flag, shown by
    /// KEEPALIVED-MIB's route and rule tables.
    #[serde(skip)]
    pub routes_set: Vec<keepalived_conf::Span>,
    /// Where each `virtual_routes` / `virtual_rules` entry the instance
    /// holds is written, set or not: the configured ones less those dropped
    /// when the configuration was applied (a route whose `vrf NAME` is not a
    /// VRF), the rows KEEPALIVED-MIB's route and rule tables show.
    #[serde(skip)]
    pub routes_held: Vec<keepalived_conf::Span>,
    /// RFC 6527 counters and keepalived's extras.
    pub counters: Counters,
    /// The last advert rejected for a TTL, version or checksum error (for
    /// `vrrpv3StatisticsProtoErrReason`; its count is in `drops`).
    #[serde(skip)]
    pub last_protocol_error: Option<vrrp_core::packet::DropReason>,
    /// Receive drops by codec reason (only the non-zero ones).
    pub drops: BTreeMap<&'static str, u64>,
    /// State changes "FROM->TO" → count.
    pub transitions: BTreeMap<String, u64>,
    /// The settings the instance runs with, after keepalived's defaults and
    /// corrections (what keepalived's state dump, `dump_vrrp` in
    /// vrrp_data.c, prints per instance); only in a [`Detail::Full`]
    /// snapshot.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub config: Option<Box<ConfigSnapshot>>,
    /// The BFD sessions this instance tracks (`track_bfd`, its own and its
    /// sync group's).
    pub bfd: Vec<BfdTrackSnapshot>,
}

/// One tracked BFD session of an instance.
#[derive(Debug, Serialize)]
pub struct BfdTrackSnapshot {
    /// The `bfd_instance` name.
    pub name: String,
    /// `UP` or `DOWN` (down until the session's first Up).
    pub state: &'static str,
    /// The weight in use (0: FAULT while down, or while up with `reverse`).
    pub weight: i32,
    /// `reverse`.
    pub reverse: bool,
}

/// The effective configuration of one instance.
#[derive(Debug, Serialize)]
pub struct ConfigSnapshot {
    /// The engine's configuration (state machine settings, trackers with
    /// their weights, GARP settings; durations in microseconds).
    pub engine: vrrp_core::InstanceConfig,
    /// `virtual_ipaddress` with their options.
    pub vips: Vec<crate::spec::mapping::VipSpec>,
    /// `virtual_ipaddress_excluded`.
    pub excluded_vips: Vec<crate::spec::mapping::VipSpec>,
    /// `unicast_ttl` (None: 255).
    pub unicast_ttl: Option<u8>,
    /// Notify scripts by kind (`master`, `backup`, `fault`, `stop`,
    /// `generic`): the command's argv.
    pub notify: BTreeMap<&'static str, Vec<String>>,
    /// The sync group's notify scripts, by kind, when in a group that has any.
    pub group_notify: BTreeMap<&'static str, Vec<String>>,
    /// `promote_secondaries`.
    pub promote_secondaries: bool,
    /// `dont_track_primary`.
    pub dont_track_primary: bool,
    /// `smtp_alert` in effect.
    pub smtp_alert: bool,
    /// `notify_deleted`.
    pub notify_deleted: bool,
}

/// A notify script set as a map from kind to argv.
pub fn notify_map(
    n: Option<&crate::spec::mapping::NotifySpec>,
) -> BTreeMap<&'static str, Vec<String>> {
    let Some(n) = n else {
        return BTreeMap::new();
    };
    [
        ("master", &n.master),
        ("backup", &n.backup),
        ("fault", &n.fault),
        ("stop", &n.stop),
        ("generic", &n.generic),
    ]
    .into_iter()
    .filter_map(|(k, c)| c.as_ref().map(|c| (k, c.argv.clone())))
    .collect()
}

/// A `use_vmac` macvlan.
#[derive(Debug, Serialize)]
pub struct VmacSnapshot {
    /// Interface name (vrrp.VRID or `use_vmac NAME`).
    pub name: String,
    /// Its index.
    pub ifindex: u32,
    /// The virtual MAC.
    pub mac: String,
}

/// The RFC 3768 §5.3.6 type number of an authentication setting.
pub fn auth_type(a: &vrrp_core::packet::Auth) -> u8 {
    use vrrp_core::packet::Auth;
    match a {
        Auth::None => 0,
        Auth::Pass(_) => 1,
        Auth::Ah => 2,
        Auth::Other(t, _) => *t,
    }
}

/// Every state, for one gauge per state.
const STATES: [State; 5] = [
    State::Initialize,
    State::Backup,
    State::Master,
    State::Fault,
    State::Stop,
];

use ha_daemon_kit::metrics::{Labels, labels};

fn family_name(f: Family) -> &'static str {
    match f {
        Family::V4 => "ipv4",
        Family::V6 => "ipv6",
    }
}

/// The numeric fields of [`Counters`] by name (every one of them, so a
/// counter added to vrrp-core shows up without touching this file).
fn counter_fields(c: &Counters) -> Vec<(String, u64)> {
    match serde_json::to_value(c) {
        Ok(serde_json::Value::Object(m)) => m
            .into_iter()
            .filter_map(|(k, v)| v.as_u64().map(|n| (k, n)))
            .collect(),
        _ => Vec::new(),
    }
}

/// Prometheus/OpenMetrics text of a snapshot.
pub fn render_metrics(s: &Snapshot) -> String {
    let mut reg = Registry::with_prefix("vrrpd");
    let info = MetricFamily::<Labels, Gauge>::default();
    let state = MetricFamily::<Labels, Gauge>::default();
    let prio = MetricFamily::<Labels, Gauge>::default();
    let base = MetricFamily::<Labels, Gauge>::default();
    let mprio = MetricFamily::<Labels, Gauge>::default();
    let adv_ms = MetricFamily::<Labels, Gauge>::default();
    let trans = MetricFamily::<Labels, Counter>::default();
    let drops = MetricFamily::<Labels, Counter>::default();
    let unmatched = MetricFamily::<Labels, Counter>::default();
    let bfd_up = MetricFamily::<Labels, Gauge>::default();
    let sess_up = MetricFamily::<Labels, Gauge>::default();
    let sess_running = MetricFamily::<Labels, Gauge>::default();
    let sess_in = MetricFamily::<Labels, Counter>::default();
    let sess_out = MetricFamily::<Labels, Counter>::default();
    let sess_disc = MetricFamily::<Labels, Counter>::default();
    let sess_evt = MetricFamily::<Labels, Counter>::default();
    for b in &s.bfd {
        let me = labels([("bfd", &b.name)]);
        sess_up
            .get_or_create(&me)
            .set(i64::from(b.local_state == "Up"));
        sess_running.get_or_create(&me).set(i64::from(b.running));
        sess_in.get_or_create(&me).inc_by(b.packets_in);
        sess_out.get_or_create(&me).inc_by(b.packets_out);
        for r in BFD_DISCARD_REASONS {
            sess_disc
                .get_or_create(&labels([("bfd", &b.name), ("reason", r)]))
                .inc_by(b.discards.get(r).copied().unwrap_or(0));
        }
        sess_evt
            .get_or_create(&labels([("bfd", &b.name), ("event", "up")]))
            .inc_by(b.up_events);
        sess_evt
            .get_or_create(&labels([("bfd", &b.name), ("event", "down")]))
            .inc_by(b.down_events);
    }
    let mut counters: BTreeMap<String, MetricFamily<Labels, Counter>> = BTreeMap::new();
    for i in &s.instances {
        let me = labels([("instance", &i.name)]);
        let master = i.master_address.map(|a| a.to_string()).unwrap_or_default();
        let vrid = i.vrid.to_string();
        let version = match i.version {
            Version::V2 => "2",
            Version::V3 => "3",
        };
        info.get_or_create(&labels([
            ("instance", &i.name),
            ("vrid", &vrid),
            ("interface", &i.interface),
            ("family", family_name(i.family)),
            ("version", version),
            ("master_address", &master),
            ("sync_group", i.sync_group.as_deref().unwrap_or("")),
        ]))
        .set(1);
        for st in STATES {
            state
                .get_or_create(&labels([("instance", &i.name), ("state", st.as_str())]))
                .set(i64::from(st.as_str() == i.state));
        }
        prio.get_or_create(&me).set(i64::from(i.effective_priority));
        base.get_or_create(&me).set(i64::from(i.base_priority));
        mprio.get_or_create(&me).set(i64::from(i.master_priority));
        adv_ms
            .get_or_create(&me)
            .set(i64::try_from(i.advert_interval_ms).unwrap_or(i64::MAX));
        for (k, n) in &i.transitions {
            let (from, to) = k.split_once("->").unwrap_or((k, ""));
            trans
                .get_or_create(&labels([("instance", &i.name), ("from", from), ("to", to)]))
                .inc_by(*n);
        }
        for r in DropReason::ALL {
            let n = i.drops.get(r.as_str()).copied().unwrap_or(0);
            drops
                .get_or_create(&labels([("instance", &i.name), ("reason", r.as_str())]))
                .inc_by(n);
        }
        for b in &i.bfd {
            bfd_up
                .get_or_create(&labels([("instance", &i.name), ("bfd", &b.name)]))
                .set(i64::from(b.state == "UP"));
        }
        for (k, n) in counter_fields(&i.counters) {
            counters.entry(k).or_default().get_or_create(&me).inc_by(n);
        }
    }
    for (k, n) in &s.unmatched_drops {
        let mut parts = k.splitn(3, '/');
        let (ifindex, family, reason) = (
            parts.next().unwrap_or(""),
            parts.next().unwrap_or(""),
            parts.next().unwrap_or(""),
        );
        unmatched
            .get_or_create(&labels([
                ("ifindex", ifindex),
                ("family", family),
                ("reason", reason),
            ]))
            .inc_by(*n);
    }
    reg.register(
        "instance_info",
        "Instance identity; master_address is the current Master's address",
        info,
    );
    reg.register(
        "instance_state",
        "1 for the instance's current state, 0 for the others",
        state,
    );
    reg.register(
        "instance_priority",
        "Effective priority (after trackers)",
        prio,
    );
    reg.register("instance_base_priority", "Configured priority", base);
    reg.register(
        "instance_master_priority",
        "Priority of the current Master",
        mprio,
    );
    reg.register(
        "instance_advert_interval_milliseconds",
        "Configured advertisement interval",
        adv_ms,
    );
    reg.register(
        "instance_transitions",
        "State changes by from and to state",
        trans,
    );
    reg.register(
        "instance_dropped_adverts",
        "Received adverts dropped by the receive checks, by reason",
        drops,
    );
    reg.register(
        "unmatched_dropped_adverts",
        "Received adverts that matched no instance, by interface, family and reason",
        unmatched,
    );
    reg.register(
        "instance_tracked_bfd_up",
        "1 while a BFD session the instance tracks is Up, 0 while it is down",
        bfd_up,
    );
    reg.register(
        "bfd_session_up",
        "1 while the BFD session is Up, 0 otherwise",
        sess_up,
    );
    reg.register(
        "bfd_session_running",
        "1 while the transport runs the BFD session, 0 when it could not be started",
        sess_running,
    );
    reg.register(
        "bfd_packets_received",
        "BFD control packets accepted for the session",
        sess_in,
    );
    reg.register(
        "bfd_packets_sent",
        "BFD control packets sent for the session",
        sess_out,
    );
    reg.register(
        "bfd_discarded_packets",
        "Received BFD packets discarded for the session, by reason",
        sess_disc,
    );
    reg.register(
        "bfd_events",
        "Up and Down events of the session reported to the instances",
        sess_evt,
    );
    for (k, fam) in counters {
        reg.register(
            format!("instance_{k}"),
            format!("vrrp-core counter {k} (RFC 6527 / keepalived statistics)"),
            fam,
        );
    }
    super::firewall_status::register_metrics(&mut reg, &s.firewall);
    ha_daemon_kit::metrics::render(&reg)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snapshot() -> Snapshot {
        let counters = Counters {
            sent_advertisements: 12,
            rcvd_advertisements: 3,
            master_transitions: 1,
            auth_failures: 2,
            ..Counters::default()
        };
        Snapshot {
            pid: 1,
            instances: vec![InstanceSnapshot {
                name: "VI_1".into(),
                vrid: 51,
                version: Version::V3,
                family: Family::V4,
                interface: "eth0".into(),
                ifindex: 2,
                mac: None,
                state: "MASTER",
                last_reason: None,
                base_priority: 100,
                preempt: true,
                accept: false,
                auth_type: 0,
                effective_priority: 90,
                advert_interval_ms: 1000,
                master_adver_interval_ms: 1000,
                master_address: Some("10.0.0.1".parse().unwrap()),
                master_priority: 90,
                source_address: "10.0.0.1".parse().unwrap(),
                unicast_peers: vec![],
                sync_group: None,
                vmac: None,
                vips: vec!["10.0.0.100/32".into()],
                installed_vips: vec![],
                routes_set: vec![],
                routes_held: vec![],
                counters,
                last_protocol_error: None,
                drops: BTreeMap::from([("auth_failure", 2)]),
                transitions: BTreeMap::from([
                    ("INIT->BACKUP".into(), 1),
                    ("BACKUP->MASTER".into(), 1),
                ]),
                config: None,
                bfd: vec![BfdTrackSnapshot {
                    name: "b1".into(),
                    state: "UP",
                    weight: -10,
                    reverse: false,
                }],
            }],
            unmatched_drops: BTreeMap::from([("2/ipv4/vrid_mismatch".into(), 4)]),
            firewall: Default::default(),
            scripts: Vec::new(),
            track_files: BTreeMap::new(),
            processes: BTreeMap::new(),
            static_routes_set: Vec::new(),
            static_routes_held: Vec::new(),
            bfd: vec![BfdSessionSnapshot {
                discards: BTreeMap::from([("ttl", 3)]),
                packets_in: 40,
                packets_out: 41,
                up_events: 1,
                local_state: "Up",
                running: true,
                ..BfdSessionSnapshot::new(
                    &crate::spec::bfd::BfdSpec::new("b1", "10.0.0.254".parse().unwrap())
                        .with_intervals(
                            std::time::Duration::from_millis(50),
                            std::time::Duration::from_millis(50),
                        )
                        .with_multiplier(3),
                    None,
                    None,
                )
            }],
        }
    }

    #[test]
    fn metrics_carry_state_priorities_transitions_and_every_drop_reason() {
        let text = render_metrics(&snapshot());
        for line in [
            r#"vrrpd_instance_state{instance="VI_1",state="MASTER"} 1"#,
            r#"vrrpd_instance_state{instance="VI_1",state="BACKUP"} 0"#,
            r#"vrrpd_instance_priority{instance="VI_1"} 90"#,
            r#"vrrpd_instance_base_priority{instance="VI_1"} 100"#,
            r#"vrrpd_instance_info{instance="VI_1",vrid="51",interface="eth0",family="ipv4",version="3",master_address="10.0.0.1",sync_group=""} 1"#,
            r#"vrrpd_instance_transitions_total{instance="VI_1",from="BACKUP",to="MASTER"} 1"#,
            r#"vrrpd_instance_sent_advertisements_total{instance="VI_1"} 12"#,
            r#"vrrpd_instance_rcvd_advertisements_total{instance="VI_1"} 3"#,
            r#"vrrpd_instance_auth_failures_total{instance="VI_1"} 2"#,
            r#"vrrpd_instance_dropped_adverts_total{instance="VI_1",reason="auth_failure"} 2"#,
            r#"vrrpd_unmatched_dropped_adverts_total{ifindex="2",family="ipv4",reason="vrid_mismatch"} 4"#,
            r#"vrrpd_instance_tracked_bfd_up{instance="VI_1",bfd="b1"} 1"#,
            r#"vrrpd_bfd_session_up{bfd="b1"} 1"#,
            r#"vrrpd_bfd_session_running{bfd="b1"} 1"#,
            r#"vrrpd_bfd_packets_received_total{bfd="b1"} 40"#,
            r#"vrrpd_bfd_packets_sent_total{bfd="b1"} 41"#,
            r#"vrrpd_bfd_discarded_packets_total{bfd="b1",reason="ttl"} 3"#,
            r#"vrrpd_bfd_discarded_packets_total{bfd="b1",reason="peer_mismatch"} 0"#,
            r#"vrrpd_bfd_events_total{bfd="b1",event="up"} 1"#,
            "# TYPE vrrpd_instance_state gauge",
            "# TYPE vrrpd_instance_dropped_adverts counter",
            "# EOF",
        ] {
            assert!(text.lines().any(|l| l == line), "missing {line}\n{text}");
        }
        // Every codec drop reason is exported, zero or not.
        for r in DropReason::ALL {
            let want = format!(
                "vrrpd_instance_dropped_adverts_total{{instance=\"VI_1\",reason=\"{}\"}} ",
                r.as_str()
            );
            assert!(text.contains(&want), "missing {want}");
        }
        // Every numeric counter of vrrp-core is exported.
        let fields = counter_fields(&Counters::default());
        assert!(fields.len() >= 20, "{fields:?}");
        for (k, _) in fields {
            assert!(
                text.contains(&format!("vrrpd_instance_{k}_total{{")),
                "counter {k} missing"
            );
        }
    }

    #[test]
    fn json_keeps_the_status_document_shape() {
        let v = serde_json::to_value(snapshot()).unwrap();
        let i = &v["instances"][0];
        assert_eq!(i["state"], "MASTER");
        assert_eq!(i["effective_priority"], 90);
        assert_eq!(i["version"], "V3");
        assert_eq!(i["family"], "V4");
        assert_eq!(i["drops"]["auth_failure"], 2);
        assert_eq!(i["counters"]["sent_advertisements"], 12);
        assert_eq!(v["unmatched_drops"]["2/ipv4/vrid_mismatch"], 4);
        assert_eq!(v["bfd"][0]["name"], "b1");
        assert_eq!(v["bfd"][0]["local_state"], "Up");
        assert_eq!(v["bfd"][0]["multiplier"], 3);
        assert_eq!(v["bfd"][0]["min_rx_ms"], 50);
        assert_eq!(v["bfd"][0]["discards"]["ttl"], 3);
        assert_eq!(i["bfd"][0]["name"], "b1");
        assert_eq!(i["bfd"][0]["state"], "UP");
        assert_eq!(i["bfd"][0]["weight"], -10);
    }
}
