//! Who every script runs as and whether it may run (keepalived notify.c
//! `check_script_secure`, `set_script_uid_gid`): [`apply_script_policy`]
//! resolves `user`, `script_user`, keepalived_script or vrrpd for each
//! script of a mapped configuration; refused vrrp_scripts are removed from
//! the instances tracking them, refused notify scripts are not run.
//!
//! Every line is keepalived's, at its level (LOG_INFO, logged here at
//! info): the refusal of each script
//! ([`ScriptRefused::log_line`](keepalived_runtime::ScriptRefused::log_line)),
//! "Unsafe permissions found for script ..." for an insecure script kept,
//! "Disabling track script NAME due to insecure" / "since not
//! found/accessible" (vrrp.c `check_track_script_secure`), and once per
//! load "SECURITY VIOLATION - scripts are being executed but script_security
//! not enabled." when any script file was found and
//! `enable_script_security` is off (vrrp.c `check_vrrp_script_security`).

use keepalived_runtime::load_users::{invalid_own_user_line, no_default_user_line};
use keepalived_runtime::script_security::{
    LoadSummary, ScriptsOf, check_script, default_script_user, lookup_user, unsafe_line,
};
use keepalived_runtime::script_text::cmd_str;
use keepalived_runtime::{RunAs, ScriptRefused, ScriptUserError};
use tracing::info;

use crate::spec::mapping::{Mapped, ScriptCmd, TrackerSource};

/// Why a script is not run.
enum Dropped {
    /// Its own `USER [GROUP]` (true) or the default user (false) cannot be
    /// used.
    User { own: bool, error: ScriptUserError },
    /// The command is empty.
    Empty,
    /// The script itself is refused (its line already logged).
    Refused(ScriptRefused),
}

struct Checker {
    default: Result<RunAs, ScriptUserError>,
    security: bool,
    summary: LoadSummary,
}

impl Checker {
    /// Resolves the user and checks the script (notify.c
    /// `check_script_secure`), logging keepalived's line for a refused or
    /// insecure script; on success argv\[0\] is the checked program and
    /// `run_as` is set.
    fn check(
        &mut self,
        argv: &mut [String],
        user: &Option<(String, Option<String>)>,
        run_as: &mut Option<RunAs>,
    ) -> Result<(), Dropped> {
        let who = match user {
            Some((u, g)) => lookup_user(u, g.as_deref()).map_err(|e| Dropped::User {
                own: true,
                error: ScriptUserError::Own(e),
            })?,
            None => self
                .default
                .clone()
                .map_err(|error| Dropped::User { own: false, error })?,
        };
        let first = argv.first_mut().ok_or(Dropped::Empty)?;
        let checked = check_script(first, who, self.security);
        self.summary.note(&checked);
        match checked {
            Ok(c) => {
                if c.insecure {
                    info!("{}", unsafe_line(&c.program, false));
                }
                if let Some(p) = c.program.to_str() {
                    *first = p.to_string();
                }
                *run_as = Some(who);
                Ok(())
            }
            Err(e) => {
                info!("{}", e.log_line());
                Err(Dropped::Refused(e))
            }
        }
    }

    /// Checks a notify script (instance, sync group) and removes it when
    /// refused (notify.c `check_notify_script_secure`); a user that cannot
    /// be used is logged as keepalived logs it at parse time (notify.c
    /// `notify_script_init`, kind "notify").
    fn check_notify(&mut self, slot: &mut Option<ScriptCmd>) {
        let Some(c) = slot else {
            return;
        };
        let program = c.argv.first().cloned().unwrap_or_default();
        match self.check(&mut c.argv, &c.user, &mut c.run_as) {
            Ok(()) => return,
            Err(Dropped::User { own: true, .. }) => {
                info!("{}", invalid_own_user_line("notify", &program));
            }
            Err(Dropped::User { own: false, .. }) => {
                info!("{}", no_default_user_line("notify", &program));
            }
            Err(Dropped::Empty | Dropped::Refused(_)) => {}
        }
        *slot = None;
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
        summary: LoadSummary::default(),
    };
    let mut removed = Vec::new();
    m.scripts.retain_mut(|sc| {
        // vrrp.c `check_track_script_secure`; the user lines are those of
        // vrrp_parser.c `vrrp_vscript_user_handler` / `vrrp_vscript_end_handler`.
        let text = cmd_str(&sc.argv);
        match ck.check(&mut sc.argv, &sc.user, &mut sc.run_as) {
            Ok(()) => return true,
            Err(Dropped::User { own: true, .. }) => {
                info!("Unable to set uid/gid for script {text}");
            }
            Err(Dropped::User { own: false, .. }) => {
                info!(
                    "Unable to set default user for vrrp script {} - removing",
                    sc.name
                );
            }
            Err(Dropped::Refused(e)) if e.inhibited() => {
                info!("Disabling track script {} due to insecure", sc.name);
            }
            Err(Dropped::Refused(e)) if e.not_found() => {
                info!(
                    "Disabling track script {} since not found/accessible",
                    sc.name
                );
            }
            Err(Dropped::Refused(_) | Dropped::Empty) => {}
        }
        removed.push(sc.name.clone());
        false
    });
    for name in removed {
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
            check_notify_block(&mut ck, n);
        }
    }
    for n in m.group_notify.values_mut() {
        check_notify_block(&mut ck, n);
    }
    for f in &mut m.notify_fifos {
        let Some(c) = &mut f.script else {
            continue;
        };
        match ck.check(&mut c.argv, &c.user, &mut c.run_as) {
            Ok(()) => continue,
            Err(Dropped::User { error, .. }) => info!(
                "notify fifo script of {}: {error}; unable to set the script user - removing",
                f.path.display()
            ),
            Err(Dropped::Empty | Dropped::Refused(_)) => {}
        }
        f.script = None;
    }
    // vrrp.c `check_vrrp_script_security` says nothing without instances
    // (vrrpd still checks the scripts: a FIFO script must not run unchecked).
    if !m.instances.is_empty()
        && let Some(line) = ck.summary.violation_line(ck.security, ScriptsOf::Vrrp)
    {
        info!("{line}");
    }
}

/// Checks every script of one notify block (an instance's or a sync
/// group's) in keepalived's order (vrrp.c `check_vrrp_script_security`).
fn check_notify_block(ck: &mut Checker, n: &mut crate::spec::mapping::NotifySpec) {
    for slot in [
        &mut n.backup,
        &mut n.master,
        &mut n.fault,
        &mut n.stop,
        &mut n.deleted,
        &mut n.generic,
        &mut n.master_rx_lower_pri,
    ] {
        ck.check_notify(slot);
    }
}
