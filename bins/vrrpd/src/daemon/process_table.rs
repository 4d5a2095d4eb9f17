//! The process counts of the `vrrp_track_process`es and their quorum, as
//! keepalived's track_process.c keeps them: which tracked processes each
//! pid counts for, how fork, exec, comm changes and exits move the counts,
//! and the `fork_delay` / `terminate_delay` timers (docs/keepalived.md
//! §3.21). No IO: the caller reads `/proc` and the kernel's events and arms
//! a timer for [`ProcessTable::next_deadline`]; times are monotonic.

use std::collections::BTreeMap;
use std::time::Duration;

use keepalived_runtime::proc_scan::{ProcInfo, ReadPlan};

use crate::spec::track_process::ProcessSpec;

/// A quorum change: (`vrrp_track_process` name, quorum now held).
pub type Change = (String, bool);

/// Counting state of one `vrrp_track_process`.
#[derive(Debug, Clone, Default)]
struct Count {
    /// keepalived `num_cur_proc`.
    num: u32,
    /// keepalived `have_quorum`: the state the instances were told.
    have: bool,
    /// `fork_delay` timer (keepalived `fork_timer_thread`).
    fork_timer: Option<Duration>,
    /// `terminate_delay` timer (keepalived `terminate_timer_thread`).
    terminate_timer: Option<Duration>,
}

/// How long keepalived waits after lost events before it reads `/proc`
/// again (`process_lost_messages_timer_thread`, one second).
pub const RESCAN_AFTER: Duration = Duration::from_secs(1);

/// Every tracked process and the pids counted for it.
#[derive(Debug, Clone, Default)]
pub struct ProcessTable {
    specs: Vec<ProcessSpec>,
    counts: Vec<Count>,
    /// pid → the trackers it counts for, once per count (keepalived's
    /// process tree of `ref_tracked_process_t`).
    pids: BTreeMap<u32, Vec<usize>>,
    plan: ReadPlan,
    /// When to read `/proc` again after lost events.
    rescan_at: Option<Duration>,
}

impl ProcessTable {
    /// A table for `specs`, counting nothing yet.
    pub fn new(specs: Vec<ProcessSpec>) -> Self {
        let matchers: Vec<_> = specs.iter().map(|s| s.matcher.clone()).collect();
        ProcessTable {
            counts: vec![Count::default(); specs.len()],
            plan: ReadPlan::for_matchers(&matchers),
            specs,
            pids: BTreeMap::new(),
            rescan_at: None,
        }
    }

    /// Whether there is nothing to track.
    pub fn is_empty(&self) -> bool {
        self.specs.is_empty()
    }

    /// What to read of a process.
    pub fn plan(&self) -> ReadPlan {
        self.plan
    }

    /// Current count of tracker `name` (for logs and tests).
    pub fn count(&self, name: &str) -> Option<u32> {
        let i = self.specs.iter().position(|s| s.name == name)?;
        self.counts.get(i).map(|c| c.num)
    }

    /// Every tracker's count and whether the instances were told it has
    /// its quorum (keepalived `num_cur_proc`, `have_quorum`), by name.
    pub fn states(&self) -> std::collections::BTreeMap<String, (u32, bool)> {
        self.specs
            .iter()
            .zip(&self.counts)
            .map(|(s, c)| (s.name.clone(), (c.num, c.have)))
            .collect()
    }

    fn in_quorum(&self, i: usize) -> bool {
        match (self.specs.get(i), self.counts.get(i)) {
            (Some(s), Some(c)) => c.num >= s.quorum && c.num <= s.quorum_max,
            _ => false,
        }
    }

    fn add(&mut self, pid: u32, i: usize) {
        self.pids.entry(pid).or_default().push(i);
        if let Some(c) = self.counts.get_mut(i) {
            c.num += 1;
        }
    }

    /// keepalived `read_procs`: counts every process of a `/proc` scan.
    fn count_scan(&mut self, procs: &[(u32, ProcInfo)]) {
        for (pid, info) in procs {
            for i in 0..self.specs.len() {
                if info.matches(&self.specs[i].matcher) {
                    self.add(*pid, i);
                }
            }
        }
    }

    /// The initial counts from a `/proc` scan (empty when the kernel's
    /// events are not available: keepalived then counts nothing) and every
    /// tracker's initial quorum (vrrp_track.c
    /// `initialise_process_tracking_priorities`).
    pub fn start(&mut self, procs: &[(u32, ProcInfo)]) -> Vec<Change> {
        self.pids.clear();
        self.counts = vec![Count::default(); self.specs.len()];
        self.count_scan(procs);
        (0..self.specs.len())
            .map(|i| {
                let have = self.in_quorum(i);
                self.counts[i].have = have;
                (self.specs[i].name.clone(), have)
            })
            .collect()
    }

    /// keepalived `update_process_status`: tells the instances only of a
    /// change.
    fn update(&mut self, i: usize, up: bool, out: &mut Vec<Change>) {
        let Some(c) = self.counts.get_mut(i) else {
            return;
        };
        if c.have == up {
            return;
        }
        c.have = up;
        out.push((self.specs[i].name.clone(), up));
    }

    /// Drops one count of `pid` for tracker `i` (keepalived
    /// `remove_process_from_track`).
    fn remove_one(&mut self, pid: u32, i: usize, out: &mut Vec<Change>) {
        let Some(refs) = self.pids.get_mut(&pid) else {
            return;
        };
        let Some(k) = refs.iter().position(|&x| x == i) else {
            return;
        };
        refs.remove(k);
        let (Some(s), Some(c)) = (self.specs.get(i), self.counts.get_mut(i)) else {
            return;
        };
        let old = c.num;
        c.num = c.num.saturating_sub(1);
        if old == s.quorum || c.num == s.quorum_max {
            c.fork_timer = None;
            let up = c.num == s.quorum_max;
            self.update(i, up, out);
        }
    }

    /// A count was added for tracker `i` without a fork (exec, comm
    /// change): on reaching the quorum or passing the maximum the state
    /// changes at once, cancelling a `terminate_delay` timer.
    fn added_now(&mut self, i: usize, out: &mut Vec<Change>) {
        let (Some(s), Some(c)) = (self.specs.get(i), self.counts.get_mut(i)) else {
            return;
        };
        if c.num == s.quorum || s.quorum_max.checked_add(1) == Some(c.num) {
            c.terminate_timer = None;
            let up = c.num == s.quorum;
            self.update(i, up, out);
        }
    }

    /// keepalived `check_process`: after an exec (`comm` None; `info` is
    /// what was read of the process, None when it is already gone) or with
    /// the new name of a comm change (only trackers matching the command
    /// name look at it).
    fn check_process(
        &mut self,
        pid: u32,
        comm: Option<&[u8]>,
        info: Option<&ProcInfo>,
        out: &mut Vec<Change>,
    ) {
        let had = self.pids.contains_key(&pid);
        let comm_info;
        let info = match (comm, info) {
            (Some(c), _) => {
                comm_info = ProcInfo {
                    comm: Some(c.to_vec()),
                    cmdline: None,
                };
                &comm_info
            }
            (None, Some(i)) => i,
            (None, None) => return,
        };
        for i in 0..self.specs.len() {
            let m = &self.specs[i].matcher;
            if m.full_command && comm.is_some() {
                continue;
            }
            let name_matches = if m.full_command {
                info.cmdline.as_deref().is_some_and(|c| {
                    let argv0 = c.split(|&b| b == 0).next().unwrap_or(c);
                    argv0 == m.path.as_slice()
                })
            } else {
                info.comm.as_deref() == Some(m.path.as_slice())
            };
            if name_matches {
                if !info.matches(m) {
                    // the arguments do not match
                    if had {
                        self.remove_one(pid, i, out);
                    }
                    continue;
                }
                self.add(pid, i);
                self.added_now(i, out);
            } else if had && comm.is_none() {
                self.remove_one(pid, i, out);
            }
        }
        if self.pids.get(&pid).is_some_and(Vec::is_empty) {
            self.pids.remove(&pid);
        }
    }

    /// A process ran execve(2); `info` is what was read of it now.
    pub fn on_exec(&mut self, pid: u32, info: Option<&ProcInfo>) -> Vec<Change> {
        let mut out = Vec::new();
        self.check_process(pid, None, info, &mut out);
        out
    }

    /// keepalived `check_process_comm_change`: a process renamed itself.
    pub fn on_comm(&mut self, pid: u32, comm: &[u8]) -> Vec<Change> {
        let mut out = Vec::new();
        let refs = self.pids.get(&pid).cloned().unwrap_or_default();
        for i in refs {
            let m = &self.specs[i].matcher;
            if m.full_command {
                continue;
            }
            // The name has not really changed: nothing to do at all.
            if comm == m.path.as_slice() {
                return out;
            }
            self.remove_one(pid, i, &mut out);
        }
        self.check_process(pid, Some(comm), None, &mut out);
        out
    }

    /// keepalived `check_process_fork`: a counted process forked; the child
    /// counts as its parent does. Reaching the quorum (or passing the
    /// maximum) waits `fork_delay` when set, unless a `terminate_delay`
    /// timer was running (it is cancelled: nothing changed).
    pub fn on_fork(&mut self, parent: u32, child: u32, now: Duration) -> Vec<Change> {
        let mut out = Vec::new();
        let Some(refs) = self.pids.get(&parent).cloned() else {
            return out;
        };
        self.pids.entry(child).or_default();
        for i in refs {
            self.add(child, i);
            let (Some(s), Some(c)) = (self.specs.get(i), self.counts.get_mut(i)) else {
                continue;
            };
            if c.num == s.quorum || s.quorum_max.checked_add(1) == Some(c.num) {
                if c.terminate_timer.is_some() {
                    c.terminate_timer = None;
                } else if let Some(d) = s.fork_delay {
                    c.fork_timer = Some(now + d);
                    continue;
                }
                let up = c.num == s.quorum;
                self.update(i, up, &mut out);
            }
        }
        out
    }

    /// keepalived `check_process_termination`: a counted process exited.
    /// Losing the quorum (or coming back under the maximum) waits
    /// `terminate_delay` when set, unless a `fork_delay` timer was running
    /// (it is cancelled).
    pub fn on_exit(&mut self, pid: u32, now: Duration) -> Vec<Change> {
        let mut out = Vec::new();
        let Some(refs) = self.pids.remove(&pid) else {
            return out;
        };
        for i in refs {
            let (Some(s), Some(c)) = (self.specs.get(i), self.counts.get_mut(i)) else {
                continue;
            };
            let old = c.num;
            c.num = c.num.saturating_sub(1);
            if old == s.quorum || c.num == s.quorum_max {
                if c.fork_timer.is_some() {
                    c.fork_timer = None;
                } else if let Some(d) = s.terminate_delay {
                    c.terminate_timer = Some(now + d);
                    continue;
                }
                let up = c.num == s.quorum_max;
                self.update(i, up, &mut out);
            }
        }
        out
    }

    /// Events were lost: read `/proc` again at [`RESCAN_AFTER`] from now
    /// (keepalived `handle_proc_ev` on ENOBUFS).
    pub fn on_overrun(&mut self, now: Duration) {
        self.rescan_at = Some(now + RESCAN_AFTER);
    }

    /// Whether a rescan of `/proc` is due at `now`.
    pub fn rescan_due(&self, now: Duration) -> bool {
        self.rescan_at.is_some_and(|t| t <= now)
    }

    /// keepalived `reinitialise_track_processes`: counts from a fresh
    /// `/proc` scan; timers are cancelled; a tracker whose quorum changed is
    /// updated (a loss waits `terminate_delay` when set).
    pub fn rescan(&mut self, procs: &[(u32, ProcInfo)], now: Duration) -> Vec<Change> {
        self.rescan_at = None;
        let saved: Vec<u32> = self.counts.iter().map(|c| c.num).collect();
        self.pids.clear();
        for c in &mut self.counts {
            c.num = 0;
            c.fork_timer = None;
            c.terminate_timer = None;
        }
        self.count_scan(procs);
        let mut out = Vec::new();
        for (i, before) in saved.into_iter().enumerate() {
            let s = &self.specs[i];
            let num = self.counts[i].num;
            if (before < s.quorum) == (num < s.quorum)
                && (before > s.quorum_max) == (num > s.quorum_max)
            {
                continue;
            }
            if self.in_quorum(i) {
                self.update(i, true, &mut out);
            } else if let Some(d) = s.terminate_delay {
                self.counts[i].terminate_timer = Some(now + d);
            } else {
                self.update(i, false, &mut out);
            }
        }
        out
    }

    /// The earliest timer (delays, rescan), if any.
    pub fn next_deadline(&self) -> Option<Duration> {
        self.counts
            .iter()
            .flat_map(|c| [c.fork_timer, c.terminate_timer])
            .chain([self.rescan_at])
            .flatten()
            .min()
    }

    /// Expired `fork_delay` / `terminate_delay` timers: the state becomes
    /// what the count says now (keepalived `process_gained_quorum_timer_thread`,
    /// `process_lost_quorum_timer_thread`).
    pub fn on_timers(&mut self, now: Duration) -> Vec<Change> {
        let mut out = Vec::new();
        for i in 0..self.counts.len() {
            let c = &mut self.counts[i];
            let mut due = false;
            for t in [&mut c.fork_timer, &mut c.terminate_timer] {
                if t.is_some_and(|t| t <= now) {
                    *t = None;
                    due = true;
                }
            }
            if due {
                let up = self.in_quorum(i);
                self.update(i, up, &mut out);
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use keepalived_runtime::proc_scan::ProcMatcher;

    fn spec(name: &str, quorum: u32, quorum_max: u32, delay: Option<u64>) -> ProcessSpec {
        ProcessSpec {
            name: name.into(),
            matcher: ProcMatcher::new(&["trk".to_string()], None, false),
            quorum,
            quorum_max,
            terminate_delay: delay.map(Duration::from_secs),
            fork_delay: delay.map(Duration::from_secs),
        }
    }

    fn comm(c: &str) -> ProcInfo {
        ProcInfo {
            comm: Some(c.as_bytes().to_vec()),
            cmdline: None,
        }
    }

    const T0: Duration = Duration::from_secs(100);

    fn ch(name: &str, up: bool) -> Vec<Change> {
        vec![(name.to_string(), up)]
    }

    #[test]
    fn start_counts_the_scan() {
        let mut t = ProcessTable::new(vec![spec("a", 1, u32::MAX, None), spec("b", 2, 3, None)]);
        let scan = [(10, comm("trk")), (11, comm("other")), (12, comm("trk"))];
        assert_eq!(t.start(&scan), vec![("a".into(), true), ("b".into(), true)]);
        assert_eq!(t.count("a"), Some(2));
        let mut t = ProcessTable::new(vec![spec("a", 1, u32::MAX, None)]);
        assert_eq!(t.start(&[]), ch("a", false));
    }

    #[test]
    fn exec_and_exit_move_the_quorum() {
        let mut t = ProcessTable::new(vec![spec("q", 2, u32::MAX, None)]);
        t.start(&[]);
        assert!(t.on_exec(5, Some(&comm("trk"))).is_empty(), "1 of 2");
        assert!(t.on_exec(6, Some(&comm("nope"))).is_empty());
        assert_eq!(t.on_exec(7, Some(&comm("trk"))), ch("q", true));
        assert!(t.on_exit(6, T0).is_empty(), "not counted");
        assert_eq!(t.on_exit(5, T0), ch("q", false));
        assert!(t.on_exit(7, T0).is_empty());
        assert_eq!(t.count("q"), Some(0));
        // an exec that replaces a counted process by another program
        assert!(t.on_exec(8, Some(&comm("trk"))).is_empty());
        assert!(t.on_exec(8, Some(&comm("other"))).is_empty());
        assert_eq!(t.count("q"), Some(0));
        // a process already gone when read: nothing
        assert!(t.on_exec(9, None).is_empty());
    }

    #[test]
    fn quorum_max_and_must_not_run() {
        // quorum_max 1: a second process loses the quorum, its exit regains it
        let mut t = ProcessTable::new(vec![spec("m", 1, 1, None)]);
        t.start(&[]);
        assert_eq!(t.on_exec(1, Some(&comm("trk"))), ch("m", true));
        assert_eq!(t.on_exec(2, Some(&comm("trk"))), ch("m", false));
        assert_eq!(t.on_exit(2, T0), ch("m", true));
        // quorum_max 0: up while none runs
        let mut t = ProcessTable::new(vec![spec("z", 0, 0, None)]);
        assert_eq!(t.start(&[]), ch("z", true));
        assert_eq!(t.on_exec(1, Some(&comm("trk"))), ch("z", false));
        assert_eq!(t.on_exit(1, T0), ch("z", true));
    }

    #[test]
    fn terminate_delay_waits_and_a_restart_cancels_it() {
        let mut t = ProcessTable::new(vec![spec("d", 1, u32::MAX, Some(3))]);
        t.start(&[(1, comm("trk"))]);
        assert!(t.on_exit(1, T0).is_empty());
        assert_eq!(t.next_deadline(), Some(T0 + Duration::from_secs(3)));
        assert!(t.on_timers(T0 + Duration::from_secs(2)).is_empty());
        assert_eq!(t.on_timers(T0 + Duration::from_secs(3)), ch("d", false));
        assert_eq!(t.next_deadline(), None);
        // restarted within the delay: no change at all
        assert_eq!(t.on_exec(2, Some(&comm("trk"))), ch("d", true));
        assert!(t.on_exit(2, T0).is_empty());
        assert!(t.on_exec(3, Some(&comm("trk"))).is_empty());
        assert_eq!(t.next_deadline(), None);
        assert!(t.on_timers(T0 + Duration::from_secs(10)).is_empty());
    }

    #[test]
    fn fork_delay_and_fork_children_count() {
        let mut t = ProcessTable::new(vec![spec("f", 2, u32::MAX, Some(2))]);
        t.start(&[(1, comm("trk"))]);
        // an untracked parent's fork is ignored
        assert!(t.on_fork(50, 51, T0).is_empty());
        // the child of a counted process counts; quorum 2 waits fork_delay
        assert!(t.on_fork(1, 2, T0).is_empty());
        assert_eq!(t.count("f"), Some(2));
        assert_eq!(t.on_timers(T0 + Duration::from_secs(2)), ch("f", true));
        // the child execs another program: it no longer counts
        assert_eq!(t.on_exec(2, Some(&comm("sh"))), ch("f", false));
        // a fork whose child exits before fork_delay: timer cancelled, no change
        assert!(t.on_fork(1, 3, T0).is_empty());
        assert!(t.on_exit(3, T0).is_empty());
        assert_eq!(t.next_deadline(), None);
    }

    #[test]
    fn comm_change_renames_in_and_out() {
        let mut t = ProcessTable::new(vec![spec("c", 1, u32::MAX, None)]);
        t.start(&[(1, comm("trk"))]);
        assert!(t.on_comm(1, b"trk").is_empty(), "same name");
        assert_eq!(t.on_comm(1, b"renamed"), ch("c", false));
        assert_eq!(t.on_comm(1, b"trk"), ch("c", true));
    }

    #[test]
    fn full_command_with_params() {
        let w: Vec<String> = ["/tmp/trk", "60"].iter().map(|s| s.to_string()).collect();
        let mut t = ProcessTable::new(vec![ProcessSpec {
            matcher: ProcMatcher::new(&w, None, false),
            ..spec("p", 1, u32::MAX, None)
        }]);
        assert_eq!(t.plan().cmdline, Some(9 + 3 + 2));
        t.start(&[]);
        let cmd = |c: &[u8]| ProcInfo {
            comm: None,
            cmdline: Some(c.to_vec()),
        };
        assert!(t.on_exec(1, Some(&cmd(b"/tmp/trk\x0061\0"))).is_empty());
        assert_eq!(t.on_exec(2, Some(&cmd(b"/tmp/trk\x0060\0"))), ch("p", true));
        // a comm change does not concern full_command trackers
        assert!(t.on_comm(2, b"x").is_empty());
        // re-exec with other arguments: the count goes
        assert_eq!(
            t.on_exec(2, Some(&cmd(b"/tmp/trk\x0061\0"))),
            ch("p", false)
        );
    }

    #[test]
    fn rescan_after_overrun() {
        let mut t = ProcessTable::new(vec![spec("r", 1, u32::MAX, None)]);
        t.start(&[(1, comm("trk"))]);
        t.on_overrun(T0);
        assert!(!t.rescan_due(T0));
        assert_eq!(t.next_deadline(), Some(T0 + RESCAN_AFTER));
        assert!(t.rescan_due(T0 + RESCAN_AFTER));
        // the process exited while events were lost
        assert_eq!(t.rescan(&[], T0 + RESCAN_AFTER), ch("r", false));
        assert_eq!(t.next_deadline(), None);
        assert_eq!(t.rescan(&[(4, comm("trk"))], T0), ch("r", true));
        assert_eq!(t.on_exit(4, T0), ch("r", false));
    }
}
