//! Scripts, track files and notify FIFOs around the router (keepalived
//! notify.c, track_file.c, vrrp_notify.c):
//!
//! - [`apply_script_policy`]: who every script runs as (`user`,
//!   `script_user`, keepalived_script, vrrpd) and keepalived's
//!   `check_script_secure`; refused vrrp_scripts are removed from the
//!   instances tracking them ("Disabling track script ... due to insecure"),
//!   refused notify scripts are not run.
//! - [`TrackFiles`]: `init_file`, initial values and the inotify watcher.
//! - [`open_fifos`]: the notify FIFOs and their reader scripts.

use keepalived_runtime::notify_fifo::NotifyFifo;
use keepalived_runtime::script_security::{check_script, default_script_user, lookup_user};
use keepalived_runtime::track_file::{FileChange, TrackFileWatcher, init_file, read_value};
use keepalived_runtime::{RunAs, ScriptUserError};
use tokio::sync::mpsc;
use tracing::{error, info, warn};

use super::router::Router;
use crate::spec::mapping::{Mapped, ScriptCmd, TrackFileSpec, TrackerSource};

/// A `track_file` value from the watcher: (name, value).
pub type FileValue = (String, i32);

struct Checker {
    default: Result<RunAs, ScriptUserError>,
    security: bool,
    root_scripts: bool,
    insecure: bool,
}

impl Checker {
    /// Resolves the user and checks the script; on success argv\[0\] is the
    /// checked program and `run_as` is set.
    fn check(
        &mut self,
        what: &str,
        argv: &mut [String],
        user: &Option<(String, Option<String>)>,
        run_as: &mut Option<RunAs>,
    ) -> bool {
        let who = match user {
            Some((u, g)) => lookup_user(u, g.as_deref()).map_err(ScriptUserError::Own),
            None => self.default.clone(),
        };
        let who = match who {
            Ok(w) => w,
            Err(e) => {
                error!("{what}: {e}; unable to set the script user - removing");
                return false;
            }
        };
        let Some(first) = argv.first_mut() else {
            return false;
        };
        match check_script(first, who, self.security) {
            Ok(c) => {
                if let Some(p) = c.program.to_str() {
                    *first = p.to_string();
                }
                *run_as = Some(who);
                self.root_scripts |= who.is_root();
                if c.insecure {
                    warn!("{what}: unsafe permissions found for script `{first}`");
                    self.insecure = true;
                }
                true
            }
            Err(e) => {
                error!("{what}: {e} - disabling");
                false
            }
        }
    }

    fn check_cmd(&mut self, what: &str, slot: &mut Option<ScriptCmd>) {
        if let Some(c) = slot
            && !self.check(what, &mut c.argv, &c.user, &mut c.run_as)
        {
            *slot = None;
        }
    }
}

/// keepalived's script user and security rules applied to every script of
/// `m` (before it runs anything).
pub fn apply_script_policy(m: &mut Mapped) {
    let default = default_script_user(
        m.script_user
            .as_ref()
            .map(|(u, g)| (u.as_str(), g.as_deref())),
        m.script_security,
    );
    let mut ck = Checker {
        default,
        security: m.script_security,
        root_scripts: false,
        insecure: false,
    };
    let mut removed = Vec::new();
    m.scripts.retain_mut(|sc| {
        let what = format!("vrrp_script {}", sc.name);
        let ok = ck.check(&what, &mut sc.argv, &sc.user, &mut sc.run_as);
        if !ok {
            removed.push(sc.name.clone());
        }
        ok
    });
    for name in removed {
        warn!("Disabling track script {name} due to insecure");
        let src = TrackerSource::Script(name);
        for inst in &mut m.instances {
            while let Some(k) = inst.trackers.iter().position(|t| *t == src) {
                inst.trackers.remove(k);
                if k < inst.config.trackers.len() {
                    inst.config.trackers.remove(k);
                }
            }
        }
    }
    for inst in &mut m.instances {
        if let Some(n) = inst.notify.as_deref_mut() {
            check_notify(&mut ck, &format!("({})", inst.config.name), n);
        }
    }
    for (group, n) in &mut m.group_notify {
        check_notify(&mut ck, &format!("(group {group})"), n);
    }
    for f in &mut m.notify_fifos {
        ck.check_cmd(
            &format!("notify fifo script of {}", f.path.display()),
            &mut f.script,
        );
    }
    if !ck.security && ck.root_scripts {
        warn!(
            "SECURITY VIOLATION - scripts are being executed but script_security not enabled.{}",
            if ck.insecure {
                " There are insecure scripts."
            } else {
                ""
            }
        );
    }
}

/// Opens the notify FIFOs of `m` (after [`apply_script_policy`]); a FIFO
/// that cannot be opened is logged and skipped, as keepalived does.
pub fn open_fifos(m: &Mapped) -> Vec<NotifyFifo> {
    let mut out = Vec::new();
    for f in &m.notify_fifos {
        let owner = match &f.owner {
            Some((u, g)) => match lookup_user(u, g.as_deref()) {
                Ok(o) => Some(o),
                Err(e) => {
                    warn!(fifo = %f.path.display(), "fifo owner: {e}");
                    None
                }
            },
            None => None,
        };
        let script = f.script.as_ref().map(|c| (c.argv.as_slice(), c.run_as));
        match NotifyFifo::open(&f.path, owner, script) {
            Ok(fifo) => {
                info!(fifo = %f.path.display(), "notify fifo open");
                out.push(fifo);
            }
            Err(e) => error!(fifo = %f.path.display(), "unable to open notify fifo: {e}"),
        }
    }
    out
}

/// The track files' watcher task.
#[derive(Debug, Default)]
pub struct TrackFiles {
    task: Option<tokio::task::JoinHandle<()>>,
}

impl TrackFiles {
    /// (Re)starts watching `files`: `init_file` (not overwriting on
    /// reload), the current values to the router, then a watcher task that
    /// sends every change to `tx`.
    pub async fn start(
        &mut self,
        files: &[TrackFileSpec],
        reload: bool,
        router: &mut Router,
        tx: &mpsc::Sender<FileValue>,
    ) {
        if let Some(t) = self.task.take() {
            t.abort();
        }
        for f in files {
            if let Some((value, overwrite)) = f.init
                && let Err(e) = init_file(&f.path, value, overwrite, reload)
            {
                warn!(track_file = %f.name, "unable to initialise track file: {e}");
            }
            if let Some(v) = read_value(&f.path) {
                router.on_track_file(&f.name, v).await;
            }
        }
        if files.is_empty() {
            return;
        }
        let paths: Vec<_> = files.iter().map(|f| f.path.clone()).collect();
        let mut watcher = match TrackFileWatcher::new(&paths) {
            Ok(w) => w,
            Err(e) => {
                error!("unable to monitor track files: {e}");
                return;
            }
        };
        let files = files.to_vec();
        let tx = tx.clone();
        self.task = Some(tokio::spawn(async move {
            loop {
                let changes = match watcher.next().await {
                    Ok(c) => c,
                    Err(e) => {
                        error!("track file watch: {e}");
                        return;
                    }
                };
                for ch in changes {
                    let (i, value) = match ch {
                        FileChange::Removed(i) => (i, Some(0)),
                        FileChange::Changed(i) => {
                            (i, files.get(i).and_then(|f| read_value(&f.path)))
                        }
                    };
                    if let (Some(f), Some(v)) = (files.get(i), value)
                        && tx.send((f.name.clone(), v)).await.is_err()
                    {
                        return;
                    }
                }
            }
        }));
    }
}

impl Drop for TrackFiles {
    fn drop(&mut self) {
        if let Some(t) = self.task.take() {
            t.abort();
        }
    }
}

/// Checks every script of one notify block (an instance's or a sync group's),
/// labelled `WHO KEYWORD` in the log.
fn check_notify(ck: &mut Checker, who: &str, n: &mut crate::spec::mapping::NotifySpec) {
    for (kw, slot) in [
        ("notify_master", &mut n.master),
        ("notify_backup", &mut n.backup),
        ("notify_fault", &mut n.fault),
        ("notify_stop", &mut n.stop),
        ("notify", &mut n.generic),
        ("notify_deleted", &mut n.deleted),
    ] {
        ck.check_cmd(&format!("{who} {kw}"), slot);
    }
}

/// The command lines to run when group `name` enters `to`: the specific
/// script first, then the generic one with `GROUP NAME STATE 0`.
pub fn group_scripts(
    n: &crate::spec::mapping::NotifySpec,
    name: &str,
    to: vrrp_core::State,
) -> Vec<crate::spec::mapping::ScriptCmd> {
    let specific = n.for_state(to);
    // keepalived's generic notify knows no STOP for groups (man page:
    // "stop only applies to instances").
    let generic = (to != vrrp_core::State::Stop && to != vrrp_core::State::Initialize)
        .then(|| n.generic.clone())
        .flatten()
        .map(|mut a| {
            a.argv.extend([
                "GROUP".to_string(),
                name.to_string(),
                to.as_str().to_string(),
                "0".to_string(),
            ]);
            a
        });
    [specific, generic].into_iter().flatten().collect()
}
