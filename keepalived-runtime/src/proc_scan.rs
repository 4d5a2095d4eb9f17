//! Which processes a keepalived `vrrp_track_process` counts: matching a
//! process's command name or command line (track_process.c `check_params`,
//! `read_procs`, `check_process`) and reading them from `/proc`.
//!
//! - Without `full_command` a process matches when its command name
//!   (`/proc/PID/comm`, at most 15 bytes) equals `process` exactly; a longer
//!   `process` never matches.
//! - With `full_command` (implied by arguments after `process PATH` and by
//!   `param_match`), `argv[0]` of `/proc/PID/cmdline` must equal `PATH`, and
//!   with a `param_match` the arguments are compared as [`ProcMatcher`] says.
//! - The start-up scan skips zombies (state `Z` in `/proc/PID/stat`).

use std::io::Read;

/// keepalived's `param_match`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ParamMatch {
    /// The arguments are exactly the given ones (none when none are given).
    Exact,
    /// The given arguments, each whole, start the process's arguments.
    Partial,
    /// As `Partial`, but the last given argument may be cut short.
    Initial,
}

/// What one `vrrp_track_process` looks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcMatcher {
    /// `process PATH`: the command name, or `argv[0]` with `full_command`.
    pub path: Vec<u8>,
    /// The arguments after PATH, each followed by a NUL byte, as they
    /// appear in `/proc/PID/cmdline` (None: no arguments given).
    pub params: Option<Vec<u8>>,
    /// `param_match` in force (None: arguments are not looked at).
    pub param_match: Option<ParamMatch>,
    /// Match the command line instead of the command name.
    pub full_command: bool,
}

impl ProcMatcher {
    /// A matcher for `process WORDS...` (the first word is the path).
    /// Arguments imply `full_command` and, without a `param_match`, an
    /// exact match; a `param_match` implies `full_command` (vrrp_parser.c
    /// `vrrp_tprocess_process_handler`, `vrrp_tprocess_match_handler`).
    pub fn new(
        words: &[String],
        param_match: Option<ParamMatch>,
        full_command: bool,
    ) -> ProcMatcher {
        let path = words
            .first()
            .map(|w| w.as_bytes().to_vec())
            .unwrap_or_default();
        let params = (words.len() > 1).then(|| {
            let mut p = Vec::new();
            for w in &words[1..] {
                p.extend_from_slice(w.as_bytes());
                p.push(0);
            }
            p
        });
        let param_match = param_match.or(params.as_ref().map(|_| ParamMatch::Exact));
        ProcMatcher {
            path,
            full_command: full_command || param_match.is_some(),
            params,
            param_match,
        }
    }

    /// Bytes of the command line this matcher needs (keepalived
    /// `vrrp_max_process_name_len`: path, NUL, arguments).
    pub fn cmdline_len(&self) -> usize {
        self.path.len() + 1 + self.params.as_ref().map_or(0, Vec::len)
    }

    /// keepalived `check_params`: `params` are the bytes after `argv[0]`'s
    /// NUL (None when the command line has no NUL at all).
    fn check_params(&self, params: Option<&[u8]>) -> bool {
        let Some(m) = self.param_match else {
            return true;
        };
        let mine = self.params.as_deref();
        let Some(params) = params else {
            // No argument region at all: only a prefix match of nothing.
            return m != ParamMatch::Exact && mine.is_none();
        };
        if m == ParamMatch::Exact && mine.is_none() && params.is_empty() {
            return true;
        }
        let mine_len = mine.map_or(0, <[u8]>::len);
        if params.len() < mine_len {
            return false;
        }
        match (m, mine) {
            (ParamMatch::Exact, _) => {
                params.len() == mine_len && mine.is_none_or(|p| params.starts_with(p))
            }
            (_, None) => true,
            (ParamMatch::Partial, Some(p)) => params.starts_with(p),
            (ParamMatch::Initial, Some(p)) => p.len() == 1 || params.starts_with(&p[..p.len() - 1]),
        }
    }

    /// Whether a process with this command line (as read, possibly cut
    /// short) matches, for a `full_command` matcher.
    pub fn matches_cmdline(&self, cmdline: &[u8]) -> bool {
        if !self.full_command {
            return false;
        }
        let (name, params) = match cmdline.iter().position(|&c| c == 0) {
            Some(i) => (&cmdline[..i], cmdline.get(i + 1..)),
            None => (cmdline, None),
        };
        name == self.path.as_slice() && self.check_params(params)
    }

    /// Whether a process with this command name matches, for a matcher
    /// that is not `full_command`.
    pub fn matches_comm(&self, comm: &[u8]) -> bool {
        !self.full_command && comm == self.path.as_slice()
    }
}

/// What is known of one process: its command name and command line, each
/// read only when some matcher needs it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProcInfo {
    /// The command name.
    pub comm: Option<Vec<u8>>,
    /// The first bytes of the command line.
    pub cmdline: Option<Vec<u8>>,
}

impl ProcInfo {
    /// Whether `m` counts this process.
    pub fn matches(&self, m: &ProcMatcher) -> bool {
        if m.full_command {
            self.cmdline
                .as_deref()
                .is_some_and(|c| m.matches_cmdline(c))
        } else {
            self.comm.as_deref().is_some_and(|c| m.matches_comm(c))
        }
    }
}

/// What to read of each process for a set of matchers.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReadPlan {
    /// Read `/proc/PID/cmdline`, this many bytes at most.
    pub cmdline: Option<usize>,
    /// Read the command name.
    pub comm: bool,
}

impl ReadPlan {
    /// The plan for `matchers` (keepalived `vrrp_use_process_cmdline`,
    /// `vrrp_use_process_comm`; two bytes beyond the longest command line,
    /// enough to see that a command line is longer).
    pub fn for_matchers(matchers: &[ProcMatcher]) -> ReadPlan {
        let max = matchers
            .iter()
            .filter(|m| m.full_command)
            .map(ProcMatcher::cmdline_len)
            .max();
        ReadPlan {
            cmdline: max.map(|m| m + 2),
            comm: matchers.iter().any(|m| !m.full_command),
        }
    }
}

fn read_head(path: &str, max: usize) -> Option<Vec<u8>> {
    let f = std::fs::File::open(path).ok()?;
    let mut buf = Vec::with_capacity(max.min(4096));
    f.take(u64::try_from(max).unwrap_or(u64::MAX))
        .read_to_end(&mut buf)
        .ok()?;
    Some(buf)
}

/// Reads what `plan` needs of process `pid` after an exec or at a comm
/// change (keepalived `check_process`): the command name from
/// `/proc/PID/comm`. None when the process is gone.
pub fn read_process(pid: u32, plan: ReadPlan) -> Option<ProcInfo> {
    let cmdline = match plan.cmdline {
        Some(max) => Some(read_head(&format!("/proc/{pid}/cmdline"), max)?),
        None => None,
    };
    let comm = if plan.comm {
        let mut c = read_head(&format!("/proc/{pid}/comm"), 16)?;
        if c.last() == Some(&b'\n') {
            c.pop();
        }
        Some(c)
    } else {
        None
    };
    Some(ProcInfo { comm, cmdline })
}

/// The command name in a `/proc/PID/stat` line and whether the process is a
/// zombie, as keepalived's `read_procs` takes them: from the first `(` after
/// the second byte to the next `)`, the state two bytes after it.
pub fn parse_stat(stat: &[u8]) -> Option<(Vec<u8>, bool)> {
    let open = stat.get(2..)?.iter().position(|&c| c == b'(')? + 2;
    let close = stat.get(open..)?.iter().position(|&c| c == b')')? + open;
    let comm = stat.get(open + 1..close)?.to_vec();
    let zombie = stat.get(close + 2) == Some(&b'Z');
    Some((comm, zombie))
}

/// Every process in `/proc` with what `plan` needs of it, zombies left out
/// (keepalived `read_procs`, at start and after lost events).
pub fn scan_processes(plan: ReadPlan) -> Vec<(u32, ProcInfo)> {
    let mut out = Vec::new();
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return out;
    };
    for ent in dir.flatten() {
        let Some(pid) = ent
            .file_name()
            .to_str()
            .filter(|n| n.bytes().next().is_some_and(|c| (b'1'..=b'9').contains(&c)))
            .and_then(|n| n.parse::<u32>().ok())
        else {
            continue;
        };
        let cmdline = match plan.cmdline {
            Some(max) => match read_head(&format!("/proc/{pid}/cmdline"), max) {
                Some(c) => Some(c),
                None => continue,
            },
            None => None,
        };
        let comm = if plan.comm {
            let Some(stat) = read_head(&format!("/proc/{pid}/stat"), 127) else {
                continue;
            };
            match parse_stat(&stat) {
                Some((_, true)) | None => continue,
                Some((c, false)) => Some(c),
            }
        } else {
            None
        };
        out.push((pid, ProcInfo { comm, cmdline }));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(words: &[&str], pm: Option<ParamMatch>, full: bool) -> ProcMatcher {
        let w: Vec<String> = words.iter().map(|s| s.to_string()).collect();
        ProcMatcher::new(&w, pm, full)
    }

    #[test]
    fn comm_and_argv0_match_exactly() {
        let c = m(&["sleep"], None, false);
        assert!(c.matches_comm(b"sleep"));
        assert!(!c.matches_comm(b"sleepy"));
        assert!(!c.matches_cmdline(b"sleep\0"));
        let f = m(&["/bin/sleep"], None, true);
        assert!(
            f.matches_cmdline(b"/bin/sleep\x0010\0"),
            "no param_match: any args"
        );
        assert!(!f.matches_cmdline(b"sleep\x0010\0"));
        assert!(!f.matches_comm(b"/bin/sleep"));
        // a command line rewritten without NULs is compared whole
        assert!(f.matches_cmdline(b"/bin/sleep"));
    }

    #[test]
    fn param_match_exact_partial_initial() {
        let e = m(&["/bin/x", "-a", "bc"], None, false);
        assert_eq!(e.param_match, Some(ParamMatch::Exact));
        assert!(e.matches_cmdline(b"/bin/x\0-a\0bc\0"));
        assert!(!e.matches_cmdline(b"/bin/x\0-a\0bc\0d\0"));
        assert!(!e.matches_cmdline(b"/bin/x\0-a\0b\0"));
        let none = m(&["/bin/x"], Some(ParamMatch::Exact), true);
        assert!(none.matches_cmdline(b"/bin/x\0"));
        assert!(!none.matches_cmdline(b"/bin/x\0y\0"));
        let p = m(&["/bin/x", "-a"], Some(ParamMatch::Partial), true);
        assert!(p.matches_cmdline(b"/bin/x\0-a\0more\0"));
        assert!(!p.matches_cmdline(b"/bin/x\0-ab\0"));
        let i = m(&["/bin/x", "-a", "b"], Some(ParamMatch::Initial), true);
        assert!(i.matches_cmdline(b"/bin/x\0-a\0bcd\0"));
        assert!(i.matches_cmdline(b"/bin/x\0-a\0b\0z\0"));
        assert!(!i.matches_cmdline(b"/bin/x\0-a\0c\0"));
        assert!(!i.matches_cmdline(b"/bin/x\0-a\0"));
        // partial without arguments given matches any arguments
        let pa = m(&["/bin/x"], Some(ParamMatch::Partial), true);
        assert!(pa.matches_cmdline(b"/bin/x\0anything\0"));
    }

    #[test]
    fn read_plan_and_stat() {
        let ms = [m(&["a"], None, false), m(&["/bin/x", "yy"], None, false)];
        assert_eq!(
            ReadPlan::for_matchers(&ms),
            ReadPlan {
                cmdline: Some(6 + 1 + 3 + 2),
                comm: true
            }
        );
        assert_eq!(
            parse_stat(b"123 (my (od) S 1 2"),
            Some((b"my (od".to_vec(), false))
        );
        assert_eq!(parse_stat(b"9 (z) Z 1"), Some((b"z".to_vec(), true)));
        assert_eq!(parse_stat(b"9 (z"), None);
        assert_eq!(parse_stat(b""), None);
    }

    #[test]
    fn scan_finds_this_test_process() {
        let me = std::process::id();
        let comm = std::fs::read("/proc/self/comm").unwrap();
        let comm = comm.strip_suffix(b"\n").unwrap_or(&comm).to_vec();
        let matcher = ProcMatcher {
            path: comm,
            params: None,
            param_match: None,
            full_command: false,
        };
        let plan = ReadPlan::for_matchers(std::slice::from_ref(&matcher));
        let found = scan_processes(plan);
        let mine = found.iter().find(|(p, _)| *p == me).expect("own pid");
        assert!(mine.1.matches(&matcher));
        assert!(read_process(me, plan).unwrap().matches(&matcher));
    }
}
