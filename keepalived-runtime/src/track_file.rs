//! keepalived `track_file` (track_file.c): a file holding an integer whose
//! value, times the tracker's weight, moves an instance's priority.
//!
//! - The value is read like keepalived: at most 127 bytes, `strtol(buf, NULL,
//!   0)` (leading white space, sign, `0x` hex, leading-`0` octal, stops at the
//!   first non-digit; no digits → 0). A missing, unreadable or empty file is 0.
//!   A number outside the C `int` range is logged and ignored (the previous
//!   value stays).
//! - The file's directory is watched with inotify for `IN_CLOSE_WRITE`,
//!   `IN_MOVED_TO` (re-read) and `IN_DELETE`, `IN_MOVED_FROM` (value 0), as
//!   keepalived does; writing the file with `echo 5 > FILE` or replacing it
//!   with `mv` both work.
//! - `init_file [VALUE] [overwrite]` creates the file with `VALUE\n` (default
//!   0) when it is missing, or always (not on reload) with `overwrite`.

use std::collections::HashMap;
use std::ffi::OsString;
use std::io;
use std::path::{Path, PathBuf};

use inotify::{Inotify, WatchDescriptor, WatchMask};
use tokio::io::unix::AsyncFd;

/// What keepalived reads from a track file's first 127 bytes; `None` when the
/// number does not fit a C `int` (keepalived: "Invalid number ... ignoring").
pub fn parse_value(bytes: &[u8]) -> Option<i32> {
    let b = &bytes[..bytes.len().min(127)];
    let mut i = 0;
    while b
        .get(i)
        .is_some_and(|c| matches!(c, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c))
    {
        i += 1;
    }
    let neg = match b.get(i) {
        Some(b'-') => {
            i += 1;
            true
        }
        Some(b'+') => {
            i += 1;
            false
        }
        _ => false,
    };
    let radix = if b.get(i) == Some(&b'0')
        && matches!(b.get(i + 1), Some(b'x' | b'X'))
        && b.get(i + 2).is_some_and(u8::is_ascii_hexdigit)
    {
        i += 2;
        16
    } else if b.get(i) == Some(&b'0') {
        8
    } else {
        10
    };
    let mut v: i64 = 0;
    while let Some(d) = b.get(i).and_then(|&c| char::from(c).to_digit(radix)) {
        // strtol's long overflows to ERANGE: invalid either way.
        v = v.checked_mul(i64::from(radix))?.checked_add(i64::from(d))?;
        i += 1;
    }
    let v = if neg { -v } else { v };
    i32::try_from(v).ok()
}

/// The most a track file read takes (keepalived reads 127 bytes).
pub const MAX_READ: usize = 127;

/// The first [`MAX_READ`] bytes of a track file, with one `read(2)` on an
/// `O_NONBLOCK` open as keepalived does: a FIFO (or device) put where the
/// track file should be must not hang the daemon in open(2) or read(2), and
/// a huge file or /dev/zero costs 127 bytes. Empty when it is missing or
/// unreadable.
pub fn read_head(path: &Path) -> Vec<u8> {
    use std::io::Read;
    use std::os::unix::fs::OpenOptionsExt;
    let mut buf = vec![0u8; MAX_READ];
    let Ok(mut f) = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
    else {
        return Vec::new();
    };
    let n = f.read(&mut buf).unwrap_or(0);
    buf.truncate(n);
    buf
}

/// Reads the value of a track file: 0 when it is missing, unreadable or
/// empty; `None` when the number is out of range (ignore the change).
pub fn read_value(path: &Path) -> Option<i32> {
    let head = read_head(path);
    if head.is_empty() {
        return Some(0);
    }
    let v = parse_value(&head);
    if v.is_none() {
        tracing::info!(file = %path.display(), "invalid number read from track file - ignoring");
    }
    v
}

/// `init_file [VALUE] [overwrite]` (track_file.c `track_file_end_handler`):
/// writes `VALUE\n` when the file is missing, or with `overwrite` when it is
/// a regular file and this is not a reload. Returns true if it wrote. The
/// file (mode 0644) goes through a new file renamed over the path
/// ([`crate::safe_file::replace_file`], keepalived's `fopen_safe()`), so a
/// symlink planted there is replaced, not written through.
pub fn init_file(path: &Path, value: i32, overwrite: bool, reload: bool) -> io::Result<bool> {
    match std::fs::metadata(path) {
        Ok(_) if !overwrite => return Ok(false),
        Ok(md) if !md.is_file() => {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!(
                    "cannot initialise track file {}: not a regular file",
                    path.display()
                ),
            ));
        }
        Ok(_) if reload => return Ok(false),
        _ => {}
    }
    crate::safe_file::replace_file(path, format!("{value}\n").as_bytes(), 0o644)
        .map_err(io::Error::other)?;
    Ok(true)
}

/// A change of one watched file (index into the paths given to
/// [`TrackFileWatcher::new`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileChange {
    /// Written or moved in: read it again with [`read_value`].
    Changed(usize),
    /// Deleted or moved away: the value is 0.
    Removed(usize),
}

/// Watches the directories of track files with inotify.
pub struct TrackFileWatcher {
    fd: AsyncFd<Inotify>,
    /// Watched directory → (file name, index) pairs in it.
    dirs: HashMap<WatchDescriptor, Vec<(OsString, usize)>>,
    buf: Vec<u8>,
}

impl std::fmt::Debug for TrackFileWatcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TrackFileWatcher")
            .field("dirs", &self.dirs.len())
            .finish()
    }
}

/// Splits `path` into its (resolved, when it exists) directory and file name.
fn dir_and_name(path: &Path) -> Option<(PathBuf, OsString)> {
    let path = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    let name = path.file_name()?.to_os_string();
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let dir = std::fs::canonicalize(&dir).unwrap_or(dir);
    Some((dir, name))
}

impl TrackFileWatcher {
    /// Watches `paths`; a path whose directory cannot be watched is logged
    /// and left out. Must be called inside a tokio runtime.
    pub fn new(paths: &[PathBuf]) -> io::Result<Self> {
        let inotify = Inotify::init()?;
        let mut dirs: HashMap<WatchDescriptor, Vec<(OsString, usize)>> = HashMap::new();
        for (i, p) in paths.iter().enumerate() {
            let (dir, name) = dir_and_name(p).ok_or_else(|| {
                io::Error::new(
                    io::ErrorKind::InvalidInput,
                    format!("track file {} has no file name", p.display()),
                )
            })?;
            // A directory that cannot be watched (missing, not a directory)
            // costs only its own files their updates.
            match inotify.watches().add(
                &dir,
                WatchMask::CLOSE_WRITE | WatchMask::DELETE | WatchMask::MOVE | WatchMask::ONLYDIR,
            ) {
                Ok(wd) => dirs.entry(wd).or_default().push((name, i)),
                Err(e) => tracing::error!(
                    file = %p.display(),
                    "unable to monitor track file directory {}: {e}",
                    dir.display()
                ),
            }
        }
        Ok(TrackFileWatcher {
            fd: crate::sys::register_async(inotify)?,
            dirs,
            buf: vec![0; 4096],
        })
    }

    /// Waits for the next batch of changes to watched files.
    pub async fn next(&mut self) -> io::Result<Vec<FileChange>> {
        loop {
            let mut guard = self.fd.readable_mut().await?;
            let dirs = &self.dirs;
            let buf = &mut self.buf;
            let res = guard.try_io(|inner| {
                let events = inner.get_mut().read_events(buf)?;
                let mut out = Vec::new();
                for ev in events {
                    if ev.mask.contains(inotify::EventMask::ISDIR) {
                        continue;
                    }
                    let (Some(name), Some(files)) = (ev.name, dirs.get(&ev.wd)) else {
                        continue;
                    };
                    for (n, i) in files {
                        if n.as_os_str() != name {
                            continue;
                        }
                        if ev
                            .mask
                            .intersects(inotify::EventMask::DELETE | inotify::EventMask::MOVED_FROM)
                        {
                            out.push(FileChange::Removed(*i));
                        } else {
                            out.push(FileChange::Changed(*i));
                        }
                    }
                }
                Ok(out)
            });
            match res {
                Ok(Ok(v)) if v.is_empty() => continue,
                Ok(r) => return r,
                Err(_would_block) => continue,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_util::tmpdir;
    use std::time::Duration;

    #[test]
    fn parses_like_strtol_base_0() {
        let p = |s: &str| parse_value(s.as_bytes());
        assert_eq!(p("5\n"), Some(5));
        assert_eq!(p("  -20 trailing"), Some(-20));
        assert_eq!(p("+7"), Some(7));
        assert_eq!(p("0x1f"), Some(31));
        assert_eq!(p("0X10"), Some(16));
        assert_eq!(p("010"), Some(8));
        assert_eq!(p("08"), Some(0));
        assert_eq!(p("0x"), Some(0));
        assert_eq!(p("abc"), Some(0));
        assert_eq!(p(""), Some(0));
        assert_eq!(p("2147483647"), Some(i32::MAX));
        assert_eq!(p("-2147483648"), Some(i32::MIN));
        assert_eq!(p("2147483648"), None);
        assert_eq!(p("99999999999999999999999"), None);
        // Only the first 127 bytes count.
        let long = format!("{}1", " ".repeat(127));
        assert_eq!(p(&long), Some(0));
    }

    #[test]
    fn read_missing_is_zero_and_init_file() {
        let d = tmpdir("init");
        let f = d.join("v");
        assert_eq!(read_value(&f), Some(0));
        assert!(init_file(&f, 7, false, false).unwrap());
        assert_eq!(std::fs::read_to_string(&f).unwrap(), "7\n");
        assert!(!init_file(&f, 9, false, false).unwrap(), "exists: kept");
        assert!(!init_file(&f, 9, true, true).unwrap(), "reload: kept");
        assert!(init_file(&f, 9, true, false).unwrap());
        assert_eq!(read_value(&f), Some(9));
        assert!(init_file(&d, 1, true, false).is_err(), "a directory");
        std::fs::remove_dir_all(&d).unwrap();
    }

    /// `init_file ... overwrite` on a path where a symlink to another file
    /// was planted: the symlink is replaced, the other file is untouched
    /// (before, the value was written through the link).
    #[test]
    fn init_file_does_not_write_through_a_symlink() {
        let d = tmpdir("init-link");
        let victim = d.join("victim");
        std::fs::write(&victim, "precious\n").unwrap();
        let f = d.join("v");
        std::os::unix::fs::symlink(&victim, &f).unwrap();
        assert!(init_file(&f, 5, true, false).unwrap());
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious\n");
        assert!(std::fs::symlink_metadata(&f).unwrap().is_file());
        assert_eq!(read_value(&f), Some(5));
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn fifo_as_track_file_does_not_block() {
        let d = tmpdir("fifo");
        let f = d.join("v");
        nix::unistd::mkfifo(&f, nix::sys::stat::Mode::from_bits_truncate(0o600)).unwrap();
        // No writer: a blocking open would never return; keepalived reads 0.
        let (tx, rx) = std::sync::mpsc::channel();
        let p = f.clone();
        std::thread::spawn(move || tx.send(read_value(&p)));
        assert_eq!(rx.recv_timeout(Duration::from_secs(10)), Ok(Some(0)));
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[tokio::test]
    async fn watcher_sees_writes_moves_and_deletes() {
        let d = tmpdir("watch");
        let a = d.join("a");
        let b = d.join("b");
        // A file in a missing directory does not stop the others' watching.
        let lost = d.join("missing-dir").join("c");
        let mut w = TrackFileWatcher::new(&[a.clone(), b.clone(), lost]).unwrap();
        async fn next(w: &mut TrackFileWatcher) -> Vec<FileChange> {
            tokio::time::timeout(Duration::from_secs(5), w.next())
                .await
                .expect("no inotify event")
                .unwrap()
        }
        std::fs::write(&b, "3\n").unwrap();
        assert_eq!(next(&mut w).await, vec![FileChange::Changed(1)]);
        // Unrelated files in the directory are not reported.
        std::fs::write(d.join("other"), "1").unwrap();
        std::fs::write(d.join("tmp"), "4").unwrap();
        std::fs::rename(d.join("tmp"), &a).unwrap();
        assert_eq!(next(&mut w).await, vec![FileChange::Changed(0)]);
        assert_eq!(read_value(&a), Some(4));
        std::fs::remove_file(&a).unwrap();
        assert_eq!(next(&mut w).await, vec![FileChange::Removed(0)]);
        std::fs::remove_dir_all(&d).unwrap();
    }
}
