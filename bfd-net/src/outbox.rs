//! Events on their way to the client. The client's queue is bounded (a client
//! that stops reading must not stall the sessions), but an event must not be
//! lost for good: when the queue is full the event waits here, one per
//! session, a later event of the same session replacing it. So once the
//! client reads again it gets every session's latest state; only
//! intermediate states it was too slow to see are skipped (counted).

use std::collections::BTreeMap;

use tokio::sync::mpsc::{self, error::TrySendError};

use crate::status::BfdEvent;

/// Events waiting for room in the client's queue, by session name.
#[derive(Debug, Default)]
pub(crate) struct Outbox {
    held: BTreeMap<String, BfdEvent>,
    superseded: u64,
}

impl Outbox {
    /// Hands `ev` to `tx`, or keeps it (in place of an older event of the
    /// same session) until there is room.
    pub(crate) fn push(&mut self, tx: &mpsc::Sender<BfdEvent>, ev: BfdEvent) {
        self.retry(tx);
        if let Some(old) = self.held.get_mut(ev.name()) {
            *old = ev;
            self.superseded += 1;
            return;
        }
        if let Err(TrySendError::Full(ev)) = tx.try_send(ev) {
            tracing::warn!("BFD: event queue full, holding {ev:?} until it is read");
            self.held.insert(ev.name().to_owned(), ev);
        }
    }

    /// Moves held events into `tx` while it has room.
    pub(crate) fn retry(&mut self, tx: &mpsc::Sender<BfdEvent>) {
        while let Some(entry) = self.held.first_entry() {
            match tx.try_send(entry.get().clone()) {
                Ok(()) => {
                    entry.remove();
                }
                Err(TrySendError::Full(_)) => break,
                Err(TrySendError::Closed(_)) => {
                    self.held.clear();
                    break;
                }
            }
        }
    }

    /// Events replaced by a later event of their session before the client
    /// read them.
    pub(crate) fn superseded(&self) -> u64 {
        self.superseded
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bfd_core::Diagnostic;

    fn up(n: &str) -> BfdEvent {
        BfdEvent::Up { name: n.into() }
    }

    fn down(n: &str) -> BfdEvent {
        BfdEvent::Down {
            name: n.into(),
            diagnostic: Diagnostic::ControlDetectionTimeExpired,
        }
    }

    #[test]
    fn a_full_queue_keeps_each_sessions_latest_event() {
        let (tx, mut rx) = mpsc::channel(1);
        let mut o = Outbox::default();
        o.push(&tx, up("a")); // queued
        o.push(&tx, up("b")); // held
        o.push(&tx, down("b")); // replaces b's Up
        o.push(&tx, down("a")); // held
        assert_eq!(o.superseded(), 1);
        assert_eq!(rx.try_recv().ok(), Some(up("a")));
        assert!(rx.try_recv().is_err(), "nothing else fits in the queue");
        o.retry(&tx);
        assert_eq!(rx.try_recv().ok(), Some(down("a")));
        o.retry(&tx);
        assert_eq!(rx.try_recv().ok(), Some(down("b")));
        o.retry(&tx);
        assert!(rx.try_recv().is_err(), "every held event delivered once");
    }

    #[test]
    fn a_closed_queue_holds_nothing() {
        let (tx, rx) = mpsc::channel(1);
        drop(rx);
        let mut o = Outbox::default();
        o.push(&tx, up("a"));
        o.push(&tx, down("a"));
        o.retry(&tx);
        assert_eq!(o.superseded(), 0);
        assert!(o.held.is_empty());
    }
}
