//! `lvs_sync_daemon`: the IPVS sync daemon following an instance's state.

use tracing::warn;
use vrrp_core::{Instance, State};

use crate::daemon::host::Host;
use crate::daemon::lvs_sync::{LvsSync, SyncSpec, SyncWorker};

use super::Router;

/// The IPVS sync daemon following an instance.
#[derive(Default)]
pub(super) struct LvsFollow {
    /// `lvs_sync_daemon` following an instance.
    pub(super) sync: Option<LvsSync>,
    /// The thread running the IPVS sync-daemon calls (made on first use).
    pub(super) worker: Option<SyncWorker>,
}

impl LvsFollow {
    /// Daemon exit: the sync daemon stops, and its last IPVS calls reach
    /// the kernel (bounded: a hung netlink call does not keep us from
    /// exiting).
    pub(super) async fn stop(&mut self) {
        if let Some(l) = self.sync.take() {
            l.end();
        }
        if let Some(w) = &self.worker
            && tokio::time::timeout(std::time::Duration::from_secs(5), w.flush())
                .await
                .is_err()
        {
            warn!("lvs_sync_daemon: IPVS calls still pending at exit");
        }
    }
}

impl<H: Host> Router<H> {
    /// Follows `spec` (none: stops following); unchanged, nothing happens.
    pub(super) fn set_lvs_sync(&mut self, spec: Option<SyncSpec>) {
        if self.lvs.sync.as_ref().map(LvsSync::spec) == spec.as_ref() {
            return;
        }
        if let Some(old) = self.lvs.sync.take() {
            old.end();
        }
        let Some(spec) = spec else { return };
        let current = self
            .node
            .instances()
            .iter()
            .find(|i| i.name() == spec.instance)
            .map_or(State::Initialize, Instance::state);
        if self.lvs.worker.is_none() {
            match SyncWorker::spawn(ipvs_sys::IpvsClient::new) {
                Ok(w) => self.lvs.worker = Some(w),
                Err(e) => {
                    warn!("lvs_sync_daemon: cannot start the IPVS thread: {e}");
                    return;
                }
            }
        }
        if let Some(w) = &self.lvs.worker {
            self.lvs.sync = Some(LvsSync::begin(spec, w.clone(), current));
        }
    }
}
