//! KEEPALIVED-MIB's `check` subtree (1.3.6.1.4.1.9586.100.5.3) as a pure
//! function of lvsd's state: the configured `virtual_server_group`s and the
//! pools the status and metrics read (check_snmp.c `check_snmp_vsgroup`,
//! `check_snmp_vsgroupmember`, `check_snmp_virtualserver`,
//! `check_snmp_realserver`, `check_snmp_lvs_sync_daemon`,
//! `check_snmp_lvs_timeouts`).
//!
//! Rows and indexes are keepalived's: groups and virtual servers numbered
//! from 1 in configuration order (virtual servers dropped by the mapping
//! have no row); a group's members indexed (group, n) with its fwmark
//! entries first, then its address entries; real servers indexed (virtual
//! server, n) with the sorry server first when there is one. The IPVS
//! counter and rate columns of those rows come from [`super::stats`].
//! Scripts show as keepalived shows them (keepalived_runtime's
//! [`script_text`](keepalived_runtime::script_text)).

use std::collections::HashSet;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use agentx_subagent::table::{Table, inet_address, inet_address_type, text, truth};
use agentx_subagent::{Oid, Value};
use ipvs_sys::{
    AddressFamily, ForwardMethod, Protocol, ServiceFlags, ServiceKey, Timeouts, TunnelFlags,
    TunnelType,
};
use keepalived_conf as kc;
use keepalived_runtime::script_text::argv_text;

use crate::model::{Command, RsTimers, VsWritten};
use crate::pool::Pool;

/// `KEEPALIVED-MIB::check`.
pub const CHECK_ROOT: [u32; 10] = [1, 3, 6, 1, 4, 1, 9586, 100, 5, 3];

/// `virtualServerGroupEntry`.
const GROUP: [u32; 2] = [1, 1];
/// `virtualServerGroupMemberEntry`.
const MEMBER: [u32; 2] = [2, 1];
/// `virtualServerEntry`.
const VS: [u32; 2] = [3, 1];
/// `realServerEntry`.
const RS: [u32; 2] = [4, 1];
/// `realServerWeight`, the one writable column.
pub const RS_WEIGHT_COLUMN: u32 = 7;

/// What the subtree is computed from.
pub struct CheckInput<'a> {
    /// Every `virtual_server_group` of the configuration, in order.
    pub groups: &'a Arc<Vec<kc::VirtualServerGroup>>,
    /// The virtual servers lvsd runs, in configuration order.
    pub pools: &'a [Pool],
    /// Whether the kernel holds an IPVS service (as far as lvsd knows).
    pub in_kernel: &'a dyn Fn(&ServiceKey) -> bool,
    /// `lvs_timeouts`.
    pub timeouts: Option<Timeouts>,
    /// `lvs_sync_daemon`.
    pub sync_daemon: Option<&'a kc::LvsSyncDaemon>,
}

impl std::fmt::Debug for CheckInput<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CheckInput")
            .field("groups", &self.groups.len())
            .field("pools", &self.pools.len())
            .finish_non_exhaustive()
    }
}

/// What the subtree needs, owned, so that it can be built away from the
/// event loop: taken on the loop when the master asks, then read on the
/// AgentX link's blocking thread. Cheap to take: the pools share their
/// configuration ([`Pool::vs`]) and the groups are shared, so it copies
/// the run-time state (verdicts, quorum) and which services the kernel
/// holds.
#[derive(Debug, Clone, Default)]
pub struct CheckSnapshot {
    /// Every `virtual_server_group`.
    pub groups: Arc<Vec<kc::VirtualServerGroup>>,
    /// The pools as they were.
    pub pools: Vec<Pool>,
    /// The pools' services the kernel held.
    pub in_kernel: HashSet<ServiceKey>,
    /// `lvs_timeouts`.
    pub timeouts: Option<Timeouts>,
    /// `lvs_sync_daemon`.
    pub sync_daemon: Option<kc::LvsSyncDaemon>,
}

impl CheckSnapshot {
    /// A snapshot of `input`.
    pub fn of(input: &CheckInput<'_>) -> CheckSnapshot {
        let in_kernel = input
            .pools
            .iter()
            .flat_map(|p| &p.vs.services)
            .map(|s| s.key)
            .filter(|k| (input.in_kernel)(k))
            .collect();
        CheckSnapshot {
            groups: Arc::clone(input.groups),
            pools: input.pools.to_vec(),
            in_kernel,
            timeouts: input.timeouts,
            sync_daemon: input.sync_daemon.cloned(),
        }
    }

    /// Calls `f` with the snapshot as a [`CheckInput`].
    pub fn with_input<R>(&self, f: impl FnOnce(&CheckInput<'_>) -> R) -> R {
        let in_kernel = |k: &ServiceKey| self.in_kernel.contains(k);
        f(&CheckInput {
            groups: &self.groups,
            pools: &self.pools,
            in_kernel: &in_kernel,
            timeouts: self.timeouts,
            sync_daemon: self.sync_daemon.as_ref(),
        })
    }
}

fn column(entry: [u32; 2], c: u32) -> Oid {
    Oid::from(CHECK_ROOT).child(&[entry[0], entry[1], c])
}

fn index(n: usize) -> u32 {
    u32::try_from(n + 1).unwrap_or(u32::MAX)
}

/// The `check` subtree into `t`.
pub fn add(t: &mut Table, input: &CheckInput<'_>) {
    let root = Oid::from(CHECK_ROOT);
    t.declare_columns(&root.child(&GROUP), 2..=2);
    t.declare_columns(&root.child(&MEMBER), 2..=8);
    t.declare_columns(&root.child(&VS), 2..=71);
    t.declare_columns(&root.child(&RS), 2..=55);
    add_groups(t, input.groups);
    for (n, p) in input.pools.iter().enumerate() {
        add_virtual_server(t, index(n), p, input.in_kernel);
        add_real_servers(t, index(n), p);
    }
    add_scalars(t, input);
}

/// virtualServerGroupTable and virtualServerGroupMemberTable.
fn add_groups(t: &mut Table, groups: &[kc::VirtualServerGroup]) {
    for (g, group) in groups.iter().enumerate() {
        let g = index(g);
        t.insert(&column(GROUP, 2), &[g], text(&group.name.value));
        // check_snmp_vsgroupmember: the fwmark list, then the address list
        let fwmarks = group
            .entries
            .iter()
            .filter(|e| matches!(e.kind, kc::VsgEntryKind::Fwmark { .. }));
        let ranges = group
            .entries
            .iter()
            .filter(|e| matches!(e.kind, kc::VsgEntryKind::Range { .. }));
        for (m, e) in fwmarks.chain(ranges).enumerate() {
            let i = [g, index(m)];
            let col = |c| column(MEMBER, c);
            match &e.kind {
                kc::VsgEntryKind::Fwmark { mark, .. } => {
                    t.insert(&col(2), &i, Value::Integer(1));
                    t.insert(&col(3), &i, Value::Gauge32(*mark));
                }
                kc::VsgEntryKind::Range { first, last, port } => {
                    let range = first != last;
                    t.insert(&col(2), &i, Value::Integer(if range { 3 } else { 2 }));
                    t.insert(&col(4), &i, inet_address_type(first));
                    if range {
                        t.insert(&col(6), &i, inet_address(first));
                        t.insert(&col(7), &i, inet_address(last));
                    } else {
                        t.insert(&col(5), &i, inet_address(first));
                    }
                    t.insert(&col(8), &i, Value::Gauge32(u32::from(port.unwrap_or(0))));
                }
            }
        }
    }
}

/// loadBalancingKind: nat(1), dr(2), tun(3); nothing for other methods.
fn kind(m: ForwardMethod) -> Option<Value> {
    match m {
        ForwardMethod::Masq => Some(Value::Integer(1)),
        ForwardMethod::Route => Some(Value::Integer(2)),
        ForwardMethod::Tunnel => Some(Value::Integer(3)),
        ForwardMethod::Local | ForwardMethod::Other(_) => None,
    }
}

/// virtualServerLoadBalancingAlgo of a scheduler name.
fn algo(sched: &str) -> i32 {
    const NAMES: [&str; 14] = [
        "rr", "wrr", "lc", "wlc", "lblc", "lblcr", "dh", "sh", "sed", "nq", "fo", "ovf", "mh",
        "twos",
    ];
    NAMES
        .iter()
        .position(|n| *n == sched)
        .and_then(|p| i32::try_from(p + 1).ok())
        .unwrap_or(99)
}

/// virtualServerProtocol: tcp(1), udp(2), sctp(3), other(4).
fn protocol(p: Protocol) -> i32 {
    match p {
        Protocol::Tcp => 1,
        Protocol::Udp => 2,
        Protocol::Sctp => 3,
        Protocol::Other(_) => 4,
    }
}

fn family_type(af: AddressFamily) -> Value {
    Value::Integer(match af {
        AddressFamily::Inet => 1,
        AddressFamily::Inet6 => 2,
    })
}

/// One virtualServerTable row.
fn add_virtual_server(t: &mut Table, n: u32, p: &Pool, in_kernel: &dyn Fn(&ServiceKey) -> bool) {
    let vs = &p.vs;
    let i = [n];
    let col = |c| column(VS, c);
    let Some(first) = vs.services.first() else {
        return;
    };
    let fwmark = match (&vs.group, first.key) {
        (None, ServiceKey::Fwmark { mark, .. }) => Some(mark),
        _ => None,
    };
    let vs_type = if vs.group.is_some() {
        3
    } else if fwmark.is_some() {
        1
    } else {
        2
    };
    t.insert(&col(2), &i, Value::Integer(vs_type));
    if let Some(g) = &vs.group {
        t.insert(&col(3), &i, text(g));
    }
    if let Some(mark) = fwmark {
        t.insert(&col(4), &i, Value::Gauge32(mark));
    }
    t.insert(&col(5), &i, family_type(first.key.af()));
    if let (None, ServiceKey::Inet { addr, port, .. }) = (&vs.group, first.key) {
        t.insert(&col(6), &i, inet_address(&addr));
        t.insert(&col(7), &i, Value::Gauge32(u32::from(port)));
    }
    if fwmark.is_none() {
        let proto = vs
            .services
            .iter()
            .find_map(|s| match s.key {
                ServiceKey::Inet { protocol, .. } => Some(protocol),
                ServiceKey::Fwmark { .. } => None,
            })
            // a group of fwmarks only: no protocol (check_data.c
            // `validate_check_config` sets one for addresses only)
            .unwrap_or(Protocol::Other(0));
        t.insert(&col(8), &i, Value::Integer(protocol(proto)));
    }
    t.insert(&col(9), &i, Value::Integer(algo(&first.scheduler)));
    if let Some(k) = kind(vs.method) {
        t.insert(&col(10), &i, k);
    }
    if let Some(h) = &vs.virtualhost {
        t.insert(&col(12), &i, text(h));
    }
    let alive = vs.services.iter().all(|s| in_kernel(&s.key));
    t.insert(&col(11), &i, truth(alive));
    let persistent = first.flags.contains(ServiceFlags::PERSISTENT);
    t.insert(&col(13), &i, truth(persistent));
    if persistent {
        t.insert(&col(14), &i, Value::Gauge32(first.timeout));
    }
    // check_snmp.c `check_snmp_virtualserver`: delay_loop in seconds and
    // microseconds, the retry settings 0 when unset, actionWhenDown the
    // negation of inhibit_on_failure
    let w = &vs.written;
    let secs = |d: Duration| Value::Gauge32(u32::try_from(d.as_secs()).unwrap_or(u32::MAX));
    let usecs = |d: Duration| Value::Gauge32(u32::try_from(d.as_micros()).unwrap_or(u32::MAX));
    // persistence granularity: the bytes of keepalived's number for a
    // service not IPv6, the number for one not IPv4; a group's or fwmark's
    // address family is unset in keepalived, so it shows both
    let unspec = vs.group.is_some() || fwmark.is_some();
    let v6 = matches!(first.key.af(), AddressFamily::Inet6);
    if unspec || !v6 {
        let bytes = w.granularity.to_ne_bytes().to_vec();
        t.insert(&col(15), &i, Value::OctetString(bytes));
    }
    if unspec || v6 {
        t.insert(&col(51), &i, Value::Gauge32(w.granularity));
    }
    t.insert(&col(16), &i, secs(w.delay_loop));
    t.insert(&col(17), &i, truth(vs.ha_suspend.is_some()));
    t.insert(&col(18), &i, truth(w.alpha));
    t.insert(&col(19), &i, truth(vs.omega));
    let total = u32::try_from(p.rs.len()).unwrap_or(u32::MAX);
    let up = u32::try_from(p.rs.iter().filter(|r| r.alive).count()).unwrap_or(u32::MAX);
    t.insert(&col(20), &i, Value::Gauge32(total));
    t.insert(&col(21), &i, Value::Gauge32(up));
    let gauge = |v: u64| Value::Gauge32(u32::try_from(v).unwrap_or(u32::MAX));
    t.insert(&col(22), &i, gauge(vs.quorum));
    t.insert(&col(23), &i, truth(p.quorum_up));
    // check_snmp.c `check_snmp_virtualserver`: quorum_up (24) and
    // quorum_down (25), each only when written
    script_column(t, &col(24), &i, vs.quorum_up.as_ref());
    script_column(t, &col(25), &i, vs.quorum_down.as_ref());
    t.insert(&col(26), &i, gauge(vs.hysteresis));
    // the scheduler flags as configured; sh and mh share SCHED1 (fallback)
    // and SCHED2 (port)
    let flag = |f| truth(first.flags.contains(f));
    t.insert(&col(37), &i, flag(ServiceFlags::ONEPACKET));
    t.insert(&col(52), &i, flag(ServiceFlags::HASHED));
    t.insert(&col(53), &i, flag(ServiceFlags::SCHED1));
    t.insert(&col(54), &i, flag(ServiceFlags::SCHED2));
    t.insert(&col(55), &i, flag(ServiceFlags::SCHED3));
    t.insert(&col(56), &i, truth(!w.inhibit));
    t.insert(&col(57), &i, Value::Gauge32(w.retry.unwrap_or(0)));
    let zero = Duration::ZERO;
    t.insert(&col(58), &i, secs(w.delay_before_retry.unwrap_or(zero)));
    t.insert(&col(59), &i, secs(w.warmup.unwrap_or(zero)));
    t.insert(
        &col(60),
        &i,
        Value::Integer(i32::try_from(w.weight).unwrap_or(i32::MAX)),
    );
    t.insert(&col(61), &i, truth(vs.smtp_alert));
    t.insert(&col(62), &i, flag(ServiceFlags::SCHED1));
    t.insert(&col(63), &i, flag(ServiceFlags::SCHED2));
    t.insert(&col(64), &i, usecs(w.delay_loop));
    t.insert(&col(65), &i, usecs(w.delay_before_retry.unwrap_or(zero)));
    t.insert(&col(66), &i, usecs(w.warmup.unwrap_or(zero)));
    t.insert(&col(67), &i, usecs(w.connect_timeout));
    add_tunnel(t, &i, (VS, 68), vs.method, w.tunnel);
    if let Some(n) = &vs.snmp_name {
        t.insert(&col(71), &i, text(n));
    }
}

/// A script column: the command as keepalived shows it (notify.c
/// `cmd_str_r`), nothing when no script is written.
fn script_column(t: &mut Table, col: &Oid, i: &[u32], script: Option<&Command>) {
    if let Some(c) = script {
        t.insert(col, i, text(&argv_text(&c.argv)));
    }
}

/// The three tunnel columns of `entry` from `first` (type, port, checksum) of a
/// tunnelling virtual or real server (check_snmp.c
/// `check_snmp_virtualserver`, `check_snmp_realserver`): type ipip(1),
/// gue(2), gre(3), else 0; the port for GUE only; the checksum, not for
/// IPIP, nocsum(1), csum(2), remcsum(3), else 0.
fn add_tunnel(
    t: &mut Table,
    i: &[u32],
    (entry, first): ([u32; 2], u32),
    fwd: ForwardMethod,
    (kind, port, flags): (TunnelType, u16, TunnelFlags),
) {
    if fwd != ForwardMethod::Tunnel {
        return;
    }
    let col = |n: u32| column(entry, first + n);
    let k = match kind {
        TunnelType::Ipip => 1,
        TunnelType::Gue => 2,
        TunnelType::Gre => 3,
        TunnelType::Other(_) => 0,
    };
    t.insert(&col(0), i, Value::Integer(k));
    if kind == TunnelType::Gue {
        t.insert(&col(1), i, Value::Gauge32(u32::from(port)));
    }
    if kind != TunnelType::Ipip {
        let csum = if flags.is_empty() {
            1
        } else if flags == TunnelFlags::CSUM {
            2
        } else if flags == TunnelFlags::REMCSUM {
            3
        } else {
            0
        };
        t.insert(&col(2), i, Value::Integer(csum));
    }
}

/// realServerTable rows of one virtual server: the sorry server first.
fn add_real_servers(t: &mut Table, vs: u32, p: &Pool) {
    let col = |c| column(RS, c);
    let mut n = 0u32;
    let addr_cols = |t: &mut Table, i: &[u32], addr: &IpAddr, port: u16| {
        t.insert(&col(3), i, inet_address_type(addr));
        t.insert(&col(4), i, inet_address(addr));
        t.insert(&col(5), i, Value::Gauge32(u32::from(port)));
    };
    if let Some(s) = &p.vs.sorry_server {
        n += 1;
        let i = [vs, n];
        t.insert(&col(2), &i, truth(false));
        addr_cols(t, &i, &s.dest.addr, s.dest.port);
        if let Some(k) = kind(s.dest.fwd) {
            t.insert(&col(40), &i, k);
        }
        // check_data.c `alloc_ssvr` leaves the sorry server's settings
        // zero: smtpAlert and alpha false, the timers 0
        t.insert(&col(47), &i, truth(false));
        add_rs_timers(t, &i, &SORRY_TIMERS);
        let d = &s.dest;
        add_tunnel(
            t,
            &i,
            (RS, 52),
            d.fwd,
            (d.tun_type, d.tun_port, d.tun_flags),
        );
    }
    for (r, (cfg, rt)) in p.vs.real_servers.iter().zip(&p.rs).enumerate() {
        n += 1;
        let i = [vs, n];
        t.insert(&col(2), &i, truth(true));
        addr_cols(t, &i, &cfg.key.addr, cfg.key.port);
        t.insert(&col(6), &i, truth(rt.alive));
        let w = i32::try_from(p.weight(r)).unwrap_or(i32::MAX);
        t.insert(&col(RS_WEIGHT_COLUMN), &i, Value::Integer(w));
        if cfg.dest.upper_threshold != 0 {
            t.insert(&col(8), &i, Value::Gauge32(cfg.dest.upper_threshold));
        }
        if cfg.dest.lower_threshold != 0 {
            t.insert(&col(9), &i, Value::Gauge32(cfg.dest.lower_threshold));
        }
        t.insert(&col(10), &i, truth(!cfg.inhibit_on_failure));
        // check_snmp.c `check_snmp_realserver`: notify_up (11) and
        // notify_down (12), each only when written (never for a sorry server)
        script_column(t, &col(11), &i, cfg.notify_up.as_deref());
        script_column(t, &col(12), &i, cfg.notify_down.as_deref());
        let failed = rt.verdicts.iter().filter(|v| !v.up).count();
        t.insert(
            &col(13),
            &i,
            Value::Gauge32(u32::try_from(failed).unwrap_or(u32::MAX)),
        );
        if let Some(k) = kind(cfg.dest.fwd) {
            t.insert(&col(40), &i, k);
        }
        // check_data.c `alloc_rs` leaves it unset (-1) unless written, and
        // SNMP_TruthValue(-1) is true
        t.insert(&col(47), &i, truth(cfg.smtp_alert_written.unwrap_or(true)));
        let w = RsTimers::resolve(cfg.own_timers.as_deref(), &p.vs.written);
        add_rs_timers(t, &i, &w);
        if let Some(h) = &cfg.virtualhost {
            t.insert(&col(41), &i, text(h));
        }
        if let Some(n) = &cfg.snmp_name {
            t.insert(&col(55), &i, text(n));
        }
        let d = &cfg.dest;
        add_tunnel(
            t,
            &i,
            (RS, 52),
            d.fwd,
            (d.tun_type, d.tun_port, d.tun_flags),
        );
    }
}

/// What a sorry server's timer columns show: keepalived's zeroed settings.
const SORRY_TIMERS: VsWritten = VsWritten {
    delay_loop: Duration::ZERO,
    connect_timeout: Duration::ZERO,
    retry: None,
    delay_before_retry: None,
    warmup: None,
    alpha: false,
    inhibit: false,
    weight: 1,
    granularity: 0,
    tunnel: (TunnelType::Ipip, 0, TunnelFlags::empty()),
};

/// A real server's timer columns (check_snmp.c `check_snmp_realserver`)
/// from `w`, the settings keepalived holds for it (for a real server its
/// own, else the virtual server's: check_data.c `validate_check_config`):
/// alpha (42), retry (43, 0 unset), delay_before_retry, warmup and
/// delay_loop in seconds (44-46, truncated, 0 unset) and in microseconds
/// (48-50), connect_timeout in microseconds (51).
fn add_rs_timers(t: &mut Table, i: &[u32], w: &VsWritten) {
    let col = |c| column(RS, c);
    let secs = |d: Duration| Value::Gauge32(u32::try_from(d.as_secs()).unwrap_or(u32::MAX));
    let usecs = |d: Duration| Value::Gauge32(u32::try_from(d.as_micros()).unwrap_or(u32::MAX));
    let zero = Duration::ZERO;
    t.insert(&col(42), i, truth(w.alpha));
    t.insert(&col(43), i, Value::Gauge32(w.retry.unwrap_or(0)));
    t.insert(&col(44), i, secs(w.delay_before_retry.unwrap_or(zero)));
    t.insert(&col(45), i, secs(w.warmup.unwrap_or(zero)));
    t.insert(&col(46), i, secs(w.delay_loop));
    t.insert(&col(48), i, usecs(w.delay_before_retry.unwrap_or(zero)));
    t.insert(&col(49), i, usecs(w.warmup.unwrap_or(zero)));
    t.insert(&col(50), i, usecs(w.delay_loop));
    t.insert(&col(51), i, usecs(w.connect_timeout));
}

/// The LVS sync daemon and timeout scalars.
fn add_scalars(t: &mut Table, input: &CheckInput<'_>) {
    let root = Oid::from(CHECK_ROOT);
    let scalar = |group: u32, n: u32| root.child(&[group, n]);
    for n in 1..=9 {
        t.declare(&scalar(6, n));
    }
    for n in 1..=3 {
        t.declare(&scalar(7, n));
    }
    // check_snmp_lvs_sync_daemon: enabled is always there
    t.insert(&scalar(6, 1), &[0], truth(input.sync_daemon.is_some()));
    if let Some(s) = input.sync_daemon {
        for (n, v) in sync_daemon_scalars(s) {
            t.insert(&scalar(6, n), &[0], v);
        }
    }
    // check_snmp_lvs_timeouts: only the timeouts set
    if let Some(to) = input.timeouts {
        for (n, v) in [(1, to.tcp), (2, to.tcp_fin), (3, to.udp)] {
            if v != 0 {
                t.insert(
                    &scalar(7, n),
                    &[0],
                    Value::Integer(i32::try_from(v).unwrap_or(i32::MAX)),
                );
            }
        }
    }
}

/// The sync daemon scalars after `enabled` (check_snmp.c
/// `check_snmp_lvs_sync_daemon`), each with its number under
/// `lvsSyncDaemon`: interface (2); the VRRP instance (3) when written; the
/// sync id (4); maxlen (5), port (6) and TTL (7), 0 when not written; the
/// multicast group's address type (8) and address (9) when written.
///
/// The sync id: as written; else 0 when the checker runs the daemon itself
/// (no instance: check_daemon.c `start_check` sets 0), else keepalived's
/// unset marker (all bits set, an INTEGER of -1), the VRRP process
/// choosing the instance's VRID without telling the checker.
fn sync_daemon_scalars(s: &kc::LvsSyncDaemon) -> Vec<(u32, Value)> {
    let mut out = vec![(2, text(&s.interface))];
    if let Some(vi) = &s.instance {
        out.push((3, text(vi)));
    }
    let id = match (s.id, &s.instance) {
        (Some(id), _) => i32::from(id),
        (None, None) => 0,
        (None, Some(_)) => -1,
    };
    out.push((4, Value::Integer(id)));
    out.push((5, Value::Integer(i32::from(s.maxlen.unwrap_or(0)))));
    out.push((6, Value::Integer(i32::from(s.port.unwrap_or(0)))));
    out.push((7, Value::Integer(i32::from(s.ttl.unwrap_or(0)))));
    if let Some(g) = &s.group {
        out.push((8, inet_address_type(g)));
        out.push((9, inet_address(g)));
    }
    out
}

/// Where a `realServerWeight` instance points: the virtual server's position
/// and the real server's in its `real_server` list (both from 0); `None`
/// for a sorry server or a row that does not exist (check_snmp.c
/// `check_snmp_realserver_weight`: RESERVE2 answers noSuchName there).
pub fn weight_target(pools: &[Pool], oid: &Oid) -> Option<(usize, usize)> {
    let col = column(RS, RS_WEIGHT_COLUMN);
    if !oid.starts_with(&col) {
        return None;
    }
    let idx = oid.0.get(col.0.len()..)?;
    let [vs, rs] = idx else { return None };
    let vs = usize::try_from(vs.checked_sub(1)?).ok()?;
    let mut rs = usize::try_from(rs.checked_sub(1)?).ok()?;
    let pool = pools.get(vs)?;
    if pool.vs.sorry_server.is_some() {
        rs = rs.checked_sub(1)?;
    }
    (rs < pool.rs.len()).then_some((vs, rs))
}
