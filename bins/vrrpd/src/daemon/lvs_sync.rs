//! `lvs_sync_daemon IFACE VRRP_INSTANCE [id N] [maxlen N] [port N] [ttl N] [group ADDR]`:
//! the VRRP side switches the kernel's IPVS connection-sync daemon between master and
//! backup as the named instance changes state, as keepalived's VRRP process does:
//!
//! - at start, and after a reload, the daemon for the instance's current role is started
//!   (master if the instance is Master, else backup; vrrp_daemon.c start/reload);
//! - becoming Master: stop the backup daemon, start the master one
//!   (vrrp.c vrrp_state_become_master → ipvswrapper.c ipvs_syncd_master);
//! - leaving Master for Backup or Fault: stop the master daemon, start the backup one
//!   (vrrp_state_leave_master → ipvs_syncd_backup);
//! - at exit the running daemon is stopped.
//!
//! The sync id defaults to the instance's VRID (keepalived's default).

use ipvs_sys::{DaemonState, SyncDaemon};
use tracing::{info, warn};
use vrrp_core::State;

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
    instances: &[crate::mapping::InstanceSpec],
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

/// Starts and stops sync daemons (IPVS_CMD_NEW_DAEMON / DEL_DAEMON).
pub trait SyncKernel {
    /// Starts `d`.
    fn start(&mut self, d: &SyncDaemon) -> Result<(), String>;
    /// Stops `d` (its state and sync id matter).
    fn stop(&mut self, d: &SyncDaemon) -> Result<(), String>;
}

/// The real kernel through ipvs-sys's generic netlink client.
#[derive(Debug)]
pub struct IpvsKernel(ipvs_sys::IpvsClient);

impl IpvsKernel {
    /// Opens the IPVS netlink family (needs the ip_vs module).
    pub fn open() -> Result<Self, String> {
        ipvs_sys::IpvsClient::new()
            .map(IpvsKernel)
            .map_err(|e| e.to_string())
    }
}

impl SyncKernel for IpvsKernel {
    fn start(&mut self, d: &SyncDaemon) -> Result<(), String> {
        self.0.new_daemon(d).map_err(|e| e.to_string())
    }
    fn stop(&mut self, d: &SyncDaemon) -> Result<(), String> {
        self.0.del_daemon(d).map_err(|e| e.to_string())
    }
}

/// One `lvs_sync_daemon` following one instance.
pub struct LvsSync<K> {
    spec: SyncSpec,
    kernel: K,
    /// The daemon we run now.
    role: Option<DaemonState>,
}

fn role_name(r: DaemonState) -> &'static str {
    match r {
        DaemonState::Master => "master",
        DaemonState::Backup => "backup",
    }
}

impl<K: SyncKernel> LvsSync<K> {
    /// Starts the daemon for `current` (the instance's state now).
    pub fn begin(spec: SyncSpec, kernel: K, current: State) -> Self {
        let mut s = LvsSync {
            spec,
            kernel,
            role: None,
        };
        let role = if current == State::Master {
            DaemonState::Master
        } else {
            DaemonState::Backup
        };
        s.start(role);
        s
    }

    /// The settings it runs.
    pub fn spec(&self) -> &SyncSpec {
        &self.spec
    }

    /// The role running now.
    #[cfg(test)]
    pub fn role(&self) -> Option<DaemonState> {
        self.role
    }

    fn daemon(&self, role: DaemonState) -> SyncDaemon {
        let mut d = self.spec.daemon.clone();
        d.state = role;
        d
    }

    fn start(&mut self, role: DaemonState) {
        let d = self.daemon(role);
        match self.kernel.start(&d) {
            Ok(()) => {
                info!(iface = %d.mcast_ifn, syncid = d.syncid, role = role_name(role),
                    instance = %self.spec.instance, "lvs_sync_daemon started");
                self.role = Some(role);
            }
            Err(e) => {
                warn!(iface = %d.mcast_ifn, role = role_name(role), "lvs_sync_daemon start: {e}");
                self.role = None;
            }
        }
    }

    fn stop(&mut self, role: DaemonState) {
        let d = self.daemon(role);
        // keepalived stops the other role unconditionally; a "not running" error is normal.
        if let Err(e) = self.kernel.stop(&d) {
            tracing::debug!(role = role_name(role), "lvs_sync_daemon stop: {e}");
        }
        if self.role == Some(role) {
            self.role = None;
        }
    }

    /// Instance `instance` went from `from` to `to`.
    pub fn on_state(&mut self, instance: &str, from: State, to: State) {
        if instance != self.spec.instance {
            return;
        }
        match to {
            State::Master => {
                self.stop(DaemonState::Backup);
                self.start(DaemonState::Master);
            }
            State::Backup | State::Fault if from == State::Master => {
                self.stop(DaemonState::Master);
                self.start(DaemonState::Backup);
            }
            _ => {}
        }
    }

    /// Exit: stops the running daemon.
    pub fn end(mut self) {
        if let Some(r) = self.role {
            self.stop(r);
            info!(role = role_name(r), "lvs_sync_daemon stopped");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Default)]
    struct Log(Vec<String>);

    impl SyncKernel for &mut Log {
        fn start(&mut self, d: &SyncDaemon) -> Result<(), String> {
            self.0.push(format!(
                "start {} {} {}",
                role_name(d.state),
                d.mcast_ifn,
                d.syncid
            ));
            Ok(())
        }
        fn stop(&mut self, d: &SyncDaemon) -> Result<(), String> {
            self.0.push(format!("stop {}", role_name(d.state)));
            Ok(())
        }
    }

    fn spec() -> SyncSpec {
        SyncSpec {
            instance: "VI_1".into(),
            daemon: SyncDaemon::new(DaemonState::Backup, "eth1", 51),
        }
    }

    #[test]
    fn follows_the_instance_in_keepalived_order() {
        let mut log = Log::default();
        {
            let mut s = LvsSync::begin(spec(), &mut log, State::Initialize);
            assert_eq!(s.role(), Some(DaemonState::Backup));
            s.on_state("VI_2", State::Backup, State::Master); // another instance
            s.on_state("VI_1", State::Initialize, State::Backup); // already backup
            s.on_state("VI_1", State::Backup, State::Master);
            assert_eq!(s.role(), Some(DaemonState::Master));
            s.on_state("VI_1", State::Master, State::Fault);
            s.on_state("VI_1", State::Fault, State::Backup); // stays backup
            s.on_state("VI_1", State::Backup, State::Master);
            s.on_state("VI_1", State::Master, State::Backup);
            s.on_state("VI_1", State::Backup, State::Master);
            s.end();
        }
        assert_eq!(
            log.0,
            [
                "start backup eth1 51",
                "stop backup",
                "start master eth1 51",
                "stop master",
                "start backup eth1 51",
                "stop backup",
                "start master eth1 51",
                "stop master",
                "start backup eth1 51",
                "stop backup",
                "start master eth1 51",
                "stop master",
            ]
        );
    }

    fn resolved(text: &str) -> (Option<SyncSpec>, usize) {
        let p = keepalived_conf::parse_str("t.conf", text, &Default::default());
        let (m, d) =
            crate::mapping::map_config(&p.config, &crate::mapping::SimResolver { node: 3 });
        (m.lvs_sync, d.len())
    }

    const VI: &str = "vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 51\n virtual_ipaddress {\n 192.0.2.1\n }\n}\n";

    #[test]
    fn resolves_settings_and_defaults_the_id_to_the_vrid() {
        let (s, n) = resolved(&format!(
            "global_defs {{\n lvs_sync_daemon eth1 VI_1 maxlen 1400 port 9000 ttl 2 group 239.1.1.1\n}}\n{VI}"
        ));
        assert_eq!(n, 0);
        let s = s.unwrap();
        assert_eq!(s.instance, "VI_1");
        let d = &s.daemon;
        assert_eq!((d.mcast_ifn.as_str(), d.syncid), ("eth1", 51));
        assert_eq!(
            (d.sync_maxlen, d.mcast_port, d.mcast_ttl),
            (Some(1400), Some(9000), Some(2))
        );
        assert_eq!(d.mcast_group, Some("239.1.1.1".parse().unwrap()));
        let (s, _) = resolved(&format!(
            "global_defs {{\n lvs_sync_daemon eth1 VI_1 id 7\n}}\n{VI}"
        ));
        assert_eq!(s.unwrap().daemon.syncid, 7);
        // No instance: lvsd's business; unknown instance: a warning, nothing run.
        assert_eq!(
            resolved(&format!("global_defs {{\n lvs_sync_daemon eth1\n}}\n{VI}")),
            (None, 0)
        );
        assert_eq!(
            resolved(&format!(
                "global_defs {{\n lvs_sync_daemon eth1 VI_9\n}}\n{VI}"
            )),
            (None, 1)
        );
    }

    #[test]
    fn starts_as_master_when_the_instance_already_is() {
        let mut log = Log::default();
        LvsSync::begin(spec(), &mut log, State::Master).end();
        assert_eq!(log.0, ["start master eth1 51", "stop master"]);
    }
}
