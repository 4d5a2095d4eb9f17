//! A minimal async request/response transport over an rtnetlink socket
//! (`netlink_sys::Socket` on tokio's `AsyncFd`), with sequence numbers, ACK
//! handling and multi-part dumps.

use std::io;
use std::sync::atomic::{AtomicU32, Ordering};

use netlink_packet_core::{
    NLM_F_ACK, NLM_F_DUMP, NLM_F_REQUEST, NetlinkHeader, NetlinkMessage, NetlinkPayload,
};
use netlink_packet_route::RouteNetlinkMessage;
use netlink_sys::{Socket, SocketAddr, protocols::NETLINK_ROUTE};
use tokio::io::unix::AsyncFd;

use crate::error::NetlinkError;

/// Receive buffer for one netlink datagram (the kernel caps dump parts at ~32 KiB).
const RECV_LEN: usize = 65536;

/// Receive buffer requested for event sockets.
const EVENT_RCVBUF: libc::c_int = 1 << 20;

/// Opens a NETLINK_ROUTE socket subscribed to `groups` (RTMGRP_* bits), non-blocking
/// and registered with tokio.
pub(crate) fn open_socket(groups: u32) -> Result<AsyncFd<Socket>, NetlinkError> {
    let mut sock = Socket::new(NETLINK_ROUTE).map_err(NetlinkError::Socket)?;
    sock.bind(&SocketAddr::new(0, groups))
        .map_err(NetlinkError::Socket)?;
    sock.set_non_blocking(true).map_err(NetlinkError::Socket)?;
    if groups != 0 {
        // Event sockets: room for bursts (hundreds of VIPs added at once) before
        // the kernel reports ENOBUFS. Capped by net.core.rmem_max; best effort.
        let _ = sock.set_rx_buf_sz(EVENT_RCVBUF);
    }
    // Extended ACKs give readable kernel error strings in the future; ignore failure.
    let _ = sock.set_ext_ack(true);
    crate::sys::register_async(sock).map_err(NetlinkError::Socket)
}

/// Receives one datagram.
pub(crate) async fn recv_datagram(sock: &AsyncFd<Socket>) -> Result<Vec<u8>, NetlinkError> {
    loop {
        let mut guard = sock.readable().await.map_err(NetlinkError::Socket)?;
        let res = guard.try_io(|s| {
            let mut buf = Vec::with_capacity(RECV_LEN);
            s.get_ref().recv(&mut buf, 0).map(|_| buf)
        });
        match res {
            Ok(Ok(buf)) => return Ok(buf),
            Ok(Err(e)) if e.raw_os_error() == Some(libc::ENOBUFS) => {
                return Err(NetlinkError::Overrun);
            }
            Ok(Err(e)) if e.kind() == io::ErrorKind::Interrupted => continue,
            Ok(Err(e)) => return Err(NetlinkError::Socket(e)),
            Err(_would_block) => continue,
        }
    }
}

/// Splits a datagram into netlink messages. Undecodable messages are returned as
/// errors in place so callers can decide (skip in dumps, fail in requests).
pub(crate) fn split_messages(
    buf: &[u8],
) -> Vec<Result<NetlinkMessage<RouteNetlinkMessage>, (u32, String)>> {
    let mut out = Vec::new();
    let mut off = 0usize;
    while off + 16 <= buf.len() {
        let len = u32::from_ne_bytes([buf[off], buf[off + 1], buf[off + 2], buf[off + 3]]) as usize;
        let seq = u32::from_ne_bytes([buf[off + 8], buf[off + 9], buf[off + 10], buf[off + 11]]);
        if len < 16 || off + len > buf.len() {
            out.push(Err((seq, format!("bad netlink length {len}"))));
            break;
        }
        match NetlinkMessage::<RouteNetlinkMessage>::deserialize(&buf[off..off + len]) {
            Ok(m) => out.push(Ok(m)),
            Err(e) => out.push(Err((seq, e.to_string()))),
        }
        off += (len + 3) & !3;
    }
    out
}

const NLM_F_CAPPED: u16 = 0x100;
const NLM_F_ACK_TLVS: u16 = 0x200;
const NLMSGERR_ATTR_MSG: u16 = 1;

/// The extended-ACK text of an NLMSG_ERROR (netlink(7) "extended ACK"): `payload`
/// is what follows the error code: the request's header, its body unless the
/// kernel capped it, then TLVs.
pub(crate) fn extack_message(flags: u16, payload: &[u8]) -> Option<String> {
    if flags & NLM_F_ACK_TLVS == 0 || payload.len() < 16 {
        return None;
    }
    let orig_len = u32::from_ne_bytes([payload[0], payload[1], payload[2], payload[3]]) as usize;
    let mut off = if flags & NLM_F_CAPPED != 0 {
        16
    } else {
        (orig_len + 3) & !3
    };
    while off + 4 <= payload.len() {
        let len = usize::from(u16::from_ne_bytes([payload[off], payload[off + 1]]));
        let ty = u16::from_ne_bytes([payload[off + 2], payload[off + 3]]) & 0x3fff;
        if len < 4 || off + len > payload.len() {
            return None;
        }
        if ty == NLMSGERR_ATTR_MSG {
            let text = &payload[off + 4..off + len];
            let text = text.split(|b| *b == 0).next().unwrap_or_default();
            return Some(String::from_utf8_lossy(text).into_owned());
        }
        off += (len + 3) & !3;
    }
    None
}

/// `msg` as a complete netlink request (NLM_F_REQUEST, `flags`, NLM_F_ACK
/// unless it is a dump; sequence number 0 until [`Conn::send_serialized`]
/// sets it).
pub(crate) fn serialize_request(msg: RouteNetlinkMessage, flags: u16) -> Vec<u8> {
    let dump = flags & NLM_F_DUMP == NLM_F_DUMP;
    let mut header = NetlinkHeader::default();
    header.flags = NLM_F_REQUEST | flags | if dump { 0 } else { NLM_F_ACK };
    let mut nl = NetlinkMessage::new(header, NetlinkPayload::InnerMessage(msg));
    nl.finalize();
    let mut buf = vec![0u8; nl.buffer_len()];
    nl.serialize(&mut buf);
    buf
}

/// A request/response rtnetlink connection. Requests are serialised by a mutex so
/// replies never interleave.
#[derive(Debug)]
pub(crate) struct Conn {
    sock: AsyncFd<Socket>,
    seq: AtomicU32,
    lock: tokio::sync::Mutex<()>,
}

impl Conn {
    pub(crate) fn open() -> Result<Self, NetlinkError> {
        Ok(Conn {
            sock: open_socket(0)?,
            seq: AtomicU32::new(1),
            lock: tokio::sync::Mutex::new(()),
        })
    }

    /// The kernel-assigned port id of the socket: the `nlmsg_pid` of the
    /// events its requests cause.
    pub(crate) fn port_id(&self) -> Option<u32> {
        let mut addr = SocketAddr::new(0, 0);
        self.sock.get_ref().get_address(&mut addr).ok()?;
        Some(addr.port_number())
    }

    /// Sends `msg` with `flags` (NLM_F_REQUEST added; NLM_F_ACK added unless it is a
    /// dump) and collects the replies until the ACK or NLMSG_DONE.
    pub(crate) async fn request(
        &self,
        msg: RouteNetlinkMessage,
        flags: u16,
        op: &dyn Fn() -> String,
    ) -> Result<Vec<RouteNetlinkMessage>, NetlinkError> {
        let buf = serialize_request(msg, flags);
        self.send_serialized(buf, op).await
    }

    /// Sends a request made by [`serialize_request`] (its sequence number is
    /// set here) and collects the replies as [`Conn::request`] does.
    pub(crate) async fn send_serialized(
        &self,
        mut buf: Vec<u8>,
        op: &dyn Fn() -> String,
    ) -> Result<Vec<RouteNetlinkMessage>, NetlinkError> {
        let _guard = self.lock.lock().await;
        let seq = self.seq.fetch_add(1, Ordering::Relaxed);
        let Some(seq_bytes) = buf.get_mut(8..12) else {
            return Err(NetlinkError::Decode(
                "request shorter than a netlink header".into(),
            ));
        };
        seq_bytes.copy_from_slice(&seq.to_ne_bytes());
        let flags = buf
            .get(6..8)
            .map_or(0, |b| u16::from_ne_bytes([b[0], b[1]]));
        let dump = flags & NLM_F_DUMP == NLM_F_DUMP;
        loop {
            let mut guard = self.sock.writable().await.map_err(NetlinkError::Socket)?;
            match guard.try_io(|s| s.get_ref().send(&buf, 0)) {
                Ok(Ok(_)) => break,
                Ok(Err(e)) if e.kind() == io::ErrorKind::Interrupted => continue,
                Ok(Err(e)) => return Err(NetlinkError::Socket(e)),
                Err(_would_block) => continue,
            }
        }
        let mut replies = Vec::new();
        loop {
            let data = match recv_datagram(&self.sock).await {
                Ok(d) => d,
                // No multicast groups on this socket: an overrun here is a real error.
                Err(NetlinkError::Overrun) => {
                    return Err(NetlinkError::Socket(io::Error::from_raw_os_error(
                        libc::ENOBUFS,
                    )));
                }
                Err(e) => return Err(e),
            };
            for m in split_messages(&data) {
                let m = match m {
                    Ok(m) => m,
                    Err((s, why)) if s == seq => {
                        if dump {
                            tracing::debug!(%why, "skipping undecodable netlink message in dump");
                            continue;
                        }
                        return Err(NetlinkError::Decode(why));
                    }
                    Err(_) => continue,
                };
                if m.header.sequence_number != seq {
                    continue; // a late reply to an abandoned request
                }
                match m.payload {
                    NetlinkPayload::InnerMessage(inner) => replies.push(inner),
                    NetlinkPayload::Done(_) => return Ok(replies),
                    NetlinkPayload::Error(e) => match e.code {
                        None => return Ok(replies),
                        Some(_) => {
                            let detail = extack_message(m.header.flags, &e.header);
                            return Err(NetlinkError::Kernel {
                                op: op(),
                                source: e.to_io(),
                                detail,
                            });
                        }
                    },
                    NetlinkPayload::Overrun(_) => return Err(NetlinkError::Overrun),
                    _ => {}
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_handles_truncated_and_empty() {
        assert!(split_messages(&[]).is_empty());
        // length field says 100 bytes but only 20 present
        let mut b = vec![0u8; 20];
        b[0] = 100;
        let r = split_messages(&b);
        assert_eq!(r.len(), 1);
        assert!(r[0].is_err());
    }

    #[test]
    fn extack_text_is_found_after_capped_header() {
        let mut p = vec![0u8; 16];
        p[0] = 40; // original length (ignored when capped)
        let msg = b"ipv4: Invalid scope value.\0";
        let len = (4 + msg.len()) as u16;
        p.extend_from_slice(&len.to_ne_bytes());
        p.extend_from_slice(&1u16.to_ne_bytes());
        p.extend_from_slice(msg);
        assert_eq!(
            extack_message(NLM_F_CAPPED | NLM_F_ACK_TLVS, &p).as_deref(),
            Some("ipv4: Invalid scope value.")
        );
        assert_eq!(extack_message(0, &p), None);
        assert_eq!(extack_message(NLM_F_ACK_TLVS, &p[..10]), None);
    }

    #[test]
    fn split_round_trips_a_done_message() {
        let mut header = NetlinkHeader::default();
        header.sequence_number = 9;
        let mut nl: NetlinkMessage<RouteNetlinkMessage> =
            NetlinkMessage::new(header, NetlinkPayload::Done(Default::default()));
        nl.finalize();
        let mut buf = vec![0u8; nl.buffer_len()];
        nl.serialize(&mut buf);
        let twice = [buf.clone(), buf].concat();
        let r = split_messages(&twice);
        assert_eq!(r.len(), 2);
        assert!(matches!(
            r[1].as_ref().unwrap().payload,
            NetlinkPayload::Done(_)
        ));
    }
}
