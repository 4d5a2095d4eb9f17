//! Who lvsd's scripts run as, and whether they may run (keepalived notify.c
//! `get_default_script_user`, `check_script_secure`; docs/keepalived.md §3.18), with
//! keepalived-runtime's [`script_security`](keepalived_runtime::script_security), as vrrpd does:
//!
//! - scripts without their own user run as `script_user` (global_defs), else
//!   as `keepalived_script` if that user exists, else as lvsd itself; with
//!   `enable_script_security` a missing `keepalived_script` refuses them;
//! - a script that runs as root from a path non-root users can change is
//!   refused with `enable_script_security`, and run without it (the load
//!   logs keepalived's "Unsafe permissions found for script ..." once, not
//!   each run);
//! - a script its user cannot execute, or that does not exist, is not run.
//!
//! Applies to `notify_fifo_script` / `lvs_notify_fifo_script` (checked when
//! the FIFO opens; a refused one leaves the FIFO open without its reader, as
//! keepalived drops the script and keeps the FIFO) and to `notify_up`,
//! `notify_down`, `quorum_up` and `quorum_down` (checked at load by
//! [`notify_load`](crate::notify_load), which removes the refused ones as
//! keepalived does, and again each time they run).

use keepalived_conf as kc;
use keepalived_runtime::script_security::{check_script, default_script_user, with_program};
use keepalived_runtime::{RunAs, ScriptRefused, ScriptUserError, UserError};

/// `script_user` and `enable_script_security` of `global_defs`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct ScriptPolicy {
    /// `script_user USER [GROUP]`.
    pub user: Option<(String, Option<String>)>,
    /// `enable_script_security`.
    pub security: bool,
}

impl ScriptPolicy {
    /// The policy of `g`.
    pub fn of(g: &kc::GlobalDefs) -> Self {
        ScriptPolicy {
            user: g
                .script_user
                .as_ref()
                .map(|u| (u.value.user.clone(), u.value.group.clone())),
            security: g.enable_script_security.as_ref().is_some_and(|v| v.value),
        }
    }

    /// Resolves the default user now (the user database may change between
    /// reloads, so this is done per configuration, not once).
    pub fn resolve(&self) -> Resolved {
        let who = default_script_user(
            self.user.as_ref().map(|(u, g)| (u.as_str(), g.as_deref())),
            self.security,
        )
        .map_err(NotRun::User);
        Resolved {
            who,
            security: self.security,
        }
    }
}

/// Why a script is not run, split by what is at fault: the user it would
/// run as (the configuration or the user database) or the script itself.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum NotRun {
    /// The default user (`script_user`, else the default script user)
    /// cannot be used.
    #[error(transparent)]
    User(ScriptUserError),
    /// The script's own `USER [GROUP]` cannot be used.
    #[error("failed to set uid/gid: {0}")]
    OwnUser(UserError),
    /// The command is empty.
    #[error("empty command")]
    EmptyCommand,
    /// The script file is refused (missing, not executable, insecure).
    #[error(transparent)]
    Refused(#[from] ScriptRefused),
}

/// A [`ScriptPolicy`] with its default user looked up.
#[derive(Debug, Clone)]
pub struct Resolved {
    /// The default user, or why there is none.
    pub who: Result<RunAs, NotRun>,
    /// `enable_script_security`.
    pub security: bool,
}

impl Default for Resolved {
    /// Scripts run as lvsd itself, unchecked paths allowed (tests).
    fn default() -> Self {
        Resolved {
            who: Ok(RunAs::current()),
            security: false,
        }
    }
}

impl Resolved {
    /// The argv to execute (argv\[0\] the checked program) and the identity
    /// to run it as, or why `what` is not run (logged by the caller).
    pub fn prepare(&self, argv: &[String]) -> Result<(Vec<String>, RunAs), NotRun> {
        self.prepare_as(argv, None)
    }

    /// [`prepare`](Self::prepare) for a script with its own `USER [GROUP]`
    /// (`notify_up SCRIPT USER GROUP`), which replaces the default user; an
    /// unknown one refuses the script (keepalived removes it at load).
    pub fn prepare_as(
        &self,
        argv: &[String],
        user: Option<&(String, Option<String>)>,
    ) -> Result<(Vec<String>, RunAs), NotRun> {
        self.check_as(argv, user).map(|p| (p.argv, p.who))
    }

    /// [`prepare_as`](Self::prepare_as), telling also whether the script
    /// runs as root from a path non-root users can change (kept because
    /// `enable_script_security` is off): the load-time checks log
    /// keepalived's "Unsafe permissions found for script ..." for it, once.
    pub fn check_as(
        &self,
        argv: &[String],
        user: Option<&(String, Option<String>)>,
    ) -> Result<Prepared, NotRun> {
        let who = match user {
            None => self.who.clone()?,
            Some((u, g)) => keepalived_runtime::script_security::lookup_user(u, g.as_deref())
                .map_err(NotRun::OwnUser)?,
        };
        let first = argv.first().ok_or(NotRun::EmptyCommand)?;
        let checked = check_script(first, who, self.security)?;
        Ok(Prepared {
            argv: with_program(argv, &checked.program),
            who,
            insecure: checked.insecure,
        })
    }
}

/// A script ready to run ([`Resolved::check_as`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prepared {
    /// The argv to execute, argv\[0\] the checked program.
    pub argv: Vec<String>,
    /// Who runs it.
    pub who: RunAs,
    /// Runs as root from a path non-root users can change.
    pub insecure: bool,
}

impl Prepared {
    /// keepalived's line for an insecure script kept, when this is one.
    pub fn unsafe_line(&self) -> Option<String> {
        let program = self.argv.first().filter(|_| self.insecure)?;
        Some(keepalived_runtime::script_security::unsafe_line(
            std::path::Path::new(program),
            false,
        ))
    }
}

/// For tests that switch to `nobody`: its identity when running as root
/// and the user exists; otherwise None, after printing why `test` is skipped.
#[cfg(test)]
pub(crate) fn nobody_as_root(test: &str) -> Option<RunAs> {
    if RunAs::current().uid != 0 {
        eprintln!("SKIPPED: {test} needs root (setuid to nobody)");
        return None;
    }
    let nobody = keepalived_runtime::script_security::lookup_user("nobody", None);
    if nobody.is_err() {
        eprintln!("SKIPPED: {test} needs the user nobody");
    }
    nobody.ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_from_global_defs() {
        let text = "global_defs {\n enable_script_security\n script_user nobody nogroup\n}\n";
        let parsed = kc::parse_str("t.conf", text, &kc::LoadOptions::default());
        assert_eq!(
            ScriptPolicy::of(&parsed.config.global_defs),
            ScriptPolicy {
                user: Some(("nobody".into(), Some("nogroup".into()))),
                security: true,
            }
        );
        let parsed = kc::parse_str("t.conf", "", &kc::LoadOptions::default());
        assert_eq!(
            ScriptPolicy::of(&parsed.config.global_defs),
            ScriptPolicy::default()
        );
    }

    #[test]
    fn unknown_user_and_missing_script_are_refused() {
        let p = ScriptPolicy {
            user: Some(("no-such-user-lvsd".into(), None)),
            security: false,
        }
        .resolve();
        let e = p.prepare(&["/bin/true".into()]).unwrap_err();
        assert!(
            matches!(e, NotRun::User(ScriptUserError::Configured(_))),
            "{e:?}"
        );
        assert!(e.to_string().contains("no-such-user-lvsd"), "{e}");
        let p = Resolved::default();
        assert!(p.prepare(&["/no/such/script-lvsd".into()]).is_err());
        assert!(p.prepare(&[]).is_err());
        let (argv, who) = p.prepare(&["true".into(), "x".into()]).unwrap();
        assert!(argv[0].ends_with("/true") && argv[1] == "x", "{argv:?}");
        assert_eq!(who, RunAs::current());
    }

    #[test]
    fn script_user_resolves_to_its_ids() {
        let p = ScriptPolicy {
            user: Some(("root".into(), None)),
            security: false,
        }
        .resolve();
        assert_eq!(p.who.unwrap(), RunAs { uid: 0, gid: 0 });
    }

    /// An insecure script kept (no `enable_script_security`) carries
    /// keepalived's line for the load; a secure one none.
    #[test]
    fn an_insecure_script_kept_has_its_unsafe_line() {
        use std::os::unix::fs::PermissionsExt;
        if RunAs::current().uid != 0 {
            eprintln!("SKIPPED: needs root (root-owned script path)");
            return;
        }
        let d = std::env::temp_dir().join(format!("lvsd-unsafe-line-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        std::fs::set_permissions(&d, std::fs::Permissions::from_mode(0o777)).unwrap();
        let script = d.join("s.sh");
        std::fs::write(&script, "#!/bin/sh\nexit 0\n").unwrap();
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
        let root = Resolved {
            who: Ok(RunAs { uid: 0, gid: 0 }),
            security: false,
        };
        let p = root
            .check_as(&[script.display().to_string()], None)
            .unwrap();
        let shown = std::fs::canonicalize(&script).unwrap();
        assert_eq!(
            p.unsafe_line(),
            Some(format!(
                "Unsafe permissions found for script '{}'.",
                shown.display()
            ))
        );
        let secure = root.check_as(&["/bin/sh".to_string()], None).unwrap();
        assert_eq!(secure.unsafe_line(), None);
        let _ = std::fs::remove_dir_all(&d);
    }
}
