//! keepalived's notify FIFOs (`notify_fifo`, `vrrp_notify_fifo` and their
//! `*_script`; keepalived notify.c `fifo_open`, vrrp_notify.c `notify_fifo`).
//!
//! - Opening: the FIFO is created (mode 0644, chowned to the configured
//!   `USER [GROUP]`) if it does not exist, the fifo script (if any) is started
//!   with the FIFO path appended to its arguments, then the FIFO is opened
//!   `O_RDWR | O_NONBLOCK | O_NOFOLLOW` — read-write so that it opens without
//!   a reader and never raises SIGPIPE.
//! - Every state change writes one line, `INSTANCE "NAME" STATE PRIORITY\n`
//!   or `GROUP "NAME" STATE 0\n`, with STATE one of MASTER, BACKUP, FAULT,
//!   STOP.
//! - Writes never block: a line (always shorter than PIPE_BUF, so written
//!   whole or not at all) that does not fit because the reader is slow or
//!   absent and the pipe buffer (64 KiB on Linux) is full is dropped and
//!   counted, as keepalived drops it (it ignores the write error).
//! - On close the FIFO is removed if we created it, and the fifo script's
//!   process group is killed.

use std::io::{self, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use tokio::process::Child;

use crate::script_security::RunAs;

/// `INSTANCE "NAME" STATE PRIORITY` as keepalived writes it (with newline).
pub fn instance_line(name: &str, state: &str, priority: u8) -> String {
    format!("INSTANCE \"{name}\" {state} {priority}\n")
}

/// `GROUP "NAME" STATE 0` as keepalived writes it (with newline).
pub fn group_line(name: &str, state: &str) -> String {
    format!("GROUP \"{name}\" {state} 0\n")
}

/// An open notify FIFO.
#[derive(Debug)]
pub struct NotifyFifo {
    path: PathBuf,
    file: std::fs::File,
    created: bool,
    script: Option<Child>,
    dropped: u64,
}

impl NotifyFifo {
    /// Creates (if missing) and opens the FIFO at `path`; starts `script`
    /// (argv, with `path` appended; run as `script_user`) before opening, as
    /// keepalived does. `owner` is the FIFO's `USER [GROUP]`. Must be called
    /// inside a tokio runtime when `script` is given.
    pub fn open(
        path: &Path,
        owner: Option<RunAs>,
        script: Option<(&[String], Option<RunAs>)>,
    ) -> io::Result<Self> {
        let mut created = false;
        match nix::unistd::mkfifo(path, nix::sys::stat::Mode::from_bits_truncate(0o644)) {
            Ok(()) => {
                created = true;
                if let Some(o) = owner
                    && o != RunAs::current()
                    && let Err(e) = nix::unistd::chown(
                        path,
                        Some(nix::unistd::Uid::from_raw(o.uid)),
                        Some(nix::unistd::Gid::from_raw(o.gid)),
                    )
                {
                    tracing::warn!(fifo = %path.display(), "failed to set uid:gid for fifo: {e}");
                }
            }
            Err(nix::errno::Errno::EEXIST) => {}
            Err(e) => return Err(io::Error::from(e)),
        }
        let cleanup = |e: io::Error| {
            if created {
                let _ = std::fs::remove_file(path);
            }
            e
        };
        let child = match script {
            Some((argv, run_as)) => Some(spawn_reader(argv, path, run_as).map_err(cleanup)?),
            None => None,
        };
        let file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .custom_flags(libc::O_NONBLOCK | libc::O_NOFOLLOW)
            .open(path)
            .map_err(cleanup)?;
        Ok(NotifyFifo {
            path: path.to_path_buf(),
            file,
            created,
            script: child,
            dropped: 0,
        })
    }

    /// The FIFO's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Lines dropped because the FIFO was full.
    pub fn dropped(&self) -> u64 {
        self.dropped
    }

    /// Writes one line without blocking; a full FIFO drops the line (logged
    /// and counted). Returns whether it was written.
    pub fn write_line(&mut self, line: &str) -> bool {
        match (&self.file).write(line.as_bytes()) {
            Ok(n) if n == line.len() => true,
            Ok(_) | Err(_) => {
                self.dropped += 1;
                tracing::warn!(
                    fifo = %self.path.display(),
                    dropped = self.dropped,
                    "notify fifo full (reader slow or absent): line dropped: {}",
                    line.trim_end()
                );
                false
            }
        }
    }
}

impl Drop for NotifyFifo {
    fn drop(&mut self) {
        if let Some(child) = &mut self.script {
            if let Some(pid) = child.id() {
                let _ = crate::sys::kill_process_group(pid, libc::SIGTERM);
            }
            let _ = child.start_kill();
        }
        if self.created {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

fn spawn_reader(argv: &[String], fifo: &Path, run_as: Option<RunAs>) -> io::Result<Child> {
    let (program, args) = argv
        .split_first()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "empty fifo script"))?;
    let mut cmd = crate::script::script_command(program, args, run_as);
    cmd.arg(fifo);
    cmd.spawn()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_util::tmpdir;
    use std::io::Read;
    use std::os::unix::fs::FileTypeExt;

    #[test]
    fn lines_have_keepalived_format() {
        assert_eq!(
            instance_line("VI_1", "MASTER", 150),
            "INSTANCE \"VI_1\" MASTER 150\n"
        );
        assert_eq!(group_line("G", "BACKUP"), "GROUP \"G\" BACKUP 0\n");
    }

    #[test]
    fn creates_writes_and_removes() {
        let d = tmpdir("basic");
        let p = d.join("fifo");
        let mut f = NotifyFifo::open(&p, None, None).unwrap();
        assert!(std::fs::metadata(&p).unwrap().file_type().is_fifo());
        assert!(f.write_line(&instance_line("A", "BACKUP", 100)));
        assert!(f.write_line(&instance_line("A", "MASTER", 100)));
        let mut r = std::fs::OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_NONBLOCK)
            .open(&p)
            .unwrap();
        let mut buf = [0u8; 256];
        let n = r.read(&mut buf).unwrap();
        assert_eq!(
            std::str::from_utf8(&buf[..n]).unwrap(),
            "INSTANCE \"A\" BACKUP 100\nINSTANCE \"A\" MASTER 100\n"
        );
        drop(f);
        assert!(!p.exists(), "created fifo removed");
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn full_fifo_drops_without_blocking() {
        let d = tmpdir("full");
        let p = d.join("fifo");
        let mut f = NotifyFifo::open(&p, None, None).unwrap();
        let line = instance_line("A-long-instance-name", "MASTER", 254);
        let mut written = 0usize;
        let t0 = std::time::Instant::now();
        for _ in 0..100_000 {
            if !f.write_line(&line) {
                break;
            }
            written += 1;
        }
        assert!(f.dropped() == 1, "a write failed once the pipe filled");
        // A pipe holds at least 4 KiB and at most 1 MiB by default.
        assert!(
            written * line.len() >= 4096 && written * line.len() <= 1 << 20,
            "{written}"
        );
        assert!(t0.elapsed() < std::time::Duration::from_secs(5));
        // An existing FIFO is used and kept.
        drop(f);
        nix::unistd::mkfifo(&p, nix::sys::stat::Mode::from_bits_truncate(0o600)).unwrap();
        drop(NotifyFifo::open(&p, None, None).unwrap());
        assert!(p.exists(), "pre-existing fifo kept");
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[tokio::test]
    async fn fifo_script_gets_the_path_and_reads_lines() {
        let d = tmpdir("script");
        let p = d.join("fifo");
        let out = d.join("out");
        let argv: Vec<String> = vec![
            "sh".into(),
            "-c".into(),
            format!(
                "while read -r l; do echo \"$l\" >> {}; done < \"$0\"",
                out.display()
            ),
        ];
        let mut f = NotifyFifo::open(&p, None, Some((&argv, None))).unwrap();
        assert!(f.write_line(&instance_line("VI_1", "MASTER", 150)));
        assert!(f.write_line(&group_line("G1", "MASTER")));
        let want = "INSTANCE \"VI_1\" MASTER 150\nGROUP \"G1\" MASTER 0\n";
        let mut got = String::new();
        for _ in 0..100 {
            got = std::fs::read_to_string(&out).unwrap_or_default();
            if got == want {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        assert_eq!(got, want);
        drop(f);
        std::fs::remove_dir_all(&d).unwrap();
    }
}
