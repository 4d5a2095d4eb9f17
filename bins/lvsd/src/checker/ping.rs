//! PING_CHECK (docs/keepalived.md §5.3): an ICMP (ICMPv6) echo request; success is an
//! echo reply within `connect_timeout`. Uses a ping socket (SOCK_DGRAM) and
//! falls back to a raw socket (root) when `net.ipv4.ping_group_range` does
//! not allow ping sockets.

use std::io;
use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};

use socket2::{Domain, Protocol, Socket, Type};

use super::Outcome;
use crate::model::CheckerSpec;

/// RFC 1071 Internet checksum.
pub fn checksum(data: &[u8]) -> u16 {
    let mut sum: u32 = 0;
    for c in data.chunks(2) {
        let w = u16::from_be_bytes([c[0], *c.get(1).unwrap_or(&0)]);
        sum += u32::from(w);
    }
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}

/// An echo request (RFC 792 / RFC 4443 §4.1).
pub fn echo_request(v6: bool, id: u16, seq: u16) -> Vec<u8> {
    let mut p = vec![if v6 { 128 } else { 8 }, 0, 0, 0];
    p.extend_from_slice(&id.to_be_bytes());
    p.extend_from_slice(&seq.to_be_bytes());
    p.extend_from_slice(b"lvsd-ping-check.");
    if !v6 {
        let c = checksum(&p);
        p[2..4].copy_from_slice(&c.to_be_bytes());
    }
    p
}

/// Sequence numbers of the echo requests, one more per ping (keepalived
/// increments `seq_no` per checker, check_ping.c): a late reply to an
/// earlier check, or another program's ping, does not match the current one.
static SEQ: std::sync::atomic::AtomicU16 = std::sync::atomic::AtomicU16::new(0);

/// The next echo request's sequence number.
pub fn next_seq() -> u16 {
    SEQ.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
}

fn ping_blocking(spec: &CheckerSpec) -> io::Result<bool> {
    let addr = spec.target.addr;
    let v6 = addr.is_ipv6();
    let (domain, proto) = if v6 {
        (Domain::IPV6, Protocol::ICMPV6)
    } else {
        (Domain::IPV4, Protocol::ICMPV4)
    };
    let (sock, raw) = match Socket::new(domain, Type::DGRAM, Some(proto)) {
        Ok(s) => (s, false),
        Err(_) => (Socket::new(domain, Type::RAW, Some(proto))?, true),
    };
    if let Some(dev) = &spec.bind_if {
        sock.bind_device(Some(dev.as_bytes()))?;
    }
    if let Some((ip, _)) = spec.bind {
        sock.bind(&SocketAddr::new(ip, 0).into())?;
    }
    let id = (std::process::id() & 0xffff) as u16;
    let seq = next_seq();
    sock.send_to(&echo_request(v6, id, seq), &SocketAddr::new(addr, 0).into())?;
    let deadline = Instant::now() + spec.timing.connect_timeout;
    // A std datagram socket reads any datagram socket, raw ones included.
    let sock: std::net::UdpSocket = sock.into();
    let mut buf = [0u8; 2048];
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Ok(false);
        }
        sock.set_read_timeout(Some(left.max(Duration::from_millis(1))))?;
        let (n, from) = match sock.recv_from(&mut buf) {
            Ok(x) => x,
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) =>
            {
                return Ok(false);
            }
            Err(e) => return Err(e),
        };
        let data = &buf[..n];
        if from.ip() != addr {
            continue;
        }
        let icmp = if raw && !v6 {
            let ihl = usize::from(data.first().copied().unwrap_or(0) & 0x0f) * 4;
            data.get(ihl..).unwrap_or(&[])
        } else {
            data
        };
        let reply_type = if v6 { 129 } else { 0 };
        if icmp.len() >= 8 && icmp[0] == reply_type {
            // Ping sockets rewrite the id; raw sockets see everybody's replies.
            let rid = u16::from_be_bytes([icmp[4], icmp[5]]);
            let rseq = u16::from_be_bytes([icmp[6], icmp[7]]);
            if rseq == seq && (!raw || rid == id) {
                return Ok(true);
            }
        }
    }
}

/// One ping check.
pub async fn check(spec: &CheckerSpec) -> Outcome {
    let s = spec.clone();
    match tokio::task::spawn_blocking(move || ping_blocking(&s)).await {
        Ok(Ok(true)) => Outcome::pass(),
        Ok(Ok(false)) => Outcome::fail(format!("no echo reply from {}", spec.target.addr)),
        Ok(Err(e)) => Outcome::fail(format!(
            "ping {}: {e}",
            match spec.target.addr {
                IpAddr::V4(a) => a.to_string(),
                IpAddr::V6(a) => a.to_string(),
            }
        )),
        Err(e) => Outcome::fail(e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_ping_has_its_own_sequence_number() {
        let seqs: std::collections::HashSet<u16> = (0..1000).map(|_| next_seq()).collect();
        assert_eq!(seqs.len(), 1000);
    }

    #[test]
    fn echo_request_checksums_to_zero() {
        let p = echo_request(false, 0x1234, 7);
        assert_eq!(p[0], 8);
        assert_eq!(checksum(&p), 0);
        assert_eq!(echo_request(true, 1, 1)[0], 128);
    }
}
