//! The IPVS counter and rate columns of KEEPALIVED-MIB's virtualServerTable
//! (.27–.36, .38–.50) and realServerTable (.14–.39), read from the kernel
//! only when the master asks for the table (check_snmp.c
//! `check_snmp_virtualserver` and `check_snmp_realserver` call
//! ipvswrapper.c `ipvs_update_stats` from the handler).
//!
//! As `ipvs_update_stats` does, a virtual server's figures are the sums over
//! every kernel service it put in (each address and fwmark of a group), and
//! a real server's (or the sorry server's) the sums over the destinations
//! of those services with its address and, when it has one, its port
//! (ipvswrapper.c `vsd_equal`). A service the kernel does not hold adds
//! nothing. keepalived's `*Low` rate columns hand the net-snmp agent the
//! wrong buffer and so can show a stale value under traffic; lvsd shows the
//! low 32 bits it means.
//!
//! The read itself runs away from the event loop (the agent's table
//! builder): [`plan`] copies what it needs from the pools on the loop, and
//! [`read`] and [`add`] then run on a blocking thread, so a slow kernel
//! never holds up the health checks.

use std::net::IpAddr;
use std::sync::{Arc, Mutex};

use agentx_subagent::table::Table;
use agentx_subagent::{Oid, Value};
use ipvs_sys::{Destination, IpvsOps, Service, Stats};

use super::check::CHECK_ROOT;
use crate::pool::Pool;

/// The figures of one real or sorry server.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DestStats {
    /// Active connections.
    pub active: u64,
    /// Inactive connections.
    pub inactive: u64,
    /// Persistent connections.
    pub persistent: u64,
    /// Counters and rates.
    pub stats: Stats,
}

/// The figures of one virtual server and its servers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PoolStats {
    /// The virtual server's.
    pub vs: Stats,
    /// The sorry server's (zero when there is none).
    pub sorry: DestStats,
    /// Each real server's, in `real_server` order.
    pub rs: Vec<DestStats>,
}

/// What reads one service and its destinations from the kernel (`None`:
/// absent or unreadable).
pub type ReadService<'a> = dyn FnMut(&Service) -> Option<(Service, Vec<Destination>)> + 'a;

/// What the counters of one virtual server are read and placed from: a
/// copy of its pool's parts, owned so that the read can leave the loop.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PoolPlan {
    /// The kernel services it put in (none: it has no row).
    pub services: Vec<Service>,
    /// The sorry server's address and port, when there is one.
    pub sorry: Option<(IpAddr, u16)>,
    /// Each real server's address and port, in `real_server` order.
    pub real: Vec<(IpAddr, u16)>,
}

/// A handle of its own on the kernel's IPVS table, which the thread
/// building the agent's table reads the counters through (one read at a
/// time: the agent builds one table at a time). Without a handle every
/// counter shows 0, as for services the kernel lacks.
#[derive(Clone, Default)]
pub struct CounterReader(Arc<Mutex<Option<Box<dyn IpvsOps + Send>>>>);

impl std::fmt::Debug for CounterReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let open = self.0.lock().is_ok_and(|h| h.is_some());
        f.debug_struct("CounterReader")
            .field("open", &open)
            .finish()
    }
}

impl CounterReader {
    /// A reader through `handle`.
    pub fn new(handle: Option<Box<dyn IpvsOps + Send>>) -> CounterReader {
        CounterReader(Arc::new(Mutex::new(handle)))
    }

    /// The figures of `plans` from the kernel now (blocking: call it away
    /// from the event loop).
    pub fn read(&self, plans: &[PoolPlan]) -> Vec<PoolStats> {
        // a thread that panicked while reading leaves no counters, not a
        // second panic
        let mut guard = self.0.lock().ok();
        let Some(h) = guard.as_mut().and_then(|g| g.as_mut()) else {
            return read(plans, &mut |_| None);
        };
        read(plans, &mut |s| {
            let svc = match h.service(s) {
                Ok(Some(svc)) => svc,
                Ok(None) => return None,
                Err(e) => {
                    tracing::debug!("SNMP: reading IPVS counters: {e}");
                    return None;
                }
            };
            match h.destinations(&svc) {
                Ok(d) => Some((svc, d)),
                Err(e) => {
                    tracing::debug!("SNMP: reading IPVS counters: {e}");
                    None
                }
            }
        })
    }
}

/// The plans of `pools`, in order.
pub fn plan(pools: &[Pool]) -> Vec<PoolPlan> {
    pools
        .iter()
        .map(|p| PoolPlan {
            services: p.vs.services.clone(),
            sorry: p
                .vs
                .sorry_server
                .as_ref()
                .map(|s| (s.dest.addr, s.dest.port)),
            real: p
                .vs
                .real_servers
                .iter()
                .map(|r| (r.key.addr, r.key.port))
                .collect(),
        })
        .collect()
}

fn add_stats(to: &mut Stats, s: &Stats) {
    to.conns = to.conns.wrapping_add(s.conns);
    to.inpkts = to.inpkts.wrapping_add(s.inpkts);
    to.outpkts = to.outpkts.wrapping_add(s.outpkts);
    to.inbytes = to.inbytes.wrapping_add(s.inbytes);
    to.outbytes = to.outbytes.wrapping_add(s.outbytes);
    to.cps = to.cps.wrapping_add(s.cps);
    to.inpps = to.inpps.wrapping_add(s.inpps);
    to.outpps = to.outpps.wrapping_add(s.outpps);
    to.inbps = to.inbps.wrapping_add(s.inbps);
    to.outbps = to.outbps.wrapping_add(s.outbps);
}

fn add_dest(to: &mut DestStats, d: &Destination) {
    to.active = to.active.wrapping_add(u64::from(d.active_conns));
    to.inactive = to.inactive.wrapping_add(u64::from(d.inactive_conns));
    to.persistent = to.persistent.wrapping_add(u64::from(d.persist_conns));
    add_stats(&mut to.stats, &d.stats);
}

/// ipvswrapper.c `vsd_equal`: same address, and the same port unless the
/// server has none.
fn matches(addr: &IpAddr, port: u16, d: &Destination) -> bool {
    *addr == d.addr && (port == 0 || port == d.port)
}

/// The figures of every pool, each service read once through `read`.
pub fn read(plans: &[PoolPlan], read: &mut ReadService<'_>) -> Vec<PoolStats> {
    plans
        .iter()
        .map(|p| {
            let mut out = PoolStats {
                rs: vec![DestStats::default(); p.real.len()],
                ..PoolStats::default()
            };
            for s in &p.services {
                let Some((svc, dests)) = read(s) else {
                    continue;
                };
                add_stats(&mut out.vs, &svc.stats);
                for d in &dests {
                    // ipvswrapper.c `ipvs_update_vs_stats`: the sorry server
                    // first, else the first real server that matches
                    if let Some((addr, port)) = &p.sorry
                        && matches(addr, *port, d)
                    {
                        add_dest(&mut out.sorry, d);
                    } else if let Some(n) = p.real.iter().position(|(a, pt)| matches(a, *pt, d))
                        && let Some(to) = out.rs.get_mut(n)
                    {
                        add_dest(to, d);
                    }
                }
            }
            out
        })
        .collect()
}

fn low(v: u64) -> Value {
    Value::Gauge32((v & 0xffff_ffff) as u32)
}

fn high(v: u64) -> Value {
    Value::Gauge32((v >> 32) as u32)
}

/// keepalived's 32-bit columns: the value truncated to 32 bits, as net-snmp
/// takes it from keepalived's `unsigned long`.
fn gauge(v: u64) -> Value {
    low(v)
}

fn counter(v: u64) -> Value {
    Value::Counter32((v & 0xffff_ffff) as u32)
}

/// The counter and rate columns with keepalived's numbers and types
/// (check_snmp.c's variable table: Gauge32 for connections and rates,
/// Counter32 for packets, Counter64 for bytes and the 64-bit counters,
/// Unsigned32 for the rate halves), the first column number given.
fn columns(s: &Stats) -> [(u32, Value); 23] {
    [
        (0, gauge(s.conns)),
        (1, counter(s.inpkts)),
        (2, counter(s.outpkts)),
        (3, Value::Counter64(s.inbytes)),
        (4, Value::Counter64(s.outbytes)),
        (5, gauge(s.cps)),
        (6, gauge(s.inpps)),
        (7, gauge(s.outpps)),
        (8, gauge(s.inbps)),
        (9, gauge(s.outbps)),
        (10, Value::Counter64(s.conns)),
        (11, Value::Counter64(s.inpkts)),
        (12, Value::Counter64(s.outpkts)),
        (13, low(s.cps)),
        (14, high(s.cps)),
        (15, low(s.inpps)),
        (16, high(s.inpps)),
        (17, low(s.outpps)),
        (18, high(s.outpps)),
        (19, low(s.inbps)),
        (20, high(s.inbps)),
        (21, low(s.outbps)),
        (22, high(s.outbps)),
    ]
}

/// The column a virtual server's n-th figure goes to: .27–.36, then .38–.50
/// (.37 is virtualServerOnePacket).
fn vs_column(n: u32) -> u32 {
    if n < 10 { 27 + n } else { 28 + n }
}

/// The column a real server's n-th figure goes to: .14 conns, .15–.17 the
/// connection counts, then .18–.39.
fn rs_column(n: u32) -> u32 {
    if n == 0 { 14 } else { 17 + n }
}

/// The counter and rate columns of every row into `t` (the rows
/// [`super::check::add`] made: virtual servers numbered from 1, real
/// servers after the sorry server).
pub fn add(t: &mut Table, plans: &[PoolPlan], stats: &[PoolStats]) {
    let root = Oid::from(CHECK_ROOT);
    let vs_col = |c| root.child(&[3, 1, c]);
    let rs_col = |c| root.child(&[4, 1, c]);
    for (n, (p, ps)) in plans.iter().zip(stats).enumerate() {
        if p.services.is_empty() {
            continue; // no virtual server row
        }
        let v = u32::try_from(n + 1).unwrap_or(u32::MAX);
        for (k, value) in columns(&ps.vs) {
            t.insert(&vs_col(vs_column(k)), &[v], value);
        }
        let mut row = 0u32;
        let sorry = p.sorry.as_ref().map(|_| &ps.sorry);
        for d in sorry.into_iter().chain(&ps.rs) {
            row += 1;
            let i = [v, row];
            for (k, value) in columns(&d.stats) {
                t.insert(&rs_col(rs_column(k)), &i, value);
            }
            t.insert(&rs_col(15), &i, gauge(d.active));
            t.insert(&rs_col(16), &i, gauge(d.inactive));
            t.insert(&rs_col(17), &i, gauge(d.persistent));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_numbers_skip_one_packet_and_leave_room_for_connection_counts() {
        let vs: Vec<u32> = (0..23).map(vs_column).collect();
        assert_eq!(vs[..10], [27, 28, 29, 30, 31, 32, 33, 34, 35, 36]);
        assert_eq!(vs[10..], (38..=50).collect::<Vec<_>>()[..]);
        let rs: Vec<u32> = (0..23).map(rs_column).collect();
        assert_eq!(rs[0], 14);
        assert_eq!(rs[1..], (18..=39).collect::<Vec<_>>()[..]);
    }

    #[test]
    fn values_take_keepalived_types_and_halves() {
        let s = Stats {
            conns: (1 << 32) + 5,
            inpkts: (2 << 32) + 6,
            outpkts: 7,
            inbytes: 1 << 40,
            outbytes: 9,
            cps: (3 << 32) + 10,
            inpps: 11,
            outpps: 12,
            inbps: (4 << 32) + 13,
            outbps: 14,
        };
        let c = columns(&s);
        let at = |k: u32| c.iter().find(|(n, _)| *n == k).map(|(_, v)| v.clone());
        assert_eq!(at(0), Some(Value::Gauge32(5)));
        assert_eq!(at(1), Some(Value::Counter32(6)));
        assert_eq!(at(2), Some(Value::Counter32(7)));
        assert_eq!(at(3), Some(Value::Counter64(1 << 40)));
        assert_eq!(at(4), Some(Value::Counter64(9)));
        assert_eq!(at(5), Some(Value::Gauge32(10)));
        assert_eq!(at(8), Some(Value::Gauge32(13)));
        assert_eq!(at(10), Some(Value::Counter64((1 << 32) + 5)));
        assert_eq!(at(11), Some(Value::Counter64((2 << 32) + 6)));
        assert_eq!(at(12), Some(Value::Counter64(7)));
        assert_eq!(at(13), Some(Value::Gauge32(10)));
        assert_eq!(at(14), Some(Value::Gauge32(3)));
        assert_eq!(at(15), Some(Value::Gauge32(11)));
        assert_eq!(at(16), Some(Value::Gauge32(0)));
        assert_eq!(at(19), Some(Value::Gauge32(13)));
        assert_eq!(at(20), Some(Value::Gauge32(4)));
        assert_eq!(at(22), Some(Value::Gauge32(0)));
    }
}
