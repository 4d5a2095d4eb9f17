//! Shared by the tests that run the daemon in a child process or need root.
#![allow(dead_code, clippy::unwrap_used)]

use std::path::PathBuf;

/// A child daemon: killed on drop (also when the test fails), and its
/// directory removed.
pub struct Child {
    /// The child process.
    pub proc: std::process::Child,
    /// Its scratch directory.
    pub dir: PathBuf,
}

impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.proc.kill();
        let _ = self.proc.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Whether the test runs as root (the namespace tests skip otherwise).
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

/// Runs `args` (the program first); the test fails, with its standard
/// error, unless it succeeds.
pub fn sh(args: &[&str]) {
    let out = std::process::Command::new(args[0])
        .args(&args[1..])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}
