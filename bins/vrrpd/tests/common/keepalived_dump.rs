//! Reading keepalived 2.2.7's VRRP dumps whole (docs/keepalived.md §3.20,
//! "How the dumps are written").
//!
//! Two hazards make a naive read see a dump that looks cut short:
//!
//! - the `-d` (`--dump-conf`) dump goes to the console log line by line
//!   from every process at once: the VRRP process (`vrrp_daemon.c`
//!   `start_vrrp` → `vrrp_data.c dump_data_vrrp`) and the BFD and checker
//!   processes (`bfd_data.c dump_bfd_data`, ...) start together, so their
//!   lines interleave with the VRRP ones, including one-space items (` BFD
//!   Instance = ...`) and section headers (`------< BFD Topology >------`,
//!   a second `------< Global definitions >------`) in the middle of a VRRP
//!   section. [`vrrp_log_section`] keeps the VRRP process's section whole:
//!   only a header of the VRRP dump ends it.
//! - the SIGUSR1 dump (`vrrp_print.c vrrp_print_data`) is renamed into place
//!   when opened (`utils.c fopen_safe`) and then written through a stdio
//!   buffer until `fclose`: the file exists, empty or with a prefix, while
//!   it is written. [`read_data_file`] returns it only once no process has
//!   it open any more.

use std::os::unix::fs::MetadataExt;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use super::keepalived_log::strip_time;

/// The sections of the VRRP process's dump, in the order `dump_data_vrrp`
/// writes them (`Global definitions` is left out: every process writes
/// one). `Interfaces` is the last one.
pub const VRRP_SECTIONS: &[&str] = &[
    "Gratuitous ARP delays",
    "Static Addresses",
    "Static Routes",
    "Static Rules",
    "Static Track groups",
    "VRRP Topology",
    "VRRP Sockpool",
    "VRRP Sync groups",
    "VRRP Scripts",
    "VRRP Track files",
    "VRRP Track processes",
    "VRRP Track BFDs",
    "Interfaces",
];

/// The name of a `------< NAME >------` header line, if `line` is one.
pub fn header(line: &str) -> Option<&str> {
    line.trim()
        .strip_prefix("------<")?
        .strip_suffix(">------")
        .map(str::trim)
}

/// Whether `line` is the header of a section of the VRRP process's dump.
pub fn is_vrrp_header(line: &str) -> bool {
    header(line).is_some_and(|n| VRRP_SECTIONS.contains(&n))
}

/// Whether the VRRP process's `-d` dump in the console log `log` is
/// complete up to its last section (its `Interfaces` header is there; the
/// VRRP process writes its lines in order, so every earlier section is
/// whole).
pub fn log_dump_complete(log: &str) -> bool {
    log.lines()
        .filter_map(strip_time)
        .any(|l| header(l) == Some("Interfaces"))
}

/// The dump lines (time stamps removed) of section `name` of the VRRP
/// process's `-d` dump in the console log `log`, from its header up to the
/// next header of a VRRP section (see [`VRRP_SECTIONS`]); empty when the
/// section is not there. Messages (lines not indented) are left out;
/// indented lines of another process's dump that landed inside the section
/// are kept, so the caller picks its lines by their shape.
pub fn vrrp_log_section<'a>(log: &'a str, name: &str) -> Vec<&'a str> {
    let mut inside = false;
    let mut out = Vec::new();
    for l in log.lines().filter_map(strip_time) {
        if is_vrrp_header(l) {
            if inside {
                break;
            }
            inside = header(l) == Some(name);
        } else if inside && l.starts_with(' ') {
            out.push(l);
        }
    }
    out
}

/// Whether any process has the file `path` open (its device and inode
/// behind a `/proc/PID/fd` link).
fn open_anywhere(path: &Path) -> bool {
    let Ok(m) = std::fs::metadata(path) else {
        return false;
    };
    let (dev, ino) = (m.dev(), m.ino());
    let Ok(procs) = std::fs::read_dir("/proc") else {
        return false;
    };
    for p in procs.flatten() {
        let Ok(fds) = std::fs::read_dir(p.path().join("fd")) else {
            continue;
        };
        for fd in fds.flatten() {
            if std::fs::metadata(fd.path()).is_ok_and(|f| f.dev() == dev && f.ino() == ino) {
                return true;
            }
        }
    }
    false
}

/// The text of the keepalived dump file `path` once it is written whole:
/// it exists, no process has it open (keepalived has closed it), and it
/// holds the last section, `------< Interfaces >------`. Polls every 100 ms
/// for `timeout` at most; None when it is not complete by then.
pub fn read_data_file(path: &Path, timeout: Duration) -> Option<String> {
    let end = Instant::now() + timeout;
    loop {
        if path.exists()
            && !open_anywhere(path)
            && let Ok(text) = std::fs::read_to_string(path)
            && text.lines().any(|l| header(l) == Some("Interfaces"))
        {
            return Some(text);
        }
        if Instant::now() >= end {
            return None;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Asks the keepalived whose parent process is `pid` for its VRRP dump
/// (SIGUSR1; the parent passes it on to the VRRP process), which it
/// writes to `path` (`keepalived.data` in its `TMPDIR`), and returns the
/// dump once written whole (see [`read_data_file`]). A dump left from an
/// earlier signal is removed first.
pub fn signal_and_read(pid: u32, path: &Path, timeout: Duration) -> Option<String> {
    let _ = std::fs::remove_file(path);
    let _ = Command::new("kill")
        .args(["-USR1", &pid.to_string()])
        .status();
    read_data_file(path, timeout)
}
