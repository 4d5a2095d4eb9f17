//! The kernel's process events connector (`NETLINK_CONNECTOR`, `CN_IDX_PROC`):
//! fork, exec, comm-change and exit of every process on the machine, as
//! keepalived's process tracking reads them (track_process.c `nl_connect`,
//! `set_proc_ev_listen`, `handle_proc_ev`).
//!
//! - [`parse_message`] decodes one received datagram by hand, with every
//!   offset bounds-checked: it never panics on any bytes (fuzz-friendly).
//! - [`ProcEventSocket`] opens the socket and subscribes with
//!   `PROC_CN_MCAST_LISTEN`; [`ProcEvents`] yields events; a receive queue overrun
//!   (`ENOBUFS`) is reported as [`ProcEventsError::Overrun`] so that the
//!   caller rescans `/proc` (keepalived `reinitialise_track_processes`).
//!
//! The kernel delivers these events to listeners in the initial network
//! namespace only, as root (CAP_NET_ADMIN); the events are not namespaced:
//! every process of the machine is reported.

use std::io;

use netlink_sys::{Socket, SocketAddr, protocols::NETLINK_CONNECTOR};
use tokio::io::unix::AsyncFd;

/// `CN_IDX_PROC` / `CN_VAL_PROC` (linux/connector.h).
const CN_IDX_PROC: u32 = 1;
const CN_VAL_PROC: u32 = 1;
/// `PROC_CN_MCAST_LISTEN` / `PROC_CN_MCAST_IGNORE` (linux/cn_proc.h).
const PROC_CN_MCAST_LISTEN: u32 = 1;
const PROC_CN_MCAST_IGNORE: u32 = 2;
/// `NLMSG_NOOP`, `NLMSG_ERROR`, `NLMSG_DONE`.
const NLMSG_NOOP: u16 = 1;
const NLMSG_ERROR: u16 = 2;
const NLMSG_DONE: u16 = 3;

/// `struct nlmsghdr` length.
const NLMSG_HDR: usize = 16;
/// `struct cn_msg` length (id.idx, id.val, seq, ack, len, flags).
const CN_MSG: usize = 20;
/// `struct proc_event` header before `event_data` (what, cpu, timestamp_ns).
const PROC_EV_HDR: usize = 16;

/// `enum proc_cn_event` values this module decodes.
const PROC_EVENT_NONE: u32 = 0;
const PROC_EVENT_FORK: u32 = 1;
const PROC_EVENT_EXEC: u32 = 2;
const PROC_EVENT_COMM: u32 = 0x200;
const PROC_EVENT_EXIT: u32 = 0x8000_0000;

/// What happened to a process.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ProcEventKind {
    /// The kernel acknowledged the subscription (`PROC_EVENT_NONE`).
    Ack,
    /// `PROC_EVENT_FORK`: a new task. A new process has `child_pid ==
    /// child_tgid`; a new thread has not.
    Fork {
        /// Process (thread group) id of the parent.
        parent_tgid: u32,
        /// Thread id of the new task.
        child_pid: u32,
        /// Process id of the new task.
        child_tgid: u32,
    },
    /// `PROC_EVENT_EXEC`: the task ran execve(2).
    Exec {
        /// Thread id.
        pid: u32,
        /// Process id.
        tgid: u32,
    },
    /// `PROC_EVENT_COMM`: the task's command name changed (prctl PR_SET_NAME).
    Comm {
        /// Thread id.
        pid: u32,
        /// Process id.
        tgid: u32,
        /// The new name (at most 15 bytes; lossy UTF-8).
        comm: String,
    },
    /// `PROC_EVENT_EXIT`: the task exited.
    Exit {
        /// Thread id.
        pid: u32,
        /// Process id.
        tgid: u32,
    },
    /// Any other event (uid/gid/sid changes, ptrace, coredump, ...).
    Other(u32),
}

/// One process event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcEvent {
    /// The CPU that reported it.
    pub cpu: u32,
    /// The connector's per-CPU sequence number (gaps: lost events).
    pub seq: u32,
    /// What happened.
    pub kind: ProcEventKind,
}

/// Why a datagram could not be decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ParseError {
    /// Shorter than the headers it claims to hold.
    #[error("process event datagram truncated: {0}")]
    Truncated(&'static str),
    /// `nlmsg_len` disagrees with the datagram.
    #[error("process event datagram has a bad netlink length")]
    BadLength,
}

fn u32_at(b: &[u8], off: usize) -> Option<u32> {
    let s = b.get(off..off.checked_add(4)?)?;
    Some(u32::from_ne_bytes([s[0], s[1], s[2], s[3]]))
}

fn u16_at(b: &[u8], off: usize) -> Option<u16> {
    let s = b.get(off..off.checked_add(2)?)?;
    Some(u16::from_ne_bytes([s[0], s[1]]))
}

/// Decodes one datagram from the proc connector (native byte order, as the
/// kernel writes it). `Ok(None)` for messages that carry no process event
/// for us: netlink NOOP/ERROR, another connector's message, or an ack flag
/// that does not match the event (keepalived `handle_proc_ev` skips these).
/// Only the first netlink message is read: the kernel never chains
/// process events (their 8-byte alignment would break).
pub fn parse_message(buf: &[u8]) -> Result<Option<ProcEvent>, ParseError> {
    let len = u32_at(buf, 0).ok_or(ParseError::Truncated("netlink header"))?;
    let ty = u16_at(buf, 4).ok_or(ParseError::Truncated("netlink header"))?;
    let len = usize::try_from(len).map_err(|_| ParseError::BadLength)?;
    if len < NLMSG_HDR || len > buf.len() {
        return Err(ParseError::BadLength);
    }
    if ty == NLMSG_NOOP || ty == NLMSG_ERROR {
        return Ok(None);
    }
    let msg = &buf[..len];
    let cn = NLMSG_HDR;
    let (Some(idx), Some(val), Some(seq), Some(ack), Some(data_len)) = (
        u32_at(msg, cn),
        u32_at(msg, cn + 4),
        u32_at(msg, cn + 8),
        u32_at(msg, cn + 12),
        u16_at(msg, cn + 16),
    ) else {
        return Err(ParseError::Truncated("connector header"));
    };
    if idx != CN_IDX_PROC || val != CN_VAL_PROC {
        return Ok(None);
    }
    let ev_start = cn + CN_MSG;
    let ev_end = ev_start
        .checked_add(usize::from(data_len))
        .ok_or(ParseError::BadLength)?;
    let ev = msg
        .get(ev_start..ev_end)
        .ok_or(ParseError::Truncated("connector payload"))?;
    let (Some(what), Some(cpu)) = (u32_at(ev, 0), u32_at(ev, 4)) else {
        return Err(ParseError::Truncated("process event header"));
    };
    if (what == PROC_EVENT_NONE) != (ack != 0) {
        return Ok(None);
    }
    let d = PROC_EV_HDR;
    let field = |i: usize| u32_at(ev, d + 4 * i).ok_or(ParseError::Truncated("event data"));
    let kind = match what {
        PROC_EVENT_NONE => ProcEventKind::Ack,
        PROC_EVENT_FORK => ProcEventKind::Fork {
            parent_tgid: field(1)?,
            child_pid: field(2)?,
            child_tgid: field(3)?,
        },
        PROC_EVENT_EXEC => ProcEventKind::Exec {
            pid: field(0)?,
            tgid: field(1)?,
        },
        PROC_EVENT_COMM => {
            let raw = ev.get(d + 8..d + 24).ok_or(ParseError::Truncated("comm"))?;
            let end = raw.iter().position(|&c| c == 0).unwrap_or(raw.len());
            ProcEventKind::Comm {
                pid: field(0)?,
                tgid: field(1)?,
                comm: String::from_utf8_lossy(&raw[..end]).into_owned(),
            }
        }
        PROC_EVENT_EXIT => ProcEventKind::Exit {
            pid: field(0)?,
            tgid: field(1)?,
        },
        other => ProcEventKind::Other(other),
    };
    Ok(Some(ProcEvent { cpu, seq, kind }))
}

/// keepalived `set_rcv_buf`: `SO_RCVBUF`, or `SO_RCVBUFFORCE` (needs
/// CAP_NET_ADMIN, passes `net.core.rmem_max`); a refusal is logged.
fn set_rcvbuf(sock: &Socket, bytes: u32, force: bool) {
    use std::os::fd::AsRawFd;
    let (name, what) = if force {
        (libc::SO_RCVBUFFORCE, "SO_RCVBUFFORCE")
    } else {
        (libc::SO_RCVBUF, "SO_RCVBUF")
    };
    let v = libc::c_int::try_from(bytes).unwrap_or(libc::c_int::MAX);
    if let Err(e) = crate::sys::set_int_opt(sock.as_raw_fd(), libc::SOL_SOCKET, name, v) {
        tracing::info!("cannot set process monitor {what} option: {e}");
    }
}

/// The subscription message: `nlmsghdr` + `cn_msg` + the `proc_cn_mcast_op`.
fn mcast_message(port: u32, listen: bool) -> Vec<u8> {
    let total = NLMSG_HDR + CN_MSG + 4;
    let mut m = Vec::with_capacity(total);
    m.extend_from_slice(&u32::try_from(total).unwrap_or(40).to_ne_bytes());
    m.extend_from_slice(&NLMSG_DONE.to_ne_bytes());
    m.extend_from_slice(&0u16.to_ne_bytes()); // flags
    m.extend_from_slice(&0u32.to_ne_bytes()); // seq
    m.extend_from_slice(&port.to_ne_bytes());
    m.extend_from_slice(&CN_IDX_PROC.to_ne_bytes());
    m.extend_from_slice(&CN_VAL_PROC.to_ne_bytes());
    m.extend_from_slice(&0u32.to_ne_bytes()); // seq
    m.extend_from_slice(&0u32.to_ne_bytes()); // ack
    m.extend_from_slice(&4u16.to_ne_bytes()); // len
    m.extend_from_slice(&0u16.to_ne_bytes()); // flags
    let op = if listen {
        PROC_CN_MCAST_LISTEN
    } else {
        PROC_CN_MCAST_IGNORE
    };
    m.extend_from_slice(&op.to_ne_bytes());
    m
}

/// Errors of the process events socket.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ProcEventsError {
    /// The kernel has no proc connector (`CONFIG_PROC_EVENTS` off).
    #[error("process events are not supported by the kernel (CONFIG_PROC_EVENTS)")]
    NotSupported,
    /// Opening or binding failed.
    #[error("cannot open the process events socket: {0}")]
    Open(#[source] io::Error),
    /// The kernel refused the subscription (outside the initial network
    /// namespace it answers ECONNREFUSED; without CAP_NET_ADMIN, EPERM).
    #[error("failed to set process event listen: {0}")]
    Subscribe(#[source] io::Error),
    /// Events were lost (the receive queue overflowed): rescan `/proc`.
    #[error("process events lost (receive queue overrun)")]
    Overrun,
    /// Receiving failed.
    #[error("receiving process events: {0}")]
    Recv(#[source] io::Error),
}

/// A subscribed proc connector socket, not yet on tokio: it can be opened
/// before the daemon moves into its network namespace (the kernel serves
/// process events in the initial namespace only; keepalived opens it before
/// `setns()` for `net_namespace` the same way, main.c).
pub struct ProcEventSocket {
    sock: Socket,
    port: u32,
    force: bool,
}

impl std::fmt::Debug for ProcEventSocket {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProcEventSocket")
            .field("port", &self.port)
            .finish()
    }
}

impl ProcEventSocket {
    /// Opens the socket, joins the `CN_IDX_PROC` group and sends
    /// `PROC_CN_MCAST_LISTEN` (keepalived `nl_connect`,
    /// `set_proc_ev_listen`); `rcvbuf` (bytes, and whether to force it past
    /// `net.core.rmem_max` with `SO_RCVBUFFORCE`) sizes the receive queue
    /// when given (global `process_monitor_rcv_bufs[_force]`).
    pub fn open(rcvbuf: Option<(u32, bool)>) -> Result<Self, ProcEventsError> {
        let mut sock = Socket::new(NETLINK_CONNECTOR).map_err(|e| {
            if e.raw_os_error() == Some(libc::EPROTONOSUPPORT) {
                ProcEventsError::NotSupported
            } else {
                ProcEventsError::Open(e)
            }
        })?;
        sock.bind(&SocketAddr::new(0, CN_IDX_PROC))
            .map_err(ProcEventsError::Open)?;
        let mut addr = SocketAddr::new(0, 0);
        sock.get_address(&mut addr).map_err(ProcEventsError::Open)?;
        let port = addr.port_number();
        let force = rcvbuf.is_some_and(|(_, f)| f);
        if let Some((n, force)) = rcvbuf {
            set_rcvbuf(&sock, n, force);
        }
        sock.set_non_blocking(true).map_err(ProcEventsError::Open)?;
        sock.send_to(&mcast_message(port, true), &SocketAddr::new(0, 0), 0)
            .map_err(ProcEventsError::Subscribe)?;
        Ok(ProcEventSocket { sock, port, force })
    }

    /// Registers the socket with the current tokio runtime.
    pub fn into_async(self) -> Result<ProcEvents, ProcEventsError> {
        Ok(ProcEvents {
            port: self.port,
            force: self.force,
            fd: crate::sys::register_async(self.sock).map_err(ProcEventsError::Open)?,
            buf: Vec::with_capacity(1024),
        })
    }
}

/// A subscribed proc connector socket on tokio.
pub struct ProcEvents {
    fd: AsyncFd<Socket>,
    port: u32,
    /// `process_monitor_rcv_bufs_force`.
    force: bool,
    buf: Vec<u8>,
}

impl std::fmt::Debug for ProcEvents {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProcEvents")
            .field("port", &self.port)
            .finish()
    }
}

impl ProcEvents {
    /// Grows the receive queue after an overrun as keepalived's
    /// `reinitialise_track_processes` does: twice what `SO_RCVBUF` reports
    /// (itself twice what was set). Returns the size set.
    pub fn grow_rcvbuf(&self) -> Option<u32> {
        let s = self.fd.get_ref();
        let cur = u32::try_from(s.get_rx_buf_sz().ok()?).ok()?;
        let n = cur.saturating_mul(2);
        set_rcvbuf(s, n, self.force);
        Some(n)
    }

    /// Waits for the next process event from the kernel. Datagrams that
    /// are not from the kernel or not process events are skipped; an
    /// undecodable one is logged and skipped. Cancel-safe.
    pub async fn next(&mut self) -> Result<ProcEvent, ProcEventsError> {
        loop {
            let mut guard = self.fd.readable().await.map_err(ProcEventsError::Recv)?;
            let buf = &mut self.buf;
            buf.clear();
            let res = guard.try_io(|s| s.get_ref().recv_from(buf, 0));
            match res {
                Ok(Ok((_, from))) => {
                    if from.port_number() != 0 {
                        continue;
                    }
                    match parse_message(&self.buf) {
                        Ok(Some(ev)) => return Ok(ev),
                        Ok(None) => continue,
                        Err(e) => {
                            tracing::info!("{e}");
                            continue;
                        }
                    }
                }
                Ok(Err(e)) if e.raw_os_error() == Some(libc::ENOBUFS) => {
                    return Err(ProcEventsError::Overrun);
                }
                Ok(Err(e)) if e.kind() == io::ErrorKind::Interrupted => continue,
                Ok(Err(e)) => return Err(ProcEventsError::Recv(e)),
                Err(_would_block) => continue,
            }
        }
    }
}

impl Drop for ProcEvents {
    /// Unsubscribes (`PROC_CN_MCAST_IGNORE`), as keepalived's
    /// `end_process_monitor` does.
    fn drop(&mut self) {
        let _ =
            self.fd
                .get_ref()
                .send_to(&mcast_message(self.port, false), &SocketAddr::new(0, 0), 0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A kernel-shaped datagram: nlmsghdr + cn_msg + proc_event.
    fn datagram(what: u32, ack: u32, data: &[u32], comm: Option<&[u8]>) -> Vec<u8> {
        let mut ev = Vec::new();
        ev.extend_from_slice(&what.to_ne_bytes());
        ev.extend_from_slice(&3u32.to_ne_bytes()); // cpu
        ev.extend_from_slice(&123u64.to_ne_bytes()); // timestamp
        for d in data {
            ev.extend_from_slice(&d.to_ne_bytes());
        }
        if let Some(c) = comm {
            let mut f = [0u8; 16];
            f[..c.len()].copy_from_slice(c);
            ev.extend_from_slice(&f);
        }
        // the kernel sends the whole event_data union (40 bytes on 6.x)
        ev.resize(PROC_EV_HDR + 40, 0);
        let mut m = Vec::new();
        let total = NLMSG_HDR + CN_MSG + ev.len();
        m.extend_from_slice(&(total as u32).to_ne_bytes());
        m.extend_from_slice(&NLMSG_DONE.to_ne_bytes());
        m.extend_from_slice(&[0; 10]);
        for v in [CN_IDX_PROC, CN_VAL_PROC, 77, ack] {
            m.extend_from_slice(&v.to_ne_bytes());
        }
        m.extend_from_slice(&(ev.len() as u16).to_ne_bytes());
        m.extend_from_slice(&0u16.to_ne_bytes());
        m.extend_from_slice(&ev);
        m
    }

    #[test]
    fn decodes_fork_exec_comm_exit_and_ack() {
        let p = |b: Vec<u8>| parse_message(&b).unwrap().unwrap();
        let f = p(datagram(PROC_EVENT_FORK, 0, &[10, 10, 11, 11], None));
        assert_eq!((f.cpu, f.seq), (3, 77));
        assert_eq!(
            f.kind,
            ProcEventKind::Fork {
                parent_tgid: 10,
                child_pid: 11,
                child_tgid: 11
            }
        );
        assert_eq!(
            p(datagram(PROC_EVENT_EXEC, 0, &[12, 12], None)).kind,
            ProcEventKind::Exec { pid: 12, tgid: 12 }
        );
        assert_eq!(
            p(datagram(PROC_EVENT_COMM, 0, &[13, 12], Some(b"trk12345"))).kind,
            ProcEventKind::Comm {
                pid: 13,
                tgid: 12,
                comm: "trk12345".into()
            }
        );
        // a full 16-byte name without NUL stays in bounds
        assert_eq!(
            p(datagram(PROC_EVENT_COMM, 0, &[1, 1], Some(&[b'a'; 16]))).kind,
            ProcEventKind::Comm {
                pid: 1,
                tgid: 1,
                comm: "a".repeat(16)
            }
        );
        assert_eq!(
            p(datagram(PROC_EVENT_EXIT, 0, &[14, 14, 0, 9], None)).kind,
            ProcEventKind::Exit { pid: 14, tgid: 14 }
        );
        assert_eq!(
            p(datagram(PROC_EVENT_NONE, 1, &[], None)).kind,
            ProcEventKind::Ack
        );
        assert_eq!(
            p(datagram(0x80, 0, &[1, 1], None)).kind,
            ProcEventKind::Other(0x80)
        );
    }

    #[test]
    fn skips_what_is_not_a_process_event() {
        // ack flag without PROC_EVENT_NONE, and the reverse
        assert_eq!(
            parse_message(&datagram(PROC_EVENT_EXEC, 1, &[1, 1], None)),
            Ok(None)
        );
        assert_eq!(
            parse_message(&datagram(PROC_EVENT_NONE, 0, &[], None)),
            Ok(None)
        );
        // another connector index
        let mut m = datagram(PROC_EVENT_EXEC, 0, &[1, 1], None);
        m[16] = 9;
        assert_eq!(parse_message(&m), Ok(None));
        // NLMSG_ERROR / NOOP
        let mut m = datagram(PROC_EVENT_EXEC, 0, &[1, 1], None);
        m[4..6].copy_from_slice(&NLMSG_ERROR.to_ne_bytes());
        assert_eq!(parse_message(&m), Ok(None));
    }

    #[test]
    fn every_truncation_and_bad_length_is_an_error_not_a_panic() {
        let full = datagram(PROC_EVENT_COMM, 0, &[1, 1], Some(b"x"));
        for n in 0..full.len() {
            // nlmsg_len still claims the full length: longer than the buffer
            assert!(parse_message(&full[..n]).is_err(), "prefix {n}");
        }
        // nlmsg_len shrunk to each length: never a panic, never an event
        // read past the claimed length
        for n in 0..full.len() {
            let mut m = full.clone();
            m[..4].copy_from_slice(&(n as u32).to_ne_bytes());
            if let Ok(Some(ev)) = parse_message(&m) {
                panic!("event decoded from {n} bytes: {ev:?}");
            }
        }
        // cn_msg.len larger than the message
        let mut m = full.clone();
        m[32..34].copy_from_slice(&u16::MAX.to_ne_bytes());
        assert_eq!(
            parse_message(&m),
            Err(ParseError::Truncated("connector payload"))
        );
        // a short exec payload
        let mut m = datagram(PROC_EVENT_EXEC, 0, &[], None);
        m[32..34].copy_from_slice(&(PROC_EV_HDR as u16 + 4).to_ne_bytes());
        assert_eq!(parse_message(&m), Err(ParseError::Truncated("event data")));
        // arbitrary bytes
        let mut x: u32 = 0x1234_5678;
        for len in 0..200 {
            let bytes: Vec<u8> = (0..len)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 17;
                    x ^= x << 5;
                    x as u8
                })
                .collect();
            let _ = parse_message(&bytes);
        }
    }

    #[test]
    fn subscription_message_layout() {
        let m = mcast_message(42, true);
        assert_eq!(m.len(), 40);
        assert_eq!(u32_at(&m, 0), Some(40));
        assert_eq!(u16_at(&m, 4), Some(NLMSG_DONE));
        assert_eq!(u32_at(&m, 12), Some(42));
        assert_eq!((u32_at(&m, 16), u32_at(&m, 20)), (Some(1), Some(1)));
        assert_eq!(u16_at(&m, 32), Some(4));
        assert_eq!(u32_at(&m, 36), Some(PROC_CN_MCAST_LISTEN));
        assert_eq!(
            u32_at(&mcast_message(1, false), 36),
            Some(PROC_CN_MCAST_IGNORE)
        );
    }
}

/// Live: the kernel reports a child's fork, exec and exit (root only).
#[cfg(test)]
mod live {
    use super::*;
    use std::time::Duration;

    #[tokio::test]
    async fn sees_a_child_exec_and_exit() {
        if !nix::unistd::geteuid().is_root() {
            println!("SKIPPED: needs root for the proc connector");
            return;
        }
        let mut s = match ProcEventSocket::open(Some((1 << 20, false)))
            .and_then(ProcEventSocket::into_async)
        {
            Ok(s) => s,
            Err(ProcEventsError::NotSupported) => {
                println!("SKIPPED: no CONFIG_PROC_EVENTS");
                return;
            }
            Err(ProcEventsError::Subscribe(e)) if e.raw_os_error() == Some(libc::ECONNREFUSED) => {
                println!("SKIPPED: not in the initial network namespace");
                return;
            }
            Err(e) => panic!("{e}"),
        };
        // process_monitor_rcv_bufs: the kernel reports twice what was set;
        // an overrun doubles that again (keepalived's arithmetic)
        let got = s.fd.get_ref().get_rx_buf_sz().unwrap();
        let rmem_max: usize = std::fs::read_to_string("/proc/sys/net/core/rmem_max")
            .ok()
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(0);
        assert_eq!(got, 2 * rmem_max.min(1 << 20), "rmem_max {rmem_max}");
        let grown = s.grow_rcvbuf().unwrap();
        assert_eq!(grown as usize, got * 2);
        let child = std::process::Command::new("/bin/true").spawn().unwrap();
        let pid = child.id();
        let (mut exec, mut exit) = (false, false);
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        // bounded: at most 100k events or 10 s
        for _ in 0..100_000 {
            let Ok(ev) = tokio::time::timeout_at(deadline, s.next()).await else {
                break;
            };
            match ev {
                Ok(ProcEvent {
                    kind: ProcEventKind::Exec { tgid, .. },
                    ..
                }) if tgid == pid => exec = true,
                Ok(ProcEvent {
                    kind: ProcEventKind::Exit { tgid, pid: p },
                    ..
                }) if tgid == pid && p == pid => exit = true,
                Ok(_) | Err(ProcEventsError::Overrun) => {}
                Err(e) => panic!("{e}"),
            }
            if exec && exit {
                break;
            }
        }
        let _ = child.wait_with_output();
        assert!(exec && exit, "exec {exec} exit {exit}");
    }
}

/// Live: a receive queue too small for a burst reports the overrun.
#[cfg(test)]
mod live_overrun {
    use super::*;
    use std::time::Duration;

    #[tokio::test]
    async fn a_burst_into_a_tiny_queue_is_an_overrun() {
        if !nix::unistd::geteuid().is_root() {
            println!("SKIPPED: needs root for the proc connector");
            return;
        }
        // the kernel raises 1 byte to its minimum (a few KiB)
        let mut s =
            match ProcEventSocket::open(Some((1, false))).and_then(ProcEventSocket::into_async) {
                Ok(s) => s,
                Err(e) => {
                    println!("SKIPPED: process events unavailable here: {e}");
                    return;
                }
            };
        // 64 short-lived children: fork, exec and exit events, unread
        for _ in 0..64 {
            let _ = std::process::Command::new("/bin/true").status();
        }
        let mut overrun = false;
        // bounded: at most 10k events or 10 s
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        for _ in 0..10_000 {
            match tokio::time::timeout_at(deadline, s.next()).await {
                Ok(Err(ProcEventsError::Overrun)) => {
                    overrun = true;
                    break;
                }
                Ok(Ok(_)) => {}
                Ok(Err(e)) => panic!("{e}"),
                Err(_) => break,
            }
        }
        assert!(overrun, "no ENOBUFS after a burst into a minimal queue");
    }
}
