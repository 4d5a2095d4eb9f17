//! Running notify scripts the way keepalived does (docs/keepalived.md §3.18): the argv is
//! executed directly (no shell), in its own process group, with SIGTERM on our
//! death, without IFS / LD_PRELOAD / LD_LIBRARY_PATH, with a timeout after which
//! the whole group is killed. Output lines go to tracing.

use std::process::Stdio;
use std::time::{Duration, Instant};

use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};
use tokio::process::Command;

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

fn log_lines<R: AsyncRead + Unpin + Send + 'static>(
    reader: R,
    program: String,
    stream: &'static str,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut lines = BufReader::new(reader).lines();
        while let Ok(Some(line)) = lines.next_line().await {
            tracing::info!(script = %program, stream, "{line}");
        }
    })
}

/// A command the way keepalived starts scripts: no shell, IFS / LD_PRELOAD /
/// LD_LIBRARY_PATH removed, stdin from /dev/null (stdout and stderr too
/// unless the caller pipes them), its own process group, SIGTERM on our
/// death, killed when dropped, run as `run_as` (std clears the
/// supplementary groups when root sets a uid).
pub(crate) fn script_command(program: &str, args: &[String], run_as: Option<RunAs>) -> Command {
    let mut cmd = Command::new(program);
    if let Some(who) = run_as
        && who != RunAs::current()
    {
        cmd.uid(who.uid).gid(who.gid);
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
            if let Some(pid) = pid {
                let _ = sys::kill_process_group(pid, libc::SIGKILL);
            }
            let _ = child.wait().await;
            tracing::warn!(script = %program, ?timeout, "script timed out, killed");
            return Err(ScriptError::Timeout {
                program: program.clone(),
                timeout,
            });
        }
    };
    // The readers end when every holder of the pipes has exited; don't wait on
    // grandchildren that keep them open.
    for h in [out, err].into_iter().flatten() {
        let _ = tokio::time::timeout(Duration::from_millis(100), h).await;
    }
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

    #[tokio::test]
    async fn runs_as_the_given_user() {
        if !nix::unistd::geteuid().is_root() {
            eprintln!("SKIPPED: needs root (setuid)");
            return;
        }
        let dir = std::env::temp_dir().join(format!("netio-runas-{}", std::process::id()));
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
                &argv(&["/nonexistent/netio-script"]),
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
