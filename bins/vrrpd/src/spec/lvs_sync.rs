//! `lvs_sync_daemon IFACE VRRP_INSTANCE [id N] [maxlen N] [port N] [ttl N] [group ADDR]`
//! resolved against the mapped instances; the daemon side that starts and stops the
//! kernel's sync daemon is `daemon::lvs_sync`.

use ipvs_sys::{DaemonState, SyncDaemon};

/// The settings of `lvs_sync_daemon`, resolved against the instances.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncSpec {
    /// The VRRP instance whose state decides the role.
    pub instance: String,
    /// The daemon settings (its `state` field is set per command).
    pub daemon: SyncDaemon,
}

/// Resolves `global_defs { lvs_sync_daemon ... }` against the mapped instances: the named
/// instance must exist (else a warning and no sync daemon, as keepalived disables it); the
/// sync id defaults to its VRID. Without an instance name the checker side (lvsd) runs
/// both daemons and there is nothing for vrrpd to do.
pub fn resolve(
    cfg: &keepalived_conf::Config,
    instances: &[super::mapping::InstanceSpec],
    diags: &mut Vec<keepalived_conf::Diagnostic>,
) -> Option<SyncSpec> {
    let sd = cfg.global_defs.lvs_sync_daemon.as_ref()?;
    let v = &sd.value;
    let name = v.instance.as_ref()?;
    let Some(inst) = instances.iter().find(|i| &i.config.name == name) else {
        diags.push(keepalived_conf::Diagnostic::warning(
            "vrrpd-lvs-sync",
            sd.span,
            format!("lvs_sync_daemon: vrrp_instance `{name}` not found; no sync daemon is run"),
        ));
        return None;
    };
    let id = v.id.unwrap_or(inst.config.vrid);
    let mut daemon = SyncDaemon::new(DaemonState::Backup, v.interface.clone(), u32::from(id));
    daemon.sync_maxlen = v.maxlen;
    daemon.mcast_port = v.port;
    daemon.mcast_ttl = v.ttl;
    daemon.mcast_group = v.group;
    Some(SyncSpec {
        instance: name.clone(),
        daemon,
    })
}
