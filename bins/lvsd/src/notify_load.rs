//! The notify and quorum scripts of a configuration checked when it loads,
//! as keepalived's checker process checks them (check_data.c
//! `check_check_script_security`, notify.c `notify_script_init`,
//! `check_notify_script_secure`, `check_script_secure`): a virtual server's
//! `quorum_up` / `quorum_down` and a real server's `notify_up` /
//! `notify_down` are removed — never run, and absent from KEEPALIVED-MIB's
//! virtualServerQuorumUp/Down and realServerNotifyUp/Down columns — when
//!
//! - their own `USER [GROUP]` does not resolve ("Invalid user/group for
//!   KIND script PROGRAM - ignoring"), or they have none and there is no
//!   default script user ("Failed to set default user for KIND script
//!   PROGRAM - ignoring"), KIND being `quorum` or `notify`;
//! - the program is missing, not executable by its user, or (with
//!   `enable_script_security`) runs as root from a path non-root users can
//!   change: keepalived-runtime's
//!   [`check_script`],
//!   logged with [`ScriptRefused::log_line`](keepalived_runtime::ScriptRefused::log_line).
//!
//! An insecure script kept (no `enable_script_security`) is logged with
//! keepalived's "Unsafe permissions found for script ..." line. Runs at
//! every load, so a reload checks the scripts again. [`summary`] and
//! [`log_summary`] give keepalived's once-per-load "SECURITY VIOLATION -
//! check scripts are being executed but script_security not enabled."
//! (whenever a script file was found without `enable_script_security`).

use keepalived_runtime::load_users::{invalid_own_user_line, no_default_user_line};
use keepalived_runtime::script_security::{
    LoadSummary, ScriptsOf, check_script, lookup_user, unsafe_line,
};

use crate::model::{Command, Desired};
use crate::script_policy::Resolved;

/// What keepalived does with one script at load.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Verdict {
    /// Kept; the line logged for it, if any (an insecure script kept).
    Kept(Option<String>),
    /// Removed, with the line logged.
    Removed(String),
}

/// Checks one script of kind `kind` ("notify", "quorum") under `policy`.
fn verdict(cmd: &Command, kind: &str, policy: &Resolved) -> Verdict {
    let Some(program) = cmd.argv.first() else {
        return Verdict::Removed(format!("Unable to parse {kind} script - ignoring"));
    };
    let who = match &cmd.user {
        Some((u, g)) => match lookup_user(u, g.as_deref()) {
            Ok(w) => w,
            Err(_) => return Verdict::Removed(invalid_own_user_line(kind, program)),
        },
        None => match &policy.who {
            Ok(w) => *w,
            Err(_) => return Verdict::Removed(no_default_user_line(kind, program)),
        },
    };
    match check_script(program, who, policy.security) {
        Ok(c) if c.insecure => Verdict::Kept(Some(unsafe_line(&c.program, false))),
        Ok(_) => Verdict::Kept(None),
        Err(e) => Verdict::Removed(e.log_line()),
    }
}

/// Applies [`verdict`] to `slot`, removing a refused script; pushes the
/// line logged.
fn check_slot<C: std::borrow::Borrow<Command>>(
    slot: &mut Option<C>,
    kind: &str,
    policy: &Resolved,
    lines: &mut Vec<(bool, String)>,
) {
    let Some(cmd) = slot.as_ref().map(std::borrow::Borrow::borrow) else {
        return;
    };
    match verdict(cmd, kind, policy) {
        Verdict::Kept(line) => lines.extend(line.map(|l| (false, l))),
        Verdict::Removed(line) => {
            lines.push((true, line));
            *slot = None;
        }
    }
}

/// Removes every notify and quorum script of `desired` that keepalived
/// would remove at load, under the default user `policy` resolves. Returns
/// the lines keepalived logs, in its order (per virtual server its quorum
/// scripts, then each real server's notify scripts), each flagged true
/// when its script was removed.
pub fn check(desired: &mut Desired, policy: &Resolved) -> Vec<(bool, String)> {
    let mut lines = Vec::new();
    for vs in &mut desired.virtual_servers {
        check_slot(&mut vs.quorum_up, "quorum", policy, &mut lines);
        check_slot(&mut vs.quorum_down, "quorum", policy, &mut lines);
        for rs in &mut vs.real_servers {
            check_slot(&mut rs.notify_up, "notify", policy, &mut lines);
            check_slot(&mut rs.notify_down, "notify", policy, &mut lines);
        }
    }
    lines
}

/// [`check`] with `desired`'s own script policy (its default user looked up
/// now), logging each line; returns how many scripts were removed.
pub fn disable_refused(desired: &mut Desired) -> usize {
    let policy = desired.script_policy.resolve();
    let lines = check(desired, &policy);
    let mut removed = 0;
    for (gone, line) in lines {
        removed += usize::from(gone);
        // keepalived logs these at LOG_INFO.
        tracing::info!("{line}");
    }
    removed
}

/// The scripts of `desired` as keepalived's checker process counts them
/// for its load summary (check_data.c `check_check_script_security`, with
/// check_misc.c `check_misc_script_security`): MISC_CHECK scripts, quorum
/// and real server notify scripts, and the notify FIFO scripts, each
/// checked as its user (its own, else the default `policy` resolves); one
/// whose user cannot be used is not counted (keepalived drops it while
/// reading the file). Call before any refused script is removed.
pub fn summary(desired: &Desired, policy: &Resolved) -> LoadSummary {
    let mut sum = LoadSummary::default();
    if desired.virtual_servers.is_empty() {
        // keepalived checks nothing without a virtual server.
        return sum;
    }
    let mut note =
        |argv: &[String], user: Option<&(String, Option<String>)>, default: &Resolved| {
            let who = match user {
                Some((u, g)) => lookup_user(u, g.as_deref()).ok(),
                None => default.who.as_ref().ok().copied(),
            };
            if let (Some(who), Some(program)) = (who, argv.first()) {
                sum.note(&check_script(program, who, default.security));
            }
        };
    for vs in &desired.virtual_servers {
        for c in vs.real_servers.iter().flat_map(|rs| &rs.checkers) {
            if let crate::model::CheckKind::Misc(m) = &c.kind {
                note(&m.argv, m.user.as_ref(), &m.policy.resolve());
            }
        }
    }
    for vs in &desired.virtual_servers {
        for q in [&vs.quorum_up, &vs.quorum_down].into_iter().flatten() {
            note(&q.argv, q.user.as_ref(), policy);
        }
        for rs in &vs.real_servers {
            for n in [&rs.notify_up, &rs.notify_down].into_iter().flatten() {
                let n: &Command = std::borrow::Borrow::borrow(n);
                note(&n.argv, n.user.as_ref(), policy);
            }
        }
    }
    for argv in desired
        .notify_fifos
        .iter()
        .filter_map(|f| f.script.as_ref())
    {
        note(argv, None, policy);
    }
    sum
}

/// Logs keepalived's "SECURITY VIOLATION - check scripts are being executed
/// but script_security not enabled." for `sum`, when it applies (once per
/// load, after the scripts are checked); returns the line logged.
pub fn log_summary(sum: &LoadSummary, policy: &Resolved) -> Option<String> {
    let line = sum.violation_line(policy.security, ScriptsOf::Checker)?;
    tracing::info!("{line}");
    Some(line)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    /// A scratch directory with an executable script `ok.sh` and a
    /// non-executable `noexec.sh`, mode 0755, owned by whoever runs the test.
    fn scratch(tag: &str) -> std::path::PathBuf {
        let d = std::env::temp_dir().join(format!("lvsd-notify-load-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        std::fs::set_permissions(&d, std::fs::Permissions::from_mode(0o755)).unwrap();
        for (name, mode) in [("ok.sh", 0o755), ("noexec.sh", 0o644)] {
            let f = d.join(name);
            std::fs::write(&f, "#!/bin/sh\nexit 0\n").unwrap();
            std::fs::set_permissions(&f, std::fs::Permissions::from_mode(mode)).unwrap();
        }
        d
    }

    fn mapped(text: &str) -> Desired {
        let parsed =
            keepalived_conf::parse_str("t.conf", text, &keepalived_conf::LoadOptions::default());
        crate::mapping::map_config(&parsed.config).desired
    }

    /// `quorum_up`/`quorum_down` and one real server's `notify_up`/`notify_down`.
    fn config(globals: &str, up: &str, down: &str, n_up: &str, n_down: &str) -> String {
        format!(
            "global_defs {{ {globals} }}\n\
             virtual_server 10.1.0.1 80 {{\n lb_kind NAT\n protocol TCP\n\
             quorum_up \"{up}\"\n quorum_down \"{down}\"\n\
             real_server 10.2.0.1 80 {{\n notify_up \"{n_up}\"\n notify_down \"{n_down}\"\n }}\n}}\n"
        )
    }

    fn present(d: &Desired) -> [bool; 4] {
        let vs = &d.virtual_servers[0];
        let rs = &vs.real_servers[0];
        [
            vs.quorum_up.is_some(),
            vs.quorum_down.is_some(),
            rs.notify_up.is_some(),
            rs.notify_down.is_some(),
        ]
    }

    /// A missing script and a non-executable one are removed with
    /// keepalived's lines; an executable one is kept (and its user
    /// root, without script security, is not reported).
    #[test]
    fn missing_and_non_executable_scripts_are_removed() {
        let d = scratch("exec");
        let ok = d.join("ok.sh").display().to_string();
        let noexec = d.join("noexec.sh").display().to_string();
        let missing = d.join("missing.sh").display().to_string();
        let mut desired = mapped(&config(
            "",
            &ok,
            &missing,
            &format!("{noexec} arg"),
            "lvsd-no-such-program-anywhere",
        ));
        assert_eq!(present(&desired), [true; 4]);
        let who = keepalived_runtime::RunAs::current();
        let lines = check(&mut desired, &Resolved::default());
        let real = std::fs::canonicalize(&d).unwrap();
        // A non-root user cannot execute a 0644 file; root can when any x
        // bit is set, and none is: both refuse it.
        assert_eq!(
            lines,
            [
                (
                    true,
                    format!("Script {missing} cannot be accessed - No such file or directory")
                ),
                (
                    true,
                    format!(
                        "WARNING - script '{}' is not executable for uid:gid {}:{} - disabling.",
                        real.join("noexec.sh").display(),
                        who.uid,
                        who.gid
                    )
                ),
                (
                    true,
                    "Cannot find script lvsd-no-such-program-anywhere in path - disabling"
                        .to_string()
                ),
            ]
        );
        assert_eq!(present(&desired), [true, false, false, false]);
        assert!(
            check(&mut desired, &Resolved::default()).is_empty(),
            "nothing more to remove"
        );
        let _ = std::fs::remove_dir_all(&d);
    }

    /// With `enable_script_security`, a script run as root from a
    /// world-writable directory is removed; without, it is kept and
    /// reported as unsafe.
    #[test]
    fn a_script_in_a_world_writable_directory_is_removed_with_script_security() {
        if keepalived_runtime::RunAs::current().uid != 0 {
            eprintln!("SKIPPED: needs root (root-owned script path)");
            return;
        }
        let d = scratch("insecure");
        std::fs::set_permissions(&d, std::fs::Permissions::from_mode(0o777)).unwrap();
        let ok = d.join("ok.sh").display().to_string();
        let shown = std::fs::canonicalize(d.join("ok.sh")).unwrap();
        let text = config("", &ok, "/bin/true", "/bin/true", "/bin/true");
        let root = Resolved {
            who: Ok(keepalived_runtime::RunAs { uid: 0, gid: 0 }),
            security: true,
        };
        let mut desired = mapped(&text);
        assert_eq!(
            check(&mut desired, &root),
            [(
                true,
                format!(
                    "Unsafe permissions found for script '{}' - disabling.",
                    shown.display()
                )
            )]
        );
        assert_eq!(present(&desired), [false, true, true, true]);
        let lax = Resolved {
            security: false,
            ..root
        };
        let mut desired = mapped(&text);
        assert_eq!(
            check(&mut desired, &lax),
            [(
                false,
                format!("Unsafe permissions found for script '{}'.", shown.display())
            )]
        );
        assert_eq!(present(&desired), [true; 4]);
        let _ = std::fs::remove_dir_all(&d);
    }

    /// The "SECURITY VIOLATION - check scripts ..." summary follows
    /// keepalived's condition: some script file found (even one refused as
    /// not executable), among MISC_CHECK, quorum, notify and FIFO scripts,
    /// with a virtual server, and no `enable_script_security`.
    #[test]
    fn the_load_summary_counts_every_checker_script_found() {
        let d = scratch("summary");
        let ok = d.join("ok.sh").display().to_string();
        let noexec = d.join("noexec.sh").display().to_string();
        let missing = d.join("missing.sh").display().to_string();
        let plain = "SECURITY VIOLATION - check scripts are being executed but \
                     script_security not enabled.";
        let line = |text: &str, policy: &Resolved| {
            summary(&mapped(text), policy).violation_line(policy.security, ScriptsOf::Checker)
        };
        let lax = Resolved::default();
        let strict = Resolved {
            security: true,
            ..Resolved::default()
        };
        // Nothing found: no summary.
        let none = config(
            "",
            &missing,
            "lvsd-no-such-program-anywhere",
            &missing,
            &missing,
        );
        assert_eq!(line(&none, &lax), None);
        // A non-executable script was found: the summary, unless security.
        let found = config("", &missing, &missing, &noexec, &missing);
        assert_eq!(line(&found, &lax).as_deref(), Some(plain));
        assert_eq!(line(&found, &strict), None);
        // A MISC_CHECK script alone.
        let misc = format!(
            "virtual_server 10.1.0.1 80 {{\n lb_kind NAT\n protocol TCP\n\
             real_server 10.2.0.1 80 {{\n MISC_CHECK {{\n misc_path \"{ok}\"\n }}\n }}\n}}\n"
        );
        assert_eq!(line(&misc, &lax).as_deref(), Some(plain));
        // A FIFO script alone; nothing is checked without a virtual server.
        let fifo = format!(
            "global_defs {{\n lvs_notify_fifo {}\n lvs_notify_fifo_script \"{ok}\"\n}}\n",
            d.join("f.fifo").display()
        );
        assert_eq!(line(&fifo, &lax), None);
        let with_vs = format!(
            "{fifo}virtual_server 10.1.0.1 80 {{\n lb_kind NAT\n protocol TCP\n\
             real_server 10.2.0.1 80 {{\n }}\n}}\n"
        );
        assert_eq!(line(&with_vs, &lax).as_deref(), Some(plain));
        let _ = std::fs::remove_dir_all(&d);
    }

    /// An insecure script kept adds " There are insecure scripts.".
    #[test]
    fn the_load_summary_names_insecure_scripts() {
        if keepalived_runtime::RunAs::current().uid != 0 {
            eprintln!("SKIPPED: needs root (root-owned script path)");
            return;
        }
        let d = scratch("summary-insecure");
        std::fs::set_permissions(&d, std::fs::Permissions::from_mode(0o777)).unwrap();
        let ok = d.join("ok.sh").display().to_string();
        let root = Resolved {
            who: Ok(keepalived_runtime::RunAs { uid: 0, gid: 0 }),
            security: false,
        };
        let sum = summary(
            &mapped(&config("", &ok, "/bin/true", "/bin/true", "/bin/true")),
            &root,
        );
        assert_eq!(
            log_summary(&sum, &root).as_deref(),
            Some(
                "SECURITY VIOLATION - check scripts are being executed but script_security \
                 not enabled. There are insecure scripts."
            )
        );
        let strict = Resolved {
            security: true,
            ..root
        };
        assert_eq!(log_summary(&sum, &strict), None);
        let _ = std::fs::remove_dir_all(&d);
    }

    /// A script whose own user does not resolve, and one without a user
    /// when there is no default user, are ignored with keepalived's lines.
    #[test]
    fn scripts_without_a_user_to_run_as_are_removed() {
        let text = "global_defs { script_user lvsd-no-such-user }\n\
             virtual_server 10.1.0.1 80 {\n lb_kind NAT\n protocol TCP\n\
             quorum_up \"/bin/true up\"\n\
             quorum_down /bin/true root\n\
             real_server 10.2.0.1 80 {\n notify_up /bin/true lvsd-no-such-user\n }\n}\n";
        let mut desired = mapped(text);
        let policy = desired.script_policy.resolve();
        assert!(policy.who.is_err());
        assert_eq!(
            check(&mut desired, &policy),
            [
                (
                    true,
                    "Failed to set default user for quorum script /bin/true - ignoring".to_string()
                ),
                (
                    true,
                    "Invalid user/group for notify script /bin/true - ignoring".to_string()
                ),
            ]
        );
        assert_eq!(present(&desired), [false, true, false, false]);
        assert_eq!(disable_refused(&mut desired), 0);
    }
}
