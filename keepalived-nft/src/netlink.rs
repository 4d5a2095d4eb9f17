//! Sending nf_tables batches: encoding (no socket) and a blocking
//! NETLINK_NETFILTER socket.
//!
//! A batch is NFNL_MSG_BATCH_BEGIN, the requests, NFNL_MSG_BATCH_END, sent
//! in one datagram; the kernel applies all requests or none
//! (`nfnetlink_rcv_batch`). Every request asks for an acknowledgement, so a
//! refusal names the request that caused it.

use std::time::Duration;

use netlink_packet_core::{Emitable, NLM_F_ACK, NLM_F_REQUEST, NetlinkMessage};
use netlink_packet_netfilter::nftables::NfTablesMessage;
use netlink_packet_netfilter::none::ControlMessage;
use netlink_packet_netfilter::{NetfilterHeader, NetfilterMessage, NetfilterProtoFamily};
use netlink_sys::{Socket, SocketAddr, protocols::NETLINK_NETFILTER};

use crate::error::NftError;
use crate::ruleset::{Family, Request};

/// How long the socket waits for the kernel's answers to one batch.
const ANSWER_TIMEOUT: Duration = Duration::from_secs(2);

/// Sends batches of requests; [`NftSocket`] on the kernel, anything else in
/// tests.
pub trait Transport {
    /// Applies `requests` as one batch: all or none.
    fn send_batch(&mut self, requests: &[Request]) -> Result<(), NftError>;
}

fn what(m: &NfTablesMessage) -> &'static str {
    match m {
        NfTablesMessage::NewTable(_) => "add table",
        NfTablesMessage::DeleteTable(_) => "delete table",
        NfTablesMessage::NewChain(_) => "add chain",
        NfTablesMessage::NewRule(_) => "add rule",
        NfTablesMessage::NewSet(_) => "add set",
        NfTablesMessage::NewSetElement(_) => "add set element",
        NfTablesMessage::DeleteSetElement(_) => "delete set element",
        _ => "request",
    }
}

fn control(message: ControlMessage, seq: u32) -> NetlinkMessage<NetfilterMessage> {
    let mut msg = NetlinkMessage::from(NetfilterMessage::new(
        NetfilterHeader::new(
            NetfilterProtoFamily::Unspec,
            0,
            libc::NFNL_SUBSYS_NFTABLES as u16,
        ),
        message,
    ));
    msg.header.flags = NLM_F_REQUEST;
    msg.header.sequence_number = seq;
    msg
}

fn append(out: &mut Vec<u8>, mut msg: NetlinkMessage<NetfilterMessage>) {
    msg.finalize();
    let start = out.len();
    out.resize(start + msg.buffer_len(), 0);
    msg.emit(&mut out[start..]);
}

/// Encodes `requests` as one batch whose requests have sequence numbers
/// `first_seq + 1 ..= first_seq + requests.len()` (the begin and end
/// markers take `first_seq` and the number after the last request).
pub fn encode_batch(requests: &[Request], first_seq: u32) -> Vec<u8> {
    let mut out = Vec::new();
    append(&mut out, control(ControlMessage::BatchBegin, first_seq));
    for (i, r) in requests.iter().enumerate() {
        let family = match r.family {
            Family::Ipv4 => NetfilterProtoFamily::IPv4,
            Family::Ipv6 => NetfilterProtoFamily::IPv6,
        };
        let mut msg = NetlinkMessage::from(NetfilterMessage::new(
            NetfilterHeader::new(family, 0, 0),
            r.message.clone(),
        ));
        msg.header.flags = NLM_F_REQUEST | NLM_F_ACK | r.flags;
        msg.header.sequence_number = first_seq.wrapping_add(1 + i as u32);
        append(&mut out, msg);
    }
    let end = first_seq.wrapping_add(1 + requests.len() as u32);
    append(&mut out, control(ControlMessage::BatchEnd, end));
    out
}

/// One answer of the kernel: the sequence number it answers and the errno
/// (0: acknowledged).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Answer {
    /// Sequence number of the request.
    pub seq: u32,
    /// 0 for an acknowledgement, else the positive errno.
    pub errno: i32,
}

/// The NLMSG_ERROR answers (acknowledgements and refusals) in a datagram
/// from the kernel; other messages are skipped.
pub fn parse_answers(datagram: &[u8]) -> Result<Vec<Answer>, NftError> {
    let mut out = Vec::new();
    let mut rest = datagram;
    while rest.len() >= 16 {
        let word =
            |at: usize| u32::from_ne_bytes([rest[at], rest[at + 1], rest[at + 2], rest[at + 3]]);
        let len = word(0) as usize;
        if len < 16 || len > rest.len() {
            return Err(NftError::Malformed(format!(
                "netlink message of length {len} in {} bytes",
                rest.len()
            )));
        }
        let kind = u16::from_ne_bytes([rest[4], rest[5]]);
        let seq = word(8);
        if kind == libc::NLMSG_ERROR as u16 {
            if len < 20 {
                return Err(NftError::Malformed("short NLMSG_ERROR".into()));
            }
            let code = word(16) as i32;
            out.push(Answer {
                seq,
                errno: code.saturating_neg(),
            });
        }
        // Messages are 4-byte aligned.
        let step = (len + 3) & !3;
        rest = rest.get(step..).unwrap_or_default();
    }
    Ok(out)
}

/// Checks the answers to a batch of `requests` sent from `first_seq`:
/// `Ok(true)` when every request is acknowledged, `Ok(false)` while some
/// are missing, the first refusal as an error.
fn judge(requests: &[Request], first_seq: u32, answers: &[Answer]) -> Result<bool, NftError> {
    let mut acked = 0;
    for a in answers {
        let index = a.seq.wrapping_sub(first_seq).wrapping_sub(1) as usize;
        let Some(r) = requests.get(index) else {
            continue;
        };
        if a.errno != 0 {
            return Err(NftError::Refused {
                index,
                what: what(&r.message),
                errno: a.errno,
            });
        }
        acked += 1;
    }
    Ok(acked == requests.len())
}

/// A NETLINK_NETFILTER socket of the current network namespace.
#[derive(Debug)]
pub struct NftSocket {
    socket: Socket,
    seq: u32,
}

impl NftSocket {
    /// Opens the socket (sending needs CAP_NET_ADMIN).
    pub fn new() -> Result<Self, NftError> {
        let mut socket = Socket::new(NETLINK_NETFILTER)?;
        socket.bind_auto()?;
        socket.connect(&SocketAddr::new(0, 0))?;
        rustix::net::sockopt::set_socket_timeout(
            &socket,
            rustix::net::sockopt::Timeout::Recv,
            Some(ANSWER_TIMEOUT),
        )
        .map_err(std::io::Error::from)?;
        Ok(Self { socket, seq: 0 })
    }
}

impl Transport for NftSocket {
    fn send_batch(&mut self, requests: &[Request]) -> Result<(), NftError> {
        if requests.is_empty() {
            return Ok(());
        }
        let first = self.seq;
        self.seq = self.seq.wrapping_add(requests.len() as u32 + 2);
        let bytes = encode_batch(requests, first);
        self.socket.send(&bytes, 0)?;
        let mut answers = Vec::new();
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            let n = match self.socket.recv(&mut &mut buf[..], 0) {
                Ok(n) => n,
                Err(e)
                    if matches!(
                        e.kind(),
                        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                    ) =>
                {
                    judge(requests, first, &answers)?;
                    let seen = answers
                        .iter()
                        .filter(|a| {
                            a.seq.wrapping_sub(first).wrapping_sub(1) < requests.len() as u32
                        })
                        .count();
                    return Err(NftError::NoAnswer {
                        sent: requests.len(),
                        missing: requests.len().saturating_sub(seen),
                    });
                }
                Err(e) => return Err(e.into()),
            };
            answers.extend(parse_answers(buf.get(..n).unwrap_or_default())?);
            if judge(requests, first, &answers)? {
                return Ok(());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ruleset::{Settings, create_table};

    fn error_message(seq: u32, errno: i32) -> Vec<u8> {
        let mut m = Vec::new();
        m.extend_from_slice(&36u32.to_ne_bytes());
        m.extend_from_slice(&(libc::NLMSG_ERROR as u16).to_ne_bytes());
        m.extend_from_slice(&0u16.to_ne_bytes());
        m.extend_from_slice(&seq.to_ne_bytes());
        m.extend_from_slice(&0u32.to_ne_bytes());
        m.extend_from_slice(&(-errno).to_ne_bytes());
        m.extend_from_slice(&[0u8; 16]);
        m
    }

    #[test]
    fn a_batch_is_framed_by_begin_and_end_with_consecutive_sequence_numbers() {
        let reqs = create_table(&Settings::default(), Family::Ipv4);
        let bytes = encode_batch(&reqs, 100);
        let mut seqs = Vec::new();
        let mut types = Vec::new();
        let mut rest = &bytes[..];
        while !rest.is_empty() {
            let len = u32::from_ne_bytes([rest[0], rest[1], rest[2], rest[3]]) as usize;
            types.push(u16::from_ne_bytes([rest[4], rest[5]]));
            seqs.push(u32::from_ne_bytes([rest[8], rest[9], rest[10], rest[11]]));
            rest = &rest[(len + 3) & !3..];
        }
        assert_eq!(seqs, (100..=107).collect::<Vec<_>>());
        // NFNL_MSG_BATCH_BEGIN / END, then (NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_*.
        assert_eq!(
            types,
            [0x10, 0xa00, 0xa03, 0xa03, 0xa09, 0xa06, 0xa06, 0x11]
        );
    }

    #[test]
    fn answers_name_the_refused_request() {
        let reqs = create_table(&Settings::default(), Family::Ipv4);
        let mut d = error_message(11, 0);
        d.extend(error_message(13, libc::EEXIST));
        let answers = parse_answers(&d).unwrap();
        assert_eq!(
            answers,
            [
                Answer { seq: 11, errno: 0 },
                Answer {
                    seq: 13,
                    errno: libc::EEXIST
                }
            ]
        );
        let err = judge(&reqs, 10, &answers).unwrap_err();
        assert!(
            matches!(err, NftError::Refused { index: 2, what: "add chain", errno } if errno == libc::EEXIST),
            "{err}"
        );
        let all: Vec<_> = (11..=16).map(|s| Answer { seq: s, errno: 0 }).collect();
        assert!(judge(&reqs, 10, &all).unwrap());
        assert!(!judge(&reqs, 10, &all[..5]).unwrap());
    }

    #[test]
    fn malformed_answers_are_errors_not_panics() {
        let mut d = error_message(1, 0);
        d[0] = 200; // longer than the datagram
        assert!(matches!(parse_answers(&d), Err(NftError::Malformed(_))));
        let mut short = error_message(1, 0);
        short.truncate(18);
        short[0] = 18;
        assert!(matches!(parse_answers(&short), Err(NftError::Malformed(_))));
        assert_eq!(parse_answers(&[1, 2, 3]).unwrap(), []);
    }
}
