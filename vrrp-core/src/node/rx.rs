//! The receive path: demultiplex a datagram to its instance, validate,
//! decode, handle.

use core::net::IpAddr;

use alloc::boxed::Box;

use super::{InstanceId, Node, Received, RxError};
use crate::packet::{DropReason, Family, RxMeta, validate};
use crate::time::Instant;

impl<T> Node<T> {
    /// A VRRP datagram (the IP payload) received on interface `ifindex` as
    /// `rx` says.
    ///
    /// The instance is the one receiving on `ifindex` with the datagram's
    /// family and VRID; several instances share a VRID there only in
    /// unicast mode, with distinct peers: the one listing the source wins
    /// (keepalived `vrrp_dispatcher_read` looks instances up by interface,
    /// family and VRID, then by unicast peer), or in multicast mode with
    /// distinct groups: a datagram sent to a group reaches only the
    /// multicast instances of that group (keepalived binds each multicast
    /// socket to its group, `open_vrrp_read_socket`), and one sent to
    /// another group is dropped before any instance sees it
    /// ([`DropReason::DestinationMismatch`]). The datagram then goes
    /// through [`validate`] against the instance's
    /// [`crate::Instance::expectations`], is decoded, and given to
    /// [`crate::Instance::handle_advert`], followed by the sync step. Every
    /// drop is counted.
    pub fn handle_datagram(
        &mut self,
        now: Instant,
        ifindex: u32,
        rx: &RxMeta,
        bytes: &[u8],
    ) -> Result<Received, RxError> {
        let family = Family::of(rx.src);
        let Some(&vrid) = bytes.get(1) else {
            return Err(self.unmatched(ifindex, family, DropReason::Truncated));
        };
        let i = match self.demux(ifindex, family, vrid, rx.src, rx.dst) {
            Ok(i) => i,
            Err(reason) => return Err(self.unmatched(ifindex, family, reason)),
        };
        let (Some(inst), Some(slot)) = (self.instances.get_mut(i), self.slots.get_mut(i)) else {
            return Err(self.unmatched(ifindex, family, DropReason::VridMismatch));
        };
        let parsed = validate(rx, bytes, &inst.expectations()).and_then(|v| {
            // `validate` checked everything `parse_into` checks: a failure
            // here is a malformed message, counted as keepalived counts a
            // bad length (`packet_len_err`).
            self.rx_advert
                .parse_into(&v.packet)
                .map(|()| v.notes)
                .map_err(|_| DropReason::Truncated)
        });
        let notes = match parsed {
            Ok(notes) => notes,
            Err(reason) => return Err(self.reject_at(i, reason)),
        };
        let id = slot.id;
        let ignored = inst.handle_advert(now, rx.src, &self.rx_advert).err();
        let priority = self.rx_advert.priority;
        self.step(now, i);
        Ok(Received {
            instance: id,
            priority,
            notes,
            ignored,
        })
    }

    /// The instance [`Node::handle_datagram`] would give `bytes` (a VRRP
    /// message received on `ifindex` as `rx` says) to, if any. For a caller
    /// that must check something of that instance's first, such as the IPsec
    /// AH header around the message ([`crate::packet::ah`]).
    pub fn receiver(&self, ifindex: u32, rx: &RxMeta, bytes: &[u8]) -> Option<InstanceId> {
        let vrid = *bytes.get(1)?;
        let i = self
            .demux(ifindex, Family::of(rx.src), vrid, rx.src, rx.dst)
            .ok()?;
        self.slots.get(i).map(|s| s.id)
    }

    /// Counts an advert for instance `id` that the caller dropped before
    /// [`Node::handle_datagram`] (an AH check that failed), as that method
    /// counts its own drops; returns the error it would have returned.
    pub fn reject(&mut self, id: InstanceId, reason: DropReason) -> RxError {
        match self.position(id) {
            Some(i) => self.reject_at(i, reason),
            None => RxError::NoInstance(reason),
        }
    }

    fn reject_at(&mut self, i: usize, reason: DropReason) -> RxError {
        let (Some(inst), Some(slot)) = (self.instances.get_mut(i), self.slots.get_mut(i)) else {
            return RxError::NoInstance(reason);
        };
        let drops = slot
            .drops
            .get_or_insert_with(|| Box::new([0; DropReason::ALL.len()]));
        if let Some(c) = drops.get_mut(reason.index()) {
            *c += 1;
        }
        // Every codec reason feeds the instance's counters, address-list and
        // destination mismatches included (keepalived `addr_list_err`; RFC
        // 6527).
        inst.note_rejected(reason.into());
        RxError::Rejected {
            instance: slot.id,
            reason,
        }
    }

    /// The instance receiving (`ifindex`, `family`, `vrid`) from `src` to
    /// `dst`, or why there is none.
    fn demux(
        &self,
        ifindex: u32,
        family: Family,
        vrid: u8,
        src: IpAddr,
        dst: IpAddr,
    ) -> Result<usize, DropReason> {
        let candidates = || self.listening((ifindex, family, vrid));
        let config = |i: &usize| self.instances.get(*i).map(|inst| inst.config());
        let peers = |i: &usize| config(i).map_or(&[][..], |c| c.unicast_peers.as_slice());
        if dst.is_multicast() {
            let multicast = |i: &usize| config(i).is_some_and(|c| c.unicast_peers.is_empty());
            let mut any_multicast = false;
            for i in candidates().filter(multicast) {
                any_multicast = true;
                if config(&i).is_some_and(|c| c.multicast_group() == dst) {
                    return Ok(i);
                }
            }
            if any_multicast {
                return Err(DropReason::DestinationMismatch);
            }
        }
        let first = candidates().next().ok_or(DropReason::VridMismatch)?;
        let p = peers(&first);
        if p.is_empty() || p.contains(&src) {
            return Ok(first);
        }
        Ok(candidates()
            .skip(1)
            .find(|i| peers(i).contains(&src))
            .unwrap_or(first))
    }

    fn unmatched(&mut self, ifindex: u32, family: Family, reason: DropReason) -> RxError {
        *self.unmatched.entry((ifindex, family, reason)).or_default() += 1;
        RxError::NoInstance(reason)
    }
}
