//! MISC_CHECK (docs/keepalived.md §5.3): run `misc_path` (at most `misc_timeout`);
//! exit 0 passes. With `misc_dynamic`, exit 1 fails and exit 2..255 passes
//! and sets the real server's weight to exit−2. With `user`, the script runs
//! as that user (and group), else as the default script user (`script_user`,
//! `keepalived_script`, lvsd), its path checked as keepalived's
//! `check_misc_script_security` does. Users and groups are looked up through
//! NSS (getpwnam_r/getgrnam_r, keepalived notify.c `set_uid_gid`).

use std::time::Duration;

use super::Outcome;
use crate::model::MiscSpec;

/// Judges an exit code.
pub fn judge(code: Option<i32>, dynamic: bool) -> Outcome {
    match code {
        Some(0) => Outcome::pass(),
        Some(c @ 2..=255) if dynamic => Outcome {
            ok: true,
            weight: Some(i64::from(c - 2)),
            reason: String::new(),
        },
        Some(c) => Outcome::fail(format!("exit code {c}")),
        None => Outcome::fail("killed by a signal"),
    }
}

/// How long a timed-out script has between SIGTERM and SIGKILL (keepalived
/// check_misc.c: `misc_check_child_timeout_thread` sends SIGTERM, then SIGKILL 2 s later).
const TERM_GRACE: Duration = Duration::from_secs(2);

/// Why a MISC_CHECK script gave no exit code: this host could not run it, or
/// the script ran too long.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MiscRunError {
    /// The command is empty.
    #[error("empty command")]
    EmptyCommand,
    /// The script could not be started.
    #[error("{program}: {source}")]
    Spawn {
        /// argv\[0\].
        program: String,
        /// Why.
        source: std::io::Error,
    },
    /// Waiting for the script failed.
    #[error("{0}")]
    Wait(#[source] std::io::Error),
    /// The script ran past its timeout and was killed.
    #[error("timed out after {0:?}")]
    Timeout(Duration),
}

/// Runs `argv` in its own process group, as `uid:gid` when given. After `timeout` the
/// group gets SIGTERM and, if it is still running [`TERM_GRACE`] later, SIGKILL;
/// a timeout is a failure either way.
async fn run(
    argv: &[String],
    ids: Option<(u32, u32)>,
    timeout: Duration,
) -> Result<Option<i32>, MiscRunError> {
    let (program, args) = argv.split_first().ok_or(MiscRunError::EmptyCommand)?;
    let mut cmd = tokio::process::Command::new(program);
    cmd.args(args)
        .env_remove("IFS")
        .env_remove("LD_PRELOAD")
        .env_remove("LD_LIBRARY_PATH")
        .process_group(0)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true);
    if let Some((uid, gid)) = ids {
        // The group as the only supplementary group, as keepalived's
        // `set_script_env` (std would leave none).
        keepalived_runtime::set_script_identity(&mut cmd, uid, gid);
    }
    #[allow(unsafe_code)]
    // SAFETY: the hook runs in the forked child before exec and only calls
    // prctl (async-signal-safe, allocates nothing).
    unsafe {
        cmd.pre_exec(crate::sys::allow_huge_pages_in_child);
    }
    let mut child = cmd.spawn().map_err(|source| MiscRunError::Spawn {
        program: program.clone(),
        source,
    })?;
    let pid = child.id();
    match tokio::time::timeout(timeout, child.wait()).await {
        Ok(Ok(s)) => Ok(s.code()),
        Ok(Err(e)) => Err(MiscRunError::Wait(e)),
        Err(_) => {
            let signal = |sig| {
                if let Some(pid) = pid {
                    let _ = keepalived_runtime::kill_process_group(pid, sig);
                }
            };
            signal(libc::SIGTERM);
            if tokio::time::timeout(TERM_GRACE, child.wait())
                .await
                .is_err()
            {
                signal(libc::SIGKILL);
                // Without CAP_KILL a script of another user survives: don't
                // hold the check (and its permit) until it exits by itself.
                if tokio::time::timeout(keepalived_runtime::script::KILL_WAIT, child.wait())
                    .await
                    .is_err()
                {
                    tracing::error!(
                        script = %program,
                        "MISC_CHECK script still running after SIGKILL (lvsd needs CAP_KILL for scripts of another user)"
                    );
                }
            }
            Err(MiscRunError::Timeout(timeout))
        }
    }
}

/// Who runs the script and the argv to execute (keepalived check_misc.c
/// `misc_end_handler` and `check_misc_script_security`): its `user`, else the
/// default script user (`script_user`, else `keepalived_script` if it exists,
/// else lvsd itself); the path is checked as for notify scripts
/// (`enable_script_security` refuses one writable by non-root users when run
/// as root). A checker refused at load is removed by [`disable_refused`], as
/// keepalived does; one refused later (the script deleted since) fails.
fn prepare(m: &MiscSpec) -> Result<(Vec<String>, keepalived_runtime::RunAs), MiscNotRun> {
    checked(m).map(|p| (p.argv, p.who))
}

/// [`prepare`], telling also whether the script is insecure but kept.
fn checked(m: &MiscSpec) -> Result<crate::script_policy::Prepared, MiscNotRun> {
    let resolved = match &m.user {
        None => m.policy.resolve(),
        // Through NSS (getpwnam_r/getgrnam_r) as keepalived's `set_uid_gid`
        // does, so users from LDAP, systemd's user records and so on resolve.
        Some((user, group)) => crate::script_policy::Resolved {
            who: Ok(keepalived_runtime::script_security::lookup_user(
                user,
                group.as_deref(),
            )?),
            security: m.policy.security,
        },
    };
    resolved
        .check_as(&m.argv, None)
        .map_err(|source| MiscNotRun::Script {
            argv: m.argv.join(" "),
            source,
        })
}

/// Removes every MISC_CHECK whose script cannot be run, as keepalived does when
/// it loads a configuration (check_misc.c `check_misc_script_security`, and the
/// user handling of `misc_user_handler` / `misc_end_handler`): a script that
/// is not found ("since not found/accessible") or not executable by its
/// user, one refused by `enable_script_security` ("due to insecure"), or
/// whose user cannot be resolved ("- removing"). A real server left without checkers is alive.
/// Returns how many were removed; each is logged with keepalived's lines, at
/// its level (LOG_INFO, info here).
pub fn disable_refused(desired: &mut crate::model::Desired) -> usize {
    let mut removed = 0;
    for vs in &mut desired.virtual_servers {
        for rs in &mut vs.real_servers {
            rs.checkers.retain(|c| {
                let crate::model::CheckKind::Misc(m) = &c.kind else {
                    return true;
                };
                let e = match checked(m) {
                    Ok(p) => {
                        if let Some(line) = p.unsafe_line() {
                            tracing::info!("{line}");
                        }
                        return true;
                    }
                    Err(e) => e,
                };
                for line in refusal_lines(&m.argv, m.user.is_some(), &e) {
                    tracing::info!("{line}");
                }
                removed += 1;
                false
            });
        }
    }
    removed
}

/// keepalived's log lines for a MISC_CHECK removed at load, in its order:
/// the user lines of check_misc.c `misc_user_handler` / `misc_end_handler`,
/// or the script's own refusal
/// ([`ScriptRefused::log_line`](keepalived_runtime::ScriptRefused::log_line))
/// followed, for a script inhibited or not found, by
/// `check_misc_script_security`'s "Disabling misc script ..." (a script
/// its user cannot execute has no second line).
fn refusal_lines(argv: &[String], own_user: bool, e: &MiscNotRun) -> Vec<String> {
    use crate::script_policy::NotRun;
    use keepalived_runtime::ScriptRefused;
    let cmd = cmd_str(argv);
    match e {
        MiscNotRun::Script {
            source: NotRun::User(_),
            ..
        } if !own_user => {
            vec![format!(
                "Unable to set default user for misc script {cmd} - removing"
            )]
        }
        MiscNotRun::User(_)
        | MiscNotRun::Script {
            source: NotRun::User(_) | NotRun::OwnUser(_),
            ..
        } => {
            vec![format!(
                "Failed to set uid/gid for misc checker script {cmd} - removing"
            )]
        }
        MiscNotRun::Script {
            source: NotRun::EmptyCommand,
            ..
        } => vec!["No script path has been specified for MISC_CHECKER - skipping".to_string()],
        MiscNotRun::Script {
            source: NotRun::Refused(r),
            ..
        } => {
            let mut lines = vec![r.log_line()];
            if r.inhibited() {
                // By then keepalived has put the resolved path in the command.
                let mut shown = argv.to_vec();
                if let (
                    ScriptRefused::Insecure { path, .. } | ScriptRefused::WrongType(path),
                    Some(first),
                ) = (r, shown.first_mut())
                {
                    *first = path.display().to_string();
                }
                lines.push(format!(
                    "Disabling misc script {} due to insecure",
                    cmd_str(&shown)
                ));
            } else if r.not_found() {
                lines.push(format!(
                    "Disabling misc script {cmd} since not found/accessible"
                ));
            }
            lines
        }
    }
}

/// A command as keepalived logs it (keepalived-runtime's
/// [`cmd_str`](keepalived_runtime::script_text::cmd_str)).
pub(crate) use keepalived_runtime::script_text::cmd_str;

/// Why a MISC_CHECK script is not run (the check then fails).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MiscNotRun {
    /// The checker's own `user` cannot be used.
    #[error(transparent)]
    User(#[from] keepalived_runtime::UserError),
    /// The script is refused (see [`NotRun`](crate::script_policy::NotRun)).
    #[error("misc script {argv}: {source}")]
    Script {
        /// The command line.
        argv: String,
        /// Why.
        source: crate::script_policy::NotRun,
    },
}

/// Runs the script once.
pub async fn check(m: &MiscSpec) -> Outcome {
    let (argv, who) = match prepare(m) {
        Ok(x) => x,
        Err(e) => return Outcome::fail(e.to_string()),
    };
    match run(&argv, Some((who.uid, who.gid)), m.timeout).await {
        Ok(code) => judge(code, m.dynamic),
        Err(e) => Outcome::fail(e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_codes_with_and_without_dynamic() {
        assert!(judge(Some(0), false).ok);
        assert!(!judge(Some(1), false).ok);
        assert!(!judge(Some(7), false).ok);
        assert!(!judge(Some(1), true).ok);
        assert_eq!(judge(Some(7), true).weight, Some(5));
        assert_eq!(judge(Some(2), true).weight, Some(0));
        assert!(!judge(None, true).ok);
    }

    fn spec_as(user: &str, group: Option<&str>) -> MiscSpec {
        MiscSpec {
            argv: vec!["true".into()],
            timeout: Duration::from_secs(1),
            dynamic: false,
            user: Some((user.to_string(), group.map(String::from))),
            policy: Default::default(),
        }
    }

    #[test]
    fn users_resolve_as_getpwnam_does() {
        let (_, who) = prepare(&spec_as("root", Some("root"))).unwrap();
        assert_eq!((who.uid, who.gid), (0, 0));
        assert!(prepare(&spec_as("no-such-user-lvsd", None)).is_err());
        // A number is not a user name to getpwnam(3) (keepalived refuses it too).
        assert!(prepare(&spec_as("0", None)).is_err());
    }

    /// Removes a systemd user record (also when the test fails).
    struct UserRecord(std::path::PathBuf);
    impl Drop for UserRecord {
        fn drop(&mut self) {
            let _ = std::fs::remove_file(&self.0);
        }
    }

    /// A user that exists only through NSS (a systemd user record under
    /// /run/userdb, served by nss-systemd), not in /etc/passwd: MISC_CHECK's
    /// `user` resolves it. Reading /etc/passwd by hand did not ("no such user").
    #[test]
    fn a_user_known_only_to_nss_resolves() {
        let root = keepalived_runtime::RunAs::current().uid == 0;
        if !root {
            eprintln!("SKIPPED: a_user_known_only_to_nss_resolves needs root (/run/userdb)");
            return;
        }
        let name = format!("hd-nss-{}", std::process::id());
        let uid = 47_000 + std::process::id() % 1000;
        let dir = std::path::Path::new("/run/userdb");
        std::fs::create_dir_all(dir).unwrap();
        let path = dir.join(format!("{name}.user"));
        let _rec = UserRecord(path.clone());
        std::fs::write(
            &path,
            format!(
                "{{\"userName\":\"{name}\",\"uid\":{uid},\"gid\":{uid},\
                 \"disposition\":\"system\",\"homeDirectory\":\"/\",\
                 \"shell\":\"/usr/sbin/nologin\"}}\n"
            ),
        )
        .unwrap();
        let in_passwd = std::fs::read_to_string("/etc/passwd")
            .unwrap()
            .lines()
            .any(|l| l.starts_with(&format!("{name}:")));
        assert!(!in_passwd);
        // Without nss-systemd in nsswitch.conf nothing serves the record.
        let seen = std::process::Command::new("getent")
            .args(["passwd", &name])
            .output()
            .is_ok_and(|o| o.status.success());
        if !seen {
            eprintln!(
                "SKIPPED: a_user_known_only_to_nss_resolves: no NSS module serves /run/userdb"
            );
            return;
        }
        let (_, who) = prepare(&spec_as(&name, None)).unwrap();
        assert_eq!((who.uid, who.gid), (uid, uid));
    }

    fn argv(s: &str) -> Vec<String> {
        keepalived_conf::command::split_config_command(s).unwrap()
    }

    #[tokio::test]
    async fn runs_scripts_and_kills_on_timeout() {
        let spec = |cmd: &str, dynamic| MiscSpec {
            argv: argv(cmd),
            timeout: Duration::from_millis(500),
            dynamic,
            user: None,
            policy: Default::default(),
        };
        assert!(check(&spec("true", false)).await.ok);
        assert!(!check(&spec("false", false)).await.ok);
        assert_eq!(check(&spec("sh -c 'exit 12'", true)).await.weight, Some(10));
        let t = std::time::Instant::now();
        // SIGTERM ends `sleep` at once: no 2 s grace used.
        assert!(!check(&spec("sleep 5", false)).await.ok);
        // 2.4 s: margin for a loaded machine, still below the 2.5 s of the grace path.
        assert!(t.elapsed() < Duration::from_millis(2400));
        // A script ignoring SIGTERM is killed 2 s after it.
        let t = std::time::Instant::now();
        assert!(
            !check(&spec("sh -c 'trap \"\" TERM; sleep 10'", false))
                .await
                .ok
        );
        let e = t.elapsed();
        assert!(
            e >= Duration::from_millis(2400) && e < Duration::from_secs(6),
            "{e:?}"
        );
        let mut as_root = spec("sh -c 'test $(id -u) = 0'", false);
        as_root.user = Some(("root".into(), None));
        assert!(check(&as_root).await.ok);
    }

    /// keepalived removes a MISC_CHECK whose script is missing or whose user
    /// is unknown when it loads the configuration, and keeps the others.
    #[test]
    fn refused_scripts_are_removed_at_load() {
        let text = "virtual_server 10.1.0.1 80 {\n lb_kind NAT\n protocol TCP\n\
             real_server 10.2.0.1 80 {\n MISC_CHECK {\n misc_path /no/such/lvsd-check\n }\n }\n\
             real_server 10.2.0.2 80 {\n MISC_CHECK {\n misc_path \"/bin/true 1\"\n }\n\
             MISC_CHECK {\n misc_path /bin/true\n user no-such-user-lvsd\n }\n }\n\
             real_server 10.2.0.3 80 {\n TCP_CHECK {\n }\n }\n}\n";
        let parsed =
            keepalived_conf::parse_str("t.conf", text, &keepalived_conf::LoadOptions::default());
        let mut m = crate::mapping::map_config(&parsed.config);
        let counts = |m: &crate::mapping::Mapped| -> Vec<usize> {
            m.desired.virtual_servers[0]
                .real_servers
                .iter()
                .map(|r| r.checkers.len())
                .collect()
        };
        assert_eq!(counts(&m), [1, 2, 1]);
        assert_eq!(disable_refused(&mut m.desired), 2);
        assert_eq!(counts(&m), [0, 1, 1]);
        let crate::model::CheckKind::Misc(kept) =
            &m.desired.virtual_servers[0].real_servers[1].checkers[0].kind
        else {
            panic!("MISC_CHECK kept");
        };
        assert_eq!(kept.argv, ["/bin/true", "1"]);
        assert_eq!(disable_refused(&mut m.desired), 0, "nothing more to remove");
    }

    #[test]
    fn refusals_are_logged_in_keepalived_words() {
        let argv = vec!["/etc/k/chk.sh".to_string(), "-h10.0.0.1".to_string()];
        let missing = prepare(&MiscSpec {
            argv: vec!["/no/such/lvsd-check".into()],
            timeout: Duration::from_secs(1),
            dynamic: false,
            user: None,
            policy: Default::default(),
        })
        .unwrap_err();
        assert_eq!(
            refusal_lines(&argv, false, &missing),
            [
                "Script /no/such/lvsd-check cannot be accessed - No such file or directory",
                "Disabling misc script '/etc/k/chk.sh' '-h10.0.0.1' since not found/accessible"
            ]
        );
        let unknown = prepare(&spec_as("no-such-user-lvsd", None)).unwrap_err();
        assert_eq!(
            refusal_lines(&argv, true, &unknown),
            [
                "Failed to set uid/gid for misc checker script '/etc/k/chk.sh' '-h10.0.0.1' - removing"
            ]
        );
        // Found but not executable: only check_script_secure's line.
        let dir = std::env::temp_dir().join(format!("lvsd-misc-noexec-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let noexec = dir.join("noexec.sh");
        std::fs::write(&noexec, "#!/bin/sh\nexit 0\n").unwrap();
        let e = prepare(&MiscSpec {
            argv: vec![noexec.display().to_string()],
            timeout: Duration::from_secs(1),
            dynamic: false,
            user: None,
            policy: Default::default(),
        })
        .unwrap_err();
        let lines = refusal_lines(&argv, false, &e);
        let _ = std::fs::remove_dir_all(&dir);
        assert_eq!(lines.len(), 1, "{lines:?}");
        assert!(
            lines[0].starts_with("WARNING - script '") && lines[0].contains("is not executable"),
            "{lines:?}"
        );
    }

    /// A MISC_CHECK without `user` under a `script_user` that does not
    /// resolve is removed at load with keepalived's words (check_misc.c
    /// `misc_end_handler`), the reason naming the user; one with its own
    /// `user` stays.
    #[test]
    fn checks_without_a_default_user_are_removed_in_keepalived_words() {
        let text = "global_defs {\n script_user no-such-user-lvsd\n}\n\
             virtual_server 10.1.0.1 80 {\n lb_kind NAT\n protocol TCP\n\
             real_server 10.2.0.1 80 {\n MISC_CHECK {\n misc_path \"/bin/true 1\"\n }\n\
             MISC_CHECK {\n misc_path /bin/true\n user root\n }\n }\n}\n";
        let parsed =
            keepalived_conf::parse_str("t.conf", text, &keepalived_conf::LoadOptions::default());
        let mut m = crate::mapping::map_config(&parsed.config);
        let checkers = |m: &crate::mapping::Mapped| -> Vec<MiscSpec> {
            m.desired.virtual_servers[0].real_servers[0]
                .checkers
                .iter()
                .filter_map(|c| match &c.kind {
                    crate::model::CheckKind::Misc(s) => Some((**s).clone()),
                    _ => None,
                })
                .collect()
        };
        let before = checkers(&m);
        assert_eq!(before.len(), 2);
        let e = prepare(&before[0]).unwrap_err();
        assert_eq!(
            refusal_lines(&before[0].argv, false, &e),
            ["Unable to set default user for misc script '/bin/true' '1' - removing"]
        );
        assert_eq!(disable_refused(&mut m.desired), 1);
        let after = checkers(&m);
        assert_eq!(after.len(), 1);
        assert_eq!(after[0].user, Some(("root".to_string(), None)));
    }

    /// A MISC_CHECK without `user` runs as global_defs' `script_user`
    /// (keepalived check_misc.c `misc_end_handler`), and with
    /// `enable_script_security` one run as root from a path non-root users can
    /// change is refused.
    #[tokio::test]
    async fn runs_as_script_user_and_refuses_insecure_as_root() {
        use std::os::unix::fs::PermissionsExt;
        let Some(nobody) = crate::script_policy::nobody_as_root("misc runs_as_script_user") else {
            return;
        };
        let dir = std::env::temp_dir().join(format!("lvsd-misc-user-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("out")).unwrap();
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
        std::fs::set_permissions(dir.join("out"), std::fs::Permissions::from_mode(0o777)).unwrap();
        let out = dir.join("out/uid");
        let script = dir.join("rec.sh");
        std::fs::write(&script, format!("#!/bin/sh\nid -u > {}\n", out.display())).unwrap();
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
        let text = |globals: &str, path: &std::path::Path| {
            format!(
                "global_defs {{\n {globals}\n}}\nvirtual_server 10.1.0.1 80 {{\n lb_kind NAT\n\
                 protocol TCP\n real_server 10.2.0.1 80 {{\n MISC_CHECK {{\n misc_path {}\n\
                 misc_timeout 5\n }}\n }}\n}}\n",
                path.display()
            )
        };
        let spec = |text: &str| {
            let parsed = keepalived_conf::parse_str(
                "t.conf",
                text,
                &keepalived_conf::LoadOptions::default(),
            );
            let m = crate::mapping::map_config(&parsed.config);
            match &m.desired.virtual_servers[0].real_servers[0].checkers[0].kind {
                crate::model::CheckKind::Misc(s) => s.clone(),
                k => panic!("not MISC_CHECK: {k:?}"),
            }
        };
        let got = check(&spec(&text("script_user nobody", &script))).await;
        assert!(got.ok, "{}", got.reason);
        let uid = std::fs::read_to_string(&out).unwrap();
        assert_eq!(uid.trim(), nobody.uid.to_string(), "ran as script_user");
        // Explicit `user` wins over script_user.
        let mut s = spec(&text("script_user nobody", &script));
        s.user = Some(("root".into(), None));
        assert!(check(&s).await.ok);
        assert_eq!(std::fs::read_to_string(&out).unwrap().trim(), "0");
        // As root from a world-writable directory with enable_script_security:
        // refused, not run.
        std::fs::remove_file(&out).unwrap();
        let insecure = dir.join("out/rec.sh");
        std::fs::copy(&script, &insecure).unwrap();
        let got = check(&spec(&text(
            "script_user root\n enable_script_security",
            &insecure,
        )))
        .await;
        assert!(
            !got.ok && got.reason.contains("misc script"),
            "{}",
            got.reason
        );
        assert!(!out.exists(), "insecure script not run");
        // Without enable_script_security it runs (with a warning).
        assert!(check(&spec(&text("script_user root", &insecure))).await.ok);
        assert_eq!(std::fs::read_to_string(&out).unwrap().trim(), "0");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
