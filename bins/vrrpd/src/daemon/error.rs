//! Why the daemon cannot load a configuration, apply it to this host, or
//! start at all, split by who is at fault: the configuration, the host it
//! meets (interfaces, addresses), or this system (sockets, files, the
//! kernel's answers).

use std::io;
use std::net::SocketAddr;
use std::path::PathBuf;

use keepalived_runtime::safe_file::SafeFileError;
use vrrp_core::node::NodeError;
use vrrp_linux::NetnsError;
use vrrp_linux::{NetlinkError, SocketError};

use super::routes::RouteError;
use super::vmac::VmacError;

/// A configuration that is not loaded (at start, `-t`, or a reload).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LoadError {
    /// The interfaces it is mapped against could not be read.
    #[error("reading interfaces: {0}")]
    Interfaces(#[source] NetlinkError),
    /// It has errors (printed as diagnostics before).
    #[error("{}: configuration refused", .0.display())]
    Refused(PathBuf),
    /// The parse on the blocking pool did not finish (it panicked or was
    /// cancelled): this program's fault.
    #[error("configuration parser failed: {0}")]
    ParserFailed(#[source] tokio::task::JoinError),
    /// The start-up parse's thread could not be started.
    #[error("starting the configuration parser: {0}")]
    ParserThread(#[source] io::Error),
    /// The start-up parse's thread panicked: this program's fault.
    #[error("configuration parser panicked")]
    ParserPanicked,
    /// `-t`: the result could not be written.
    #[error("writing the result: {0}")]
    Output(#[source] io::Error),
}

/// A loaded configuration that cannot be applied to this host.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ApplyError {
    /// The instance's interface does not exist.
    #[error("instance {instance}: no interface `{iface}`")]
    NoInterface {
        /// The instance.
        instance: String,
        /// The interface.
        iface: String,
    },
    /// A virtual route or rule of the instance cannot be used.
    #[error("instance {instance}: {source}")]
    Routes {
        /// The instance.
        instance: String,
        /// Why.
        source: RouteError,
    },
    /// A static route, rule or address cannot be used.
    #[error(transparent)]
    Statics(RouteError),
    /// The instances do not make a valid node (vrrp-core's verdict).
    #[error(transparent)]
    Node(#[from] NodeError),
    /// The instance's VMAC could not be set up.
    #[error("instance {instance}: {source}")]
    Vmac {
        /// The instance.
        instance: String,
        /// Why.
        source: VmacError,
    },
}

/// Why the daemon stops.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DaemonError {
    /// The configuration is not loaded.
    #[error(transparent)]
    Load(#[from] LoadError),
    /// The configuration cannot be applied here.
    #[error(transparent)]
    Apply(#[from] ApplyError),
    /// The configured `net_namespace` could not be entered.
    #[error("Unable to set network namespace {name} - exiting: {source}")]
    Namespace {
        /// The namespace.
        name: String,
        /// Why.
        source: NetnsError,
    },
    /// No rtnetlink socket.
    #[error("rtnetlink: {0}")]
    Rtnetlink(#[source] NetlinkError),
    /// The pid file could not be written.
    #[error("pid file: {0}")]
    PidFile(#[source] SafeFileError),
    /// No raw VRRP socket (usually: not root).
    #[error("{0}")]
    VrrpSocket(#[source] SocketError),
    /// No link, address, route and rule events.
    #[error("link watch: {0}")]
    Watch(#[source] NetlinkError),
    /// The control socket could not be served.
    #[error("control socket {}: {source}", .path.display())]
    Control {
        /// Its path.
        path: PathBuf,
        /// Why.
        source: io::Error,
    },
    /// The metrics listener could not be bound.
    #[error("--metrics-listen {addr}: {source}")]
    Metrics {
        /// The address asked for.
        addr: SocketAddr,
        /// Why.
        source: io::Error,
    },
    /// A signal handler could not be installed.
    #[error("signal handler: {0}")]
    Signal(#[source] io::Error),
    /// No timerfd.
    #[error("timerfd: {0}")]
    Timer(#[source] io::Error),
}
