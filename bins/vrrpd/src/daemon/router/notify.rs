//! What a state change tells the world: notify scripts, notify FIFOs,
//! e-mail alerts, the lvs sync daemon and the log.

use tracing::{info, warn};
use vrrp_core::node::InstanceId;
use vrrp_core::{Reason, State};

use crate::daemon::host::Host;
use crate::daemon::snmp::TrapEvent;
use crate::spec::mapping::Mapped;

use super::Router;
use crate::daemon::mail::Mailer;
use crate::spec::mapping::NotifySpec;
use keepalived_runtime::notify_fifo::NotifyFifo;
use std::collections::{BTreeMap, BTreeSet};

/// Where state changes are reported.
#[derive(Default)]
pub(super) struct Notifier {
    /// Open notify FIFOs (`notify_fifo`, `vrrp_notify_fifo`).
    pub(super) fifos: Vec<NotifyFifo>,
    /// Running notify scripts (awaited, briefly, at shutdown).
    pub(super) tasks: Vec<tokio::task::JoinHandle<()>>,
    /// Sync-group notify scripts by group name.
    pub(super) groups: BTreeMap<String, NotifySpec>,
    /// E-mail alerts (`smtp_alert`).
    pub(super) mail: Mailer,
    /// Sync groups with `smtp_alert` on.
    pub(super) group_smtp_alert: BTreeSet<String>,
}

/// One line to every notify FIFO (non-blocking; dropped when full).
pub(super) fn write_fifos(fifos: &mut [keepalived_runtime::notify_fifo::NotifyFifo], line: &str) {
    for f in fifos {
        f.write_line(line);
    }
}

/// Starts a notify script for `kind` ("instance" or "group") `name` without
/// waiting for it (keepalived does not wait); it joins `tasks`, which shutdown
/// lets finish briefly. Failures go to the log.
pub(super) fn spawn_notify(
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

impl Notifier {
    /// Daemon exit: every sync group `names` gets STOP on the FIFOs, then
    /// every group with notify scripts its `notify_stop` (keepalived
    /// `notify_shutdown`).
    pub(super) fn groups_stopped(&mut self, names: &[String]) {
        for g in names {
            write_fifos(
                &mut self.fifos,
                &keepalived_runtime::notify_fifo::group_line(g, State::Stop.as_str()),
            );
        }
        let stops: Vec<(String, crate::spec::mapping::ScriptCmd)> = self
            .groups
            .iter()
            .flat_map(|(g, n)| {
                crate::spec::notify::group_scripts(n, g, State::Stop)
                    .into_iter()
                    .map(move |a| (g.clone(), a))
            })
            .collect();
        for (g, argv) in stops {
            spawn_notify(&mut self.tasks, "group", g, argv);
        }
    }

    /// Daemon exit: running notify scripts (`notify_stop` among them) and
    /// e-mails get a moment to finish; the FIFOs close, their scripts get
    /// SIGTERM, SIGKILL after a grace period, and are reaped.
    pub(super) async fn drain(&mut self) {
        let pending: Vec<_> = self.tasks.drain(..).collect();
        let _ = tokio::time::timeout(std::time::Duration::from_secs(3), async {
            for h in pending {
                let _ = h.await;
            }
        })
        .await;
        self.mail.drain(std::time::Duration::from_secs(2)).await;
        let closing: Vec<_> = self
            .fifos
            .drain(..)
            .map(|f| tokio::spawn(f.close()))
            .collect();
        for h in closing {
            let _ = h.await;
        }
    }
}

impl<H: Host> Router<H> {
    /// What a state change of instance `id` tells the world: notify
    /// scripts and FIFOs, e-mail, the lvs sync daemon, SNMP, the log.
    pub(super) fn report_state_change(
        &mut self,
        id: InstanceId,
        from: State,
        to: State,
        reason: Reason,
    ) {
        let (Some(slot), Some(inst)) = (self.node.data(id), self.node.instance(id)) else {
            return;
        };
        let name = inst.name().to_string();
        let vrid = inst.config().vrid;
        let n = slot.spec.notify.as_deref();
        // A reload's removal is reported as keepalived reports it.
        let removed = crate::daemon::deleted::removed(&self.node, id);
        let notice = crate::daemon::deleted::notice(n, slot.spec.notify_deleted, removed, from, to);
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
                spawn_notify(&mut self.notify.tasks, "instance", name.clone(), cmd);
            }
            // keepalived writes the FIFO line after starting the scripts.
            let line = keepalived_runtime::notify_fifo::instance_line(
                &name,
                word,
                inst.effective_priority(),
            );
            write_fifos(&mut self.notify.fifos, &line);
            self.trap_event(|| {
                Some(TrapEvent::InstanceState {
                    name: name.clone(),
                    state: word,
                })
            });
        }
        self.notify.mail.instance(&name, slot.spec.smtp_alert, to);
        if let Some(l) = &mut self.lvs.sync {
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

    /// A Master of instance `id` heard a lower priority (vrrp.c
    /// `vrrp_state_master_rx`): its `notify_master_rx_lower_pri` script runs
    /// without arguments, and the notify FIFOs get
    /// `INSTANCE "NAME" MASTER_RX_LOWER_PRI PRIORITY` with the effective
    /// priority, whether a script is set or not (vrrp_notify.c
    /// `send_event_notify`).
    pub(super) fn report_master_rx_lower_pri(&mut self, id: InstanceId) {
        let (Some(slot), Some(inst)) = (self.node.data(id), self.node.instance(id)) else {
            return;
        };
        let name = inst.name().to_string();
        let script = slot
            .spec
            .notify
            .as_deref()
            .and_then(|n| n.master_rx_lower_pri.clone());
        if let Some(cmd) = script {
            spawn_notify(&mut self.notify.tasks, "instance", name.clone(), cmd);
        }
        let line = keepalived_runtime::notify_fifo::instance_line(
            &name,
            "MASTER_RX_LOWER_PRI",
            inst.effective_priority(),
        );
        write_fifos(&mut self.notify.fifos, &line);
    }

    /// The effective priority of instance `id` changed: with
    /// `notify_priority_changes` in force the notify FIFOs get
    /// `INSTANCE "NAME" MASTER_PRIORITY PRIORITY` from a Master,
    /// `BACKUP_PRIORITY` otherwise; no script runs (vrrp_track.c
    /// `vrrp_set_effective_priority`, vrrp_notify.c
    /// `send_instance_priority_notifies`); vrrp-core reports changes in
    /// Backup, Master and Fault, as keepalived.
    pub(super) fn report_priority_change(&mut self, id: InstanceId) {
        let (Some(slot), Some(inst)) = (self.node.data(id), self.node.instance(id)) else {
            return;
        };
        // An address owner's priority never changes in keepalived's sense:
        // its demotion to 254 beside another owner is not notified.
        if !slot.spec.notify_priority_changes || inst.config().priority == 255 {
            return;
        }
        let word = if inst.state() == State::Master {
            "MASTER_PRIORITY"
        } else {
            "BACKUP_PRIORITY"
        };
        let line = keepalived_runtime::notify_fifo::instance_line(
            inst.name(),
            word,
            inst.effective_priority(),
        );
        write_fifos(&mut self.notify.fifos, &line);
    }

    /// Instance `id`, about to start, has its trackers' starting values:
    /// when they moved its priority off the configured one, keepalived's
    /// start-up `vrrp_set_effective_priority` (vrrp_track.c
    /// `initialise_vrrp_tracking_priorities`) writes
    /// `INSTANCE "NAME" BACKUP_PRIORITY PRIORITY` before any state line;
    /// so does vrrpd, with `notify_priority_changes` in force.
    pub(super) fn report_initial_priority(&mut self, id: InstanceId) {
        let (Some(slot), Some(inst)) = (self.node.data(id), self.node.instance(id)) else {
            return;
        };
        let configured = inst.config().priority;
        let now = inst.effective_priority();
        if !slot.spec.notify_priority_changes || configured == 255 || now == configured {
            return;
        }
        let line =
            keepalived_runtime::notify_fifo::instance_line(inst.name(), "BACKUP_PRIORITY", now);
        write_fifos(&mut self.notify.fifos, &line);
    }

    /// Runs the group's notify scripts when the group as a whole entered a
    /// new state (keepalived's vrrp_sync.c notifies once per group change).
    pub(super) fn notify_group(&mut self, group: usize, from: Option<State>, to: State) {
        let Some(name) = self
            .node
            .sync_groups()
            .get(group)
            .map(|g| g.name().to_string())
        else {
            return;
        };
        info!(group = %name, from = from.map_or("INIT", State::as_str), to = to.as_str(), "sync group state change");
        let scripts = self.notify.groups.get(&name).map_or(Vec::new(), |n| {
            crate::spec::notify::group_scripts(n, &name, to)
        });
        for cmd in scripts {
            spawn_notify(&mut self.notify.tasks, "group", name.clone(), cmd);
        }
        write_fifos(
            &mut self.notify.fifos,
            &keepalived_runtime::notify_fifo::group_line(&name, to.as_str()),
        );
        self.trap_event(|| {
            Some(TrapEvent::GroupState {
                name: name.clone(),
                state: to.as_str(),
            })
        });
        let mail = self.notify.group_smtp_alert.contains(&name);
        self.notify.mail.group(&name, mail, to);
    }

    /// The e-mail settings of a (re)loaded configuration.
    pub(super) fn set_mail(&mut self, mapped: &Mapped) {
        self.notify.mail.configure(mapped.mail.as_ref());
        self.notify.group_smtp_alert = mapped.group_smtp_alert.clone();
    }

    /// The notify FIFOs state changes are written to.
    pub fn set_notify_fifos(&mut self, fifos: Vec<keepalived_runtime::notify_fifo::NotifyFifo>) {
        self.notify.fifos = fifos;
    }
}
