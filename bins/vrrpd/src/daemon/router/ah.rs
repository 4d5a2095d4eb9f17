//! `auth_type AH`: the IPsec Authentication Header around an instance's
//! VRRPv2 adverts (RFC 2338 §5.3.6.3, as keepalived implements it; the
//! codec and the sequence-number rules are [`vrrp_core::packet::ah`]).
//!
//! Receive: a datagram of the AH socket is checked here before the node sees
//! the VRRP message inside it (keepalived `vrrp_check_packet` and
//! `vrrp_in_chk_ipsecah`): an instance without AH counts an auth type
//! mismatch; a foreign next header is ignored; a bad ICV or SPI, or a
//! sequence number already seen, counts an authentication failure (and the
//! RFC 2787 `authFailure` notification). Send: each advert takes the next
//! sequence number (one per advert, whatever the number of unicast peers).
//!
//! The keys and counters are kept here, for the AH instances only, so that
//! the others pay nothing for them.
//!
//! keepalived logs each dropped datagram at info; here, as for every other
//! dropped advert, the line is at debug level (the drop is counted and
//! trapped), so that a sender flooding the link cannot flood the log.

use std::collections::{BTreeMap, HashMap};
use std::ops::Range;

use tracing::debug;
use vrrp_core::State;
use vrrp_core::node::{InstanceId, Transmit};
use vrrp_core::packet::ah::{self, AhError, AhHeader, AhKey, SeqCounter};
use vrrp_core::packet::{DropReason, RxMeta};
use vrrp_linux::AhSeal;

use super::Router;
use crate::daemon::host::Host;

/// What an AH instance needs: its key and its sequence number.
#[derive(Debug, Clone)]
pub(super) struct AhState {
    /// The instance's name, to carry the counter across a reload.
    name: String,
    key: AhKey,
    pub(super) seq: SeqCounter,
    /// The instance was Master when it last advertised (and has not left
    /// Master since).
    master: bool,
}

/// The AH instances of the router.
#[derive(Debug, Default)]
pub(super) struct AhInstances {
    pub(super) by_id: HashMap<InstanceId, AhState>,
}

/// An AH advert that passed its checks: where its VRRP message lies, and
/// what the sequence rules need once the node has handled it.
pub(super) struct Accepted {
    /// The VRRP message within the datagram.
    pub(super) vrrp: Range<usize>,
    /// The instance it is for.
    pub(super) id: InstanceId,
    /// Its sequence number.
    pub(super) seq: u32,
    /// The instance's state before it was handled.
    pub(super) state: State,
    /// The instance's effective priority before it was handled.
    pub(super) priority: u8,
}

impl<H: Host> Router<H> {
    /// Takes the AH keys of a new configuration (instance name to key),
    /// after [`Router::install`] or a reload: an instance that was AH before
    /// (same id, else same name) keeps its sequence number, as keepalived
    /// keeps `ipsecah_counter` across a reload.
    pub(super) fn set_ah_keys(&mut self, keys: &BTreeMap<String, AhKey>) {
        let mut old = std::mem::take(&mut self.ah.by_id);
        let ids: Vec<InstanceId> = self.node.ids().collect();
        for id in ids {
            let Some(inst) = self.node.instance(id) else {
                continue;
            };
            let Some(key) = keys.get(inst.name()) else {
                continue;
            };
            let seq = match old.remove(&id) {
                Some(s) if s.name == inst.name() => s.seq,
                _ => old
                    .values()
                    .find(|s| s.name == inst.name())
                    .map_or_else(SeqCounter::default, |s| s.seq),
            };
            let state = AhState {
                name: inst.name().to_string(),
                key: *key,
                seq,
                master: inst.state() == State::Master,
            };
            self.ah.by_id.insert(id, state);
        }
    }

    /// Checks an AH datagram from the AH socket; `None` when it is dropped
    /// (counted where keepalived counts it).
    pub(super) fn open_ah(
        &mut self,
        ifindex: u32,
        rx: &RxMeta,
        datagram: &[u8],
    ) -> Option<Accepted> {
        let ihl = usize::from(datagram.first()? & 0x0f) * 4;
        let header = AhHeader::parse(datagram.get(ihl..)?)?;
        let vrrp = ihl + ah::AH_LEN..datagram.len();
        let id = self
            .node
            .receiver(ifindex, rx, datagram.get(vrrp.clone())?)?;
        let inst = self.node.instance(id)?;
        let name = inst.name().to_string();
        let (state, priority) = (inst.state(), inst.effective_priority());
        let unicast = !inst.config().unicast_peers.is_empty();
        let Some(key) = self.ah.by_id.get(&id).map(|s| s.key) else {
            debug!(instance = %name, from = %rx.src, "Received AH header but auth type not AH");
            self.reject(id, rx, DropReason::AuthTypeMismatch);
            return None;
        };
        let checked = ah::open(datagram, &key, unicast).and_then(|o| {
            let state = self.ah.by_id.get_mut(&id).ok_or(AhError::Truncated)?;
            state.seq.accept(o.header.seq).map(|()| o)
        });
        match checked {
            Ok(o) => Some(Accepted {
                vrrp: o.payload,
                id,
                seq: o.header.seq,
                state,
                priority,
            }),
            // keepalived: "an AH header for some other protocol - ignore packet".
            Err(AhError::NextHeader(_)) => None,
            Err(e) => {
                if e.is_auth_failure() {
                    debug!(instance = %name, from = %rx.src, seq = header.seq, "IPSEC-AH: {e}");
                    self.reject(id, rx, DropReason::AuthFailure);
                } else {
                    self.reject(id, rx, DropReason::Truncated);
                }
                None
            }
        }
    }

    /// Whether a plain advert (no AH header) is for an AH instance: then it
    /// is dropped as an auth type mismatch (keepalived `vrrp_check_packet`,
    /// "No AH header but auth type is AH"), even when its auth type field
    /// says 2.
    pub(super) fn plain_for_ah(&mut self, ifindex: u32, rx: &RxMeta, vrrp: &[u8]) -> bool {
        if self.ah.by_id.is_empty() {
            return false;
        }
        let Some(id) = self.node.receiver(ifindex, rx, vrrp) else {
            return false;
        };
        if !self.ah.by_id.contains_key(&id) {
            return false;
        }
        if let Some(inst) = self.node.instance(id) {
            debug!(instance = %inst.name(), from = %rx.src, "No AH header but auth type is AH");
        }
        self.reject(id, rx, DropReason::AuthTypeMismatch);
        true
    }

    /// The sequence rules after the node handled an accepted AH advert of
    /// priority `advert_priority` from `rx.src` (keepalived
    /// `vrrp_check_packet`, `vrrp_state_master_rx`).
    pub(super) fn after_ah(&mut self, a: &Accepted, rx: &RxMeta, advert_priority: u8) {
        let ours = self.node.instance(a.id).map(|i| i.config().primary_address);
        let Some(slot) = self.ah.by_id.get_mut(&a.id) else {
            return;
        };
        match a.state {
            State::Backup => slot.seq.accepted_in_backup(),
            State::Master if advert_priority != 0 => {
                let lower = advert_priority < a.priority
                    || (advert_priority == a.priority && ours.is_some_and(|o| rx.src < o));
                if lower {
                    // "IPSEC-AH : Syncing seq_num - Increment seq"
                    slot.seq.sync_from_lower_priority(a.seq);
                } else {
                    slot.seq.yielded();
                }
            }
            _ => {}
        }
    }

    /// The AH part of transmit `t`, when its instance uses AH.
    pub(super) fn ah_seal(&mut self, t: &Transmit) -> Option<AhSeal> {
        let inst = self.node.instance(t.instance)?;
        let unicast = !inst.config().unicast_peers.is_empty();
        let master = inst.state() == State::Master;
        let state = self.ah.by_id.get_mut(&t.instance)?;
        if master && !state.master {
            // The first advert as Master (keepalived
            // `vrrp_state_goto_master` restarts a counter that ran out).
            state.seq.becoming_master();
        }
        state.master = master;
        // keepalived vrrp_update_pkt numbers the first copy only.
        let seq = if t.copy == 0 {
            state.seq.next_to_send()
        } else {
            state.seq.seq
        };
        Some(AhSeal {
            key: state.key,
            seq,
            unicast,
        })
    }

    /// The instance left Master: its next advert as Master is a first one
    /// again ([`Router::ah_seal`]).
    pub(super) fn ah_left_master(&mut self, id: InstanceId) {
        if let Some(state) = self.ah.by_id.get_mut(&id) {
            state.master = false;
        }
    }
}
