//! Error types, split by who is at fault: the kernel refused a request
//! ([`Error`] variants naming the object), the reply was malformed
//! ([`ParseError`]), or the socket failed ([`Error::Io`]).

use std::fmt;
use std::net::IpAddr;

use crate::model::{DaemonState, ServiceKey};
pub use crate::parse_error::ParseError;

/// The object a request was about, named in errors.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Object {
    /// A virtual service.
    Service(ServiceKey),
    /// A destination of a virtual service.
    Destination {
        /// The service.
        service: ServiceKey,
        /// Real server address.
        addr: IpAddr,
        /// Real server port.
        port: u16,
    },
    /// A sync daemon.
    Daemon(DaemonState),
    /// The connection timeouts.
    Timeouts,
    /// The whole table (flush, zero all, dumps).
    Table,
    /// The IPVS info (version).
    Info,
}

impl fmt::Display for Object {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Service(k) => write!(f, "service {k}"),
            Self::Destination {
                service,
                addr: IpAddr::V4(a),
                port,
            } => {
                write!(f, "destination {a}:{port} of service {service}")
            }
            Self::Destination {
                service,
                addr: IpAddr::V6(a),
                port,
            } => {
                write!(f, "destination [{a}]:{port} of service {service}")
            }
            Self::Daemon(DaemonState::Master) => f.write_str("master sync daemon"),
            Self::Daemon(DaemonState::Backup) => f.write_str("backup sync daemon"),
            Self::Timeouts => f.write_str("timeouts"),
            Self::Table => f.write_str("IPVS table"),
            Self::Info => f.write_str("IPVS info"),
        }
    }
}

/// Why a request failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// EEXIST: the service, destination or daemon exists already.
    #[error("{0} already exists")]
    Exists(Object),
    /// ESRCH: the service (or running daemon) does not exist.
    #[error("{0}: no such service or daemon")]
    NoSuchService(Object),
    /// ENOENT: no such destination, or unknown scheduler / persistence engine.
    #[error("{0}: no such destination, scheduler or persistence engine")]
    NotFound(Object),
    /// EINVAL: the kernel rejected a value.
    #[error("{0}: invalid argument")]
    Invalid(Object),
    /// EPERM: not allowed (needs CAP_NET_ADMIN).
    #[error("{0}: permission denied")]
    PermissionDenied(Object),
    /// Any other errno from the kernel.
    #[error("{object}: {}", std::io::Error::from_raw_os_error(*errno))]
    Kernel {
        /// The object of the request.
        object: Object,
        /// The positive errno.
        errno: i32,
    },
    /// The "IPVS" generic-netlink family does not exist (no ip_vs module, or
    /// the namespace cannot see it).
    #[error("IPVS is not available (generic netlink family \"IPVS\" not found; is ip_vs loaded?)")]
    FamilyNotFound,
    /// The netlink socket failed.
    #[error("netlink socket: {0}")]
    Io(#[from] std::io::Error),
    /// The kernel's reply did not decode.
    #[error("malformed reply: {0}")]
    Parse(#[from] ParseError),
}

impl Error {
    /// The error for a positive `errno` returned for a request about `object`.
    pub fn from_errno(errno: i32, object: Object) -> Self {
        match errno {
            libc::EEXIST => Self::Exists(object),
            libc::ESRCH => Self::NoSuchService(object),
            libc::ENOENT => Self::NotFound(object),
            libc::EINVAL => Self::Invalid(object),
            libc::EPERM => Self::PermissionDenied(object),
            _ => Self::Kernel { object, errno },
        }
    }

    /// The kernel's errno (positive), when the kernel refused the request.
    pub fn errno(&self) -> Option<i32> {
        match self {
            Self::Exists(_) => Some(libc::EEXIST),
            Self::NoSuchService(_) => Some(libc::ESRCH),
            Self::NotFound(_) => Some(libc::ENOENT),
            Self::Invalid(_) => Some(libc::EINVAL),
            Self::PermissionDenied(_) => Some(libc::EPERM),
            Self::Kernel { errno, .. } => Some(*errno),
            Self::Io(e) => e.raw_os_error(),
            _ => None,
        }
    }
}
