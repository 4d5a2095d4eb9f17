//! UDP_CHECK (docs/keepalived.md §5.3): send the payload on a connected UDP socket.
//! Without `require_reply`, an ICMP unreachable fails and silence until
//! `connect_timeout` passes; with it, a reply must come, its length must be
//! within [min, max] and it must match the pattern (`x` nibbles are
//! wildcards) over min(length, pattern) bytes.

use super::{Outcome, net};
use crate::model::{CheckerSpec, UdpSpec};

/// Why a reply fails the check (the server's answer is at fault).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BadReply {
    /// Its length is outside [min_reply_length, max_reply_length].
    #[error("reply length {0}")]
    Length(usize),
    /// It does not match `require_reply`.
    #[error("reply does not match")]
    Mismatch,
}

/// Judges a reply.
pub fn judge(u: &UdpSpec, reply: &[u8]) -> Result<(), BadReply> {
    if reply.len() < u.min_reply_length || reply.len() > u.max_reply_length {
        return Err(BadReply::Length(reply.len()));
    }
    if let Some(pat) = &u.require_reply {
        for (b, (v, m)) in reply.iter().zip(pat) {
            if b & m != v & m {
                return Err(BadReply::Mismatch);
            }
        }
    }
    Ok(())
}

/// One UDP check.
pub async fn check(spec: &CheckerSpec, u: &UdpSpec) -> Outcome {
    let sock = match net::udp_connect(spec, 0).await {
        Ok(s) => s,
        Err(e) => return Outcome::fail(format!("socket: {e}")),
    };
    let payload = u
        .payload
        .clone()
        .unwrap_or_else(|| b"lvsd-udp-check".to_vec());
    if let Err(e) = sock.send(&payload).await {
        return Outcome::fail(format!("send: {e}"));
    }
    let mut buf = vec![0u8; 65536];
    match tokio::time::timeout(spec.timing.connect_timeout, sock.recv(&mut buf)).await {
        Err(_) if u.require_reply.is_none() => Outcome::pass(),
        Err(_) => Outcome::fail("no reply"),
        Ok(Err(e)) => Outcome::fail(format!("recv: {e}")),
        Ok(Ok(n)) if u.require_reply.is_some() => match judge(u, &buf[..n]) {
            Ok(()) => Outcome::pass(),
            Err(e) => Outcome::fail(e.to_string()),
        },
        Ok(Ok(_)) => Outcome::pass(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pattern_and_length() {
        let u = UdpSpec {
            payload: None,
            require_reply: Some(vec![(0x0a, 0xff), (0x01, 0x0f)]),
            min_reply_length: 2,
            max_reply_length: 4,
        };
        assert_eq!(judge(&u, &[0x0a, 0x71]), Ok(()));
        assert!(judge(&u, &[0x0a, 0x72]).is_err());
        assert!(judge(&u, &[0x0a]).is_err());
        assert!(judge(&u, &[0x0a, 0x01, 0, 0, 0]).is_err());
    }
}
