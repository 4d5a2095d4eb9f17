//! keepalived's notify FIFOs (`notify_fifo`, `vrrp_notify_fifo` and their
//! `*_script`; keepalived notify.c `fifo_open`, vrrp_notify.c `notify_fifo`).
//!
//! - Opening: the FIFO is created (mode 0644, chowned to the configured
//!   `USER [GROUP]`) if it does not exist, the fifo script (if any) is started
//!   with the FIFO path appended to its arguments, then the FIFO is opened
//!   `O_RDWR | O_NONBLOCK | O_NOFOLLOW` — read-write so that it opens without
//!   a reader and never raises SIGPIPE.
//! - An existing path that is not a FIFO (a regular file, a directory, a
//!   symlink, a device) is refused before the script starts, and checked again
//!   on the open descriptor (fstat), so notify lines never go into a regular
//!   file. keepalived 2.2.7 opens whatever is there (only symlinks are refused
//!   by its `O_NOFOLLOW`) and would overwrite a regular file: a deliberate
//!   difference.
//! - Every state change writes one line, `INSTANCE "NAME" STATE PRIORITY\n`
//!   or `GROUP "NAME" STATE 0\n`, with STATE one of MASTER, BACKUP, FAULT,
//!   STOP.
//! - Writes never block: a line (always shorter than PIPE_BUF, so written
//!   whole or not at all) that does not fit because the reader is slow or
//!   absent and the pipe buffer (64 KiB on Linux) is full is dropped and
//!   counted, as keepalived drops it (it ignores the write error).
//! - On close the FIFO is closed (the script reads end of file) and removed if
//!   we created it; the fifo script's process group gets SIGTERM and, if the
//!   script still runs after a grace period ([`SCRIPT_GRACE`]), SIGKILL; the
//!   script is always reaped. [`NotifyFifo::close`] awaits that; dropping a
//!   [`NotifyFifo`] does it in the background, never blocking the caller. A
//!   script started before a failed open is killed and reaped the same way,
//!   without grace.

use std::io::{self, Write};
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::time::Duration;

use tokio::process::Child;

use crate::script_security::RunAs;

/// How long a fifo script has to exit after SIGTERM before it gets SIGKILL.
pub const SCRIPT_GRACE: Duration = Duration::from_secs(2);

/// Why a notify FIFO could not be opened.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FifoError {
    /// The path exists and is not a FIFO (config or host at fault).
    #[error(
        "{}: exists and is a {kind}, not a FIFO; refusing to write notify lines into it (remove it or choose another path)",
        path.display()
    )]
    NotAFifo {
        /// The path.
        path: PathBuf,
        /// What it is.
        kind: &'static str,
    },
    /// The FIFO could not be created.
    #[error("cannot create FIFO {}: {source}", path.display())]
    Create {
        /// The path.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: io::Error,
    },
    /// The fifo script could not be started.
    #[error("cannot start the fifo script: {source}")]
    Script {
        /// The OS error.
        #[source]
        source: io::Error,
    },
    /// The FIFO could not be opened or inspected.
    #[error("cannot open FIFO {}: {source}", path.display())]
    Open {
        /// The path.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: io::Error,
    },
}

fn kind_of(t: std::fs::FileType) -> &'static str {
    if t.is_fifo() {
        "FIFO"
    } else if t.is_file() {
        "regular file"
    } else if t.is_dir() {
        "directory"
    } else if t.is_symlink() {
        "symbolic link"
    } else if t.is_socket() {
        "socket"
    } else if t.is_char_device() || t.is_block_device() {
        "device"
    } else {
        "non-FIFO file"
    }
}

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
    grace: Duration,
}

impl NotifyFifo {
    /// Creates (if missing) and opens the FIFO at `path`; starts `script`
    /// (argv, with `path` appended; run as `script_user`) before opening, as
    /// keepalived does. `owner` is the FIFO's `USER [GROUP]`. An existing path
    /// that is not a FIFO is refused before the script starts. Must be called
    /// inside a tokio runtime when `script` is given.
    pub fn open(
        path: &Path,
        owner: Option<RunAs>,
        script: Option<(&[String], Option<RunAs>)>,
    ) -> Result<Self, FifoError> {
        Self::open_with(path, owner, script, |p| {
            std::fs::OpenOptions::new()
                .read(true)
                .write(true)
                .custom_flags(libc::O_NONBLOCK | libc::O_NOFOLLOW)
                .open(p)
        })
    }

    /// [`NotifyFifo::open`] with the final open step given (tests make it fail).
    fn open_with(
        path: &Path,
        owner: Option<RunAs>,
        script: Option<(&[String], Option<RunAs>)>,
        open: impl FnOnce(&Path) -> io::Result<std::fs::File>,
    ) -> Result<Self, FifoError> {
        let created = create_fifo(path, owner)?;
        let remove_created = || {
            if created {
                let _ = std::fs::remove_file(path);
            }
        };
        let child = match script {
            Some((argv, run_as)) => match spawn_reader(argv, path, run_as) {
                Ok(c) => Some(c),
                Err(source) => {
                    remove_created();
                    return Err(FifoError::Script { source });
                }
            },
            None => None,
        };
        // The path may have been replaced since the check: fstat what we got.
        let opened = open(path)
            .and_then(|f| f.metadata().map(|m| (f, m.file_type())))
            .map_err(|source| FifoError::Open {
                path: path.to_path_buf(),
                source,
            })
            .and_then(|(f, t)| {
                if t.is_fifo() {
                    Ok(f)
                } else {
                    Err(FifoError::NotAFifo {
                        path: path.to_path_buf(),
                        kind: kind_of(t),
                    })
                }
            });
        match opened {
            Ok(file) => Ok(NotifyFifo {
                path: path.to_path_buf(),
                file,
                created,
                script: child,
                dropped: 0,
                grace: SCRIPT_GRACE,
            }),
            Err(e) => {
                if let Some(c) = child {
                    stop_in_background(c, Duration::ZERO);
                }
                remove_created();
                Err(e)
            }
        }
    }

    /// Sets how long the fifo script gets between SIGTERM and SIGKILL on close
    /// (default [`SCRIPT_GRACE`]).
    pub fn with_grace(mut self, grace: Duration) -> Self {
        self.grace = grace;
        self
    }

    /// The fifo script's pid while it runs (not yet reaped).
    pub fn script_pid(&self) -> Option<u32> {
        self.script.as_ref().and_then(Child::id)
    }

    /// Closes (and removes, if we created it) the FIFO, then stops the fifo
    /// script: SIGTERM to its process group, SIGKILL after the grace period if
    /// it still runs; returns once it is reaped.
    pub async fn close(mut self) {
        let child = self.script.take();
        let grace = self.grace;
        drop(self);
        if let Some(c) = child {
            stop_script(c, grace).await;
        }
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
        if let Some(child) = self.script.take() {
            stop_in_background(child, self.grace);
        }
        if self.created {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// mkfifo `path` (true) or accept an existing FIFO there (false); anything
/// else at the path is refused.
fn create_fifo(path: &Path, owner: Option<RunAs>) -> Result<bool, FifoError> {
    match nix::unistd::mkfifo(path, nix::sys::stat::Mode::from_bits_truncate(0o644)) {
        Ok(()) => {
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
            Ok(true)
        }
        Err(nix::errno::Errno::EEXIST) => {
            let t = std::fs::symlink_metadata(path)
                .map_err(|source| FifoError::Open {
                    path: path.to_path_buf(),
                    source,
                })?
                .file_type();
            if t.is_fifo() {
                Ok(false)
            } else {
                Err(FifoError::NotAFifo {
                    path: path.to_path_buf(),
                    kind: kind_of(t),
                })
            }
        }
        Err(e) => Err(FifoError::Create {
            path: path.to_path_buf(),
            source: io::Error::from(e),
        }),
    }
}

/// SIGTERM to the script's process group; SIGKILL to the group if it still
/// runs after `grace` (at once for a zero grace); reaped either way.
async fn stop_script(mut child: Child, grace: Duration) {
    let Some(pid) = child.id() else {
        return; // already reaped
    };
    if !grace.is_zero() {
        let _ = crate::sys::kill_process_group(pid, libc::SIGTERM);
        if tokio::time::timeout(grace, child.wait()).await.is_ok() {
            return;
        }
        tracing::warn!(
            pid,
            "fifo script still running {grace:?} after SIGTERM: SIGKILL"
        );
    }
    // The leader is not reaped yet, so the group id is still ours.
    let _ = crate::sys::kill_process_group(pid, libc::SIGKILL);
    let _ = child.kill().await;
}

/// [`stop_script`] without waiting for it: a task on the current tokio
/// runtime, or a thread when there is none.
fn stop_in_background(child: Child, grace: Duration) {
    match tokio::runtime::Handle::try_current() {
        Ok(h) => {
            h.spawn(stop_script(child, grace));
        }
        Err(_) => {
            let spawned = std::thread::Builder::new()
                .name("fifo-script-stop".into())
                .spawn(move || stop_script_blocking(child, grace));
            if let Err(e) = spawned {
                tracing::warn!("cannot stop the fifo script in the background: {e}");
            }
        }
    }
}

/// [`stop_script`] for a thread outside any runtime (polls `try_wait`).
fn stop_script_blocking(mut child: Child, grace: Duration) {
    let Some(pid) = child.id() else { return };
    let exited = |c: &mut Child| matches!(c.try_wait(), Ok(Some(_)) | Err(_));
    if !grace.is_zero() {
        let _ = crate::sys::kill_process_group(pid, libc::SIGTERM);
        let end = std::time::Instant::now() + grace;
        while std::time::Instant::now() < end {
            if exited(&mut child) {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
    let _ = crate::sys::kill_process_group(pid, libc::SIGKILL);
    let _ = child.start_kill();
    for _ in 0..250 {
        if exited(&mut child) {
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
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

    /// True while `pid` exists (a zombie counts: only reaping removes it).
    fn alive(pid: u32) -> bool {
        Path::new(&format!("/proc/{pid}")).exists()
    }

    /// Polls until `pid` is gone (killed and reaped); false after `secs`.
    async fn gone(pid: u32, secs: u64) -> bool {
        for _ in 0..secs * 20 {
            if !alive(pid) {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        false
    }

    fn sh(script: &str) -> Vec<String> {
        vec!["sh".into(), "-c".into(), script.into()]
    }

    /// What kind of file `e` refused ("" for other errors).
    fn refused_as(e: &FifoError) -> &'static str {
        match e {
            FifoError::NotAFifo { kind, .. } => kind,
            _ => "",
        }
    }

    /// A script that ignores SIGTERM and writes its pid to the returned path
    /// once it runs.
    fn stubborn_script(d: &Path) -> (Vec<String>, PathBuf) {
        let started = d.join("started");
        let argv = sh(&format!(
            "trap '' TERM; echo $$ > {}; while :; do sleep 0.05; done",
            started.display()
        ));
        (argv, started)
    }

    /// Reads the file `p` once it has content (the script writes it).
    async fn read_when_written(p: &Path) -> String {
        for _ in 0..100 {
            if let Ok(s) = std::fs::read_to_string(p)
                && s.ends_with('\n')
            {
                return s;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("{} never written", p.display());
    }

    #[tokio::test]
    async fn a_regular_file_is_refused_and_left_alone() {
        let d = tmpdir("regular");
        let p = d.join("fifo");
        std::fs::write(&p, "precious\n").unwrap();
        let marker = d.join("started");
        let argv = sh(&format!("echo started > {}", marker.display()));
        let e = NotifyFifo::open(&p, None, Some((&argv, None))).unwrap_err();
        assert_eq!(refused_as(&e), "regular file", "{e}");
        assert!(e.to_string().contains("not a FIFO"), "{e}");
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "precious\n");
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert!(!marker.exists(), "the fifo script was not started");
        // A directory and a symlink to a FIFO are refused too.
        let dir = d.join("dir");
        std::fs::create_dir(&dir).unwrap();
        let e = NotifyFifo::open(&dir, None, None).unwrap_err();
        assert_eq!(refused_as(&e), "directory", "{e}");
        let real = d.join("real");
        nix::unistd::mkfifo(&real, nix::sys::stat::Mode::from_bits_truncate(0o600)).unwrap();
        let link = d.join("link");
        std::os::unix::fs::symlink(&real, &link).unwrap();
        let e = NotifyFifo::open(&link, None, None).unwrap_err();
        assert_eq!(refused_as(&e), "symbolic link", "{e}");
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn a_path_replaced_before_the_open_is_refused_after_fstat() {
        let d = tmpdir("swapped");
        let p = d.join("fifo");
        let regular = d.join("regular");
        std::fs::write(&regular, "").unwrap();
        // The check passes on the new FIFO; the open then gets a regular file.
        let e =
            NotifyFifo::open_with(&p, None, None, |_| std::fs::File::open(&regular)).unwrap_err();
        assert_eq!(refused_as(&e), "regular file", "{e}");
        assert!(!p.exists(), "the FIFO we created is removed again");
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[tokio::test]
    async fn close_terms_the_script_which_exits() {
        let d = tmpdir("closeterm");
        let p = d.join("fifo");
        let out = d.join("out");
        let argv = sh(&format!(
            "trap 'echo term >> {o}; exit 0' TERM; echo $$ > {o}.pid; while :; do sleep 0.05; done",
            o = out.display()
        ));
        let f = NotifyFifo::open(&p, None, Some((&argv, None)))
            .unwrap()
            .with_grace(Duration::from_secs(10));
        let pid = f.script_pid().unwrap();
        read_when_written(&d.join("out.pid")).await;
        let t0 = std::time::Instant::now();
        f.close().await;
        assert!(
            t0.elapsed() < Duration::from_secs(10),
            "the script exited on SIGTERM, no SIGKILL needed"
        );
        assert_eq!(std::fs::read_to_string(&out).unwrap(), "term\n");
        assert!(!alive(pid), "reaped");
        assert!(!p.exists());
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[tokio::test]
    async fn close_kills_a_script_that_ignores_term_after_the_grace() {
        let d = tmpdir("closekill");
        let p = d.join("fifo");
        let (argv, started) = stubborn_script(&d);
        let grace = Duration::from_millis(400);
        let f = NotifyFifo::open(&p, None, Some((&argv, None)))
            .unwrap()
            .with_grace(grace);
        let pid = f.script_pid().unwrap();
        read_when_written(&started).await;
        let t0 = std::time::Instant::now();
        f.close().await;
        assert!(
            t0.elapsed() >= grace,
            "SIGTERM was ignored: waited the grace"
        );
        assert!(!alive(pid), "killed and reaped");
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[tokio::test]
    async fn drop_stops_the_script_in_the_background() {
        let d = tmpdir("dropkill");
        let p = d.join("fifo");
        let (argv, started) = stubborn_script(&d);
        let f = NotifyFifo::open(&p, None, Some((&argv, None)))
            .unwrap()
            .with_grace(Duration::from_secs(2));
        let pid = f.script_pid().unwrap();
        read_when_written(&started).await;
        let t0 = std::time::Instant::now();
        drop(f);
        // Drop does not wait for the grace period.
        assert!(t0.elapsed() < Duration::from_secs(2));
        assert!(alive(pid), "still in its grace period");
        assert!(gone(pid, 8).await, "killed after the grace and reaped");
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn drop_outside_a_runtime_still_stops_the_script() {
        let d = tmpdir("dropnort");
        let p = d.join("fifo");
        let (argv, started) = stubborn_script(&d);
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let f = rt.block_on(async {
            let f = NotifyFifo::open(&p, None, Some((&argv, None)))
                .unwrap()
                .with_grace(Duration::from_millis(200));
            read_when_written(&started).await;
            f
        });
        let pid = f.script_pid().unwrap();
        drop(f);
        let mut left = 250;
        while alive(pid) && left > 0 {
            std::thread::sleep(Duration::from_millis(20));
            left -= 1;
        }
        assert!(!alive(pid), "killed and reaped by the stopping thread");
        drop(rt);
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[tokio::test]
    async fn a_script_started_before_a_failed_open_is_killed_and_reaped() {
        let d = tmpdir("openfail");
        let p = d.join("fifo");
        let (argv, started) = stubborn_script(&d);
        let started2 = started.clone();
        let e = NotifyFifo::open_with(&p, None, Some((&argv, None)), move |_| {
            // Fail only once the script runs.
            for _ in 0..200 {
                if std::fs::read_to_string(&started2).is_ok_and(|s| s.ends_with('\n')) {
                    break;
                }
                std::thread::sleep(Duration::from_millis(25));
            }
            Err(io::Error::from_raw_os_error(libc::EACCES))
        })
        .unwrap_err();
        assert!(matches!(e, FifoError::Open { .. }), "{e}");
        let pid: u32 = read_when_written(&started).await.trim().parse().unwrap();
        assert!(gone(pid, 5).await, "script killed and reaped");
        assert!(!p.exists(), "the FIFO we created is removed");
        std::fs::remove_dir_all(&d).unwrap();
    }
}
