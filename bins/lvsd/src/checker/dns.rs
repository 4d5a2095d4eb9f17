//! DNS_CHECK (docs/keepalived.md §5.3): a UDP query with RD=1 for `name`/`type`;
//! success is a response with the same ID and question, QR=1 and RCODE 0
//! (answers are not inspected); a datagram with another ID or question is
//! not the answer and is skipped. Port 53 when the checker has none.

use super::{Outcome, net};
use crate::model::CheckerSpec;

/// Encodes a query (RFC 1035 §4.1).
pub fn query(id: u16, name: &str, qtype: u16) -> Vec<u8> {
    let mut q = Vec::with_capacity(32 + name.len());
    q.extend_from_slice(&id.to_be_bytes());
    q.extend_from_slice(&[0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]); // RD; QDCOUNT 1
    for label in name.split('.').filter(|l| !l.is_empty()) {
        let l = &label.as_bytes()[..label.len().min(63)];
        q.push(l.len() as u8);
        q.extend_from_slice(l);
    }
    q.push(0);
    q.extend_from_slice(&qtype.to_be_bytes());
    q.extend_from_slice(&1u16.to_be_bytes()); // IN
    q
}

/// Why a datagram does not pass as the answer to the query.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BadResponse {
    /// Shorter than a DNS header.
    #[error("short response")]
    Short,
    /// Another ID or question: not the answer to our query (skipped, not a
    /// failure).
    #[error("ID or question mismatch")]
    NotOurs,
    /// QR is 0.
    #[error("not a response")]
    NotAResponse,
    /// The server answered with an error code.
    #[error("RCODE {0}")]
    Rcode(u8),
}

/// Judges a response to `query` (as built by [`query`]): same ID, one
/// question equal to the query's (the name compared without regard to
/// ASCII case), QR=1, RCODE 0.
pub fn judge(query: &[u8], resp: &[u8]) -> Result<(), BadResponse> {
    if resp.len() < 12 || query.len() < 12 {
        return Err(BadResponse::Short);
    }
    if resp[..2] != query[..2] {
        return Err(BadResponse::NotOurs);
    }
    let question = &query[12..];
    let same_question = resp[4..6] == [0, 1]
        && resp
            .get(12..12 + question.len())
            .is_some_and(|q| q.eq_ignore_ascii_case(question));
    if !same_question {
        return Err(BadResponse::NotOurs);
    }
    if resp[2] & 0x80 == 0 {
        return Err(BadResponse::NotAResponse);
    }
    match resp[3] & 0x0f {
        0 => Ok(()),
        r => Err(BadResponse::Rcode(r)),
    }
}

/// One DNS check.
pub async fn check(spec: &CheckerSpec, qtype: u16, name: &str) -> Outcome {
    let id = (std::process::id() as u16)
        ^ (std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0) as u16);
    let sock = match net::udp_connect(spec, 53).await {
        Ok(s) => s,
        Err(e) => return Outcome::fail(format!("socket: {e}")),
    };
    let q = query(id, name, qtype);
    if let Err(e) = sock.send(&q).await {
        return Outcome::fail(format!("send: {e}"));
    }
    let mut buf = [0u8; 4096];
    let deadline = tokio::time::Instant::now() + spec.timing.connect_timeout;
    loop {
        match tokio::time::timeout_at(deadline, sock.recv(&mut buf)).await {
            Err(_) => return Outcome::fail("no response"),
            Ok(Err(e)) => return Outcome::fail(format!("recv: {e}")),
            Ok(Ok(n)) => match judge(&q, &buf[..n]) {
                Err(BadResponse::NotOurs) => continue,
                Err(e) => return Outcome::fail(e.to_string()),
                Ok(()) => return Outcome::pass(),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_layout_and_judgement() {
        let q = query(0x1234, "example.org.", 6);
        assert_eq!(&q[..12], &[0x12, 0x34, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0]);
        assert_eq!(&q[12..], b"\x07example\x03org\x00\x00\x06\x00\x01");
        assert_eq!(query(1, "", 2)[12..], [0, 0, 2, 0, 1]);
        let mut r = q.clone();
        r[2] |= 0x80;
        assert_eq!(judge(&q, &r), Ok(()));
        assert!(judge(&query(0x1235, "example.org.", 6), &r).is_err());
        assert!(judge(&q, &q).is_err(), "QR=0");
        // the name's case does not matter (servers may echo it changed)
        let upper = query(0x1234, "EXAMPLE.org.", 6);
        assert_eq!(judge(&upper, &r), Ok(()));
        r[3] = 0x83;
        assert_eq!(judge(&q, &r), Err(BadResponse::Rcode(3)));
        assert_eq!(BadResponse::Rcode(3).to_string(), "RCODE 3");
    }

    #[test]
    fn a_response_to_another_question_is_not_the_answer() {
        let q = query(0x1234, "example.org.", 6);
        let mut other = query(0x1234, "example.net.", 6);
        other[2] |= 0x80;
        assert_eq!(judge(&q, &other), Err(BadResponse::NotOurs));
        let mut other_type = query(0x1234, "example.org.", 1);
        other_type[2] |= 0x80;
        assert_eq!(judge(&q, &other_type), Err(BadResponse::NotOurs));
        let mut no_question = q.clone();
        no_question[2] |= 0x80;
        no_question[5] = 0;
        no_question.truncate(12);
        assert_eq!(judge(&q, &no_question), Err(BadResponse::NotOurs));
    }
}
