//! The feed of SNMP notifications: new Masters and rejected adverts.

use tracing::debug;
use vrrp_core::node::InstanceId;

use crate::daemon::host::Host;
use crate::daemon::snmp::{TrapEvent, TrapInstance};

use super::Router;
use tokio::sync::mpsc;

/// The SNMP notification feed.
#[derive(Default)]
pub(super) struct TrapFeed {
    /// Where new Masters and rejected adverts go for the SNMP
    /// notifications.
    pub(super) events: Option<mpsc::Sender<TrapEvent>>,
    /// `enable_traps` with a MIB served: events are worth sending.
    pub(super) on: bool,
}

impl<H: Host> Router<H> {
    /// Sends new Masters and rejected adverts to `tx` (the SNMP
    /// notifications).
    pub fn set_trap_events(&mut self, tx: tokio::sync::mpsc::Sender<TrapEvent>) {
        self.traps.events = Some(tx);
    }

    /// The facts of instance `id` a notification carries.
    pub(super) fn trap_instance(&self, id: InstanceId) -> Option<TrapInstance> {
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
    pub(super) fn trap_event(&self, event: impl FnOnce() -> Option<TrapEvent>) {
        if let Some(tx) = self.traps.events.as_ref().filter(|_| self.traps.on)
            && let Some(ev) = event()
            && tx.try_send(ev).is_err()
        {
            debug!("SNMP notification dropped: the agent lags");
        }
    }
}
