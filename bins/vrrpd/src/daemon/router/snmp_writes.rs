//! SNMP writes to an instance (KEEPALIVED-MIB vrrpInstanceBasePriority,
//! vrrpInstancePreempt), applied as keepalived's commit phase applies them
//! (vrrp_snmp.c `vrrp_snmp_instance_priority`,
//! `vrrp_snmp_instance_preempt`): the instance keeps its state and acts on
//! the new value from now on.

use tracing::{info, warn};

use super::Router;
use crate::daemon::host::Host;
use crate::daemon::snmp::InstanceWrite;

impl Router {
    /// Applies `write` to instance `name` (when it still runs), with
    /// keepalived's log line.
    pub async fn snmp_write(&mut self, name: &str, write: InstanceWrite) {
        let found = self
            .node
            .ids()
            .find(|&id| self.node.instance(id).is_some_and(|i| i.name() == name));
        let Some((id, inst)) = found.and_then(|id| Some((id, self.node.instance(id)?))) else {
            return;
        };
        match write {
            InstanceWrite::BasePriority(p) => info!(
                "({name}) base priority changed from {} to {p} via SNMP.",
                inst.config().priority
            ),
            InstanceWrite::Preempt(true) => info!("({name}) preemption enabled with SNMP"),
            InstanceWrite::Preempt(false) => info!("({name}) preemption disabled with SNMP"),
        }
        let now = self.host.now();
        let edited = self.node.edit_instance(now, id, |c| match write {
            InstanceWrite::BasePriority(p) => c.priority = p,
            InstanceWrite::Preempt(on) => c.nopreempt = !on,
        });
        if let Err(e) = edited {
            warn!("({name}) SNMP write not applied: {e}");
        }
        self.flush().await;
    }
}
