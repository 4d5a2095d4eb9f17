//! What the handle ([`crate::runner`]) and the task running the sessions
//! ([`crate::driver`]) hand each other: commands with checked specs and the
//! sockets opened for them one way, the published status the other way.

use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard};

use socket2::Socket;
use tokio::sync::oneshot;

use crate::socket::{self, Listen};
use crate::spec::PeerSpec;
use crate::status::{Discards, SessionStatus};

/// What the task publishes for `BfdRunner::status`.
#[derive(Debug, Default)]
pub(crate) struct Shared {
    /// One entry per session, in name order.
    pub status: Vec<SessionStatus>,
    /// Discarded datagrams that no session can be blamed for.
    pub unattributed: Discards,
    /// The receive sockets open.
    pub families: Vec<Listen>,
    /// Events replaced by a later event of their session while the client's
    /// queue was full (the latest state of each session is always delivered).
    pub events_dropped: u64,
}

/// The status, even if a panic poisoned its lock.
pub(crate) fn lock(m: &Mutex<Shared>) -> MutexGuard<'_, Shared> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// Specs checked, with the sockets they need opened.
#[derive(Debug)]
pub(crate) struct Plan {
    pub specs: Vec<PeerSpec>,
    /// Send sockets (and ports) by session name, for the sessions that are
    /// new or whose addresses changed.
    pub send: BTreeMap<String, socket::SendSocket>,
    /// Receive sockets not open yet.
    pub receive: Vec<(Listen, Socket)>,
}

/// A command to the task.
#[derive(Debug)]
pub(crate) enum Command {
    Apply(Plan),
    Shutdown {
        admin_down: bool,
        done: oneshot::Sender<()>,
    },
}
