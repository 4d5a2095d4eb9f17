//! A blocking client on a generic-netlink socket. It works in the network
//! namespace of the thread that creates it.

use netlink_packet_core::{
    NLM_F_ACK, NLM_F_REQUEST, NetlinkHeader, NetlinkMessage, NetlinkPayload,
};
use netlink_packet_generic::GenlMessage;
use netlink_packet_generic::ctrl::GenlCtrl;
use netlink_packet_generic::ctrl::GenlCtrlCmd;
use netlink_packet_generic::ctrl::nlas::GenlCtrlAttrs;
use netlink_sys::{Socket, SocketAddr, protocols::NETLINK_GENERIC};

use crate::constants::IPVS_GENL_NAME;
use crate::error::{Error, ParseError};
use crate::message::IpvsMessage;
use crate::model::{Destination, Info, Service, SyncDaemon, Timeouts};
use crate::request::{Reply, Request, parse_replies};

/// Requests per `send` in [`IpvsClient::execute_batch`]: their ACKs must fit
/// the receive buffer.
const BATCH_MESSAGES: usize = 128;
/// Bytes per `send` in a batch.
const BATCH_BYTES: usize = 48 * 1024;
/// Receive buffer for one datagram (the kernel caps dump parts at 32 KiB).
const RECV_BUF: usize = 64 * 1024;

/// A blocking IPVS client: one netlink socket, the family resolved once.
#[derive(Debug)]
pub struct IpvsClient {
    socket: Socket,
    family_id: u16,
    seq: u32,
    recv_buf: Vec<u8>,
    send_buf: Vec<u8>,
}

impl IpvsClient {
    /// Opens a socket and resolves the "IPVS" family through nlctrl.
    pub fn new() -> Result<Self, Error> {
        let mut socket = Socket::new(NETLINK_GENERIC)?;
        socket.bind_auto()?;
        socket.connect(&SocketAddr::new(0, 0))?;
        // Short ACKs (no echo of the request) and room for many of them.
        let _ = socket.set_cap_ack(true);
        let _ = socket.set_rx_buf_sz(1 << 20);
        let mut client = Self {
            socket,
            family_id: 0,
            seq: 0,
            recv_buf: Vec::with_capacity(RECV_BUF),
            send_buf: Vec::with_capacity(BATCH_BYTES + 4096),
        };
        client.family_id = client.resolve_family()?;
        Ok(client)
    }

    /// The resolved generic-netlink family id of IPVS.
    pub fn family_id(&self) -> u16 {
        self.family_id
    }

    fn next_seq(&mut self) -> u32 {
        self.seq = self.seq.wrapping_add(1);
        self.seq
    }

    fn resolve_family(&mut self) -> Result<u16, Error> {
        let seq = self.next_seq();
        let mut genl = GenlMessage::from_payload(GenlCtrl {
            cmd: GenlCtrlCmd::GetFamily,
            nlas: vec![GenlCtrlAttrs::FamilyName(IPVS_GENL_NAME.to_string())],
        });
        genl.finalize();
        let mut header = NetlinkHeader::default();
        header.flags = NLM_F_REQUEST | NLM_F_ACK;
        header.sequence_number = seq;
        let mut msg = NetlinkMessage::new(header, NetlinkPayload::InnerMessage(genl));
        msg.finalize();
        let mut buf = vec![0; msg.buffer_len()];
        msg.serialize(&mut buf);
        self.socket.send(&buf, 0)?;
        let mut family = None;
        loop {
            self.recv()?;
            let mut off = 0;
            while off + 16 <= self.recv_buf.len() {
                let rest = &self.recv_buf[off..];
                let len = u32::from_ne_bytes([rest[0], rest[1], rest[2], rest[3]]) as usize;
                if len < 16 || len > rest.len() {
                    return Err(ParseError::Unexpected(format!("netlink length {len}")).into());
                }
                let m = NetlinkMessage::<GenlMessage<GenlCtrl>>::deserialize(&rest[..len])
                    .map_err(ParseError::from)?;
                if m.header.sequence_number == seq {
                    match m.payload {
                        NetlinkPayload::InnerMessage(g) => {
                            for nla in g.payload.nlas {
                                if let GenlCtrlAttrs::FamilyId(id) = nla {
                                    family = Some(id);
                                }
                            }
                        }
                        NetlinkPayload::Error(e) => {
                            return match e.code {
                                None => family.ok_or(Error::FamilyNotFound),
                                Some(c) if c.get() == -libc::ENOENT => Err(Error::FamilyNotFound),
                                Some(c) => Err(std::io::Error::from_raw_os_error(-c.get()).into()),
                            };
                        }
                        _ => {}
                    }
                }
                off += (len + 3) & !3;
            }
        }
    }

    fn recv(&mut self) -> Result<(), Error> {
        self.recv_buf.clear();
        self.recv_buf.reserve(RECV_BUF);
        loop {
            match self.socket.recv(&mut self.recv_buf, 0) {
                Ok(_) => return Ok(()),
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e.into()),
            }
        }
    }

    /// Sends one request and collects its reply messages (all parts of a
    /// dump), mapping a kernel error to a typed [`Error`] naming the object.
    pub fn execute(&mut self, request: &Request) -> Result<Vec<IpvsMessage>, Error> {
        let seq = self.next_seq();
        self.send_buf.clear();
        request.emit(self.family_id, seq, &mut self.send_buf);
        self.socket.send(&self.send_buf, 0)?;
        let dump = request.is_dump();
        let mut messages = Vec::new();
        loop {
            self.recv()?;
            for reply in parse_replies(&self.recv_buf)? {
                if reply.seq() != seq {
                    continue; // a late reply to an earlier request
                }
                match reply {
                    Reply::Message { message, .. } => messages.push(message),
                    Reply::Error { errno, .. } => {
                        return Err(Error::from_errno(errno, request.object()));
                    }
                    Reply::Ack { .. } if !dump => return Ok(messages),
                    Reply::Done { .. } if dump => return Ok(messages),
                    Reply::Ack { .. } | Reply::Done { .. } => {}
                }
            }
        }
    }

    /// Sends many requests with few system calls (up to 128 per datagram)
    /// and returns one result per request, in order. Requests after a failed
    /// one are still executed. Dumps are not allowed here (their result
    /// would be dropped): use [`execute`](Self::execute).
    pub fn execute_batch(&mut self, requests: &[Request]) -> Result<Vec<Result<(), Error>>, Error> {
        let mut results: Vec<Option<Result<(), Error>>> = Vec::with_capacity(requests.len());
        for chunk_start in (0..requests.len()).step_by(BATCH_MESSAGES) {
            let chunk_end = (chunk_start + BATCH_MESSAGES).min(requests.len());
            let mut i = chunk_start;
            while i < chunk_end {
                // Fill one datagram.
                self.send_buf.clear();
                let first_seq = self.seq.wrapping_add(1);
                let first = i;
                while i < chunk_end && (i == first || self.send_buf.len() < BATCH_BYTES) {
                    let seq = self.next_seq();
                    requests[i].emit(self.family_id, seq, &mut self.send_buf);
                    results.push(None);
                    i += 1;
                }
                self.socket.send(&self.send_buf, 0)?;
                let mut pending = i - first;
                while pending > 0 {
                    self.recv()?;
                    for reply in parse_replies(&self.recv_buf)? {
                        let idx = reply.seq().wrapping_sub(first_seq) as usize;
                        if idx >= i - first {
                            continue;
                        }
                        let slot = &mut results[first + idx];
                        if slot.is_some() {
                            continue;
                        }
                        match reply {
                            Reply::Ack { .. } => *slot = Some(Ok(())),
                            Reply::Error { errno, .. } => {
                                *slot = Some(Err(Error::from_errno(
                                    errno,
                                    requests[first + idx].object(),
                                )))
                            }
                            _ => continue,
                        }
                        pending -= 1;
                    }
                }
            }
        }
        Ok(results.into_iter().map(|r| r.unwrap_or(Ok(()))).collect())
    }

    fn ack(&mut self, request: Request) -> Result<(), Error> {
        self.execute(&request).map(|_| ())
    }

    /// GET_INFO: IPVS version and connection table size.
    pub fn info(&mut self) -> Result<Info, Error> {
        let msgs = self.execute(&Request::GetInfo)?;
        let first = msgs.first().ok_or(ParseError::Missing("GET_INFO reply"))?;
        Ok(first.info()?)
    }

    /// Dumps all services (unsorted, in kernel order).
    pub fn services(&mut self) -> Result<Vec<Service>, Error> {
        let msgs = self.execute(&Request::DumpServices)?;
        Ok(msgs
            .iter()
            .map(IpvsMessage::service)
            .collect::<Result<_, _>>()?)
    }

    /// Gets one service (its key is what matters).
    pub fn service(&mut self, service: &Service) -> Result<Service, Error> {
        let msgs = self.execute(&Request::GetService(service.clone()))?;
        let first = msgs
            .first()
            .ok_or(ParseError::Missing("GET_SERVICE reply"))?;
        Ok(first.service()?)
    }

    /// Dumps the destinations of a service (unsorted, in kernel order).
    pub fn destinations(&mut self, service: &Service) -> Result<Vec<Destination>, Error> {
        let af = service.key.af();
        let msgs = self.execute(&Request::DumpDests(service.clone()))?;
        Ok(msgs
            .iter()
            .map(|m| m.destination(af))
            .collect::<Result<_, _>>()?)
    }

    /// Adds a service.
    pub fn new_service(&mut self, service: &Service) -> Result<(), Error> {
        self.ack(Request::NewService(service.clone()))
    }

    /// Edits a service.
    pub fn set_service(&mut self, service: &Service) -> Result<(), Error> {
        self.ack(Request::SetService(service.clone()))
    }

    /// Deletes a service.
    pub fn del_service(&mut self, service: &Service) -> Result<(), Error> {
        self.ack(Request::DelService(service.clone()))
    }

    /// Adds a destination.
    pub fn new_dest(&mut self, service: &Service, dest: &Destination) -> Result<(), Error> {
        self.ack(Request::NewDest(service.clone(), dest.clone()))
    }

    /// Edits a destination (weight, thresholds, forwarding, tunnel).
    pub fn set_dest(&mut self, service: &Service, dest: &Destination) -> Result<(), Error> {
        self.ack(Request::SetDest(service.clone(), dest.clone()))
    }

    /// Deletes a destination.
    pub fn del_dest(&mut self, service: &Service, dest: &Destination) -> Result<(), Error> {
        self.ack(Request::DelDest(service.clone(), dest.clone()))
    }

    /// Deletes every service.
    pub fn flush(&mut self) -> Result<(), Error> {
        self.ack(Request::Flush)
    }

    /// Zeroes the counters of one service, or of all with `None`.
    pub fn zero(&mut self, service: Option<&Service>) -> Result<(), Error> {
        self.ack(Request::Zero(service.cloned()))
    }

    /// Reads the connection timeouts.
    pub fn timeouts(&mut self) -> Result<Timeouts, Error> {
        let msgs = self.execute(&Request::GetTimeouts)?;
        Ok(msgs.first().map(IpvsMessage::timeouts).unwrap_or_default())
    }

    /// Sets the connection timeouts (0 = unchanged).
    pub fn set_timeouts(&mut self, timeouts: &Timeouts) -> Result<(), Error> {
        self.ack(Request::SetTimeouts(*timeouts))
    }

    /// Lists the running sync daemons.
    pub fn daemons(&mut self) -> Result<Vec<SyncDaemon>, Error> {
        let msgs = self.execute(&Request::DumpDaemons)?;
        Ok(msgs
            .iter()
            .map(IpvsMessage::daemon)
            .collect::<Result<_, _>>()?)
    }

    /// Starts a sync daemon.
    pub fn new_daemon(&mut self, daemon: &SyncDaemon) -> Result<(), Error> {
        self.ack(Request::NewDaemon(daemon.clone()))
    }

    /// Stops a sync daemon (its state and sync id are what matter).
    pub fn del_daemon(&mut self, daemon: &SyncDaemon) -> Result<(), Error> {
        self.ack(Request::DelDaemon(daemon.clone()))
    }
}
