//! The daemon: one tokio runtime running every `vrrp_instance` of a
//! keepalived.conf on raw VRRP sockets (vrrp-linux).
//!
//! * One raw socket per address family serves every interface; received
//!   packets go to the instance with the same (ifindex, VRID, family) after
//!   vrrp-core's receive validation; every drop is counted by reason (per
//!   instance, or per interface when no instance matches).
//! * The main loop sleeps until the earliest instance timer, a packet, a
//!   signal, a link event or a status request.
//! * Signals: SIGTERM/SIGINT stop (Masters send priority 0 and remove their
//!   VIPs), SIGHUP reloads, SIGUSR1 dumps the state as JSON to `--dump-file`.
//! * systemd `Type=notify`: READY=1 once the instances are installed,
//!   RELOADING=1/READY=1 around a SIGHUP reload, STOPPING=1 on SIGTERM.

mod accept_mode;
pub mod bfd;
pub mod clock;
pub mod control;
mod deleted;
pub mod error;
mod extra_garp;
pub mod firewall_status;
mod host;
mod ipvlan;
mod local_igmp;
pub mod lvs_sync;
mod mail;
mod namespace;
mod process_table;
mod promote;
mod reload;
mod route_watch;
mod router;
mod routes;
pub(crate) mod script_policy;
pub(crate) mod scripting;
pub mod snmp;
mod source_watch;
pub mod status;
mod track_process;
mod vip_watch;
mod vmac;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::mpsc;
use tracing::{error, info, warn};
use vrrp_core::packet::Family;
use vrrp_linux::{
    Announcer, Family as IpFamily, NetEventKind, NetWatcher, Rtnl, VrrpSocket, WatchGroups,
};

use crate::spec::load;
use clock::Clock;
use error::{DaemonError, LoadError};
use ha_daemon_kit::control::RemoveOnDrop as PidFile;
use host::{HostView, LinuxHost};
use router::{Inbound, Router};

/// Command-line options of the daemon.
#[derive(Debug, Clone)]
pub struct DaemonOptions {
    /// keepalived.conf.
    pub file: PathBuf,
    /// Debug logging.
    pub detail: bool,
    /// Pid file.
    pub pid_file: Option<PathBuf>,
    /// Control socket: given, else derived once the configuration and the
    /// namespace are known ([`namespace::enter_configured`]).
    pub socket: Option<PathBuf>,
    /// SIGUSR1 dump file: given, else derived as the socket is.
    pub dump_file: Option<PathBuf>,
    /// Only check the configuration.
    pub config_test: bool,
    /// Serve Prometheus metrics here.
    pub metrics_listen: Option<std::net::SocketAddr>,
    /// Bounds on the Prometheus listener's clients.
    pub metrics_limits: ha_daemon_kit::metrics::Limits,
}

/// Runs the daemon; returns the process exit code.
pub fn main(o: DaemonOptions) -> ExitCode {
    // Before the parse: its large tables must not raise glibc's mmap
    // threshold, which would leave later large vectors (the node's instances,
    // a burst's queues) on the heap for good (see `memory` in ha-daemon-kit).
    ha_daemon_kit::keep_large_blocks_apart();
    ha_daemon_kit::cli::init_logging(o.detail);
    ha_daemon_kit::cli::raise_fd_limit();
    let (proc_socket, paths) = match namespace::enter_configured(&o) {
        Ok(r) => r,
        Err(e) => {
            error!("{e}");
            eprintln!("vrrpd: {e}");
            return ExitCode::FAILURE;
        }
    };
    let rt = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("vrrpd: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match rt.block_on(run(&o, &paths, proc_socket)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            error!("{e}");
            eprintln!("vrrpd: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Loads and maps the config against the current host; prints diagnostics.
///
/// The parse runs on a thread of its own, waited for (nothing else runs
/// yet): glibc gives that thread another malloc arena, so the parse tree and
/// the model (tens of megabytes for thousands of instances) never sit
/// between the small allocations the instances keep on the loop's heap, and
/// their pages go back whole once freed ([`ha_daemon_kit::release_free_memory`]
/// after [`Router::install`], which copies what it keeps). The thread ends
/// with the parse, so its stack is not kept either, as an idle thread of
/// tokio's blocking pool would keep it for seconds.
async fn load(
    path: &Path,
    rtnl: &Rtnl,
) -> Result<(crate::spec::mapping::Mapped, HostView), LoadError> {
    let host = HostView::read(rtnl).await.map_err(LoadError::Interfaces)?;
    let path = path.to_path_buf();
    std::thread::Builder::new()
        .name("vrrpd-parse".into())
        .spawn(move || reload::parse_mapped(&path, host))
        .map_err(LoadError::ParserThread)?
        .join()
        .unwrap_or(Err(LoadError::ParserPanicked))
}

/// Reads `sock` for ever and gives each packet to `tx`. `ah`: the socket is
/// the AH one, whose packets keep their IP header ([`Inbound::ah`]).
fn spawn_receiver(sock: Arc<VrrpSocket>, family: Family, ah: bool, tx: mpsc::Sender<Inbound>) {
    tokio::spawn(async move {
        let mut buf = vec![0u8; vrrp_linux::vrrp_socket::RECV_BUFFER_LEN];
        loop {
            match sock.recv_into(&mut buf).await {
                Ok(info) => {
                    let range = if ah {
                        0..info.payload.end
                    } else {
                        info.payload.clone()
                    };
                    let payload = buf.get(range).map(<[u8]>::to_vec);
                    let Some(payload) = payload else { continue };
                    let p = Inbound {
                        family,
                        ifindex: info.ifindex,
                        src: info.src,
                        dst: info.dst,
                        ttl: info.ttl,
                        payload,
                        ah,
                        received: info.received,
                    };
                    if tx.send(p).await.is_err() {
                        return;
                    }
                }
                Err(vrrp_linux::SocketError::Recv(e)) => {
                    warn!("VRRP socket receive failed: {e}");
                    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                }
                Err(e) => tracing::debug!("undecodable datagram: {e}"),
            }
        }
    });
}

/// `-t`: checks the file without needing its interfaces to exist here (a
/// missing interface address is a warning, as the file may be meant for
/// another host). With `host` (this host's interfaces, when readable) a
/// virtual address on an interface missing here is reported with
/// keepalived's text, as a warning for the same reason.
fn config_test(path: &Path, host: Option<HostView>) -> Result<(), LoadError> {
    struct Lenient(HostView, bool);
    impl crate::spec::mapping::AddressResolver for Lenient {
        fn primary(&self, interface: Option<&str>, family: Family) -> Option<std::net::IpAddr> {
            self.0.primary(interface, family).or(Some(match family {
                Family::V4 => std::net::IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED),
                Family::V6 => std::net::IpAddr::V6(std::net::Ipv6Addr::UNSPECIFIED),
            }))
        }
        fn has_interface(&self, name: &str) -> Option<bool> {
            self.1.then(|| self.0.ifindex(name).is_some())
        }
        fn is_loopback(&self, name: &str) -> Option<bool> {
            self.0.is_loopback(name)
        }
    }
    let known = host.is_some();
    let mut loaded = load::load(path, &Lenient(host.unwrap_or_default(), known));
    local_igmp::check_kernel(&mut loaded, Path::new(local_igmp::SYSCTL));
    for d in &mut loaded.diagnostics {
        if d.code == "vrrpd-no-interface" {
            d.severity = keepalived_conf::Severity::Warning;
        }
    }
    crate::spec::script_users::check_on_host(&loaded.parsed.config, &mut loaded.diagnostics);
    loaded.diagnostics.sort_by_key(|d| d.span);
    let text = loaded.render();
    if !text.is_empty() {
        eprint!("{text}");
    }
    if loaded.has_errors() {
        return Err(LoadError::Refused(path.to_path_buf()));
    }
    ha_daemon_kit::stdout::print(&format!(
        "{}: {} vrrp_instance(s), {} sync group(s): OK\n",
        path.display(),
        loaded.mapped.instances.len(),
        loaded.mapped.sync_groups.len()
    ))
    .map_err(LoadError::Output)
}

/// The `STATUS=` line for systemd: instance count by state.
fn running_status(router: &Router) -> String {
    let snap = router.snapshot(status::Detail::Light);
    let count = |st: &str| snap.instances.iter().filter(|i| i.state == st).count();
    format!(
        "running {} instance(s): {} master, {} backup, {} fault",
        snap.instances.len(),
        count("MASTER"),
        count("BACKUP"),
        count("FAULT")
    )
}

async fn run(
    o: &DaemonOptions,
    paths: &namespace::Paths,
    proc_socket: Option<vrrp_linux::proc_events::ProcEventSocket>,
) -> Result<(), DaemonError> {
    if o.config_test {
        let host = match Rtnl::open() {
            Ok(rtnl) => HostView::read(&rtnl).await.ok(),
            Err(_) => None,
        };
        return Ok(config_test(&o.file, host)?);
    }
    let rtnl = Rtnl::open().map_err(DaemonError::Rtnetlink)?;
    // Links, addresses, routes and rules are watched before the interfaces
    // are read, as keepalived registers its netlink reflector before its
    // interface lookup (keepalived_netlink.c `kernel_netlink_init`): a link
    // that comes up between the read and the loop is reported, not missed,
    // and an instance started in FAULT on that read leaves it. Addresses:
    // a VIP deleted by someone else sends its Master to Backup
    // (vip_watch.rs), and dynamic_interfaces waits for addresses; routes
    // and rules: a deleted virtual one does the same, a deleted static one
    // is added again (route_watch.rs).
    let mut watcher = NetWatcher::open(WatchGroups {
        links: true,
        addresses: true,
        routes: true,
        rules: true,
    })
    .map_err(DaemonError::Watch)?;
    let (mapped, host) = load(&o.file, &rtnl).await?;
    if mapped.instances.is_empty() {
        warn!("no vrrp_instance configured; waiting for signals");
    }
    let _pid = match &o.pid_file {
        Some(p) => {
            keepalived_runtime::safe_file::write_file(
                p,
                format!("{}\n", std::process::id()).as_bytes(),
                keepalived_runtime::safe_file::PID_FILE_MODE,
            )
            .map_err(DaemonError::PidFile)?;
            PidFile(Some(p.clone()))
        }
        None => PidFile(None),
    };
    let (tx, mut rx) = mpsc::channel::<Inbound>(1024);
    let v4 = Arc::new(VrrpSocket::open(IpFamily::V4, None).map_err(DaemonError::VrrpSocket)?);
    let v6 = match VrrpSocket::open(IpFamily::V6, None) {
        Ok(s) => Some(Arc::new(s)),
        Err(e) => {
            warn!("no IPv6 VRRP socket: {e}");
            None
        }
    };
    spawn_receiver(Arc::clone(&v4), Family::V4, false, tx.clone());
    if let Some(s) = &v6 {
        spawn_receiver(Arc::clone(s), Family::V6, false, tx.clone());
    }
    // keepalived opens its protocol-51 socket only for AH instances; one is
    // opened here whatever the configuration, so that a reload may add one.
    // A datagram on it that is not VRRP (another IPsec user) is ignored.
    let ah = match VrrpSocket::open_ah(None) {
        Ok(s) => {
            let s = Arc::new(s);
            spawn_receiver(Arc::clone(&s), Family::V4, true, tx.clone());
            Some(s)
        }
        Err(e) => {
            warn!("no AH socket (auth_type AH adverts are not received): {e}");
            None
        }
    };
    let announcer = match Announcer::open() {
        Ok(a) => Some(a),
        Err(e) => {
            warn!("no gratuitous ARP/NA: {e}");
            None
        }
    };
    let (ctl_tx, mut ctl_rx) = mpsc::channel(16);
    ha_daemon_kit::control::serve(&paths.socket, ctl_tx.clone(), status::Query::Json).map_err(
        |source| DaemonError::Control {
            path: paths.socket.clone(),
            source,
        },
    )?;
    if let Some(addr) = o.metrics_listen {
        let bound =
            ha_daemon_kit::metrics::serve(addr, ctl_tx, status::Query::Metrics, o.metrics_limits)
                .await
                .map_err(|source| DaemonError::Metrics { addr, source })?;
        info!("metrics at http://{bound}/metrics");
    }
    let _sock_guard = PidFile(Some(paths.socket.clone()));

    let sig = |k: SignalKind| signal(k).map_err(DaemonError::Signal);
    let mut sigterm = sig(SignalKind::terminate())?;
    let mut sigint = sig(SignalKind::interrupt())?;
    let mut sighup = sig(SignalKind::hangup())?;
    let mut sigusr1 = sig(SignalKind::user_defined1())?;

    let clock = Clock::new();
    let rtnl_router = Rtnl::open().map_err(DaemonError::Rtnetlink)?;
    let mut router =
        Router::new(LinuxHost::new(rtnl_router, Some(v4), v6, announcer, clock).with_ah_socket(ah));
    let (script_tx, mut script_rx) = mpsc::channel::<router::ScriptResult>(64);
    router.spawn_scripts(&mapped.scripts, &script_tx);
    router.set_notify_fifos(scripting::open_fifos(&mapped));
    let (file_tx, mut file_rx) = mpsc::channel::<scripting::FileValue>(64);
    let mut track_files = scripting::TrackFiles::default();
    track_files
        .start(&mapped.track_files, false, &mut router, &file_tx)
        .await;
    // keepalived: "Cannot change network namespace at a reload - please restart"
    let namespace = mapped.net_namespace.clone();
    let nft_table = mapped.firewall_table_written.clone();
    // BFD sessions whose events the instances follow (bfd::sessions);
    // those that could not start are tried again every minute.
    let (bfd_tx, mut bfd_rx) = mpsc::channel::<bfd::BfdReport>(bfd::REPORT_QUEUE);
    router.set_bfd_sessions(bfd::start_sessions(&mapped.bfd_sessions, &bfd_tx).await);
    let mut bfd_retry = tokio::time::interval_at(
        tokio::time::Instant::now() + bfd::sessions::RETRY_INTERVAL,
        bfd::sessions::RETRY_INTERVAL,
    );
    // one retry after a long time without failed sessions, not a burst
    bfd_retry.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut procs = track_process::ProcessTracker::new(proc_socket);
    procs
        .start(&mapped.track_processes, mapped.process_rcvbuf, &mut router)
        .await;
    if let Some(d) = mapped.startup_delay.filter(|d| !d.is_zero()) {
        info!("vrrp_startup_delay: starting instances in {d:?}");
        tokio::select! {
            _ = tokio::time::sleep(d) => {}
            _ = sigterm.recv() => { ha_daemon_kit::systemd::stopping("stopping"); return Ok(()) }
            _ = sigint.recv() => { ha_daemon_kit::systemd::stopping("stopping"); return Ok(()) }
        }
    }
    let snmp_spec = mapped.snmp.clone();
    // new Masters and rejected adverts, for the SNMP notifications
    let (trap_tx, mut trap_rx) = mpsc::channel::<snmp::TrapEvent>(256);
    router.set_trap_events(trap_tx);
    // keepalived: "Cannot change disable_local_igmp at a reload - please restart"
    let local_igmp_written = mapped.disable_local_igmp;
    // Before the VMACs are made; restored when dropped, at exit.
    let _local_igmp = mapped
        .disable_local_igmp
        .then(|| local_igmp::LocalIgmp::disable(std::path::Path::new(local_igmp::SYSCTL)))
        .flatten();
    router.set_local_igmp_disabled(_local_igmp.is_some());
    router.install(mapped, &host).await?;
    let mut snmp = snmp::Snmp::new(snmp_spec);
    // The parse tree, the model and the mapping are gone: give their pages
    // back, so that the resident size is what the instances keep.
    ha_daemon_kit::release_free_memory();
    info!(pid = std::process::id(), file = %o.file.display(), "vrrpd started");
    ha_daemon_kit::systemd::ready(&running_status(&router));

    // Instance timers on a timerfd: tokio's 1 ms wheel fired them 0-2 ms late.
    let mut timer = vrrp_linux::PreciseTimer::new().map_err(DaemonError::Timer)?;
    let mut pending_reload: Option<reload::Pending<reload::Loaded>> = None;
    let mut reload_again = false;
    loop {
        if let Err(e) = timer.set(router.next_deadline().map(|t| clock.deadline(t))) {
            error!("arming the timer: {e}");
            break;
        }
        tokio::select! {
            biased;
            _ = sigterm.recv() => { info!("SIGTERM: stopping"); break; }
            _ = sigint.recv() => { info!("SIGINT: stopping"); break; }
            r = timer.expired() => match r {
                Ok(()) => router.on_timers().await,
                Err(e) => { error!("timer: {e}"); break; }
            },
            Some(p) = rx.recv() => router.on_packet(p).await,
            _ = sighup.recv() => {
                if pending_reload.is_some() {
                    info!("SIGHUP during a reload: reloading again once it is applied");
                    reload_again = true;
                    continue;
                }
                info!("SIGHUP: reloading {}", o.file.display());
                ha_daemon_kit::systemd::reloading(&format!("reloading {}", o.file.display()));
                // read, parsed and prepared off the loop; adverts go on meanwhile
                pending_reload = Some(reload::start(&rtnl, o.file.clone()));
            }
            r = reload::finished(&mut pending_reload) => {
                pending_reload = None;
                let t_start = std::time::Instant::now();
                let mut t_instances = t_start;
                let refused = r.as_ref().ok().and_then(|(p, _)| {
                    let m = &p.mapped;
                    accept_mode::table_change_refused(&nft_table, &m.firewall_table_written)
                        .or_else(|| local_igmp::change_refused(local_igmp_written, m.disable_local_igmp))
                });
                match r {
                    Ok(_) if refused.is_some() => {
                        error!("{}", refused.unwrap_or_default());
                    }
                    Ok((p, h)) => {
                        let m = &p.mapped;
                        router.spawn_scripts(&m.scripts, &script_tx);
                        let files = m.track_files.clone();
                        let processes = m.track_processes.clone();
                        let bfd_sessions = m.bfd_sessions.clone();
                        let rcvbuf = m.process_rcvbuf;
                        let snmp_spec = m.snmp.clone();
                        if m.net_namespace != namespace {
                            warn!(
                                "Cannot change network namespace at a reload - please restart \
                                 (staying in {:?})",
                                namespace
                            );
                        }
                        if let Err(e) = router.reload_prepared(p, &h).await {
                            error!("reload failed: {e}");
                        }
                        t_instances = std::time::Instant::now();
                        track_files.start(&files, true, &mut router, &file_tx).await;
                        router.refresh_track_files().await;
                        procs.start(&processes, rcvbuf, &mut router).await;
                        router.refresh_track_processes().await;
                        // the sessions of the new configuration, reconfigured
                        // in place: unchanged ones keep their state
                        let mut resync = Vec::new();
                        if let Some(b) = router.bfd_sessions() {
                            b.apply(&bfd_sessions).await;
                            resync = b.current_reports();
                        }
                        router.refresh_bfd(&bfd_sessions).await;
                        // every session's state as keepalived's BFD process
                        // re-sends it at a reload (`bfd_register_workers`)
                        for r in resync {
                            router.on_bfd(r).await;
                        }
                        snmp.reconfigure(snmp_spec);
                    }
                    Err(e) => error!("reload refused, keeping the running configuration: {e}"),
                }
                let t_applied = std::time::Instant::now();
                // The new parse tree and mapping (or the refused one) are gone.
                ha_daemon_kit::release_free_memory();
                let t_end = std::time::Instant::now();
                info!(
                    "reload applied on the event loop in {:?} (instances {:?}, tracking {:?}, freeing {:?})",
                    t_end - t_start,
                    t_instances.saturating_duration_since(t_start),
                    t_applied.saturating_duration_since(t_instances),
                    t_end - t_applied
                );
                ha_daemon_kit::systemd::ready(&running_status(&router));
                if std::mem::take(&mut reload_again) {
                    // as a second SIGHUP would: the file as it is now
                    ha_daemon_kit::systemd::reloading(&format!("reloading {}", o.file.display()));
                    pending_reload = Some(reload::start(&rtnl, o.file.clone()));
                }
            }
            _ = sigusr1.recv() => {
                let text = router.status_json();
                match control::write_dump(&paths.dump_file, &text) {
                    Ok(()) => info!("state dumped to {}", paths.dump_file.display()),
                    Err(e) => warn!("dump to {}: {e}", paths.dump_file.display()),
                }
            }
            Some((name, ok)) = script_rx.recv() => router.on_script_result(&name, ok).await,
            Some((name, v)) = file_rx.recv() => router.on_track_file(&name, v).await,
            Some(r) = bfd_rx.recv() => router.on_bfd(r).await,
            _ = bfd_retry.tick(), if router.bfd_needs_retry() => {
                if let Some(b) = router.bfd_sessions() {
                    b.retry().await;
                }
            }
            changes = procs.next() => {
                track_process::log_changes(&changes);
                track_process::apply(&mut router, changes).await;
            }
            Some(q) = ctl_rx.recv() => control::answer(q, &router),
            Some(ev) = trap_rx.recv() => snmp.notify(&ev),
            w = snmp.wait() => {
                let writes = snmp.on_wake(w, || {
                    let mut snap = router.snapshot(status::Detail::Light);
                    snap.processes = procs.states();
                    snap
                });
                for (name, write) in writes {
                    router.snmp_write(&name, write).await;
                }
            }
            ev = watcher.next() => match ev {
                Ok(e) => match e.kind {
                    NetEventKind::LinkChanged(l) => {
                        router.on_link(l.index, &l.name, l.is_up() && l.is_running()).await;
                        router.on_interfaces_changed(Some((l.index, &l.name))).await;
                    }
                    NetEventKind::AddressAdded(a) => {
                        router.on_address_added(&a).await;
                        router.on_interfaces_changed(None).await;
                    }
                    NetEventKind::AddressRemoved(a) => router.on_address_removed(a.ifindex, a.addr).await,
                    // our own deletions are not someone else's (keepalived
                    // skips events whose nlmsg_pid is its command socket's)
                    NetEventKind::RouteRemoved(r) if !router.caused(e.sender) => {
                        router.on_route_removed(&r).await;
                    }
                    NetEventKind::RuleRemoved(r) if !router.caused(e.sender) => {
                        router.on_rule_removed(&r).await;
                    }
                    _ => {}
                },
                Err(e) => warn!("link watch: {e}"),
            },
        }
    }
    // keepalived's BFD process stops without AdminDown (bfd_scheduler.c
    // `bfd_dispatcher_release`)
    if let Some(b) = router.take_bfd_sessions() {
        b.shutdown().await;
    }
    ha_daemon_kit::systemd::stopping("stopping: releasing mastership and VIPs");
    router.shutdown().await;
    // keepalived sends the STOP notifications before closing its session
    // (vrrp_daemon.c `vrrp_terminate_phase1` then `vrrp_terminate_phase2`)
    while let Ok(ev) = trap_rx.try_recv() {
        snmp.notify(&ev);
    }
    snmp.shutdown();
    info!("vrrpd stopped");
    Ok(())
}
