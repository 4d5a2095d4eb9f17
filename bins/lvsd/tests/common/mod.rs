//! Shared by the tests that run the daemon in a child process.

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
