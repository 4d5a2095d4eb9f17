//! Running notify scripts the way keepalived does (docs/keepalived.md §3.18): the argv is
//! executed directly (no shell), in its own process group, with SIGTERM on our
//! death, without IFS / LD_PRELOAD / LD_LIBRARY_PATH, with a timeout after which
//! the whole group is killed. Output lines go to tracing, bounded
//! ([`crate::script_output`]).

use std::process::Stdio;
use std::time::{Duration, Instant};

use tokio::io::AsyncRead;
use tokio::process::Command;
use tokio::task::JoinHandle;

use crate::error::ScriptError;
use crate::script_security::RunAs;
use crate::sys;

/// How a script ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScriptOutcome {
    /// Exit code, when it exited.
    pub code: Option<i32>,
    /// Signal number, when a signal ended it.
    pub signal: Option<i32>,
    /// Wall time it ran.
    pub elapsed: Duration,
}

impl ScriptOutcome {
    /// Exited with 0.
    pub fn success(&self) -> bool {
        self.code == Some(0)
    }
}

/// How long to wait for a killed script to be reaped.
pub const KILL_WAIT: Duration = Duration::from_secs(5);

/// How long the output readers may go on after the script was reaped: a
/// background process it started may keep the pipes open; then the readers
/// are aborted, which closes the daemon's ends.
const READER_GRACE: Duration = Duration::from_millis(100);

fn log_lines<R: AsyncRead + Unpin + Send + 'static>(
    reader: R,
    program: String,
    stream: &'static str,
) -> JoinHandle<()> {
    tokio::spawn(async move { crate::script_output::log_output(reader, &program, stream).await })
}

/// Lets the readers finish within [`READER_GRACE`], then aborts those that
/// did not, so that no pipe end outlives the run.
async fn stop_readers(readers: [Option<JoinHandle<()>>; 2], program: &str) {
    let deadline = tokio::time::Instant::now() + READER_GRACE;
    for mut h in readers.into_iter().flatten() {
        if tokio::time::timeout_at(deadline, &mut h).await.is_err() {
            h.abort();
            // Aborted: the task drops its pipe end when it is next polled,
            // which awaiting it forces.
            let _ = h.await;
            tracing::debug!(
                script = %program,
                "a process the script left running keeps its output open; stopped reading it"
            );
        }
    }
}

/// A command the way keepalived starts scripts: no shell, IFS / LD_PRELOAD /
/// LD_LIBRARY_PATH removed, stdin from /dev/null (stdout and stderr too
/// unless the caller pipes them), its own process group, SIGTERM on our
/// death, killed when dropped, run as `run_as` with that group as its only
/// supplementary group (keepalived notify.c `set_script_env`, see
/// [`sys::set_script_identity`]).
pub(crate) fn script_command(program: &str, args: &[String], run_as: Option<RunAs>) -> Command {
    let mut cmd = Command::new(program);
    if let Some(who) = run_as
        && (who != RunAs::current() || RunAs::current().uid == 0)
    {
        // Before the parent-death signal, which a change of ids clears.
        sys::set_script_identity(&mut cmd, who.uid, who.gid);
    }
    cmd.args(args)
        .env_remove("IFS")
        .env_remove("LD_PRELOAD")
        .env_remove("LD_LIBRARY_PATH")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .process_group(0)
        .kill_on_drop(true);
    sys::set_parent_death_signal(&mut cmd);
    cmd
}

/// Runs `argv` (argv\[0\] is looked up in PATH), waits at most `timeout`, and kills
/// its process group with SIGKILL after that. Must be called inside a tokio
/// runtime.
pub async fn run_script(argv: &[String], timeout: Duration) -> Result<ScriptOutcome, ScriptError> {
    run_script_as(argv, timeout, None).await
}

/// [`run_script`] as another user: the child sets its group, drops every
/// supplementary group and sets its user before exec (keepalived
/// `script_user` / per-script `user USER [GROUP]`).
pub async fn run_script_as(
    argv: &[String],
    timeout: Duration,
    run_as: Option<RunAs>,
) -> Result<ScriptOutcome, ScriptError> {
    use std::os::unix::process::ExitStatusExt;

    let (program, args) = argv.split_first().ok_or(ScriptError::EmptyCommand)?;
    let mut cmd = script_command(program, args, run_as);
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    let started = Instant::now();
    let mut child = cmd.spawn().map_err(|source| ScriptError::Spawn {
        program: program.clone(),
        source,
    })?;
    let pid = child.id();
    let out = child
        .stdout
        .take()
        .map(|o| log_lines(o, program.clone(), "stdout"));
    let err = child
        .stderr
        .take()
        .map(|e| log_lines(e, program.clone(), "stderr"));
    let status = match tokio::time::timeout(timeout, child.wait()).await {
        Ok(r) => r.map_err(|source| ScriptError::Wait {
            program: program.clone(),
            source,
        })?,
        Err(_) => {
            let killed = pid.map(|pid| sys::kill_process_group(pid, libc::SIGKILL));
            // A script running as another user cannot be killed without
            // CAP_KILL: don't wait for it forever (tokio reaps it later).
            if tokio::time::timeout(KILL_WAIT, child.wait()).await.is_err() {
                tracing::error!(
                    script = %program,
                    ?killed,
                    "timed-out script still running {KILL_WAIT:?} after SIGKILL (the daemon needs CAP_KILL for scripts of another user)"
                );
            }
            stop_readers([out, err], program).await;
            tracing::warn!(script = %program, ?timeout, "script timed out, killed");
            return Err(ScriptError::Timeout {
                program: program.clone(),
                timeout,
            });
        }
    };
    // The readers end when every holder of the pipes has exited; don't wait on
    // grandchildren that keep them open, nor leave their pipe ends open.
    stop_readers([out, err], program).await;
    Ok(ScriptOutcome {
        code: status.code(),
        signal: status.signal(),
        elapsed: started.elapsed(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn argv(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[tokio::test]
    async fn exit_codes_are_reported() {
        let ok = run_script(&argv(&["true"]), Duration::from_secs(5))
            .await
            .unwrap();
        assert!(ok.success());
        let bad = run_script(&argv(&["sh", "-c", "exit 3"]), Duration::from_secs(5))
            .await
            .unwrap();
        assert_eq!(bad.code, Some(3));
        assert!(!bad.success());
    }

    #[tokio::test]
    async fn arguments_are_not_shell_expanded() {
        // "$HOME" reaches the program literally: test(1) compares it as a string.
        let r = run_script(
            &argv(&["test", "$HOME", "=", "$HOME"]),
            Duration::from_secs(5),
        )
        .await
        .unwrap();
        assert!(r.success());
        let r = run_script(&argv(&["test", "a b", "=", "a"]), Duration::from_secs(5))
            .await
            .unwrap();
        assert_eq!(r.code, Some(1));
    }

    #[tokio::test]
    async fn timeout_kills_the_group() {
        let t0 = Instant::now();
        let r = run_script(
            &argv(&["sh", "-c", "sleep 30 & sleep 30"]),
            Duration::from_millis(200),
        )
        .await;
        assert!(matches!(r, Err(ScriptError::Timeout { .. })));
        assert!(t0.elapsed() < Duration::from_secs(10));
    }

    /// The pipe inode a process has on `fd`, e.g. "pipe:[1234]".
    fn fd_link(pid: &str, fd: u32) -> String {
        std::fs::read_link(format!("/proc/{pid}/fd/{fd}"))
            .unwrap()
            .to_string_lossy()
            .into_owned()
    }

    #[tokio::test]
    async fn a_background_process_does_not_keep_the_daemons_pipe_ends_open() {
        let dir = crate::test_util::tmpdir("script-bg");
        let pidfile = dir.join("pid");
        let r = run_script(
            &argv(&[
                "sh",
                "-c",
                &format!("sleep 20 & echo $! > {}", pidfile.display()),
            ]),
            Duration::from_secs(5),
        )
        .await
        .unwrap();
        assert!(r.success());
        let pid = std::fs::read_to_string(&pidfile)
            .unwrap()
            .trim()
            .to_string();
        let held = [fd_link(&pid, 1), fd_link(&pid, 2)];
        assert!(held[0].starts_with("pipe:"), "{held:?}");
        let ours: Vec<String> = std::fs::read_dir("/proc/self/fd")
            .unwrap()
            .filter_map(|e| std::fs::read_link(e.ok()?.path()).ok())
            .map(|l| l.to_string_lossy().into_owned())
            .filter(|l| held.contains(l))
            .collect();
        let _ = std::process::Command::new("kill")
            .args(["-9", &pid])
            .status();
        std::fs::remove_dir_all(&dir).unwrap();
        assert!(ours.is_empty(), "the daemon still reads {ours:?}");
    }

    /// A throwaway system user with a supplementary group (useradd,
    /// groupadd), removed on drop (also when the test fails).
    struct ThrowawayUser {
        user: String,
        groups: [String; 2],
    }
    impl ThrowawayUser {
        fn create(tag: &str) -> Option<Self> {
            let id = std::process::id();
            let u = ThrowawayUser {
                user: format!("hd-{tag}-{id}"),
                groups: [format!("hd-{tag}-s{id}"), format!("hd-{tag}-o{id}")],
            };
            let run = |args: &[&str]| {
                std::process::Command::new(args[0])
                    .args(&args[1..])
                    .status()
                    .is_ok_and(|s| s.success())
            };
            let made = run(&["groupadd", "-r", &u.groups[0]])
                && run(&["groupadd", "-r", &u.groups[1]])
                && run(&[
                    "useradd",
                    "-r",
                    "-M",
                    "-s",
                    "/usr/sbin/nologin",
                    "-G",
                    &u.groups[0],
                    &u.user,
                ]);
            made.then_some(u)
        }
    }
    impl Drop for ThrowawayUser {
        fn drop(&mut self) {
            let _ = std::process::Command::new("userdel")
                .arg(&self.user)
                .status();
            for g in &self.groups {
                let _ = std::process::Command::new("groupdel").arg(g).status();
            }
        }
    }

    /// A script run as a user who has a supplementary group gets exactly its
    /// one group as supplementary group, as keepalived 2.2.7's
    /// `set_script_env` (`setgroups(1, &gid)`; checked against keepalived by
    /// vrrpd's script_groups_netns test): not the user's other groups, and
    /// not an empty list (std's default when root sets a uid, which left
    /// `Groups:` empty).
    #[tokio::test]
    async fn a_scripts_only_supplementary_group_is_its_group() {
        if !nix::unistd::geteuid().is_root() {
            eprintln!("SKIPPED: a_scripts_only_supplementary_group_is_its_group needs root");
            return;
        }
        let Some(u) = ThrowawayUser::create("grp") else {
            eprintln!(
                "SKIPPED: a_scripts_only_supplementary_group_is_its_group: no useradd/groupadd"
            );
            return;
        };
        let dir = std::env::temp_dir().join(format!("ka-runtime-groups-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::set_permissions(&dir, std::os::unix::fs::PermissionsExt::from_mode(0o777))
            .unwrap();
        for (n, group) in [None, Some(u.groups[1].as_str())].into_iter().enumerate() {
            let who = crate::script_security::lookup_user(&u.user, group).unwrap();
            let out = dir.join(format!("id{n}"));
            let r = run_script_as(
                &argv(&[
                    "sh",
                    "-c",
                    &format!(
                        "echo $(id -G) / $(sed -n 's/^Groups:[[:space:]]*//p' /proc/self/status) > {}",
                        out.display()
                    ),
                ]),
                Duration::from_secs(5),
                Some(who),
            )
            .await
            .unwrap();
            assert!(r.success());
            let text = std::fs::read_to_string(&out).unwrap();
            assert_eq!(
                text.trim(),
                format!("{0} / {0}", who.gid),
                "group {group:?}"
            );
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[tokio::test]
    async fn runs_as_the_given_user() {
        if !nix::unistd::geteuid().is_root() {
            eprintln!("SKIPPED: needs root (setuid)");
            return;
        }
        let dir = std::env::temp_dir().join(format!("ka-runtime-runas-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::set_permissions(&dir, std::os::unix::fs::PermissionsExt::from_mode(0o777))
            .unwrap();
        let out = dir.join("id");
        let who = crate::script_security::lookup_user("nobody", None).unwrap();
        let r = run_script_as(
            &argv(&[
                "sh",
                "-c",
                &format!("echo $(id -u) $(id -g) $(id -G) > {}", out.display()),
            ]),
            Duration::from_secs(5),
            Some(who),
        )
        .await
        .unwrap();
        assert!(r.success());
        let text = std::fs::read_to_string(&out).unwrap();
        assert_eq!(text.trim(), format!("{0} {1} {1}", who.uid, who.gid));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[tokio::test]
    async fn missing_program_and_empty_argv() {
        assert!(matches!(
            run_script(
                &argv(&["/nonexistent/ka-runtime-script"]),
                Duration::from_secs(1)
            )
            .await,
            Err(ScriptError::Spawn { .. })
        ));
        assert!(matches!(
            run_script(&[], Duration::from_secs(1)).await,
            Err(ScriptError::EmptyCommand)
        ));
    }
}
