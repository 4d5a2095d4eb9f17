//! Error types, one per kind of IO, split by who is at fault: the local system
//! (socket setup, permissions), the kernel's answer to a request, or bytes that
//! came from the network.

use std::io;
use std::net::IpAddr;
use std::path::PathBuf;

/// Errors of the raw VRRP sockets and the AF_PACKET announcer.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SocketError {
    /// Creating the socket failed (usually: not root / no CAP_NET_RAW).
    #[error("cannot open {what} socket: {source}")]
    Open {
        /// Which socket ("IPv4 VRRP", "AF_PACKET", ...).
        what: &'static str,
        /// The OS error.
        source: io::Error,
    },
    /// A socket option was refused.
    #[error("cannot set socket option {option}: {source}")]
    Option {
        /// The option's name, e.g. `IP_ADD_MEMBERSHIP`.
        option: &'static str,
        /// The OS error.
        source: io::Error,
    },
    /// The caller mixed address families (an IPv6 address on an IPv4 socket).
    #[error("address {addr} does not match the socket's family")]
    FamilyMismatch {
        /// The offending address.
        addr: IpAddr,
    },
    /// The payload does not fit in one IP datagram.
    #[error("payload of {len} bytes is too long")]
    PayloadTooLong {
        /// Its length.
        len: usize,
    },
    /// Sending failed.
    #[error("send to {dst} failed: {source}")]
    Send {
        /// The destination.
        dst: IpAddr,
        /// The OS error.
        source: io::Error,
    },
    /// Receiving failed.
    #[error("receive failed: {0}")]
    Recv(#[source] io::Error),
    /// A datagram from the network was malformed at the IP layer (not VRRP's
    /// concern: the VRRP codec judges the payload).
    #[error("malformed datagram from the network: {0}")]
    Malformed(&'static str),
    /// The kernel did not supply the ancillary data the socket asked for.
    #[error("missing ancillary data: {0}")]
    MissingAncillary(&'static str),
}

/// Errors of rtnetlink requests and watches.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum NetlinkError {
    /// Opening, binding or using the netlink socket failed locally.
    #[error("netlink socket: {0}")]
    Socket(#[source] io::Error),
    /// The kernel refused a request (the errno it sent back).
    #[error("kernel refused {op}: {source}{}", .detail.as_deref().map(|d| format!(" ({d})")).unwrap_or_default())]
    Kernel {
        /// What was asked, e.g. "add address 10.0.0.1/24 on ifindex 3".
        op: String,
        /// The errno as an io::Error (EEXIST, ENODEV, EPERM, ...).
        source: io::Error,
        /// The kernel's extended-ACK message, e.g. "ipv4: Invalid scope value.".
        detail: Option<String>,
    },
    /// No interface with that name or index.
    #[error("no such interface: {0}")]
    NoSuchInterface(String),
    /// The kernel sent something we could not decode.
    #[error("cannot decode netlink message: {0}")]
    Decode(String),
    /// The kernel dropped events because our receive buffer overflowed (ENOBUFS);
    /// the caller should re-read the state it tracks.
    #[error("netlink event overrun: events were lost")]
    Overrun,
}

impl NetlinkError {
    /// The errno the kernel answered with, if this is a kernel refusal.
    pub fn errno(&self) -> Option<i32> {
        match self {
            NetlinkError::Kernel { source, .. } => source.raw_os_error(),
            _ => None,
        }
    }

    /// True when the kernel said the object already exists (EEXIST).
    pub fn is_already_exists(&self) -> bool {
        self.errno() == Some(libc::EEXIST)
    }

    /// True when the kernel said the object does not exist (EADDRNOTAVAIL,
    /// ENOENT, ENODEV, ESRCH).
    pub fn is_not_found(&self) -> bool {
        matches!(
            self.errno(),
            Some(libc::EADDRNOTAVAIL | libc::ENOENT | libc::ENODEV | libc::ESRCH)
        ) || matches!(self, NetlinkError::NoSuchInterface(_))
    }
}

/// Errors of the `/proc/sys` helpers.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SysctlError {
    /// The interface name could escape the sysctl directory.
    #[error("invalid interface name {0:?}")]
    InvalidName(String),
    /// Reading or writing the file failed.
    #[error("{path}: {source}")]
    Io {
        /// The sysctl file.
        path: PathBuf,
        /// The OS error.
        source: io::Error,
    },
}

/// Why a named network namespace could not be entered.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum NetnsError {
    /// `/run/netns/NAME` could not be opened (keepalived: "Failed to open").
    #[error("cannot open {}: {source}", .path.display())]
    Open {
        /// The namespace's file.
        path: PathBuf,
        /// The OS error.
        source: io::Error,
    },
    /// `setns(2)` refused it.
    #[error("setns() into {}: {source}", .path.display())]
    Setns {
        /// The namespace's file.
        path: PathBuf,
        /// The OS error.
        source: io::Error,
    },
}
