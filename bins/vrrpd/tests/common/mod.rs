//! Shared by the tests that run a tests-netns script with this build's vrrpd.
#![allow(clippy::unwrap_used, dead_code)]

pub mod frr;
pub mod keepalived_dump;
pub mod keepalived_log;
pub mod netns;
pub mod snmp;

use std::path::{Path, PathBuf};
use std::process::Command;

/// Kills a child on drop (also when the test fails).
pub struct Kid(pub std::process::Child);
impl Drop for Kid {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Namespaces and paths removed on drop (also when the test fails), for
/// tests that make their own namespaces rather than a [`netns::Lab`].
pub struct Cleanup {
    /// Deleted with `ip netns del`.
    pub netns: Vec<String>,
    /// Removed after the namespaces: a file, or a directory with all it
    /// holds.
    pub paths: Vec<PathBuf>,
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        for n in &self.netns {
            let _ = Command::new("ip").args(["netns", "del", n]).status();
        }
        for p in &self.paths {
            let _ = if p.is_dir() {
                std::fs::remove_dir_all(p)
            } else {
                std::fs::remove_file(p)
            };
        }
    }
}

/// Runs `args` (argv\[0\] from PATH); the test fails unless it succeeds.
pub fn sh(args: &[&str]) {
    let st = Command::new(args[0]).args(&args[1..]).status().unwrap();
    assert!(st.success(), "{args:?}");
}

/// True when running as root (effective uid 0).
pub fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("Uid:"))
                .and_then(|l| l.split_whitespace().nth(2).map(|e| e == "0"))
        })
        .unwrap_or(false)
}

/// Whether a network-namespace test is to be skipped, with the reason printed as a
/// `SKIPPED:` line: the environment variable `disable` set to `0`, or not running as root
/// (`needs` says what for).
pub fn skip_netns_test(what: &str, disable: Option<&str>, needs: &str) -> bool {
    if let Some(var) = disable
        && std::env::var(var).is_ok_and(|v| v == "0")
    {
        eprintln!("SKIPPED: {what} disabled with {var}=0");
        return true;
    }
    if !is_root() {
        eprintln!("SKIPPED: {what} needs root ({needs})");
        return true;
    }
    false
}

/// [`skip_netns_test`] for a test that also runs `tools`: skipped as well,
/// with a `SKIPPED:` line naming the first one missing, when one of them is
/// not on PATH.
pub fn skip_netns_test_with_tools(
    what: &str,
    disable: Option<&str>,
    needs: &str,
    tools: &[&str],
) -> bool {
    if skip_netns_test(what, disable, needs) {
        return true;
    }
    match tools.iter().find(|t| !have(t)) {
        Some(t) => {
            eprintln!("SKIPPED: {t} not installed");
            true
        }
        None => false,
    }
}

/// Runs `tests-netns/<script>` with `args` and VRRPD set to this build's
/// binary. Returns its stdout, or None after printing the script's SKIPPED
/// line. Panics (the test fails) on any "not ok" line, a non-zero exit, or a
/// summary line `<summary>: N passed, M failed` with M > 0.
pub fn run_netns_script(script: &str, args: &[&str], summary: &str) -> Option<String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests-netns")
        .join(script);
    let out = Command::new("bash")
        .arg(&path)
        .args(args)
        .env("VRRPD", env!("CARGO_BIN_EXE_vrrpd"))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr);
    println!("{stdout}");
    if let Some(l) = stdout.lines().find(|l| l.contains("SKIPPED:")) {
        eprintln!("{l}");
        return None;
    }
    let failed: Vec<&str> = stdout.lines().filter(|l| l.starts_with("not ok")).collect();
    let tail: Vec<&str> = stderr.lines().rev().take(40).collect();
    assert!(
        out.status.success() && failed.is_empty(),
        "{script} failures:\n{}\n--- stderr (tail) ---\n{}",
        failed.join("\n"),
        tail.into_iter().rev().collect::<Vec<_>>().join("\n")
    );
    let line = stdout
        .lines()
        .find(|l| l.starts_with(&format!("{summary}:")))
        .unwrap();
    assert!(line.ends_with(" 0 failed"), "{line}");
    Some(stdout)
}

/// A test that is one tests-netns script: skipped like
/// [`skip_netns_test`] (`what`, `disable`, `needs`), else runs `script`
/// with `args` through [`run_netns_script`] and fails unless at least
/// `min_ok` of its checks (lines starting "ok - ") passed.
pub fn script_test(
    what: &str,
    disable: Option<&str>,
    needs: &str,
    script: &str,
    args: &[&str],
    summary: &str,
    min_ok: usize,
) {
    if skip_netns_test(what, disable, needs) {
        return;
    }
    let Some(stdout) = run_netns_script(script, args, summary) else {
        return;
    };
    let ok = stdout.lines().filter(|l| l.starts_with("ok - ")).count();
    assert!(ok >= min_ok, "too few checks ran ({ok}):\n{stdout}");
}

/// What a finished command printed and how it ended: stdout, stderr (both
/// UTF-8, else the test fails) and the exit code (-1 when a signal ended it).
pub fn outcome(o: std::process::Output) -> (String, String, i32) {
    (
        String::from_utf8(o.stdout).unwrap(),
        String::from_utf8(o.stderr).unwrap(),
        o.status.code().unwrap_or(-1),
    )
}

/// Runs this build's vrrpd with `args` to the end: its [`outcome`].
pub fn run_vrrpd(args: &[&str]) -> (String, String, i32) {
    outcome(
        Command::new(env!("CARGO_BIN_EXE_vrrpd"))
            .args(args)
            .output()
            .unwrap(),
    )
}

/// The path of the repository's `examples/NAME`.
pub fn example(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples")
        .join(name)
        .display()
        .to_string()
}

/// True when `cmd` is on PATH (`command -v`).
pub fn have(cmd: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {cmd}")])
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Runs `cmd` with `sh -c` and returns its standard output; the test fails,
/// with the command's standard error, unless it succeeds.
pub fn shell(cmd: &str) -> String {
    let out = Command::new("sh").args(["-c", cmd]).output().unwrap();
    assert!(
        out.status.success(),
        "{cmd}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}
