//! Files the daemons create (SIGUSR1 dump, pid file, the generated
//! `--from-env` configuration): written so that another local user cannot
//! make a root daemon write through a planted symlink or into a file they own.
//!
//! keepalived's CVE-2018-19044/19045/19046 (`/tmp/keepalived.data` and
//! friends followed symlinks) were fixed by `fopen_safe()` (lib/utils.c): a
//! `mkostemp()` file, then `rename()` over the target. [`write_file`] does the
//! same with our own checks:
//!
//! * the target's directory must be safe: owned by root or by us, and not
//!   writable by others unless it has the sticky bit (the test keepalived's
//!   `check_script_secure()` in keepalived/core/notify.c applies to script
//!   directories: world write, or group write with a non-root group);
//! * the contents go to a new file with a random name in that directory,
//!   created `O_CREAT|O_EXCL|O_NOFOLLOW|O_CLOEXEC` with the mode asked for
//!   (0600 by default; `fchmod` afterwards so the umask cannot widen or
//!   narrow it), written in full, then renamed over the target. `rename(2)`
//!   replaces a symlink at the target instead of following it, and nobody else
//!   ever has the file open.

use std::io::Write as _;
use std::os::unix::fs::{MetadataExt as _, OpenOptionsExt as _, PermissionsExt as _};
use std::path::{Path, PathBuf};

/// The mode of the files the daemons write unless a caller asks otherwise.
pub const PRIVATE_MODE: u32 = 0o600;

/// The mode of pid files (keepalived's pidfile.c: rw-r--r--, so that tools
/// running as other users can read the pid).
pub const PID_FILE_MODE: u32 = 0o644;

/// Why a file was not written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SafeFileError {
    /// The target has no file name (`/`, `..`, empty).
    #[error("{0}: not a file path")]
    NotAFilePath(PathBuf),
    /// The target's directory lets other users replace or plant files in it.
    #[error(
        "{dir}: unsafe directory for {target}: {why} (owner uid {uid}, mode {mode:04o}); \
         use a directory only root (or this daemon's user) can write, or one with the sticky bit"
    )]
    UnsafeDirectory {
        /// The file that was to be written.
        target: PathBuf,
        /// The directory refused.
        dir: PathBuf,
        /// What is wrong with it.
        why: &'static str,
        /// Its owner.
        uid: u32,
        /// Its permission bits.
        mode: u32,
    },
    /// A system call failed.
    #[error("{what} {path}: {source}")]
    Io {
        /// What was being done.
        what: &'static str,
        /// On which path.
        path: PathBuf,
        /// The error.
        #[source]
        source: std::io::Error,
    },
}

fn io<'a>(what: &'static str, path: &'a Path) -> impl FnOnce(std::io::Error) -> SafeFileError + 'a {
    move |source| SafeFileError::Io {
        what,
        path: path.to_path_buf(),
        source,
    }
}

/// Writes `contents` to `path` with mode [`PRIVATE_MODE`]; see the module
/// documentation for how.
pub fn write_private(path: &Path, contents: &[u8]) -> Result<(), SafeFileError> {
    write_file(path, contents, PRIVATE_MODE)
}

/// Writes `contents` to `path` (replacing it atomically) with permission bits
/// `mode`, through a randomly named `O_EXCL|O_NOFOLLOW` file in the same
/// directory; refuses a directory other users could tamper with
/// ([`check_directory`]).
pub fn write_file(path: &Path, contents: &[u8], mode: u32) -> Result<(), SafeFileError> {
    let name = path
        .file_name()
        .ok_or_else(|| SafeFileError::NotAFilePath(path.to_path_buf()))?;
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    check_directory(&dir, path)?;
    write_through_temp(&dir, name, path, contents, mode)
}

/// Like [`write_file`] without the directory check, for files other users
/// are meant to share and that live in their directories (keepalived's
/// `track_file`s, whose `init_file` goes through `fopen_safe()` too): the
/// contents still go through a random `O_EXCL|O_NOFOLLOW` file renamed over
/// the target, so a symlink there is replaced, never followed.
pub fn replace_file(path: &Path, contents: &[u8], mode: u32) -> Result<(), SafeFileError> {
    let name = path
        .file_name()
        .ok_or_else(|| SafeFileError::NotAFilePath(path.to_path_buf()))?;
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    write_through_temp(&dir, name, path, contents, mode)
}

fn write_through_temp(
    dir: &Path,
    name: &std::ffi::OsStr,
    path: &Path,
    contents: &[u8],
    mode: u32,
) -> Result<(), SafeFileError> {
    let (tmp, mut file) = create_temp(dir, name)?;
    let written = file
        .write_all(contents)
        .map_err(io("writing", &tmp))
        .and_then(|()| {
            file.set_permissions(std::fs::Permissions::from_mode(mode & 0o7777))
                .map_err(io("setting the mode of", &tmp))
        })
        .and_then(|()| std::fs::rename(&tmp, path).map_err(io("renaming over", path)));
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    written
}

/// Creates a new file `.NAME.XXXXXXXXXXXX` (12 random hex digits) in `dir`
/// with `O_CREAT|O_EXCL|O_NOFOLLOW|O_CLOEXEC` and mode 0600 (keepalived:
/// `mkostemp`). Retries a few names if one exists.
fn create_temp(
    dir: &Path,
    name: &std::ffi::OsStr,
) -> Result<(PathBuf, std::fs::File), SafeFileError> {
    let mut last = None;
    for _ in 0..16 {
        let mut rnd = [0u8; 6];
        rustix::rand::getrandom(&mut rnd, rustix::rand::GetRandomFlags::empty())
            .map_err(|e| io("drawing a temporary name in", dir)(e.into()))?;
        let suffix: String = rnd.iter().map(|b| format!("{b:02x}")).collect();
        let mut tmp_name = std::ffi::OsString::from(".");
        tmp_name.push(name);
        tmp_name.push(format!(".{suffix}"));
        let tmp = dir.join(tmp_name);
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(PRIVATE_MODE)
            .custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC)
            .open(&tmp)
        {
            Ok(f) => return Ok((tmp, f)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => last = Some(e),
            Err(e) => return Err(io("creating", &tmp)(e)),
        }
    }
    Err(io("creating a temporary file in", dir)(
        last.unwrap_or_else(|| std::io::Error::from(std::io::ErrorKind::AlreadyExists)),
    ))
}

/// Refuses `dir` (where `target` is to be written) unless it is a directory
/// owned by root or by this process's effective user, and other users cannot
/// write it: no world write and no group write for a non-root group, unless
/// the sticky bit is set (then others cannot rename or remove our files).
/// The check follows keepalived's `check_script_secure()` for directories.
pub fn check_directory(dir: &Path, target: &Path) -> Result<(), SafeFileError> {
    let md = std::fs::metadata(dir).map_err(io("examining", dir))?;
    let refuse = |why| SafeFileError::UnsafeDirectory {
        target: target.to_path_buf(),
        dir: dir.to_path_buf(),
        why,
        uid: md.uid(),
        mode: md.mode() & 0o7777,
    };
    if !md.is_dir() {
        return Err(refuse("not a directory"));
    }
    let me = nix::unistd::geteuid().as_raw();
    if md.uid() != 0 && md.uid() != me {
        return Err(refuse("owned by another user"));
    }
    let mode = md.mode();
    let sticky = mode & libc::S_ISVTX != 0;
    if !sticky && mode & libc::S_IWOTH != 0 {
        return Err(refuse("writable by every user without the sticky bit"));
    }
    if !sticky && md.gid() != 0 && mode & libc::S_IWGRP != 0 {
        return Err(refuse(
            "writable by a non-root group without the sticky bit",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests;
