//! MISC_CHECK (reference §5.3): run `misc_path` (at most `misc_timeout`);
//! exit 0 passes. With `misc_dynamic`, exit 1 fails and exit 2..255 passes
//! and sets the real server's weight to exit−2. With `user`, the script runs
//! as that user (and group).

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

/// Looks a user (and optional group) up in /etc/passwd and /etc/group.
pub fn lookup_user(user: &str, group: Option<&str>) -> Result<(u32, u32), String> {
    let field = |file: &str, name: &str, col: usize| -> Result<u32, String> {
        if let Ok(n) = name.parse::<u32>() {
            return Ok(n);
        }
        let text = std::fs::read_to_string(file).map_err(|e| format!("{file}: {e}"))?;
        text.lines()
            .map(|l| l.split(':').collect::<Vec<_>>())
            .find(|f| f.first() == Some(&name))
            .and_then(|f| f.get(col).and_then(|v| v.parse().ok()))
            .ok_or_else(|| format!("no such user or group `{name}`"))
    };
    let uid = field("/etc/passwd", user, 2)?;
    let gid = match group {
        Some(g) => field("/etc/group", g, 2)?,
        None => field("/etc/passwd", user, 3)?,
    };
    Ok((uid, gid))
}

/// How long a timed-out script has between SIGTERM and SIGKILL (keepalived
/// check_misc.c: `misc_check_child_timeout_thread` sends SIGTERM, then SIGKILL 2 s later).
const TERM_GRACE: Duration = Duration::from_secs(2);

/// Runs `argv` in its own process group, as `uid:gid` when given. After `timeout` the
/// group gets SIGTERM and, if it is still running [`TERM_GRACE`] later, SIGKILL;
/// a timeout is a failure either way.
async fn run(
    argv: &[String],
    ids: Option<(u32, u32)>,
    timeout: Duration,
) -> Result<Option<i32>, String> {
    let (program, args) = argv.split_first().ok_or("empty command")?;
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
        cmd.uid(uid).gid(gid);
    }
    let mut child = cmd.spawn().map_err(|e| format!("{program}: {e}"))?;
    let pid = child.id();
    match tokio::time::timeout(timeout, child.wait()).await {
        Ok(Ok(s)) => Ok(s.code()),
        Ok(Err(e)) => Err(e.to_string()),
        Err(_) => {
            let signal = |sig| {
                if let Some(pid) = pid {
                    let _ = netio::kill_process_group(pid, sig);
                }
            };
            signal(libc::SIGTERM);
            if tokio::time::timeout(TERM_GRACE, child.wait())
                .await
                .is_err()
            {
                signal(libc::SIGKILL);
                let _ = child.wait().await;
            }
            Err(format!("timed out after {timeout:?}"))
        }
    }
}

/// Runs the script once.
pub async fn check(m: &MiscSpec) -> Outcome {
    let ids = match &m.user {
        None => None,
        Some((user, group)) => match lookup_user(user, group.as_deref()) {
            Ok(x) => Some(x),
            Err(e) => return Outcome::fail(e),
        },
    };
    match run(&m.argv, ids, m.timeout).await {
        Ok(code) => judge(code, m.dynamic),
        Err(e) => Outcome::fail(e),
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

    #[test]
    fn root_user_resolves() {
        assert_eq!(lookup_user("root", None), Ok((0, 0)));
        assert_eq!(lookup_user("0", Some("0")), Ok((0, 0)));
        assert!(lookup_user("no-such-user-lvsd", None).is_err());
    }

    fn argv(s: &str) -> Vec<String> {
        crate::script::split_command(s)
    }

    #[tokio::test]
    async fn runs_scripts_and_kills_on_timeout() {
        let spec = |cmd: &str, dynamic| MiscSpec {
            argv: argv(cmd),
            timeout: Duration::from_millis(500),
            dynamic,
            user: None,
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
}
