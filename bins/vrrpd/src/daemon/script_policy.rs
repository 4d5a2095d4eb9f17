//! Who every script runs as and whether it may run (keepalived notify.c
//! `check_script_secure`, `set_script_uid_gid`): [`apply_script_policy`]
//! resolves `user`, `script_user`, keepalived_script or vrrpd for each
//! script of a mapped configuration; refused vrrp_scripts are removed from
//! the instances tracking them ("Disabling track script ... due to
//! insecure"), refused notify scripts are not run.

use keepalived_runtime::script_security::{check_script, default_script_user, lookup_user};
use keepalived_runtime::{RunAs, ScriptUserError};
use tracing::{error, warn};

use crate::spec::mapping::{Mapped, ScriptCmd, TrackerSource};

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
