//! KEEPALIVED-MIB's checker notifications, sent with `enable_traps`
//! (check_snmp.c `check_snmp_rs_trap`, `check_snmp_quorum_trap`):
//!
//! * `realServerStateChange` (check.5.0.1) when a real server goes up or
//!   down: its address type, address, port and status, then its virtual
//!   server's identity, protocol, real servers up and total, and the
//!   router id;
//! * `virtualServerQuorumStateChange` (check.5.0.2) when a virtual server's
//!   quorum is gained or lost (or at shutdown): the virtual server's
//!   identity and protocol, its quorum state (up 1, down 2, stopping 3) and
//!   quorum, its real servers up and total, and the router id.
//!
//! keepalived names the table columns in these VarBinds without an
//! instance index, and gives virtualServerProtocol as a TruthValue of "is
//! TCP"; lvsd does the same.

use agentx_subagent::table::{inet_address, inet_address_type, text, truth};
use agentx_subagent::{Oid, Value, VarBind};
use ipvs_sys::{Protocol, ServiceKey};

use super::check::CHECK_ROOT;
use crate::pool::Pool;

/// `KEEPALIVED-MIB::routerId.0`.
const ROUTER_ID: [u32; 11] = [1, 3, 6, 1, 4, 1, 9586, 100, 5, 1, 2];

/// One notification: its OID and VarBinds, in keepalived's order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notification {
    /// The notification's OID.
    pub trap: Oid,
    /// The objects it carries.
    pub varbinds: Vec<VarBind>,
}

/// What changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// Real server `rs` (its position in the `real_server` list) went up or
    /// down.
    RealServer(usize),
    /// The quorum was gained or lost.
    Quorum,
    /// The quorum is shown as stopping (shutdown).
    QuorumStopping,
}

fn col(table: u32, c: u32) -> Oid {
    Oid::from(CHECK_ROOT).child(&[table, 1, c])
}

/// The notification `change` of `pool` is worth; `router_id` as
/// `global_defs` gives it (default the host name).
pub fn notification(pool: &Pool, change: Change, router_id: &str) -> Option<Notification> {
    let vs = &pool.vs;
    let first = vs.services.first()?;
    let mut vb = Vec::new();
    let mut push = |o: Oid, v: Value| vb.push(VarBind::new(o, v));
    let trap = match change {
        Change::RealServer(_) => 1,
        Change::Quorum | Change::QuorumStopping => 2,
    };
    if let Change::RealServer(r) = change {
        let (cfg, rt) = (vs.real_servers.get(r)?, pool.rs.get(r)?);
        push(col(4, 3), inet_address_type(&cfg.key.addr));
        push(col(4, 4), inet_address(&cfg.key.addr));
        push(col(4, 5), Value::Gauge32(u32::from(cfg.key.port)));
        push(col(4, 6), truth(rt.alive));
    }
    let (vs_type, fwmark) = match (&vs.group, first.key) {
        (Some(_), _) => (3, None),
        (None, ServiceKey::Fwmark { mark, .. }) => (1, Some(mark)),
        (None, ServiceKey::Inet { .. }) => (2, None),
    };
    push(col(3, 2), Value::Integer(vs_type));
    match (&vs.group, fwmark, first.key) {
        (Some(g), _, _) => push(col(3, 3), text(g)),
        (None, Some(mark), _) => push(col(3, 4), Value::Gauge32(mark)),
        (None, None, ServiceKey::Inet { addr, port, .. }) => {
            push(col(3, 5), inet_address_type(&addr));
            push(col(3, 6), inet_address(&addr));
            push(col(3, 7), Value::Gauge32(u32::from(port)));
        }
        (None, None, ServiceKey::Fwmark { .. }) => {}
    }
    let tcp = vs.services.iter().any(|s| {
        matches!(
            s.key,
            ServiceKey::Inet {
                protocol: Protocol::Tcp,
                ..
            }
        )
    });
    // a fwmark service has no protocol unless `protocol` is written, which
    // lvsd does not keep (check_data.c `validate_check_config`)
    push(col(3, 8), truth(tcp));
    let gauge = |v: u64| Value::Gauge32(u32::try_from(v).unwrap_or(u32::MAX));
    if !matches!(change, Change::RealServer(_)) {
        let state = match change {
            Change::QuorumStopping => 3,
            _ if pool.quorum_up => 1,
            _ => 2,
        };
        push(col(3, 23), Value::Integer(state));
        push(col(3, 22), gauge(vs.quorum));
    }
    let up = pool.rs.iter().filter(|r| r.alive).count() as u64;
    push(col(3, 21), gauge(up));
    push(col(3, 20), gauge(pool.rs.len() as u64));
    push(Oid::from(ROUTER_ID).child(&[0]), text(router_id));
    Some(Notification {
        trap: Oid::from(CHECK_ROOT).child(&[5, 0, trap]),
        varbinds: vb,
    })
}
